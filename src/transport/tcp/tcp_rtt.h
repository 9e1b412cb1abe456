/* Round-trip time estimation and the retransmission timeout (RFC 6298).
 * Pure arithmetic on nanoseconds; Karn's rule (no samples from
 * retransmitted segments) is applied by the caller, which only times
 * segments sent once. */
#ifndef UST_TCP_RTT_H
#define UST_TCP_RTT_H

#include <stdbool.h>

#include "ustack/types.h"

struct tcp_rtt {
    ust_time_t srtt, rttvar; /* valid once has_sample */
    ust_time_t rto;          /* base RTO, before back-off */
    ust_time_t rto_min, rto_max;
    unsigned backoff;        /* the RTO is doubled this many times (RFC 6298 5.5) */
    bool has_sample;
    ust_time_t latest;       /* the newest segment's RTT of the last sample, for
                                HyStart++ (set by tcp_rtt_take, tcp_rtt_meas.c) */
    uint32_t samples;        /* samples taken so far (wraps) */
};

void tcp_rtt_init(struct tcp_rtt *r, ust_time_t initial, ust_time_t rto_min, ust_time_t rto_max);
/* Feeds one measurement (RFC 6298 2.2 / 2.3); clears the back-off. */
void tcp_rtt_sample(struct tcp_rtt *r, ust_time_t rtt);
/* A new lower bound (UST_TCP_RTO_MIN); the RTO is clamped again. */
void tcp_rtt_set_min(struct tcp_rtt *r, ust_time_t rto_min);
/* The RTO to arm now: base << backoff, within [rto_min, rto_max]. */
ust_time_t tcp_rtt_rto(const struct tcp_rtt *r);
/* RFC 6298 5.5: the timer expired, double the RTO (up to rto_max). */
void tcp_rtt_backoff(struct tcp_rtt *r);
/* RFC 6298 5.7: the SYN was retransmitted and no sample exists: use 3 s
 * once data transfer starts. */
void tcp_rtt_after_syn_loss(struct tcp_rtt *r);

#endif
