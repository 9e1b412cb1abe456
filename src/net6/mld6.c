/* MLD host state (RFC 3810 6, 8): the groups of each interface, the
 * unsolicited State-Change reports that announce joins and leaves, the
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
        if (ifs->groups[i].used && ifs->groups[i].refs > 0 &&
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

/* RFC 3810 6: ff02::1 is never reported, nor are groups of reserved (0)
 * or interface-local (1) scope. */
static bool is_reported(const struct ipv6_addr *g)
{
    static const struct ipv6_addr all_nodes = {{0xff, 0x02, [15] = 1}};
    return ipv6_mcast_scope(g) > 1 && !ipv6_addr_eq(g, &all_nodes);
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

/* A join or a leave of g (RFC 3810 6.1; RFC 2710 4): the first report
 * now, Robustness - 1 more later. */
static void state_change(struct ust_stack *st, struct mld6_iface *ifs, struct mld6_group *g)
{
    g->retrans = (uint8_t)(mld6_robustness(ifs) - 1);
    if (mld6_host_version(st, ifs->index) == 2)
        mld6_send_v2(st, ifs, is_group, g, 0);
    else
        mld6_send_v1(st, ifs, ICMPV6_MLD1_REPORT, &g->addr);
    if (g->retrans)
        arm_retrans(st, ifs);
}

static void free_group(struct ust_stack *st, struct mld6_group *g)
{
    timer_cancel(st, &g->timer);
    g->used = false;
}

static void group_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now);

static struct mld6_group *new_group(struct ust_stack *st, struct mld6_iface *ifs,
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

int mld6_join(struct ust_stack *st, int ifindex, const struct ipv6_addr *group)
{
    struct mld6_iface *ifs = mld6_iface_of(st, ifindex);
    if (!ifs || !ipv6_addr_is_multicast(group))
        return UST_ERR_INVAL;
    struct mld6_group *g = mld6_find_group(ifs, group);
    if (g && g->refs++ > 0)
        return UST_OK;
    uint8_t mac[6];
    ipv6_mcast_mac(group, mac);
    if (link_mcast_add(st, ifindex, mac) != UST_OK) {
        stack_stats(st)->mld6.JoinsRefused++;
        if (g)
            g->refs = 0;
        return UST_ERR_NOMEM;
    }
    if (!g && !(g = new_group(st, ifs, group))) {
        link_mcast_del(st, ifindex, mac);
        return UST_ERR_NOMEM;
    }
    g->refs = 1;
    g->quiet = !is_reported(group);
    if (g->quiet)
        return UST_OK; /* a member, with no report */
    char a[IPV6_ADDR_STRLEN];
    TRACE(st, "mld", "join %s", IP6STR(group, a));
    g->change = MLD2_CHANGE_TO_EXCLUDE;
    state_change(st, ifs, g);
    return UST_OK;
}

void mld6_leave(struct ust_stack *st, int ifindex, const struct ipv6_addr *group)
{
    struct mld6_iface *ifs = mld6_iface_of(st, ifindex);
    struct mld6_group *g = ifs ? mld6_find_group(ifs, group) : NULL;
    if (!g || g->refs == 0 || --g->refs > 0)
        return;
    uint8_t mac[6];
    ipv6_mcast_mac(group, mac);
    link_mcast_del(st, ifindex, mac);
    timer_cancel(st, &g->timer);
    if (g->quiet) {
        free_group(st, g);
        return;
    }
    char a[IPV6_ADDR_STRLEN];
    TRACE(st, "mld", "leave %s", IP6STR(group, a));
    if (mld6_host_version(st, ifindex) == 2) {
        g->change = MLD2_CHANGE_TO_INCLUDE; /* TO_IN({}) Robustness times (6.1) */
        state_change(st, ifs, g);
        if (g->retrans == 0)
            free_group(st, g);
        return;
    }
    mld6_send_v1(st, ifs, ICMPV6_MLD1_DONE, group); /* RFC 2710 4 */
    free_group(st, g);
}

static bool has_retrans(const struct mld6_group *g, const void *ctx)
{
    (void)ctx;
    return g->used && g->retrans > 0;
}

/* The next round of State-Change reports for every group with some left;
 * leaves that are done free their group. */
static void retrans_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct mld6_iface *ifs = CONTAINER(t, struct mld6_iface, retrans);
    int ver = mld6_host_version(st, ifs->index);
    if (ver == 2)
        mld6_send_v2(st, ifs, has_retrans, NULL, 0);
    bool more = false;
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++) {
        struct mld6_group *g = &ifs->groups[i];
        if (!g->used || g->retrans == 0)
            continue;
        if (ver == 1 && g->refs > 0)
            mld6_send_v1(st, ifs, ICMPV6_MLD1_REPORT, &g->addr);
        if (--g->retrans > 0)
            more = true;
        else if (g->refs == 0)
            free_group(st, g);
    }
    if (more)
        arm_retrans(st, ifs);
}

static bool joined(const struct mld6_group *g, const void *ctx)
{
    (void)ctx;
    return g->used && g->refs > 0 && !g->quiet;
}

/* RFC 3810 6.3: the interface timer ran out: a Current-State Report of
 * every group, IS_EX({}) each. */
static void general_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct mld6_iface *ifs = CONTAINER(t, struct mld6_iface, general);
    mld6_send_v2(st, ifs, joined, NULL, MLD2_MODE_IS_EXCLUDE);
}

/* The answer to a query about one group (v2: Multicast Address Specific,
 * 6.3; v1: any query, RFC 2710 4). */
static void group_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct mld6_group *g = CONTAINER(t, struct mld6_group, timer);
    struct mld6_iface *ifs = &stack_net6(st)->mld.ifs[g->ifindex];
    if (!g->used || g->refs == 0)
        return;
    if (mld6_host_version(st, g->ifindex) == 2)
        mld6_send_v2(st, ifs, is_group, g, MLD2_MODE_IS_EXCLUDE);
    else
        mld6_send_v1(st, ifs, ICMPV6_MLD1_REPORT, &g->addr);
}

void mld6_link_local_valid(struct ust_stack *st, int ifindex)
{
    struct mld6_iface *ifs = mld6_iface_of(st, ifindex);
    if (!ifs)
        return;
    if (mld6_host_version(st, ifindex) == 2) {
        mld6_send_v2(st, ifs, joined, NULL, MLD2_MODE_IS_EXCLUDE);
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
        g->retrans = 0;
        if (g->used && g->refs == 0)
            free_group(st, g);
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
