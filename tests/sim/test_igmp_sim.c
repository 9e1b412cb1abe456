/* IGMPv3 as a host and multicast on UDP sockets, on the net harness
 * (virtual clock, every frame recorded): two joined sockets on one stack
 * each get every datagram, a socket that did not join gets none, a leave
 * stops delivery and is announced (TO_IN({})); queries are answered
 * within Max Resp Time; a v2 querier puts the interface in compatibility
 * mode (v2 reports and Leave Group) until its timer runs out;
 * IP_MULTICAST_LOOP, IP_MULTICAST_TTL (default 1); the RFC 3376 9.1 checks
 * and the membership bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "../harness/sin.h"
#include "wire/eth.h"
#include "wire/igmp.h"
#include "wire/ipv4.h"

#include "../harness/igmp_topo.h"

/* One IGMP message A sent, with what IP carried it in. */
struct sent {
    ust_time_t at;
    struct ipv4_hdr ip;
    bool router_alert;
    struct igmp_msg m;
    uint8_t rec_type[8];
    ust_ip4_t rec_group[8];
};

/* Every IGMP message recorded on port since index `from`. */
static size_t igmp_sent(struct topo *t, int port, size_t from, struct sent *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = from; i < nh_tx_count(t->n, port) && k < cap; i++) {
        size_t len;
        const uint8_t *d = nh_tx_ipv4(t->n, port, i, &len);
        struct sent s = {.at = nh_tx(t->n, port, i)->at};
        if (!d || ipv4_parse(d, len, true, &s.ip) != WIRE_OK || s.ip.proto != IPV4_PROTO_IGMP)
            continue;
        s.router_alert = s.ip.opt_len >= 4 && s.ip.opts[0] == IPV4_OPT_ROUTER_ALERT;
        const uint8_t *msg = d + s.ip.hdr_len;
        size_t mlen = s.ip.total_len - s.ip.hdr_len;
        assert_int_equal(igmp_parse(msg, mlen, &s.m), WIRE_OK);
        if (s.m.type == IGMP_V3_REPORT) {
            struct igmp_rec_iter it;
            struct igmp_record r;
            size_t j = 0;
            igmp_rec_iter_init(&it, msg, mlen);
            while (igmp_rec_next(&it, &r) && j < 8) {
                s.rec_type[j] = r.type;
                s.rec_group[j++] = r.group;
            }
        }
        out[k++] = s;
    }
    return k;
}

/* RFC 3376 4: TTL 1, Router Alert, TOS 0xc0, our address as source. */
static void assert_igmp_ip(const struct sent *s)
{
    assert_int_equal(s->ip.ttl, 1);
    assert_true(s->router_alert);
    assert_int_equal(s->ip.tos, 0xc0);
    assert_int_equal(s->ip.src, A_ADDR);
}

/* An IGMP message from B (203.0.113.1) to dst, injected into A. */
static void inject_igmp(struct topo *t, ust_ip4_t dst, const uint8_t *msg, size_t len, bool ra)
{
    static const uint8_t router_alert[4] = {IPV4_OPT_ROUTER_ALERT, 4, 0, 0};
    uint8_t dgram[256], frame[300], mac[6] = {0x01, 0x00, 0x5e};
    mac[3] = (uint8_t)((dst >> 16) & 0x7f);
    mac[4] = (uint8_t)(dst >> 8);
    mac[5] = (uint8_t)dst;
    struct nh_ip ip = {.src = B_ADDR, .dst = dst, .proto = IPV4_PROTO_IGMP, .ttl = 1,
                       .tos = 0xc0, .opts = ra ? router_alert : NULL, .opt_len = ra ? 4 : 0};
    size_t dl = nh_build_ipv4(dgram, sizeof(dgram), &ip, msg, len);
    struct ust_mac bm = nh_mac(0x0b);
    size_t fl = nh_build_eth(frame, sizeof(frame), mac, bm.b, ETH_TYPE_IPV4, dgram, dl);
    nh_inject(t->n, t->pa, frame, fl);
}

static void inject_v3_query(struct topo *t, ust_ip4_t group, uint8_t mrc, bool ra)
{
    uint8_t q[12];
    int len = igmp_v3_query_emit(mrc, group, false, 2, 125, NULL, 0, q, sizeof(q));
    inject_igmp(t, group ? group : IGMP_ALL_SYSTEMS, q, (size_t)len, ra);
}

static void inject_simple(struct topo *t, uint8_t type, uint8_t code, ust_ip4_t group,
                          ust_ip4_t dst)
{
    uint8_t q[8];
    igmp_emit_simple(type, code, group, q, sizeof(q));
    inject_igmp(t, dst, q, sizeof(q), type != IGMP_QUERY || code != 0);
}

static const struct ust_igmp_stats *igmp_stats(struct ust_stack *st)
{
    return &ust_stack_stats(st)->igmp;
}

/* Two sockets of A joined to the group each get every datagram B sends
 * there; a third socket on the same port that did not join gets none,
 * and stack C, which joined nothing, drops the frames at its filter. The
 * join is announced by TO_EX({}) twice (Robustness 2) within 1 s. */
static void test_two_joined_sockets_each_receive(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT), s2 = udp_bound(t.a, PORT), s3 = udp_bound(t.a, PORT);
    int cs = udp_bound(t.c, PORT);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, GROUP), 0);
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, GROUP), -1);
    assert_int_equal(errno, EADDRINUSE);
    nh_run_until(t.n, 2 * UST_SEC);
    struct sent s[8];
    size_t k = igmp_sent(&t, t.pa, 0, s, 8);
    assert_int_equal(k, 2); /* one join on the interface, two sockets */
    for (size_t i = 0; i < k; i++) {
        assert_igmp_ip(&s[i]);
        assert_int_equal(s[i].ip.dst, IGMP_V3_ROUTERS);
        assert_int_equal(s[i].m.type, IGMP_V3_REPORT);
        assert_int_equal(s[i].m.nrec, 1);
        assert_int_equal(s[i].rec_type[0], IGMP_CHANGE_TO_EXCLUDE);
        assert_int_equal(s[i].rec_group[0], GROUP);
    }
    assert_true(s[1].at - s[0].at <= UST_SEC);
    int bs = udp_bound(t.b, 6000);
    uint64_t c_filtered = ust_stack_stats(t.c)->link.rx_not_for_us;
    for (int i = 0; i < 3; i++)
        send_to(t.b, bs, GROUP, i == 0 ? "one" : i == 1 ? "two" : "three");
    nh_run_until(t.n, 3 * UST_SEC);
    char buf[64];
    const char *want[] = {"one", "two", "three"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(recv_on(t.a, s1, buf, sizeof(buf)), (ssize_t)strlen(want[i]));
        assert_string_equal(buf, want[i]);
        assert_int_equal(recv_on(t.a, s2, buf, sizeof(buf)), (ssize_t)strlen(want[i]));
        assert_string_equal(buf, want[i]);
    }
    assert_int_equal(recv_on(t.a, s1, buf, sizeof(buf)), -1);
    assert_int_equal(recv_on(t.a, s3, buf, sizeof(buf)), -1);
    assert_int_equal(recv_on(t.c, cs, buf, sizeof(buf)), -1);
    assert_int_equal(ust_stack_stats(t.c)->link.rx_not_for_us - c_filtered, 3);
    nh_net_free(t.n);
}

/* Dropping the last membership stops delivery and sends TO_IN({})
 * Robustness times; a second socket's membership keeps the group. */
static void test_leave_stops_delivery(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT), s2 = udp_bound(t.a, PORT);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, GROUP), 0);
    nh_run_until(t.n, 2 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(membership(t.a, s1, IP_DROP_MEMBERSHIP, GROUP), 0);
    assert_int_equal(membership(t.a, s1, IP_DROP_MEMBERSHIP, GROUP), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    nh_run_until(t.n, 4 * UST_SEC);
    struct sent s[8];
    assert_int_equal(igmp_sent(&t, t.pa, mark, s, 8), 0); /* s2 still joined */
    int bs = udp_bound(t.b, 6000);
    send_to(t.b, bs, GROUP, "kept");
    nh_run_until(t.n, 5 * UST_SEC);
    char buf[64];
    assert_int_equal(recv_on(t.a, s2, buf, sizeof(buf)), 4);
    assert_int_equal(recv_on(t.a, s1, buf, sizeof(buf)), -1);
    assert_int_equal(ust_close(t.a, s2), 0); /* closing leaves too */
    nh_run_until(t.n, 7 * UST_SEC);
    size_t k = igmp_sent(&t, t.pa, mark, s, 8);
    assert_int_equal(k, 2);
    for (size_t i = 0; i < k; i++) {
        assert_igmp_ip(&s[i]);
        assert_int_equal(s[i].rec_type[0], IGMP_CHANGE_TO_INCLUDE);
        assert_int_equal(s[i].rec_group[0], GROUP);
    }
    uint64_t filtered = ust_stack_stats(t.a)->link.rx_not_for_us;
    send_to(t.b, bs, GROUP, "gone");
    nh_run_until(t.n, 8 * UST_SEC);
    assert_int_equal(ust_stack_stats(t.a)->link.rx_not_for_us - filtered, 1);
    nh_net_free(t.n);
}

/* RFC 3376 5.2: a General Query is answered by one Current-State Report
 * (IS_EX({}) for each group) within its Max Resp Time; a Group-Specific
 * Query by a report of that group only. */
static void test_query_answered_within_max_resp(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP2), 0);
    nh_run_until(t.n, 5 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    ust_time_t q = t.n->now;
    inject_v3_query(&t, 0, 50, true); /* 5 s */
    nh_run_until(t.n, q + 5 * UST_SEC);
    struct sent s[8];
    size_t k = igmp_sent(&t, t.pa, mark, s, 8);
    assert_int_equal(k, 1);
    assert_igmp_ip(&s[0]);
    assert_true(s[0].at <= q + 5 * UST_SEC);
    assert_int_equal(s[0].m.nrec, 2);
    assert_int_equal(s[0].rec_type[0], IGMP_MODE_IS_EXCLUDE);
    assert_int_equal(s[0].rec_type[1], IGMP_MODE_IS_EXCLUDE);
    assert_true((s[0].rec_group[0] == GROUP && s[0].rec_group[1] == GROUP2) ||
                (s[0].rec_group[0] == GROUP2 && s[0].rec_group[1] == GROUP));
    mark = nh_tx_count(t.n, t.pa);
    q = t.n->now;
    inject_v3_query(&t, GROUP2, 20, true); /* group-specific, 2 s */
    nh_run_until(t.n, q + 2 * UST_SEC);
    k = igmp_sent(&t, t.pa, mark, s, 8);
    assert_int_equal(k, 1);
    assert_true(s[0].at <= q + 2 * UST_SEC);
    assert_int_equal(s[0].m.nrec, 1);
    assert_int_equal(s[0].rec_group[0], GROUP2);
    assert_int_equal(igmp_stats(t.a)->InQueries, 2);
    nh_net_free(t.n);
}

/* RFC 3376 7.2.1: a v2 Query starts the IGMPv2 Querier Present timer;
 * meanwhile joins and answers are v2 Reports to the group and the last
 * leave a Leave Group to 224.0.0.2; when the timer (2 * 125 s + 10 s)
 * runs out, the interface speaks v3 again. A v1 Query gives v1 Reports. */
static void test_v2_querier_compatibility(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    nh_run_until(t.n, 2 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    ust_time_t q = t.n->now;
    inject_simple(&t, IGMP_QUERY, 100, 0, IGMP_ALL_SYSTEMS); /* v2, 10 s */
    nh_run_until(t.n, q + 10 * UST_SEC);
    struct sent s[8];
    size_t k = igmp_sent(&t, t.pa, mark, s, 8);
    assert_int_equal(k, 1);
    assert_igmp_ip(&s[0]);
    assert_int_equal(s[0].m.type, IGMP_V2_REPORT);
    assert_int_equal(s[0].m.group, GROUP);
    assert_int_equal(s[0].ip.dst, GROUP);
    assert_true(s[0].at <= q + 10 * UST_SEC);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP2), 0);
    assert_int_equal(membership(t.a, s1, IP_DROP_MEMBERSHIP, GROUP), 0);
    nh_run_until(t.n, q + 20 * UST_SEC);
    k = igmp_sent(&t, t.pa, mark, s, 8);
    assert_int_equal(k, 3); /* v2 report of GROUP2 twice, one leave */
    size_t reports = 0, leaves = 0;
    for (size_t i = 0; i < k; i++) {
        assert_igmp_ip(&s[i]);
        if (s[i].m.type == IGMP_V2_REPORT && s[i].m.group == GROUP2 && s[i].ip.dst == GROUP2)
            reports++;
        if (s[i].m.type == IGMP_V2_LEAVE && s[i].m.group == GROUP &&
            s[i].ip.dst == IGMP_ALL_ROUTERS)
            leaves++;
    }
    assert_int_equal(reports, 2);
    assert_int_equal(leaves, 1);
    /* The Older Version Querier Present Timeout: 2 * 125 s + 10 s. */
    nh_run_until(t.n, q + 261 * UST_SEC);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    nh_run_until(t.n, t.n->now + 2 * UST_SEC);
    k = igmp_sent(&t, t.pa, mark, s, 8);
    assert_int_equal(k, 2);
    assert_int_equal(s[0].m.type, IGMP_V3_REPORT);
    assert_int_equal(s[0].rec_type[0], IGMP_CHANGE_TO_EXCLUDE);
    /* A v1 Query (code 0: 10 s): v1 Reports. */
    mark = nh_tx_count(t.n, t.pa);
    q = t.n->now;
    inject_simple(&t, IGMP_QUERY, 0, 0, IGMP_ALL_SYSTEMS);
    nh_run_until(t.n, q + 10 * UST_SEC);
    k = igmp_sent(&t, t.pa, mark, s, 8);
    assert_int_equal(k, 2); /* GROUP and GROUP2 */
    assert_int_equal(s[0].m.type, IGMP_V1_REPORT);
    assert_int_equal(s[1].m.type, IGMP_V1_REPORT);
    nh_net_free(t.n);
}

/* RFC 2236 3: in v2 mode another host's report for the group cancels
 * ours. */
static void test_v2_report_suppressed(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    nh_run_until(t.n, 2 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    ust_time_t q = t.n->now;
    inject_simple(&t, IGMP_QUERY, 100, 0, IGMP_ALL_SYSTEMS);
    inject_simple(&t, IGMP_V2_REPORT, 0, GROUP, GROUP);
    nh_run_until(t.n, q + 11 * UST_SEC);
    struct sent s[8];
    assert_int_equal(igmp_sent(&t, t.pa, mark, s, 8), 0);
    assert_int_equal(igmp_stats(t.a)->ReportsSuppressed, 1);
    nh_net_free(t.n);
}

/* IP_MULTICAST_LOOP (default on): a datagram A sends to a group A joined
 * is delivered to A's member too; off: only the wire gets it. */
static void test_multicast_loop(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int member = udp_bound(t.a, PORT), bmember = udp_bound(t.b, PORT);
    assert_int_equal(membership(t.a, member, IP_ADD_MEMBERSHIP, GROUP), 0);
    assert_int_equal(membership(t.b, bmember, IP_ADD_MEMBERSHIP, GROUP), 0);
    int sender = udp_bound(t.a, 7000);
    int v = -1;
    socklen_t vl = sizeof(v);
    assert_int_equal(ust_getsockopt(t.a, sender, IPPROTO_IP, IP_MULTICAST_LOOP, &v, &vl), 0);
    assert_int_equal(v, 1);
    send_to(t.a, sender, GROUP, "looped");
    nh_run_until(t.n, UST_SEC);
    char buf[64];
    assert_int_equal(recv_on(t.a, member, buf, sizeof(buf)), 6);
    assert_string_equal(buf, "looped");
    assert_int_equal(recv_on(t.b, bmember, buf, sizeof(buf)), 6);
    v = 0;
    assert_int_equal(ust_setsockopt(t.a, sender, IPPROTO_IP, IP_MULTICAST_LOOP, &v, sizeof(v)), 0);
    send_to(t.a, sender, GROUP, "wire only");
    nh_run_until(t.n, 2 * UST_SEC);
    assert_int_equal(recv_on(t.a, member, buf, sizeof(buf)), -1);
    assert_int_equal(recv_on(t.b, bmember, buf, sizeof(buf)), 9);
    assert_string_equal(buf, "wire only");
    nh_net_free(t.n);
}

/* The TTL of a UDP datagram A sent to a group, found on A's port. */
static int last_udp_ttl(struct topo *t)
{
    for (size_t i = nh_tx_count(t->n, t->pa); i-- > 0;) {
        size_t len;
        const uint8_t *d = nh_tx_ipv4(t->n, t->pa, i, &len);
        struct ipv4_hdr h;
        if (d && ipv4_parse(d, len, true, &h) == WIRE_OK && h.proto == IPV4_PROTO_UDP)
            return h.ttl;
    }
    return -1;
}

/* RFC 1112 6.1: multicast goes out with TTL 1 unless the socket asks for
 * more with IP_MULTICAST_TTL (which IP_TTL, for unicast, does not
 * change). */
static void test_multicast_ttl(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int fd = udp_bound(t.a, 7000);
    int v = 0;
    socklen_t vl = sizeof(v);
    assert_int_equal(ust_getsockopt(t.a, fd, IPPROTO_IP, IP_MULTICAST_TTL, &v, &vl), 0);
    assert_int_equal(v, 1);
    v = 30;
    assert_int_equal(ust_setsockopt(t.a, fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
    send_to(t.a, fd, GROUP, "x");
    nh_run_until(t.n, UST_SEC);
    assert_int_equal(last_udp_ttl(&t), 1);
    unsigned char b = 5; /* Linux takes one byte too */
    assert_int_equal(ust_setsockopt(t.a, fd, IPPROTO_IP, IP_MULTICAST_TTL, &b, 1), 0);
    send_to(t.a, fd, GROUP, "y");
    nh_run_until(t.n, 2 * UST_SEC);
    assert_int_equal(last_udp_ttl(&t), 5);
    v = 256;
    assert_int_equal(ust_setsockopt(t.a, fd, IPPROTO_IP, IP_MULTICAST_TTL, &v, sizeof(v)), -1);
    assert_int_equal(errno, EINVAL);
    nh_net_free(t.n);
}

/* RFC 3376 9.1 and the checksum: a v3 Query without Router Alert, a
 * General Query not sent to 224.0.0.1 and a Query with a bad checksum
 * are dropped and counted, and draw no report. */
static void test_bad_queries_ignored(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    nh_run_until(t.n, 2 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    inject_v3_query(&t, 0, 10, false);
    uint8_t q[12];
    igmp_v3_query_emit(10, 0, false, 2, 125, NULL, 0, q, sizeof(q));
    inject_igmp(&t, GROUP, q, sizeof(q), true); /* general query to the group */
    q[2] ^= 0x01;
    inject_igmp(&t, IGMP_ALL_SYSTEMS, q, sizeof(q), true);
    nh_run_until(t.n, 10 * UST_SEC);
    struct sent s[8];
    assert_int_equal(igmp_sent(&t, t.pa, mark, s, 8), 0);
    assert_int_equal(igmp_stats(t.a)->InIgnored, 2);
    assert_int_equal(igmp_stats(t.a)->InCsumErrors, 1);
    assert_int_equal(igmp_stats(t.a)->InErrors, 1);
    nh_net_free(t.n);
}

/* RFC 1122 3.2.2.6 (MAY): an Echo Request to a group the host belongs
 * to (224.0.0.1, always) is ignored, as Linux's icmp_echo_ignore_
 * broadcasts=1: it reaches ICMP, and no reply goes out. */
static void test_echo_to_group_ignored(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    uint8_t icmp[16], dgram[64], frame[128];
    const uint8_t mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    size_t il = nh_build_icmp(icmp, sizeof(icmp), 8, 0, 0x12340001u, (const uint8_t *)"ping", 4);
    struct nh_ip ip = {.src = B_ADDR, .dst = IGMP_ALL_SYSTEMS, .proto = 1, .ttl = 1};
    size_t dl = nh_build_ipv4(dgram, sizeof(dgram), &ip, icmp, il);
    struct ust_mac bm = nh_mac(0x0b);
    size_t fl = nh_build_eth(frame, sizeof(frame), mac, bm.b, ETH_TYPE_IPV4, dgram, dl);
    size_t mark = nh_tx_count(t.n, t.pa);
    nh_inject(t.n, t.pa, frame, fl);
    nh_run_until(t.n, UST_SEC);
    assert_int_equal(ust_stack_stats(t.a)->ip.InDelivers, 1);
    assert_int_equal(ust_stack_stats(t.a)->icmp.OutEchoReps, 0);
    for (size_t i = mark; i < nh_tx_count(t.n, t.pa); i++) {
        size_t len;
        const uint8_t *d = nh_tx_ipv4(t.n, t.pa, i, &len);
        assert_true(!d || d[9] != 1); /* no ICMP at all */
    }
    nh_net_free(t.n);
}

/* cfg.igmp_max_memberships bounds the groups of an interface. */
static void test_membership_bound(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.igmp_max_memberships = 2;
    struct topo t;
    topo_init(&t, &cfg);
    int s1 = udp_bound(t.a, PORT), s2 = udp_bound(t.a, PORT);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, GROUP2), 0);
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, UST_IP4(239, 9, 9, 9)), -1);
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(igmp_stats(t.a)->JoinsRefused, 1);
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, UST_IP4(10, 0, 0, 1)), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(membership(t.a, s1, IP_DROP_MEMBERSHIP, GROUP), 0);
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, UST_IP4(239, 9, 9, 9)), 0);
    nh_net_free(t.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_joined_sockets_each_receive),
        cmocka_unit_test(test_leave_stops_delivery),
        cmocka_unit_test(test_query_answered_within_max_resp),
        cmocka_unit_test(test_v2_querier_compatibility),
        cmocka_unit_test(test_v2_report_suppressed),
        cmocka_unit_test(test_multicast_loop),
        cmocka_unit_test(test_multicast_ttl),
        cmocka_unit_test(test_bad_queries_ignored),
        cmocka_unit_test(test_echo_to_group_ignored),
        cmocka_unit_test(test_membership_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
