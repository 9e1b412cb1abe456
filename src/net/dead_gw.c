/* Dead gateway detection (RFC 1122 3.3.1.4) and default gateway failover
 * (3.3.1.5). Detection uses advice only, never pings (IP-49..51): negative
 * advice comes from the link layer (ARP gave up resolving a gateway: the
 * traffic that started the resolution was its probe) or from a transport
 * (ADVISE_DELIVPROB, ipv4_advise_delivery); positive advice from a
 * successful resolution or a transport. A gateway believed dead has its
 * routes skipped by route_lookup, so the next default gateway takes over;
 * after cfg.ip_gw_retry it is tried again (the preferred one wins back its
 * traffic as soon as it answers). */
#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"

static void gw_retry_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now);

/* Arms the retry timer for the earliest dead route. */
static void gw_retry_arm(struct ust_stack *st)
{
    struct route_table *t = &stack_net(st)->routes;
    ust_time_t next = UST_TIME_NEVER;
    for (unsigned i = 0; i < t->n; i++)
        if (t->r[i].dead && t->r[i].dead_until < next)
            next = t->r[i].dead_until;
    if (!timer_armed(&t->gw_retry))
        timer_init(&t->gw_retry, gw_retry_fired);
    if (next == UST_TIME_NEVER)
        timer_cancel(st, &t->gw_retry);
    else
        timer_arm(st, &t->gw_retry, next);
}

/* Marks gw's routes dead (or alive); returns how many changed. */
static unsigned gw_mark(struct ust_stack *st, ust_ip4_t gw, bool dead)
{
    struct route_table *t = &stack_net(st)->routes;
    ust_time_t until = stack_now(st) + ust_stack_config(st)->ip_gw_retry;
    unsigned n = 0;
    for (unsigned i = 0; i < t->n; i++) {
        struct route *r = &t->r[i];
        if (r->gateway != gw || r->dead == dead)
            continue;
        r->dead = dead;
        r->dead_until = until;
        n++;
    }
    return n;
}

static void gw_retry_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)t;
    char g[16];
    struct route_table *rt = &stack_net(st)->routes;
    for (unsigned i = 0; i < rt->n; i++) {
        struct route *r = &rt->r[i];
        if (r->dead && r->dead_until <= now) {
            r->dead = false;
            TRACE(st, "route", "gateway %s: trying it again", IP4STR(r->gateway, g));
        }
    }
    route_cache_flush(rt, true);
    gw_retry_arm(st);
}

void ipv4_gateway_advice(struct ust_stack *st, ust_ip4_t gw, bool positive)
{
    char g[16];
    if (gw == 0 || gw_mark(st, gw, !positive) == 0)
        return; /* not a gateway, or nothing new */
    if (positive) {
        TRACE(st, "route", "gateway %s is alive", IP4STR(gw, g));
        route_cache_flush(&stack_net(st)->routes, true); /* back to the preferred one */
    } else {
        stack_stats(st)->ip.DeadGateways++;
        TRACE(st, "route", "gateway %s is dead", IP4STR(gw, g));
        route_cache_flush_gateway(&stack_net(st)->routes, gw);
    }
    gw_retry_arm(st);
}

void ipv4_advise_delivery(struct ust_stack *st, ust_ip4_t dst, bool positive)
{
    ust_ip4_t hop = 0;
    if (!route_next_hop(st, dst, &hop) || hop == dst)
        return; /* on-link: there is no gateway to judge */
    ipv4_gateway_advice(st, hop, positive);
}

void ust_ip_advise_delivery(struct ust_stack *st, ust_ip4_t dst, bool positive)
{
    if (!st)
        return;
    ust_stack_now(st);
    ipv4_advise_delivery(st, dst, positive);
}
