/* BBR congestion control, version 3 as draft-ietf-ccwg-bbr-01 specifies
 * it (section numbers below are the draft's). BBR builds a model of the
 * path from rate samples (tcp_rate.c): the bottleneck bandwidth (max_bw,
 * a windowed maximum of delivery rates over two ProbeBW cycles) and the
 * round-trip propagation time (min_rtt, a 10 s windowed minimum), and
 * from them sets the pacing rate (pacing_gain x bw) and cwnd (cwnd_gain x
 * BDP, plus ACK aggregation headroom). Loss does not halve the window as
 * in Reno; it bounds the model: inflight_hi (long term: the volume at
 * which more than 2 % of data was lost, raised again while probing) and
 * bw_lo / inflight_lo (short term, cut by beta = 0.7 in a round with
 * loss). So random loss below about 2 % barely touches the sending rate.
 *
 * The state machine (4.3): Startup (pacing_gain 2.77 until three rounds
 * bring less than 25 % more delivery rate, or loss is high) -> Drain
 * (until inflight <= BDP) -> ProbeBW, a cycle of DOWN (0.9), CRUISE (1.0),
 * REFILL (1.0, one round) and UP (1.25, until loss or a plateau), the
 * probe every 2-3 s or after as many rounds as a Reno flow would take ->
 * ProbeRTT (cwnd = BDP / 2 for 200 ms and a round) when min_rtt has not
 * been seen for 5 s.
 *
 * The connection calls cong_control with every ACK's rate sample after
 * loss detection. cwnd is BBR's own (owns_cwnd): recovery entry only
 * starts packet conservation (4.6.4.4), exit restores the saved cwnd.
 *
 * Not implemented from the draft: the idle restart (4.3.4.4, pacing at
 * bw after an application pause), marking the connection app-limited
 * during ProbeRTT, ECN (L4S) signals, and the offload budget beyond three
 * send quanta. Rates are bytes/s, volumes bytes, times ns. */
#include <string.h>

#include "cc.h"
#include "tcp_pacing.h"

#define BBR_INF64 UINT64_MAX
#define BBR_INF32 UINT32_MAX

/* 2.7 / 4.3: the constants of draft-ietf-ccwg-bbr-01 */
#define STARTUP_PACING_GAIN 2.77f   /* 4 ln 2 */
#define STARTUP_CWND_GAIN 2.0f
#define DRAIN_PACING_GAIN 0.35f     /* about 1 / 2.885 */
#define DEFAULT_CWND_GAIN 2.0f
#define UP_CWND_GAIN 2.25f
#define PROBE_RTT_CWND_GAIN 0.5f
#define PACING_MARGIN 0.99          /* pace 1 % below the estimate */
#define LOSS_THRESH_SCALE ((double)CC_BBR_LOSS_AGNOSTIC) /* BBRLossThresh is cfg.tcp_bbr_loss_thresh
                                       per mille (20: the draft's 2 %) */
#define BETA 0.7                    /* BBRBeta */
#define HEADROOM 0.15               /* BBRHeadroom */
#define FULL_BW_GROWTH 1.25         /* Startup: 25 % growth ... */
#define FULL_BW_ROUNDS 3            /* ... within 3 rounds */
#define STARTUP_FULL_LOSS_CNT 6     /* loss events in a round ending Startup */
#define MIN_RTT_FILTER_LEN (10 * UST_SEC)
#define PROBE_RTT_INTERVAL (5 * UST_SEC)
#define PROBE_RTT_DURATION (200 * UST_MSEC)
#define EXTRA_ACKED_ROUNDS 5        /* two slots of 5: a 10-round filter */
#define PROBE_WAIT_BASE (2 * UST_SEC)
#define RENO_ROUNDS_MAX 63

enum bbr_mode {
    BBR_STARTUP, BBR_DRAIN, BBR_DOWN, BBR_CRUISE, BBR_REFILL, BBR_UP, BBR_PROBE_RTT,
};
enum bbr_ack_phase { /* 4.3.3.6 */
    ACKS_INIT, ACKS_REFILLING, ACKS_PROBE_STARTING, ACKS_PROBE_FEEDBACK, ACKS_PROBE_STOPPING,
};

static const char *const mode_names[] = {
    "Startup", "Drain", "ProbeBW_DOWN", "ProbeBW_CRUISE", "ProbeBW_REFILL", "ProbeBW_UP",
    "ProbeRTT",
};

static struct cc_bbr_state *B(struct cc_state *cc) { return &cc->alg.bbr; }

static uint32_t min_pipe_cwnd(const struct cc_state *cc) { return 4 * cc->mss; }

static bool in_probe_bw(const struct cc_bbr_state *b)
{
    return b->mode >= BBR_DOWN && b->mode <= BBR_UP;
}

/* ---- the model: BDP and the volumes derived from it (4.6) --------------- */

/* A volume computed in floating point, as a byte count below "infinity". */
static uint32_t clamp32(double v)
{
    return v >= (double)(BBR_INF32 - 1) ? BBR_INF32 - 1 : v <= 0 ? 0 : (uint32_t)v;
}

static double bdp_multiple(const struct cc_state *cc, uint64_t bw, double gain)
{
    const struct cc_bbr_state *b = &cc->alg.bbr;
    if (b->min_rtt == UST_TIME_NEVER)
        return b->init_cwnd; /* no RTT yet: the initial window */
    return gain * (double)bw * (double)b->min_rtt / (double)UST_SEC;
}

static uint32_t send_quantum(const struct cc_state *cc)
{
    return tcp_pacing_quantum(cc->pacing_rate, cc->mss);
}

/* 4.6.4.2 BBRQuantizationBudget. The draft makes three send quanta a
 * floor under the BDP; Linux's v1 (tcp_bbr.c, bbr_quantization_budget)
 * adds them to it, for the quanta that sit in the sender's queue, its
 * offload engine and the receiver's GRO or delayed ACK, which hold data
 * the path's BDP does not count. On a sub-millisecond path the BDP is a
 * few dozen segments and the difference is most of cwnd: "bbr1", the
 * like-for-like of Linux's bbr, adds them as v1 does. */
static uint32_t quantization_budget(const struct cc_state *cc, double inflight)
{
    double q = 3.0 * send_quantum(cc); /* the offload budget */
    if (cc->alg.bbr.v1_budget)
        inflight += q;
    else if (inflight < q)
        inflight = q;
    if (inflight < min_pipe_cwnd(cc))
        inflight = min_pipe_cwnd(cc);
    if (cc->alg.bbr.mode == BBR_UP)
        inflight += 2.0 * cc->mss;
    return clamp32(inflight);
}

static uint32_t bbr_inflight(const struct cc_state *cc, uint64_t bw, double gain)
{
    return quantization_budget(cc, bdp_multiple(cc, bw, gain));
}

/* 4.6.4.2 BBRTargetInflight: min(BDP, cwnd) */
static uint32_t target_inflight(const struct cc_state *cc)
{
    double bdp = bdp_multiple(cc, cc->alg.bbr.bw, 1.0);
    return bdp < cc->cwnd ? clamp32(bdp) : cc->cwnd;
}

/* 4.5.10.3 BBRInflightWithHeadroom */
static uint32_t inflight_with_headroom(const struct cc_state *cc)
{
    const struct cc_bbr_state *b = &cc->alg.bbr;
    if (b->inflight_hi == BBR_INF32)
        return BBR_INF32;
    uint32_t headroom = (uint32_t)(HEADROOM * b->inflight_hi);
    if (headroom < cc->mss)
        headroom = cc->mss;
    uint32_t v = b->inflight_hi > headroom ? b->inflight_hi - headroom : 0;
    return v > min_pipe_cwnd(cc) ? v : min_pipe_cwnd(cc);
}

/* ---- rounds and the bandwidth filter (4.5.1, 4.5.2) --------------------- */

static void start_round(struct cc_bbr_state *b) { b->next_round_delivered = b->delivered; }

static void update_round(struct cc_bbr_state *b, const struct rate_sample *rs)
{
    b->round_start = false;
    if (rs->has_data && rs->prior_delivered >= b->next_round_delivered) {
        start_round(b);
        b->round_count++;
        b->rounds_since_bw_probe++;
        b->round_start = true;
    }
}

static void advance_max_bw_filter(struct cc_bbr_state *b)
{
    b->max_bw_slot[1] = b->max_bw_slot[0];
    b->max_bw_slot[0] = 0;
    b->max_bw = b->max_bw_slot[1];
}

static void update_max_bw(struct cc_bbr_state *b, const struct rate_sample *rs)
{
    update_round(b, rs);
    if (!rs->delivery_rate || (rs->delivery_rate < b->max_bw && rs->is_app_limited))
        return; /* an app-limited sample only counts when it raises the max */
    if (rs->delivery_rate > b->max_bw_slot[0])
        b->max_bw_slot[0] = rs->delivery_rate;
    b->max_bw = b->max_bw_slot[0] > b->max_bw_slot[1] ? b->max_bw_slot[0] : b->max_bw_slot[1];
}

/* ---- short-term model: bw_lo / inflight_lo (4.5.10) --------------------- */

static void reset_short_term_model(struct cc_bbr_state *b)
{
    b->bw_lo = BBR_INF64;
    b->inflight_lo = BBR_INF32;
}

static void reset_congestion_signals(struct cc_bbr_state *b)
{
    b->loss_in_round = false;
    b->bw_latest = 0;
    b->inflight_latest = 0;
}

static void update_latest_delivery_signals(struct cc_bbr_state *b, const struct rate_sample *rs)
{
    b->loss_round_start = false;
    if (rs->delivery_rate > b->bw_latest)
        b->bw_latest = rs->delivery_rate;
    if (rs->delivered > b->inflight_latest)
        b->inflight_latest = rs->delivered;
    if (rs->has_data && rs->prior_delivered >= b->loss_round_delivered) {
        b->loss_round_delivered = b->delivered;
        b->loss_round_start = true;
    }
}

static void advance_latest_delivery_signals(struct cc_bbr_state *b, const struct rate_sample *rs)
{
    if (b->loss_round_start) {
        b->bw_latest = rs->delivery_rate;
        b->inflight_latest = rs->delivered;
    }
}

/* 4.5.10.2: a round with loss, outside the probing states, lowers the
 * short-term bounds to beta of themselves, never below what the round
 * itself delivered. A loss threshold of 100 % (loss-agnostic, as Linux
 * 6.1's BBRv1) leaves them unbounded too: otherwise random loss in every
 * round pins bw_lo at the last round's delivery rate between probes. */
static void adapt_lower_bounds(struct cc_state *cc)
{
    struct cc_bbr_state *b = B(cc);
    if (b->mode == BBR_STARTUP || b->mode == BBR_REFILL || b->mode == BBR_UP)
        return;
    if (cc->bbr_loss_thresh >= (unsigned)LOSS_THRESH_SCALE)
        return;
    if (!b->loss_in_round)
        return;
    if (b->bw_lo == BBR_INF64)
        b->bw_lo = b->max_bw;
    if (b->inflight_lo == BBR_INF32)
        b->inflight_lo = cc->cwnd;
    double bw = BETA * (double)b->bw_lo, in = BETA * (double)b->inflight_lo;
    b->bw_lo = b->bw_latest > bw ? b->bw_latest : (uint64_t)bw;
    b->inflight_lo = b->inflight_latest > in ? b->inflight_latest : clamp32(in);
}

static void update_congestion_signals(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    update_max_bw(b, rs);
    if (rs->newly_lost) {
        b->loss_in_round = true;
        b->loss_events_in_round++;
    }
    if (!b->loss_round_start)
        return;
    adapt_lower_bounds(cc);
    b->loss_in_round = false;
}

/* ---- ACK aggregation (4.5.5) ------------------------------------------- */

static void update_ack_aggregation(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    if (b->round_start && ++b->extra_acked_rounds >= EXTRA_ACKED_ROUNDS) {
        b->extra_acked_rounds = 0;
        b->extra_acked_idx ^= 1;
        b->extra_acked_slot[b->extra_acked_idx] = 0;
    }
    double expected = (double)b->bw * (double)(cc->now - b->extra_acked_start) / UST_SEC;
    if ((double)b->extra_acked_delivered <= expected) {
        b->extra_acked_delivered = 0;
        b->extra_acked_start = cc->now;
        expected = 0;
    }
    b->extra_acked_delivered += rs->newly_acked;
    double extra = (double)b->extra_acked_delivered - expected;
    if (extra > cc->cwnd)
        extra = cc->cwnd;
    if (!b->filled_pipe) /* a one-round filter in Startup */
        b->extra_acked_slot[b->extra_acked_idx ^ 1] = 0;
    if (extra > b->extra_acked_slot[b->extra_acked_idx])
        b->extra_acked_slot[b->extra_acked_idx] = (uint32_t)extra;
}

static uint32_t extra_acked(const struct cc_bbr_state *b)
{
    return b->extra_acked_slot[0] > b->extra_acked_slot[1] ? b->extra_acked_slot[0]
                                                           : b->extra_acked_slot[1];
}

/* ---- Startup and Drain (4.3.1, 4.3.2) ---------------------------------- */

static void set_mode(struct cc_bbr_state *b, enum bbr_mode m, float pacing, float cwnd)
{
    b->mode = (uint8_t)m;
    b->pacing_gain = pacing;
    b->cwnd_gain = cwnd;
}

static void reset_full_bw(struct cc_bbr_state *b)
{
    b->full_bw = 0;
    b->full_bw_count = 0;
    b->full_bw_now = false;
}

/* 4.3.1.2 BBRCheckFullBWReached: three rounds without 25 % growth */
static void check_full_bw_reached(struct cc_bbr_state *b, const struct rate_sample *rs)
{
    if (b->full_bw_now || rs->is_app_limited || !rs->delivery_rate)
        return;
    if ((double)rs->delivery_rate >= (double)b->full_bw * FULL_BW_GROWTH) {
        reset_full_bw(b);
        b->full_bw = rs->delivery_rate;
        return;
    }
    if (!b->round_start)
        return;
    if (++b->full_bw_count >= FULL_BW_ROUNDS) {
        b->full_bw_now = true;
        b->filled_pipe = true;
    }
}

/* 4.3.3.5.3 IsInflightTooHigh. A threshold of 100 % or more never fires:
 * loss then leaves the long-term model alone (BBRv1's behaviour). */
static bool inflight_too_high(const struct cc_state *cc, const struct rate_sample *rs)
{
    if (cc->bbr_loss_thresh >= (unsigned)LOSS_THRESH_SCALE)
        return false;
    double thresh = cc->bbr_loss_thresh / LOSS_THRESH_SCALE;
    return rs->lost > (double)rs->tx_in_flight * thresh;
}

/* 4.3.1.3 BBRCheckStartupHighLoss: a round of recovery with many losses
 * and more than 2 % lost ends Startup, inflight_hi set at the BDP. */
static void check_startup_high_loss(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    if (b->filled_pipe || !b->loss_round_start)
        return;
    if (b->in_recovery && b->loss_events_in_round >= STARTUP_FULL_LOSS_CNT &&
        inflight_too_high(cc, rs)) {
        double bdp = bdp_multiple(cc, b->max_bw, 1.0);
        b->inflight_hi = bdp > b->inflight_latest ? clamp32(bdp) : b->inflight_latest;
        b->filled_pipe = true;
    }
    b->loss_events_in_round = 0;
}

static void start_probe_bw_down(struct cc_state *cc, const struct rate_sample *rs);

static void check_startup_done(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    check_startup_high_loss(cc, rs);
    if (b->mode == BBR_STARTUP && b->filled_pipe)
        set_mode(b, BBR_DRAIN, DRAIN_PACING_GAIN, STARTUP_CWND_GAIN);
}

static void check_drain_done(struct cc_state *cc, const struct rate_sample *rs)
{
    if (cc->alg.bbr.mode == BBR_DRAIN && rs->inflight <= bbr_inflight(cc, cc->alg.bbr.bw, 1.0))
        start_probe_bw_down(cc, rs); /* 4.3.2: the queue is drained */
}

/* ---- ProbeBW (4.3.3) --------------------------------------------------- */

/* 4.3.3.5.3 BBRPickProbeWait: 2-3 s, and 0 or 1 rounds already counted */
static void pick_probe_wait(struct cc_bbr_state *b, const struct rate_sample *rs)
{
    b->rounds_since_bw_probe = rs->rand & 1;
    b->bw_probe_wait = PROBE_WAIT_BASE + (ust_time_t)((rs->rand >> 1) % 1000) * UST_MSEC;
}

static void start_probe_bw_down(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    reset_congestion_signals(b);
    b->probe_up_cnt = BBR_INF32;
    pick_probe_wait(b, rs);
    b->cycle_stamp = cc->now;
    b->ack_phase = ACKS_PROBE_STOPPING;
    start_round(b);
    set_mode(b, BBR_DOWN, 0.9f, DEFAULT_CWND_GAIN);
}

static void start_probe_bw_cruise(struct cc_bbr_state *b)
{
    set_mode(b, BBR_CRUISE, 1.0f, DEFAULT_CWND_GAIN);
}

static void start_probe_bw_refill(struct cc_bbr_state *b)
{
    reset_short_term_model(b);
    b->bw_probe_up_rounds = 0;
    b->bw_probe_up_acks = 0;
    b->ack_phase = ACKS_REFILLING;
    start_round(b);
    set_mode(b, BBR_REFILL, 1.0f, DEFAULT_CWND_GAIN);
}

/* 4.3.3.5.2: inflight_hi grows by 1, 2, 4, ... segments per round */
static void raise_inflight_hi_slope(struct cc_state *cc)
{
    struct cc_bbr_state *b = B(cc);
    uint64_t growth = (uint64_t)cc->mss << b->bw_probe_up_rounds; /* at most 2^30 mss */
    if (b->bw_probe_up_rounds < 30)
        b->bw_probe_up_rounds++;
    uint64_t cnt = cc->cwnd / growth;
    b->probe_up_cnt = cnt ? (uint32_t)cnt : 1;
}

static void start_probe_bw_up(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    b->ack_phase = ACKS_PROBE_STARTING;
    start_round(b);
    reset_full_bw(b);
    b->full_bw = rs->delivery_rate;
    b->cycle_stamp = cc->now;
    set_mode(b, BBR_UP, 1.25f, UP_CWND_GAIN);
    raise_inflight_hi_slope(cc);
}

/* 4.3.3.5.2 BBRProbeInflightHiUpward: while cwnd-limited at inflight_hi */
static void probe_inflight_hi_upward(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    if (!rs->is_cwnd_limited || cc->cwnd < b->inflight_hi)
        return;
    b->bw_probe_up_acks += rs->newly_acked;
    uint64_t per = (uint64_t)b->probe_up_cnt * cc->mss;
    if (b->bw_probe_up_acks >= per) {
        uint32_t delta = (uint32_t)(b->bw_probe_up_acks / per);
        b->bw_probe_up_acks -= (uint32_t)(delta * per);
        b->inflight_hi += delta * cc->mss;
    }
    if (b->round_start)
        raise_inflight_hi_slope(cc);
}

/* 4.3.3.5.4 BBRHandleInflightTooHigh */
static void handle_inflight_too_high(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    b->bw_probe_samples = false;
    if (!rs->is_app_limited) {
        double floor = BETA * target_inflight(cc);
        b->inflight_hi = rs->tx_in_flight > floor ? rs->tx_in_flight : clamp32(floor);
    }
    if (b->mode == BBR_UP)
        start_probe_bw_down(cc, rs);
}

/* 4.3.3.5.4 BBRAdaptUpperBounds */
static void adapt_upper_bounds(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    if (b->ack_phase == ACKS_PROBE_STARTING && b->round_start)
        b->ack_phase = ACKS_PROBE_FEEDBACK; /* samples of the probe begin */
    if (b->ack_phase == ACKS_PROBE_STOPPING && b->round_start) {
        /* the probe's samples are complete: the filter moves on once per
         * cycle, so that max_bw spans two cycles (4.5.2). The draft's
         * pseudocode leaves ack_phase here, which moved it every round of
         * DOWN and CRUISE (max_bw: the best of two rounds); Linux's
         * bbr_adapt_upper_bounds ends the phase. */
        b->bw_probe_samples = false;
        b->ack_phase = ACKS_INIT;
        if (in_probe_bw(b) && !rs->is_app_limited)
            advance_max_bw_filter(b);
    }
    if (inflight_too_high(cc, rs)) {
        if (b->bw_probe_samples)
            handle_inflight_too_high(cc, rs);
        return;
    }
    if (b->inflight_hi == BBR_INF32)
        return;
    if (rs->tx_in_flight > b->inflight_hi)
        b->inflight_hi = rs->tx_in_flight;
    if (b->mode == BBR_UP)
        probe_inflight_hi_upward(cc, rs);
}

static bool has_elapsed_in_phase(const struct cc_state *cc, ust_time_t interval)
{
    return cc->now > cc->alg.bbr.cycle_stamp + interval;
}

/* 4.3.3.5.5: a Reno flow sharing the path would probe after cwnd/mss rounds */
static bool reno_coexistence_probe_time(const struct cc_state *cc)
{
    uint32_t rounds = target_inflight(cc) / cc->mss;
    if (rounds > RENO_ROUNDS_MAX)
        rounds = RENO_ROUNDS_MAX;
    return cc->alg.bbr.rounds_since_bw_probe >= rounds;
}

static bool check_time_to_probe_bw(struct cc_state *cc)
{
    if (!has_elapsed_in_phase(cc, cc->alg.bbr.bw_probe_wait) && !reno_coexistence_probe_time(cc))
        return false;
    start_probe_bw_refill(B(cc));
    return true;
}

static bool check_time_to_cruise(const struct cc_state *cc, const struct rate_sample *rs)
{
    if (rs->inflight > inflight_with_headroom(cc))
        return false; /* not enough headroom yet */
    return rs->inflight <= bbr_inflight(cc, cc->alg.bbr.max_bw, 1.0);
}

/* 4.3.3.5.1: UP ends at a plateau of the delivery rate (full_bw_now), or,
 * cwnd-limited at inflight_hi, the plateau search restarts */
static bool check_time_to_go_down(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    if (rs->is_cwnd_limited && cc->cwnd >= b->inflight_hi) {
        reset_full_bw(b);
        b->full_bw = rs->delivery_rate;
        return false;
    }
    return b->full_bw_now;
}

static void update_probe_bw_cycle_phase(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    if (!b->filled_pipe)
        return;
    adapt_upper_bounds(cc, rs);
    switch (b->mode) {
    case BBR_DOWN:
        if (check_time_to_probe_bw(cc))
            return;
        if (check_time_to_cruise(cc, rs))
            start_probe_bw_cruise(b);
        return;
    case BBR_CRUISE:
        check_time_to_probe_bw(cc);
        return;
    case BBR_REFILL:
        if (b->round_start) { /* one round of refilling the pipe */
            b->bw_probe_samples = true;
            start_probe_bw_up(cc, rs);
        }
        return;
    case BBR_UP:
        if (check_time_to_go_down(cc, rs))
            start_probe_bw_down(cc, rs);
        return;
    default:
        return;
    }
}

/* ---- min_rtt and ProbeRTT (4.3.4, 4.5.3) -------------------------------- */

static void update_min_rtt(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    b->probe_rtt_expired = cc->now > b->probe_rtt_min_stamp + PROBE_RTT_INTERVAL;
    if (rs->rtt && (rs->rtt < b->probe_rtt_min_delay || b->probe_rtt_expired)) {
        b->probe_rtt_min_delay = rs->rtt;
        b->probe_rtt_min_stamp = cc->now;
    }
    bool min_rtt_expired = cc->now > b->min_rtt_stamp + MIN_RTT_FILTER_LEN;
    if (b->probe_rtt_min_delay < b->min_rtt || min_rtt_expired) {
        b->min_rtt = b->probe_rtt_min_delay;
        b->min_rtt_stamp = b->probe_rtt_min_stamp;
    }
}

static uint32_t save_cwnd(const struct cc_state *cc)
{
    const struct cc_bbr_state *b = &cc->alg.bbr;
    if (!b->in_recovery && b->mode != BBR_PROBE_RTT)
        return cc->cwnd;
    return b->prior_cwnd > cc->cwnd ? b->prior_cwnd : cc->cwnd;
}

static void restore_cwnd(struct cc_state *cc)
{
    if (cc->alg.bbr.prior_cwnd > cc->cwnd)
        cc->cwnd = cc->alg.bbr.prior_cwnd;
}

static uint32_t probe_rtt_cwnd(const struct cc_state *cc)
{
    double v = bdp_multiple(cc, cc->alg.bbr.bw, PROBE_RTT_CWND_GAIN);
    return v > min_pipe_cwnd(cc) ? clamp32(v) : min_pipe_cwnd(cc);
}

static void enter_startup(struct cc_bbr_state *b)
{
    set_mode(b, BBR_STARTUP, STARTUP_PACING_GAIN, STARTUP_CWND_GAIN);
}

static void exit_probe_rtt(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    reset_short_term_model(b);
    if (b->filled_pipe) {
        start_probe_bw_down(cc, rs);
        start_probe_bw_cruise(b);
    } else {
        enter_startup(b);
    }
}

/* 4.3.4.3: at BDP / 2 for at least 200 ms and one round */
static void handle_probe_rtt(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    if (!b->probe_rtt_done_stamp && rs->inflight <= probe_rtt_cwnd(cc)) {
        b->probe_rtt_done_stamp = cc->now + PROBE_RTT_DURATION;
        b->probe_rtt_round_done = false;
        start_round(b);
        return;
    }
    if (!b->probe_rtt_done_stamp)
        return;
    if (b->round_start)
        b->probe_rtt_round_done = true;
    if (b->probe_rtt_round_done && cc->now > b->probe_rtt_done_stamp) {
        b->probe_rtt_min_stamp = cc->now; /* the next ProbeRTT in 5 s */
        restore_cwnd(cc);
        exit_probe_rtt(cc, rs);
    }
}

static void check_probe_rtt(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    if (b->mode != BBR_PROBE_RTT && b->probe_rtt_expired) {
        b->prior_cwnd = save_cwnd(cc);
        set_mode(b, BBR_PROBE_RTT, 1.0f, PROBE_RTT_CWND_GAIN);
        b->probe_rtt_done_stamp = 0;
        b->ack_phase = ACKS_PROBE_STOPPING;
        start_round(b);
    }
    if (b->mode == BBR_PROBE_RTT)
        handle_probe_rtt(cc, rs);
}

/* ---- the control parameters (4.6) -------------------------------------- */

static void bound_bw_for_model(struct cc_bbr_state *b)
{
    b->bw = b->bw_lo < b->max_bw ? b->bw_lo : b->max_bw;
}

/* 4.6.2 BBRSetPacingRate: gain x bw, 1 % under; never lowered before the
 * pipe was first filled */
static void set_pacing_rate(struct cc_state *cc)
{
    struct cc_bbr_state *b = B(cc);
    double rate = (double)b->pacing_gain * (double)b->bw * PACING_MARGIN;
    if (b->bw && (b->filled_pipe || rate > (double)cc->pacing_rate))
        cc->pacing_rate = (uint64_t)rate;
}

/* 4.6.4.6 BBRBoundCwndForModel */
static void bound_cwnd_for_model(struct cc_state *cc)
{
    const struct cc_bbr_state *b = &cc->alg.bbr;
    uint32_t cap = BBR_INF32;
    if (in_probe_bw(b) && b->mode != BBR_CRUISE)
        cap = b->inflight_hi;
    else if (b->mode == BBR_PROBE_RTT || b->mode == BBR_CRUISE)
        cap = inflight_with_headroom(cc);
    if (b->inflight_lo < cap)
        cap = b->inflight_lo;
    if (cap < min_pipe_cwnd(cc))
        cap = min_pipe_cwnd(cc);
    if (cc->cwnd > cap)
        cc->cwnd = cap;
}

/* 4.6.4.4 BBRModulateCwndForRecovery: losses leave cwnd; during the first
 * round of recovery, packet conservation (what is delivered may go, and at
 * least one segment per ACK, as at its entry and as RFC 6937's PRR-SSRB
 * allows DeliveredData + MSS). Without that one segment an ACK that
 * delivers nothing (a D-SACK, a duplicate) but finds losses leaves cwnd at
 * pipe: with the lost segments still to resend and only retransmissions
 * out, nothing goes after them, so RACK cannot see them lost (RFC 8985
 * 6.2 needs a later transmission delivered) and the round never ends:
 * only the RTO gets out of it. */
static uint32_t conservation_cwnd(const struct cc_state *cc, const struct rate_sample *rs)
{
    uint32_t acked = rs->newly_acked > cc->mss ? rs->newly_acked : cc->mss;
    return rs->inflight + acked;
}

static void modulate_cwnd_for_recovery(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    if (b->recovery_start) { /* BBROnEnterFastRecovery */
        cc->cwnd = conservation_cwnd(cc, rs);
        b->recovery_start = false;
        b->packet_conservation = true;
        b->conservation_end = b->delivered;
        return;
    }
    if (rs->newly_lost)
        cc->cwnd = cc->cwnd > rs->newly_lost + cc->mss ? cc->cwnd - rs->newly_lost : cc->mss;
    if (b->packet_conservation && rs->has_data && rs->prior_delivered >= b->conservation_end)
        b->packet_conservation = false; /* one round trip of recovery is over */
    if (b->packet_conservation && cc->cwnd < conservation_cwnd(cc, rs))
        cc->cwnd = conservation_cwnd(cc, rs);
}

/* 4.6.4.6 BBRSetCwnd */
static void set_cwnd(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    uint64_t max_inflight = (uint64_t)bbr_inflight(cc, b->bw, b->cwnd_gain) + extra_acked(b);
    modulate_cwnd_for_recovery(cc, rs);
    if (!b->packet_conservation) {
        uint64_t grown = (uint64_t)cc->cwnd + rs->newly_acked;
        if (b->filled_pipe)
            grown = grown < max_inflight ? grown : max_inflight;
        else if (cc->cwnd >= max_inflight && rs->delivered_total >= b->init_cwnd)
            grown = cc->cwnd;
        cc->cwnd = grown > BBR_INF32 - 1 ? BBR_INF32 - 1 : (uint32_t)grown;
        if (cc->cwnd < min_pipe_cwnd(cc))
            cc->cwnd = min_pipe_cwnd(cc);
    }
    if (b->mode == BBR_PROBE_RTT && cc->cwnd > probe_rtt_cwnd(cc))
        cc->cwnd = probe_rtt_cwnd(cc);
    bound_cwnd_for_model(cc);
}

/* ---- the ops ----------------------------------------------------------- */

static void bbr_init(struct cc_state *cc, uint32_t mss, uint32_t iw_segs)
{
    struct cc_bbr_state *b = B(cc);
    memset(b, 0, sizeof(*b));
    cc->mss = mss;
    cc->cwnd = (iw_segs ? iw_segs : 1) * mss;
    cc->ssthresh = BBR_INF32; /* BBR has none; TCP_INFO shows "infinite" */
    cc->bytes_acked = 0;
    b->init_cwnd = cc->cwnd;
    b->min_rtt = cc->srtt ? cc->srtt : UST_TIME_NEVER;
    b->min_rtt_stamp = b->probe_rtt_min_stamp = cc->now;
    b->probe_rtt_min_delay = b->min_rtt;
    b->extra_acked_start = cc->now;
    b->inflight_hi = BBR_INF32;
    reset_short_term_model(b);
    /* 4.6.2 BBRInitPacingRate: the initial window over SRTT (or 1 ms) */
    ust_time_t rtt = cc->srtt ? cc->srtt : UST_MSEC;
    double nominal = (double)cc->cwnd * UST_SEC / (double)rtt;
    cc->pacing_rate = (uint64_t)(STARTUP_PACING_GAIN * nominal);
    enter_startup(b);
}

/* 4.2 BBRUpdateOnACK: the model and state, then the control parameters */
static void bbr_cong_control(struct cc_state *cc, const struct rate_sample *rs)
{
    struct cc_bbr_state *b = B(cc);
    b->delivered = rs->delivered_total;
    update_latest_delivery_signals(b, rs);
    update_congestion_signals(cc, rs);
    update_ack_aggregation(cc, rs);
    check_full_bw_reached(b, rs);
    check_startup_done(cc, rs);
    check_drain_done(cc, rs);
    update_probe_bw_cycle_phase(cc, rs);
    update_min_rtt(cc, rs);
    check_probe_rtt(cc, rs);
    advance_latest_delivery_signals(b, rs);
    bound_bw_for_model(b);
    set_pacing_rate(cc);
    set_cwnd(cc, rs);
}

static void bbr_on_ack(struct cc_state *cc, uint32_t acked)
{
    (void)cc; /* cwnd moves in cong_control, with the rate sample */
    (void)acked;
}

/* 4.6.4.4 BBROnEnterFastRecovery: cwnd is set to what is in flight plus
 * what the ACK delivered in cong_control, which follows on this ACK */
static void bbr_enter_recovery(struct cc_state *cc, uint32_t flight)
{
    struct cc_bbr_state *b = B(cc);
    (void)flight;
    b->prior_cwnd = save_cwnd(cc);
    b->in_recovery = true;
    b->recovery_start = true;
}

static void bbr_nothing(struct cc_state *cc) { (void)cc; }

static void bbr_partial_ack(struct cc_state *cc, uint32_t acked)
{
    (void)cc;
    (void)acked;
}

/* 4.6.4.4: leaving recovery restores the cwnd of before it */
static void bbr_exit_recovery(struct cc_state *cc, uint32_t flight)
{
    struct cc_bbr_state *b = B(cc);
    (void)flight;
    b->in_recovery = false;
    b->packet_conservation = false;
    b->recovery_start = false;
    restore_cwnd(cc);
}

/* 4.6.4.4 on a retransmission timeout: one segment, growing back with
 * the deliveries (the losses are in the model already) */
static void bbr_on_rto(struct cc_state *cc, uint32_t flight)
{
    struct cc_bbr_state *b = B(cc);
    (void)flight;
    b->prior_cwnd = save_cwnd(cc);
    b->in_recovery = false;
    b->packet_conservation = false;
    b->recovery_start = false;
    cc->cwnd = cc->mss;
}

static const char *bbr_state_name(const struct cc_state *cc)
{
    return mode_names[cc->alg.bbr.mode];
}

const struct cc_ops cc_bbr = {
    .name = "bbr",
    .init = bbr_init,
    .on_ack = bbr_on_ack,
    .enter_recovery = bbr_enter_recovery,
    .on_dupack = bbr_nothing,
    .on_partial_ack = bbr_partial_ack,
    .exit_recovery = bbr_exit_recovery,
    .on_rto = bbr_on_rto,
    .owns_cwnd = true,
    .cong_control = bbr_cong_control,
    .state_name = bbr_state_name,
};

static void bbr1_init(struct cc_state *cc, uint32_t mss, uint32_t iw_segs)
{
    bbr_init(cc, mss, iw_segs);
    B(cc)->v1_budget = true;
}

/* "bbr1": the same machine with BBRLossThresh at 100 % (bbr_loss_thresh
 * set by cc_sync from loss_agnostic): neither inflight_hi nor bw_lo /
 * inflight_lo react to loss, so random loss leaves the rate alone as in
 * BBRv1 (Linux 6.1's bbr), the controller ustack's "bbr" is compared
 * with like for like. The state machine stays the draft's; the offload
 * budget is added to the BDP as v1 adds it (quantization_budget). */
const struct cc_ops cc_bbr1 = {
    .name = "bbr1",
    .init = bbr1_init,
    .on_ack = bbr_on_ack,
    .enter_recovery = bbr_enter_recovery,
    .on_dupack = bbr_nothing,
    .on_partial_ack = bbr_partial_ack,
    .exit_recovery = bbr_exit_recovery,
    .on_rto = bbr_on_rto,
    .owns_cwnd = true,
    .loss_agnostic = true,
    .cong_control = bbr_cong_control,
    .state_name = bbr_state_name,
};
