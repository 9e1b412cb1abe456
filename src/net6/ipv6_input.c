/* IPv6 input of a host (RFC 8200): the fixed header, the destination
 * (our addresses and the groups we joined; no forwarding), the extension
 * headers in order (RFC 8200 4; Routing type 0 and every other type with
 * Segments Left > 0 refused, RFC 5095), fragments to reassembly (an atomic
 * fragment is a whole packet, RFC 6946), then the upper layer through the
 * ip6_proto_register table (an unknown Next Header: Parameter Problem
 * code 1). Every drop has an ip6 counter. */
#include <stdio.h>

#include "core/services.h"
#include "core/trace.h"
#include "link/iface.h"
#include "link/link.h"
#include "wire/eth.h"
#include "net6_impl.h"

int ipv6_register(struct ust_stack *st)
{
    return link_proto_register(st, ETH_TYPE_IPV6, ipv6_link_input);
}

const char *ipv6_nh_name(uint8_t nh, char buf[8])
{
    switch (nh) {
    case IPV6_NH_ICMPV6: return "ICMPv6";
    case IPV6_NH_TCP: return "TCP";
    case IPV6_NH_UDP: return "UDP";
    case IPV6_NH_HOPOPTS: return "hop-by-hop";
    case IPV6_NH_ROUTING: return "routing";
    case IPV6_NH_FRAGMENT: return "fragment";
    case IPV6_NH_DSTOPTS: return "destination-options";
    case IPV6_NH_NONE: return "none";
    default: snprintf(buf, 8, "%u", nh); return buf;
    }
}

/* The extension header walk, one trace line per header (RFC 8200 4.1 order). */
static void trace_ext(struct ust_stack *st, const struct ipv6_ext *e)
{
    char t[8], n[8];
    if (e->type == IPV6_NH_FRAGMENT)
        TRACE(st, "ip6", "ext fragment id 0x%08x offset %u%s, next %s", (unsigned)e->frag.id,
              e->frag.offset, e->frag.more ? " more" : "", ipv6_nh_name(e->next_hdr, n));
    else if (e->type == IPV6_NH_ROUTING)
        TRACE(st, "ip6", "ext routing type %u segments left %u, next %s", e->rh_type,
              e->rh_segs_left, ipv6_nh_name(e->next_hdr, n));
    else
        TRACE(st, "ip6", "ext %s %zu bytes, next %s", ipv6_nh_name(e->type, t), e->len,
              ipv6_nh_name(e->next_hdr, n));
}

int ip6_proto_register(struct ust_stack *st, uint8_t proto, const struct ip6_proto_ops *ops)
{
    struct net6_state *n6 = stack_net6(st);
    if (n6->by_proto[proto])
        return UST_ERR_EXIST;
    n6->by_proto[proto] = ops;
    return UST_OK;
}

static void param_problem(struct ust_stack *st, int ifindex, uint8_t code, size_t ptr,
                          const uint8_t *pkt, size_t len, bool link_mcast, bool allow_mcast)
{
    icmp6_send_error(st, ifindex, ICMPV6_PARAM_PROBLEM, code, (uint32_t)ptr, pkt, len, link_mcast,
                     allow_mcast);
}

/* Hop-by-Hop and Destination options in order (IP6-5); an unknown option
 * as its two high bits say (RFC 8200 4.2, IP6-6..8). Router Alert (RFC
 * 2711) is the one option known, in Hop-by-Hop. */
static bool options_ok(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                       const struct ipv6_ext *e, bool mcast, bool link_mcast)
{
    struct ipv6_opt_iter it;
    struct ipv6_opt o;
    ipv6_opt_iter_init(&it, e);
    while (ipv6_opt_next(&it, &o)) {
        if (o.type == IPV6_OPT_ROUTER_ALERT && e->type == IPV6_NH_HOPOPTS)
            continue;
        enum ipv6_opt_action act = ipv6_opt_action(o.type);
        if (act == IPV6_OPT_SKIP)
            continue;
        stack_stats(st)->ip6.Ip6InBadOptions++;
        if (act == IPV6_OPT_DISCARD_ICMP || (act == IPV6_OPT_DISCARD_ICMP_UNICAST && !mcast))
            param_problem(st, ifindex, IPV6_PP_OPTION, o.off, pkt, len, link_mcast,
                          act == IPV6_OPT_DISCARD_ICMP);
        return false;
    }
    if (it.err) {
        stack_stats(st)->ip6.Ip6InHdrErrors++;
        param_problem(st, ifindex, IPV6_PP_HEADER, it.bad_off, pkt, len, link_mcast, false);
        return false;
    }
    return true;
}

/* A header the walk returned: true to go on. *frag is set for a Fragment
 * header that is not atomic. */
static bool ext_ok(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                   const struct ipv6_ext *e, const struct ipv6_hdr *h, bool link_mcast,
                   size_t prev_nh_off, bool *frag)
{
    bool mcast = ipv6_addr_is_multicast(&h->dst);
    switch (e->type) {
    case IPV6_NH_HOPOPTS:
    case IPV6_NH_DSTOPTS:
        return options_ok(st, ifindex, pkt, len, e, mcast, link_mcast);
    case IPV6_NH_ROUTING:
        if (e->rh_segs_left == 0)
            return true; /* IP6-9: ignored, on to the next header */
        /* RFC 5095 3, IP6-10: no Routing type is processed by a host. */
        if (e->rh0)
            stack_stats(st)->ip6.Ip6InRh0Drops++;
        else
            stack_stats(st)->ip6.Ip6InHdrErrors++;
        param_problem(st, ifindex, IPV6_PP_HEADER, e->off + 2, pkt, len, link_mcast, false);
        return false;
    case IPV6_NH_FRAGMENT:
        if (ipv6_frag_is_atomic(&e->frag)) {
            stack_stats(st)->ip6.Ip6ReasmAtomic++; /* RFC 6946: processed alone */
            return true;
        }
        *frag = true;
        return true;
    default: /* AH: no IPsec here, an unrecognized Next Header (IP6-3) */
        stack_stats(st)->ip6.Ip6InUnknownProtos++;
        param_problem(st, ifindex, IPV6_PP_NEXT_HDR, prev_nh_off, pkt, len, link_mcast, false);
        return false;
    }
}

static void deliver(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                    const struct ipv6_hdr *h, const struct ipv6_ext_iter *it, bool link_mcast,
                    bool fragmented)
{
    if (it->nh == IPV6_NH_NONE)
        return; /* IP6-17: nothing follows */
    const struct ip6_proto_ops *ops = stack_net6(st)->by_proto[it->nh];
    if (!ops) {
        stack_stats(st)->ip6.Ip6InUnknownProtos++;
        param_problem(st, ifindex, IPV6_PP_NEXT_HDR, it->nh_off, pkt, len, link_mcast, false);
        return;
    }
    /* RFC 6980 (NDFR-2): ND messages in fragments are ignored. */
    if (it->nh == IPV6_NH_ICMPV6 && (fragmented || it->has_frag) && it->off < len &&
        pkt[it->off] >= ICMPV6_ND_RS && pkt[it->off] <= ICMPV6_ND_REDIRECT) {
        stack_stats(st)->icmp6.Icmp6InNdFragments++;
        return;
    }
    bool mcast = ipv6_addr_is_multicast(&h->dst);
    if (mcast && ops->unicast_only) {
        stack_stats(st)->ip6.Ip6InAddrErrors++;
        return;
    }
    struct ip6_rx rx = {.ifc = ifindex >= 0 ? iface_by_index(st, ifindex) : NULL,
                        .ifindex = ifindex, .h = h, .pkt = pkt, .pkt_len = len,
                        .seg = pkt + it->off, .seg_len = len - it->off, .mcast = mcast};
    stack_stats(st)->ip6.Ip6InDelivers++;
    ops->input(st, &rx);
}

void ip6_process_ex(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                    bool link_mcast, bool fragmented)
{
    struct ipv6_hdr h;
    if (ipv6_parse(pkt, len, &h) < 0)
        return;
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    ipv6_ext_iter_init(&it, pkt, len, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
    size_t prev_nh_off = it.nh_off, frag_off = 0, frag_nh_off = 0;
    bool frag = false;
    struct ipv6_frag fh = {0};
    while (ipv6_ext_next(&it, &e)) {
        trace_ext(st, &e);
        /* After the Fragment header of a first fragment the headers belong
         * to the fragmentable part: walked (RFC 7112) but processed after
         * reassembly. */
        if (!frag && !ext_ok(st, ifindex, pkt, len, &e, &h, link_mcast, prev_nh_off, &frag))
            return;
        if (frag && e.type == IPV6_NH_FRAGMENT && frag_off == 0) {
            frag_off = e.off;
            frag_nh_off = prev_nh_off;
            fh = e.frag;
        }
        prev_nh_off = it.nh_off;
    }
    if (it.err) {
        if (it.pp_code == IPV6_PP_INCOMPLETE)
            stack_stats(st)->ip6.Ip6ReasmChainIncomplete++;
        else
            stack_stats(st)->ip6.Ip6InHdrErrors++;
        if (it.pp_code >= 0)
            param_problem(st, ifindex, (uint8_t)it.pp_code, it.bad_off, pkt, len, link_mcast,
                          false);
        return;
    }
    if (frag) {
        /* What a driver vouched for covers the fragment, not the whole
         * packet's L4 checksum (as IPv4's reassembly). */
        stack_services(st)->rx_off = (struct rx_offload){0};
        reasm6_input(st, ifindex, pkt, len, frag_off, frag_nh_off, &fh);
        return;
    }
    deliver(st, ifindex, pkt, len, &h, &it, link_mcast, fragmented);
}

void ip6_process(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                 bool link_mcast)
{
    ip6_process_ex(st, ifindex, pkt, len, link_mcast, false);
}

/* Is the packet for us (RFC 4291 2.8, RFC 4862 5.4)? The counter to charge
 * otherwise. */
static bool for_us(struct ust_stack *st, int ifindex, const struct ipv6_hdr *h)
{
    if (ipv6_addr_is_multicast(&h->dst)) {
        if (ipv6_mcast_scope(&h->dst) == 0 || !ip6_mcast_joined(st, ifindex, &h->dst))
            return false; /* ADDR-3: scope 0 dropped; a group we did not join */
        stack_stats(st)->ip6.Ip6InMcastPkts++;
        return true;
    }
    /* Global addresses on any interface (weak host, as Linux); link-local
     * ones only on their link. Tentative: silently discarded (5.4). */
    const struct ip6_ifaddr *a = ip6_addr_find(st, ipv6_addr_is_link_local(&h->dst) ? ifindex : -1,
                                               &h->dst);
    return a && (a->state == IP6A_PREFERRED || a->state == IP6A_DEPRECATED);
}

void ipv6_link_input(struct ust_stack *st, struct ust_dev *dev, struct ust_iface *ifc,
                     const uint8_t *buf, size_t len, bool link_mcast)
{
    (void)dev;
    struct ust_stats *s = stack_stats(st);
    s->ip6.Ip6InReceives++;
    if (!ifc || !ip6_iface(st, ifc->index)) {
        s->ip6.Ip6InDiscards++; /* IPv6 is off on this interface */
        return;
    }
    struct ipv6_hdr h;
    int rc = ipv6_parse(buf, len, &h);
    if (rc < 0) {
        if (rc == WIRE_BAD_VERSION)
            s->ip6.Ip6InHdrErrors++;
        else
            s->ip6.Ip6InTruncatedPkts++;
        return;
    }
    len = IPV6_HDR_LEN + h.payload_len; /* link padding is not ours */
    /* ADDR-1, ADDR-2: no multicast or loopback source, no ::1 from a wire. */
    bool bad_addr = ipv6_addr_is_multicast(&h.src) || ipv6_addr_is_loopback(&h.src) ||
                    ipv6_addr_is_loopback(&h.dst);
    bool mine = !bad_addr && for_us(st, ifc->index, &h);
    if (!mine && !bad_addr && ip6_forward(st, ifc->index, buf, len, &h, link_mcast))
        return; /* a router's (ipv6_forward.c) */
    if (!mine) {
        s->ip6.Ip6InAddrErrors++;
        char a[IPV6_ADDR_STRLEN], b[IPV6_ADDR_STRLEN];
        TRACE(st, "ip6", "drop %s->%s: not for us", IP6STR(&h.src, a), IP6STR(&h.dst, b));
        return;
    }
    char a[IPV6_ADDR_STRLEN], b[IPV6_ADDR_STRLEN], nh[8];
    TRACE(st, "ip6", "rx %s->%s next %s len %zu hlim %u", IP6STR(&h.src, a), IP6STR(&h.dst, b),
          ipv6_nh_name(h.next_hdr, nh), len, h.hop_limit);
    ip6_process(st, ifc->index, buf, len, link_mcast);
}
