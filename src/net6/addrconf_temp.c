/* RFC 8981 temporary addresses: one per SLAAC prefix while it is
 * preferred, random IIDs, lifetimes capped by TEMP_VALID_LIFETIME and
 * TEMP_PREFERRED_LIFETIME - DESYNC_FACTOR from their creation, a successor
 * made REGEN_ADVANCE before an address becomes deprecated. Never for the
 * link-local prefix (only stable entries lead here). */
#include <string.h>

#include "addrconf.h"

static ust_time_t min_t(ust_time_t a, ust_time_t b) { return a < b ? a : b; }

static bool same_prefix(const struct ac_addr *a, const struct ac_addr *b)
{
    return memcmp(a->addr.b, b->addr.b, 8) == 0;
}

/* DESYNC_FACTOR: uniform in [0, MAX_DESYNC_FACTOR], and below
 * TEMP_PREFERRED_LIFETIME - REGEN_ADVANCE (RFC 8981 3.8). */
static ust_time_t draw_desync(struct addrconf *ac)
{
    ust_time_t max = ac->temp_preferred / 100 * AC_MAX_DESYNC_PCT;
    ust_time_t room = ac->temp_preferred > ac->regen_advance
                          ? ac->temp_preferred - ac->regen_advance : 0;
    if (room == 0)
        return 0;
    if (max >= room)
        max = room - 1;
    return rng_below(ac->rng, max + 1);
}

bool ac_temp_create(struct addrconf *ac, ust_time_t now, const struct ac_addr *stable)
{
    if (!ac->temp_addrs)
        return false;
    ust_time_t desync = draw_desync(ac);
    ust_time_t valid = min_t(stable->valid_until, now + ac->temp_valid);
    ust_time_t preferred = min_t(stable->preferred_until, now + ac->temp_preferred - desync);
    preferred = min_t(preferred, valid);
    if (preferred <= now || preferred - now <= ac->regen_advance)
        return false; /* TEMP-3: never one without a usable preferred lifetime */
    struct ac_addr *t = ac_new_addr(ac, now, AC_TEMPORARY, &stable->addr, 0);
    if (!t)
        return false;
    t->desync = desync;
    t->valid_until = valid;
    t->preferred_until = preferred;
    return true;
}

static bool has_current_temp(const struct addrconf *ac, const struct ac_addr *stable)
{
    for (unsigned i = 0; i < ac->max_addrs; i++) {
        const struct ac_addr *t = &ac->addrs[i];
        if (t->in_use && t->kind == AC_TEMPORARY && same_prefix(t, stable) &&
            (t->state == AC_TENTATIVE || t->state == AC_PREFERRED))
            return true;
    }
    return false;
}

/* RFC 8981 3.4: a PIO for the prefix updates its temporaries' lifetimes,
 * never beyond the caps counted from their creation (TEMP-2); a preferred
 * lifetime of 0 deprecates them without successors (3.6). */
void ac_temp_refresh(struct addrconf *ac, ust_time_t now, const struct ac_addr *stable,
                     uint32_t preferred_secs)
{
    for (unsigned i = 0; i < ac->max_addrs; i++) {
        struct ac_addr *t = &ac->addrs[i];
        if (!t->in_use || t->kind != AC_TEMPORARY || !same_prefix(t, stable))
            continue;
        t->valid_until = min_t(stable->valid_until, t->created + ac->temp_valid);
        t->preferred_until = min_t(ac_expiry(now, preferred_secs),
                                   t->created + ac->temp_preferred - t->desync);
        t->preferred_until = min_t(t->preferred_until, t->valid_until);
        t->no_regen = preferred_secs == 0;
    }
    if (preferred_secs && !has_current_temp(ac, stable))
        ac_temp_create(ac, now, stable); /* TEMP-1: every SLAAC prefix has one */
}

ust_time_t ac_temp_regen_at(const struct addrconf *ac, const struct ac_addr *t)
{
    if (t->regen_done || t->no_regen || t->state == AC_DUPLICATE ||
        t->preferred_until == UST_TIME_NEVER)
        return UST_TIME_NEVER;
    return t->preferred_until > ac->regen_advance ? t->preferred_until - ac->regen_advance : 0;
}

/* TEMP-5: the successor, while the prefix is still preferred. */
void ac_temp_regen(struct addrconf *ac, ust_time_t now, struct ac_addr *t)
{
    t->regen_done = true;
    struct ac_addr *stable = ac_stable_for(ac, &t->addr);
    if (stable && stable->preferred_until > now && ac_temp_create(ac, now, stable))
        ac->stats->TempRegenerated++;
}
