/* AF_INET6 sockets next to AF_INET ones (RFC 3493; issue #13), on two
 * simulated stacks talking IPv4: an AF_INET6 socket without IPV6_V6ONLY
 * takes IPv4 peers and names them ::ffff:a.b.c.d (3.7), with IPV6_V6ONLY
 * it refuses them (5.3); an AF_INET6 socket reaches IPv4 through a mapped
 * address; bind conflicts between the families' wildcards as on Linux;
 * getsockname / getpeername / recvfrom give sockaddr_in6; the IPPROTO_IPV6
 * options. Data is checked byte for byte under loss and reordering. */
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

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define B_ADDR UST_IP4(203, 0, 113, 2)
#define PORT 8080

static struct sockaddr_in6 sin6_of(const char *text, uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    assert_int_equal(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
    return a;
}

static struct sockaddr_in sin_of(ust_ip4_t addr, uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(addr);
    return a;
}

/* The sockaddr_in6 holds ::ffff:addr and port. */
static void assert_mapped(const struct sockaddr_in6 *a, ust_ip4_t addr, uint16_t port)
{
    char want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];
    snprintf(want, sizeof(want), "::ffff:%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255,
             (addr >> 8) & 255, addr & 255);
    assert_int_equal(a->sin6_family, AF_INET6);
    assert_non_null(inet_ntop(AF_INET6, &a->sin6_addr, got, sizeof(got)));
    assert_string_equal(got, want);
    assert_int_equal(ntohs(a->sin6_port), port);
}

static int sock6(struct ust_stack *st, int type, int v6only)
{
    int s = ust_socket(st, AF_INET6, type | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    assert_int_equal(ust_setsockopt(st, s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)), 0);
    return s;
}

static int bind6(struct ust_stack *st, int s, const char *addr, uint16_t port)
{
    struct sockaddr_in6 a = sin6_of(addr, port);
    return ust_bind(st, s, (struct sockaddr *)&a, sizeof(a));
}

static int bind4(struct ust_stack *st, int s, ust_ip4_t addr, uint16_t port)
{
    struct sockaddr_in a = sin_of(addr, port);
    return ust_bind(st, s, (struct sockaddr *)&a, sizeof(a));
}

static void pair_up(struct stream_pair *p, const struct ust_sim_faults *f)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    /* No router on this link: its Router Solicitations (for ever, RFC 7559)
     * are background timers, so the simulation still goes idle and a
     * blocking call returns (ARCHITECTURE.md "Idle simulations"). */
    stream_pair_up(p, 5, &cfg, A_ADDR, B_ADDR, f, f);
}

/* A netstat row of B's for the connection's port, to see its addresses. */
struct row {
    struct ust_sock_entry listener, conn;
    int n;
};
static void take_row(void *ctx, const struct ust_sock_entry *e)
{
    struct row *r = ctx;
    if (e->proto != IPPROTO_TCP || e->lport != PORT)
        return;
    if (e->state == UST_TCP_LISTEN)
        r->listener = *e;
    else
        r->conn = *e;
    r->n++;
}

/* An AF_INET6 listener on [::] without IPV6_V6ONLY accepts an IPv4
 * client; 400 kB arrive byte-exact over lossy, reordering links. */
static void test_dual_listener_takes_ipv4_byte_exact(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.loss = 0.02, .reorder = 0.05, .delay = UST_MSEC};
    struct stream_pair p;
    pair_up(&p, &f);
    int l = sock6(p.b, SOCK_STREAM, 0);
    assert_int_equal(bind6(p.b, l, "::", PORT), 0);
    assert_int_equal(ust_listen(p.b, l, 4), 0);
    int c = ust_socket(p.a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = sin_of(B_ADDR, PORT);
    assert_int_equal(ust_connect(p.a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    const size_t total = 400 * 1000;
    size_t sent = 0, got = 0;
    int s = -1;
    struct sockaddr_in6 peer;
    socklen_t plen = sizeof(peer);
    bool closed = false, eof = false;
    ust_time_t deadline = ust_sim_now(p.sim) + 300 * UST_SEC;
    while (!eof && ust_sim_now(p.sim) < deadline) {
        ust_sim_run_until(p.sim, ust_sim_now(p.sim) + UST_MSEC);
        if (s < 0)
            s = ust_accept(p.b, l, (struct sockaddr *)&peer, &plen);
        if (stream_send(p.a, c, &sent, total) && !closed) {
            assert_int_equal(ust_shutdown(p.a, c, SHUT_WR), 0);
            closed = true;
        }
        if (s >= 0)
            eof = stream_recv(p.b, s, &got);
    }
    assert_true(eof);
    assert_int_equal(got, total);
    /* the peer as RFC 3493 3.7 shows it: ::ffff:A and A's port */
    struct sockaddr_in a_name;
    socklen_t alen = sizeof(a_name);
    assert_int_equal(ust_getsockname(p.a, c, (struct sockaddr *)&a_name, &alen), 0);
    assert_int_equal(plen, sizeof(struct sockaddr_in6));
    assert_mapped(&peer, A_ADDR, ntohs(a_name.sin_port));
    struct sockaddr_in6 n6;
    socklen_t n6len = sizeof(n6);
    assert_int_equal(ust_getsockname(p.b, s, (struct sockaddr *)&n6, &n6len), 0);
    assert_mapped(&n6, B_ADDR, PORT);
    assert_int_equal(ust_getpeername(p.b, s, (struct sockaddr *)&n6, &n6len), 0);
    assert_mapped(&n6, A_ADDR, ntohs(a_name.sin_port));
    /* netstat: the listener on ::, the connection in mapped form */
    struct row r = {0};
    ust_netstat(p.b, take_row, &r);
    assert_int_equal(r.listener.laddr.family, UST_AF_INET6);
    assert_true(ust_addr_is_any(&r.listener.laddr));
    char t[UST_ADDR_STRLEN];
    assert_string_equal(ust_addr_str(&r.conn.raddr, t), "::ffff:203.0.113.1");
    assert_string_equal(ust_addr_str(&r.conn.laddr, t), "::ffff:203.0.113.2");
    ust_close(p.a, c);
    ust_close(p.b, s);
    ust_close(p.b, l);
    stream_pair_free(&p);
}

/* With IPV6_V6ONLY the same listener is not there for IPv4: refused. */
static void test_v6only_listener_refuses_ipv4(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC};
    struct stream_pair p;
    pair_up(&p, &f);
    int l = sock6(p.b, SOCK_STREAM, 1);
    assert_int_equal(bind6(p.b, l, "::", PORT), 0);
    assert_int_equal(ust_listen(p.b, l, 4), 0);
    int c = ust_socket(p.a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = sin_of(B_ADDR, PORT);
    assert_int_equal(ust_connect(p.a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    ust_sim_run_until(p.sim, ust_sim_now(p.sim) + 100 * UST_MSEC);
    int err = 0;
    socklen_t elen = sizeof(err);
    assert_int_equal(ust_getsockopt(p.a, c, SOL_SOCKET, SO_ERROR, &err, &elen), 0);
    assert_int_equal(err, ECONNREFUSED);
    assert_int_equal(ust_accept(p.b, l, NULL, NULL), -1);
    assert_int_equal(errno, EAGAIN);
    ust_close(p.a, c);
    ust_close(p.b, l);
    stream_pair_free(&p);
}

/* An AF_INET6 socket reaches an IPv4 server through ::ffff:B; the server
 * sees a plain IPv4 client. With IPV6_V6ONLY that is ENETUNREACH. */
static void test_v6_socket_connects_to_mapped(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC, .loss = 0.02};
    struct stream_pair p;
    pair_up(&p, &f);
    int l = ust_socket(p.b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_int_equal(bind4(p.b, l, 0, PORT), 0);
    assert_int_equal(ust_listen(p.b, l, 4), 0);
    int only = sock6(p.a, SOCK_STREAM, 1);
    struct sockaddr_in6 to = sin6_of("::ffff:203.0.113.2", PORT);
    assert_int_equal(ust_connect(p.a, only, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, ENETUNREACH);
    int c = sock6(p.a, SOCK_STREAM, 0);
    assert_int_equal(ust_connect(p.a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    int s = -1;
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    size_t sent = 0, got = 0;
    const size_t total = 100 * 1000;
    bool closed = false, eof = false;
    ust_time_t deadline = ust_sim_now(p.sim) + 300 * UST_SEC;
    while (!eof && ust_sim_now(p.sim) < deadline) {
        ust_sim_run_until(p.sim, ust_sim_now(p.sim) + UST_MSEC);
        if (s < 0)
            s = ust_accept(p.b, l, (struct sockaddr *)&peer, &plen);
        if (stream_send(p.a, c, &sent, total) && !closed) {
            assert_int_equal(ust_shutdown(p.a, c, SHUT_WR), 0);
            closed = true;
        }
        if (s >= 0)
            eof = stream_recv(p.b, s, &got);
    }
    assert_true(eof);
    assert_int_equal(plen, sizeof(struct sockaddr_in));
    assert_int_equal(peer.sin_family, AF_INET);
    assert_int_equal(ntohl(peer.sin_addr.s_addr), A_ADDR);
    struct sockaddr_in6 me, him;
    socklen_t n = sizeof(me);
    assert_int_equal(ust_getsockname(p.a, c, (struct sockaddr *)&me, &n), 0);
    assert_int_equal(n, sizeof(me));
    assert_mapped(&me, A_ADDR, ntohs(peer.sin_port));
    assert_int_equal(ust_getpeername(p.a, c, (struct sockaddr *)&him, &n), 0);
    assert_mapped(&him, B_ADDR, PORT);
    /* no IPv6 route here: an IPv6 destination is unreachable, as the
     * socket layer reaches the IPv6 layer for it */
    int c6 = sock6(p.a, SOCK_STREAM, 0);
    struct sockaddr_in6 far = sin6_of("2001:db8::2", PORT);
    assert_int_equal(ust_connect(p.a, c6, (struct sockaddr *)&far, sizeof(far)), -1);
    assert_int_equal(errno, ENETUNREACH);
    ust_close(p.a, c6);
    ust_close(p.a, only);
    ust_close(p.a, c);
    ust_close(p.b, s);
    ust_close(p.b, l);
    stream_pair_free(&p);
}

/* Bind rules between the families (Linux inet6_bind / inet_csk_get_port). */
static void test_bind_conflicts_between_families(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC};
    struct stream_pair p;
    pair_up(&p, &f);
    struct ust_stack *st = p.b;
    for (int type = SOCK_STREAM; type <= SOCK_DGRAM; type++) {
        int dual = sock6(st, type, 0);
        assert_int_equal(bind6(st, dual, "::", PORT), 0);
        int s4 = ust_socket(st, AF_INET, type, 0);
        assert_int_equal(bind4(st, s4, 0, PORT), -1); /* [::] v6only=0 covers 0.0.0.0 */
        assert_int_equal(errno, EADDRINUSE);
        assert_int_equal(bind4(st, s4, B_ADDR, PORT), -1); /* and every IPv4 address */
        assert_int_equal(errno, EADDRINUSE);
        ust_close(st, dual);
        int only = sock6(st, type, 1);
        assert_int_equal(bind6(st, only, "::", PORT), 0);
        assert_int_equal(bind4(st, s4, 0, PORT), 0); /* v6only: no overlap */
        int dual2 = sock6(st, type, 0);
        assert_int_equal(bind6(st, dual2, "::", PORT), -1); /* :: taken by the v6only one */
        assert_int_equal(errno, EADDRINUSE);
        ust_close(st, dual2);
        ust_close(st, only);
        ust_close(st, s4);
    }
    /* SO_REUSEADDR on both: bound side by side, but two listeners that
     * overlap do not both listen */
    int one = 1;
    int dual = sock6(st, SOCK_STREAM, 0);
    int s4 = ust_socket(st, AF_INET, SOCK_STREAM, 0);
    ust_setsockopt(st, dual, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ust_setsockopt(st, s4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    assert_int_equal(bind6(st, dual, "::", PORT), 0);
    assert_int_equal(bind4(st, s4, 0, PORT), 0);
    assert_int_equal(ust_listen(st, dual, 1), 0);
    assert_int_equal(ust_listen(st, s4, 1), -1);
    assert_int_equal(errno, EADDRINUSE);
    ust_close(st, dual);
    ust_close(st, s4);
    stream_pair_free(&p);
}

/* Address forms bind refuses or takes on an AF_INET6 socket. */
static void test_bind_address_forms(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC};
    struct stream_pair p;
    pair_up(&p, &f);
    struct ust_stack *st = p.b;
    int s = sock6(st, SOCK_STREAM, 0);
    assert_int_equal(bind6(st, s, "2001:db8::77", PORT), -1); /* not ours */
    assert_int_equal(errno, EADDRNOTAVAIL);
    assert_int_equal(bind6(st, s, "fe80::1", PORT), -1); /* link-local without a scope */
    assert_int_equal(errno, EINVAL);
    struct sockaddr_in v4 = sin_of(B_ADDR, PORT);
    assert_int_equal(ust_bind(st, s, (struct sockaddr *)&v4, sizeof(v4)), -1);
    assert_int_equal(errno, EAFNOSUPPORT);
    struct sockaddr_in6 shortish = sin6_of("::", PORT);
    assert_int_equal(ust_bind(st, s, (struct sockaddr *)&shortish, sizeof(struct sockaddr_in)), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(bind6(st, s, "::ffff:203.0.113.2", PORT), 0); /* IPv4 through the mapped form */
    struct sockaddr_in6 name;
    socklen_t n = sizeof(name);
    assert_int_equal(ust_getsockname(st, s, (struct sockaddr *)&name, &n), 0);
    assert_mapped(&name, B_ADDR, PORT);
    int only = sock6(st, SOCK_STREAM, 1);
    assert_int_equal(bind6(st, only, "::ffff:203.0.113.2", PORT + 1), -1);
    assert_int_equal(errno, EINVAL);
    /* an unbound AF_INET6 socket names itself [::]:0; AF_INET ones are unchanged */
    int fresh = sock6(st, SOCK_DGRAM, 0);
    n = sizeof(name);
    assert_int_equal(ust_getsockname(st, fresh, (struct sockaddr *)&name, &n), 0);
    assert_int_equal(n, sizeof(name));
    assert_int_equal(name.sin6_family, AF_INET6);
    assert_true(IN6_IS_ADDR_UNSPECIFIED(&name.sin6_addr));
    int s4 = ust_socket(st, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in6 wrong = sin6_of("::", PORT + 2);
    assert_int_equal(ust_bind(st, s4, (struct sockaddr *)&wrong, sizeof(wrong)), -1);
    assert_int_equal(errno, EAFNOSUPPORT);
    struct sockaddr_in n4;
    socklen_t n4len = sizeof(n4);
    assert_int_equal(ust_getsockname(st, s4, (struct sockaddr *)&n4, &n4len), 0);
    assert_int_equal(n4len, sizeof(n4));
    assert_int_equal(n4.sin_family, AF_INET);
    ust_close(st, s4);
    ust_close(st, fresh);
    ust_close(st, only);
    ust_close(st, s);
    stream_pair_free(&p);
}

/* UDP: an AF_INET6 socket on [::] hears an IPv4 sender as ::ffff:A and
 * answers to that sockaddr_in6 over IPv4; a v6only one hears nothing. */
static void test_udp_dual_socket(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC};
    struct stream_pair p;
    pair_up(&p, &f);
    int b6 = sock6(p.b, SOCK_DGRAM, 0);
    assert_int_equal(bind6(p.b, b6, "::", PORT), 0);
    int only = sock6(p.b, SOCK_DGRAM, 1);
    assert_int_equal(bind6(p.b, only, "::", PORT + 1), 0);
    int a4 = ust_socket(p.a, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_int_equal(bind4(p.a, a4, 0, 5555), 0);
    struct sockaddr_in to = sin_of(B_ADDR, PORT);
    assert_int_equal(ust_sendto(p.a, a4, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
    struct sockaddr_in to_only = sin_of(B_ADDR, PORT + 1);
    assert_int_equal(ust_sendto(p.a, a4, "lost", 4, 0, (struct sockaddr *)&to_only,
                                sizeof(to_only)), 4);
    ust_sim_run_until(p.sim, ust_sim_now(p.sim) + 20 * UST_MSEC);
    char buf[8];
    struct sockaddr_in6 from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(p.b, b6, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(flen, sizeof(from));
    assert_mapped(&from, A_ADDR, 5555);
    assert_int_equal(ust_recv(p.b, only, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_sendto(p.b, b6, "pong", 4, 0, (struct sockaddr *)&from, flen), 4);
    ust_sim_run_until(p.sim, ust_sim_now(p.sim) + 20 * UST_MSEC);
    struct sockaddr_in from4;
    socklen_t f4len = sizeof(from4);
    assert_int_equal(ust_recvfrom(p.a, a4, buf, sizeof(buf), 0, (struct sockaddr *)&from4, &f4len), 4);
    assert_memory_equal(buf, "pong", 4);
    assert_int_equal(ntohl(from4.sin_addr.s_addr), B_ADDR);
    assert_int_equal(ntohs(from4.sin_port), PORT);
    /* connected to the mapped peer: getpeername in the same form */
    assert_int_equal(ust_connect(p.b, b6, (struct sockaddr *)&from, flen), 0);
    struct sockaddr_in6 peer;
    socklen_t plen = sizeof(peer);
    assert_int_equal(ust_getpeername(p.b, b6, (struct sockaddr *)&peer, &plen), 0);
    assert_mapped(&peer, A_ADDR, 5555);
    ust_close(p.a, a4);
    ust_close(p.b, only);
    ust_close(p.b, b6);
    stream_pair_free(&p);
}

/* IPV6_V6ONLY, IPV6_UNICAST_HOPS, IPV6_TCLASS (RFC 3493 5.1, 5.3; RFC 3542 6.5). */
static void test_ipv6_options(void **state)
{
    (void)state;
    struct ust_sim_faults f = {.delay = UST_MSEC};
    struct stream_pair p;
    pair_up(&p, &f);
    struct ust_stack *st = p.a;
    for (int type = SOCK_STREAM; type <= SOCK_DGRAM; type++) {
        int s = ust_socket(st, AF_INET6, type, 0);
        int v = -7;
        socklen_t n = sizeof(v);
        assert_int_equal(ust_getsockopt(st, s, IPPROTO_IPV6, IPV6_V6ONLY, &v, &n), 0);
        assert_int_equal(v, 0); /* off by default, as Linux */
        assert_int_equal(ust_getsockopt(st, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &n), 0);
        assert_int_equal(v, 64);
        v = 7;
        assert_int_equal(ust_setsockopt(st, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), 0);
        assert_int_equal(ust_getsockopt(st, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &n), 0);
        assert_int_equal(v, 7);
        v = -1; /* back to the default */
        assert_int_equal(ust_setsockopt(st, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), 0);
        assert_int_equal(ust_getsockopt(st, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &n), 0);
        assert_int_equal(v, 64);
        v = 256;
        assert_int_equal(ust_setsockopt(st, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), -1);
        assert_int_equal(errno, EINVAL);
        v = 0xb8;
        assert_int_equal(ust_setsockopt(st, s, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), 0);
        assert_int_equal(ust_getsockopt(st, s, IPPROTO_IPV6, IPV6_TCLASS, &v, &n), 0);
        assert_int_equal(v, 0xb8);
        v = 1;
        assert_int_equal(ust_setsockopt(st, s, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), 0);
        assert_int_equal(ust_getsockopt(st, s, IPPROTO_IPV6, IPV6_V6ONLY, &v, &n), 0);
        assert_int_equal(v, 1);
        assert_int_equal(bind6(st, s, "::", 9000), 0);
        v = 0; /* fixed once bound (Linux) */
        assert_int_equal(ust_setsockopt(st, s, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), -1);
        assert_int_equal(errno, EINVAL);
        ust_close(st, s);
        int s4 = ust_socket(st, AF_INET, type, 0);
        v = 1;
        assert_int_equal(ust_setsockopt(st, s4, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), -1);
        assert_int_equal(errno, ENOPROTOOPT);
        ust_close(st, s4);
    }
    stream_pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dual_listener_takes_ipv4_byte_exact),
        cmocka_unit_test(test_v6only_listener_refuses_ipv4),
        cmocka_unit_test(test_v6_socket_connects_to_mapped),
        cmocka_unit_test(test_bind_conflicts_between_families),
        cmocka_unit_test(test_bind_address_forms),
        cmocka_unit_test(test_udp_dual_socket),
        cmocka_unit_test(test_ipv6_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
