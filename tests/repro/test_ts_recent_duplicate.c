/* REPRODUCER (not part of `make test`: it fails until TCP is fixed).
 * Build and run from the worktree after `make build`:
 *
 *   cc -std=c11 -D_GNU_SOURCE -Iinclude -Isrc tests/repro/test_ts_recent_duplicate.c \
 *      tests/harness/tcp_harness.c build/libustack.a -lcmocka -lm -o /tmp/tsr && /tmp/tsr
 *
 * When the ACK of a segment is lost, the sender retransmits it after its
 * RTO (backing off: 0.2, 0.4, ... 60 s). Each copy is a full duplicate at
 * the receiver, which tcp_input.c answers from check_seq() (ACK and drop)
 * before update_ts_recent(): the ACK echoes the TSval of the FIRST copy, so
 * the sender's RTT sample (RFC 7323 4: the ACK advances its left edge)
 * includes every backoff. `ustack demo --seed 1 --loss 15` ends with
 * "smoothed rtt 34423.5 ms, rto 60000 ms" on a 5 ms path, and B receives
 * 64124 of 200000 bytes in 1775 s of virtual time; with timestamps off the
 * same run keeps srtt at 12.6 ms and finishes. Linux records the timestamp
 * of such duplicates (tcp_replace_ts_recent: SEG.SEQ <= RCV.WUP, checked
 * before the segment is dropped), which RFC 7323 4.3 (2) also allows
 * (SEG.SEQ <= Last.ACK.sent, no upper bound), so its ACK echoes the latest
 * copy and the sample is one round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static void test_duplicate_updates_ts_recent(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_connect(h);
    struct tcp_opts so = {.has_mss = true, .mss = 1460, .has_timestamp = true,
                          .ts_val = 100, .ts_ecr = h->q[h->qhead - 1].opts.ts_val};
    th_advance(h, TH_RTT);
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &so, 0, NULL, 0);
    const struct th_seg *a = seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_true(a->opts.has_timestamp);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* The peer's data segment, TSval 200: acknowledged, echo 200. */
    struct tcp_opts o = {.has_timestamp = true, .ts_val = 200, .ts_ecr = a->opts.ts_val};
    seg_in_opts(h, A | P, p, i, 65535, &o, 0, "hello", 5);
    h->allow_unchecked = true;
    th_advance(h, UST_SEC); /* past any delayed ACK */
    while (th_pending(h) > 1)
        h->qhead++;
    assert_int_equal(seg_expect(h, A, i, p + 5)->opts.ts_ecr, 200);
    /* That ACK was lost: the peer sends the segment again, TSval 1200. */
    o.ts_val = 1200;
    seg_in_opts(h, A | P, p, i, 65535, &o, 0, "hello", 5);
    const struct th_seg *dup = seg_expect(h, A, i, p + 5);
    assert_int_equal(dup->opts.ts_ecr, 1200); /* fails: 200, the first copy */
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_updates_ts_recent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
