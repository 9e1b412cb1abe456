/* IPv6 output (RFC 8200, RFC 4861 5.2): source check or choice, next hop,
 * the fixed header, fragmentation at the source above the path MTU, and
 * the link: multicast to its MAC (RFC 2464 7), unicast through the
 * neighbour cache. Packets to our own addresses go through the poll-time
 * local queue, so output never re-enters input. */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_gso.h"
#include "link/link.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "wire/eth.h"

unsigned ip6_link_mtu(const struct ust_stack *st, int ifindex)
{
    struct ust_dev *dev = ip6_dev(st, ifindex);
    unsigned mtu = dev ? slaac_link_mtu(st, ifindex, ust_dev_mtu(dev)) : IPV6_MIN_MTU;
    return mtu < IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu;
}

bool ip6_link_noarp(const struct ust_stack *st, int ifindex)
{
    struct ust_dev *dev = ip6_dev(st, ifindex);
    return dev && ust_dev_link_type(dev) == UST_LINK_IP;
}

int ip6_link_send(struct ust_stack *st, int ifindex, const struct ipv6_addr *nh, struct pkt *p)
{
    struct ust_dev *dev = ip6_dev(st, ifindex);
    if (!dev) {
        pkt_free(p);
        return UST_ERR_NETDOWN;
    }
    uint8_t mac[6] = {0};
    if (ipv6_addr_is_multicast(nh)) {
        ipv6_mcast_mac(nh, mac);
        stack_stats(st)->ip6.Ip6OutMcastPkts++;
        return eth_output(st, dev, p, mac, ETH_TYPE_IPV6);
    }
    /* A point-to-point link without link-layer addresses (TUN): every
     * neighbour is reachable without resolution (RFC 4861 7.2: address
     * resolution only where the link has addresses; Linux's NUD_NOARP). */
    if (ust_dev_link_type(dev) == UST_LINK_IP)
        return eth_output(st, dev, p, mac, ETH_TYPE_IPV6);
    return nd_output(st, ifindex, nh, p);
}

int ip6_send(struct ust_stack *st, int ifindex, const struct ipv6_hdr *h,
             const struct ipv6_addr *nh, struct pkt *p)
{
    struct ipv6_hdr hh = *h;
    hh.payload_len = (uint16_t)p->len;
    uint8_t *hdr = pkt_push(p, IPV6_HDR_LEN);
    if (!hdr) {
        stack_stats(st)->ip6.Ip6OutDiscards++;
        pkt_free(p);
        return UST_ERR_NOMEM;
    }
    ipv6_emit(&hh, hdr, IPV6_HDR_LEN);
    return ip6_link_send(st, ifindex, nh, p);
}

/* Packets to ourselves: the whole packet through the local queue. */
static int ip6_output_local(struct ust_stack *st, const struct ipv6_hdr *h, struct pkt *p)
{
    struct ipv6_hdr hh = *h;
    hh.payload_len = (uint16_t)p->len;
    uint8_t *hdr = pkt_push(p, IPV6_HDR_LEN);
    if (!hdr) {
        pkt_free(p);
        return UST_ERR_NOMEM;
    }
    ipv6_emit(&hh, hdr, IPV6_HDR_LEN);
    return ip6_local_enqueue(st, p);
}

static int output_fail(struct ust_stack *st, struct pkt *p, int err)
{
    if (err == UST_ERR_NOROUTE)
        stack_stats(st)->ip6.Ip6OutNoRoutes++;
    else
        stack_stats(st)->ip6.Ip6OutDiscards++;
    pkt_free(p);
    return err;
}

int ipv6_output(struct ust_stack *st, const struct ipv6_out *o, struct pkt *p)
{
    stack_stats(st)->ip6.Ip6OutRequests++;
    /* ADDR-1, ADDR-3: never to ::, never to a multicast scope 0. */
    if (ipv6_addr_is_unspecified(&o->dst) ||
        (ipv6_addr_is_multicast(&o->dst) && ipv6_mcast_scope(&o->dst) == 0))
        return output_fail(st, p, UST_ERR_INVAL);
    if (p->len > 65535)
        return output_fail(st, p, UST_ERR_MSGSIZE);
    struct ipv6_hdr h = {.tclass = o->tclass, .next_hdr = o->proto, .dst = o->dst,
                         .hop_limit = o->hop_limit >= 0 ? (uint8_t)o->hop_limit
                                                        : ust_stack_config(st)->ipv6_hop_limit};
    if (ipv6_addr_is_unspecified(&o->src)) {
        if (ipv6_source_for(st, &o->dst, o->ifindex, &h.src) != UST_OK)
            return output_fail(st, p, UST_ERR_NOROUTE);
    } else if (!ipv6_is_local(st, &o->src, -1) || ipv6_addr_is_multicast(&o->src)) {
        return output_fail(st, p, UST_ERR_ADDRNOTAVAIL); /* SAS-2, ADDR-2 */
    } else {
        h.src = o->src;
    }
    if (ipv6_is_local(st, &o->dst, -1))
        return ip6_output_local(st, &h, p);
    if (ipv6_addr_is_loopback(&h.src))
        return output_fail(st, p, UST_ERR_INVAL); /* ADDR-1: ::1 never leaves */
    int ifindex;
    struct ipv6_addr nh;
    if (route6_next_hop(st, &o->dst, o->ifindex, &ifindex, &nh) != UST_OK)
        return output_fail(st, p, UST_ERR_NOROUTE);
    if (o->hop_limit < 0 && slaac_hop_limit(st, ifindex) > 0)
        h.hop_limit = (uint8_t)slaac_hop_limit(st, ifindex); /* RA Cur Hop Limit (RFC 4861 6.3.4) */
    char a[IPV6_ADDR_STRLEN], b[IPV6_ADDR_STRLEN], nhn[8];
    TRACE(st, "ip6", "tx %s->%s next %s len %zu hlim %u", IP6STR(&h.src, a), IP6STR(&h.dst, b),
          ipv6_nh_name(h.next_hdr, nhn), p->len + IPV6_HDR_LEN, h.hop_limit);
    if (ipv6_addr_is_multicast(&o->dst)) {
        if (o->mc_loop && ip6_mcast_joined(st, ifindex, &o->dst))
            ip6_mcast_loop(st, &h, p);
        if (h.hop_limit == 0) /* RFC 3493 5.2: hop limit 0 stays in this host (as Linux) */
            return output_fail(st, p, UST_OK);
    }
    unsigned mtu = ipv6_mtu_for(st, &o->dst, ifindex);
    if (o->min_mtu && mtu > IPV6_MIN_MTU)
        mtu = IPV6_MIN_MTU; /* RFC 3542 11.1 */
    if (p->len + IPV6_HDR_LEN > mtu && p->off.gso_size == 0) {
        if (o->dontfrag)
            return output_fail(st, p, UST_ERR_MSGSIZE);
        return ip6_fragment(st, ifindex, &h, &nh, p, mtu);
    }
    return ip6_send(st, ifindex, &h, &nh, p);
}

unsigned ipv6_mtu_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex)
{
    int out_if = ifindex;
    struct ipv6_addr nh;
    if (route6_next_hop(st, dst, ifindex, &out_if, &nh) != UST_OK)
        return IPV6_MIN_MTU;
    unsigned mtu = ip6_link_mtu(st, out_if);
    unsigned pmtu = pmtu6_get(st, dst);
    return pmtu && pmtu < mtu ? pmtu : mtu;
}

/* The device a packet to dst leaves by; NULL for a local or unrouted one
 * (those never reach a driver). */
static struct ust_dev *out_dev(const struct ust_stack *st, const struct ipv6_addr *dst,
                               int ifindex)
{
    int out_if = ifindex;
    struct ipv6_addr nh;
    if (ipv6_is_local(st, dst, -1) ||
        route6_next_hop(st, dst, ifindex, &out_if, &nh) != UST_OK)
        return NULL;
    return ip6_dev(st, out_if);
}

unsigned ipv6_gso_max_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex)
{
    struct ust_dev *dev = out_dev(st, dst, ifindex);
    return dev ? dev_gso_max(dev, PKT_GSO_TCPV6) : 0;
}

bool ipv6_csum_offload_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex)
{
    struct ust_dev *dev = out_dev(st, dst, ifindex);
    return dev && dev_csum_offload(dev);
}
