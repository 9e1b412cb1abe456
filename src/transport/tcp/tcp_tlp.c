/* Tail loss probes (RFC 8985 7). When the last segments of a flight are
 * lost no ACK comes back to tell, and only the RTO would notice. Instead,
 * a probe timeout (PTO) of about two round trips after the last new data
 * or ACK sends one segment: new data if there is some, else the highest
 * segment again. Its ACK carries SACK blocks, so RACK finds the losses
 * and fast recovery repairs them; if the probe itself repaired the only
 * loss, the episode's ACKs show it (7.4) and congestion control reacts
 * as to any loss. One probe per episode; the RTO stays the last resort.
 * Fast recovery gets a probe too (a deviation, see tlp_allowed). */
#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

/* RFC 8985 7.2: a PTO runs only in the open state (not in fast or RTO
 * recovery), with nothing SACKed, something outstanding and the peer's
 * window open (a zero window is the persist timer's business).
 *
 * Deviation: also in fast recovery (restarted by every transmission in
 * it, tcp_rack_sent). When a recovery's last retransmission fills the
 * hole, the peer answers the whole flight with one cumulative ACK (Linux's
 * receiver holds back its SACKs while a hole is open, tcp_comp_sack_nr,
 * so the SACKs for the data sent just before may never come apart), and
 * when that one ACK is lost nothing more comes: 3 of 3 RTOs (200 ms) in a
 * traced 1 % loss cell against Linux were such. A probe two round trips
 * after the last transmission draws the ACK again (or repairs a lost
 * retransmission); the episode is already cut once, so it cuts nothing.
 * In a cell at 1 % loss each way RTOs went from 6-8 to 1-2 and goodput
 * from 257 to 357 Mbit/s (mean of 3 pairs). */
static bool tlp_allowed(const struct tcb *t)
{
    if (!tcp_rack_on(t) || !tcp_state_synchronized(t->state) || t->state == UST_TCP_TIME_WAIT ||
        t->snd.una == t->snd.max || t->snd.wnd == 0 || t->rec.rto_recovery)
        return false;
    if (t->rec.fast_recovery)
        return true;
    return sendmap_count(&t->rack.map, RS_SACKED) == 0;
}

/* The floor of 2 * SRTT in the PTO (cfg.tcp_tlp_min_pto, 2 ms as Linux's
 * TCP_TIMEOUT_MIN). SRTT comes from the send map's nanosecond send times
 * (tcp_rtt_meas.c), so on a sub-millisecond path 2 * SRTT can be a few
 * tens of microseconds: less than a loaded host takes to schedule the
 * peer's ACK or our own timer. A probe that goes too early is only one
 * segment, and harmless: the peer's D-SACK for it closes the episode
 * without a reduction (7.4.1), and if a reduction was made it is undone
 * (tcp_undo.c). A floor of tens of milliseconds (the RACK drafts had
 * 10 ms) would cost hundreds of round trips on such a path for every tail
 * loss. The single-segment case still adds max_ack_delay: that ACK may be
 * held for the peer's delayed-ACK timer. */

/* RFC 8985 7.2 TLP_calc_PTO. */
static ust_time_t tlp_pto(const struct tcb *t)
{
    ust_time_t now = stack_now(t->st), pto = UST_SEC; /* no SRTT yet: 1 s */
    if (t->rtt.has_sample) {
        ust_time_t floor = ust_stack_config(t->st)->tcp_tlp_min_pto;
        pto = 2 * t->rtt.srtt;
        if (pto < floor)
            pto = floor;
        if (tcp_flight(t) <= t->opt.mss) /* one segment: its ACK may be delayed */
            pto += ust_stack_config(t->st)->tcp_tlp_max_ack_delay;
    }
    if (timer_armed(&t->timer.rexmt) && now + pto > t->timer.rexmt.when)
        pto = t->timer.rexmt.when > now ? t->timer.rexmt.when - now : 0; /* never after the RTO */
    return pto;
}

void tcp_tlp_schedule(struct tcb *t)
{
    if (!t->rack.tlp_rearm)
        return;
    t->rack.tlp_rearm = false;
    if (!tlp_allowed(t)) {
        timer_cancel(t->st, &t->timer.tlp);
        return;
    }
    timer_arm(t->st, &t->timer.tlp, stack_now(t->st) + tlp_pto(t));
}

void tcp_tlp_reset(struct tcb *t)
{
    t->rack.tlp_on = false;
    timer_cancel(t->st, &t->timer.tlp);
}

/* The segment a probe resends: the highest sent so far (RFC 8985 7.3),
 * or in fast recovery the oldest not SACKed, whose ACK the repair waits
 * for (its copy draws that ACK again, or repairs it if it was lost). */
static const struct rack_seg *probe_segment(const struct tcb *t)
{
    const struct sendmap *m = &t->rack.map;
    if (t->rec.fast_recovery)
        for (unsigned i = 0; i < m->n; i++)
            if (!(m->s[i].flags & RS_SACKED))
                return &m->s[i];
    return m->n ? &m->s[m->n - 1] : NULL;
}

/* At most one MSS of the probe segment goes again: the last MSS of the
 * highest segment, the first of a recovery's oldest. Returns its first
 * sequence number, or snd_max if nothing went. */
static uint32_t probe_retransmit(struct tcb *t)
{
    const struct rack_seg *g = probe_segment(t);
    if (!g)
        return t->snd.max;
    uint32_t len = g->end - g->start, seq = g->start;
    if (len > t->opt.mss) {
        if (!t->rec.fast_recovery)
            seq = g->end - t->opt.mss;
        len = t->opt.mss;
    }
    tcp_request_rexmit(t, seq, len);
    t->rec.rexmit_cause = TCP_REXMIT_TLP;
    tcp_output(t);
    return t->tx_req.sent ? seq : t->snd.max;
}

/* RFC 8985 7.3: sends the probe and arms the RTO. */
static void send_probe(struct tcb *t)
{
    struct tcp_rack *r = &t->rack;
    char b[TCB_STR_LEN];
    if (r->tlp_on)
        return; /* one probe per episode: its outcome is still open (7.4) */
    uint32_t top = t->snd.max, seq = t->snd.nxt;
    r->tlp_probing = true; /* new data first: one segment, cwnd and Nagle aside */
    tcp_output(t);
    r->tlp_probing = false;
    bool rexmit = t->snd.max == top;
    if (rexmit)
        seq = probe_retransmit(t);
    if (seq != t->snd.max) {
        r->tlp_on = true;
        r->tlp_end_seq = t->snd.max;
        /* a probe in recovery repairs nothing the episode did not count:
         * its outcome (7.4) is not asked, as for new data */
        r->tlp_is_retrans = rexmit && !t->rec.fast_recovery;
        stack_stats(t->st)->tcp.TlpProbes++;
        t->ctr.tlp_probes++;
        TCB_TRACE(t, "%s %s probe: %s at %u", tcb_str(t, b, sizeof(b)),
                  t->rec.fast_recovery ? "recovery" : "tail loss",
                  rexmit ? "retransmission" : "new data", seq);
    }
    /* the RTO, not the PTO, runs from here, probe or not */
    tcp_rexmt_restart(t);
}

void tcp_tlp_timeout(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    struct tcb *t = TCB_OF(tm, timer.tlp);
    (void)st;
    (void)now;
    if (!tlp_allowed(t) || t->rack.tlp_on)
        return; /* an episode is open: the RTO (still armed) decides */
    send_probe(t);
    tcb_reap(t);
}

bool tcp_tlp_instead_of_rto(struct tcb *t)
{
    /* The PTO is capped at the RTO's time (7.2): when both are due the
     * probe goes in the RTO's place and the RTO starts again from it. */
    if (!timer_armed(&t->timer.tlp) || t->timer.tlp.when > stack_now(t->st) || t->rack.tlp_on ||
        !tlp_allowed(t))
        return false;
    timer_cancel(t->st, &t->timer.tlp);
    send_probe(t);
    return true;
}

void tcp_tlp_ack(struct tcb *t, const struct tcp_hdr *h, bool dupack)
{
    struct tcp_rack *r = &t->rack;
    const struct tcp_opts *o = &h->opts;
    char b[TCB_STR_LEN];
    if (!r->tlp_on || seq_lt(h->ack, r->tlp_end_seq))
        return;
    if (!r->tlp_is_retrans) { /* the new data of the probe arrived */
        r->tlp_on = false;
        return;
    }
    if (tcp_sack_is_dsack(o, h->ack) && o->sack[0].right == r->tlp_end_seq) {
        r->tlp_on = false; /* 7.4.1 case 1: the probe only duplicated the original */
        return;
    }
    if (seq_gt(h->ack, r->tlp_end_seq)) {
        /* 7.4.2: no D-SACK came for the probe, so it repaired a loss (of
         * the original or of its ACK): react as to a loss, once */
        r->tlp_on = false;
        stack_stats(t->st)->tcp.TlpRecoveries++;
        TCB_TRACE(t, "%s tail loss probe repaired a loss", tcb_str(t, b, sizeof(b)));
        tcp_cc_reduce(t, t->cc.cwnd); /* not if its episode already reduced */
        return;
    }
    if (dupack && o->num_sack == 0)
        r->tlp_on = false; /* 7.4.1 case 2: both arrived, the peer has no D-SACK */
}
