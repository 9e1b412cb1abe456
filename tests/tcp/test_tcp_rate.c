/* Delivery rate samples (draft-cheng-iccrg-delivery-rate-estimation) with
 * crafted ACKs on the virtual clock: what a cumulative ACK and a SACK
 * deliver, the interval (the longer of the send and ACK intervals), the
 * rate, the RTT (never from a retransmission), losses counted once, and
 * application-limited marking and its end.
 *
 * Every connection negotiates SACK (RACK on, NewReno), MSS 1460, and the
 * handshake takes 100 ms; nothing is paced (NewReno sets no rate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "wire/seq.h"

static uint8_t data[65536];
static const uint32_t M = 1460;
#define MS UST_MSEC

static struct tcb *tcb_of(struct th *h)
{
    return tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport);
}

/* Queues n segments; all n go out at once (cwnd allows). */
static void send_n(struct th *h, struct ust_sock *s, uint32_t first, uint32_t n)
{
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, n * M, 0, NULL), n * M);
    for (uint32_t k = first; k < first + n; k++)
        assert_int_equal(seg_expect(h, k == first + n - 1 ? A | P : A, i + k * M, p)->len, M);
    seg_expect_nothing(h);
}

static void sack_in(struct th *h, uint32_t ack, uint32_t l0, uint32_t r0)
{
    struct tcp_opts o = {.num_sack = 1, .sack = {{l0, r0}}};
    seg_in_opts(h, A, PEER_ISS + 1, ack, 65535, &o, 0, NULL, 0);
}

static struct rate_sample sample(struct th *h)
{
    struct rate_sample rs;
    tcp_rate_sample(tcb_of(h), &rs);
    return rs;
}

static void test_cumulative_acks(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_n(h, s, 0, 4);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0);
    /* 2 segments sent at t0 and delivered 100 ms later */
    struct rate_sample rs = sample(h);
    assert_true(rs.has_data);
    assert_int_equal(rs.newly_acked, 2 * M);
    assert_int_equal(rs.delivered, 2 * M);
    assert_int_equal(rs.prior_delivered, 0);
    assert_int_equal(rs.interval, 100 * MS);
    assert_int_equal(rs.delivery_rate, 2 * M * 10); /* bytes per 0.1 s */
    assert_int_equal(rs.rtt, 100 * MS);
    assert_int_equal(rs.prior_in_flight, 0); /* measured only for cong_control (BBR) */
    assert_int_equal(rs.inflight, 2 * M);
    assert_true(rs.is_app_limited); /* the first flight after idle (3.4) */
    /* the rest 50 ms later: the sample still starts at the send of the
     * newest segment delivered (t0), so 4 segments over 150 ms */
    th_advance(h, 50 * MS);
    seg_in(h, A, p, i + 4 * M, 65535, NULL, 0);
    rs = sample(h);
    assert_int_equal(rs.newly_acked, 2 * M);
    assert_int_equal(rs.delivered, 4 * M);
    assert_int_equal(rs.interval, 150 * MS);
    assert_int_equal(rs.delivery_rate, 4 * M * 1000 / 150);
    assert_int_equal(tcb_of(h)->rate.delivered, 4 * M);
    assert_int_equal(tcp_minrtt_get(&tcb_of(h)->min_rtt), 100 * MS);
    assert_int_equal(th_info(s).delivery_rate, 4 * M * 1000 / 150);
    assert_int_equal(th_info(s).min_rtt_us, 100000);
    th_free(h);
}

static void test_sack_loss_and_retransmission(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_n(h, s, 0, 4);
    /* segments 1-3 SACKed: delivered; segment 0 lost at once (RACK,
     * three SACKed) and resent */
    th_advance(h, 100 * MS);
    sack_in(h, i, i + M, i + 4 * M);
    assert_int_equal(seg_expect(h, A, i, p)->len, M);
    seg_expect_nothing(h);
    struct tcb *t = tcb_of(h);
    struct rate_sample rs = sample(h);
    assert_int_equal(rs.newly_acked, 3 * M);
    assert_int_equal(rs.delivered, 3 * M);
    assert_int_equal(rs.delivery_rate, 3 * M * 10);
    assert_int_equal(t->rate.delivered, 3 * M);
    assert_int_equal(t->rate.lost, M);
    /* the cumulative ACK 100 ms later delivers the retransmission: one
     * segment over the 100 ms since it went, and no RTT (Karn) */
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 4 * M, 65535, NULL, 0);
    rs = sample(h);
    assert_int_equal(rs.newly_acked, M);
    assert_int_equal(rs.delivered, M);
    assert_int_equal(rs.prior_delivered, 3 * M);
    assert_int_equal(rs.interval, 100 * MS);
    assert_int_equal(rs.delivery_rate, M * 10);
    assert_int_equal(rs.rtt, 0);
    assert_int_equal(rs.lost, 0); /* nothing was lost while the resend was out */
    assert_int_equal(t->rate.delivered, 4 * M);
    assert_int_equal(t->rate.lost, M); /* counted once */
    th_free(h);
}

/* Draft 3.4: a sender with less than a segment to send and room in cwnd
 * is application-limited until what was in flight then is delivered;
 * segments sent meanwhile carry the mark, and so does their sample. An
 * idle connection is application-limited too. */
static void test_app_limited(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct tcb *t = tcb_of(h);
    assert_int_equal(t->rate.app_limited, 1); /* idle: nothing delivered, nothing out */
    send_n(h, s, 0, 2);
    assert_true(t->rack.map.s[1].rate_flags & RATE_APP_LIMITED);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0);
    assert_true(sample(h).is_app_limited);
    /* idle again: limited until these 2 segments' worth is delivered */
    assert_int_equal(t->rate.app_limited, 2 * M);
    /* more than cwnd (10 segments: a 2-segment flight did not use the
     * window, so slow start did not grow it, RFC 7661) to send: no new
     * mark, but the segments still go inside the marked bubble */
    h->allow_unchecked = true;
    assert_int_equal(tcp_sock_ops.send(s, data, 40 * M, 0, NULL), 40 * M);
    uint32_t first_max = t->snd.max;
    assert_int_equal(first_max, i + 12 * M);
    assert_true(t->rack.map.s[9].rate_flags & RATE_APP_LIMITED);
    assert_int_equal(t->rate.app_limited, 2 * M);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, first_max, 65535, NULL, 0);
    assert_true(sample(h).is_app_limited); /* its newest segment was marked */
    assert_int_equal(t->rate.app_limited, 0); /* 12 delivered > 2: over */
    uint32_t second_max = t->snd.max;
    assert_true(seq_gt(second_max, first_max));
    assert_false(t->rack.map.s[0].rate_flags & RATE_APP_LIMITED);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, second_max, 65535, NULL, 0);
    struct rate_sample rs = sample(h);
    assert_false(rs.is_app_limited);
    assert_int_equal(rs.delivered, second_max - first_max);
    assert_int_equal(rs.delivery_rate, (uint64_t)(second_max - first_max) * 10);
    th_free(h);
}

/* rs.newly_lost is what the ACK's own loss detection marked (Linux's
 * rs->losses): NewReno with a cong_control hook that records it. */
static uint32_t seen_newly_lost;
static void record_sample(struct cc_state *cc, const struct rate_sample *rs)
{
    (void)cc;
    seen_newly_lost = rs->newly_lost;
}

static void test_timer_losses_not_in_next_sample(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1;
    struct tcb *t = tcb_of(h);
    struct cc_ops recorder = *t->cc_ops;
    recorder.cong_control = record_sample;
    t->cc_ops = &recorder;
    send_n(h, s, 0, 4);
    /* segment 3 SACKed after 1 ms: segments 0-2 wait for RACK's
     * reordering window (one SACKed segment, less than DupThresh) */
    th_advance(h, 1 * MS);
    sack_in(h, i, i + 3 * M, i + 4 * M);
    seg_expect_nothing(h);
    assert_int_equal(seen_newly_lost, 0);
    assert_true(timer_armed(&t->timer.rack));
    /* the reordering timer marks them lost (into C.lost) and recovery
     * resends them */
    th_advance(h, 100 * MS);
    assert_int_equal(h->st->stats.tcp.RackReoTimeouts, 1);
    assert_int_equal(t->rate.lost, 3 * M);
    h->allow_unchecked = true;
    /* the next ACK delivers nothing new: it found no loss, so its sample
     * has none (before, it carried the timer's 3 segments, and BBR cut
     * cwnd for them a second time) */
    sack_in(h, i, i + 3 * M, i + 4 * M);
    assert_int_equal(seen_newly_lost, 0);
    assert_int_equal(t->rate.lost, 3 * M);
    t->cc_ops = &cc_newreno;
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cumulative_acks),
        cmocka_unit_test(test_sack_loss_and_retransmission),
        cmocka_unit_test(test_app_limited),
        cmocka_unit_test(test_timer_losses_not_in_next_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
