/* MLDv2 source filters on IPv6 UDP sockets (RFC 3678 5.1.2, RFC 3810
 * 4.1, 4.2, 6.1, 6.3), on the net harness, mirroring the IGMPv3 ones: the
 * State Change Reports of a source-specific join, a block, an unblock,
 * a mode change and the leaves, byte for byte with their source lists
 * and repeated Robustness times; delivery filtered per socket (two
 * sockets with different filters, two senders); the merged interface
 * state in the answer to a General Query; answers to Multicast Address
 * and Source Specific Queries; queries whose source list does not fit
 * the message; the errors Linux's ip6_mc_source gives and the
 * cfg.mld_max_sources / cfg.mld_max_group_sources bounds; a state too big
 * for one Report split to the MTU; source lists not reported in MLDv1
 * compatibility mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "../harness/recv_text.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv6.h"
#include "wire/mld.h"
#include "wire/wbuf.h"

#define PORT 5000
#define SSM_GROUP "ff3e::1:2" /* source-specific range (RFC 4607) */
#define ASM_GROUP "ff15::1:2"
#define B_TEXT "2001:db8::1"
#define C_TEXT "2001:db8::3"

static const uint8_t Q_MAC[6] = {0x02, 0, 0, 0, 0, 0x99};
static const struct ipv6_addr QUERIER = {{0xfe, 0x80, [15] = 0x99}};

struct topo {
    struct nh_net *n;
    struct ust_stack *a, *b, *c;
    int pa, pb, pc;
};

static struct ipv6_addr ip6(const char *text)
{
    struct ipv6_addr a;
    assert_int_equal(inet_pton(AF_INET6, text, a.b), 1);
    return a;
}

/* A, B and C on one switch with 2001:db8::2, ::1, ::3; run until their
 * own solicited-node reports are over. */
static void topo_init(struct topo *t, const struct ust_config *base)
{
    struct ust_config cfg;
    if (base)
        cfg = *base;
    else
        ust_config_default(&cfg);
    cfg.ipv6_accept_ra = false; /* no router here: no Router Solicitations */
    cfg.ipv6_dad_transmits = 0;
    t->n = nh_net_new();
    t->n->ipv6 = true;
    t->a = nh_stack(t->n, &cfg);
    t->b = nh_stack(t->n, &cfg);
    t->c = nh_stack(t->n, &cfg);
    t->pa = nh_host(t->n, t->a, 0, 0x0a, UST_IP4(203, 0, 113, 2), 24, 1500);
    t->pb = nh_host(t->n, t->b, 0, 0x0b, UST_IP4(203, 0, 113, 1), 24, 1500);
    t->pc = nh_host(t->n, t->c, 0, 0x0c, UST_IP4(203, 0, 113, 3), 24, 1500);
    struct ipv6_addr a = ip6("2001:db8::2"), b = ip6(B_TEXT), c = ip6(C_TEXT);
    assert_int_equal(ust_iface_add_addr6(t->a, 0, a.b, 64), 0);
    assert_int_equal(ust_iface_add_addr6(t->b, 0, b.b, 64), 0);
    assert_int_equal(ust_iface_add_addr6(t->c, 0, c.b, 64), 0);
    nh_run_until(t->n, 3 * UST_SEC);
}

static int udp6_bound(struct ust_stack *st, uint16_t port)
{
    int fd = ust_socket(st, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    int one = 1;
    assert_int_equal(ust_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    struct sockaddr_in6 s = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&s, sizeof(s)), 0);
    return fd;
}

/* IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP on interface 1 (index 0). */
static int mreq6(struct ust_stack *st, int fd, int name, const char *group)
{
    struct ipv6_mreq m = {.ipv6mr_interface = 1};
    m.ipv6mr_multiaddr = *(const struct in6_addr *)(const void *)ip6(group).b;
    return ust_setsockopt(st, fd, IPPROTO_IPV6, name, &m, sizeof(m));
}

/* MCAST_*_SOURCE* with struct group_source_req at IPPROTO_IPV6 (families
 * given, to test the wrong ones). */
static int gsr6_fam(struct ust_stack *st, int fd, int name, const char *group, const char *src,
                    sa_family_t gfam, sa_family_t sfam, uint32_t index1)
{
    struct group_source_req r;
    memset(&r, 0, sizeof(r));
    r.gsr_interface = index1;
    struct sockaddr_in6 g = {.sin6_family = gfam}, s = {.sin6_family = sfam};
    memcpy(&g.sin6_addr, ip6(group).b, 16);
    memcpy(&s.sin6_addr, ip6(src).b, 16);
    memcpy(&r.gsr_group, &g, sizeof(g));
    memcpy(&r.gsr_source, &s, sizeof(s));
    return ust_setsockopt(st, fd, IPPROTO_IPV6, name, &r, sizeof(r));
}

static int gsr6(struct ust_stack *st, int fd, int name, const char *group, const char *src)
{
    return gsr6_fam(st, fd, name, group, src, AF_INET6, AF_INET6, 1);
}

static void send_to(struct ust_stack *st, int fd, const char *group, const char *msg)
{
    struct sockaddr_in6 d = {.sin6_family = AF_INET6, .sin6_port = htons(PORT)};
    memcpy(&d.sin6_addr, ip6(group).b, 16);
    assert_int_equal(ust_sendto(st, fd, msg, strlen(msg), 0, (struct sockaddr *)&d, sizeof(d)),
                     (ssize_t)strlen(msg));
}

/* One MLDv2 Report A sent: its records (the first 4 sources of each). */
struct sent {
    uint16_t nrec;
    uint8_t type[8];
    struct ipv6_addr group[8];
    uint16_t nsrc[8];
    struct ipv6_addr src[8][4];
    const uint8_t *msg;
    size_t len;
};

/* The MLDv2 Reports A sent since frame `from`; every one's envelope is
 * checked (RFC 3810 5: Hop Limit 1, Router Alert value 0, to ff02::16,
 * from the link-local address, a valid ICMPv6 checksum). */
static size_t reports(struct topo *t, size_t from, struct sent *out, size_t cap)
{
    const struct ipv6_addr routers = {{0xff, 0x02, [15] = 0x16}};
    size_t k = 0;
    for (size_t i = from; i < nh_tx_count(t->n, t->pa) && k < cap; i++) {
        const struct nh_frame *fr = nh_tx(t->n, t->pa, i);
        const uint8_t *ip = fr->data + 14;
        if (fr->len < 14 + 48 + 8 || get_be16(fr->data + 12) != ETH_TYPE_IPV6 ||
            ip[6] != IPV6_NH_HOPOPTS || ip[40] != IPV6_NH_ICMPV6 ||
            ip[48] != ICMPV6_MLD2_REPORT)
            continue;
        assert_int_equal(ip[7], 1);
        assert_int_equal(ip[42], IPV6_OPT_ROUTER_ALERT);
        assert_int_equal(get_be16(ip + 44), 0);
        assert_memory_equal(ip + 24, routers.b, 16);
        assert_int_equal(ip[8], 0xfe);
        struct sent *s = &out[k++];
        *s = (struct sent){.msg = ip + 48, .len = get_be16(ip + 4) - 8u};
        struct ipv6_addr src, dst;
        memcpy(src.b, ip + 8, 16);
        memcpy(dst.b, ip + 24, 16);
        struct icmpv6_hdr h;
        assert_int_equal(icmpv6_parse(s->msg, s->len, &src, &dst, true, &h), 0);
        struct mld2_rec_iter it;
        struct mld2_record r;
        assert_int_equal(mld2_report_iter_init(&it, s->msg, s->len), 0);
        while (mld2_rec_next(&it, &r) && s->nrec < 8) {
            uint16_t j = s->nrec++;
            s->type[j] = r.type;
            s->group[j] = r.group;
            s->nsrc[j] = r.nsrc;
            for (uint16_t q = 0; q < r.nsrc && q < 4; q++)
                mld2_record_source(&r, q, &s->src[j][q]);
        }
        assert_int_equal(it.err, 0);
    }
    return k;
}

/* After running until `until`: exactly `want` Reports since mark, each
 * one record of `type` for group with the one source src (NULL: none). */
static void expect_reports(struct topo *t, size_t mark, ust_time_t until, size_t want,
                           uint8_t type, const char *group, const char *src)
{
    nh_run_until(t->n, until);
    struct sent s[8];
    size_t k = reports(t, mark, s, 8);
    assert_int_equal(k, want);
    struct ipv6_addr g = ip6(group);
    for (size_t i = 0; i < k; i++) {
        assert_int_equal(s[i].nrec, 1);
        assert_int_equal(s[i].type[0], type);
        assert_memory_equal(s[i].group[0].b, g.b, 16);
        assert_int_equal(s[i].nsrc[0], src ? 1 : 0);
        if (src)
            assert_memory_equal(s[i].src[0][0].b, ip6(src).b, 16);
    }
}

/* The first Report's bytes since mark (RFC 3810 5.2): type 143, one
 * record: type, Aux Data Len 0, one source, the group, the source. */
static void expect_record_bytes(struct topo *t, size_t mark, uint8_t type, const char *group,
                                const char *src)
{
    struct sent s[8];
    assert_true(reports(t, mark, s, 8) >= 1);
    uint8_t want[8 + 20 + 16] = {ICMPV6_MLD2_REPORT, 0, [7] = 1, [8] = type, [11] = 1};
    memcpy(want + 12, ip6(group).b, 16);
    memcpy(want + 28, ip6(src).b, 16);
    assert_int_equal(s[0].len, sizeof(want));
    assert_memory_equal(s[0].msg, want, 2);
    assert_memory_equal(s[0].msg + 4, want + 4, sizeof(want) - 4); /* past the checksum */
}

static const struct ust_mld6_stats *mld(struct ust_stack *st)
{
    return &ust_stack_stats(st)->mld6;
}

/* An MLDv2 Query (RFC 3810 5.1) forged byte by byte from fe80::99, Hop
 * Limit 1, behind a Router Alert, to dst, injected into A: Maximum
 * Response Code mrc (ms), group, nsrc sources of which `carried` are in
 * the message (a source count that claims more than it carries). */
static void inject_query(struct topo *t, const char *dst_text, const char *group, uint16_t mrc,
                         const char *const *src, uint16_t nsrc, uint16_t carried)
{
    uint8_t pkt[1500] = {0}, frame[1600], dmac[6];
    struct ipv6_addr dst = ip6(dst_text);
    uint8_t *m = pkt + 48;
    m[0] = ICMPV6_MLD_QUERY;
    put_be16(m + 4, mrc);
    if (group)
        memcpy(m + 8, ip6(group).b, 16);
    m[24] = 2;   /* QRV */
    m[25] = 125; /* QQIC */
    put_be16(m + 26, nsrc);
    for (uint16_t i = 0; i < carried; i++)
        memcpy(m + 28 + 16 * i, ip6(src[i]).b, 16);
    size_t mlen = MLD2_QUERY_MIN + 16u * carried;
    icmpv6_set_csum(m, mlen, &QUERIER, &dst);
    assert_int_equal(ipv6_hbh_router_alert_emit(IPV6_NH_ICMPV6, pkt + 40, 8), 8);
    struct ipv6_hdr h = {.payload_len = (uint16_t)(8 + mlen), .next_hdr = IPV6_NH_HOPOPTS,
                         .hop_limit = 1, .src = QUERIER, .dst = dst};
    ipv6_emit(&h, pkt, 40);
    ipv6_mcast_mac(&dst, dmac);
    size_t len = nh_build_eth(frame, sizeof(frame), dmac, Q_MAC, ETH_TYPE_IPV6, pkt, 48 + mlen);
    nh_inject(t->n, t->pa, frame, len);
    nh_run_until(t->n, t->n->now);
}

/* RFC 3810 6.1: INCLUDE({}) -> INCLUDE({B}) is ALLOW(B); adding C is
 * ALLOW(C); dropping B is BLOCK(B); dropping the last source leaves the
 * group: BLOCK(C). Each is sent Robustness (2) times. */
static void test_join_source_reports(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp6_bound(t.a, PORT);
    size_t mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT), 0);
    expect_reports(&t, mark, 6 * UST_SEC, 2, MLD2_ALLOW_NEW_SOURCES, SSM_GROUP, B_TEXT);
    expect_record_bytes(&t, mark, MLD2_ALLOW_NEW_SOURCES, SSM_GROUP, B_TEXT);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, C_TEXT), 0);
    expect_reports(&t, mark, 9 * UST_SEC, 2, MLD2_ALLOW_NEW_SOURCES, SSM_GROUP, C_TEXT);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr6(t.a, s1, MCAST_LEAVE_SOURCE_GROUP, SSM_GROUP, B_TEXT), 0);
    expect_reports(&t, mark, 12 * UST_SEC, 2, MLD2_BLOCK_OLD_SOURCES, SSM_GROUP, B_TEXT);
    expect_record_bytes(&t, mark, MLD2_BLOCK_OLD_SOURCES, SSM_GROUP, B_TEXT);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr6(t.a, s1, MCAST_LEAVE_SOURCE_GROUP, SSM_GROUP, C_TEXT), 0);
    expect_reports(&t, mark, 15 * UST_SEC, 2, MLD2_BLOCK_OLD_SOURCES, SSM_GROUP, C_TEXT);
    /* no membership left: leaving again is EINVAL (Linux: no prior join) */
    assert_int_equal(gsr6(t.a, s1, MCAST_LEAVE_SOURCE_GROUP, SSM_GROUP, C_TEXT), -1);
    assert_int_equal(errno, EINVAL);
    nh_net_free(t.n);
}

/* An any-source join is TO_EX({}); MCAST_BLOCK_SOURCE C is BLOCK(C) (now
 * EXCLUDE({C})); MCAST_UNBLOCK_SOURCE C is ALLOW(C); the leave of an
 * EXCLUDE membership is TO_IN({}). */
static void test_block_unblock_reports(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp6_bound(t.a, PORT);
    size_t mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(mreq6(t.a, s1, IPV6_JOIN_GROUP, ASM_GROUP), 0);
    expect_reports(&t, mark, 6 * UST_SEC, 2, MLD2_CHANGE_TO_EXCLUDE, ASM_GROUP, NULL);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr6(t.a, s1, MCAST_BLOCK_SOURCE, ASM_GROUP, C_TEXT), 0);
    expect_reports(&t, mark, 9 * UST_SEC, 2, MLD2_BLOCK_OLD_SOURCES, ASM_GROUP, C_TEXT);
    expect_record_bytes(&t, mark, MLD2_BLOCK_OLD_SOURCES, ASM_GROUP, C_TEXT);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr6(t.a, s1, MCAST_UNBLOCK_SOURCE, ASM_GROUP, C_TEXT), 0);
    expect_reports(&t, mark, 12 * UST_SEC, 2, MLD2_ALLOW_NEW_SOURCES, ASM_GROUP, C_TEXT);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(mreq6(t.a, s1, IPV6_LEAVE_GROUP, ASM_GROUP), 0);
    expect_reports(&t, mark, 15 * UST_SEC, 2, MLD2_CHANGE_TO_INCLUDE, ASM_GROUP, NULL);
    nh_net_free(t.n);
}

/* A source-specific join that turns an any-source membership into
 * INCLUDE({B}) (Linux allows the switch while no source was blocked):
 * TO_IN({B}); leaving EXCLUDE({C}) is TO_IN({}). */
static void test_mode_change_reports(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp6_bound(t.a, PORT), s2 = udp6_bound(t.a, PORT);
    assert_int_equal(mreq6(t.a, s1, IPV6_JOIN_GROUP, SSM_GROUP), 0);
    nh_run_until(t.n, 6 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT), 0);
    expect_reports(&t, mark, 9 * UST_SEC, 2, MLD2_CHANGE_TO_INCLUDE, SSM_GROUP, B_TEXT);
    expect_record_bytes(&t, mark, MLD2_CHANGE_TO_INCLUDE, SSM_GROUP, B_TEXT);
    assert_int_equal(mreq6(t.a, s2, IPV6_JOIN_GROUP, ASM_GROUP), 0);
    assert_int_equal(gsr6(t.a, s2, MCAST_BLOCK_SOURCE, ASM_GROUP, C_TEXT), 0);
    nh_run_until(t.n, 12 * UST_SEC);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(mreq6(t.a, s2, IPV6_LEAVE_GROUP, ASM_GROUP), 0);
    expect_reports(&t, mark, 15 * UST_SEC, 2, MLD2_CHANGE_TO_INCLUDE, ASM_GROUP, NULL);
    nh_net_free(t.n);
}

/* Two sockets on one port: s1 INCLUDE({B}), s2 any-source with B
 * blocked. B and C each send two datagrams: s1 gets B's only, s2 C's
 * only; the four kept from a socket are counted. The merged state (RFC
 * 3810 4.2) is EXCLUDE({B} minus {B}) = EXCLUDE({}): a General Query is
 * answered IS_EX({}); when s1 drops B it becomes EXCLUDE({B}): BLOCK(B). */
static void test_delivery_filtered_per_socket(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp6_bound(t.a, PORT), s2 = udp6_bound(t.a, PORT);
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, ASM_GROUP, B_TEXT), 0);
    assert_int_equal(mreq6(t.a, s2, IPV6_JOIN_GROUP, ASM_GROUP), 0);
    assert_int_equal(gsr6(t.a, s2, MCAST_BLOCK_SOURCE, ASM_GROUP, B_TEXT), 0);
    nh_run_until(t.n, 6 * UST_SEC);
    int bs = udp6_bound(t.b, 6000), cs = udp6_bound(t.c, 6000);
    send_to(t.b, bs, ASM_GROUP, "from-b");
    send_to(t.c, cs, ASM_GROUP, "from-c");
    send_to(t.b, bs, ASM_GROUP, "from-b");
    send_to(t.c, cs, ASM_GROUP, "from-c");
    nh_run_until(t.n, 7 * UST_SEC);
    char buf[64];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(recv_on(t.a, s1, buf, sizeof(buf)), 6);
        assert_string_equal(buf, "from-b");
        assert_int_equal(recv_on(t.a, s2, buf, sizeof(buf)), 6);
        assert_string_equal(buf, "from-c");
    }
    assert_int_equal(recv_on(t.a, s1, buf, sizeof(buf)), -1);
    assert_int_equal(recv_on(t.a, s2, buf, sizeof(buf)), -1);
    assert_int_equal(mld(t.a)->SourceFiltered, 4);
    assert_int_equal(ust_stack_stats(t.a)->igmp.SourceFiltered, 0);
    size_t mark = nh_tx_count(t.n, t.pa);
    inject_query(&t, "ff02::1", NULL, 2000, NULL, 0, 0);
    nh_run_until(t.n, 10 * UST_SEC);
    struct sent s[8];
    assert_int_equal(reports(&t, mark, s, 8), 1);
    struct ipv6_addr g = ip6(ASM_GROUP);
    int found = 0;
    for (uint16_t j = 0; j < s[0].nrec; j++) {
        if (memcmp(s[0].group[j].b, g.b, 16) != 0)
            continue;
        found++;
        assert_int_equal(s[0].type[j], MLD2_MODE_IS_EXCLUDE);
        assert_int_equal(s[0].nsrc[j], 0);
    }
    assert_int_equal(found, 1);
    mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(gsr6(t.a, s1, MCAST_LEAVE_SOURCE_GROUP, ASM_GROUP, B_TEXT), 0);
    expect_reports(&t, mark, 13 * UST_SEC, 2, MLD2_BLOCK_OLD_SOURCES, ASM_GROUP, B_TEXT);
    nh_net_free(t.n);
}

/* RFC 3810 6.3: a Multicast Address and Source Specific Query is
 * answered with IS_IN of the queried sources the interface receives
 * (INCLUDE({B,C}) asked about B and 2001:db8::9: IS_IN({B})); one naming
 * none of them gets no answer; two before the answer are answered once,
 * with the union of what they asked (6.2 rule 5). */
static void test_source_specific_query(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp6_bound(t.a, PORT);
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT), 0);
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, C_TEXT), 0);
    nh_run_until(t.n, 6 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    const char *asked[] = {B_TEXT, "2001:db8::9"};
    inject_query(&t, SSM_GROUP, SSM_GROUP, 2000, asked, 2, 2);
    expect_reports(&t, mark, 9 * UST_SEC, 1, MLD2_MODE_IS_INCLUDE, SSM_GROUP, B_TEXT);
    mark = nh_tx_count(t.n, t.pa);
    inject_query(&t, SSM_GROUP, SSM_GROUP, 2000, asked + 1, 1, 1);
    nh_run_until(t.n, 12 * UST_SEC);
    struct sent s[8];
    assert_int_equal(reports(&t, mark, s, 8), 0);
    mark = nh_tx_count(t.n, t.pa);
    const char *asked_c[] = {C_TEXT};
    inject_query(&t, SSM_GROUP, SSM_GROUP, 2000, asked, 1, 1);
    inject_query(&t, SSM_GROUP, SSM_GROUP, 2000, asked_c, 1, 1);
    nh_run_until(t.n, 15 * UST_SEC);
    assert_int_equal(reports(&t, mark, s, 8), 1);
    assert_int_equal(s[0].type[0], MLD2_MODE_IS_INCLUDE);
    assert_int_equal(s[0].nsrc[0], 2);
    struct ipv6_addr b = ip6(B_TEXT), c = ip6(C_TEXT);
    assert_true((ipv6_addr_eq(&s[0].src[0][0], &b) && ipv6_addr_eq(&s[0].src[0][1], &c)) ||
                (ipv6_addr_eq(&s[0].src[0][0], &c) && ipv6_addr_eq(&s[0].src[0][1], &b)));
    assert_int_equal(mld(t.a)->InQueries, 4);
    nh_net_free(t.n);
}

/* Crafted query bytes (RFC 3810 5.1.10, 5.1.11): a source count that
 * claims more sources than the message carries (one short; 65535 with
 * none) is malformed: counted in InErrors, never answered, nothing read
 * past the end (ASan). A long list (80 sources, B the last) is read to
 * its end and answered IS_IN({B}). */
static void test_query_source_list_bounds(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp6_bound(t.a, PORT);
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT), 0);
    nh_run_until(t.n, 6 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    const char *one[] = {B_TEXT, C_TEXT};
    inject_query(&t, SSM_GROUP, SSM_GROUP, 1000, one, 2, 1);
    inject_query(&t, SSM_GROUP, SSM_GROUP, 1000, one, 0xffff, 0);
    assert_int_equal(mld(t.a)->InErrors, 2);
    assert_int_equal(mld(t.a)->InQueries, 0);
    nh_run_until(t.n, 9 * UST_SEC);
    struct sent s[8];
    assert_int_equal(reports(&t, mark, s, 8), 0);
    char text[80][40];
    const char *many[80];
    for (int i = 0; i < 80; i++) {
        snprintf(text[i], sizeof(text[i]), "2001:db8::%x", 0x100 + i);
        many[i] = text[i];
    }
    many[79] = B_TEXT;
    inject_query(&t, SSM_GROUP, SSM_GROUP, 1000, many, 80, 80);
    assert_int_equal(mld(t.a)->InQueries, 1);
    expect_reports(&t, mark, 12 * UST_SEC, 1, MLD2_MODE_IS_INCLUDE, SSM_GROUP, B_TEXT);
    nh_net_free(t.n);
}

/* The errors of Linux's do_ipv6_mcast_group_source / ip6_mc_source. */
static void test_source_errors(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    int s1 = udp6_bound(t.a, PORT), s2 = udp6_bound(t.a, PORT);
    /* no prior join */
    assert_int_equal(gsr6(t.a, s1, MCAST_BLOCK_SOURCE, ASM_GROUP, B_TEXT), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(gsr6(t.a, s1, MCAST_UNBLOCK_SOURCE, ASM_GROUP, B_TEXT), -1);
    assert_int_equal(errno, EINVAL);
    /* not a group; another family; no such interface; a short value */
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, C_TEXT, B_TEXT), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(gsr6_fam(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT, AF_INET6,
                              AF_INET, 1), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    assert_int_equal(gsr6_fam(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT, AF_INET,
                              AF_INET6, 1), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    assert_int_equal(gsr6_fam(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT, AF_INET6,
                              AF_INET6, 7), -1);
    assert_int_equal(errno, ENODEV);
    struct group_source_req r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(ust_setsockopt(t.a, s1, IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, &r, 8), -1);
    assert_int_equal(errno, EINVAL);
    /* INCLUDE membership: blocking mixes modes; a source twice; leaving
     * one not in the list */
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT), 0);
    assert_int_equal(gsr6(t.a, s1, MCAST_BLOCK_SOURCE, SSM_GROUP, C_TEXT), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    assert_int_equal(gsr6(t.a, s1, MCAST_LEAVE_SOURCE_GROUP, SSM_GROUP, C_TEXT), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    /* interface 0 finds the membership wherever it is */
    assert_int_equal(gsr6_fam(t.a, s1, MCAST_LEAVE_SOURCE_GROUP, SSM_GROUP, B_TEXT, AF_INET6,
                              AF_INET6, 0), 0);
    /* EXCLUDE membership with a blocked source: a source join mixes modes */
    assert_int_equal(mreq6(t.a, s2, IPV6_JOIN_GROUP, ASM_GROUP), 0);
    assert_int_equal(gsr6(t.a, s2, MCAST_BLOCK_SOURCE, ASM_GROUP, C_TEXT), 0);
    assert_int_equal(gsr6(t.a, s2, MCAST_JOIN_SOURCE_GROUP, ASM_GROUP, B_TEXT), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(gsr6(t.a, s2, MCAST_UNBLOCK_SOURCE, ASM_GROUP, B_TEXT), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    nh_net_free(t.n);
}

/* cfg.mld_max_sources bounds one socket's filter (64 by default, as
 * Linux's mld_max_msf: 64 sources fit, the 65th is ENOBUFS) and
 * cfg.mld_max_group_sources the sources all sockets name for one group;
 * each refusal is counted in SourcesRefused and leaves the filters as
 * they were. */
static void test_source_bounds(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.mld_max_group_sources = 66;
    struct topo t;
    topo_init(&t, &cfg);
    int s1 = udp6_bound(t.a, PORT), s2 = udp6_bound(t.a, PORT);
    char text[40];
    for (int i = 0; i < 64; i++) {
        snprintf(text, sizeof(text), "2001:db8::%x", 0x100 + i);
        assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, text), 0);
    }
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT), -1);
    assert_int_equal(errno, ENOBUFS);
    assert_int_equal(mld(t.a)->SourcesRefused, 1);
    /* s2 may name two more sources for the group, not a third */
    assert_int_equal(gsr6(t.a, s2, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT), 0);
    assert_int_equal(gsr6(t.a, s2, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, C_TEXT), 0);
    assert_int_equal(gsr6(t.a, s2, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, "2001:db8::9"), -1);
    assert_int_equal(errno, ENOBUFS);
    assert_int_equal(mld(t.a)->SourcesRefused, 2);
    /* one already named costs nothing */
    assert_int_equal(gsr6(t.a, s2, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, "2001:db8::100"), 0);
    /* the General Query's answer carries the 66 sources of INCLUDE */
    nh_run_until(t.n, 6 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    inject_query(&t, "ff02::1", NULL, 1000, NULL, 0, 0);
    nh_run_until(t.n, 9 * UST_SEC);
    struct sent s[8];
    assert_int_equal(reports(&t, mark, s, 8), 1);
    struct ipv6_addr g = ip6(SSM_GROUP);
    int found = 0;
    for (uint16_t j = 0; j < s[0].nrec; j++)
        if (memcmp(s[0].group[j].b, g.b, 16) == 0) {
            found++;
            assert_int_equal(s[0].type[j], MLD2_MODE_IS_INCLUDE);
            assert_int_equal(s[0].nsrc[j], 66);
        }
    assert_int_equal(found, 1);
    nh_net_free(t.n);
}

/* RFC 3810 5.2.15: a state too big for one Report is split over several,
 * each within the link MTU (1500), IS_IN records of the same group
 * carrying the sources between them: four sockets naming 50 sources each
 * (200, 3200 bytes of sources) answer a General Query with every one of
 * the 200 exactly once. */
static void test_large_state_split_to_mtu(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    char text[40];
    for (int k = 0; k < 4; k++) {
        int fd = udp6_bound(t.a, PORT);
        for (int i = 0; i < 50; i++) {
            snprintf(text, sizeof(text), "2001:db8::%x", 0x1000 + 50 * k + i);
            assert_int_equal(gsr6(t.a, fd, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, text), 0);
        }
    }
    nh_run_until(t.n, 6 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    inject_query(&t, "ff02::1", NULL, 1000, NULL, 0, 0);
    nh_run_until(t.n, 9 * UST_SEC);
    struct sent s[8];
    size_t k = reports(&t, mark, s, 8);
    assert_true(k >= 3); /* 3200 bytes of sources need three 1500-byte Reports */
    bool seen[200] = {false};
    int total = 0;
    struct ipv6_addr g = ip6(SSM_GROUP);
    for (size_t i = 0; i < k; i++) {
        assert_true(s[i].len + 48 <= 1500);
        struct mld2_rec_iter it;
        struct mld2_record r;
        assert_int_equal(mld2_report_iter_init(&it, s[i].msg, s[i].len), 0);
        while (mld2_rec_next(&it, &r)) {
            if (!ipv6_addr_eq(&r.group, &g))
                continue;
            assert_int_equal(r.type, MLD2_MODE_IS_INCLUDE);
            for (uint16_t q = 0; q < r.nsrc; q++) {
                struct ipv6_addr a;
                mld2_record_source(&r, q, &a);
                unsigned idx = (unsigned)get_be16(a.b + 14) - 0x1000;
                assert_true(idx < 200);
                assert_false(seen[idx]);
                seen[idx] = true;
                total++;
            }
        }
    }
    assert_int_equal(total, 200);
    nh_net_free(t.n);
}

/* RFC 3810 8.3.2 (MLDv1 compatibility): with an MLDv1 querier present,
 * source lists are not reported: a source-specific join is an MLDv1
 * Report of the group, the last source's leave a Done; no v2 Report. */
static void test_v1_mode_ignores_sources(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, NULL);
    uint8_t pkt[100] = {0}, frame[200], dmac[6];
    struct ipv6_addr dst = ip6("ff02::1");
    uint8_t *m = pkt + 48;
    m[0] = ICMPV6_MLD_QUERY;
    put_be16(m + 4, 1000);
    icmpv6_set_csum(m, MLD1_LEN, &QUERIER, &dst);
    assert_int_equal(ipv6_hbh_router_alert_emit(IPV6_NH_ICMPV6, pkt + 40, 8), 8);
    struct ipv6_hdr h = {.payload_len = 8 + MLD1_LEN, .next_hdr = IPV6_NH_HOPOPTS,
                         .hop_limit = 1, .src = QUERIER, .dst = dst};
    ipv6_emit(&h, pkt, 40);
    ipv6_mcast_mac(&dst, dmac);
    size_t len = nh_build_eth(frame, sizeof(frame), dmac, Q_MAC, ETH_TYPE_IPV6, pkt,
                              48 + MLD1_LEN);
    nh_inject(t.n, t.pa, frame, len);
    nh_run_until(t.n, 5 * UST_SEC);
    int s1 = udp6_bound(t.a, PORT);
    size_t mark = nh_tx_count(t.n, t.pa);
    uint64_t v1 = mld(t.a)->OutV1Reports, v2 = mld(t.a)->OutV2Reports;
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, B_TEXT), 0);
    assert_int_equal(gsr6(t.a, s1, MCAST_JOIN_SOURCE_GROUP, SSM_GROUP, C_TEXT), 0);
    nh_run_until(t.n, 8 * UST_SEC);
    assert_int_equal(mld(t.a)->OutV1Reports, v1 + 2); /* the join, repeated once */
    assert_int_equal(gsr6(t.a, s1, MCAST_LEAVE_SOURCE_GROUP, SSM_GROUP, B_TEXT), 0);
    assert_int_equal(mld(t.a)->OutDones, 0);
    assert_int_equal(gsr6(t.a, s1, MCAST_LEAVE_SOURCE_GROUP, SSM_GROUP, C_TEXT), 0);
    assert_int_equal(mld(t.a)->OutDones, 1);
    assert_int_equal(mld(t.a)->OutV2Reports, v2);
    struct sent s[8];
    assert_int_equal(reports(&t, mark, s, 8), 0);
    nh_net_free(t.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_source_reports),
        cmocka_unit_test(test_block_unblock_reports),
        cmocka_unit_test(test_mode_change_reports),
        cmocka_unit_test(test_delivery_filtered_per_socket),
        cmocka_unit_test(test_source_specific_query),
        cmocka_unit_test(test_query_source_list_bounds),
        cmocka_unit_test(test_source_errors),
        cmocka_unit_test(test_source_bounds),
        cmocka_unit_test(test_large_state_split_to_mtu),
        cmocka_unit_test(test_v1_mode_ignores_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
