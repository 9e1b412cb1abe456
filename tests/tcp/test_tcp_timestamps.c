/* RFC 7323 timestamps: negotiation, the option on every segment, the
 * effective MSS, RTT measurement from the echo, PAWS, TS.Recent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

/* Active open where the peer answers with timestamps (its TSval 5000). */
static struct ust_sock *open_ts(struct th *h, uint32_t *our_ts)
{
    struct ust_sock *s = th_connect(h);
    const struct th_seg *syn = &h->q[h->qhead - 1];
    assert_true(syn->opts.has_timestamp); /* offered by default */
    assert_int_equal(syn->opts.ts_ecr, 0);
    uint32_t syn_ts = syn->opts.ts_val;
    th_advance(h, TH_RTT);
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .has_timestamp = true, .ts_val = 5000,
                         .ts_ecr = syn_ts};
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    const struct th_seg *a = seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_true(a->opts.has_timestamp);
    assert_int_equal(a->opts.ts_ecr, 5000);
    assert_int_equal(a->opts.ts_val - syn_ts, 100); /* a 1 ms clock */
    *our_ts = a->opts.ts_val;
    return s;
}

static void test_negotiated(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t ts;
    struct ust_sock *s = open_ts(h, &ts);
    assert_int_equal(th_info(s).snd_mss, 1448); /* 12 option bytes per segment */
    assert_int_equal(tcp_sock_ops.send(s, "abc", 3, 0, NULL), 3);
    const struct th_seg *d = seg_expect(h, A | P, h->iss + 1, PEER_ISS + 1);
    assert_true(d->opts.has_timestamp);
    assert_int_equal(d->opts.ts_ecr, 5000);
    th_free(h);
}

static void test_not_without_peer(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535); /* the peer sends no TS */
    assert_int_equal(tcp_sock_ops.send(s, "abc", 3, 0, NULL), 3);
    const struct th_seg *d = seg_expect(h, A | P, h->iss + 1, PEER_ISS + 1);
    assert_false(d->opts.has_timestamp);
    assert_int_equal(th_info(s).snd_mss, 1460);
    th_free(h);
    /* switched off: not offered, not accepted */
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_timestamps = false;
    h = th_new(&c);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    th_listen(h, 0, 1);
    struct tcp_opts o = {.has_timestamp = true, .ts_val = 1};
    seg_in_opts(h, S, PEER_ISS, 0, 65535, &o, 0, NULL, 0);
    assert_int_equal(th_pending(h), 1);
    assert_false(h->q[h->qhead].opts.has_timestamp);
    h->qhead++;
    th_free(h);
}

static void test_rtt_from_echo_even_after_retransmission(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t ts;
    struct ust_sock *s = open_ts(h, &ts);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, "abc", 3, 0, NULL), 3);
    seg_expect(h, A | P, i, p);
    th_advance(h, 300 * UST_MSEC); /* RTO: retransmitted with a new TSval */
    const struct th_seg *r = seg_expect(h, A | P, i, p);
    uint32_t rts = r->opts.ts_val;
    th_advance(h, 60 * UST_MSEC);
    struct tcp_opts o = {.has_timestamp = true, .ts_val = 5100, .ts_ecr = rts};
    seg_in_opts(h, A, p, i + 3, 65535, &o, 0, NULL, 0);
    /* the echo times the retransmission: 60 ms (Karn needs no timestamps) */
    assert_int_equal(th_info(s).rtt_us, (7 * 100000 + 60000) / 8);
    th_free(h);
}

static void test_paws(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t ts;
    struct ust_sock *s = open_ts(h, &ts);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct tcp_opts o = {.has_timestamp = true, .ts_val = 5200, .ts_ecr = ts};
    seg_in_opts(h, A | P, p, i, 65535, &o, 0, "new", 3);
    th_advance(h, 40 * UST_MSEC);
    const struct th_seg *a = seg_expect(h, A, i, p + 3);
    assert_int_equal(a->opts.ts_ecr, 5200); /* TS.Recent follows */
    /* an old duplicate (TSval below TS.Recent): ACK, data dropped */
    o.ts_val = 5100;
    seg_in_opts(h, A | P, p + 3, i, 65535, &o, 0, "old", 3);
    a = seg_expect(h, A, i, p + 3);
    assert_int_equal(a->opts.ts_ecr, 5200);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 3);
    assert_memory_equal(b, "new", 3);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    assert_int_equal(h->st->stats.tcp.PawsDrops, 1);
    /* a RST is not subject to PAWS */
    seg_in_opts(h, R, p + 3, 0, 0, &o, 0, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    th_free(h);
}

/* The connection-rate bug the benchmark found: Linux keeps TS.Recent of a
 * closed 4-tuple in TIME-WAIT and refuses (PAWS) a new SYN on that 4-tuple
 * whose TSval is lower. Every incarnation of a 4-tuple must continue its
 * timestamp clock: the SYN's TSval is the last FIN's plus the time between. */
static void test_ts_monotonic_across_reuse(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    uint32_t last_fin_ts = 0;
    for (unsigned n = 0; n < 20; n++) {
        uint32_t ts;
        struct ust_sock *s = open_ts(h, &ts);
        uint32_t syn_ts = ts - 100; /* open_ts checked: SYN 100 ms before the ACK */
        if (n > 0)
            assert_int_equal(syn_ts - last_fin_ts, n % 5); /* ms since the last FIN */
        uint32_t i = h->iss + 1, p = PEER_ISS + 1;
        /* the peer closes first (as the Linux server of the benchmark) */
        struct tcp_opts o = {.has_timestamp = true, .ts_val = 5001, .ts_ecr = ts};
        seg_in_opts(h, F | A, p, i, 65535, &o, 0, NULL, 0);
        seg_expect(h, A, i, p + 1);
        th_close(h, s);
        last_fin_ts = seg_expect(h, F | A, i, p + 1)->opts.ts_val;
        o.ts_val = 5002;
        o.ts_ecr = last_fin_ts;
        seg_in_opts(h, A, p + 1, i + 1, 65535, &o, 0, NULL, 0);
        assert_int_equal(h->st->tcp->ntcbs, 0); /* LAST-ACK -> CLOSED: the port is free */
        th_advance(h, (n + 1) % 5 * UST_MSEC);
    }
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiated),
        cmocka_unit_test(test_not_without_peer),
        cmocka_unit_test(test_rtt_from_echo_even_after_retransmission),
        cmocka_unit_test(test_paws),
        cmocka_unit_test(test_ts_monotonic_across_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
