/* IPv4 routing table: longest-prefix match over a small sorted array
 * (connected routes from ust_iface_add, static routes, default route). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"
#include "ustack/dev.h"

static ust_ip4_t mask_of(int prefix_len)
{
    return prefix_len ? (ust_ip4_t)(0xffffffffu << (32 - prefix_len)) : 0;
}

static bool same_prefix(const struct route *a, const struct route *b)
{
    return a->dst == b->dst && a->prefix_len == b->prefix_len;
}

const struct route *route_lookup(const struct route_table *t, ust_ip4_t dst)
{
    /* Sorted longest prefix first: the first match is the longest. */
    for (unsigned i = 0; i < t->n; i++) {
        const struct route *r = &t->r[i];
        if ((dst & r->mask) != r->dst)
            continue;
        /* RFC 1122 3.3.1.5: the preferred gateway not believed dead. */
        for (unsigned j = i; j < t->n && same_prefix(&t->r[j], r); j++)
            if (!t->r[j].dead)
                return &t->r[j];
        return r;
    }
    return NULL;
}

/* After the longer prefixes; with the routes of the same prefix, after
 * those of lower or equal metric; else at the end of its length's block. */
static unsigned insert_pos(const struct route_table *t, const struct route *r)
{
    unsigned pos = 0;
    while (pos < t->n && t->r[pos].prefix_len > r->prefix_len)
        pos++;
    while (pos < t->n && t->r[pos].prefix_len == r->prefix_len && !same_prefix(&t->r[pos], r))
        pos++;
    while (pos < t->n && same_prefix(&t->r[pos], r) && t->r[pos].metric <= r->metric)
        pos++;
    return pos;
}

int route_insert(struct route_table *t, const struct route *r)
{
    for (unsigned i = 0; i < t->n; i++)
        if (same_prefix(&t->r[i], r) && t->r[i].gateway == r->gateway)
            return UST_ERR_EXIST;
    if (t->n == UST_MAX_ROUTES)
        return UST_ERR_NOMEM;
    unsigned pos = insert_pos(t, r);
    memmove(&t->r[pos + 1], &t->r[pos], (t->n - pos) * sizeof(t->r[0]));
    t->r[pos] = *r;
    t->r[pos].dead = false;
    t->n++;
    route_cache_flush(t, true);
    return UST_OK;
}

int route_remove(struct route_table *t, ust_ip4_t dst, int prefix_len)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < t->n; i++)
        if (t->r[i].dst != dst || t->r[i].prefix_len != prefix_len)
            t->r[kept++] = t->r[i];
    if (kept == t->n)
        return UST_ERR_NOENT;
    t->n = kept;
    route_cache_flush(t, false);
    return UST_OK;
}

/* The interface whose subnet holds `a` (a gateway must be on-link). */
static int iface_for_gateway(const struct ust_stack *st, ust_ip4_t a)
{
    const struct ust_iface *ifc;
    for (int i = 0; (ifc = iface_at(st, i)); i++)
        if ((a & ifc->mask) == (ifc->addr & ifc->mask))
            return i;
    return -1;
}

int ust_route_add_metric(struct ust_stack *st, ust_ip4_t dst, int prefix_len, ust_ip4_t gateway,
                         int ifindex, unsigned metric)
{
    if (prefix_len < 0 || prefix_len > 32)
        return UST_ERR_INVAL;
    ust_ip4_t mask = mask_of(prefix_len);
    if (dst & ~mask)
        return UST_ERR_INVAL; /* host bits set: almost certainly a typo */
    if (ifindex < 0) {
        if (!gateway)
            return UST_ERR_INVAL;
        ifindex = iface_for_gateway(st, gateway);
        if (ifindex < 0)
            return UST_ERR_NETUNREACH;
    } else if (!iface_by_index(st, ifindex)) {
        return UST_ERR_NOENT;
    }
    struct route r = {.dst = dst, .mask = mask, .gateway = gateway, .prefix_len = prefix_len,
                      .ifindex = ifindex, .metric = metric};
    int rc = route_insert(&stack_net(st)->routes, &r);
    char d[16], g[16];
    if (rc == UST_OK)
        TRACE(st, "route", "add %s/%d via %s if %d metric %u", IP4STR(dst, d), prefix_len,
              IP4STR(gateway, g), ifindex, metric);
    return rc;
}

int ust_route_add(struct ust_stack *st, ust_ip4_t dst, int prefix_len, ust_ip4_t gateway,
                  int ifindex)
{
    return ust_route_add_metric(st, dst, prefix_len, gateway, ifindex, 0);
}

int ust_route_del(struct ust_stack *st, ust_ip4_t dst, int prefix_len)
{
    if (prefix_len < 0 || prefix_len > 32)
        return UST_ERR_INVAL;
    return route_remove(&stack_net(st)->routes, dst & mask_of(prefix_len), prefix_len);
}

/* RFC 1122 3.3.1.2: several default gateways; each new one is preferred
 * less than those before it. */
int ust_route_default(struct ust_stack *st, ust_ip4_t gateway)
{
    unsigned metric = 0;
    const struct route_table *t = &stack_net(st)->routes;
    for (unsigned i = 0; i < t->n; i++)
        if (t->r[i].prefix_len == 0 && t->r[i].metric >= metric)
            metric = t->r[i].metric + 1;
    return ust_route_add_metric(st, 0, 0, gateway, -1, metric);
}

int ust_route_lookup(const struct ust_stack *st, ust_ip4_t dst, int *ifindex,
                     ust_ip4_t *next_hop)
{
    const struct route *r = route_lookup(&stack_net_const(st)->routes, dst);
    if (!r)
        return UST_ERR_NOROUTE;
    if (ifindex)
        *ifindex = r->ifindex;
    if (next_hop)
        *next_hop = r->gateway ? r->gateway : dst;
    return UST_OK;
}

void ust_route_dump(const struct ust_stack *st, FILE *out)
{
    const struct route_table *t = &stack_net_const(st)->routes;
    for (unsigned i = 0; i < t->n; i++) {
        const struct route *r = &t->r[i];
        const struct ust_iface *ifc = iface_at(st, r->ifindex);
        char d[16], g[16];
        if (r->prefix_len == 0)
            fprintf(out, "default");
        else
            fprintf(out, "%s/%d", ust_ip4_str(r->dst, d), r->prefix_len);
        if (r->gateway)
            fprintf(out, " via %s", ust_ip4_str(r->gateway, g));
        fprintf(out, " dev %s", ifc ? ust_dev_name(ifc->dev) : "?");
        if (r->metric)
            fprintf(out, " metric %u", r->metric);
        fprintf(out, "%s\n", r->dead ? " dead" : "");
    }
}
