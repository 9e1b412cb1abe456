/* Data transfer: segmentation by MSS, the peer's window, Nagle and
 * TCP_NODELAY, delayed ACK, out-of-order and overlapping data, receive
 * window and its updates (SWS avoidance), zero window and persist probes,
 * urgent pointer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static uint8_t pattern[8192];

static int setup(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(pattern); k++)
        pattern[k] = (uint8_t)(k * 7 + 3);
    return 0;
}

static void test_segmentation_and_ack(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, pattern, 4000, 0, NULL), 4000);
    const struct th_seg *d = seg_expect(h, A, i, p);
    assert_int_equal(d->len, 1460);
    assert_memory_equal(d->data, pattern, 1460);
    d = seg_expect(h, A, i + 1460, p);
    assert_int_equal(d->len, 1460);
    d = seg_expect(h, A | P, i + 2920, p); /* MUST-61: PSH empties the queue */
    assert_int_equal(d->len, 1080);
    assert_memory_equal(d->data, pattern + 2920, 1080);
    assert_int_equal(d->wnd, 65535); /* piggy-backed window and ACK */
    seg_expect_nothing(h);
    assert_int_equal(th_info(s).unacked, 4000);
    seg_in(h, A, p, i + 4000, 65535, NULL, 0);
    seg_expect_nothing(h);
    struct ust_tcp_info info = th_info(s);
    assert_int_equal(info.unacked, 0);
    assert_int_equal(info.bytes_acked, 4000);
    th_free(h);
}

static void test_user_mss(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_socket(h);
    assert_int_equal(th_setopt_int(s, IPPROTO_TCP, TCP_MAXSEG, 500), UST_OK);
    const struct th_seg *syn = th_connect_sock(h, s);
    assert_int_equal(syn->opts.mss, 500);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | A, PEER_ISS, i, 65535, &o, 0, NULL, 0);
    seg_expect(h, A, i, p);
    assert_int_equal(tcp_sock_ops.send(s, pattern, 1200, 0, NULL), 1200);
    assert_int_equal(seg_expect(h, A, i, p)->len, 500);
    assert_int_equal(seg_expect(h, A, i + 500, p)->len, 500);
    assert_int_equal(seg_expect(h, A | P, i + 1000, p)->len, 200);
    th_free(h);
}

static void test_peer_window_respected(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 1000);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, pattern, 3000, 0, NULL), 3000);
    assert_int_equal(seg_expect(h, A, i, p)->len, 1000);
    seg_expect_nothing(h);
    /* acking half with the same window edge opens only 500 more */
    seg_in(h, A, p, i + 500, 500, NULL, 0);
    seg_expect_nothing(h); /* usable window 0 */
    seg_in(h, A, p, i + 1000, 1000, NULL, 0);
    assert_int_equal(seg_expect(h, A, i + 1000, p)->len, 1000);
    seg_in(h, A, p, i + 2000, 2000, NULL, 0);
    assert_int_equal(seg_expect(h, A | P, i + 2000, p)->len, 1000);
    th_free(h);
}

static void test_nagle_and_nodelay(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, "aaaaaaaaaa", 10, 0, NULL), 10);
    seg_expect(h, A | P, i, p); /* nothing outstanding: goes */
    assert_int_equal(tcp_sock_ops.send(s, "bbbbbbbbbb", 10, 0, NULL), 10);
    assert_int_equal(tcp_sock_ops.send(s, "cccccccccc", 10, 0, NULL), 10);
    seg_expect_nothing(h); /* Nagle: a small segment waits for the ACK */
    seg_in(h, A, p, i + 10, 65535, NULL, 0);
    const struct th_seg *d = seg_expect(h, A | P, i + 10, p);
    assert_int_equal(d->len, 20);
    assert_memory_equal(d->data, "bbbbbbbbbbcccccccccc", 20);
    /* MUST-17: TCP_NODELAY turns it off */
    assert_int_equal(th_setopt_int(s, IPPROTO_TCP, TCP_NODELAY, 1), UST_OK);
    assert_int_equal(tcp_sock_ops.send(s, "dd", 2, 0, NULL), 2);
    seg_expect(h, A | P, i + 30, p);
    assert_int_equal(tcp_sock_ops.send(s, "ee", 2, 0, NULL), 2);
    seg_expect(h, A | P, i + 32, p);
    th_free(h);
}

static void test_delayed_ack(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A, p, i, 65535, pattern, 100);
    seg_expect_nothing(h);
    th_advance(h, 39 * UST_MSEC);
    seg_expect_nothing(h);
    th_advance(h, 1 * UST_MSEC); /* default 40 ms */
    seg_expect(h, A, i, p + 100);
    /* SHLD-19: at least every second full-sized segment */
    seg_in(h, A, p + 100, i, 65535, pattern, 1460);
    seg_expect_nothing(h);
    seg_in(h, A, p + 1560, i, 65535, pattern, 1460);
    seg_expect(h, A, i, p + 3020);
    th_advance(h, 1 * UST_SEC);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.DelayedAcks, 1);
    th_free(h);
}

/* Segments of one receive batch: peer offsets (from PEER_ISS + 1) in
 * units of 1460 bytes. */
struct batch {
    uint32_t i;
    const unsigned *segs;
    unsigned n;
};

static void send_batch(struct th *h, void *ctx)
{
    const struct batch *b = ctx;
    for (unsigned k = 0; k < b->n; k++)
        seg_in(h, A, PEER_ISS + 1 + b->segs[k] * 1460, b->i, 65535, pattern, 1460);
}

/* In-order data read in one batch is acknowledged once, at the end of the
 * batch (a stretch ACK, capped); out-of-order data and a filled hole are
 * still acknowledged at once (RFC 5681 4.2). */
static void test_ack_per_receive_batch(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rcvbuf = 32768; /* stretch cap: a quarter of the buffer, 8192 bytes */
    c.tcp_quickack = 0;   /* batches only (quick ACKs: test_tcp_rcv_ack.c) */
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    static const unsigned four[] = {0, 1, 2, 3};
    struct batch b = {.i = i, .segs = four, .n = 4};
    th_batch(h, send_batch, &b);
    seg_expect(h, A, i, p + 4 * 1460); /* one ACK for four segments */
    seg_expect_nothing(h);
    /* the cap: 6 segments reach 8192 bytes unacknowledged, ACK at once */
    static const unsigned eight[] = {4, 5, 6, 7, 8, 9, 10, 11};
    b.segs = eight;
    b.n = 8;
    th_batch(h, send_batch, &b);
    seg_expect(h, A, i, p + 10 * 1460);
    seg_expect(h, A, i, p + 12 * 1460); /* the rest at the end */
    seg_expect_nothing(h);
    char buf[32768];
    assert_int_equal(tcp_sock_ops.recv(s, buf, sizeof(buf), 0, NULL), 12 * 1460);
    seg_expect(h, A, i, p + 12 * 1460); /* the window update of the read */
    /* a hole: the segment beyond it and the one filling it are ACKed at
     * once; what follows in order waits for the end of the batch */
    static const unsigned hole[] = {12, 14, 13, 15, 16};
    b.segs = hole;
    b.n = 5;
    th_batch(h, send_batch, &b);
    seg_expect(h, A, i, p + 13 * 1460); /* duplicate ACK for 14 */
    seg_expect(h, A, i, p + 15 * 1460); /* 13 filled the hole */
    seg_expect(h, A, i, p + 17 * 1460);
    seg_expect_nothing(h);
    th_advance(h, 1 * UST_SEC);
    seg_expect_nothing(h); /* no delayed ACK left behind */
    th_free(h);
}

static void test_delack_capped_at_200ms(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_delack = 2 * UST_SEC; /* MUST-40: never more than 500 ms; we cap at 200 */
    c.tcp_quickack = 0;
    struct th *h = th_new(&c);
    th_open_active(h, 65535);
    seg_in(h, A, PEER_ISS + 1, h->iss + 1, 65535, pattern, 10);
    th_advance(h, 199 * UST_MSEC);
    seg_expect_nothing(h);
    th_advance(h, 1 * UST_MSEC);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 11);
    th_free(h);
}

static void test_out_of_order_and_overlap(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* bytes 1000..1999 and 3000..3499 arrive first: each ACKed at once */
    seg_in(h, A, p + 1000, i, 65535, pattern + 1000, 1000);
    seg_expect(h, A, i, p);
    seg_in(h, A, p + 3000, i, 65535, pattern + 3000, 500);
    seg_expect(h, A, i, p);
    char b[4096];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    /* 0..1499 overlaps what is held: the hole is filled, ACK at once */
    seg_in(h, A, p, i, 65535, pattern, 1500);
    seg_expect(h, A, i, p + 2000);
    /* 1800..3199 overlaps on both sides */
    seg_in(h, A, p + 1800, i, 65535, pattern + 1800, 1400);
    seg_expect(h, A, i, p + 3500);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 3500);
    assert_memory_equal(b, pattern, 3500);
    /* a duplicate of old data is acknowledged, not delivered again */
    seg_in(h, A, p + 3000, i, 65535, pattern + 3000, 500);
    seg_expect(h, A, i, p + 3500);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    /* a segment straddling RCV.NXT gives only its new bytes */
    seg_in(h, A | P, p + 3400, i, 65535, pattern + 3400, 200);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), MSG_PEEK, NULL), 100);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 100);
    assert_memory_equal(b, pattern + 3500, 100);
    assert_int_equal(th_info(s).bytes_received, 3600);
    th_free(h);
}

static void test_ooo_memory_bounded(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    assert_int_equal(c.tcp_ofo_ranges, 256);
    c.tcp_ofo_ranges = 20;
    c.tcp_quickack = 0;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* many separate holes: only cfg.tcp_ofo_ranges ranges are kept */
    for (unsigned k = 0; k < 20 + 4; k++) {
        seg_in(h, A, p + 10 + 20 * k, i, 65535, pattern, 10);
        seg_expect(h, A, i, p);
    }
    assert_int_equal(h->st->stats.tcp.OfoQueued, 20);
    assert_int_equal(h->st->stats.tcp.OfoDrops, 4);
    /* beyond the receive buffer nothing is accepted at all */
    seg_in(h, A, p + 300000, i, 65535, pattern, 10);
    seg_expect(h, A, i, p);
    (void)s;
    th_free(h);
}

static struct ust_sock *open_small_rcvbuf(struct th *h, int rcvbuf)
{
    struct ust_sock *s = th_socket(h);
    assert_int_equal(th_setopt_int(s, SOL_SOCKET, SO_RCVBUF, rcvbuf), UST_OK);
    th_connect_sock(h, s);
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    return s;
}

static void test_window_update_and_receiver_sws(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_small_rcvbuf(h, 4096);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A, p, i, 65535, pattern, 1460);
    seg_in(h, A, p + 1460, i, 65535, pattern + 1460, 1460);
    const struct th_seg *a = seg_expect(h, A, i, p + 2920);
    assert_int_equal(a->wnd, 4096 - 2920);
    seg_in(h, A, p + 2920, i, 65535, pattern + 2920, 1176);
    th_advance(h, 40 * UST_MSEC);
    a = seg_expect(h, A, i, p + 4096);
    assert_int_equal(a->wnd, 0);
    char b[4096];
    /* MUST-39: reading 100 bytes does not advertise a 100-byte window */
    assert_int_equal(tcp_sock_ops.recv(s, b, 100, 0, NULL), 100);
    seg_expect_nothing(h);
    /* once min(buffer/2, MSS) can be offered, a window update goes out */
    assert_int_equal(tcp_sock_ops.recv(s, b, 1400, 0, NULL), 1400);
    a = seg_expect(h, A, i, p + 4096);
    assert_int_equal(a->wnd, 1500);
    /* the edge does not move by less than an MSS (1000 < 1460) */
    assert_int_equal(tcp_sock_ops.recv(s, b, 1000, 0, NULL), 1000);
    seg_expect_nothing(h);
    assert_int_equal(tcp_sock_ops.recv(s, b, 500, 0, NULL), 500);
    a = seg_expect(h, A, i, p + 4096); /* 3000 >= 2 x 1500: worth telling */
    assert_int_equal(a->wnd, 3000);
    /* no update while the window stays more than half open */
    assert_int_equal(tcp_sock_ops.recv(s, b, 1096, 0, NULL), 1096);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_zero_window_persist(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, pattern, 100, 0, NULL), 100);
    seg_expect_nothing(h);
    /* SHLD-29: first probe after one RTO (srtt 100 ms, rttvar 50 ms: 300 ms) */
    th_advance(h, 299 * UST_MSEC);
    seg_expect_nothing(h);
    th_advance(h, 1 * UST_MSEC);
    const struct th_seg *pr = seg_expect(h, A, i, p);
    assert_int_equal(pr->len, 1);
    assert_int_equal(pr->data[0], pattern[0]);
    seg_in(h, A, p, i, 0, NULL, 0); /* still closed, byte not taken */
    seg_expect_nothing(h);
    /* SHLD-30: exponential back-off between probes */
    th_advance(h, 599 * UST_MSEC);
    seg_expect_nothing(h);
    th_advance(h, 1 * UST_MSEC);
    assert_int_equal(seg_expect(h, A, i, p)->len, 1);
    /* MUST-37: probes answered keep the connection open indefinitely */
    for (int k = 0; k < 12; k++) {
        seg_in(h, A, p, i, 0, NULL, 0);
        th_advance(h, 60 * UST_SEC);
        assert_int_equal(seg_expect(h, A, i, p)->len, 1);
    }
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(th_info(s).retransmits, 0);
    /* the window opens: the data flows */
    seg_in(h, A, p, i, 1000, NULL, 0);
    const struct th_seg *d = seg_expect(h, A | P, i, p);
    assert_int_equal(d->len, 100);
    seg_in(h, A, p, i + 100, 1000, NULL, 0);
    th_advance(h, 120 * UST_SEC);
    seg_expect_nothing(h);
    assert_true(h->st->stats.tcp.ZeroWindowProbes >= 14);
    th_free(h);
}

static void test_unanswered_probes_give_up(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries = 3;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, pattern, 10, 0, NULL), 10);
    ust_time_t waits[] = {300 * UST_MSEC, 600 * UST_MSEC, 1200 * UST_MSEC};
    for (int k = 0; k < 3; k++) {
        th_advance(h, waits[k]);
        assert_int_equal(seg_expect(h, A, i, p)->len, 1);
    }
    th_advance(h, 2400 * UST_MSEC); /* the peer vanished */
    seg_expect(h, R | A, i + 1, p);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT);
    th_free(h);
}

static void test_window_closes_with_data_in_flight(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, pattern, 2000, 0, NULL), 2000);
    seg_expect(h, A, i, p);
    seg_expect(h, A | P, i + 1460, p);
    /* the peer takes the first segment and closes its window */
    seg_in(h, A, p, i + 1460, 0, NULL, 0);
    seg_expect_nothing(h);
    /* no retransmission into a zero window: a probe (one byte of the
     * unacked segment) after one RTO (the 0 ms sample made it 337.5 ms) */
    th_advance(h, 337 * UST_MSEC);
    seg_expect_nothing(h);
    th_advance(h, 1 * UST_MSEC);
    const struct th_seg *pr = seg_expect(h, A, i + 1460, p);
    assert_int_equal(pr->len, 1);
    seg_in(h, A, p, i + 1461, 600, NULL, 0); /* byte taken, window open */
    assert_int_equal(seg_expect(h, A | P, i + 1461, p)->len, 539);
    th_free(h);
}

static void test_urgent_pointer(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(th_setopt_int(s, SOL_SOCKET, SO_OOBINLINE, 1), UST_OK);
    /* urgent pointer 3: bytes 0..2 urgent (MUST-62), all inline */
    seg_in_opts(h, A | U, p, i, 65535, NULL, 3, "abcdef", 6);
    assert_int_equal(th_info(s).urg_pending, 3); /* MUST-33 */
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, 2, 0, NULL), 2);
    assert_int_equal(th_info(s).urg_pending, 1);
    assert_int_equal(tcp_sock_ops.recv(s, b, 8, 0, NULL), 4);
    assert_memory_equal(b, "cdef", 4);
    assert_int_equal(th_info(s).urg_pending, 0);
    /* a pointer far beyond the data is kept but harmless */
    seg_in_opts(h, A | U, p + 6, i, 65535, NULL, 60000, "g", 1);
    assert_int_equal(tcp_sock_ops.recv(s, b, 8, 0, NULL), 1);
    assert_int_equal(th_info(s).urg_pending, 59999);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segmentation_and_ack),
        cmocka_unit_test(test_user_mss),
        cmocka_unit_test(test_peer_window_respected),
        cmocka_unit_test(test_nagle_and_nodelay),
        cmocka_unit_test(test_delayed_ack),
        cmocka_unit_test(test_ack_per_receive_batch),
        cmocka_unit_test(test_delack_capped_at_200ms),
        cmocka_unit_test(test_out_of_order_and_overlap),
        cmocka_unit_test(test_ooo_memory_bounded),
        cmocka_unit_test(test_window_update_and_receiver_sws),
        cmocka_unit_test(test_zero_window_persist),
        cmocka_unit_test(test_unanswered_probes_give_up),
        cmocka_unit_test(test_window_closes_with_data_in_flight),
        cmocka_unit_test(test_urgent_pointer),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
