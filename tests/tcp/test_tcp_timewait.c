/* A SYN for a connection in TIME-WAIT (RFC 6191 2, RFC 9293 SHLD-4 and
 * MAY-2): with timestamps a newer TSval reopens it, an older one is
 * dropped silently; without them the sequence-number rule of RFC 1122
 * 4.2.2.13 decides. The new incarnation's ISS lies above the old one's
 * sequence space. */
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

#define LAST_TS 7000u /* the peer's TSval on its last segment of the old incarnation */

static uint8_t data[32768];

static struct tcb *conn(struct th *h)
{
    return tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport);
}

static void peer_in(struct th *h, bool ts, uint8_t flags, uint32_t seq, uint32_t ack,
                    uint32_t tsval)
{
    struct tcp_opts o = {.has_timestamp = ts, .ts_val = tsval};
    if (flags & TCP_SYN) {
        o.has_mss = true;
        o.mss = 1460;
    }
    seg_in_opts(h, flags, seq, ack, 65535, &o, 0, NULL, 0);
}

/* Passive open (timestamps when `ts`); we send `n` bytes, all
 * acknowledged, and close first: TIME-WAIT. Returns the old SND.MAX. */
static uint32_t old_incarnation(struct th *h, bool ts, uint32_t n)
{
    struct ust_sock *l = th_listen(h, 0, 8);
    (void)l;
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    uint32_t p = PEER_ISS + 1;
    peer_in(h, ts, S, PEER_ISS, 0, LAST_TS - 100);
    h->iss = h->q[h->qhead].seq;
    seg_expect(h, S | A, h->iss, p);
    uint32_t i = h->iss + 1;
    peer_in(h, ts, A, p, i, LAST_TS - 99);
    struct ust_sock *s = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, s, NULL), UST_OK);
    assert_int_equal(tcp_sock_ops.send(s, data, n, 0, NULL), (long)n);
    while (th_pending(h)) { /* the peer acknowledges each flight at once */
        uint32_t end = 0;
        while (th_pending(h)) {
            const struct th_seg *d = &h->q[h->qhead];
            end = d->seq + (uint32_t)d->len;
            seg_expect(h, d->flags, d->seq, p);
        }
        peer_in(h, ts, A, p, end, LAST_TS - 50);
    }
    th_close(h, s);
    seg_expect(h, F | A, i + n, p);
    peer_in(h, ts, F | A, p, i + n + 1, LAST_TS);
    seg_expect(h, A, i + n + 1, p + 1);
    assert_int_equal(conn(h)->state, UST_TCP_TIME_WAIT);
    return i + n + 1;
}

/* The ISS of a reopened connection: RFC 6528's, unless that is not above
 * the old sequence space (tcp_input.c listen_input). */
static uint32_t expected_iss(struct th *h, uint32_t old_snd_max)
{
    uint32_t isn = tcp_isn(h->st, TH_LOCAL, TH_RPORT, TH_PEER, TH_LPORT, h->st->now);
    return seq_gt(isn, old_snd_max) ? isn : old_snd_max + 1 + (isn & 0xffff);
}

/* The SYN reopened the connection: exact SYN,ACK, then the handshake. */
static void expect_reopened(struct th *h, bool ts, uint32_t syn_seq, uint32_t tsval,
                            uint32_t old_snd_max)
{
    uint32_t iss2 = expected_iss(h, old_snd_max);
    assert_true(seq_gt(iss2, old_snd_max)); /* MAY-2 (1) */
    const struct th_seg *sa = seg_expect(h, S | A, iss2, syn_seq + 1);
    assert_int_equal(sa->len, 0);
    assert_true(sa->opts.has_mss);
    assert_int_equal(sa->opts.has_timestamp, ts);
    if (ts)
        assert_int_equal(sa->opts.ts_ecr, tsval);
    assert_int_equal(conn(h)->state, UST_TCP_SYN_RECEIVED);
    assert_int_equal(h->st->stats.tcp.TimeWaitReopens, 1);
    assert_int_equal(h->st->stats.tcp.PassiveOpens, 2);
    peer_in(h, ts, A, syn_seq + 1, iss2 + 1, tsval + 1);
    seg_expect_nothing(h);
    assert_int_equal(conn(h)->state, UST_TCP_ESTABLISHED);
}

static void expect_dropped(struct th *h, unsigned drops)
{
    seg_expect_nothing(h); /* RFC 6191 2: silently */
    assert_int_equal(conn(h)->state, UST_TCP_TIME_WAIT);
    assert_int_equal(h->st->stats.tcp.TimeWaitSynDrops, drops);
    assert_int_equal(h->st->stats.tcp.TimeWaitReopens, 0);
}

static void test_newer_tsval_reopens(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t old_max = old_incarnation(h, true, 30000);
    th_advance(h, 10 * UST_MSEC);
    /* 30000 bytes in 100 ms of 4 us ticks: RFC 6528 alone would not clear
     * the old sequence space, so the ISS rule is what is tested here */
    assert_false(seq_gt(tcp_isn(h->st, TH_LOCAL, TH_RPORT, TH_PEER, TH_LPORT, h->st->now),
                        old_max));
    /* a sequence number below RCV.NXT: only the timestamp makes it new */
    peer_in(h, true, S, PEER_ISS - 5000, 0, LAST_TS + 1);
    expect_reopened(h, true, PEER_ISS - 5000, LAST_TS + 1, old_max);
    th_free(h);
}

static void test_older_or_equal_tsval_dropped(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t old_max = old_incarnation(h, true, 100);
    uint32_t rcv_nxt = PEER_ISS + 2;
    peer_in(h, true, S, rcv_nxt + 100000, 0, LAST_TS - 1); /* older TSval, newer seq */
    expect_dropped(h, 1);
    peer_in(h, true, S, rcv_nxt - 1, 0, LAST_TS); /* equal TSval, old seq */
    expect_dropped(h, 2);
    peer_in(h, true, S, rcv_nxt, 0, LAST_TS); /* equal TSval, seq not above RCV.NXT */
    expect_dropped(h, 3);
    /* equal TSval and a sequence number above: new */
    peer_in(h, true, S, rcv_nxt + 1, 0, LAST_TS);
    expect_reopened(h, true, rcv_nxt + 1, LAST_TS, old_max);
    th_free(h);
}

static void test_without_timestamps_sequence_rule(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t old_max = old_incarnation(h, true, 100);
    uint32_t rcv_nxt = PEER_ISS + 2;
    /* the old incarnation had timestamps, the SYN has none: RFC 1122 */
    peer_in(h, false, S, rcv_nxt - 1, 0, 0);
    expect_dropped(h, 1);
    peer_in(h, false, S, rcv_nxt + 50000, 0, 0);
    expect_reopened(h, false, rcv_nxt + 50000, 0, old_max);
    th_free(h);
}

static void test_old_incarnation_without_timestamps(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t old_max = old_incarnation(h, false, 100);
    uint32_t rcv_nxt = PEER_ISS + 2;
    peer_in(h, false, S, rcv_nxt - 1000, 0, 0); /* no timestamps either side */
    expect_dropped(h, 1);
    /* RFC 6191 2: nothing to compare with, a SYN with timestamps is new */
    peer_in(h, true, S, rcv_nxt - 1000, 0, 42);
    expect_reopened(h, true, rcv_nxt - 1000, 42, old_max);
    th_free(h);
}

static void test_timestamps_switched_off(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_timestamps = false;
    struct th *h = th_new(&c);
    uint32_t old_max = old_incarnation(h, true, 100); /* offered by the peer only */
    uint32_t rcv_nxt = PEER_ISS + 2;
    /* timestamps would not be used by the new incarnation: sequence rule */
    peer_in(h, true, S, rcv_nxt - 1, 0, LAST_TS + 1);
    expect_dropped(h, 1);
    peer_in(h, true, S, rcv_nxt + 1, 0, LAST_TS + 2);
    expect_reopened(h, false, rcv_nxt + 1, 0, old_max);
    th_free(h);
}

static void test_no_listener_keeps_time_wait(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    old_incarnation(h, true, 100);
    uint32_t i = h->iss + 102, rcv_nxt = PEER_ISS + 2;
    th_close(h, h->socks[0]); /* the listener goes */
    /* new by RFC 6191, but nobody listens: the ordinary TIME-WAIT answer,
     * an ACK (here a challenge ACK: the SYN is in the window, RFC 5961 4) */
    peer_in(h, true, S, rcv_nxt + 10, 0, LAST_TS + 1);
    seg_expect(h, A, i, rcv_nxt);
    assert_int_equal(conn(h)->state, UST_TCP_TIME_WAIT);
    assert_int_equal(h->st->stats.tcp.TimeWaitReopens, 0);
    assert_int_equal(h->st->stats.tcp.TimeWaitSynDrops, 0);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newer_tsval_reopens),
        cmocka_unit_test(test_older_or_equal_tsval_dropped),
        cmocka_unit_test(test_without_timestamps_sequence_rule),
        cmocka_unit_test(test_old_incarnation_without_timestamps),
        cmocka_unit_test(test_timestamps_switched_off),
        cmocka_unit_test(test_no_listener_keeps_time_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
