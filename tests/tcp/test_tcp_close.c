/* Closing (RFC 9293 3.6, 3.10.4, 3.10.7.4 FIN step): active, passive,
 * simultaneous and half close, TIME-WAIT (2 x MSL), and the aborts of RFC
 * 1122 4.2.2.13 (unread data, SO_LINGER 0, data after close). */
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

static void test_active_close_time_wait(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    th_close(h, s);
    seg_expect(h, F | A, i, p);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_1);
    seg_in(h, A, p, i + 1, 65535, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    seg_in(h, F | A, p, i + 1, 65535, NULL, 0);
    seg_expect(h, A, i + 1, p + 1);
    assert_int_equal(conn_state(h), UST_TCP_TIME_WAIT);
    /* a retransmitted FIN is acknowledged and restarts the 2 MSL wait */
    th_advance(h, 30 * UST_SEC);
    seg_in(h, F | A, p, i + 1, 65535, NULL, 0);
    seg_expect(h, A, i + 1, p + 1);
    th_advance(h, 59 * UST_SEC);
    assert_int_equal(conn_state(h), UST_TCP_TIME_WAIT);
    /* MUST-13: 2 x MSL (default MSL 30 s) */
    th_advance(h, 1 * UST_SEC);
    assert_int_equal(conn_state(h), -1);
    assert_int_equal(h->st->tcp->ntcbs, 0);
    assert_int_equal(h->st->stats.tcp.TimeWaitExpired, 1);
    seg_expect_nothing(h);
    th_free(h);
}

/* Active close: our FIN, the peer's FIN,ACK, our ACK: TIME-WAIT. */
static void to_time_wait(struct th *h, struct ust_sock *s)
{
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    th_close(h, s);
    seg_expect(h, F | A, i, p);
    seg_in(h, F | A, p, i + 1, 65535, NULL, 0);
    seg_expect(h, A, i + 1, p + 1);
    assert_int_equal(conn_state(h), UST_TCP_TIME_WAIT);
}

/* RFC 1337 (cfg.tcp_rfc1337, default on): a RST, even exactly at
 * RCV.NXT, does not end TIME-WAIT; the 2 MSL run out as usual. */
static void test_rst_in_time_wait_ignored(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    to_time_wait(h, s);
    th_advance(h, 10 * UST_SEC);
    seg_in(h, R, p + 1, 0, 0, NULL, 0);
    seg_in(h, R | A, p + 1, i + 1, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(conn_state(h), UST_TCP_TIME_WAIT);
    assert_int_equal(h->st->stats.tcp.TimeWaitRstIgnored, 2);
    th_advance(h, 49 * UST_SEC);
    assert_int_equal(conn_state(h), UST_TCP_TIME_WAIT);
    th_advance(h, 1 * UST_SEC); /* 2 MSL after the FIN */
    assert_int_equal(conn_state(h), -1);
    assert_int_equal(h->st->stats.tcp.TimeWaitExpired, 1);
    th_free(h);
}

/* cfg.tcp_rfc1337 off: the RFC 9293 3.10.7.4 rule, a RST at RCV.NXT
 * ends TIME-WAIT at once. */
static void test_rst_in_time_wait_honoured_without_rfc1337(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rfc1337 = false;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t p = PEER_ISS + 1;
    to_time_wait(h, s);
    seg_in(h, R, p + 1, 0, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(conn_state(h), -1);
    assert_int_equal(h->st->stats.tcp.TimeWaitRstIgnored, 0);
    assert_int_equal(h->st->stats.tcp.TimeWaitExpired, 0);
    th_free(h);
}

static void test_time_wait_keeps_no_buffers(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, "x", 1, 0, NULL), 1);
    seg_expect(h, A | P, i, p);
    seg_in(h, A | P, p, i + 1, 65535, "y", 1);
    char b[4];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 1);
    struct tcb *t = tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport);
    assert_non_null(t->snd.buf.buf);
    assert_non_null(t->rcv.buf.buf);
    th_close(h, s);
    seg_expect(h, F | A, i + 1, p + 1);
    seg_in(h, F | A, p + 1, i + 2, 65535, NULL, 0);
    seg_expect(h, A, i + 2, p + 2);
    assert_int_equal(t->state, UST_TCP_TIME_WAIT);
    assert_null(t->snd.buf.buf); /* a few hundred bytes per TIME-WAIT, not buffers */
    assert_null(t->rcv.buf.buf);
    th_advance(h, 60 * UST_SEC);
    th_free(h);
}

static void test_time_wait_configurable(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_msl = 2 * UST_SEC;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.shutdown(s, SHUT_WR), UST_OK);
    seg_expect(h, F | A, i, p);
    /* FIN,ACK acking our FIN in FIN-WAIT-1: straight to TIME-WAIT */
    seg_in(h, F | A, p, i + 1, 65535, NULL, 0);
    seg_expect(h, A, i + 1, p + 1);
    assert_int_equal(th_state(s), UST_TCP_TIME_WAIT);
    th_advance(h, 3999 * UST_MSEC);
    assert_int_equal(th_state(s), UST_TCP_TIME_WAIT);
    th_advance(h, 1 * UST_MSEC);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    char b[4];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0);
    th_free(h);
}

static void test_passive_close(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_passive(h, NULL);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, F | A, p, i, 65535, NULL, 0);
    seg_expect(h, A, i, p + 1); /* a FIN is acknowledged at once */
    assert_int_equal(th_state(s), UST_TCP_CLOSE_WAIT);
    assert_true(tcp_sock_ops.poll(s) & POLLIN);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0); /* EOF: graceful (MUST-12) */
    /* the send side still works */
    assert_int_equal(tcp_sock_ops.send(s, "bye", 3, 0, NULL), 3);
    seg_expect(h, A | P, i, p + 1);
    seg_in(h, A, p + 1, i + 3, 65535, NULL, 0);
    th_close(h, s);
    seg_expect(h, F | A, i + 3, p + 1);
    assert_int_equal(conn_state(h), UST_TCP_LAST_ACK);
    /* an ACK that does not cover the FIN changes nothing */
    seg_in(h, A, p + 1, i + 3, 65535, NULL, 0);
    assert_int_equal(conn_state(h), UST_TCP_LAST_ACK);
    seg_in(h, A, p + 1, i + 4, 65535, NULL, 0);
    assert_int_equal(conn_state(h), -1);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_simultaneous_close(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.shutdown(s, SHUT_WR), UST_OK);
    seg_expect(h, F | A, i, p);
    /* the peer's FIN crosses ours: it does not acknowledge our FIN */
    seg_in(h, F | A, p, i, 65535, NULL, 0);
    seg_expect(h, A, i + 1, p + 1);
    assert_int_equal(th_state(s), UST_TCP_CLOSING);
    seg_in(h, A, p + 1, i + 1, 65535, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_TIME_WAIT);
    seg_expect_nothing(h);
    th_advance(h, 60 * UST_SEC);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    th_free(h);
}

static void test_half_close(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.shutdown(s, SHUT_WR), UST_OK);
    seg_expect(h, F | A, i, p);
    assert_int_equal(tcp_sock_ops.send(s, "x", 1, 0, NULL), UST_ERR_PIPE);
    seg_in(h, A, p, i + 1, 65535, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_FIN_WAIT_2);
    /* we keep reading */
    seg_in(h, A | P, p, i + 1, 65535, "hello", 5);
    seg_expect_nothing(h);
    th_advance(h, 40 * UST_MSEC); /* delayed ACK */
    seg_expect(h, A, i + 1, p + 5);
    char b[16];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 5);
    assert_memory_equal(b, "hello", 5);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    seg_in(h, F | A | P, p + 5, i + 1, 65535, "world", 5);
    seg_expect(h, A, i + 1, p + 11);
    assert_int_equal(th_state(s), UST_TCP_TIME_WAIT);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 5);
    assert_memory_equal(b, "world", 5);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0);
    th_free(h);
}

static void test_close_sends_queued_data_then_fin(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 100); /* a small peer window */
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    uint8_t data[300];
    for (int k = 0; k < 300; k++)
        data[k] = (uint8_t)k;
    assert_int_equal(tcp_sock_ops.send(s, data, sizeof(data), 0, NULL), 300);
    const struct th_seg *d = seg_expect(h, A, i, p);
    assert_int_equal(d->len, 100);
    th_close(h, s);
    seg_expect_nothing(h); /* the FIN waits behind the data */
    seg_in(h, A, p, i + 100, 200, NULL, 0);
    d = seg_expect(h, F | P | A, i + 100, p);
    assert_int_equal(d->len, 200);
    assert_memory_equal(d->data, data + 100, 200);
    seg_in(h, A, p, i + 301, 200, NULL, 0);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    /* orphaned FIN-WAIT-2 does not last for ever (tcp_fin_timeout) */
    th_advance(h, 60 * UST_SEC);
    assert_int_equal(conn_state(h), -1);
    th_free(h);
}

static void test_close_with_unread_data_resets(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A | P, p, i, 65535, "unread", 6);
    th_close(h, s);
    seg_expect(h, R | A, i, p + 6);
    seg_expect_nothing(h);
    assert_int_equal(conn_state(h), -1);
    assert_int_equal(h->st->stats.tcp.AbortOnClose, 1);
    th_free(h);
}

static void test_linger_zero_resets(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(tcp_sock_ops.setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), UST_OK);
    th_close(h, s);
    seg_expect(h, R | A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(conn_state(h), -1);
    th_free(h);
}

static void test_data_after_close_resets(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    th_close(h, s);
    seg_expect(h, F | A, i, p);
    seg_in(h, A, p, i + 1, 65535, NULL, 0);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    seg_in(h, A | P, p, i + 1, 65535, "late", 4);
    seg_expect(h, R | A, i + 1, p);
    assert_int_equal(conn_state(h), -1);
    assert_int_equal(h->st->stats.tcp.AbortOnData, 1);
    th_free(h);
}

static void test_out_of_order_fin(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, F | A, p + 3, i, 65535, "def", 3); /* beyond a hole */
    seg_expect(h, A, i, p);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    seg_in(h, A, p, i, 65535, "abc", 3);           /* fills it: EOF follows */
    seg_expect(h, A, i, p + 7);
    assert_int_equal(th_state(s), UST_TCP_CLOSE_WAIT);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 6);
    assert_memory_equal(b, "abcdef", 6);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0);
    th_free(h);
}

/* A bare FIN beyond a hole (RFC 9293 SHLD-31, RFC 5681 3.2): acknowledged
 * at once with a SACK block covering its sequence number (as Linux), and
 * taken when the hole is filled: the peer need not resend it. */
static void test_out_of_order_bare_fin(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, F | A, p + 3, i, 65535, NULL, 0); /* "abc" before it was lost */
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 3, p + 4}, 1);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    seg_in(h, F | A, p + 3, i, 65535, NULL, 0); /* again: a D-SACK of the FIN */
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 3, p + 4, p + 3, p + 4}, 2);
    seg_in(h, A, p, i, 65535, "abc", 3); /* fills it: the ACK covers the FIN */
    th_expect_sack_blocks(seg_expect(h, A, i, p + 4), NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_CLOSE_WAIT);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 3);
    assert_memory_equal(b, "abc", 3);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0);
    th_advance(h, 10 * UST_SEC);
    seg_expect_nothing(h);
    th_free(h);
}

/* The same without SACK, half closed in FIN-WAIT-2: the duplicate ACK at
 * once, TIME-WAIT once the hole is filled. */
static void test_out_of_order_bare_fin_in_fin_wait_2(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    th_half_close_acked(h, s);
    seg_in(h, F | A, p + 2, i + 1, 65535, NULL, 0);
    th_expect_sack_blocks(seg_expect(h, A, i + 1, p), NULL, 0);
    assert_int_equal(conn_state(h), UST_TCP_FIN_WAIT_2);
    seg_in(h, A, p, i + 1, 65535, "ab", 2);
    seg_expect(h, A, i + 1, p + 3);
    assert_int_equal(conn_state(h), UST_TCP_TIME_WAIT);
    char b[4];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 2);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0);
    th_free(h);
}

/* A FIN with data beyond a hole: one SACK block covers the data and the
 * FIN; filling the hole delivers both and the ACK covers the FIN. */
static void test_out_of_order_fin_with_data_sacked(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, F | A, p + 3, i, 65535, "def", 3);
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 3, p + 7}, 1);
    seg_in(h, F | A, p + 3, i, 65535, "def", 3); /* resent: a D-SACK of it all, the block */
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 3, p + 7, p + 3, p + 7}, 2);
    seg_in(h, A, p, i, 65535, "abc", 3);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 7), NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_CLOSE_WAIT);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 6);
    assert_memory_equal(b, "abcdef", 6);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0);
    th_free(h);
}

static void test_orphan_does_not_probe_for_ever(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries = 2;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, "data", 4, 0, NULL), 4);
    th_close(h, s);
    seg_expect_nothing(h);
    /* probes (RTO 300 ms, doubling) answered with a zero window */
    ust_time_t waits[] = {300 * UST_MSEC, 600 * UST_MSEC};
    for (int k = 0; k < 2; k++) {
        th_advance(h, waits[k]);
        assert_int_equal(seg_expect(h, A, i, p)->len, 1);
        seg_in(h, A, p, i, 0, NULL, 0);
        seg_expect_nothing(h);
    }
    th_advance(h, 1200 * UST_MSEC); /* an orphan gives up after tcp_retries */
    seg_expect(h, R | A, i + 1, p);
    seg_expect_nothing(h);
    assert_int_equal(conn_state(h), -1);
    th_free(h);
}

static void test_time_wait_reopened_by_new_syn(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *l;
    struct ust_sock *s = th_open_passive(h, &l);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* we close first: TIME-WAIT on the server side */
    th_close(h, s);
    seg_expect(h, F | A, i, p);
    seg_in(h, F | A, p, i + 1, 65535, NULL, 0);
    seg_expect(h, A, i + 1, p + 1);
    assert_int_equal(conn_state(h), UST_TCP_TIME_WAIT);
    /* an old duplicate SYN (below RCV.NXT): RFC 6191 2 drops it silently
     * and TIME-WAIT goes on */
    seg_in(h, S, PEER_ISS, 0, 65535, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(conn_state(h), UST_TCP_TIME_WAIT);
    assert_int_equal(h->st->stats.tcp.TimeWaitSynDrops, 1);
    /* MAY-2: a new SYN above RCV.NXT starts a new connection at once */
    seg_in(h, S, p + 100000, 0, 65535, NULL, 0);
    assert_int_equal(th_pending(h), 1);
    uint32_t iss2 = h->q[h->qhead].seq;
    seg_expect(h, S | A, iss2, p + 100001);
    assert_int_equal(conn_state(h), UST_TCP_SYN_RECEIVED);
    seg_in(h, A, p + 100001, iss2 + 1, 65535, NULL, 0);
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_OK);
    assert_int_equal(th_state(c), UST_TCP_ESTABLISHED);
    th_free(h);
}

static void test_ip_tos_and_ttl(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    assert_int_equal(th_setopt_int(s, IPPROTO_IP, IP_TOS, 0x28), UST_OK);
    assert_int_equal(th_setopt_int(s, IPPROTO_IP, IP_TTL, 7), UST_OK);
    assert_int_equal(tcp_sock_ops.send(s, "x", 1, 0, NULL), 1);
    const struct th_seg *d = seg_expect(h, A | P, h->iss + 1, PEER_ISS + 1);
    if (!h->direct) {
        assert_int_equal(d->tos, 0x28); /* MUST-48 */
        assert_int_equal(d->ttl, 7);    /* MUST-49 */
    }
    th_free(h);
}

static void test_peer_reset_reported(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    seg_in(h, R, PEER_ISS + 1, 0, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    /* MUST-12: an abort is distinguishable from a FIN */
    char b[4];
    assert_true(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_CONNRESET);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0);
    assert_int_equal(tcp_sock_ops.send(s, b, 1, 0, NULL), UST_ERR_PIPE);
    assert_int_equal(h->st->stats.tcp.EstabResets, 1);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_active_close_time_wait),
        cmocka_unit_test(test_rst_in_time_wait_ignored),
        cmocka_unit_test(test_rst_in_time_wait_honoured_without_rfc1337),
        cmocka_unit_test(test_time_wait_keeps_no_buffers),
        cmocka_unit_test(test_time_wait_configurable),
        cmocka_unit_test(test_passive_close),
        cmocka_unit_test(test_simultaneous_close),
        cmocka_unit_test(test_half_close),
        cmocka_unit_test(test_close_sends_queued_data_then_fin),
        cmocka_unit_test(test_close_with_unread_data_resets),
        cmocka_unit_test(test_linger_zero_resets),
        cmocka_unit_test(test_data_after_close_resets),
        cmocka_unit_test(test_out_of_order_fin),
        cmocka_unit_test(test_out_of_order_bare_fin),
        cmocka_unit_test(test_out_of_order_bare_fin_in_fin_wait_2),
        cmocka_unit_test(test_out_of_order_fin_with_data_sacked),
        cmocka_unit_test(test_orphan_does_not_probe_for_ever),
        cmocka_unit_test(test_time_wait_reopened_by_new_syn),
        cmocka_unit_test(test_ip_tos_and_ttl),
        cmocka_unit_test(test_peer_reset_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
