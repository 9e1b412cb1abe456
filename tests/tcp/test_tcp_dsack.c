/* D-SACK generation (RFC 2883): an ACK answering data that arrived twice
 * reports the duplicate range as its first SACK block, once, followed by
 * the out-of-order block holding it when it lies above the cumulative
 * ACK; only when SACK was agreed and cfg.tcp_dsack is on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static uint8_t data[4096];

/* Active open; the peer permits SACK (no timestamps: room for 4 blocks). */
static void test_duplicate_below_rcv_nxt(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A | P, p, i, 65535, data, 100);
    th_advance(h, 200 * UST_MSEC); /* delayed ACK */
    th_expect_sack_blocks(seg_expect(h, A, i, p + 100), NULL, 0);
    /* the peer resends it (its RTO; our ACK was slow): answered at once */
    seg_in(h, A | P, p, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 100), (uint32_t[]){p, p + 100}, 1);
    assert_int_equal(h->st->stats.tcp.DsackOldSent, 1);
    /* reported once: the next ACK carries no D-SACK */
    seg_in(h, A | P, p + 100, i, 65535, data, 100);
    th_advance(h, 200 * UST_MSEC);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 200), NULL, 0);
    /* partly old, partly new: the old part is the D-SACK */
    seg_in(h, A | P, p + 150, i, 65535, data, 100);
    th_advance(h, 200 * UST_MSEC);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 250), (uint32_t[]){p + 150, p + 200}, 1);
    assert_int_equal(h->st->stats.tcp.DsackOldSent, 2);
    assert_int_equal(h->st->stats.tcp.DsackOfoSent, 0);
    th_free(h);
}

static void test_duplicate_out_of_order(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A, p + 1000, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 1000, p + 1100}, 1);
    seg_in(h, A, p + 2000, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 2000, p + 2100, p + 1000, p + 1100}, 2);
    /* the first again: D-SACK, the block holding it, then the others */
    seg_in(h, A, p + 1000, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p),
                  (uint32_t[]){p + 1000, p + 1100, p + 1000, p + 1100, p + 2000, p + 2100}, 3);
    assert_int_equal(h->st->stats.tcp.DsackOfoSent, 1);
    /* overlapping the end of a held block and growing it: the overlap is
     * the D-SACK, the grown block second, never repeated after it */
    seg_in(h, A, p + 2050, i, 65535, data, 150);
    th_expect_sack_blocks(seg_expect(h, A, i, p),
                  (uint32_t[]){p + 2050, p + 2100, p + 2000, p + 2200, p + 1000, p + 1100}, 3);
    assert_int_equal(h->st->stats.tcp.DsackOfoSent, 2);
    /* an ordinary out-of-order segment afterwards: plain SACK blocks, its
     * own first, then those the last ACK reported, in its order (RFC 2018 4) */
    seg_in(h, A, p + 3000, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p),
                  (uint32_t[]){p + 3000, p + 3100, p + 2000, p + 2200, p + 1000, p + 1100}, 3);
    assert_int_equal(h->st->stats.tcp.DsackOldSent, 0);
    th_free(h);
}

static void test_hole_filled_over_held_data(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A, p + 100, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 100, p + 200}, 1);
    /* the hole and the held bytes again in one segment: below the new
     * cumulative ACK, so no second block */
    seg_in(h, A, p, i, 65535, data, 200);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 200), (uint32_t[]){p + 100, p + 200}, 1);
    assert_int_equal(h->st->stats.tcp.DsackOldSent, 1);
    th_free(h);
}

static void test_only_with_sack_and_switch(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_open_sack(h, false); /* SACK not agreed: no blocks at all */
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A | P, p, i, 65535, data, 100);
    th_advance(h, 200 * UST_MSEC);
    seg_expect(h, A, i, p + 100);
    seg_in(h, A | P, p, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 100), NULL, 0);
    th_free(h);

    struct ust_config c;
    ust_config_default(&c);
    c.tcp_dsack = false; /* SACK blocks, but no D-SACK */
    h = th_new(&c);
    th_open_sack(h, true);
    seg_in(h, A, p + 1000, i = h->iss + 1, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 1000, p + 1100}, 1);
    seg_in(h, A, p + 1000, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p), (uint32_t[]){p + 1000, p + 1100}, 1);
    seg_in(h, A | P, p, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 100), (uint32_t[]){p + 1000, p + 1100}, 1);
    seg_in(h, A | P, p, i, 65535, data, 100);
    th_expect_sack_blocks(seg_expect(h, A, i, p + 100), (uint32_t[]){p + 1000, p + 1100}, 1);
    assert_int_equal(h->st->stats.tcp.DsackOldSent + h->st->stats.tcp.DsackOfoSent, 0);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_below_rcv_nxt),
        cmocka_unit_test(test_duplicate_out_of_order),
        cmocka_unit_test(test_hole_filled_over_held_data),
        cmocka_unit_test(test_only_with_sack_and_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
