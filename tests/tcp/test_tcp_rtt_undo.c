/* RTT sampling, the probe timeout on a sub-millisecond path, and the undo
 * of spurious reductions (tcp_rtt_meas.c, tcp_tlp.c, tcp_undo.c), with
 * crafted segments on the virtual clock:
 *   - no RTT sample from an ACK of a retransmitted segment without
 *     timestamps (Karn, RFC 6298 3); samples from the send map's times,
 *     finer than the 1 ms timestamp clock;
 *   - the PTO on a 200 us path fires at its floor (RFC 8985 7.2);
 *   - D-SACKs of every retransmission of an episode restore cwnd and
 *     ssthresh (RFC 3708); a genuine loss keeps the reduction;
 *   - F-RTO (RFC 5682): after an RTO, new data first; an ACK of data
 *     sent before the RTO and never resent undoes it, SACKs of only the
 *     new data do not;
 *   - Eifel (RFC 3522, RFC 4015): an ACK echoing the original's
 *     timestamp undoes the RTO and nothing more is resent. */
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
#define MS UST_MSEC
#define US UST_USEC
#define STAT(h, name) ((h)->st->stats.tcp.name)

struct conn {
    struct th *h;
    struct ust_sock *s;
    uint32_t i, p;     /* our first data sequence number, the peer's */
    bool ts;           /* timestamps agreed */
    uint32_t peer_ts;  /* the peer's next TSval */
    uint32_t our_ts;   /* our TSval at the end of the handshake */
    uint32_t m;        /* segment size: 1460, less the timestamps option */
};

/* Active open with SACK, answered after `rtt`; timestamps if `ts`. */
static struct conn open_conn(struct ust_config *c, ust_time_t rtt, bool ts)
{
    struct conn k = {.h = th_new(c), .ts = ts, .peer_ts = 5000};
    k.s = th_connect(k.h);
    uint32_t syn_ts = k.h->q[k.h->qhead - 1].opts.ts_val;
    th_advance(k.h, rtt);
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .sack_permitted = true,
                         .has_timestamp = ts, .ts_val = k.peer_ts++, .ts_ecr = syn_ts};
    seg_in_opts(k.h, S | A, PEER_ISS, k.h->iss + 1, 65535, &o, 0, NULL, 0);
    k.our_ts = seg_expect(k.h, A, k.h->iss + 1, PEER_ISS + 1)->opts.ts_val;
    k.i = k.h->iss + 1;
    k.p = PEER_ISS + 1;
    k.m = ts ? 1448 : 1460;
    return k;
}

static struct ust_config cfg(bool rack)
{
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rack = rack;
    return c;
}

/* The peer ACKs `ack`, echoing `ecr` (with timestamps), with SACK blocks
 * lr[0..2n). */
static void ack_in(struct conn *k, uint32_t ack, uint32_t ecr, const uint32_t *lr, unsigned n)
{
    struct tcp_opts o = {.num_sack = (uint8_t)n, .has_timestamp = k->ts, .ts_val = k->peer_ts++,
                         .ts_ecr = ecr};
    for (unsigned j = 0; j < n; j++) {
        o.sack[j].left = lr[2 * j];
        o.sack[j].right = lr[2 * j + 1];
    }
    seg_in_opts(k->h, A, k->p, ack, 65535, &o, 0, NULL, 0);
}

/* Queues `queued` bytes; segments first..first+n-1 go out (PSH on the
 * one that empties the queue); returns the TSval they carry. */
static uint32_t send_segs(struct conn *k, uint32_t queued, uint32_t first, uint32_t n)
{
    uint32_t ts = 0;
    assert_int_equal(tcp_sock_ops.send(k->s, data, queued, 0, NULL), queued);
    for (uint32_t j = first; j < first + n; j++) {
        const struct th_seg *g = seg_expect(k->h, (j - first + 1) * k->m == queued ? A | P : A, k->i + j * k->m, k->p);
        assert_int_equal(g->len, k->m);
        ts = g->opts.ts_val;
    }
    seg_expect_nothing(k->h);
    return ts;
}

/* ---- RTT ---------------------------------------------------------------- */

static void test_no_sample_from_retransmitted_segment_without_timestamps(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 100 * MS, false);
    assert_int_equal(th_info(k.s).rtt_us, 100000); /* the handshake's */
    uint64_t samples = STAT(k.h, RttSamples);
    send_segs(&k, k.m, 0, 1);
    /* no ACK: the segment goes again (the probe in the RTO's place, 300 ms) */
    th_advance(k.h, 300 * MS);
    assert_int_equal(seg_expect(k.h, A | P, k.i, k.p)->len, k.m);
    /* the ACK comes 50 ms after the retransmission: for which copy? */
    th_advance(k.h, 50 * MS);
    ack_in(&k, k.i + k.m, 0, NULL, 0);
    struct ust_tcp_info ti = th_info(k.s);
    assert_int_equal(ti.rtt_us, 100000); /* unchanged: neither 350 nor 50 ms */
    assert_int_equal(STAT(k.h, RttSamples), samples);
    assert_int_equal(STAT(k.h, RttAmbiguous), 1);
    assert_int_equal(ti.rtt_ambiguous, 1);
    /* a segment sent once is timed: 20 ms moves SRTT by (20 - 100) / 8 */
    send_segs(&k, k.m, 1, 1);
    th_advance(k.h, 20 * MS);
    ack_in(&k, k.i + 2 * k.m, 0, NULL, 0);
    assert_int_equal(th_info(k.s).rtt_us, 90000);
    assert_int_equal(STAT(k.h, RttSamples), samples + 1);
    th_free(k.h);
}

static void test_sub_ms_samples_from_send_times_not_timestamps(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 200 * US, true);
    assert_int_equal(th_info(k.s).rtt_us, 200);
    /* three segments, all acknowledged 150 us later: the timestamp
     * clock would say 0 or 1 ms, the send map says 150 us */
    uint32_t ts = send_segs(&k, 3 * k.m, 0, 3);
    th_advance(k.h, 150 * US);
    ack_in(&k, k.i + 3 * k.m, ts, NULL, 0);
    struct ust_tcp_info ti = th_info(k.s);
    assert_int_equal(ti.min_rtt_us, 150);
    assert_true(ti.rtt_us > 150 && ti.rtt_us < 200); /* 7/8 * 200 + 150 / 8 */
    assert_int_equal(ti.rtt_samples, 2);
    th_free(k.h);
}

/* ---- the probe timeout on a sub-millisecond path ------------------------ */

static void pto_at_floor(ust_time_t floor)
{
    struct ust_config c = cfg(true);
    c.tcp_tlp_min_pto = floor;
    struct conn k = open_conn(&c, 200 * US, false);
    /* SRTT = 200 us: 2 * SRTT = 400 us is below the floor */
    send_segs(&k, 3 * k.m, 0, 3);
    th_advance(k.h, floor - 10 * US);
    seg_expect_nothing(k.h);
    th_advance(k.h, 10 * US);
    assert_int_equal(seg_expect(k.h, A | P, k.i + 2 * k.m, k.p)->len, k.m); /* the last segment */
    assert_int_equal(STAT(k.h, TlpProbes), 1);
    assert_int_equal(STAT(k.h, Timeouts), 0);
    /* the RTO (RTO_min 200 ms) is far behind */
    th_free(k.h);
}

static void test_pto_on_sub_ms_path_fires_at_floor(void **state)
{
    (void)state;
    pto_at_floor(2 * MS); /* the default */
    pto_at_floor(5 * MS); /* cfg.tcp_tlp_min_pto */
}

/* Two losses at the tail of a 3-segment flight on a 200 us path: the
 * probe (2 ms, the floor) resends the last segment; its SACK shows the
 * middle one missing, which RACK calls lost at once (it is older than
 * RACK.rtt + min_RTT / 4 = 250 us, RFC 8985 6.2), not after the 200 ms RTO. When that
 * retransmission is lost too and nothing is sent after it, the recovery's
 * probe (tcp_tlp.c, a deviation from RFC 8985 7.2 and Linux, which leave
 * it to the RTO) resends it at the 2 ms floor, and the episode keeps its
 * one reduction. */
static void test_tail_losses_of_small_flight_on_sub_ms_path(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 200 * US, false);
    uint32_t m = k.m;
    send_segs(&k, 3 * m, 0, 3);
    th_advance(k.h, 200 * US);
    ack_in(&k, k.i + m, 0, NULL, 0); /* segments 1 and 2 lost */
    th_advance(k.h, 2 * MS - 10 * US);
    seg_expect_nothing(k.h);
    th_advance(k.h, 10 * US);
    assert_int_equal(seg_expect(k.h, A | P, k.i + 2 * m, k.p)->len, m); /* the probe */
    assert_int_equal(STAT(k.h, TlpProbes), 1);
    th_advance(k.h, 200 * US);
    ack_in(&k, k.i + m, 0, (const uint32_t[]){k.i + 2 * m, k.i + 3 * m}, 1);
    /* sent 2.2 ms ago, more than RACK.rtt (the probe's 200 us) + 50 us */
    assert_int_equal(seg_expect(k.h, A, k.i + m, k.p)->len, m);
    seg_expect_nothing(k.h);
    assert_int_equal(STAT(k.h, RackLost), 1);
    assert_int_equal(STAT(k.h, Timeouts), 0);
    /* that retransmission is lost as well: nothing after it can be SACKed */
    th_advance(k.h, 2 * MS - 10 * US);
    seg_expect_nothing(k.h);
    th_advance(k.h, 10 * US);
    assert_int_equal(seg_expect(k.h, A, k.i + m, k.p)->len, m);
    seg_expect_nothing(k.h); /* segment 2 was SACKed: not resent */
    assert_int_equal(STAT(k.h, TlpProbes), 2);
    th_advance(k.h, 200 * US);
    ack_in(&k, k.i + 3 * m, 0, NULL, 0);
    assert_int_equal(th_info(k.s).unacked, 0);
    assert_int_equal(STAT(k.h, Timeouts), 0);
    assert_int_equal(th_info(k.s).cwnd_reductions, 1);
    th_free(k.h);
}

/* RTO_min 200 ms by default; UST_TCP_RTO_MIN lowers it for one socket. */
static void test_rto_min_per_socket(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 200 * US, false);
    assert_int_equal(th_info(k.s).rto_us, 200000); /* 200 + 4 * 100 us, clamped */
    assert_int_equal(th_setopt_int(k.s, IPPROTO_TCP, UST_TCP_RTO_MIN, 10000), 0);
    assert_int_equal(th_info(k.s).rto_us, 10000);
    assert_int_equal(th_setopt_int(k.s, IPPROTO_TCP, UST_TCP_RTO_MIN, 0), UST_ERR_INVAL);
    th_free(k.h);
}

/* ---- D-SACK undo (RFC 3708) --------------------------------------------- */

/* Four segments out; the peer SACKs 1..3: RACK calls segment 0 lost, fast
 * recovery reduces cwnd and resends it. */
static void recovery_of_segment_0(struct conn *k, uint32_t *cwnd0, uint32_t *ssthresh0)
{
    send_segs(k, 4 * k->m, 0, 4);
    struct ust_tcp_info ti = th_info(k->s);
    *cwnd0 = ti.cwnd;
    *ssthresh0 = ti.ssthresh;
    th_advance(k->h, 100 * MS);
    uint32_t lr[] = {k->i + k->m, k->i + 4 * k->m};
    ack_in(k, k->i, 0, lr, 1);
    assert_int_equal(seg_expect(k->h, A, k->i, k->p)->len, k->m);
    seg_expect_nothing(k->h);
    assert_int_equal(STAT(k->h, FastRetrans), 1);
    assert_true(th_info(k->s).cwnd < *cwnd0);
    th_advance(k->h, 100 * MS);
}

static void test_dsack_of_every_retransmission_undoes(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 100 * MS, false);
    uint32_t cwnd0, ssthresh0;
    recovery_of_segment_0(&k, &cwnd0, &ssthresh0);
    /* the original arrived after all: the retransmission is reported
     * as a duplicate (D-SACK below the cumulative ACK) */
    uint32_t lr[] = {k.i, k.i + k.m};
    ack_in(&k, k.i + 4 * k.m, 0, lr, 1);
    struct ust_tcp_info ti = th_info(k.s);
    assert_int_equal(ti.cwnd, cwnd0);
    assert_int_equal(ti.ssthresh, ssthresh0);
    assert_int_equal(STAT(k.h, SpuriousDsack), 1);
    assert_int_equal(STAT(k.h, Undos), 1);
    assert_int_equal(ti.spurious_dsack, 1);
    assert_int_equal(ti.undos, 1);
    assert_int_equal(STAT(k.h, SpuriousRtos), 0);
    th_free(k.h);
}

/* CUBIC gets W_max back too (cc_ops.undo, RFC 9438 4.9). */
static void test_dsack_undo_restores_cubic_state(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    strcpy(c.tcp_congestion, "cubic");
    struct conn k = open_conn(&c, 100 * MS, false);
    struct tcb *t = tcb_lookup(k.h->st, TH_LOCAL, k.h->lport, TH_PEER, k.h->rport);
    assert_non_null(t);
    double w_max0 = t->cc.alg.cubic.w_max, w_last0 = t->cc.alg.cubic.cwnd_prior;
    uint32_t cwnd0, ssthresh0;
    recovery_of_segment_0(&k, &cwnd0, &ssthresh0);
    assert_true(t->cc.alg.cubic.cwnd_prior != w_last0); /* the reduction set it */
    uint32_t lr[] = {k.i, k.i + k.m};
    ack_in(&k, k.i + 4 * k.m, 0, lr, 1);
    assert_int_equal(t->cc.cwnd, cwnd0);
    assert_true(t->cc.alg.cubic.w_max == w_max0);
    assert_true(t->cc.alg.cubic.cwnd_prior == w_last0);
    th_free(k.h);
}

static void test_genuine_loss_is_not_undone(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 100 * MS, false);
    uint32_t cwnd0, ssthresh0;
    recovery_of_segment_0(&k, &cwnd0, &ssthresh0);
    ack_in(&k, k.i + 4 * k.m, 0, NULL, 0); /* the retransmission filled the hole */
    struct ust_tcp_info ti = th_info(k.s);
    assert_true(ti.cwnd < cwnd0);
    assert_true(ti.ssthresh < ssthresh0);
    assert_int_equal(STAT(k.h, Undos), 0);
    /* a D-SACK of older data (not the episode's) later changes nothing */
    uint32_t lr[] = {k.i - 1, k.i};
    ack_in(&k, k.i + 4 * k.m, 0, lr, 1);
    assert_int_equal(STAT(k.h, Undos), 0);
    th_free(k.h);
}

/* ---- F-RTO (RFC 5682) ------------------------------------------------- */

/* Twelve segments queued, ten go (IW 10); the probe at 200 ms sends the
 * eleventh; the RTO at 500 ms resends segment 0 only; the ACK of segment
 * 0 comes and, instead of the other segments, new data goes (step 2b). */
static void rto_then_first_ack(struct conn *k, uint32_t *cwnd0, uint32_t *ssthresh0)
{
    send_segs(k, 12 * k->m, 0, 10);
    struct ust_tcp_info ti = th_info(k->s);
    *cwnd0 = ti.cwnd;
    *ssthresh0 = ti.ssthresh;
    th_advance(k->h, 200 * MS);
    assert_int_equal(seg_expect(k->h, A, k->i + 10 * k->m, k->p)->len, k->m); /* probe: new data */
    th_advance(k->h, 300 * MS);
    assert_int_equal(seg_expect(k->h, A, k->i, k->p)->len, k->m);
    seg_expect_nothing(k->h);
    assert_int_equal(STAT(k->h, Timeouts), 1);
    assert_int_equal(th_info(k->s).cwnd, k->m);
    th_advance(k->h, 10 * MS);
    ack_in(k, k->i + k->m, 0, NULL, 0);
    /* step 2b: the last new segment, not segment 1 */
    assert_int_equal(seg_expect(k->h, A | P, k->i + 11 * k->m, k->p)->len, k->m);
    seg_expect_nothing(k->h);
}

static void test_frto_spurious_rto_is_undone(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 100 * MS, false);
    uint32_t cwnd0, ssthresh0;
    rto_then_first_ack(&k, &cwnd0, &ssthresh0);
    /* step 3b: segment 1, sent before the RTO and never resent, arrived */
    ack_in(&k, k.i + 2 * k.m, 0, NULL, 0);
    struct ust_tcp_info ti = th_info(k.s);
    assert_int_equal(ti.cwnd, cwnd0);
    assert_int_equal(ti.ssthresh, ssthresh0);
    assert_int_equal(STAT(k.h, SpuriousRtos), 1);
    assert_int_equal(STAT(k.h, Undos), 1);
    assert_int_equal(ti.spurious_rtos, 1);
    /* nothing is resent: the rest is still in flight */
    seg_expect_nothing(k.h);
    assert_int_equal(STAT(k.h, RetransSegs), 1);
    th_free(k.h);
}

static void test_frto_genuine_rto_is_not_undone(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 100 * MS, false);
    uint32_t cwnd0, ssthresh0;
    rto_then_first_ack(&k, &cwnd0, &ssthresh0);
    /* step 3a: only the new data arrives (SACKed), the rest was lost */
    uint32_t lr[] = {k.i + 11 * k.m, k.i + 12 * k.m};
    ack_in(&k, k.i + k.m, 0, lr, 1);
    /* recovery goes on: the lost segments go again (cwnd 2 segments) */
    assert_int_equal(seg_expect(k.h, A, k.i + k.m, k.p)->len, k.m);
    assert_int_equal(seg_expect(k.h, A, k.i + 2 * k.m, k.p)->len, k.m);
    seg_expect_nothing(k.h);
    struct ust_tcp_info ti = th_info(k.s);
    assert_true(ti.cwnd < cwnd0);
    assert_int_equal(STAT(k.h, SpuriousRtos), 0);
    assert_int_equal(STAT(k.h, Undos), 0);
    th_free(k.h);
}

/* Step 2b with no room for a new full segment: the ACK of segment 0
 * opens the peer's window only 100 bytes past what was sent, so sender
 * SWS avoidance holds the new data; F-RTO falls back and the lost
 * segments go at once instead of waiting for another RTO. */
static void test_frto_without_new_data_resends_lost(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 100 * MS, false);
    send_segs(&k, 14 * k.m, 0, 10);
    th_advance(k.h, 200 * MS);
    assert_int_equal(seg_expect(k.h, A, k.i + 10 * k.m, k.p)->len, k.m); /* the probe */
    th_advance(k.h, 300 * MS);
    assert_int_equal(seg_expect(k.h, A, k.i, k.p)->len, k.m); /* the RTO */
    seg_expect_nothing(k.h);
    th_advance(k.h, 10 * MS);
    uint16_t wnd = (uint16_t)(10 * k.m + 100); /* up to SND.MAX + 100 */
    seg_in_opts(k.h, A, k.p, k.i + k.m, wnd, &(struct tcp_opts){0}, 0, NULL, 0);
    assert_int_equal(seg_expect(k.h, A, k.i + k.m, k.p)->len, k.m);
    assert_int_equal(seg_expect(k.h, A, k.i + 2 * k.m, k.p)->len, k.m);
    seg_expect_nothing(k.h);
    assert_int_equal(STAT(k.h, FrtoNoNewData), 1);
    assert_int_equal(STAT(k.h, Timeouts), 1);
    th_free(k.h);
}

/* ---- Eifel (RFC 3522, RFC 4015) ---------------------------------------- */

/* Without RACK (the duplicate-ACK rules), timestamps on: two segments,
 * the RTO at 300 ms resends segment 0. Returns the originals' TSval. */
static uint32_t rto_with_timestamps(struct conn *k, uint32_t *cwnd0, uint32_t *rexmit_ts)
{
    uint32_t ts = send_segs(k, 2 * k->m, 0, 2);
    *cwnd0 = th_info(k->s).cwnd;
    th_advance(k->h, 300 * MS);
    *rexmit_ts = seg_expect(k->h, A, k->i, k->p)->opts.ts_val;
    seg_expect_nothing(k->h);
    assert_int_equal(*rexmit_ts - ts, 300);
    assert_int_equal(STAT(k->h, Timeouts), 1);
    th_advance(k->h, 10 * MS);
    return ts;
}

static void test_eifel_ack_of_original_undoes_rto(void **state)
{
    (void)state;
    struct ust_config c = cfg(false);
    struct conn k = open_conn(&c, 100 * MS, true);
    uint32_t cwnd0, rexmit_ts;
    uint32_t ts = rto_with_timestamps(&k, &cwnd0, &rexmit_ts);
    /* the ACK of segment 0 echoes the original's TSval: it was late */
    ack_in(&k, k.i + k.m, ts, NULL, 0);
    assert_int_equal(th_info(k.s).cwnd, cwnd0);
    assert_int_equal(STAT(k.h, SpuriousRtos), 1);
    assert_int_equal(STAT(k.h, Undos), 1);
    /* RFC 4015: no go-back-N, segment 1 is not resent */
    seg_expect_nothing(k.h);
    assert_int_equal(STAT(k.h, RetransSegs), 1);
    th_free(k.h);
}

static void test_eifel_ack_of_retransmission_keeps_reduction(void **state)
{
    (void)state;
    struct ust_config c = cfg(false);
    struct conn k = open_conn(&c, 100 * MS, true);
    uint32_t cwnd0, rexmit_ts;
    rto_with_timestamps(&k, &cwnd0, &rexmit_ts);
    ack_in(&k, k.i + k.m, rexmit_ts, NULL, 0); /* the retransmission's echo */
    assert_true(th_info(k.s).cwnd < cwnd0);
    assert_int_equal(STAT(k.h, Undos), 0);
    /* go-back-N goes on: segment 1 again */
    assert_int_equal(seg_expect(k.h, A | P, k.i + k.m, k.p)->len, k.m);
    th_free(k.h);
}

/* The same with RACK (the default): the probe at 200 ms resends segment
 * 1, the RTO at 500 ms segment 0; the ACK of segment 0 echoes the
 * original's TSval: undone at once, segment 1 is not resent again. */
static void test_eifel_with_rack_undoes_rto(void **state)
{
    (void)state;
    struct ust_config c = cfg(true);
    struct conn k = open_conn(&c, 100 * MS, true);
    uint32_t ts = send_segs(&k, 2 * k.m, 0, 2);
    uint32_t cwnd0 = th_info(k.s).cwnd;
    th_advance(k.h, 200 * MS);
    assert_int_equal(seg_expect(k.h, A | P, k.i + k.m, k.p)->len, k.m); /* the probe */
    th_advance(k.h, 300 * MS);
    assert_int_equal(seg_expect(k.h, A, k.i, k.p)->len, k.m); /* the RTO */
    seg_expect_nothing(k.h);
    assert_true(th_info(k.s).cwnd < cwnd0);
    th_advance(k.h, 10 * MS);
    ack_in(&k, k.i + k.m, ts, NULL, 0);
    assert_int_equal(th_info(k.s).cwnd, cwnd0);
    assert_int_equal(STAT(k.h, SpuriousRtos), 1);
    assert_int_equal(STAT(k.h, Undos), 1);
    seg_expect_nothing(k.h);
    th_free(k.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_sample_from_retransmitted_segment_without_timestamps),
        cmocka_unit_test(test_sub_ms_samples_from_send_times_not_timestamps),
        cmocka_unit_test(test_pto_on_sub_ms_path_fires_at_floor),
        cmocka_unit_test(test_tail_losses_of_small_flight_on_sub_ms_path),
        cmocka_unit_test(test_rto_min_per_socket),
        cmocka_unit_test(test_dsack_of_every_retransmission_undoes),
        cmocka_unit_test(test_dsack_undo_restores_cubic_state),
        cmocka_unit_test(test_genuine_loss_is_not_undone),
        cmocka_unit_test(test_frto_spurious_rto_is_undone),
        cmocka_unit_test(test_frto_genuine_rto_is_not_undone),
        cmocka_unit_test(test_frto_without_new_data_resends_lost),
        cmocka_unit_test(test_eifel_ack_of_original_undoes_rto),
        cmocka_unit_test(test_eifel_ack_of_retransmission_keeps_reduction),
        cmocka_unit_test(test_eifel_with_rack_undoes_rto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
