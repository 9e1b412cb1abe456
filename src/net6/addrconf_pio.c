/* Prefix Information options with A=1 (RFC 4862 5.5.3): new prefixes form
 * a stable address, known ones get their lifetimes reset under the
 * two-hour rule. */
#include "addrconf.h"

void addrconf_ra(struct addrconf *ac, ust_time_t now, const struct nd_msg *m)
{
    if (m->router_lifetime)
        ac->rs_next = UST_TIME_NEVER; /* RFC 4861 6.3.7: a default router (ND-10) */
    if (!ac->autoconf)
        return;
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, m->opts, m->opts_len);
    while (nd_opt_next(&it, &o)) {
        struct nd_prefix_info pi;
        if (o.type == ND_OPT_PREFIX && nd_opt_prefix(&o, &pi) == 0)
            addrconf_pio(ac, now, &pi);
    }
}

/* RFC 4862 5.5.3 e: RemainingLifetime against the advertised valid
 * lifetime; without authentication a lifetime at or below two hours is
 * never shortened, and a longer one only down to two hours (this stops a
 * forged RA from invalidating addresses at once). */
static void two_hour_rule(struct addrconf *ac, ust_time_t now, struct ac_addr *e,
                          uint32_t valid_secs)
{
    ust_time_t advertised = ac_expiry(now, valid_secs);
    ust_time_t remaining = e->valid_until == UST_TIME_NEVER ? UST_TIME_NEVER
                                                            : e->valid_until - now;
    if ((ust_time_t)valid_secs * UST_SEC > AC_TWO_HOURS || advertised > e->valid_until) {
        e->valid_until = advertised; /* 1. */
        return;
    }
    ac->stats->TwoHourRule++;
    if (remaining <= AC_TWO_HOURS)
        return;                      /* 2. ignore the advertised lifetime */
    e->valid_until = now + AC_TWO_HOURS; /* 3. */
}

static void refresh(struct addrconf *ac, ust_time_t now, struct ac_addr *e,
                    const struct nd_prefix_info *pi)
{
    two_hour_rule(ac, now, e, pi->valid_lifetime);
    e->preferred_until = ac_expiry(now, pi->preferred_lifetime);
    if (e->preferred_until > e->valid_until)
        e->preferred_until = e->valid_until;
    if (e->state == AC_DEPRECATED && e->preferred_until > now) {
        e->state = AC_PREFERRED; /* preferred again: tell the datapath */
        if (ac->ops->addr_usable)
            ac->ops->addr_usable(ac->ctx, e);
    }
    ac_temp_refresh(ac, now, e, pi->preferred_lifetime);
}

void addrconf_pio(struct addrconf *ac, ust_time_t now, const struct nd_prefix_info *pi)
{
    if (!(pi->flags & ND_PIO_AUTO))
        return; /* a: not for autoconfiguration */
    if (ipv6_addr_is_link_local(&pi->prefix) || pi->preferred_lifetime > pi->valid_lifetime) {
        ac->stats->PioIgnored++; /* b, c */
        return;
    }
    if (pi->prefix_len + AC_IID_BITS != 128) {
        ac->stats->PioBadPrefixLen++; /* d: prefix + IID must be 128 bits */
        return;
    }
    struct ac_addr *e = ac_stable_for(ac, &pi->prefix);
    if (e) {
        refresh(ac, now, e, pi); /* e */
        return;
    }
    if (pi->valid_lifetime == 0)
        return;
    /* d: a new prefix. DAD after a random delay: the RA was most likely
     * multicast to every host of the link (RFC 4862 5.4.2, SLAAC-7). */
    ust_time_t delay = ac_random_delay(ac, AC_MAX_RTR_SOLICITATION_DELAY);
    struct ac_addr *n = ac_new_addr(ac, now, AC_STABLE, &pi->prefix, delay);
    if (!n)
        return;
    n->valid_until = ac_expiry(now, pi->valid_lifetime);
    n->preferred_until = ac_expiry(now, pi->preferred_lifetime);
    ac_temp_create(ac, now, n);
}
