/* ECN end to end on the simulated network: two stacks on a switch, a
 * cable from the sender that marks ECN-capable packets CE (ce_mark, as an
 * AQM router would instead of dropping them) and loses nothing. A asks
 * for ECN (tcp_ecn 1), B accepts it (the default, 2). Every byte must
 * arrive, in order; A must slow down (cwnd reductions on ECE) without a
 * single retransmission, and B must have seen exactly the marks the cable
 * made (so the marked headers' checksums and the FCS were right: a bad
 * one would be dropped and resent). Without ECN nothing is ECT, so the
 * same cable marks nothing. */
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
#define TOTAL (3u << 20)

struct run {
    struct ust_stats a, b;
    struct ust_sim_link_stats cable; /* A's transmit direction */
    struct ust_tcp_info info;        /* A's connection at the end */
};

struct net2 {
    struct ust_sim *sim;
    struct ust_stack *a, *b;
    struct ust_dev *da;
};

static void net_up(struct net2 *n, uint64_t seed, unsigned a_ecn, double ce_mark)
{
    memset(n, 0, sizeof(*n));
    n->sim = ust_sim_new(seed);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    struct ust_config c;
    ust_config_default(&c);
    c.seed = seed * 2 + 1;
    c.tcp_ecn = a_ecn;
    n->a = ust_stack_new(&c);
    ust_config_default(&c);
    c.seed = seed * 2 + 2;
    n->b = ust_stack_new(&c);
    n->da = ust_sim_attach(sw, n->a, "eth0", NULL, 1500);
    struct ust_dev *db = ust_sim_attach(sw, n->b, "eth0", NULL, 1500);
    assert_true(ust_iface_add(n->a, n->da, A_ADDR, 24) >= 0);
    assert_true(ust_iface_add(n->b, db, B_ADDR, 24) >= 0);
    struct ust_sim_faults f = {.delay = 5 * UST_MSEC, .rate_bps = 10000000, .ce_mark = ce_mark};
    assert_int_equal(ust_sim_set_faults(n->da, UST_SIM_TX, &f), 0);
    f.ce_mark = 0;
    assert_int_equal(ust_sim_set_faults(db, UST_SIM_TX, &f), 0);
    if (getenv("ECN_SIM_TRACE"))
        ust_stack_set_trace(n->a, ust_trace_to_file, stderr);
}

static struct run transfer(uint64_t seed, unsigned a_ecn, double ce_mark)
{
    struct net2 n;
    net_up(&n, seed, a_ecn, ce_mark);
    char what[64];
    snprintf(what, sizeof(what), "seed %llu ecn %u", (unsigned long long)seed, a_ecn);
    struct stream_xfer x;
    stream_transfer(n.sim, n.a, n.b, B_ADDR, 5001, TOTAL, 600 * UST_SEC, what, &x);
    int c = x.c;
    struct run r;
    socklen_t len = sizeof(r.info);
    assert_int_equal(ust_getsockopt(n.a, c, IPPROTO_TCP, UST_TCP_INFO, &r.info, &len), 0);
    r.a = *ust_stack_stats(n.a);
    r.b = *ust_stack_stats(n.b);
    assert_int_equal(ust_sim_get_link_stats(n.da, UST_SIM_TX, &r.cable), 0);
    stream_xfer_close(n.a, n.b, &x);
    ust_sim_free(n.sim);
    ust_stack_free(n.a);
    ust_stack_free(n.b);
    if (getenv("ECN_SIM_VERBOSE"))
        fprintf(stderr,
                "seed %llu ecn %u: %llu CE marked, %llu ECE, %llu reductions, %llu CWR, "
                "%llu retrans, ssthresh %u\n",
                (unsigned long long)seed, a_ecn, (unsigned long long)r.cable.ce_marked,
                (unsigned long long)r.a.tcp.EcnEceReceived,
                (unsigned long long)r.a.tcp.EcnCwndReductions,
                (unsigned long long)r.a.tcp.EcnCwrSent, (unsigned long long)r.a.tcp.RetransSegs,
                r.info.ssthresh);
    return r;
}

static void check_ecn_run(const struct run *r)
{
    assert_int_equal(r->cable.lost, 0);
    assert_true(r->cable.ce_marked > 0);
    assert_int_equal(r->a.tcp.EcnNegotiated, 1);
    assert_int_equal(r->b.tcp.EcnNegotiated, 1);
    assert_int_equal(r->info.ecn, 1);
    /* every mark reached B intact (header checksum, FCS) */
    assert_int_equal(r->b.tcp.EcnCeReceived, r->cable.ce_marked);
    assert_int_equal(r->b.ip.InCsumErrors + r->b.ip.InHdrErrors + r->b.link.rx_crc_errors, 0);
    /* A slowed down, without any loss recovery */
    assert_true(r->a.tcp.EcnEceReceived >= r->a.tcp.EcnCwndReductions);
    assert_true(r->a.tcp.EcnCwndReductions > 0);
    assert_true(r->a.tcp.EcnCwndReductions <= r->cable.ce_marked);
    assert_true(r->info.ssthresh < (1u << 30)); /* left "arbitrarily high" */
    /* RFC 3168 6.1.2: CWR goes on the first new data after a reduction;
     * one in the last flight (all data sent, FIN-WAIT-1) has none */
    assert_true(r->a.tcp.EcnCwrSent <= r->a.tcp.EcnCwndReductions);
    assert_true(r->a.tcp.EcnCwrSent + 1 >= r->a.tcp.EcnCwndReductions);
    assert_int_equal(r->a.tcp.RetransSegs, 0);
    /* a tail loss probe of new data may go when the receiver holds its
     * ACK longer than 2 * SRTT (RFC 8985 7.2): no retransmission, no loss
     * recovery (RetransSegs above) */
    assert_int_equal(r->a.tcp.FastRetrans + r->a.tcp.Timeouts, 0);
    assert_int_equal(r->info.total_retrans, 0);
}

static void test_ce_marks_slow_the_sender_without_loss(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct run r = transfer(seed, 1, 0.01);
        check_ecn_run(&r);
    }
}

/* The same seed gives the same run, mark for mark. */
static void test_deterministic(void **state)
{
    (void)state;
    struct run x = transfer(7, 1, 0.02), y = transfer(7, 1, 0.02);
    check_ecn_run(&x);
    assert_int_equal(x.cable.ce_marked, y.cable.ce_marked);
    assert_int_equal(x.a.tcp.EcnCwndReductions, y.a.tcp.EcnCwndReductions);
    assert_int_equal(x.a.tcp.OutSegs, y.a.tcp.OutSegs);
    assert_int_equal(x.info.cwnd, y.info.cwnd);
}

/* Without ECN (A in mode 2 does not ask) no packet is ECT: the cable
 * marks none, and nobody slows down for ECN. */
static void test_no_ecn_no_marks(void **state)
{
    (void)state;
    struct run r = transfer(1, 2, 0.5);
    assert_int_equal(r.cable.ce_marked, 0);
    assert_int_equal(r.a.tcp.EcnNegotiated + r.b.tcp.EcnNegotiated, 0);
    assert_int_equal(r.b.tcp.EcnCeReceived + r.a.tcp.EcnCwndReductions, 0);
    assert_int_equal(r.info.ecn, 0);
    assert_int_equal(r.a.tcp.RetransSegs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ce_marks_slow_the_sender_without_loss),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_no_ecn_no_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
