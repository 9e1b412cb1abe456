/* RFC 6298 RTO computation (see tcp_rtt.h). */
#include "tcp_rtt.h"

/* RFC 6298 2: K = 4, alpha = 1/8, beta = 1/4. The clock granularity G is
 * our nanosecond clock, far below rto_min, so max(G, K*RTTVAR) is
 * K*RTTVAR and rto_min keeps the timer sane. */
#define RTT_K 4

static ust_time_t clamp(const struct tcp_rtt *r, ust_time_t v)
{
    if (v < r->rto_min)
        v = r->rto_min;
    if (v > r->rto_max)
        v = r->rto_max;
    return v;
}

void tcp_rtt_init(struct tcp_rtt *r, ust_time_t initial, ust_time_t rto_min, ust_time_t rto_max)
{
    r->srtt = r->rttvar = 0;
    r->rto_min = rto_min;
    r->rto_max = rto_max < rto_min ? rto_min : rto_max;
    r->rto = clamp(r, initial);
    r->backoff = 0;
    r->has_sample = false;
}

void tcp_rtt_sample(struct tcp_rtt *r, ust_time_t rtt)
{
    if (!r->has_sample) { /* 2.2: first measurement */
        r->srtt = rtt;
        r->rttvar = rtt / 2;
        r->has_sample = true;
    } else {              /* 2.3: RTTVAR first, with the old SRTT */
        ust_time_t diff = r->srtt > rtt ? r->srtt - rtt : rtt - r->srtt;
        r->rttvar = (3 * r->rttvar + diff) / 4;
        r->srtt = (7 * r->srtt + rtt) / 8;
    }
    r->rto = clamp(r, r->srtt + RTT_K * r->rttvar); /* 2.4, 2.5 */
    r->backoff = 0;
    r->samples++;
}

void tcp_rtt_set_min(struct tcp_rtt *r, ust_time_t rto_min)
{
    r->rto_min = rto_min;
    if (r->rto_max < rto_min)
        r->rto_max = rto_min;
    r->rto = clamp(r, r->has_sample ? r->srtt + RTT_K * r->rttvar : r->rto);
}

ust_time_t tcp_rtt_rto(const struct tcp_rtt *r)
{
    ust_time_t v = r->rto;
    for (unsigned i = 0; i < r->backoff && v < r->rto_max; i++)
        v *= 2;
    return clamp(r, v);
}

void tcp_rtt_backoff(struct tcp_rtt *r)
{
    if (tcp_rtt_rto(r) < r->rto_max)
        r->backoff++;
}

void tcp_rtt_after_syn_loss(struct tcp_rtt *r)
{
    if (!r->has_sample)
        r->rto = clamp(r, 3 * UST_SEC);
    r->backoff = 0;
}
