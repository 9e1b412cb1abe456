/* Source address choice (a simple form of RFC 6724 5, until the full rule
 * set replaces it): the destination itself when it is ours; else among the
 * preferred addresses (never tentative, duplicated or deprecated while a
 * preferred one exists: rules 3 and SAS-3) of the outgoing interface, the
 * one whose scope matches the destination's (rule 2), then the longest
 * common prefix (rule 8). */
#include "net6_impl.h"

static unsigned common_prefix(const struct ipv6_addr *a, const struct ipv6_addr *b)
{
    unsigned n = 0;
    for (unsigned i = 0; i < 16; i++) {
        uint8_t x = a->b[i] ^ b->b[i];
        if (x == 0) {
            n += 8;
            continue;
        }
        while (!(x & 0x80)) {
            n++;
            x = (uint8_t)(x << 1);
        }
        return n;
    }
    return n;
}

static bool dst_is_link_scope(const struct ipv6_addr *d)
{
    return ipv6_addr_is_link_local(d) || (ipv6_addr_is_multicast(d) && ipv6_mcast_scope(d) <= 2);
}

/* Higher is better: usable, scope match, not deprecated, longest prefix. */
static int source_score(const struct ip6_ifaddr *a, const struct ipv6_addr *dst)
{
    if (!a->used || (a->state != IP6A_PREFERRED && a->state != IP6A_DEPRECATED))
        return -1;
    bool ll = ipv6_addr_is_link_local(&a->addr);
    if (dst_is_link_scope(dst) && !ll)
        return -1; /* SAS-3: a link-scope destination gets a link-local source */
    int score = (ll == dst_is_link_scope(dst)) ? 1 << 10 : 0;
    if (a->state == IP6A_PREFERRED)
        score += 1 << 9;
    return score + (int)common_prefix(&a->addr, dst);
}

int ipv6_source_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                    struct ipv6_addr *src)
{
    if (ipv6_is_local(st, dst, -1)) {
        *src = *dst; /* to ourselves: from the same address */
        return UST_OK;
    }
    int out_if;
    struct ipv6_addr nh;
    if (route6_next_hop(st, dst, ifindex, &out_if, &nh) != UST_OK)
        return UST_ERR_NOROUTE;
    const struct ip6_iface *f = ip6_iface_const(st, out_if);
    const struct ip6_ifaddr *best = NULL;
    int best_score = -1;
    for (unsigned k = 0; f && k < UST_MAX_ADDRS6; k++) {
        int s = source_score(&f->addrs[k], dst);
        if (s > best_score) {
            best_score = s;
            best = &f->addrs[k];
        }
    }
    if (!best)
        return UST_ERR_NOROUTE;
    *src = best->addr;
    return UST_OK;
}

bool ipv6_is_local(const struct ust_stack *st, const struct ipv6_addr *a, int ifindex)
{
    if (ipv6_addr_is_loopback(a))
        return true;
    const struct ip6_ifaddr *x = ip6_addr_find_const(st, ifindex, a);
    return x && (x->state == IP6A_PREFERRED || x->state == IP6A_DEPRECATED);
}
