/* CUBIC (RFC 9438): after a loss the window grows along a cubic curve of
 * the time since the loss, W(t) = C (t - K)^3 + W_max, concave up to the
 * window where the loss happened, then convex; never slower than Reno
 * would be (the "Reno-friendly" estimate). Slow start and the fast
 * recovery mechanics are those of NewReno; cubic only changes the
 * multiplicative decrease (beta 0.7) and congestion avoidance. */
#include <math.h>

#include "cc.h"

#define CUBIC_C 0.4     /* RFC 9438 4.7 (segments / s^3) */
#define CUBIC_BETA 0.7  /* RFC 9438 4.6 */
#define SSTHRESH_INITIAL (1u << 30)

static void cubic_init(struct cc_state *cc, uint32_t mss, uint32_t iw_segs)
{
    cc->mss = mss;
    cc->cwnd = (iw_segs ? iw_segs : 1) * mss;
    cc->ssthresh = SSTHRESH_INITIAL;
    cc->bytes_acked = 0;
    cc->alg.cubic = (struct cc_cubic_state){0};
}

static double seconds(ust_time_t t) { return (double)t / (double)UST_SEC; }

/* A congestion event: remember W_max (with fast convergence, 4.7) and
 * reduce by beta. */
static void cubic_reduce(struct cc_state *cc)
{
    double w = (double)cc->cwnd / cc->mss;
    /* fast convergence: below the previous maximum, release bandwidth */
    cc->alg.cubic.w_max = w < cc->alg.cubic.w_last_max ? w * (1 + CUBIC_BETA) / 2 : w;
    cc->alg.cubic.w_last_max = w;
    double s = w * CUBIC_BETA;
    uint32_t ss = (uint32_t)(s * cc->mss);
    cc->ssthresh = ss > 2 * cc->mss ? ss : 2 * cc->mss;
    cc->alg.cubic.epoch = 0; /* the next ACK in congestion avoidance starts the curve */
    cc->bytes_acked = 0;
}

static void cubic_on_ack(struct cc_state *cc, uint32_t acked)
{
    if (cc->cwnd < cc->ssthresh) { /* slow start, as RFC 5681 */
        cc->cwnd += acked < cc->mss ? acked : cc->mss;
        return;
    }
    double cwnd = (double)cc->cwnd / cc->mss;
    if (cc->alg.cubic.epoch == 0) { /* 4.2: a new congestion-avoidance epoch */
        cc->alg.cubic.epoch = seconds(cc->now) + 1e-9;
        if (cwnd < cc->alg.cubic.w_max) {
            cc->alg.cubic.k = cbrt((cc->alg.cubic.w_max - cwnd) / CUBIC_C);
        } else {
            cc->alg.cubic.k = 0;
            cc->alg.cubic.w_max = cwnd;
        }
        cc->alg.cubic.w_est = cwnd;
    }
    double t = seconds(cc->now) - cc->alg.cubic.epoch + seconds(cc->srtt);
    double target = CUBIC_C * pow(t - cc->alg.cubic.k, 3) + cc->alg.cubic.w_max;
    if (target > 1.5 * cwnd)
        target = 1.5 * cwnd; /* 4.2: at most +50% per RTT */
    /* 4.3: the Reno-friendly estimate, alpha = 3 (1 - beta) / (1 + beta) */
    double alpha = 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
    cc->alg.cubic.w_est += alpha * ((double)acked / cc->mss) / cwnd;
    if (cc->alg.cubic.w_est > target)
        target = cc->alg.cubic.w_est;
    if (target > cwnd) /* grow by (target - cwnd) / cwnd per acked segment */
        cwnd += (target - cwnd) / cwnd * ((double)acked / cc->mss);
    cc->cwnd = (uint32_t)(cwnd * cc->mss);
}

static void cubic_enter_recovery(struct cc_state *cc, uint32_t flight)
{
    (void)flight;
    cubic_reduce(cc);
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

static void cubic_on_rto(struct cc_state *cc, uint32_t flight)
{
    (void)flight;
    cubic_reduce(cc);
    cc->cwnd = cc->mss;
}

/* RFC 9438 4.9: a spurious congestion event restores W_max, K, the epoch
 * and W_est as they were (cwnd and ssthresh are restored by TCP). */
static void cubic_undo(struct cc_state *cc, const struct cc_state *prior)
{
    cc->alg.cubic = prior->alg.cubic;
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
    .undo = cubic_undo,
};
