/* NewReno: slow start and congestion avoidance (RFC 5681) with byte
 * counting (RFC 3465; slow start and HyStart++ in cc.c), fast retransmit /
 * fast recovery with partial ACKs (RFC 6582). */
#include "cc.h"

static uint32_t half_flight(const struct cc_state *cc, uint32_t flight)
{
    /* RFC 5681 equation (4): ssthresh = max(FlightSize / 2, 2*SMSS) */
    uint32_t half = flight / 2;
    return half > 2 * cc->mss ? half : 2 * cc->mss;
}

static void nr_init(struct cc_state *cc, uint32_t mss, uint32_t iw_segs)
{
    cc->mss = mss;
    cc->cwnd = (iw_segs ? iw_segs : 1) * mss;
    cc->ssthresh = CC_SSTHRESH_INITIAL;
    cc->bytes_acked = 0;
    cc_slow_start_init(cc);
}

static void nr_on_ack(struct cc_state *cc, uint32_t acked)
{
    if (cc->cwnd < cc->ssthresh) {
        cc_slow_start(cc, acked);
        return;
    }
    if (!cc_cwnd_limited(cc, acked))
        return; /* an unused window is no evidence for a larger one (RFC 7661) */
    /* congestion avoidance by byte counting: one SMSS per cwnd acked
     * (RFC 3465 2.1, RFC 5681 3.1) */
    cc->bytes_acked += acked;
    if (cc->bytes_acked >= cc->cwnd) {
        cc->bytes_acked -= cc->cwnd;
        cc->cwnd += cc->mss;
    }
}

static void nr_enter_recovery(struct cc_state *cc, uint32_t flight)
{
    cc->ssthresh = half_flight(cc, flight);
    cc->cwnd = cc->ssthresh + 3 * cc->mss;
    cc->bytes_acked = 0;
    cc->rto_slow_start = false;
}

static void nr_on_dupack(struct cc_state *cc) { cc->cwnd += cc->mss; }

static void nr_on_partial_ack(struct cc_state *cc, uint32_t acked)
{
    /* deflate by what was acked, add back one SMSS if at least that much */
    cc->cwnd = acked < cc->cwnd ? cc->cwnd - acked : 0;
    if (acked >= cc->mss)
        cc->cwnd += cc->mss;
    if (cc->cwnd < cc->mss)
        cc->cwnd = cc->mss;
}

static void nr_exit_recovery(struct cc_state *cc, uint32_t flight)
{
    /* RFC 6582 3.2 step 3, first option: min(ssthresh, max(FlightSize, SMSS) + SMSS) */
    uint32_t f = (flight > cc->mss ? flight : cc->mss) + cc->mss;
    cc->cwnd = f < cc->ssthresh ? f : cc->ssthresh;
}

static void nr_on_rto(struct cc_state *cc, uint32_t flight)
{
    cc->ssthresh = half_flight(cc, flight);
    cc->cwnd = cc->mss; /* loss window, RFC 5681 3.1 */
    cc->bytes_acked = 0;
    cc->rto_slow_start = true;
}

const struct cc_ops cc_newreno = {
    .name = "newreno",
    .init = nr_init,
    .on_ack = nr_on_ack,
    .enter_recovery = nr_enter_recovery,
    .on_dupack = nr_on_dupack,
    .on_partial_ack = nr_on_partial_ack,
    .exit_recovery = nr_exit_recovery,
    .on_rto = nr_on_rto,
    .undo = cc_undo,
};
