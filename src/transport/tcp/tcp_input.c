/* Segment arrival, in the order of RFC 9293 3.10.7: a segment for no
 * connection (3.10.7.1), LISTEN (3.10.7.2), SYN-SENT (3.10.7.3), then for
 * the other states (3.10.7.4) the sequence check, RST, SYN, ACK, URG, text
 * and FIN steps, each a function below. Input never builds a segment: it
 * records in tcb->flags what must be sent, and tcp_output() does it once
 * the whole segment has been processed (MUST-58/59: ACKs coalesced). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "net6/net6.h"
#include "transport/tp_net.h"
#include "tcp.h"
#include "tcp_seg.h"
#include "tcp_syncookie.h"
#include "wire/seq.h"

static void ack_now(struct tcb *t) { t->flags |= TF_ACK_NOW; }

/* ---- options and windows ---------------------------------------------- */

/* Options of a SYN: MSS (MUST-14/15) and window scale (RFC 7323). */
static void take_syn_options(struct tcb *t, const struct tcp_hdr *h)
{
    const struct ust_config *cfg = ust_stack_config(t->st);
    t->opt.peer_mss = h->opts.has_mss && h->opts.mss ? h->opts.mss : tcp_default_mss(&t->raddr);
    bool ws = cfg->tcp_window_scaling && h->opts.has_wscale;
    if (t->state == UST_TCP_SYN_SENT)
        ws = ws && t->opt.wscale_offered;
    if (ws) {
        t->opt.wscale_ok = true;
        t->opt.snd_wscale = h->opts.wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : h->opts.wscale;
    } else {
        t->opt.wscale_ok = false;
        t->opt.snd_wscale = 0;
        t->opt.rcv_wscale = 0;
    }
    bool sack = cfg->tcp_sack && h->opts.sack_permitted;
    if (t->state == UST_TCP_SYN_SENT)
        sack = sack && t->opt.sack_offered;
    if (sack)
        t->opt.sack_ok = true;
    else
        t->opt.sack_ok = false;
    bool ts = cfg->tcp_timestamps && h->opts.has_timestamp;
    if (t->state == UST_TCP_SYN_SENT)
        ts = ts && t->opt.ts_offered;
    if (ts) {
        t->opt.ts_ok = true;
        t->opt.ts_recent = h->opts.ts_val;
    } else {
        t->opt.ts_ok = false;
    }
    tcp_update_mss(t);
}

/* Connection established: congestion control starts (RFC 5681 3.1). */
static void conn_established(struct tcb *t)
{
    ust_time_t now = stack_now(t->st);
    cc_sync(t, now);
    t->cc.pacing_rate = 0; /* unpaced unless the algorithm paces */
    t->cc_ops->init(&t->cc, t->opt.mss, ust_stack_config(t->st)->tcp_initial_cwnd);
    t->rec.recover = t->snd.una;
    if (t->rxt.syn_retransmitted)
        tcp_rtt_after_syn_loss(&t->rtt);
    t->rxt.retries = 0;
    tcp_rack_start(t); /* RFC 8985 when configured and SACK agreed */
    if (t->cc_ops->cong_control && !tcp_rack_on(t)) {
        /* rate samples need the send map (SACK and RACK): BBR cannot run */
        stack_stats(t->st)->tcp.CcFallbacks++;
        TCB_TRACE(t, "%s needs SACK and RACK: cubic instead", t->cc_ops->name);
        t->cc_ops = &cc_cubic;
        t->cc.pacing_rate = 0;
        t->cc_ops->init(&t->cc, t->opt.mss, ust_stack_config(t->st)->tcp_initial_cwnd);
    }
    tcp_ecn_established(t);
    tcp_advice_established(t);
    tcp_quickack_enter(t); /* the first segments are ACKed one by one */
    t->last_rcv = now;
    tcp_keepalive_reset(t);
}

/* ---- 3.10.7.2 LISTEN ---------------------------------------------------- */

/* A SYN-RECEIVED child of listener l for the SYN s: it inherits the
 * listener's options and waits in the SYN queue. NULL when out of memory. */
static struct tcb *listener_child_new(struct tcb *l, const struct tcp_rx_ip *ip, const struct seg *s)
{
    struct tcb *c = tcb_new(l->st);
    if (!c)
        return NULL;
    c->listener = l;
    c->v6sock = l->v6sock;
    c->flags |= TF_PASSIVE | TF_ORPHAN;
    c->so.nodelay = l->so.nodelay;
    c->so.keepalive = l->so.keepalive;
    c->so.linger_on = l->so.linger_on; /* socket options an accepted socket keeps (Linux) */
    c->so.linger_sec = l->so.linger_sec;
    c->so.oobinline = l->so.oobinline;
    c->so.user_mss = l->so.user_mss;
    c->so.tos = l->so.tos;
    c->so.ecn_mode = l->so.ecn_mode;
    c->so.ttl = l->so.ttl;
    c->so.tclass6 = l->so.tclass6; /* the IPv6 half of a dual listener's (Linux) */
    c->so.hops6 = l->so.hops6;
    c->so.use_min_mtu = l->so.use_min_mtu;
    c->so.recv_pathmtu = l->so.recv_pathmtu;
    tcp_ipopt_inherit(c, l, ip->h4); /* MUST-52, MUST-53 */
    c->so.keepidle = l->so.keepidle;
    c->so.keepintvl = l->so.keepintvl;
    c->so.keepcnt = l->so.keepcnt;
    c->so.user_timeout = l->so.user_timeout;
    c->cc_ops = l->cc_ops;
    ring_set_cap(&c->snd.buf, l->snd.buf.cap);
    ring_set_cap(&c->rcv.buf, l->rcv.buf.cap);
    c->so.rcvbuf_lock = l->so.rcvbuf_lock; /* autotuning as the listener's */
    c->so.sndbuf_lock = l->so.sndbuf_lock;
    c->raddr = ip->src;
    c->rport = s->h->sport;
    tcb_bind_child(c, &ip->dst, l->lport);
    if (tcb_hash_insert(c) != UST_OK) {
        c->listener = NULL;
        tcb_free(c);
        return NULL;
    }
    c->qnext = l->lsn.synq;
    l->lsn.synq = c;
    l->lsn.nsyn++;
    return c;
}

/* A new child's sequence spaces and state for the peer's ISN peer_isn and
 * our ISS (RFC 9293 3.10.7.2 third: SYN-RECEIVED). */
static void listener_child_start(struct tcb *c, uint32_t peer_isn, uint32_t iss)
{
    struct ust_stack *st = c->st;
    tcb_init_conn(c);
    c->rcv.irs = peer_isn;
    c->rcv.nxt = peer_isn + 1;
    c->rcv.adv = c->rcv.nxt;
    c->rcv.rd_seq = c->rcv.nxt;
    c->snd.iss = iss;
    c->opt.ts_offset = tcp_ts_offset(st, &c->laddr, c->lport, &c->raddr, c->rport);
    asm_clear(&c->rec.sacked);
    c->snd.una = c->snd.nxt = c->snd.max = c->snd.sml = c->snd.iss;
    c->rec.recover = c->snd.iss;
    c->snd.wl2 = c->snd.iss;
    c->last_rcv = stack_now(st);
    tcp_set_state(c, UST_TCP_SYN_RECEIVED);
}

/* The SYN queue's bound: min(backlog, cfg.tcp_max_syn_backlog), as Linux
 * (the request queue counts against the listen backlog). */
static unsigned syn_queue_limit(const struct tcb *l)
{
    unsigned max = ust_stack_config(l->st)->tcp_max_syn_backlog;
    unsigned lim = l->lsn.backlog < max ? l->lsn.backlog : max;
    return lim ? lim : 1;
}

/* Cookies off and the SYN queue full: the oldest half-open child (the
 * queue's tail; it has had the longest to finish and has retransmitted
 * its SYN,ACK the most) makes room for the new SYN. A flood then only
 * ages entries out faster, and a real client's handshake, which finishes
 * in one round trip, is still served while the flood turns the queue
 * over more slowly than that (RFC 4987 3.4, 3.5). */
static bool synq_evict(struct tcb *l)
{
    struct tcb *oldest = l->lsn.synq;
    while (oldest && oldest->qnext)
        oldest = oldest->qnext;
    if (!oldest)
        return false;
    char b[TCB_STR_LEN];
    TCB_TRACE(oldest, "%s evicted from the full SYN queue", tcb_str(oldest, b, sizeof(b)));
    stack_stats(l->st)->tcp.SynQueueEvictions++;
    tcp_set_state(oldest, UST_TCP_CLOSED);
    return tcb_reap(oldest);
}

/* A SYN to a listener: a half-open child in the SYN queue, or a SYN
 * cookie (RFC 4987 3.6) when cfg.tcp_syncookies asks for one. */
static void listen_syn(struct tcb *l, const struct tcp_rx_ip *ip, const struct seg *s)
{
    struct ust_stack *st = l->st;
    struct ust_stats *stats = stack_stats(st);
    unsigned cookies = ust_stack_config(st)->tcp_syncookies;
    bool full = l->lsn.nsyn >= syn_queue_limit(l);
    if (l->lsn.naccept >= l->lsn.backlog) { /* nothing could be accepted (Linux drops too) */
        stats->tcp.SynDrops++;
        TRACE(st, "tcp", "listen port %u: accept queue full, SYN dropped", l->lport);
        return;
    }
    if (cookies >= 2 || (cookies == 1 && full)) {
        if (cookies == 1)
            stats->tcp.ReqQFullDoCookies++;
        tcp_syncookie_send(l, ip, s->h);
        return;
    }
    if (full && !synq_evict(l)) {
        stats->tcp.SynDrops++;
        return;
    }
    struct tcb *c = listener_child_new(l, ip, s);
    if (!c) {
        stats->tcp.SynDrops++;
        return;
    }
    uint32_t iss = tcp_isn6(st, &c->laddr, c->lport, &c->raddr, c->rport, stack_now(st));
    if (s->tw_reopen && !seq_gt(iss, s->tw_snd_max)) {
        /* RFC 9293 3.6.1 MAY-2 (1): a new incarnation's ISS lies above
         * the old one's sequence space, so that the peer cannot take an
         * old segment of ours for new data. The RFC 6528 clock does not
         * ensure it after a fast transfer; the ISN's low bits keep the
         * offset unknown to anyone off the old connection's path. */
        iss = s->tw_snd_max + 1 + (iss & 0xffff);
    }
    listener_child_start(c, s->seq, iss);
    take_syn_options(c, s->h);
    tcp_ecn_syn_in(c, s->flags, false); /* RFC 3168 6.1.1 */
    /* the SYN's window is never scaled (RFC 7323 2.2) */
    tcp_set_snd_wnd(c, s->wnd);
    c->snd.wl1 = s->seq;
    stats->tcp.PassiveOpens++;
    /* Data or FIN on the SYN is not taken: it is not acknowledged, so the
     * peer sends it again once the connection is established. */
    tcp_output(c);
}

/* The options a valid cookie ACK gives the child: the MSS from the table,
 * window scale, SACK and ECN from its TSecr (tcp_syncookie.c). */
static void cookie_options(struct tcb *c, unsigned mss_idx, const struct syncookie_opts *o,
                           const struct tcp_hdr *h)
{
    c->opt.peer_mss = syncookie_mss_value(mss_idx);
    c->opt.wscale_ok = c->opt.sack_ok = c->opt.ts_ok = false;
    if (o->wscale_ok) {
        c->opt.wscale_ok = true;
        c->opt.snd_wscale = o->wscale;
        c->opt.rcv_wscale = tcp_rcv_wscale_for(c->st, tcp_rcvbuf_ceiling(c)); /* as the cookie offered */
    } else {
        c->opt.snd_wscale = c->opt.rcv_wscale = 0; /* our SYN,ACK offered no scaling */
    }
    if (o->sack_ok)
        c->opt.sack_ok = true;
    if (ust_stack_config(c->st)->tcp_timestamps && h->opts.has_timestamp) {
        c->opt.ts_ok = true;
        c->opt.ts_recent = h->opts.ts_val;
    }
    c->ecn.ok = o->ecn_ok;
    tcp_update_mss(c);
}

/* A half-open child gets an ACK that is not for its SYN,ACK: if it is
 * for a cookie SYN,ACK that answered an earlier copy of the same SYN
 * (sent while the SYN queue was full; this copy found room), the peer
 * took that one, and the child takes over the cookie's ISS and options.
 * Linux resets such a connection; with a lost, duplicated or reordered
 * SYN,ACK it happens at the edge of every flood. */
static bool child_adopt_cookie(struct tcb *t, const struct tcp_rx_ip *ip, const struct seg *s)
{
    struct tcb *l = t->listener;
    unsigned mss_idx;
    struct syncookie_opts o;
    if (!l || (s->flags & TCP_SYN) || s->seq != t->rcv.irs + 1 || !tcp_syncookie_expected(l) ||
        !tcp_syncookie_accept(l, ip, s->h, &mss_idx, &o))
        return false;
    char b[TCB_STR_LEN];
    TCB_TRACE(t, "%s takes the cookie ISS %u", tcb_str(t, b, sizeof(b)), s->ack - 1);
    t->snd.iss = s->ack - 1;
    t->snd.una = t->snd.sml = t->rec.recover = t->snd.wl2 = t->snd.iss;
    t->snd.nxt = t->snd.max = t->snd.iss + 1;
    t->rxt.rtt_timing = false;
    cookie_options(t, mss_idx, &o, s->h);
    return true;
}

static void synchronized_input(struct tcb *t, const struct tcp_rx_ip *ip, struct seg *s);

/* RFC 4987 3.6: the ACK completes a handshake whose SYN,ACK was a cookie.
 * The child starts as if it had sent that SYN,ACK and the ACK then takes
 * the ordinary SYN-RECEIVED path: onto the accept queue, ESTABLISHED, and
 * any data or FIN on the ACK is taken. */
static void listen_cookie_ack(struct tcb *l, const struct tcp_rx_ip *ip, const struct seg *s,
                              unsigned mss_idx, const struct syncookie_opts *o)
{
    struct ust_stack *st = l->st;
    struct ust_stats *stats = stack_stats(st);
    if (l->lsn.naccept >= l->lsn.backlog) { /* no room: dropped, the peer retransmits */
        stats->tcp.AcceptQueueDrops++;
        return;
    }
    struct tcb *c = listener_child_new(l, ip, s);
    if (!c) {
        stats->tcp.SynDrops++;
        return;
    }
    listener_child_start(c, s->seq - 1, s->ack - 1);
    cookie_options(c, mss_idx, o, s->h);
    c->snd.nxt = c->snd.max = c->snd.iss + 1; /* our SYN,ACK went */
    /* the window our SYN,ACK offered, unscaled (tcp_syncookie_send) */
    c->rcv.adv = c->rcv.nxt + (uint32_t)(c->rcv.buf.cap > 65535 ? 65535 : c->rcv.buf.cap);
    c->rcv.last_ack_sent = c->rcv.nxt;
    c->snd.wl1 = s->seq;
    stats->tcp.PassiveOpens++;
    struct seg cs = *s;
    synchronized_input(c, ip, &cs);
    tcp_output(c);
    tcp_notify(c);
    tcb_reap(c);
}

static void listen_input(struct tcb *l, const struct tcp_rx_ip *ip, const struct seg *s)
{
    struct ust_stack *st = l->st;
    if (s->flags & TCP_RST)
        return; /* first: an incoming RST is ignored */
    if (s->flags & TCP_ACK) {
        /* second: <SEQ=SEG.ACK><CTL=RST>, unless cookies are in use: then
         * the ACK may complete a cookie handshake, and one that does not
         * check is dropped without a RST (Linux and FreeBSD reset it).
         * When the ACK of a cookie SYN,ACK is lost, the peer's next
         * segments (seq beyond ISN + 1) cannot be checked; dropped, they
         * come again from ISN + 1 at the peer's RTO and that one checks,
         * where a RST would kill the connection. Nor does a flood of ACKs
         * at a listener under attack draw a RST each. */
        unsigned mss_idx;
        struct syncookie_opts o;
        if (!(s->flags & TCP_SYN) && tcp_syncookie_expected(l)) {
            if (tcp_syncookie_accept(l, ip, s->h, &mss_idx, &o))
                listen_cookie_ack(l, ip, s, mss_idx, &o);
            return;
        }
        tcp_reply_reset(st, &ip->src, &ip->dst, s->h, seg_seqlen(s));
        return;
    }
    if (!(s->flags & TCP_SYN))
        return; /* fourth: anything else is dropped */
    /* third: a SYN. MUST-57: never for a broadcast/multicast destination
     * (checked in tcp_input). */
    listen_syn(l, ip, s);
}

/* ---- 3.10.7.3 SYN-SENT ---------------------------------------------------- */

static void check_urg(struct tcb *t, const struct seg *s);
static bool take_text(struct tcb *t, const struct seg *s);
static void check_fin(struct tcb *t, const struct seg *s);

/* What follows the SYN of a segment that synchronized us (RCV.NXT is past
 * the SYN): its text, trimmed to the window our SYN offered (never
 * scaled; a FIN beyond it is lost with the text). */
static struct seg syn_payload(const struct tcb *t, const struct seg *s)
{
    struct seg rest = *s;
    rest.flags &= (uint8_t)~TCP_SYN;
    rest.seq = t->rcv.nxt;
    uint32_t wnd = tcp_rcv_window(t);
    if (wnd > 65535)
        wnd = 65535;
    if (rest.len > wnd) {
        rest.len = wnd;
        rest.flags &= (uint8_t)~TCP_FIN;
    }
    return rest;
}

/* RFC 9293 3.10.7.3: a SYN,ACK that carries text or other controls goes
 * on at the sixth step (URG, then text, then FIN) in ESTABLISHED: the
 * text is delivered and acknowledged with the handshake's ACK. */
static void syn_ack_text(struct tcb *t, const struct seg *s)
{
    struct seg rest = syn_payload(t, s);
    check_urg(t, &rest);
    if (!take_text(t, &rest))
        return;
    tcp_urg_capture(t);
    check_fin(t, &rest);
}

/* RFC 9293 3.10.7.3: text (and a FIN) on a SYN in SYN-SENT is queued for
 * processing after ESTABLISHED is reached. It waits in the receive ring
 * at RCV.NXT as the assembler's front range, not acknowledged; take_text
 * delivers it with the first segment processed in ESTABLISHED (a FIN
 * with it waits as one held out of order). */
static void hold_syn_text(struct tcb *t, const struct seg *s)
{
    struct seg rest = syn_payload(t, s);
    if (rest.len && (ring_write_at(&t->rcv.buf, 0, rest.data, rest.len) < (long)rest.len ||
                     asm_add(&t->rcv.ooo, 0, rest.len) != UST_OK)) {
        stack_stats(t->st)->tcp.OfoDrops++;
        return;
    }
    tcp_ofo_account(t);
    if (rest.flags & TCP_FIN) {
        t->rcv.ooo_fin = true;
        t->rcv.ooo_fin_seq = rest.seq + rest.len;
    }
}

static void syn_sent_input(struct tcb *t, const struct tcp_rx_ip *ip, const struct seg *s)
{
    struct ust_stack *st = t->st;
    bool ack_ok = false;
    if (s->flags & TCP_ACK) { /* first: the ACK must cover our SYN exactly */
        if (seq_le(s->ack, t->snd.iss) || seq_gt(s->ack, t->snd.max)) {
            if (!(s->flags & TCP_RST))
                tcp_reply_reset(st, &ip->src, &ip->dst, s->h, seg_seqlen(s));
            return;
        }
        ack_ok = seq_lt(t->snd.una, s->ack) && seq_le(s->ack, t->snd.max);
    }
    if (s->flags & TCP_RST) { /* second */
        if (ack_ok) {
            stack_stats(st)->tcp.InRsts++;
            tcp_drop(t, UST_ERR_CONNREFUSED, false);
        }
        return;
    }
    if (!(s->flags & TCP_SYN))
        return; /* fifth: neither SYN nor RST */
    /* fourth: the SYN */
    t->rcv.irs = s->seq;
    t->rcv.nxt = s->seq + 1;
    t->rcv.adv = t->rcv.nxt;
    t->rcv.rd_seq = t->rcv.nxt;
    take_syn_options(t, s->h);
    tcp_ecn_syn_in(t, s->flags, ack_ok); /* RFC 3168 6.1.1 */
    tcp_set_snd_wnd(t, s->wnd);
    t->snd.wl1 = s->seq;
    if (ack_ok) {
        t->snd.una = s->ack;
        t->snd.wl2 = s->ack;
        if (t->rxt.rtt_timing && seq_gt(s->ack, t->rxt.rtt_seq)) {
            tcp_rtt_take(t, stack_now(st) - t->rxt.rtt_start, stack_now(st) - t->rxt.rtt_start);
            t->rxt.rtt_timing = false;
        }
        timer_cancel(st, &t->timer.rexmt);
        tcp_set_state(t, UST_TCP_ESTABLISHED);
        conn_established(t);
        ack_now(t);
        syn_ack_text(t, s);
        return;
    }
    /* simultaneous open (RFC 9293 3.5 figure 8): SYN-RECEIVED, send
     * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
    t->snd.wl2 = t->snd.iss;
    tcp_set_state(t, UST_TCP_SYN_RECEIVED);
    t->snd.nxt = t->snd.iss;
    t->rxt.rtt_timing = false; /* the SYN goes again: Karn */
    hold_syn_text(t, s);
}

/* ---- 3.10.7.4 the other states ------------------------------------------ */

static void update_ts_recent(struct tcb *t, const struct seg *s);

/* RFC 2883 4: the segment's data below RCV.NXT arrived before: the ACK
 * that answers it reports those bytes in a D-SACK block. */
static void dsack_below_rcv_nxt(struct tcb *t, const struct seg *s)
{
    uint32_t from = s->seq + ((s->flags & TCP_SYN) ? 1 : 0);
    if (s->len == 0 || !seq_lt(from, t->rcv.nxt))
        return;
    uint32_t to = seq_lt(from + s->len, t->rcv.nxt) ? from + s->len : t->rcv.nxt;
    tcp_dsack_note(t, from, to);
    tcp_quickack_enter(t); /* the peer retransmits: our ACKs may be lost */
}

/* First: sequence number acceptability; the segment is trimmed to the
 * window. Returns false when it must be dropped (after an ACK if due). */
/* An unacceptable segment other than a RST: counted, ACKed (RFC 5961 10)
 * unless rate-limited, TIME-WAIT restarted by a retransmitted FIN. */
static void unacceptable_seg(struct tcb *t, const struct seg *s, uint32_t len)
{
    struct ust_stats *stats = stack_stats(t->st);
    stats->tcp.OutOfWindow++;
    /* A full duplicate: the peer retransmitted, our ACK was
     * lost. RFC 7323 4.3 rule (2) dropped RFC 1323's upper bound
     * and Appendix D applies it in the sequence check, before the
     * ACK-and-drop, so this ACK echoes the copy that arrived (with
     * timestamps Karn's ambiguity is gone, 4.1 / Appendix H); else
     * the peer's RTT sample holds every RTO backoff. Linux only
     * takes duplicates reaching RCV.WUP (tcp_sequence), missing an
     * RTO resend of the first of two segments whose delayed ACK
     * was lost. Bounded to a receive buffer below RCV.NXT (like
     * RFC 5961 5.2 for ACKs): a blind forgery must hit a window,
     * as for in-window data, to push TS.Recent up so that PAWS
     * drops the peer's segments. */
    if (seq_le(s->seq + len, t->rcv.nxt) &&
        seq_ge(s->seq, t->rcv.nxt - (uint32_t)t->rcv.buf.cap))
        update_ts_recent(t, s);
    dsack_below_rcv_nxt(t, s);
    tcp_oow_ack(t, len, s->flags, &stats->tcp.AckSkippedSeq); /* RFC 5961 10 */
    if (t->state == UST_TCP_TIME_WAIT && (s->flags & TCP_FIN))
        tcp_timewait_start(t); /* a retransmitted FIN: restart 2 MSL */
}

/* An acceptable segment keeps only what lies in the window. */
static void trim_to_window(struct tcb *t, struct seg *s, uint32_t wnd)
{
    /* trim the front: bytes (and a SYN) before RCV.NXT are old */
    if (seq_lt(s->seq, t->rcv.nxt)) {
        dsack_below_rcv_nxt(t, s);
        uint32_t skip = t->rcv.nxt - s->seq;
        if (s->flags & TCP_SYN) {
            s->flags &= (uint8_t)~TCP_SYN;
            skip--;
            s->seq++;
        }
        if (skip > s->len)
            skip = s->len;
        s->data += skip;
        s->len -= skip;
        s->seq += skip;
    }
    /* trim the tail beyond the window (a FIN there is lost with it) */
    if (s->len && seq_gt(s->seq + s->len, t->rcv.nxt + wnd)) {
        uint32_t keep = t->rcv.nxt + wnd - s->seq;
        s->len = keep;
        s->flags &= (uint8_t)~TCP_FIN;
    }
}

static bool check_seq(struct tcb *t, struct seg *s)
{
    uint32_t wnd = seq_gt(t->rcv.adv, t->rcv.nxt) ? t->rcv.adv - t->rcv.nxt : 0;
    /* Simultaneous open: the peer's SYN,ACK repeats the SYN we already
     * took; its SYN lies before RCV.NXT and is trimmed like old data. */
    if ((s->flags & TCP_SYN) && s->seq == t->rcv.irs && (s->flags & TCP_ACK) &&
        t->state == UST_TCP_SYN_RECEIVED && !(t->flags & TF_PASSIVE)) {
        s->flags &= (uint8_t)~TCP_SYN;
        s->seq++;
    }
    uint32_t len = seg_seqlen(s);
    bool ok;
    if (len == 0)
        ok = wnd == 0 ? s->seq == t->rcv.nxt : seq_in(s->seq, t->rcv.nxt, t->rcv.nxt + wnd);
    else
        ok = wnd != 0 && (seq_in(s->seq, t->rcv.nxt, t->rcv.nxt + wnd) ||
                          seq_in(s->seq + len - 1, t->rcv.nxt, t->rcv.nxt + wnd));
    /* MUST-66: a zero window still lets RST and URG through at RCV.NXT */
    if (!ok && wnd == 0 && s->seq == t->rcv.nxt && (s->flags & (TCP_RST | TCP_URG)))
        ok = true;
    if (!ok) {
        if (!(s->flags & TCP_RST))
            unacceptable_seg(t, s, len);
        return false;
    }
    trim_to_window(t, s, wnd);
    return true;
}

/* Second: RST (RFC 5961 3.2). Returns false to stop processing. */
static bool check_rst(struct tcb *t, const struct seg *s)
{
    if (!(s->flags & TCP_RST))
        return true;
    struct ust_stack *st = t->st;
    struct ust_stats *stats = stack_stats(st);
    if (t->state == UST_TCP_TIME_WAIT && ust_stack_config(st)->tcp_rfc1337) {
        /* RFC 1337 (TIME-WAIT assassination, hazards H1-H3): a RST ending
         * TIME-WAIT early lets old duplicates reach a new incarnation of
         * the 4-tuple; ignored, TIME-WAIT runs its 2 MSL (Linux with
         * tcp_rfc1337 = 1). */
        stats->tcp.TimeWaitRstIgnored++;
        return false;
    }
    if (s->seq != t->rcv.nxt) { /* in the window but not exact: challenge */
        stats->tcp.RstUnacceptable++;
        tcp_challenge_ack(t);
        return false;
    }
    stats->tcp.InRsts++;
    switch (t->state) {
    case UST_TCP_SYN_RECEIVED:
        if (t->flags & TF_PASSIVE) { /* back to LISTEN: the child goes away */
            tcp_set_state(t, UST_TCP_CLOSED);
            return false;
        }
        tcp_drop(t, UST_ERR_CONNREFUSED, false);
        return false;
    case UST_TCP_ESTABLISHED:
    case UST_TCP_FIN_WAIT_1:
    case UST_TCP_FIN_WAIT_2:
    case UST_TCP_CLOSE_WAIT:
        tcp_drop(t, UST_ERR_CONNRESET, false);
        return false;
    default: /* CLOSING, LAST-ACK, TIME-WAIT */
        tcp_set_state(t, UST_TCP_CLOSED);
        return false;
    }
}

/* Fourth: SYN in a synchronized state (RFC 5961 4). Third (security) has
 * nothing to check without compartments. */
static bool check_syn(struct tcb *t, const struct seg *s)
{
    if (!(s->flags & TCP_SYN))
        return true;
    if (t->state == UST_TCP_SYN_RECEIVED && (t->flags & TF_PASSIVE)) {
        tcp_set_state(t, UST_TCP_CLOSED); /* RFC 9293: back to LISTEN */
        return false;
    }
    tcp_challenge_ack(t);
    return false;
}

/* SYN-RECEIVED: an ACK of our SYN establishes the connection (a
 * listener's child moves to the accept queue). Returns false to drop. */
static bool syn_received_ack(struct tcb *t, const struct tcp_rx_ip *ip, const struct seg *s)
{
    struct ust_stack *st = t->st;
    if (!(seq_lt(t->snd.una, s->ack) && seq_le(s->ack, t->snd.max)) &&
        !child_adopt_cookie(t, ip, s)) {
        tcp_reply_reset(st, &ip->src, &ip->dst, s->h, seg_seqlen(s));
        return false;
    }
    if (t->listener) {
        struct tcb *l = t->listener;
        if (l->lsn.naccept >= l->lsn.backlog) { /* accept queue full: drop, the SYN,ACK repeats */
            stack_stats(st)->tcp.AcceptQueueDrops++;
            return false;
        }
        tcp_accept_queue_push(l, t);
    }
    /* our SYN is acknowledged: it leaves the sequence space first, so
     * that the send ring lines up with SND.UNA from here on */
    t->snd.una = t->snd.iss + 1;
    if (t->rxt.rtt_timing && seq_gt(s->ack, t->rxt.rtt_seq)) {
        tcp_rtt_take(t, stack_now(st) - t->rxt.rtt_start, stack_now(st) - t->rxt.rtt_start);
        t->rxt.rtt_timing = false;
    }
    timer_cancel(st, &t->timer.rexmt);
    tcp_set_state(t, UST_TCP_ESTABLISHED);
    tcp_set_snd_wnd(t, (uint32_t)s->wnd << t->opt.snd_wscale);
    t->snd.wl1 = s->seq;
    t->snd.wl2 = s->ack;
    conn_established(t);
    if (t->flags & TF_FIN_QUEUED) /* closed while in SYN-RECEIVED */
        tcp_set_state(t, UST_TCP_FIN_WAIT_1);
    return true;
}

/* Fifth: the ACK field (tcp_ack.c). Returns false to stop processing. */
static bool check_ack(struct tcb *t, const struct tcp_rx_ip *ip, const struct seg *s)
{
    if (!(s->flags & TCP_ACK))
        return false;
    if (t->state == UST_TCP_SYN_RECEIVED && !syn_received_ack(t, ip, s))
        return false;
    return tcp_ack_input(t, s);
}

/* Sixth: URG. The pointer sets the mark (tcp_urg.c); urgent octets stay in
 * the stream, only the last one may be read out of band, so urgent data
 * of any length works (MUST-31). */
static void check_urg(struct tcb *t, const struct seg *s)
{
    if (!(s->flags & TCP_URG))
        return;
    if (t->state != UST_TCP_ESTABLISHED && t->state != UST_TCP_FIN_WAIT_1 &&
        t->state != UST_TCP_FIN_WAIT_2)
        return;
    tcp_urg_input(t, s->h->seq, s->h->urp); /* urp counts from the untrimmed SEG.SEQ */
}

/* A FIN beyond a hole (RFC 9293 3.10.7.4 eighth step takes it only in
 * order): its place is held like data, since it occupies a sequence
 * number, and covered by a SACK block; an out-of-order segment is
 * acknowledged at once (RFC 5681 3.2 / 4.2, RFC 9293 SHLD-31), so the
 * peer learns that it arrived and need not resend it once the hole is
 * filled. check_fin takes it when RCV.NXT reaches it. */
static void hold_fin(struct tcb *t, uint32_t fin_seq)
{
    if (t->rcv.ooo_fin && t->rcv.ooo_fin_seq == fin_seq) {
        /* it came twice: a D-SACK covers it, as Linux's covers end_seq */
        if (t->rcv.dsack_pending && t->rcv.dsack_right == fin_seq)
            t->rcv.dsack_right++;
        else
            tcp_dsack_note(t, fin_seq, fin_seq + 1);
    }
    t->rcv.ooo_fin = true;
    t->rcv.ooo_fin_seq = fin_seq;
    tcp_sack_note_ooo(t, fin_seq);
}

/* Out-of-order text: kept in the ring's free space, its range recorded. */
static void hold_text(struct tcb *t, const struct seg *s, uint32_t off)
{
    struct ust_stack *st = t->st;
    struct ust_stats *stats = stack_stats(st);
    if (asm_add(&t->rcv.ooo, off, s->len) != UST_OK) {
        stats->tcp.OfoDrops++;
        return;
    }
    tcp_ofo_account(t);
    stats->tcp.OfoQueued++;
    tcp_sack_note_ooo(t, s->seq);
    if (s->flags & TCP_FIN) /* remembered: EOF once the hole fills */
        hold_fin(t, s->seq + s->len);
}

/* The held text from RCV.NXT on (at least `min` octets just stored
 * there) becomes readable and RCV.NXT moves past it. */
static void take_in_order(struct tcb *t, uint32_t min, bool filled_hole)
{
    uint32_t n = asm_front(&t->rcv.ooo);
    if (n < min) /* the table was full: the in-order bytes still count */
        n = min;
    if (n == 0)
        return;
    asm_advance(&t->rcv.ooo, n);
    tcp_ofo_account(t);
    ring_commit(&t->rcv.buf, n);
    t->rcv.nxt += n;
    t->ctr.bytes_received += n;
    t->rcv.unacked += n;
    tcp_ack_in_order_data(t, filled_hole);
}

/* Seventh: segment text, into the receive ring or the out-of-order area.
 * Text a SYN brought in a simultaneous open waits at RCV.NXT (held as the
 * assembler's front range, hold_syn_text) and goes in with the first
 * segment processed here. */
static bool take_text(struct tcb *t, const struct seg *s)
{
    struct ust_stack *st = t->st;
    struct ust_stats *stats = stack_stats(st);
    if (t->state != UST_TCP_ESTABLISHED && t->state != UST_TCP_FIN_WAIT_1 &&
        t->state != UST_TCP_FIN_WAIT_2)
        return true; /* the peer already sent its FIN: ignore */
    if (s->len == 0) {
        if ((s->flags & TCP_FIN) && s->seq != t->rcv.nxt) {
            stats->tcp.OfoQueued++;
            hold_fin(t, s->seq);
            ack_now(t);
        }
        take_in_order(t, 0, true);
        return true;
    }
    if (((t->flags & TF_ORPHAN) && !t->listener) || (t->flags & TF_LINGERING)) {
        /* RFC 1122 4.2.2.13 / RFC 9293 SHLD-3: nobody will read it (a
         * listener's child is not an orphan: accept will read it; a socket
         * whose close waits under SO_LINGER is closed, as in Linux) */
        stats->tcp.AbortOnData++;
        tcp_drop(t, UST_ERR_CONNRESET, true);
        return false;
    }
    tcp_quickack_data_in(t);     /* after idle: quick ACKs (tcp_ack_batch.c) */
    tcp_autotune_data_in(t, s);  /* the receiver's RTT (tcp_autotune.c) */
    uint32_t off = s->seq - t->rcv.nxt;
    if (off > 0) /* a loss (or reordering): quick ACKs until it is repaired */
        tcp_quickack_enter(t);
    else if ((s->flags & TCP_PSH) || s->len < tcp_rcv_full_seg(t))
        t->rcv.pushed = true; /* the sender has no more behind it */
    if (off > 0 && !tcp_ofo_room(t, s->len)) { /* tcp_hold.c: stack-wide cap */
        stats->tcp.OfoMemDrops++;
        ack_now(t);
        return true;
    }
    long stored = ring_write_at(&t->rcv.buf, off, s->data, s->len);
    if (stored < (long)s->len) { /* cannot happen inside the window; be safe */
        stats->tcp.OfoDrops++;
        ack_now(t);
        return true;
    }
    tcp_dsack_note_ooo(t, off, s->len); /* some of it held already? */
    if (off > 0) { /* out of order: keep it, ACK at once (RFC 5681 4.2) */
        hold_text(t, s, off);
        tcp_ack_out_of_order(t, s->seq, s->len); /* (or with the batch's next ones, tcp_ack_batch.c) */
        take_in_order(t, 0, true);
        return true;
    }
    bool filled_hole = !asm_empty(&t->rcv.ooo);
    asm_add(&t->rcv.ooo, 0, s->len); /* merges with what follows; never a new range */
    take_in_order(t, s->len, filled_hole);
    return true;
}

/* Eighth: FIN, only once every byte before it has arrived: on this
 * segment, or held out of order (hold_fin) and reached now. */
static void check_fin(struct tcb *t, const struct seg *s)
{
    bool in_order = (s->flags & TCP_FIN) && s->seq + s->len == t->rcv.nxt;
    bool queued = t->rcv.ooo_fin && t->rcv.ooo_fin_seq == t->rcv.nxt;
    if (!in_order && !queued)
        return;
    t->rcv.ooo_fin = false;
    if (t->flags & TF_FIN_RCVD) {
        ack_now(t);
        if (t->state == UST_TCP_TIME_WAIT)
            tcp_timewait_start(t);
        return;
    }
    t->flags |= TF_FIN_RCVD;
    t->rcv.nxt++;
    ack_now(t);
    bool fin_acked = (t->flags & TF_FIN_SENT) && seq_gt(t->snd.una, t->snd.fin_seq);
    switch (t->state) {
    case UST_TCP_SYN_RECEIVED:
    case UST_TCP_ESTABLISHED:
        tcp_set_state(t, UST_TCP_CLOSE_WAIT);
        break;
    case UST_TCP_FIN_WAIT_1:
        if (fin_acked) {
            tcp_set_state(t, UST_TCP_TIME_WAIT);
            tcp_timewait_start(t);
        } else {
            tcp_set_state(t, UST_TCP_CLOSING); /* simultaneous close */
        }
        break;
    case UST_TCP_FIN_WAIT_2:
        tcp_set_state(t, UST_TCP_TIME_WAIT);
        tcp_timewait_start(t);
        break;
    case UST_TCP_TIME_WAIT:
        tcp_timewait_start(t);
        break;
    default:
        break;
    }
}

/* RFC 7323 5.3 R1 (PAWS): a segment whose TSval is older than TS.Recent
 * is an old duplicate: ACK and drop (a RST is not subject to it). */
static bool check_paws(struct tcb *t, const struct seg *s)
{
    struct ust_stats *stats = stack_stats(t->st);
    if (!t->opt.ts_ok || !s->h->opts.has_timestamp || (s->flags & TCP_RST))
        return true;
    if (!seq_lt(s->h->opts.ts_val, t->opt.ts_recent))
        return true;
    stats->tcp.PawsDrops++;
    dsack_below_rcv_nxt(t, s); /* an old duplicate: its data, if any, came before */
    tcp_oow_ack(t, seg_seqlen(s), s->flags, &stats->tcp.AckSkippedPaws);
    return false;
}

/* RFC 7323 4.3 (2): TS.Recent follows the segment that covers the last
 * ACK we sent. */
static void update_ts_recent(struct tcb *t, const struct seg *s)
{
    if (!t->opt.ts_ok || !s->h->opts.has_timestamp)
        return;
    if (seq_le(s->seq, t->rcv.last_ack_sent) && seq_ge(s->h->opts.ts_val, t->opt.ts_recent))
        t->opt.ts_recent = s->h->opts.ts_val;
}

static void synchronized_input(struct tcb *t, const struct tcp_rx_ip *ip, struct seg *s)
{
    if (t->state == UST_TCP_SYN_RECEIVED && s->flags == TCP_SYN && s->seq == t->rcv.irs) {
        /* the peer repeats its SYN: our SYN,ACK was lost, send it again */
        t->snd.nxt = t->snd.iss;
        return;
    }
    if (!check_paws(t, s) || !check_seq(t, s))
        return;
    update_ts_recent(t, s);
    t->last_rcv = stack_now(t->st);
    t->rxt.keep_probes = 0;
    if (!check_rst(t, s) || !check_syn(t, s) || !check_ack(t, ip, s))
        return;
    if (tcp_ecn_rx(t, ip->tos, s->flags, s->len)) /* RFC 3168 6.1.3 */
        ack_now(t);
    check_urg(t, s);
    if (!take_text(t, s))
        return;
    tcp_urg_capture(t);
    check_fin(t, s);
}

/* ---- entry point ------------------------------------------------------- */

static bool bad_address(const struct ust_stack *st, const struct ipv4_hdr *ip)
{
    /* MUST-57 / MUST-63: nothing to or from broadcast or multicast, no
     * unspecified source */
    uint32_t d = ip->dst, s = ip->src;
    if ((d >> 28) == 0xe || d == 0xffffffffu || ipv4_is_broadcast(st, d))
        return true;
    return s == 0 || (s >> 28) == 0xe || s == 0xffffffffu || ipv4_is_broadcast(st, s);
}

/* The same for IPv6 (RFC 9293 MUST-57; RFC 4291 2.5.5.2: an IPv4-mapped
 * address never appears on the wire, as Linux tcp_v6_conn_request). */
static bool bad_address6(const struct ipv6_hdr *h)
{
    if (ipv6_addr_is_multicast(&h->dst) || ipv6_addr_is_multicast(&h->src))
        return true;
    return ipv6_addr_is_unspecified(&h->src) || ust_ip6_is_v4mapped(h->src.b) ||
           ust_ip6_is_v4mapped(h->dst.b);
}

/* RFC 6191 2 (RFC 9293 SHLD-4), with RFC 1122 4.2.2.13 / RFC 9293 MAY-2
 * as its fallback: may the SYN s start a new incarnation of t, a
 * connection in TIME-WAIT? With timestamps on the new incarnation (the
 * SYN carries them and we take them), a TSval above the last one seen
 * (TS.Recent) says the SYN is new; an equal one needs a sequence number
 * above the old ones too. Without timestamps on it, only a sequence
 * number above the old incarnation's (RCV.NXT) does. An old incarnation
 * without timestamps has no TSval to compare: a SYN with them is new. */
static bool time_wait_syn_is_new(const struct tcb *t, const struct seg *s)
{
    bool seq_newer = seq_gt(s->seq, t->rcv.nxt);
    bool new_ts = ust_stack_config(t->st)->tcp_timestamps && s->h->opts.has_timestamp;
    if (!new_ts)
        return seq_newer;
    if (!t->opt.ts_ok)
        return true;
    uint32_t tsval = s->h->opts.ts_val;
    return seq_gt(tsval, t->opt.ts_recent) || (tsval == t->opt.ts_recent && seq_newer);
}

/* A SYN for a connection in TIME-WAIT. A new one (above) ends the old
 * incarnation when someone listens on the port, and the listener takes
 * the SYN; *old_snd_max keeps the old send sequence space for the new ISS
 * (listen_input). RFC 6191 2: any other SYN is silently dropped, and
 * TIME-WAIT goes on (returns NULL). Without a listener the SYN takes the
 * ordinary TIME-WAIT path (an ACK). */
static struct tcb *time_wait_syn(struct tcb *t, struct seg *s, const struct tcp_rx_ip *ip)
{
    struct ust_stack *st = t->st;
    struct ust_stats *stats = stack_stats(st);
    char b[TCB_STR_LEN];
    if ((s->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return t;
    struct tcb *l = tcb_find_listener(st, &ip->dst, s->h->dport);
    if (!l)
        return t;
    if (!time_wait_syn_is_new(t, s)) {
        stats->tcp.TimeWaitSynDrops++;
        TCB_TRACE(t, "%s TIME-WAIT: old SYN seq %u dropped", tcb_str(t, b, sizeof(b)), s->seq);
        return NULL;
    }
    TCB_TRACE(t, "%s TIME-WAIT ends: new SYN seq %u", tcb_str(t, b, sizeof(b)), s->seq);
    stats->tcp.TimeWaitReopens++;
    s->tw_reopen = true;
    s->tw_snd_max = t->snd.max;
    tcp_set_state(t, UST_TCP_CLOSED);
    tcb_reap(t);
    return l;
}

/* Demultiplexing and the state machine, the same for both families
 * (inlined into each entry: the IPv4 path makes no extra call). */
static inline __attribute__((always_inline)) void seg_input(struct ust_stack *st, const struct tcp_rx_ip *ip, const uint8_t *buf,
                      size_t len, const struct tcp_hdr *hp)
{
    char b[UST_ADDR_STRLEN];
    struct seg s = {.h = hp, .seq = hp->seq, .ack = hp->ack, .flags = hp->flags, .wnd = hp->wnd,
                    .data = buf + hp->hdr_len, .len = (uint32_t)(len - hp->hdr_len)};
    tcp_trace_seg(st, "rx", &ip->src, &ip->dst, buf, s.len, "");
    struct tcb *t = tcb_find(st, &ip->dst, hp->dport, &ip->src, hp->sport);
    if (t && t->state == UST_TCP_TIME_WAIT && (hp->flags & TCP_SYN)) {
        t = time_wait_syn(t, &s, ip);
        if (!t)
            return;
    }
    if (!t)
        t = tcb_find_listener(st, &ip->dst, hp->dport);
    if (!t || t->state == UST_TCP_CLOSED) { /* 3.10.7.1 */
        TRACE(st, "tcp", "drop: no connection to %s:%u", ust_addr_str(&ip->dst, b), hp->dport);
        /* a RST never answers a RST; the others within the bucket */
        if (!(hp->flags & TCP_RST) && tcp_rst_allowed(st))
            tcp_reply_reset(st, &ip->src, &ip->dst, hp, seg_seqlen(&s));
        return;
    }
    if (t->state == UST_TCP_LISTEN) {
        listen_input(t, ip, &s);
        return;
    }
    if (t->state == UST_TCP_SYN_SENT)
        syn_sent_input(t, ip, &s);
    else
        synchronized_input(t, ip, &s);
    tcp_output(t);
    tcp_notify(t);
    tcb_reap(t);
}

void tcp_input(struct ust_stack *st, const struct ipv4_hdr *ip, const uint8_t *buf, size_t len,
               const uint8_t *dgram, size_t dgram_len)
{
    (void)dgram;
    (void)dgram_len;
    struct ust_tcp_stats *ts = &stack_stats(st)->tcp;
    struct tcp_hdr h;
    ts->InSegs++;
    /* A checksum the driver vouches for (virtio_net_hdr DATA_VALID or
     * NEEDS_CSUM: the local kernel's data, its field only the
     * pseudo-header sum) is not verified again, as Linux trusts
     * CHECKSUM_UNNECESSARY / CHECKSUM_PARTIAL. */
    int rc = tcp_parse(buf, len, ip->src, ip->dst, !stack_rx_offload(st)->csum_valid, &h);
    char a[16], b[16];
    if (rc < 0) {
        if (rc == WIRE_BAD_CSUM)
            ts->InCsumErrors++;
        ts->InErrs++;
        TRACE(st, "tcp", "drop from %s: %s", ust_ip4_str(ip->src, a), wire_strerror(rc));
        return;
    }
    if (bad_address(st, ip)) {
        ts->InBadAddr++;
        TRACE(st, "tcp", "drop %s->%s: broadcast/multicast address", ust_ip4_str(ip->src, a),
              ust_ip4_str(ip->dst, b));
        return;
    }
    struct tcp_rx_ip rx = {.src = {.family = UST_AF_INET, .u.v4 = ip->src},
                           .dst = {.family = UST_AF_INET, .u.v4 = ip->dst},
                           .tos = ip->tos, .h4 = ip};
    seg_input(st, &rx, buf, len, &h);
}

/* A segment from IPv6 (Next Header 6): the checksum over the IPv6
 * pseudo-header (RFC 8200 8.1), then the same TCP as IPv4. */
void tcp_input6(struct ust_stack *st, const struct ip6_rx *r)
{
    struct ust_tcp_stats *ts = &stack_stats(st)->tcp;
    struct tcp_hdr h;
    ts->InSegs++;
    uint32_t ps = ipv6_csum_pseudo(&r->h->src, &r->h->dst, 0, IPV6_NH_TCP);
    int rc = tcp_parse_ps(r->seg, r->seg_len, ps, !stack_rx_offload(st)->csum_valid, &h);
    struct tcp_rx_ip rx = {.src = tp_addr_rx6(&r->h->src, r->ifindex),
                           .dst = tp_addr_rx6(&r->h->dst, r->ifindex),
                           .tos = r->h->tclass};
    char a[UST_ADDR_STRLEN];
    if (rc < 0) {
        if (rc == WIRE_BAD_CSUM)
            ts->InCsumErrors++;
        ts->InErrs++;
        TRACE(st, "tcp", "drop from %s: %s", ust_addr_str(&rx.src, a), wire_strerror(rc));
        return;
    }
    if (bad_address6(r->h)) {
        ts->InBadAddr++;
        TRACE(st, "tcp", "drop from %s: multicast, unspecified or mapped address",
              ust_addr_str(&rx.src, a));
        return;
    }
    seg_input(st, &rx, r->seg, r->seg_len, &h);
}
