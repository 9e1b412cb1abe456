/* Placeholder for the IPv6 network layer while it is being built (issue
 * #13): the transport can be written against net6/net6.h, and every IPv6
 * destination is unreachable until ipv6_output exists. Deleted when the
 * IPv6 layer lands. */
#include "net6/net6.h"

int ipv6_output(struct ust_stack *st, const struct ipv6_out *o, struct pkt *p)
{
    (void)st;
    (void)o;
    pkt_free(p);
    return UST_ERR_NOROUTE;
}

int ipv6_source_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                    struct ipv6_addr *src)
{
    (void)st;
    (void)dst;
    (void)ifindex;
    (void)src;
    return UST_ERR_NOROUTE;
}

unsigned ipv6_mtu_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex)
{
    (void)st;
    (void)dst;
    (void)ifindex;
    return IPV6_MIN_MTU;
}

unsigned ipv6_gso_max_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex)
{
    (void)st;
    (void)dst;
    (void)ifindex;
    return 0;
}

bool ipv6_is_local(const struct ust_stack *st, const struct ipv6_addr *a, int ifindex)
{
    (void)st;
    (void)a;
    (void)ifindex;
    return false;
}

int ip6_proto_register(struct ust_stack *st, uint8_t proto, const struct ip6_proto_ops *ops)
{
    (void)st;
    (void)proto;
    (void)ops;
    return 0;
}
