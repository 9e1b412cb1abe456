/* The per-connection timers, embedded in the TCB (src/core/timer.h):
 *   timer.rexmt    retransmission of SYN, data and FIN (RFC 6298, RFC 9293 3.8.3)
 *   timer.persist  zero-window probes (RFC 9293 3.8.6.1)
 *   timer.delack   delayed ACK (RFC 9293 3.8.6.3, at most 200 ms here)
 *   timer.keep     keepalive (RFC 1122 4.2.3.6)
 *   timer.wait     TIME-WAIT 2 x MSL (RFC 9293 3.6.1), orphaned FIN-WAIT-2
 *   timer.rack     RACK reordering timer (RFC 8985 6.2, tcp_rack.c)
 *   timer.tlp      tail loss probe timeout (RFC 8985 7.2, tcp_tlp.c)
 *   timer.pace     pacing: when the next burst may go (tcp_pacing.c)
 * Every callback ends with tcb_reap: a connection that reached CLOSED
 * without a socket is freed there and nowhere else. */
#include <stddef.h>

#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

static bool has_unsent(const struct tcb *t)
{
    uint32_t data_end = tcp_snd_data_end(t);
    if (seq_lt(t->snd.max, data_end))
        return true;
    return (t->flags & TF_FIN_QUEUED) && !(t->flags & TF_FIN_SENT);
}

void tcp_rexmt_restart(struct tcb *t)
{
    timer_arm(t->st, &t->timer.rexmt, stack_now(t->st) + tcp_rtt_rto(&t->rtt));
}

static ust_time_t persist_interval(const struct tcb *t)
{
    /* RFC 9293 3.8.6.1 SHLD-29/30: first probe after one RTO, then
     * exponentially further apart, capped at the maximum RTO. */
    ust_time_t v = tcp_rtt_rto(&t->rtt);
    for (unsigned i = 0; i < t->rxt.persist_backoff && v < t->rtt.rto_max; i++)
        v *= 2;
    return v > t->rtt.rto_max ? t->rtt.rto_max : v;
}

void tcp_timer_update(struct tcb *t)
{
    struct ust_stack *st = t->st;
    ust_time_t now = stack_now(st);
    if (t->state == UST_TCP_CLOSED || t->state == UST_TCP_LISTEN || t->state == UST_TCP_TIME_WAIT)
        return;
    bool outstanding = t->snd.max != t->snd.una;
    bool unsent = has_unsent(t);
    if (t->snd.wnd == 0 && (unsent || outstanding) && tcp_state_synchronized(t->state)) {
        /* a zero window is probed by the persist timer, not retransmitted:
         * probes do not count towards giving up (MUST-35/37, SHLD-17) */
        timer_cancel(st, &t->timer.rexmt);
        if (!timer_armed(&t->timer.persist)) {
            t->rxt.retries = 0;
            t->rxt.persist_probes = 0;
            t->rxt.persist_backoff = 0;
            timer_arm(st, &t->timer.persist, now + persist_interval(t));
        }
        return;
    }
    if (outstanding) {
        timer_cancel(st, &t->timer.persist);
        if (!timer_armed(&t->timer.rexmt))
            tcp_rexmt_restart(t);
        return;
    }
    timer_cancel(st, &t->timer.rexmt);
    if (unsent && tcp_state_synchronized(t->state)) {
        if (!timer_armed(&t->timer.persist)) {
            t->rxt.persist_backoff = 0;
            timer_arm(st, &t->timer.persist, now + persist_interval(t));
        }
    } else {
        timer_cancel(st, &t->timer.persist);
    }
}

static void on_rexmt(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    const struct ust_config *cfg = ust_stack_config(st);
    struct ust_stats *stats = stack_stats(st);
    struct tcb *t = TCB_OF(tm, timer.rexmt);
    (void)now;
    if (t->snd.max == t->snd.una)
        return;
    if (tcp_tlp_instead_of_rto(t)) { /* RFC 8985 7.2: the probe goes first */
        tcb_reap(t);
        return;
    }
    bool handshake = t->state == UST_TCP_SYN_SENT || t->state == UST_TCP_SYN_RECEIVED;
    unsigned limit = handshake ? cfg->tcp_syn_retries : cfg->tcp_retries;
    if (t->state == UST_TCP_SYN_RECEIVED && t->listener)
        limit = cfg->tcp_synack_retries; /* a half-open child (Linux) */
    char b[TCB_STR_LEN];
    if (t->rxt.retries == 0)
        t->rxt.since = stack_now(st);
    /* MUST-21: an application-chosen R2, as Linux's TCP_USER_TIMEOUT */
    bool user_expired = t->so.user_timeout && stack_now(st) - t->rxt.since >= t->so.user_timeout;
    if (++t->rxt.retries > limit || user_expired) {
        /* RFC 9293 3.8.3 R2 reached: give up (ETIMEDOUT, or the ICMP soft
         * error that explains it) */
        TCB_TRACE(t, "%s gave up after %u retransmissions", tcb_str(t, b, sizeof(b)), limit);
        stats->tcp.AbortOnTimeout++;
        tcp_drop(t, t->adv.soft_err ? t->adv.soft_err : UST_ERR_TIMEDOUT, !handshake);
        tcb_reap(t);
        return;
    }
    if (t->rxt.retries == cfg->tcp_retries1)
        tcp_advice_r1(t); /* RFC 9293 3.8.3 R1 (MUST-20, MUST-22) */
    stats->tcp.Timeouts++;
    tcp_rtt_backoff(&t->rtt); /* RFC 6298 5.5 */
    t->rxt.rtt_timing = false;    /* Karn */
    if (handshake) {
        t->rxt.syn_retransmitted = true;
    } else {
        tcp_undo_rto_start(t); /* F-RTO and Eifel may undo it (tcp_undo.c) */
        cc_sync(t, stack_now(st));
        t->cc_ops->on_rto(&t->cc, tcp_flight(t));
        tcp_recovery_on_rto(t); /* counted: a new congestion episode */
        t->rec.fast_recovery = false;
        t->rec.recover = t->snd.max; /* RFC 6582 4.1: no fast retransmit for old data */
        t->rec.dupacks = 0;
        tcp_sack_on_rto(t); /* kept unless the receiver reneged (RFC 6675 5.1) */
    }
    t->rec.rexmit_cause = TCP_REXMIT_RTO;
    TCB_TRACE(t, "%s retransmission timeout #%u, rto %llu ms", tcb_str(t, b, sizeof(b)),
              t->rxt.retries, (unsigned long long)(tcp_rtt_rto(&t->rtt) / UST_MSEC));
    if (handshake)
        t->snd.nxt = t->snd.iss;
    else if (tcp_rack_on(t))
        tcp_rack_rto(t);         /* RFC 8985 6.3: resend what is lost, nothing else */
    else
        t->snd.nxt = t->snd.una; /* go back: resend from the oldest unacked byte */
    tcp_rexmt_restart(t);     /* RFC 6298 5.6 */
    tcp_output(t);
    tcb_reap(t);
}

static void on_persist(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    struct ust_stats *stats = stack_stats(st);
    struct tcb *t = TCB_OF(tm, timer.persist);
    (void)now;
    if (!tcp_state_synchronized(t->state))
        return;
    /* MUST-37 keeps a connection open while its probes are answered; a
     * peer that answers none of tcp_retries probes is gone, and an orphan
     * (nobody would ever read a result) stops after tcp_retries probes
     * without progress, answered or not (as Linux). */
    bool orphan = (t->flags & TF_ORPHAN) && !t->listener;
    unsigned n = orphan ? ++t->rxt.retries : ++t->rxt.persist_probes;
    if (n > ust_stack_config(st)->tcp_retries) {
        stats->tcp.AbortOnTimeout++;
        tcp_drop(t, UST_ERR_TIMEDOUT, true);
        tcb_reap(t);
        return;
    }
    stats->tcp.ZeroWindowProbes++;
    t->snd.nxt = t->snd.una; /* the previous probe byte, if unacknowledged, goes again */
    t->flags |= TF_FORCE_PROBE;
    if (t->rxt.persist_backoff < 16)
        t->rxt.persist_backoff++;
    timer_arm(st, &t->timer.persist, stack_now(st) + persist_interval(t));
    tcp_output(t);
    tcb_reap(t);
}

static void on_delack(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    struct tcb *t = TCB_OF(tm, timer.delack);
    (void)now;
    if (!(t->flags & TF_DELACK))
        return;
    stack_stats(st)->tcp.DelayedAcks++;
    t->flags |= TF_ACK_NOW;
    tcp_output(t);
    tcb_reap(t);
}

void tcp_delack_schedule(struct tcb *t)
{
    ust_time_t d = ust_stack_config(t->st)->tcp_delack;
    if (d > TCP_DELACK_MAX)
        d = TCP_DELACK_MAX;
    t->flags |= TF_DELACK;
    if (!timer_armed(&t->timer.delack))
        timer_arm(t->st, &t->timer.delack, stack_now(t->st) + d);
}

void tcp_keepalive_reset(struct tcb *t)
{
    t->rxt.keep_probes = 0;
    if (t->so.keepalive && tcp_state_synchronized(t->state) &&
        t->state != UST_TCP_TIME_WAIT && !timer_armed(&t->timer.keep))
        timer_arm(t->st, &t->timer.keep, t->last_rcv + t->so.keepidle);
    if (!t->so.keepalive)
        timer_cancel(t->st, &t->timer.keep);
}

static void on_keepalive(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    struct ust_stats *stats = stack_stats(st);
    struct tcb *t = TCB_OF(tm, timer.keep);
    if (!t->so.keepalive || !tcp_state_synchronized(t->state) ||
        t->state == UST_TCP_TIME_WAIT)
        return;
    /* MUST-26: only when idle — nothing outstanding and nothing received
     * for the idle time (segments arriving only move last_rcv). */
    ust_time_t due = t->rxt.keep_probes ? t->last_rcv + t->so.keepidle + t->rxt.keep_probes * t->so.keepintvl
                                    : t->last_rcv + t->so.keepidle;
    if (t->snd.max != t->snd.una || has_unsent(t)) {
        timer_arm(st, &t->timer.keep, now + t->so.keepidle);
        return;
    }
    if (now < due) {
        timer_arm(st, &t->timer.keep, due);
        return;
    }
    if (t->rxt.keep_probes >= t->so.keepcnt) {
        char b[TCB_STR_LEN];
        TCB_TRACE(t, "%s keepalive: %u probes unanswered", tcb_str(t, b, sizeof(b)), t->so.keepcnt);
        stats->tcp.AbortOnTimeout++;
        tcp_drop(t, UST_ERR_TIMEDOUT, true);
        tcb_reap(t);
        return;
    }
    t->rxt.keep_probes++;
    stats->tcp.KeepAliveProbes++;
    tcp_request(t, TX_REQ_KEEPALIVE);
    tcp_output(t);
    timer_arm(st, &t->timer.keep, now + t->so.keepintvl);
}

static void on_wait(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    struct ust_stats *stats = stack_stats(st);
    struct tcb *t = TCB_OF(tm, timer.wait);
    (void)now;
    if (t->state == UST_TCP_TIME_WAIT)
        stats->tcp.TimeWaitExpired++;
    else if (t->state == UST_TCP_FIN_WAIT_2)
        stats->tcp.FinWait2Expired++; /* an orphan the peer never closed */
    else
        return;
    tcp_set_state(t, UST_TCP_CLOSED);
    tcb_reap(t);
}

void tcp_timewait_start(struct tcb *t)
{
    struct ust_stack *st = t->st;
    timer_cancel(st, &t->timer.rexmt);
    timer_cancel(st, &t->timer.persist);
    timer_cancel(st, &t->timer.keep);
    timer_cancel(st, &t->timer.delack);
    timer_cancel(st, &t->timer.rack);
    timer_cancel(st, &t->timer.tlp);
    /* beyond tcp_max_tw_buckets: ends on the next timer run, once the ACK
     * of the peer's FIN has gone (tcp_hold.c) */
    ust_time_t wait = tcp_tw_overflow(t) ? 0 : 2 * ust_stack_config(st)->tcp_msl;
    timer_arm(st, &t->timer.wait, stack_now(st) + wait);
}

void tcp_fin_wait_2_timeout(struct tcb *t)
{
    if (t->state == UST_TCP_FIN_WAIT_2 && (t->flags & TF_ORPHAN))
        timer_arm(t->st, &t->timer.wait, stack_now(t->st) + ust_stack_config(t->st)->tcp_fin_timeout);
}

void tcp_timers_init(struct tcb *t)
{
    timer_init(&t->timer.rexmt, on_rexmt);
    timer_init(&t->timer.persist, on_persist);
    timer_init(&t->timer.delack, on_delack);
    timer_init(&t->timer.keep, on_keepalive);
    timer_init(&t->timer.wait, on_wait);
    timer_init(&t->timer.rack, tcp_rack_reo_timeout);
    timer_init(&t->timer.tlp, tcp_tlp_timeout);
    timer_init(&t->timer.pace, tcp_pacing_timeout);
}

void tcp_timers_cancel(struct tcb *t)
{
    struct ust_stack *st = t->st;
    timer_cancel(st, &t->timer.rexmt);
    timer_cancel(st, &t->timer.persist);
    timer_cancel(st, &t->timer.delack);
    timer_cancel(st, &t->timer.keep);
    timer_cancel(st, &t->timer.wait);
    timer_cancel(st, &t->timer.rack);
    timer_cancel(st, &t->timer.tlp);
    timer_cancel(st, &t->timer.pace);
}
