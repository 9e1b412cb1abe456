/* BBR against NewReno on the same lossy path: two stacks on a simulated
 * switch, 2 % (and 5 %) random loss on every cable direction, 5 ms each way (RTT
 * 10 ms), 50 Mbit/s. The same seed runs one transfer with
 * cfg.tcp_congestion = "bbr" and one with "newreno": both must deliver
 * every byte in order (stream.h checks each byte), and BBR, whose model
 * is not cut by random loss below its 2 % threshold, must move the data
 * several times faster. Virtual time is deterministic, so the ratio is a
 * property of the code, not of the machine running the test. */
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

struct run {
    ust_time_t took;
    struct ust_tcp_stats a; /* the sender's counters */
    struct ust_tcp_info info; /* the sender's connection at the end */
};

static void net_up(struct stream_pair *n, uint64_t seed, double loss, const char *cc,
                   unsigned thresh)
{
    memset(n, 0, sizeof(*n));
    struct ust_config c;
    ust_config_default(&c);
    snprintf(c.tcp_congestion, sizeof(c.tcp_congestion), "%s", cc);
    c.tcp_sndbuf = c.tcp_rcvbuf = 1 << 20;
    c.ipv6_accept_ra = false; /* no Router Solicitations in this IPv4 loss pattern */
    if (thresh)
        c.tcp_bbr_loss_thresh = thresh;
    struct ust_sim_faults f = {.loss = loss, .delay = 5 * UST_MSEC, .rate_bps = 50000000};
    stream_pair_up(n, seed, &c, A_ADDR, B_ADDR, &f, &f);
    if (getenv("BBR_SIM_TRACE"))
        ust_stack_set_trace(n->a, ust_trace_to_file, stderr);
}

/* thresh: cfg.tcp_bbr_loss_thresh, 0 for the default */
static struct run transfer_thresh(uint64_t seed, double loss, size_t total, const char *cc,
                                  unsigned thresh)
{
    struct stream_pair n;
    net_up(&n, seed, loss, cc, thresh);
    char what[64];
    snprintf(what, sizeof(what), "seed %llu loss %.3f %s", (unsigned long long)seed, loss, cc);
    struct stream_xfer x;
    stream_transfer(n.sim, n.a, n.b, B_ADDR, 5001, total, 900 * UST_SEC, what, &x);
    struct run r = {.took = x.took, .a = ust_stack_stats(n.a)->tcp};
    socklen_t len = sizeof(r.info);
    assert_int_equal(ust_getsockopt(n.a, x.c, IPPROTO_TCP, UST_TCP_INFO, &r.info, &len), 0);
    stream_xfer_close(n.a, n.b, &x);
    stream_pair_free(&n);
    if (getenv("BBR_SIM_VERBOSE"))
        fprintf(stderr,
                "seed %llu loss %.3f %s: %.3f s (%.1f Mbit/s), %llu retrans, %llu rto, "
                "%llu paced waits, cc %s, pacing %llu B/s, min_rtt %u us\n",
                (unsigned long long)seed, loss, cc, (double)r.took / UST_SEC,
                (double)total * 8 / ((double)r.took / UST_SEC) / 1e6,
                (unsigned long long)r.a.RetransSegs, (unsigned long long)r.a.Timeouts,
                (unsigned long long)r.a.PacingWaits, r.info.cc_state,
                (unsigned long long)r.info.pacing_rate, r.info.min_rtt_us);
    return r;
}

static struct run transfer(uint64_t seed, double loss, size_t total, const char *cc)
{
    return transfer_thresh(seed, loss, total, cc, 0);
}

/* Same seed, same path: BBR at least `ratio` times NewReno's goodput. */
static void compare(uint64_t seed, double loss, double ratio)
{
    size_t total = 4 << 20;
    struct run bbr = transfer(seed, loss, total, "bbr");
    struct run reno = transfer(seed, loss, total, "newreno");
    /* both delivered every byte (stream_transfer checked them); only BBR paced */
    assert_true(bbr.a.PacingWaits > 0);
    assert_int_equal(reno.a.PacingWaits, 0);
    assert_true(bbr.info.pacing_rate > 0);
    assert_int_equal(reno.info.pacing_rate, 0);
    assert_true(strncmp(bbr.info.cc_state, "ProbeBW_", 8) == 0); /* past Startup/Drain */
    assert_true(bbr.a.RetransSegs > 0); /* the loss was there for both */
    if (!((double)bbr.took * ratio < (double)reno.took))
        fail_msg("seed %llu loss %.3f: bbr %.3f s, newreno %.3f s: less than %.1fx",
                 (unsigned long long)seed, loss, (double)bbr.took / UST_SEC,
                 (double)reno.took / UST_SEC, ratio);
}

/* The seeds and ratios below come from running seeds 1-6 once
 * (BBR_SIM_VERBOSE=1 prints each run): at 2 % loss BBR moved 4 MiB in
 * 0.81-1.52 s, NewReno in 3.3-5.3 s (3.5x-5.9x); at 5 % loss 1.75-2.23 s
 * against 9.7-12.5 s. Without loss both fill the 50 Mbit/s link. NewReno
 * got better as loss recovery did (undo, PRR, quick ACKs, byte counting:
 * now 3.1-3.8 s at 2 % and 7.3 s at 5 % for seeds 1-3 and 1, against BBR's
 * 0.87-1.01 s and 2.44 s), so the floors are 2x and 2.5x, still far above
 * what a window halved per loss can reach on this path. */
static void test_bbr_beats_newreno_2pct(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++)
        compare(seed, 0.02, 2.0);
}

static void test_bbr_beats_newreno_5pct(void **state)
{
    (void)state;
    compare(1, 0.05, 2.5);
}

/* cfg.tcp_bbr_loss_thresh at 1000 per mille makes BBR's long-term model
 * deaf to loss (as Linux 6.1's BBRv1): at 5 % random loss, which is above
 * the draft's 2 % in most rounds, the default bounds inflight_hi and cuts
 * the rate; the loss-agnostic setting does not. Same seed, same path:
 * 4 MiB took 2.44 s with the default and 1.34 s at 1000 when written; the
 * floor asserted is 1.3x. */
static void test_bbr_loss_thresh_5pct(void **state)
{
    (void)state;
    size_t total = 4 << 20;
    struct run draft = transfer_thresh(1, 0.05, total, "bbr", 0);
    struct run deaf = transfer_thresh(1, 0.05, total, "bbr", 1000);
    assert_true(draft.a.RetransSegs > 0 && deaf.a.RetransSegs > 0);
    if (getenv("BBR_SIM_VERBOSE"))
        fprintf(stderr, "5 %%: thresh 2 %% %.3f s, 100 %% %.3f s\n", (double)draft.took / UST_SEC,
                (double)deaf.took / UST_SEC);
    if (!((double)deaf.took * 1.3 < (double)draft.took))
        fail_msg("thresh 1000: %.3f s, default: %.3f s: less than 1.3x", (double)deaf.took / UST_SEC,
                 (double)draft.took / UST_SEC);
}

/* Pacing runs on the stack's timer heap and BBR's random choices on the
 * stack's PRNG: the same seed gives the same run. */
static void test_bbr_same_seed_same_run(void **state)
{
    (void)state;
    struct run x = transfer(2, 0.02, 1 << 20, "bbr");
    struct run y = transfer(2, 0.02, 1 << 20, "bbr");
    assert_int_equal(x.took, y.took);
    assert_memory_equal(&x.a, &y.a, sizeof(x.a));
    assert_int_equal(x.info.pacing_rate, y.info.pacing_rate);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bbr_beats_newreno_2pct),
        cmocka_unit_test(test_bbr_beats_newreno_5pct),
        cmocka_unit_test(test_bbr_same_seed_same_run),
        cmocka_unit_test(test_bbr_loss_thresh_5pct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
