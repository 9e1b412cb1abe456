/* CUBIC (RFC 9438): after a congestion event the window grows along a
 * cubic curve of the time since the congestion-avoidance stage began,
 * W_cubic(t) = C (t - K)^3 + W_max, concave up to the window where the
 * loss happened, then convex; never slower than Reno would be (the
 * Reno-friendly estimate W_est). Slow start (byte counting, HyStart++) is
 * shared with NewReno in cc.c; the fast recovery mechanics are NewReno's
 * (RFC 9438 4.2: CUBIC does not change them); CUBIC changes the
 * multiplicative decrease (beta 0.7) and congestion avoidance.
 * Windows are in segments and times in seconds, as the RFC writes them;
 * cwnd itself stays in bytes. */
#include <math.h>

#include "cc.h"

#define CUBIC_C 0.4    /* 5.1: C SHOULD be 0.4 (segments / s^3) */
#define CUBIC_BETA 0.7 /* 4.6: beta_cubic SHOULD be 0.7 */
/* 4.3: AIMD(alpha, beta) has Reno's (AIMD(1, 0.5)) average window */
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

static double seconds(ust_time_t t) { return (double)t / (double)UST_SEC; }

static double segs(const struct cc_state *cc, uint32_t bytes) { return (double)bytes / cc->mss; }

static void cubic_init(struct cc_state *cc, uint32_t mss, uint32_t iw_segs)
{
    cc->mss = mss;
    cc->cwnd = (iw_segs ? iw_segs : 1) * mss;
    cc->ssthresh = CC_SSTHRESH_INITIAL;
    cc->bytes_acked = 0;
    cc->alg.cubic = (struct cc_cubic_state){0};
    cc_slow_start_init(cc);
}

/* 4.2 equation (1) */
static double w_cubic(const struct cc_cubic_state *cs, double t)
{
    double d = t - cs->k;
    return CUBIC_C * d * d * d + cs->w_max;
}

/* cwnd = w segments; fractions of a byte are carried to the next ACK so
 * that small per-ACK increments near W_max are not lost to rounding. */
static void set_cwnd(struct cc_state *cc, double w)
{
    double bytes = w * cc->mss + cc->alg.cubic.carry;
    if (bytes > (double)CC_SSTHRESH_INITIAL)
        bytes = (double)CC_SSTHRESH_INITIAL;
    double whole = floor(bytes);
    cc->alg.cubic.carry = bytes - whole;
    cc->cwnd = (uint32_t)whole;
}

/* 4.2: a congestion-avoidance stage begins with this ACK. */
static void epoch_start(struct cc_state *cc, double now)
{
    struct cc_cubic_state *cs = &cc->alg.cubic;
    double w = segs(cc, cc->cwnd);
    cs->in_epoch = true;
    cs->epoch = now;
    cs->last_ack = now;
    cs->cwnd_epoch = w;
    cs->w_est = w; /* 4.3: W_est starts at cwnd_epoch */
    cs->app_limited = false;
    cs->carry = 0;
    if (cs->cwnd_prior <= 0) /* 4.10: the first slow start ended without a loss */
        cs->cwnd_prior = w;
    if (cs->w_max <= w) {
        /* 4.8 after a timeout, 4.10 after HyStart++ (no W_max yet), or a
         * window already past W_max: K = 0, W_max = cwnd_epoch */
        cs->w_max = w;
        cs->k = 0;
    } else {
        cs->k = cbrt((cs->w_max - w) / CUBIC_C); /* 4.2 equation (2) */
    }
}

/* 4.2 / 5.8: t "MUST NOT include periods during which cwnd has not been
 * updated due to application-limited behavior": the time since an ACK
 * that found cwnd unused moves t_epoch on, and so does a silence longer
 * than an RTT (a cwnd-limited flow is ACKed at least once per RTT; a
 * longer gap is an idle sender), all of it but that one RTT. */
static void skip_unused_time(struct cc_state *cc, double now)
{
    struct cc_cubic_state *cs = &cc->alg.cubic;
    double gap = now - cs->last_ack;
    double rtt = seconds(cc->srtt);
    if (cs->app_limited)
        cs->epoch += gap;
    else if (rtt > 0 && gap > rtt)
        cs->epoch += gap - rtt;
    cs->last_ack = now;
}

/* 4.2-4.5: growth for `acked` bytes at time t of the stage. */
static void cubic_grow(struct cc_state *cc, uint32_t acked, double t)
{
    struct cc_cubic_state *cs = &cc->alg.cubic;
    double cwnd = segs(cc, cc->cwnd);
    double acked_segs = segs(cc, acked);
    /* 4.2: the window one RTT ahead, bounded by cwnd and 1.5 cwnd */
    double target = w_cubic(cs, t + seconds(cc->srtt));
    if (target < cwnd)
        target = cwnd;
    if (target > 1.5 * cwnd)
        target = 1.5 * cwnd;
    /* 4.3 equation (4): Reno's window, alpha_cubic per RTT until it
     * reaches cwnd_prior, then Reno's own 1 */
    double alpha = cs->w_est >= cs->cwnd_prior ? 1.0 : CUBIC_ALPHA;
    cs->w_est += alpha * acked_segs / cwnd;
    double next;
    if (w_cubic(cs, t) < cs->w_est) /* 4.3: the Reno-friendly region */
        next = cs->w_est > cwnd ? cs->w_est : cwnd;
    else /* 4.4 concave (below W_max), 4.5 convex: per acked segment */
        next = cwnd + (target - cwnd) / cwnd * acked_segs;
    set_cwnd(cc, next);
}

static void cubic_on_ack(struct cc_state *cc, uint32_t acked)
{
    if (cc->cwnd < cc->ssthresh) {
        cc_slow_start(cc, acked);
        return;
    }
    struct cc_cubic_state *cs = &cc->alg.cubic;
    double now = seconds(cc->now);
    if (!cs->in_epoch)
        epoch_start(cc, now);
    else
        skip_unused_time(cc, now);
    /* 5.8: "CUBIC does not increase its congestion window if a flow is
     * application-limited" (or limited by the receiver's window) */
    cs->app_limited = !cc_cwnd_limited(cc, acked);
    if (!cs->app_limited)
        cubic_grow(cc, acked, now - cs->epoch);
}

/* 4.6 multiplicative decrease with 4.7 fast convergence. ssthresh =
 * flight_size * beta_cubic as the RFC's equation has it (TCP passes
 * RFC 5681's FlightSize, or cwnd for a second reduction in one episode,
 * RFC 8985 9.3); flight rather than cwnd also keeps repeated RTOs, where
 * cwnd is already 1 SMSS, from driving ssthresh to 2 SMSS. */
static void cubic_reduce(struct cc_state *cc, uint32_t flight)
{
    struct cc_cubic_state *cs = &cc->alg.cubic;
    double w = segs(cc, cc->cwnd);
    /* 4.7: a loss below the last W_max: the available share shrank,
     * release some of it by plateauing lower */
    cs->w_max = w < cs->w_max ? w * (1 + CUBIC_BETA) / 2 : w;
    cs->cwnd_prior = w;
    double ss = (double)flight * CUBIC_BETA + 0.5; /* rounded: 0.7 is inexact */
    cc->ssthresh = ss > 2.0 * cc->mss ? (uint32_t)ss : 2 * cc->mss; /* at least 2 SMSS */
    cs->in_epoch = false; /* the next ACK in congestion avoidance starts the curve */
    cc->bytes_acked = 0;
    cc->rto_slow_start = false;
}

static void cubic_enter_recovery(struct cc_state *cc, uint32_t flight)
{
    cubic_reduce(cc, flight);
    /* RFC 6582 inflation by the three segments that left; with SACK,
     * TCP sets cwnd = ssthresh (RFC 6675 5 step 4.2) */
    cc->cwnd = cc->ssthresh + 3 * cc->mss;
}

static void cubic_on_dupack(struct cc_state *cc) { cc->cwnd += cc->mss; }

static void cubic_on_partial_ack(struct cc_state *cc, uint32_t acked)
{
    cc->cwnd = acked < cc->cwnd ? cc->cwnd - acked : 0;
    if (acked >= cc->mss)
        cc->cwnd += cc->mss;
    if (cc->cwnd < cc->mss)
        cc->cwnd = cc->mss;
}

static void cubic_exit_recovery(struct cc_state *cc, uint32_t flight)
{
    (void)flight;
    cc->cwnd = cc->ssthresh;
}

/* 4.8: ssthresh as for a loss, cwnd to Reno's loss window, and the first
 * congestion-avoidance stage after it takes W_max = cwnd_epoch, K = 0. */
static void cubic_on_rto(struct cc_state *cc, uint32_t flight)
{
    cubic_reduce(cc, flight);
    cc->alg.cubic.w_max = 0;
    cc->cwnd = cc->mss;
    cc->rto_slow_start = true;
}

const struct cc_ops cc_cubic = {
    .name = "cubic",
    .init = cubic_init,
    .on_ack = cubic_on_ack,
    .enter_recovery = cubic_enter_recovery,
    .on_dupack = cubic_on_dupack,
    .on_partial_ack = cubic_on_partial_ack,
    .exit_recovery = cubic_exit_recovery,
    .on_rto = cubic_on_rto,
    .undo = cc_undo,
};
