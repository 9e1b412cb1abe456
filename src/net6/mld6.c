/* MLD host state (RFC 3810 6, 8): the groups of each interface, the
 * unsolicited State-Change reports that announce their changes (merged
 * and scheduled in mld6_filter.c), the
 * timers that answer queries, and the MLDv1 compatibility mode. Queries
 * are read in mld6_input.c; messages are built in mld6_send.c. The design
 * is IGMPv3's (src/net/igmp.c). */
#include <stddef.h>

#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "link/mcast_filter.h"
#include "mld6.h"
#include "net6_impl.h"
#include "wire/mld.h"

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct mld6_iface *mld6_iface_of(struct ust_stack *st, int ifindex)
{
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES || !ip6_iface(st, ifindex))
        return NULL;
    return &stack_net6(st)->mld.ifs[ifindex];
}

int mld6_host_version(const struct ust_stack *st, int ifindex)
{
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES)
        return 2;
    return timer_armed(&stack_net6_const(st)->mld.ifs[ifindex].v1_present) ? 1 : 2;
}

bool mld6_is_member(const struct ust_stack *st, int ifindex, const struct ipv6_addr *group)
{
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES)
        return false;
    const struct mld6_iface *ifs = &stack_net6_const(st)->mld.ifs[ifindex];
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++)
        if (ifs->groups[i].used && ifs->groups[i].f.refs > 0 &&
            ipv6_addr_eq(&ifs->groups[i].addr, group))
            return true;
    return false;
}

struct mld6_group *mld6_find_group(struct mld6_iface *ifs, const struct ipv6_addr *group)
{
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++)
        if (ifs->groups[i].used && ipv6_addr_eq(&ifs->groups[i].addr, group))
            return &ifs->groups[i];
    return NULL;
}

/* [Robustness Variable]: the querier's (QRV), else the default. */
unsigned mld6_robustness(const struct mld6_iface *ifs)
{
    return ifs->qrv ? ifs->qrv : MLD6_ROBUSTNESS;
}

/* RFC 3810 6.1: retransmissions at random intervals in (0, [Unsolicited
 * Report Interval]]. */
static void arm_retrans(struct ust_stack *st, struct mld6_iface *ifs)
{
    if (timer_armed(&ifs->retrans))
        return;
    ust_time_t d = (ust_time_t)rng_below(stack_rng(st), (uint64_t)MLD6_UNSOLICITED_RI) + 1;
    timer_arm(st, &ifs->retrans, stack_now(st) + d);
}

static bool is_group(const struct mld6_group *g, const void *ctx) { return g == ctx; }

/* A change of g's state (RFC 3810 6.1): v2: its pending records now, the
 * Robustness - 1 repeats later; v1 (a join only, RFC 2710 4): the Report
 * now and repeated. */
void mld6_state_change(struct ust_stack *st, struct mld6_iface *ifs, struct mld6_group *g)
{
    if (mld6_host_version(st, ifs->index) == 2) {
        mld6_send_v2(st, ifs, is_group, g, MLD6_REP_PENDING);
    } else {
        g->f.retrans = (uint8_t)(mld6_robustness(ifs) - 1);
        mld6_send_v1(st, ifs, ICMPV6_MLD1_REPORT, &g->addr);
    }
    if (msf_pending(&g->f))
        arm_retrans(st, ifs);
}

void mld6_free_group(struct ust_stack *st, struct mld6_group *g)
{
    timer_cancel(st, &g->timer);
    msf_free(&g->f);
    g->used = false;
}

static void group_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now);

struct mld6_group *mld6_new_group(struct ust_stack *st, struct mld6_iface *ifs,
                                  const struct ipv6_addr *group)
{
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++) {
        struct mld6_group *g = &ifs->groups[i];
        if (g->used)
            continue;
        *g = (struct mld6_group){.used = true, .addr = *group, .ifindex = ifs->index};
        timer_init(&g->timer, group_timer_fired);
        return g;
    }
    stack_stats(st)->mld6.JoinsRefused++;
    return NULL;
}

static const struct msf_filter any_source = {.exclude = true, .alen = IPV6_ADDR_LEN};

int mld6_join(struct ust_stack *st, int ifindex, const struct ipv6_addr *group)
{
    return mld6_filter_change(st, ifindex, group, NULL, &any_source);
}

void mld6_leave(struct ust_stack *st, int ifindex, const struct ipv6_addr *group)
{
    struct mld6_iface *ifs = mld6_iface_of(st, ifindex);
    struct mld6_group *g = ifs ? mld6_find_group(ifs, group) : NULL;
    if (g && g->f.refs > 0)
        mld6_filter_change(st, ifindex, group, &any_source, NULL);
}

void mld6_destroy(struct ust_stack *st)
{
    struct mld6_state *ms = &stack_net6(st)->mld;
    for (int i = 0; i < UST_MAX_IFACES; i++)
        for (unsigned k = 0; k < MLD6_MAX_GROUPS; k++)
            msf_free(&ms->ifs[i].groups[k].f);
}

static bool has_pending(const struct mld6_group *g, const void *ctx)
{
    (void)ctx;
    return g->used && msf_pending(&g->f);
}

/* The next round of State-Change reports for every group with some left;
 * leaves that are done free their group. */
static void retrans_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct mld6_iface *ifs = CONTAINER(t, struct mld6_iface, retrans);
    int ver = mld6_host_version(st, ifs->index);
    if (ver == 2)
        mld6_send_v2(st, ifs, has_pending, NULL, MLD6_REP_PENDING);
    bool more = false;
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++) {
        struct mld6_group *g = &ifs->groups[i];
        if (!g->used)
            continue;
        if (ver == 1 && g->f.retrans > 0) {
            if (g->f.refs > 0)
                mld6_send_v1(st, ifs, ICMPV6_MLD1_REPORT, &g->addr);
            g->f.retrans--;
        }
        if (msf_pending(&g->f))
            more = true;
        else if (g->f.refs == 0)
            mld6_free_group(st, g);
    }
    if (more)
        arm_retrans(st, ifs);
}

static bool joined(const struct mld6_group *g, const void *ctx)
{
    (void)ctx;
    return g->used && g->f.refs > 0 && !g->quiet;
}

/* RFC 3810 6.3: the interface timer ran out: a Current-State Report of
 * every group, IS_IN or IS_EX of its sources. */
static void general_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct mld6_iface *ifs = CONTAINER(t, struct mld6_iface, general);
    mld6_send_v2(st, ifs, joined, NULL, MLD6_REP_CURRENT);
}

/* The answer to a query about one group (v2: Multicast Address Specific
 * or Multicast Address and Source Specific, 6.3; v1: any query, RFC 2710
 * 4). */
static void group_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct mld6_group *g = CONTAINER(t, struct mld6_group, timer);
    struct mld6_iface *ifs = &stack_net6(st)->mld.ifs[g->ifindex];
    if (!g->used || g->f.refs == 0)
        return;
    if (mld6_host_version(st, g->ifindex) == 2) {
        bool q = g->f.q_sources && g->f.nex == 0;
        mld6_send_v2(st, ifs, is_group, g, q ? MLD6_REP_QUERIED : MLD6_REP_CURRENT);
    } else {
        mld6_send_v1(st, ifs, ICMPV6_MLD1_REPORT, &g->addr);
    }
    g->f.q_sources = false;
    msf_clear_queried(&g->f);
    msf_gc(&g->f);
}

void mld6_link_local_valid(struct ust_stack *st, int ifindex)
{
    struct mld6_iface *ifs = mld6_iface_of(st, ifindex);
    if (!ifs)
        return;
    if (mld6_host_version(st, ifindex) == 2) {
        mld6_send_v2(st, ifs, joined, NULL, MLD6_REP_CURRENT);
        return;
    }
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++)
        if (joined(&ifs->groups[i], NULL))
            mld6_send_v1(st, ifs, ICMPV6_MLD1_REPORT, &ifs->groups[i].addr);
}

void mld6_enter_v1_mode(struct ust_stack *st, struct mld6_iface *ifs)
{
    timer_cancel(st, &ifs->general);
    timer_cancel(st, &ifs->retrans);
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++) {
        struct mld6_group *g = &ifs->groups[i];
        msf_drop_pending(&g->f);
        msf_gc(&g->f);
        if (g->used && g->f.refs == 0)
            mld6_free_group(st, g);
    }
}

static void v1_querier_gone(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)t, (void)now; /* the mode is read from the timer itself */
    TRACE(st, "mld", "older version querier present timer expired");
}

void mld6_init(struct ust_stack *st)
{
    struct mld6_state *ms = &stack_net6(st)->mld;
    for (int i = 0; i < UST_MAX_IFACES; i++) {
        struct mld6_iface *ifs = &ms->ifs[i];
        ifs->index = i;
        timer_init(&ifs->general, general_fired);
        timer_init(&ifs->retrans, retrans_fired);
        timer_init(&ifs->v1_present, v1_querier_gone);
    }
}
