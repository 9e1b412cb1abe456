/* RFC 5961 (RFC 9293 3.10.7.4): blind reset, SYN and data-injection
 * protections, sequence acceptability and challenge ACKs. */
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

static void test_rst_exact_in_window_out_of_window(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* in the window but not RCV.NXT: challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT> (3.2) */
    seg_in(h, R, p + 100, 0, 0, NULL, 0);
    seg_expect(h, A, i, p);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    /* outside the window: silently dropped */
    seg_in(h, R, p + 300000, 0, 0, NULL, 0);
    seg_in(h, R, p - 1, 0, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(h->st->stats.tcp.ChallengeAcks, 1);
    /* exactly RCV.NXT: reset */
    seg_in(h, R | A, p, i, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_CONNRESET);
    th_free(h);
}

static void test_syn_in_synchronized_state(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* RFC 5961 4.2: any SYN, in the window or not, gets a challenge ACK
     * (one per tcp_invalid_ratelimit per connection, RFC 5961 10: the SYNs
     * come 500 ms apart; test_tcp_ratelimit.c tests the limit) */
    seg_in(h, S, p + 10, 0, 1000, NULL, 0);
    seg_expect(h, A, i, p);
    th_advance(h, 500 * UST_MSEC);
    seg_in(h, S, p + 5000000, 0, 1000, NULL, 0);
    seg_expect(h, A, i, p);
    th_advance(h, 500 * UST_MSEC);
    seg_in(h, S | A, PEER_ISS, i, 1000, NULL, 0); /* a repeated SYN,ACK */
    seg_expect(h, A, i, p);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    th_free(h);
}

static void test_ack_acceptability(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    char b[16];
    /* SEG.ACK > SND.NXT: ACK and drop, the data is not taken */
    seg_in(h, A | P, p, i + 10, 65535, "bogus", 5);
    seg_expect(h, A, i, p);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    /* SEG.ACK < SND.UNA - MAX.SND.WND: challenge ACK and drop (5.2) */
    seg_in(h, A | P, p, i - 70000, 65535, "bogus", 5);
    seg_expect(h, A, i, p);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    assert_int_equal(h->st->stats.tcp.AckTooNew, 1);
    assert_int_equal(h->st->stats.tcp.AckTooOld, 1);
    /* old but within MAX.SND.WND: acceptable, the data is taken */
    seg_in(h, A | P, p, i - 1000, 65535, "good", 4);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 4);
    assert_memory_equal(b, "good", 4);
    /* no ACK bit: dropped */
    seg_in(h, P, p + 4, 0, 65535, "noack", 5);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    th_free(h);
}

static void test_unacceptable_segments_acked(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* entirely old data: ACK, nothing delivered */
    seg_in(h, A | P, p - 10, i, 65535, "0123456789", 10);
    seg_expect(h, A, i, p);
    /* beyond the window: ACK */
    seg_in(h, A | P, p + 70000, i, 65535, "x", 1);
    seg_expect(h, A, i, p);
    char b[4];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    assert_int_equal(h->st->stats.tcp.OutOfWindow, 2);
    th_free(h);
}

/* RFC 5961 7: the stack-wide budget alone (the per-connection limit
 * off). A limit of 1 draws a budget of exactly 1 each second (1/2 rounded
 * up, plus random(1) = 0); test_tcp_ratelimit.c tests larger, randomized
 * budgets. */
static void test_challenge_ack_rate_limit(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_challenge_ack_limit = 1;
    c.tcp_invalid_ratelimit = 0;
    struct th *h = th_new(&c);
    th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    for (int k = 0; k < 5; k++)
        seg_in(h, R, p + 1 + (uint32_t)k, 0, 0, NULL, 0);
    seg_expect(h, A, i, p);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.ChallengeAcks, 1);
    assert_int_equal(h->st->stats.tcp.ChallengeAckLimited, 4);
    th_advance(h, 1 * UST_SEC); /* a new second, a new allowance */
    seg_in(h, R, p + 1, 0, 0, NULL, 0);
    seg_expect(h, A, i, p);
    seg_in(h, R, p + 1, 0, 0, NULL, 0);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_zero_window_still_takes_rst(void **state)
{
    (void)state;
    /* a connection whose receive buffer is full (window 0) */
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_socket(h);
    assert_int_equal(th_setopt_int(s, SOL_SOCKET, SO_RCVBUF, 2048), UST_OK);
    const struct th_seg *syn = th_connect_sock(h, s);
    assert_int_equal(syn->wnd, 2048);
    assert_int_equal(syn->opts.wscale, 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, S | A, PEER_ISS, i, 65535, NULL, 0);
    seg_expect(h, A, i, p);
    uint8_t data[1024];
    memset(data, 'z', sizeof(data));
    seg_in(h, A, p, i, 65535, data, 1024);
    seg_in(h, A, p + 1024, i, 65535, data, 1024);
    th_advance(h, 40 * UST_MSEC);
    const struct th_seg *ack = seg_expect(h, A, i, p + 2048);
    assert_int_equal(ack->wnd, 0);
    /* data into a zero window: ACK and drop */
    seg_in(h, A, p + 2048, i, 65535, "x", 1);
    ack = seg_expect(h, A, i, p + 2048);
    assert_int_equal(ack->wnd, 0);
    /* MUST-66: RST at RCV.NXT is processed with a zero window */
    seg_in(h, R, p + 2048, 0, 0, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rst_exact_in_window_out_of_window),
        cmocka_unit_test(test_syn_in_synchronized_state),
        cmocka_unit_test(test_ack_acceptability),
        cmocka_unit_test(test_unacceptable_segments_acked),
        cmocka_unit_test(test_challenge_ack_rate_limit),
        cmocka_unit_test(test_zero_window_still_takes_rst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
