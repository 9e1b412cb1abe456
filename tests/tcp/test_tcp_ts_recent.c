/* TS.Recent updates from duplicate segments (RFC 7323 4.3 rule (2)): a
 * full duplicate of what our last ACK covered updates TS.Recent, so the
 * ACK echoes the latest copy's TSval (within a receive buffer below
 * RCV.NXT; not from further away). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

/* Active open with timestamps; the peer's first data segment ("hello",
 * TSval 200) is acknowledged with TSecr 200. Returns that ACK's TSval. */
static uint32_t open_ts_and_receive(struct th *h)
{
    th_connect(h);
    struct tcp_opts so = {.has_mss = true, .mss = 1460, .has_timestamp = true,
                          .ts_val = 100, .ts_ecr = h->q[h->qhead - 1].opts.ts_val};
    th_advance(h, TH_RTT);
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &so, 0, NULL, 0);
    const struct th_seg *a = seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_true(a->opts.has_timestamp);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct tcp_opts o = {.has_timestamp = true, .ts_val = 200, .ts_ecr = a->opts.ts_val};
    seg_in_opts(h, A | P, p, i, 65535, &o, 0, "hello", 5);
    h->allow_unchecked = true;
    th_advance(h, UST_SEC); /* past any delayed ACK */
    while (th_pending(h) > 1)
        h->qhead++;
    const struct th_seg *ack = seg_expect(h, A, i, p + 5);
    assert_int_equal(ack->opts.ts_ecr, 200);
    return a->opts.ts_val;
}

/* The ACK of a segment was lost; the peer's retransmission (TSval 1200)
 * is a full duplicate ending at Last.ACK.sent: the ACK echoes 1200, so
 * the peer's RTT sample is one round trip, not the RTO backoff too. */
static void test_duplicate_updates_ts_recent(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t ecr = open_ts_and_receive(h);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct tcp_opts o = {.has_timestamp = true, .ts_val = 1200, .ts_ecr = ecr};
    seg_in_opts(h, A | P, p, i, 65535, &o, 0, "hello", 5);
    assert_int_equal(seg_expect(h, A, i, p + 5)->opts.ts_ecr, 1200);
    /* a later copy again: still the latest */
    o.ts_val = 3200;
    seg_in_opts(h, A | P, p, i, 65535, &o, 0, "hello", 5);
    assert_int_equal(seg_expect(h, A, i, p + 5)->opts.ts_ecr, 3200);
    th_free(h);
}

/* The RTO resend of the first of two segments whose (delayed) ACK was
 * lost ends below Last.ACK.sent: it still updates TS.Recent (RFC 7323 4.3
 * rule (2) has no upper bound), so the ACK echoes the resend. */
static void test_older_duplicate_updates_ts_recent(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t ecr = open_ts_and_receive(h);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct tcp_opts o = {.has_timestamp = true, .ts_val = 300, .ts_ecr = ecr};
    seg_in_opts(h, A | P, p + 5, i, 65535, &o, 0, "world", 5);
    th_advance(h, UST_SEC);
    while (th_pending(h) > 1)
        h->qhead++;
    assert_int_equal(seg_expect(h, A, i, p + 10)->opts.ts_ecr, 300);
    o.ts_val = 1300; /* the first segment again, wholly below Last.ACK.sent */
    seg_in_opts(h, A | P, p, i, 65535, &o, 0, "hello", 5);
    assert_int_equal(seg_expect(h, A, i, p + 10)->opts.ts_ecr, 1300);
    th_free(h);
}

/* A "duplicate" more than a receive buffer below RCV.NXT is no plausible
 * retransmission (a blind forgery could sit anywhere in that half of the
 * sequence space): TS.Recent stays, so PAWS cannot be turned against the
 * peer. The same with an older TSval: PAWS drops it first. */
static void test_far_duplicate_keeps_ts_recent(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t ecr = open_ts_and_receive(h);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct tcp_opts o = {.has_timestamp = true, .ts_val = 0x7fff0000, .ts_ecr = ecr};
    seg_in_opts(h, A | P, p - 0x40000000, i, 65535, &o, 0, "hello", 5);
    assert_int_equal(seg_expect(h, A, i, p + 5)->opts.ts_ecr, 200);
    o.ts_val = 150;
    seg_in_opts(h, A | P, p, i, 65535, &o, 0, "hello", 5);
    assert_int_equal(seg_expect(h, A, i, p + 5)->opts.ts_ecr, 200);
    assert_int_equal(h->st->stats.tcp.PawsDrops, 1);
    /* the genuine next segment still gets through */
    o.ts_val = 400;
    seg_in_opts(h, A | P, p + 5, i, 65535, &o, 0, "world", 5);
    th_advance(h, UST_SEC);
    assert_int_equal(seg_expect(h, A, i, p + 10)->opts.ts_ecr, 400);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_updates_ts_recent),
        cmocka_unit_test(test_older_duplicate_updates_ts_recent),
        cmocka_unit_test(test_far_duplicate_keeps_ts_recent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
