/* ICMP redirects (RFC 1122 3.2.2.2): a host MUST update its route cache
 * when its first-hop gateway says another gateway on the same network is
 * better for a destination. Accepted only with care (a forged redirect
 * diverts traffic): it must come from the gateway we currently use for
 * that destination, name an on-link unicast gateway on the same interface
 * that is not us, and we must not be a router (RFC 1812 5.2.7.2). Network
 * redirects are treated as host redirects, as RFC 1122 recommends. The
 * new first hop goes into the route cache (route_cache.c). */
#include "core/services.h"
#include "core/trace.h"
#include "net.h"

static bool redirect_valid(struct ust_stack *st, ust_ip4_t from, ust_ip4_t orig_dst,
                           ust_ip4_t new_gw)
{
    if (ust_stack_config(st)->ip_forwarding || !orig_dst || ipv4_is_broadcast(st, orig_dst) ||
        ipv4_is_multicast(orig_dst) || ipv4_is_local(st, orig_dst))
        return false;
    ust_ip4_t current = 0;
    struct ust_iface *ifc = route_next_hop(st, orig_dst, &current);
    if (!ifc || current == orig_dst || from != current)
        return false; /* not from the gateway we use for it */
    return new_gw != current && (new_gw & ifc->mask) == (ifc->addr & ifc->mask) &&
           ipv4_is_valid_source(st, new_gw) && !ipv4_is_local(st, new_gw);
}

void redirect_input(struct ust_stack *st, ust_ip4_t from, ust_ip4_t orig_dst, ust_ip4_t new_gw)
{
    char d[16], g[16], f[16];
    if (!redirect_valid(st, from, orig_dst, new_gw)) {
        stack_stats(st)->icmp.InRedirectsIgnored++;
        TRACE(st, "icmp", "ignore redirect from %s: %s via %s", IP4STR(from, f),
              IP4STR(orig_dst, d), IP4STR(new_gw, g));
        return;
    }
    ust_ip4_t current = 0;
    struct ust_iface *ifc = route_next_hop(st, orig_dst, &current);
    route_cache_redirect(st, orig_dst, new_gw, ifc->index);
    TRACE(st, "icmp", "redirect: %s via %s", IP4STR(orig_dst, d), IP4STR(new_gw, g));
}
