/* Address states over time (RFC 4862 5.4-5.5.4): tentative until DAD ends,
 * preferred until the preferred lifetime ends, then deprecated, invalid
 * (removed) when the valid lifetime ends; a duplicate is replaced by the
 * next identifier (RFC 7217 6, RFC 8981 3.4). */
#include "addrconf.h"

void ac_withdraw(struct addrconf *ac, struct ac_addr *e, uint8_t state)
{
    e->state = state;
    if (e->announced) {
        e->announced = false;
        if (ac->ops->addr_removed)
            ac->ops->addr_removed(ac->ctx, e);
    }
}

/* RFC 7217 6: the same slot takes the next identifier, tentative again
 * after a random delay of up to IDGEN_DELAY; after the retries the entry
 * stays DUPLICATE (a stable one keeps its prefix known, so a later RA
 * does not start over: the number of tries stays bounded, IID-6). */
static void replace_duplicate(struct addrconf *ac, ust_time_t now, struct ac_addr *e)
{
    bool temp = e->kind == AC_TEMPORARY;
    unsigned limit = temp ? AC_TEMP_IDGEN_RETRIES : AC_IDGEN_RETRIES;
    if (e->dad_counter < limit) {
        e->dad_counter++;
        if (ac_make_iid(ac, e)) {
            e->state = AC_TENTATIVE;
            e->dad_at = now + ac_random_delay(ac, AC_IDGEN_DELAY);
            if (temp)
                ac->stats->TempAddrsCreated++;
            else
                ac->stats->AddrsCreated++;
            return;
        }
    }
    if (temp) {
        ac->stats->TempGiveUps++; /* RFC 8981 3.4: log, no more tries */
        e->in_use = false;
    } else {
        ac->stats->DadGiveUps++;
    }
}

int addrconf_dad_done(struct addrconf *ac, ust_time_t now, const struct ipv6_addr *a,
                      bool duplicate)
{
    struct ac_addr *e = (struct ac_addr *)addrconf_find(ac, a);
    if (!e || e->state != AC_TENTATIVE || !e->announced)
        return UST_ERR_NOENT;
    if (duplicate) {
        ac->stats->DadConflicts++;
        ac_withdraw(ac, e, AC_DUPLICATE); /* never assigned (SLAAC-10) */
        replace_duplicate(ac, now, e);
        return UST_OK;
    }
    e->state = e->preferred_until > now ? AC_PREFERRED : AC_DEPRECATED;
    if (ac->ops->addr_usable)
        ac->ops->addr_usable(ac->ctx, e);
    return UST_OK;
}

/* One slot's due work; true when a callback ran (the slot may have
 * changed: the caller looks at it again next tick). */
static bool tick_one(struct addrconf *ac, ust_time_t now, struct ac_addr *e)
{
    if (e->valid_until <= now) {
        ac->stats->AddrsExpired++;
        ac_withdraw(ac, e, AC_INVALID); /* never a source nor a destination (SLAAC-16) */
        e->in_use = false;
        return true;
    }
    if (e->state == AC_TENTATIVE && !e->announced && e->dad_at <= now) {
        e->announced = true;
        e->dad_at = UST_TIME_NEVER;
        ac->stats->DadStarted++;
        if (ac->ops->start_dad)
            ac->ops->start_dad(ac->ctx, e);
        return true;
    }
    if (e->state == AC_PREFERRED && e->preferred_until <= now) {
        e->state = AC_DEPRECATED; /* RFC 4862 5.5.4: still received on */
        ac->stats->AddrsDeprecated++;
        if (ac->ops->addr_usable)
            ac->ops->addr_usable(ac->ctx, e);
        return true;
    }
    if (e->kind == AC_TEMPORARY && ac_temp_regen_at(ac, e) <= now) {
        ac_temp_regen(ac, now, e);
        return true;
    }
    return false;
}

/* Work a tick creates (a successor in an earlier slot, due at once) is
 * done by another pass, so that nothing is left due when it returns. Each
 * step moves an address on for good (announced, regenerated, deprecated,
 * freed): the passes end. */
void addrconf_tick(struct addrconf *ac, ust_time_t now)
{
    for (int pass = 0; pass < 8 && addrconf_next_deadline(ac) <= now; pass++) {
        for (unsigned i = 0; i < ac->max_addrs; i++) {
            /* a slot may have several things due at once */
            for (int guard = 0; guard < 4 && ac->addrs[i].in_use; guard++)
                if (!tick_one(ac, now, &ac->addrs[i]))
                    break;
        }
        ac_rs_tick(ac, now);
    }
}

static ust_time_t min_t(ust_time_t a, ust_time_t b) { return a < b ? a : b; }

bool addrconf_dad_pending(const struct addrconf *ac)
{
    for (unsigned i = 0; i < ac->max_addrs; i++)
        if (ac->addrs[i].in_use && ac->addrs[i].state == AC_TENTATIVE && !ac->addrs[i].announced)
            return true;
    return false;
}

ust_time_t addrconf_next_deadline(const struct addrconf *ac)
{
    ust_time_t t = ac->rs_next;
    for (unsigned i = 0; i < ac->max_addrs; i++) {
        const struct ac_addr *e = &ac->addrs[i];
        if (!e->in_use)
            continue;
        t = min_t(t, e->valid_until);
        if (e->state == AC_TENTATIVE && !e->announced)
            t = min_t(t, e->dad_at);
        if (e->state == AC_PREFERRED)
            t = min_t(t, e->preferred_until);
        if (e->kind == AC_TEMPORARY)
            t = min_t(t, ac_temp_regen_at(ac, e));
    }
    return t;
}
