/* Path MTU cache (RFC 1191): lowered by ICMP fragmentation-needed, aged
 * out after PMTU_AGE so that a larger MTU is tried again (RFC 1191 6.3).
 * Hardened as Linux (RFC 5927 7.2): never below cfg.ip_min_pmtu (552,
 * Linux min_pmtu), so a forged message with a tiny or zero MTU cannot
 * shrink a connection to a crawl; a path held at that floor is sent
 * without DF (Linux "locked" PMTU), so a real smaller link fragments. */
#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"
#include "ustack/dev.h"

static const struct pmtu_entry *pmtu_find(const struct ust_stack *st, ust_ip4_t dst)
{
    /* Called for every datagram sent: without a valid entry (the usual
     * case) do not scan the table. */
    const struct pmtu_cache *c = stack_pmtu_const(st);
    ust_time_t now = stack_now(st);
    if (c->max_expires <= now)
        return NULL;
    for (unsigned i = 0; i < PMTU_CACHE_SIZE; i++) {
        const struct pmtu_entry *e = &c->e[i];
        if (e->mtu && e->dst == dst && e->expires > now)
            return e;
    }
    return NULL;
}

unsigned pmtu_get(const struct ust_stack *st, ust_ip4_t dst)
{
    const struct pmtu_entry *e = pmtu_find(st, dst);
    return e ? e->mtu : 0;
}

bool pmtu_at_floor(const struct ust_stack *st, ust_ip4_t dst)
{
    const struct pmtu_entry *e = pmtu_find(st, dst);
    return e && e->at_floor;
}

/* The MTU we currently use towards dst: cached, else the route's link. */
static unsigned pmtu_current(const struct ust_stack *st, ust_ip4_t dst)
{
    unsigned pm = pmtu_get(st, dst);
    if (pm)
        return pm;
    const struct route *r = route_lookup(&stack_net_const(st)->routes, dst);
    const struct ust_iface *ifc = r ? iface_at(st, r->ifindex) : NULL;
    if (ifc)
        return ust_dev_mtu(ifc->dev);
    return IPV4_MAX_LEN;
}

/* The slot for dst: its own, else a free or expired one, else the one
 * that expires first. */
static struct pmtu_entry *pmtu_slot(struct ust_stack *st, ust_ip4_t dst)
{
    struct pmtu_cache *c = stack_pmtu(st);
    struct pmtu_entry *best = &c->e[0];
    for (unsigned i = 0; i < PMTU_CACHE_SIZE; i++) {
        struct pmtu_entry *e = &c->e[i];
        if (e->mtu && e->dst == dst)
            return e;
        if (!e->mtu || e->expires <= stack_now(st))
            best = e;
        else if (best->mtu && best->expires > stack_now(st) && e->expires < best->expires)
            best = e;
    }
    return best;
}

bool pmtu_update(struct ust_stack *st, ust_ip4_t dst, unsigned mtu)
{
    char d[16];
    if (mtu < PMTU_MIN) { /* RFC 1191 3: never below 68, RFC 791's minimum */
        stack_stats(st)->icmp.InFragNeededIgnored++;
        return false;
    }
    bool at_floor = false;
    unsigned min_pmtu = ust_stack_config(st)->ip_min_pmtu;
    if (mtu < min_pmtu) {
        stack_stats(st)->icmp.PmtuFloorClamps++;
        TRACE(st, "ip", "pmtu %s: %u below the floor, %u used", IP4STR(dst, d), mtu, min_pmtu);
        mtu = min_pmtu;
        at_floor = true;
    }
    /* RFC 1191 5: never raised by a message: a larger value is ignored. */
    if (mtu >= pmtu_current(st, dst)) {
        stack_stats(st)->icmp.InFragNeededIgnored++;
        TRACE(st, "ip", "pmtu %s: ignore %u", IP4STR(dst, d), mtu);
        return false;
    }
    struct pmtu_entry *e = pmtu_slot(st, dst);
    e->dst = dst;
    e->mtu = mtu;
    e->at_floor = at_floor;
    e->expires = stack_now(st) + PMTU_AGE;
    struct pmtu_cache *c = stack_pmtu(st);
    c->gen++;
    if (e->expires > c->max_expires)
        c->max_expires = e->expires;
    TRACE(st, "ip", "pmtu %s = %u", IP4STR(dst, d), mtu);
    return true;
}

bool pmtu_frag_needed(struct ust_stack *st, ust_ip4_t dst, unsigned next_hop_mtu,
                      unsigned quoted_len)
{
    /* RFC 1191 5 and 7: a router that reports no usable next-hop MTU (0,
     * an old router, or below 68, which none may report) leaves us to
     * estimate from the plateau table below the length of the datagram
     * it refused, as in the quote. */
    unsigned mtu = next_hop_mtu >= PMTU_MIN ? next_hop_mtu : pmtu_plateau_below(quoted_len);
    return pmtu_update(st, dst, mtu);
}

/* RFC 1191 7: a router that sends a zero next-hop MTU leaves us to guess
 * from the plateau table, below the length of the datagram it refused. */
unsigned pmtu_gen(const struct ust_stack *st) { return stack_pmtu_const(st)->gen; }

unsigned pmtu_plateau_below(unsigned len)
{
    static const unsigned plateaus[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (unsigned i = 0; i < sizeof(plateaus) / sizeof(plateaus[0]); i++)
        if (plateaus[i] < len)
            return plateaus[i];
    return PMTU_MIN;
}
