/* Next-hop determination for a host from what RAs taught (RFC 4861 5.2):
 * on-link by the Prefix List only (RFC 5942), else a default router
 * (RFC 4861 6.3.6 with RFC 4191 3.2 preferences). */
#include "addrsel.h"
#include "router_list.h"

bool router_list_on_link(const struct router_list *rl, const struct ipv6_addr *dst)
{
    if (ipv6_addr_is_link_local(dst) || ipv6_addr_is_multicast(dst))
        return true; /* RFC 4861 5.2: link-local prefix and multicast */
    for (unsigned i = 0; i < rl->n_prefixes; i++) {
        const struct rl_prefix *p = &rl->prefixes[i];
        if (as_common_prefix(&p->prefix, dst, p->len) >= p->len)
            return true;
    }
    return false; /* RFC 5942 4: never assumed on-link (ND-19) */
}

static enum rl_reach reach_of(const struct router_list *rl, const struct ipv6_addr *r)
{
    if (rl->ops && rl->ops->router_reach)
        return rl->ops->router_reach(rl->ctx, r);
    return RL_REACH_UNKNOWN;
}

/* The most preferred probably-reachable router (ties: list order, so a
 * working choice stays put); else round-robin over all of them, so that
 * every router gets probed in turn (RFC 4861 6.3.6, ND-18). */
int router_list_select(struct router_list *rl, struct ipv6_addr *router)
{
    if (!rl->n_routers)
        return UST_ERR_NOROUTE;
    int best = -1;
    for (unsigned i = 0; i < rl->n_routers; i++) {
        if (reach_of(rl, &rl->routers[i].addr) != RL_REACH_PROBABLY)
            continue;
        if (best < 0 || rl->routers[i].pref > rl->routers[best].pref)
            best = (int)i;
    }
    if (best < 0) {
        best = (int)(rl->rr_next % rl->n_routers);
        rl->rr_next = (unsigned)(best + 1) % rl->n_routers;
        rl->stats->RoundRobin++;
    }
    *router = rl->routers[best].addr;
    return UST_OK;
}

int router_list_next_hop(struct router_list *rl, const struct ipv6_addr *dst,
                         struct ipv6_addr *nh)
{
    if (router_list_on_link(rl, dst)) {
        *nh = *dst;
        return UST_OK;
    }
    return router_list_select(rl, nh);
}
