/* Congestion-control window arithmetic, the ops of cc.h driven directly on
 * a struct cc_state with a fake clock: NewReno (RFC 5681 / RFC 6582),
 * byte counting (RFC 3465), CUBIC (RFC 9438) and HyStart++ (RFC 9406).
 * A small model of a cwnd-limited sender (struct sim) sends a window per
 * round trip and feeds its ACKs back spread over the next RTT, each with
 * an RTT sample, as TCP's cc_sync would fill the fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "ustack/ustack.h"

#define MS UST_MSEC
#define M 1000u /* SMSS */

struct sim {
    struct cc_state cc;
    const struct cc_ops *o;
    ust_time_t now;
    uint32_t una, max; /* SND.UNA, SND.MAX */
    enum {
        FILL_ACK,   /* the sender fills cwnd again after every ACK */
        FILL_ROUND, /* ... sends a whole cwnd at the start of a round trip */
        FILL_NONE,  /* ... has only what the test put out (application-limited) */
    } fill;
};

static void sim_init(struct sim *s, const struct cc_ops *o, bool hystart)
{
    memset(s, 0, sizeof(*s));
    s->o = o;
    s->now = 10 * UST_SEC;
    s->una = s->max = 0xfffff000u; /* sequence numbers wrap during the test */
    s->fill = FILL_ACK;
    s->cc.abc_segs = 2;
    s->cc.hystart_on = hystart;
    o->init(&s->cc, M, 10);
}

/* What cc_sync does before a call. */
static void sim_sync(struct sim *s)
{
    s->cc.now = s->now;
    s->cc.snd_una = s->una;
    s->cc.snd_max = s->max;
    s->cc.flight = s->max - s->una;
}

/* One ACK of `bytes` with an RTT sample (0: none); a cwnd-limited sender
 * then fills the window again. */
static void sim_ack(struct sim *s, uint32_t bytes, ust_time_t rtt)
{
    s->una += bytes;
    if (rtt) {
        s->cc.rtt_latest = rtt;
        s->cc.rtt_samples++;
    }
    sim_sync(s);
    s->o->on_ack(&s->cc, bytes);
    if (s->fill == FILL_ACK && (int32_t)(s->una + s->cc.cwnd - s->max) > 0)
        s->max = s->una + s->cc.cwnd;
}

/* A round trip: what is outstanding is ACKed, `per_ack` bytes per ACK
 * spread over `rtt` (the smoothed RTT too), each ACK with sample `sample`. */
static void sim_round(struct sim *s, ust_time_t rtt, ust_time_t sample, uint32_t per_ack)
{
    if ((s->fill == FILL_ACK && s->max == s->una) || s->fill == FILL_ROUND)
        s->max = s->una + s->cc.cwnd;
    s->cc.srtt = rtt;
    uint32_t n = (s->max - s->una) / per_ack;
    ust_time_t t0 = s->now;
    for (uint32_t k = 0; k < n; k++) {
        s->now = t0 + rtt * k / n;
        sim_ack(s, per_ack, sample);
    }
    s->now = t0 + rtt;
}

/* A congestion event with a full window in flight (enter recovery, leave
 * it, as TCP with SACK does). */
static void sim_loss(struct sim *s)
{
    s->max = s->una + s->cc.cwnd;
    sim_sync(s);
    s->o->enter_recovery(&s->cc, s->max - s->una);
    s->cc.cwnd = s->cc.ssthresh; /* RFC 6675 5 (4.2), as tcp_cc_reduce */
    s->o->exit_recovery(&s->cc, 0);
    s->max = s->una;
}

/* ... at cwnd = w segments. */
static void sim_loss_at(struct sim *s, uint32_t w)
{
    s->cc.cwnd = w * M;
    sim_loss(s);
}

static double cubic_k(const struct sim *s) { return s->cc.alg.cubic.k; }

/* ---- NewReno and byte counting ------------------------------------------ */

static void test_newreno(void **state)
{
    (void)state;
    struct sim s;
    const struct cc_ops *o = &cc_newreno;
    sim_init(&s, o, false);
    struct cc_state *cc = &s.cc;
    assert_int_equal(cc->cwnd, 10000);
    s.max = s.una + 10000;
    sim_ack(&s, 1000, 0); /* slow start: + acked */
    assert_int_equal(cc->cwnd, 11000);
    sim_ack(&s, 3000, 0); /* ... at most L = 2 SMSS per ACK */
    assert_int_equal(cc->cwnd, 13000);
    o->enter_recovery(cc, 20000); /* ssthresh = flight/2, cwnd = ssthresh + 3 SMSS */
    assert_int_equal(cc->ssthresh, 10000);
    assert_int_equal(cc->cwnd, 13000);
    o->on_dupack(cc);
    assert_int_equal(cc->cwnd, 14000);
    o->on_partial_ack(cc, 3000); /* deflate by 3000, add one SMSS back */
    assert_int_equal(cc->cwnd, 12000);
    o->exit_recovery(cc, 5000); /* min(ssthresh, flight + SMSS) */
    assert_int_equal(cc->cwnd, 6000);
    cc->cwnd = 10000; /* congestion avoidance: + SMSS per cwnd acked */
    s.max = s.una + 10000;
    sim_ack(&s, 5000, 0);
    assert_int_equal(cc->cwnd, 10000);
    sim_ack(&s, 5000, 0);
    assert_int_equal(cc->cwnd, 11000);
    o->on_rto(cc, 8000); /* loss window */
    assert_int_equal(cc->ssthresh, 4000);
    assert_int_equal(cc->cwnd, 1000);
    o->on_rto(cc, 1000); /* never below 2 SMSS */
    assert_int_equal(cc->ssthresh, 2000);
}

/* RFC 3465 2.2: slow start counts the bytes an ACK covers, at most L =
 * 2 SMSS (cfg.tcp_abc_limit), 1 SMSS in the slow start after an RTO. */
static void test_abc_limit(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_newreno, false);
    struct cc_state *cc = &s.cc;
    s.max = s.una + cc->cwnd;
    sim_ack(&s, 500, 0); /* a small segment: its bytes */
    assert_int_equal(cc->cwnd, 10500);
    sim_ack(&s, 2000, 0); /* a delayed ACK of two segments: both */
    assert_int_equal(cc->cwnd, 12500);
    sim_ack(&s, 5000, 0); /* a stretch ACK of five: L = 2 */
    assert_int_equal(cc->cwnd, 14500);
    cc->abc_segs = 0;     /* no limit */
    sim_ack(&s, 5000, 0);
    assert_int_equal(cc->cwnd, 19500);
    cc->abc_segs = 2;
    s.o->on_rto(cc, 20000); /* ssthresh 10 SMSS, cwnd 1 */
    s.max = s.una + 20000;  /* (go-back-N: SND.MAX stays) */
    sim_ack(&s, 3000, 0);
    assert_int_equal(cc->cwnd, 2000); /* L = 1 SMSS after the RTO */
    cc->cwnd = 9500;
    sim_ack(&s, 3000, 0);
    assert_int_equal(cc->cwnd, 10500); /* reaches ssthresh: slow start over */
    cc->ssthresh = 20000;               /* (a later slow start, not after an RTO) */
    sim_ack(&s, 3000, 0);
    assert_int_equal(cc->cwnd, 12500); /* L = 2 again */
}

/* A window the sender does not use does not grow (RFC 9438 5.8, RFC 7661,
 * Linux tcp_is_cwnd_limited): slow start needs half of it in flight,
 * congestion avoidance all of it but 3 SMSS. */
static void test_app_limited_no_growth(void **state)
{
    (void)state;
    const struct cc_ops *algs[] = {&cc_newreno, &cc_cubic};
    for (int a = 0; a < 2; a++) {
        struct sim s;
        sim_init(&s, algs[a], false);
        s.fill = FILL_NONE;
        s.max = s.una + 4 * M; /* 4 segments of 10 */
        sim_round(&s, 100 * MS, 100 * MS, M);
        assert_int_equal(s.cc.cwnd, 10 * M);
        s.max = s.una + 6 * M; /* 6 of 10: up to twice what was used */
        sim_round(&s, 100 * MS, 100 * MS, M);
        assert_int_equal(s.cc.cwnd, 12 * M);
        s.cc.cwnd = s.cc.ssthresh = 16 * M; /* congestion avoidance */
        for (int r = 0; r < 20; r++) {
            s.max = s.una + 12 * M; /* 12 of 16 */
            sim_round(&s, 100 * MS, 100 * MS, M);
        }
        assert_int_equal(s.cc.cwnd, 16 * M);
        for (int r = 0; r < 2; r++) {
            s.max = s.una + 13 * M; /* within 3 SMSS: counts as used */
            sim_round(&s, 100 * MS, 100 * MS, M);
        }
        assert_true(s.cc.cwnd > 16 * M);
    }
}

/* ---- CUBIC ----------------------------------------------------------- */

/* 4.6: beta_cubic 0.7 of the flight, at least 2 SMSS; RFC 6582 inflation
 * until recovery ends at ssthresh. */
static void test_cubic_beta(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_cubic, false);
    struct cc_state *cc = &s.cc;
    assert_ptr_equal(cc_find("cubic"), &cc_cubic);
    assert_ptr_equal(cc_find("newreno"), &cc_newreno);
    assert_ptr_equal(cc_find("bbr"), &cc_bbr);
    assert_ptr_equal(cc_find("bbr1"), &cc_bbr1);
    assert_null(cc_find("vegas"));
    cc->cwnd = 100 * M;
    cc->ssthresh = 1000 * M;
    cc_cubic.enter_recovery(cc, 100 * M);
    assert_int_equal(cc->ssthresh, 70 * M);
    assert_int_equal(cc->cwnd, 73 * M);
    cc_cubic.exit_recovery(cc, 0);
    assert_int_equal(cc->cwnd, 70 * M);
    assert_true(fabs(cc->alg.cubic.w_max - 100) < 1e-9);
    assert_true(fabs(cc->alg.cubic.cwnd_prior - 100) < 1e-9);
    cc_cubic.enter_recovery(cc, 2 * M); /* ssthresh never below 2 SMSS */
    assert_int_equal(cc->ssthresh, 2 * M);
}

/* 4.2: after a loss at W_max = 100 (cwnd_epoch 70, K = cbrt(30 / 0.4) s),
 * one window per 100 ms round trip: the window follows W_cubic(t + RTT),
 * reaches W_max at t = K, concave (growth slowing) before it, convex
 * (growth speeding up) after. */
static void test_cubic_curve(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_cubic, false);
    sim_loss_at(&s, 100);
    ust_time_t t0 = s.now;
    double k = cbrt((100.0 - 70.0) / 0.4); /* K from the cwnd after the reduction */
    double w[120];
    for (int r = 0; r < 120; r++) {
        w[r] = (double)s.cc.cwnd / M; /* the window at t = r * RTT */
        sim_round(&s, 100 * MS, 100 * MS, M);
        if (r == 0)
            assert_true(fabs(cubic_k(&s) - k) < 1e-9);
    }
    (void)t0;
    int rk = (int)ceil(k / 0.1);
    assert_true(fabs(w[rk] - 100) < 1.0); /* W_max at t = K */
    for (int r = 5; r < 120; r += 5) {     /* the curve, one RTT ahead */
        double t = r * 0.1 + 0.1;
        double wc = 0.4 * pow(t - k, 3) + 100;
        assert_true(fabs(w[r] - wc) < 0.03 * wc + 1);
    }
    for (int r = 2; r + 1 < rk - 2; r++) /* concave: growth per RTT shrinks */
        assert_true(w[r + 1] - w[r] <= w[r] - w[r - 1] + 0.01);
    for (int r = rk + 2; r + 1 < 120; r++) /* convex: growth per RTT rises */
        assert_true(w[r + 1] - w[r] >= w[r] - w[r - 1] - 0.01);
    assert_true(w[rk + 30] > 110);
}

/* 4.3: on a short RTT Reno gains more per second than the curve, and CUBIC
 * follows W_est: alpha_cubic = 3 (1 - 0.7) / (1 + 0.7) segments per RTT
 * until W_est reaches cwnd_prior, then 1 per RTT. */
static void test_cubic_reno_friendly(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_cubic, false);
    sim_loss_at(&s, 100);
    double alpha = 3 * (1 - 0.7) / (1 + 0.7);
    for (int r = 0; r < 20; r++)
        sim_round(&s, 1 * MS, 1 * MS, M);
    double w = (double)s.cc.cwnd / M;
    assert_true(fabs(w - (70 + 20 * alpha)) < 1.0);
    double t = 0.020, wc = 0.4 * pow(t - cubic_k(&s), 3) + 100;
    assert_true(w > wc + 5); /* far above the curve */
    for (int r = 0; r < 100; r++)
        sim_round(&s, 1 * MS, 1 * MS, M);
    uint32_t before = s.cc.cwnd; /* past cwnd_prior: alpha 1 */
    assert_true(before > 100 * M);
    for (int r = 0; r < 10; r++)
        sim_round(&s, 1 * MS, 1 * MS, M);
    assert_true(s.cc.cwnd >= before + 9 * M && s.cc.cwnd <= before + 11 * M);
}

/* 4.7: a loss before the window is back at W_max: W_max = cwnd (1 + beta) / 2. */
static void test_cubic_fast_convergence(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_cubic, false);
    sim_loss_at(&s, 100);
    sim_loss_at(&s, 80);
    assert_true(fabs(s.cc.alg.cubic.w_max - 80 * 0.85) < 1e-9);
    assert_int_equal(s.cc.ssthresh, 56 * M);
    sim_loss_at(&s, 90); /* above the lowered W_max: it is remembered as is */
    assert_true(fabs(s.cc.alg.cubic.w_max - 90) < 1e-9);
    /* the plateau is lower and reached sooner than without the release */
    sim_round(&s, 100 * MS, 100 * MS, M);
    assert_true(fabs(cubic_k(&s) - cbrt((90 - 63) / 0.4)) < 1e-9);
}

/* 4.8: a timeout: ssthresh from beta, cwnd 1 SMSS; the first congestion
 * avoidance after it starts the curve at K = 0 with W_max = cwnd_epoch
 * and W_est = cwnd_epoch. */
static void test_cubic_timeout(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_cubic, false);
    sim_loss_at(&s, 100);
    sim_round(&s, 100 * MS, 100 * MS, M);
    s.cc.cwnd = 60 * M;
    s.max = s.una + 60 * M;
    sim_sync(&s);
    cc_cubic.on_rto(&s.cc, 60 * M);
    assert_int_equal(s.cc.cwnd, M);
    assert_int_equal(s.cc.ssthresh, 42 * M);
    /* (go-back-N: SND.MAX stays, what is resent lies below it) */
    while (s.cc.cwnd < s.cc.ssthresh) { /* slow start, L = 1 SMSS per ACK */
        s.now += MS;
        sim_ack(&s, 2 * M, 100 * MS);
    }
    assert_int_equal(s.cc.cwnd, 42 * M);
    uint32_t epoch_cwnd = s.cc.cwnd;
    sim_ack(&s, M, 100 * MS); /* the first ACK in congestion avoidance */
    const struct cc_cubic_state *cs = &s.cc.alg.cubic;
    assert_true(cs->k == 0);
    assert_true(fabs(cs->w_max - (double)epoch_cwnd / M) < 1e-9);
    assert_true(fabs(cs->cwnd_epoch - (double)epoch_cwnd / M) < 1e-9);
    /* convex from there: W_max + 0.4 t^3 one RTT ahead, or W_est */
    for (int r = 0; r < 30; r++)
        sim_round(&s, 100 * MS, 100 * MS, M);
    double w0 = (double)epoch_cwnd / M, t = 3.1;
    double expect = fmax(w0 + 0.4 * t * t * t, w0 + 30 * 3 * 0.3 / 1.7);
    assert_true(fabs((double)s.cc.cwnd / M - expect) < 0.05 * expect);
}

/* 5.8: no growth while application-limited, and the curve's time stands
 * still: after a 5 s pause the window continues where it was. */
static void test_cubic_app_limited_freezes_curve(void **state)
{
    (void)state;
    struct sim a, b;
    sim_init(&a, &cc_cubic, false);
    sim_init(&b, &cc_cubic, false);
    sim_loss_at(&a, 100);
    sim_loss_at(&b, 100);
    for (int r = 0; r < 10; r++) {
        sim_round(&a, 100 * MS, 100 * MS, M);
        sim_round(&b, 100 * MS, 100 * MS, M);
    }
    assert_int_equal(a.cc.cwnd, b.cc.cwnd);
    uint32_t w = b.cc.cwnd;
    b.fill = FILL_NONE;
    for (int r = 0; r < 50; r++) { /* 5 s sending half the window */
        b.max = b.una + w / 2;
        sim_round(&b, 100 * MS, 100 * MS, M);
    }
    assert_int_equal(b.cc.cwnd, w);
    b.fill = FILL_ACK;
    b.max = b.una;
    for (int r = 0; r < 20; r++) {
        sim_round(&a, 100 * MS, 100 * MS, M);
        sim_round(&b, 100 * MS, 100 * MS, M);
    }
    /* the same curve 5 s later (the pause did not count as time) */
    assert_true(abs((int)a.cc.cwnd - (int)b.cc.cwnd) <= (int)M);
    assert_true(b.cc.cwnd > w);
}

/* 4.9: a congestion event found spurious is undone: cwnd, ssthresh, W_max,
 * K, t_epoch, W_est, cwnd_prior as saved; not once cwnd has grown back. */
static void test_cubic_undo(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_cubic, false);
    sim_loss_at(&s, 100);
    for (int r = 0; r < 10; r++)
        sim_round(&s, 100 * MS, 100 * MS, M);
    struct cc_state before = s.cc; /* what tcp_undo.c keeps at an episode's start */
    sim_loss(&s);
    assert_true(s.cc.cwnd < before.cwnd);
    assert_true(memcmp(&s.cc.alg.cubic, &before.alg.cubic, sizeof(before.alg.cubic)) != 0);
    /* tcp_undo.c restores cwnd and ssthresh (the larger of now and then),
     * then the algorithm its own state */
    s.cc.cwnd = before.cwnd;
    s.cc.ssthresh = before.ssthresh;
    cc_cubic.undo(&s.cc, &before);
    assert_memory_equal(&s.cc.alg.cubic, &before.alg.cubic, sizeof(before.alg.cubic));
    /* found only after cwnd grew past the saved one: kept as it is */
    struct cc_state prior = s.cc;
    sim_loss(&s);
    s.cc.cwnd = prior.cwnd + M;
    s.cc.ssthresh = prior.ssthresh;
    struct cc_cubic_state now = s.cc.alg.cubic;
    cc_cubic.undo(&s.cc, &prior);
    assert_int_equal(s.cc.cwnd, prior.cwnd + M);
    assert_memory_equal(&s.cc.alg.cubic, &now, sizeof(now));
}

/* ---- HyStart++ -------------------------------------------------------- */

/* Slow start for `rounds` rounds of 50 ms, a sample of `sample` per ACK
 * and an ACK per SMSS; the sender sends its window at a round's start, so
 * HyStart++'s rounds are these. */
static void ss_rounds(struct sim *s, int rounds, ust_time_t sample)
{
    s->fill = FILL_ROUND;
    for (int r = 0; r < rounds; r++)
        sim_round(s, 50 * MS, sample, M);
}

/* RFC 9406 4.2: a round whose minimum RTT is RttThresh = clamp(min/8,
 * 4 ms, 16 ms) over the last round's (with 8 samples) ends slow start
 * for CSS: a quarter of the growth, ssthresh untouched; the RTT back
 * below the baseline in CSS resumes slow start; CSS_ROUNDS rounds of CSS
 * end in congestion avoidance with ssthresh = cwnd. */
static void test_hystart_css_and_back(void **state)
{
    (void)state;
    const struct cc_ops *algs[] = {&cc_newreno, &cc_cubic};
    for (int a = 0; a < 2; a++) {
        struct sim s;
        sim_init(&s, algs[a], true);
        ss_rounds(&s, 3, 50 * MS); /* doubling: 10 -> 80 */
        assert_int_equal(s.cc.cwnd, 80 * M);
        assert_int_equal(s.cc.hs.phase, HYSTART_SS);
        ss_rounds(&s, 1, 56 * MS); /* below 50 + 6.25 ms: still slow start */
        assert_int_equal(s.cc.hs.phase, HYSTART_SS);
        assert_int_equal(s.cc.cwnd, 160 * M);
        ss_rounds(&s, 1, 63 * MS); /* 56 + 7: CSS from the 8th sample */
        assert_int_equal(s.cc.hs.phase, HYSTART_CSS);
        assert_int_equal(s.cc.ssthresh, CC_SSTHRESH_INITIAL);
        /* 8 ACKs at full growth, the other 152 a quarter */
        assert_int_equal(s.cc.cwnd, 160 * M + 8 * M + 152 * M / 4);
        uint32_t w = s.cc.cwnd;
        ss_rounds(&s, 1, 50 * MS); /* below the 63 ms baseline: spurious */
        assert_int_equal(s.cc.hs.phase, HYSTART_SS);
        assert_int_equal(s.cc.cwnd, w + 8 * M / 4 + (w / M - 8) * M);
        ss_rounds(&s, 1, 70 * MS);
        assert_int_equal(s.cc.hs.phase, HYSTART_CSS); /* CSS round 1 */
        for (int r = 0; r < 4; r++) { /* rounds 2..5 of CSS: +25% each */
            w = s.cc.cwnd;
            ss_rounds(&s, 1, 70 * MS);
            assert_int_equal(s.cc.hs.phase, HYSTART_CSS);
            assert_true(s.cc.cwnd + M >= w + w / 4 && s.cc.cwnd <= w + w / 4);
        }
        assert_int_equal(s.cc.ssthresh, CC_SSTHRESH_INITIAL);
        w = s.cc.cwnd;
        s.max = s.una + w;
        sim_ack(&s, M, 70 * MS); /* the first ACK of a 6th round */
        assert_int_equal(s.cc.hs.phase, HYSTART_DONE);
        assert_int_equal(s.cc.ssthresh, w);
        assert_int_equal(s.cc.cwnd, w);
        ss_rounds(&s, 1, 70 * MS); /* congestion avoidance: about +1 SMSS */
        assert_true(s.cc.cwnd >= w && s.cc.cwnd <= w + 2 * M);
    }
}

/* The delay test needs N_RTT_SAMPLE samples in the round; off by config. */
static void test_hystart_needs_samples_and_config(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_newreno, true);
    ss_rounds(&s, 2, 50 * MS); /* 10 -> 40 */
    for (int r = 0; r < 2; r++) { /* 7 samples of 90 ms, the rest none */
        s.max = s.una + s.cc.cwnd;
        uint32_t n = s.cc.cwnd / M;
        for (uint32_t k = 0; k < n; k++) {
            s.now += MS;
            sim_ack(&s, M, k < 7 ? 90 * MS : 0);
        }
    }
    assert_int_equal(s.cc.hs.phase, HYSTART_SS);
    assert_int_equal(s.cc.cwnd, 160 * M);
    sim_init(&s, &cc_newreno, false); /* cfg.tcp_hystart = false */
    ss_rounds(&s, 2, 50 * MS);
    ss_rounds(&s, 2, 90 * MS);
    assert_int_equal(s.cc.hs.phase, HYSTART_SS);
    assert_int_equal(s.cc.cwnd, 160 * M);
}

/* RFC 9406 4.3: L = 8 SMSS per ACK without pacing, none with it (and the
 * RFC 3465 limit, when set, is the smaller). */
static void test_hystart_limit_l(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_newreno, true);
    s.cc.abc_segs = 0;
    s.max = s.una + s.cc.cwnd;
    sim_ack(&s, 10 * M, 0);
    assert_int_equal(s.cc.cwnd, 18 * M);
    s.cc.paced = true;
    s.max = s.una + s.cc.cwnd;
    sim_ack(&s, 10 * M, 0);
    assert_int_equal(s.cc.cwnd, 28 * M);
    s.cc.abc_segs = 2;
    s.max = s.una + s.cc.cwnd;
    sim_ack(&s, 10 * M, 0);
    assert_int_equal(s.cc.cwnd, 30 * M);
}

/* RFC 9438 4.10: CUBIC after HyStart++ left slow start without a loss:
 * cwnd_prior = cwnd, K = 0, W_max = cwnd_epoch. */
static void test_cubic_after_hystart(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, &cc_cubic, true);
    ss_rounds(&s, 3, 50 * MS);
    for (int r = 0; r < 12 && s.cc.hs.phase != HYSTART_DONE; r++) {
        s.max = s.una + s.cc.cwnd; /* a round at 80 ms, ACK by ACK */
        for (uint32_t k = s.cc.cwnd / M; k > 0 && s.cc.hs.phase != HYSTART_DONE; k--) {
            s.now += MS;
            sim_ack(&s, M, 80 * MS);
        }
    }
    assert_int_equal(s.cc.hs.phase, HYSTART_DONE);
    double w = (double)s.cc.cwnd / M;
    assert_int_equal(s.cc.ssthresh, s.cc.cwnd);
    sim_ack(&s, M, 80 * MS); /* the first ACK in congestion avoidance */
    const struct cc_cubic_state *cs = &s.cc.alg.cubic;
    assert_true(cs->in_epoch && cs->k == 0);
    assert_true(fabs(cs->w_max - w) < 1e-9 && fabs(cs->cwnd_prior - w) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newreno),
        cmocka_unit_test(test_abc_limit),
        cmocka_unit_test(test_app_limited_no_growth),
        cmocka_unit_test(test_cubic_beta),
        cmocka_unit_test(test_cubic_curve),
        cmocka_unit_test(test_cubic_reno_friendly),
        cmocka_unit_test(test_cubic_fast_convergence),
        cmocka_unit_test(test_cubic_timeout),
        cmocka_unit_test(test_cubic_app_limited_freezes_curve),
        cmocka_unit_test(test_cubic_undo),
        cmocka_unit_test(test_hystart_css_and_back),
        cmocka_unit_test(test_hystart_needs_samples_and_config),
        cmocka_unit_test(test_hystart_limit_l),
        cmocka_unit_test(test_cubic_after_hystart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
