/* ICMPv6 errors to UDP sockets (RFC 4443 3.1-3.4, 2.4 (a); ICMP6-12): an
 * error forged with the wire layer, quoting a datagram the socket sent,
 * is injected into a harness stack; the IPV6_RECVERR queue holds it with
 * Linux's errno (icmpv6_err_convert), origin ICMP6, type, code, the MTU of
 * a Packet Too Big or a Parameter Problem's pointer in ee_info (as Linux)
 * and the reporter as the offender; a
 * connected socket also gets it as its pending error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "core/stack_impl.h"
#include "net6/net6_impl.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/udp.h"
#include "wire/wbuf.h"

static const struct ipv6_addr US = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const struct ipv6_addr PEER = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
static const struct ipv6_addr ROUTER = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x99}};
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 0x11};
#define LPORT 5000
#define RPORT 9999

struct fx {
    struct nh_net *n;
    struct ust_stack *st;
    int port;
};

static void fx_up(struct fx *f)
{
    f->n = nh_net_new();
    f->n->ipv6 = true;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 0;
    cfg.ipv6_accept_ra = false;
    f->st = nh_stack(f->n, &cfg);
    f->port = nh_host(f->n, f->st, NH_NO_WIRE, 1, UST_IP4(203, 0, 113, 2), 24, 1500);
    assert_int_equal(ust_iface_add_addr6(f->st, 0, US.b, 64), 0);
}

/* An ICMPv6 error from `from` quoting a UDP datagram US:LPORT -> PEER:RPORT
 * with payload "data", injected. */
static void inject_error(struct fx *f, const struct ipv6_addr *from, uint8_t type, uint8_t code,
                         uint32_t word)
{
    uint8_t inv[40 + UDP_HDR_LEN + 4];
    struct ipv6_hdr q = {.payload_len = UDP_HDR_LEN + 4, .next_hdr = IPV6_NH_UDP,
                         .hop_limit = 64, .src = US, .dst = PEER};
    ipv6_emit(&q, inv, 40);
    memcpy(inv + 40 + UDP_HDR_LEN, "data", 4);
    uint32_t ps = ipv6_csum_pseudo(&US, &PEER, 0, IPV6_NH_UDP);
    assert_int_equal(udp_emit_ps(LPORT, RPORT, ps, inv + 40, UDP_HDR_LEN + 4, 4), UDP_HDR_LEN);
    uint8_t msg[256], pkt[400], frame[500];
    int mlen = icmpv6_error_emit(type, code, word, inv, sizeof(inv), from, &US, msg, sizeof(msg));
    assert_true(mlen > 0);
    struct ipv6_hdr h = {.payload_len = (uint16_t)mlen, .next_hdr = IPV6_NH_ICMPV6,
                         .hop_limit = 64, .src = *from, .dst = US};
    ipv6_emit(&h, pkt, 40);
    memcpy(pkt + 40, msg, (size_t)mlen);
    size_t len = nh_build_eth(frame, sizeof(frame), ust_dev_mac(nh_dev(f->n, f->port))->b,
                              PEER_MAC, ETH_TYPE_IPV6, pkt, 40 + (size_t)mlen);
    nh_inject(f->n, f->port, frame, len);
    nh_run_until(f->n, f->n->now);
}

static int udp6(struct ust_stack *st, bool connect_peer)
{
    int s = ust_socket(st, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(LPORT)};
    assert_int_equal(ust_bind(st, s, (struct sockaddr *)&a, sizeof(a)), 0);
    if (connect_peer) {
        struct sockaddr_in6 p = {.sin6_family = AF_INET6, .sin6_port = htons(RPORT)};
        memcpy(&p.sin6_addr, PEER.b, 16);
        assert_int_equal(ust_connect(st, s, (struct sockaddr *)&p, sizeof(p)), 0);
    }
    return s;
}

struct err_case {
    uint8_t type, code;
    uint32_t word;
    int eno;
};

/* Reads one error of the queue and checks it against c, from `from`. */
static void expect_queued(struct ust_stack *st, int s, const struct err_case *c,
                          const struct ipv6_addr *from)
{
    char data[16];
    uint8_t ctl[256];
    struct sockaddr_in6 name;
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct msghdr m = {.msg_name = &name, .msg_namelen = sizeof(name), .msg_iov = &iov,
                       .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    assert_int_equal(ust_recvmsg(st, s, &m, MSG_ERRQUEUE), 4);
    assert_memory_equal(data, "data", 4);
    assert_memory_equal(&name.sin6_addr, PEER.b, 16);
    assert_int_equal(ntohs(name.sin6_port), RPORT);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    assert_non_null(cm);
    assert_int_equal(cm->cmsg_level, IPPROTO_IPV6);
    assert_int_equal(cm->cmsg_type, IPV6_RECVERR);
    struct ust_sock_extended_err ee;
    struct sockaddr_in6 off;
    memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
    memcpy(&off, CMSG_DATA(cm) + sizeof(ee), sizeof(off));
    assert_int_equal(ee.ee_errno, c->eno);
    assert_int_equal(ee.ee_origin, UST_SO_EE_ORIGIN_ICMP6);
    assert_int_equal(ee.ee_type, c->type);
    assert_int_equal(ee.ee_code, c->code);
    assert_int_equal(ee.ee_info, c->word); /* MTU or pointer, as Linux */
    assert_int_equal(off.sin6_family, AF_INET6);
    assert_memory_equal(&off.sin6_addr, from->b, 16);
}

static const struct err_case CASES[] = {
    {ICMPV6_DST_UNREACH, 0, 0, ENETUNREACH},  /* no route */
    {ICMPV6_DST_UNREACH, 1, 0, EACCES},       /* administratively prohibited */
    {ICMPV6_DST_UNREACH, 2, 0, EHOSTUNREACH}, /* beyond scope */
    {ICMPV6_DST_UNREACH, 3, 0, EHOSTUNREACH}, /* address unreachable */
    {ICMPV6_DST_UNREACH, 4, 0, ECONNREFUSED}, /* port unreachable */
    {ICMPV6_DST_UNREACH, 5, 0, EACCES},       /* source address failed policy */
    {ICMPV6_DST_UNREACH, 6, 0, EACCES},       /* reject route */
    {ICMPV6_DST_UNREACH, 9, 0, EPROTO},       /* a code Linux does not know */
    {ICMPV6_PKT_TOO_BIG, 0, 1400, EMSGSIZE},
    {ICMPV6_TIME_EXCEEDED, 0, 0, EHOSTUNREACH},
    {ICMPV6_PARAM_PROBLEM, 0, 6, EPROTO},
};
#define NCASES (sizeof(CASES) / sizeof(CASES[0]))

/* Every kind reaches the unconnected socket's queue, the router that sent
 * it as the offender. */
static void test_every_error_queued_with_linux_errno(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    int s = udp6(f.st, false);
    int one = 1;
    assert_int_equal(ust_setsockopt(f.st, s, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one)), 0);
    for (size_t i = 0; i < NCASES; i++) {
        inject_error(&f, &ROUTER, CASES[i].type, CASES[i].code, CASES[i].word);
        expect_queued(f.st, s, &CASES[i], &ROUTER);
    }
    nh_net_free(f.n);
}

/* Without IPV6_RECVERR: nothing queued; a connected socket's next call
 * returns the error once (and an unconnected one hears nothing). */
static void test_connected_socket_pending_error(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    int s = udp6(f.st, true);
    for (size_t i = 0; i < NCASES; i++) {
        inject_error(&f, &ROUTER, CASES[i].type, CASES[i].code, CASES[i].word);
        char b[8];
        assert_int_equal(ust_recv(f.st, s, b, sizeof(b), 0), -1);
        assert_int_equal(errno, CASES[i].eno);
        assert_int_equal(ust_recv(f.st, s, b, sizeof(b), 0), -1);
        assert_int_equal(errno, EAGAIN);
    }
    uint8_t ctl[64];
    char d[8];
    struct iovec iov = {.iov_base = d, .iov_len = sizeof(d)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof(ctl)};
    assert_int_equal(ust_recvmsg(f.st, s, &m, MSG_ERRQUEUE), -1);
    assert_int_equal(errno, EAGAIN);
    nh_net_free(f.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_error_queued_with_linux_errno),
        cmocka_unit_test(test_connected_socket_pending_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
