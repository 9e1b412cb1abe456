/* MLDv2 as a host (RFC 3810) on the net harness (two stacks on one wire,
 * virtual clock, every frame recorded): a stack announces the
 * solicited-node group of each address as it comes up (TO_EX({}),
 * Robustness times, Hop Limit 1, Router Alert, to ff02::16, never
 * ff02::1), answers General and Multicast-Address-Specific Queries within
 * Maximum Response Delay, announces a leave (TO_IN({})), ignores and
 * counts queries a host must not act on, and falls back to MLDv1 while a
 * v1 querier is present. Queries are forged with the wire layer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/net_harness.h"
#include "core/stack_impl.h"
#include "net6/mld6.h"
#include "net6/net6_impl.h"
#include "wire/eth.h"
#include "wire/mld.h"
#include "wire/wbuf.h"

static const struct ipv6_addr ALL_NODES = {{0xff, 0x02, [15] = 1}};
static const struct ipv6_addr MLD2_ROUTERS = {{0xff, 0x02, [15] = 0x16}};
static const struct ipv6_addr QUERIER = {{0xfe, 0x80, [15] = 0x99}};
static const struct ipv6_addr GLOBAL_Q = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x99}};
static const struct ipv6_addr US = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const uint8_t Q_MAC[6] = {0x02, 0, 0, 0, 0, 0x99};

struct fx {
    struct nh_net *n;
    struct ust_stack *a, *b;
    int pa, pb;
};

static void fx_up(struct fx *f)
{
    f->n = nh_net_new();
    f->n->ipv6 = true;
    f->a = nh_stack(f->n, NULL);
    f->b = nh_stack(f->n, NULL);
    f->pa = nh_host(f->n, f->a, 0, 0x0a, UST_IP4(203, 0, 113, 2), 24, 1500);
    f->pb = nh_host(f->n, f->b, 0, 0x0b, UST_IP4(203, 0, 113, 1), 24, 1500);
}

/* A report stack a sent: its IPv6 header and MLD message. */
struct rep {
    const uint8_t *ip, *msg;
    size_t msg_len;
    ust_time_t at;
};

/* Frame i of port, when it is an MLD message behind the Hop-by-Hop header. */
static bool mld_frame(struct fx *f, int port, size_t i, struct rep *r)
{
    const struct nh_frame *fr = nh_tx(f->n, port, i);
    if (fr->len < 14 + 48 + 4 || get_be16(fr->data + 12) != ETH_TYPE_IPV6)
        return false;
    const uint8_t *ip = fr->data + 14;
    if (ip[6] != IPV6_NH_HOPOPTS || ip[40] != IPV6_NH_ICMPV6)
        return false;
    *r = (struct rep){.ip = ip, .msg = ip + 48, .msg_len = get_be16(ip + 4) - 8, .at = fr->at};
    return true;
}

/* Checks every MLD frame's envelope (RFC 3810 5: Hop Limit 1, Router
 * Alert value 0; source :: or link-local) and counts v2 reports holding a
 * record of `type` for group (ANY: ff02::1 records counted instead). */
static int count_records(struct fx *f, uint8_t type, const struct ipv6_addr *group,
                         ust_time_t not_after)
{
    int k = 0;
    struct rep r;
    for (size_t i = 0; i < nh_tx_count(f->n, f->pa); i++) {
        if (!mld_frame(f, f->pa, i, &r) || r.msg[0] != ICMPV6_MLD2_REPORT)
            continue;
        assert_int_equal(r.ip[7], 1);                   /* hop limit */
        assert_int_equal(r.ip[42], IPV6_OPT_ROUTER_ALERT);
        assert_int_equal(get_be16(r.ip + 44), 0);       /* MLD */
        struct ipv6_addr src, dst;
        memcpy(src.b, r.ip + 8, 16);
        memcpy(dst.b, r.ip + 24, 16);
        assert_true(ipv6_addr_is_unspecified(&src) || ipv6_addr_is_link_local(&src));
        assert_true(ipv6_addr_eq(&dst, &MLD2_ROUTERS));
        assert_true(r.at <= not_after);
        struct mld2_rec_iter it;
        struct mld2_record rec;
        assert_int_equal(mld2_report_iter_init(&it, r.msg, r.msg_len), 0);
        while (mld2_rec_next(&it, &rec)) {
            assert_false(ipv6_addr_eq(&rec.group, &ALL_NODES)); /* RFC 3810 6 */
            if (rec.type == type && ipv6_addr_eq(&rec.group, group))
                k++;
        }
        assert_int_equal(it.err, 0);
    }
    return k;
}

static struct ipv6_addr ll_of(struct ust_stack *st)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(st, 0, a, UST_MAX_ADDRS6);
    struct ipv6_addr out = {{0}};
    for (int j = 0; j < k; j++)
        if (a[j].origin == UST_ADDR6_LINK_LOCAL)
            memcpy(out.b, a[j].addr, 16);
    return out;
}

static struct ipv6_addr snm(const struct ipv6_addr *a)
{
    struct ipv6_addr g;
    ipv6_solicited_node(a, &g);
    return g;
}

struct q {
    bool v1;
    uint16_t mrc;          /* Maximum Response Code (ms below 32768) */
    struct ipv6_addr group, src, dst;
    uint8_t hop_limit;
    bool no_router_alert;
    size_t truncate;       /* nonzero: send only this many message bytes */
};

/* A Query forged byte by byte (RFC 3810 5.1, RFC 2710 3) and injected at a. */
static void inject_query(struct fx *f, const struct q *q)
{
    uint8_t pkt[200] = {0}, frame[300], dmac[6];
    size_t hbh = q->no_router_alert ? 0 : 8, mlen = q->v1 ? MLD1_LEN : MLD2_QUERY_MIN;
    uint8_t *m = pkt + 40 + hbh;
    m[0] = ICMPV6_MLD_QUERY;
    put_be16(m + 4, q->mrc);
    memcpy(m + 8, q->group.b, 16);
    if (!q->v1) {
        m[24] = 2;  /* QRV */
        m[25] = 125; /* QQIC */
    }
    icmpv6_set_csum(m, mlen, &q->src, &q->dst);
    if (q->truncate)
        mlen = q->truncate;
    if (hbh)
        assert_int_equal(ipv6_hbh_router_alert_emit(IPV6_NH_ICMPV6, pkt + 40, 8), 8);
    struct ipv6_hdr h = {.payload_len = (uint16_t)(hbh + mlen),
                         .next_hdr = hbh ? IPV6_NH_HOPOPTS : IPV6_NH_ICMPV6,
                         .hop_limit = q->hop_limit ? q->hop_limit : 1, .src = q->src,
                         .dst = q->dst};
    ipv6_emit(&h, pkt, 40);
    ipv6_mcast_mac(&q->dst, dmac);
    size_t len = nh_build_eth(frame, sizeof(frame), dmac, Q_MAC, ETH_TYPE_IPV6, pkt,
                              40 + hbh + mlen);
    nh_inject(f->n, f->pa, frame, len);
    nh_run_until(f->n, f->n->now);
}

/* RFC 3810 6.1, RFC 4862 5.4.2: the solicited-node group of the
 * link-local address is announced as the interface comes up (from ::
 * while DAD runs, 5.2.13), Robustness (2) times, and once more from the
 * link-local address when DAD is done; a static address added later
 * brings its own group. The other stack receives them. */
static void test_reports_when_addresses_come_up(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    struct ipv6_addr ll = ll_of(f.a), g_ll = snm(&ll), g_us = snm(&US);
    nh_run_until(f.n, 3 * UST_SEC);
    assert_int_equal(count_records(&f, MLD2_CHANGE_TO_EXCLUDE, &g_ll, 2 * UST_SEC), 2);
    struct rep r;
    assert_true(mld_frame(&f, f.pa, 0, &r));
    struct ipv6_addr first_src;
    memcpy(first_src.b, r.ip + 8, 16);
    assert_true(ipv6_addr_is_unspecified(&first_src)); /* DAD still running */
    /* RFC 3810 5.2.13: once DAD has passed, reported again from the
     * link-local address. */
    assert_int_equal(count_records(&f, MLD2_MODE_IS_EXCLUDE, &g_ll, 3 * UST_SEC), 1);
    assert_int_equal(ust_stack_stats(f.a)->mld6.OutV2Reports, 3);
    /* The other host does the same; ff02::16 is not in its filter, so
     * the reports (for routers) never reach its MLD input. */
    assert_int_equal(ust_stack_stats(f.b)->mld6.OutV2Reports, 3);
    assert_int_equal(ust_stack_stats(f.b)->mld6.InMsgs, 0);
    ust_time_t t = f.n->now;
    assert_int_equal(ust_iface_add_addr6(f.a, 0, US.b, 64), 0);
    nh_run_until(f.n, t + 3 * UST_SEC);
    assert_int_equal(count_records(&f, MLD2_CHANGE_TO_EXCLUDE, &g_us, t + 2 * UST_SEC), 2);
    /* By now the link-local address is valid: the reports come from it. */
    size_t last = nh_tx_count(f.n, f.pa) - 1;
    while (!mld_frame(&f, f.pa, last, &r))
        last--;
    assert_memory_equal(r.ip + 8, ll.b, 16);
    nh_net_free(f.n);
}

/* RFC 3810 6.2-6.3: a General Query is answered by one Current-State
 * Report, IS_EX({}) for every group, within Maximum Response Delay; a
 * Multicast-Address-Specific one for that group only. */
static void test_queries_answered_within_max_response_delay(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    nh_run_until(f.n, 3 * UST_SEC);
    struct ipv6_addr ll = ll_of(f.a), g_ll = snm(&ll);
    nh_tx_clear(f.n, f.pa);
    ust_time_t t = f.n->now;
    inject_query(&f, &(struct q){.mrc = 2000, .src = QUERIER, .dst = ALL_NODES});
    assert_int_equal(ust_stack_stats(f.a)->mld6.InQueries, 1);
    nh_run_until(f.n, t + 2 * UST_SEC);
    assert_int_equal(count_records(&f, MLD2_MODE_IS_EXCLUDE, &g_ll, t + 2 * UST_SEC), 1);
    nh_tx_clear(f.n, f.pa);
    t = f.n->now;
    inject_query(&f, &(struct q){.mrc = 500, .group = g_ll, .src = QUERIER, .dst = g_ll});
    nh_run_until(f.n, t + 5 * UST_SEC);
    assert_int_equal(count_records(&f, MLD2_MODE_IS_EXCLUDE, &g_ll, t + UST_SEC / 2), 1);
    assert_int_equal(ust_stack_stats(f.a)->mld6.InIgnored, 0);
    nh_net_free(f.n);
}

/* The MLD frames stack a sent since the last clear. */
static int mld_frames(struct fx *f)
{
    int k = 0;
    struct rep r;
    for (size_t i = 0; i < nh_tx_count(f->n, f->pa); i++)
        k += mld_frame(f, f->pa, i, &r);
    return k;
}

/* MLD-3 (RFC 3810 6): groups of scope 0 and 1 are joined without a word
 * (no Report on the join, no record in the answer to a General Query);
 * ff02::1 is always received (joined without a join) and never reported
 * (count_records fails on a record for it).
 * MLD-5 (6.2): a General Query is never answered at once: each answer
 * leaves after the Query, within the Maximum Response Delay (5 s), at a
 * delay that differs from Query to Query. */
static void test_scope_rules_and_delayed_answers(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    nh_run_until(f.n, 3 * UST_SEC);
    nh_tx_clear(f.n, f.pa);
    const struct ipv6_addr scope1 = {{0xff, 0x01, [15] = 0x42}};
    const struct ipv6_addr scope0 = {{0xff, 0x00, [15] = 0x42}};
    uint64_t reports = ust_stack_stats(f.a)->mld6.OutV2Reports;
    assert_int_equal(mld6_join(f.a, 0, &scope1), 0);
    assert_int_equal(mld6_join(f.a, 0, &scope0), 0);
    nh_run_until(f.n, f.n->now + 3 * UST_SEC);
    assert_int_equal(mld_frames(&f), 0);
    assert_int_equal(ust_stack_stats(f.a)->mld6.OutV2Reports, reports);
    assert_true(ip6_mcast_joined(f.a, 0, &ALL_NODES));
    ust_time_t delay[4];
    for (int i = 0; i < 4; i++) {
        nh_tx_clear(f.n, f.pa);
        ust_time_t t = f.n->now;
        inject_query(&f, &(struct q){.mrc = 5000, .src = QUERIER, .dst = ALL_NODES});
        assert_int_equal(mld_frames(&f), 0); /* nothing at the Query's instant */
        nh_run_until(f.n, t + 6 * UST_SEC);
        struct rep r;
        size_t j = 0;
        while (j < nh_tx_count(f.n, f.pa) && !mld_frame(&f, f.pa, j, &r))
            j++;
        assert_true(j < nh_tx_count(f.n, f.pa));
        assert_true(r.at > t && r.at <= t + 5 * UST_SEC);
        delay[i] = r.at - t;
        for (uint8_t type = MLD2_MODE_IS_INCLUDE; type <= MLD2_BLOCK_OLD_SOURCES; type++) {
            assert_int_equal(count_records(&f, type, &scope1, t + 5 * UST_SEC), 0);
            assert_int_equal(count_records(&f, type, &scope0, t + 5 * UST_SEC), 0);
        }
    }
    int distinct = 0;
    for (int i = 1; i < 4; i++)
        distinct += delay[i] != delay[0];
    assert_true(distinct >= 2);
    nh_net_free(f.n);
}

/* RFC 3810 6.1: the last listener gone, TO_IN({}) Robustness times. */
static void test_leave_announced_to_include(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    nh_run_until(f.n, 3 * UST_SEC);
    struct ipv6_addr ll = ll_of(f.a), g_ll = snm(&ll);
    nh_tx_clear(f.n, f.pa);
    ust_time_t t = f.n->now;
    mld6_leave(f.a, 0, &g_ll);
    nh_run_until(f.n, t + 3 * UST_SEC);
    assert_int_equal(count_records(&f, MLD2_CHANGE_TO_INCLUDE, &g_ll, t + 2 * UST_SEC), 2);
    assert_null(mld6_find_group(&f.a->net6.mld.ifs[0], &g_ll));
    nh_net_free(f.n);
}

/* RFC 3810 5.1.14-15, RFC 2711: queries with Hop Limit 255, from a
 * global source, without Router Alert, General to a group address or
 * truncated are counted and not answered. */
static void test_bad_queries_ignored_and_counted(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    nh_run_until(f.n, 3 * UST_SEC);
    struct ipv6_addr ll = ll_of(f.a), g_ll = snm(&ll);
    nh_tx_clear(f.n, f.pa);
    struct q bad[] = {
        {.mrc = 100, .src = QUERIER, .dst = ALL_NODES, .hop_limit = 255},
        {.mrc = 100, .src = GLOBAL_Q, .dst = ALL_NODES},
        {.mrc = 100, .src = QUERIER, .dst = ALL_NODES, .no_router_alert = true},
        {.mrc = 100, .src = QUERIER, .dst = g_ll},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        inject_query(&f, &bad[i]);
    assert_int_equal(ust_stack_stats(f.a)->mld6.InIgnored, 4);
    inject_query(&f, &(struct q){.mrc = 100, .src = QUERIER, .dst = ALL_NODES, .truncate = 26});
    assert_int_equal(ust_stack_stats(f.a)->mld6.InErrors +
                         ust_stack_stats(f.a)->icmp6.Icmp6InErrors, 1);
    assert_int_equal(ust_stack_stats(f.a)->mld6.InQueries, 1); /* only the wrong-dst one parsed */
    nh_run_until(f.n, f.n->now + 10 * UST_SEC);
    assert_int_equal(count_records(&f, MLD2_MODE_IS_EXCLUDE, &g_ll, f.n->now), 0);
    assert_int_equal(mld6_host_version(f.a, 0), 2);
    nh_net_free(f.n);
}

/* RFC 3810 8.2.1: a v1 Query puts the interface in MLDv1 mode: the answer
 * is a v1 Report to the group, a leave a Done to ff02::2. */
static void test_v1_querier_compatibility(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    nh_run_until(f.n, 3 * UST_SEC);
    struct ipv6_addr ll = ll_of(f.a), g_ll = snm(&ll);
    nh_tx_clear(f.n, f.pa);
    inject_query(&f, &(struct q){.v1 = true, .mrc = 1000, .src = QUERIER, .dst = ALL_NODES});
    assert_int_equal(mld6_host_version(f.a, 0), 1);
    nh_run_until(f.n, f.n->now + 2 * UST_SEC);
    assert_int_equal(ust_stack_stats(f.a)->mld6.OutV1Reports, 1);
    mld6_leave(f.a, 0, &g_ll);
    assert_int_equal(ust_stack_stats(f.a)->mld6.OutDones, 1);
    int v1_reports = 0, dones = 0;
    struct rep r;
    for (size_t i = 0; i < nh_tx_count(f.n, f.pa); i++) {
        if (!mld_frame(&f, f.pa, i, &r))
            continue;
        assert_int_equal(r.ip[7], 1);
        assert_memory_equal(r.msg + 8, g_ll.b, 16);
        if (r.msg[0] == ICMPV6_MLD1_REPORT && !memcmp(r.ip + 24, g_ll.b, 16))
            v1_reports++;
        if (r.msg[0] == ICMPV6_MLD1_DONE && r.ip[24 + 15] == 2)
            dones++;
        assert_int_not_equal(r.msg[0], ICMPV6_MLD2_REPORT);
    }
    assert_int_equal(v1_reports, 1);
    assert_int_equal(dones, 1);
    nh_net_free(f.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports_when_addresses_come_up),
        cmocka_unit_test(test_queries_answered_within_max_response_delay),
        cmocka_unit_test(test_leave_announced_to_include),
        cmocka_unit_test(test_scope_rules_and_delayed_answers),
        cmocka_unit_test(test_bad_queries_ignored_and_counted),
        cmocka_unit_test(test_v1_querier_compatibility),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
