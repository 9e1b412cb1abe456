/* Congestion control behind an ops table (as FreeBSD's cc/ modules), so
 * NewReno, CUBIC and others are separate files. The generic loss recovery
 * (duplicate-ACK counting, the NewReno "recover" point, which segment to
 * retransmit) lives in tcp_ack.c and tcp_recovery.c; an algorithm only
 * decides cwnd and ssthresh. With SACK (RFC 6675) recovery uses pipe
 * instead of on_dupack / on_partial_ack, and cwnd goes to ssthresh after
 * enter_recovery: at once (RFC 6675), or with RACK through Proportional
 * Rate Reduction (tcp_prr.c). enter_recovery is called once per
 * congestion episode (tcp_recovery.c). All quantities are bytes. What the
 * algorithms share (slow start with byte counting, the application-limited
 * test, undo) is in cc.c; HyStart++ in cc_hystart.c. */
#ifndef UST_TCP_CC_H
#define UST_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "cc_hystart.h"
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
    bool v1_budget;           /* "bbr1": the offload budget is added to the BDP
                                 (Linux's v1) instead of being its floor */
};

#define CC_SSTHRESH_INITIAL (1u << 30) /* "arbitrarily high" (RFC 5681 3.1) */

/* CUBIC's own state (RFC 9438 4.1), in segments and seconds. */
struct cc_cubic_state {
    double w_max;            /* W_max: the window before the last reduction,
                                lowered by fast convergence (4.7); 0 = none */
    double cwnd_prior;       /* cwnd_prior: cwnd when ssthresh was last set
                                (4.6); 0 = never */
    double k;                /* K: time the curve takes back to W_max (4.2) */
    double epoch;            /* t_epoch: start of the congestion-avoidance stage */
    double cwnd_epoch;       /* cwnd_epoch: cwnd at t_epoch */
    double w_est;            /* W_est, the Reno-friendly estimate (4.3) */
    double last_ack;         /* time of the last ACK in congestion avoidance */
    double carry;            /* growth below one byte not yet in cwnd */
    bool in_epoch;           /* a congestion-avoidance stage has started */
    bool app_limited;        /* the last ACK found cwnd unused (5.8) */
};

union cc_alg {              /* the algorithm's own state (NewReno has none) */
    struct cc_cubic_state cubic;
    struct cc_bbr_state bbr;
};

struct cc_state {
    uint32_t cwnd;
    uint32_t ssthresh;
    uint32_t mss;            /* SMSS the algorithm counts in */
    uint32_t bytes_acked;    /* congestion-avoidance byte counter (RFC 5681 3.1) */
    ust_time_t now;          /* set by TCP before every call */
    ust_time_t srtt;         /* smoothed RTT (0 before the first sample) */
    union cc_alg alg;
    /* Set by TCP before every call (cc_sync), for slow start and the
     * application-limited test: */
    uint32_t snd_una, snd_max; /* HyStart++ rounds end when SND.UNA passes
                                  the SND.NXT of their start (RFC 9406 4.2) */
    uint32_t flight;         /* bytes outstanding after this ACK (SND.MAX - SND.UNA) */
    ust_time_t rtt_latest;   /* the newest RTT sample ... */
    uint32_t rtt_samples;    /* ... and how many samples were taken so far */
    uint32_t abc_segs;       /* RFC 3465 L in SMSS per ACK in slow start
                                (cfg.tcp_abc_limit; 0 = no limit) */
    bool hystart_on;         /* cfg.tcp_hystart */
    /* Set by a pacing sender: HyStart++'s per-ACK limit L is 8 SMSS
     * without pacing and none with it (RFC 9406 4.3). */
    bool paced;
    /* The algorithms' own: */
    bool rto_slow_start;     /* slow start after an RTO: L = 1 SMSS (RFC 3465 2.2) */
    uint32_t used_max;       /* the most in flight before an ACK this window ... */
    uint32_t used_end;       /* ... which ends when SND.UNA passes this */
    bool used_on;            /* used_max/used_end are valid */
    struct cc_hystart hs;
    uint64_t pacing_rate;    /* bytes/s the algorithm wants segments to leave at
                                (tcp_pacing.c); 0: unpaced */
    ust_time_t min_rtt;      /* windowed minimum RTT (tcp_minrtt.c, 0 before
                                the first sample) */
    unsigned bbr_loss_thresh; /* cfg.tcp_bbr_loss_thresh, per mille;
                                 CC_BBR_LOSS_AGNOSTIC for "bbr1" */
};

/* BBRLossThresh of 100 % (per mille): loss never bounds BBR's model. */
#define CC_BBR_LOSS_AGNOSTIC 1000u

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
    /* BBR only: loss never bounds the model, whatever
     * cfg.tcp_bbr_loss_thresh says ("bbr1": the BBRv1 behaviour of Linux
     * 6.1's bbr, for like-for-like comparisons against it). */
    bool loss_agnostic;
    /* Optional: every acceptable ACK's rate sample, after loss detection
     * (draft-ietf-ccwg-bbr 4.2 "BBRUpdateOnACK"). Algorithms with it need
     * the send map (SACK and RACK); without, the connection falls back. */
    void (*cong_control)(struct cc_state *cc, const struct rate_sample *rs);
    /* Optional: the algorithm's state by name, for the trace. */
    const char *(*state_name)(const struct cc_state *cc);
    /* The last reduction was spurious (tcp_undo.c, which detects it by
     * D-SACK, RFC 3708, F-RTO, RFC 5682, or Eifel, RFC 3522): `prior` is
     * the state before it. TCP has already restored cwnd and ssthresh (the
     * larger of now and then); the algorithm restores its own state (RFC
     * 9438 4.9). NULL: it has nothing more to restore. */
    void (*undo)(struct cc_state *cc, const struct cc_state *prior);
};

extern const struct cc_ops cc_newreno;
extern const struct cc_ops cc_cubic;
extern const struct cc_ops cc_bbr;
extern const struct cc_ops cc_bbr1;

/* The algorithm called `name` ("newreno", "cubic", "bbr", "bbr1"), or NULL. */
const struct cc_ops *cc_find(const char *name);

/* ---- shared by the algorithms (cc.c) ----------------------------------- */
/* Slow start for an ACK of `acked` bytes: byte counting with the limit L
 * (RFC 3465 2.2) and HyStart++ (RFC 9406) in the first slow start. */
void cc_slow_start(struct cc_state *cc, uint32_t acked);
/* Called once per ACK of `acked` bytes before any growth: whether the
 * sender used its window in the current window of data (Linux
 * tcp_is_cwnd_limited); windows grow only then (RFC 9438 5.8, RFC 7661). */
bool cc_cwnd_limited(struct cc_state *cc, uint32_t acked);
/* The generic undo op (cc_ops.undo): slow start's state and the
 * algorithm's go back to `prior`'s (RFC 9438 4.9), unless cwnd grew past
 * the prior window by itself meanwhile (then the current state is kept). */
void cc_undo(struct cc_state *cc, const struct cc_state *prior);
/* Resets what slow start keeps (HyStart++, the after-RTO limit). */
void cc_slow_start_init(struct cc_state *cc);

#endif
