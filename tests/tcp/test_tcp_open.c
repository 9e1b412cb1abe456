/* Opening connections (RFC 9293 3.5, 3.10.7.1-3.10.7.3): three-way
 * handshake both ways, simultaneous open, segments to closed ports and
 * listeners, SYN-SENT corner cases, options, the listen backlog. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "../harness/tcp_harness.h"

static void test_active_open(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_socket(h);
    struct sock_addr la = {.addr = ust_addr_from_ip4(TH_LOCAL), .port = TH_LPORT};
    assert_int_equal(tcp_sock_ops.bind(s, &la), UST_OK);
    struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_INPROGRESS);
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_ALREADY);
    assert_int_equal(th_state(s), UST_TCP_SYN_SENT);
    assert_int_equal(tcp_sock_ops.poll(s) & POLLOUT, 0);
    h->iss = h->q[h->qhead].seq;
    const struct th_seg *syn = seg_expect(h, S, h->iss, 0);
    /* MSS 1460 on a 1500-byte MTU (MUST-14), window scale offered: the
     * buffer may grow to cfg.tcp_rmem_max (6 MiB, autotuning), which needs
     * a shift of 7 (RFC 7323 2.2); a SYN's window is never scaled */
    assert_true(syn->opts.has_mss);
    assert_int_equal(syn->opts.mss, 1460);
    assert_true(syn->opts.has_wscale);
    assert_int_equal(syn->opts.wscale, 7);
    assert_int_equal(syn->wnd, 65535);
    assert_int_equal(syn->len, 0);
    th_advance(h, TH_RTT);
    struct tcp_opts o = {.has_mss = true, .mss = 1000, .has_wscale = true, .wscale = 2};
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 1000, &o, 0, NULL, 0);
    const struct th_seg *ack = seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(ack->wnd, 262144 >> 7); /* the initial 256 KiB */
    seg_expect_nothing(h);
    struct ust_tcp_info i = th_info(s);
    assert_int_equal(i.state, UST_TCP_ESTABLISHED);
    assert_int_equal(i.snd_mss, 1000);
    assert_int_equal(i.snd_wscale, 2);
    assert_int_equal(i.rcv_wscale, 7);
    assert_int_equal(i.snd_wnd, 1000); /* the SYN,ACK's window is not scaled */
    assert_int_equal(i.rtt_us, 100000); /* the SYN was timed */
    assert_int_equal(i.cwnd, 10 * 1000);
    assert_true(tcp_sock_ops.poll(s) & POLLOUT);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_ISCONN);
    /* the window of later segments is scaled by 2 */
    seg_in(h, A, PEER_ISS + 1, h->iss + 1, 1000, NULL, 0);
    assert_int_equal(th_info(s).snd_wnd, 4000);
    assert_int_equal(h->st->stats.tcp.ActiveOpens, 1);
    assert_int_equal(h->st->stats.tcp.CurrEstab, 1);
    th_free(h);
}

static void test_passive_open(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *l = th_listen(h, 0, 4);
    assert_int_equal(th_state(l), UST_TCP_LISTEN);
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_ERR_AGAIN);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    /* no MSS option: 536 is assumed (MUST-15); no window scale: none used */
    const struct th_seg *sa = th_syn_in(h, 8192);
    assert_true(sa->opts.has_mss);
    assert_int_equal(sa->opts.mss, 1460);
    assert_false(sa->opts.has_wscale);
    assert_int_equal(sa->wnd, 65535);
    assert_int_equal(tcp_sock_ops.poll(l) & POLLIN, 0);
    seg_in(h, A, PEER_ISS + 1, h->iss + 1, 8192, NULL, 0);
    seg_expect_nothing(h);
    assert_true(tcp_sock_ops.poll(l) & POLLIN);
    struct sock_addr peer;
    assert_int_equal(tcp_sock_ops.accept(l, c, &peer), UST_OK);
    assert_int_equal(peer.addr.u.v4, TH_PEER);
    assert_int_equal(peer.port, TH_LPORT);
    struct ust_tcp_info i = th_info(c);
    assert_int_equal(i.state, UST_TCP_ESTABLISHED);
    assert_int_equal(i.snd_mss, 536);
    assert_int_equal(i.snd_wscale, 0);
    assert_int_equal(i.rcv_wscale, 0);
    assert_int_equal(i.snd_wnd, 8192);
    assert_int_equal(h->st->stats.tcp.PassiveOpens, 1);
    /* the listener is still listening */
    assert_int_equal(th_state(l), UST_TCP_LISTEN);
    /* data from the connection arrives on the accepted socket */
    seg_in(h, A | P, PEER_ISS + 1, h->iss + 1, 8192, "hi", 2);
    char buf[8];
    assert_int_equal(tcp_sock_ops.recv(c, buf, sizeof(buf), 0, NULL), 2);
    assert_memory_equal(buf, "hi", 2);
    th_free(h);
}

static void test_data_before_accept(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *l = th_listen(h, 0, 4);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    th_syn_in(h, 8192);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* the handshake's ACK carries data, more follows, then a FIN: all
     * before the application accepts */
    seg_in(h, A | P, p, i, 8192, "GET ", 4);
    seg_in(h, A | P, p + 4, i, 8192, "/\r\n", 3);
    seg_expect_nothing(h); /* small segments: the ACK is delayed */
    seg_in(h, F | A, p + 7, i, 8192, NULL, 0);
    seg_expect(h, A, i, p + 8);
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_OK);
    assert_int_equal(th_state(c), UST_TCP_CLOSE_WAIT);
    char b[16];
    assert_int_equal(tcp_sock_ops.recv(c, b, sizeof(b), 0, NULL), 7);
    assert_memory_equal(b, "GET /\r\n", 7);
    assert_int_equal(tcp_sock_ops.recv(c, b, sizeof(b), 0, NULL), 0);
    th_free(h);
}

static void test_window_scaling_switch(void **state)
{
    (void)state;
    /* off: no option, windows capped at 65535 */
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_window_scaling = false;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_connect(h);
    assert_false(h->q[h->qhead - 1].opts.has_wscale);
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 7};
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 1000, &o, 0, NULL, 0);
    assert_int_equal(seg_expect(h, A, h->iss + 1, PEER_ISS + 1)->wnd, 65535);
    struct ust_tcp_info i = th_info(s);
    assert_int_equal(i.snd_wscale, 0);
    assert_int_equal(i.rcv_wscale, 0);
    th_free(h);
    /* on with a 4 MiB buffer: shift 7; a peer's shift above 14 is taken as 14 */
    ust_config_default(&c);
    c.tcp_rcvbuf = 4 << 20;
    h = th_new(&c);
    s = th_connect(h);
    assert_int_equal(h->q[h->qhead - 1].opts.wscale, 7);
    o.wscale = 15;
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 1000, &o, 0, NULL, 0);
    assert_int_equal(seg_expect(h, A, h->iss + 1, PEER_ISS + 1)->wnd, (4 << 20) >> 7);
    i = th_info(s);
    assert_int_equal(i.snd_wscale, 14);
    assert_int_equal(i.rcv_wscale, 7);
    seg_in(h, A, PEER_ISS + 1, h->iss + 1, 1, NULL, 0);
    assert_int_equal(th_info(s).snd_wnd, 1u << 14);
    /* the peer's FIN takes a sequence number, not buffer space: the right
     * edge stays, and the scaled field is not rounded down to 32767 */
    seg_in(h, F | A, PEER_ISS + 1, h->iss + 1, 1, NULL, 0);
    assert_int_equal(seg_expect(h, A, h->iss + 1, PEER_ISS + 2)->wnd, (4 << 20) >> 7);
    th_free(h);
}

static size_t build_syn(uint8_t *buf, ust_ip4_t src, ust_ip4_t dst)
{
    struct tcp_hdr t;
    memset(&t, 0, sizeof(t));
    t.sport = 1234;
    t.dport = TH_RPORT;
    t.seq = 77;
    t.flags = TCP_SYN;
    t.wnd = 1000;
    memcpy(buf + TCP_HDR_LEN, "x", 1);
    assert_int_equal(tcp_emit(&t, src, dst, buf, 64, 1), TCP_HDR_LEN);
    return TCP_HDR_LEN + 1;
}

static void test_checksum_and_addresses(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_listen(h, 0, 4);
    uint8_t b[64];
    /* MUST-3: a bad checksum is dropped and counted, no answer */
    size_t n = build_syn(b, TH_PEER, TH_LOCAL);
    b[n - 1] ^= 0x40;
    seg_in_raw(h, TH_PEER, TH_LOCAL, b, n);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.InCsumErrors, 1);
    /* MUST-57/63: nothing for a multicast / broadcast source or
     * destination (IP or TCP drops it; either way no SYN,ACK) */
    n = build_syn(b, UST_IP4(224, 0, 0, 9), TH_LOCAL);
    seg_in_raw(h, UST_IP4(224, 0, 0, 9), TH_LOCAL, b, n);
    n = build_syn(b, TH_PEER, UST_IP4(203, 0, 113, 255));
    seg_in_raw(h, TH_PEER, UST_IP4(203, 0, 113, 255), b, n);
    n = build_syn(b, TH_PEER, UST_IP4(239, 1, 2, 3));
    seg_in_raw(h, TH_PEER, UST_IP4(239, 1, 2, 3), b, n);
    seg_expect_nothing(h);
    /* the valid one is answered (MUST-2: our checksum verifies in seg_expect) */
    n = build_syn(b, TH_PEER, TH_LOCAL);
    seg_in_raw(h, TH_PEER, TH_LOCAL, b, n);
    assert_int_equal(th_pending(h), 1);
    h->iss = h->q[h->qhead].seq;
    seg_expect(h, S | A, h->iss, 78); /* the SYN's data is not acknowledged */
    th_free(h);
}

static void test_closed_port_rst(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    /* RFC 9293 3.10.7.1: no ACK -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
    seg_in(h, S, 5000, 0, 1000, NULL, 0);
    seg_expect(h, R | A, 0, 5001);
    seg_in(h, P, 5000, 0, 1000, "abcd", 4);
    seg_expect(h, R | A, 0, 5004);
    seg_in(h, F, 5000, 0, 1000, "abcd", 4); /* FIN counts too */
    seg_expect(h, R | A, 0, 5005);
    /* ACK set -> <SEQ=SEG.ACK><CTL=RST> */
    seg_in(h, A, 5000, 777, 1000, "xy", 2);
    const struct th_seg *r = seg_expect(h, R, 777, 0);
    assert_int_equal(r->wnd, 0);
    /* never a reset for a reset */
    seg_in(h, R, 5000, 0, 0, NULL, 0);
    seg_in(h, R | A, 5000, 1, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.OutRsts, 4);
    th_free(h);
}

static void test_listen_segments(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *l = th_listen(h, TH_LOCAL, 4);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    seg_in(h, R, 1, 0, 0, NULL, 0);           /* RST: ignored */
    seg_expect_nothing(h);
    seg_in(h, A, 1, 4242, 100, NULL, 0);      /* ACK: <SEQ=SEG.ACK><CTL=RST> */
    seg_expect(h, R, 4242, 0);
    seg_in(h, F, 1, 0, 100, NULL, 0);         /* anything else: dropped */
    seg_expect_nothing(h);
    assert_int_equal(th_state(l), UST_TCP_LISTEN);
    /* a multicast source never gets an answer (MUST-57/63): not testable
     * from TH_PEER; see test_bad_addresses */
    th_free(h);
}

static void test_syn_sent_corner_cases(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    /* unacceptable ACK -> <SEQ=SEG.ACK><CTL=RST>, state unchanged */
    seg_in(h, A, 9, h->iss, 100, NULL, 0);
    seg_expect(h, R, h->iss, 0);
    seg_in(h, S | A, 9, h->iss + 2, 100, NULL, 0);
    seg_expect(h, R, h->iss + 2, 0);
    assert_int_equal(th_state(s), UST_TCP_SYN_SENT);
    /* RST without ACK, or with a bad ACK: dropped */
    seg_in(h, R, 9, 0, 0, NULL, 0);
    seg_in(h, R | A, 9, h->iss + 5, 0, NULL, 0);
    seg_expect_nothing(h);
    /* ACK alone (acceptable) without SYN: dropped */
    seg_in(h, A, 9, h->iss + 1, 100, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_SYN_SENT);
    /* RST with an acceptable ACK: connection refused */
    seg_in(h, R | A, 0, h->iss + 1, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_true(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_CONNREFUSED);
    assert_int_equal(h->st->stats.tcp.AttemptFails, 1);
    th_free(h);
}

static void test_simultaneous_open(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    /* RFC 9293 figure 8: the peer's SYN crosses ours */
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S, PEER_ISS, 0, 5000, &o, 0, NULL, 0);
    seg_expect(h, S | A, h->iss, PEER_ISS + 1);
    assert_int_equal(th_state(s), UST_TCP_SYN_RECEIVED);
    /* its SYN,ACK arrives: ESTABLISHED (MUST-10) */
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 5000, &o, 0, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    seg_expect_nothing(h);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    /* data flows both ways */
    assert_int_equal(tcp_sock_ops.send(s, "abc", 3, 0, NULL), 3);
    const struct th_seg *d = seg_expect(h, A | P, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(d->len, 3);
    th_free(h);
}

/* RFC 9293 3.10.7.3: text on a SYN,ACK goes on at the sixth step: the
 * connection is ESTABLISHED, the text readable and acknowledged by the
 * handshake's ACK. */
static void test_syn_ack_with_data(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 5000, &o, 0, "hello", 5);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1 + 5);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 5);
    assert_memory_equal(b, "hello", 5);
    th_free(h);
}

/* ... and a FIN on it (the eighth step): CLOSE-WAIT, the ACK covers it. */
static void test_syn_ack_with_data_and_fin(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | A | F, PEER_ISS, h->iss + 1, 5000, &o, 0, "bye", 3);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1 + 3 + 1);
    assert_int_equal(th_state(s), UST_TCP_CLOSE_WAIT);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 3);
    assert_memory_equal(b, "bye", 3);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0);
    th_free(h);
}

/* Simultaneous open where the peer's SYN carries text (RFC 9293
 * 3.10.7.3): queued, neither acknowledged nor readable in SYN-RECEIVED,
 * delivered and acknowledged once the peer's SYN,ACK synchronizes us. */
static void test_simultaneous_open_with_data(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S, PEER_ISS, 0, 5000, &o, 0, "hi!", 3);
    seg_expect(h, S | A, h->iss, PEER_ISS + 1);
    assert_int_equal(th_state(s), UST_TCP_SYN_RECEIVED);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 5000, &o, 0, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1 + 3);
    seg_expect_nothing(h);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 3);
    assert_memory_equal(b, "hi!", 3);
    /* the peer's next data follows it */
    seg_in(h, A | P, PEER_ISS + 4, h->iss + 1, 5000, "more", 4);
    th_advance(h, UST_SEC);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 8);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 4);
    assert_memory_equal(b, "more", 4);
    th_free(h);
}

/* The peer's SYN,ACK repeats the text its SYN carried, and its FIN: the
 * text is delivered once, the FIN taken. */
static void test_simultaneous_open_data_repeated_with_fin(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | F, PEER_ISS, 0, 5000, &o, 0, "hi!", 3);
    seg_expect(h, S | A, h->iss, PEER_ISS + 1);
    seg_in_opts(h, S | A | F, PEER_ISS, h->iss + 1, 5000, &o, 0, "hi!", 3);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1 + 3 + 1);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_CLOSE_WAIT);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 3);
    assert_memory_equal(b, "hi!", 3);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 0);
    th_free(h);
}

static void test_syn_received_rst_returns_to_listen(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *l = th_listen(h, 0, 4);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    th_syn_in(h, 1000);
    /* a repeated SYN gets the SYN,ACK again */
    seg_in(h, S, PEER_ISS, 0, 1000, NULL, 0);
    seg_expect(h, S | A, h->iss, PEER_ISS + 1);
    /* a bad ACK in SYN-RECEIVED: <SEQ=SEG.ACK><CTL=RST> */
    seg_in(h, A, PEER_ISS + 1, h->iss + 7, 1000, NULL, 0);
    seg_expect(h, R, h->iss + 7, 0);
    /* a RST returns the connection to LISTEN: the child disappears */
    seg_in(h, R, PEER_ISS + 1, 0, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->tcp->ntcbs, 1);
    seg_in(h, A, PEER_ISS + 1, h->iss + 1, 1000, NULL, 0);
    seg_expect(h, R, h->iss + 1, 0); /* now handled by the listener */
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_ERR_AGAIN);
    th_free(h);
}

static void test_backlog_bounded(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    th_listen(h, 0, 2);
    h->lport = TH_RPORT;
    for (uint16_t p = 1; p <= 2; p++) {
        h->rport = p;
        seg_in(h, S, 100 * p, 0, 1000, NULL, 0);
        assert_int_equal(th_pending(h), 1);
        seg_expect(h, S | A, h->q[h->qhead].seq, 100 * p + 1);
    }
    h->rport = 3;
    unsigned tcbs = h->st->tcp->ntcbs;
    seg_in(h, S, 300, 0, 1000, NULL, 0); /* SYN queue full: a SYN cookie, no state */
    assert_int_equal(th_pending(h), 1);
    seg_expect(h, S | A, h->q[h->qhead].seq, 301);
    assert_int_equal(h->st->tcp->ntcbs, tcbs);
    assert_int_equal(h->st->stats.tcp.ReqQFullDoCookies, 1);
    assert_int_equal(h->st->stats.tcp.SynDrops, 0);
    th_free(h);
}

static void test_bind_conflicts(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *a = th_socket(h), *b = th_socket(h);
    struct sock_addr la = {.addr = ust_addr_from_ip4(0), .port = 8080};
    assert_int_equal(tcp_sock_ops.bind(a, &la), UST_OK);
    assert_int_equal(tcp_sock_ops.listen(a, 1), UST_OK);
    assert_int_equal(tcp_sock_ops.bind(b, &la), UST_ERR_ADDRINUSE);
    struct sock_addr other = {.addr = ust_addr_from_ip4(UST_IP4(198, 51, 100, 1)), .port = 1};
    assert_int_equal(tcp_sock_ops.bind(b, &other), UST_ERR_ADDRNOTAVAIL);
    /* MUST-46: no active open to broadcast / multicast */
    struct sock_addr bc = {.addr = ust_addr_from_ip4(UST_IP4(255, 255, 255, 255)), .port = 80};
    struct sock_addr mc = {.addr = ust_addr_from_ip4(UST_IP4(224, 0, 0, 1)), .port = 80};
    assert_int_equal(tcp_sock_ops.connect(b, &bc), UST_ERR_NETUNREACH);
    assert_int_equal(tcp_sock_ops.connect(b, &mc), UST_ERR_NETUNREACH);
    seg_expect_nothing(h);
    th_free(h);
}

/* RFC 6056 Algorithm 4: connects to one destination walk the ephemeral
 * range from a secret offset, so a port that was just used (and may sit in
 * TIME-WAIT at the peer) is not picked again until the range wraps. */
static void test_ephemeral_ports_walk_the_range(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.ephemeral_lo = 50000;
    c.ephemeral_hi = 50009; /* ten ports: the walk wraps */
    struct th *h = th_new(&c);
    h->allow_unchecked = true;
    uint16_t first = 0, prev = 0;
    for (unsigned n = 0; n < 25; n++) {
        struct ust_sock *s = th_socket(h);
        struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
        assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_INPROGRESS);
        assert_int_equal(th_pending(h), 1);
        uint16_t port = h->q[h->qhead++].sport;
        assert_in_range(port, 50000, 50009);
        if (n == 0)
            first = port;
        else
            assert_int_equal(port, prev == 50009 ? 50000 : prev + 1);
        prev = port;
        th_close(h, s); /* SYN-SENT -> CLOSED: the port is free at once */
        assert_int_equal(h->st->tcp->ntcbs, 0);
    }
    assert_int_equal(prev, 50000 + (first - 50000 + 24) % 10);
    /* a port still held is skipped */
    struct ust_sock *held = th_socket(h);
    struct sock_addr la = {.addr = ust_addr_from_ip4(TH_LOCAL), .port = prev == 50009 ? 50000 : prev + 1};
    assert_int_equal(tcp_sock_ops.bind(held, &la), UST_OK);
    struct ust_sock *s = th_socket(h);
    struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_INPROGRESS);
    assert_int_equal(h->q[h->qhead++].sport, la.port == 50009 ? 50000 : la.port + 1);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_active_open),
        cmocka_unit_test(test_passive_open),
        cmocka_unit_test(test_data_before_accept),
        cmocka_unit_test(test_window_scaling_switch),
        cmocka_unit_test(test_checksum_and_addresses),
        cmocka_unit_test(test_closed_port_rst),
        cmocka_unit_test(test_listen_segments),
        cmocka_unit_test(test_syn_sent_corner_cases),
        cmocka_unit_test(test_simultaneous_open),
        cmocka_unit_test(test_syn_ack_with_data),
        cmocka_unit_test(test_syn_ack_with_data_and_fin),
        cmocka_unit_test(test_simultaneous_open_with_data),
        cmocka_unit_test(test_simultaneous_open_data_repeated_with_fin),
        cmocka_unit_test(test_syn_received_rst_returns_to_listen),
        cmocka_unit_test(test_backlog_bounded),
        cmocka_unit_test(test_bind_conflicts),
        cmocka_unit_test(test_ephemeral_ports_walk_the_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
