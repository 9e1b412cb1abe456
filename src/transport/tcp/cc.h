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

#include <stdbool.h>
#include <stdint.h>

#include "ustack/types.h"

/* What one ACK says about delivery (draft-cheng-iccrg-delivery-rate-
 * estimation 3.3, "rate sample"), built by tcp_rate.c from the send map's
 * per-segment snapshots and handed to cong_control. Bytes and ns. */
struct rate_sample {
    uint64_t delivery_rate;   /* rs.delivery_rate in bytes/s; 0: no valid sample */
    ust_time_t interval;      /* rs.interval: max(send_elapsed, ack_elapsed) */
    ust_time_t rtt;           /* rs.rtt of a never-retransmitted segment; 0: none */
    uint64_t delivered_total; /* C.delivered after this ACK */
    uint64_t prior_delivered; /* rs.prior_delivered (P.delivered of the newest
                                 segment delivered); valid when has_data */
    uint32_t delivered;       /* rs.delivered: C.delivered - rs.prior_delivered */
    uint32_t newly_acked;     /* bytes this ACK delivered (cumulatively or SACKed) */
    uint32_t newly_lost;      /* bytes this ACK's loss detection marked lost */
    uint32_t lost;            /* rs.lost: C.lost - P.lost, lost while P was out */
    uint32_t tx_in_flight;    /* P.tx_in_flight: bytes out when P was sent */
    uint32_t prior_in_flight; /* in flight (pipe) before this ACK */
    uint32_t inflight;        /* in flight (pipe) after it */
    uint32_t rand;            /* a draw from the stack's PRNG (randomized choices) */
    bool has_data;            /* some segment was delivered */
    bool is_app_limited;      /* rs.is_app_limited: P was sent app-limited */
    bool is_cwnd_limited;     /* the sender was using (almost) all of cwnd */
};

/* BBR's own state (draft-ietf-ccwg-bbr; cc_bbr.c): rates in bytes/s,
 * volumes in bytes, times in ns. UINT64_MAX / UINT32_MAX: "infinity". */
struct cc_bbr_state {
    uint64_t max_bw_slot[2];  /* max-bw filter: maxima of this and the last cycle */
    uint64_t max_bw, bw;      /* BBR.max_bw; BBR.bw = min(max_bw, bw_lo) */
    uint64_t bw_lo, bw_latest, full_bw;
    uint64_t delivered;       /* C.delivered as of the last sample */
    uint64_t next_round_delivered, loss_round_delivered, conservation_end;
    uint64_t extra_acked_delivered;
    ust_time_t min_rtt, min_rtt_stamp, probe_rtt_min_delay, probe_rtt_min_stamp;
    ust_time_t probe_rtt_done_stamp, cycle_stamp, bw_probe_wait, extra_acked_start;
    uint32_t inflight_hi, inflight_lo, inflight_latest, prior_cwnd, init_cwnd;
    uint32_t extra_acked_slot[2];
    uint32_t round_count, rounds_since_bw_probe, bw_probe_up_rounds;
    uint32_t bw_probe_up_acks, probe_up_cnt, full_bw_count, loss_events_in_round;
    float pacing_gain, cwnd_gain;
    uint8_t mode, ack_phase, extra_acked_idx, extra_acked_rounds;
    bool round_start, filled_pipe, full_bw_now, loss_round_start, loss_in_round;
    bool bw_probe_samples, probe_rtt_round_done, probe_rtt_expired;
    bool packet_conservation, recovery_start, in_recovery;
};

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
        struct cc_bbr_state bbr;
    } alg;
    uint64_t pacing_rate;    /* bytes/s the algorithm wants segments to leave at
                                (tcp_pacing.c); 0: unpaced */
    ust_time_t min_rtt;      /* windowed minimum RTT (tcp_minrtt.c, 0 before
                                the first sample) */
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
    /* Optional: every acceptable ACK's rate sample, after loss detection
     * (draft-ietf-ccwg-bbr 4.2 "BBRUpdateOnACK"). Algorithms with it need
     * the send map (SACK and RACK); without, the connection falls back. */
    void (*cong_control)(struct cc_state *cc, const struct rate_sample *rs);
    /* Optional: the algorithm's state by name, for the trace. */
    const char *(*state_name)(const struct cc_state *cc);
    /* The last reduction was spurious (tcp_undo.c): `prior` is the state
     * before it. TCP has already restored cwnd and ssthresh (the larger
     * of now and then); the algorithm restores its own state. NULL: it
     * has nothing more to restore. */
    void (*undo)(struct cc_state *cc, const struct cc_state *prior);
};

extern const struct cc_ops cc_newreno;
extern const struct cc_ops cc_cubic;
extern const struct cc_ops cc_bbr;

/* The algorithm called `name` ("newreno", "cubic", "bbr"), or NULL. */
const struct cc_ops *cc_find(const char *name);

#endif
