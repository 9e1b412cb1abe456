/* RACK: time-based loss detection (RFC 8985 6). A segment is lost when
 * one sent after it has been delivered (cumulatively or selectively
 * acknowledged) and it is overdue by a reordering window:
 *     xmit_ts(segment) + RACK.rtt + reo_wnd <= now.
 * So a small window, a lost retransmission or a lost tail is repaired
 * without three duplicate ACKs and without waiting for the RTO.
 *
 * The per-segment times are the send map's (tcp_sendmap.c). Recovery with
 * RACK follows RFC 6675's sending rules with RACK's loss marks in place of
 * IsLost(): lost segments go first while cwnd - pipe allows, then new
 * data (tcp_cc_send_edge). Fast recovery starts when RACK marks a loss;
 * after an RTO, "RTO recovery" resends only the lost segments, skips what
 * the peer SACKed, and keeps detecting losses among its retransmissions.
 * Congestion control keeps its own ops (cc.h): enter_recovery once per
 * congestion episode, on_rto, on_ack. During fast recovery Proportional
 * Rate Reduction (tcp_prr.c, RFC 6937) sets cwnd on every ACK. A lost
 * retransmission is sent again and does not reduce cwnd a second time:
 * RFC 5681 and RFC 6675 want one reduction per episode, and Linux does not
 * take RFC 8985 9.3's option of another one either.
 *
 * The reordering window adapts to D-SACKs (RFC 2883) the peer reports:
 * each round trip that sees one widens it by min_RTT / 4, for the next 16
 * recoveries (RFC 8985 6.2 step 4). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

#define DUP_THRESH 3u               /* RFC 8985 6.2 step 4, as RFC 6675 */
#define REO_WND_PERSIST 16          /* recoveries a widened window lasts */
#define REO_WND_MULT_MAX 255        /* as Linux (reo_wnd_steps, a u8); SRTT bounds it too */
#define RS_NEWLY (1u << 7)          /* scratch: SACKed by the ACK being processed */

void tcp_rack_start(struct tcb *t)
{
    struct tcp_rack *r = &t->rack;
    sendmap_free(&r->map);
    memset(r, 0, sizeof(*r));
    t->rec.rack_on = false;
    t->rec.rto_recovery = false;
    /* RFC 8985 4: RACK-TLP needs SACK and a per-connection scoreboard */
    if (!ust_stack_config(t->st)->tcp_rack || !t->opt.sack_ok)
        return;
    r->reo_wnd_mult = 1;
    r->fack = t->snd.una;
    t->rec.rack_on = true;
}

void tcp_rack_free(struct tcb *t) { sendmap_free(&t->rack.map); }

/* RFC 8985 6.2 RACK.min_RTT: the connection's windowed minimum
 * (tcp_minrtt.c), which can follow a move to a longer path. */
static ust_time_t rack_min_rtt(const struct tcb *t) { return tcp_minrtt_get(&t->min_rtt); }

void tcp_rack_sent(struct tcb *t, uint32_t seq, uint32_t len, bool new_data)
{
    if (!tcp_rack_on(t))
        return;
    struct sendmap *m = &t->rack.map;
    uint32_t full = m->full;
    tcp_prr_sent(t, len);
    tcp_rate_presend(t, seq, len); /* delivery-rate accounting (tcp_rate.c) */
    /* two records per MSS of the send buffer: its segments and SACK splits */
    sendmap_set_limit(m, 2 * (uint64_t)t->snd.buf.cap / (t->opt.mss ? t->opt.mss : 1));
    sendmap_sent(m, seq, len, stack_now(t->st));
    stack_stats(t->st)->tcp.SendmapFull += m->full - full;
    tcp_rate_sent(t, seq, len);
    /* RFC 8985 7.2: new data (not itself a probe) restarts the PTO; so
     * does a retransmission in fast recovery, which may be its last
     * transmission (tcp_tlp.c: the probe in fast recovery) */
    if ((new_data || t->rec.fast_recovery) && !t->rack.tlp_probing)
        t->rack.tlp_rearm = true;
}

uint32_t tcp_rack_pipe(const struct tcb *t) { return sendmap_pipe(&t->rack.map); }

/* RFC 8985 6.2 RACK_sent_after: t1/n1 was sent after t2/n2. The RFC
 * breaks a tie of equal times with the end sequence number; here every
 * transmission has its number in send order, which also orders a
 * retransmission sent in the same clock tick after new data (on the
 * virtual clock such ties are common, and the RFC's rule would call
 * that retransmission lost as soon as the new data is SACKed). */
static bool sent_after(ust_time_t t1, uint32_t n1, ust_time_t t2, uint32_t n2)
{
    return t1 > t2 || (t1 == t2 && seq_gt(n1, n2));
}

/* ---- steps 1-4: what an ACK delivered ---------------------------------- */

/* Step 3, from a D-SACK (Linux tcp_sacktag_one): the receiver got again
 * a retransmitted segment it had already SACKed, so the copy that got
 * there first was not lost, only late: the path reorders (or its ACKs
 * report late), and a window of zero would keep resending such
 * segments. Run before the ACK's blocks are recorded. */
static void dsack_reordering(struct tcb *t, const struct tcp_opts *o)
{
    struct tcp_rack *r = &t->rack;
    const struct sendmap *m = &r->map;
    /* from SND.UNA before this ACK: a D-SACK for what it also
     * acknowledges counts (Linux tags before it cleans the queue) */
    uint32_t l = seq_max(o->sack[0].left, t->snd.una);
    uint32_t right = seq_min(o->sack[0].right, t->snd.max);
    if (r->reordering_seen || !seq_lt(l, right))
        return;
    for (unsigned k = sendmap_index(m, l); k < m->n && seq_lt(m->s[k].start, right); k++) {
        if ((m->s[k].flags & (RS_SACKED | RS_RETRANS)) == (RS_SACKED | RS_RETRANS)) {
            r->reordering_seen = true;
            TCB_TRACE(t, "RACK: reordering seen (D-SACK of %u, SACKed before)", m->s[k].start);
            return;
        }
    }
}

/* Step 1: records the ACK's SACK blocks (a D-SACK first block aside) on
 * the map, marking what they newly cover (*newly: how many bytes).
 * Returns true if any. */
static bool mark_sacked(struct tcb *t, const struct tcp_opts *o, uint32_t ack, bool dsack,
                        uint32_t *newly)
{
    struct sendmap *m = &t->rack.map;
    bool any = false;
    for (unsigned i = dsack ? 1 : 0; i < o->num_sack && i < TCP_MAX_SACK_BLOCKS; i++) {
        uint32_t l = seq_max(o->sack[i].left, seq_max(ack, t->snd.una));
        uint32_t r = seq_min(o->sack[i].right, t->snd.max);
        if (!seq_lt(l, r))
            continue; /* outside what is outstanding: believed for nothing */
        sendmap_split(m, l); /* full map: partly covered records stay unSACKed */
        sendmap_split(m, r);
        /* sorted and contiguous: from the record holding l to the one ending at r */
        for (unsigned k = sendmap_index(m, l); k < m->n && seq_le(m->s[k].end, r); k++) {
            struct rack_seg *g = &m->s[k];
            if (seq_ge(g->start, l) && !(g->flags & RS_SACKED)) {
                sendmap_set_flags(m, g, (uint8_t)((g->flags & ~RS_LOST) | RS_SACKED | RS_NEWLY));
                *newly += g->end - g->start;
                any = true;
            }
        }
    }
    return any;
}

/* Step 2's checks: a retransmitted segment's ACK may have been caused by
 * the earlier copy (its echoed timestamp is older than the retransmission,
 * or it came back sooner than any round trip can). The timestamp says so
 * only for data the cumulative ACK covers: a receiver echoes TS.Recent,
 * which an out-of-order segment does not update (RFC 7323 4.3), so the
 * echo on an ACK that SACKs a retransmission is always older than it, and
 * taking that as ambiguity hid every lost retransmission RACK could find
 * from a later one SACKed (Linux uses the min_RTT test alone).
 *
 * A third test, beyond the RFC's: the ACK is taken for the copy whose
 * round trip would be nearer the one segments sent once are taking now
 * (rack.clean_rtt, smoothed over the ACKs). min_RTT is the path's floor, taken
 * when every queue was empty; when ACKs queue, in the receiver's SACK
 * compression, in the device, behind a batch of 64 frames being
 * processed, the original's SACK can come a fraction of a millisecond
 * late, after RACK had called it lost and the retransmission had gone,
 * and still long after min_RTT (about 40 us over a TAP). Taken for the
 * retransmission's, RACK's reference moved to the retransmission's send
 * time with a RACK.rtt of that fraction, and every segment sent before it
 * and not yet reported, on its way in the same queues, was marked lost:
 * at 5 % loss over the TAP a cascade in which a third to a half of the
 * retransmissions came back D-SACKed. A retransmission that is delivered
 * takes about a round trip, so its ACK is nearer that than the original's,
 * sent at least a round trip earlier: RACK still finds a lost
 * retransmission from the next one delivered after it. Counted with the
 * other two as RackAmbiguous. */
static bool earlier_copy_nearer(const struct tcb *t, const struct rack_seg *g, ust_time_t now)
{
    ust_time_t c = t->rack.clean_rtt;
    if (!c || g->prev_ts > g->xmit_ts) /* g was resent: prev_ts is set */
        return false;
    ust_time_t rtt_prev = now - g->prev_ts, rtt_last = now - g->xmit_ts;
    ust_time_t off_prev = rtt_prev > c ? rtt_prev - c : c - rtt_prev;
    ust_time_t off_last = rtt_last > c ? rtt_last - c : c - rtt_last;
    return off_prev < off_last;
}

/* Where the third test applies: to a SACK block, and to the cumulative
 * ACK only while D-SACKs say this path delivers late originals (a D-SACK
 * in the last REO_WND_PERSIST recoveries). A retransmission that fills the
 * hole at SND.UNA is ACKed at once (RFC 5681 4.2) while the segments sent
 * once wait for the receiver's ACK coalescing, so its round trip is no
 * measure against theirs: applied to every cumulative ACK, the test called
 * 30-40 % of those ACKs at 0.1-1 % loss the original's, where the
 * originals had been lost (next to nothing was D-SACKed). */
static bool late_copy_possible(const struct tcb *t, const struct rack_seg *g,
                               const struct tcp_hdr *h)
{
    return !seq_le(g->end, h->ack) || t->rack.reo_wnd_persist > 0;
}

static bool ack_ambiguous(const struct tcb *t, const struct rack_seg *g, const struct tcp_hdr *h,
                          ust_time_t now)
{
    if (!(g->flags & RS_RETRANS))
        return false;
    bool earlier = false;
    if (t->opt.ts_ok && h->opts.has_timestamp && seq_le(g->end, h->ack)) {
        uint32_t tsval = (uint32_t)(g->xmit_ts / UST_MSEC) + t->opt.ts_offset;
        earlier = seq_lt(h->opts.ts_ecr, tsval);
    }
    ust_time_t min = rack_min_rtt(t);
    earlier = earlier || (min != UST_TIME_NEVER && now - g->xmit_ts < min) ||
              (late_copy_possible(t, g, h) && earlier_copy_nearer(t, g, now));
    if (earlier)
        stack_stats(t->st)->tcp.RackAmbiguous++;
    return earlier;
}

/* Step 3: a never-retransmitted segment delivered below RACK.fack arrived
 * out of order. */
static void note_reordering(struct tcb *t, const struct rack_seg *g)
{
    struct tcp_rack *r = &t->rack;
    if (!(g->flags & RS_RETRANS) && seq_lt(g->end, r->fack) && !r->reordering_seen) {
        r->reordering_seen = true;
        TCB_TRACE(t, "RACK: reordering seen (%u delivered below %u)", g->end, r->fack);
    }
    if (seq_gt(g->end, r->fack))
        r->fack = g->end;
}

/* A D-SACK (RFC 2883) reports a segment that arrived twice: here, with
 * no duplication on the path, a retransmission that was not needed
 * (Linux TCPDSACKRecv / TCPDSACKRecvSegs). */
static void count_dsack(struct tcb *t, const struct tcp_opts *o)
{
    struct ust_stats *stats = stack_stats(t->st);
    uint32_t len = o->sack[0].right - o->sack[0].left, mss = t->opt.mss ? t->opt.mss : 1;
    stats->tcp.DsackRecv++;
    stats->tcp.DsackRecvSegs += len > mss ? (len + mss - 1) / mss : 1;
}

/* Step 4, first half: each round trip with a D-SACK widens reo_wnd. */
static void dsack_round(struct tcb *t, uint32_t ack, bool dsack)
{
    struct tcp_rack *r = &t->rack;
    if (r->dsack_round_on && seq_ge(ack, r->dsack_round))
        r->dsack_round_on = false;
    if (r->dsack_round_on || !dsack)
        return;
    r->dsack_round_on = true;
    r->dsack_round = t->snd.max;
    if (r->reo_wnd_mult < REO_WND_MULT_MAX)
        r->reo_wnd_mult++;
    r->reo_wnd_persist = REO_WND_PERSIST;
    TCB_TRACE(t, "RACK: D-SACK, reordering window %u x min_rtt/4", r->reo_wnd_mult);
}

/* Drops what `ack` covers from the map and returns DeliveredData (RFC
 * 6937): the change in SND.UNA plus the change in SACKed bytes, so what
 * the cumulative ACK covers counts only if it was not SACKed before. */
static uint32_t delivered_and_acked(struct tcb *t, uint32_t ack, uint32_t newly_sacked)
{
    struct sendmap *m = &t->rack.map;
    uint32_t cum = seq_gt(ack, t->snd.una) ? ack - t->snd.una : 0, old_sacked = 0;
    if (!cum)
        return newly_sacked;
    for (unsigned i = 0; i < m->n && seq_lt(m->s[i].start, ack); i++)
        if (m->s[i].flags & RS_SACKED)
            old_sacked += seq_min(m->s[i].end, ack) - m->s[i].start;
    sendmap_ack(m, ack);
    return (cum > old_sacked ? cum - old_sacked : 0) + newly_sacked;
}

void tcp_rack_ack(struct tcb *t, const struct tcp_hdr *h)
{
    if (!tcp_rack_on(t))
        return;
    struct tcp_rack *r = &t->rack;
    struct sendmap *m = &r->map;
    uint32_t ack = h->ack;
    bool dsack = tcp_sack_is_dsack(&h->opts, ack);
    uint32_t newly_sacked = 0, full = m->full;
    if (dsack)
        dsack_reordering(t, &h->opts);
    bool sacked = mark_sacked(t, &h->opts, ack, dsack, &newly_sacked);
    stack_stats(t->st)->tcp.SendmapFull += m->full - full;
    bool found = false, rexmit = false;
    ust_time_t now = stack_now(t->st), x = 0, clean = 0;
    uint32_t xn = 0, e = 0;
    for (unsigned i = 0; i < m->n; i++) {
        struct rack_seg *g = &m->s[i];
        if (!sacked && !seq_le(g->end, ack))
            break; /* nothing newly SACKed: only the cumulative part counts */
        bool newly = g->flags & RS_NEWLY;
        g->flags &= (uint8_t)~RS_NEWLY;
        if (!newly && (!seq_le(g->end, ack) || (g->flags & RS_SACKED)))
            continue; /* not delivered by this ACK */
        note_reordering(t, g);
        if (!(g->flags & RS_RETRANS) && (!clean || now - g->xmit_ts < clean))
            clean = now - g->xmit_ts; /* the newest sent once */
        tcp_rate_delivered(t, g); /* delivered, whichever copy arrived */
        if (ack_ambiguous(t, g, h, now))
            continue;
        if (!found || sent_after(g->xmit_ts, g->xmit_no, x, xn)) {
            found = true;
            x = g->xmit_ts;
            xn = g->xmit_no;
            e = g->end;
            rexmit = g->flags & RS_RETRANS;
        }
    }
    if (clean) /* smoothed as SRTT (RFC 6298 2.3): one late SACK moves it little */
        r->clean_rtt = r->clean_rtt ? (7 * r->clean_rtt + clean) / 8 : clean;
    if (found) { /* step 2: RACK.rtt, and the newest delivered transmission */
        r->rtt = now - x;
        if (!r->have_seg || sent_after(x, xn, r->xmit_ts, r->xmit_no)) {
            r->xmit_ts = x;
            r->xmit_no = xn;
            r->end_seq = e;
            r->ref_rexmit = rexmit;
        }
        r->have_seg = true;
    }
    r->delivered = delivered_and_acked(t, ack, newly_sacked);
    if (dsack)
        count_dsack(t, &h->opts);
    dsack_round(t, ack, dsack);
}

/* ---- step 4-5: the reordering window and loss detection ---------------- */

static ust_time_t reo_wnd(const struct tcb *t)
{
    const struct tcp_rack *r = &t->rack;
    if (!r->reordering_seen) {
        /* no reordering so far: as quick as DupThresh in recovery or once
         * three segments are SACKed */
        if (t->rec.fast_recovery || t->rec.rto_recovery)
            return 0;
        if (sendmap_count(&r->map, RS_SACKED) >= DUP_THRESH)
            return 0;
    }
    ust_time_t min = rack_min_rtt(t);
    if (min == UST_TIME_NEVER)
        return 0;
    ust_time_t w = r->reo_wnd_mult * min / 4;
    return w < t->rtt.srtt ? w : t->rtt.srtt; /* bounded by SRTT (6.2) */
}

/* Resends a lost segment. The RTO restarts when it is the first one
 * outstanding (as RFC 6675 4.3 and Linux do), so that it times this
 * copy rather than the one already given up. */
static uint32_t retransmit_seg(struct tcb *t, const struct rack_seg *g)
{
    bool first = g->start == t->snd.una;
    tcp_request_rexmit(t, g->start, g->end - g->start);
    tcp_output(t);
    uint32_t sent = t->tx_req.sent;
    if (sent && first)
        tcp_rexmt_restart(t);
    return sent;
}

/* The lowest lost segment goes now, whatever pipe says: at the start of
 * fast recovery (RFC 6675 5 (4.3)) and on an RTO (RFC 6298 5.4). */
static void retransmit_first_lost(struct tcb *t)
{
    struct rack_seg *g = sendmap_first_lost(&t->rack.map);
    if (!g || !retransmit_seg(t, g)) {
        tcp_request_rexmit(t, t->snd.una, UINT32_MAX);
        tcp_output(t);
    }
}

struct lost {
    unsigned n;        /* segments newly marked */
    bool rexmit;       /* one of them was a retransmission */
    uint32_t first;    /* the lowest of them */
};

/* Step 5 RACK_detect_loss: returns how long until the next segment sent
 * before RACK.xmit_ts becomes overdue (0: none waits). */
static ust_time_t detect_loss(struct tcb *t, struct lost *lo)
{
    struct tcp_rack *r = &t->rack;
    struct sendmap *m = &r->map;
    ust_time_t now = stack_now(t->st), wnd = reo_wnd(t), timeout = 0;
    if (!r->have_seg)
        return 0;
    for (unsigned i = 0; i < m->n; i++) {
        struct rack_seg *g = &m->s[i];
        /* New data goes out in sequence order and a retransmission is later
         * still: past RACK.end_seq nothing was sent before RACK's segment,
         * unless that segment was itself a retransmission. */
        if (!r->ref_rexmit && seq_ge(g->start, r->end_seq))
            break;
        if ((g->flags & (RS_SACKED | RS_LOST)) ||
            !sent_after(r->xmit_ts, r->xmit_no, g->xmit_ts, g->xmit_no))
            continue;
        ust_time_t due = g->xmit_ts + r->rtt + wnd;
        if (due > now) {
            if (due - now > timeout)
                timeout = due - now;
            continue;
        }
        sendmap_set_flags(m, g, g->flags | RS_LOST);
        if (lo->n++ == 0)
            lo->first = g->start;
        stack_stats(t->st)->tcp.RackLost++;
        t->ctr.rack_lost++;
        if (g->flags & RS_RETRANS) { /* RFC 8985 6.2: a lost retransmission */
            lo->rexmit = true;
            stack_stats(t->st)->tcp.LostRetransmits++;
            t->ctr.lost_retrans++;
        }
    }
    return timeout;
}

/* Losses found: fast recovery starts, with the one reduction of cwnd of
 * its episode (RFC 6675 5, RFC 6937). Within recovery, lost segments,
 * retransmissions among them, are only resent (tcp_rack_send_lost). */
static void on_losses(struct tcb *t, const struct lost *lo)
{
    char b[TCB_STR_LEN];
    if (!lo->n)
        return;
    t->rec.rexmit_cause = TCP_REXMIT_RACK;
    if (t->rec.fast_recovery || t->rec.rto_recovery) {
        if (lo->rexmit)
            TCB_TRACE(t, "%s RACK: retransmission lost, sending it again",
                      tcb_str(t, b, sizeof(b)));
        return;
    }
    stack_stats(t->st)->tcp.FastRetrans++;
    t->ctr.fast_retrans++;
    TCB_TRACE(t, "%s fast retransmit at %u (RACK: %u lost)", tcb_str(t, b, sizeof(b)), lo->first,
              lo->n);
    t->rec.recover = t->snd.max;
    t->rec.fast_recovery = true;
    tcp_cc_enter_recovery(t); /* not when ECN or a probe already cut this window */
    tcp_tlp_reset(t);
    retransmit_first_lost(t);
}

/* Segments marked lost in a recovery that the ACK of its recovery point
 * ended before they were resent: they are lost still, and only a recovery
 * resends them (tcp_rack_send_lost). With paced retransmissions a loss
 * found late in an episode, in new data sent during it, waits for the
 * pacing gap, and the episode's end in between left it to the RTO. As
 * Linux (tcp_time_to_recover: any lost_out), they start a new recovery:
 * sent after the old recovery point, their loss is a new congestion event
 * (RFC 6675 5, RFC 6582 3.2). */
static void lost_unsent(struct tcb *t, struct lost *lo)
{
    if (lo->n || t->rec.fast_recovery || t->rec.rto_recovery)
        return;
    const struct rack_seg *g = sendmap_first_lost(&t->rack.map);
    if (g) {
        lo->n = 1;
        lo->first = g->start;
    }
}

/* RACK_detect_loss_and_arm_timer (6.2 step 5). */
static unsigned detect_and_arm(struct tcb *t)
{
    struct lost lo = {0};
    ust_time_t timeout = detect_loss(t, &lo);
    lost_unsent(t, &lo);
    on_losses(t, &lo);
    if (timeout)
        timer_arm(t->st, &t->timer.rack, stack_now(t->st) + timeout);
    else
        timer_cancel(t->st, &t->timer.rack);
    return lo.n;
}

/* ---- the ACK, the timers ----------------------------------------------- */

static void recovery_over(struct tcb *t)
{
    /* RFC 8985 6.2 step 4: a widened window lasts REO_WND_PERSIST recoveries */
    struct tcp_rack *r = &t->rack;
    if (r->reo_wnd_persist && --r->reo_wnd_persist == 0)
        r->reo_wnd_mult = 1;
}

void tcp_rack_new_ack(struct tcb *t, uint32_t acked)
{
    bool fast = t->rec.fast_recovery;
    if ((t->rec.fast_recovery || t->rec.rto_recovery) && seq_ge(t->snd.una, t->rec.recover)) {
        t->rec.fast_recovery = false;
        t->rec.rto_recovery = false;
        recovery_over(t);
        if (fast) { /* RFC 6582 3.2 step 3 / RFC 6675: the algorithm's exit */
            t->cc_ops->exit_recovery(&t->cc, tcp_flight(t));
            tcp_prr_end(t); /* RFC 6937: cwnd = ssthresh */
            return;
        }
    } else if (fast) {
        /* RFC 6675 5: during fast recovery pipe, not cwnd, moves */
        stack_stats(t->st)->tcp.PartialAcks++;
        return;
    }
    /* open, or RTO recovery: slow start / congestion avoidance (RFC 5681) */
    t->cc_ops->on_ack(&t->cc, acked);
}

/* Duplicate ACKs that SACK nothing (a path that strips the option, or
 * blocks that make no sense) give RACK nothing to time: the third one
 * marks SND.UNA lost as DupThresh would (RFC 5681 3.2). */
static void dupthresh_fallback(struct tcb *t, bool dupack)
{
    struct sendmap *m = &t->rack.map;
    if (!dupack || t->rec.dupacks < DUP_THRESH || t->rec.fast_recovery || t->rec.rto_recovery ||
        m->n == 0 || sendmap_count(m, RS_SACKED | RS_LOST))
        return;
    sendmap_set_flags(m, &m->s[0], m->s[0].flags | RS_LOST);
    struct lost lo = {.n = 1, .first = m->s[0].start};
    on_losses(t, &lo);
}

void tcp_rack_ack_done(struct tcb *t, const struct tcp_hdr *h, bool advanced, bool dupack)
{
    if (!tcp_rack_on(t))
        return;
    cc_sync(t, stack_now(t->st));
    tcp_tlp_ack(t, h, dupack);
    if (advanced) /* RFC 8985 7.2: a cumulative ACK restarts the PTO */
        t->rack.tlp_rearm = true;
    if (t->snd.una == t->snd.max) {
        timer_cancel(t->st, &t->timer.rack);
        t->rack.delivered = 0;
        return;
    }
    dupthresh_fallback(t, dupack);
    unsigned lost = detect_and_arm(t);
    /* RFC 6937: what this ACK lets out (6937bis: a "safe" ACK advanced
     * SND.UNA and showed no new loss) */
    if (t->rec.fast_recovery)
        tcp_prr_ack(t, t->rack.delivered, advanced && lost == 0);
    t->rack.delivered = 0; /* a timer that starts recovery delivered nothing */
}

void tcp_rack_reo_timeout(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    struct tcb *t = TCB_OF(tm, timer.rack);
    (void)now;
    if (!tcp_rack_on(t) || !tcp_state_synchronized(t->state) || t->snd.una == t->snd.max)
        return;
    stack_stats(st)->tcp.RackReoTimeouts++;
    cc_sync(t, stack_now(st));
    detect_and_arm(t);
    tcp_rate_timer_losses(t);
    tcp_output(t);
    tcb_reap(t);
}

void tcp_rack_rto(struct tcb *t)
{
    struct tcp_rack *r = &t->rack;
    struct sendmap *m = &r->map;
    ust_time_t now = stack_now(t->st), wnd;
    t->rec.fast_recovery = false;
    t->rec.rto_recovery = true;
    t->rec.recover = t->snd.max;
    tcp_tlp_reset(t);
    timer_cancel(t->st, &t->timer.rack);
    /* RFC 8985 6.3: the first segment was sent an RTO ago and is lost;
     * the others only if overdue by RACK.rtt + reo_wnd (sent recently,
     * they may still arrive). SACKed ones stay SACKed (RFC 6675 5.1). */
    wnd = reo_wnd(t);
    for (unsigned i = 0; i < m->n; i++) {
        struct rack_seg *g = &m->s[i];
        if (g->flags & RS_SACKED)
            continue;
        if (g->start == t->snd.una || g->xmit_ts + r->rtt + wnd <= now)
            sendmap_set_flags(m, g, g->flags | RS_LOST);
    }
    tcp_rate_timer_losses(t);
    retransmit_first_lost(t);
}

void tcp_rack_send_lost(struct tcb *t)
{
    if (!tcp_rack_recovery(t))
        return;
    /* RFC 6675 5 (C), NextSeg() rule 1 with RACK's loss marks */
    uint32_t pipe = tcp_rack_pipe(t);
    while (pipe + t->opt.mss <= t->cc.cwnd) {
        struct rack_seg *g = sendmap_first_lost(&t->rack.map);
        if (!g)
            return;
        /* Retransmissions are paced as new data is (Linux's
         * tcp_xmit_retransmit_queue checks tcp_pacing_check): a burst of
         * them, each filling a different hole, arrives as one and
         * crowds the receiver's SACK blocks and the path's queue, and
         * RACK then takes the late-reported ones for lost again. The
         * pacing timer brings output, and this loop, back. */
        if (!tcp_pacing_may_send(t))
            return;
        uint32_t sent = retransmit_seg(t, g);
        if (!sent)
            return;
        pipe += sent;
    }
}
