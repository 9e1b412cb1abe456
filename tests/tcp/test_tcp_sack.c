/* Selective acknowledgments (RFC 2018): blocks on our ACKs for
 * out-of-order data (most recent first), and fast recovery that resends
 * the holes the peer's blocks reveal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static uint8_t data[16384];

/* Active open; the peer permits SACK (no timestamps, to keep 4 blocks). */
static void test_receiver_blocks(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A, p + 1000, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 1000, p + 1100}, 1);
    seg_in(h, A, p + 2000, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 2000, p + 2100, p + 1000, p + 1100}, 2);
    seg_in(h, A, p + 1100, i, 65535, data, 100); /* the older range grows: it is first */
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 1000, p + 1200, p + 2000, p + 2100}, 2);
    seg_in(h, A, p, i, 65535, data, 1200);        /* front filled */
    /* its last 200 bytes were held already: a D-SACK (RFC 2883) first */
    th_expect_sack_blocks(seg_expect(h, A, i, p + 1200),
                  (uint32_t[]){p + 1000, p + 1200, p + 2000, p + 2100}, 2);
    seg_in(h, A, p + 1200, i, 65535, data, 800);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 2100), NULL, 0);
    char b[4096];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 2100);
    th_free(h);
}

static void test_no_blocks_without_permission(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_open_sack(h, false);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A, p + 1000, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p), NULL, 0);
    th_free(h);
}

/* Fast recovery by duplicate ACKs (RFC 6675) rather than RACK-TLP (whose
 * time-based rules are tested in test_tcp_rack.c). */
static struct th *th_dupack_rules(void)
{
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rack = false;
    return th_new(&c);
}

static void test_recovery_fills_holes(void **state)
{
    (void)state;
    struct th *h = th_dupack_rules();
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    const uint32_t M = 1460;
    assert_int_equal(tcp_sock_ops.send(s, data, 6 * M, 0, NULL), 6 * M);
    for (uint32_t k = 0; k < 6; k++)
        seg_expect(h, k == 5 ? A | P : A, i + k * M, p);
    /* segments 2 and 5 lost: the peer holds 3-4, then 6 */
    seg_in(h, A, p, i + M, 65535, NULL, 0);
    struct tcp_opts o = {.num_sack = 1, .sack = {{i + 2 * M, i + 4 * M}}};
    seg_in_opts(h, A, p, i + M, 65535, &o, 0, NULL, 0);
    seg_in_opts(h, A, p, i + M, 65535, &o, 0, NULL, 0);
    seg_expect_nothing(h);
    o.num_sack = 2;
    o.sack[0] = (struct tcp_sack_block){i + 5 * M, i + 6 * M};
    o.sack[1] = (struct tcp_sack_block){i + 2 * M, i + 4 * M};
    seg_in_opts(h, A, p, i + M, 65535, &o, 0, NULL, 0); /* 3rd duplicate */
    assert_int_equal(seg_expect(h, A, i + M, p)->len, M);
    seg_in_opts(h, A, p, i + M, 65535, &o, 0, NULL, 0); /* 4th: the next hole */
    assert_int_equal(seg_expect(h, A, i + 4 * M, p)->len, M);
    seg_in_opts(h, A, p, i + M, 65535, &o, 0, NULL, 0); /* no hole left: nothing */
    seg_expect_nothing(h);
    /* the partial ACK finds the remaining hole already resent */
    o.num_sack = 1;
    seg_in_opts(h, A, p, i + 4 * M, 65535, &o, 0, NULL, 0);
    seg_expect_nothing(h);
    seg_in(h, A, p, i + 6 * M, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    assert_int_equal(h->st->stats.tcp.SackRetrans, 2);
    assert_int_equal(h->st->stats.tcp.RetransSegs, 2);
    th_free(h);
}

static void test_bogus_blocks_ignored(void **state)
{
    (void)state;
    struct th *h = th_new(NULL); /* RACK on: it falls back to DupThresh here */
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 2000, 0, NULL), 2000);
    seg_expect(h, A, i, p);
    seg_expect(h, A | P, i + 1460, p);
    /* blocks outside what is in flight, or reversed, change nothing */
    struct tcp_opts o = {.num_sack = 3,
                         .sack = {{i + 5000, i + 6000}, {i - 100, i}, {i + 1500, i + 1400}}};
    for (int k = 0; k < 4; k++)
        seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    assert_int_equal(seg_expect(h, A, i, p)->len, 1460); /* plain fast retransmit */
    seg_expect_nothing(h);
    th_free(h);
}

/* More holes than an option has room for (4 blocks without timestamps):
 * RFC 2018 4, the block holding the latest segment first, then the blocks
 * the previous ACK reported, in its order; a block that has not been
 * reported lately only fills what room is left. */
static void test_blocks_most_recent_first(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    for (uint32_t k = 1; k <= 4; k++) { /* 1000, 3000, 5000, 7000 */
        seg_in(h, A, p + 2000 * k - 1000, i, 65535, data, 100);
        seg_expect(h, A, i, p);
    }
    seg_in(h, A, p + 9000, i, 65535, data, 100); /* a fifth: the oldest falls out */
    th_expect_sack_blocks(seg_expect(h, A, i, p),
                          (uint32_t[]){p + 9000, p + 9100, p + 7000, p + 7100, p + 5000,
                                       p + 5100, p + 3000, p + 3100}, 4);
    seg_in(h, A, p + 2000, i, 65535, data, 100); /* a sixth, below the others */
    th_expect_sack_blocks(seg_expect(h, A, i, p),
                          (uint32_t[]){p + 2000, p + 2100, p + 9000, p + 9100, p + 7000,
                                       p + 7100, p + 5000, p + 5100}, 4);
    seg_in(h, A, p + 7100, i, 65535, data, 100); /* grows a reported block */
    th_expect_sack_blocks(seg_expect(h, A, i, p),
                          (uint32_t[]){p + 7000, p + 7200, p + 2000, p + 2100, p + 9000,
                                       p + 9100, p + 5000, p + 5100}, 4);
    seg_in(h, A, p + 1100, i, 65535, data, 900); /* joins 1000 and 2000: one block */
    th_expect_sack_blocks(seg_expect(h, A, i, p),
                          (uint32_t[]){p + 1000, p + 2100, p + 7000, p + 7200, p + 9000,
                                       p + 9100, p + 5000, p + 5100}, 4);
    seg_in(h, A, p, i, 65535, data, 1000); /* the front: 3000 was not reported lately */
    th_expect_sack_blocks(seg_expect(h, A, i, p + 2100),
                          (uint32_t[]){p + 7000, p + 7200, p + 9000, p + 9100, p + 5000,
                                       p + 5100, p + 3000, p + 3100}, 4);
    th_free(h);
}

/* With timestamps there is room for 3 blocks: the same order. */
static void test_blocks_most_recent_first_with_timestamps(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_connect(h);
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .sack_permitted = true,
                         .has_timestamp = true, .ts_val = 1};
    th_advance(h, TH_RTT);
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_expect(h, A, i, p);
    struct tcp_opts d = {.has_timestamp = true, .ts_val = 2};
    uint32_t at[] = {5000, 1000, 3000, 7000};
    for (unsigned k = 0; k < 4; k++) {
        seg_in_opts(h, A, p + at[k], i, 65535, &d, 0, data, 100);
        const struct th_seg *a = seg_expect(h, A, i, p);
        assert_int_equal(a->opts.sack[0].left, p + at[k]); /* the newest first */
    }
    const struct th_seg *a = &h->q[h->qhead - 1];
    th_expect_sack_blocks(a, (uint32_t[]){p + 7000, p + 7100, p + 3000, p + 3100, p + 1000,
                                          p + 1100}, 3);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_receiver_blocks),
        cmocka_unit_test(test_no_blocks_without_permission),
        cmocka_unit_test(test_blocks_most_recent_first),
        cmocka_unit_test(test_blocks_most_recent_first_with_timestamps),
        cmocka_unit_test(test_recovery_fills_holes),
        cmocka_unit_test(test_bogus_blocks_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
