/* MLD input on a host (RFC 3810 5.1.14-15, 6.2, 8.2.1; RFC 2710 4):
 * Queries schedule reports and set the Older Version Querier Present
 * timer. Before anything is learnt, a message must come with Hop Limit 1,
 * from a link-local source, behind a Router Alert (RFC 3810 5, 5.1.14,
 * RFC 2711); a General Query only to ff02::1. Reports from other hosts
 * are counted (they are for routers; v2 reports are never suppressed). */
#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "mld6.h"
#include "net6_impl.h"
#include "wire/mld.h"

/* The packet's first header after the fixed one is a Hop-by-Hop header
 * with a Router Alert option (value 0: MLD, RFC 2711). */
static bool has_router_alert(const struct ip6_rx *rx)
{
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    ipv6_ext_iter_init(&it, rx->pkt, rx->pkt_len, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
    if (!ipv6_ext_next(&it, &e) || e.type != IPV6_NH_HOPOPTS)
        return false;
    struct ipv6_opt_iter oi;
    struct ipv6_opt o;
    ipv6_opt_iter_init(&oi, &e);
    while (ipv6_opt_next(&oi, &o))
        if (o.type == IPV6_OPT_ROUTER_ALERT)
            return true;
    return false;
}

static const char *unauthorised(const struct ip6_rx *rx)
{
    if (rx->h->hop_limit != MLD_HOP_LIMIT)
        return "hop limit not 1";
    if (!ipv6_addr_is_link_local(&rx->h->src))
        return "source not link-local";
    if (!has_router_alert(rx))
        return "no router alert";
    return NULL;
}

/* RFC 3810 8.2.1: a v1 Query sets the Older Version Querier Present timer
 * to [Robustness] * [Query Interval] + [Query Response Interval] (9.12);
 * a v2 Query updates QRV and QQI (5.1.8, 5.1.9). */
static void note_querier(struct ust_stack *st, struct mld6_iface *ifs, const struct mld_query *q)
{
    if (q->v2) {
        if (q->qrv)
            ifs->qrv = q->qrv;
        if (q->qqi_s)
            ifs->qi = (ust_time_t)q->qqi_s * UST_SEC;
        return;
    }
    bool was_v2 = mld6_host_version(st, ifs->index) == 2;
    ust_time_t qi = ifs->qi ? ifs->qi : MLD6_DEFAULT_QI;
    ust_time_t timeout = (ust_time_t)mld6_robustness(ifs) * qi + MLD6_DEFAULT_QRI;
    timer_arm(st, &ifs->v1_present, stack_now(st) + timeout);
    if (was_v2) {
        TRACE(st, "mld", "MLDv1 querier: compatibility mode");
        mld6_enter_v1_mode(st, ifs);
    }
}

static ust_time_t random_delay(struct ust_stack *st, ust_time_t max)
{
    return max > 0 ? (ust_time_t)rng_below(stack_rng(st), (uint64_t)max) : 0;
}

/* RFC 3810 6.2 rules 1-5: a General Query arms the interface timer; a
 * group's pending answer is to a Multicast Address and Source Specific
 * Query only while every query since named sources (their union is
 * marked), else it is about the whole group. In EXCLUDE mode a source
 * query is answered as a group query (IS_EX of the state: a superset,
 * which routers accept, as IGMPv3's). */
static void v2_schedule(struct ust_stack *st, struct mld6_iface *ifs, const struct mld_query *q,
                        ust_time_t max)
{
    ust_time_t at = stack_now(st) + random_delay(st, max);
    if (timer_armed(&ifs->general) && ifs->general.when <= at)
        return; /* rule 1 */
    if (ipv6_addr_is_unspecified(&q->group)) {
        timer_arm(st, &ifs->general, at); /* rule 2 */
        return;
    }
    struct mld6_group *g = mld6_find_group(ifs, &q->group);
    if (!g || g->f.refs == 0 || g->quiet)
        return;
    bool pending = timer_armed(&g->timer);
    if (!(pending && g->f.q_sources && q->nsrc > 0))
        msf_clear_queried(&g->f); /* no union to keep (rules 4, 5) */
    g->f.q_sources = q->nsrc > 0 && (!pending || g->f.q_sources) &&
                     msf_mark_queried(&g->f, q->sources, q->nsrc, IPV6_ADDR_LEN);
    if (!g->f.q_sources)
        msf_clear_queried(&g->f);
    if (!pending || g->timer.when > at)
        timer_arm(st, &g->timer, at); /* rules 3-5: the earlier of the two */
}

/* RFC 2710 4: a timer per group, reset only when the query asks sooner. */
static void v1_schedule(struct ust_stack *st, struct mld6_iface *ifs, const struct mld_query *q,
                        ust_time_t max)
{
    ust_time_t now = stack_now(st);
    bool general = ipv6_addr_is_unspecified(&q->group);
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++) {
        struct mld6_group *g = &ifs->groups[i];
        if (!g->used || g->f.refs == 0 || g->quiet || (!general && !ipv6_addr_eq(&g->addr, &q->group)))
            continue;
        if (timer_armed(&g->timer) && g->timer.when - now <= max)
            continue;
        timer_arm(st, &g->timer, now + random_delay(st, max));
    }
}

static void query_input(struct ust_stack *st, const struct ip6_rx *rx)
{
    static const struct ipv6_addr all_nodes = {{0xff, 0x02, [15] = 1}};
    struct ust_mld6_stats *s = &stack_stats(st)->mld6;
    struct mld_query q;
    if (mld_query_parse(rx->seg, rx->seg_len, &q) < 0) {
        s->InErrors++;
        TRACE(st, "mld", "drop: malformed query");
        return;
    }
    s->InQueries++;
    bool general = ipv6_addr_is_unspecified(&q.group);
    if (general ? !ipv6_addr_eq(&rx->h->dst, &all_nodes) : !ipv6_addr_is_multicast(&q.group)) {
        s->InIgnored++; /* 5.1.15: a General Query goes to ff02::1 */
        TRACE(st, "mld", "drop: query to a wrong destination");
        return;
    }
    struct mld6_iface *ifs = mld6_iface_of(st, rx->ifindex);
    if (!ifs)
        return;
    note_querier(st, ifs, &q);
    ust_time_t max = (ust_time_t)q.max_resp_ms * UST_MSEC;
    char g[IPV6_ADDR_STRLEN];
    TRACE(st, "mld", "rx v%d query for %s, %u sources, max resp %u ms", q.v2 ? 2 : 1,
          IP6STR(&q.group, g), q.nsrc, q.max_resp_ms);
    if (mld6_host_version(st, ifs->index) == 2)
        v2_schedule(st, ifs, &q, max);
    else
        v1_schedule(st, ifs, &q, max);
}

void mld6_input(struct ust_stack *st, const struct ip6_rx *rx, uint8_t type)
{
    struct ust_mld6_stats *s = &stack_stats(st)->mld6;
    s->InMsgs++;
    if (!rx->ifc)
        return; /* our own, looped back: nothing to learn */
    const char *why = unauthorised(rx);
    if (why) {
        s->InIgnored++;
        TRACE(st, "mld", "drop: %s", why);
        return;
    }
    if (type == ICMPV6_MLD_QUERY)
        query_input(st, rx);
    else
        s->InReports++; /* Reports and Dones are for routers */
}
