/* Reliability and timers: RTO back-off (RFC 6298), giving up (RFC 9293
 * 3.8.3), SYN retransmission, Karn's rule, fast retransmit and NewReno
 * recovery (RFC 5681, RFC 6582), keepalive (RFC 1122 4.2.3.6). */
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

static uint8_t data[16384];

static void test_rto_backoff_and_recovery(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 100, 0, NULL), 100);
    seg_expect(h, A | P, i, p);
    /* RTO 300 ms (srtt 100, rttvar 50), then doubled each time (5.5) */
    ust_time_t waits[] = {300 * MS, 600 * MS, 1200 * MS, 2400 * MS};
    for (unsigned k = 0; k < 4; k++) {
        th_advance(h, waits[k] - 1 * MS);
        seg_expect_nothing(h);
        th_advance(h, 1 * MS);
        assert_int_equal(seg_expect(h, A | P, i, p)->len, 100);
        struct ust_tcp_info info = th_info(s);
        assert_int_equal(info.retransmits, k + 1);
        assert_int_equal(info.backoff, k + 1);
        assert_int_equal(info.cwnd, 1460); /* loss window */
    }
    assert_int_equal(h->st->stats.tcp.Timeouts, 4);
    /* Karn: the ACK of a retransmitted segment gives no RTT sample */
    th_advance(h, 50 * MS);
    seg_in(h, A, p, i + 100, 65535, NULL, 0);
    struct ust_tcp_info info = th_info(s);
    assert_int_equal(info.rtt_us, 100000);
    assert_int_equal(info.retransmits, 0);
    assert_int_equal(info.ssthresh, 2 * 1460);
    /* the next segment is timed again: 7/8 * 100 + 1/8 * 50 ms */
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i + 100, p);
    th_advance(h, 50 * MS);
    seg_in(h, A, p, i + 110, 65535, NULL, 0);
    info = th_info(s);
    assert_int_equal(info.rtt_us, 93750);
    assert_int_equal(info.backoff, 0);
    th_advance(h, 10 * UST_SEC);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_give_up_after_retries(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries = 2;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 100, 0, NULL), 100);
    seg_expect(h, A | P, i, p);
    th_advance(h, 300 * MS);
    seg_expect(h, A | P, i, p);
    th_advance(h, 600 * MS);
    seg_expect(h, A | P, i, p);
    th_advance(h, 1200 * MS); /* R2 reached: reset, ETIMEDOUT */
    seg_expect(h, R | A, i + 100, p);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    char b[4];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_TIMEDOUT);
    assert_int_equal(h->st->stats.tcp.AbortOnTimeout, 1);
    th_free(h);
}

static void test_user_timeout(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* MUST-21: R2 per connection (TCP_USER_TIMEOUT, ms) */
    assert_int_equal(th_setopt_int(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 1000), UST_OK);
    assert_int_equal(tcp_sock_ops.send(s, data, 100, 0, NULL), 100);
    seg_expect(h, A | P, i, p);
    th_advance(h, 300 * MS); /* first timeout: the clock starts */
    seg_expect(h, A | P, i, p);
    th_advance(h, 600 * MS);
    seg_expect(h, A | P, i, p);
    th_advance(h, 1200 * MS); /* 1.8 s since the first timeout >= 1 s */
    seg_expect(h, R | A, i + 100, p);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT);
    th_free(h);
}

static void test_syn_retransmission(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_syn_retries = 2;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_connect(h);
    th_advance(h, 1 * UST_SEC);
    const struct th_seg *syn = seg_expect(h, S, h->iss, 0);
    assert_true(syn->opts.has_mss); /* the same SYN, options included */
    th_advance(h, 2 * UST_SEC);
    seg_expect(h, S, h->iss, 0);
    th_advance(h, 4 * UST_SEC - 1);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_SYN_SENT);
    th_advance(h, 1);
    seg_expect_nothing(h); /* no RST: nothing was synchronized */
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_true(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT);
    th_free(h);
}

static void test_syn_retries_default_over_3_minutes(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    ust_time_t start = h->now;
    unsigned syns = 0;
    while (th_state(s) == UST_TCP_SYN_SENT) {
        ust_time_t next = ust_stack_poll_at(h->st);
        assert_true(next != UST_TIME_NEVER);
        th_advance(h, next - h->now);
        while (th_pending(h)) {
            seg_expect(h, S, h->iss, 0);
            syns++;
        }
    }
    /* MUST-23: at least 3 minutes of SYN retransmission */
    assert_true(h->now - start >= 180 * UST_SEC);
    assert_int_equal(syns, 7);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT);
    th_free(h);
}

static void test_rtt_after_syn_loss(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    th_advance(h, 1 * UST_SEC);
    seg_expect(h, S, h->iss, 0);
    seg_in(h, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    /* Karn: no sample from the repeated SYN; RFC 6298 5.7: RTO 3 s */
    struct ust_tcp_info i = th_info(s);
    assert_int_equal(i.rtt_us, 0);
    assert_int_equal(i.rto_us, 3000000);
    th_free(h);
}

static void test_fast_retransmit_newreno(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    const uint32_t M = 1460;
    assert_int_equal(tcp_sock_ops.send(s, data, 6 * M, 0, NULL), 6 * M);
    for (uint32_t k = 0; k < 6; k++)
        seg_expect(h, k == 5 ? A | P : A, i + k * M, p);
    seg_in(h, A, p, i + M, 65535, NULL, 0); /* segment 2 lost */
    assert_int_equal(th_info(s).cwnd, 11 * M);
    seg_in(h, A, p, i + M, 65535, NULL, 0);
    seg_in(h, A, p, i + M, 65535, NULL, 0);
    seg_expect_nothing(h);
    seg_in(h, A, p, i + M, 65535, NULL, 0); /* third duplicate */
    assert_int_equal(seg_expect(h, A, i + M, p)->len, M);
    struct ust_tcp_info info = th_info(s);
    assert_int_equal(info.ssthresh, 5 * M / 2);  /* flight 5 segments / 2 */
    assert_int_equal(info.cwnd, 5 * M / 2 + 3 * M);
    seg_in(h, A, p, i + M, 65535, NULL, 0);     /* inflate */
    assert_int_equal(th_info(s).cwnd, 5 * M / 2 + 4 * M);
    /* partial ACK (segment 4 was lost too): retransmit it at once */
    seg_in(h, A, p, i + 3 * M, 65535, NULL, 0);
    assert_int_equal(seg_expect(h, A, i + 3 * M, p)->len, M);
    assert_int_equal(h->st->stats.tcp.PartialAcks, 1);
    /* full ACK: recovery over, cwnd = min(ssthresh, flight + SMSS) */
    seg_in(h, A, p, i + 6 * M, 65535, NULL, 0);
    info = th_info(s);
    assert_int_equal(info.cwnd, 2 * M);
    assert_int_equal(info.unacked, 0);
    assert_int_equal(h->st->stats.tcp.FastRetrans, 1);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_congestion_option(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_socket(h);
    char name[16] = {0};
    size_t len = sizeof(name);
    assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &len), UST_OK);
    assert_string_equal(name, "newreno");
    assert_int_equal(tcp_sock_ops.setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5), UST_OK);
    assert_int_equal(tcp_sock_ops.setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "vegas", 5),
                     UST_ERR_NOENT);
    len = sizeof(name);
    assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &len), UST_OK);
    assert_string_equal(name, "cubic");
    th_close(h, s);
    /* once established the algorithm stays */
    s = th_open_active(h, 65535);
    assert_int_equal(tcp_sock_ops.setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5),
                     UST_ERR_ISCONN);
    th_free(h);
}

static void test_keepalive(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    int v = -1;
    size_t len = sizeof(v);
    /* MUST-25: off by default; MUST-28: default idle 2 hours */
    assert_int_equal(tcp_sock_ops.getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len), UST_OK);
    assert_int_equal(v, 0);
    assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), UST_OK);
    assert_int_equal(v, 7200);
    assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &v, &len), UST_OK);
    assert_int_equal(v, 75);
    assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &v, &len), UST_OK);
    assert_int_equal(v, 9);
    th_advance(h, 3 * 3600 * UST_SEC);
    seg_expect_nothing(h);
    /* MUST-24/27: per connection, configurable */
    assert_int_equal(th_setopt_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 10), UST_OK);
    assert_int_equal(th_setopt_int(s, IPPROTO_TCP, TCP_KEEPINTVL, 2), UST_OK);
    assert_int_equal(th_setopt_int(s, IPPROTO_TCP, TCP_KEEPCNT, 3), UST_OK);
    assert_int_equal(th_setopt_int(s, SOL_SOCKET, SO_KEEPALIVE, 1), UST_OK);
    /* long idle already: the first probe goes at once */
    th_advance(h, 1);
    const struct th_seg *k = seg_expect(h, A, i - 1, p);
    assert_int_equal(k->len, 0); /* SHLD-12: no garbage octet */
    seg_in(h, A, p, i, 65535, NULL, 0); /* answered: idle again for 10 s */
    seg_expect_nothing(h);
    th_advance(h, 10 * UST_SEC - 2);
    seg_expect_nothing(h);
    th_advance(h, 2);
    seg_expect(h, A, i - 1, p);
    /* MUST-29: one unanswered probe is not a dead connection */
    th_advance(h, 2 * UST_SEC);
    seg_expect(h, A, i - 1, p);
    th_advance(h, 2 * UST_SEC);
    seg_expect(h, A, i - 1, p);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    th_advance(h, 2 * UST_SEC); /* 3 probes unanswered: reset */
    seg_expect(h, R | A, i, p);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT);
    assert_int_equal(h->st->stats.tcp.KeepAliveProbes, 4);
    th_free(h);
}

static void test_keepalive_not_while_data_outstanding(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(th_setopt_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 1), UST_OK);
    assert_int_equal(th_setopt_int(s, SOL_SOCKET, SO_KEEPALIVE, 1), UST_OK);
    th_advance(h, 900 * MS);
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i, p);
    seg_in(h, A, p, i + 10, 65535, NULL, 0); /* traffic moves the idle start */
    th_advance(h, 999 * MS);
    seg_expect_nothing(h);
    th_advance(h, 1 * MS);
    seg_expect(h, A, i + 9, p);
    th_free(h);
}

int main(void)
{
    for (size_t k = 0; k < sizeof(data); k++)
        data[k] = (uint8_t)(k ^ (k >> 8));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rto_backoff_and_recovery),
        cmocka_unit_test(test_give_up_after_retries),
        cmocka_unit_test(test_user_timeout),
        cmocka_unit_test(test_syn_retransmission),
        cmocka_unit_test(test_syn_retries_default_over_3_minutes),
        cmocka_unit_test(test_rtt_after_syn_loss),
        cmocka_unit_test(test_fast_retransmit_newreno),
        cmocka_unit_test(test_congestion_option),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_keepalive_not_while_data_outstanding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
