/* RFC 9293 requirement tests (docs/conformance.md, "RFC 9293 (TCP)"):
 * opening (passive / active OPEN, local addresses, invalid addresses),
 * ICMP errors, keep-alives, giving up, RST with data, IP options. Each
 * test names the requirement IDs (RFC 9293 Appendix B) it proves and the
 * section of the RFC where they are stated. */
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
#include "wire/ipv4.h"

static uint8_t data[4096];

/* MUST-11 (3.5): SYN-RECEIVED reached from an active OPEN (simultaneous
 * open) does not return to LISTEN on a RST: the attempt is refused. (The
 * passive half: test_tcp_open.c:test_syn_received_rst_returns_to_listen.) */
static void test_active_syn_received_rst_refuses(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    seg_in(h, S, PEER_ISS, 0, 5000, NULL, 0);
    seg_expect(h, S | A, h->iss, PEER_ISS + 1);
    assert_int_equal(th_state(s), UST_TCP_SYN_RECEIVED);
    seg_in(h, R, PEER_ISS + 1, 0, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_CONNREFUSED);
    th_free(h);
}

/* MUST-41 (3.9.1.1): a passive OPEN creates a LISTEN record or fails; it
 * never touches an existing connection: listen() on a connected socket
 * fails and leaves it working; a listener on the same port (SO_REUSEADDR)
 * leaves the connection's segments to the connection. */
static void test_passive_open_leaves_connections_alone(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.listen(s, 4), UST_ERR_INVAL);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    struct ust_sock *l = th_socket(h);
    l->reuseaddr = true;
    struct sock_addr la = {.addr = ust_addr_from_ip4(0), .port = TH_LPORT};
    assert_int_equal(tcp_sock_ops.bind(l, &la), UST_OK);
    assert_int_equal(tcp_sock_ops.listen(l, 4), UST_OK);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    seg_in(h, A | P, p, i, 65535, "still", 5);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 5);
    assert_memory_equal(b, "still", 5);
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_ERR_AGAIN);
    assert_int_equal(tcp_sock_ops.send(s, "ok", 2, 0, NULL), 2);
    seg_expect(h, A | P, i, p + 5);
    th_free(h);
}

/* MUST-42 (3.9.1.1): LISTEN on a port while a connection from that port
 * is in SYN-SENT; the handshake completes on the connection, and a new
 * SYN from another peer port reaches the listener. */
static void test_listen_next_to_syn_sent(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_socket(h);
    s->reuseaddr = true;
    th_connect_sock(h, s);
    struct ust_sock *l = th_socket(h);
    l->reuseaddr = true;
    struct sock_addr any = {.addr = ust_addr_from_ip4(0), .port = TH_LPORT};
    assert_int_equal(tcp_sock_ops.bind(l, &any), UST_OK);
    assert_int_equal(tcp_sock_ops.listen(l, 4), UST_OK);
    assert_int_equal(th_state(s), UST_TCP_SYN_SENT);
    seg_in(h, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    h->rport = 81; /* another peer socket connects to the listener */
    seg_in(h, S, 7000, 0, 65535, NULL, 0);
    assert_int_equal(th_pending(h), 1);
    uint32_t iss2 = h->q[h->qhead].seq;
    seg_expect(h, S | A, iss2, 7001);
    seg_in(h, A, 7001, iss2 + 1, 65535, NULL, 0);
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_OK);
    assert_int_equal(th_state(c), UST_TCP_ESTABLISHED);
    th_free(h);
}

static int quiet_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)ctx, (void)now, (void)frame, (void)len;
    return 0;
}

/* A second interface (its own device, nothing is expected on it). */
static void add_second_iface(struct th *h, ust_ip4_t addr)
{
    static const struct ust_dev_ops ops = {.transmit = quiet_transmit};
    struct ust_dev *d = ust_dev_new(h->st, "th1", UST_LINK_IP, NULL, 1500, &ops, NULL);
    assert_non_null(d);
    assert_true(ust_iface_add(h->st, d, addr, 24) >= 0);
}

/* Every segment the stack sent from index `from` on has source `src`. */
static void all_from(struct th *h, unsigned from, ust_ip4_t src)
{
    assert_true(from < h->qn);
    for (unsigned k = from; k < h->qn; k++)
        assert_int_equal(h->q[k].src, src);
    h->qhead = h->qn;
}

/* MUST-43, MUST-45 (3.9.1.1): on a host with two addresses, the
 * application chooses the local address of an active OPEN (bind), and
 * every segment of the connection uses it. */
static void test_local_address_chosen_and_kept(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    const ust_ip4_t second = UST_IP4(198, 51, 100, 1);
    add_second_iface(h, second);
    struct ust_sock *s = th_socket(h);
    struct sock_addr la = {.addr = ust_addr_from_ip4(second), .port = TH_LPORT};
    struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.bind(s, &la), UST_OK);
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_INPROGRESS);
    unsigned first = h->qhead;
    assert_int_equal(th_pending(h), 1);
    uint32_t iss = h->q[h->qhead].seq;
    /* the peer answers to the second address */
    uint8_t b[TCP_HDR_LEN];
    struct tcp_hdr t = {.sport = TH_RPORT, .dport = TH_LPORT, .seq = PEER_ISS, .ack = iss + 1,
                        .flags = S | A, .wnd = 65535};
    assert_int_equal(tcp_emit(&t, TH_PEER, second, b, sizeof(b), 0), TCP_HDR_LEN);
    seg_in_raw(h, TH_PEER, second, b, sizeof(b));
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(tcp_sock_ops.send(s, data, 2000, 0, NULL), 2000);
    th_close(h, s);
    assert_true(h->qn - first >= 4); /* SYN, ACK, data, data+FIN */
    all_from(h, first, second);
    th_free(h);
}

/* MUST-44, MUST-45 (3.9.1.1): an active OPEN without a local address gets
 * one from IP (the address on the route to the peer) before the SYN, and
 * keeps it for every later segment. */
static void test_unbound_open_source_from_ip(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    add_second_iface(h, UST_IP4(198, 51, 100, 1));
    struct ust_sock *s = th_socket(h);
    struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_INPROGRESS);
    struct sock_addr me;
    assert_int_equal(tcp_sock_ops.getname(s, false, &me), UST_OK);
    assert_int_equal(me.addr.u.v4, TH_LOCAL);
    h->lport = me.port;
    assert_int_equal(th_pending(h), 1);
    h->iss = h->q[h->qhead].seq;
    const struct th_seg *syn = seg_expect(h, S, h->iss, 0);
    assert_int_equal(syn->src, TH_LOCAL);
    seg_in(h, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(tcp_sock_ops.send(s, "abc", 3, 0, NULL), 3);
    seg_expect(h, A | P, h->iss + 1, PEER_ISS + 1); /* (seg_expect checks the source) */
    th_free(h);
}

/* MUST-46 (3.9.1.1): an active OPEN to an invalid remote address is
 * refused: limited and directed broadcast, multicast, 0.0.0.0. */
static void test_open_to_invalid_address_refused(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    const ust_ip4_t bad[] = {UST_IP4(255, 255, 255, 255), UST_IP4(203, 0, 113, 255),
                             UST_IP4(224, 0, 0, 1), UST_IP4(239, 255, 0, 1), 0};
    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        struct ust_sock *s = th_socket(h);
        struct sock_addr ra = {.addr = ust_addr_from_ip4(bad[k]), .port = 80};
        assert_true(tcp_sock_ops.connect(s, &ra) < 0);
        assert_int_equal(th_state(s), UST_TCP_CLOSED);
    }
    seg_expect_nothing(h);
    th_free(h);
}

static size_t build_seg(uint8_t *buf, ust_ip4_t src, ust_ip4_t dst, uint8_t flags)
{
    struct tcp_hdr t;
    memset(&t, 0, sizeof(t));
    t.sport = 1234;
    t.dport = TH_RPORT;
    t.seq = 77;
    t.ack = 99;
    t.flags = flags;
    t.wnd = 1000;
    assert_int_equal(tcp_emit(&t, src, dst, buf, 64, 0), TCP_HDR_LEN);
    return TCP_HDR_LEN;
}

/* MUST-63, MUST-57 (3.9.2.3): a SYN from an invalid source (0.0.0.0,
 * limited or directed broadcast, multicast) is ignored, and no segment
 * addressed to a broadcast or multicast address — SYN or not — draws an
 * answer (not even the RST a closed port would give). */
static void test_invalid_addresses_ignored(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *l = th_listen(h, 0, 8);
    uint8_t b[64];
    const ust_ip4_t bad_src[] = {0, UST_IP4(255, 255, 255, 255), UST_IP4(203, 0, 113, 255),
                                 UST_IP4(224, 0, 0, 5)};
    for (unsigned k = 0; k < 4; k++) {
        size_t n = build_seg(b, bad_src[k], TH_LOCAL, S);
        seg_in_raw(h, bad_src[k], TH_LOCAL, b, n);
    }
    const ust_ip4_t bad_dst[] = {UST_IP4(255, 255, 255, 255), UST_IP4(203, 0, 113, 255),
                                 UST_IP4(224, 0, 0, 1)};
    for (unsigned k = 0; k < 3; k++) {
        size_t n = build_seg(b, TH_PEER, bad_dst[k], S);
        seg_in_raw(h, TH_PEER, bad_dst[k], b, n);
        n = build_seg(b, TH_PEER, bad_dst[k], A); /* to a closed port too */
        b[2] = 0x1f;
        b[3] = 0x90;
        seg_in_raw(h, TH_PEER, bad_dst[k], b, n);
    }
    seg_expect_nothing(h);
    assert_int_equal(l->pcb ? ((struct tcb *)l->pcb)->lsn.nsyn : 99, 0);
    th_free(h);
}

/* MUST-56 (3.9.2.2): soft ICMP errors — Destination Unreachable codes 0,
 * 1 and 5, Time Exceeded codes 0 and 1, Parameter Problem — never abort a
 * connection, neither while opening (SYN-SENT) nor once established. */
static void test_soft_icmp_errors_never_abort(void **state)
{
    (void)state;
    const uint8_t soft[][2] = {{3, 0}, {3, 1}, {3, 5}, {11, 0}, {11, 1}, {12, 0}};
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    for (unsigned k = 0; k < 6; k++)
        icmp_in(h, soft[k][0], soft[k][1], 0, h->iss);
    assert_int_equal(th_state(s), UST_TCP_SYN_SENT);
    seg_in(h, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i, p);
    for (unsigned k = 0; k < 6; k++)
        icmp_in(h, soft[k][0], soft[k][1], 0, i);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    seg_in(h, A, p, i + 10, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    seg_expect_nothing(h);
    th_free(h);
}

/* MUST-55 (3.9.2.2): a Source Quench is discarded silently: no change of
 * state, congestion window or error (the later timeout says ETIMEDOUT,
 * not an ICMP error). */
static void test_source_quench_discarded(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries = 1;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i, p);
    struct ust_tcp_info before = th_info(s);
    icmp_in(h, 4, 0, 0, i);
    seg_expect_nothing(h);
    struct ust_tcp_info after = th_info(s);
    assert_int_equal(after.state, UST_TCP_ESTABLISHED);
    assert_int_equal(after.cwnd, before.cwnd);
    assert_int_equal(after.ssthresh, before.ssthresh);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    th_advance(h, 300 * UST_MSEC);
    seg_expect(h, A | P, i, p);
    th_advance(h, 600 * UST_MSEC);
    seg_expect(h, R | A, i + 10, p);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT);
    th_free(h);
}

/* MUST-26 (3.8.4): no keep-alive while sent data is outstanding: an
 * unanswered segment is retransmitted, never replaced by keep-alives
 * (SEG.SEQ = SND.UNA - 1, no data), however long the idle time runs. */
static void test_no_keepalive_with_data_outstanding(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(th_setopt_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 1), UST_OK);
    assert_int_equal(th_setopt_int(s, IPPROTO_TCP, TCP_KEEPINTVL, 1), UST_OK);
    assert_int_equal(th_setopt_int(s, SOL_SOCKET, SO_KEEPALIVE, 1), UST_OK);
    assert_int_equal(tcp_sock_ops.send(s, data, 100, 0, NULL), 100);
    seg_expect(h, A | P, i, p);
    while (h->now - 1000 * UST_SEC < 10 * UST_SEC) { /* 0.3 + 0.6 + 1.2 + 2.4 + 4.8 s ... */
        th_advance(h, ust_stack_poll_at(h->st) - h->now);
        while (th_pending(h)) {
            const struct th_seg *r = seg_expect(h, A | P, i, p);
            assert_int_equal(r->len, 100);
        }
    }
    assert_int_equal(th_info(s).retransmits, 5);
    assert_int_equal(h->st->stats.tcp.KeepAliveProbes, 0);
    /* acknowledged: idle now, so keep-alives start one idle time later */
    seg_in(h, A, p, i + 100, 65535, NULL, 0);
    th_advance(h, 1 * UST_SEC);
    assert_int_equal(seg_expect(h, A, i + 99, p)->len, 0);
    th_free(h);
}

/* MUST-24 (3.8.4): keep-alives are switched on and off per connection:
 * on for one of two connections, only it probes; switched off again, it
 * stops. */
static void test_keepalive_on_off_per_connection(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *a = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    struct ust_sock *b = th_open_passive(h, NULL); /* the other one stays silent */
    assert_int_equal(th_setopt_int(a, IPPROTO_TCP, TCP_KEEPIDLE, 10), UST_OK);
    assert_int_equal(th_setopt_int(b, IPPROTO_TCP, TCP_KEEPIDLE, 10), UST_OK);
    h->lport = TH_LPORT; /* segments of connection a */
    h->rport = TH_RPORT;
    assert_int_equal(th_setopt_int(a, SOL_SOCKET, SO_KEEPALIVE, 1), UST_OK);
    th_advance(h, 10 * UST_SEC);
    const struct th_seg *k = seg_expect(h, A, i - 1, p);
    assert_int_equal(k->sport, TH_LPORT);
    seg_expect_nothing(h);
    seg_in(h, A, p, i, 65535, NULL, 0);
    assert_int_equal(th_setopt_int(a, SOL_SOCKET, SO_KEEPALIVE, 0), UST_OK);
    th_advance(h, 3600 * UST_SEC);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.KeepAliveProbes, 1);
    assert_int_equal(th_state(a), UST_TCP_ESTABLISHED);
    assert_int_equal(th_state(b), UST_TCP_ESTABLISHED);
    th_free(h);
}

/* SHLD-11 (3.8.3): with the default settings, R2 (giving up on an
 * unacknowledged segment) is at least 100 seconds. */
static void test_default_r2_at_least_100_s(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i, p);
    ust_time_t start = h->now;
    while (th_state(s) == UST_TCP_ESTABLISHED) {
        th_advance(h, ust_stack_poll_at(h->st) - h->now);
        h->qhead = h->qn;
    }
    assert_true(h->now - start >= 100 * UST_SEC);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT);
    th_free(h);
}

/* SHLD-2 (3.5.3): a RST may carry data: an acceptable RST with a payload
 * resets the connection like any other. */
static void test_rst_with_data_accepted(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    seg_in(h, R | A, PEER_ISS + 1, h->iss + 1, 0, "why: gone", 9);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_CONNRESET);
    th_free(h);
}

/* MUST-50 (3.9.2): IP options TCP does not understand (here an unknown
 * option and a Record Route) do not disturb it: the data is delivered. */
static void test_ip_options_ignored_by_tcp(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    uint8_t tcp[TCP_HDR_LEN + 4];
    struct tcp_hdr t = {.sport = TH_RPORT, .dport = TH_LPORT, .seq = p, .ack = i,
                        .flags = A | P, .wnd = 65535};
    memcpy(tcp + TCP_HDR_LEN, "opts", 4);
    assert_int_equal(tcp_emit(&t, TH_PEER, TH_LOCAL, tcp, sizeof(tcp), 4), TCP_HDR_LEN);
    /* IP options: unknown type 0x9e (copied, class 0, number 30) length 4,
     * Record Route (7) length 7 pointer 4 with one empty slot, EOL */
    const uint8_t opts[12] = {0x9e, 4, 0xab, 0xcd, 7, 7, 4, 0, 0, 0, 0, 0};
    uint8_t d[20 + sizeof(opts) + sizeof(tcp)];
    memcpy(d + 20, opts, sizeof(opts));
    memcpy(d + 20 + sizeof(opts), tcp, sizeof(tcp));
    struct ipv4_hdr ip = {.hdr_len = 20 + sizeof(opts), .total_len = sizeof(d), .ttl = 64,
                          .proto = IPV4_PROTO_TCP, .src = TH_PEER, .dst = TH_LOCAL,
                          .opt_len = sizeof(opts)};
    assert_int_equal(ipv4_emit(&ip, d, sizeof(d)), 20 + (int)sizeof(opts));
    assert_int_equal(ust_dev_input(h->dev, h->now, d, sizeof(d)), 0);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 4);
    assert_memory_equal(b, "opts", 4);
    th_advance(h, 200 * UST_MSEC);
    seg_expect(h, A, i, p + 4);
    th_free(h);
}

int main(void)
{
    for (size_t k = 0; k < sizeof(data); k++)
        data[k] = (uint8_t)(k * 3 + 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_active_syn_received_rst_refuses),
        cmocka_unit_test(test_passive_open_leaves_connections_alone),
        cmocka_unit_test(test_listen_next_to_syn_sent),
        cmocka_unit_test(test_local_address_chosen_and_kept),
        cmocka_unit_test(test_unbound_open_source_from_ip),
        cmocka_unit_test(test_open_to_invalid_address_refused),
        cmocka_unit_test(test_invalid_addresses_ignored),
        cmocka_unit_test(test_soft_icmp_errors_never_abort),
        cmocka_unit_test(test_source_quench_discarded),
        cmocka_unit_test(test_no_keepalive_with_data_outstanding),
        cmocka_unit_test(test_keepalive_on_off_per_connection),
        cmocka_unit_test(test_default_r2_at_least_100_s),
        cmocka_unit_test(test_rst_with_data_accepted),
        cmocka_unit_test(test_ip_options_ignored_by_tcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
