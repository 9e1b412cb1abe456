/* HyStart++ (RFC 9406): slow start that watches the minimum RTT of each
 * round and, when it rises, continues in Conservative Slow Start (CSS,
 * a quarter of the growth) for a few rounds before congestion avoidance,
 * instead of doubling until a loss overshoots the path by a whole window.
 * Used in the first slow start of NewReno and CUBIC (cc.c). */
#ifndef UST_TCP_CC_HYSTART_H
#define UST_TCP_CC_HYSTART_H

#include <stdbool.h>
#include <stdint.h>

#include "ustack/types.h"

/* RFC 9406 4.3, the recommended constants */
#define HYSTART_MIN_RTT_THRESH (4 * UST_MSEC)
#define HYSTART_MAX_RTT_THRESH (16 * UST_MSEC)
#define HYSTART_MIN_RTT_DIVISOR 8
#define HYSTART_N_RTT_SAMPLE 8
#define HYSTART_CSS_GROWTH_DIVISOR 4
#define HYSTART_CSS_ROUNDS 5
#define HYSTART_L_UNPACED 8 /* SMSS per ACK; no limit when paced */

enum hystart_phase {
    HYSTART_SS,   /* standard slow start, watching the RTT */
    HYSTART_CSS,  /* Conservative Slow Start */
    HYSTART_DONE, /* left for congestion avoidance */
};

struct cc_hystart {
    ust_time_t last_round_min;   /* lastRoundMinRTT (UST_TIME_NEVER = infinity) */
    ust_time_t round_min;        /* currentRoundMinRTT */
    ust_time_t css_baseline;     /* cssBaselineMinRtt */
    uint32_t window_end;         /* windowEnd: the round ends when it is ACKed */
    uint32_t round_samples;      /* rttSampleCount */
    uint32_t samples_seen;       /* cc_state.rtt_samples already taken in */
    uint32_t css_rounds;         /* rounds begun in CSS (the first counts) */
    uint8_t phase;               /* enum hystart_phase */
    bool round_on;               /* a round has started (windowEnd is valid) */
};

struct cc_state;

void hystart_init(struct cc_hystart *hs);
/* One ACK in slow start that may grow cwnd by `inc` bytes (already within
 * the limits): tracks rounds and RTT samples (cc->snd_una, snd_max,
 * rtt_latest, rtt_samples), moves between slow start, CSS and congestion
 * avoidance (the last by ssthresh = cwnd) and returns the growth to apply
 * (a quarter of inc in CSS). */
uint32_t hystart_on_ack(struct cc_state *cc, uint32_t inc);
/* HyStart++'s own limit L on the growth per ACK, in bytes. */
uint32_t hystart_limit(const struct cc_state *cc);

#endif
