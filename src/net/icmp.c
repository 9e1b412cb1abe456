/* ICMP input (RFC 792, RFC 1122 3.2.2): echo requests answered, echo
 * replies matched for the ping API, errors passed up to the transport that
 * sent the offending datagram. Echo requests to a broadcast or multicast
 * address are ignored, like Linux's default icmp_echo_ignore_broadcasts=1
 * (RFC 1122 3.2.2.6 allows it; it denies smurf amplification). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"
#include "wire/icmp.h"

/* RFC 1122 3.2.2.6: the reply carries the same identifier, sequence number
 * and data; source = the address the request was sent to. */
static void icmp_echo_reply(struct ust_stack *st, const struct ipv4_hdr *ip,
                            const struct icmp_hdr *req, const uint8_t *data, size_t len)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, ICMP_HDR_LEN + len);
    if (!p) {
        stack_stats(st)->icmp.OutErrors++;
        return;
    }
    memcpy(p->data + ICMP_HDR_LEN, data, len);
    struct icmp_hdr h = {.type = ICMP_ECHO_REPLY, .code = 0, .id = req->id, .seq = req->seq};
    icmp_emit(&h, p->data, p->len, len);
    struct ipv4_out o = {.src = ip->dst, .dst = ip->src, .proto = IPV4_PROTO_ICMP, .tos = ip->tos};
    /* RFC 1122 3.2.2.6: a source route in the request is reversed and
     * used for the reply (the route is complete: ipv4_srr_accept); Record
     * Route and Timestamp are updated and reflected. */
    uint8_t ret[IPV4_MAX_OPT_LEN];
    o.opt_len = (uint8_t)icmp_echo_reply_options(st, ip, ret);
    o.opts = ret;
    char d[16];
    TRACE(st, "icmp", "echo reply to %s id %u seq %u len %zu", IP4STR(ip->src, d), req->id,
          req->seq, len);
    stack_stats(st)->icmp.OutMsgs++;
    stack_stats(st)->icmp.OutEchoReps++;
    if (ipv4_output(st, &o, p) < 0)
        stack_stats(st)->icmp.OutErrors++;
}

/* Reply to one of our echo requests: report it to the ping handler. */
static void icmp_echo_reply_in(struct ust_stack *st, const struct ipv4_hdr *ip,
                               const struct icmp_hdr *h, const uint8_t *data, size_t len)
{
    char s[16];
    TRACE(st, "icmp", "echo reply from %s id %u seq %u len %zu ttl %u", IP4STR(ip->src, s), h->id,
          h->seq, len, ip->ttl);
    const struct icmp_state *icmp = &stack_net(st)->icmp;
    if (!icmp->ping_fn)
        return;
    bool ok = true;
    for (size_t i = 8; i < len; i++)
        if (data[i] != ping_pattern(i))
            ok = false;
    struct ust_ping_result r = {.event = UST_PING_REPLY, .from = ip->src, .id = h->id,
                                .seq = h->seq, .ttl = ip->ttl, .len = len, .payload_ok = ok,
                                .at = stack_now(st)};
    icmp->ping_fn(icmp->ping_ctx, &r);
}

/* An error about a datagram we sent (RFC 1122 3.2.2: MUST be passed to the
 * transport layer). The quote must name one of our addresses as source. */
static void icmp_error_in(struct ust_stack *st, const struct ipv4_hdr *ip,
                          const struct icmp_hdr *h, const uint8_t *quote, size_t qlen)
{
    struct ipv4_hdr orig;
    const uint8_t *l4;
    size_t l4_len;
    char s[16];
    if (ipv4_parse_quoted(quote, qlen, &orig, &l4, &l4_len) < 0 || l4_len < 8 ||
        !ipv4_is_local(st, orig.src) || orig.frag_off != 0) {
        stack_stats(st)->icmp.InErrors++;
        TRACE(st, "icmp", "drop: error type %u with a bad quote", h->type);
        return;
    }
    if (h->type == ICMP_DEST_UNREACH && h->code == ICMP_UNREACH_FRAG_NEEDED) {
        stack_stats(st)->icmp.InFragNeeded++;
        /* RFC 5927 4.1 / 7.2: TCP first checks that the quote names data
         * in flight (tcp_icmp.c), then lowers the path MTU; UDP and ICMP
         * carry nothing to check it against (as Linux). */
        if (orig.proto != IPV4_PROTO_TCP)
            pmtu_frag_needed(st, orig.dst, h->mtu, orig.total_len);
    }
    TRACE(st, "icmp", "error type %u code %u from %s", h->type, h->code, IP4STR(ip->src, s));
    /* The ping API reports unreachables and time exceeded only. */
    int event = h->type == ICMP_TIME_EXCEEDED  ? UST_PING_TIME_EXCEEDED
                : h->type == ICMP_DEST_UNREACH ? UST_PING_UNREACHABLE
                                               : -1;
    uint32_t extra = h->code == ICMP_UNREACH_FRAG_NEEDED ? h->mtu : h->rest;
    icmp_notify_upper(st, h->type, h->code, extra, ip->src, quote, qlen, event);
}

/* RFC 1122 3.2.2.2: the quote names the datagram, the second header word
 * the better gateway; redirect.c decides whether to believe it. */
static void icmp_redirect_in(struct ust_stack *st, const struct ipv4_hdr *ip,
                             const struct icmp_hdr *h, const uint8_t *quote, size_t qlen)
{
    struct ipv4_hdr orig;
    const uint8_t *l4;
    size_t l4_len;
    if (ipv4_parse_quoted(quote, qlen, &orig, &l4, &l4_len) < 0 || l4_len < 8 ||
        !ipv4_is_local(st, orig.src) || h->code > 3) {
        stack_stats(st)->icmp.InErrors++;
        return;
    }
    redirect_input(st, ip->src, orig.dst, h->rest);
}

void icmp_input(struct ust_stack *st, struct ust_iface *ifc, const struct ipv4_hdr *ip,
                const uint8_t *dgram, size_t dgram_len, bool link_bcast)
{
    (void)ifc;
    const uint8_t *msg = dgram + ip->hdr_len;
    size_t len = dgram_len - ip->hdr_len;
    struct icmp_hdr h;
    stack_stats(st)->icmp.InMsgs++;
    int rc = icmp_parse(msg, len, true, &h);
    if (rc < 0) {
        stack_stats(st)->icmp.InErrors++;
        if (rc == WIRE_BAD_CSUM)
            stack_stats(st)->icmp.InCsumErrors++;
        TRACE(st, "icmp", "drop: %s", wire_strerror(rc));
        return;
    }
    const uint8_t *body = msg + ICMP_HDR_LEN;
    size_t body_len = len - ICMP_HDR_LEN;
    switch (h.type) {
    case ICMP_ECHO_REQUEST:
        stack_stats(st)->icmp.InEchos++;
        if (link_bcast || ipv4_is_broadcast_in(st, ip->dst) || ipv4_is_multicast(ip->dst)) {
            TRACE(st, "icmp", "ignore echo request to broadcast");
            return;
        }
        icmp_echo_reply(st, ip, &h, body, body_len);
        return;
    case ICMP_ECHO_REPLY:
        stack_stats(st)->icmp.InEchoReps++;
        icmp_echo_reply_in(st, ip, &h, body, body_len);
        return;
    case ICMP_DEST_UNREACH:
        stack_stats(st)->icmp.InDestUnreachs++;
        icmp_error_in(st, ip, &h, body, body_len);
        return;
    case ICMP_TIME_EXCEEDED:
        stack_stats(st)->icmp.InTimeExcds++;
        icmp_error_in(st, ip, &h, body, body_len);
        return;
    case ICMP_REDIRECT:
        stack_stats(st)->icmp.InRedirects++;
        icmp_redirect_in(st, ip, &h, body, body_len);
        return;
    case ICMP_PARAM_PROBLEM:
    case ICMP_SOURCE_QUENCH:
        stack_stats(st)->icmp.InOther++;
        icmp_error_in(st, ip, &h, body, body_len);
        return;
    default:
        stack_stats(st)->icmp.InOther++;
        TRACE(st, "icmp", "ignore type %u", h.type);
        return;
    }
}

static void icmp_ip_input(struct ust_stack *st, const struct ip_rx *rx)
{
    icmp_input(st, rx->ifc, rx->h, rx->dgram, rx->h->total_len, rx->link_bcast);
}

static const struct ip_proto_ops icmp_proto = {
    .input = icmp_ip_input,
    .err_input = icmp_ping_error,
};

int icmp_register(struct ust_stack *st) { return ip_proto_register(st, IPV4_PROTO_ICMP, &icmp_proto); }
