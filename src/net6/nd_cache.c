/* The neighbour cache (RFC 4861 7.3): per neighbour its link-layer address
 * and reachability state INCOMPLETE / REACHABLE / STALE / DELAY / PROBE,
 * driven by the entry's timer on the stack clock. Bounded by
 * cfg.nd_max_entries (the oldest INCOMPLETE, then STALE, then any entry is
 * evicted: EntriesEvicted), with at most cfg.nd_queue_len packets waiting
 * for resolution per entry (the oldest dropped first, 7.2.2: QueueDrops). */
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "link/link.h"
#include "net6_impl.h"
#include "wire/eth.h"

const char *nd_state_name(enum nd_state s)
{
    static const char *const names[] = {"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE"};
    return names[s];
}

static struct nd_table *tab(struct ust_stack *st) { return &stack_net6(st)->nd; }

int nd_init(struct ust_stack *st)
{
    (void)st;
    return UST_OK;
}

struct nd_entry *nd_lookup(struct ust_stack *st, int ifindex, const struct ipv6_addr *ip)
{
    struct nd_table *t = tab(st);
    for (unsigned i = 0; i < t->count; i++)
        if (t->v[i]->ifindex == ifindex && ipv6_addr_eq(&t->v[i]->ip, ip))
            return t->v[i];
    return NULL;
}

void nd_remove(struct ust_stack *st, struct nd_entry *e)
{
    struct nd_table *t = tab(st);
    for (unsigned i = 0; i < t->count; i++) {
        if (t->v[i] != e)
            continue;
        t->v[i] = t->v[--t->count];
        break;
    }
    stack_stats(st)->nd6.QueueDrops += e->pending.count;
    pkt_queue_clear(&e->pending);
    timer_cancel(st, &e->timer);
    free(e);
}

void nd_iface_flush(struct ust_stack *st, int ifindex)
{
    struct nd_table *t = tab(st);
    for (unsigned i = t->count; i-- > 0;) /* nd_remove moves the last entry to i */
        if (t->v[i]->ifindex == ifindex)
            nd_remove(st, t->v[i]);
}

void nd_destroy(struct ust_stack *st)
{
    struct nd_table *t = tab(st);
    while (t->count)
        nd_remove(st, t->v[0]);
    free(t->v);
    t->v = NULL;
    t->cap = 0;
}

/* The entry to give up when the table is full: the oldest INCOMPLETE,
 * else the least recently used STALE, else the least recently used one. */
static struct nd_entry *nd_victim(struct nd_table *t)
{
    struct nd_entry *best = NULL;
    for (int pass = 0; pass < 3 && !best; pass++)
        for (unsigned i = 0; i < t->count; i++) {
            struct nd_entry *e = t->v[i];
            bool fits = pass == 2 || (pass == 0 ? e->state == ND_INCOMPLETE : e->state == ND_STALE);
            if (fits && (!best || e->used < best->used))
                best = e;
        }
    return best;
}

struct nd_entry *nd_create(struct ust_stack *st, int ifindex, const struct ipv6_addr *ip)
{
    struct nd_table *t = tab(st);
    if (ust_stack_config(st)->nd_max_entries == 0)
        return NULL;
    if (t->count >= ust_stack_config(st)->nd_max_entries) {
        nd_remove(st, nd_victim(t));
        stack_stats(st)->nd6.EntriesEvicted++;
    }
    if (t->count == t->cap) {
        unsigned cap = t->cap ? t->cap * 2 : 16;
        struct nd_entry **v = realloc(t->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        t->v = v;
        t->cap = cap;
    }
    struct nd_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->ip = *ip;
    e->ifindex = ifindex;
    e->state = ND_INCOMPLETE;
    e->used = stack_now(st);
    timer_init(&e->timer, nd_timer_fired);
    t->v[t->count++] = e;
    return e;
}

static void nd_set_state(struct ust_stack *st, struct nd_entry *e, enum nd_state s, ust_time_t after)
{
    char b[IPV6_ADDR_STRLEN];
    if (e->state != s)
        TRACE(st, "nd", "%s %s -> %s", IP6STR(&e->ip, b), nd_state_name(e->state), nd_state_name(s));
    e->state = s;
    if (s == ND_REACHABLE) {
        /* RFC 4861 6.3.2: ReachableTime is BaseReachableTime times a random
         * factor in [0.5, 1.5), per entry here. */
        ust_time_t base = slaac_base_reachable(st, e->ifindex); /* an RA's, else cfg */
        e->reachable_time = base / 2 + (ust_time_t)rng_below(stack_rng(st), base ? base : 1);
        e->confirmed = stack_now(st);
        after = e->reachable_time;
    }
    timer_arm(st, &e->timer, stack_now(st) + after);
}

static int nd_xmit(struct ust_stack *st, struct nd_entry *e, struct pkt *p)
{
    struct ust_dev *dev = ip6_dev(st, e->ifindex);
    if (!dev) {
        pkt_free(p);
        return UST_ERR_NETDOWN;
    }
    return eth_output(st, dev, p, e->mac.b, ETH_TYPE_IPV6);
}

static void nd_flush(struct ust_stack *st, struct nd_entry *e)
{
    struct pkt *p;
    while ((p = pkt_queue_pop(&e->pending)))
        nd_xmit(st, e, p);
}

int nd_output(struct ust_stack *st, int ifindex, const struct ipv6_addr *nh, struct pkt *p)
{
    struct nd_entry *e = nd_lookup(st, ifindex, nh);
    if (!e) {
        e = nd_create(st, ifindex, nh);
        if (!e) {
            stack_stats(st)->nd6.QueueDrops++;
            pkt_free(p);
            return UST_ERR_NOMEM;
        }
        e->probes = 1;
        nd_solicit(st, ifindex, nh, NULL);
        nd_set_state(st, e, ND_INCOMPLETE, slaac_retrans_time(st, e->ifindex));
    }
    e->used = stack_now(st);
    if (e->state == ND_INCOMPLETE) {
        if (ust_stack_config(st)->nd_queue_len == 0 || e->pending.count >= ust_stack_config(st)->nd_queue_len) {
            /* RFC 4861 7.2.2: when the queue overflows, the oldest goes. */
            struct pkt *old = ust_stack_config(st)->nd_queue_len ? pkt_queue_pop(&e->pending) : p;
            pkt_free(old);
            stack_stats(st)->nd6.QueueDrops++;
            if (old == p)
                return UST_OK;
        }
        pkt_queue_push(&e->pending, p);
        return UST_OK;
    }
    if (e->state == ND_STALE) /* 7.3.3: first use of a STALE entry */
        nd_set_state(st, e, ND_DELAY, ust_stack_config(st)->nd_delay_first_probe);
    return nd_xmit(st, e, p);
}

static void nd_give_up(struct ust_stack *st, struct nd_entry *e)
{
    char b[IPV6_ADDR_STRLEN];
    if (e->state == ND_INCOMPLETE)
        stack_stats(st)->nd6.ResolveFailed++;
    else
        stack_stats(st)->nd6.NudFailed++;
    TRACE(st, "nd", "%s unreachable after %u NS: entry removed (%zu packets dropped)",
          IP6STR(&e->ip, b), e->probes, (size_t)e->pending.count);
    /* 7.2.2: each packet that waited gets Destination Unreachable code 3
     * (its sender learns EHOSTUNREACH); dropped, counted in QueueDrops. The
     * entry leaves the table first, so that what the sender does about the
     * error starts a fresh resolution. */
    struct pkt_queue failed = e->pending;
    e->pending = (struct pkt_queue){0};
    redir6_forget_next_hop(st, e->ifindex, &e->ip); /* 7.3.3 */
    nd_remove(st, e);
    struct pkt *p;
    while ((p = pkt_queue_pop(&failed))) {
        stack_stats(st)->nd6.QueueDrops++;
        icmp6_addr_unreachable(st, p->data, p->len);
        pkt_free(p);
    }
}

void nd_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct nd_entry *e = (struct nd_entry *)((char *)t - offsetof(struct nd_entry, timer));
    switch (e->state) {
    case ND_INCOMPLETE:
        if (e->probes >= ust_stack_config(st)->nd_max_mcast_solicit) {
            nd_give_up(st, e);
            return;
        }
        e->probes++;
        nd_solicit(st, e->ifindex, &e->ip, NULL);
        nd_set_state(st, e, ND_INCOMPLETE, slaac_retrans_time(st, e->ifindex));
        return;
    case ND_REACHABLE:
        nd_set_state(st, e, ND_STALE, ust_stack_config(st)->nd_stale_time);
        return;
    case ND_STALE: /* unused for nd_stale_time: forgotten */
        nd_remove(st, e);
        return;
    case ND_DELAY:
    case ND_PROBE:
        if (e->state == ND_DELAY)
            e->probes = 0; /* 7.3.3: DELAY ends in the first unicast probe */
        if (e->probes >= ust_stack_config(st)->nd_max_ucast_solicit) {
            nd_give_up(st, e);
            return;
        }
        e->probes++;
        nd_solicit(st, e->ifindex, &e->ip, e->mac.b);
        nd_set_state(st, e, ND_PROBE, slaac_retrans_time(st, e->ifindex));
        return;
    }
}

void nd_learn(struct ust_stack *st, int ifindex, const struct ipv6_addr *ip,
              const uint8_t mac[6], bool create)
{
    struct nd_entry *e = nd_lookup(st, ifindex, ip);
    if (!e && (!create || !(e = nd_create(st, ifindex, ip))))
        return;
    bool changed = memcmp(e->mac.b, mac, 6) != 0;
    if (e->state != ND_INCOMPLETE && !changed)
        return;
    memcpy(e->mac.b, mac, 6);
    nd_set_state(st, e, ND_STALE, ust_stack_config(st)->nd_stale_time);
    nd_flush(st, e);
}

/* IsRouter from an NA's R flag; going FALSE takes the neighbour off the
 * Default Router List (RFC 4861 7.2.5). */
static void nd_set_router(struct ust_stack *st, struct nd_entry *e, bool router)
{
    bool was = e->is_router;
    e->is_router = router;
    if (was && !router)
        slaac_router_gone(st, e->ifindex, &e->ip);
}

void nd_na_update(struct ust_stack *st, struct nd_entry *e, const uint8_t *mac, bool solicited,
                  bool override, bool router)
{
    if (e->state == ND_INCOMPLETE) {
        if (!mac)
            return; /* 7.2.5: no TLLA, nothing to learn */
        memcpy(e->mac.b, mac, 6);
        nd_set_router(st, e, router);
        nd_set_state(st, e, solicited ? ND_REACHABLE : ND_STALE, ust_stack_config(st)->nd_stale_time);
        nd_flush(st, e);
        return;
    }
    bool changed = mac && memcmp(e->mac.b, mac, 6) != 0;
    if (!override && changed) {
        /* 7.2.5: keep the cached address; a REACHABLE entry becomes STALE. */
        if (e->state == ND_REACHABLE)
            nd_set_state(st, e, ND_STALE, ust_stack_config(st)->nd_stale_time);
        return;
    }
    if (changed)
        memcpy(e->mac.b, mac, 6);
    nd_set_router(st, e, router);
    if (solicited)
        nd_set_state(st, e, ND_REACHABLE, 0);
    else if (changed)
        nd_set_state(st, e, ND_STALE, ust_stack_config(st)->nd_stale_time);
}

void nd_confirm(struct ust_stack *st, int ifindex, const struct ipv6_addr *ip)
{
    struct nd_entry *e = nd_lookup(st, ifindex, ip);
    if (e && e->state != ND_INCOMPLETE)
        nd_set_state(st, e, ND_REACHABLE, 0);
}

void ipv6_confirm_reachable(struct ust_stack *st, const struct ipv6_addr *dst, int ifindex)
{
    int out_if;
    struct ipv6_addr nh;
    if (route6_next_hop(st, dst, ifindex, &out_if, &nh) == UST_OK && !ipv6_addr_is_multicast(&nh))
        nd_confirm(st, out_if, &nh);
}
