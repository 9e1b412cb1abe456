/* Neighbour resolution that fails (RFC 4861 7.2.2, issue #13): stack A
 * (2001:db8::1/64) sends to 2001:db8::99, on its link but answered by
 * nobody. A sends MAX_MULTICAST_SOLICIT (3) NS, RetransTimer (1 s) apart;
 * then the queued packets are dropped (nd6.QueueDrops) and each gets a
 * Destination Unreachable code 3, which for our own packets reaches the
 * sender: TCP connect fails with EHOSTUNREACH, a connected UDP socket gets
 * EHOSTUNREACH, ping6 a local error. Never about an ICMPv6 error; charged
 * to the ICMPv6 error rate limiter. All on the simulator's virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "../harness/stream.h"
#include "ustack/ustack.h"
#include "wire/eth.h"
#include "wire/ipv6.h"
#include "wire/wbuf.h"

static const uint8_t DEAD[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x99};

static void up(struct stream_pair *p, struct ust_config *cfg)
{
    cfg->ipv6_accept_ra = false; /* no router: the simulation goes idle */
    cfg->ipv6_dad_transmits = 0; /* addresses usable at once */
    static const struct ust_sim_faults clean;
    stream_pair_up(p, 7, cfg, UST_IP4(203, 0, 113, 1), UST_IP4(203, 0, 113, 2), &clean, &clean);
    uint8_t a[16], b[16];
    assert_int_equal(ust_ip6_parse("2001:db8::1", a), 0);
    assert_int_equal(ust_ip6_parse("2001:db8::2", b), 0);
    assert_int_equal(ust_iface_add_addr6(p->a, 0, a, 64), 0);
    assert_int_equal(ust_iface_add_addr6(p->b, 0, b, 64), 0);
    ust_sim_run_until(p->sim, ust_sim_now(p->sim) + 100 * UST_MSEC);
}

static void run_to(struct stream_pair *p, ust_time_t t) { ust_sim_run_until(p->sim, t); }

static struct sockaddr_in6 dead_addr(uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    memcpy(&a.sin6_addr, DEAD, 16);
    return a;
}

static int so_error(struct ust_stack *st, int fd)
{
    int err = -1;
    socklen_t len = sizeof(err);
    assert_int_equal(ust_getsockopt(st, fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    return err;
}

static void test_tcp_connect_fails_ehostunreach_after_three_ns(void **state)
{
    (void)state;
    struct stream_pair p;
    struct ust_config cfg;
    ust_config_default(&cfg);
    up(&p, &cfg);
    const struct ust_stats *s = ust_stack_stats(p.a);
    uint64_t ns0 = s->icmp6.Icmp6OutNeighborSolicits;
    int c = ust_socket(p.a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 to = dead_addr(80);
    ust_time_t t0 = ust_sim_now(p.sim);
    assert_int_equal(ust_connect(p.a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    /* The three NS go out at t0, t0 + 1 s and t0 + 2 s; the entry is given
     * up one RetransTimer after the third. */
    run_to(&p, t0 + 2 * UST_SEC - 1);
    assert_int_equal(s->icmp6.Icmp6OutNeighborSolicits - ns0, 2);
    run_to(&p, t0 + 3 * UST_SEC - 1);
    assert_int_equal(s->icmp6.Icmp6OutNeighborSolicits - ns0, 3);
    assert_int_equal(s->nd6.ResolveFailed, 0);
    assert_int_equal(so_error(p.a, c), 0); /* still connecting */
    run_to(&p, t0 + 3 * UST_SEC);
    assert_int_equal(s->nd6.ResolveFailed, 1);
    assert_int_equal(s->icmp6.Icmp6OutNeighborSolicits - ns0, 3);
    /* The SYN and its retransmissions waited: all dropped, each reported
     * (the first report ends the connect, the others find no socket). */
    assert_true(s->nd6.QueueDrops >= 2);
    assert_int_equal(s->nd6.AddrUnreachReported, s->nd6.QueueDrops);
    assert_int_equal(so_error(p.a, c), EHOSTUNREACH);
    assert_int_equal(s->tcp.AttemptFails, 1);
    /* Nothing went on the wire about it: the error is ours. */
    assert_int_equal(s->icmp6.Icmp6OutDestUnreachs, 0);
    ust_close(p.a, c);
    stream_pair_free(&p);
}

static void test_udp_connected_gets_ehostunreach(void **state)
{
    (void)state;
    struct stream_pair p;
    struct ust_config cfg;
    ust_config_default(&cfg);
    up(&p, &cfg);
    int u = ust_socket(p.a, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 to = dead_addr(9);
    assert_int_equal(ust_connect(p.a, u, (struct sockaddr *)&to, sizeof(to)), 0);
    ust_time_t t0 = ust_sim_now(p.sim);
    assert_int_equal(ust_send(p.a, u, "x", 1, 0), 1);
    run_to(&p, t0 + 3 * UST_SEC - 1);
    char c;
    assert_int_equal(ust_recv(p.a, u, &c, 1, 0), -1);
    assert_int_equal(errno, EAGAIN);
    run_to(&p, t0 + 3 * UST_SEC);
    assert_int_equal(ust_recv(p.a, u, &c, 1, 0), -1);
    assert_int_equal(errno, EHOSTUNREACH);
    assert_int_equal(ust_stack_stats(p.a)->nd6.QueueDrops, 1);
    ust_close(p.a, u);
    stream_pair_free(&p);
}

struct ping_seen {
    int local_errors;
    struct ust_ping_result last;
};

static void on_ping(void *ctx, const struct ust_ping_result *r)
{
    struct ping_seen *seen = ctx;
    seen->last = *r;
    if (r->event == UST_PING_LOCAL_ERROR)
        seen->local_errors++;
}

static void test_ping6_local_error_code_3(void **state)
{
    (void)state;
    struct stream_pair p;
    struct ust_config cfg;
    ust_config_default(&cfg);
    up(&p, &cfg);
    struct ping_seen seen = {0};
    ust_ping_set_handler(p.a, on_ping, &seen);
    assert_int_equal(ust_ping6_send(p.a, DEAD, -1, 4, 1, 56, -1), 0);
    run_to(&p, ust_sim_now(p.sim) + 4 * UST_SEC);
    assert_int_equal(seen.local_errors, 1);
    assert_true(seen.last.ipv6);
    assert_int_equal(seen.last.code, 3);
    assert_int_equal(seen.last.seq, 1);
    stream_pair_free(&p);
}

/* RFC 4443 2.4 (f): the reports are charged to the error rate limiter. */
static void test_reports_rate_limited(void **state)
{
    (void)state;
    struct stream_pair p;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.icmp6_err_burst = 2;
    cfg.icmp6_err_rate = 1;
    up(&p, &cfg);
    struct ping_seen seen = {0};
    ust_ping_set_handler(p.a, on_ping, &seen);
    for (uint16_t seq = 1; seq <= 5; seq++)
        assert_int_equal(ust_ping6_send(p.a, DEAD, -1, 4, seq, 56, -1), 0);
    run_to(&p, ust_sim_now(p.sim) + 4 * UST_SEC);
    const struct ust_stats *s = ust_stack_stats(p.a);
    assert_int_equal(s->nd6.QueueDrops, 5);
    assert_int_equal(s->nd6.AddrUnreachReported, 2);
    assert_int_equal(s->icmp6.Icmp6OutRateLimited, 3);
    assert_int_equal(seen.local_errors, 2);
    stream_pair_free(&p);
}

/* RFC 4443 2.4 (e.1): A's own ICMPv6 error (a Parameter Problem about an
 * unknown Next Header from 2001:db8::99) waits for ::99, which never
 * answers: no report about it. */
static void test_no_report_about_an_error(void **state)
{
    (void)state;
    struct stream_pair p;
    struct ust_config cfg;
    ust_config_default(&cfg);
    up(&p, &cfg);
    uint8_t f[14 + 40 + 8] = {0};
    memcpy(f, ust_dev_mac(p.da)->b, 6);
    memcpy(f + 6, (uint8_t[6]){0x02, 0, 0, 0, 0, 0x99}, 6);
    put_be16(f + 12, ETH_TYPE_IPV6);
    struct ipv6_hdr h = {.payload_len = 8, .next_hdr = 253, .hop_limit = 64};
    memcpy(h.src.b, DEAD, 16);
    assert_int_equal(ust_ip6_parse("2001:db8::1", h.dst.b), 0);
    ipv6_emit(&h, f + 14, 40);
    const struct ust_stats *s = ust_stack_stats(p.a);
    ust_dev_input(p.da, ust_sim_now(p.sim), f, sizeof(f));
    run_to(&p, ust_sim_now(p.sim) + 4 * UST_SEC);
    assert_int_equal(s->icmp6.Icmp6OutParmProblems, 1);
    assert_int_equal(s->nd6.ResolveFailed, 1);
    assert_int_equal(s->nd6.QueueDrops, 1);
    assert_int_equal(s->nd6.AddrUnreachReported, 0);
    assert_int_equal(s->icmp6.Icmp6OutErrorSuppressed, 1);
    stream_pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_connect_fails_ehostunreach_after_three_ns),
        cmocka_unit_test(test_udp_connected_gets_ehostunreach),
        cmocka_unit_test(test_ping6_local_error_code_3),
        cmocka_unit_test(test_reports_rate_limited),
        cmocka_unit_test(test_no_report_about_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
