/* HyStart++ (RFC 9406 4.2), see cc_hystart.h. A round is one window of
 * data: it starts with windowEnd = SND.NXT (our SND.MAX: data sent again
 * after an RTO lies below it) and ends with the ACK that acknowledges the
 * byte windowEnd, i.e. SND.UNA > windowEnd (as Linux's after()). */
#include "cc.h"
#include "wire/seq.h"

void hystart_init(struct cc_hystart *hs)
{
    *hs = (struct cc_hystart){
        .last_round_min = UST_TIME_NEVER,
        .round_min = UST_TIME_NEVER,
        .css_baseline = UST_TIME_NEVER,
        .phase = HYSTART_SS,
    };
}

uint32_t hystart_limit(const struct cc_state *cc)
{
    /* 4.3: L = infinity if paced, 8 if not (bursts of at most 8 segments) */
    return cc->paced ? UINT32_MAX : HYSTART_L_UNPACED * cc->mss;
}

/* 4.2: CSS_ROUNDS rounds of CSS (the partial round it began in counts)
 * are over: congestion avoidance, with ssthresh at the current cwnd. */
static void css_done(struct cc_state *cc)
{
    cc->hs.phase = HYSTART_DONE;
    cc->ssthresh = cc->cwnd;
}

/* 4.2: "at the start of each round during standard slow start and CSS". */
static void start_round(struct cc_state *cc)
{
    struct cc_hystart *hs = &cc->hs;
    hs->last_round_min = hs->round_min;
    hs->round_min = UST_TIME_NEVER;
    hs->round_samples = 0;
    hs->window_end = cc->snd_max;
    hs->round_on = true;
    if (hs->phase == HYSTART_CSS && ++hs->css_rounds > HYSTART_CSS_ROUNDS)
        css_done(cc);
}

/* A new RTT sample since the last ACK: the round's minimum and count. */
static void take_sample(struct cc_state *cc)
{
    struct cc_hystart *hs = &cc->hs;
    if (cc->rtt_samples == hs->samples_seen)
        return;
    hs->samples_seen = cc->rtt_samples;
    if (cc->rtt_latest < hs->round_min)
        hs->round_min = cc->rtt_latest;
    hs->round_samples++;
}

/* Standard slow start: a delay increase of RttThresh over the last
 * round's minimum, with N_RTT_SAMPLE samples this round, starts CSS. */
static void check_delay_increase(struct cc_hystart *hs)
{
    if (hs->round_samples < HYSTART_N_RTT_SAMPLE || hs->round_min == UST_TIME_NEVER ||
        hs->last_round_min == UST_TIME_NEVER)
        return;
    ust_time_t thresh = hs->last_round_min / HYSTART_MIN_RTT_DIVISOR;
    if (thresh > HYSTART_MAX_RTT_THRESH)
        thresh = HYSTART_MAX_RTT_THRESH;
    if (thresh < HYSTART_MIN_RTT_THRESH)
        thresh = HYSTART_MIN_RTT_THRESH;
    if (hs->round_min >= hs->last_round_min + thresh) {
        hs->css_baseline = hs->round_min;
        hs->phase = HYSTART_CSS;
        hs->css_rounds = 1;
    }
}

/* CSS: an RTT back below the baseline means the exit was spurious
 * (a transient queue): standard slow start again. */
static void check_spurious_exit(struct cc_hystart *hs)
{
    if (hs->round_samples < HYSTART_N_RTT_SAMPLE || hs->round_min >= hs->css_baseline)
        return;
    hs->css_baseline = UST_TIME_NEVER;
    hs->phase = HYSTART_SS;
    hs->css_rounds = 0;
}

uint32_t hystart_on_ack(struct cc_state *cc, uint32_t inc)
{
    struct cc_hystart *hs = &cc->hs;
    if (!hs->round_on || seq_gt(cc->snd_una, hs->window_end))
        start_round(cc);
    if (hs->phase == HYSTART_DONE) /* CSS ended: congestion avoidance from here */
        return 0;
    /* the growth of this ACK is that of the phase it arrived in */
    uint32_t grow = hs->phase == HYSTART_CSS ? inc / HYSTART_CSS_GROWTH_DIVISOR : inc;
    take_sample(cc);
    if (hs->phase == HYSTART_SS)
        check_delay_increase(hs);
    else
        check_spurious_exit(hs);
    return grow;
}
