/* BBR (cc_bbr.c, draft-ietf-ccwg-bbr-01) driven by crafted rate samples,
 * one ACK per 10 ms round trip (min_rtt 10 ms, MSS 1000): Startup ends
 * after three rounds without 25 % more delivery rate; Drain lasts until
 * inflight <= BDP; ProbeBW probes, and leaves UP when more than 2 % of
 * what was in flight is lost; ProbeRTT comes after 5 s without a new
 * minimum RTT and lasts 200 ms and a round at BDP / 2; recovery keeps
 * packet conservation and restores cwnd. And through a connection: BBR
 * without SACK falls back to CUBIC; with SACK it paces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

#define MS UST_MSEC
#define MSS 1000u
#define RTT (10 * MS)

struct bbr_sim {
    struct cc_state cc;
    uint64_t delivered;  /* C.delivered */
};

/* Rates are computed in floating point: equal to within a byte/s. */
static void assert_near(uint64_t got, double want)
{
    double d = (double)got - want;
    if (d > 1.0 || d < -1.0)
        fail_msg("%llu, expected %.1f", (unsigned long long)got, want);
}

static const char *mode(const struct bbr_sim *s) { return cc_bbr.state_name(&s->cc); }

static void sim_init(struct bbr_sim *s)
{
    memset(s, 0, sizeof(*s));
    s->cc.srtt = RTT;
    struct ust_config cfg;
    ust_config_default(&cfg);
    s->cc.bbr_loss_thresh = cfg.tcp_bbr_loss_thresh; /* as tcp_cc_sync sets it */
    cc_bbr.init(&s->cc, MSS, 10);
}

/* One round trip: an ACK delivering a round's worth at `rate` (every
 * segment sent in the previous round, so each ACK starts a round), with
 * `inflight` left, `lost` bytes newly lost of what was in flight. */
static void ack(struct bbr_sim *s, uint64_t rate, uint32_t inflight, ust_time_t rtt, uint32_t lost)
{
    s->cc.now += RTT;
    uint32_t bytes = (uint32_t)(rate * RTT / UST_SEC);
    struct rate_sample rs = {
        .delivery_rate = rate, .interval = RTT, .rtt = rtt, .has_data = true,
        .prior_delivered = s->delivered, .delivered = bytes, .newly_acked = bytes,
        .newly_lost = lost, .lost = lost, .tx_in_flight = inflight + bytes,
        .prior_in_flight = inflight + bytes, .inflight = inflight,
        .is_cwnd_limited = inflight + bytes + MSS > s->cc.cwnd, .rand = 12345,
    };
    s->delivered += bytes;
    rs.delivered_total = s->delivered;
    cc_bbr.cong_control(&s->cc, &rs);
}

/* Startup doubling the rate to 8 MB/s, then flat (inflight 100 kB). */
static void through_startup(struct bbr_sim *s)
{
    for (uint64_t r = 1000000; r <= 8000000; r *= 2) {
        ack(s, r, 100000, RTT, 0);
        assert_string_equal(mode(s), "Startup");
    }
    ack(s, 8000000, 100000, RTT, 0);
    ack(s, 8000000, 100000, RTT, 0);
    assert_string_equal(mode(s), "Startup"); /* two rounds without growth */
    ack(s, 8000000, 100000, RTT, 0);
    assert_string_equal(mode(s), "Drain");   /* the third */
}

static void test_startup_exits_after_three_flat_rounds(void **state)
{
    (void)state;
    struct bbr_sim s;
    sim_init(&s);
    assert_string_equal(mode(&s), "Startup");
    assert_int_equal(s.cc.cwnd, 10 * MSS);
    /* BBRInitPacingRate: 2.77 x initial window / SRTT */
    assert_near(s.cc.pacing_rate, 2.77f * 10.0 * MSS * 100);
    ack(&s, 1000000, 5000, RTT, 0);
    assert_true(s.cc.cwnd > 10 * MSS); /* grows with deliveries */
    /* growing, but less than 25 % over 1 MB/s in three rounds: done
     * (50 kB in flight is above the 12.4 kB BDP: Drain follows) */
    ack(&s, 1100000, 50000, RTT, 0);
    ack(&s, 1200000, 50000, RTT, 0);
    assert_string_equal(mode(&s), "Startup");
    ack(&s, 1240000, 50000, RTT, 0);
    assert_string_equal(mode(&s), "Drain");
    sim_init(&s);
    through_startup(&s);
    /* Drain paces at 0.35 x bw (less than 1 / 2.77: the queue goes) */
    assert_near(s.cc.pacing_rate, 0.35f * 8000000.0 * 0.99);
    ack(&s, 8000000, 100000, RTT, 0);
    assert_string_equal(mode(&s), "Drain");
}

static void test_drain_until_inflight_at_bdp(void **state)
{
    (void)state;
    struct bbr_sim s;
    sim_init(&s);
    through_startup(&s);
    /* BDP = 8 MB/s x 10 ms = 80 kB */
    ack(&s, 8000000, 81000, RTT, 0);
    assert_string_equal(mode(&s), "Drain");
    /* at the BDP: ProbeBW_DOWN, and at once CRUISE (inflight is already
     * no more than the BDP, 4.3.3.5.1) */
    ack(&s, 8000000, 80000, RTT, 0);
    assert_string_equal(mode(&s), "ProbeBW_CRUISE");
    assert_true(s.cc.alg.bbr.cycle_stamp == s.cc.now); /* DOWN started now */
    /* pacing 1.0 x bw x 0.99; cwnd 2 x BDP plus aggregation at most */
    assert_near(s.cc.pacing_rate, 8000000.0 * 0.99);
    assert_true(s.cc.cwnd >= 80000 && s.cc.cwnd <= 2 * 80000 + 80000);
}

/* 4.5.2: max_bw is the maximum over the last two ProbeBW cycles; the
 * filter moves on once per cycle, at the first round after the probe's
 * samples (ack_phase ACKS_PROBE_STOPPING, then ACKS_INIT as Linux). Rounds
 * of lower delivery rates (random loss) in CRUISE keep the 8 MB/s seen
 * before: moving the window every round made max_bw the best of the last
 * two rounds, and under loss the pacing rate followed each bad round. */
static void test_max_bw_spans_probe_cycles(void **state)
{
    (void)state;
    struct bbr_sim s;
    sim_init(&s);
    through_startup(&s);
    ack(&s, 8000000, 80000, RTT, 0);
    assert_string_equal(mode(&s), "ProbeBW_CRUISE");
    for (int k = 0; k < 20; k++) {
        ack(&s, 4000000, 40000, RTT, 0);
        assert_string_equal(mode(&s), "ProbeBW_CRUISE");
        assert_int_equal(s.cc.alg.bbr.max_bw, 8000000);
    }
    assert_near(s.cc.pacing_rate, 8000000.0 * 0.99);
}

/* Rounds at 8 MB/s with cwnd in flight, until `want` or `max` rounds. */
static unsigned run_until(struct bbr_sim *s, const char *want, unsigned max, ust_time_t rtt)
{
    for (unsigned n = 1; n <= max; n++) {
        uint32_t in = s->cc.cwnd > 80000 ? 80000 : s->cc.cwnd;
        ack(s, 8000000, in, rtt, 0);
        if (strcmp(mode(s), want) == 0)
            return n;
    }
    return 0;
}

static void test_probe_rtt_every_5s_without_new_min(void **state)
{
    (void)state;
    struct bbr_sim s;
    sim_init(&s);
    through_startup(&s);
    ack(&s, 8000000, 80000, RTT, 0); /* ProbeBW */
    /* RTT samples of 12 ms never beat the 10 ms minimum of t = 0 */
    unsigned n = run_until(&s, "ProbeRTT", 1000, 12 * MS);
    assert_true(n > 0);
    assert_true(s.cc.now > 5 * UST_SEC && s.cc.now <= 5 * UST_SEC + RTT);
    /* BDP / 2 = 40 kB (above 4 segments) */
    ack(&s, 8000000, 40000, 12 * MS, 0);
    assert_int_equal(s.cc.cwnd, 40000);
    ust_time_t entered = s.cc.now;
    n = run_until(&s, "ProbeBW_CRUISE", 100, 12 * MS);
    assert_true(n > 0);
    assert_true(s.cc.now - entered > 200 * MS); /* ProbeRTTDuration */
    assert_true(s.cc.now - entered <= 200 * MS + 2 * RTT);
    assert_true(s.cc.cwnd > 40000); /* restored */
    /* the next one 5 s after this one ended */
    ust_time_t left = s.cc.now;
    n = run_until(&s, "ProbeRTT", 1000, 12 * MS);
    assert_true(n > 0);
    assert_true(s.cc.now - left > 5 * UST_SEC && s.cc.now - left <= 5 * UST_SEC + 2 * RTT);
}

static void test_new_min_rtt_postpones_probe_rtt(void **state)
{
    (void)state;
    struct bbr_sim s;
    sim_init(&s);
    through_startup(&s);
    /* 9 ms at 4 s: a new minimum, so no ProbeRTT until 9 s */
    assert_int_equal(run_until(&s, "ProbeRTT", 390, RTT), 0);
    ack(&s, 8000000, 80000, 9 * MS, 0);
    assert_int_equal(run_until(&s, "ProbeRTT", 490, RTT), 0);
    assert_true(run_until(&s, "ProbeRTT", 20, RTT) > 0);
    assert_int_equal(s.cc.alg.bbr.min_rtt, 9 * MS);
}

/* UP ends when more than BBRLossThresh (2 %) of what was in flight is
 * lost: inflight_hi is set there; 1 % keeps it probing. */
static void test_loss_above_2pct_ends_probe_up(void **state)
{
    (void)state;
    struct bbr_sim s;
    sim_init(&s);
    through_startup(&s);
    ack(&s, 8000000, 80000, RTT, 0);
    assert_true(run_until(&s, "ProbeBW_UP", 1000, RTT) > 0);
    assert_int_equal(s.cc.alg.bbr.inflight_hi, UINT32_MAX);
    ack(&s, 8000000, 100000, RTT, 1000); /* 1000 of 180000: 0.6 % */
    assert_string_equal(mode(&s), "ProbeBW_UP");
    ack(&s, 8000000, 100000, RTT, 5000); /* 2.8 % */
    assert_string_equal(mode(&s), "ProbeBW_DOWN");
    assert_int_equal(s.cc.alg.bbr.inflight_hi, 180000); /* tx_in_flight */
    assert_true(s.cc.cwnd <= 180000);
}

/* cfg.tcp_bbr_loss_thresh moves BBRLossThresh: at 100 ‰ the same 2.8 %
 * round keeps probing; at 1000 ‰ (loss-agnostic) a 5 % random-loss round
 * (9000 of 180000) never sets inflight_hi, where the default 20 ‰ does. */
static void test_loss_thresh_config(void **state)
{
    (void)state;
    static const unsigned thresholds[] = {100, 1000};
    for (unsigned i = 0; i < 2; i++) {
        struct bbr_sim s;
        sim_init(&s);
        s.cc.bbr_loss_thresh = thresholds[i];
        through_startup(&s);
        ack(&s, 8000000, 80000, RTT, 0);
        assert_true(run_until(&s, "ProbeBW_UP", 1000, RTT) > 0);
        ack(&s, 8000000, 100000, RTT, 5000); /* 2.8 %: below 10 % */
        assert_string_equal(mode(&s), "ProbeBW_UP");
        ack(&s, 8000000, 100000, RTT, 9000); /* 5 % */
        assert_string_equal(mode(&s), "ProbeBW_UP");
        assert_int_equal(s.cc.alg.bbr.inflight_hi, UINT32_MAX);
    }
    struct bbr_sim s; /* the default, for contrast: 5 % ends the probe */
    sim_init(&s);
    through_startup(&s);
    ack(&s, 8000000, 80000, RTT, 0);
    assert_true(run_until(&s, "ProbeBW_UP", 1000, RTT) > 0);
    ack(&s, 8000000, 100000, RTT, 9000);
    assert_string_equal(mode(&s), "ProbeBW_DOWN");
    assert_int_equal(s.cc.alg.bbr.inflight_hi, 180000);
}

/* The short-term model (4.5.10.2): a round with loss outside the probing
 * states cuts bw_lo / inflight_lo at the default threshold; loss-agnostic
 * (1000 per mille) leaves both unbounded, so only max_bw sets the pacing
 * rate, as in BBRv1. */
static void test_loss_agnostic_keeps_lower_bounds_open(void **state)
{
    (void)state;
    static const unsigned thresholds[] = {20, 1000};
    for (unsigned i = 0; i < 2; i++) {
        struct bbr_sim s;
        sim_init(&s);
        s.cc.bbr_loss_thresh = thresholds[i];
        through_startup(&s);
        ack(&s, 8000000, 80000, RTT, 0);
        assert_string_equal(mode(&s), "ProbeBW_CRUISE");
        /* two rounds losing 1 % at 6 MB/s (the first still carries the
         * last round's 8 MB/s as bw_latest) */
        ack(&s, 6000000, 60000, RTT, 1000);
        ack(&s, 6000000, 60000, RTT, 1000);
        assert_string_equal(mode(&s), "ProbeBW_CRUISE"); /* inflight below the BDP */
        if (thresholds[i] < 1000) {
            /* max(bw_latest 6 MB/s, 0.7 x bw_lo 8 MB/s) */
            assert_int_equal(s.cc.alg.bbr.bw_lo, 6000000);
            assert_true(s.cc.alg.bbr.inflight_lo != UINT32_MAX);
        } else {
            assert_true(s.cc.alg.bbr.bw_lo == UINT64_MAX);
            assert_int_equal(s.cc.alg.bbr.inflight_lo, UINT32_MAX);
        }
    }
}

/* Recovery: packet conservation at entry, cwnd restored at exit; the
 * generic reduction is skipped (owns_cwnd). */
static void test_recovery_conserves_and_restores(void **state)
{
    (void)state;
    struct bbr_sim s;
    sim_init(&s);
    through_startup(&s);
    ack(&s, 8000000, 80000, RTT, 0);
    assert_true(cc_bbr.owns_cwnd);
    uint32_t before = s.cc.cwnd;
    cc_bbr.enter_recovery(&s.cc, 100000);
    ack(&s, 1000000, 30000, RTT, 0); /* 10 kB delivered, 30 kB left */
    assert_int_equal(s.cc.cwnd, 40000);
    cc_bbr.exit_recovery(&s.cc, 30000);
    assert_int_equal(s.cc.cwnd, before);
}

/* Packet conservation lets at least one segment go per ACK: an ACK that
 * delivers nothing (a D-SACK) but finds nearly all of the flight lost
 * leaves one retransmission out; cwnd at that pipe would send nothing
 * after it, so neither RACK nor the round's end could ever come, only the
 * RTO (what bench/loss.sh showed at 10 % loss). */
static void test_conservation_sends_after_a_lost_flight(void **state)
{
    (void)state;
    struct bbr_sim s;
    sim_init(&s);
    through_startup(&s);
    ack(&s, 8000000, 80000, RTT, 0);
    s.cc.bbr_loss_thresh = CC_BBR_LOSS_AGNOSTIC; /* as cc_sync sets it for bbr1 */
    cc_bbr1.enter_recovery(&s.cc, 100000);
    ack(&s, 1000000, 30000, RTT, 0); /* 10 kB delivered, 30 kB left */
    assert_int_equal(s.cc.cwnd, 40000);
    /* 10 kB more went; then an ACK delivers nothing and RACK marks all
     * but one segment (the first retransmission) lost */
    s.cc.now += RTT;
    struct rate_sample rs = {
        .prior_delivered = s.delivered, .delivered_total = s.delivered,
        .newly_lost = 39 * MSS, .lost = 39 * MSS, .inflight = MSS, .rand = 12345,
    };
    cc_bbr1.cong_control(&s.cc, &rs);
    assert_int_equal(s.cc.cwnd, 2 * MSS); /* pipe + one segment */
    /* an ACK that delivers a segment, one more found lost: again room */
    s.cc.now += RTT;
    rs.newly_lost = MSS;
    rs.newly_acked = rs.delivered = MSS;
    rs.inflight = MSS;
    cc_bbr1.cong_control(&s.cc, &rs);
    assert_int_equal(s.cc.cwnd, 2 * MSS);
}

/* The offload budget, three send quanta (1 ms of data each at the pacing
 * rate): the draft's "bbr" makes it a floor under cwnd_gain x BDP, "bbr1"
 * adds it as Linux's v1 does (bbr_quantization_budget). Here the BDP is
 * the larger, so only bbr1's cwnd has the quanta in it. */
static void test_bbr1_adds_the_offload_budget(void **state)
{
    (void)state;
    struct bbr_sim v3, v1;
    sim_init(&v3);
    sim_init(&v1);
    cc_bbr1.init(&v1.cc, MSS, 10);
    v1.cc.bbr_loss_thresh = CC_BBR_LOSS_AGNOSTIC; /* as cc_sync sets it */
    through_startup(&v3);
    /* the same samples; bbr1 leaves Drain at once, as 100 kB in flight is
     * within BDP + budget (80 kB + 3 quanta of Startup's 2.77 x 8 MB/s) */
    for (uint64_t r = 1000000; r <= 8000000; r *= 2)
        ack(&v1, r, 100000, RTT, 0);
    for (int i = 0; i < 3; i++)
        ack(&v1, 8000000, 100000, RTT, 0);
    assert_string_equal(mode(&v1), "ProbeBW_CRUISE");
    for (int i = 0; i < 6; i++) {
        ack(&v3, 8000000, 80000, RTT, 0);
        ack(&v1, 8000000, 80000, RTT, 0);
    }
    assert_string_equal(mode(&v3), "ProbeBW_CRUISE");
    assert_string_equal(mode(&v1), "ProbeBW_CRUISE");
    /* pacing 8 MB/s x 0.99: a quantum is 7920 bytes */
    assert_near(v1.cc.pacing_rate, 8000000.0 * 0.99);
    uint32_t extra = 80000; /* one ACK per round: a round's delivery arrives at once */
    assert_int_equal(v3.cc.cwnd, 2 * 80000 + extra);
    assert_int_equal(v1.cc.cwnd, 2 * 80000 + 3 * 7920 + extra);
}

/* ---- through a connection ----------------------------------------------- */

static struct th *th_bbr(void)
{
    struct ust_config c;
    ust_config_default(&c);
    strcpy(c.tcp_congestion, "bbr");
    return th_new(&c);
}

static void test_without_sack_falls_back_to_cubic(void **state)
{
    (void)state;
    struct th *h = th_bbr();
    struct ust_sock *s = th_open_sack(h, false);
    char name[16] = {0};
    size_t len = sizeof(name);
    assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &len), UST_OK);
    assert_string_equal(name, "cubic");
    assert_int_equal(h->st->stats.tcp.CcFallbacks, 1);
    assert_int_equal(th_info(s).pacing_rate, 0);
    th_free(h);
}

static void test_with_sack_bbr_paces(void **state)
{
    (void)state;
    static uint8_t data[8 * 1460];
    struct th *h = th_bbr();
    struct ust_sock *s = th_open_sack(h, true);
    char name[16] = {0};
    size_t len = sizeof(name);
    assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &len), UST_OK);
    assert_string_equal(name, "bbr");
    assert_int_equal(h->st->stats.tcp.CcFallbacks, 0);
    struct ust_tcp_info ti = th_info(s);
    assert_string_equal(ti.cc_state, "Startup");
    /* 2.77 x 10 segments / 100 ms: about 404 kB/s, a quantum of 2 segments */
    assert_near(ti.pacing_rate, 2.77f * 10.0 * 1460 * 10);
    assert_int_equal(tcp_sock_ops.send(s, data, sizeof(data), 0, NULL), (ssize_t)sizeof(data));
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_expect(h, A, i, p);
    seg_expect(h, A, i + 1460, p);
    seg_expect_nothing(h); /* the rest is paced */
    assert_int_equal(h->st->stats.tcp.PacingWaits, 1);
    h->allow_unchecked = true;
    th_free(h);
}

/* "bbr1" is the draft's machine with loss never bounding the model,
 * whatever cfg.tcp_bbr_loss_thresh says; "bbr" keeps the configured
 * threshold (the draft's 2 %). */
static void test_bbr1_is_loss_agnostic(void **state)
{
    (void)state;
    const char *names[] = {"bbr", "bbr1"};
    const unsigned want[] = {20, CC_BBR_LOSS_AGNOSTIC};
    for (int k = 0; k < 2; k++) {
        struct ust_config c;
        ust_config_default(&c);
        strcpy(c.tcp_congestion, names[k]);
        assert_int_equal(c.tcp_bbr_loss_thresh, 20);
        struct th *h = th_new(&c);
        struct ust_sock *s = th_open_sack(h, true);
        char name[16] = {0};
        size_t len = sizeof(name);
        assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &len),
                         UST_OK);
        assert_string_equal(name, names[k]);
        assert_int_equal(((struct tcb *)s->pcb)->cc.bbr_loss_thresh, want[k]);
        assert_string_equal(th_info(s).cc_state, "Startup");
        th_free(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_startup_exits_after_three_flat_rounds),
        cmocka_unit_test(test_loss_thresh_config),
        cmocka_unit_test(test_bbr1_is_loss_agnostic),
        cmocka_unit_test(test_loss_agnostic_keeps_lower_bounds_open),
        cmocka_unit_test(test_drain_until_inflight_at_bdp),
        cmocka_unit_test(test_max_bw_spans_probe_cycles),
        cmocka_unit_test(test_probe_rtt_every_5s_without_new_min),
        cmocka_unit_test(test_new_min_rtt_postpones_probe_rtt),
        cmocka_unit_test(test_loss_above_2pct_ends_probe_up),
        cmocka_unit_test(test_recovery_conserves_and_restores),
        cmocka_unit_test(test_conservation_sends_after_a_lost_flight),
        cmocka_unit_test(test_bbr1_adds_the_offload_budget),
        cmocka_unit_test(test_without_sack_falls_back_to_cubic),
        cmocka_unit_test(test_with_sack_bbr_paces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
