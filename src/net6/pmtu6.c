/* The IPv6 path-MTU cache (RFC 8201): per destination, the estimate a
 * validated Packet Too Big lowered it to; never below 1280 (PMTU-4, ATOM-3)
 * and never raised by a PTB (PMTU-5). An estimate is forgotten after
 * cfg.ipv6_pmtu_expire (10 min, PMTU-9), which is the probe upward: the
 * link MTU is tried again. PMTU6_ENTRIES destinations; the one nearest to
 * expiry gives way when full. */
#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "net/net_state.h"
#include "net6_impl.h"

unsigned pmtu6_get(const struct ust_stack *st, const struct ipv6_addr *dst)
{
    const struct net6_state *n6 = stack_net6_const(st);
    for (unsigned i = 0; i < PMTU6_ENTRIES; i++) {
        const struct pmtu6_entry *e = &n6->pmtu[i];
        if (e->mtu && ipv6_addr_eq(&e->dst, dst) && e->expires > stack_now(st))
            return e->mtu;
    }
    return 0;
}

bool pmtu6_update(struct ust_stack *st, const struct ipv6_addr *dst, unsigned mtu)
{
    struct net6_state *n6 = stack_net6(st);
    if (mtu < IPV6_MIN_MTU) {
        stack_stats(st)->icmp6.Icmp6PmtuIgnored++; /* ATOM-3: below 1280 is invalid */
        return false;
    }
    unsigned cur = ipv6_mtu_for(st, dst, -1);
    if (mtu >= cur)
        return false; /* PMTU-5: never raised */
    struct pmtu6_entry *slot = NULL;
    for (unsigned i = 0; i < PMTU6_ENTRIES; i++) {
        struct pmtu6_entry *e = &n6->pmtu[i];
        if (e->mtu && ipv6_addr_eq(&e->dst, dst)) {
            slot = e;
            break;
        }
        if (!slot || !e->mtu || (slot->mtu && e->expires < slot->expires))
            slot = e;
    }
    *slot = (struct pmtu6_entry){.dst = *dst, .mtu = mtu,
                                 .expires = stack_now(st) + ust_stack_config(st)->ipv6_pmtu_expire};
    /* RFC 8201 5.2 (PMTU-8): every TCP connection to dst learns it on its
     * next send (tcp_pmtu_sync), not only the one whose segment was quoted. */
    stack_pmtu(st)->gen++;
    stack_stats(st)->icmp6.Icmp6PmtuUpdates++;
    char d[IPV6_ADDR_STRLEN];
    TRACE(st, "ip6", "path mtu to %s now %u", IP6STR(dst, d), mtu);
    return true;
}
