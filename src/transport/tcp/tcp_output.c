/* tcp_output: the only place that builds TCP segments. Input and the
 * timers record what must be sent (flags, snd_nxt pulled back); this
 * decides what may go now — send window, congestion window, Nagle
 * (RFC 9293 3.7.4), sender-side silly-window avoidance (3.8.6.2.1), MSS —
 * and reads the bytes straight out of the send ring. The loss detectors
 * (RFC 6675, RACK, TLP), the keepalive timer and tcp_drop name one segment
 * in tcb->tx_req instead (a retransmission from a sequence number, a RST,
 * a keepalive probe) and call tcp_output(), which sends it alone. */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "net/net.h"
#include "net6/net6.h"
#include "tcp.h"
#include "transport/tp_net.h"
#include "transport/transport.h"
#include "wire/seq.h"

#define TCP_MIN_SND_MSS 48 /* floor for a peer announcing a tiny MSS (as Linux) */

uint32_t tcp_snd_data_seq(const struct tcb *t)
{
    /* until the SYN is acknowledged it occupies SND.UNA */
    bool syn_unacked = t->state == UST_TCP_SYN_SENT || t->state == UST_TCP_SYN_RECEIVED;
    return t->snd.una + (syn_unacked ? 1 : 0);
}

uint32_t tcp_snd_data_end(const struct tcb *t)
{
    return tcp_snd_data_seq(t) + (uint32_t)ring_len(&t->snd.buf);
}

uint32_t tcp_flight(const struct tcb *t) { return t->snd.max - t->snd.una; }

/* The path MTU less the IP header (tp_mtu_for); IPV6_USE_MIN_MTU 1 holds
 * an IPv6 connection to 1280 (RFC 3542 11.1; -1, the default, means the
 * minimum for multicast only, which TCP never is). */
static unsigned mtu_less_ip(struct ust_stack *st, const struct ust_addr *raddr, bool min_mtu)
{
    unsigned mtu = tp_mtu_for(st, raddr);
    unsigned floor = IPV6_MIN_MTU - IPV6_HDR_LEN;
    return min_mtu && raddr->family == UST_AF_INET6 && mtu > floor ? floor : mtu;
}

uint16_t tcp_adv_mss_to(struct ust_stack *st, const struct ust_addr *raddr, uint16_t user_mss,
                        bool min_mtu)
{
    /* RFC 9293 3.7.1 MUST-67: at most MMS_R - 20; path MTU of the route
     * (IPv6: MTU - 60, RFC 8201 / RFC 9293 3.7.1) */
    unsigned mtu = mtu_less_ip(st, raddr, min_mtu);
    unsigned mss = mtu > TCP_HDR_LEN ? mtu - TCP_HDR_LEN : TCP_DEFAULT_MSS;
    if (user_mss && user_mss < mss)
        mss = user_mss;
    return (uint16_t)(mss > 65535 ? 65535 : mss);
}

uint16_t tcp_adv_mss(const struct tcb *t)
{
    return tcp_adv_mss_to(t->st, &t->raddr, t->so.user_mss, t->so.use_min_mtu == 1);
}

uint32_t tcp_ts_now(const struct tcb *t)
{
    /* RFC 7323 5.4: a clock between 1 ms and 1 s per tick; 1 ms */
    return (uint32_t)(stack_now(t->st) / UST_MSEC) + t->opt.ts_offset;
}

/* Bytes of TCP options on every segment after the SYN. */
static unsigned tcp_opt_overhead(const struct tcb *t)
{
    /* NOP, NOP, TS (RFC 7323 appendix A); IP options (MUST-16, tcp_ipopt.c) */
    return (t->opt.ts_ok ? 12 : 0) + t->so.ip_opt_len;
}

void tcp_update_mss(struct tcb *t)
{
    /* RFC 9293 3.7.1 MUST-16: min(SendMSS + 20, MMS_S) - TCPhdr - IPopts;
     * the timestamps option is the only one we send after the SYN. */
    unsigned mtu = mtu_less_ip(t->st, &t->raddr, t->so.use_min_mtu == 1);
    unsigned mss = t->opt.peer_mss;
    if (mtu > TCP_HDR_LEN && mtu - TCP_HDR_LEN < mss)
        mss = mtu - TCP_HDR_LEN;
    if (mss > tcp_opt_overhead(t))
        mss -= tcp_opt_overhead(t);
    if (t->so.user_mss && t->so.user_mss < mss)
        mss = t->so.user_mss;
    if (mss < TCP_MIN_SND_MSS)
        mss = TCP_MIN_SND_MSS;
    t->opt.mss = (uint16_t)mss;
    t->cc.mss = mss;
}

uint32_t tcp_rcv_window(const struct tcb *t)
{
    uint32_t space = (uint32_t)ring_space(&t->rcv.buf);
    uint32_t cur = seq_gt(t->rcv.adv, t->rcv.nxt) ? t->rcv.adv - t->rcv.nxt : 0;
    uint32_t wnd = space;
    /* RFC 9293 3.8.6.2.2 (MUST-39): move the right edge only by at least
     * min(buffer / 2, MSS), never by dribs. */
    uint32_t step = (uint32_t)(t->rcv.buf.cap / 2);
    if (t->opt.rcv_mss && t->opt.rcv_mss < step)
        step = t->opt.rcv_mss;
    if (space > cur && space - cur < step)
        wnd = cur;
    uint32_t max = (uint32_t)65535 << t->opt.rcv_wscale;
    return wnd > max ? max : wnd;
}

/* Why this segment goes (again): "retransmission (RTO)", "tail loss
 * probe (new data)", or "" for a first transmission. Also the capture's
 * comment on the frame (core/trace.h TRACE_NOTE_TX). */
static const char *xmit_why(const struct tcb *t, uint32_t seq, uint8_t flags, uint32_t len,
                            char *buf, size_t cap)
{
    bool rexmit = (len || (flags & (TCP_SYN | TCP_FIN))) && seq_lt(seq, t->snd.max);
    if (rexmit && t->rack.tlp_probing)
        snprintf(buf, cap, "retransmission (TLP)");
    else if (rexmit)
        snprintf(buf, cap, "retransmission (%s)",
                 tcp_rexmit_cause_name((enum tcp_rexmit_cause)t->rec.rexmit_cause));
    else if (t->rack.tlp_probing && len)
        snprintf(buf, cap, "tail loss probe (new data)");
    else
        buf[0] = '\0';
    return buf;
}

/* IPv6 output: the same segment with the family's header (TCLASS from
 * the TOS byte, hop limit from IP_TTL / IPV6_UNICAST_HOPS; no options). */
static int tcp_send_pkt6(struct ust_stack *st, const struct ust_addr *src,
                         const struct ust_addr *dst, uint8_t tos, int ttl, struct pkt *p)
{
    struct tcp_state *ts = stack_tcp(st);
    struct ipv6_out o = {.src = tp_ip6(src), .dst = tp_ip6(dst), .ifindex = tp_ifindex(dst),
                         .proto = IPV6_NH_TCP, .hop_limit = (int16_t)(ttl >= 0 ? ttl : -1),
                         .tclass = tos};
    if (ts->tx6_hook)
        return ts->tx6_hook(ts->tx_hook_ctx, &o, p);
    return ipv6_output(st, &o, p);
}

/* Hands a finished segment to IP (or to the test seam). */
static int tcp_send_pkt(struct ust_stack *st, const struct ust_addr *src,
                        const struct ust_addr *dst, uint8_t tos, int ttl, const uint8_t *opts,
                        uint8_t opt_len, struct pkt *p)
{
    struct tcp_state *ts = stack_tcp(st);
    stack_stats(st)->tcp.OutSegs++;
    if (dst->family == UST_AF_INET6)
        return tcp_send_pkt6(st, src, dst, tos, ttl, p);
    struct ipv4_out o = {.src = src->u.v4, .dst = dst->u.v4, .proto = IPV4_PROTO_TCP, .df = true,
                         .tos = tos, .ttl = (uint8_t)(ttl > 0 ? ttl : 0),
                         .opts = opt_len ? opts : NULL,
                         .opt_len = opt_len};
    if (ts->tx_hook)
        return ts->tx_hook(ts->tx_hook_ctx, &o, p);
    return ipv4_output(st, &o, p);
}

/* SACK blocks on an ACK, as many as fit in 40 option bytes and, on a data
 * segment, within the MSS the segment was cut for. */
static void add_sack_blocks(struct tcb *t, struct tcp_opts *o, uint32_t len)
{
    unsigned used = o->has_timestamp ? 12 : 0;
    unsigned room = TCP_MAX_HDR_LEN - TCP_HDR_LEN - used;
    if (len) { /* the segment was sized for MSS + our usual options */
        unsigned budget = t->opt.mss + tcp_opt_overhead(t);
        unsigned need = len + used;
        room = need < budget ? budget - need : 0;
        if (room > TCP_MAX_HDR_LEN - TCP_HDR_LEN - used)
            room = TCP_MAX_HDR_LEN - TCP_HDR_LEN - used;
    }
    if (room < 2 + 8)
        return;
    unsigned max = (room - 2) / 8;
    if (max > TCP_MAX_SACK_BLOCKS)
        max = TCP_MAX_SACK_BLOCKS;
    o->num_sack = (uint8_t)tcp_sack_blocks(t, o->sack, max);
}

/* The options and window of a SYN; returns the window it offers. */
static uint32_t syn_options(struct tcb *t, struct tcp_hdr *h, uint8_t flags, uint32_t wnd)
{
    /* MSS on every SYN (MAY-3); window scale offered (RFC 7323 1.3) */
    h->opts.has_mss = true;
    h->opts.mss = t->opt.rcv_mss = tcp_adv_mss(t);
    bool ws = t->state == UST_TCP_SYN_SENT ? t->opt.wscale_offered : t->opt.wscale_ok;
    if (ws) {
        h->opts.has_wscale = true;
        h->opts.wscale = t->opt.rcv_wscale;
    }
    h->wnd = (uint16_t)(wnd > 65535 ? 65535 : wnd); /* never scaled in a SYN */
    h->opts.sack_permitted =
        t->state == UST_TCP_SYN_SENT ? t->opt.sack_offered : t->opt.sack_ok;
    bool ts = t->state == UST_TCP_SYN_SENT ? t->opt.ts_offered : t->opt.ts_ok;
    if (ts) {
        h->opts.has_timestamp = true;
        h->opts.ts_val = tcp_ts_now(t);
        h->opts.ts_ecr = (flags & TCP_ACK) ? t->opt.ts_recent : 0;
    }
    return h->wnd;
}

/* A segment acknowledging RCV.NXT and offering wnd goes: whatever ACK was
 * owed or delayed is paid. */
static void ack_sent(struct tcb *t, uint32_t wnd)
{
    t->rcv.last_ack_sent = t->rcv.nxt;
    if (seq_gt(t->rcv.nxt + wnd, t->rcv.adv))
        t->rcv.adv = t->rcv.nxt + wnd;
    t->flags &= ~(TF_ACK_NOW | TF_DELACK | TF_ACK_BATCH);
    t->rcv.unacked = 0;
    t->rcv.pushed = false;
    t->rcv.sack_folded = 0;
    timer_cancel(t->st, &t->timer.delack);
}

/* Builds and sends one segment of this connection: `len` payload bytes
 * read from the send ring at `data_off`. More than one MSS is a TSO
 * super-packet (tcp_tso.h): its header is what each of its segments
 * carries, sized for a full MSS (no SACK blocks squeezed in), and its
 * checksum is left to whoever segments it. */
static int tcp_xmit(struct tcb *t, uint32_t seq, uint8_t flags, uint32_t data_off, uint32_t len)
{
    struct ust_stack *st = t->st;
    bool tso = len > t->opt.mss;
    struct pkt *p = pkt_pool_alloc(stack_pkt_pool(st), PKT_HEADROOM, len);
    if (!p)
        return UST_ERR_NOMEM;
    if (len)
        ring_peek(&t->snd.buf, data_off, p->data, len);
    struct tcp_hdr h;
    memset(&h, 0, sizeof(h));
    h.sport = t->lport;
    h.dport = t->rport;
    h.seq = seq;
    uint8_t tos = tcp_ecn_tx(t, &flags, seq, len); /* RFC 3168: ECE, CWR, ECT */
    h.flags = flags;
    uint32_t wnd = (flags & TCP_RST) ? 0 : tcp_rcv_window(t);
    if (flags & TCP_SYN) {
        wnd = syn_options(t, &h, flags, wnd);
    } else {
        h.wnd = tcp_wnd_field(t, wnd); /* never left of the offered edge (SHLD-14) */
        wnd = (uint32_t)h.wnd << t->opt.rcv_wscale;
    }
    if (t->opt.ts_ok && !(flags & (TCP_SYN | TCP_RST))) {
        /* RFC 7323 3.2: on every segment but a RST */
        h.opts.has_timestamp = true;
        h.opts.ts_val = tcp_ts_now(t);
        h.opts.ts_ecr = t->opt.ts_recent;
    }
    if ((flags & TCP_ACK) && !(flags & (TCP_SYN | TCP_RST)))
        add_sack_blocks(t, &h.opts, tso ? t->opt.mss : len);
    tcp_urg_apply(t, &h); /* RFC 9293 3.8.5 (MUST-30); never in a super-packet */
    if (flags & TCP_ACK) {
        h.ack = t->rcv.nxt;
        ack_sent(t, wnd);
    }
    size_t hl = TCP_HDR_LEN + tcp_opts_len(&h.opts);
    uint8_t *hdr = pkt_push(p, hl);
    /* the device completes the checksum: none summed here (Linux's
     * CHECKSUM_PARTIAL on every TCP segment, tcp_v4_send_check) */
    bool partial = tso || tp_csum_offload_for(st, &t->raddr);
    uint32_t ps = tp_csum_pseudo(&t->laddr, &t->raddr, IPV4_PROTO_TCP, 0);
    int emitted = !hdr       ? -1
                  : partial ? tcp_emit_nocsum(&h, hdr, hl + len, 0)
                            : tcp_emit_ps(&h, ps, hdr, hl + len, len);
    if (emitted < 0) {
        pkt_free(p);
        return UST_ERR_NOMEM;
    }
    if (tso)
        tcp_tso_mark(t, p, len);
    else if (partial)
        tcp_csum_partial_mark(t, p);
    if (trace_on(st)) {
        char why[48];
        xmit_why(t, seq, h.flags, len, why, sizeof(why));
        tcp_trace_seg(st, "tx", &t->laddr, &t->raddr, hdr, len, why);
        if (why[0])
            TRACE_NOTE_TX(st, "TCP %s", why);
    }
    t->ctr.bytes_sent += len; /* retransmissions included, as Linux's tcpi_bytes_sent */
    tcp_pacing_sent(t, len);
    int rc = tcp_send_pkt(st, &t->laddr, &t->raddr, tos, tcp_so_ttl(&t->so, &t->raddr), t->so.ip_opts,
                          t->so.ip_opt_len, p);
    trace_note_tx_clear(st); /* the note was this segment's only */
    return rc;
}

static void start_rtt_timing(struct tcb *t, uint32_t seq)
{
    if (t->rxt.rtt_timing)
        return;
    t->rxt.rtt_timing = true;
    t->rxt.rtt_seq = seq;
    t->rxt.rtt_start = stack_now(t->st);
}

/* SYN-SENT / SYN-RECEIVED: (re)send our SYN, or an ACK if one is owed. */
static void output_handshake(struct tcb *t)
{
    if (t->snd.nxt == t->snd.iss) {
        uint8_t flags = TCP_SYN | (t->state == UST_TCP_SYN_RECEIVED ? TCP_ACK : 0);
        bool rexmit = seq_lt(t->snd.nxt, t->snd.max);
        flags |= tcp_ecn_syn_flags(t, rexmit); /* RFC 3168 6.1.1 */
        if (rexmit) {
            stack_stats(t->st)->tcp.RetransSegs++;
            t->ctr.total_retrans++;
            t->rxt.rtt_timing = false;
        } else {
            start_rtt_timing(t, t->snd.iss);
        }
        tcp_xmit(t, t->snd.iss, flags, 0, 0);
        t->snd.nxt = t->snd.iss + 1;
        t->snd.max = seq_max(t->snd.max, t->snd.nxt);
    } else if ((t->flags & TF_ACK_NOW) && t->state == UST_TCP_SYN_RECEIVED) {
        tcp_xmit(t, t->snd.nxt, TCP_ACK, 0, 0);
    }
    tcp_timer_update(t);
}

/* May we send our FIN after this segment? */
static bool fin_fits(const struct tcb *t, uint32_t seg_end)
{
    if (!(t->flags & TF_FIN_QUEUED) || seg_end != t->snd.fin_seq)
        return false;
    return t->state == UST_TCP_FIN_WAIT_1 || t->state == UST_TCP_CLOSING ||
           t->state == UST_TCP_LAST_ACK;
}

/* Nagle (RFC 9293 3.7.4) and sender SWS avoidance (3.8.6.2.1): may a
 * segment of `len` bytes go now? */
static bool worth_sending(const struct tcb *t, uint32_t len, uint32_t off, bool fin, bool force)
{
    if (len == 0)
        return fin;
    if (len >= t->opt.mss || force || fin || t->rack.tlp_probing)
        return true; /* a loss probe goes whole or small (RFC 8985 7.3) */
    if (seq_lt(t->snd.nxt, t->snd.max))
        return true; /* retransmission: already decided once */
    /* Nagle with Minshall's refinement (as Linux): a small segment waits
     * only while an earlier small segment is unacknowledged, so the tail
     * of a large write is not held for an RTT. */
    bool all_queued = off + len == ring_len(&t->snd.buf);
    bool small_outstanding = seq_gt(t->snd.sml, t->snd.una);
    if (all_queued && (t->so.nodelay || !small_outstanding))
        return true;
    return t->snd.max_wnd && len >= t->snd.max_wnd / 2;
}

/* A super-packet's payload without the short tail that Nagle would hold
 * back had it been a segment of its own (the full segments go anyway). */
static uint32_t tso_trim_tail(const struct tcb *t, uint32_t len, uint32_t off)
{
    uint32_t tail = len % t->opt.mss;
    if (tail && !worth_sending(t, tail, off + len - tail, fin_fits(t, t->snd.nxt + len), false))
        return len - tail;
    return len;
}

/* The payload of the next packet: one MSS, or several as a TSO
 * super-packet if the device takes them, within what the windows allow. */
static uint32_t next_len(struct tcb *t, uint32_t avail, uint32_t usable, uint32_t off, bool force)
{
    uint32_t len = avail < usable ? avail : usable;
    if (len > t->opt.mss) {
        uint32_t max = force || t->rack.tlp_probing ? t->opt.mss : tcp_tso_max_len(t);
        len = len > max ? max : len;
        if (len > t->opt.mss)
            len = tso_trim_tail(t, len, off);
    }
    if (force && len == 0 && avail > 0)
        len = 1; /* zero-window probe: one byte beyond the window */
    return len;
}

/* The send map gets one record per MSS-sized segment, however the bytes
 * left (one packet or a TSO super-packet): SACK, RACK, RTT and delivery
 * rate samples work on segments. The FIN counts with the last one. */
static void record_sent(struct tcb *t, uint32_t seq, uint32_t len, bool fin, bool rexmit)
{
    uint32_t mss = t->opt.mss;
    do {
        uint32_t n = len > mss ? mss : len;
        len -= n;
        tcp_rack_sent(t, seq, n + (fin && len == 0 ? 1 : 0), !rexmit);
        seq += n;
    } while (len);
}

/* Sends data and FIN segments while the windows allow. */
static void output_segments(struct tcb *t)
{
    for (;;) {
        tcp_sack_skip_held(t);
        uint32_t data_seq = tcp_snd_data_seq(t);
        uint32_t off = t->snd.nxt - data_seq;
        uint32_t queued = (uint32_t)ring_len(&t->snd.buf);
        uint32_t avail = off < queued ? queued - off : 0;
        uint32_t cc_edge = tcp_cc_send_edge(t), rwnd_edge = t->snd.una + t->snd.wnd;
        uint32_t edge = seq_lt(cc_edge, rwnd_edge) ? cc_edge : rwnd_edge;
        uint32_t usable = seq_lt(t->snd.nxt, edge) ? edge - t->snd.nxt : 0;
        bool force = t->flags & TF_FORCE_PROBE;
        uint32_t len = next_len(t, avail, usable, off, force);
        bool fin = fin_fits(t, t->snd.nxt + len);
        if (!worth_sending(t, len, off, fin, force))
            break;
        if (!force && !t->rack.tlp_probing && !tcp_pacing_may_send(t))
            break; /* paced: the pacing timer brings output back */
        uint8_t flags = TCP_ACK | (fin ? TCP_FIN : 0);
        if (len && off + len == queued)
            flags |= TCP_PSH; /* MUST-61: PSH on the segment that empties the queue */
        bool rexmit = seq_lt(t->snd.nxt, t->snd.max);
        if (rexmit) {
            stack_stats(t->st)->tcp.RetransSegs++;
            t->ctr.total_retrans++;
            t->ctr.bytes_retrans += len;
            t->rxt.rtt_timing = false; /* Karn: an ACK could be for either copy */
        } else {
            start_rtt_timing(t, t->snd.nxt);
        }
        tcp_xmit(t, t->snd.nxt, flags, off, len);
        record_sent(t, t->snd.nxt, len, fin, rexmit);
        if (rexmit)
            tcp_undo_retransmitted(t, t->snd.nxt, len + (fin ? 1 : 0));
        t->snd.nxt += len + (fin ? 1 : 0);
        t->snd.max = seq_max(t->snd.max, t->snd.nxt);
        if ((len % t->opt.mss || len == 0) && !force) /* a short (last) segment */
            t->snd.sml = t->snd.nxt;
        if (fin)
            t->flags |= TF_FIN_SENT;
        if (force) {
            t->flags &= ~TF_FORCE_PROBE;
            break;
        }
        if (t->rack.tlp_probing)
            break; /* a loss probe is one segment */
    }
}

/* Nothing queued (so nothing in flight either: the ring holds the data
 * until it is acknowledged), no FIN to send and no probe due: the case of
 * a receiver, whose output runs after every segment it takes in (4 % of
 * its time at 8 Gbit/s, in a profile of Linux sending to ustack over the
 * TAP). Then no segment is lost and output_segments would find len 0 and
 * no FIN: nothing goes. */
static bool nothing_to_send(const struct tcb *t)
{
    return ring_len(&t->snd.buf) == 0 && t->snd.nxt == t->snd.max &&
           !(t->flags & (TF_FIN_QUEUED | TF_FORCE_PROBE)) && !t->rack.tlp_probing;
}

/* RACK recovery: lost segments before new data. F-RTO (tcp_undo.c) tests
 * with new data first; when none goes after all (the peer's window has
 * no room for a full segment, so sender SWS avoidance holds it, or cwnd
 * has none) and pacing is not what holds it, it falls back to the usual
 * recovery and resends now (RFC 5682 2.1 step 2b, as Linux's
 * tcp_xmit_recovery): held, the lost segments would wait for the next RTO. */
static void send_data(struct tcb *t, bool frto_hold)
{
    uint32_t top = t->snd.max;
    if (!frto_hold)
        tcp_rack_send_lost(t);
    output_segments(t);
    if (frto_hold && t->snd.max == top && !timer_armed(&t->timer.pace)) {
        tcp_undo_frto_fallback(t);
        tcp_rack_send_lost(t);
        output_segments(t);
    }
}

static void output_data(struct tcb *t)
{
    bool frto_hold = tcp_undo_frto_hold(t);
    if (frto_hold || !nothing_to_send(t))
        send_data(t, frto_hold);
    tcp_rate_check_app_limited(t);
    tcp_chrono_after_output(t);
}

/* Retransmits up to `max` bytes (at most one MSS) from sequence number
 * seq. Returns the sequence space sent (data and FIN), 0 if nothing went. */
static uint32_t retransmit_at(struct tcb *t, uint32_t seq, uint32_t max)
{
    uint32_t data_seq = tcp_snd_data_seq(t);
    uint32_t off = seq - data_seq;
    uint32_t queued = (uint32_t)ring_len(&t->snd.buf);
    uint32_t len = off < queued ? queued - off : 0;
    if (len > t->opt.mss)
        len = t->opt.mss;
    if (len > max)
        len = max;
    bool fin = fin_fits(t, seq + len) && seq_lt(seq + len, t->snd.max);
    if (len == 0 && !fin)
        return 0;
    t->rxt.rtt_timing = false; /* Karn: never time a retransmitted segment */
    stack_stats(t->st)->tcp.RetransSegs++;
    t->ctr.total_retrans++;
    t->ctr.bytes_retrans += len;
    uint8_t flags = TCP_ACK | (fin ? TCP_FIN : 0) | (len && off + len == queued ? TCP_PSH : 0);
    tcp_xmit(t, seq, flags, off, len);
    tcp_rack_sent(t, seq, len + (fin ? 1 : 0), false);
    tcp_undo_retransmitted(t, seq, len + (fin ? 1 : 0));
    return len + (fin ? 1 : 0);
}

static void send_reset(struct tcb *t)
{
    stack_stats(t->st)->tcp.OutRsts++;
    tcp_xmit(t, t->snd.nxt, TCP_RST | TCP_ACK, 0, 0);
}

static void send_keepalive(struct tcb *t)
{
    /* RFC 1122 4.2.3.6: an old sequence number makes the peer answer with
     * an ACK; no garbage octet (SHLD-12). */
    tcp_xmit(t, t->snd.una - 1, TCP_ACK, 0, 0);
}

/* A segment a detector, a timer or tcp_drop asked for (tcb->tx_req),
 * sent alone so that it leaves at the moment it was decided. The request
 * is cleared first: the send may run input again (a test's loopback). */
static void serve_request(struct tcb *t)
{
    struct tcp_tx_req *r = &t->tx_req;
    uint8_t kind = r->kind;
    r->kind = TX_REQ_NONE;
    switch (kind) {
    case TX_REQ_REXMIT: r->sent = retransmit_at(t, r->seq, r->max); break;
    case TX_REQ_RESET: send_reset(t); break;
    case TX_REQ_KEEPALIVE: send_keepalive(t); break;
    default: break;
    }
}

void tcp_output(struct tcb *t)
{
    if (t->tx_req.kind != TX_REQ_NONE) {
        serve_request(t);
        return;
    }
    switch (t->state) {
    case UST_TCP_CLOSED:
    case UST_TCP_LISTEN:
        return;
    case UST_TCP_SYN_SENT:
    case UST_TCP_SYN_RECEIVED:
        output_handshake(t);
        return;
    case UST_TCP_TIME_WAIT:
        if (t->flags & TF_ACK_NOW)
            tcp_xmit(t, t->snd.nxt, TCP_ACK, 0, 0);
        return;
    default:
        break;
    }
    tcp_pmtu_sync(t);
    output_data(t);
    /* A pure ACK carries SND.MAX, not SND.NXT: after an RTO pulled SND.NXT
     * back, SND.NXT may lie below the peer's RCV.NXT and the peer would
     * drop our ACK as an old duplicate (RFC 9293 3.10.7.4 first check). */
    if (t->flags & TF_ACK_NOW)
        tcp_xmit(t, t->snd.max, TCP_ACK, 0, 0);
    tcp_timer_update(t);
    tcp_tlp_schedule(t);
}

void tcp_reply_reset(struct ust_stack *st, const struct ust_addr *src, const struct ust_addr *dst,
                     const struct tcp_hdr *in, uint32_t seg_len)
{
    if (in->flags & TCP_RST)
        return; /* never answer a reset */
    struct tcp_hdr h;
    memset(&h, 0, sizeof(h));
    h.sport = in->dport;
    h.dport = in->sport;
    if (in->flags & TCP_ACK) { /* <SEQ=SEG.ACK><CTL=RST> */
        h.seq = in->ack;
        h.flags = TCP_RST;
    } else {                   /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
        h.ack = in->seq + seg_len;
        h.flags = TCP_RST | TCP_ACK;
    }
    struct pkt *p = pkt_alloc(PKT_HEADROOM, 0);
    if (!p)
        return;
    uint8_t *hdr = pkt_push(p, TCP_HDR_LEN);
    uint32_t ps = tp_csum_pseudo(dst, src, IPV4_PROTO_TCP, 0);
    if (!hdr || tcp_emit_ps(&h, ps, hdr, TCP_HDR_LEN, 0) < 0) {
        pkt_free(p);
        return;
    }
    tcp_trace_seg(st, "tx", dst, src, hdr, 0, "(no connection)");
    stack_stats(st)->tcp.OutRsts++;
    tcp_send_pkt(st, dst, src, 0, -1, NULL, 0, p);
}

/* A SYN,ACK that no TCB stands behind (RFC 4987 3.6): everything it says
 * is in `sa`, and what the connection needs later is in its ISS and TSval. */
void tcp_send_synack_stateless(struct ust_stack *st, const struct tcp_synack *sa)
{
    struct tcp_hdr h;
    memset(&h, 0, sizeof(h));
    h.sport = sa->lport;
    h.dport = sa->rport;
    h.seq = sa->iss;
    h.ack = sa->ack;
    h.flags = TCP_SYN | TCP_ACK | (sa->ecn ? TCP_ECE : 0); /* RFC 3168 6.1.1 */
    h.wnd = sa->wnd;
    h.opts.has_mss = true;
    h.opts.mss = sa->mss;
    h.opts.has_wscale = sa->has_wscale;
    h.opts.wscale = sa->wscale;
    h.opts.sack_permitted = sa->sack_permitted;
    h.opts.has_timestamp = sa->has_timestamp;
    h.opts.ts_val = sa->ts_val;
    h.opts.ts_ecr = sa->ts_ecr;
    struct pkt *p = pkt_pool_alloc(stack_pkt_pool(st), PKT_HEADROOM, 0);
    if (!p)
        return;
    size_t hl = TCP_HDR_LEN + tcp_opts_len(&h.opts);
    uint8_t *hdr = pkt_push(p, hl);
    uint32_t ps = tp_csum_pseudo(&sa->laddr, &sa->raddr, IPV4_PROTO_TCP, 0);
    if (!hdr || tcp_emit_ps(&h, ps, hdr, hl, 0) < 0) {
        pkt_free(p);
        return;
    }
    tcp_trace_seg(st, "tx", &sa->laddr, &sa->raddr, hdr, 0, "(SYN cookie)");
    tcp_send_pkt(st, &sa->laddr, &sa->raddr, sa->tos, sa->ttl, sa->ip_opts, sa->ip_opt_len, p);
}
