/* Duplicate Address Detection (RFC 4862 5.4): a new address is tentative
 * (not a source, NS for it unanswered) while DupAddrDetectTransmits NS
 * from :: go to its solicited-node group, RetransTimer apart; the first
 * after a random delay of up to MAX_RTR_SOLICITATION_DELAY (1 s, 5.4.2)
 * so that interfaces coming up together do not collide. An NS from :: or
 * an NA for it meanwhile (5.4.3, 5.4.4) marks it duplicated: never used,
 * logged and counted (DadDuplicates). */
#include "core/services.h"
#include "core/trace.h"
#include "link/iface.h"
#include "mld6.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "ustack/stack.h"

#define MAX_RTR_SOLICITATION_DELAY UST_SEC

static void dad_done(struct ust_stack *st, struct ip6_ifaddr *a)
{
    char b[IPV6_ADDR_STRLEN];
    a->state = IP6A_PREFERRED;
    stack_stats(st)->nd6.DadSucceeded++;
    TRACE(st, "nd", "dad %s: unique, preferred", IP6STR(&a->addr, b));
    if (ipv6_addr_is_link_local(&a->addr))
        mld6_link_local_valid(st, a->ifindex);
    slaac_dad_result(st, a, false); /* a SLAAC address: usable (RFC 4862 5.4.5) */
}

void dad_start(struct ust_stack *st, struct ip6_ifaddr *a)
{
    /* DupAddrDetectTransmits 0: no DAD (RFC 4862 5.4). Nor on a link
     * without link-layer addresses (TUN): a point-to-point link has no
     * one to collide with and no NS to ask with (Linux: IFF_NOARP). */
    a->dad_left = ip6_iface(st, a->ifindex)->dad_transmits; /* per interface (SLAAC-1) */
    if (ip6_link_noarp(st, a->ifindex)) {
        a->dad_left = 0;
        char b[IPV6_ADDR_STRLEN];
        TRACE(st, "nd", "dad %s: skipped (no link-layer addresses), preferred",
              IP6STR(&a->addr, b));
    }
    if (a->dad_left == 0) {
        a->state = IP6A_PREFERRED;
        if (ipv6_addr_is_link_local(&a->addr))
            mld6_link_local_valid(st, a->ifindex);
        slaac_dad_result(st, a, false);
        return;
    }
    stack_stats(st)->nd6.DadStarted++;
    ust_time_t delay = (ust_time_t)rng_below(stack_rng(st), MAX_RTR_SOLICITATION_DELAY);
    timer_arm(st, &a->dad_timer, stack_now(st) + delay);
}

void dad_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    struct ip6_ifaddr *a = (struct ip6_ifaddr *)((char *)t - offsetof(struct ip6_ifaddr, dad_timer));
    if (a->state != IP6A_TENTATIVE)
        return;
    if (a->dad_left == 0) {
        dad_done(st, a);
        return;
    }
    a->dad_left--;
    char b[IPV6_ADDR_STRLEN];
    TRACE(st, "nd", "dad %s: probe (NS from ::)", IP6STR(&a->addr, b));
    nd_send_ns(st, a->ifindex, &a->addr, NULL, NULL, true);
    timer_arm(st, &a->dad_timer, now + slaac_retrans_time(st, a->ifindex));
}

void dad_conflict(struct ust_stack *st, struct ip6_ifaddr *a, const char *why)
{
    char b[IPV6_ADDR_STRLEN];
    if (a->state != IP6A_TENTATIVE) {
        /* Not ours to give up (RFC 4862 5.4.4: an address in use is kept);
         * logged and counted as the RFC suggests. */
        stack_stats(st)->nd6.AddrConflicts++;
        TRACE(st, "nd", "address %s also claimed by another node (%s)", IP6STR(&a->addr, b), why);
        return;
    }
    timer_cancel(st, &a->dad_timer);
    a->state = IP6A_DUPLICATED;
    stack_stats(st)->nd6.DadDuplicates++;
    /* RFC 4862 5.4.5: the address is not used; a duplicate link-local
     * address should disable IP on the interface, which operators see in
     * the log line and counter. */
    TRACE(st, "nd", "dad %s: duplicate (%s), address not used", IP6STR(&a->addr, b), why);
    slaac_dad_result(st, a, true); /* removed, another IID tried (RFC 7217 6) */
}

/* RFC 4862 5.1: DupAddrDetectTransmits is a variable of each interface.
 * The new value counts for every DAD started from now on; an address
 * still tentative sends at most that many more probes (0: usable when
 * its timer next fires, without another NS). */
int ust_iface_set_dad_transmits(struct ust_stack *st, int ifindex, unsigned transmits)
{
    struct ip6_iface *f = ip6_iface(st, ifindex);
    if (!f)
        return iface_at(st, ifindex) ? UST_ERR_NOTSUP : UST_ERR_NOENT;
    f->dad_transmits = transmits;
    for (int i = 0; i < UST_MAX_ADDRS6; i++) {
        struct ip6_ifaddr *a = &f->addrs[i];
        if (a->used && a->state == IP6A_TENTATIVE && a->dad_left > transmits)
            a->dad_left = transmits;
    }
    slaac_set_dad_transmits(st, ifindex, transmits);
    return UST_OK;
}
