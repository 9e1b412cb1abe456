/* Congestion-control window arithmetic, pure functions of cc.h: NewReno
 * (RFC 5681 / RFC 6582) and CUBIC (RFC 9438). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "ustack/ustack.h"

#define MS UST_MSEC
#define US UST_USEC

static void test_newreno(void **state)
{
    (void)state;
    struct cc_state cc;
    const struct cc_ops *o = &cc_newreno;
    o->init(&cc, 1000, 10);
    assert_int_equal(cc.cwnd, 10000);
    o->on_ack(&cc, 1000);            /* slow start: + acked */
    assert_int_equal(cc.cwnd, 11000);
    o->on_ack(&cc, 3000);            /* ... at most one SMSS per ACK */
    assert_int_equal(cc.cwnd, 12000);
    o->enter_recovery(&cc, 20000);   /* ssthresh = flight/2, cwnd = ssthresh + 3 SMSS */
    assert_int_equal(cc.ssthresh, 10000);
    assert_int_equal(cc.cwnd, 13000);
    o->on_dupack(&cc);
    assert_int_equal(cc.cwnd, 14000);
    o->on_partial_ack(&cc, 3000);    /* deflate by 3000, add one SMSS back */
    assert_int_equal(cc.cwnd, 12000);
    o->exit_recovery(&cc, 5000);     /* min(ssthresh, flight + SMSS) */
    assert_int_equal(cc.cwnd, 6000);
    cc.cwnd = 10000;                 /* congestion avoidance: + SMSS per cwnd acked */
    o->on_ack(&cc, 5000);
    assert_int_equal(cc.cwnd, 10000);
    o->on_ack(&cc, 5000);
    assert_int_equal(cc.cwnd, 11000);
    o->on_rto(&cc, 8000);            /* loss window */
    assert_int_equal(cc.ssthresh, 4000);
    assert_int_equal(cc.cwnd, 1000);
    o->on_rto(&cc, 1000);            /* never below 2 SMSS */
    assert_int_equal(cc.ssthresh, 2000);
}

/* CUBIC after a loss at 100 segments: W_max 100, cwnd 70, K = cbrt(75) s.
 * Feeds one window of ACKs per 100 ms round trip and samples the curve. */
static void test_cubic_curve(void **state)
{
    (void)state;
    struct cc_state cc;
    const struct cc_ops *o = cc_find("cubic");
    assert_non_null(o);
    assert_ptr_equal(cc_find("newreno"), &cc_newreno);
    assert_ptr_equal(cc_find("bbr"), &cc_bbr);
    assert_null(cc_find("vegas"));
    o->init(&cc, 1000, 10);
    cc.cwnd = 100 * 1000;
    cc.ssthresh = 1000 * 1000; /* (so that on_rto reduces from 100 segments) */
    cc.now = 10 * UST_SEC;
    o->enter_recovery(&cc, 100 * 1000);
    assert_int_equal(cc.ssthresh, 70 * 1000); /* beta 0.7 */
    o->exit_recovery(&cc, 0);
    assert_int_equal(cc.cwnd, 70 * 1000);
    cc.srtt = 100 * MS;
    double k = cbrt(75.0);
    uint32_t at_k = 0, at_2k = 0, at_half_k = 0;
    for (int rtt = 0; rtt < 100; rtt++) {
        cc.now = 10 * UST_SEC + (ust_time_t)rtt * 100 * MS;
        uint32_t acks = cc.cwnd / 1000;
        for (uint32_t a = 0; a < acks; a++)
            o->on_ack(&cc, 1000);
        double t = rtt * 0.1;
        if (!at_half_k && t >= k / 2)
            at_half_k = cc.cwnd;
        if (!at_k && t >= k)
            at_k = cc.cwnd;
        if (!at_2k && t >= 2 * k)
            at_2k = cc.cwnd;
    }
    /* concave: most of the way back early, flat near W_max, convex after */
    assert_true(at_half_k > 85 * 1000 && at_half_k < 100 * 1000);
    assert_true(at_k >= 98 * 1000 && at_k <= 103 * 1000);
    assert_true(at_2k > 120 * 1000);
    /* a timeout: loss window, and fast convergence lowers W_max */
    o->on_rto(&cc, cc.cwnd);
    assert_int_equal(cc.cwnd, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newreno),
        cmocka_unit_test(test_cubic_curve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
