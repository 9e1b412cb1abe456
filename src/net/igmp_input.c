/* IGMP input on a host (RFC 3376 5.2, 7; RFC 2236 3): Membership Queries
 * schedule reports and set the Older Version Querier Present timers;
 * other hosts' v1/v2 Reports suppress ours in the older modes. Checks of
 * RFC 3376 9.1 (Router Alert on v2/v3 Queries, General Queries only to
 * 224.0.0.1) drop what a host should ignore. */
#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "igmp.h"
#include "net.h"
#include "wire/igmp.h"

static bool has_router_alert(const struct ipv4_hdr *h)
{
    struct ipv4_opt_iter it;
    struct ipv4_opt o;
    ipv4_opt_iter_init(&it, h->opts, h->opts ? h->opt_len : 0);
    while (ipv4_opt_next(&it, &o))
        if (o.type == IPV4_OPT_ROUTER_ALERT)
            return true;
    return false;
}

/* RFC 3376 7.2.1: a v1/v2 Query sets its Older Version Querier Present
 * timer to [Robustness Variable] * [Query Interval] + [Query Response
 * Interval] (8.12); a v3 Query updates QRV and QQI (4.1.6, 4.1.7). */
static void note_querier(struct ust_stack *st, struct igmp_iface *ifs, const struct igmp_msg *m)
{
    if (m->qver == IGMP_QV3) {
        if (m->qrv)
            ifs->qrv = m->qrv;
        if (m->qqi_s)
            ifs->qi = (ust_time_t)m->qqi_s * UST_SEC;
        return;
    }
    int before = igmp_host_version(st, ifs->index);
    ust_time_t qi = ifs->qi ? ifs->qi : IGMP_DEFAULT_QI;
    ust_time_t timeout = (ust_time_t)igmp_robustness(st, ifs) * qi + IGMP_DEFAULT_QRI;
    struct ust_timer *t = m->qver == IGMP_QV1 ? &ifs->v1_present : &ifs->v2_present;
    timer_arm(st, t, stack_now(st) + timeout);
    if (before == 3) {
        TRACE(st, "igmp", "IGMPv%d querier: compatibility mode", (int)m->qver);
        igmp_enter_older_mode(st, ifs);
    }
}

static ust_time_t random_delay(struct ust_stack *st, ust_time_t max)
{
    return max > 0 ? (ust_time_t)rng_below(stack_rng(st), (uint64_t)max) : 0;
}

/* RFC 3376 5.2 rules 1-5: a General Query arms the interface timer; a
 * group's pending answer is to a Group-and-Source-Specific Query only
 * while every query since named sources (their union is marked), else it
 * is Group-Specific. In EXCLUDE mode a source query is answered as a
 * group query (IS_EX of the state: a superset, which routers accept). */
static void v3_schedule(struct ust_stack *st, struct igmp_iface *ifs, const struct igmp_msg *m,
                        ust_time_t max)
{
    ust_time_t at = stack_now(st) + random_delay(st, max);
    if (timer_armed(&ifs->general) && ifs->general.when <= at)
        return; /* rule 1: an earlier answer to a General Query covers it */
    if (m->group == 0) {
        timer_arm(st, &ifs->general, at); /* rule 2 */
        return;
    }
    struct igmp_group *g = igmp_find_group(ifs, m->group);
    if (!g || g->f.refs == 0)
        return;
    bool pending = timer_armed(&g->timer);
    if (!(pending && g->f.q_sources && m->nsrc > 0))
        msf_clear_queried(&g->f); /* no union to keep (rule 4, 5) */
    g->f.q_sources = m->nsrc > 0 && (!pending || g->f.q_sources) &&
                     msf_mark_queried(&g->f, m->sources, m->nsrc, 4);
    if (!g->f.q_sources)
        msf_clear_queried(&g->f);
    if (!pending || g->timer.when > at)
        timer_arm(st, &g->timer, at); /* rules 3-5: the earlier of the two */
}

/* RFC 2236 3: a timer per group, reset only when the query asks for an
 * answer sooner than it would come. */
static void older_schedule(struct ust_stack *st, struct igmp_iface *ifs,
                           const struct igmp_msg *m, ust_time_t max)
{
    ust_time_t now = stack_now(st);
    for (struct igmp_group *g = ifs->groups; g; g = g->next) {
        if (g->f.refs == 0 || (m->group != 0 && g->addr != m->group))
            continue;
        if (timer_armed(&g->timer) && g->timer.when - now <= max)
            continue;
        timer_arm(st, &g->timer, now + random_delay(st, max));
    }
}

static void query_input(struct ust_stack *st, const struct ip_rx *rx, const struct igmp_msg *m)
{
    struct ust_igmp_stats *s = &stack_stats(st)->igmp;
    char g[16], d[16];
    s->InQueries++;
    if (m->qver != IGMP_QV1 && !has_router_alert(rx->h)) {
        s->InIgnored++; /* RFC 3376 9.1: SHOULD ignore (forgery) */
        TRACE(st, "igmp", "drop: v%d query without Router Alert", (int)m->qver);
        return;
    }
    if (m->group == 0 ? rx->h->dst != IGMP_ALL_SYSTEMS : !ipv4_is_multicast(m->group)) {
        s->InIgnored++; /* 9.1: a General Query goes to 224.0.0.1 only */
        TRACE(st, "igmp", "drop: query for %s sent to %s", IP4STR(m->group, g),
              IP4STR(rx->h->dst, d));
        return;
    }
    struct igmp_iface *ifs = igmp_iface_of(st, rx->ifc->index);
    if (!ifs)
        return;
    note_querier(st, ifs, m);
    ust_time_t max = (ust_time_t)m->max_resp_ds * (UST_SEC / 10);
    TRACE(st, "igmp", "rx v%d query for %s, max resp %u.%u s", (int)m->qver, IP4STR(m->group, g),
          m->max_resp_ds / 10, m->max_resp_ds % 10);
    if (igmp_host_version(st, ifs->index) == 3)
        v3_schedule(st, ifs, m, max);
    else
        older_schedule(st, ifs, m, max);
}

/* RFC 2236 3 / RFC 1112: another member answered: ours is not needed. In
 * v3 mode reports are never suppressed (RFC 3376 5.2). */
static void report_heard(struct ust_stack *st, int ifindex, ust_ip4_t group)
{
    struct igmp_iface *ifs = igmp_iface_of(st, ifindex);
    if (!ifs || igmp_host_version(st, ifindex) == 3)
        return;
    struct igmp_group *g = igmp_find_group(ifs, group);
    if (g && timer_armed(&g->timer)) {
        timer_cancel(st, &g->timer);
        stack_stats(st)->igmp.ReportsSuppressed++;
    }
}

static void igmp_ip_input(struct ust_stack *st, const struct ip_rx *rx)
{
    struct ust_igmp_stats *s = &stack_stats(st)->igmp;
    struct igmp_msg m;
    s->InMsgs++;
    int rc = igmp_parse(rx->seg, rx->seg_len, &m);
    if (rc != WIRE_OK) {
        if (rc == WIRE_BAD_CSUM)
            s->InCsumErrors++;
        s->InErrors++;
        TRACE(st, "igmp", "drop: %s", wire_strerror(rc));
        return;
    }
    if (!rx->ifc)
        return; /* our own, looped back: nothing to learn */
    switch (m.type) {
    case IGMP_QUERY:
        query_input(st, rx, &m);
        break;
    case IGMP_V1_REPORT:
    case IGMP_V2_REPORT:
        s->InReports++;
        report_heard(st, rx->ifc->index, m.group);
        break;
    case IGMP_V3_REPORT:
    case IGMP_V2_LEAVE:
        s->InReports++; /* for routers */
        break;
    default:
        s->InIgnored++; /* RFC 3376 4: unknown types are ignored */
        break;
    }
}

const struct ip_proto_ops igmp_proto_ops = {.input = igmp_ip_input};
