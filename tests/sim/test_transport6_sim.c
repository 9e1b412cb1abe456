/* TCP and UDP over IPv6 end to end (issue #13): two dual-stack stacks on
 * the simulated switch with 2001:db8::1/64 and ::2/64 (and their
 * link-local addresses), one TCP and one UDP for both families. Streams
 * arrive byte-exact under loss, reordering and duplication; a dual
 * listener takes an IPv6 and an IPv4 client at once; link-local peers are
 * reached through their scope; UDP answers go back to the sockaddr_in6
 * recvfrom gave. Everything on the virtual clock. */
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

#define A4 UST_IP4(203, 0, 113, 1)
#define B4 UST_IP4(203, 0, 113, 2)
#define PORT 8080

static struct sockaddr_in6 sin6_of(const char *text, uint16_t port, uint32_t scope)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port),
                             .sin6_scope_id = scope};
    assert_int_equal(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
    return a;
}

static void up(struct stream_pair *p, uint64_t seed, const struct ust_sim_faults *f)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    /* No router on this link: its Router Solicitations (for ever, RFC 7559)
     * are background timers, so the simulation still goes idle and a
     * blocking call returns (ARCHITECTURE.md "Idle simulations"). */
    cfg.ipv6_dad_transmits = 0; /* the addresses are usable at once */
    stream_pair_up(p, seed, &cfg, A4, B4, f, f);
    uint8_t a[16], b[16];
    assert_int_equal(ust_ip6_parse("2001:db8::1", a), 0);
    assert_int_equal(ust_ip6_parse("2001:db8::2", b), 0);
    assert_int_equal(ust_iface_add_addr6(p->a, 0, a, 64), 0);
    assert_int_equal(ust_iface_add_addr6(p->b, 0, b, 64), 0);
    ust_sim_run_until(p->sim, ust_sim_now(p->sim) + 100 * UST_MSEC);
}

/* B's link-local address as text. */
static void link_local_of(struct ust_stack *st, char out[INET6_ADDRSTRLEN])
{
    struct ust_addr6_info info[8];
    int n = ust_iface_addrs6(st, 0, info, 8);
    for (int i = 0; i < n; i++)
        if (info[i].addr[0] == 0xfe && (info[i].addr[1] & 0xc0) == 0x80) {
            inet_ntop(AF_INET6, info[i].addr, out, INET6_ADDRSTRLEN);
            return;
        }
    fail_msg("no link-local address");
}

static int listen6(struct ust_stack *st, int v6only)
{
    int l = ust_socket(st, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_int_equal(ust_setsockopt(st, l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(int)), 0);
    struct sockaddr_in6 any = sin6_of("::", PORT, 0);
    assert_int_equal(ust_bind(st, l, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(ust_listen(st, l, 8), 0);
    return l;
}

/* c (on a) sends total bytes to the connection l accepts (on b), half-
 * closes; every byte is checked. Returns the accepted socket; *peer is
 * what accept said. */
static int move_bytes(struct stream_pair *p, int c, int l, size_t total,
                      struct sockaddr_in6 *peer)
{
    size_t sent = 0, got = 0;
    int s = -1;
    socklen_t plen = sizeof(*peer);
    bool closed = false, eof = false;
    ust_time_t deadline = ust_sim_now(p->sim) + 600 * UST_SEC;
    while (!eof && ust_sim_now(p->sim) < deadline) {
        ust_sim_run_until(p->sim, ust_sim_now(p->sim) + UST_MSEC);
        if (s < 0)
            s = ust_accept(p->b, l, (struct sockaddr *)peer, &plen);
        if (stream_send(p->a, c, &sent, total) && !closed) {
            assert_int_equal(ust_shutdown(p->a, c, SHUT_WR), 0);
            closed = true;
        }
        if (s >= 0)
            eof = stream_recv(p->b, s, &got);
    }
    assert_true(eof);
    assert_int_equal(got, total);
    return s;
}

static void transfer_under(const struct ust_sim_faults *f, uint64_t seed)
{
    struct stream_pair p;
    up(&p, seed, f);
    int l = listen6(p.b, 1);
    int c = ust_socket(p.a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 to = sin6_of("2001:db8::2", PORT, 0);
    assert_int_equal(ust_connect(p.a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    struct sockaddr_in6 peer;
    int s = move_bytes(&p, c, l, 600 * 1000, &peer);
    char t[INET6_ADDRSTRLEN];
    assert_string_equal(inet_ntop(AF_INET6, &peer.sin6_addr, t, sizeof(t)), "2001:db8::1");
    struct sockaddr_in6 me;
    socklen_t n = sizeof(me);
    assert_int_equal(ust_getsockname(p.a, c, (struct sockaddr *)&me, &n), 0);
    assert_string_equal(inet_ntop(AF_INET6, &me.sin6_addr, t, sizeof(t)), "2001:db8::1");
    assert_int_equal(ntohs(me.sin6_port), ntohs(peer.sin6_port));
    /* the segments' MSS: 1500 - 60 */
    struct ust_tcp_info info;
    socklen_t ilen = sizeof(info);
    assert_int_equal(ust_getsockopt(p.a, c, IPPROTO_TCP, UST_TCP_INFO, &info, &ilen), 0);
    assert_true(info.snd_mss <= 1440 && info.snd_mss >= 1400);
    ust_close(p.a, c);
    ust_close(p.b, s);
    ust_close(p.b, l);
    stream_pair_free(&p);
}

static void test_tcp6_byte_exact_clean(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC};
    transfer_under(&f, 21);
}

static void test_tcp6_byte_exact_under_loss_reorder_duplication(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC, .loss = 0.03, .reorder = 0.05,
                               .duplicate = 0.02, .reorder_delay = 2 * UST_MSEC};
    transfer_under(&f, 22);
}

/* One [::] listener without IPV6_V6ONLY: an IPv6 client and an IPv4
 * client at once, the latter named ::ffff:203.0.113.1. */
static void test_dual_listener_both_families(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC, .loss = 0.01};
    struct stream_pair p;
    up(&p, 23, &f);
    int l = listen6(p.b, 0);
    char t[INET6_ADDRSTRLEN];
    struct sockaddr_in6 peer;
    int c6 = ust_socket(p.a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 to6 = sin6_of("2001:db8::2", PORT, 0);
    ust_connect(p.a, c6, (struct sockaddr *)&to6, sizeof(to6));
    int s6 = move_bytes(&p, c6, l, 100 * 1000, &peer);
    assert_string_equal(inet_ntop(AF_INET6, &peer.sin6_addr, t, sizeof(t)), "2001:db8::1");
    int c4 = ust_socket(p.a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to4 = {.sin_family = AF_INET, .sin_port = htons(PORT),
                              .sin_addr.s_addr = htonl(B4)};
    ust_connect(p.a, c4, (struct sockaddr *)&to4, sizeof(to4));
    int s4 = move_bytes(&p, c4, l, 100 * 1000, &peer);
    assert_string_equal(inet_ntop(AF_INET6, &peer.sin6_addr, t, sizeof(t)), "::ffff:203.0.113.1");
    ust_close(p.a, c6);
    ust_close(p.a, c4);
    ust_close(p.b, s6);
    ust_close(p.b, s4);
    ust_close(p.b, l);
    stream_pair_free(&p);
}

/* A link-local peer through its scope (sin6_scope_id = interface index
 * + 1); without one, connect refuses (RFC 4007 6). */
static void test_link_local_connection(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC};
    struct stream_pair p;
    up(&p, 24, &f);
    int l = listen6(p.b, 1);
    char ll[INET6_ADDRSTRLEN];
    link_local_of(p.b, ll);
    int c = ust_socket(p.a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 to = sin6_of(ll, PORT, 1);
    ust_connect(p.a, c, (struct sockaddr *)&to, sizeof(to));
    struct sockaddr_in6 peer;
    int s = move_bytes(&p, c, l, 50 * 1000, &peer);
    assert_int_equal(peer.sin6_scope_id, 1);
    assert_true(IN6_IS_ADDR_LINKLOCAL(&peer.sin6_addr));
    ust_close(p.a, c);
    ust_close(p.b, s);
    ust_close(p.b, l);
    stream_pair_free(&p);
}

/* UDP over IPv6 both ways: recvfrom names the sender, the answer goes
 * back to it. */
static void test_udp6_round_trip(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC};
    struct stream_pair p;
    up(&p, 25, &f);
    int b = ust_socket(p.b, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 any = sin6_of("::", 9000, 0);
    assert_int_equal(ust_bind(p.b, b, (struct sockaddr *)&any, sizeof(any)), 0);
    int a = ust_socket(p.a, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 to = sin6_of("2001:db8::2", 9000, 0);
    assert_int_equal(ust_sendto(p.a, a, "ping6", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
    ust_sim_run_until(p.sim, ust_sim_now(p.sim) + 50 * UST_MSEC);
    char buf[16], t[INET6_ADDRSTRLEN];
    struct sockaddr_in6 from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(p.b, b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 5);
    assert_memory_equal(buf, "ping6", 5);
    assert_string_equal(inet_ntop(AF_INET6, &from.sin6_addr, t, sizeof(t)), "2001:db8::1");
    assert_int_equal(ust_sendto(p.b, b, "pong6", 5, 0, (struct sockaddr *)&from, flen), 5);
    ust_sim_run_until(p.sim, ust_sim_now(p.sim) + 50 * UST_MSEC);
    flen = sizeof(from);
    assert_int_equal(ust_recvfrom(p.a, a, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 5);
    assert_memory_equal(buf, "pong6", 5);
    assert_string_equal(inet_ntop(AF_INET6, &from.sin6_addr, t, sizeof(t)), "2001:db8::2");
    assert_int_equal(ntohs(from.sin6_port), 9000);
    ust_close(p.a, a);
    ust_close(p.b, b);
    stream_pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp6_byte_exact_clean),
        cmocka_unit_test(test_tcp6_byte_exact_under_loss_reorder_duplication),
        cmocka_unit_test(test_dual_listener_both_families),
        cmocka_unit_test(test_link_local_connection),
        cmocka_unit_test(test_udp6_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
