/* HyStart++ (RFC 9406) through the whole stack: two simulated stacks over
 * a 10 Mbit/s bottleneck with 5 ms each way and a queue without limit, so
 * slow start never loses a segment and only the RTT tells that the path
 * is full. With cfg.tcp_hystart the sender leaves slow start on the rising
 * RTT (ssthresh set, no retransmission) and keeps the queue short; without
 * it slow start doubles until the send buffer stops it, and the queue
 * delay grows to match. Checks that TCP hands the congestion controller
 * its RTT samples and the sequence space HyStart++'s rounds need. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"
#include "../harness/stream.h"

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define B_ADDR UST_IP4(203, 0, 113, 2)
#define SSTHRESH_INITIAL (1u << 30) /* cc.h CC_SSTHRESH_INITIAL */

struct run {
    struct ust_tcp_info info; /* the sender's, once all is delivered */
    struct ust_tcp_stats a;   /* the sender's counters */
};

static struct ust_stack *stack_on(struct ust_sim *sim, struct ust_sim_switch *sw,
                                  struct ust_config *c, ust_ip4_t addr)
{
    struct ust_stack *st = ust_stack_new(c);
    assert_non_null(st);
    assert_int_equal(ust_sim_add_stack(sim, st), 0);
    struct ust_dev *d = ust_sim_attach(sw, st, "eth0", NULL, 1500);
    assert_true(ust_iface_add(st, d, addr, 24) >= 0);
    struct ust_sim_faults f = {.delay = 5 * UST_MSEC, .rate_bps = 10000000};
    assert_int_equal(ust_sim_set_faults(d, UST_SIM_TX, &f), 0);
    return st;
}

static struct run transfer(const char *cc, bool hystart)
{
    struct ust_sim *sim = ust_sim_new(7);
    struct ust_sim_switch *sw = ust_sim_switch_new(sim, "sw0");
    struct ust_config c;
    ust_config_default(&c);
    strcpy(c.tcp_congestion, cc);
    c.tcp_hystart = hystart;
    struct ust_stack *a = stack_on(sim, sw, &c, A_ADDR);
    struct ust_stack *b = stack_on(sim, sw, &c, B_ADDR);
    char what[64];
    snprintf(what, sizeof(what), "%s hystart %d", cc, hystart);
    struct stream_xfer x;
    stream_transfer(sim, a, b, B_ADDR, 5001, 2u << 20, 60 * UST_SEC, what, &x);
    struct run r = {.a = ust_stack_stats(a)->tcp};
    socklen_t len = sizeof(r.info);
    assert_int_equal(ust_getsockopt(a, x.c, IPPROTO_TCP, UST_TCP_INFO, &r.info, &len), 0);
    if (getenv("HYSTART_SIM_VERBOSE"))
        fprintf(stderr, "%s: cwnd %u ssthresh %u srtt %u us, %llu retransmitted\n", what,
                r.info.cwnd, r.info.ssthresh, r.info.rtt_us,
                (unsigned long long)r.a.RetransSegs);
    stream_xfer_close(a, b, &x);
    ust_sim_free(sim);
    ust_stack_free(a);
    ust_stack_free(b);
    return r;
}

static void compare(const char *cc)
{
    struct run on = transfer(cc, true), off = transfer(cc, false);
    /* no loss either way: the queue has no limit */
    assert_int_equal(on.a.RetransSegs, 0);
    assert_int_equal(off.a.RetransSegs, 0);
    /* with HyStart++ slow start ended on the delay alone ... */
    assert_true(on.info.ssthresh < SSTHRESH_INITIAL);
    /* ... without it nothing ended it */
    assert_int_equal(off.info.ssthresh, SSTHRESH_INITIAL);
    /* and the window, and the queue it built (the RTT above the path's
     * 10 ms), are smaller: congestion avoidance kept growing from where
     * CSS ended (ssthresh about 142 segments in this run, 148 at the end,
     * and 182 ms against 363 segments and 222 ms; with a receiver that
     * ACKed every third segment, slow start was slower and CSS began at
     * 79 segments) */
    assert_true(on.info.cwnd < off.info.cwnd / 2);
    assert_true(on.info.rtt_us < off.info.rtt_us);
}

static void test_newreno_leaves_slow_start_on_delay(void **state)
{
    (void)state;
    compare("newreno");
}

static void test_cubic_leaves_slow_start_on_delay(void **state)
{
    (void)state;
    compare("cubic");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newreno_leaves_slow_start_on_delay),
        cmocka_unit_test(test_cubic_leaves_slow_start_on_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
