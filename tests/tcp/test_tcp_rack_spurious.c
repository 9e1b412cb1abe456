/* RACK-TLP (RFC 8985) against spurious retransmissions, with crafted
 * segments on the virtual clock:
 * - lost segments are resent at the pacing rate when the congestion
 *   control paces (Linux's tcp_xmit_retransmit_queue checks
 *   tcp_pacing_check), not in one burst: a burst of retransmissions, each
 *   filling another hole, crowds the receiver's SACK blocks and the
 *   path's queue, and the ones reported late were taken for lost again;
 *   without a pacing rate (NewReno, CUBIC) they still go at once;
 * - a D-SACK for a retransmitted segment that was already SACKed means
 *   the first copy arrived late, not lost: reordering (RFC 8985 6.2 step
 *   3, as Linux's tcp_sacktag_one), so the reordering window no longer
 *   drops to zero once three segments are SACKed;
 * - so does an undo by timestamps (Eifel) of a fast recovery, as Linux;
 * - D-SACK rounds widen the window up to 255 steps of min_RTT / 4, as
 *   Linux's;
 * - an undone RTO leaves RACK to mark what the same ACK shows lost, and
 *   an RTO inside a recovery that proves spurious is undone alone;
 * - a recovery whose last ACK is lost is probed, not left to the RTO.
 *
 * The clock: the handshake takes TH_RTT = 100 ms, so SRTT = min_RTT =
 * 100 ms, the reordering window min_RTT / 4 = 25 ms. No timestamps. */
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
#define STAT(h, name) ((h)->st->stats.tcp.name)

static struct tcb *tcb_of(struct th *h)
{
    return tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport);
}

static struct th *th_rack(void)
{
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rack = true;
    return th_new(&c);
}

/* Queues and sends n full segments, first..first+n-1 (the last with PSH). */
static void send_segs(struct th *h, struct ust_sock *s, uint32_t first, uint32_t n)
{
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, n * M, 0, NULL), n * M);
    for (uint32_t k = first; k < first + n; k++)
        assert_int_equal(seg_expect(h, k == first + n - 1 ? A | P : A, i + k * M, p)->len, M);
    seg_expect_nothing(h);
}

/* The peer ACKs `ack` with one SACK block [l, r) (a D-SACK when below ack). */
static void sack_in(struct th *h, uint32_t ack, uint32_t l, uint32_t r)
{
    struct tcp_opts o = {.num_sack = 1, .sack = {{l, r}}};
    seg_in_opts(h, A, PEER_ISS + 1, ack, 65535, &o, 0, NULL, 0);
}

/* Eight segments out, then the peer SACKs 4..7: RACK (three SACKed, no
 * reordering seen: window 0) calls 0..3 lost at once and fast recovery
 * resends the first of them. Returns the socket. */
static struct ust_sock *four_lost(struct th *h, uint64_t pacing_rate)
{
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1;
    send_segs(h, s, 0, 8);
    tcb_of(h)->cc.pacing_rate = pacing_rate; /* NewReno sets none: the test does */
    th_advance(h, 100 * MS);
    sack_in(h, i, i + 4 * M, i + 8 * M);
    assert_int_equal(STAT(h, RackLost), 4);
    assert_int_equal(STAT(h, FastRetrans), 1);
    return s;
}

static void test_lost_segments_resent_at_pacing_rate(void **state)
{
    (void)state;
    struct th *h = th_rack();
    uint32_t i, p = PEER_ISS + 1;
    four_lost(h, 100 * M); /* 10 ms a segment, two a quantum */
    i = h->iss + 1;
    /* the first lost segment goes at once (RFC 6675 5 (4.3)); the next
     * waits for the pacing gap the first one took */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    th_advance(h, 9 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS); /* 10 ms: a quantum, two segments */
    assert_int_equal(seg_expect(h, A, i + M, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + 2 * M, p)->len, M);
    seg_expect_nothing(h);
    th_advance(h, 19 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS); /* 30 ms: the last one */
    assert_int_equal(seg_expect(h, A, i + 3 * M, p)->len, M);
    seg_expect_nothing(h);
    assert_true(STAT(h, PacingWaits) >= 2);
    assert_int_equal(STAT(h, RetransSegs), 4);
    th_free(h);
}

static void test_lost_segments_resent_at_once_when_unpaced(void **state)
{
    (void)state;
    struct th *h = th_rack();
    uint32_t i, p = PEER_ISS + 1;
    four_lost(h, 0);
    i = h->iss + 1;
    /* no pacing rate: all four (PRR allows them) go in this ACK's output */
    for (uint32_t k = 0; k < 4; k++)
        assert_int_equal(seg_expect(h, A, i + k * M, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, PacingWaits), 0);
    th_free(h);
}

static void test_dsack_of_sacked_retransmission_is_reordering(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_segs(h, s, 0, 6);
    /* 0 arrives, 1 does not (yet), 2..5 do: 1 is lost at once */
    th_advance(h, 100 * MS);
    sack_in(h, i + M, i + 2 * M, i + 6 * M);
    assert_int_equal(seg_expect(h, A, i + M, p)->len, M);
    seg_expect_nothing(h);
    /* 10 ms later the first copy of 1 is SACKed: too soon to be the
     * retransmission's (less than min_RTT), it was only late */
    th_advance(h, 10 * MS);
    sack_in(h, i + M, i + M, i + 6 * M);
    assert_false(tcb_of(h)->rack.reordering_seen);
    /* the retransmission arrives too, and the peer says so (D-SACK) with
     * the cumulative ACK: reordering */
    th_advance(h, 90 * MS);
    sack_in(h, i + 6 * M, i + M, i + 2 * M);
    assert_true(tcb_of(h)->rack.reordering_seen);
    assert_int_equal(tcb_of(h)->rack.reo_wnd_mult, 2); /* the D-SACK's round */
    assert_int_equal(th_info(s).unacked, 0);
    /* so three SACKed segments above a hole no longer mean a loss at
     * once: segment 6 gets reo_wnd = 2 * min_RTT / 4 = 50 ms */
    send_segs(h, s, 6, 4);
    th_advance(h, 100 * MS);
    sack_in(h, i + 6 * M, i + 7 * M, i + 10 * M);
    seg_expect_nothing(h);
    th_advance(h, 49 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS);
    assert_int_equal(seg_expect(h, A, i + 6 * M, p)->len, M);
    th_free(h);
}

/* A D-SACK of a retransmission never SACKed (the retransmission was sent
 * after the original's ACK was lost, say) says nothing of reordering. */
static void test_dsack_of_unsacked_retransmission_is_not_reordering(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1;
    send_segs(h, s, 0, 6);
    th_advance(h, 100 * MS);
    sack_in(h, i + M, i + 2 * M, i + 6 * M);
    assert_int_equal(seg_expect(h, A, i + M, PEER_ISS + 1)->len, M);
    th_advance(h, 100 * MS);
    sack_in(h, i + 6 * M, i + M, i + 2 * M);
    assert_false(tcb_of(h)->rack.reordering_seen);
    assert_int_equal(STAT(h, DsackRecv), 1);
    assert_int_equal(STAT(h, DsackRecvSegs), 1);
    th_free(h);
}

/* Each round trip with a D-SACK widens the window by min_RTT / 4 up to
 * 255 steps, as Linux's reo_wnd_steps (SRTT bounds the window anyway):
 * with a min_RTT far below SRTT (a queue on the path) 64 steps could
 * not reach it. */
static void test_reordering_window_steps_beyond_64(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1;
    tcb_of(h)->rack.reo_wnd_mult = 64;
    send_segs(h, s, 0, 2);
    th_advance(h, 100 * MS);
    sack_in(h, i + 2 * M, i, i + M); /* a D-SACK below the cumulative ACK */
    assert_int_equal(tcb_of(h)->rack.reo_wnd_mult, 65);
    tcb_of(h)->rack.reo_wnd_mult = 255;
    send_segs(h, s, 2, 2);
    th_advance(h, 100 * MS);
    sack_in(h, i + 4 * M, i + 2 * M, i + 3 * M);
    assert_int_equal(tcb_of(h)->rack.reo_wnd_mult, 255); /* the bound */
    th_free(h);
}

/* With timestamps: fast recovery resends segment 0, and the ACK that
 * covers it echoes the original's TSval (RFC 3522): the original was
 * late, not lost. The episode is undone, and, as Linux's
 * tcp_try_undo_partial does (tcp_packet_delayed), RACK takes it as
 * reordering: a D-SACK cannot say so when the late original filled the
 * hole at SND.UNA (its retransmission's D-SACK is below the new SND.UNA,
 * where nothing is left to have been SACKed). */
static void test_eifel_undo_of_recovery_is_reordering(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = th_connect(h);
    uint32_t syn_ts = h->q[h->qhead - 1].opts.ts_val, peer_ts = 5000;
    th_advance(h, 100 * MS);
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .sack_permitted = true,
                         .has_timestamp = true, .ts_val = peer_ts++, .ts_ecr = syn_ts};
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1, m = 1448, ts = 0;
    assert_int_equal(tcp_sock_ops.send(s, data, 4 * m, 0, NULL), 4 * m);
    for (uint32_t k = 0; k < 4; k++)
        ts = seg_expect(h, k == 3 ? A | P : A, i + k * m, p)->opts.ts_val;
    /* 1..3 SACKed (echoing their TSval): 0 is resent, 10 ms later */
    th_advance(h, 100 * MS);
    struct tcp_opts a = {.num_sack = 1, .sack = {{i + m, i + 4 * m}}, .has_timestamp = true,
                         .ts_val = peer_ts++, .ts_ecr = ts};
    seg_in_opts(h, A, p, i, 65535, &a, 0, NULL, 0);
    assert_int_equal(seg_expect(h, A, i, p)->len, m);
    seg_expect_nothing(h);
    assert_false(tcb_of(h)->rack.reordering_seen);
    th_advance(h, 10 * MS);
    /* the cumulative ACK echoes the original's TSval, older than the
     * retransmission's: Eifel */
    struct tcp_opts c = {.has_timestamp = true, .ts_val = peer_ts++, .ts_ecr = ts};
    seg_in_opts(h, A, p, i + 4 * m, 65535, &c, 0, NULL, 0);
    assert_int_equal(STAT(h, SpuriousEifel), 1);
    assert_int_equal(STAT(h, Undos), 1);
    assert_true(tcb_of(h)->rack.reordering_seen);
    th_free(h);
}

/* An RTO that the same ACK shows both spurious and not the whole story:
 * the RTO resent segment 0, whose first copy had arrived (D-SACK: the
 * timeout is undone), and the ACK also SACKs segment 3, the tail loss
 * probe's new data, sent 200 ms after 1 and 2, which RACK so finds lost.
 * The undo restores the window and unmarks what the RTO marked; RACK's
 * verdict on this ACK must come after it, or 1 and 2 wait, unmarked, for
 * another RTO (Linux runs its loss detection after tcp_try_undo_loss). */
static void test_rto_undo_keeps_losses_the_same_ack_shows(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    tcb_of(h)->cc.cwnd = 3 * M; /* segment 3 waits: the probe's new data */
    assert_int_equal(tcp_sock_ops.send(s, data, 4 * M, 0, NULL), 4 * M);
    for (uint32_t k = 0; k < 3; k++)
        assert_int_equal(seg_expect(h, A, i + k * M, p)->len, M);
    seg_expect_nothing(h);
    th_advance(h, 200 * MS); /* the PTO: 2 * SRTT */
    assert_int_equal(seg_expect(h, A | P, i + 3 * M, p)->len, M);
    seg_expect_nothing(h);
    th_advance(h, 300 * MS); /* the RTO, restarted by the probe */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, Timeouts), 1);
    th_advance(h, 1 * MS);
    struct tcp_opts o = {.num_sack = 2, .sack = {{i, i + M}, {i + 3 * M, i + 4 * M}}};
    seg_in_opts(h, A, p, i + M, 65535, &o, 0, NULL, 0);
    assert_int_equal(STAT(h, SpuriousRtos), 1);
    /* 1 and 2 were sent before 3, more than RACK.rtt + reo_wnd ago: lost,
     * a new episode, and PRR lets both go with this ACK (pipe 0, two
     * segments delivered, ssthresh 2 segments) */
    assert_int_equal(seg_expect(h, A, i + M, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + 2 * M, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, FastRetrans), 1);
    assert_int_equal(STAT(h, RecoveryEpisodes), 2); /* the RTO's, then this */
    th_free(h);
}

/* Eight segments out; the peer SACKs 1..7: segment 0 is lost, and its
 * fast retransmission goes alone. Returns the socket. */
static struct ust_sock *first_of_eight_lost(struct th *h)
{
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1;
    send_segs(h, s, 0, 8);
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 8 * M);
    assert_int_equal(seg_expect(h, A, i, PEER_ISS + 1)->len, M);
    seg_expect_nothing(h);
    return s;
}

/* A recovery's last retransmission filled the hole and the one ACK for
 * it was lost: the RTO resends segment 0 a second time, and the ACK of
 * that copy D-SACKs it and acknowledges everything. The fast
 * retransmission was needed (the episode stands, nothing to undo there;
 * the recovery's probe went, and its ACK was lost too),
 * but the timeout was not: its reduction is undone and the recovery ends
 * with cwnd = its ssthresh (half of 8 segments), not one segment. */
static void test_spurious_rto_inside_recovery_ends_it(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = first_of_eight_lost(h);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcb_of(h)->cc.ssthresh, 4 * M);
    th_advance(h, 200 * MS); /* its ACK was lost: the recovery's probe */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    th_advance(h, 300 * MS); /* and the probe's ACK: the RTO */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(tcb_of(h)->cc.cwnd, M);
    th_advance(h, 1 * MS);
    sack_in(h, i + 8 * M, i, i + M); /* everything, and a D-SACK of 0 */
    assert_int_equal(STAT(h, SpuriousRtos), 1);
    assert_int_equal(STAT(h, Undos), 1);
    assert_int_equal(tcb_of(h)->cc.ssthresh, 4 * M); /* the episode's reduction stays */
    assert_int_equal(tcb_of(h)->cc.cwnd, 4 * M);
    assert_false(tcb_of(h)->rec.rto_recovery);
    /* four segments may go at once */
    assert_int_equal(tcp_sock_ops.send(s, data, 6 * M, 0, NULL), 6 * M);
    for (uint32_t k = 8; k < 12; k++)
        assert_int_equal(seg_expect(h, A, i + k * M, p)->len, M);
    seg_expect_nothing(h);
    th_free(h);
}

/* The one cumulative ACK for a recovery's last retransmission is lost
 * (a Linux receiver answers a flight whose hole that copy filled with a
 * single ACK). Two round trips later the recovery's probe resends the
 * segment; its ACK (a D-SACK of it and everything acknowledged) ends the
 * recovery with the episode's one reduction, where the RTO used to come
 * 300 ms after the retransmission. */
static void test_recovery_probe_draws_lost_final_ack(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = first_of_eight_lost(h);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    th_advance(h, 199 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS); /* PTO = 2 x SRTT */
    assert_int_equal(seg_expect(h, A, i, p)->len, M); /* the probe: the oldest not SACKed */
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, TlpProbes), 1);
    th_advance(h, 1 * MS);
    sack_in(h, i + 8 * M, i, i + M);
    assert_int_equal(th_info(s).unacked, 0);
    assert_int_equal(STAT(h, Timeouts), 0);
    assert_int_equal(STAT(h, CwndReductions), 1);
    assert_int_equal(tcb_of(h)->cc.cwnd, 4 * M); /* ssthresh: recovery ended */
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_segments_resent_at_pacing_rate),
        cmocka_unit_test(test_lost_segments_resent_at_once_when_unpaced),
        cmocka_unit_test(test_dsack_of_sacked_retransmission_is_reordering),
        cmocka_unit_test(test_dsack_of_unsacked_retransmission_is_not_reordering),
        cmocka_unit_test(test_reordering_window_steps_beyond_64),
        cmocka_unit_test(test_eifel_undo_of_recovery_is_reordering),
        cmocka_unit_test(test_rto_undo_keeps_losses_the_same_ack_shows),
        cmocka_unit_test(test_spurious_rto_inside_recovery_ends_it),
        cmocka_unit_test(test_recovery_probe_draws_lost_final_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
