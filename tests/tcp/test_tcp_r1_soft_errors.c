/* Excessive retransmission (RFC 9293 3.8.3: MUST-20, MUST-22, SHLD-9,
 * SHLD-10) and soft errors (3.9.1.8 MUST-47, 3.9.2.2 SHLD-25): at the R1
 * threshold TCP gives IP negative advice and the application sees a soft
 * error without the connection closing; ICMP soft errors are reported the
 * same way. Each test names the requirement IDs it proves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../harness/tcp_harness.h"
#include "buf/pkt.h"
#include "core/stack_impl.h"
#include "net/net.h"
#include "transport/tcp/tcp.h"
#include "ustack/loop.h"
#include "ustack/sim.h"
#include "wire/ipv4.h"

#define MS UST_MSEC
#define L UST_IP4(203, 0, 113, 1)
#define RM UST_IP4(203, 0, 113, 2)

/* Counts the TCP trace lines that report delivery advice given to IP. */
struct advice_log {
    unsigned negative, positive;
};

static void advice_trace(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    (void)now;
    struct advice_log *log = ctx;
    if (strcmp(layer, "tcp") != 0)
        return;
    if (strstr(msg, "negative advice to IP"))
        log->negative++;
    if (strstr(msg, "positive advice to IP"))
        log->positive++;
}

static uint8_t data[4096];

/* MUST-20, SHLD-9, SHLD-10 (3.8.3): at R1 (cfg.tcp_retries1 timeouts, 3
 * by default) TCP gives IP negative advice and the application sees a
 * soft error (SO_ERROR: ETIMEDOUT) while the connection stays open; a new
 * ACK gives positive advice; R2 still closes the connection later. */
static void test_r1_advice_and_soft_error(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    assert_int_equal(c.tcp_retries1, 3); /* SHLD-10: at least 3 retransmissions */
    c.tcp_retries1 = 2;
    struct th *h = th_new(&c);
    struct advice_log log = {0};
    ust_stack_set_trace(h->st, advice_trace, &log);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(log.positive, 1); /* the handshake's ACK */
    assert_int_equal(tcp_sock_ops.send(s, data, 100, 0, NULL), 100);
    seg_expect(h, A | P, i, p);
    th_advance(h, 300 * MS);
    seg_expect(h, A | P, i, p);
    assert_int_equal(log.negative, 0);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    th_advance(h, 600 * MS); /* second timeout: R1 */
    seg_expect(h, A | P, i, p);
    assert_int_equal(log.negative, 1);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_false(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT); /* SHLD-9 */
    assert_int_equal(tcp_sock_ops.take_error(s), 0);                /* read once */
    th_advance(h, 1200 * MS); /* third timeout: no second warning */
    seg_expect(h, A | P, i, p);
    assert_int_equal(log.negative, 1);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    seg_in(h, A, p, i + 100, 65535, NULL, 0); /* delivery works again: at once */
    assert_int_equal(log.positive, 2);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i + 100, p);
    seg_in(h, A, p, i + 110, 65535, NULL, 0);
    assert_int_equal(log.positive, 2); /* otherwise at most one a second */
    seg_expect_nothing(h);
    th_free(h);
}

/* MUST-22 (3.8.3): the same R1 for SYN retransmissions: negative advice
 * and a soft error readable while the connect goes on; the SYN,ACK gives
 * positive advice and withdraws the warning. */
static void test_syn_r1_advice(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries1 = 2;
    struct th *h = th_new(&c);
    struct advice_log log = {0};
    ust_stack_set_trace(h->st, advice_trace, &log);
    struct ust_sock *s = th_connect(h);
    th_advance(h, 1 * UST_SEC);
    seg_expect(h, S, h->iss, 0);
    assert_int_equal(log.negative, 0);
    th_advance(h, 2 * UST_SEC); /* second SYN timeout: R1 */
    seg_expect(h, S, h->iss, 0);
    assert_int_equal(log.negative, 1);
    assert_int_equal(th_state(s), UST_TCP_SYN_SENT);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT);
    th_advance(h, 4 * UST_SEC); /* R1 again? no: once per episode */
    seg_expect(h, S, h->iss, 0);
    assert_int_equal(log.negative, 1);
    seg_in(h, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(log.positive, 1);
    assert_int_equal(tcp_sock_ops.take_error(s), 0); /* connected: no stale warning */
    th_free(h);
}

/* Reads everything the stack's event fd holds; true if it was signalled. */
static bool event_fd_drain(int fd)
{
    uint64_t v;
    bool any = false;
    while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
        any = true;
    return any;
}

/* MUST-47 (3.9.1.8), SHLD-25 (3.9.2.2): ICMP soft errors and R1 are made
 * available to the application without closing the connection: always
 * through SO_ERROR; with IP_RECVERR asynchronously too (POLLERR, the
 * readiness notification, and the next recv/send returns the error once,
 * as Linux). */
static void test_soft_errors_reported(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries1 = 1;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    int efd = ust_stack_event_fd(h->st);
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i, p);
    /* default: kept for SO_ERROR, not signalled */
    icmp_in(h, 3, 1, 0, i); /* host unreachable */
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_false(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_HOSTUNREACH);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    /* IP_RECVERR: POLLERR and the notification, recv reports it once */
    assert_int_equal(th_setopt_int(s, IPPROTO_IP, IP_RECVERR, 1), UST_OK);
    event_fd_drain(efd);
    icmp_in(h, 3, 0, 0, i); /* net unreachable */
    assert_true(event_fd_drain(efd));
    assert_true(tcp_sock_ops.poll(s) & POLLERR);
    char b[4];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_NETUNREACH);
    assert_false(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    /* R1 (one timeout here) with IP_RECVERR: POLLERR, send reports it once */
    th_advance(h, 300 * MS);
    seg_expect(h, A | P, i, p);
    assert_true(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.send(s, data, 5, 0, NULL), UST_ERR_NETUNREACH);
    assert_int_equal(tcp_sock_ops.send(s, data, 5, 0, NULL), 5);
    assert_false(tcp_sock_ops.poll(s) & POLLERR);
    seg_in(h, A, p, i + 10, 65535, NULL, 0);
    seg_expect(h, A | P, i + 10, p);
    seg_in(h, A, p, i + 15, 65535, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_r1_advice_and_soft_error),
        cmocka_unit_test(test_syn_r1_advice),
        cmocka_unit_test(test_soft_errors_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
