/* Source address choice, RFC 6724 (addrsel.c does the rules). The
 * candidate set (Section 4, SAS-3) is the outgoing interface's assigned
 * addresses: preferred and deprecated ones, never tentative or duplicated
 * (RFC 4862 5.4); rules 1-8 then pick: the destination itself, the
 * matching scope, deprecated last (rule 3), the outgoing interface, the
 * policy label, temporary before public when RFC 8981 addresses exist
 * (rule 7, cfg.ipv6_temp_addrs), the longest common prefix. TCP connect,
 * UDP sendto, ping6, ICMPv6 errors and replies to multicast all come here;
 * a socket's IPV6_ADDR_PREFERENCES (RFC 5014) reverses rule 7 for it;
 * ND's solicitations use ip6_source_on_iface for the target. */
#include "addrsel.h"
#include "net6_impl.h"

static int source_on_iface(const struct ust_stack *st, int ifindex, const struct ipv6_addr *dst,
                           bool prefer_public, struct ipv6_addr *src)
{
    const struct ip6_iface *f = ip6_iface_const(st, ifindex);
    struct as_cand c[UST_MAX_ADDRS6];
    size_t n = 0;
    for (unsigned k = 0; f && k < UST_MAX_ADDRS6; k++) {
        const struct ip6_ifaddr *a = &f->addrs[k];
        if (!a->used || (a->state != IP6A_PREFERRED && a->state != IP6A_DEPRECATED))
            continue;
        c[n++] = (struct as_cand){.addr = a->addr, .prefix_len = a->prefix_len,
                                  .ifindex = ifindex, .deprecated = a->state == IP6A_DEPRECATED,
                                  .temporary = a->temporary};
    }
    struct as_opts o = {.out_ifindex = ifindex, .prefer_public = prefer_public};
    int i = as_select_source(c, n, dst, &o);
    if (i < 0)
        return UST_ERR_NOROUTE;
    *src = c[i].addr;
    return UST_OK;
}

int ip6_source_on_iface(const struct ust_stack *st, int ifindex, const struct ipv6_addr *dst,
                        struct ipv6_addr *src)
{
    return source_on_iface(st, ifindex, dst, false, src);
}

int ipv6_source_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                    struct ipv6_addr *src)
{
    return ipv6_source_pref(st, dst, ifindex, false, src);
}

int ipv6_source_pref(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                     bool prefer_public, struct ipv6_addr *src)
{
    if (ipv6_is_local(st, dst, -1)) {
        *src = *dst; /* to ourselves: from the same address (rule 1) */
        return UST_OK;
    }
    int out_if;
    struct ipv6_addr nh;
    if (route6_next_hop(st, dst, ifindex, &out_if, &nh) != UST_OK)
        return UST_ERR_NOROUTE;
    return source_on_iface(st, out_if, dst, prefer_public, src);
}

bool ipv6_is_local(const struct ust_stack *st, const struct ipv6_addr *a, int ifindex)
{
    if (ipv6_addr_is_loopback(a))
        return true;
    const struct ip6_ifaddr *x = ip6_addr_find_const(st, ifindex, a);
    return x && (x->state == IP6A_PREFERRED || x->state == IP6A_DEPRECATED);
}
