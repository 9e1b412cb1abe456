/* Which ACKs give RTT samples, and which time they measure (RFC 6298 3,
 * RFC 7323 4). tcp_rtt.c does the arithmetic; here is the choice:
 *
 * - Only an ACK that advances SND.UNA is timed (RFC 7323 4.2: an ACK of
 *   nothing new, e.g. a duplicate ACK, may echo an old timestamp).
 * - With RACK on, the send map knows when every segment was last sent, to
 *   the nanosecond. When no segment the ACK newly covers was ever
 *   retransmitted, the sample is unambiguous (Karn, RFC 6298 3): SRTT gets
 *   the time since the oldest of them was sent (it includes any time the
 *   receiver held its ACK, which the RTO must cover, RFC 7323 4.2), the
 *   minimum-RTT filter the time since the newest (the path itself). That
 *   is what Linux does with its per-segment send times, and on a
 *   sub-millisecond path it is the only measure fine enough: timestamps
 *   tick in milliseconds (tcp_ts_now).
 * - Otherwise, with timestamps, the echoed TSval times the transmission
 *   the receiver answered, retransmitted or not (RFC 7323 4.1); the
 *   receiver's rules (4.3: TS.Recent of the segment that advanced
 *   Last.ACK.sent, so of the earliest unacknowledged one) make that safe
 *   for delayed and out-of-order ACKs. A reading of 0 ms is counted as
 *   one tick, as Linux does: the clock cannot tell less.
 * - Otherwise (no RACK, no timestamps) one segment at a time is timed
 *   (rxt.rtt_timing), never a retransmitted one (Karn). Everything else
 *   is ambiguous and not sampled (counter RttAmbiguous). */
#include "core/services.h"
#include "tcp.h"
#include "tcp_seg.h"
#include "wire/seq.h"

void tcp_rtt_take(struct tcb *t, ust_time_t rtt, ust_time_t min_rtt)
{
    tcp_rtt_sample(&t->rtt, rtt);
    /* congestion control (HyStart++'s per-round minimum) gets the newest
     * segment's RTT, free of the time the oldest waited for a stretch or
     * delayed ACK (as Linux's ca_rtt_us next to seq_rtt_us) */
    t->rtt.latest = min_rtt;
    tcp_minrtt_update(&t->min_rtt, stack_now(t->st), min_rtt);
    stack_stats(t->st)->tcp.RttSamples++;
}

struct acked_times {
    bool any;              /* a never-retransmitted segment newly acknowledged */
    bool rexmit;           /* a retransmitted one among those acknowledged */
    ust_time_t first, last; /* the oldest and newest send time of the former */
};

/* What the send map says about the segments below `ack` (RACK on). One
 * SACKed earlier was delivered before: this ACK does not time it. */
static struct acked_times acked_times(const struct tcb *t, uint32_t ack)
{
    struct acked_times a = {0};
    const struct sendmap *m = &t->rack.map;
    for (unsigned i = 0; i < m->n && seq_lt(m->s[i].start, ack); i++) {
        const struct rack_seg *g = &m->s[i];
        if (g->flags & RS_RETRANS) {
            a.rexmit = true;
        } else if (!(g->flags & RS_SACKED)) {
            a.first = a.any && a.first < g->xmit_ts ? a.first : g->xmit_ts;
            a.last = a.any && a.last > g->xmit_ts ? a.last : g->xmit_ts;
            a.any = true;
        }
    }
    return a;
}

/* RFC 7323 4.1: the sample the echoed timestamp gives, if any. */
static bool ts_sample(const struct tcb *t, const struct tcp_hdr *h, ust_time_t *rtt)
{
    if (!t->opt.ts_ok || !h->opts.has_timestamp || !h->opts.ts_ecr)
        return false;
    uint32_t ms = tcp_ts_now(t) - h->opts.ts_ecr;
    if (ms >= 0x7fffffffu)
        return false; /* an echo of a value we never sent */
    *rtt = (ust_time_t)(ms ? ms : 1) * UST_MSEC;
    return true;
}

/* An ACK of less than two full segments that empties the flight: no
 * later segment made the receiver answer at once (RFC 9293 3.8.6.3 asks
 * for an ACK per second full segment), so its delayed-ACK timer probably
 * did; the sample includes that wait. Counted, not rejected (4.2). */
static void note_delayed(struct tcb *t, const struct seg *s)
{
    if (s->ack - t->snd.una < 2u * t->opt.mss && s->ack == t->snd.max)
        stack_stats(t->st)->tcp.RttDelayedAck++;
}

void tcp_rtt_ack(struct tcb *t, const struct seg *s)
{
    ust_time_t now = stack_now(t->st), rtt;
    bool rexmit = false;
    if (!seq_gt(s->ack, t->snd.una))
        return;
    if (tcp_rack_on(t)) {
        struct acked_times a = acked_times(t, s->ack);
        if (a.any && !a.rexmit) {
            tcp_rtt_take(t, now - a.first, now - a.last);
            note_delayed(t, s);
            return;
        }
        rexmit = a.rexmit;
    } else if (t->rxt.rtt_timing && seq_gt(s->ack, t->rxt.rtt_seq)) {
        t->rxt.rtt_timing = false;
        tcp_rtt_take(t, now - t->rxt.rtt_start, now - t->rxt.rtt_start);
        note_delayed(t, s);
        return;
    } else {
        /* not timed: a retransmission cancelled the timing (Karn) if the
         * ACK covers data sent before the last recovery or RTO */
        rexmit = !t->rxt.rtt_timing && seq_lt(t->snd.una, t->rec.recover);
    }
    if (ts_sample(t, s->h, &rtt)) {
        tcp_rtt_take(t, rtt, rtt);
        note_delayed(t, s);
    } else if (rexmit) {
        stack_stats(t->st)->tcp.RttAmbiguous++;
        t->ctr.rtt_ambiguous++;
    }
}
