/* Router and prefix discovery for a host: RFC 4861 6.3.4 (processing a
 * Router Advertisement), 6.3.5 (timeouts), 6.3.6 (default router choice),
 * RFC 5942 (on-link determination only from PIOs with L=1) and RFC 4191
 * 2.2 (default router preference). */
#include "router_list.h"

#include <stdlib.h>
#include <string.h>

#include "addrsel.h"

int router_list_init(struct router_list *rl, const struct ust_config *cfg, uint32_t link_mtu,
                     const struct rl_ops *ops, void *ctx, struct ust_ra_stats *stats)
{
    memset(rl, 0, sizeof(*rl));
    rl->max_routers = cfg->ipv6_ra_max_routers;
    rl->max_prefixes = cfg->ipv6_ra_max_prefixes;
    rl->routers = calloc(rl->max_routers ? rl->max_routers : 1, sizeof(*rl->routers));
    rl->prefixes = calloc(rl->max_prefixes ? rl->max_prefixes : 1, sizeof(*rl->prefixes));
    if (!rl->routers || !rl->prefixes) {
        router_list_free(rl);
        return UST_ERR_NOMEM;
    }
    rl->cur_hop_limit = RL_DEFAULT_HOP_LIMIT;
    rl->base_reachable_ms = RL_REACHABLE_TIME_MS;
    rl->reachable_time = (ust_time_t)RL_REACHABLE_TIME_MS * UST_MSEC;
    rl->reachable_redraw = UST_TIME_NEVER;
    rl->retrans_timer = (ust_time_t)RL_RETRANS_TIMER_MS * UST_MSEC;
    rl->link_mtu = rl->mtu = link_mtu;
    rl->accept_ra = cfg->ipv6_accept_ra;
    rl->ops = ops;
    rl->ctx = ctx;
    rl->stats = stats;
    return UST_OK;
}

void router_list_free(struct router_list *rl)
{
    free(rl->routers);
    free(rl->prefixes);
    rl->routers = NULL;
    rl->prefixes = NULL;
    rl->n_routers = rl->n_prefixes = 0;
}

void router_list_clear(struct router_list *rl)
{
    rl->n_routers = rl->n_prefixes = rl->rr_next = 0;
    rl->cur_hop_limit = RL_DEFAULT_HOP_LIMIT;
    rl->base_reachable_ms = RL_REACHABLE_TIME_MS;
    rl->reachable_time = (ust_time_t)RL_REACHABLE_TIME_MS * UST_MSEC;
    rl->reachable_redraw = UST_TIME_NEVER;
    rl->retrans_timer = (ust_time_t)RL_RETRANS_TIMER_MS * UST_MSEC;
    rl->mtu = rl->link_mtu;
    rl->managed = rl->other = false;
}

/* Seconds of an RA field to an expiry time; 0xffffffff is infinity for the
 * 32-bit lifetimes (RFC 4861 4.6.2). */
static ust_time_t expiry(ust_time_t now, uint32_t secs, bool infinite_allowed)
{
    if (infinite_allowed && secs == 0xffffffffu)
        return UST_TIME_NEVER;
    return now + (ust_time_t)secs * UST_SEC;
}

/* ReachableTime: uniform in [0.5, 1.5] x base (RFC 4861 6.3.2). */
static void draw_reachable(struct router_list *rl, ust_time_t now, struct ust_rng *rng)
{
    uint64_t base_ns = (uint64_t)rl->base_reachable_ms * UST_MSEC;
    uint64_t span = base_ns * (RL_MAX_RANDOM_FACTOR_PCT - RL_MIN_RANDOM_FACTOR_PCT) / 100;
    uint64_t low = base_ns * RL_MIN_RANDOM_FACTOR_PCT / 100;
    rl->reachable_time = low + (span ? rng_below(rng, span + 1) : 0);
    rl->reachable_redraw = now + RL_REACHABLE_REDRAW;
}

/* RFC 4191 2.2: Prf in bits 4-3 of the flags; the reserved value 10 is
 * medium. */
static int8_t ra_pref(uint8_t flags)
{
    switch ((flags >> 3) & 3) {
    case 1: return RL_PREF_HIGH;
    case 3: return RL_PREF_LOW;
    default: return RL_PREF_MEDIUM;
    }
}

static int find_router(const struct router_list *rl, const struct ipv6_addr *a)
{
    for (unsigned i = 0; i < rl->n_routers; i++)
        if (ipv6_addr_eq(&rl->routers[i].addr, a))
            return (int)i;
    return -1;
}

static void remove_router(struct router_list *rl, unsigned i)
{
    struct ipv6_addr gone = rl->routers[i].addr;
    rl->routers[i] = rl->routers[--rl->n_routers];
    if (rl->rr_next >= rl->n_routers)
        rl->rr_next = 0;
    if (rl->ops && rl->ops->router_removed)
        rl->ops->router_removed(rl->ctx, &gone);
}

bool router_list_drop(struct router_list *rl, const struct ipv6_addr *router)
{
    for (unsigned i = 0; i < rl->n_routers; i++) {
        if (ipv6_addr_eq(&rl->routers[i].addr, router)) {
            remove_router(rl, i);
            return true;
        }
    }
    return false;
}

/* RFC 4861 6.3.4: the Default Router List entry of the sender, added,
 * refreshed or (lifetime 0) removed at once (ND-13). */
static void update_router(struct router_list *rl, ust_time_t now, const struct ipv6_addr *src,
                          const struct nd_msg *m)
{
    int i = find_router(rl, src);
    if (m->router_lifetime == 0) {
        if (i >= 0)
            remove_router(rl, (unsigned)i);
        return;
    }
    if (i < 0) {
        if (rl->n_routers >= rl->max_routers) {
            rl->stats->RouterListFull++;
            return;
        }
        i = (int)rl->n_routers++;
        rl->routers[i].addr = *src;
    }
    rl->routers[i].expires = expiry(now, m->router_lifetime, false);
    rl->routers[i].pref = ra_pref(m->ra_flags);
}

/* Cur Hop Limit, Reachable Time, Retrans Timer: a 0 field means
 * unspecified and changes nothing (ND-11, ND-12). */
static void update_params(struct router_list *rl, ust_time_t now, const struct nd_msg *m,
                          struct ust_rng *rng)
{
    if (m->cur_hop_limit)
        rl->cur_hop_limit = m->cur_hop_limit;
    if (m->reachable_time && m->reachable_time != rl->base_reachable_ms) {
        rl->base_reachable_ms = m->reachable_time;
        draw_reachable(rl, now, rng);
    }
    if (m->retrans_timer)
        rl->retrans_timer = (ust_time_t)m->retrans_timer * UST_MSEC;
    rl->managed = (m->ra_flags & ND_RA_MANAGED) != 0;
    rl->other = (m->ra_flags & ND_RA_OTHER) != 0;
}

static void mask_prefix(struct ipv6_addr *p, uint8_t len)
{
    for (unsigned i = 0; i < IPV6_ADDR_LEN; i++) {
        unsigned bits = len > 8 * i ? len - 8 * i : 0;
        if (bits < 8)
            p->b[i] &= (uint8_t)(0xff00u >> bits);
    }
}

static int find_prefix(const struct router_list *rl, const struct ipv6_addr *p, uint8_t len)
{
    for (unsigned i = 0; i < rl->n_prefixes; i++)
        if (rl->prefixes[i].len == len && ipv6_addr_eq(&rl->prefixes[i].prefix, p))
            return (int)i;
    return -1;
}

static void remove_prefix(struct router_list *rl, unsigned i)
{
    struct rl_prefix gone = rl->prefixes[i];
    rl->prefixes[i] = rl->prefixes[--rl->n_prefixes];
    if (rl->ops && rl->ops->prefix_removed)
        rl->ops->prefix_removed(rl->ctx, &gone.prefix, gone.len);
}

/* A PIO with L=1 (RFC 4861 6.3.4, ND-15). L=0 says nothing about on-link
 * status and cancels nothing (ND-16): the caller does not come here. */
static void update_prefix(struct router_list *rl, ust_time_t now,
                          const struct nd_prefix_info *pi)
{
    struct ipv6_addr p = pi->prefix;
    mask_prefix(&p, pi->prefix_len);
    if (ipv6_addr_is_link_local(&p)) {
        rl->stats->PrefixIgnored++;
        return;
    }
    int i = find_prefix(rl, &p, pi->prefix_len);
    if (pi->valid_lifetime == 0) {
        if (i >= 0)
            remove_prefix(rl, (unsigned)i);
        return;
    }
    if (i < 0) {
        if (rl->n_prefixes >= rl->max_prefixes) {
            rl->stats->PrefixListFull++;
            return;
        }
        i = (int)rl->n_prefixes++;
        rl->prefixes[i].prefix = p;
        rl->prefixes[i].len = pi->prefix_len;
    }
    rl->prefixes[i].expires = expiry(now, pi->valid_lifetime, true);
}

/* MTU option: adopted within [1280, the link's MTU] (ND-14, RFC 2464 2). */
static void update_mtu(struct router_list *rl, uint32_t mtu)
{
    if (mtu < IPV6_MIN_MTU || mtu > rl->link_mtu) {
        rl->stats->MtuIgnored++;
        return;
    }
    rl->mtu = mtu;
}

/* The options (RFC 4861 4.6): PIO and MTU here; SLLA is the neighbour
 * cache's, the rest are ignored (ND-1). A wrong length skips one option. */
static void ra_options(struct router_list *rl, ust_time_t now, const struct nd_msg *m)
{
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, m->opts, m->opts_len);
    while (nd_opt_next(&it, &o)) {
        if (o.type == ND_OPT_PREFIX) {
            struct nd_prefix_info pi;
            if (nd_opt_prefix(&o, &pi) < 0)
                rl->stats->BadOptions++;
            else if (pi.flags & ND_PIO_ONLINK)
                update_prefix(rl, now, &pi);
        } else if (o.type == ND_OPT_MTU) {
            uint32_t mtu;
            if (nd_opt_mtu(&o, &mtu) < 0)
                rl->stats->BadOptions++;
            else
                update_mtu(rl, mtu);
        }
    }
}

int router_list_ra(struct router_list *rl, ust_time_t now, const struct nd_ip *ip,
                   const struct nd_msg *m, struct ust_rng *rng)
{
    rl->stats->InRAs++;
    if (m->type != ICMPV6_ND_RA) {
        rl->stats->Malformed++;
        return UST_ERR_INVAL;
    }
    if (ip->hop_limit != ND_HOP_LIMIT) { /* RFC 4861 6.1.2: off-link sender */
        rl->stats->BadHopLimit++;
        return UST_ERR_INVAL;
    }
    if (!ipv6_addr_is_link_local(ip->src)) {
        rl->stats->BadSource++;
        return UST_ERR_INVAL;
    }
    if (!rl->accept_ra) {
        rl->stats->Ignored++;
        return UST_ERR_PERM;
    }
    update_router(rl, now, ip->src, m);
    update_params(rl, now, m, rng);
    ra_options(rl, now, m);
    rl->stats->Accepted++;
    return UST_OK;
}

int router_list_ra_bytes(struct router_list *rl, ust_time_t now, const struct nd_ip *ip,
                         const uint8_t *msg, size_t len, struct nd_msg *m, struct ust_rng *rng)
{
    if (nd_parse(msg, len, ip, m) < 0) {
        rl->stats->InRAs++;
        if (ip->hop_limit != ND_HOP_LIMIT)
            rl->stats->BadHopLimit++;
        else if (len >= 1 && msg[0] == ICMPV6_ND_RA && !ipv6_addr_is_link_local(ip->src))
            rl->stats->BadSource++;
        else
            rl->stats->Malformed++;
        return UST_ERR_INVAL;
    }
    return router_list_ra(rl, now, ip, m, rng);
}

/* RFC 4861 6.3.5: an entry whose lifetime ended is removed; the datapath
 * hears of it (ops) and moves the affected destinations elsewhere. */
void router_list_tick(struct router_list *rl, ust_time_t now, struct ust_rng *rng)
{
    for (unsigned i = 0; i < rl->n_routers;) {
        if (rl->routers[i].expires <= now) {
            rl->stats->RoutersExpired++;
            remove_router(rl, i);
        } else {
            i++;
        }
    }
    for (unsigned i = 0; i < rl->n_prefixes;) {
        if (rl->prefixes[i].expires <= now) {
            rl->stats->PrefixesExpired++;
            remove_prefix(rl, i);
        } else {
            i++;
        }
    }
    if (rl->reachable_redraw <= now)
        draw_reachable(rl, now, rng);
}

ust_time_t router_list_next_deadline(const struct router_list *rl)
{
    ust_time_t t = rl->reachable_redraw;
    for (unsigned i = 0; i < rl->n_routers; i++)
        if (rl->routers[i].expires < t)
            t = rl->routers[i].expires;
    for (unsigned i = 0; i < rl->n_prefixes; i++)
        if (rl->prefixes[i].expires < t)
            t = rl->prefixes[i].expires;
    return t;
}
