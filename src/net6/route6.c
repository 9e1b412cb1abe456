/* IPv6 routes of a host (RFC 4861 5.2 conceptual sending algorithm): the
 * on-link prefixes of our addresses and static routes, longest prefix
 * first, with default routers as ::/0 (ust_route_add6, --gateway6; the
 * router list from Router Advertisements feeds the same table later).
 * Link-local destinations need no route: they are on the link their
 * scope names (RFC 4007). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"

static bool prefix_match(const struct ipv6_addr *a, const struct ipv6_addr *pfx, unsigned len)
{
    unsigned full = len / 8, rest = len % 8;
    if (memcmp(a->b, pfx->b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (a->b[full] & mask) == (pfx->b[full] & mask);
}

int route6_add(struct ust_stack *st, const struct ipv6_addr *prefix, uint8_t prefix_len,
               const struct ipv6_addr *gw, int ifindex)
{
    struct route6_table *t = &stack_net6(st)->routes;
    for (unsigned i = 0; i < t->n; i++) {
        struct route6 *r = &t->r[i];
        if (r->prefix_len == prefix_len && ipv6_addr_eq(&r->prefix, prefix) &&
            r->ifindex == ifindex && r->has_gw == (gw != NULL) &&
            (!gw || ipv6_addr_eq(&r->gw, gw)))
            return UST_OK; /* already there */
    }
    if (t->n == UST_MAX_ROUTES)
        return UST_ERR_NOMEM;
    /* Kept sorted by prefix length, longest first: lookup takes the first match. */
    unsigned pos = 0;
    while (pos < t->n && t->r[pos].prefix_len >= prefix_len)
        pos++;
    memmove(&t->r[pos + 1], &t->r[pos], (t->n - pos) * sizeof(t->r[0]));
    t->r[pos] = (struct route6){.prefix = *prefix, .prefix_len = prefix_len, .ifindex = ifindex,
                                .has_gw = gw != NULL};
    if (gw)
        t->r[pos].gw = *gw;
    t->n++;
    return UST_OK;
}

const struct route6 *route6_lookup(const struct ust_stack *st, const struct ipv6_addr *dst)
{
    const struct route6_table *t = &stack_net6_const(st)->routes;
    for (unsigned i = 0; i < t->n; i++)
        if (ip6_iface_const(st, t->r[i].ifindex) && prefix_match(dst, &t->r[i].prefix, t->r[i].prefix_len))
            return &t->r[i];
    return NULL;
}

/* The one interface with IPv6, for a link-local destination without a
 * scope (-1 when there are several: the caller must name one). */
static int only_iface(const struct ust_stack *st)
{
    int found = -1;
    for (int i = 0; i < UST_MAX_IFACES; i++) {
        if (!ip6_iface_const(st, i))
            continue;
        if (found >= 0)
            return -1;
        found = i;
    }
    return found;
}

int route6_next_hop(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                    int *out_ifindex, struct ipv6_addr *nh)
{
    bool link_scope = ipv6_addr_is_link_local(dst) ||
                      (ipv6_addr_is_multicast(dst) && ipv6_mcast_scope(dst) <= 2);
    if (link_scope || ipv6_addr_is_multicast(dst)) {
        int i = ifindex >= 0 ? ifindex : only_iface(st);
        if (!ip6_iface_const(st, i))
            return UST_ERR_NOROUTE;
        *out_ifindex = i;
        *nh = *dst;
        return UST_OK;
    }
    /* RFC 4861 5.2: the Destination Cache first (what Redirects taught). */
    if (redir6_lookup(st, dst, ifindex, out_ifindex, nh))
        return UST_OK;
    const struct route6 *r = route6_lookup(st, dst);
    if (!r)  /* static routes win; then what Router Advertisements taught */
        return slaac_next_hop(st, dst, ifindex, out_ifindex, nh);
    if (ifindex >= 0 && r->ifindex != ifindex)
        return UST_ERR_NOROUTE;
    *out_ifindex = r->ifindex;
    *nh = r->has_gw ? r->gw : *dst;
    return UST_OK;
}

int ust_route_add6(struct ust_stack *st, const uint8_t prefix[16], int prefix_len,
                   const uint8_t gateway[16], int ifindex)
{
    struct ipv6_addr pfx, gw;
    if (prefix_len < 0 || prefix_len > 128)
        return UST_ERR_INVAL;
    memcpy(pfx.b, prefix, 16);
    if (gateway)
        memcpy(gw.b, gateway, 16);
    if (gateway && (ipv6_addr_is_multicast(&gw) || ipv6_addr_is_unspecified(&gw)))
        return UST_ERR_INVAL;
    if (ifindex < 0 && gateway && !ipv6_addr_is_link_local(&gw)) {
        const struct route6 *r = route6_lookup(st, &gw);
        if (!r || r->has_gw)
            return UST_ERR_NETUNREACH; /* the gateway must be on a link */
        ifindex = r->ifindex;
    }
    if (ifindex < 0 && gateway)
        ifindex = only_iface(st);
    if (!ip6_iface(st, ifindex))
        return UST_ERR_NOENT;
    char a[IPV6_ADDR_STRLEN], g[IPV6_ADDR_STRLEN];
    TRACE(st, "route", "add %s/%d via %s", IP6STR(&pfx, a), prefix_len,
          gateway ? IP6STR(&gw, g) : "link");
    return route6_add(st, &pfx, (uint8_t)prefix_len, gateway ? &gw : NULL, ifindex);
}
