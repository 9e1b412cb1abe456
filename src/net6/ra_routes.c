/* More-specific routes from Router Advertisements (RFC 4191, a Type C
 * host): each valid Route Information option puts (prefix, router,
 * preference, lifetime) in the interface's bounded list; a lifetime of 0
 * takes it out (3.1). Next-hop choice (slaac.c) asks ra_routes_match for
 * the longest matching route, ties broken by the router's reachability
 * and then its preference (3.2, as for default routers, RFC 4861 6.3.6).
 * Entries expire at their lifetime on the interface's autoconf timer. */
#include <string.h>

#include "addrsel.h"
#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"

static ust_time_t expiry(ust_time_t now, uint32_t lifetime)
{
    return lifetime == 0xffffffffu ? UST_TIME_NEVER : now + (ust_time_t)lifetime * UST_SEC;
}

static int route_find(const struct ip6_autoconf *ra, const struct nd_route_info *ri,
                      const struct ipv6_addr *router)
{
    for (unsigned i = 0; i < ra->n_routes; i++) {
        const struct ra_route *r = &ra->routes[i];
        if (r->len == ri->prefix_len && ipv6_addr_eq(&r->prefix, &ri->prefix) &&
            ipv6_addr_eq(&r->router, router))
            return (int)i;
    }
    return -1;
}

static void route_remove(struct ip6_autoconf *ra, unsigned i)
{
    ra->routes[i] = ra->routes[--ra->n_routes];
}

void ra_routes_option(struct ip6_autoconf *ra, ust_time_t now, const struct ipv6_addr *router,
                      const struct nd_opt *o)
{
    struct ust_stats *s = stack_stats(ra->st);
    struct nd_route_info ri;
    /* RFC 4191 3.1: a bad Length or Prefix Length, or the reserved
     * preference, and the option is ignored; a link-local or multicast
     * prefix names no route a router could offer. */
    if (nd_opt_route_info(o, &ri) != WIRE_OK || ipv6_addr_is_multicast(&ri.prefix) ||
        (ri.prefix_len >= 10 && ipv6_addr_is_link_local(&ri.prefix))) {
        s->ra.RouteInfoIgnored++;
        return;
    }
    char b[IPV6_ADDR_STRLEN];
    int i = route_find(ra, &ri, router);
    if (ri.lifetime == 0) {
        if (i >= 0)
            route_remove(ra, (unsigned)i);
        return;
    }
    if (i < 0) {
        unsigned cap = ust_stack_config(ra->st)->ipv6_ra_max_routes;
        if (ra->n_routes >= cap || ra->n_routes >= UST_RA_MAX_ROUTES) {
            s->ra.RouteListFull++;
            return;
        }
        i = (int)ra->n_routes++;
        ra->routes[i] = (struct ra_route){.prefix = ri.prefix, .router = *router,
                                          .len = ri.prefix_len};
        TRACE(ra->st, "nd", "route %s/%u via RA router, preference %d, %u s",
              IP6STR(&ri.prefix, b), ri.prefix_len, ri.pref, ri.lifetime);
    }
    ra->routes[i].pref = ri.pref;
    ra->routes[i].expires = expiry(now, ri.lifetime);
}

static bool router_reachable(const struct ip6_autoconf *ra, const struct ipv6_addr *router)
{
    const struct nd_entry *e = nd_lookup(ra->st, ra->ifindex, router);
    return e && e->state != ND_INCOMPLETE;
}

/* Is route a better than route b for the same destination (RFC 4191 3.2)? */
static bool route_better(const struct ip6_autoconf *ra, const struct ra_route *a,
                         const struct ra_route *b)
{
    if (a->len != b->len)
        return a->len > b->len;
    bool ra_ok = router_reachable(ra, &a->router), rb_ok = router_reachable(ra, &b->router);
    if (ra_ok != rb_ok)
        return ra_ok;
    return a->pref > b->pref;
}

int ra_routes_match(const struct ip6_autoconf *ra, const struct ipv6_addr *dst,
                    struct ipv6_addr *router)
{
    const struct ra_route *best = NULL;
    for (unsigned i = 0; i < ra->n_routes; i++) {
        const struct ra_route *r = &ra->routes[i];
        if (as_common_prefix(&r->prefix, dst, r->len) >= r->len &&
            (!best || route_better(ra, r, best)))
            best = r;
    }
    if (!best)
        return -1;
    *router = best->router;
    return best->len;
}

ust_time_t ra_routes_deadline(const struct ip6_autoconf *ra)
{
    ust_time_t when = UST_TIME_NEVER;
    for (unsigned i = 0; i < ra->n_routes; i++)
        if (ra->routes[i].expires < when)
            when = ra->routes[i].expires;
    return when;
}

void ra_routes_tick(struct ip6_autoconf *ra, ust_time_t now)
{
    for (unsigned i = 0; i < ra->n_routes;) {
        if (ra->routes[i].expires <= now) {
            char b[IPV6_ADDR_STRLEN];
            TRACE(ra->st, "nd", "route %s/%u expired", IP6STR(&ra->routes[i].prefix, b),
                  ra->routes[i].len);
            stack_stats(ra->st)->ra.RoutesExpired++;
            route_remove(ra, i);
        } else {
            i++;
        }
    }
}

void ra_routes_drop_router(struct ip6_autoconf *ra, const struct ipv6_addr *router)
{
    for (unsigned i = 0; i < ra->n_routes;) {
        if (ipv6_addr_eq(&ra->routes[i].router, router))
            route_remove(ra, i);
        else
            i++;
    }
}
