/* Router Solicitations (RFC 4861 6.3.7): the first after a random delay of
 * up to MAX_RTR_SOLICITATION_DELAY, then either RFC 4861's fixed schedule
 * (cfg.ipv6_rs_max solicitations, RTR_SOLICITATION_INTERVAL apart) or, with
 * ipv6_rs_max 0, RFC 7559's: retransmissions go on until an RA brings a
 * default router, backing off as RFC 3315 14 (IRT 4 s, MRT 3600 s, each
 * interval randomised by +-10%), as RFC 8504 5.4 requires (NODE-21). */
#include "addrconf.h"

void ac_rs_start(struct addrconf *ac, ust_time_t now)
{
    ac->rs_sent = 0;
    ac->rs_rt = 0;
    ac->rs_next = now + ac_random_delay(ac, AC_MAX_RTR_SOLICITATION_DELAY);
}

/* RT + RAND x RT, RAND uniform in [-0.1, +0.1] (RFC 3315 14). */
static ust_time_t jitter(struct addrconf *ac, ust_time_t rt)
{
    int64_t permille = (int64_t)rng_below(ac->rng, 201) - 100;
    return (ust_time_t)((int64_t)rt + (int64_t)(rt / 1000) * permille);
}

/* RFC 3315 14: RT = IRT + RAND*IRT first, then 2*RTprev + RAND*RTprev,
 * capped as MRT + RAND*MRT. */
static ust_time_t rfc7559_next_rt(struct addrconf *ac)
{
    ust_time_t rt = ac->rs_rt ? jitter(ac, 2 * ac->rs_rt)
                              : jitter(ac, AC_RTR_SOLICITATION_INTERVAL);
    if (rt > AC_MAX_RTR_SOLICITATION_INTERVAL)
        rt = jitter(ac, AC_MAX_RTR_SOLICITATION_INTERVAL);
    return rt;
}

void ac_rs_tick(struct addrconf *ac, ust_time_t now)
{
    if (ac->rs_next > now)
        return;
    ac->rs_sent++;
    ac->stats->RsSent++;
    if (ac->rs_max) {
        ac->rs_next = ac->rs_sent >= ac->rs_max ? UST_TIME_NEVER
                                                : now + AC_RTR_SOLICITATION_INTERVAL;
    } else {
        ac->rs_rt = rfc7559_next_rt(ac);
        ac->rs_next = now + ac->rs_rt;
    }
    if (ac->ops->send_rs)
        ac->ops->send_rs(ac->ctx); /* last: it may call back (an RA at once) */
}
