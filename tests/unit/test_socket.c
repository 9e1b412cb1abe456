/* The socket layer: descriptor table, argument validation with the errno
 * values of Linux, generic options, dispatch to NULL protocol ops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/time.h>

#include "../harness/udp_harness.h"
#include "core/stack_impl.h"
#include "socket/sock_impl.h"

#define LOCAL UDP_TH_LOCAL
#define PEER UDP_TH_PEER

static int setup(void **state)
{
    *state = udp_th_new(NULL);
    return 0;
}

static int teardown(void **state)
{
    udp_th_free(*state);
    return 0;
}

/* Asserts that expr returned -1 with errno e. */
#define assert_fails(expr, e)              \
    do {                                   \
        errno = 0;                         \
        assert_int_equal((expr), -1);      \
        assert_int_equal(errno, (e));      \
    } while (0)

static int udp(struct udp_th *h) { return ust_socket(h->st, AF_INET, SOCK_DGRAM, 0); }

static void test_socket_arguments(void **state)
{
    struct udp_th *h = *state;
    int six = ust_socket(h->st, AF_INET6, SOCK_DGRAM, 0); /* issue #13: dual-stack sockets */
    assert_true(six >= 0);
    assert_int_equal(ust_close(h->st, six), 0);
    assert_fails(ust_socket(h->st, AF_PACKET, SOCK_DGRAM, 0), EAFNOSUPPORT);
    assert_fails(ust_socket(h->st, AF_UNIX, SOCK_STREAM, 0), EAFNOSUPPORT);
    assert_fails(ust_socket(h->st, AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
    assert_fails(ust_socket(h->st, AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    assert_fails(ust_socket(h->st, AF_INET, SOCK_DGRAM, 99), EPROTONOSUPPORT);
    assert_fails(ust_socket(h->st, AF_INET, SOCK_RAW, IPPROTO_ICMP), ESOCKTNOSUPPORT);
    assert_fails(ust_socket(h->st, AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
    assert_fails(ust_socket(h->st, AF_INET, 15, 0), EINVAL);
    assert_fails(ust_socket(h->st, AF_INET, SOCK_DGRAM | 0x100, 0), EINVAL);
    assert_fails(ust_socket(NULL, AF_INET, SOCK_DGRAM, 0), EINVAL);
    assert_int_equal(ust_socket(h->st, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP), 0);
    /* TCP is available once its ops have an init. */
    if (tcp_sock_ops.init == NULL)
        assert_fails(ust_socket(h->st, AF_INET, SOCK_STREAM, 0), EPROTONOSUPPORT);
    else
        assert_true(ust_socket(h->st, AF_INET, SOCK_STREAM, 0) > 0);
}

static void test_lowest_free_descriptor(void **state)
{
    struct udp_th *h = *state;
    assert_int_equal(udp(h), 0);
    assert_int_equal(udp(h), 1);
    assert_int_equal(udp(h), 2);
    assert_int_equal(ust_close(h->st, 1), 0);
    assert_int_equal(ust_close(h->st, 0), 0);
    assert_int_equal(udp(h), 0);
    assert_int_equal(udp(h), 1);
    assert_int_equal(udp(h), 3);
    assert_fails(ust_close(h->st, 1 + 3), EBADF);
    assert_int_equal(ust_close(h->st, 3), 0);
    assert_fails(ust_close(h->st, 3), EBADF);
}

static void test_table_bounded_emfile(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.max_sockets = 20; /* past the first growth step of 16 */
    struct udp_th *h = udp_th_new(&cfg);
    for (int i = 0; i < 20; i++)
        assert_int_equal(udp(h), i);
    assert_fails(udp(h), EMFILE);
    assert_int_equal(ust_close(h->st, 17), 0);
    assert_int_equal(udp(h), 17);
    udp_th_free(h); /* frees the 20 open sockets (ASan checks) */
}

static void test_ebadf_everywhere(void **state)
{
    struct udp_th *h = *state;
    struct ust_stack *st = h->st;
    struct sockaddr_in sin = udp_th_sin(LOCAL, 7);
    struct sockaddr *sa = (struct sockaddr *)&sin;
    socklen_t len = sizeof(sin);
    char buf[4];
    int v = 1;
    int bad[] = {-1, 5, 100000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int fd = bad[i];
        assert_fails(ust_bind(st, fd, sa, sizeof(sin)), EBADF);
        assert_fails(ust_connect(st, fd, sa, sizeof(sin)), EBADF);
        assert_fails(ust_listen(st, fd, 1), EBADF);
        assert_fails(ust_accept(st, fd, NULL, NULL), EBADF);
        assert_fails(ust_send(st, fd, buf, 1, 0), EBADF);
        assert_fails(ust_write(st, fd, buf, 1), EBADF);
        assert_fails(ust_sendto(st, fd, buf, 1, 0, sa, sizeof(sin)), EBADF);
        assert_fails(ust_recv(st, fd, buf, 1, 0), EBADF);
        assert_fails(ust_read(st, fd, buf, 1), EBADF);
        assert_fails(ust_recvfrom(st, fd, buf, 1, 0, NULL, NULL), EBADF);
        assert_fails(ust_shutdown(st, fd, SHUT_RDWR), EBADF);
        assert_fails(ust_getsockname(st, fd, sa, &len), EBADF);
        assert_fails(ust_getpeername(st, fd, sa, &len), EBADF);
        assert_fails(ust_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), EBADF);
        assert_fails(ust_getsockopt(st, fd, SOL_SOCKET, SO_TYPE, &v, &len), EBADF);
        assert_fails(ust_set_nonblock(st, fd, 1), EBADF);
        assert_fails(ust_close(st, fd), EBADF);
    }
}

static void test_address_argument_errors(void **state)
{
    struct udp_th *h = *state;
    struct ust_stack *st = h->st;
    int fd = udp(h);
    struct sockaddr_in sin = udp_th_sin(LOCAL, 7);
    struct sockaddr *sa = (struct sockaddr *)&sin;
    assert_fails(ust_bind(st, fd, NULL, sizeof(sin)), EFAULT);
    assert_fails(ust_bind(st, fd, sa, sizeof(sin) - 1), EINVAL);
    assert_fails(ust_connect(st, fd, NULL, sizeof(sin)), EFAULT);
    assert_fails(ust_connect(st, fd, sa, 1), EINVAL);
    assert_fails(ust_connect(st, fd, sa, 8), EINVAL);
    assert_fails(ust_sendto(st, fd, "x", 1, 0, sa, 8), EINVAL);

    struct sockaddr_in six = sin;
    six.sin_family = AF_INET6;
    assert_fails(ust_bind(st, fd, (struct sockaddr *)&six, sizeof(six)), EAFNOSUPPORT);
    assert_fails(ust_connect(st, fd, (struct sockaddr *)&six, sizeof(six)), EAFNOSUPPORT);
    assert_fails(ust_sendto(st, fd, "x", 1, 0, (struct sockaddr *)&six, sizeof(six)),
                 EAFNOSUPPORT);
    /* AF_UNSPEC is tolerated by bind only with INADDR_ANY (Linux). */
    struct sockaddr_in unspec = sin;
    unspec.sin_family = AF_UNSPEC;
    assert_fails(ust_bind(st, fd, (struct sockaddr *)&unspec, sizeof(unspec)), EAFNOSUPPORT);
    unspec.sin_addr.s_addr = htonl(INADDR_ANY);
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&unspec, sizeof(unspec)), 0);
    struct sockaddr_in got;
    socklen_t len = sizeof(got);
    assert_int_equal(ust_getsockname(st, fd, (struct sockaddr *)&got, &len), 0);
    assert_int_equal(got.sin_port, htons(7));
    assert_int_equal(got.sin_addr.s_addr, htonl(INADDR_ANY));
}

static void test_pointer_argument_errors(void **state)
{
    struct udp_th *h = *state;
    struct ust_stack *st = h->st;
    int fd = udp(h);
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int v = 0;
    assert_fails(ust_send(st, fd, NULL, 1, 0), EFAULT);
    assert_fails(ust_recv(st, fd, NULL, 1, 0), EFAULT);
    assert_fails(ust_recvfrom(st, fd, &v, 1, 0, (struct sockaddr *)&sin, NULL), EFAULT);
    assert_fails(ust_getsockname(st, fd, NULL, &len), EFAULT);
    assert_fails(ust_getsockname(st, fd, (struct sockaddr *)&sin, NULL), EFAULT);
    assert_fails(ust_getpeername(st, fd, NULL, &len), EFAULT);
    assert_fails(ust_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, NULL, sizeof(int)), EFAULT);
    assert_fails(ust_getsockopt(st, fd, SOL_SOCKET, SO_TYPE, &v, NULL), EFAULT);
    assert_fails(ust_getsockopt(st, fd, SOL_SOCKET, SO_TYPE, NULL, &len), EFAULT);
    assert_fails(ust_accept(st, fd, (struct sockaddr *)&sin, NULL), EFAULT);
    assert_fails(ust_poll(st, NULL, 1, 0), EFAULT);
    assert_int_equal(ust_poll(st, NULL, 0, 0), 0);
    assert_fails(ust_poll(st, NULL, st->cfg.max_sockets + 1, 0), EINVAL);
    /* A zero-length receive buffer may be NULL. */
    assert_fails(ust_recv(st, fd, NULL, 0, MSG_DONTWAIT), EAGAIN);
}

static void test_udp_unsupported_calls(void **state)
{
    struct udp_th *h = *state;
    int fd = udp(h);
    assert_fails(ust_listen(h->st, fd, 5), EOPNOTSUPP);
    assert_fails(ust_accept(h->st, fd, NULL, NULL), EOPNOTSUPP);
    assert_fails(ust_shutdown(h->st, fd, 3), EINVAL);
    assert_fails(ust_shutdown(h->st, fd, -1), EINVAL);
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    assert_fails(ust_getpeername(h->st, fd, (struct sockaddr *)&sin, &len), ENOTCONN);
    /* accept did not leak a descriptor. */
    assert_int_equal(udp(h), 1);
}

static void test_getsockname_truncates_and_reports_full_length(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, LOCAL, 0x1234);
    uint8_t raw[32];
    memset(raw, 0xaa, sizeof(raw));
    socklen_t len = 4;
    assert_int_equal(ust_getsockname(h->st, fd, (struct sockaddr *)raw, &len), 0);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    sa_family_t fam;
    memcpy(&fam, raw, sizeof(fam));
    assert_int_equal(fam, AF_INET);
    assert_int_equal(raw[2], 0x12);
    assert_int_equal(raw[3], 0x34);
    assert_int_equal(raw[4], 0xaa); /* nothing written past the given length */
}

static int getint(struct udp_th *h, int fd, int level, int name)
{
    int v = -12345;
    socklen_t len = sizeof(v);
    assert_int_equal(ust_getsockopt(h->st, fd, level, name, &v, &len), 0);
    assert_int_equal(len, sizeof(int));
    return v;
}

static int setint(struct udp_th *h, int fd, int level, int name, int v)
{
    return ust_setsockopt(h->st, fd, level, name, &v, sizeof(v));
}

static void test_generic_int_options(void **state)
{
    struct udp_th *h = *state;
    int fd = udp(h);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_REUSEADDR), 0);
    assert_int_equal(setint(h, fd, SOL_SOCKET, SO_REUSEADDR, 5), 0);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_REUSEADDR), 1);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_BROADCAST), 0);
    assert_int_equal(setint(h, fd, SOL_SOCKET, SO_BROADCAST, 1), 0);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_BROADCAST), 1);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_ERROR), 0);
    /* Buffers: default, doubled, floors, cap. */
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_RCVBUF), 212992);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_SNDBUF), 212992);
    assert_int_equal(setint(h, fd, SOL_SOCKET, SO_RCVBUF, 10000), 0);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_RCVBUF), 20000);
    assert_int_equal(setint(h, fd, SOL_SOCKET, SO_RCVBUF, 100), 0);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_RCVBUF), 2304);
    assert_int_equal(setint(h, fd, SOL_SOCKET, SO_SNDBUF, 100), 0);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_SNDBUF), 4608);
    assert_int_equal(setint(h, fd, SOL_SOCKET, SO_SNDBUF, -1), 0);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_SNDBUF), 8 * 1024 * 1024);
    /* Read-only and unknown options. */
    assert_fails(setint(h, fd, SOL_SOCKET, SO_TYPE, SOCK_STREAM), ENOPROTOOPT);
    assert_fails(setint(h, fd, SOL_SOCKET, SO_ERROR, 0), ENOPROTOOPT);
    assert_fails(setint(h, fd, SOL_SOCKET, SO_KEEPALIVE, 1), ENOPROTOOPT);
    assert_fails(setint(h, fd, 999, 1, 1), ENOPROTOOPT);
    assert_fails(setint(h, fd, IPPROTO_UDP, 1, 1), ENOPROTOOPT);
    int v;
    socklen_t len = sizeof(v);
    assert_fails(ust_getsockopt(h->st, fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), ENOPROTOOPT);
    /* Too short an option value. */
    short s = 1;
    assert_fails(ust_setsockopt(h->st, fd, SOL_SOCKET, SO_REUSEADDR, &s, sizeof(s)), EINVAL);
    /* getsockopt truncates to the caller's length. */
    uint8_t two[4] = {0xee, 0xee, 0xee, 0xee};
    len = 2;
    assert_int_equal(ust_getsockopt(h->st, fd, SOL_SOCKET, SO_TYPE, two, &len), 0);
    assert_int_equal(len, 2);
    assert_int_equal(two[2], 0xee);
}

static void test_ip_options(void **state)
{
    struct udp_th *h = *state;
    int fd = udp(h);
    assert_int_equal(getint(h, fd, IPPROTO_IP, IP_TTL), 64);
    assert_int_equal(setint(h, fd, IPPROTO_IP, IP_TTL, 7), 0);
    assert_int_equal(getint(h, fd, IPPROTO_IP, IP_TTL), 7);
    assert_fails(setint(h, fd, IPPROTO_IP, IP_TTL, 0), EINVAL);
    assert_fails(setint(h, fd, IPPROTO_IP, IP_TTL, 256), EINVAL);
    assert_int_equal(setint(h, fd, IPPROTO_IP, IP_TTL, -1), 0);
    assert_int_equal(getint(h, fd, IPPROTO_IP, IP_TTL), 64);
    assert_int_equal(setint(h, fd, IPPROTO_IP, IP_TOS, 0x10), 0);
    assert_int_equal(getint(h, fd, IPPROTO_IP, IP_TOS), 0x10);
    assert_fails(setint(h, fd, IPPROTO_IP, IP_HDRINCL, 1), ENOPROTOOPT);
}

static void test_timeout_options(void **state)
{
    struct udp_th *h = *state;
    int fd = udp(h);
    struct timeval tv = {.tv_sec = 2, .tv_usec = 500000}, got;
    socklen_t len = sizeof(got);
    assert_int_equal(ust_getsockopt(h->st, fd, SOL_SOCKET, SO_RCVTIMEO, &got, &len), 0);
    assert_int_equal(got.tv_sec, 0);
    assert_int_equal(got.tv_usec, 0);
    assert_int_equal(ust_setsockopt(h->st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    assert_int_equal(ust_getsockopt(h->st, fd, SOL_SOCKET, SO_RCVTIMEO, &got, &len), 0);
    assert_int_equal(len, sizeof(got));
    assert_int_equal(got.tv_sec, 2);
    assert_int_equal(got.tv_usec, 500000);
    tv.tv_usec = 1000000;
    assert_fails(ust_setsockopt(h->st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), EDOM);
    tv.tv_usec = -1;
    assert_fails(ust_setsockopt(h->st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), EDOM);
    assert_fails(ust_setsockopt(h->st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv) - 1), EINVAL);
    struct ust_sock *s = sock_get(h->st, fd);
    assert_non_null(s);
    assert_int_equal(s->rcvtimeo, 2 * UST_SEC + 500 * UST_MSEC);
    assert_int_equal(s->sndtimeo, 0);
}

/* A protocol whose only op is init: everything else must fail cleanly. */
static int only_init(struct ust_sock *s)
{
    (void)s;
    return UST_OK;
}
static const struct sock_ops init_only_ops = {.init = only_init};

static void test_null_protocol_ops(void **state)
{
    struct udp_th *h = *state;
    struct ust_stack *st = h->st;
    int fd = udp(h);
    struct ust_sock *s = sock_get(st, fd);
    const struct sock_ops *saved = s->ops;
    void *saved_pcb = s->pcb;
    s->ops = &init_only_ops;
    struct sockaddr_in sin = udp_th_sin(LOCAL, 7);
    struct sockaddr *sa = (struct sockaddr *)&sin;
    socklen_t len = sizeof(sin);
    char buf[4];
    assert_fails(ust_bind(st, fd, sa, sizeof(sin)), EOPNOTSUPP);
    assert_fails(ust_connect(st, fd, sa, sizeof(sin)), EOPNOTSUPP);
    assert_fails(ust_listen(st, fd, 1), EOPNOTSUPP);
    assert_fails(ust_accept(st, fd, NULL, NULL), EOPNOTSUPP);
    assert_fails(ust_send(st, fd, buf, 1, 0), EOPNOTSUPP);
    assert_fails(ust_recv(st, fd, buf, 1, 0), EOPNOTSUPP);
    assert_fails(ust_shutdown(st, fd, SHUT_RD), EOPNOTSUPP);
    assert_fails(ust_getsockname(st, fd, sa, &len), EOPNOTSUPP);
    int v = 1;
    assert_fails(ust_setsockopt(st, fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), ENOPROTOOPT);
    assert_fails(ust_getsockopt(st, fd, IPPROTO_IP, IP_TTL, &v, &len), ENOPROTOOPT);
    /* Generic options work without the protocol. */
    assert_int_equal(ust_setsockopt(st, fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
    assert_int_equal(getint(h, fd, SOL_SOCKET, SO_ERROR), 0);
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    assert_int_equal(ust_poll(st, &p, 1, 0), 0);
    assert_int_equal(p.revents, 0);
    s->ops = saved;
    s->pcb = saved_pcb;
}

static void test_event_fd_lazy_and_closed_with_stack(void **state)
{
    (void)state;
    struct udp_th *h = udp_th_new(NULL);
    assert_false(h->st->socks.has_event_fd);
    int efd = ust_stack_event_fd(h->st);
    assert_true(efd >= 0);
    assert_true(h->st->socks.has_event_fd);
    udp_th_free(h);
    /* The stack closed it. */
    assert_fails(fcntl(efd, F_GETFD), EBADF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_socket_arguments),
        T(test_lowest_free_descriptor),
        T(test_table_bounded_emfile),
        T(test_ebadf_everywhere),
        T(test_address_argument_errors),
        T(test_pointer_argument_errors),
        T(test_udp_unsupported_calls),
        T(test_getsockname_truncates_and_reports_full_length),
        T(test_generic_int_options),
        T(test_ip_options),
        T(test_timeout_options),
        T(test_null_protocol_ops),
        T(test_event_fd_lazy_and_closed_with_stack),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
