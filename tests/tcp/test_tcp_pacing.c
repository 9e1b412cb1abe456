/* Pacing on the virtual clock (tcp_pacing.c): with cc.pacing_rate set,
 * data leaves in bursts of one send quantum (about 1 ms of data, at least
 * two segments) spaced so that the average is the pacing rate, the gaps
 * timed by the connection's pacing timer; ACKs opening the window do not
 * bypass it; a rate of 0 sends at once as before.
 *
 * The connection negotiates SACK (NewReno, which never sets a rate: the
 * test sets it), MSS 1460, cwnd 10 segments. At 146000 B/s one segment
 * takes 10 ms, the quantum is two segments: two leave every 20 ms. */
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

static struct tcb *tcb_of(struct th *h)
{
    return tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport);
}

/* Segments k .. k+n-1 of the stream leave now, and nothing else. */
static void expect_segs(struct th *h, uint32_t k, uint32_t n, uint32_t last)
{
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    for (uint32_t j = k; j < k + n; j++)
        assert_int_equal(seg_expect(h, j == last ? A | P : A, i + j * M, p)->len, M);
    seg_expect_nothing(h);
}

static void test_segments_leave_at_pacing_rate(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    tcb_of(h)->cc.pacing_rate = 100 * M; /* 10 ms a segment */
    assert_int_equal(tcp_pacing_quantum(100 * M, M), 2 * M);
    assert_int_equal(tcp_sock_ops.send(s, data, 8 * M, 0, NULL), 8 * M);
    expect_segs(h, 0, 2, 7); /* one quantum at once */
    assert_int_equal(STAT(h, PacingWaits), 1);
    /* an ACK opening the window does not let more go early */
    th_advance(h, 5 * MS);
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0);
    seg_expect_nothing(h);
    th_advance(h, 14 * MS); /* 19 ms */
    seg_expect_nothing(h);
    for (uint32_t k = 2; k < 8; k += 2) {
        th_advance(h, 1 * MS); /* 20, 40, 60 ms: the next two */
        expect_segs(h, k, 2, 7);
        if (k < 6) {
            th_advance(h, 19 * MS);
            seg_expect_nothing(h);
        }
    }
    assert_int_equal(STAT(h, PacingWaits), 3);
    assert_int_equal(th_info(s).pacing_rate, 100 * M);
    th_free(h);
}

/* The link model gives no credit for idle time: after a pause the next
 * burst is one quantum again, not everything the idle time would allow. */
static void test_no_credit_for_idle_time(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    tcb_of(h)->cc.pacing_rate = 100 * M;
    assert_int_equal(tcp_sock_ops.send(s, data, 2 * M, 0, NULL), 2 * M);
    expect_segs(h, 0, 2, 1);
    th_advance(h, 100 * MS);
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0);
    th_advance(h, 900 * MS); /* a second of silence */
    assert_int_equal(tcp_sock_ops.send(s, data, 6 * M, 0, NULL), 6 * M);
    expect_segs(h, 2, 2, 7);
    th_advance(h, 20 * MS);
    expect_segs(h, 4, 2, 7);
    th_free(h);
}

/* A pacing timer that runs late (a real loop wakes in whole ms) lets
 * output catch up the lateness, up to 2 ms: at 1 ms a segment, a timer
 * due at 2 ms that runs at 4 ms sends four segments, not two. */
static void test_late_timer_catches_up(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    tcb_of(h)->cc.pacing_rate = 1000 * M; /* 1 ms a segment, quantum 2 */
    assert_int_equal(tcp_sock_ops.send(s, data, 10 * M, 0, NULL), 10 * M);
    expect_segs(h, 0, 2, 9);
    th_advance(h, 4 * MS); /* the timer was due at 2 ms */
    expect_segs(h, 2, 4, 9);
    th_advance(h, 2 * MS); /* on time again: one quantum */
    expect_segs(h, 6, 2, 9);
    th_free(h);
}

/* A clock that has moved on while a quantum was built (a real loop reads
 * its time once per turn): the next quantum goes in the same call when the
 * link is free by the clock, and the timer is armed from the clock's time
 * when it is not. */
static ust_time_t clock_now;
static ust_time_t read_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static void test_fresh_clock_lets_next_quantum_go(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    tcb_of(h)->cc.pacing_rate = 1000 * M; /* 1 ms a segment, quantum 2 */
    clock_now = h->now + 2 * MS;          /* the first quantum took 2 ms */
    ust_stack_set_clock(h->st, read_clock, NULL);
    assert_int_equal(tcp_sock_ops.send(s, data, 10 * M, 0, NULL), 10 * M);
    expect_segs(h, 0, 4, 9); /* two quanta: the second one free by the clock */
    assert_int_equal(STAT(h, PacingWaits), 1);
    assert_int_equal(tcb_of(h)->timer.pace.when, h->now + 4 * MS);
    ust_stack_set_clock(h->st, NULL, NULL);
    th_advance(h, 4 * MS);
    expect_segs(h, 4, 2, 9);
    th_free(h);
}

/* Rate 0 (NewReno, CUBIC): the whole window at once, no timer. */
static void test_unpaced_when_rate_zero(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_sack(h, true);
    assert_int_equal(tcb_of(h)->cc.pacing_rate, 0);
    assert_int_equal(tcp_sock_ops.send(s, data, 8 * M, 0, NULL), 8 * M);
    expect_segs(h, 0, 8, 7);
    assert_false(timer_armed(&tcb_of(h)->timer.pace));
    assert_int_equal(STAT(h, PacingWaits), 0);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments_leave_at_pacing_rate),
        cmocka_unit_test(test_no_credit_for_idle_time),
        cmocka_unit_test(test_late_timer_catches_up),
        cmocka_unit_test(test_fresh_clock_lets_next_quantum_go),
        cmocka_unit_test(test_unpaced_when_rate_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
