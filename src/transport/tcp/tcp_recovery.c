/* Loss detection helpers for fast recovery: Limited Transmit (RFC 3042)
 * and the SACK-based loss test of RFC 6675 (IsLost), so that a small
 * window, or one with several losses, starts recovery without waiting for
 * three duplicate ACKs that may never come. The scoreboard itself lives in
 * tcp_sack.c; the NewReno path (no SACK) is unchanged. */
#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

#define DUP_THRESH 3u /* RFC 5681 / RFC 6675 DupThresh */

uint32_t tcp_sacked_bytes(const struct tcb *t)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < t->rec.sacked.n; i++)
        n += t->rec.sacked.r[i].end - t->rec.sacked.r[i].start;
    return n;
}

bool tcp_recovery_snd_una_lost(const struct tcb *t)
{
    /* RFC 6675 4 IsLost(SND.UNA): more than (DupThresh - 1) * SMSS bytes
     * above it were SACKed. Only ranges above SND.UNA are on the
     * scoreboard, so all of them count. */
    if (!t->opt.sack_ok || asm_empty(&t->rec.sacked))
        return false;
    return tcp_sacked_bytes(t) > (DUP_THRESH - 1) * t->opt.mss;
}

uint32_t tcp_limited_transmit_allowance(const struct tcb *t)
{
    /* RFC 3042 2: on each of the first DupThresh - 1 duplicate ACKs one
     * new segment may go beyond cwnd (cwnd itself is not raised), as long
     * as the peer's window allows; never a retransmission. */
    if (t->rec.fast_recovery || t->rec.rto_recovery || t->rec.dupacks == 0 ||
        t->rec.dupacks >= DUP_THRESH)
        return 0;
    if (t->snd.nxt != t->snd.max)
        return 0;
    return t->rec.dupacks * t->opt.mss;
}

bool tcp_sack_recovery(const struct tcb *t)
{
    return t->rec.fast_recovery && t->opt.sack_ok;
}

uint32_t tcp_recovery_pipe(const struct tcb *t)
{
    /* RFC 6675 4 SetPipe, with every hole below the highest SACKed byte
     * taken as lost (as tcp_sack_retransmit_hole treats them): an unSACKed
     * byte is in the network unless it lies in such a hole and was not
     * retransmitted yet (holes below sack_next were). */
    uint32_t flight = tcp_flight(t);
    uint32_t sacked = tcp_sacked_bytes(t);
    uint32_t done = seq_gt(t->rec.sack_next, t->snd.una) ? t->rec.sack_next - t->snd.una : 0;
    uint32_t lost = 0, off = 0;
    for (unsigned i = 0; i < t->rec.sacked.n; i++) {
        const struct asm_range *r = &t->rec.sacked.r[i];
        uint32_t from = off > done ? off : done;
        if (from < r->start)
            lost += r->start - from;
        off = r->end;
    }
    uint32_t gone = sacked + lost;
    return flight > gone ? flight - gone : 0;
}

/* SACKed bytes above sequence number `seq`. */
static uint32_t sacked_above(const struct tcb *t, uint32_t seq)
{
    uint32_t from = seq_gt(seq, t->snd.una) ? seq - t->snd.una : 0, n = 0;
    for (unsigned i = 0; i < t->rec.sacked.n; i++) {
        const struct asm_range *r = &t->rec.sacked.r[i];
        uint32_t s = r->start > from ? r->start : from;
        if (s < r->end)
            n += r->end - s;
    }
    return n;
}

/* A retransmission of SND.UNA lost again: data sent after it arrived
 * (more than (DupThresh - 1) * SMSS of it SACKed, the IsLost test of
 * RFC 6675 4 applied to the retransmission), yet SND.UNA is still a hole.
 * It goes once more rather than waiting for the RTO (the idea of RACK,
 * RFC 8985, with send order in place of send time). */
static void lost_retransmission(struct tcb *t)
{
    if (!seq_gt(t->rec.sack_next, t->snd.una) || asm_empty(&t->rec.sacked) ||
        t->rec.sacked.r[0].start == 0)
        return;
    if (sacked_above(t, t->rec.una_rexmit_high) <= (DUP_THRESH - 1) * t->opt.mss)
        return;
    TCB_TRACE(t, "retransmission of %u lost: sending it again", t->snd.una);
    stack_stats(t->st)->tcp.SackRetrans++;
    stack_stats(t->st)->tcp.LostRetransmits++;
    t->ctr.lost_retrans++;
    uint32_t hole = t->rec.sacked.r[0].start;
    tcp_request_rexmit(t, t->snd.una, hole < t->opt.mss ? hole : t->opt.mss);
    tcp_output(t);
    t->rec.una_rexmit_high = t->snd.max;
}

void tcp_recovery_send(struct tcb *t)
{
    lost_retransmission(t);
    /* RFC 6675 5 step (C): while cwnd - pipe >= 1 SMSS, NextSeg() rule 1
     * (the next lost hole) goes here; rules 2 (new data) is output_data's,
     * through tcp_cc_send_edge(). Each retransmission raises pipe, so
     * the loop ends. */
    while (tcp_recovery_pipe(t) + t->opt.mss <= t->cc.cwnd && tcp_sack_retransmit_hole(t))
        ;
}

uint32_t tcp_cc_send_edge(const struct tcb *t)
{
    if (tcp_rack_recovery(t)) { /* RFC 6675 5 (C) rule 2, RACK's pipe */
        uint32_t pipe = tcp_rack_pipe(t);
        return t->snd.nxt + (t->cc.cwnd > pipe ? t->cc.cwnd - pipe : 0);
    }
    if (t->rack.tlp_probing) /* RFC 8985 7.3: one new segment, cwnd aside */
        return t->snd.nxt + t->opt.mss;
    if (tcp_sack_recovery(t)) {
        uint32_t pipe = tcp_recovery_pipe(t);
        return t->snd.nxt + (t->cc.cwnd > pipe ? t->cc.cwnd - pipe : 0);
    }
    return t->snd.una + t->cc.cwnd + tcp_limited_transmit_allowance(t);
}

bool tcp_cc_episode_open(const struct tcb *t)
{
    return t->rec.episode_on && seq_lt(t->snd.una, t->rec.episode_high);
}

void tcp_cc_count_reduction(struct tcb *t, bool new_episode)
{
    struct ust_tcp_stats *s = &stack_stats(t->st)->tcp;
    struct tcp_conn_counters *c = &t->ctr;
    if (new_episode || !tcp_cc_episode_open(t)) {
        t->rec.episode_on = true;
        t->rec.episode_high = t->snd.max;
        t->rec.episode_reductions = 0;
        c->recoveries++;
        s->RecoveryEpisodes++;
    }
    t->rec.episode_reductions++;
    c->cwnd_reductions++;
    s->CwndReductions++;
    if (t->rec.episode_reductions > c->max_episode_reductions)
        c->max_episode_reductions = t->rec.episode_reductions;
}

void tcp_recovery_on_rto(struct tcb *t)
{
    t->ctr.rtos++;
    t->rec.prr_on = false; /* the loss window and slow start take over */
    tcp_cc_count_reduction(t, true);
}

/* The gate of every multiplicative decrease but the RTO's: one per
 * congestion episode (RFC 5681 3.2, RFC 6675 5, RFC 3168 6.1.2; Linux
 * does not reduce again in CWR or Recovery either). A loss found while
 * the episode lasts (a lost retransmission, a loss a tail loss probe
 * repaired, an ECE) is repaired without a second decrease. */
static bool episode_reduce(struct tcb *t, uint32_t flight)
{
    if (tcp_cc_episode_open(t)) {
        stack_stats(t->st)->tcp.CwndReductionsSkipped++;
        TCB_TRACE(t, "cwnd already reduced in this episode (until %u): not again",
                  t->rec.episode_high);
        return false;
    }
    tcp_undo_recovery_start(t); /* the window before, if this proves spurious */
    cc_sync(t, stack_now(t->st));
    tcp_cc_count_reduction(t, false);
    t->cc_ops->enter_recovery(&t->cc, flight);
    return true;
}

bool tcp_cc_reduce(struct tcb *t, uint32_t flight)
{
    uint32_t cwnd = t->cc.cwnd;
    if (!episode_reduce(t, flight))
        return false;
    if (!t->cc_ops->owns_cwnd)
        t->cc.cwnd = t->cc.ssthresh < cwnd ? t->cc.ssthresh : cwnd;
    return true;
}

/* The FlightSize a reduction halves (RFC 5681 3.2 equation (4)): what was
 * outstanding when the ACK that revealed the loss arrived, not what is
 * left once it moved SND.UNA. A Linux receiver that reads in batches ACKs
 * 30-40 segments at once, and a loss found on such a stretch ACK would
 * otherwise halve a window already a third smaller than the one the loss
 * happened in, every episode. Linux halves cwnd (tcp_reno_ssthresh), which
 * a cwnd-limited sender's flight before the ACK equals. Off an ACK (RACK's
 * reordering timer), the flight now. */
static uint32_t loss_flight(const struct tcb *t)
{
    uint32_t now = tcp_flight(t);
    return t->rec.ack_flight > now ? t->rec.ack_flight : now;
}

void tcp_cc_enter_recovery(struct tcb *t)
{
    if (!ust_stack_config(t->st)->tcp_prr)
        tcp_cc_reduce(t, loss_flight(t)); /* cwnd = ssthresh at once (RFC 6675 5) */
    else if (episode_reduce(t, loss_flight(t)))
        tcp_prr_start(t); /* RFC 6937 in place of cwnd = ssthresh */
}
