/* Urgent data through the socket API between two simulated stacks
 * (tcp_pair.h): ust_send(MSG_OOB) on one side, ust_recv / ust_recvmsg
 * (MSG_OOB), ust_sockatmark and POLLPRI on the other, as on Linux.
 * recv(MSG_OOB) never waits, even on a blocking socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../harness/tcp_pair.h"
#include "ustack/ustack.h"

static short b_events(struct tp_net *n)
{
    struct pollfd p = {.fd = n->s, .events = POLLIN | POLLPRI};
    assert_true(ust_poll(n->b, &p, 1, 0) >= 0);
    return p.revents;
}

/* "abc", "!" with MSG_OOB, "def": B reads "abc", is at the mark, fetches
 * "!" out of band (msg_flags MSG_OOB), then reads "def". */
static void test_urgent_byte_between_stacks(void **state)
{
    (void)state;
    struct tp_net n;
    tp_up(&n, 5, 0);
    assert_int_equal(ust_send(n.a, n.c, "abc", 3, 0), 3);
    assert_int_equal(ust_send(n.a, n.c, "!", 1, MSG_OOB), 1);
    assert_int_equal(ust_send(n.a, n.c, "def", 3, 0), 3);
    ust_sim_run_until(n.sim, ust_sim_now(n.sim) + 500 * UST_MSEC); /* all delivered */
    assert_int_equal(b_events(&n), POLLIN | POLLPRI);
    assert_int_equal(ust_sockatmark(n.b, n.s), 0);
    char b[16] = {0};
    assert_int_equal(ust_recv(n.b, n.s, b, sizeof(b), 0), 3);
    assert_string_equal(b, "abc");
    assert_int_equal(ust_sockatmark(n.b, n.s), 1);
    char oob = 0;
    struct iovec iov = {.iov_base = &oob, .iov_len = 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    assert_int_equal(ust_recvmsg(n.b, n.s, &m, MSG_OOB), 1);
    assert_int_equal(oob, '!');
    assert_int_equal(m.msg_flags, MSG_OOB);
    assert_int_equal(b_events(&n), POLLIN);
    memset(b, 0, sizeof(b));
    assert_int_equal(ust_recv(n.b, n.s, b, sizeof(b), 0), 3);
    assert_string_equal(b, "def");
    assert_int_equal(ust_sockatmark(n.b, n.s), 0);
    assert_int_equal(ust_recv(n.b, n.s, b, 1, MSG_OOB), -1);
    assert_int_equal(errno, EINVAL);
    tp_down(&n);
}

/* An urgent send larger than B's window: the pointer arrives first, its
 * octet later. recv(MSG_OOB) on the blocking socket says EAGAIN at once
 * (no virtual time passes); once B has read its way there, the last
 * octet comes out of band and the stream holds all the others. */
static void test_oob_never_waits(void **state)
{
    (void)state;
    struct tp_net n;
    tp_up(&n, 6, 1024); /* B's buffer: the 2304-byte minimum */
    static uint8_t data[4000];
    for (size_t k = 0; k < sizeof(data); k++)
        data[k] = (uint8_t)('a' + k % 26);
    assert_int_equal(ust_send(n.a, n.c, data, sizeof(data), MSG_OOB), sizeof(data));
    ust_sim_run_until(n.sim, ust_sim_now(n.sim) + 100 * UST_MSEC);
    assert_int_equal(b_events(&n), POLLIN | POLLPRI); /* the pointer is here */
    char c;
    ust_time_t t0 = ust_sim_now(n.sim);
    assert_int_equal(ust_recv(n.b, n.s, &c, 1, MSG_OOB), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_sim_now(n.sim), t0);
    static uint8_t got[4000];
    size_t have = 0;
    while (have < sizeof(data) - 1) { /* blocking reads stop at the mark */
        ssize_t r = ust_recv(n.b, n.s, got + have, sizeof(got) - have, 0);
        assert_true(r > 0);
        have += (size_t)r;
    }
    assert_int_equal(have, sizeof(data) - 1);
    assert_memory_equal(got, data, sizeof(data) - 1);
    assert_int_equal(ust_sockatmark(n.b, n.s), 1);
    assert_int_equal(ust_recv(n.b, n.s, &c, 1, MSG_OOB), 1);
    assert_int_equal((uint8_t)c, data[sizeof(data) - 1]);
    tp_down(&n);
}

/* SO_OOBINLINE through the API; sockatmark's errors. */
static void test_oobinline_and_sockatmark_errors(void **state)
{
    (void)state;
    struct tp_net n;
    tp_up(&n, 7, 0);
    int one = 1, v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(ust_setsockopt(n.b, n.s, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)), 0);
    assert_int_equal(ust_getsockopt(n.b, n.s, SOL_SOCKET, SO_OOBINLINE, &v, &len), 0);
    assert_int_equal(v, 1);
    assert_int_equal(ust_send(n.a, n.c, "xy", 2, MSG_OOB), 2);
    char b[4] = {0};
    assert_int_equal(ust_recv(n.b, n.s, b, sizeof(b), 0), 1); /* stops at the mark */
    assert_int_equal(ust_sockatmark(n.b, n.s), 1);
    assert_int_equal(ust_recv(n.b, n.s, b, 1, MSG_OOB), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(ust_recv(n.b, n.s, b, sizeof(b), 0), 1);
    assert_string_equal(b, "y");
    assert_int_equal(ust_sockatmark(n.b, n.s), 0);
    assert_int_equal(ust_sockatmark(n.b, 99), -1);
    assert_int_equal(errno, EBADF);
    int u = ust_socket(n.a, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(ust_sockatmark(n.a, u), -1);
    assert_int_equal(errno, ENOTTY); /* as Linux's SIOCATMARK on UDP */
    tp_down(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urgent_byte_between_stacks),
        cmocka_unit_test(test_oob_never_waits),
        cmocka_unit_test(test_oobinline_and_sockatmark_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
