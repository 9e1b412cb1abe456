/* Loss recovery beyond plain fast retransmit: Limited Transmit (RFC 3042)
 * and SACK-based loss detection (RFC 6675 IsLost), which let a small
 * window start recovery instead of waiting for a retransmission timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static uint8_t data[32768];
static const uint32_t M = 1460;

/* These are the duplicate-ACK rules (RFC 3042, RFC 6675 IsLost and its
 * lost-retransmission check): RACK-TLP, which replaces them when on, is
 * tested in test_tcp_rack.c. */
static struct th *th_dupack_rules(void)
{
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rack = false;
    return th_new(&c);
}

/* Active open; the peer permits SACK or not (no timestamps). */
static struct ust_sock *open_conn(struct th *h, bool peer_sack)
{
    struct ust_sock *s = th_connect(h);
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .sack_permitted = peer_sack};
    th_advance(h, TH_RTT);
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    return s;
}

/* Sends n full segments (the initial window) and checks each went out. */
static void send_window(struct th *h, struct ust_sock *s, uint32_t queued, uint32_t n)
{
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, queued, 0, NULL), queued);
    for (uint32_t k = 0; k < n; k++)
        assert_int_equal(seg_expect(h, k * M + M == queued ? A | P : A, i + k * M, p)->len, M);
    seg_expect_nothing(h);
}

static void test_limited_transmit(void **state)
{
    (void)state;
    struct th *h = th_dupack_rules();
    struct ust_sock *s = open_conn(h, false);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    uint32_t iw = h->st->cfg.tcp_initial_cwnd;
    send_window(h, s, (iw + 3) * M, iw); /* cwnd full, 3 segments wait */
    uint32_t cwnd = th_info(s).cwnd;
    /* the first segment is lost: each of the first two duplicate ACKs
     * releases one new segment (RFC 3042 2) */
    seg_in(h, A, p, i, 65535, NULL, 0);
    assert_int_equal(seg_expect(h, A, i + iw * M, p)->len, M);
    seg_expect_nothing(h);
    seg_in(h, A, p, i, 65535, NULL, 0);
    assert_int_equal(seg_expect(h, A, i + (iw + 1) * M, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(th_info(s).cwnd, cwnd); /* cwnd not raised */
    assert_int_equal(h->st->stats.tcp.FastRetrans, 0);
    /* the third is fast retransmit of the first segment */
    seg_in(h, A, p, i, 65535, NULL, 0);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    assert_int_equal(h->st->stats.tcp.FastRetrans, 1);
    th_free(h);
}

static void test_limited_transmit_respects_peer_window(void **state)
{
    (void)state;
    struct th *h = th_dupack_rules();
    struct ust_sock *s = open_conn(h, false);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* the peer's window is exactly 4 segments: nothing beyond it goes */
    seg_in(h, A, p, i, 4 * M, NULL, 0);
    send_window(h, s, 6 * M, 4);
    seg_in(h, A, p, i, 4 * M, NULL, 0);
    seg_in(h, A, p, i, 4 * M, NULL, 0);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_sack_islost_starts_recovery(void **state)
{
    (void)state;
    struct th *h = th_dupack_rules();
    struct ust_sock *s = open_conn(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_window(h, s, 5 * M, 5);
    /* segment 1 lost and the first ACKs lost too: one duplicate ACK
     * SACKing segments 2-4 (3 SMSS > (DupThresh-1) SMSS) marks SND.UNA
     * lost (RFC 6675 4 IsLost), so recovery starts at once */
    struct tcp_opts o = {.num_sack = 1, .sack = {{i + M, i + 4 * M}}};
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.FastRetrans, 1);
    assert_int_equal(h->st->stats.tcp.Timeouts, 0);
    seg_in(h, A, p, i + 5 * M, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    assert_int_equal(h->st->stats.tcp.RetransSegs, 1);
    th_free(h);
}

static void test_sack_two_smss_not_lost(void **state)
{
    (void)state;
    struct th *h = th_dupack_rules();
    struct ust_sock *s = open_conn(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_window(h, s, 3 * M, 3);
    /* only 2 SMSS SACKed above SND.UNA: reordering, not yet loss */
    struct tcp_opts o = {.num_sack = 1, .sack = {{i + M, i + 3 * M}}};
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.FastRetrans, 0);
    th_free(h);
}

static void test_sack_recovery_repairs_window_in_one_rtt(void **state)
{
    (void)state;
    struct th *h = th_dupack_rules();
    struct ust_sock *s = open_conn(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    uint32_t iw = h->st->cfg.tcp_initial_cwnd;
    assert_int_equal(iw, 10);
    send_window(h, s, 14 * M, 10);
    /* segments 0, 3 and 6 lost; one ACK reports the rest */
    struct tcp_opts o = {.num_sack = 3,
                         .sack = {{i + 7 * M, i + 10 * M}, {i + 4 * M, i + 6 * M}, {i + M, i + 3 * M}}};
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    /* RFC 6675: cwnd = ssthresh = FlightSize/2 = 5 SMSS; all three holes
     * go at once (pipe 1, 2, 3 SMSS), then two new segments fill the
     * window (pipe 5 SMSS) */
    assert_int_equal(th_info(s).cwnd, 5 * M);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + 3 * M, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + 6 * M, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + 10 * M, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + 11 * M, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.FastRetrans, 1);
    assert_int_equal(h->st->stats.tcp.RetransSegs, 3);
    /* a partial ACK up to the retransmitted segment 6, the rest SACKed:
     * only that retransmission is in the network (pipe 1 SMSS), so the
     * last two new segments go */
    o.num_sack = 1;
    o.sack[0] = (struct tcp_sack_block){i + 7 * M, i + 12 * M};
    seg_in_opts(h, A, p, i + 6 * M, 65535, &o, 0, NULL, 0);
    assert_int_equal(seg_expect(h, A, i + 12 * M, p)->len, M);
    assert_int_equal(seg_expect(h, A | P, i + 13 * M, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.PartialAcks, 1);
    seg_in(h, A, p, i + 14 * M, 65535, NULL, 0); /* full ACK: recovery ends */
    assert_int_equal(th_info(s).unacked, 0);
    assert_int_equal(h->st->stats.tcp.RetransSegs, 3);
    assert_int_equal(h->st->stats.tcp.Timeouts, 0);
    th_free(h);
}

static void test_lost_retransmission_sent_again(void **state)
{
    (void)state;
    struct th *h = th_dupack_rules();
    struct ust_sock *s = open_conn(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_window(h, s, 14 * M, 10);
    struct tcp_opts o = {.num_sack = 1, .sack = {{i + M, i + 4 * M}}};
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0); /* IsLost: recovery */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);                         /* pipe 7 SMSS > cwnd 5 */
    o.sack[0].right = i + 10 * M;                  /* pipe 1 SMSS: new data */
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    for (uint32_t k = 10; k < 14; k++)
        assert_int_equal(seg_expect(h, k == 13 ? A | P : A, i + k * M, p)->len, M);
    seg_expect_nothing(h);
    /* the retransmission of segment 0 is lost: what was sent after it
     * arrives; at more than 2 SMSS above it, it goes again */
    o.sack[0].right = i + 11 * M;
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    o.sack[0].right = i + 12 * M;
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    seg_expect_nothing(h);
    o.sack[0].right = i + 13 * M;
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    o.sack[0].right = i + 14 * M;                   /* not a third time */
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.RetransSegs, 2);
    assert_int_equal(h->st->stats.tcp.Timeouts, 0);
    seg_in(h, A, p, i + 14 * M, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    th_free(h);
}

/* Advances the clock until the retransmission timer sends something. */
static void until_rto(struct th *h)
{
    for (int k = 0; k < 1000 && th_pending(h) == 0; k++)
        th_advance(h, 10 * UST_MSEC);
    assert_int_equal(h->st->stats.tcp.Timeouts, 1);
}

static void test_rto_resend_skips_sacked(void **state)
{
    (void)state;
    struct th *h = th_dupack_rules();
    struct ust_sock *s = open_conn(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_window(h, s, 6 * M, 6);
    /* 0 and 2 lost, 1 and 3 arrive (too little SACKed to call 0 lost),
     * the later ACKs are lost: the timer expires */
    struct tcp_opts o = {.num_sack = 2, .sack = {{i + 3 * M, i + 4 * M}, {i + M, i + 2 * M}}};
    seg_in_opts(h, A, p, i, 65535, &o, 0, NULL, 0);
    seg_expect_nothing(h);
    until_rto(h);
    assert_int_equal(seg_expect(h, A, i, p)->len, M); /* cwnd 1 SMSS */
    seg_expect_nothing(h);
    /* the ACK of 0-1 still SACKs 3: going back, segment 2 goes and 3 is
     * skipped (RFC 6675 5.1), though cwnd (2 SMSS) would allow it */
    o.num_sack = 1;
    seg_in_opts(h, A, p, i + 2 * M, 65535, &o, 0, NULL, 0);
    assert_int_equal(seg_expect(h, A, i + 2 * M, p)->len, M);
    seg_expect_nothing(h);
    seg_in(h, A, p, i + 4 * M, 65535, NULL, 0);
    assert_int_equal(seg_expect(h, A, i + 4 * M, p)->len, M);
    assert_int_equal(seg_expect(h, A | P, i + 5 * M, p)->len, M);
    seg_in(h, A, p, i + 6 * M, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    assert_int_equal(h->st->stats.tcp.RetransSegs, 4);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limited_transmit),
        cmocka_unit_test(test_limited_transmit_respects_peer_window),
        cmocka_unit_test(test_sack_islost_starts_recovery),
        cmocka_unit_test(test_sack_two_smss_not_lost),
        cmocka_unit_test(test_sack_recovery_repairs_window_in_one_rtt),
        cmocka_unit_test(test_lost_retransmission_sent_again),
        cmocka_unit_test(test_rto_resend_skips_sacked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
