/* Where a sender's time went (UST_TCP_INFO busy_us, rwnd_limited_us,
 * sndbuf_limited_us, as Linux's TCP_INFO chronographs): on the virtual
 * clock, with crafted ACKs, each condition is timed from the moment it
 * begins to the moment it ends, the three add up to the busy time, and an
 * idle connection adds nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>

#include "../harness/tcp_harness.h"
#include "transport/tcp/tcp.h"

static uint8_t data[65536];
static const uint32_t M = 1460;
#define MS UST_MSEC

/* New full segments the stack sent since the last check. */
static unsigned sent(struct th *h)
{
    unsigned n = 0;
    for (; th_pending(h); n++)
        assert_int_equal(seg_expect(h, h->q[h->qhead].flags, h->q[h->qhead].seq, PEER_ISS + 1)->len, M);
    return n;
}

/* The three times so far, in ms: busy, and of it window- and buffer-limited. */
static void expect_times(struct ust_sock *s, uint64_t busy, uint64_t rwnd, uint64_t sndbuf)
{
    struct ust_tcp_info ti = th_info(s);
    assert_int_equal(ti.busy_us, busy * 1000);
    assert_int_equal(ti.rwnd_limited_us, rwnd * 1000);
    assert_int_equal(ti.sndbuf_limited_us, sndbuf * 1000);
}

/* The peer's window (2 segments) holds the next segment while cwnd (10)
 * would send it: window-limited until the peer opens it; busy until all
 * is acknowledged, then nothing more. */
static void test_window_limited_time(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 2 * M);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    expect_times(s, 0, 0, 0);
    assert_int_equal(tcp_sock_ops.send(s, data, 6 * M, 0, NULL), 6 * M);
    assert_int_equal(sent(h), 2);
    th_advance(h, 30 * MS);
    expect_times(s, 30, 30, 0);
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0); /* the window opens: the rest goes */
    assert_int_equal(sent(h), 4);
    th_advance(h, 20 * MS);
    expect_times(s, 50, 30, 0);
    seg_in(h, A, p, i + 6 * M, 65535, NULL, 0); /* all acknowledged: idle */
    th_advance(h, 40 * MS);
    expect_times(s, 50, 30, 0);
    h->allow_unchecked = true;
    th_free(h);
}

/* A send ring of 4 segments and a write of 6: the 4 go at once, and the
 * application waits for room with nothing left to send (buffer-limited)
 * until an ACK frees some. A write that fills the ring exactly leaves the
 * sender merely busy (the application wanted no more); one refused on the
 * full ring, all of it sent, starts the wait again. */
static void test_send_buffer_limited_time(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_sndbuf = 4 * M;
    c.tcp_wmem_max = 4 * M; /* no autotuning past it */
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 6 * M, 0, NULL), 4 * M);
    assert_int_equal(sent(h), 4);
    th_advance(h, 25 * MS);
    expect_times(s, 25, 0, 25);
    seg_in(h, A, p, i + M, 65535, NULL, 0); /* room for a segment */
    th_advance(h, 10 * MS);
    expect_times(s, 35, 0, 25);
    assert_int_equal(tcp_sock_ops.send(s, data, M, 0, NULL), M); /* fills it, asks no more */
    assert_int_equal(sent(h), 1);
    th_advance(h, 5 * MS);
    expect_times(s, 40, 0, 25);
    assert_int_equal(tcp_sock_ops.send(s, data, M, 0, NULL), UST_ERR_AGAIN);
    th_advance(h, 5 * MS);
    expect_times(s, 45, 0, 30);
    seg_in(h, A, p, i + 5 * M, 65535, NULL, 0);
    th_advance(h, 5 * MS);
    expect_times(s, 45, 0, 30);
    h->allow_unchecked = true;
    th_free(h);
}

/* A reset with data in flight ends the connection, and with it the busy
 * time: its TCP_INFO stays what it was at the reset. */
static void test_reset_ends_busy_time(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 4 * M, 0, NULL), 4 * M);
    assert_int_equal(sent(h), 4);
    th_advance(h, 10 * MS);
    seg_in(h, R, p, i, 0, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    th_advance(h, 20 * MS);
    expect_times(s, 10, 0, 0);
    h->allow_unchecked = true;
    th_free(h);
}

/* Our FIN and the peer's cross: one segment acknowledges all and closes
 * the other side, straight into TIME-WAIT, where output no longer runs;
 * the busy time ends there all the same. */
static void test_time_wait_ends_busy_time(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 2 * M, 0, NULL), 2 * M);
    assert_int_equal(tcp_sock_ops.shutdown(s, SHUT_WR), UST_OK);
    th_advance(h, 10 * MS);
    seg_in(h, F | A, p, i + 2 * M + 1, 65535, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_TIME_WAIT);
    th_advance(h, 20 * MS);
    expect_times(s, 10, 0, 0);
    h->allow_unchecked = true;
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_limited_time),
        cmocka_unit_test(test_send_buffer_limited_time),
        cmocka_unit_test(test_reset_ends_busy_time),
        cmocka_unit_test(test_time_wait_ends_busy_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
