/* ICMPv6 errors we send (RFC 4443 2.4): never about an ICMPv6 error or a
 * Redirect (e.1, e.2), nor about a packet to a multicast address or that
 * came as link-layer multicast (e.3, e.4) except Packet Too Big and
 * Parameter Problem code 2 (allow_mcast), nor about a packet whose source
 * does not name one node (e.6: :: or multicast); rate limited by a token
 * bucket (f: cfg.icmp6_err_rate / icmp6_err_burst); the quote as large as
 * keeps the error within 1280 bytes (c, ICMP6-5). */
#include <string.h>

#include "core/ratelimit.h"
#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"

int ip6_parse_head(const uint8_t *pkt, size_t len, struct ipv6_hdr *h)
{
    if (len < IPV6_HDR_LEN)
        return WIRE_TRUNCATED;
    uint8_t tmp[IPV6_HDR_LEN];
    memcpy(tmp, pkt, IPV6_HDR_LEN);
    tmp[4] = tmp[5] = 0;
    int rc = ipv6_parse(tmp, IPV6_HDR_LEN, h);
    if (rc >= 0)
        h->payload_len = (uint16_t)((pkt[4] << 8) | pkt[5]);
    return rc;
}

/* Is inv an ICMPv6 error or Redirect (e.1, e.2)? */
static bool about_error(const uint8_t *inv, size_t len)
{
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    ipv6_ext_iter_init(&it, inv, len, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
    while (ipv6_ext_next(&it, &e))
        ;
    if (it.err || it.frag_later || it.nh != IPV6_NH_ICMPV6 || it.off >= len)
        return false;
    return icmpv6_is_error(inv[it.off]) || inv[it.off] == ICMPV6_ND_REDIRECT;
}

static bool error_allowed(struct ust_stack *st, const struct ipv6_hdr *h, const uint8_t *inv,
                          size_t len, bool link_mcast, bool allow_mcast)
{
    if (ipv6_addr_is_unspecified(&h->src) || ipv6_addr_is_multicast(&h->src) ||
        ((ipv6_addr_is_multicast(&h->dst) || link_mcast) && !allow_mcast) ||
        about_error(inv, len)) {
        stack_stats(st)->icmp6.Icmp6OutErrorSuppressed++;
        return false;
    }
    if (!rate_bucket_take(&stack_net6(st)->icmp6_tat, ust_stack_config(st)->icmp6_err_rate,
                          ust_stack_config(st)->icmp6_err_burst, stack_now(st))) {
        stack_stats(st)->icmp6.Icmp6OutRateLimited++;
        return false;
    }
    return true;
}

static void count_error(struct ust_stack *st, uint8_t type)
{
    struct ust_icmp6_stats *s = &stack_stats(st)->icmp6;
    if (type == ICMPV6_DST_UNREACH)
        s->Icmp6OutDestUnreachs++;
    else if (type == ICMPV6_TIME_EXCEEDED)
        s->Icmp6OutTimeExcds++;
    else if (type == ICMPV6_PARAM_PROBLEM)
        s->Icmp6OutParmProblems++;
    else if (type == ICMPV6_PKT_TOO_BIG)
        s->Icmp6OutPktTooBigs++;
}

const char *icmp6_error_name(uint8_t type)
{
    switch (type) {
    case ICMPV6_DST_UNREACH: return "destination unreachable";
    case ICMPV6_PKT_TOO_BIG: return "packet too big";
    case ICMPV6_TIME_EXCEEDED: return "time exceeded";
    case ICMPV6_PARAM_PROBLEM: return "parameter problem";
    default: return "error";
    }
}

void icmp6_send_error(struct ust_stack *st, int ifindex, uint8_t type, uint8_t code,
                      uint32_t word, const uint8_t *inv, size_t len, bool link_mcast,
                      bool allow_mcast)
{
    struct ipv6_hdr h;
    if (ip6_parse_head(inv, len, &h) < 0 || !error_allowed(st, &h, inv, len, link_mcast, allow_mcast))
        return;
    /* ICMP6-2: from the address the packet was sent to when it is ours. */
    struct ipv6_addr src = h.dst;
    int scope = ipv6_addr_is_link_local(&h.src) ? ifindex : -1;
    if ((!ipv6_is_local(st, &src, -1) || ipv6_addr_is_multicast(&src)) &&
        ipv6_source_for(st, &h.src, scope, &src) != UST_OK)
        return;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, IPV6_MIN_MTU - IPV6_HDR_LEN);
    if (!p)
        return;
    int n = icmpv6_error_emit(type, code, word, inv, len, &src, &h.src, p->data, p->len);
    if (n < 0) {
        pkt_free(p);
        return;
    }
    pkt_trim(p, (size_t)n);
    char d[IPV6_ADDR_STRLEN];
    TRACE(st, "icmp6", "tx %s (type %u code %u) to %s", icmp6_error_name(type), type, code,
          IP6STR(&h.src, d));
    count_error(st, type);
    stack_stats(st)->icmp6.Icmp6OutMsgs++;
    struct ipv6_out o = {.src = src, .dst = h.src, .ifindex = scope, .proto = IPV6_NH_ICMPV6,
                         .hop_limit = -1};
    if (ipv6_output(st, &o, p) < 0)
        stack_stats(st)->icmp6.Icmp6OutErrors++;
}

void ipv6_port_unreachable(struct ust_stack *st, const struct ip6_rx *rx)
{
    icmp6_send_error(st, rx->ifindex, ICMPV6_DST_UNREACH, ICMPV6_UNREACH_PORT, 0, rx->pkt,
                     rx->pkt_len, rx->mcast, false);
}

/* RFC 4861 7.2.2: resolution of the next hop failed and p (a whole packet
 * that waited for it) gets Destination Unreachable code 3. A forwarded
 * packet's source hears it on the wire; for a packet of ours the error
 * goes to the protocol that sent it, as Linux's loopback delivery of the
 * ICMPv6 error does (EHOSTUNREACH), and nothing is sent on the wire. The
 * rules of 2.4 still hold: never about an ICMPv6 error or a Redirect (e.1,
 * e.2), and charged to the error rate limiter (f). Later fragments carry
 * no upper-layer header and are only dropped. */
void icmp6_addr_unreachable(struct ust_stack *st, const uint8_t *pkt, size_t len)
{
    struct ipv6_hdr h;
    struct ipv6_ext_iter it;
    struct ipv6_ext ext;
    if (ip6_parse_head(pkt, len, &h) < 0)
        return;
    if (!ipv6_is_local(st, &h.src, -1)) { /* forwarded (ipv6_forward.c) */
        stack_stats(st)->nd6.AddrUnreachReported++;
        icmp6_send_error(st, -1, ICMPV6_DST_UNREACH, ICMPV6_UNREACH_ADDR, 0, pkt, len, false,
                         false);
        return;
    }
    ipv6_ext_iter_init(&it, pkt, len, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
    while (ipv6_ext_next(&it, &ext))
        ;
    if (it.err || it.frag_later || len < it.off + 8)
        return;
    if (!error_allowed(st, &h, pkt, len, false, false))
        return;
    char d[IPV6_ADDR_STRLEN];
    TRACE(st, "icmp6", "local address unreachable %s (code 3)", IP6STR(&h.dst, d));
    stack_stats(st)->nd6.AddrUnreachReported++;
    struct ip6_err e = {.type = ICMPV6_DST_UNREACH, .code = ICMPV6_UNREACH_ADDR, .from = h.src,
                        .orig = &h, .l4 = pkt + it.off, .l4_len = len - it.off, .local = true};
    const struct ip6_proto_ops *ops = stack_net6(st)->by_proto[it.nh];
    if (ops && ops->err_input)
        ops->err_input(st, &e);
}
