/* ICMP errors about segments we sent (RFC 9293 3.9.2.2, RFC 5927).
 * MUST-54: dispatched to the connection they concern, after checking that
 * the quoted sequence number is one we have in flight (RFC 5927 4.1: blind
 * attacks; the others are counted in OutOfWindowIcmps, as Linux). MUST-56:
 * soft errors never abort a connection, they are only remembered for the
 * application (reported if the connection then times out). MUST-55:
 * source quench is ignored. Fragmentation needed lowers the path MTU only
 * once the quote passed that check (RFC 5927 7.2), never below
 * cfg.ip_min_pmtu (pmtu.c), so the recomputed MSS always carries data. */
#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "net6/net6.h"
#include "tcp.h"
#include "transport/tp_net.h"
#include "wire/icmp.h"
#include "wire/seq.h"
#include "wire/wbuf.h"

#define ICMP_T_UNREACH 3
#define ICMP_T_QUENCH 4
#define ICMP_T_TIMXCEED 11
#define ICMP_T_PARAMPROB 12
#define ICMP_C_NET 0
#define ICMP_C_HOST 1
#define ICMP_C_PROTO 2
#define ICMP_C_PORT 3
#define ICMP_C_FRAG_NEEDED 4

/* RFC 5927 4.1: SND.UNA <= SEG.SEQ < SND.NXT (the highest sent, SND.MAX
 * here); with nothing in flight, the next sequence number (a pure ACK or
 * a window probe's). */
static bool tcp_icmp_seq_ok(const struct tcb *t, uint32_t seq)
{
    return seq_in(seq, t->snd.una, t->snd.max) ||
           (t->snd.una == t->snd.max && seq == t->snd.una);
}

/* RFC 1191 6.4 / RFC 9293 3.7.3: a smaller path MTU makes a smaller MSS;
 * what was in flight at the old size is sent again at the new one. */
static void tcp_icmp_frag_needed(struct tcb *t, uint32_t next_hop_mtu,
                                 const struct ipv4_hdr *orig)
{
    pmtu_frag_needed(t->st, orig->dst, next_hop_mtu, orig->total_len);
    uint16_t old = t->opt.mss;
    tcp_update_mss(t); /* ipv4_mtu_for now reflects the path MTU */
    if (t->opt.mss < old) {
        t->snd.nxt = t->snd.una;
        tcp_output(t);
    }
}

/* The path MTU towards the peer may have been lowered by a message about
 * another datagram (UDP, ICMP: RFC 1191 keeps one estimate per
 * destination): pick it up before sending, as Linux reads dst_mtu on each
 * transmission. Otherwise every segment at the old size would be refused
 * with DF and the connection would stall. O(1) while nothing changed. */
void tcp_pmtu_sync(struct tcb *t)
{
    if (t->opt.pmtu_gen == pmtu_gen(t->st))
        return;
    t->opt.pmtu_gen = pmtu_gen(t->st);
    tcp_update_mss(t);
}

void tcp_icmp_error(struct ust_stack *st, uint8_t type, uint8_t code, uint32_t extra,
                    const struct ipv4_hdr *orig, const uint8_t *l4, size_t l4_len)
{
    struct ust_stats *stats = stack_stats(st);
    if (l4_len < 8)
        return;
    uint16_t sport = get_be16(l4), dport = get_be16(l4 + 2);
    uint32_t seq = get_be32(l4 + 4);
    struct tcb *t = tcb_lookup(st, orig->src, sport, orig->dst, dport);
    if (!t || t->state == UST_TCP_LISTEN)
        return;
    char b[TCB_STR_LEN];
    if (!tcp_icmp_seq_ok(t, seq)) {
        stats->tcp.OutOfWindowIcmps++;
        TCB_TRACE(t, "%s icmp type %u code %u: seq %u not in flight, ignored",
                  tcb_str(t, b, sizeof(b)), type, code, seq);
        return;
    }
    stats->tcp.IcmpErrors++;
    TCB_TRACE(t, "%s icmp type %u code %u", tcb_str(t, b, sizeof(b)), type, code);
    if (type == ICMP_T_QUENCH)
        return;
    if (type == ICMP_T_UNREACH && code == ICMP_C_FRAG_NEEDED) {
        tcp_icmp_frag_needed(t, extra, orig);
        return;
    }
    int err = UST_ERR_HOSTUNREACH;
    if (type == ICMP_T_UNREACH && code == ICMP_C_NET)
        err = UST_ERR_NETUNREACH;
    bool hard = type == ICMP_T_UNREACH && (code == ICMP_C_PROTO || code == ICMP_C_PORT);
    if (hard)
        err = UST_ERR_CONNREFUSED;
    if (hard && t->state == UST_TCP_SYN_SENT) { /* SHLD-26 */
        tcp_drop(t, err, false);
        tcb_reap(t);
        return;
    }
    tcp_soft_error(t, err); /* SHLD-25: kept, reported, not fatal */
}

/* ---- ICMPv6 (RFC 4443 3, RFC 8201; Linux icmpv6_err_convert) ---------- */

#define ICMP6_T_UNREACH 1
#define ICMP6_T_TOOBIG 2
#define ICMP6_T_TIMXCEED 3
#define ICMP6_T_PARAMPROB 4
#define ICMP6_C_NOROUTE 0
#define ICMP6_C_ADMIN 1
#define ICMP6_C_PORT 4
/* interfaces tried for a link-local quote (the stack's few interfaces) */
#define TCP_ICMP6_SCOPES 16

/* RFC 8201 4-5: a smaller path MTU (never below 1280) makes a smaller MSS
 * (MTU - 60 - options); what was in flight is sent again at the new size.
 * The IPv6 layer lowers ipv6_mtu_for before it calls us; the clamp here
 * holds even if it has not. */
static void tcp_icmp6_too_big(struct tcb *t, uint32_t mtu)
{
    if (mtu < IPV6_MIN_MTU)
        mtu = IPV6_MIN_MTU;
    uint16_t old = t->opt.mss;
    tcp_update_mss(t);
    unsigned room = mtu - IPV6_HDR_LEN - TCP_HDR_LEN - (t->opt.ts_ok ? 12u : 0u);
    if (t->opt.mss > room) {
        t->opt.mss = (uint16_t)room;
        t->cc.mss = room;
    }
    if (t->opt.mss < old) {
        t->snd.nxt = t->snd.una;
        tcp_output(t);
    }
}

/* The error an ICMPv6 message means, and whether it is hard (a connect in
 * progress fails at once, RFC 9293 SHLD-26; otherwise soft, MUST-56). */
static int icmp6_err(uint8_t type, uint8_t code, bool *hard)
{
    *hard = false;
    if (type == ICMP6_T_PARAMPROB) {
        *hard = true;
        return UST_ERR_PROTO;
    }
    if (type != ICMP6_T_UNREACH)
        return UST_ERR_HOSTUNREACH; /* time exceeded: soft */
    if (code == ICMP6_C_PORT || code == ICMP6_C_ADMIN) {
        *hard = true;
        return code == ICMP6_C_PORT ? UST_ERR_CONNREFUSED : UST_ERR_ACCES;
    }
    return code == ICMP6_C_NOROUTE ? UST_ERR_NETUNREACH : UST_ERR_HOSTUNREACH;
}

void tcp_icmp6_error(struct ust_stack *st, const struct ip6_err *e)
{
    if (!e->orig || !e->l4 || e->l4_len < 8)
        return;
    uint16_t sport = get_be16(e->l4), dport = get_be16(e->l4 + 2);
    uint32_t seq = get_be32(e->l4 + 4);
    /* the quote's scope is the interface the error came in on: unknown
     * here, so a link-local tuple is looked for in every scope below */
    struct ust_addr l = ust_addr_from_ip6(e->orig->src.b, 0);
    struct ust_addr r = ust_addr_from_ip6(e->orig->dst.b, 0);
    struct tcb *t = tcb_find(st, &l, sport, &r, dport);
    for (uint32_t sc = 1; !t && tp_addr_scoped(&r) && sc <= TCP_ICMP6_SCOPES; sc++) {
        l.scope_id = tp_addr_scoped(&l) ? sc : 0;
        r.scope_id = sc;
        t = tcb_find(st, &l, sport, &r, dport);
    }
    if (!t || t->state == UST_TCP_LISTEN)
        return;
    char b[TCB_STR_LEN];
    if (!tcp_icmp_seq_ok(t, seq)) { /* RFC 5927 4.1, RFC 8201 5.2 */
        stack_stats(st)->tcp.OutOfWindowIcmps++;
        TCB_TRACE(t, "%s icmpv6 type %u code %u: seq %u not in flight, ignored",
                  tcb_str(t, b, sizeof(b)), e->type, e->code, seq);
        return;
    }
    stack_stats(st)->tcp.IcmpErrors++;
    TCB_TRACE(t, "%s icmpv6 type %u code %u", tcb_str(t, b, sizeof(b)), e->type, e->code);
    if (e->type == ICMP6_T_TOOBIG) {
        tcp_icmp6_too_big(t, e->extra);
        return;
    }
    bool hard;
    int err = icmp6_err(e->type, e->code, &hard);
    /* A local resolution failure is no forgeable message: the connect
     * fails at once with EHOSTUNREACH, as Linux's does. */
    if ((hard || e->local) && t->state == UST_TCP_SYN_SENT) { /* SHLD-26 */
        tcp_drop(t, err, false);
        tcb_reap(t);
        return;
    }
    tcp_soft_error(t, err);
}
