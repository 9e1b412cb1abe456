/* RACK-TLP (RFC 8985) with crafted segments on the virtual clock: when a
 * tail loss probe goes and which segment it is, when RACK calls a segment
 * lost (after the reordering window, without three duplicate ACKs), lost
 * retransmissions, the D-SACK-widened window, the probe episode's
 * congestion response, and the SACK scoreboard across an RTO.
 *
 * Every connection below has the same clock: the handshake takes
 * TH_RTT = 100 ms, so SRTT = min_RTT = 100 ms, RTTVAR = 50 ms, RTO =
 * 300 ms; the PTO is 2 * SRTT = 200 ms, and the reordering window is
 * min_RTT / 4 = 25 ms. No timestamps (the peer does not offer them). */
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
#define MS UST_MSEC

static struct th *th_rack(bool on)
{
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rack = on;
    return th_new(&c);
}

static struct tcb *tcb_of(struct th *h)
{
    return tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport);
}

/* Queues `queued` bytes (segment `first` on); n full segments go out. */
static void send_segs(struct th *h, struct ust_sock *s, uint32_t queued, uint32_t first,
                      uint32_t n)
{
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, queued, 0, NULL), queued);
    for (uint32_t k = first; k < first + n; k++)
        assert_int_equal(seg_expect(h, (k - first + 1) * M == queued ? A | P : A, i + k * M, p)->len, M);
    seg_expect_nothing(h);
}

/* The peer ACKs `ack` with SACK blocks [l0, r0) (and [l1, r1) if l1). */
static void sack_in(struct th *h, uint32_t ack, uint32_t l0, uint32_t r0, uint32_t l1,
                    uint32_t r1)
{
    struct tcp_opts o = {.num_sack = l1 ? 2 : 1, .sack = {{l0, r0}, {l1, r1}}};
    seg_in_opts(h, A, PEER_ISS + 1, ack, 65535, &o, 0, NULL, 0);
}

#define STAT(h, name) ((h)->st->stats.tcp.name)

/* Nothing goes until `after` has passed, then one full segment at seq
 * with the given flags, alone. */
static void resent_at(struct th *h, ust_time_t after, uint8_t flags, uint32_t seq)
{
    th_advance(h, after - 1 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS);
    assert_int_equal(seg_expect(h, flags, seq, PEER_ISS + 1)->len, M);
    seg_expect_nothing(h);
}

/* ---- TLP: when the probe goes and what it is ---------------------------- */

/* The peer ACKs everything up to `ack`: nothing is left in flight, and no
 * retransmission timeout has happened. */
static void acked_without_timeout(struct th *h, struct ust_sock *s, uint32_t p, uint32_t ack)
{
    seg_in(h, A, p, ack, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    assert_int_equal(STAT(h, Timeouts), 0);
}

static void test_probe_resends_last_segment_after_pto(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1;
    send_segs(h, s, 3 * M, 0, 3);
    /* no ACK: at PTO = 2 * SRTT the highest segment goes again (nothing
     * new to send), not the first, and no RTO has happened */
    resent_at(h, 200 * MS, A | P, i + 2 * M);
    assert_int_equal(STAT(h, TlpProbes), 1);
    assert_int_equal(STAT(h, Timeouts), 0);
    assert_int_equal(STAT(h, RetransSegs), 1);
    /* the RTO (300 ms) runs from the probe; one probe per episode */
    resent_at(h, 300 * MS, A, i);
    assert_int_equal(STAT(h, Timeouts), 1);
    assert_int_equal(STAT(h, TlpProbes), 1);
    th_free(h);
}

static void test_probe_sends_new_data_first(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1;
    send_segs(h, s, 11 * M, 0, 10); /* cwnd 10 segments: the 11th waits */
    /* RFC 8985 7.3: a new segment, beyond cwnd, is the probe */
    resent_at(h, 200 * MS, A | P, i + 10 * M);
    assert_int_equal(STAT(h, TlpProbes), 1);
    assert_int_equal(STAT(h, RetransSegs), 0);
    th_free(h);
}

static void test_probe_for_one_segment_waits_for_delayed_ack(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1;
    send_segs(h, s, M, 0, 1);
    /* one segment: PTO = 2 * SRTT + 200 ms (its ACK may be delayed) =
     * 400 ms, past the RTO (300 ms): the probe goes at the RTO's time, in
     * its place, and the RTO starts again from it */
    resent_at(h, 300 * MS, A | P, i);
    assert_int_equal(STAT(h, TlpProbes), 1);
    assert_int_equal(STAT(h, Timeouts), 0);
    resent_at(h, 300 * MS, A | P, i);
    assert_int_equal(STAT(h, Timeouts), 1);
    th_free(h);
}

static void test_no_probe_with_rack_off(void **state)
{
    (void)state;
    struct th *h = th_rack(false);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1;
    send_segs(h, s, 3 * M, 0, 3);
    resent_at(h, 300 * MS, A, i); /* RFC 6298: only the RTO */
    assert_int_equal(STAT(h, TlpProbes), 0);
    assert_int_equal(STAT(h, Timeouts), 1);
    th_free(h);
}

static void test_no_rack_without_sack(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_connect(h);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct tcp_opts o = {.has_mss = true, .mss = 1460}; /* no SACK-permitted */
    th_advance(h, TH_RTT);
    seg_in_opts(h, S | A, PEER_ISS, i, 65535, &o, 0, NULL, 0);
    seg_expect(h, A, i, p);
    /* RFC 8985 4: RACK-TLP needs SACK; without it, RFC 6298 / 5681 */
    assert_false(tcb_of(h)->rec.rack_on);
    send_segs(h, s, 3 * M, 0, 3);
    resent_at(h, 300 * MS, A, i);
    assert_int_equal(STAT(h, TlpProbes), 0);
    assert_int_equal(STAT(h, Timeouts), 1);
    th_free(h);
}

static void test_probe_after_one_second_without_srtt(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_connect(h);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    th_advance(h, 1 * UST_SEC);
    seg_expect(h, S, h->iss, 0); /* the SYN again: Karn, no RTT sample */
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .sack_permitted = true};
    seg_in_opts(h, S | A, PEER_ISS, i, 65535, &o, 0, NULL, 0);
    seg_expect(h, A, i, p);
    assert_int_equal(th_info(s).rto_us, 3000000); /* RFC 6298 5.7 */
    send_segs(h, s, 3 * M, 0, 3);
    /* no SRTT: the PTO is 1 s (RFC 8985 7.2), well before the RTO */
    th_advance(h, 999 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS);
    assert_int_equal(seg_expect(h, A | P, i + 2 * M, p)->len, M);
    assert_int_equal(STAT(h, TlpProbes), 1);
    assert_int_equal(STAT(h, Timeouts), 1); /* the SYN's */
    th_free(h);
}

/* The tail segment is lost; the probe repairs it. */
static void probe_and_ack(struct th *h, struct ust_sock *s)
{
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, 3 * M, 0, 3);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0); /* the first two arrived */
    seg_expect_nothing(h);
    /* slow start, but 3 segments in flight never used the 10-segment
     * window: no growth (RFC 7661; Linux tcp_is_cwnd_limited) */
    assert_int_equal(th_info(s).cwnd, 10 * M);
    /* a 100 ms sample: RTTVAR 37.5 ms, RTO 250 ms. The cumulative ACK
     * restarted the PTO: 200 ms + 200 ms (one segment out) is past the
     * RTO restarted by that ACK */
    assert_int_equal(th_info(s).rto_us, 250000);
    th_advance(h, 249 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS);
    assert_int_equal(seg_expect(h, A | P, i + 2 * M, p)->len, M);
    assert_int_equal(STAT(h, TlpProbes), 1);
}

static void test_probe_that_repaired_a_loss_reduces_cwnd(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    probe_and_ack(h, s);
    /* the probe's ACK, no D-SACK: was the original lost, or its ACK? Not
     * known yet (RFC 8985 7.4.2 waits for an ACK beyond the probe) */
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 3 * M, 65535, NULL, 0);
    assert_int_equal(STAT(h, TlpRecoveries), 0);
    assert_int_equal(th_info(s).cwnd, 10 * M);
    send_segs(h, s, M, 3, 1);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 4 * M, 65535, NULL, 0);
    /* beyond the probe without a D-SACK: the probe repaired a loss, and
     * congestion control reacts once: cwnd 10 -> ssthresh 5 SMSS */
    assert_int_equal(STAT(h, TlpRecoveries), 1);
    assert_int_equal(th_info(s).cwnd, 5 * M);
    assert_int_equal(th_info(s).ssthresh, 5 * M);
    assert_int_equal(STAT(h, Timeouts), 0);
    th_free(h);
}

static void test_probe_reported_as_duplicate_keeps_cwnd(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    probe_and_ack(h, s);
    /* only the ACK was lost: the peer got the segment twice and says so
     * with a D-SACK for the probe (RFC 2883): nothing was lost */
    th_advance(h, 100 * MS);
    sack_in(h, i + 3 * M, i + 2 * M, i + 3 * M, 0, 0);
    send_segs(h, s, M, 3, 1);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 4 * M, 65535, NULL, 0);
    assert_int_equal(STAT(h, TlpRecoveries), 0);
    assert_int_equal(th_info(s).cwnd, 10 * M); /* no reduction */
    th_free(h);
}

/* ---- RACK: losses by time ---------------------------------------------- */

static void test_lost_after_reordering_window_without_dupthresh(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, 4 * M, 0, 4);
    /* one duplicate ACK SACKing segment 1, sent together with 0: segment
     * 0 is lost once it is overdue by RACK.rtt + reo_wnd (100 + 25 ms
     * after it was sent), that is 25 ms after this ACK */
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 2 * M, 0, 0);
    seg_expect_nothing(h);
    th_advance(h, 24 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS); /* the reordering timer */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h); /* 2 and 3 were sent with 1: not late */
    assert_int_equal(STAT(h, DupAcks), 1);
    assert_int_equal(STAT(h, RackReoTimeouts), 1);
    assert_int_equal(STAT(h, RackLost), 1);
    assert_int_equal(STAT(h, FastRetrans), 1);
    /* fast recovery: cwnd = ssthresh = FlightSize / 2 */
    assert_int_equal(th_info(s).cwnd, 2 * M);
    acked_without_timeout(h, s, p, i + 4 * M);
    assert_int_equal(STAT(h, TlpProbes), 0);
    th_free(h);
}

static void test_three_sacked_is_loss_at_once(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, 4 * M, 0, 4);
    /* no reordering seen and three segments SACKed: reo_wnd = 0 */
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 4 * M, 0, 0);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, RackReoTimeouts), 0);
    assert_int_equal(STAT(h, FastRetrans), 1);
    th_free(h);
}

static void test_reordering_is_not_loss(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, 8 * M, 0, 8);
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 2 * M, 0, 0);
    /* segment 0 was only late: it arrives within the window */
    th_advance(h, 10 * MS);
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0);
    th_advance(h, 50 * MS);
    seg_expect_nothing(h);
    assert_true(tcb_of(h)->rack.reordering_seen);
    /* reordering seen: three SACKed segments no longer make reo_wnd 0,
     * segment 2 gets its 25 ms */
    sack_in(h, i + 2 * M, i + 3 * M, i + 6 * M, 0, 0);
    seg_expect_nothing(h);
    th_advance(h, 14 * MS); /* 100 + 10 + 50 + 14 = 174 ms after sending */
    seg_expect_nothing(h);
    th_advance(h, 1 * MS); /* RACK.rtt 160 ms + 25 ms - 160 ms = 25 ms */
    seg_expect_nothing(h);
    th_advance(h, 10 * MS);
    assert_int_equal(seg_expect(h, A, i + 2 * M, p)->len, M);
    assert_int_equal(STAT(h, RetransSegs), 1);
    assert_int_equal(STAT(h, RackLost), 1);
    th_free(h);
}

static void test_lost_retransmission_found_and_resent(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, 12 * M, 0, 10);
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 10 * M, 0, 0); /* segment 0 lost */
    /* cwnd = ssthresh = 5 SMSS: segment 0 again (pipe 1), then the two
     * new segments (pipe 3) */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + 10 * M, p)->len, M);
    assert_int_equal(seg_expect(h, A | P, i + 11 * M, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(th_info(s).cwnd, 5 * M);
    /* the new segments, sent after the retransmission, arrive; it does
     * not: lost again and sent again, without an RTO and without a second
     * reduction (one per episode, RFC 5681 3.2 / RFC 6675 5; PRR-SSRB
     * keeps cwnd at ssthresh: pipe 0 + min(ssthresh - pipe, ...)) */
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 12 * M, 0, 0);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, RackLost), 2);
    assert_int_equal(STAT(h, LostRetransmits), 1);
    assert_int_equal(STAT(h, RetransSegs), 2);
    assert_int_equal(th_info(s).ssthresh, 5 * M);
    assert_int_equal(th_info(s).cwnd, 5 * M);
    assert_int_equal(STAT(h, FastRetrans), 1);
    th_advance(h, 100 * MS);
    acked_without_timeout(h, s, p, i + 12 * M);
    assert_int_equal(th_info(s).cwnd, 5 * M); /* RFC 6937: ssthresh at the end */
    assert_int_equal(th_info(s).cwnd_reductions, 1);
    assert_int_equal(th_info(s).max_episode_reductions, 1);
    assert_int_equal(th_info(s).lost_retrans, 1);
    th_free(h);
}

/* The peer (timestamps on) ACKs `ack`, SACKs [l, r), sends TSval tsval and
 * echoes tsecr. */
static void sack_ts_in(struct th *h, uint32_t ack, uint32_t l, uint32_t r, uint32_t tsval,
                       uint32_t tsecr)
{
    struct tcp_opts o = {.num_sack = 1, .sack = {{l, r}}, .has_timestamp = true,
                         .ts_val = tsval, .ts_ecr = tsecr};
    seg_in_opts(h, A, PEER_ISS + 1, ack, 65535, &o, 0, NULL, 0);
}

/* With timestamps a receiver echoes TS.Recent, which an out-of-order
 * segment does not update (RFC 7323 4.3): the ACK that SACKs a
 * retransmission echoes an older TSval than that retransmission's. That
 * is no sign that the original was SACKed: a retransmission sent before
 * it and still missing is lost, and goes again without an RTO. */
static void test_lost_retransmission_found_with_timestamps(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_connect(h);
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .sack_permitted = true,
                         .has_timestamp = true, .ts_val = 1};
    th_advance(h, TH_RTT);
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1, T = M - 12; /* MSS less the option */
    uint32_t echo = seg_expect(h, A, i, p)->opts.ts_val; /* TS.Recent at the peer */
    assert_int_equal(tcp_sock_ops.send(s, data, 10 * T, 0, NULL), 10 * T);
    for (uint32_t k = 0; k < 10; k++)
        assert_int_equal(seg_expect(h, k == 9 ? A | P : A, i + k * T, p)->len, T);
    th_advance(h, 100 * MS);
    sack_ts_in(h, i, i + 2 * T, i + 10 * T, 2, echo); /* 0 and 1 lost */
    assert_int_equal(seg_expect(h, A, i, p)->len, T);
    assert_int_equal(seg_expect(h, A, i + T, p)->len, T);
    seg_expect_nothing(h);
    /* the retransmission of 1 arrives, that of 0 does not: the echo is
     * still the old TS.Recent */
    th_advance(h, 100 * MS);
    sack_ts_in(h, i, i + T, i + 10 * T, 3, echo);
    assert_int_equal(seg_expect(h, A, i, p)->len, T);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, LostRetransmits), 1);
    assert_int_equal(th_info(s).cwnd_reductions, 1);
    th_advance(h, 100 * MS);
    sack_ts_in(h, i + 10 * T, 0, 0, 4, echo + 300);
    assert_int_equal(th_info(s).unacked, 0);
    assert_int_equal(STAT(h, Timeouts), 0);
    th_free(h);
}

/* A retransmitted segment whose SACK comes nearer the round trip the
 * connection now measures, counted from the original, than counted from
 * the retransmission, was delivered by the original, only late. RACK must
 * not take the retransmission's send time as its reference, or every
 * segment sent before it and not yet reported is marked lost and sent
 * again. Here min_RTT is 2 ms (segment 0's ACK), then twelve round trips
 * of 100 ms (a queue) bring the smoothed RTT of segments sent once to
 * about 80 ms; segments 13 and 14 are reported missing and resent, and
 * the original of 14 is SACKed 5 ms after its retransmission, which
 * passes the min_RTT test: without the third test 13's retransmission
 * and segments 21 and 22 (sent with the first flight, on their way) would
 * go again. */
/* Segment 0 ACKed after 2 ms (min_RTT), segments 1-12 one at a time after
 * 100 ms each (a queue): the smoothed RTT of segments sent once is then
 * about 80 ms. */
static void prime_queued_rtt(struct th *h, struct ust_sock *s)
{
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, M, 0, 1);
    th_advance(h, 2 * MS);
    seg_in(h, A, p, i + M, 65535, NULL, 0);
    for (uint32_t k = 1; k <= 12; k++) {
        send_segs(h, s, M, k, 1);
        th_advance(h, 100 * MS);
        seg_in(h, A, p, i + (k + 1) * M, 65535, NULL, 0);
    }
    assert_true(tcb_of(h)->rack.clean_rtt > 75 * MS);
}

/* After prime_queued_rtt: segments 13-22 go, 100 ms later 15-20 are SACKed
 * and 13 and 14 resent. Returns segment 13's sequence number. */
static uint32_t resend_13_and_14(struct th *h, struct ust_sock *s)
{
    uint32_t i = h->iss + 1 + 13 * M, p = PEER_ISS + 1;
    send_segs(h, s, 10 * M, 13, 10);
    th_advance(h, 100 * MS);
    sack_in(h, i, i + 2 * M, i + 8 * M, 0, 0);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + M, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, RackLost), 2);
    return i;
}

static void test_late_sack_of_original_is_not_the_retransmissions(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t p = PEER_ISS + 1;
    prime_queued_rtt(h, s);
    uint32_t i = resend_13_and_14(h, s);
    th_advance(h, 5 * MS); /* the original of 14 arrives after all */
    sack_in(h, i, i + M, i + 8 * M, 0, 0);
    seg_expect_nothing(h); /* 13's retransmission, 21 and 22 are not lost */
    assert_int_equal(STAT(h, RackLost), 2);
    assert_int_equal(STAT(h, RetransSegs), 2);
    assert_int_equal(STAT(h, RackAmbiguous), 1);
    th_advance(h, 95 * MS);
    acked_without_timeout(h, s, p, i + 10 * M);
    assert_int_equal(STAT(h, RetransSegs), 2);
    th_free(h);
}

/* A retransmission that fills the hole at SND.UNA is ACKed at once, while
 * segments sent once wait for the receiver's coalescing: its quick
 * cumulative ACK is no sign that the original arrived. With no D-SACK
 * yet (no late original seen on this path) it is the retransmission's
 * delivery, and RACK's reference. */
static void test_quick_cumulative_ack_of_retransmission_is_its_own(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t p = PEER_ISS + 1;
    prime_queued_rtt(h, s);
    uint32_t i = resend_13_and_14(h, s);
    th_advance(h, 10 * MS); /* nearer 80 ms from the original than from it */
    seg_in(h, A, p, i + 8 * M, 65535, NULL, 0);
    assert_int_equal(STAT(h, RackAmbiguous), 0);
    assert_true(tcb_of(h)->rack.ref_rexmit);
    /* RACK.rtt is now 10 ms: 21 and 22, sent 110 ms ago, are overdue */
    assert_int_equal(seg_expect(h, A, i + 8 * M, p)->len, M);
    assert_int_equal(seg_expect(h, A | P, i + 9 * M, p)->len, M);
    seg_expect_nothing(h);
    th_advance(h, 90 * MS);
    acked_without_timeout(h, s, p, i + 10 * M);
    th_free(h);
}

/* Four segments from i; 100 ms later the peer SACKs the second: RACK
 * declares the first lost exactly `reo` (the reordering window) after. */
static void expect_first_lost_after(struct th *h, struct ust_sock *s, uint32_t i, uint32_t p,
                                    ust_time_t reo)
{
    assert_int_equal(tcp_sock_ops.send(s, data, 4 * M, 0, NULL), 4 * M);
    for (uint32_t k = 0; k < 4; k++)
        seg_expect(h, k == 3 ? A | P : A, i + k * M, p);
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 2 * M, 0, 0);
    th_advance(h, reo - 1 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
}

static void test_dsack_widens_reordering_window(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, 2 * M, 0, 2);
    th_advance(h, 100 * MS);
    /* a D-SACK (block below the cumulative ACK): something went twice */
    sack_in(h, i + 2 * M, i, i + M, 0, 0);
    assert_int_equal(tcb_of(h)->rack.reo_wnd_mult, 2);
    assert_int_equal(tcb_of(h)->rack.reo_wnd_persist, 16);
    i += 2 * M;
    /* reo_wnd = 2 * min_RTT / 4 = 50 ms, no longer 25 */
    expect_first_lost_after(h, s, i, p, 50 * MS);
    th_free(h);
}

static void test_reordering_window_bounded_by_srtt(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* four round trips, each with a D-SACK: reo_wnd_mult 5, which would
     * be 5 * 100 / 4 = 125 ms */
    for (unsigned k = 0; k < 4; k++, i += M) {
        send_segs(h, s, M, k, 1);
        th_advance(h, 100 * MS);
        sack_in(h, i + M, i, i + M, 0, 0);
    }
    assert_int_equal(tcb_of(h)->rack.reo_wnd_mult, 5);
    assert_int_equal(th_info(s).rtt_us, 100000);
    /* RFC 8985 3.3.2: bounded by SRTT, 100 ms */
    expect_first_lost_after(h, s, i, p, 100 * MS);
    th_free(h);
}

/* ---- the SACK scoreboard across an RTO --------------------------------- */

static void test_rto_resends_only_what_is_not_sacked(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, 4 * M, 0, 4);
    th_advance(h, 100 * MS);
    sack_in(h, i, i + 3 * M, i + 4 * M, 0, 0); /* only segment 3 arrived */
    th_advance(h, 25 * MS);                    /* 0-2 lost: recovery */
    /* entered on the reordering timer, no ACK has said what left the
     * network: PRR (RFC 6937) lets the fast retransmission go alone, as
     * Linux's tcp_rack_reo_timeout does */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    /* the retransmission is lost too: no ACK comes, and the recovery's
     * probe (tcp_tlp.c; PTO 2 x SRTT) resends it 200 ms later */
    resent_at(h, 200 * MS, A, i);
    assert_int_equal(STAT(h, TlpProbes), 1);
    /* lost as well: the RTO, restarted by the probe, resends it 300 ms
     * later with cwnd 1 SMSS */
    resent_at(h, 300 * MS, A, i);
    assert_int_equal(STAT(h, Timeouts), 1);
    /* the SACK of segment 3 survived the RTO (RFC 6675 5.1): 1 and 2 go,
     * 3 does not */
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + M, 65535, NULL, 0);
    assert_int_equal(seg_expect(h, A, i + M, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + 2 * M, p)->len, M);
    seg_expect_nothing(h);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 4 * M, 65535, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(th_info(s).unacked, 0);
    assert_int_equal(STAT(h, RetransSegs), 5); /* 0 three times, 1 and 2 once */
    assert_int_equal(STAT(h, SackReneging), 0);
    th_free(h);
}

static void test_reneged_sacks_are_dropped_at_rto(void **state)
{
    (void)state;
    struct th *h = th_rack(true);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, 4 * M, 0, 4);
    th_advance(h, 100 * MS);
    sack_in(h, i, i + 3 * M, i + 4 * M, 0, 0);
    th_advance(h, 10 * MS);
    /* 0-2 arrive, but the ACK stops at segment 3 that was SACKed: the
     * receiver threw it away (RFC 2018 8) */
    seg_in(h, A, p, i + 3 * M, 65535, NULL, 0);
    assert_int_equal(STAT(h, SackReneging), 1);
    seg_expect_nothing(h);
    /* the RTO restarted by that ACK (a 110 ms sample: SRTT 101.25 ms,
     * RTTVAR 40 ms) forgets the SACK and resends 3 */
    assert_int_equal(th_info(s).rto_us, 261250);
    th_advance(h, 261 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS);
    assert_int_equal(seg_expect(h, A | P, i + 3 * M, p)->len, M);
    assert_int_equal(STAT(h, Timeouts), 1);
    seg_in(h, A, p, i + 4 * M, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_resends_last_segment_after_pto),
        cmocka_unit_test(test_probe_sends_new_data_first),
        cmocka_unit_test(test_probe_for_one_segment_waits_for_delayed_ack),
        cmocka_unit_test(test_no_probe_with_rack_off),
        cmocka_unit_test(test_no_rack_without_sack),
        cmocka_unit_test(test_probe_after_one_second_without_srtt),
        cmocka_unit_test(test_probe_that_repaired_a_loss_reduces_cwnd),
        cmocka_unit_test(test_probe_reported_as_duplicate_keeps_cwnd),
        cmocka_unit_test(test_lost_after_reordering_window_without_dupthresh),
        cmocka_unit_test(test_three_sacked_is_loss_at_once),
        cmocka_unit_test(test_reordering_is_not_loss),
        cmocka_unit_test(test_lost_retransmission_found_and_resent),
        cmocka_unit_test(test_lost_retransmission_found_with_timestamps),
        cmocka_unit_test(test_late_sack_of_original_is_not_the_retransmissions),
        cmocka_unit_test(test_quick_cumulative_ack_of_retransmission_is_its_own),
        cmocka_unit_test(test_dsack_widens_reordering_window),
        cmocka_unit_test(test_reordering_window_bounded_by_srtt),
        cmocka_unit_test(test_rto_resends_only_what_is_not_sacked),
        cmocka_unit_test(test_reneged_sacks_are_dropped_at_rto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
