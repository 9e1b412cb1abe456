/* Stateless address autoconfiguration (RFC 4862 5.3-5.5): the link-local
 * address, addresses from Prefix Information options with A=1, their
 * lifetimes (preferred -> deprecated -> invalid) and what DAD decided. */
#include "addrconf.h"

#include <stdlib.h>
#include <string.h>

int addrconf_init(struct addrconf *ac, const struct ust_config *cfg, const struct ac_ops *ops,
                  void *ctx, struct ust_rng *rng, struct ust_addrconf_stats *stats,
                  const void *net_iface, size_t net_iface_len)
{
    memset(ac, 0, sizeof(*ac));
    if (!ops || !ops->prf || net_iface_len > AC_NET_IFACE_MAX || cfg->ipv6_max_addrs == 0)
        return UST_ERR_INVAL;
    ac->addrs = calloc(cfg->ipv6_max_addrs, sizeof(*ac->addrs));
    if (!ac->addrs)
        return UST_ERR_NOMEM;
    ac->max_addrs = cfg->ipv6_max_addrs;
    ac->ops = ops;
    ac->ctx = ctx;
    ac->rng = rng;
    ac->stats = stats;
    ac->autoconf = cfg->ipv6_autoconf;
    ac->temp_addrs = cfg->ipv6_temp_addrs;
    ac->temp_valid = cfg->ipv6_temp_valid_lft;
    ac->temp_preferred = cfg->ipv6_temp_preferred_lft;
    memcpy(ac->net_iface, net_iface, net_iface_len);
    ac->net_iface_len = net_iface_len;
    ac->rs_max = cfg->ipv6_rs_max;
    ac->rs_next = UST_TIME_NEVER;
    addrconf_set_dad_params(ac, 1, UST_SEC);
    return UST_OK;
}

void addrconf_free(struct addrconf *ac)
{
    free(ac->addrs);
    ac->addrs = NULL;
    ac->max_addrs = 0;
}

void addrconf_set_dad_params(struct addrconf *ac, unsigned dad_transmits,
                             ust_time_t retrans_timer)
{
    ac->regen_advance = 2 * UST_SEC + (ust_time_t)AC_TEMP_IDGEN_RETRIES * dad_transmits *
                                          retrans_timer;
}

ust_time_t ac_expiry(ust_time_t now, uint32_t secs)
{
    return secs == 0xffffffffu ? UST_TIME_NEVER : now + (ust_time_t)secs * UST_SEC;
}

ust_time_t ac_random_delay(struct addrconf *ac, ust_time_t max)
{
    return rng_below(ac->rng, max + 1);
}

struct ac_addr *ac_alloc(struct addrconf *ac)
{
    for (unsigned i = 0; i < ac->max_addrs; i++) {
        if (!ac->addrs[i].in_use) {
            memset(&ac->addrs[i], 0, sizeof(ac->addrs[i]));
            ac->addrs[i].in_use = true;
            return &ac->addrs[i];
        }
    }
    ac->stats->AddrListFull++;
    return NULL;
}

const struct ac_addr *addrconf_find(const struct addrconf *ac, const struct ipv6_addr *a)
{
    for (unsigned i = 0; i < ac->max_addrs; i++)
        if (ac->addrs[i].in_use && ipv6_addr_eq(&ac->addrs[i].addr, a))
            return &ac->addrs[i];
    return NULL;
}

/* The stable (or duplicate: given up) entry formed from a /64: the record
 * that the prefix is known (RFC 4862 5.5.3 d/e). */
struct ac_addr *ac_stable_for(struct addrconf *ac, const struct ipv6_addr *prefix)
{
    for (unsigned i = 0; i < ac->max_addrs; i++) {
        struct ac_addr *e = &ac->addrs[i];
        if (e->in_use && e->kind == AC_STABLE && memcmp(e->addr.b, prefix->b, 8) == 0)
            return e;
    }
    return NULL;
}

struct ac_addr *ac_new_addr(struct addrconf *ac, ust_time_t now, uint8_t kind,
                                const struct ipv6_addr *prefix, ust_time_t delay)
{
    struct ac_addr *e = ac_alloc(ac);
    if (!e)
        return NULL;
    memcpy(e->addr.b, prefix->b, 8);
    e->prefix_len = 64;
    e->kind = kind;
    e->state = AC_TENTATIVE;
    e->created = now;
    e->dad_at = now + delay;
    bool temp = kind == AC_TEMPORARY;
    if (!ac_make_iid(ac, e)) {
        if (temp)
            ac->stats->TempGiveUps++;
        else
            ac->stats->DadGiveUps++;
        e->in_use = false;
        return NULL;
    }
    if (temp)
        ac->stats->TempAddrsCreated++;
    else
        ac->stats->AddrsCreated++;
    return e;
}

void addrconf_start(struct addrconf *ac, ust_time_t now)
{
    struct ipv6_addr ll = {{0xfe, 0x80}};
    struct ac_addr *e = ac_new_addr(ac, now, AC_LINK_LOCAL, &ll,
                                 ac_random_delay(ac, AC_MAX_RTR_SOLICITATION_DELAY));
    if (e) /* a link-local address never expires (RFC 4862 5.3) */
        e->preferred_until = e->valid_until = UST_TIME_NEVER;
    ac_rs_start(ac, now);
}

void addrconf_stop(struct addrconf *ac)
{
    for (unsigned i = 0; i < ac->max_addrs; i++) {
        if (ac->addrs[i].in_use) {
            ac_withdraw(ac, &ac->addrs[i], AC_INVALID);
            ac->addrs[i].in_use = false;
        }
    }
    ac->rs_next = UST_TIME_NEVER;
}
