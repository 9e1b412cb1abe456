/* Congestion control behind an ops table (as FreeBSD's cc/ modules), so
 * NewReno, CUBIC and others are separate files. The generic loss recovery
 * (duplicate-ACK counting, the NewReno "recover" point, which segment to
 * retransmit) lives in tcp_ack.c and tcp_recovery.c; an algorithm only
 * decides cwnd and ssthresh. With SACK (RFC 6675) recovery uses pipe
 * instead of on_dupack / on_partial_ack, and cwnd goes to ssthresh after
 * enter_recovery: at once (RFC 6675), or with RACK through Proportional
 * Rate Reduction (tcp_prr.c). enter_recovery is called once per
 * congestion episode (tcp_recovery.c). All quantities are bytes. */
#ifndef UST_TCP_CC_H
#define UST_TCP_CC_H

#include <stdint.h>

#include "ustack/types.h"

/* CUBIC's own state (RFC 9438 4), in segments and seconds. */
struct cc_cubic_state {
    double w_max;            /* W_max: the window before the last reduction */
    double w_last_max;       /* the previous W_max (fast convergence, 4.7) */
    double k;                /* K: time the curve takes back to W_max */
    double epoch;            /* start of the congestion-avoidance epoch, 0 = none */
    double w_est;            /* W_est, the Reno-friendly estimate (4.3) */
};

struct cc_state {
    uint32_t cwnd;
    uint32_t ssthresh;
    uint32_t mss;            /* SMSS the algorithm counts in */
    uint32_t bytes_acked;    /* congestion-avoidance byte counter (RFC 5681 3.1) */
    ust_time_t now;          /* set by TCP before every call */
    ust_time_t srtt;         /* smoothed RTT (0 before the first sample) */
    union {                  /* the algorithm's own state (NewReno has none) */
        struct cc_cubic_state cubic;
    } alg;
};

struct cc_ops {
    const char *name;
    /* Connection established: initial window of iw_segs segments. */
    void (*init)(struct cc_state *cc, uint32_t mss, uint32_t iw_segs);
    /* `acked` bytes of new data acknowledged outside fast recovery. */
    void (*on_ack)(struct cc_state *cc, uint32_t acked);
    /* Third duplicate ACK: fast retransmit starts (RFC 5681 3.2 steps 2-3). */
    void (*enter_recovery)(struct cc_state *cc, uint32_t flight);
    /* A further duplicate ACK during recovery (RFC 5681 3.2 step 4). */
    void (*on_dupack)(struct cc_state *cc);
    /* A partial ACK of `acked` bytes during recovery (RFC 6582 3.2 step 5). */
    void (*on_partial_ack)(struct cc_state *cc, uint32_t acked);
    /* A full ACK ends recovery; `flight` is what is still outstanding
     * (RFC 6582 3.2 step 3). */
    void (*exit_recovery)(struct cc_state *cc, uint32_t flight);
    /* The retransmission timer expired (RFC 5681 3.1 equation 4). */
    void (*on_rto)(struct cc_state *cc, uint32_t flight);
    /* The algorithm sets cwnd itself (e.g. from a model of the path): TCP
     * still calls enter_recovery, but neither clamps cwnd to ssthresh nor
     * runs PRR (RFC 6937) nor sets cwnd at the end of recovery. */
    bool owns_cwnd;
};

extern const struct cc_ops cc_newreno;
extern const struct cc_ops cc_cubic;

/* The algorithm called `name` ("newreno", "cubic"), or NULL. */
const struct cc_ops *cc_find(const char *name);

#endif
