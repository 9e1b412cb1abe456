/* Delivery rate estimation (draft-cheng-iccrg-delivery-rate-estimation-02,
 * as Linux tcp_rate.c does it for TCP): every segment remembers, in its
 * send-map record, how much the connection had delivered when it was sent
 * and when; when an ACK delivers it, the bytes delivered since, over the
 * longer of the send and the ACK intervals, is a sample of the rate the
 * path delivers. The newest segment an ACK delivers gives the sample.
 *
 * Application-limited phases (the sender had nothing to send) are marked
 * so that their low rates do not lower a bandwidth estimate (3.4).
 *
 * Without the send map (no SACK, or cfg.tcp_rack off) there are no
 * per-segment records and nothing here runs: algorithms that need rate
 * samples are not used on such connections (tcp_input.c falls back). */
#include "core/services.h"
#include "core/rand.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "tcp.h"
#include "wire/seq.h"

/* Loss marks (RACK, the RTO, the DupThresh fallback) on records in
 * [seq, end) not counted yet go into C.lost and the pending newly lost. */
static void count_losses(struct tcb *t, uint32_t seq, uint32_t end)
{
    struct sendmap *m = &t->rack.map;
    uint32_t n = 0;
    /* from the record holding seq (a search: a retransmission asks for
     * its own records, not for a scan of the map from SND.UNA) */
    for (unsigned i = sendmap_index(m, seq); i < m->n; i++) {
        struct rack_seg *g = &m->s[i];
        if (!seq_lt(g->start, end))
            break;
        if (seq_gt(g->end, seq) && (g->flags & RS_LOST) &&
            !(g->rate_flags & RATE_LOST_COUNTED)) {
            g->rate_flags |= RATE_LOST_COUNTED;
            n += g->end - g->start;
        }
    }
    t->rate.lost += n;
    t->rate.lost_pending += n;
}

void tcp_rate_presend(struct tcb *t, uint32_t seq, uint32_t len)
{
    if (seq_lt(seq, t->snd.max)) /* a retransmission: it clears RS_LOST */
        count_losses(t, seq, seq + len);
}

void tcp_rate_sent(struct tcb *t, uint32_t seq, uint32_t len)
{
    struct tcp_rate *c = &t->rate;
    struct sendmap *m = &t->rack.map;
    ust_time_t now = stack_now(t->st);
    uint32_t end = seq + len, top = seq_max(t->snd.max, end);
    /* 3.2: nothing in flight, so the next interval starts now */
    if (t->snd.una == t->snd.max)
        c->first_tx_time = c->delivered_time = now;
    struct tcp_rate_snap snap = {
        .delivered = c->delivered,
        .delivered_time = c->delivered_time,
        .first_tx_time = c->first_tx_time,
        .lost = (uint32_t)c->lost,
        /* flight, not pipe: cheap per segment; it counts SACKed bytes too,
         * which only makes the loss-rate test of BBR less eager */
        .tx_in_flight = top - t->snd.una,
    };
    uint8_t app = c->app_limited ? RATE_APP_LIMITED : 0;
    for (unsigned i = sendmap_index(m, seq); i < m->n && seq_lt(m->s[i].start, end); i++) {
        m->s[i].rate = snap;
        m->s[i].rate_flags = app; /* a resent segment's loss can count again */
    }
}

void tcp_rate_ack_begin(struct tcb *t)
{
    if (!tcp_rack_on(t))
        return;
    /* pipe is a walk of the map: only for an algorithm that reads it */
    uint32_t pipe = t->cc_ops->cong_control ? tcp_rack_pipe(t) : 0;
    t->rate.acc = (struct tcp_rate_acc){.prior_in_flight = pipe};
    /* rs.newly_lost is what this ACK's loss detection marks (as Linux's
     * rs->losses, the change in tp->lost over the ACK): the marks a timer
     * made since the previous ACK (RACK's reordering timer, the RTO) are
     * in C.lost already (tcp_rate_timer_losses) and must not cut cwnd
     * again on the next ACK, which may deliver nothing (a D-SACK) */
    t->rate.lost_pending = 0;
}

void tcp_rate_timer_losses(struct tcb *t)
{
    if (tcp_rack_on(t) && t->cc_ops->cong_control)
        count_losses(t, t->snd.una, t->snd.max);
}

/* The newest transmission of those delivered gives the sample (draft 3.3
 * "IsNewestPacket"); send order breaks ties of the virtual clock. */
static bool newer(const struct tcp_rate_acc *a, const struct rack_seg *g)
{
    if (!a->has || g->xmit_ts > a->newest_ts)
        return true;
    return g->xmit_ts == a->newest_ts && (int32_t)(g->xmit_no - a->newest_no) > 0;
}

void tcp_rate_delivered(struct tcb *t, const struct rack_seg *g)
{
    struct tcp_rate *c = &t->rate;
    struct tcp_rate_acc *a = &c->acc;
    ust_time_t now = stack_now(t->st);
    uint32_t len = g->end - g->start;
    c->delivered += len;
    c->delivered_time = now;
    a->newly_acked += len;
    if (!(g->flags & RS_RETRANS) && now > g->xmit_ts && (!a->rtt || now - g->xmit_ts < a->rtt))
        a->rtt = now - g->xmit_ts; /* Karn: only never-resent segments */
    if (!newer(a, g))
        return;
    a->has = true;
    a->newest_ts = g->xmit_ts;
    a->newest_no = g->xmit_no;
    a->snap = g->rate;
    a->app_limited = g->rate_flags & RATE_APP_LIMITED;
    c->first_tx_time = g->xmit_ts; /* the next interval starts at its send */
}


/* Draft 3.3 "GenerateRateSample", for the newest segment delivered. */
static void rate_from_newest(struct tcb *t, struct rate_sample *rs)
{
    struct tcp_rate *c = &t->rate;
    const struct tcp_rate_acc *a = &c->acc;
    rs->has_data = true;
    rs->prior_delivered = a->snap.delivered;
    rs->delivered = (uint32_t)(c->delivered - a->snap.delivered);
    rs->is_app_limited = a->app_limited;
    rs->lost = (uint32_t)c->lost - a->snap.lost;
    rs->tx_in_flight = a->snap.tx_in_flight;
    ust_time_t send_elapsed = a->newest_ts - a->snap.first_tx_time;
    ust_time_t ack_elapsed = c->delivered_time - a->snap.delivered_time;
    rs->interval = send_elapsed > ack_elapsed ? send_elapsed : ack_elapsed;
    /* an interval shorter than a round trip means the ACKs were compressed
     * or the clock is coarse: no trustworthy rate (as Linux) */
    ust_time_t min_rtt = tcp_minrtt_get(&t->min_rtt); /* the connection's windowed filter */
    if (rs->interval == 0 || (min_rtt != UST_TIME_NEVER && rs->interval < min_rtt))
        return;
    rs->delivery_rate = (uint64_t)((double)rs->delivered * UST_SEC / (double)rs->interval);
    c->delivery_rate = rs->delivery_rate;
}

/* The sample without the in-flight figures (two walks of the map). */
static void sample_core(struct tcb *t, struct rate_sample *rs)
{
    struct tcp_rate *c = &t->rate;
    const struct tcp_rate_acc *a = &c->acc;
    *rs = (struct rate_sample){
        .delivered_total = c->delivered,
        .newly_acked = a->newly_acked,
        .rtt = a->rtt,
    };
    /* 3.4: the bubble is out once what was in flight at its start is delivered */
    if (c->app_limited && c->delivered > c->app_limited)
        c->app_limited = 0;
    if (a->has)
        rate_from_newest(t, rs);
}

void tcp_rate_sample(struct tcb *t, struct rate_sample *rs)
{
    const struct tcp_rate_acc *a = &t->rate.acc;
    sample_core(t, rs);
    rs->prior_in_flight = a->prior_in_flight;
    rs->inflight = tcp_rack_pipe(t);
    rs->is_cwnd_limited = a->prior_in_flight + t->opt.mss > t->cc.cwnd;
}

/* The algorithm's state as it moves, with the model behind it. */
static void trace_cc_state(struct tcb *t, const char *before, const struct rate_sample *rs)
{
    const char *now = t->cc_ops->state_name(&t->cc);
    if (!trace_on(t->st) || before == now)
        return;
    char b[TCB_STR_LEN];
    TCB_TRACE(t, "%s %s: %s -> %s, pacing %llu B/s, delivery rate %llu B/s, cwnd %u, "
              "min_rtt %llu us", tcb_str(t, b, sizeof(b)), t->cc_ops->name, before, now,
              (unsigned long long)t->cc.pacing_rate, (unsigned long long)rs->delivery_rate,
              t->cc.cwnd, (unsigned long long)(t->cc.min_rtt / UST_USEC));
}

void tcp_rate_ack_end(struct tcb *t)
{
    struct rate_sample rs;
    if (!tcp_rack_on(t))
        return;
    if (!t->cc_ops->cong_control) { /* the rate for TCP_INFO, nothing more */
        sample_core(t, &rs);
        return;
    }
    count_losses(t, t->snd.una, t->snd.max);
    tcp_rate_sample(t, &rs);
    rs.newly_lost = t->rate.lost_pending;
    t->rate.lost_pending = 0;
    rs.rand = (uint32_t)rng_next(stack_rng(t->st));
    const char *before = t->cc_ops->state_name ? t->cc_ops->state_name(&t->cc) : NULL;
    cc_sync(t, stack_now(t->st));
    t->cc_ops->cong_control(&t->cc, &rs);
    if (before)
        trace_cc_state(t, before, &rs);
}

void tcp_rate_check_app_limited(struct tcb *t)
{
    struct tcp_rate *c = &t->rate;
    if (!tcp_rack_on(t))
        return;
    uint32_t queued_end = tcp_snd_data_end(t);
    uint32_t unsent = seq_gt(queued_end, t->snd.max) ? queued_end - t->snd.max : 0;
    uint32_t flight = tcp_flight(t);
    /* draft 3.4: less than a segment to send, room in cwnd, no lost
     * segment waiting, and not held back by pacing */
    if (unsent >= t->opt.mss || flight >= t->cc.cwnd || timer_armed(&t->timer.pace) ||
        (tcp_rack_recovery(t) && sendmap_first_lost(&t->rack.map)))
        return;
    c->app_limited = c->delivered + flight;
    if (!c->app_limited)
        c->app_limited = 1;
}
