/* ICMP error generation (RFC 792, RFC 1122 3.2.2) with the suppression
 * rules and a rate limit, and the delivery of errors (received or local)
 * to the layer that sent the offending datagram. */
#include <string.h>

#include "core/ratelimit.h"
#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"
#include "wire/icmp.h"

/* Quote up to this much of the offending datagram, so that the error fits
 * in the 576 bytes every host accepts (as Linux does). */
#define ICMP_QUOTE_MAX (576 - IPV4_HDR_LEN - ICMP_HDR_LEN)

/* RFC 1122 3.2.2: never an error about an ICMP error, a datagram to a
 * broadcast or multicast address, a non-initial fragment, or a datagram
 * whose source does not name a single host. */
static bool icmp_error_permitted(const struct ust_stack *st, const struct ipv4_hdr *h,
                                 const uint8_t *l4, size_t l4_len)
{
    if (h->frag_off != 0)
        return false;
    if (ipv4_is_broadcast_in(st, h->dst) || ipv4_is_multicast(h->dst))
        return false;
    if (!ipv4_is_valid_source(st, h->src))
        return false;
    if (h->proto == IPV4_PROTO_ICMP && (l4_len < 1 || icmp_is_error(l4[0])))
        return false;
    return true;
}

/* RFC 1812 4.3.2.8 (as Linux icmp_ratelimit): errors are rate-limited by a
 * stack-wide token bucket (core/ratelimit.c): cfg.icmp_err_burst at once,
 * then cfg.icmp_err_rate per second; a rate of 0 disables the limit. */
bool icmp_err_allowed(struct ust_stack *st)
{
    const struct ust_config *cfg = ust_stack_config(st);
    return rate_bucket_take(&stack_net(st)->icmp.err_tat, cfg->icmp_err_rate, cfg->icmp_err_burst,
                            stack_now(st));
}

static void icmp_count_out_error(struct ust_stack *st, uint8_t type)
{
    stack_stats(st)->icmp.OutMsgs++;
    if (type == ICMP_DEST_UNREACH)
        stack_stats(st)->icmp.OutDestUnreachs++;
    else if (type == ICMP_TIME_EXCEEDED)
        stack_stats(st)->icmp.OutTimeExcds++;
}

void icmp_send_error(struct ust_stack *st, uint8_t type, uint8_t code, uint32_t extra,
                     const uint8_t *orig, size_t orig_len)
{
    struct ipv4_hdr h;
    const uint8_t *l4;
    size_t l4_len;
    if (ipv4_parse_quoted(orig, orig_len, &h, &l4, &l4_len) < 0 ||
        !icmp_error_permitted(st, &h, l4, l4_len)) {
        TRACE(st, "icmp", "suppress error type %u code %u", type, code);
        return;
    }
    if (!icmp_err_allowed(st)) {
        stack_stats(st)->icmp.OutRateLimited++;
        TRACE(st, "icmp", "rate limit: error type %u code %u not sent", type, code);
        return;
    }
    size_t qlen = h.hdr_len + l4_len;
    if (qlen > ICMP_QUOTE_MAX)
        qlen = ICMP_QUOTE_MAX;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, ICMP_HDR_LEN + qlen);
    if (!p) {
        stack_stats(st)->icmp.OutErrors++;
        return;
    }
    memcpy(p->data + ICMP_HDR_LEN, orig, qlen);
    struct icmp_hdr ih = {.type = type, .code = code};
    if (type == ICMP_DEST_UNREACH && code == ICMP_UNREACH_FRAG_NEEDED)
        ih.mtu = (uint16_t)extra;
    else
        ih.rest = extra;
    icmp_emit(&ih, p->data, p->len, qlen);
    /* From the address the datagram was sent to when it is ours, else
     * (router) from the interface towards the sender. */
    bool to_us = iface_by_addr(st, h.dst) != NULL;
    struct ipv4_out o = {.src = to_us ? h.dst : 0, .dst = h.src, .proto = IPV4_PROTO_ICMP};
    char d[16];
    TRACE(st, "icmp", "error type %u code %u to %s", type, code, IP4STR(h.src, d));
    icmp_count_out_error(st, type);
    if (ipv4_output(st, &o, p) < 0)
        stack_stats(st)->icmp.OutErrors++;
}

/* ICMP's err_input: an error about one of our echo requests goes to the
 * ping handler. */
void icmp_ping_error(struct ust_stack *st, const struct ip_err *e)
{
    const struct icmp_state *icmp = &stack_net(st)->icmp;
    struct icmp_hdr req;
    if (e->event < 0 || !icmp->ping_fn || icmp_parse(e->l4, e->l4_len, false, &req) < 0 ||
        req.type != ICMP_ECHO_REQUEST)
        return;
    struct ust_ping_result r = {.event = (enum ust_ping_event)e->event, .from = e->from,
                                .id = req.id, .seq = req.seq, .code = e->code, .at = stack_now(st)};
    icmp->ping_fn(icmp->ping_ctx, &r);
}

/* RFC 1122 3.2.2: the error goes to the protocol that sent the datagram,
 * through its registered err_input. */
void icmp_notify_upper(struct ust_stack *st, uint8_t type, uint8_t code, uint32_t extra,
                       ust_ip4_t from, const uint8_t *quote, size_t quote_len, int event)
{
    struct ipv4_hdr orig;
    struct ip_err e = {.type = type, .code = code, .extra = extra, .from = from, .orig = &orig,
                       .event = event};
    if (ipv4_parse_quoted(quote, quote_len, &orig, &e.l4, &e.l4_len) < 0 || e.l4_len < 8)
        return;
    const struct ip_proto_ops *ops = stack_net(st)->protos.by_proto[orig.proto];
    if (ops && ops->err_input)
        ops->err_input(st, &e);
}

/* RFC 1122 2.3.2.2 / 2.4: ARP gave up. For our own datagram the sender
 * learns "host unreachable" through the same path as a received error, and
 * nothing is sent on the wire. A datagram we were forwarding belongs to
 * another host: as a router we tell it with a real ICMP host unreachable
 * (RFC 1812 5.2.7.1). Non-first fragments carry no transport header and
 * are only dropped. */
void icmp_local_unreachable(struct ust_stack *st, const uint8_t *dgram, size_t len)
{
    struct ipv4_hdr h;
    const uint8_t *l4;
    size_t l4_len;
    if (ipv4_parse_quoted(dgram, len, &h, &l4, &l4_len) < 0 || h.frag_off != 0)
        return;
    char d[16];
    if (!ipv4_is_local(st, h.src)) {
        icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, 0, dgram, len);
        return;
    }
    TRACE(st, "icmp", "local host unreachable %s", IP4STR(h.dst, d));
    icmp_notify_upper(st, ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, 0, h.src, dgram, len,
                      UST_PING_LOCAL_ERROR);
}
