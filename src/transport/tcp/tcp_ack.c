/* The fifth step of RFC 9293 3.10.7.4, the ACK field, for a segment with
 * ACK set once SYN-RECEIVED is left (tcp_input.c checks the flag and the
 * handshake): the RFC 5961 5.2 acceptability check, SND.UNA and the send
 * ring, RTT samples (RFC 6298, RFC 7323 4), congestion control and loss
 * recovery (RFC 5681, RFC 6582, RFC 6675; RACK in tcp_rack.c), the send
 * window (SND.WL1/WL2) and the states an ACK of our FIN leads to. Like
 * the rest of input it only decides: what must be sent is marked, and
 * tcp_output() sends it. */
#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "tcp_seg.h"
#include "wire/seq.h"

void tcp_set_snd_wnd(struct tcb *t, uint32_t wnd)
{
    t->snd.wnd = wnd;
    if (wnd > t->snd.max_wnd)
        t->snd.max_wnd = wnd;
    if (wnd)
        t->rxt.persist_backoff = 0;
}

/* Congestion control and recovery for an ACK of new data (RFC 5681,
 * RFC 6582, RFC 6675); tcp_rack_new_ack replaces it under RACK. */
static void ack_recovery(struct tcb *t, const struct seg *s, uint32_t acked)
{
    struct ust_stack *st = t->st;
    if (t->rec.fast_recovery) {
        if (seq_ge(s->ack, t->rec.recover)) { /* full ACK: recovery over (RFC 6582 3.2 step 3) */
            t->rec.fast_recovery = false;
            t->cc_ops->exit_recovery(&t->cc, tcp_flight(t));
        } else {                           /* partial ACK: next hole (step 4) */
            stack_stats(st)->tcp.PartialAcks++;
            if (seq_lt(t->rec.sack_next, t->snd.una))
                t->rec.sack_next = t->snd.una;
            if (tcp_sack_recovery(t)) { /* RFC 6675 5: pipe, no deflation */
                /* the new front hole went, if at all, before now: a
                 * conservative mark for lost-retransmission detection */
                t->rec.una_rexmit_high = t->snd.max;
                tcp_recovery_send(t);
            } else {
                if (!tcp_sack_retransmit_hole(t) && t->rec.sack_next == t->snd.una) {
                    tcp_request_rexmit(t, t->snd.una, UINT32_MAX);
                    tcp_output(t);
                }
                t->cc_ops->on_partial_ack(&t->cc, acked);
            }
        }
    } else {
        t->cc_ops->on_ack(&t->cc, acked);
    }
}

/* New data acknowledged: advance SND.UNA, free the send ring, RTT, CC. */
static void ack_new_data(struct tcb *t, const struct seg *s)
{
    struct ust_stack *st = t->st;
    ust_time_t now = stack_now(st);
    uint32_t acked = s->ack - t->snd.una;
    uint32_t data_seq = tcp_snd_data_seq(t);
    uint32_t data_acked = seq_gt(s->ack, data_seq) ? s->ack - data_seq : 0;
    if (data_acked > ring_len(&t->snd.buf))
        data_acked = (uint32_t)ring_len(&t->snd.buf); /* the rest is our FIN */
    ring_drop(&t->snd.buf, data_acked);
    t->ctr.bytes_acked += data_acked;
    tcp_sack_advance(t, acked);
    t->snd.una = s->ack;
    if (seq_lt(t->snd.nxt, t->snd.una))
        t->snd.nxt = t->snd.una;
    t->rxt.retries = 0;
    tcp_advice_ack(t); /* RFC 1122 3.3.1.4: positive advice */
    cc_sync(t, now);
    if (tcp_rack_on(t))
        tcp_rack_new_ack(t, acked);
    else
        ack_recovery(t, s, acked);
    t->rec.dupacks = 0;
    /* RFC 6298 5.2 / 5.3: stop the timer when all is acked, else restart */
    if (t->snd.una == t->snd.max)
        timer_cancel(st, &t->timer.rexmt);
    else
        tcp_rexmt_restart(t);
}

/* RFC 2883 4: an ACK whose SACK blocks all lie at or below its cumulative
 * ACK reports only data received twice (D-SACK), e.g. our spurious
 * retransmission: it SACKs no new data, so with SACK in use it is no
 * DupAck (RFC 6675 2) and says nothing about loss. */
static bool dsack_only(const struct tcb *t, const struct seg *s)
{
    const struct tcp_opts *o = &s->h->opts;
    if (!t->opt.sack_ok || o->num_sack == 0)
        return false;
    for (unsigned i = 0; i < o->num_sack && i < TCP_MAX_SACK_BLOCKS; i++)
        if (seq_gt(o->sack[i].right, s->ack))
            return false;
    return true;
}

/* RFC 5681 2: a duplicate ACK; the third starts fast retransmit. */
static void ack_duplicate(struct tcb *t, const struct seg *s, uint32_t old_wnd)
{
    struct ust_stack *st = t->st;
    struct ust_stats *stats = stack_stats(st);
    if (dsack_only(t, s)) { /* neither counted nor resetting the count */
        TCB_TRACE(t, "D-SACK only ack %u: not a duplicate ack", s->ack);
        return;
    }
    bool dup = s->ack == t->snd.una && s->len == 0 && !(s->flags & (TCP_SYN | TCP_FIN)) &&
               t->snd.max != t->snd.una && (uint32_t)s->wnd << t->opt.snd_wscale == old_wnd &&
               old_wnd != 0; /* answers to zero-window probes are not loss signals */
    if (!dup) {
        t->rec.dupacks = 0;
        return;
    }
    stats->tcp.DupAcks++;
    t->rec.dupacks++;
    cc_sync(t, stack_now(st));
    if (tcp_rack_on(t))
        return; /* RACK decides about loss by time (tcp_rack_ack_done) */
    if (tcp_sack_recovery(t)) { /* RFC 6675 5 (C): pipe counts what left */
        tcp_recovery_send(t);
        return;
    }
    if (t->rec.fast_recovery) {
        t->cc_ops->on_dupack(&t->cc); /* inflate: a segment left the network */
        tcp_sack_retransmit_hole(t);   /* and with SACK, the next hole goes */
        return;
    }
    /* RFC 6582 3.2 step 2: not for data sent before the last recovery/RTO */
    bool lost = t->rec.dupacks >= 3 || tcp_recovery_snd_una_lost(t); /* RFC 6675 5 */
    if (lost && !t->rec.fast_recovery && seq_ge(t->snd.una, t->rec.recover)) {
        stats->tcp.FastRetrans++;
        t->ctr.fast_retrans++;
        char b[TCB_STR_LEN];
        TCB_TRACE(t, "%s fast retransmit at %u", tcb_str(t, b, sizeof(b)), t->snd.una);
        t->rec.rexmit_cause = TCP_REXMIT_FAST;
        t->rec.recover = t->snd.max;
        t->rec.fast_recovery = true;
        tcp_undo_recovery_start(t); /* the window before, for Eifel (tcp_undo.c) */
        if (!tcp_ecn_window_reduced(t)) { /* else ECN already cut for this window */
            tcp_cc_count_reduction(t, false);
            t->cc_ops->enter_recovery(&t->cc, tcp_flight(t));
        }
        t->rec.sack_next = t->snd.una;
        if (!tcp_sack_retransmit_hole(t)) {
            tcp_request_rexmit(t, t->snd.una, UINT32_MAX);
            tcp_output(t);
            t->rec.sack_next = t->snd.una + t->opt.mss; /* not again when SACKs come */
            t->rec.una_rexmit_high = t->snd.max;
        }
        if (t->opt.sack_ok) {
            /* RFC 6675 5 step (4.2): cwnd = ssthresh, no inflation; pipe
             * lets the rest of the holes and new data go */
            t->cc.cwnd = t->cc.ssthresh;
            tcp_recovery_send(t);
        }
        tcp_rexmt_restart(t);
    }
}

/* The state changes an ACK of our FIN causes. Returns false to stop. */
static bool ack_of_fin(struct tcb *t)
{
    bool fin_acked = (t->flags & TF_FIN_SENT) && seq_gt(t->snd.una, t->snd.fin_seq);
    switch (t->state) {
    case UST_TCP_FIN_WAIT_1:
        if (fin_acked) {
            tcp_set_state(t, UST_TCP_FIN_WAIT_2);
            tcp_fin_wait_2_timeout(t);
        }
        return true;
    case UST_TCP_CLOSING:
        if (fin_acked) {
            tcp_set_state(t, UST_TCP_TIME_WAIT);
            tcp_timewait_start(t);
        }
        return false;
    case UST_TCP_LAST_ACK:
        if (fin_acked) {
            tcp_set_state(t, UST_TCP_CLOSED);
            return false;
        }
        return true;
    default: /* TIME-WAIT: only a repeated FIN, acknowledged at the FIN step */
        return true;
    }
}

/* Fifth: the ACK field, past the flag and SYN-RECEIVED checks. */
bool tcp_ack_input(struct tcb *t, const struct seg *s)
{
    struct ust_stack *st = t->st;
    struct ust_stats *stats = stack_stats(st);
    /* RFC 5961 5.2: acceptable if SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT */
    if (seq_gt(s->ack, t->snd.max)) {
        stats->tcp.AckTooNew++;
        tcp_oow_ack(t, seg_seqlen(s), s->flags, &stats->tcp.AckSkippedUnsent);
        return false;
    }
    if (seq_lt(s->ack, t->snd.una - t->snd.max_wnd)) {
        stats->tcp.AckTooOld++;
        tcp_challenge_ack(t);
        return false;
    }
    t->rxt.persist_probes = 0; /* the peer answers */
    t->rec.ack_flight = tcp_flight(t); /* for a loss this ACK reveals (tcp_recovery.c) */
    tcp_sack_update(t, &s->h->opts);
    tcp_rate_ack_begin(t);
    tcp_rtt_ack(t, s);   /* RFC 6298 3, RFC 7323 4 (tcp_rtt_meas.c) */
    tcp_undo_ack(t, s);  /* D-SACKs and Eifel (tcp_undo.c) */
    tcp_rack_ack(t, s->h); /* RFC 8985 6.2: what this ACK delivered */
    uint32_t old_wnd = t->snd.wnd, old_flight = t->rec.ack_flight;
    bool advanced = seq_gt(s->ack, t->snd.una);
    if (advanced)
        ack_new_data(t, s);
    else
        ack_duplicate(t, s, old_wnd);
    tcp_sack_check_reneging(t);
    /* the undo first: it unmarks what the undone response marked lost,
     * and RACK then marks what this ACK shows lost (Linux's order too) */
    tcp_undo_ack_done(t, s, advanced); /* F-RTO, and the undo (tcp_undo.c) */
    tcp_rack_ack_done(t, s->h, advanced, !advanced && s->len == 0);
    tcp_rate_ack_end(t); /* the rate sample, to cong_control (BBR) */
    tcp_ecn_ack(t, s->flags, old_flight); /* RFC 3168 6.1.2 */
    t->rec.ack_flight = 0;
    /* window update (RFC 9293 3.10.7.4, SND.WL1/WL2 rule) */
    if (seq_lt(t->snd.wl1, s->seq) || (t->snd.wl1 == s->seq && seq_le(t->snd.wl2, s->ack))) {
        uint32_t wnd = (uint32_t)s->wnd << t->opt.snd_wscale;
        if (t->snd.wnd == 0 && wnd != 0 && seq_gt(t->snd.nxt, t->snd.una))
            t->snd.nxt = t->snd.una; /* the window reopens: what went into the
                                        closed window (probes) goes again */
        tcp_set_snd_wnd(t, wnd);
        t->snd.wl1 = s->seq;
        t->snd.wl2 = s->ack;
    }
    if (advanced)
        tcp_sndbuf_expand(t); /* cwnd may have outgrown the ring (tcp_autotune.c) */
    tcp_trace_cc(t, s->ack);
    return ack_of_fin(t);
}
