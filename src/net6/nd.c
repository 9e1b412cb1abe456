/* Neighbor Solicitation and Advertisement (RFC 4861 7.1-7.2, RFC 4862
 * 5.4): NS answered for our addresses (DAD NS included), NAs fed to the
 * neighbour cache and to DAD. ND messages travel with Hop Limit 255
 * (checked on input by nd_parse, ND-4) and are never fragmented (RFC 6980:
 * they fit any IPv6 link). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "link/link.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "wire/eth.h"
#include "wire/nd.h"

void nd_send_msg(struct ust_stack *st, int ifindex, const struct ipv6_addr *src,
                 const struct ipv6_addr *dst, const uint8_t *dst_mac, struct pkt *p)
{
    icmpv6_set_csum(p->data, p->len, src, dst);
    struct ipv6_hdr h = {.payload_len = (uint16_t)p->len, .next_hdr = IPV6_NH_ICMPV6,
                         .hop_limit = ND_HOP_LIMIT, .src = *src, .dst = *dst};
    uint8_t *hdr = pkt_push(p, IPV6_HDR_LEN);
    struct ust_dev *dev = ip6_dev(st, ifindex);
    if (!hdr || !dev) {
        pkt_free(p);
        return;
    }
    ipv6_emit(&h, hdr, IPV6_HDR_LEN);
    stack_stats(st)->ip6.Ip6OutRequests++;
    stack_stats(st)->icmp6.Icmp6OutMsgs++;
    if (dst_mac)
        eth_output(st, dev, p, dst_mac, ETH_TYPE_IPV6);
    else
        ip6_link_send(st, ifindex, dst, p);
}

void nd_send_ns(struct ust_stack *st, int ifindex, const struct ipv6_addr *target,
                const struct ipv6_addr *unicast_dst, const uint8_t *dst_mac, bool dad)
{
    /* From :: for DAD; else the address RFC 6724 picks for the target on
     * this interface (RFC 4861 7.2.2: any of the interface's addresses). */
    struct ipv6_addr src = {{0}};
    struct ust_dev *dev = ip6_dev(st, ifindex);
    if ((!dad && ip6_source_on_iface(st, ifindex, target, &src) != UST_OK) || !dev)
        return; /* no usable address yet: nothing to solicit from */
    struct pkt *p = pkt_alloc(PKT_HEADROOM, ND_NS_LEN + 8);
    if (!p)
        return;
    struct nd_msg m = {.type = ICMPV6_ND_NS, .target = *target};
    nd_emit(&m, p->data, p->len);
    /* RFC 4861 4.3: no SLLA from :: (DAD). */
    if (dad || ip6_link_noarp(st, ifindex)) /* no link-layer address to tell */
        pkt_trim(p, ND_NS_LEN);
    else
        nd_opt_lladdr_emit(ND_OPT_SLLA, ust_dev_mac(dev)->b, p->data + ND_NS_LEN, 8);
    struct ipv6_addr dst;
    if (unicast_dst)
        dst = *unicast_dst;
    else
        ipv6_solicited_node(target, &dst);
    char t[IPV6_ADDR_STRLEN];
    TRACE(st, "nd", "%s tx NS who-has %s%s%s", ust_dev_name(dev), IP6STR(target, t),
          dad ? " (dad, from ::)" : "", unicast_dst ? " (to its own address)" : "");
    stack_stats(st)->icmp6.Icmp6OutNeighborSolicits++;
    nd_send_msg(st, ifindex, &src, &dst, dst_mac, p);
}

#define ND_SOLICIT_COPIES_MAX 4 /* cfg.nd_solicit_copies: never an NS flood */

void nd_solicit(struct ust_stack *st, int ifindex, const struct ipv6_addr *target,
                const uint8_t *known_mac)
{
    unsigned copies = ust_stack_config(st)->nd_solicit_copies;
    copies = copies < 1 ? 1 : copies > ND_SOLICIT_COPIES_MAX ? ND_SOLICIT_COPIES_MAX : copies;
    uint8_t group_mac[6];
    if (!known_mac) {
        nd_send_ns(st, ifindex, target, NULL, NULL, false); /* RFC 4861 7.2.2 */
        if (copies == 1)
            return;
        /* Stacks sharing a multi-queue TAP (config.h): the NA to a
         * multicast NS is steered by a flow nobody wrote, so the copies go
         * to the target's own address, a flow this stack's queue then owns.
         * The group's MAC reaches the target as the multicast NS did; its
         * answer is the same NA (RFC 4861 7.2.4: solicited, to our address). */
        struct ipv6_addr group;
        ipv6_solicited_node(target, &group);
        ipv6_mcast_mac(&group, group_mac);
        known_mac = group_mac;
    }
    for (unsigned i = 0; i < copies; i++)
        nd_send_ns(st, ifindex, target, target, known_mac, false);
}

/* RFC 4861 7.2.4: the answer to an NS for our (non-tentative) target. */
static void nd_send_na(struct ust_stack *st, int ifindex, const struct ipv6_addr *target,
                       const struct ipv6_addr *ns_src)
{
    static const struct ipv6_addr all_nodes = {{0xff, 0x02, [15] = 1}};
    struct ust_dev *dev = ip6_dev(st, ifindex);
    struct pkt *p = pkt_alloc(PKT_HEADROOM, ND_NA_LEN + 8);
    if (!p)
        return;
    bool dad = ipv6_addr_is_unspecified(ns_src);
    /* From :: (DAD): to all-nodes with S=0; otherwise back with S=1.
     * Override set: the target is not an anycast address. Router set on
     * an advertising interface (7.2.4: IsRouter). */
    struct nd_msg m = {.type = ICMPV6_ND_NA, .target = *target, .solicited = !dad,
                       .override = true, .router = ra_send_advertising(st, ifindex)};
    nd_emit(&m, p->data, p->len);
    /* RFC 4861 4.4: the TLLA only where the link has addresses. */
    if (ip6_link_noarp(st, ifindex))
        pkt_trim(p, ND_NA_LEN);
    else
        nd_opt_lladdr_emit(ND_OPT_TLLA, ust_dev_mac(dev)->b, p->data + ND_NA_LEN, 8);
    char t[IPV6_ADDR_STRLEN], d[IPV6_ADDR_STRLEN];
    TRACE(st, "nd", "%s tx NA %s is-at %s to %s", ust_dev_name(dev), IP6STR(target, t),
          ust_mac_str(ust_dev_mac(dev), (char[18]){0}), dad ? "ff02::1" : IP6STR(ns_src, d));
    stack_stats(st)->icmp6.Icmp6OutNeighborAdvertisements++;
    nd_send_msg(st, ifindex, target, dad ? &all_nodes : ns_src, NULL, p);
}

/* The SLLA or TLLA option's Ethernet address, or NULL (RFC 4861 7.1:
 * other options are ignored). */
const uint8_t *nd_lladdr(const struct nd_msg *m, uint8_t type)
{
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, m->opts, m->opts_len);
    while (nd_opt_next(&it, &o)) {
        const uint8_t *ll;
        size_t ll_len;
        if (o.type == type && nd_opt_lladdr(&o, &ll, &ll_len) == 0 && ll_len == 6)
            return ll;
    }
    return NULL;
}

static void nd_ns_in(struct ust_stack *st, const struct ip6_rx *rx, const struct nd_msg *m)
{
    struct ip6_ifaddr *a = ip6_addr_find(st, rx->ifindex, &m->target);
    char s[IPV6_ADDR_STRLEN], t[IPV6_ADDR_STRLEN];
    TRACE(st, "nd", "rx NS from %s who-has %s", IP6STR(&rx->h->src, s), IP6STR(&m->target, t));
    if (!a || a->state == IP6A_DUPLICATED)
        return; /* 7.2.3: not for us */
    bool from_unspec = ipv6_addr_is_unspecified(&rx->h->src);
    if (a->state == IP6A_TENTATIVE) {
        /* RFC 4862 5.4.3: another node's DAD for the same address. An NS
         * from a unicast source is address resolution: ignored. */
        if (from_unspec)
            dad_conflict(st, a, "NS from another node's DAD");
        return;
    }
    const uint8_t *sll = nd_lladdr(m, ND_OPT_SLLA);
    if (!from_unspec && sll)
        nd_learn(st, rx->ifindex, &rx->h->src, sll, true); /* 7.2.3 */
    nd_send_na(st, rx->ifindex, &m->target, &rx->h->src);
}

static void nd_na_in(struct ust_stack *st, const struct ip6_rx *rx, const struct nd_msg *m)
{
    char s[IPV6_ADDR_STRLEN];
    const uint8_t *tll = nd_lladdr(m, ND_OPT_TLLA);
    TRACE(st, "nd", "rx NA %s%s%s%s", IP6STR(&m->target, s), m->solicited ? " solicited" : "",
          m->override ? " override" : "", m->router ? " router" : "");
    struct ip6_ifaddr *a = ip6_addr_find(st, rx->ifindex, &m->target);
    if (a) { /* RFC 4862 5.4.4: someone else has our address */
        dad_conflict(st, a, "NA from another node");
        return;
    }
    struct nd_entry *e = nd_lookup(st, rx->ifindex, &m->target);
    if (!e) { /* 7.2.5: no entry, nothing to update (7.2.6: unsolicited) */
        stack_stats(st)->nd6.UnsolicitedNaIgnored++;
        return;
    }
    nd_na_update(st, e, tll, m->solicited, m->override, m->router);
}

void nd_input(struct ust_stack *st, const struct ip6_rx *rx, const struct icmpv6_hdr *ih)
{
    struct nd_ip ip = {.src = &rx->h->src, .dst = &rx->h->dst, .hop_limit = rx->h->hop_limit};
    struct nd_msg m;
    if (ih->type == ICMPV6_ND_NS)
        stack_stats(st)->icmp6.Icmp6InNeighborSolicits++;
    else
        stack_stats(st)->icmp6.Icmp6InNeighborAdvertisements++;
    if (rx->ifindex < 0 || nd_parse(rx->seg, rx->seg_len, &ip, &m) < 0) {
        stack_stats(st)->icmp6.Icmp6InNdInvalid++;
        TRACE(st, "nd", "drop: invalid %s", ih->type == ICMPV6_ND_NS ? "NS" : "NA");
        return;
    }
    if (m.type == ICMPV6_ND_NS)
        nd_ns_in(st, rx, &m);
    else
        nd_na_in(st, rx, &m);
}
