/* IGMP host membership (RFC 3376 5.1, 7.2; RFC 2236 3, 6): the groups of
 * each interface, the unsolicited reports that announce joins and leaves,
 * the timers that answer queries, and the Host Compatibility Mode. Queries
 * are read in igmp_input.c; messages are built in igmp_send.c. */
#include <stddef.h>
#include <stdlib.h>

#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "igmp.h"
#include "link/mcast_filter.h"
#include "net.h"
#include "net_state.h"
#include "wire/igmp.h"

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct igmp_iface *igmp_iface_of(struct ust_stack *st, int ifindex)
{
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES || !iface_by_index(st, ifindex))
        return NULL;
    return &stack_net(st)->igmp.ifs[ifindex];
}

int igmp_host_version(const struct ust_stack *st, int ifindex)
{
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES)
        return 3;
    const struct igmp_iface *ifs = &stack_net_const(st)->igmp.ifs[ifindex];
    if (timer_armed(&ifs->v1_present))
        return 1;
    return timer_armed(&ifs->v2_present) ? 2 : 3;
}

struct igmp_group *igmp_find_group(const struct igmp_iface *ifs, ust_ip4_t group)
{
    for (struct igmp_group *g = ifs->groups; g; g = g->next)
        if (g->addr == group)
            return g;
    return NULL;
}

bool igmp_is_member(const struct ust_stack *st, int ifindex, ust_ip4_t group)
{
    if (group == IGMP_ALL_SYSTEMS)
        return true;
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES)
        return false;
    const struct igmp_group *g = igmp_find_group(&stack_net_const(st)->igmp.ifs[ifindex], group);
    return g && g->f.refs > 0;
}

/* [Robustness Variable]: the querier's (QRV), else the configured one. */
unsigned igmp_robustness(const struct ust_stack *st, const struct igmp_iface *ifs)
{
    unsigned r = ifs->qrv ? ifs->qrv : ust_stack_config(st)->igmp_robustness;
    return r == 0 ? 1 : r > 255 ? 255 : r; /* reports are counted in a byte */
}

/* RFC 3376 5.1: retransmissions at random intervals in (0, [Unsolicited
 * Report Interval]). */
static void arm_retrans(struct ust_stack *st, struct igmp_iface *ifs)
{
    if (timer_armed(&ifs->retrans))
        return;
    ust_time_t uri = ust_stack_config(st)->igmp_unsolicited_report_interval;
    ust_time_t d = uri > 1 ? (ust_time_t)rng_below(stack_rng(st), (uint64_t)uri) + 1 : 1;
    timer_arm(st, &ifs->retrans, stack_now(st) + d);
}

static bool is_group(const struct igmp_group *g, const void *ctx) { return g == ctx; }

/* A change of g's state (RFC 3376 5.1): v3: its pending records now, the
 * Robustness - 1 repeats later; v2/v1 (a join only, RFC 2236 3): the
 * Report now and repeated. */
void igmp_state_change(struct ust_stack *st, struct igmp_iface *ifs, struct igmp_group *g)
{
    int ver = igmp_host_version(st, ifs->index);
    if (ver == 3) {
        igmp_send_v3(st, ifs, is_group, g, IGMP_REP_PENDING);
    } else {
        g->f.retrans = (uint8_t)(igmp_robustness(st, ifs) - 1);
        igmp_send_simple(st, ifs, ver == 2 ? IGMP_V2_REPORT : IGMP_V1_REPORT, g->addr);
    }
    if (msf_pending(&g->f))
        arm_retrans(st, ifs);
}

void igmp_free_group(struct ust_stack *st, struct igmp_iface *ifs, struct igmp_group *g)
{
    for (struct igmp_group **pp = &ifs->groups; *pp; pp = &(*pp)->next) {
        if (*pp == g) {
            *pp = g->next;
            break;
        }
    }
    timer_cancel(st, &g->timer);
    ifs->ngroups--;
    msf_free(&g->f);
    free(g);
}

static void group_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now);

struct igmp_group *igmp_new_group(struct ust_stack *st, struct igmp_iface *ifs, ust_ip4_t group)
{
    char a[16];
    unsigned joined = 0; /* groups still announcing their leave do not count */
    for (const struct igmp_group *g = ifs->groups; g; g = g->next)
        joined += g->f.refs > 0;
    /* Leaving ones are bounded too: at most as many again. */
    unsigned max = ust_stack_config(st)->igmp_max_memberships;
    if (joined >= max || ifs->ngroups >= 2 * max) {
        stack_stats(st)->igmp.JoinsRefused++;
        TRACE(st, "igmp", "join %s refused: %u groups on the interface", IP4STR(group, a),
              joined);
        return NULL;
    }
    struct igmp_group *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->addr = group;
    g->ifindex = ifs->index;
    timer_init(&g->timer, group_timer_fired);
    g->next = ifs->groups;
    ifs->groups = g;
    ifs->ngroups++;
    return g;
}

static const struct msf_filter any_source = {.exclude = true, .alen = 4};

int igmp_join(struct ust_stack *st, int ifindex, ust_ip4_t group)
{
    return igmp_filter_change(st, ifindex, group, NULL, &any_source);
}

void igmp_leave(struct ust_stack *st, int ifindex, ust_ip4_t group)
{
    igmp_filter_change(st, ifindex, group, &any_source, NULL);
}

static bool has_pending(const struct igmp_group *g, const void *ctx)
{
    (void)ctx;
    return msf_pending(&g->f);
}

/* v2/v1: the repeats of the join Reports. */
static void older_retrans(struct ust_stack *st, struct igmp_iface *ifs, int ver)
{
    for (struct igmp_group *g = ifs->groups; g; g = g->next) {
        if (g->f.retrans == 0)
            continue;
        if (g->f.refs > 0)
            igmp_send_simple(st, ifs, ver == 2 ? IGMP_V2_REPORT : IGMP_V1_REPORT, g->addr);
        g->f.retrans--;
    }
}

/* The next round of state-change reports for every group that still has
 * some to send; leaves that are done free their group. */
static void retrans_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct igmp_iface *ifs = CONTAINER(t, struct igmp_iface, retrans);
    int ver = igmp_host_version(st, ifs->index);
    if (ver == 3)
        igmp_send_v3(st, ifs, has_pending, NULL, IGMP_REP_PENDING);
    else
        older_retrans(st, ifs, ver);
    bool more = false;
    for (struct igmp_group *g = ifs->groups, *next; g; g = next) {
        next = g->next;
        if (msf_pending(&g->f))
            more = true;
        else if (g->f.refs == 0)
            igmp_free_group(st, ifs, g);
    }
    if (more)
        arm_retrans(st, ifs);
}

static bool joined(const struct igmp_group *g, const void *ctx)
{
    (void)ctx;
    return g->f.refs > 0;
}

/* RFC 3376 5.2: the interface timer ran out: a Current-State Report of
 * every group, IS_IN or IS_EX of its sources. */
static void general_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct igmp_iface *ifs = CONTAINER(t, struct igmp_iface, general);
    igmp_send_v3(st, ifs, joined, NULL, IGMP_REP_CURRENT);
}

/* The answer to a query about one group (v3: Group-Specific or
 * Group-and-Source-Specific, 5.2; v1/v2: any query, RFC 2236 3). */
static void group_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct igmp_group *g = CONTAINER(t, struct igmp_group, timer);
    struct igmp_iface *ifs = &stack_net(st)->igmp.ifs[g->ifindex];
    if (g->f.refs == 0)
        return;
    int ver = igmp_host_version(st, g->ifindex);
    if (ver == 3) {
        bool q = g->f.q_sources && g->f.nex == 0;
        igmp_send_v3(st, ifs, is_group, g, q ? IGMP_REP_QUERIED : IGMP_REP_CURRENT);
        g->f.q_sources = false;
        msf_clear_queried(&g->f);
    } else
        igmp_send_simple(st, ifs, ver == 2 ? IGMP_V2_REPORT : IGMP_V1_REPORT, g->addr);
}

void igmp_enter_older_mode(struct ust_stack *st, struct igmp_iface *ifs)
{
    timer_cancel(st, &ifs->general);
    timer_cancel(st, &ifs->retrans);
    for (struct igmp_group *g = ifs->groups, *next; g; g = next) {
        next = g->next;
        msf_drop_pending(&g->f);
        if (g->f.refs == 0)
            igmp_free_group(st, ifs, g);
    }
}

static void older_querier_gone(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)t, (void)now; /* the mode is read from the timers themselves */
    TRACE(st, "igmp", "older version querier present timer expired");
}

int igmp_register(struct ust_stack *st)
{
    struct igmp_state *is = &stack_net(st)->igmp;
    for (int i = 0; i < UST_MAX_IFACES; i++) {
        struct igmp_iface *ifs = &is->ifs[i];
        ifs->index = i;
        timer_init(&ifs->general, general_fired);
        timer_init(&ifs->retrans, retrans_fired);
        timer_init(&ifs->v1_present, older_querier_gone);
        timer_init(&ifs->v2_present, older_querier_gone);
    }
    return ip_proto_register(st, IPV4_PROTO_IGMP, &igmp_proto_ops);
}

void igmp_destroy(struct ust_stack *st)
{
    struct igmp_state *is = &stack_net(st)->igmp;
    for (int i = 0; i < UST_MAX_IFACES; i++) {
        struct igmp_group *g = is->ifs[i].groups;
        while (g) {
            struct igmp_group *next = g->next;
            msf_free(&g->f);
            free(g);
            g = next;
        }
        is->ifs[i].groups = NULL;
        is->ifs[i].ngroups = 0;
    }
}
