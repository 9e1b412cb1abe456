/* Limits on replies a blind attacker can provoke (RFC 5961 7 and 10):
 * the per-connection limit on challenge ACKs and on ACKs answering
 * unacceptable segments (cfg.tcp_invalid_ratelimit), the randomized
 * stack-wide challenge ACK budget (cfg.tcp_challenge_ack_limit), and the
 * token bucket on RSTs for closed ports (cfg.tcp_rst_rate/tcp_rst_burst).
 * (The ICMP error bucket: tests/unit/test_icmp.c test_error_rate_limit.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

#define MS UST_MSEC

/* A burst of in-window RSTs draws one challenge ACK per 500 ms. */
static void test_challenge_ack_per_connection(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    for (uint32_t k = 0; k < 10; k++)
        seg_in(h, R, p + 1 + k, 0, 0, NULL, 0);
    seg_expect(h, A, i, p);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.ChallengeAcks, 1);
    assert_int_equal(h->st->stats.tcp.AckSkippedChallenge, 9);
    th_advance(h, 499 * MS);
    seg_in(h, R, p + 1, 0, 0, NULL, 0);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS); /* 500 ms after the last one sent */
    seg_in(h, R, p + 1, 0, 0, NULL, 0);
    seg_in(h, S, p + 7, 0, 1000, NULL, 0); /* a SYN challenge shares the limit */
    seg_expect(h, A, i, p);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.ChallengeAcks, 2);
    assert_int_equal(h->st->stats.tcp.AckSkippedChallenge, 11);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    th_free(h);
}

#define NCONN 40

/* NCONN established connections accepted from peer ports 20000.. (their
 * ISS in iss[]); the listener's socket is returned. */
static void open_many(struct th *h, uint32_t *iss)
{
    th_listen(h, 0, NCONN);
    h->lport = TH_RPORT;
    for (unsigned k = 0; k < NCONN; k++) {
        h->rport = (uint16_t)(20000 + k);
        th_syn_in(h, 65535);
        iss[k] = h->iss;
        seg_in(h, A, PEER_ISS + 1, h->iss + 1, 65535, NULL, 0);
        seg_expect_nothing(h);
    }
}

/* Every connection gets one in-window RST per second, for `secs`
 * seconds; budget[n] = the challenge ACKs of second n (they go to the
 * first connections, in order, until the budget is spent). */
static void challenge_rounds(uint64_t seed, unsigned limit, unsigned *budget, unsigned secs)
{
    struct ust_config c;
    ust_config_default(&c);
    c.seed = seed;
    c.tcp_challenge_ack_limit = limit;
    struct th *h = th_new(&c);
    uint32_t iss[NCONN];
    open_many(h, iss);
    for (unsigned n = 0; n < secs; n++) {
        th_advance(h, 1 * UST_SEC);
        for (unsigned k = 0; k < NCONN; k++) {
            h->rport = (uint16_t)(20000 + k);
            seg_in(h, R, PEER_ISS + 2, 0, 0, NULL, 0);
        }
        budget[n] = th_pending(h);
        for (unsigned k = 0; k < budget[n]; k++)
            seg_expect(h, A, iss[k] + 1, PEER_ISS + 1);
    }
    uint64_t sent = 0;
    for (unsigned n = 0; n < secs; n++)
        sent += budget[n];
    assert_int_equal(h->st->stats.tcp.ChallengeAcks, sent);
    assert_int_equal(h->st->stats.tcp.ChallengeAckLimited, (uint64_t)secs * NCONN - sent);
    th_free(h);
}

/* RFC 5961 7 with CVE-2016-5696's fix: the budget of each second is
 * drawn in [ceil(L/2), ceil(L/2) + L - 1] from the stack's PRNG. It
 * varies, stays in that range, and the same seed gives the same run. */
static void test_challenge_budget_randomized(void **state)
{
    (void)state;
    enum { L = 10, SECS = 20 };
    unsigned a[SECS], b[SECS], other[SECS];
    challenge_rounds(7, L, a, SECS);
    challenge_rounds(7, L, b, SECS);
    challenge_rounds(8, L, other, SECS);
    bool varies = false, seeds_differ = false;
    for (unsigned n = 0; n < SECS; n++) {
        assert_in_range(a[n], (L + 1) / 2, (L + 1) / 2 + L - 1);
        assert_in_range(other[n], (L + 1) / 2, (L + 1) / 2 + L - 1);
        assert_int_equal(a[n], b[n]);
        varies = varies || a[n] != a[0];
        seeds_differ = seeds_differ || a[n] != other[n];
    }
    assert_true(varies);
    assert_true(seeds_differ);
}

/* RFC 9293 3.10.7.4 first check: a burst of out-of-window segments draws
 * one <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; 500 ms later another may go.
 * Segments with data are not limited (as Linux): their ACK may be the
 * one the peer lost. */
static void test_out_of_window_ack_limit(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    for (int k = 0; k < 20; k++)
        seg_in(h, A, p + 300000, i, 65535, NULL, 0);
    seg_expect(h, A, i, p);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.OutOfWindow, 20);
    assert_int_equal(h->st->stats.tcp.AckSkippedSeq, 19);
    seg_in(h, A | P, p - 10, i, 65535, "0123456789", 10); /* old data: answered */
    seg_expect(h, A, i, p);
    th_advance(h, 499 * MS);
    seg_in(h, A, p - 100, i, 65535, NULL, 0);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS);
    seg_in(h, A, p - 100, i, 65535, NULL, 0);
    seg_in(h, A, p - 100, i, 65535, NULL, 0);
    seg_expect(h, A, i, p);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.AckSkippedSeq, 21);
    th_free(h);
}

/* The same limit on ACKs of data never sent (RFC 9293 3.10.7.4 fifth
 * check) and on segments PAWS rejects (RFC 7323 5.3 R1). */
static void test_unsent_ack_and_paws_limit(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_connect(h);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .has_timestamp = true, .ts_val = 5000};
    seg_in_opts(h, S | A, PEER_ISS, i, 65535, &o, 0, NULL, 0);
    seg_expect(h, A, i, p);
    for (int k = 0; k < 5; k++)
        seg_in_opts(h, A, p, i + 1000, 65535, &o, 0, NULL, 0);
    seg_expect(h, A, i, p);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.AckTooNew, 5);
    assert_int_equal(h->st->stats.tcp.AckSkippedUnsent, 4);
    th_advance(h, 500 * MS);
    struct tcp_opts old = o;
    old.ts_val = 4000; /* older than TS.Recent: PAWS */
    for (int k = 0; k < 5; k++)
        seg_in_opts(h, A, p, i, 65535, &old, 0, NULL, 0);
    seg_expect(h, A, i, p);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.PawsDrops, 5);
    assert_int_equal(h->st->stats.tcp.AckSkippedPaws, 4);
    th_free(h);
}

/* The per-connection limit off (0): every unacceptable segment is
 * answered, as before the limit. */
static void test_invalid_ratelimit_off(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_invalid_ratelimit = 0;
    struct th *h = th_new(&c);
    th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    for (int k = 0; k < 3; k++)
        seg_in(h, A, p + 300000, i, 65535, NULL, 0);
    for (int k = 0; k < 3; k++)
        seg_expect(h, A, i, p);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.AckSkippedSeq, 0);
    th_free(h);
}

/* RFC 9293 3.10.7.1 RSTs for segments to a closed port go through a
 * stack-wide token bucket: the burst, then one per 1/rate seconds. A
 * RST (never answered) costs nothing. */
static void test_rst_closed_port_bucket(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_rst_rate = 10; /* one per 100 ms ... */
    c.tcp_rst_burst = 5; /* ... after a burst of 5 */
    struct th *h = th_new(&c);
    h->lport = 9; /* nobody listens */
    for (uint32_t k = 0; k < 8; k++)
        seg_in(h, S, 100 + k, 0, 1000, NULL, 0);
    for (uint32_t k = 0; k < 5; k++)
        seg_expect(h, R | A, 0, 101 + k);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.RstRateLimited, 3);
    seg_in(h, R, 100, 0, 0, NULL, 0);
    assert_int_equal(h->st->stats.tcp.RstRateLimited, 3);
    th_advance(h, 99 * MS);
    seg_in(h, A, 100, 777, 1000, NULL, 0);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS);
    seg_in(h, A, 100, 777, 1000, NULL, 0);
    seg_in(h, A, 100, 778, 1000, NULL, 0);
    seg_expect(h, R, 777, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.RstRateLimited, 5);
    /* after a quiet second the whole burst is back */
    th_advance(h, 1 * UST_SEC);
    for (uint32_t k = 0; k < 6; k++)
        seg_in(h, S, 100 + k, 0, 1000, NULL, 0);
    for (uint32_t k = 0; k < 5; k++)
        seg_expect(h, R | A, 0, 101 + k);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.RstRateLimited, 6);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_challenge_ack_per_connection),
        cmocka_unit_test(test_challenge_budget_randomized),
        cmocka_unit_test(test_out_of_window_ack_limit),
        cmocka_unit_test(test_unsent_ack_and_paws_limit),
        cmocka_unit_test(test_invalid_ratelimit_off),
        cmocka_unit_test(test_rst_closed_port_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
