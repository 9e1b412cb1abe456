/* Pacing: a congestion controller that sets cc.pacing_rate (BBR,
 * draft-ietf-ccwg-bbr 4.6.2) has its data leave at that rate instead of
 * in line-rate bursts as ACKs open cwnd. The model is a virtual link:
 * each segment sent moves `next` (when the link would be free again) on
 * by len / rate; a burst of one send quantum (about 1 ms of data, at
 * least two segments, as Linux's tcp_tso_autosize and BBR's send quantum)
 * may go at once when the link is free, and the connection's pacing
 * timer (timer.pace, on the stack's timer heap) wakes output when it is
 * free again. So over any interval T at most rate * T plus two quanta
 * leave, and on the virtual clock the timing is exact and deterministic.
 *
 * The loop's time (stack_now) is read once per turn, and building a
 * quantum of frames takes real time: at 8 Gbit/s a 64 KiB quantum leaves
 * in 65 us of wire time and about as much CPU. So before holding output,
 * the check asks the clock again (stack_now_fresh): when the link is free
 * by then, the next quantum goes in the same turn instead of after a
 * timer round through the event loop. Measured, bbr1 at 0 % loss over the
 * TAP (5 s, 9 alternating pairs): 8 of 9 pairs faster, 9.2 -> 9.7 Gbit/s
 * on average. The simulator's clock is virtual: there nothing changes.
 *
 * A real event loop wakes late: src/loop waits to the nanosecond
 * (epoll_pwait2) but the kernel adds timer slack (50 us by default) and
 * scheduling delay, and falls back to whole milliseconds without
 * epoll_pwait2. A pacing timer that ran late lets output catch up what the
 * lateness cost, up to PACING_CATCHUP, so that rates above one quantum per
 * wake-up (64 KiB per 100 us is 5 Gbit/s) stay reachable; Linux forgives
 * OS jitter likewise (tcp_update_skb_after_send's credit). Idle time is
 * never credited. On the virtual clock timers run on time and nothing
 * changes.
 *
 * Retransmissions requested by the loss detectors go at once (they are
 * not held) but use up the budget; zero-window and tail loss probes are
 * never held. A rate of 0 (NewReno, CUBIC) means unpaced: nothing here
 * changes what tcp_output does. */
#include "core/services.h"
#include "core/timer.h"
#include "tcp.h"

#define PACING_BURST_TIME UST_MSEC   /* a quantum is about 1 ms of data */
#define PACING_QUANTUM_MAX 65536u    /* and at most 64 KiB */
#define PACING_CATCHUP (2 * UST_MSEC) /* timer lateness made up for */
#define PACING_GAP_MAX UST_SEC       /* a segment never waits longer than this
                                        (a rate estimate gone wrong, or driven
                                        down by a peer, cannot stall output) */

uint32_t tcp_pacing_quantum(uint64_t rate, uint32_t mss)
{
    uint64_t q = rate * PACING_BURST_TIME / UST_SEC;
    if (q > PACING_QUANTUM_MAX)
        q = PACING_QUANTUM_MAX;
    if (q < 2 * (uint64_t)mss)
        q = 2 * (uint64_t)mss;
    return (uint32_t)q;
}

bool tcp_pacing_may_send(struct tcb *t)
{
    struct tcp_pacing *p = &t->pace;
    if (!t->cc.pacing_rate || p->burst_left)
        return true;
    ust_time_t now = stack_now(t->st);
    if (now < p->next) /* the loop's time is from before this burst: ask the clock */
        now = stack_now_fresh(t->st);
    if (now >= p->next) { /* the link is free: a new burst */
        p->burst_left = tcp_pacing_quantum(t->cc.pacing_rate, t->opt.mss);
        return true;
    }
    p->late = 0; /* waiting again: a catch-up is over */
    if (!timer_armed(&t->timer.pace)) {
        stack_stats(t->st)->tcp.PacingWaits++;
        timer_arm(t->st, &t->timer.pace, p->next);
    }
    return false;
}

void tcp_pacing_sent(struct tcb *t, uint32_t len)
{
    struct tcp_pacing *p = &t->pace;
    uint64_t rate = t->cc.pacing_rate;
    if (!rate || !len)
        return;
    ust_time_t now = stack_now(t->st);
    /* no credit for idle time, only for a late timer */
    ust_time_t base = p->next > now - p->late ? p->next : now - p->late;
    double gap = (double)len * (double)UST_SEC / (double)rate;
    p->next = base + (gap < PACING_GAP_MAX ? (ust_time_t)gap : PACING_GAP_MAX);
    p->burst_left = len < p->burst_left ? p->burst_left - len : 0;
}

void tcp_pacing_timeout(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    struct tcb *t = TCB_OF(tm, timer.pace);
    struct tcp_pacing *p = &t->pace;
    (void)st;
    if (!tcp_state_synchronized(t->state))
        return;
    p->late = now > p->next ? now - p->next : 0;
    if (p->late > PACING_CATCHUP)
        p->late = PACING_CATCHUP;
    tcp_output(t);
    tcb_reap(t);
}
