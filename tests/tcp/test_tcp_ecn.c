/* Explicit Congestion Notification (RFC 3168, RFC 9293 SHLD-8) with
 * crafted segments: the exact flags of the ECN-setup SYN and SYN,ACK in
 * every mode, ECT(0) on new data only (never on SYN, SYN,ACK, pure ACKs,
 * retransmissions or window probes) without disturbing the DSCP the
 * socket chose, the receiver's ECE from a CE mark until CWR, and the
 * sender's single cwnd reduction per window with CWR on the next new data.
 *
 * The active connections have SRTT = 100 ms, RTO = 300 ms; the peer sends
 * MSS 1460 and no timestamps or SACK, so segments hold M = 1460 bytes and
 * NewReno runs without RACK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static uint8_t data[65536];
static const uint32_t M = 1460;
#define MS UST_MSEC
#define NOT_ECT 0
#define ECT0 2
#define CE 3
#define STAT(h, name) ((h)->st->stats.tcp.name)

static struct th *th_ecn(unsigned mode)
{
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_ecn = mode;
    c.tcp_quickack = 0; /* the delayed ACK's echo is tested, not quick ACKs */
    return th_new(&c);
}

/* The next segment: exact flags, seq, ack, payload length and TOS octet. */
static void expect_seg(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, size_t len,
                       uint8_t tos)
{
    const struct th_seg *s = seg_expect(h, flags, seq, ack);
    assert_int_equal(s->len, len);
    assert_int_equal(s->tos, tos);
}

/* Active open with socket option setup; the SYN must carry `syn_flags`.
 * The peer answers with SYN,ACK | synack_ecn after TH_RTT. */
static struct ust_sock *open_active(struct th *h, int ip_tos, uint8_t syn_flags,
                                    uint8_t synack_ecn)
{
    struct ust_sock *s = th_socket(h);
    if (ip_tos >= 0)
        assert_int_equal(th_setopt_int(s, IPPROTO_IP, IP_TOS, ip_tos), UST_OK);
    struct sock_addr la = {.addr = ust_addr_from_ip4(TH_LOCAL), .port = TH_LPORT};
    assert_int_equal(tcp_sock_ops.bind(s, &la), UST_OK);
    struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_INPROGRESS);
    assert_int_equal(th_pending(h), 1);
    h->iss = h->q[h->qhead].seq;
    uint8_t dscp = ip_tos >= 0 ? (uint8_t)(ip_tos & ~3) : 0;
    expect_seg(h, syn_flags, h->iss, 0, 0, dscp); /* never ECT on a SYN (6.1.1) */
    th_advance(h, TH_RTT);
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | A | synack_ecn, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    expect_seg(h, A, h->iss + 1, PEER_ISS + 1, 0, dscp);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    return s;
}

/* Passive open: the peer's SYN carries syn_ecn; our SYN,ACK must carry
 * synack_flags. Returns the accepted socket. */
static struct ust_sock *open_passive(struct th *h, uint8_t syn_ecn, uint8_t synack_flags)
{
    struct ust_sock *l = th_listen(h, 0, 8);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | syn_ecn, PEER_ISS, 0, 65535, &o, 0, NULL, 0);
    assert_int_equal(th_pending(h), 1);
    h->iss = h->q[h->qhead].seq;
    expect_seg(h, synack_flags, h->iss, PEER_ISS + 1, 0, NOT_ECT);
    th_advance(h, TH_RTT);
    seg_in(h, A, PEER_ISS + 1, h->iss + 1, 65535, NULL, 0);
    seg_expect_nothing(h);
    struct ust_sock *c = th_socket(h);
    struct sock_addr peer;
    assert_int_equal(tcp_sock_ops.accept(l, c, &peer), UST_OK);
    assert_int_equal(th_state(c), UST_TCP_ESTABLISHED);
    return c;
}

static void send_bytes(struct ust_sock *s, uint32_t n)
{
    assert_int_equal(tcp_sock_ops.send(s, data, n, 0, NULL), n);
}

/* ---- negotiation --------------------------------------------------------- */

/* Mode 1: ECN-setup SYN (ECE+CWR), the peer's ECN-setup SYN,ACK (ECE
 * only) agrees; data goes ECT(0), the handshake ACK does not. */
static void test_active_negotiation(void **state)
{
    (void)state;
    struct th *h = th_ecn(1);
    struct ust_sock *s = open_active(h, -1, S | E | W, E);
    assert_int_equal(th_info(s).ecn, 1);
    assert_int_equal(STAT(h, EcnNegotiated), 1);
    send_bytes(s, 100);
    expect_seg(h, A | P, h->iss + 1, PEER_ISS + 1, 100, ECT0);
    /* the peer's data is acknowledged with a pure ACK: not ECT (6.1.4) */
    seg_in(h, A, PEER_ISS + 1, h->iss + 101, 65535, data, 100);
    th_advance(h, 40 * MS);
    expect_seg(h, A, h->iss + 101, PEER_ISS + 101, 0, NOT_ECT);
    th_free(h);
}

/* The DSCP chosen with IP_TOS stays; only the ECN bits are TCP's (an
 * application cannot set them on a TCP socket). */
static void test_ect_keeps_dscp(void **state)
{
    (void)state;
    struct th *h = th_ecn(1);
    struct ust_sock *s = open_active(h, 0xb8 | 3, S | E | W, E);
    send_bytes(s, 10);
    expect_seg(h, A | P, h->iss + 1, PEER_ISS + 1, 10, 0xb8 | ECT0);
    th_free(h);
}

/* A SYN,ACK without ECE, or with ECE and CWR (a reflected SYN's flags,
 * RFC 3168 6.1.1), is no ECN-setup SYN,ACK: no ECN. */
static void test_active_peer_declines(void **state)
{
    (void)state;
    const uint8_t answers[] = {0, E | W, W};
    for (unsigned i = 0; i < sizeof(answers); i++) {
        struct th *h = th_ecn(1);
        struct ust_sock *s = open_active(h, -1, S | E | W, answers[i]);
        assert_int_equal(th_info(s).ecn, 0);
        assert_int_equal(STAT(h, EcnNegotiated), 0);
        send_bytes(s, 100);
        expect_seg(h, A | P, h->iss + 1, PEER_ISS + 1, 100, NOT_ECT);
        th_free(h);
    }
}

/* Modes 2 (the default) and 0 do not ask; UST_TCP_ECN asks per socket. */
static void test_modes_for_active_open(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    assert_int_equal(c.tcp_ecn, 2);
    struct th *h = th_new(&c);
    struct ust_sock *s = open_active(h, -1, S, E);
    assert_int_equal(th_info(s).ecn, 0); /* an unasked ECE is not agreement */
    th_free(h);

    h = th_ecn(0);
    open_active(h, -1, S, 0);
    th_free(h);

    h = th_ecn(2);
    struct ust_sock *t = th_socket(h);
    assert_int_equal(th_setopt_int(t, IPPROTO_TCP, UST_TCP_ECN, 1), UST_OK);
    assert_int_equal(th_setopt_int(t, IPPROTO_TCP, UST_TCP_ECN, 3), UST_ERR_INVAL);
    struct sock_addr la = {.addr = ust_addr_from_ip4(TH_LOCAL), .port = TH_LPORT};
    assert_int_equal(tcp_sock_ops.bind(t, &la), UST_OK);
    struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.connect(t, &ra), UST_ERR_INPROGRESS);
    h->iss = h->q[h->qhead].seq;
    expect_seg(h, S | E | W, h->iss, 0, 0, NOT_ECT);
    th_free(h);
}

/* A retransmitted SYN is a plain SYN (6.1.1.1); an ECN-setup SYN,ACK to
 * the first one then does not turn ECN on. */
static void test_syn_retransmission_falls_back(void **state)
{
    (void)state;
    struct th *h = th_ecn(1);
    struct ust_sock *s = th_socket(h);
    struct sock_addr la = {.addr = ust_addr_from_ip4(TH_LOCAL), .port = TH_LPORT};
    assert_int_equal(tcp_sock_ops.bind(s, &la), UST_OK);
    struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_INPROGRESS);
    h->iss = h->q[h->qhead].seq;
    expect_seg(h, S | E | W, h->iss, 0, 0, NOT_ECT);
    th_advance(h, 1000 * MS); /* initial RTO 1 s */
    expect_seg(h, S, h->iss, 0, 0, NOT_ECT);
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | A | E, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    expect_seg(h, A, h->iss + 1, PEER_ISS + 1, 0, NOT_ECT);
    assert_int_equal(th_info(s).ecn, 0);
    th_free(h);
}

/* Passive: an ECN-setup SYN (ECE and CWR) gets an ECN-setup SYN,ACK (ECE,
 * not CWR, not ECT) in modes 1 and 2; not in mode 0, nor for a SYN with
 * only one of the two flags. */
static void test_passive_negotiation(void **state)
{
    (void)state;
    const struct {
        unsigned mode;
        uint8_t syn, synack;
        uint8_t ecn;
    } cases[] = {
        {2, E | W, S | A | E, 1}, {1, E | W, S | A | E, 1}, {0, E | W, S | A, 0},
        {2, E, S | A, 0},         {2, W, S | A, 0},         {2, 0, S | A, 0},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct th *h = th_ecn(cases[i].mode);
        struct ust_sock *c = open_passive(h, cases[i].syn, cases[i].synack);
        assert_int_equal(th_info(c).ecn, cases[i].ecn);
        assert_int_equal(STAT(h, EcnNegotiated), cases[i].ecn);
        send_bytes(c, 50);
        expect_seg(h, A | P, h->iss + 1, PEER_ISS + 1, 50, cases[i].ecn ? ECT0 : NOT_ECT);
        th_free(h);
    }
}

/* A lost SYN,ACK goes again with ECE, still not ECT. */
static void test_synack_retransmission(void **state)
{
    (void)state;
    struct th *h = th_ecn(2);
    th_listen(h, 0, 8);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    seg_in(h, S | E | W, PEER_ISS, 0, 65535, NULL, 0);
    h->iss = h->q[h->qhead].seq;
    expect_seg(h, S | A | E, h->iss, PEER_ISS + 1, 0, NOT_ECT);
    th_advance(h, 1000 * MS);
    expect_seg(h, S | A | E, h->iss, PEER_ISS + 1, 0, NOT_ECT);
    th_free(h);
}

/* ---- ECT only on new data -------------------------------------------------- */

/* Retransmissions (RTO) are not ECT (6.1.5), new data after them is. */
static void test_retransmission_not_ect(void **state)
{
    (void)state;
    struct th *h = th_ecn(1);
    struct ust_sock *s = open_active(h, -1, S | E | W, E);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_bytes(s, 2 * M);
    expect_seg(h, A, i, p, M, ECT0);
    expect_seg(h, A | P, i + M, p, M, ECT0);
    th_advance(h, 300 * MS);
    expect_seg(h, A, i, p, M, NOT_ECT);
    seg_in(h, A, p, i + M, 65535, NULL, 0);
    expect_seg(h, A | P, i + M, p, M, NOT_ECT); /* slow start again: the rest, resent */
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0);
    send_bytes(s, 10);
    expect_seg(h, A | P, i + 2 * M, p, 10, ECT0);
    th_free(h);
}

/* Zero-window probes are not ECT (6.1.6). */
static void test_window_probe_not_ect(void **state)
{
    (void)state;
    struct th *h = th_ecn(1);
    struct ust_sock *s = open_active(h, -1, S | E | W, E);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A, p, i, 0, NULL, 0); /* the window closes */
    send_bytes(s, 100);
    seg_expect_nothing(h);
    for (int k = 0; k < 100 && th_pending(h) == 0; k++)
        th_advance(h, 50 * MS);
    expect_seg(h, A, i, p, 1, NOT_ECT);
    seg_in(h, A, p, i + 1, 65535, NULL, 0); /* it opens: the rest is new data */
    expect_seg(h, A | P, i + 1, p, 99, ECT0);
    th_free(h);
}

/* ---- receiver: CE -> ECE until CWR (6.1.3) -------------------------------- */

static void test_ce_echoed_until_cwr(void **state)
{
    (void)state;
    struct th *h = th_ecn(2);
    struct ust_sock *c = open_passive(h, E | W, S | A | E);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* a CE-marked segment: ECE at once (the first CE is not delayed) */
    h->in_tos = CE;
    seg_in(h, A, p, i, 65535, data, 100);
    expect_seg(h, A | E, i, p + 100, 0, NOT_ECT);
    assert_int_equal(STAT(h, EcnCeReceived), 1);
    /* unmarked data: the delayed ACK still echoes */
    h->in_tos = ECT0;
    seg_in(h, A, p + 100, i, 65535, data, 100);
    seg_expect_nothing(h);
    th_advance(h, 40 * MS);
    expect_seg(h, A | E, i, p + 200, 0, NOT_ECT);
    /* our data carries ECE too, and is ECT */
    send_bytes(c, 20);
    expect_seg(h, A | E | P, i, p + 200, 20, ECT0);
    /* CWR from the sender: no more ECE */
    seg_in(h, A | W, p + 200, i + 20, 65535, data, 100);
    th_advance(h, 40 * MS);
    expect_seg(h, A, i + 20, p + 300, 0, NOT_ECT);
    /* CE on a segment that also carries CWR starts the echo again */
    h->in_tos = CE;
    seg_in(h, A | W, p + 300, i + 20, 65535, data, 100);
    expect_seg(h, A | E, i + 20, p + 400, 0, NOT_ECT);
    assert_int_equal(STAT(h, EcnCeReceived), 2);
    /* CE on a pure ACK (never ECT) means nothing new */
    seg_in(h, A, p + 400, i + 20, 65535, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, EcnCeReceived), 2);
    th_free(h);
}

/* Without ECN negotiated, CE and ECE mean nothing. */
static void test_ce_ignored_without_ecn(void **state)
{
    (void)state;
    struct th *h = th_ecn(2);
    struct ust_sock *c = open_passive(h, 0, S | A);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    h->in_tos = CE;
    seg_in(h, A, p, i, 65535, data, 100);
    th_advance(h, 40 * MS);
    expect_seg(h, A, i, p + 100, 0, NOT_ECT);
    send_bytes(c, 2 * M);
    expect_seg(h, A, i, p + 100, M, NOT_ECT);
    expect_seg(h, A | P, i + M, p + 100, M, NOT_ECT);
    uint32_t ssthresh = th_info(c).ssthresh;
    seg_in(h, A | E, p + 100, i + M, 65535, NULL, 0);
    assert_int_equal(th_info(c).ssthresh, ssthresh);
    assert_int_equal(STAT(h, EcnCeReceived) + STAT(h, EcnEceReceived), 0);
    th_free(h);
}

/* ---- sender: ECE -> one reduction per window, CWR (6.1.2) ----------------- */

static void test_ece_reduces_once_per_window(void **state)
{
    (void)state;
    struct th *h = th_ecn(1);
    struct ust_sock *s = open_active(h, -1, S | E | W, E);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_bytes(s, 40 * M);
    for (uint32_t k = 0; k < 10; k++) /* the initial window, 10 segments */
        expect_seg(h, A, i + k * M, p, M, ECT0);
    seg_expect_nothing(h);
    assert_int_equal(th_info(s).cwnd, 10 * M);

    /* ECE on the ACK of 2 segments: ssthresh = flight / 2 = 5 M, cwnd =
     * ssthresh (RFC 5681 / 6675 as for a loss); 8 M in flight: no send */
    seg_in(h, A | E, p, i + 2 * M, 65535, NULL, 0);
    assert_int_equal(STAT(h, EcnEceReceived), 1);
    assert_int_equal(STAT(h, EcnCwndReductions), 1);
    assert_int_equal(th_info(s).ssthresh, 5 * M);
    assert_int_equal(th_info(s).cwnd, 5 * M);
    assert_int_equal(th_info(s).total_retrans, 0);
    seg_expect_nothing(h);

    /* more ECE in the same window (the receiver has not seen CWR yet):
     * no second reduction; 3 M acked in congestion avoidance */
    seg_in(h, A | E, p, i + 5 * M, 65535, NULL, 0);
    assert_int_equal(STAT(h, EcnEceReceived), 2);
    assert_int_equal(STAT(h, EcnCwndReductions), 1);
    assert_int_equal(th_info(s).ssthresh, 5 * M);
    assert_int_equal(th_info(s).cwnd, 5 * M);
    seg_expect_nothing(h); /* flight 5 M = cwnd */

    /* one more segment acked (ECE still set): the first new data segment
     * after the reduction carries CWR */
    seg_in(h, A | E, p, i + 6 * M, 65535, NULL, 0);
    assert_int_equal(STAT(h, EcnCwndReductions), 1);
    expect_seg(h, A | W, i + 10 * M, p, M, ECT0);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, EcnCwrSent), 1);

    /* the ACK that ends the window (SND.MAX at the reduction) still
     * belongs to it; the next new data has no CWR */
    seg_in(h, A | E, p, i + 10 * M, 65535, NULL, 0);
    assert_int_equal(STAT(h, EcnCwndReductions), 1);
    assert_int_equal(th_info(s).cwnd, 6 * M); /* 5 M acked in avoidance: + 1 M */
    for (uint32_t k = 11; k < 16; k++)
        expect_seg(h, A, i + k * M, p, M, ECT0);
    seg_expect_nothing(h);

    /* an ACK beyond that window with ECE is new congestion: flight was
     * 6 M, so ssthresh = cwnd = 3 M; CWR goes again with the next data */
    seg_in(h, A | E, p, i + 12 * M, 65535, NULL, 0);
    assert_int_equal(STAT(h, EcnEceReceived), 5);
    assert_int_equal(STAT(h, EcnCwndReductions), 2);
    assert_int_equal(th_info(s).ssthresh, 3 * M);
    assert_int_equal(th_info(s).cwnd, 3 * M);
    seg_expect_nothing(h); /* 4 M in flight */
    seg_in(h, A, p, i + 14 * M, 65535, NULL, 0);
    expect_seg(h, A | W, i + 16 * M, p, M, ECT0);
    seg_expect_nothing(h);
    assert_int_equal(STAT(h, EcnCwrSent), 2);
    assert_int_equal(th_info(s).total_retrans, 0);
    assert_int_equal(STAT(h, RetransSegs), 0);
    th_free(h);
}

/* An ECE during loss recovery does not cut cwnd twice for one window. */
static void test_ece_during_recovery_no_second_cut(void **state)
{
    (void)state;
    struct th *h = th_ecn(1);
    struct ust_sock *s = open_active(h, -1, S | E | W, E);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_bytes(s, 10 * M);
    for (uint32_t k = 0; k < 10; k++)
        expect_seg(h, k == 9 ? A | P : A, i + k * M, p, M, ECT0);
    for (int d = 0; d < 3; d++) /* segment 0 lost: three duplicate ACKs */
        seg_in(h, A, p, i, 65535, NULL, 0);
    expect_seg(h, A, i, p, M, NOT_ECT); /* fast retransmit, not ECT */
    uint32_t ssthresh = th_info(s).ssthresh;
    assert_int_equal(ssthresh, 5 * M);
    seg_in(h, A | E, p, i, 65535, NULL, 0);
    assert_int_equal(th_info(s).ssthresh, ssthresh);
    assert_int_equal(STAT(h, EcnCwndReductions), 0);
    h->allow_unchecked = true; /* the inflated window's segments: not the point */
    th_free(h);
}

/* A loss found in the window an ECE already reduced cwnd for is repaired
 * without a second reduction (RFC 3168 6.1.2; Linux's CWR state). */
static void test_loss_after_ece_same_window_no_second_cut(void **state)
{
    (void)state;
    struct th *h = th_ecn(1);
    struct ust_sock *s = open_active(h, -1, S | E | W, E);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    send_bytes(s, 10 * M);
    for (uint32_t k = 0; k < 10; k++)
        expect_seg(h, k == 9 ? A | P : A, i + k * M, p, M, ECT0);
    seg_in(h, A | E, p, i + 2 * M, 65535, NULL, 0); /* ECE: flight was 10 M */
    assert_int_equal(th_info(s).ssthresh, 5 * M);
    assert_int_equal(STAT(h, EcnCwndReductions), 1);
    for (int d = 0; d < 3; d++) /* segment 2 lost, in the same window */
        seg_in(h, A | E, p, i + 2 * M, 65535, NULL, 0);
    expect_seg(h, A, i + 2 * M, p, M, NOT_ECT); /* fast retransmit */
    assert_int_equal(STAT(h, FastRetrans), 1);
    assert_int_equal(th_info(s).ssthresh, 5 * M); /* not cut again to 8 M / 2 */
    h->allow_unchecked = true; /* what the recovery sends next: not the point */
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_active_negotiation),
        cmocka_unit_test(test_ect_keeps_dscp),
        cmocka_unit_test(test_active_peer_declines),
        cmocka_unit_test(test_modes_for_active_open),
        cmocka_unit_test(test_syn_retransmission_falls_back),
        cmocka_unit_test(test_passive_negotiation),
        cmocka_unit_test(test_synack_retransmission),
        cmocka_unit_test(test_retransmission_not_ect),
        cmocka_unit_test(test_window_probe_not_ect),
        cmocka_unit_test(test_ce_echoed_until_cwr),
        cmocka_unit_test(test_ce_ignored_without_ecn),
        cmocka_unit_test(test_ece_reduces_once_per_window),
        cmocka_unit_test(test_ece_during_recovery_no_second_cut),
        cmocka_unit_test(test_loss_after_ece_same_window_no_second_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
