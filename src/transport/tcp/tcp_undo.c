/* Undo of a congestion response that proves spurious. A recovery episode
 * (tcp_cc_reduce) or an RTO keeps the window it started from; when the
 * peer shows that the retransmissions were not needed, cwnd and ssthresh
 * go back (the larger of now and then, as Linux) and the algorithm gets
 * its own state back (cc_ops.undo). Three detectors:
 *
 * - D-SACK (RFC 3708 3): every byte retransmitted in the episode came
 *   back as a duplicate. The count starts with the retransmissions still
 *   outstanding (a tail loss probe's), since their D-SACKs come too.
 * - Eifel (RFC 3522 2): the ACK of the first retransmission echoes a
 *   timestamp older than that retransmission's, so the original arrived.
 *   With a timestamp clock of 1 ms, a retransmission in the same tick as
 *   the original cannot be told apart and is taken as needed.
 * - F-RTO (RFC 5682 3, with the SACK-enhanced rule of RFC 4138 appendix
 *   B that Linux has): after an RTO only the first segment is resent; on
 *   the first ACK that acknowledges it (duplicate ACKs before it change
 *   nothing), up to two new segments go instead of more retransmissions
 *   (tcp_undo_frto_hold); if the next ACK delivers data that was sent
 *   before the RTO (below its RecoveryPoint) and never resent, not all was
 *   lost and the timeout was spurious. Anything else (a duplicate ACK,
 *   SACKs of the new data alone) means it was real: recovery goes on as
 *   usual, RACK resends what it marked lost.
 *
 * The response to a spurious timeout is Eifel's (RFC 4015 3): the window
 * is restored, the segments marked lost are unmarked and transmission
 * resumes with new data; the RTO's back-off ends with the next sample.
 *
 * An RTO inside a recovery episode keeps a point of its own: when a
 * recovery's last retransmission filled the hole and the one cumulative
 * ACK for it was lost, the RTO resends data the peer holds, and the ACK
 * of that copy (a D-SACK, or Eifel) acknowledges all that was
 * outstanding. The recovery's retransmissions were needed, so the episode
 * stands, but the timeout was spurious: its reduction is undone to the
 * recovery's ssthresh, the window the recovery would have ended with had
 * the ACK come (RFC 4015 3, applied to the RTO's response alone; Linux
 * gets there by keeping the recovery's ssthresh at such an RTO and
 * growing cwnd by all that the ACK covers). Otherwise cwnd would restart
 * from one segment, and every round trip with one or two segments in
 * flight on a lossy path risks another RTO. */
#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "tcp_seg.h"
#include "wire/seq.h"

enum undo_why { UNDO_NONE, UNDO_DSACK, UNDO_EIFEL, UNDO_FRTO, UNDO_RTO_DSACK, UNDO_RTO_EIFEL };

/* Retransmitted bytes not yet SACKed: their D-SACKs are to come. */
static uint32_t retrans_outstanding(const struct tcb *t)
{
    const struct sendmap *m = &t->rack.map;
    uint32_t n = 0;
    for (unsigned i = 0; i < m->n; i++)
        if ((m->s[i].flags & (RS_RETRANS | RS_SACKED)) == RS_RETRANS)
            n += m->s[i].end - m->s[i].start;
    return n;
}

/* A reduction is part of the episode kept so far while SND.UNA is below
 * where that episode began to end: the window before it stays. */
static bool same_episode(const struct tcb *t)
{
    return t->undo.armed && seq_lt(t->snd.una, t->undo.high);
}

static void point_arm(struct tcp_undo_point *pt, const struct cc_state *cc, uint32_t retrans)
{
    *pt = (struct tcp_undo_point){.prior = *cc, .retrans = retrans, .retrans_any = retrans != 0};
}

static void arm(struct tcb *t, bool rto)
{
    struct tcp_undo *u = &t->undo;
    *u = (struct tcp_undo){.armed = true, .rto = rto, .marker = t->snd.una, .high = t->snd.max};
    point_arm(&u->ep, &t->cc, retrans_outstanding(t));
}

void tcp_undo_recovery_start(struct tcb *t)
{
    if (!same_episode(t))
        arm(t, false);
}

void tcp_undo_rto_start(struct tcb *t)
{
    struct tcp_undo *u = &t->undo;
    bool first = !(t->rec.fast_recovery || t->rec.rto_recovery);
    if (same_episode(t)) {
        u->rto = true;
        u->frto = 0; /* RFC 5682 3 step 1: not again within an episode */
        if (!u->rto_armed) { /* the first RTO's window (a back-off adds to it) */
            u->rto_armed = true;
            u->rto_high = t->snd.max;
            point_arm(&u->rto_pt, &t->cc, 0);
        }
        return;
    }
    arm(t, true);
    /* step 1: only when RACK (SACK) can hold the other retransmissions */
    if (first && tcp_rack_on(t) && ust_stack_config(t->st)->tcp_frto)
        u->frto = 2;
}

static void point_retransmitted(const struct tcb *t, struct tcp_undo_point *pt, uint32_t seq,
                                uint32_t len)
{
    pt->retrans += len;
    pt->retrans_any = true;
    if (!pt->ts_set && t->opt.ts_ok) { /* RFC 3522 2: RetransmitTS */
        pt->ts_set = true;
        pt->retrans_ts = tcp_ts_now(t);
        pt->first_end = seq + len;
    }
}

void tcp_undo_retransmitted(struct tcb *t, uint32_t seq, uint32_t len)
{
    struct tcp_undo *u = &t->undo;
    if (!u->armed || len == 0)
        return;
    point_retransmitted(t, &u->ep, seq, len);
    if (u->rto_armed)
        point_retransmitted(t, &u->rto_pt, seq, len);
}

/* RFC 3708 3: a D-SACK for data of the episode (not older) cancels as
 * much of the retransmissions since the point; when none is left, all
 * were spurious. */
static bool dsack_all_spurious(struct tcp_undo_point *pt, uint32_t dsack_len)
{
    pt->retrans -= dsack_len < pt->retrans ? dsack_len : pt->retrans;
    return dsack_len && pt->retrans_any && pt->retrans == 0;
}

/* The bytes this ACK's D-SACK reports for the episode's data (0: none). */
static uint32_t episode_dsack(const struct tcb *t, const struct seg *s)
{
    const struct tcp_opts *o = &s->h->opts;
    if (!t->opt.sack_ok || !tcp_sack_is_dsack(o, s->ack) || seq_lt(o->sack[0].left, t->undo.marker))
        return 0;
    return o->sack[0].right - o->sack[0].left;
}

/* RFC 3522 2: the first ACK that acknowledges the first retransmission
 * since the point echoes a TSval older than RetransmitTS. */
static bool eifel_spurious(const struct tcb *t, struct tcp_undo_point *pt, const struct seg *s)
{
    const struct tcp_opts *o = &s->h->opts;
    if (!pt->ts_set || pt->eifel_done || !seq_gt(s->ack, t->snd.una) || seq_lt(s->ack, pt->first_end))
        return false;
    pt->eifel_done = true;
    return o->has_timestamp && o->ts_ecr && seq_lt(o->ts_ecr, pt->retrans_ts);
}

/* RFC 5682 appendix (SACK): the ACK delivers, cumulatively or in a SACK
 * block, data sent before the RTO (below RecoveryPoint) and never resent. */
static bool delivered_original(const struct tcb *t, const struct seg *s)
{
    const struct sendmap *m = &t->rack.map;
    const struct tcp_opts *o = &s->h->opts;
    unsigned first = tcp_sack_is_dsack(o, s->ack) ? 1 : 0;
    for (unsigned i = 0; i < m->n && seq_lt(m->s[i].start, t->undo.high); i++) {
        const struct rack_seg *g = &m->s[i];
        if (g->flags & (RS_RETRANS | RS_SACKED))
            continue;
        if (seq_lt(g->start, s->ack))
            return true;
        for (unsigned k = first; k < o->num_sack && k < TCP_MAX_SACK_BLOCKS; k++)
            if (seq_le(o->sack[k].left, g->start) && seq_ge(o->sack[k].right, g->end))
                return true;
    }
    return false;
}

void tcp_undo_ack(struct tcb *t, const struct seg *s)
{
    struct tcp_undo *u = &t->undo;
    u->verdict = UNDO_NONE;
    if (!u->armed)
        return;
    u->ack_orig = u->frto && delivered_original(t, s);
    uint32_t dsack = episode_dsack(t, s);
    bool rto_dsack = u->rto_armed && dsack_all_spurious(&u->rto_pt, dsack);
    bool rto_eifel = u->rto_armed && eifel_spurious(t, &u->rto_pt, s);
    if (dsack_all_spurious(&u->ep, dsack))
        u->verdict = (uint8_t)UNDO_DSACK;
    else if (eifel_spurious(t, &u->ep, s))
        u->verdict = (uint8_t)UNDO_EIFEL;
    else if ((rto_dsack || rto_eifel) && seq_ge(s->ack, u->rto_high)) /* all it resent */
        u->verdict = (uint8_t)(rto_dsack ? UNDO_RTO_DSACK : UNDO_RTO_EIFEL);
}

/* New data may go: some is queued beyond SND.MAX and the peer's window
 * has room for it. */
static bool new_data_can_go(const struct tcb *t)
{
    uint32_t data_end = tcp_snd_data_end(t);
    return seq_lt(t->snd.max, data_end) && seq_lt(t->snd.max, t->snd.una + t->snd.wnd);
}

void tcp_undo_frto_fallback(struct tcb *t)
{
    char b[TCB_STR_LEN];
    t->undo.frto = 0;
    stack_stats(t->st)->tcp.FrtoNoNewData++;
    TCB_TRACE(t, "%s F-RTO: no new data can go, lost segments resent", tcb_str(t, b, sizeof(b)));
}

/* RFC 5682 3 steps 2 and 3, on the ACKs after the RTO. */
static enum undo_why frto_step(struct tcb *t, const struct seg *s, bool advanced)
{
    struct tcp_undo *u = &t->undo;
    if (u->frto == 2) {
        if (!advanced)
            return UNDO_NONE; /* not yet the ACK of the retransmission */
        if (seq_ge(s->ack, u->high) || !new_data_can_go(t))
            u->frto = 0;      /* 2a, or no new data to test with: as usual */
        else
            u->frto = 3;      /* 2b: new data goes with this ACK's output */
        return UNDO_NONE;
    }
    if (u->ack_orig)
        return UNDO_FRTO;     /* 3b: data sent before the RTO was not lost */
    u->frto = 0;              /* 3a: the loss was real; RACK resends the rest */
    return UNDO_NONE;
}

static void count(struct tcb *t, enum undo_why why)
{
    struct ust_stats *stats = stack_stats(t->st);
    if (t->undo.rto) {
        stats->tcp.SpuriousRtos++;
        t->ctr.spurious_rtos++;
    }
    if (why == UNDO_DSACK || why == UNDO_RTO_DSACK) {
        stats->tcp.SpuriousDsack++;
        t->ctr.spurious_dsack++;
    } else if (why == UNDO_EIFEL && !t->undo.rto) {
        stats->tcp.SpuriousEifel++;
    }
    stats->tcp.Undos++;
    t->ctr.undos++;
}

static const char *const why_name[] = {"", "D-SACK", "Eifel", "F-RTO", "D-SACK", "Eifel"};

/* cwnd and ssthresh go back to the larger of now and the point's, the
 * algorithm to its state then. */
static void restore_window(struct tcb *t, const struct cc_state *prior)
{
    if (t->cc.cwnd < prior->cwnd)
        t->cc.cwnd = prior->cwnd;
    if (t->cc.ssthresh < prior->ssthresh)
        t->cc.ssthresh = prior->ssthresh;
    if (t->cc_ops->undo) {
        cc_sync(t, stack_now(t->st));
        t->cc_ops->undo(&t->cc, prior);
    }
}

/* An RTO inside an episode proved spurious by the ACK of all it resent:
 * the episode's reduction stands, the RTO's goes, and the recovery is
 * over with the window it ends with (RFC 6937: cwnd = ssthresh). */
static void undo_rto_only(struct tcb *t, enum undo_why why)
{
    struct tcp_undo *u = &t->undo;
    char b[TCB_STR_LEN];
    count(t, why);
    restore_window(t, &u->rto_pt.prior);
    if (!t->cc_ops->owns_cwnd && t->cc.cwnd < t->cc.ssthresh)
        t->cc.cwnd = t->cc.ssthresh;
    t->rxt.retries = 0;
    t->rec.fast_recovery = false;
    t->rec.rto_recovery = false;
    sendmap_clear_flag(&t->rack.map, RS_LOST);
    TCB_TRACE(t, "%s spurious timeout in recovery (%s): cwnd %u ssthresh %u",
              tcb_str(t, b, sizeof(b)), why_name[why], t->cc.cwnd, t->cc.ssthresh);
    u->rto_armed = false;
}

/* The window goes back and the episode ends (RFC 4015 3 for a timeout:
 * nothing more is resent, new data goes next). */
static void undo(struct tcb *t, enum undo_why why)
{
    struct tcp_undo *u = &t->undo;
    char b[TCB_STR_LEN];
    count(t, why);
    restore_window(t, &u->ep.prior);
    if (u->rto) {
        t->rxt.retries = 0;
        if (!tcp_rack_on(t))
            t->snd.nxt = t->snd.max;
    }
    if (why == UNDO_EIFEL && !u->rto) /* the original filled the hole, late: */
        t->rack.reordering_seen = true; /* reordering (Linux tcp_try_undo_partial) */
    t->rec.fast_recovery = false;
    t->rec.rto_recovery = false;
    t->rec.episode_on = false; /* a loss found from here on is a new episode */
    sendmap_clear_flag(&t->rack.map, RS_LOST);
    TCB_TRACE(t, "%s spurious %s (%s): cwnd %u ssthresh %u restored", tcb_str(t, b, sizeof(b)),
              u->rto ? "timeout" : "recovery", why_name[why], t->cc.cwnd, t->cc.ssthresh);
    u->armed = false;
    u->frto = 0;
}

void tcp_undo_ack_done(struct tcb *t, const struct seg *s, bool advanced)
{
    struct tcp_undo *u = &t->undo;
    enum undo_why why = (enum undo_why)u->verdict;
    u->verdict = UNDO_NONE;
    if (!u->armed)
        return;
    if (why == UNDO_NONE && u->frto)
        why = frto_step(t, s, advanced);
    if (why == UNDO_RTO_DSACK || why == UNDO_RTO_EIFEL)
        undo_rto_only(t, why);
    else if (why != UNDO_NONE)
        undo(t, why);
}
