/* Proportional Rate Reduction: RFC 6937, as RFC 9937 (its Standards Track
 * successor, draft-ietf-tcpm-prr-rfc6937bis) and Linux tcp_cwnd_reduction
 * have it.
 *
 * Fast recovery used to set cwnd = ssthresh at once (RFC 6675 5 (4.2)):
 * with half the window still in flight, nothing went until pipe fell
 * below ssthresh, then everything did, and a further loss in that
 * half-empty window could leave too few ACKs to go on (an RTO). PRR
 * spreads the reduction over the recovery round trip instead: on each ACK
 * that delivered data (DeliveredData: the change in SND.UNA plus the
 * change in SACKed bytes) it lets out data in proportion,
 *
 *     pipe > ssthresh:  sndcnt = ceil(prr_delivered * ssthresh / RecoverFS)
 *                                - prr_out
 *     otherwise:        sndcnt = min(ssthresh - pipe,
 *                                    max(prr_delivered - prr_out, DeliveredData)
 *                                    + (safe ACK ? SMSS : 0))
 *
 * (PRR-CRB, and PRR-SSRB on a "safe" ACK: one that advanced SND.UNA and
 * showed no new loss, RFC 9937 4), so that the ACK clock keeps running and
 * pipe arrives at ssthresh at the end of recovery, where cwnd = ssthresh.
 * The first ACK of recovery always releases the fast retransmission
 * (prr_out == 0). RecoverFS is pipe at entry (RFC 6675 pipe once this
 * ACK's losses are marked, as draft-ietf-tcpm-prr-rfc6937bis-08 had it).
 * RFC 9937 counts the flight less what was SACKed before, which is larger
 * by the bytes just found lost and so sends less per ACK; with pipe the
 * simulator's lossy runs (ustack demo, 1-2 % loss, seeds 1-5) moved 5 %
 * more. All in bytes; cwnd = pipe + sndcnt, and the sending rules of RFC
 * 6675 (cwnd - pipe) do the rest. A congestion controller that owns cwnd
 * (cc_ops.owns_cwnd) is left alone. */
#include "core/services.h"
#include "tcp.h"

static uint32_t prr_pipe(const struct tcb *t)
{
    return tcp_rack_on(t) ? tcp_rack_pipe(t) : tcp_recovery_pipe(t);
}

void tcp_prr_start(struct tcb *t)
{
    struct tcp_recovery *rc = &t->rec;
    if (t->cc_ops->owns_cwnd)
        return;
    uint32_t pipe = prr_pipe(t), mss = t->opt.mss;
    rc->prr_on = true;
    rc->prr_delivered = 0;
    rc->prr_out = 0;
    rc->prr_recover_fs = pipe > mss ? pipe : mss;
    /* nothing beyond the fast retransmission until an ACK says what left */
    t->cc.cwnd = pipe > mss ? pipe : mss;
}

static uint32_t ceil_div(uint64_t a, uint64_t b) { return (uint32_t)((a + b - 1) / b); }

void tcp_prr_ack(struct tcb *t, uint32_t delivered, bool safe)
{
    struct tcp_recovery *rc = &t->rec;
    if (!rc->prr_on || delivered == 0)
        return; /* nothing left the network: cwnd stays (Linux does so too) */
    rc->prr_delivered += delivered;
    uint32_t pipe = prr_pipe(t), ssthresh = t->cc.ssthresh, mss = t->opt.mss;
    int64_t sndcnt;
    if (pipe > ssthresh) { /* proportional: ssthresh / RecoverFS of what left */
        sndcnt = (int64_t)ceil_div((uint64_t)rc->prr_delivered * ssthresh, rc->prr_recover_fs) -
                 rc->prr_out;
    } else {               /* PRR-SSRB: back up to ssthresh, at most slow start's pace */
        int64_t limit = (int64_t)rc->prr_delivered - rc->prr_out;
        if (limit < (int64_t)delivered)
            limit = delivered;
        if (safe)
            limit += mss;
        sndcnt = (int64_t)ssthresh - pipe < limit ? (int64_t)ssthresh - pipe : limit;
    }
    if (sndcnt < 0)
        sndcnt = 0;
    if (rc->prr_out == 0 && sndcnt == 0)
        sndcnt = mss; /* the fast retransmission goes on the first ACK */
    uint64_t cwnd = (uint64_t)pipe + (uint64_t)sndcnt;
    t->cc.cwnd = cwnd < mss ? mss : cwnd > UINT32_MAX ? UINT32_MAX : (uint32_t)cwnd;
}

void tcp_prr_sent(struct tcb *t, uint32_t len)
{
    if (t->rec.prr_on)
        t->rec.prr_out += len;
}

void tcp_prr_end(struct tcb *t)
{
    if (!t->rec.prr_on)
        return;
    t->rec.prr_on = false;
    t->cc.cwnd = t->cc.ssthresh; /* RFC 6937 3: "at the end of recovery" */
}
