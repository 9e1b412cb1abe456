/* ICMPv6 input (RFC 4443) as IPv6 protocol 58: echo requests answered
 * (any size: a reassembled request gets a reply fragmented the same way,
 * 4.2), echo replies to the ping handler, NS/NA to nd.c, errors checked
 * against what we sent and handed to the protocol that sent it (2.4 a),
 * Packet Too Big to the path-MTU cache first (RFC 8201). Unknown
 * informational messages are dropped (2.4 b). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net_state.h"
#include "mld6.h"
#include "net6_impl.h"

int icmp6_output(struct ust_stack *st, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                 int ifindex, int hop_limit, struct pkt *p)
{
    icmpv6_set_csum(p->data, p->len, src, dst);
    struct ipv6_out o = {.src = *src, .dst = *dst, .ifindex = ifindex, .proto = IPV6_NH_ICMPV6,
                         .hop_limit = (int16_t)hop_limit};
    stack_stats(st)->icmp6.Icmp6OutMsgs++;
    return ipv6_output(st, &o, p);
}

/* RFC 4443 4.2: same identifier, sequence and data; from the address the
 * request went to, or (multicast) one of ours picked as for any packet. */
static void echo_reply(struct ust_stack *st, const struct ip6_rx *rx, const struct icmpv6_hdr *ih)
{
    int scope = ipv6_addr_is_link_local(&rx->h->src) ? rx->ifindex : -1;
    struct ipv6_addr src = rx->h->dst;
    if (rx->mcast && ipv6_source_for(st, &rx->h->src, scope, &src) != UST_OK)
        return;
    size_t len = rx->seg_len - ICMPV6_HDR_LEN;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, rx->seg_len);
    if (!p) {
        stack_stats(st)->icmp6.Icmp6OutErrors++;
        return;
    }
    memcpy(p->data + ICMPV6_HDR_LEN, rx->seg + ICMPV6_HDR_LEN, len);
    struct icmpv6_hdr h = {.type = ICMPV6_ECHO_REPLY, .id = ih->id, .seq = ih->seq};
    icmpv6_emit(&h, &src, &rx->h->src, p->data, p->len);
    char d[IPV6_ADDR_STRLEN];
    TRACE(st, "icmp6", "echo reply to %s id %u seq %u len %zu", IP6STR(&rx->h->src, d), ih->id,
          ih->seq, len);
    stack_stats(st)->icmp6.Icmp6OutEchoReplies++;
    if (icmp6_output(st, &src, &rx->h->src, scope, -1, p) < 0)
        stack_stats(st)->icmp6.Icmp6OutErrors++;
}

static void ping_report(struct ust_stack *st, struct ust_ping_result *r, const struct ipv6_addr *from)
{
    const struct icmp_state *icmp = &stack_net(st)->icmp;
    r->ipv6 = true;
    memcpy(r->from6, from->b, 16);
    r->at = stack_now(st);
    if (icmp->ping_fn)
        icmp->ping_fn(icmp->ping_ctx, r);
}

static void echo_reply_in(struct ust_stack *st, const struct ip6_rx *rx, const struct icmpv6_hdr *ih)
{
    size_t len = rx->seg_len - ICMPV6_HDR_LEN;
    const uint8_t *data = rx->seg + ICMPV6_HDR_LEN;
    char s[IPV6_ADDR_STRLEN];
    TRACE(st, "icmp6", "echo reply from %s id %u seq %u len %zu hlim %u",
          IP6STR(&rx->h->src, s), ih->id, ih->seq, len, rx->h->hop_limit);
    bool ok = true;
    for (size_t i = 8; i < len; i++)
        if (data[i] != ping_pattern(i))
            ok = false;
    struct ust_ping_result r = {.event = UST_PING_REPLY, .id = ih->id, .seq = ih->seq,
                                .ttl = rx->h->hop_limit, .len = len, .payload_ok = ok};
    ping_report(st, &r, &rx->h->src);
}

/* The ping API's own errors: an echo request of ours quoted. */
static void icmp6_err_input(struct ust_stack *st, const struct ip6_err *e)
{
    if (e->l4_len < 8 || e->l4[0] != ICMPV6_ECHO_REQUEST)
        return;
    struct ust_ping_result r = {.code = e->code, .id = (uint16_t)((e->l4[4] << 8) | e->l4[5]),
                                .seq = (uint16_t)((e->l4[6] << 8) | e->l4[7])};
    if (e->type == ICMPV6_DST_UNREACH) /* local: our resolution failed (IPv4's ARP too) */
        r.event = e->local ? UST_PING_LOCAL_ERROR : UST_PING_UNREACHABLE;
    else if (e->type == ICMPV6_TIME_EXCEEDED)
        r.event = UST_PING_TIME_EXCEEDED;
    else
        return;
    ping_report(st, &r, &e->from);
}

static void count_error_in(struct ust_stack *st, uint8_t type)
{
    struct ust_icmp6_stats *s = &stack_stats(st)->icmp6;
    if (type == ICMPV6_DST_UNREACH)
        s->Icmp6InDestUnreachs++;
    else if (type == ICMPV6_PKT_TOO_BIG)
        s->Icmp6InPktTooBigs++;
    else if (type == ICMPV6_TIME_EXCEEDED)
        s->Icmp6InTimeExcds++;
    else if (type == ICMPV6_PARAM_PROBLEM)
        s->Icmp6InParmProblems++;
}

/* An error: the quote must be a packet we sent (our source: PMTU-3) with
 * its upper-layer header (at least 8 bytes, not a later fragment). */
static void error_in(struct ust_stack *st, const struct ip6_rx *rx, const struct icmpv6_hdr *ih)
{
    count_error_in(st, ih->type);
    const uint8_t *q = rx->seg + ICMPV6_HDR_LEN;
    size_t qlen = rx->seg_len - ICMPV6_HDR_LEN;
    struct ipv6_hdr orig;
    struct ipv6_ext_iter it;
    struct ipv6_ext ext;
    if (ip6_parse_head(q, qlen, &orig) < 0 || !ipv6_is_local(st, &orig.src, -1)) {
        stack_stats(st)->icmp6.Icmp6InBadQuotes++;
        return;
    }
    ipv6_ext_iter_init(&it, q, qlen, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
    while (ipv6_ext_next(&it, &ext))
        ;
    bool have_l4 = !it.err && !it.frag_later && qlen >= it.off + 8;
    if (ih->type == ICMPV6_PKT_TOO_BIG)
        pmtu6_update(st, &orig.dst, ih->mtu); /* even without the upper layer */
    if (!have_l4) {
        stack_stats(st)->icmp6.Icmp6InBadQuotes++;
        return;
    }
    char f[IPV6_ADDR_STRLEN], d[IPV6_ADDR_STRLEN];
    TRACE(st, "icmp6", "rx %s (type %u code %u) from %s about a packet to %s",
          icmp6_error_name(ih->type), ih->type, ih->code, IP6STR(&rx->h->src, f), IP6STR(&orig.dst, d));
    uint32_t extra = ih->type == ICMPV6_PKT_TOO_BIG ? ih->mtu : ih->type == ICMPV6_PARAM_PROBLEM ? ih->pointer : 0;
    struct ip6_err e = {.type = ih->type, .code = ih->code, .extra = extra, .from = rx->h->src,
                        .orig = &orig, .l4 = q + it.off, .l4_len = qlen - it.off};
    const struct ip6_proto_ops *ops = stack_net6(st)->by_proto[it.nh];
    if (ops && ops->err_input)
        ops->err_input(st, &e);
}

static void icmp6_input(struct ust_stack *st, const struct ip6_rx *rx)
{
    struct ust_icmp6_stats *s = &stack_stats(st)->icmp6;
    struct icmpv6_hdr ih;
    s->Icmp6InMsgs++;
    int rc = icmpv6_parse(rx->seg, rx->seg_len, &rx->h->src, &rx->h->dst, true, &ih);
    if (rc < 0) {
        if (rc == WIRE_BAD_CSUM)
            s->Icmp6InCsumErrors++;
        s->Icmp6InErrors++;
        return;
    }
    switch (ih.type) {
    case ICMPV6_ECHO_REQUEST:
        s->Icmp6InEchos++;
        echo_reply(st, rx, &ih);
        return;
    case ICMPV6_ECHO_REPLY:
        s->Icmp6InEchoReplies++;
        echo_reply_in(st, rx, &ih);
        return;
    case ICMPV6_ND_NS:
    case ICMPV6_ND_NA:
        nd_input(st, rx, &ih);
        return;
    case ICMPV6_MLD_QUERY:
    case ICMPV6_MLD1_REPORT:
    case ICMPV6_MLD1_DONE:
    case ICMPV6_MLD2_REPORT:
        mld6_input(st, rx, ih.type); /* RFC 3810 */
        return;
    case ICMPV6_ND_REDIRECT:
        redirect6_input(st, rx); /* RFC 4861 8 */
        return;
    case ICMPV6_ND_RS:
        ra_send_rs_input(st, rx); /* as an advertising router (ra_send.c) */
        return;
    case ICMPV6_ND_RA:
        slaac_ra_input(st, rx); /* router_list and SLAAC (slaac.c) */
        return;
    default:
        if (icmpv6_is_error(ih.type)) {
            error_in(st, rx, &ih); /* ICMP6-3: unknown error types too */
            return;
        }
        s->Icmp6InOther++; /* unknown (ICMP6-4) */
    }
}

static const struct ip6_proto_ops icmp6_ops = {.input = icmp6_input,
                                               .err_input = icmp6_err_input};

int icmp6_register(struct ust_stack *st)
{
    mld6_init(st); /* MLD is part of ICMPv6 (RFC 3810 5) */
    return ip6_proto_register(st, IPV6_NH_ICMPV6, &icmp6_ops);
}
