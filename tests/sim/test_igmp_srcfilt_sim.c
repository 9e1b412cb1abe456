/* IGMPv3 source filters on UDP sockets (RFC 3678 4.1.2 / 5.1.2, RFC 3376
 * 3.1, 3.2, 5.1, 5.2), on the net harness: the state-change reports of
 * a source-specific join, a block, an unblock and the leaves, byte for
 * byte with their source lists and repeated Robustness times; delivery
 * filtered per socket (two sockets with different filters, two senders);
 * the merged interface state; answers to Group-and-Source-Specific
 * Queries; the errors Linux gives and the cfg.mcast_max_sources bound. */
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
#include "wire/wbuf.h"

#include "../harness/igmp_topo.h"

/* One IGMP message A sent, with what IP carried it in. */
struct sent {
    ust_time_t at;
    struct ipv4_hdr ip;
    bool router_alert;
    struct igmp_msg m;
    uint8_t rec_type[8];
    ust_ip4_t rec_group[8];
    uint16_t rec_nsrc[8];
    ust_ip4_t rec_src[8][4]; /* the first 4 sources of each record */
    uint8_t raw[64];         /* the message's first bytes */
    size_t raw_len;
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
                s.rec_nsrc[j] = r.nsrc;
                for (size_t q = 0; q < r.nsrc && q < 4; q++)
                    s.rec_src[j][q] = get_be32(r.sources + 4 * q);
                s.rec_group[j++] = r.group;
            }
        }
        s.raw_len = mlen < sizeof(s.raw) ? mlen : sizeof(s.raw);
        memcpy(s.raw, msg, s.raw_len);
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

/* A v3 Group-and-Source-Specific Query (Max Resp 2 s) from B. */
static void inject_gss_query(struct topo *t, ust_ip4_t group, const ust_ip4_t *src, uint16_t n)
{
    uint8_t q[64];
    int len = igmp_v3_query_emit(20, group, false, 2, 125, src, n, q, sizeof(q));
    assert_true(len > 0);
    inject_igmp(t, group, q, (size_t)len, true);
}

static const struct ust_igmp_stats *igmp_stats(struct ust_stack *st)
{
    return &ust_stack_stats(st)->igmp;
}


/* IP_ADD_SOURCE_MEMBERSHIP and friends (struct ip_mreq_source). */
static int source_opt(struct ust_stack *st, int fd, int name, ust_ip4_t group, ust_ip4_t src)
{
    struct ip_mreq_source m = {.imr_multiaddr.s_addr = htonl(group),
                               .imr_interface.s_addr = 0,
                               .imr_sourceaddr.s_addr = htonl(src)};
    return ust_setsockopt(st, fd, IPPROTO_IP, name, &m, sizeof(m));
}

/* MCAST_JOIN_SOURCE_GROUP and friends (struct group_source_req). */
static int gsr_opt(struct ust_stack *st, int fd, int name, ust_ip4_t group, ust_ip4_t src)
{
    struct group_source_req r;
    memset(&r, 0, sizeof(r));
    struct sockaddr_in g = sin_of(group, 0), s = sin_of(src, 0);
    memcpy(&r.gsr_group, &g, sizeof(g));
    memcpy(&r.gsr_source, &s, sizeof(s));
    return ust_setsockopt(st, fd, IPPROTO_IP, name, &r, sizeof(r));
}

/* The reports A sent since mark, after running until `until`: exactly
 * `want` of them, each with one record of `type` for GROUP carrying the
 * one source `src` (0: no sources). */
static void expect_reports(struct topo *t, size_t mark, ust_time_t until, size_t want,
                           uint8_t type, ust_ip4_t src)
{
    nh_run_until(t->n, until);
    struct sent s[8];
    size_t k = igmp_sent(t, t->pa, mark, s, 8);
    assert_int_equal(k, want);
    for (size_t i = 0; i < k; i++) {
        assert_igmp_ip(&s[i]);
        assert_int_equal(s[i].ip.dst, IGMP_V3_ROUTERS);
        assert_int_equal(s[i].m.nrec, 1);
        assert_int_equal(s[i].rec_type[0], type);
        assert_int_equal(s[i].rec_group[0], GROUP);
        assert_int_equal(s[i].rec_nsrc[0], src ? 1 : 0);
        if (src)
            assert_int_equal(s[i].rec_src[0][0], src);
    }
}

/* The first record's bytes (RFC 3376 4.2.4) of the report at index i
 * since mark: type, aux 0, one source, the group, the source. */
static void expect_record_bytes(struct topo *t, size_t mark, uint8_t type, ust_ip4_t src)
{
    struct sent s[8];
    assert_true(igmp_sent(t, t->pa, mark, s, 8) >= 1);
    const uint8_t want[] = {type, 0, 0, 1, 239, 1, 2, 3, (uint8_t)(src >> 24),
                            (uint8_t)(src >> 16), (uint8_t)(src >> 8), (uint8_t)src};
    assert_int_equal(s[0].raw_len, IGMP_V3_REPORT_HDR + sizeof(want));
    assert_int_equal(s[0].raw[0], IGMP_V3_REPORT);
    assert_int_equal(get_be16(s[0].raw + 6), 1);
    assert_memory_equal(s[0].raw + IGMP_V3_REPORT_HDR, want, sizeof(want));
}

/* RFC 3376 5.1: INCLUDE({}) -> INCLUDE({B}) is ALLOW(B); adding C is
 * ALLOW(C); dropping B is BLOCK(B); dropping the last source leaves the
 * group: BLOCK(C). Each is sent Robustness (2) times. */
static void test_join_source_reports(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT);
    size_t mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, B_ADDR), 0);
    expect_reports(&t, mark, 3 * UST_SEC, 2, IGMP_ALLOW_NEW_SOURCES, B_ADDR);
    expect_record_bytes(&t, mark, IGMP_ALLOW_NEW_SOURCES, B_ADDR);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, C_ADDR), 0);
    expect_reports(&t, mark, 6 * UST_SEC, 2, IGMP_ALLOW_NEW_SOURCES, C_ADDR);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(source_opt(t.a, s1, IP_DROP_SOURCE_MEMBERSHIP, GROUP, B_ADDR), 0);
    expect_reports(&t, mark, 9 * UST_SEC, 2, IGMP_BLOCK_OLD_SOURCES, B_ADDR);
    expect_record_bytes(&t, mark, IGMP_BLOCK_OLD_SOURCES, B_ADDR);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(source_opt(t.a, s1, IP_DROP_SOURCE_MEMBERSHIP, GROUP, C_ADDR), 0);
    expect_reports(&t, mark, 12 * UST_SEC, 2, IGMP_BLOCK_OLD_SOURCES, C_ADDR);
    /* no membership left: dropping again is EINVAL (Linux: no prior join) */
    assert_int_equal(source_opt(t.a, s1, IP_DROP_SOURCE_MEMBERSHIP, GROUP, C_ADDR), -1);
    assert_int_equal(errno, EINVAL);
    nh_net_free(t.n);
}

/* An any-source join is TO_EX({}); IP_BLOCK_SOURCE C is BLOCK(C) (now
 * EXCLUDE({C})); IP_UNBLOCK_SOURCE C is ALLOW(C); the leave of an
 * EXCLUDE membership is TO_IN({}). The same with MCAST_BLOCK_SOURCE /
 * MCAST_UNBLOCK_SOURCE. */
static void test_block_unblock_reports(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT);
    size_t mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    expect_reports(&t, mark, 3 * UST_SEC, 2, IGMP_CHANGE_TO_EXCLUDE, 0);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(source_opt(t.a, s1, IP_BLOCK_SOURCE, GROUP, C_ADDR), 0);
    expect_reports(&t, mark, 6 * UST_SEC, 2, IGMP_BLOCK_OLD_SOURCES, C_ADDR);
    expect_record_bytes(&t, mark, IGMP_BLOCK_OLD_SOURCES, C_ADDR);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(source_opt(t.a, s1, IP_UNBLOCK_SOURCE, GROUP, C_ADDR), 0);
    expect_reports(&t, mark, 9 * UST_SEC, 2, IGMP_ALLOW_NEW_SOURCES, C_ADDR);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr_opt(t.a, s1, MCAST_BLOCK_SOURCE, GROUP, B_ADDR), 0);
    expect_reports(&t, mark, 12 * UST_SEC, 2, IGMP_BLOCK_OLD_SOURCES, B_ADDR);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr_opt(t.a, s1, MCAST_UNBLOCK_SOURCE, GROUP, B_ADDR), 0);
    expect_reports(&t, mark, 15 * UST_SEC, 2, IGMP_ALLOW_NEW_SOURCES, B_ADDR);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(membership(t.a, s1, IP_DROP_MEMBERSHIP, GROUP), 0);
    expect_reports(&t, mark, 18 * UST_SEC, 2, IGMP_CHANGE_TO_INCLUDE, 0);
    nh_net_free(t.n);
}

/* Leaving while EXCLUDE({C}): TO_IN({}); and a source-specific join that
 * turns an any-source membership into INCLUDE({B}) (Linux allows the
 * switch while no source was blocked): TO_IN({B}). */
static void test_mode_change_reports(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT);
    assert_int_equal(membership(t.a, s1, IP_ADD_MEMBERSHIP, GROUP), 0);
    nh_run_until(t.n, 3 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr_opt(t.a, s1, MCAST_JOIN_SOURCE_GROUP, GROUP, B_ADDR), 0);
    expect_reports(&t, mark, 6 * UST_SEC, 2, IGMP_CHANGE_TO_INCLUDE, B_ADDR);
    expect_record_bytes(&t, mark, IGMP_CHANGE_TO_INCLUDE, B_ADDR);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr_opt(t.a, s1, MCAST_LEAVE_SOURCE_GROUP, GROUP, B_ADDR), 0);
    expect_reports(&t, mark, 9 * UST_SEC, 2, IGMP_BLOCK_OLD_SOURCES, B_ADDR);
    nh_net_free(t.n);
}

/* Two sockets on one port: s1 INCLUDE({B}), s2 any-source with B
 * blocked. B and C each send two datagrams: s1 gets B's only, s2 C's
 * only; the four kept from a socket are counted. The merged state
 * (RFC 3376 3.2) is EXCLUDE({B} minus {B}) = EXCLUDE({}): a General Query
 * is answered IS_EX({}); when s1 drops B it becomes EXCLUDE({B}):
 * BLOCK(B). */
static void test_delivery_filtered_per_socket(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT), s2 = udp_bound(t.a, PORT);
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, B_ADDR), 0);
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, GROUP), 0);
    assert_int_equal(source_opt(t.a, s2, IP_BLOCK_SOURCE, GROUP, B_ADDR), 0);
    nh_run_until(t.n, 3 * UST_SEC);
    int bs = udp_bound(t.b, 6000), cs = udp_bound(t.c, 6000);
    send_to(t.b, bs, GROUP, "from-b");
    send_to(t.c, cs, GROUP, "from-c");
    send_to(t.b, bs, GROUP, "from-b");
    send_to(t.c, cs, GROUP, "from-c");
    nh_run_until(t.n, 4 * UST_SEC);
    char buf[64];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(recv_on(t.a, s1, buf, sizeof(buf)), 6);
        assert_string_equal(buf, "from-b");
        assert_int_equal(recv_on(t.a, s2, buf, sizeof(buf)), 6);
        assert_string_equal(buf, "from-c");
    }
    assert_int_equal(recv_on(t.a, s1, buf, sizeof(buf)), -1);
    assert_int_equal(recv_on(t.a, s2, buf, sizeof(buf)), -1);
    assert_int_equal(igmp_stats(t.a)->SourceFiltered, 4);
    /* merged (3.2): EXCLUDE({B}) minus INCLUDE({B}) = EXCLUDE({}) */
    size_t mark = nh_tx_count(t.n, t.pa);
    uint8_t q[12];
    int len = igmp_v3_query_emit(20, 0, false, 2, 125, NULL, 0, q, sizeof(q));
    inject_igmp(&t, IGMP_ALL_SYSTEMS, q, (size_t)len, true);
    nh_run_until(t.n, 7 * UST_SEC);
    struct sent s[8];
    assert_int_equal(igmp_sent(&t, t.pa, mark, s, 8), 1);
    assert_int_equal(s[0].rec_type[0], IGMP_MODE_IS_EXCLUDE);
    assert_int_equal(s[0].rec_nsrc[0], 0);
    /* s1 leaves: EXCLUDE({B}) now, BLOCK(B) */
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(source_opt(t.a, s1, IP_DROP_SOURCE_MEMBERSHIP, GROUP, B_ADDR), 0);
    expect_reports(&t, mark, 10 * UST_SEC, 2, IGMP_BLOCK_OLD_SOURCES, B_ADDR);
    nh_net_free(t.n);
}

/* RFC 3376 5.2: a Group-and-Source-Specific Query is answered with
 * IS_IN of the queried sources the interface receives (INCLUDE({B,C})
 * asked about B and 203.0.113.9: IS_IN({B})); one naming none of them
 * gets no answer; two before the answer are answered once, with the
 * union of what they asked. */
static void test_group_source_query(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT);
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, B_ADDR), 0);
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, C_ADDR), 0);
    nh_run_until(t.n, 3 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    const ust_ip4_t asked[] = {B_ADDR, UST_IP4(203, 0, 113, 9)};
    inject_gss_query(&t, GROUP, asked, 2);
    expect_reports(&t, mark, 6 * UST_SEC, 1, IGMP_MODE_IS_INCLUDE, B_ADDR);
    mark = nh_tx_count(t.n, t.pa);
    inject_gss_query(&t, GROUP, asked + 1, 1);
    nh_run_until(t.n, 9 * UST_SEC);
    struct sent s[8];
    assert_int_equal(igmp_sent(&t, t.pa, mark, s, 8), 0);
    /* rule 5: two source queries before the answer: one answer, of the
     * union (B from the first, C from the second) */
    mark = nh_tx_count(t.n, t.pa);
    inject_gss_query(&t, GROUP, asked, 1);
    const ust_ip4_t asked_c[] = {C_ADDR};
    inject_gss_query(&t, GROUP, asked_c, 1);
    nh_run_until(t.n, 12 * UST_SEC);
    assert_int_equal(igmp_sent(&t, t.pa, mark, s, 8), 1);
    assert_int_equal(s[0].rec_type[0], IGMP_MODE_IS_INCLUDE);
    assert_int_equal(s[0].rec_nsrc[0], 2);
    assert_true((s[0].rec_src[0][0] == B_ADDR && s[0].rec_src[0][1] == C_ADDR) ||
                (s[0].rec_src[0][0] == C_ADDR && s[0].rec_src[0][1] == B_ADDR));
    assert_int_equal(igmp_stats(t.a)->InQueries, 4);
    nh_net_free(t.n);
}

/* The errors of Linux's ip_mc_source. */
static void test_source_errors(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp_bound(t.a, PORT), s2 = udp_bound(t.a, PORT);
    /* no prior join */
    assert_int_equal(source_opt(t.a, s1, IP_BLOCK_SOURCE, GROUP, B_ADDR), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(source_opt(t.a, s1, IP_UNBLOCK_SOURCE, GROUP, B_ADDR), -1);
    assert_int_equal(errno, EINVAL);
    /* not a group; short value; an address no interface has */
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, B_ADDR, C_ADDR), -1);
    assert_int_equal(errno, EINVAL);
    struct ip_mreq_source m = {.imr_multiaddr.s_addr = htonl(GROUP)};
    assert_int_equal(ust_setsockopt(t.a, s1, IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, &m, 8), -1);
    assert_int_equal(errno, EINVAL);
    m.imr_interface.s_addr = htonl(UST_IP4(198, 51, 100, 7));
    m.imr_sourceaddr.s_addr = htonl(B_ADDR);
    assert_int_equal(ust_setsockopt(t.a, s1, IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, &m,
                                    sizeof(m)), -1);
    assert_int_equal(errno, ENODEV);
    /* INCLUDE membership: blocking mixes modes; a source twice; dropping
     * one not in the list */
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, B_ADDR), 0);
    assert_int_equal(source_opt(t.a, s1, IP_BLOCK_SOURCE, GROUP, C_ADDR), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, B_ADDR), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    assert_int_equal(source_opt(t.a, s1, IP_DROP_SOURCE_MEMBERSHIP, GROUP, C_ADDR), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    /* EXCLUDE membership with a blocked source: a source join mixes modes */
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, GROUP), 0);
    assert_int_equal(source_opt(t.a, s2, IP_BLOCK_SOURCE, GROUP, C_ADDR), 0);
    assert_int_equal(source_opt(t.a, s2, IP_ADD_SOURCE_MEMBERSHIP, GROUP, B_ADDR), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(source_opt(t.a, s2, IP_UNBLOCK_SOURCE, GROUP, B_ADDR), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    /* group_source_req with an IPv4 group but another family's source */
    struct group_source_req r;
    memset(&r, 0, sizeof(r));
    struct sockaddr_in g = sin_of(GROUP, 0);
    memcpy(&r.gsr_group, &g, sizeof(g));
    assert_int_equal(ust_setsockopt(t.a, s2, IPPROTO_IP, MCAST_BLOCK_SOURCE, &r, sizeof(r)), -1);
    assert_int_equal(errno, EINVAL);
    nh_net_free(t.n);
}

/* cfg.mcast_max_sources bounds one socket's filter: ENOBUFS beyond,
 * counted in SourcesRefused; the socket's filter is unchanged. */
static void test_source_bound(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.mcast_max_sources = 2;
    struct topo t;
    topo_init(&t, &cfg);
    int s1 = udp_bound(t.a, PORT), s2 = udp_bound(t.a, PORT);
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, B_ADDR), 0);
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, C_ADDR), 0);
    assert_int_equal(source_opt(t.a, s1, IP_ADD_SOURCE_MEMBERSHIP, GROUP, UST_IP4(203, 0, 113, 9)),
                     -1);
    assert_int_equal(errno, ENOBUFS);
    assert_int_equal(membership(t.a, s2, IP_ADD_MEMBERSHIP, GROUP2), 0);
    assert_int_equal(source_opt(t.a, s2, IP_BLOCK_SOURCE, GROUP2, B_ADDR), 0);
    assert_int_equal(source_opt(t.a, s2, IP_BLOCK_SOURCE, GROUP2, C_ADDR), 0);
    assert_int_equal(gsr_opt(t.a, s2, MCAST_BLOCK_SOURCE, GROUP2, UST_IP4(203, 0, 113, 9)), -1);
    assert_int_equal(errno, ENOBUFS);
    assert_int_equal(igmp_stats(t.a)->SourcesRefused, 2);
    /* a refused source-specific join of a new group leaves no membership */
    assert_int_equal(source_opt(t.a, s1, IP_DROP_SOURCE_MEMBERSHIP, GROUP, B_ADDR), 0);
    assert_int_equal(source_opt(t.a, s1, IP_DROP_SOURCE_MEMBERSHIP, GROUP, C_ADDR), 0);
    assert_int_equal(membership(t.a, s1, IP_DROP_MEMBERSHIP, GROUP), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    nh_net_free(t.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_source_reports),
        cmocka_unit_test(test_block_unblock_reports),
        cmocka_unit_test(test_mode_change_reports),
        cmocka_unit_test(test_delivery_filtered_per_socket),
        cmocka_unit_test(test_group_source_query),
        cmocka_unit_test(test_source_errors),
        cmocka_unit_test(test_source_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
