/* Path MTU cache (RFC 1191): lowered by ICMP fragmentation-needed, aged
 * out after PMTU_AGE so that a larger MTU is tried again (RFC 1191 6.3). */
#include "core/stack_impl.h"
#include "core/trace.h"
#include "dev/dev_impl.h"
#include "net.h"

unsigned pmtu_get(const struct ust_stack *st, ust_ip4_t dst)
{
    /* Called for every datagram sent: without a valid entry (the usual
     * case) do not scan the table. */
    if (st->pmtu.max_expires <= st->now)
        return 0;
    for (unsigned i = 0; i < PMTU_CACHE_SIZE; i++) {
        const struct pmtu_entry *e = &st->pmtu.e[i];
        if (e->mtu && e->dst == dst && e->expires > st->now)
            return e->mtu;
    }
    return 0;
}

/* The MTU we currently use towards dst: cached, else the route's link. */
static unsigned pmtu_current(const struct ust_stack *st, ust_ip4_t dst)
{
    unsigned pm = pmtu_get(st, dst);
    if (pm)
        return pm;
    const struct route *r = route_lookup(&st->routes, dst);
    if (r && (unsigned)r->ifindex < st->nifaces)
        return st->ifaces[r->ifindex].dev->mtu;
    return IPV4_MAX_LEN;
}

/* The slot for dst: its own, else a free or expired one, else the one
 * that expires first. */
static struct pmtu_entry *pmtu_slot(struct ust_stack *st, ust_ip4_t dst)
{
    struct pmtu_entry *best = &st->pmtu.e[0];
    for (unsigned i = 0; i < PMTU_CACHE_SIZE; i++) {
        struct pmtu_entry *e = &st->pmtu.e[i];
        if (e->mtu && e->dst == dst)
            return e;
        if (!e->mtu || e->expires <= st->now)
            best = e;
        else if (best->mtu && best->expires > st->now && e->expires < best->expires)
            best = e;
    }
    return best;
}

void pmtu_update(struct ust_stack *st, ust_ip4_t dst, unsigned mtu)
{
    char d[16];
    /* RFC 1191 3: never below 68 (RFC 791's minimum) and never raised by
     * a message: a larger value is ignored. */
    if (mtu < 68 || mtu >= pmtu_current(st, dst)) {
        TRACE(st, "ip", "pmtu %s: ignore %u", IP4STR(dst, d), mtu);
        return;
    }
    struct pmtu_entry *e = pmtu_slot(st, dst);
    e->dst = dst;
    e->mtu = mtu;
    e->expires = st->now + PMTU_AGE;
    if (e->expires > st->pmtu.max_expires)
        st->pmtu.max_expires = e->expires;
    TRACE(st, "ip", "pmtu %s = %u", IP4STR(dst, d), mtu);
}

/* RFC 1191 7: a router that sends a zero next-hop MTU leaves us to guess
 * from the plateau table, below the length of the datagram it refused. */
unsigned pmtu_plateau_below(unsigned len)
{
    static const unsigned plateaus[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (unsigned i = 0; i < sizeof(plateaus) / sizeof(plateaus[0]); i++)
        if (plateaus[i] < len)
            return plateaus[i];
    return 68;
}
