/* Congestion control behind an ops table (as FreeBSD's cc/ modules), so
 * NewReno, CUBIC and others are separate files. The generic loss recovery
 * (duplicate-ACK counting, the NewReno "recover" point, which segment to
 * retransmit) lives in tcp_ack.c and tcp_recovery.c; an algorithm only
 * decides cwnd and ssthresh. With SACK (RFC 6675) recovery sets cwnd to
 * ssthresh after enter_recovery and uses pipe instead of on_dupack /
 * on_partial_ack. All quantities are bytes. What the algorithms share
 * (slow start with byte counting, the application-limited test, undo
 * snapshots) is in cc.c; HyStart++ in cc_hystart.c. */
#ifndef UST_TCP_CC_H
#define UST_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "cc_hystart.h"
#include "ustack/types.h"

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
};

/* What a congestion response changes, saved before it so that a response
 * found spurious can be undone (RFC 9438 4.9: cwnd, ssthresh, W_max, K,
 * t_epoch, W_est, cwnd_prior; RFC 4015 / RFC 3708 for Reno). */
struct cc_snapshot {
    uint32_t cwnd, ssthresh;
    union cc_alg alg;
    struct cc_hystart hs;
    bool rto_slow_start;
    bool valid;              /* saved and neither undone nor replaced */
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
    struct cc_snapshot undo;
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
    /* Spurious congestion events (RFC 9438 4.9; detection by D-SACK, RFC
     * 3708, F-RTO, RFC 5682, or Eifel, RFC 3522, is TCP's, tcp_undo.c).
     * save(): call right before the first congestion response of an
     * episode (enter_recovery, on_rto, tcp_cc_reduce); it overwrites any
     * earlier snapshot. undo(): the episode was spurious: restore what
     * save() kept, if cwnd is still below the saved cwnd (RFC 9438 4.9.2;
     * else keep the current state), and drop the snapshot. Returns whether
     * it restored. Both are cheap and never fail. */
    void (*save)(struct cc_state *cc);
    bool (*undo)(struct cc_state *cc);
};

extern const struct cc_ops cc_newreno;
extern const struct cc_ops cc_cubic;

/* The algorithm called `name` ("newreno", "cubic"), or NULL. */
const struct cc_ops *cc_find(const char *name);

/* ---- shared by the algorithms (cc.c) ----------------------------------- */
/* Slow start for an ACK of `acked` bytes: byte counting with the limit L
 * (RFC 3465 2.2) and HyStart++ (RFC 9406) in the first slow start. */
void cc_slow_start(struct cc_state *cc, uint32_t acked);
/* Called once per ACK of `acked` bytes before any growth: whether the
 * sender used its window in the current window of data (Linux
 * tcp_is_cwnd_limited); windows grow only then (RFC 9438 5.8, RFC 7661). */
bool cc_cwnd_limited(struct cc_state *cc, uint32_t acked);
/* The generic save/undo ops (struct cc_snapshot). */
void cc_save(struct cc_state *cc);
bool cc_undo(struct cc_state *cc);
/* Resets what slow start keeps (HyStart++, the after-RTO limit). */
void cc_slow_start_init(struct cc_state *cc);

#endif
