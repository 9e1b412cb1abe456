/* The congestion-control algorithms by name (TCP_CONGESTION, config), and
 * what they share: slow start with byte counting and HyStart++, the
 * application-limited test, undo. */
#include <string.h>

#include "cc.h"
#include "wire/seq.h"

/* Congestion avoidance: the window counts as used when what was in flight
 * before the ACK came within this many SMSS of it (Linux's old
 * tcp_max_burst test): room for segment rounding, Nagle and SWS
 * avoidance, which leave less than a segment of cwnd unused. */
#define CC_LIMITED_SLACK_SEGS 3

static const struct cc_ops *const all_cc[] = {&cc_newreno, &cc_cubic, &cc_bbr, &cc_bbr1};

const struct cc_ops *cc_find(const char *name)
{
    for (size_t i = 0; i < sizeof(all_cc) / sizeof(all_cc[0]); i++)
        if (name && strcmp(all_cc[i]->name, name) == 0)
            return all_cc[i];
    return NULL;
}

void cc_slow_start_init(struct cc_state *cc)
{
    cc->rto_slow_start = false;
    cc->used_on = false;
    hystart_init(&cc->hs);
}

bool cc_cwnd_limited(struct cc_state *cc, uint32_t acked)
{
    /* the most that was in flight before an ACK during the last window of
     * data (one RTT), so that a sender that filled the window at its
     * start counts as using it until the window's end (Linux keeps
     * max_packets_out per window the same way, at send time) */
    uint32_t prior = cc->flight + acked;
    if (!cc->used_on || seq_gt(cc->snd_una, cc->used_end) || prior > cc->used_max) {
        if (!cc->used_on || seq_gt(cc->snd_una, cc->used_end))
            cc->used_end = cc->snd_max;
        cc->used_max = prior;
        cc->used_on = true;
    }
    uint64_t used = cc->used_max;
    if (cc->cwnd < cc->ssthresh) /* slow start: up to twice what was used (Linux) */
        return 2 * used > cc->cwnd;
    return used + (uint64_t)CC_LIMITED_SLACK_SEGS * cc->mss >= cc->cwnd;
}

/* RFC 3465 2.2: at most L bytes of growth per ACK in slow start, L = 2
 * SMSS by default (cfg.tcp_abc_limit); "a TCP MUST use L = 1*SMSS" in the
 * slow start that follows an RTO, whose ACKs may cover data that arrived
 * long before. */
static uint32_t abc_limit(const struct cc_state *cc)
{
    if (cc->rto_slow_start)
        return cc->mss;
    uint64_t l = (uint64_t)cc->abc_segs * cc->mss;
    return cc->abc_segs == 0 || l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
}

/* RFC 9406 4.2: HyStart++ only in the first slow start, while ssthresh
 * is still the initial "arbitrarily high" value; later slow starts end at
 * the ssthresh a congestion event set. */
static bool hystart_active(const struct cc_state *cc)
{
    return cc->hystart_on && cc->ssthresh == CC_SSTHRESH_INITIAL &&
           cc->hs.phase != HYSTART_DONE;
}

void cc_slow_start(struct cc_state *cc, uint32_t acked)
{
    bool hystart = hystart_active(cc);
    uint32_t limit = abc_limit(cc);
    if (hystart && hystart_limit(cc) < limit)
        limit = hystart_limit(cc);
    uint32_t inc = acked < limit ? acked : limit;
    if (hystart)
        inc = hystart_on_ack(cc, inc);
    if (cc_cwnd_limited(cc, acked))
        cc->cwnd += inc;
    if (cc->cwnd >= cc->ssthresh)
        cc->rto_slow_start = false;
}

void cc_undo(struct cc_state *cc, const struct cc_state *prior)
{
    /* tcp_undo.c has restored cwnd and ssthresh to at least prior's: a
     * larger cwnd grew back by itself before the undo (RFC 9438 4.9.2) */
    if (cc->cwnd > prior->cwnd)
        return;
    cc->alg = prior->alg;
    cc->hs = prior->hs;
    cc->rto_slow_start = prior->rto_slow_start;
    cc->bytes_acked = 0;
}
