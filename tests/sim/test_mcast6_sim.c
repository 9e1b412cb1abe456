/* IPv6 multicast on UDP sockets (RFC 3493 5.2, RFC 3678 5.1) and the MLDv2
 * reports that announce the sockets' groups (RFC 3810 6.1, 6.2), on the net
 * harness: three stacks on one simulated switch, virtual clock, every
 * frame recorded. Two sockets of A joined to ff15::1:2 each get every
 * datagram B sends there, a socket that did not join gets none and stack
 * C, which joined nothing, drops the frames at its link filter; the join
 * and the leave are announced (TO_EX({}) / TO_IN({}), Robustness times,
 * bytes checked); a General Query is answered with IS_EX({}); sending:
 * 33:33 MAC (RFC 2464 7), hop limit 1 by default, IPV6_MULTICAST_HOPS,
 * IPV6_MULTICAST_LOOP, hop limit 0 staying in the host; option errors as
 * Linux returns them; the membership bounds; ff02::1 and scope 0/1
 * groups joined but never reported; a dual-stack socket joined to an IPv4 and an IPv6 group hears
 * both. */
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
#include "../harness/sin.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv6.h"
#include "wire/mld.h"
#include "wire/wbuf.h"

#define PORT 5000
#define GROUP_TEXT "ff15::1:2"

static const uint8_t GROUP_MAC[6] = {0x33, 0x33, 0x00, 0x01, 0x00, 0x02};

struct topo {
    struct nh_net *n;
    struct ust_stack *a, *b, *c;
    int pa, pb, pc;
};

static struct ipv6_addr group6(void)
{
    struct ipv6_addr g;
    assert_int_equal(inet_pton(AF_INET6, GROUP_TEXT, g.b), 1);
    return g;
}

static void add_global(struct ust_stack *st, const char *text)
{
    uint8_t a[16];
    assert_int_equal(inet_pton(AF_INET6, text, a), 1);
    assert_int_equal(ust_iface_add_addr6(st, 0, a, 64), 0);
}

static void topo_init(struct topo *t)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_accept_ra = false; /* no router here: no Router Solicitations */
    cfg.ipv6_dad_transmits = 0; /* addresses usable at once */
    t->n = nh_net_new();
    t->n->ipv6 = true;
    t->a = nh_stack(t->n, &cfg);
    t->b = nh_stack(t->n, &cfg);
    t->c = nh_stack(t->n, &cfg);
    t->pa = nh_host(t->n, t->a, 0, 0x0a, UST_IP4(203, 0, 113, 2), 24, 1500);
    t->pb = nh_host(t->n, t->b, 0, 0x0b, UST_IP4(203, 0, 113, 1), 24, 1500);
    t->pc = nh_host(t->n, t->c, 0, 0x0c, UST_IP4(203, 0, 113, 3), 24, 1500);
    add_global(t->a, "2001:db8::2");
    add_global(t->b, "2001:db8::1");
    add_global(t->c, "2001:db8::3");
    nh_run_until(t->n, 100 * UST_MSEC);
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

/* IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP on interface index1 (index + 1). */
static int mreq6(struct ust_stack *st, int fd, int name, const char *group, unsigned index1)
{
    struct ipv6_mreq m = {.ipv6mr_interface = index1};
    assert_int_equal(inet_pton(AF_INET6, group, &m.ipv6mr_multiaddr), 1);
    return ust_setsockopt(st, fd, IPPROTO_IPV6, name, &m, sizeof(m));
}

static int group_req6(struct ust_stack *st, int fd, int name, const char *group)
{
    struct group_req gr = {.gr_interface = 1};
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&gr.gr_group;
    s6->sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, group, &s6->sin6_addr), 1);
    return ust_setsockopt(st, fd, IPPROTO_IPV6, name, &gr, sizeof(gr));
}

static int set_int6(struct ust_stack *st, int fd, int name, int v)
{
    return ust_setsockopt(st, fd, IPPROTO_IPV6, name, &v, sizeof(v));
}

static int get_int6(struct ust_stack *st, int fd, int name)
{
    int v = -99;
    socklen_t len = sizeof(v);
    assert_int_equal(ust_getsockopt(st, fd, IPPROTO_IPV6, name, &v, &len), 0);
    assert_int_equal(len, sizeof(v));
    return v;
}

static void send_to_group(struct ust_stack *st, int fd, const char *msg)
{
    struct sockaddr_in6 d = {.sin6_family = AF_INET6, .sin6_port = htons(PORT)};
    assert_int_equal(inet_pton(AF_INET6, GROUP_TEXT, &d.sin6_addr), 1);
    assert_int_equal(ust_sendto(st, fd, msg, strlen(msg), 0, (struct sockaddr *)&d, sizeof(d)),
                     (ssize_t)strlen(msg));
}

/* The IPv6 header of frame i of port when it carries UDP to the group. */
static const uint8_t *group_udp_frame(struct topo *t, int port, size_t i)
{
    const struct nh_frame *fr = nh_tx(t->n, port, i);
    if (fr->len < 14 + 48 || get_be16(fr->data + 12) != ETH_TYPE_IPV6)
        return NULL;
    struct ipv6_addr g = group6();
    const uint8_t *ip = fr->data + 14;
    if (ip[6] != IPV6_NH_UDP || memcmp(ip + 24, g.b, 16) != 0)
        return NULL;
    assert_memory_equal(fr->data, GROUP_MAC, 6); /* RFC 2464 7 */
    return ip;
}

static size_t count_group_frames(struct topo *t, int port, size_t from, int *hop_limit)
{
    size_t k = 0;
    for (size_t i = from; i < nh_tx_count(t->n, port); i++) {
        const uint8_t *ip = group_udp_frame(t, port, i);
        if (ip) {
            *hop_limit = ip[7];
            k++;
        }
    }
    return k;
}

/* MLDv2 records of `type` for the group in A's reports since frame
 * `from`; every report's bytes are checked (RFC 3810 5.2: to ff02::16,
 * Hop Limit 1, Router Alert 0, from the link-local address; one record,
 * no sources, no aux data). */
static int group_records(struct topo *t, size_t from, uint8_t type)
{
    static const uint8_t mld_routers[16] = {0xff, 0x02, [15] = 0x16};
    struct ipv6_addr g = group6();
    int k = 0;
    for (size_t i = from; i < nh_tx_count(t->n, t->pa); i++) {
        const struct nh_frame *fr = nh_tx(t->n, t->pa, i);
        const uint8_t *ip = fr->data + 14;
        if (fr->len < 14 + 48 + 8 || get_be16(fr->data + 12) != ETH_TYPE_IPV6 ||
            ip[6] != IPV6_NH_HOPOPTS || ip[40] != IPV6_NH_ICMPV6 ||
            ip[48] != ICMPV6_MLD2_REPORT)
            continue;
        assert_int_equal(ip[7], 1);
        assert_int_equal(ip[42], IPV6_OPT_ROUTER_ALERT);
        assert_int_equal(get_be16(ip + 44), 0);
        assert_memory_equal(ip + 24, mld_routers, 16);
        assert_int_equal(ip[8], 0xfe); /* fe80::/10 source */
        const uint8_t *m = ip + 48;
        uint16_t nrec = get_be16(m + 6);
        const uint8_t *r = m + 8;
        for (uint16_t j = 0; j < nrec; j++, r += 20 + 16 * get_be16(r + 2)) {
            if (memcmp(r + 4, g.b, 16) != 0)
                continue;
            assert_int_equal(r[1], 0);            /* Aux Data Len */
            assert_int_equal(get_be16(r + 2), 0); /* no sources */
            if (r[0] == type)
                k++;
        }
    }
    return k;
}

/* MLD records of any type about group g in A's reports since `from`. */
static int any_records(struct topo *t, size_t from, const char *g_text)
{
    uint8_t g[16];
    assert_int_equal(inet_pton(AF_INET6, g_text, g), 1);
    int k = 0;
    for (size_t i = from; i < nh_tx_count(t->n, t->pa); i++) {
        const struct nh_frame *fr = nh_tx(t->n, t->pa, i);
        const uint8_t *ip = fr->data + 14;
        if (fr->len < 14 + 48 + 8 || get_be16(fr->data + 12) != ETH_TYPE_IPV6 ||
            ip[6] != IPV6_NH_HOPOPTS || ip[40] != IPV6_NH_ICMPV6)
            continue;
        const uint8_t *m = ip + 48;
        if (m[0] != ICMPV6_MLD2_REPORT) {
            k += memcmp(m + 8, g, 16) == 0; /* v1 Report / Done */
            continue;
        }
        const uint8_t *r = m + 8;
        for (uint16_t j = 0; j < get_be16(m + 6); j++, r += 20 + 16 * get_be16(r + 2))
            k += memcmp(r + 4, g, 16) == 0;
    }
    return k;
}

/* RFC 3810 6 (MLD-3): sockets may join ff02::1 and groups of scope 0 and
 * 1, but no MLD message ever names them, on join, query or leave; ff02::1
 * is received all the same, and after a leave too. */
static void test_unreported_groups(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t);
    size_t mark = nh_tx_count(t.n, t.pa);
    int s = udp6_bound(t.a, PORT);
    const char *quiet[] = {"ff02::1", "ff01::5", "ff10::7"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(mreq6(t.a, s, IPV6_JOIN_GROUP, quiet[i], 1), 0);
    assert_int_equal(mreq6(t.a, s, IPV6_JOIN_GROUP, GROUP_TEXT, 1), 0);
    nh_run_until(t.n, t.n->now + 3 * UST_SEC);
    assert_int_equal(group_records(&t, mark, MLD2_CHANGE_TO_EXCLUDE), 2); /* reports do go out */
    int bs = udp6_bound(t.b, 6000);
    struct sockaddr_in6 d = {.sin6_family = AF_INET6, .sin6_port = htons(PORT),
                             .sin6_scope_id = 1};
    assert_int_equal(inet_pton(AF_INET6, "ff02::1", &d.sin6_addr), 1);
    assert_int_equal(ust_sendto(t.b, bs, "all", 3, 0, (struct sockaddr *)&d, sizeof(d)), 3);
    nh_run_until(t.n, t.n->now + UST_SEC);
    char buf[16];
    assert_int_equal(recv_on(t.a, s, buf, sizeof(buf)), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(mreq6(t.a, s, IPV6_LEAVE_GROUP, quiet[i], 1), 0);
    nh_run_until(t.n, t.n->now + 3 * UST_SEC);
    for (int i = 0; i < 3; i++)
        assert_int_equal(any_records(&t, mark, quiet[i]), 0);
    uint64_t filtered = ust_stack_stats(t.a)->link.rx_not_for_us;
    assert_int_equal(ust_sendto(t.b, bs, "all", 3, 0, (struct sockaddr *)&d, sizeof(d)), 3);
    nh_run_until(t.n, t.n->now + UST_SEC);
    assert_int_equal(ust_stack_stats(t.a)->link.rx_not_for_us, filtered); /* the host's filter */
    assert_int_equal(recv_on(t.a, s, buf, sizeof(buf)), -1); /* s left ff02::1 */
    int other = udp6_bound(t.a, PORT);
    assert_int_equal(mreq6(t.a, other, IPV6_JOIN_GROUP, "ff02::1", 1), 0);
    assert_int_equal(ust_sendto(t.b, bs, "all", 3, 0, (struct sockaddr *)&d, sizeof(d)), 3);
    nh_run_until(t.n, t.n->now + UST_SEC);
    assert_int_equal(recv_on(t.a, other, buf, sizeof(buf)), 3); /* still received by the host */
    nh_net_free(t.n);
}

/* Two sockets joined (IPV6_JOIN_GROUP, MCAST_JOIN_GROUP) each get every
 * datagram B sends to the group; a third on the port that did not join
 * gets none; stack C drops the frames at its filter. The join goes out
 * as TO_EX({}) Robustness (2) times, once for the interface. */
static void test_two_joined_sockets_each_receive(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t);
    size_t mark = nh_tx_count(t.n, t.pa);
    int s1 = udp6_bound(t.a, PORT), s2 = udp6_bound(t.a, PORT), s3 = udp6_bound(t.a, PORT);
    int cs = udp6_bound(t.c, PORT);
    assert_int_equal(mreq6(t.a, s1, IPV6_JOIN_GROUP, GROUP_TEXT, 1), 0);
    assert_int_equal(group_req6(t.a, s2, MCAST_JOIN_GROUP, GROUP_TEXT), 0);
    assert_int_equal(mreq6(t.a, s2, IPV6_ADD_MEMBERSHIP, GROUP_TEXT, 0), -1);
    assert_int_equal(errno, EADDRINUSE); /* index 0: the only interface, joined */
    nh_run_until(t.n, t.n->now + 2 * UST_SEC);
    assert_int_equal(group_records(&t, mark, MLD2_CHANGE_TO_EXCLUDE), 2);
    int bs = udp6_bound(t.b, 6000);
    assert_int_equal(set_int6(t.b, bs, IPV6_MULTICAST_IF, 1), 0);
    uint64_t c_filtered = ust_stack_stats(t.c)->link.rx_not_for_us;
    size_t bmark = nh_tx_count(t.n, t.pb);
    const char *want[] = {"one", "two", "three"};
    for (int i = 0; i < 3; i++)
        send_to_group(t.b, bs, want[i]);
    nh_run_until(t.n, t.n->now + UST_SEC);
    int hl = -1;
    assert_int_equal(count_group_frames(&t, t.pb, bmark, &hl), 3);
    assert_int_equal(hl, 1); /* RFC 3493 5.2: IPV6_MULTICAST_HOPS defaults to 1 */
    char buf[64];
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

/* A leave by one of two members keeps the group (no report); closing
 * the last sends TO_IN({}) Robustness times, and later datagrams stop at
 * A's link filter. */
static void test_leave_stops_delivery(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t);
    int s1 = udp6_bound(t.a, PORT), s2 = udp6_bound(t.a, PORT);
    assert_int_equal(mreq6(t.a, s1, IPV6_JOIN_GROUP, GROUP_TEXT, 1), 0);
    assert_int_equal(mreq6(t.a, s2, IPV6_JOIN_GROUP, GROUP_TEXT, 1), 0);
    nh_run_until(t.n, t.n->now + 2 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    assert_int_equal(mreq6(t.a, s1, IPV6_LEAVE_GROUP, GROUP_TEXT, 0), 0);
    assert_int_equal(mreq6(t.a, s1, IPV6_LEAVE_GROUP, GROUP_TEXT, 0), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    nh_run_until(t.n, t.n->now + 2 * UST_SEC);
    assert_int_equal(group_records(&t, mark, MLD2_CHANGE_TO_INCLUDE), 0);
    int bs = udp6_bound(t.b, 6000);
    send_to_group(t.b, bs, "kept");
    nh_run_until(t.n, t.n->now + UST_SEC);
    char buf[64];
    assert_int_equal(recv_on(t.a, s2, buf, sizeof(buf)), 4);
    assert_int_equal(recv_on(t.a, s1, buf, sizeof(buf)), -1);
    assert_int_equal(ust_close(t.a, s2), 0); /* closing leaves too */
    nh_run_until(t.n, t.n->now + 3 * UST_SEC);
    assert_int_equal(group_records(&t, mark, MLD2_CHANGE_TO_INCLUDE), 2);
    uint64_t filtered = ust_stack_stats(t.a)->link.rx_not_for_us;
    send_to_group(t.b, bs, "gone");
    nh_run_until(t.n, t.n->now + UST_SEC);
    assert_int_equal(ust_stack_stats(t.a)->link.rx_not_for_us - filtered, 1);
    nh_net_free(t.n);
}

/* A General Query (RFC 3810 5.1.3, from a link-local querier, 1 s) is
 * answered within its delay by IS_EX({}) for the sockets' group. */
static void test_general_query_answered(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t);
    int s1 = udp6_bound(t.a, PORT);
    assert_int_equal(mreq6(t.a, s1, IPV6_JOIN_GROUP, GROUP_TEXT, 1), 0);
    nh_run_until(t.n, t.n->now + 3 * UST_SEC);
    size_t mark = nh_tx_count(t.n, t.pa);
    const struct ipv6_addr src = {{0xfe, 0x80, [15] = 0x99}}, dst = {{0xff, 0x02, [15] = 1}};
    uint8_t pkt[40 + 8 + MLD2_QUERY_MIN] = {0}, frame[200], dmac[6];
    uint8_t *m = pkt + 48;
    m[0] = ICMPV6_MLD_QUERY;
    put_be16(m + 4, 1000); /* Maximum Response Code: 1 s */
    m[24] = 2;
    m[25] = 125;
    icmpv6_set_csum(m, MLD2_QUERY_MIN, &src, &dst);
    assert_int_equal(ipv6_hbh_router_alert_emit(IPV6_NH_ICMPV6, pkt + 40, 8), 8);
    struct ipv6_hdr h = {.payload_len = 8 + MLD2_QUERY_MIN, .next_hdr = IPV6_NH_HOPOPTS,
                         .hop_limit = 1, .src = src, .dst = dst};
    ipv6_emit(&h, pkt, 40);
    ipv6_mcast_mac(&dst, dmac);
    const uint8_t qmac[6] = {0x02, 0, 0, 0, 0, 0x99};
    size_t len = nh_build_eth(frame, sizeof(frame), dmac, qmac, ETH_TYPE_IPV6, pkt, sizeof(pkt));
    ust_time_t q = t.n->now;
    nh_inject(t.n, t.pa, frame, len);
    nh_run_until(t.n, q + UST_SEC);
    assert_int_equal(group_records(&t, mark, MLD2_MODE_IS_EXCLUDE), 1);
    nh_net_free(t.n);
}

/* Sending from A, which has a member: IPV6_MULTICAST_LOOP on (default)
 * gives the member a copy, off does not, the frame goes out either way;
 * IPV6_MULTICAST_HOPS sets the hop limit; 0 keeps the datagram in the
 * host (the looped copy only, as Linux). */
static void test_loop_and_hops(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t);
    int member = udp6_bound(t.a, PORT), tx = udp6_bound(t.a, 6000);
    int bmember = udp6_bound(t.b, PORT);
    assert_int_equal(mreq6(t.a, member, IPV6_JOIN_GROUP, GROUP_TEXT, 1), 0);
    assert_int_equal(mreq6(t.b, bmember, IPV6_JOIN_GROUP, GROUP_TEXT, 1), 0);
    nh_run_until(t.n, t.n->now + 2 * UST_SEC);
    assert_int_equal(get_int6(t.a, tx, IPV6_MULTICAST_LOOP), 1);
    assert_int_equal(get_int6(t.a, tx, IPV6_MULTICAST_HOPS), 1);
    assert_int_equal(get_int6(t.a, tx, IPV6_MULTICAST_IF), 0);
    char buf[64];
    int hl = -1;
    size_t mark = nh_tx_count(t.n, t.pa);
    send_to_group(t.a, tx, "looped");
    nh_run_until(t.n, t.n->now + UST_SEC);
    assert_int_equal(recv_on(t.a, member, buf, sizeof(buf)), 6);
    assert_int_equal(recv_on(t.b, bmember, buf, sizeof(buf)), 6);
    assert_int_equal(count_group_frames(&t, t.pa, mark, &hl), 1);
    assert_int_equal(hl, 1);

    assert_int_equal(set_int6(t.a, tx, IPV6_MULTICAST_LOOP, 0), 0);
    assert_int_equal(get_int6(t.a, tx, IPV6_MULTICAST_LOOP), 0);
    assert_int_equal(set_int6(t.a, tx, IPV6_MULTICAST_HOPS, 7), 0);
    assert_int_equal(get_int6(t.a, tx, IPV6_MULTICAST_HOPS), 7);
    mark = nh_tx_count(t.n, t.pa);
    send_to_group(t.a, tx, "noloop");
    nh_run_until(t.n, t.n->now + UST_SEC);
    assert_int_equal(recv_on(t.a, member, buf, sizeof(buf)), -1);
    assert_int_equal(recv_on(t.b, bmember, buf, sizeof(buf)), 6);
    assert_int_equal(count_group_frames(&t, t.pa, mark, &hl), 1);
    assert_int_equal(hl, 7);

    assert_int_equal(set_int6(t.a, tx, IPV6_MULTICAST_LOOP, 1), 0);
    assert_int_equal(set_int6(t.a, tx, IPV6_MULTICAST_HOPS, 0), 0);
    mark = nh_tx_count(t.n, t.pa);
    send_to_group(t.a, tx, "host");
    nh_run_until(t.n, t.n->now + UST_SEC);
    assert_int_equal(recv_on(t.a, member, buf, sizeof(buf)), 4);
    assert_int_equal(recv_on(t.b, bmember, buf, sizeof(buf)), -1);
    assert_int_equal(count_group_frames(&t, t.pa, mark, &hl), 0);
    assert_int_equal(set_int6(t.a, tx, IPV6_MULTICAST_HOPS, -1), 0);
    assert_int_equal(get_int6(t.a, tx, IPV6_MULTICAST_HOPS), 1);
    nh_net_free(t.n);
}

/* The errors Linux gives (RFC 3493 5.2 leaves them open). */
static void test_option_errors(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t);
    int s = udp6_bound(t.a, PORT);
    assert_int_equal(mreq6(t.a, s, IPV6_JOIN_GROUP, "2001:db8::9", 1), -1);
    assert_int_equal(errno, EINVAL); /* not multicast */
    assert_int_equal(mreq6(t.a, s, IPV6_JOIN_GROUP, GROUP_TEXT, 9), -1);
    assert_int_equal(errno, ENODEV);
    struct ipv6_mreq m = {.ipv6mr_interface = 1};
    assert_int_equal(ust_setsockopt(t.a, s, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof(m) - 1),
                     -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(mreq6(t.a, s, IPV6_LEAVE_GROUP, GROUP_TEXT, 1), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    assert_int_equal(set_int6(t.a, s, IPV6_MULTICAST_IF, 9), -1);
    assert_int_equal(errno, ENODEV);
    assert_int_equal(set_int6(t.a, s, IPV6_MULTICAST_IF, 1), 0);
    assert_int_equal(get_int6(t.a, s, IPV6_MULTICAST_IF), 1);
    assert_int_equal(set_int6(t.a, s, IPV6_MULTICAST_HOPS, 256), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(set_int6(t.a, s, IPV6_MULTICAST_HOPS, -2), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(set_int6(t.a, s, IPV6_MULTICAST_LOOP, 2), -1);
    assert_int_equal(errno, EINVAL);
    uint8_t one = 1;
    assert_int_equal(ust_setsockopt(t.a, s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &one, 1), -1);
    assert_int_equal(errno, EINVAL); /* an int, not a byte (unlike IPv4) */
    /* MCAST_JOIN_GROUP at IPPROTO_IPV6 takes AF_INET6 groups only. */
    struct group_req gr = {.gr_interface = 1};
    struct sockaddr_in sin = sin_of(UST_IP4(239, 1, 2, 3), 0);
    memcpy(&gr.gr_group, &sin, sizeof(sin));
    assert_int_equal(ust_setsockopt(t.a, s, IPPROTO_IPV6, MCAST_JOIN_GROUP, &gr, sizeof(gr)), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    /* An AF_INET socket has no IPPROTO_IPV6 options. */
    int s4 = ust_socket(t.a, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(mreq6(t.a, s4, IPV6_JOIN_GROUP, GROUP_TEXT, 1), -1);
    assert_int_equal(errno, ENOPROTOOPT);
    nh_net_free(t.n);
}

/* cfg.igmp_max_memberships (20) bounds the groups of one socket and the
 * sockets' groups of one interface (the solicited-node groups aside):
 * beyond, ENOMEM, counted in mld6 JoinsRefused; a group the interface
 * has already is no new one. */
static void test_membership_bound(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t);
    int s1 = udp6_bound(t.a, PORT), s2 = udp6_bound(t.a, PORT);
    char g[32];
    for (int i = 0; i < 20; i++) {
        snprintf(g, sizeof(g), "ff15::%x", i + 1);
        assert_int_equal(mreq6(t.a, s1, IPV6_JOIN_GROUP, g, 1), 0);
    }
    assert_int_equal(mreq6(t.a, s1, IPV6_JOIN_GROUP, "ff15::99", 1), -1);
    assert_int_equal(errno, ENOMEM); /* the socket's bound */
    assert_int_equal(mreq6(t.a, s2, IPV6_JOIN_GROUP, "ff15::1", 1), 0);
    assert_int_equal(mreq6(t.a, s2, IPV6_JOIN_GROUP, "ff15::99", 1), -1);
    assert_int_equal(errno, ENOMEM); /* the interface's bound */
    assert_int_equal(ust_stack_stats(t.a)->mld6.JoinsRefused, 2);
    assert_int_equal(mreq6(t.a, s1, IPV6_LEAVE_GROUP, "ff15::2", 1), 0);
    nh_run_until(t.n, t.n->now + 3 * UST_SEC); /* the leave announced: the slot free */
    assert_int_equal(mreq6(t.a, s2, IPV6_JOIN_GROUP, "ff15::99", 1), 0);
    nh_net_free(t.n);
}

/* A dual-stack socket (IPV6_V6ONLY off) joins an IPv4 group with
 * MCAST_JOIN_GROUP at IPPROTO_IP and an IPv6 one at IPPROTO_IPV6, and
 * hears both (the IPv4 sender as ::ffff:203.0.113.1), as on Linux. */
static void test_dual_stack_socket_hears_both_families(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t);
    int s = udp6_bound(t.a, PORT);
    struct group_req gr = {.gr_interface = 1};
    struct sockaddr_in sin = sin_of(UST_IP4(239, 1, 2, 3), 0);
    memcpy(&gr.gr_group, &sin, sizeof(sin));
    assert_int_equal(ust_setsockopt(t.a, s, IPPROTO_IP, MCAST_JOIN_GROUP, &gr, sizeof(gr)), 0);
    assert_int_equal(group_req6(t.a, s, MCAST_JOIN_GROUP, GROUP_TEXT), 0);
    nh_run_until(t.n, t.n->now + 2 * UST_SEC);
    int b4 = ust_socket(t.b, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in d4 = sin_of(UST_IP4(239, 1, 2, 3), PORT);
    assert_int_equal(ust_sendto(t.b, b4, "four", 4, 0, (struct sockaddr *)&d4, sizeof(d4)), 4);
    int b6 = udp6_bound(t.b, 6000);
    send_to_group(t.b, b6, "six");
    nh_run_until(t.n, t.n->now + UST_SEC);
    char buf[64];
    struct sockaddr_in6 from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(t.a, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
                     4);
    char text[INET6_ADDRSTRLEN];
    assert_string_equal(inet_ntop(AF_INET6, &from.sin6_addr, text, sizeof(text)),
                        "::ffff:203.0.113.1");
    assert_int_equal(recv_on(t.a, s, buf, sizeof(buf)), 3);
    assert_string_equal(buf, "six");
    assert_int_equal(ust_setsockopt(t.a, s, IPPROTO_IP, MCAST_LEAVE_GROUP, &gr, sizeof(gr)), 0);
    assert_int_equal(group_req6(t.a, s, MCAST_LEAVE_GROUP, GROUP_TEXT), 0);
    assert_int_equal(group_req6(t.a, s, MCAST_LEAVE_GROUP, GROUP_TEXT), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    nh_net_free(t.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_joined_sockets_each_receive),
        cmocka_unit_test(test_leave_stops_delivery),
        cmocka_unit_test(test_general_query_answered),
        cmocka_unit_test(test_unreported_groups),
        cmocka_unit_test(test_loop_and_hops),
        cmocka_unit_test(test_option_errors),
        cmocka_unit_test(test_membership_bound),
        cmocka_unit_test(test_dual_stack_socket_hears_both_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
