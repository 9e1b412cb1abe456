/* Token-bucket shaper in virtual time: the burst goes at once, then frames
 * leave exactly when their tokens arrive; overflow is dropped and counted;
 * order is preserved. Virtual time is exact, so the bounds are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/stack_impl.h"
#include "dev/dev_impl.h"
#include "ustack/ustack.h"

#define MAXREC 512

struct recorder {
    unsigned n;
    ust_time_t when[MAXREC];
    size_t len[MAXREC];
    uint8_t tag[MAXREC];
};

static int rec_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    struct recorder *r = ctx;
    assert_true(r->n < MAXREC);
    r->when[r->n] = now;
    r->len[r->n] = len;
    r->tag[r->n] = frame[0];
    r->n++;
    return 0;
}

static const struct ust_dev_ops rec_ops = {.transmit = rec_transmit};

static int send_tagged(struct ust_dev *dev, ust_time_t now, uint8_t tag, size_t len)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, len);
    assert_non_null(p);
    memset(p->data, tag, len);
    return dev_transmit(dev, now, p);
}

/* Runs the stack's deadlines in virtual time until nothing is pending. */
static void drain(struct ust_stack *st)
{
    for (int guard = 0; guard < 100000; guard++) {
        ust_time_t t = ust_stack_poll_at(st);
        if (t == UST_TIME_NEVER)
            return;
        ust_stack_poll(st, t);
    }
    fail_msg("shaper never drained");
}

static void test_shaper_burst_then_rate(void **state)
{
    (void)state;
    struct recorder rec = {0};
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &rec_ops, &rec);
    /* 8 Mbit/s = one byte per microsecond; 3000-byte burst; 20000-byte queue. */
    assert_int_equal(ust_dev_shaper_attach(dev, 8000000, 3000, 20000), 0);
    int drops = 0;
    for (int i = 0; i < 30; i++)
        if (send_tagged(dev, 0, (uint8_t)i, 1000) < 0)
            drops++;
    assert_int_equal(rec.n, 3); /* the burst left at once */
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(rec.when[i], 0);
    assert_int_equal(drops, 7);
    assert_int_equal(dev->stats.shaper_drops, 7);
    assert_int_equal(st->stats.link.shaper_drops, 7);
    assert_int_equal(dev->stats.shaper_queued, 20);
    assert_int_equal(ust_stack_poll_at(st), 1 * UST_MSEC); /* exact, no busy wait */
    ust_stack_poll(st, 1 * UST_MSEC - 1);
    assert_int_equal(rec.n, 3); /* one nanosecond early: nothing */
    drain(st);
    assert_int_equal(rec.n, 23);
    for (unsigned i = 0; i < rec.n; i++) {
        assert_int_equal(rec.tag[i], i); /* order preserved */
        ust_time_t expect = i < 3 ? 0 : (ust_time_t)(i - 2) * UST_MSEC;
        assert_int_equal(rec.when[i], expect);
    }
    assert_int_equal(dev->stats.tx_frames, 23);
    ust_stack_free(st);
}

/* Frames of varied sizes at 1 Gbit/s with a 4000-byte burst: while the
 * queue is backlogged, frame k leaves at exactly
 *   ceil((S_k * 8e9 - burst * 8e9) / rate)  ns
 * where S_k is the cumulative byte count through k; the long-run rate is
 * the configured one within one frame of granularity. */
static void check_long_run_rate(uint64_t rate)
{
    static struct recorder rec;
    memset(&rec, 0, sizeof(rec));
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &rec_ops, &rec);
    const uint64_t burst = 4000;
    assert_int_equal(ust_dev_shaper_attach(dev, rate, burst, 1 << 20), 0);
    static const size_t sizes[] = {60, 1514, 577, 1514, 1000, 99};
    uint64_t total = 0;
    for (int i = 0; i < 300; i++) {
        size_t len = sizes[i % 6];
        assert_int_equal(send_tagged(dev, 0, (uint8_t)i, len), 0);
        total += len;
    }
    drain(st);
    assert_int_equal(rec.n, 300);
    assert_int_equal(dev->stats.shaper_drops, 0);
    uint64_t cum = 0;
    for (unsigned i = 0; i < rec.n; i++) {
        cum += rec.len[i];
        assert_int_equal(rec.tag[i], (uint8_t)i);
        uint64_t expect = 0;
        if (cum > burst)
            expect = ((cum - burst) * 8 * UST_SEC + rate - 1) / rate;
        assert_int_equal(rec.when[i], expect);
        /* Never more than burst + rate * t: the token-bucket invariant. */
        assert_true(cum * 8 * UST_SEC <= burst * 8 * UST_SEC + rate * rec.when[i]);
    }
    /* Long-run rate: (total - burst) bytes over the last departure time,
     * within one maximum frame (1514 bytes) of the configured rate. */
    ust_time_t T = rec.when[rec.n - 1];
    uint64_t sent_bits = (total - burst) * 8;
    uint64_t lo = rate * T / UST_SEC;
    assert_true(sent_bits <= lo + 1514 * 8);
    assert_true(sent_bits + 1514 * 8 >= lo);
    ust_stack_free(st);
}

static void test_shaper_exact_long_run_rate(void **state)
{
    (void)state;
    check_long_run_rate(1000000000); /* departures on whole nanoseconds */
    check_long_run_rate(999999937);  /* departures rounded up, never early */
    check_long_run_rate(3000000);
}

/* After an idle period the bucket is full again, but never more than the burst. */
static void test_shaper_refill_caps_at_burst(void **state)
{
    (void)state;
    struct recorder rec = {0};
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &rec_ops, &rec);
    assert_int_equal(ust_dev_shaper_attach(dev, 8000000, 2000, 100000), 0);
    for (int i = 0; i < 4; i++)
        send_tagged(dev, 0, (uint8_t)i, 1000);
    drain(st);
    assert_int_equal(rec.n, 4);
    assert_int_equal(rec.when[3], 2 * UST_MSEC);
    /* An hour later (no overflow in the refill arithmetic): 2 frames at once. */
    ust_time_t t0 = 3600 * UST_SEC;
    for (int i = 4; i < 7; i++)
        send_tagged(dev, t0, (uint8_t)i, 1000);
    assert_int_equal(rec.n, 6);
    drain(st);
    assert_int_equal(rec.n, 7);
    assert_int_equal(rec.when[6], t0 + 1 * UST_MSEC);
    /* A frame larger than the burst still goes, at the exact rate. */
    ust_dev_shaper_detach(dev);
    assert_int_equal(ust_dev_shaper_attach(dev, 8000000, 500, 100000), 0);
    ust_time_t t1 = t0 + UST_SEC;
    send_tagged(dev, t1, 7, 1500);
    ust_stack_poll(st, t1);
    assert_int_equal(rec.n, 7);
    assert_int_equal(ust_stack_poll_at(st), t1 + 1 * UST_MSEC); /* 1000 missing bytes */
    drain(st);
    assert_int_equal(rec.n, 8);
    assert_int_equal(rec.when[7], t1 + 1 * UST_MSEC);
    ust_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shaper_burst_then_rate),
        cmocka_unit_test(test_shaper_exact_long_run_rate),
        cmocka_unit_test(test_shaper_refill_caps_at_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
