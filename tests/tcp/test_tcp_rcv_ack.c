/* The receiver's ACK policy (tcp_ack_batch.c, tcp_input.c) and the order
 * of its SACK blocks (tcp_sack.c): quick-ACK mode at the start of a
 * connection and after out-of-order or duplicate data, then delayed ACKs
 * every second full-sized segment (RFC 5681 4.2, RFC 1122 4.2.3.2); an
 * immediate ACK for out-of-order data and for a segment that fills a hole;
 * the ACK owed after the application read a pushed segment; SACK
 * compression within a receive batch; SACK blocks in arrival order after
 * several holes, behind a D-SACK (RFC 2018 4, RFC 2883 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

#define SEG 1460u

static uint8_t data[2048];

/* A stack with the default configuration (quick ACKs on, 16) and changes. */
static struct th *th_quick(unsigned quickack, size_t rcvbuf)
{
    struct ust_config c;
    ust_config_default(&c);
    assert_int_equal(c.tcp_quickack, 16); /* the documented default */
    c.tcp_quickack = quickack;
    if (rcvbuf)
        c.tcp_rcvbuf = rcvbuf;
    return th_new(&c);
}

/* Full-sized segment k (offset k * SEG from the peer's first byte). */
static void full_seg(struct th *h, unsigned k)
{
    seg_in(h, A, PEER_ISS + 1 + k * SEG, h->iss + 1, 65535, data, SEG);
}

static void expect_ack_of(struct th *h, unsigned segs)
{
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1 + segs * SEG);
}

/* Segments first..last-1 are each acknowledged at once. */
static void expect_quick(struct th *h, unsigned first, unsigned last)
{
    for (unsigned k = first; k < last; k++) {
        full_seg(h, k);
        expect_ack_of(h, k + 1);
    }
}

/* Linux's quick-ACK mode at the start: the first 16 segments (the window
 * allows 22) are acknowledged one by one, then every second one. */
static void test_quick_acks_at_start_then_every_second(void **state)
{
    (void)state;
    struct th *h = th_quick(16, 0);
    th_open_active(h, 65535);
    expect_quick(h, 0, 16);
    full_seg(h, 16);
    seg_expect_nothing(h); /* delayed: the first of two */
    full_seg(h, 17);
    expect_ack_of(h, 18);
    full_seg(h, 18);
    th_advance(h, 40 * UST_MSEC);
    expect_ack_of(h, 19); /* the delayed-ACK timer */
    assert_int_equal(h->st->stats.tcp.DelayedAcks, 1);
    th_free(h);
}

/* At most half the window in segments: an 8 KB buffer gets 2. */
static void test_quick_acks_bounded_by_window(void **state)
{
    (void)state;
    struct th *h = th_quick(16, 8192);
    struct ust_sock *s = th_open_active(h, 65535);
    expect_quick(h, 0, 2);
    full_seg(h, 2);
    seg_expect_nothing(h);
    full_seg(h, 3);
    expect_ack_of(h, 4);
    char buf[8192];
    assert_int_equal(tcp_sock_ops.recv(s, buf, sizeof(buf), 0, NULL), 4 * SEG);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1 + 4 * SEG); /* the window update */
    th_free(h);
}

/* Off (0): the first segment waits for the delayed-ACK timer. */
static void test_quick_acks_off(void **state)
{
    (void)state;
    struct th *h = th_quick(0, 0);
    th_open_active(h, 65535);
    full_seg(h, 0);
    th_advance(h, 39 * UST_MSEC);
    seg_expect_nothing(h);
    th_advance(h, 1 * UST_MSEC);
    expect_ack_of(h, 1);
    th_free(h);
}

/* A frame a driver coalesced (GSO over TAP: 2 wire segments in one, the
 * driver's word in stack_rx_offload) spends 2 quick ACKs, as Linux counts
 * a GRO packet's segments: after 8 of them the 16 are spent and the next
 * full segment is delayed. Counting frames instead would leave 8. */
static void test_coalesced_frame_spends_its_segments_quick_acks(void **state)
{
    (void)state;
    static uint8_t pair[2 * SEG];
    struct th *h = th_quick(16, 0);
    th_open_active(h, 65535);
    for (unsigned k = 0; k < 8; k++) {
        h->st->svc.rx_off = (struct rx_offload){.csum_valid = true, .gso_size = SEG, .segs = 2};
        seg_in(h, A, PEER_ISS + 1 + k * 2 * SEG, h->iss + 1, 65535, pair, sizeof(pair));
        h->st->svc.rx_off = (struct rx_offload){0};
        expect_ack_of(h, (k + 1) * 2); /* quick: at once */
    }
    full_seg(h, 16);
    seg_expect_nothing(h); /* delayed: the quick ACKs are spent */
    full_seg(h, 17);
    expect_ack_of(h, 18);
    th_free(h);
}

/* A loss: the segment beyond the hole and the one that fills it are
 * acknowledged at once (RFC 5681 4.2), and quick-ACK mode starts again,
 * so the 15 segments after the repair are acknowledged one by one too
 * (the repair's ACK was the first of 16), then delayed ACKs resume. */
static void test_quick_acks_after_out_of_order(void **state)
{
    (void)state;
    struct th *h = th_quick(16, 0);
    th_open_active(h, 65535);
    expect_quick(h, 0, 16);
    full_seg(h, 16);
    seg_expect_nothing(h);
    full_seg(h, 18); /* 17 is lost: a duplicate ACK at once */
    expect_ack_of(h, 17);
    full_seg(h, 17); /* fills the hole */
    expect_ack_of(h, 19);
    expect_quick(h, 19, 34);
    full_seg(h, 34);
    seg_expect_nothing(h);
    full_seg(h, 35);
    expect_ack_of(h, 36);
    th_free(h);
}

/* Segments 0..18 as at the start (16 quick, then delayed ACKs), all
 * acknowledged; the connection is then quiet for `gap`. */
static void start_then_quiet(struct th *h, ust_time_t gap)
{
    th_open_active(h, 65535);
    expect_quick(h, 0, 16);
    full_seg(h, 16);
    full_seg(h, 17);
    expect_ack_of(h, 18);
    th_advance(h, gap);
    seg_expect_nothing(h);
}

/* After idle (Linux tcp_event_data_recv): data after more than an RTO
 * without any finds quick-ACK mode again, so the sender's restart from
 * a small window (RFC 5681 4.1) is not held back by delayed ACKs; then
 * one ACK per two full segments as before. */
static void test_quick_acks_after_idle(void **state)
{
    (void)state;
    struct th *h = th_quick(16, 0);
    start_then_quiet(h, 5 * UST_SEC);
    assert_int_equal(h->st->stats.tcp.QuickAckIdle, 0);
    expect_quick(h, 18, 34);
    assert_int_equal(h->st->stats.tcp.QuickAckIdle, 1);
    full_seg(h, 34);
    seg_expect_nothing(h); /* delayed: the first of two */
    full_seg(h, 35);
    expect_ack_of(h, 36);
    th_free(h);
}

/* A gap shorter than the RTO is no idle period: delayed ACKs go on. */
static void test_no_quick_acks_after_short_gap(void **state)
{
    (void)state;
    struct th *h = th_quick(16, 0);
    start_then_quiet(h, 100 * UST_MSEC);
    full_seg(h, 18);
    seg_expect_nothing(h);
    full_seg(h, 19);
    expect_ack_of(h, 20);
    assert_int_equal(h->st->stats.tcp.QuickAckIdle, 0);
    th_free(h);
}

/* cfg.tcp_quickack_idle off: after the same idle period the first
 * segment waits for its second, as without quick-ACK mode. */
static void test_quick_acks_after_idle_off(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    assert_true(c.tcp_quickack_idle); /* the documented default */
    c.tcp_quickack_idle = false;
    struct th *h = th_new(&c);
    start_then_quiet(h, 5 * UST_SEC);
    full_seg(h, 18);
    seg_expect_nothing(h);
    full_seg(h, 19);
    expect_ack_of(h, 20);
    assert_int_equal(h->st->stats.tcp.QuickAckIdle, 0);
    th_free(h);
}

/* A hole filled in part: still an immediate ACK (RFC 5681 4.2: "all or
 * part of a gap"), with quick ACKs off to show it is not quick-ACK mode. */
static void test_partial_fill_acked_at_once(void **state)
{
    (void)state;
    struct th *h = th_quick(0, 0);
    th_open_active(h, 65535);
    full_seg(h, 3); /* holes 0..2 */
    expect_ack_of(h, 0);
    full_seg(h, 0); /* part of the hole */
    expect_ack_of(h, 1);
    full_seg(h, 1);
    expect_ack_of(h, 2);
    full_seg(h, 2); /* the rest: up to the held segment */
    expect_ack_of(h, 4);
    full_seg(h, 4); /* in order again, nothing held: delayed */
    seg_expect_nothing(h);
    th_advance(h, 40 * UST_MSEC);
    expect_ack_of(h, 5);
    th_free(h);
}

/* Data we already had (the peer retransmitted: our ACK may be lost) is
 * acknowledged at once and starts quick-ACK mode. */
static void test_quick_acks_after_duplicate(void **state)
{
    (void)state;
    struct th *h = th_quick(16, 0);
    th_open_active(h, 65535);
    expect_quick(h, 0, 16);
    full_seg(h, 16);
    seg_expect_nothing(h);
    full_seg(h, 3); /* old */
    expect_ack_of(h, 17);
    expect_quick(h, 17, 33);
    full_seg(h, 33);
    seg_expect_nothing(h);
    h->allow_unchecked = true; /* the delayed ACK of 33 is not the point */
    th_free(h);
}

/* With timestamps a full-sized segment carries 12 option bytes less than
 * the MSS we announced: two of them still draw the ACK (RFC 5681 4.2). */
static void test_every_second_full_segment_with_timestamps(void **state)
{
    (void)state;
    struct th *h = th_quick(0, 0);
    th_connect(h);
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .has_timestamp = true, .ts_val = 1};
    th_advance(h, TH_RTT);
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_expect(h, A, i, p);
    struct tcp_opts d = {.has_timestamp = true, .ts_val = 2};
    seg_in_opts(h, A, p, i, 65535, &d, 0, data, 1448);
    seg_expect_nothing(h);
    seg_in_opts(h, A, p + 1448, i, 65535, &d, 0, data, 1448);
    seg_expect(h, A, i, p + 2896);
    th_free(h);
}

/* The application read a pushed segment: the ACK goes at the next poll,
 * not after the delayed-ACK time; a reply written first carries it; a
 * lone full-sized segment without PSH still waits (as Linux). */
static void test_ack_after_reading_pushed_data(void **state)
{
    (void)state;
    struct th *h = th_quick(0, 0);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    char buf[4096];
    seg_in(h, A | P, p, i, 65535, data, 100);
    seg_expect_nothing(h);
    assert_int_equal(tcp_sock_ops.recv(s, buf, sizeof(buf), 0, NULL), 100);
    th_advance(h, 0);
    seg_expect(h, A, i, p + 100);
    /* a reply written after the read carries the ACK: no separate one */
    seg_in(h, A | P, p + 100, i, 65535, data, 100);
    assert_int_equal(tcp_sock_ops.recv(s, buf, sizeof(buf), 0, NULL), 100);
    assert_int_equal(tcp_sock_ops.send(s, "r", 1, 0, NULL), 1);
    assert_int_equal(seg_expect(h, A | P, i, p + 200)->len, 1);
    th_advance(h, 0);
    seg_expect_nothing(h);
    seg_in(h, A, p + 200, i + 1, 65535, NULL, 0);
    /* a full-sized segment without PSH: the sender may have more behind it */
    seg_in(h, A, p + 200, i + 1, 65535, data, SEG);
    assert_int_equal(tcp_sock_ops.recv(s, buf, sizeof(buf), 0, NULL), SEG);
    th_advance(h, 0);
    seg_expect_nothing(h);
    th_advance(h, 40 * UST_MSEC);
    seg_expect(h, A, i + 1, p + 200 + SEG);
    assert_int_equal(h->st->stats.tcp.DelayedAcks, 1);
    th_free(h);
}

/* A SACK connection that took 100 bytes in order (their ACK delayed):
 * *i our next sequence number, *p the peer's first. */
static struct th *sack_receiver(uint32_t *i, uint32_t *p)
{
    struct th *h = th_new(NULL);
    th_open_sack(h, true);
    *i = h->iss + 1;
    *p = PEER_ISS + 1;
    seg_in(h, A, *p, *i, 65535, data, 100);
    seg_expect_nothing(h);
    return h;
}

/* One segment in (len bytes of data from seq, or a bare FIN); the ACK it
 * draws still asks for p + 100 (the hole) and carries these n blocks. */
static void ooo_in(struct th *h, uint32_t i, uint32_t p, uint8_t flags, uint32_t seq,
                   uint16_t len, const uint32_t *blocks, unsigned n)
{
    seg_in(h, flags, seq, i, 65535, len ? data : NULL, len);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 100), blocks, n);
}

/* Holes arriving out of sequence order: each ACK's first block holds the
 * segment that drew it, then the blocks the previous ACK reported, in its
 * order (RFC 2018 4). A duplicate of old data puts a D-SACK first and the
 * other blocks behind it in the same order (RFC 2883 4); the next ACK does
 * not repeat the D-SACK. */
static void test_blocks_follow_arrival_order_behind_dsack(void **state)
{
    (void)state;
    uint32_t i, p;
    struct th *h = sack_receiver(&i, &p);
    ooo_in(h, i, p, A, p + 5000, 100, (uint32_t[]){p + 5000, p + 5100}, 1);
    ooo_in(h, i, p, A, p + 1000, 100, (uint32_t[]){p + 1000, p + 1100, p + 5000, p + 5100}, 2);
    ooo_in(h, i, p, A, p + 7000, 100,
           (uint32_t[]){p + 7000, p + 7100, p + 1000, p + 1100, p + 5000, p + 5100}, 3);
    ooo_in(h, i, p, A, p + 3000, 100,
           (uint32_t[]){p + 3000, p + 3100, p + 7000, p + 7100, p + 1000, p + 1100, p + 5000,
                        p + 5100}, 4);
    ooo_in(h, i, p, A, p, 100,
           (uint32_t[]){p, p + 100, p + 3000, p + 3100, p + 7000, p + 7100, p + 1000,
                        p + 1100}, 4); /* old data again */
    ooo_in(h, i, p, A, p + 9000, 100,
           (uint32_t[]){p + 9000, p + 9100, p + 3000, p + 3100, p + 7000, p + 7100, p + 1000,
                        p + 1100}, 4);
    assert_int_equal(h->st->stats.tcp.DsackOldSent, 1);
    th_free(h);
}

/* A FIN held out of order is a block of its own (Linux's blocks cover
 * its sequence number) and keeps its place in the order of arrival like
 * any block: behind the newest segment's, ahead of older ones. */
static void test_fin_block_keeps_its_place(void **state)
{
    (void)state;
    uint32_t i, p;
    struct th *h = sack_receiver(&i, &p);
    ooo_in(h, i, p, A, p + 1000, 100, (uint32_t[]){p + 1000, p + 1100}, 1);
    ooo_in(h, i, p, A | F, p + 3000, 0, (uint32_t[]){p + 3000, p + 3001, p + 1000, p + 1100}, 2);
    ooo_in(h, i, p, A, p + 2000, 100,
           (uint32_t[]){p + 2000, p + 2100, p + 3000, p + 3001, p + 1000, p + 1100}, 3);
    /* the gap before the FIN filled: the FIN's block grows into the range */
    ooo_in(h, i, p, A, p + 2100, 900, (uint32_t[]){p + 2000, p + 3001, p + 1000, p + 1100}, 2);
    th_free(h);
}

/* Segments of one receive batch, in units of SEG from the peer's first byte. */
struct batch {
    const unsigned *segs;
    unsigned n;
};

static void send_batch(struct th *h, void *ctx)
{
    const struct batch *b = ctx;
    for (unsigned k = 0; k < b->n; k++)
        full_seg(h, b->segs[k]);
}

static void expect_dupack_blocks(struct th *h, const uint32_t *lr, unsigned n)
{
    th_expect_sack_blocks(seg_expect(h, A, h->iss + 1, PEER_ISS + 1), lr, n);
}

#define B(k) (PEER_ISS + 1 + (k) * SEG)

/* Segment 0 is lost and 8 too. Beyond the hole, the first 3 duplicate ACKs
 * go at once (the sender's DupThresh), the burst that continues them is
 * folded into one ACK at the end of the batch; segment 9 opens a new hole
 * and is ACKed at once, with the grown block 1-8 second, so no block's
 * growth goes unreported. */
static void test_sack_compression_in_a_batch(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_open_sack(h, true);
    static const unsigned segs[] = {1, 2, 3, 4, 5, 6, 7, 9, 10};
    struct batch b = {.segs = segs, .n = 9};
    th_batch(h, send_batch, &b);
    expect_dupack_blocks(h, (uint32_t[]){B(1), B(2)}, 1);
    expect_dupack_blocks(h, (uint32_t[]){B(1), B(3)}, 1);
    expect_dupack_blocks(h, (uint32_t[]){B(1), B(4)}, 1);
    expect_dupack_blocks(h, (uint32_t[]){B(9), B(10), B(1), B(8)}, 2);
    expect_dupack_blocks(h, (uint32_t[]){B(9), B(11), B(1), B(8)}, 2); /* the batch end */
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.SackCompressed, 5); /* 4, 5, 6, 7 and 10 */
    /* the hole filled: at once, whatever the batch */
    static const unsigned fill[] = {0};
    b.segs = fill;
    b.n = 1;
    th_batch(h, send_batch, &b);
    th_expect_sack_blocks(seg_expect(h, A, h->iss + 1, B(8)), (uint32_t[]){B(9), B(11)}, 1);
    seg_expect_nothing(h);
    th_free(h);
}

/* cfg.tcp_comp_sack_nr = 0: every out-of-order segment is ACKed at once. */
static void test_sack_compression_off(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    assert_int_equal(c.tcp_comp_sack_nr, 44); /* the documented default */
    c.tcp_comp_sack_nr = 0;
    c.tcp_quickack = 0;
    struct th *h = th_new(&c);
    th_open_sack(h, true);
    static const unsigned segs[] = {1, 2, 3, 4, 5, 6};
    struct batch b = {.segs = segs, .n = 6};
    th_batch(h, send_batch, &b);
    for (unsigned k = 2; k <= 7; k++)
        expect_dupack_blocks(h, (uint32_t[]){B(1), B(k)}, 1);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.SackCompressed, 0);
    th_free(h);
}

int main(void)
{
    for (size_t k = 0; k < sizeof(data); k++)
        data[k] = (uint8_t)(k * 13 + 5);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quick_acks_at_start_then_every_second),
        cmocka_unit_test(test_quick_acks_bounded_by_window),
        cmocka_unit_test(test_quick_acks_off),
        cmocka_unit_test(test_quick_acks_after_idle),
        cmocka_unit_test(test_no_quick_acks_after_short_gap),
        cmocka_unit_test(test_quick_acks_after_idle_off),
        cmocka_unit_test(test_quick_acks_after_out_of_order),
        cmocka_unit_test(test_coalesced_frame_spends_its_segments_quick_acks),
        cmocka_unit_test(test_partial_fill_acked_at_once),
        cmocka_unit_test(test_quick_acks_after_duplicate),
        cmocka_unit_test(test_every_second_full_segment_with_timestamps),
        cmocka_unit_test(test_ack_after_reading_pushed_data),
        cmocka_unit_test(test_blocks_follow_arrival_order_behind_dsack),
        cmocka_unit_test(test_fin_block_keeps_its_place),
        cmocka_unit_test(test_sack_compression_in_a_batch),
        cmocka_unit_test(test_sack_compression_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
