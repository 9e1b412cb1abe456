/* IPv6 multicast on UDP sockets (RFC 3493 5.2, RFC 3678 5.1, the errors
 * Linux returns): IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP (struct ipv6_mreq;
 * also under the names IPV6_ADD_MEMBERSHIP / IPV6_DROP_MEMBERSHIP) and
 * MCAST_JOIN_GROUP / MCAST_LEAVE_GROUP (struct group_req with an AF_INET6
 * group), IPV6_MULTICAST_IF / _HOPS / _LOOP, and what they change in a
 * datagram sent to a group. Interfaces are the stack's index + 1, as
 * sin6_scope_id; 0 lets the route choose. The memberships are the ones of
 * udp_mcast.c, which MLD announces (mld6.c). */
#include <netinet/in.h>
#include <string.h>

#include "net6/net6.h"
#include "tp_net.h"
#include "transport/sock_ops.h"
#include "udp_mcast.h"

/* A join or leave of group on interface index1 (index + 1; 0: the one the
 * group routes to for a join, every one for a leave). Linux's
 * ipv6_sock_mc_join/_drop: EINVAL for a unicast group, ENODEV for no such
 * interface. */
static int membership6(struct ust_stack *st, struct udp_pcb *pcb, bool join, uint32_t index1,
                       const uint8_t group[16])
{
    struct ust_addr g = ust_addr_from_ip6(group, 0);
    struct ipv6_addr a = tp_ip6(&g);
    if (!ipv6_addr_is_multicast(&a))
        return UST_ERR_INVAL;
    int ifindex = index1 ? (int)index1 - 1 : -1;
    if (!join)
        return udp_mcast_drop(st, pcb, &g, ifindex);
    if (index1 == 0)
        ifindex = ipv6_mcast_iface(st, &a);
    if (ifindex < 0 || index1 > UST_MAX_IFACES || !ipv6_iface_exists(st, ifindex))
        return UST_ERR_NODEV;
    return udp_mcast_add(st, pcb, &g, ifindex);
}

static int set_mreq6(struct ust_stack *st, struct udp_pcb *pcb, bool join, const void *val,
                     size_t len)
{
    struct ipv6_mreq m;
    if (!val || len < sizeof(m))
        return UST_ERR_INVAL;
    memcpy(&m, val, sizeof(m));
    return membership6(st, pcb, join, m.ipv6mr_interface, m.ipv6mr_multiaddr.s6_addr);
}

/* RFC 3678 5.1 at IPPROTO_IPV6: only an AF_INET6 group (Linux:
 * EADDRNOTAVAIL for any other family). */
static int set_group_req6(struct ust_stack *st, struct udp_pcb *pcb, bool join, const void *val,
                          size_t len)
{
    struct group_req gr;
    if (!val || len < sizeof(gr))
        return UST_ERR_INVAL;
    memcpy(&gr, val, sizeof(gr));
    if (gr.gr_group.ss_family != AF_INET6)
        return UST_ERR_ADDRNOTAVAIL;
    struct sockaddr_in6 sin6;
    memcpy(&sin6, &gr.gr_group, sizeof(sin6));
    return membership6(st, pcb, join, gr.gr_interface, sin6.sin6_addr.s6_addr);
}

/* RFC 3493 5.2: each value is an int (shorter: EINVAL, as Linux). */
static int set_value6(struct ust_stack *st, struct udp_mcast *mc, int name, const void *val,
                      size_t len)
{
    int v;
    if (!val || len < sizeof(v))
        return UST_ERR_INVAL;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case IPV6_MULTICAST_IF: /* 0: by route; else an interface, ENODEV if none */
        if (v != 0 && (v < 0 || v > UST_MAX_IFACES || !ipv6_iface_exists(st, v - 1)))
            return UST_ERR_NODEV;
        mc->ifindex6 = v - 1;
        return UST_OK;
    case IPV6_MULTICAST_HOPS: /* -1: the default (1); 0 stays in this host */
        if (v < -1 || v > 255)
            return UST_ERR_INVAL;
        mc->hops6 = v == -1 ? 1 : v;
        return UST_OK;
    default: /* IPV6_MULTICAST_LOOP: 0 or 1, nothing else */
        if (v != 0 && v != 1)
            return UST_ERR_INVAL;
        mc->loop6 = v == 1;
        return UST_OK;
    }
}

int udp_mcast6_setsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                          size_t len)
{
    switch (name) {
    case IPV6_ADD_MEMBERSHIP: /* = IPV6_JOIN_GROUP */
    case IPV6_DROP_MEMBERSHIP: /* = IPV6_LEAVE_GROUP */
        return set_mreq6(st, pcb, name == IPV6_ADD_MEMBERSHIP, val, len);
    case MCAST_JOIN_GROUP:
    case MCAST_LEAVE_GROUP:
        return set_group_req6(st, pcb, name == MCAST_JOIN_GROUP, val, len);
    case IPV6_MULTICAST_IF:
    case IPV6_MULTICAST_HOPS:
    case IPV6_MULTICAST_LOOP:
        if (!udp_mcast_of(pcb))
            return UST_ERR_NOMEM;
        return set_value6(st, pcb->mc, name, val, len);
    default:
        return udp_mcast6_source_opt(st, pcb, name, val, len);
    }
}

int udp_mcast6_getsockopt(const struct udp_pcb *pcb, int name, void *val, size_t *len)
{
    const struct udp_mcast *mc = pcb->mc;
    int v;
    switch (name) {
    case IPV6_MULTICAST_IF: v = mc ? mc->ifindex6 + 1 : 0; break;
    case IPV6_MULTICAST_HOPS: v = mc ? mc->hops6 : 1; break;
    case IPV6_MULTICAST_LOOP: v = mc ? mc->loop6 : 1; break;
    default: return UST_ERR_NOPROTOOPT;
    }
    size_t n = *len < sizeof(v) ? *len : sizeof(v);
    memcpy(val, &v, n);
    *len = n;
    return UST_OK;
}

void udp_mcast_dst6(const struct udp_pcb *pcb, struct ust_addr *dst)
{
    /* As Linux: a scope id given with a link-scope group wins, then
     * IPV6_MULTICAST_IF, then the route. */
    if (dst->family == UST_AF_INET6 && dst->u.v6[0] == 0xff && dst->scope_id == 0 && pcb->mc &&
        pcb->mc->ifindex6 >= 0)
        dst->scope_id = (uint32_t)pcb->mc->ifindex6 + 1;
}

void udp_mcast_out6(const struct udp_pcb *pcb, const struct sock_tx_meta *tx, struct ipv6_out *o)
{
    if (!ipv6_addr_is_multicast(&o->dst))
        return;
    const struct udp_mcast *mc = pcb->mc;
    /* RFC 3493 5.2: IPV6_MULTICAST_HOPS, not the unicast hop limit. */
    if (!(tx && tx->hops >= 0)) /* the message's IPV6_HOPLIMIT wins */
        o->hop_limit = (int16_t)(mc ? mc->hops6 : 1);
    o->mc_loop = mc ? mc->loop6 : true;
}
