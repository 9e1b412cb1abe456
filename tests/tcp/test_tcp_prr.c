/* Fast recovery with RACK as RFC 6937 / RFC 9937 (Proportional Rate
 * Reduction) and RFC 5681 3.2 / RFC 6675 5 (one reduction of cwnd per
 * congestion episode) want it, with crafted segments on the virtual clock:
 * what goes out on each ACK of recovery, cwnd at its end, and that a loss
 * found inside an episode (a lost retransmission, a loss a tail loss
 * probe repaired) does not reduce cwnd a second time, while an RTO is an
 * episode of its own.
 *
 * The handshake takes TH_RTT = 100 ms (SRTT = min_RTT = 100 ms, RTO 300
 * ms, PTO 200 ms); no timestamps; NewReno (ssthresh = FlightSize / 2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static uint8_t data[65536];
static const uint32_t M = 1460;
#define MS UST_MSEC
#define STAT(h, name) ((h)->st->stats.tcp.name)

static struct th *th_rack(void)
{
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rack = true;
    return th_new(&c);
}

static struct tcb *tcb_of(struct th *h)
{
    return tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport);
}

/* The peer ACKs `ack` and SACKs [l, r). */
static void sack_in(struct th *h, uint32_t ack, uint32_t l, uint32_t r)
{
    struct tcp_opts o = {.num_sack = 1, .sack = {{l, r}}};
    seg_in_opts(h, A, PEER_ISS + 1, ack, 65535, &o, 0, NULL, 0);
}

/* Full data segments the stack sent since the last check, each checked to
 * be the next new one (from *next on). */
static unsigned sent_new(struct th *h, uint32_t *next)
{
    unsigned n = 0;
    while (th_pending(h)) {
        const struct th_seg *g = seg_expect(h, h->q[h->qhead].flags, *next, PEER_ISS + 1);
        assert_int_equal(g->len, M);
        *next += M;
        n++;
    }
    return n;
}

/* RFC 6937 3, the proportional part (pipe > ssthresh): after
 * prr_delivered bytes came back, ceil(prr_delivered * ssthresh /
 * RecoverFS) bytes may have been sent in all; the stack sends whole
 * segments, so whole SMSS of that not sent yet go now. */
static unsigned prr_allows(uint64_t delivered, uint32_t ssthresh, uint32_t recover_fs,
                           uint32_t *out)
{
    uint64_t allowed = (delivered * ssthresh + recover_fs - 1) / recover_fs;
    unsigned n = 0;
    while (allowed >= (uint64_t)*out + M) {
        *out += M;
        n++;
    }
    return n;
}

/* 20 segments in flight (22 with Limited Transmit's two), the first lost,
 * every other one SACKed by an ACK of its own (RFC 6937 Appendix A's
 * example, with RACK in place of three duplicate ACKs): on each ACK PRR
 * sends ssthresh / RecoverFS of what was delivered, never a burst, and
 * recovery ends with cwnd = ssthresh. */
static void test_prr_sending_pattern(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1, next = i;
    tcb_of(h)->cc.cwnd = 20 * M; /* a window of 20 to start from */
    assert_int_equal(tcp_sock_ops.send(s, data, 40 * M, 0, NULL), 40 * M);
    assert_int_equal(sent_new(h, &next), 20);
    th_advance(h, 100 * MS);
    /* segments 1 and 2 SACKed: not yet a loss (reordering window); each
     * duplicate ACK lets one new segment go (Limited Transmit, RFC 3042) */
    sack_in(h, i, i + M, i + 2 * M);
    assert_int_equal(sent_new(h, &next), 1);
    sack_in(h, i, i + M, i + 3 * M);
    assert_int_equal(sent_new(h, &next), 1);
    /* the third SACKed segment: reo_wnd 0 (RFC 8985 6.2), segment 0 is
     * lost, recovery starts and the fast retransmission goes alone */
    sack_in(h, i, i + M, i + 4 * M);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, FastRetrans), 1);
    uint32_t ssthresh = th_info(s).ssthresh;
    assert_int_equal(ssthresh, 11 * M); /* FlightSize 22 / 2 */
    /* RecoverFS: pipe at entry, 22 outstanding less 3 SACKed and 1 lost */
    uint32_t recover_fs = 18 * M, out = M;
    assert_int_equal(tcb_of(h)->rec.prr_recover_fs, recover_fs);
    assert_int_equal(tcb_of(h)->rec.prr_out, out);
    unsigned acks = 0, total = 0;
    for (uint32_t k = 4; k < 22; k++) { /* one more segment SACKed per ACK */
        uint32_t pipe_before = tcp_rack_pipe(tcb_of(h));
        sack_in(h, i, i + M, i + (k + 1) * M);
        if (pipe_before - M <= ssthresh)
            break; /* from here PRR-SSRB: pipe is down to ssthresh */
        /* delivered so far: segment 3 (the ACK that began recovery) to k */
        unsigned want = prr_allows((uint64_t)(k - 2) * M, ssthresh, recover_fs, &out);
        assert_int_equal(sent_new(h, &next), want);
        assert_true(want <= 1); /* at most one segment per delivered segment */
        total += want;
        acks++;
    }
    /* 11/18 of the deliveries went out again, none beyond */
    assert_true(acks >= 10);
    assert_true(total >= acks / 2 && total < acks);
    while (th_pending(h))
        sent_new(h, &next);
    /* the retransmission arrives: the cumulative ACK passes "recover" and
     * cwnd is ssthresh (RFC 6937 3) */
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 22 * M, 65535, NULL, 0);
    assert_false(tcb_of(h)->rec.fast_recovery);
    assert_int_equal(th_info(s).cwnd, ssthresh);
    assert_int_equal(th_info(s).cwnd_reductions, 1);
    assert_int_equal(STAT(h, Timeouts), 0);
    h->allow_unchecked = true;
    th_free(h);
}

/* cfg.tcp_prr = false: the reduction is made at once (RFC 6675 5 (4.2),
 * cwnd = ssthresh), so the ACKs of the first half of the flight send
 * nothing; still one reduction. */
static void test_prr_off_reduces_at_once(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_prr = false;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1, next = i;
    tcb_of(h)->cc.cwnd = 20 * M;
    assert_int_equal(tcp_sock_ops.send(s, data, 40 * M, 0, NULL), 40 * M);
    assert_int_equal(sent_new(h, &next), 20);
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 4 * M); /* three SACKed at once: 0 lost */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(th_info(s).cwnd, th_info(s).ssthresh);
    assert_int_equal(th_info(s).ssthresh, 10 * M);
    assert_false(tcb_of(h)->rec.prr_on);
    /* pipe 17 > cwnd 10: the next ACKs send nothing (PRR would have) */
    for (uint32_t k = 4; k < 8; k++) {
        sack_in(h, i, i + M, i + (k + 1) * M);
        seg_expect_nothing(h);
    }
    assert_int_equal(th_info(s).cwnd_reductions, 1);
    h->allow_unchecked = true;
    th_free(h);
}

/* A loss repaired by a tail loss probe reduces cwnd (RFC 8985 7.4.2); a
 * loss RACK finds on the same ACK, in the same window, starts fast
 * recovery and retransmits, but does not reduce cwnd again. */
static void test_probe_and_rack_loss_one_reduction(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1, next = i;
    assert_int_equal(tcp_sock_ops.send(s, data, 4 * M, 0, NULL), 4 * M);
    assert_int_equal(sent_new(h, &next), 4);
    /* no ACK: at the PTO the last segment goes again as the probe */
    th_advance(h, 200 * MS);
    assert_int_equal(seg_expect(h, A | P, i + 3 * M, p)->len, M);
    assert_int_equal(STAT(h, TlpProbes), 1);
    /* more data: segments 4-9 */
    assert_int_equal(tcp_sock_ops.send(s, data, 6 * M, 0, NULL), 6 * M);
    assert_int_equal(sent_new(h, &next), 6);
    /* 0-4 arrive (so the probe repaired a loss: no D-SACK for it), 5 and
     * 6 do not, 7-9 do */
    th_advance(h, 100 * MS);
    sack_in(h, i + 5 * M, i + 7 * M, i + 10 * M);
    assert_int_equal(STAT(h, TlpRecoveries), 1);
    assert_int_equal(STAT(h, FastRetrans), 1);
    assert_int_equal(STAT(h, CwndReductionsSkipped), 1);
    /* slow start made cwnd 12 SMSS on this ACK (byte counting, at most
     * L = 2 SMSS per ACK, RFC 3465); the probe's response halved it once,
     * the RACK loss did not halve it again */
    assert_int_equal(th_info(s).ssthresh, 12 * M / 2);
    assert_int_equal(th_info(s).cwnd_reductions, 1);
    assert_int_equal(th_info(s).recoveries, 1);
    assert_int_equal(th_info(s).max_episode_reductions, 1);
    /* 5 and 6 are retransmitted */
    assert_int_equal(seg_expect(h, A, i + 5 * M, p)->len, M);
    assert_int_equal(seg_expect(h, A, i + 6 * M, p)->len, M);
    seg_expect_nothing(h);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 10 * M, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    assert_int_equal(STAT(h, Timeouts), 0);
    assert_int_equal(th_info(s).cwnd_reductions, 1);
    th_free(h);
}

/* An RTO during fast recovery starts an episode of its own (RFC 5681
 * 3.1): two episodes, one reduction each. */
static void test_rto_in_recovery_is_a_new_episode(void **state)
{
    (void)state;
    struct th *h = th_rack();
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1, next = i;
    assert_int_equal(tcp_sock_ops.send(s, data, 10 * M, 0, NULL), 10 * M);
    assert_int_equal(sent_new(h, &next), 10);
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 10 * M); /* 0 lost */
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(th_info(s).recoveries, 1);
    /* the retransmission is lost and nothing sent after it can show it:
     * the recovery's probe 200 ms after it (2 x SRTT), lost too, then
     * the RTO, 300 ms after the probe */
    th_advance(h, 200 * MS);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(th_info(s).tlp_probes, 1);
    assert_int_equal(th_info(s).recoveries, 1); /* a probe cuts nothing */
    th_advance(h, 300 * MS);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    assert_int_equal(th_info(s).rtos, 1);
    assert_int_equal(th_info(s).recoveries, 2);
    assert_int_equal(th_info(s).cwnd_reductions, 2);
    assert_int_equal(th_info(s).max_episode_reductions, 1);
    assert_int_equal(th_info(s).cwnd, M); /* the loss window */
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 10 * M, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    th_free(h);
}

/* A stretch ACK (a Linux receiver reading in batches ACKs dozens of
 * segments at once) that moves SND.UNA half-way through a window of 20 and
 * SACKs three segments past a hole: the loss it reveals halves the 20
 * segments outstanding when it arrived (RFC 5681 3.2 (4); Linux halves its
 * cwnd, the same 20), not the 10 left once SND.UNA moved, with and without
 * PRR. */
static void stretch_ack_loss(bool prr)
{
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rack = true;
    c.tcp_prr = prr;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, next = i;
    tcb_of(h)->cc.cwnd = 20 * M;
    tcb_of(h)->cc.ssthresh = 20 * M; /* congestion avoidance: the ACK adds < 1 SMSS */
    assert_int_equal(tcp_sock_ops.send(s, data, 40 * M, 0, NULL), 40 * M);
    assert_int_equal(sent_new(h, &next), 20);
    th_advance(h, 100 * MS);
    /* segments 0-9 ACKed, 10 missing, 11-13 SACKed */
    sack_in(h, i + 10 * M, i + 11 * M, i + 14 * M);
    assert_int_equal(STAT(h, FastRetrans), 1);
    assert_true(tcb_of(h)->rec.fast_recovery);
    assert_int_equal(th_info(s).ssthresh, 10 * M); /* 20 outstanding / 2 */
    assert_int_equal(th_info(s).cwnd_reductions, 1);
    assert_int_equal(tcb_of(h)->rec.ack_flight, 0); /* only while an ACK is processed */
    assert_int_equal(seg_expect(h, A, i + 10 * M, PEER_ISS + 1)->len, M);
    h->allow_unchecked = true;
    th_free(h);
}

static void test_stretch_ack_loss_halves_prior_flight(void **state)
{
    (void)state;
    stretch_ack_loss(true);
    stretch_ack_loss(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prr_sending_pattern),
        cmocka_unit_test(test_prr_off_reduces_at_once),
        cmocka_unit_test(test_probe_and_rack_loss_one_reduction),
        cmocka_unit_test(test_rto_in_recovery_is_a_new_episode),
        cmocka_unit_test(test_stretch_ack_loss_halves_prior_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
