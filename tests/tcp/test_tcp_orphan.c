/* Orphaned connections (Linux tcp_fin_timeout, tcp_max_orphans): a
 * connection whose socket the application closed is reclaimed from
 * FIN-WAIT-2 after cfg.tcp_fin_timeout, however it got there, and orphans
 * beyond cfg.tcp_max_orphans are reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

/* State of the connection under test, whether or not a socket holds it
 * (-1: the TCB is gone). */
static int conn_state(struct th *h)
{
    struct tcb *t = tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport);
    return t ? (int)t->state : -1;
}

/* close() on an established connection: FIN-WAIT-1, the FIN acknowledged,
 * FIN-WAIT-2 for exactly tcp_fin_timeout (here 10 s), then gone. */
static void test_close_reclaimed_after_fin_timeout(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_fin_timeout = 10 * UST_SEC;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    th_close(h, s);
    seg_expect(h, F | A, i, p);
    assert_int_equal(h->st->tcp->norphans, 1);
    th_advance(h, 100 * UST_MSEC);
    seg_in(h, A, p, i + 1, 65535, NULL, 0);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    th_advance(h, 10 * UST_SEC - 1);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    th_advance(h, 1);
    assert_int_equal(conn_state(h), -1);
    assert_int_equal(h->st->tcp->norphans, 0);
    assert_int_equal(h->st->stats.tcp.FinWait2Expired, 1);
    seg_expect_nothing(h);
    th_free(h);
}

/* shutdown(SHUT_WR), the FIN acknowledged (FIN-WAIT-2 with the socket
 * open: a half-close may last, nothing reclaims it), then close(). */
static void test_shutdown_then_close_reclaimed(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    th_half_close_acked(h, s);
    th_advance(h, 120 * UST_SEC);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    th_close(h, s);
    th_advance(h, 59 * UST_SEC);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    th_advance(h, 1 * UST_SEC);
    assert_int_equal(conn_state(h), -1);
    assert_int_equal(h->st->tcp->ntcbs, 0);
    assert_int_equal(h->st->stats.tcp.FinWait2Expired, 1);
    seg_expect_nothing(h);
    th_free(h);
}

/* A server's active close: it answers, shuts down, closes. */
static void test_server_active_close_reclaimed(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *l;
    struct ust_sock *s = th_open_passive(h, &l);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A | P, p, i, 65535, "GET", 3);
    th_advance(h, 40 * UST_MSEC);
    seg_expect(h, A, i, p + 3);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 3);
    assert_int_equal(tcp_sock_ops.send(s, "200", 3, 0, NULL), 3);
    seg_expect(h, A | P, i, p + 3);
    assert_int_equal(tcp_sock_ops.shutdown(s, SHUT_WR), UST_OK);
    seg_expect(h, F | A, i + 3, p + 3);
    seg_in(h, A, p + 3, i + 4, 65535, NULL, 0);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    th_close(h, s);
    th_advance(h, 60 * UST_SEC - 1);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    th_advance(h, 1);
    assert_int_equal(conn_state(h), -1);
    assert_int_equal(h->st->stats.tcp.FinWait2Expired, 1);
    seg_expect_nothing(h);
    th_free(h);
}

/* cfg.tcp_max_orphans: with two orphans finishing, a third connection
 * closed is reset at once (Linux: "too many orphaned sockets"); once one
 * orphan is gone a close is graceful again. */
static void test_orphan_cap_resets(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_max_orphans = 2;
    struct th *h = th_new(&c);
    struct ust_sock *l = th_listen(h, 0, 8);
    h->lport = TH_RPORT;
    uint32_t iss[4];
    struct ust_sock *s[4];
    for (unsigned k = 0; k < 4; k++)
        s[k] = th_accept_from(h, l, (uint16_t)(30000 + k), &iss[k]);
    uint32_t p = PEER_ISS + 1;
    th_close(h, s[0]);
    seg_expect(h, F | A, iss[0] + 1, p);
    th_close(h, s[1]);
    seg_expect(h, F | A, iss[1] + 1, p);
    assert_int_equal(h->st->tcp->norphans, 2);
    th_close(h, s[2]);
    seg_expect(h, R | A, iss[2] + 1, p);
    h->rport = 30002;
    assert_int_equal(conn_state(h), -1);
    assert_int_equal(h->st->stats.tcp.AbortOnOrphanLimit, 1);
    assert_int_equal(h->st->tcp->norphans, 2);
    /* the first orphan finishes: its FIN acknowledged, the peer's FIN */
    h->rport = 30000;
    seg_in(h, F | A, p, iss[0] + 2, 65535, NULL, 0);
    seg_expect(h, A, iss[0] + 2, p + 1);
    assert_int_equal(conn_state(h), UST_TCP_TIME_WAIT); /* not an orphan any more */
    assert_int_equal(h->st->tcp->norphans, 1);
    th_close(h, s[3]);
    seg_expect(h, F | A, iss[3] + 1, p);
    assert_int_equal(h->st->tcp->norphans, 2);
    assert_int_equal(h->st->stats.tcp.AbortOnOrphanLimit, 1);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_reclaimed_after_fin_timeout),
        cmocka_unit_test(test_shutdown_then_close_reclaimed),
        cmocka_unit_test(test_server_active_close_reclaimed),
        cmocka_unit_test(test_orphan_cap_resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
