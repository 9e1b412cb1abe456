/* The redirected part of the Destination Cache (RFC 4861 5.2, 8.3): per
 * destination, the next hop a valid Redirect named, consulted by
 * route6_next_hop before the routes. Bounded by REDIR6_ENTRIES: a new
 * destination in a full table takes the slot of the entry closest to its
 * end (nd6.RedirectCacheEvicted). An entry lives REDIR6_AGE (10 minutes,
 * as IPv4's redirected routes) and goes earlier when its next hop stops
 * answering (7.3.3: NUD failure means next-hop determination again,
 * ND-17). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"

#define REDIR6_AGE (10 * 60 * UST_SEC)

static bool live(const struct redir6_entry *e, ust_time_t now)
{
    return e->expires != 0 && e->expires > now;
}

bool redir6_lookup(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                   int *out_ifindex, struct ipv6_addr *nh)
{
    const struct net6_state *n = stack_net6_const(st);
    ust_time_t now = stack_now(st);
    for (unsigned i = 0; i < REDIR6_ENTRIES; i++) {
        const struct redir6_entry *e = &n->redir[i];
        if (!live(e, now) || !ipv6_addr_eq(&e->dst, dst) || (ifindex >= 0 && e->ifindex != ifindex))
            continue;
        *out_ifindex = e->ifindex;
        *nh = e->nh;
        return true;
    }
    return false;
}

/* dst's own slot, else a free or expired one, else the one that would
 * expire first (evicted). */
static struct redir6_entry *slot_for(struct ust_stack *st, const struct ipv6_addr *dst)
{
    struct redir6_entry *v = stack_net6(st)->redir, *free_slot = NULL, *oldest = &v[0];
    ust_time_t now = stack_now(st);
    for (unsigned i = 0; i < REDIR6_ENTRIES; i++) {
        if (live(&v[i], now) && ipv6_addr_eq(&v[i].dst, dst))
            return &v[i];
        if (!live(&v[i], now) && !free_slot)
            free_slot = &v[i];
        if (v[i].expires < oldest->expires)
            oldest = &v[i];
    }
    if (free_slot)
        return free_slot;
    stack_stats(st)->nd6.RedirectCacheEvicted++;
    return oldest;
}

void redir6_add(struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                const struct ipv6_addr *nh)
{
    struct redir6_entry *e = slot_for(st, dst);
    *e = (struct redir6_entry){.dst = *dst, .nh = *nh, .ifindex = ifindex,
                               .expires = stack_now(st) + REDIR6_AGE};
}

void redir6_forget_iface(struct ust_stack *st, int ifindex)
{
    struct redir6_entry *v = stack_net6(st)->redir;
    for (unsigned i = 0; i < REDIR6_ENTRIES; i++)
        if (v[i].ifindex == ifindex)
            v[i].expires = 0;
}

void redir6_forget_next_hop(struct ust_stack *st, int ifindex, const struct ipv6_addr *nh)
{
    struct redir6_entry *v = stack_net6(st)->redir;
    for (unsigned i = 0; i < REDIR6_ENTRIES; i++) {
        if (v[i].expires == 0 || v[i].ifindex != ifindex || !ipv6_addr_eq(&v[i].nh, nh))
            continue;
        char d[IPV6_ADDR_STRLEN];
        TRACE(st, "nd", "redirect for %s forgotten: its next hop is gone", IP6STR(&v[i].dst, d));
        v[i].expires = 0;
    }
}
