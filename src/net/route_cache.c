/* The route cache (RFC 1122 3.3.1.2-3.3.1.3): per destination, the first
 * hop in use, taken from the routing table on first use. It is what ICMP
 * Redirects update (3.2.2.2) and what dead gateway detection purges
 * (3.3.1.4): an entry through a dead gateway is dropped and rebuilt from
 * the table, which then picks the next default gateway. Keyed by host
 * address (3.3.1.3 MAY); bounded, the least recently used entry evicted
 * (a redirected one only when nothing else can go). */
#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"

static bool entry_live(const struct route_cache_entry *e, ust_time_t now)
{
    return e->valid && (!e->redirected || e->expires > now);
}

static struct route_cache_entry *cache_find(struct route_table *t, ust_ip4_t dst, ust_time_t now)
{
    for (unsigned i = 0; i < ROUTE_CACHE_SIZE; i++)
        if (entry_live(&t->cache[i], now) && t->cache[i].dst == dst)
            return &t->cache[i];
    return NULL;
}

/* dst's own entry, else a free or expired one, else the least recently
 * used plain entry, else the least recently used redirect. */
static struct route_cache_entry *cache_slot(struct route_table *t, ust_ip4_t dst, ust_time_t now)
{
    struct route_cache_entry *best = NULL;
    for (unsigned i = 0; i < ROUTE_CACHE_SIZE; i++) {
        struct route_cache_entry *e = &t->cache[i];
        if (e->valid && e->dst == dst)
            return e;
        if (!entry_live(e, now))
            return e;
        if (!best || (best->redirected && !e->redirected) ||
            (best->redirected == e->redirected && e->used < best->used))
            best = e;
    }
    return best;
}

ust_ip4_t redirect_get(const struct ust_stack *st, ust_ip4_t dst)
{
    const struct route_table *t = &stack_net_const(st)->routes;
    ust_time_t now = stack_now(st);
    for (unsigned i = 0; i < ROUTE_CACHE_SIZE; i++) {
        const struct route_cache_entry *e = &t->cache[i];
        if (entry_live(e, now) && e->redirected && e->dst == dst)
            return e->gateway;
    }
    return 0;
}

struct ust_iface *route_next_hop(struct ust_stack *st, ust_ip4_t dst, ust_ip4_t *next_hop)
{
    struct route_table *t = &stack_net(st)->routes;
    ust_time_t now = stack_now(st);
    struct route_cache_entry *e = cache_find(t, dst, now);
    if (!e) {
        const struct route *r = route_lookup(t, dst);
        if (!r)
            return NULL;
        e = cache_slot(t, dst, now);
        *e = (struct route_cache_entry){.dst = dst, .gateway = r->gateway,
                                        .ifindex = r->ifindex, .valid = true};
    }
    e->used = now;
    *next_hop = e->gateway ? e->gateway : dst;
    return iface_by_index(st, e->ifindex);
}

void route_cache_redirect(struct ust_stack *st, ust_ip4_t dst, ust_ip4_t gw, int ifindex)
{
    ust_time_t now = stack_now(st);
    struct route_cache_entry *e = cache_slot(&stack_net(st)->routes, dst, now);
    *e = (struct route_cache_entry){.dst = dst, .gateway = gw, .ifindex = ifindex, .valid = true,
                                    .redirected = true, .expires = now + REDIRECT_AGE, .used = now};
}

void route_cache_flush(struct route_table *t, bool keep_redirects)
{
    for (unsigned i = 0; i < ROUTE_CACHE_SIZE; i++)
        if (!(keep_redirects && t->cache[i].redirected))
            t->cache[i].valid = false;
}

void route_cache_flush_gateway(struct route_table *t, ust_ip4_t gw)
{
    for (unsigned i = 0; i < ROUTE_CACHE_SIZE; i++)
        if (t->cache[i].gateway == gw)
            t->cache[i].valid = false;
}
