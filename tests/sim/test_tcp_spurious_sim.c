/* Spurious retransmissions under random loss: two stacks on a simulated
 * switch, random loss on every cable direction (data and ACKs), bbr1
 * (loss-agnostic BBR, whose sending rate random loss does not cut) and
 * NewReno. Every retransmission a D-SACK reports back (DsackRecvSegs:
 * the receiver got the segment twice, and the cable never duplicates)
 * was not needed. RACK-TLP (RFC 8985) should send few of those: a segment
 * is lost only once a segment sent after it was delivered and a
 * reordering window has passed since it was sent, and the SACK of a
 * retransmission that comes back sooner than min_RTT is not taken as its
 * delivery. Virtual time is deterministic: the counts are a property of
 * the code, so a bound on them is a fair test. */
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

struct path {
    double loss;        /* each way */
    ust_time_t delay;   /* each way */
    ust_time_t jitter;  /* each way, frames stay in order */
    uint64_t rate_bps;
    double reorder;     /* each way: a frame held back 1 ms */
};

struct run {
    ust_time_t took;
    struct ust_tcp_stats a; /* the sender's counters */
    uint32_t rtos;          /* the sender connection's RTOs after the handshake */
};

static struct run transfer(uint64_t seed, const struct path *p, const char *cc, size_t total)
{
    struct stream_pair n;
    memset(&n, 0, sizeof(n));
    struct ust_config c;
    ust_config_default(&c);
    snprintf(c.tcp_congestion, sizeof(c.tcp_congestion), "%s", cc);
    c.tcp_sndbuf = c.tcp_rcvbuf = 4 << 20;
    c.ipv6_enabled = false; /* an IPv4 transfer: no DAD/MLD frames on the lossy link */
    struct ust_sim_faults f = {.loss = p->loss, .delay = p->delay, .jitter = p->jitter, .rate_bps = p->rate_bps,
                             .reorder = p->reorder, .reorder_delay = UST_MSEC};
    stream_pair_up(&n, seed, &c, A_ADDR, B_ADDR, &f, &f);
    if (getenv("SPURIOUS_SIM_TRACE"))
        ust_stack_set_trace(n.a, ust_trace_to_file, stderr);
    char what[96];
    snprintf(what, sizeof(what), "seed %llu loss %.3f delay %llu us %s", (unsigned long long)seed,
             p->loss, (unsigned long long)(p->delay / UST_USEC), cc);
    struct stream_xfer x;
    stream_transfer(n.sim, n.a, n.b, B_ADDR, 5001, total, 900 * UST_SEC, what, &x);
    struct ust_tcp_info info;
    socklen_t ilen = sizeof(info);
    assert_int_equal(ust_getsockopt(n.a, x.c, IPPROTO_TCP, UST_TCP_INFO, &info, &ilen), 0);
    struct run r = {.took = x.took, .a = ust_stack_stats(n.a)->tcp, .rtos = info.rtos};
    stream_xfer_close(n.a, n.b, &x);
    stream_pair_free(&n);
    if (getenv("SPURIOUS_SIM_VERBOSE"))
        fprintf(stderr,
                "%s jit %llu reo %.2f: %.3f s (%.1f Mbit/s) out %llu retrans %llu (%.2f %%) dsack-segs %llu "
                "(%.2f %% of retrans) lost-retrans %llu rack-lost %llu rto %llu (data %u) tlp %llu "
                "undos %llu fastrtx %llu\n",
                what, (unsigned long long)(p->jitter / UST_USEC), p->reorder, (double)r.took / UST_SEC,
                (double)total * 8 / ((double)r.took / UST_SEC) / 1e6,
                (unsigned long long)r.a.OutSegs, (unsigned long long)r.a.RetransSegs,
                100.0 * (double)r.a.RetransSegs / (double)r.a.OutSegs,
                (unsigned long long)r.a.DsackRecvSegs,
                r.a.RetransSegs ? 100.0 * (double)r.a.DsackRecvSegs / (double)r.a.RetransSegs : 0,
                (unsigned long long)r.a.LostRetransmits, (unsigned long long)r.a.RackLost,
                (unsigned long long)r.a.Timeouts, r.rtos, (unsigned long long)r.a.TlpProbes,
                (unsigned long long)r.a.Undos, (unsigned long long)r.a.FastRetrans);
    return r;
}

/* SPURIOUS_SIM_MATRIX=1: every loss rate and path, both algorithms,
 * printed (with SPURIOUS_SIM_VERBOSE=1); asserts only that data moved. */
static void test_matrix(void **state)
{
    (void)state;
    static const double loss[] = {0.01, 0.05, 0.10};
    static const struct path paths[] = {
        {0, 100 * UST_USEC, 0, 1000000000ull, 0},
        {0, 5 * UST_MSEC, 0, 200000000ull, 0},
        {0, 50 * UST_USEC, 1 * UST_MSEC, 1000000000ull, 0},
        {0, 5 * UST_MSEC, 2 * UST_MSEC, 200000000ull, 0},
        {0, 100 * UST_USEC, 0, 1000000000ull, 0.01},
        {0, 5 * UST_MSEC, 0, 200000000ull, 0.01},
    };
    const char *ccs[] = {"bbr1", "newreno"};
    unsigned seeds = getenv("SPURIOUS_SIM_SEEDS") ? (unsigned)atoi(getenv("SPURIOUS_SIM_SEEDS")) : 1;
    for (unsigned c = 0; c < 2; c++)
        for (unsigned p = 0; p < 6; p++)
            for (unsigned l = 0; l < 3; l++)
                for (unsigned s = 1; s <= seeds; s++) {
                    const char *only = getenv("SPURIOUS_SIM_CELL"); /* "c,p,l": one run */
                    char cell[32];
                    snprintf(cell, sizeof(cell), "%u,%u,%u", c, p, l);
                    if (only && strcmp(only, cell) != 0)
                        continue;
                    struct path q = paths[p];
                    q.loss = loss[l];
                    struct run r = transfer(s, &q, ccs[c], 8 << 20);
                    assert_true(r.a.RetransSegs > 0);
                }
}

/* A path that reorders a little (1 % of frames each way held back 1 ms,
 * a tenth of the 10 ms RTT) and loses 1 % or 5 %: the reordering shows
 * as D-SACKs of retransmissions that had been SACKed (the late first
 * copy), RACK takes it as reordering and keeps a reordering window in
 * recovery, so fewer than 5 % of bbr1's retransmissions come back as
 * D-SACKs. Before, the window stayed 0 whenever three segments were
 * SACKed and 10-44 % of them did (seeds 1-2). */
static void test_few_spurious_retransmissions_on_reordering_path(void **state)
{
    (void)state;
    static const double loss[] = {0.01, 0.05};
    for (unsigned l = 0; l < 2; l++)
        for (uint64_t seed = 1; seed <= 2; seed++) {
            struct path q = {loss[l], 5 * UST_MSEC, 0, 200000000ull, 0.01};
            struct run r = transfer(seed, &q, "bbr1", 8 << 20);
            assert_true(r.a.RetransSegs > 0);
            if (!(r.a.DsackRecvSegs * 100 < 5 * r.a.RetransSegs))
                fail_msg("seed %llu loss %.2f: %llu of %llu retransmissions D-SACKed (5 %% allowed)",
                         (unsigned long long)seed, loss[l], (unsigned long long)r.a.DsackRecvSegs,
                         (unsigned long long)r.a.RetransSegs);
        }
}

/* Paths that do not reorder, 1-10 % loss each way: every loss bbr1's
 * RACK finds gets resent before the RTO, so no RTO fires once the data
 * flows (a lost SYN's timeout is the handshake's, not counted). A loss
 * found late in a recovery episode, in new data sent during it, is
 * marked lost but its retransmission waits for the pacing gap; when the
 * ACK of the episode's recovery point came first, recovery ended with
 * that segment marked and unsent, nothing resent it, and the transfer
 * stalled to the RTO (seed 1: 5 ms paths at 1 % loss, 100 us at 10 %).
 * Such a segment now starts a new recovery (tcp_rack.c lost_unsent). */
static void test_no_rto_on_paths_without_reordering(void **state)
{
    (void)state;
    static const double loss[] = {0.01, 0.05, 0.10};
    static const struct path paths[] = {
        {0, 100 * UST_USEC, 0, 1000000000ull, 0},
        {0, 5 * UST_MSEC, 0, 200000000ull, 0},
        {0, 50 * UST_USEC, 1 * UST_MSEC, 1000000000ull, 0},
        {0, 5 * UST_MSEC, 2 * UST_MSEC, 200000000ull, 0},
    };
    for (unsigned p = 0; p < 4; p++)
        for (unsigned l = 0; l < 3; l++) {
            struct path q = paths[p];
            q.loss = loss[l];
            struct run r = transfer(1, &q, "bbr1", 8 << 20);
            assert_true(r.a.RetransSegs > 0); /* losses were there to recover from */
            if (r.rtos != 0)
                fail_msg("path %u loss %.2f: %u RTOs after the handshake", p, loss[l], r.rtos);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_few_spurious_retransmissions_on_reordering_path),
        cmocka_unit_test(test_no_rto_on_paths_without_reordering),
    };
    /* The matrix is a measurement, not a test: it runs only when asked. */
    const struct CMUnitTest matrix[] = {cmocka_unit_test(test_matrix)};
    if (getenv("SPURIOUS_SIM_MATRIX"))
        return cmocka_run_group_tests(matrix, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
