/* ICMP errors for TCP (RFC 9293 3.9.2.2, RFC 5927, RFC 1191): only about
 * data in flight (others ignored and counted), fragmentation needed shrinks
 * the MSS and resends but never below the path MTU floor
 * (cfg.ip_min_pmtu) nor up, hard errors refuse a connection attempt, soft
 * errors never abort. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "net/net.h"
#include "transport/tcp/tcp.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/wbuf.h"

static uint8_t data[4096];

/* A pattern, so that a resent segment can be checked byte for byte. */
static void fill_pattern(void)
{
    for (size_t k = 0; k < sizeof(data); k++)
        data[k] = (uint8_t)(k * 7 + k / 251);
}

/* The next segment: flags, seq, exactly len bytes, equal to the stream's
 * bytes at offset `off` (sequence number i + off). */
static void expect_data(struct th *h, uint8_t flags, uint32_t i, uint32_t p, size_t off,
                        size_t len)
{
    const struct th_seg *g = seg_expect(h, flags, i + (uint32_t)off, p);
    assert_int_equal(g->len, len);
    assert_memory_equal(g->data, data + off, len);
}

static void test_frag_needed_shrinks_mss(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 2000, 0, NULL), 2000);
    assert_int_equal(seg_expect(h, A, i, p)->len, 1460);
    assert_int_equal(seg_expect(h, A | P, i + 1460, p)->len, 540);
    /* a router says: next hop MTU 1000 */
    icmp_in(h, 3, 4, 1000, i);
    assert_int_equal(th_info(s).snd_mss, 1000 - 40);
    assert_int_equal(seg_expect(h, A, i, p)->len, 960);
    assert_int_equal(seg_expect(h, A, i + 960, p)->len, 960);
    assert_int_equal(seg_expect(h, A | P, i + 1920, p)->len, 80);
    th_free(h);
}

static void test_icmp_outside_flight_ignored(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 100, 0, NULL), 100);
    seg_expect(h, A | P, i, PEER_ISS + 1);
    icmp_in(h, 3, 4, 600, i + 5000); /* not a sequence number in flight */
    assert_int_equal(th_info(s).snd_mss, 1460);
    /* RFC 5927 7.2: nor is the path MTU lowered for it */
    assert_int_equal(pmtu_get(h->st, TH_PEER), 0);
    assert_int_equal(h->st->stats.tcp.OutOfWindowIcmps, 1);
    assert_int_equal(h->st->stats.tcp.IcmpErrors, 0);
    seg_expect_nothing(h);
    th_free(h);
}

/* RFC 5927 4.1 for every error TCP acts on: with 100 bytes in flight
 * [i, i+100), quotes below SND.UNA, at SND.NXT and far beyond are
 * ignored and counted (OutOfWindowIcmps, as Linux): no soft error, no MSS
 * or path MTU change, nothing sent, still ESTABLISHED. The same errors
 * quoting i are acted on. In SYN-SENT, a port unreachable with a wrong
 * sequence number does not refuse the connection. */
static void test_out_of_window_errors_ignored(void **state)
{
    (void)state;
    static const uint8_t tc[][2] = {{3, 0}, {3, 1}, {3, 2}, {3, 3}, {3, 4}, {4, 0}, {11, 0},
                                    {12, 0}};
    const unsigned ntc = sizeof(tc) / sizeof(tc[0]);
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 100, 0, NULL), 100);
    seg_expect(h, A | P, i, p);
    const uint32_t bad[3] = {i - 1, i + 100, i + 0x40000000u};
    for (unsigned b = 0; b < 3; b++)
        for (unsigned k = 0; k < ntc; k++)
            icmp_in(h, tc[k][0], tc[k][1], 576, bad[b]);
    assert_int_equal(h->st->stats.tcp.OutOfWindowIcmps, 3 * ntc);
    assert_int_equal(h->st->stats.tcp.IcmpErrors, 0);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    assert_int_equal(th_info(s).snd_mss, 1460);
    assert_int_equal(pmtu_get(h->st, TH_PEER), 0);
    seg_expect_nothing(h);
    /* in flight: acted on (soft errors kept, frag needed shrinks the MSS) */
    for (unsigned k = 0; k < ntc; k++)
        icmp_in(h, tc[k][0], tc[k][1], 576, i);
    assert_int_equal(h->st->stats.tcp.IcmpErrors, ntc);
    assert_int_equal(th_info(s).snd_mss, 576 - 40);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_not_equal(tcp_sock_ops.take_error(s), 0);
    h->allow_unchecked = true; /* the resend at the smaller MSS */
    th_free(h);

    h = th_new(NULL);
    s = th_connect(h);
    icmp_in(h, 3, 3, 0, h->iss + 1000);
    assert_int_equal(th_state(s), UST_TCP_SYN_SENT);
    assert_int_equal(h->st->stats.tcp.OutOfWindowIcmps, 1);
    seg_expect_nothing(h);
    th_free(h);
}

/* The floor (cfg.ip_min_pmtu = 552, Linux min_pmtu): a forged next-hop
 * MTU of 100 quoting data in flight gives a path MTU of 552, not 100, and
 * an MSS of 552 - 40 = 512: the 2000 bytes in flight go again in
 * segments of exactly 512 bytes, byte for byte, and later data keeps
 * moving at that size. Before the floor, an MTU this small left an MSS
 * whose segments did not fit (they were refused with DF). */
static void test_frag_needed_floor_keeps_data_moving(void **state)
{
    (void)state;
    fill_pattern();
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 2000, 0, NULL), 2000);
    expect_data(h, A, i, p, 0, 1460);
    expect_data(h, A | P, i, p, 1460, 540);
    icmp_in(h, 3, 4, 100, i);
    assert_int_equal(pmtu_get(h->st, TH_PEER), 552);
    assert_int_equal(h->st->stats.icmp.PmtuFloorClamps, 1);
    assert_int_equal(th_info(s).snd_mss, 512);
    expect_data(h, A, i, p, 0, 512);
    expect_data(h, A, i, p, 512, 512);
    expect_data(h, A, i, p, 1024, 512);
    expect_data(h, A | P, i, p, 1536, 464);
    seg_in(h, A, p, i + 2000, 65535, NULL, 0);
    assert_int_equal(tcp_sock_ops.send(s, data + 2000, 1100, 0, NULL), 1100);
    expect_data(h, A, i, p, 2000, 512);
    expect_data(h, A, i, p, 2512, 512);
    expect_data(h, A | P, i, p, 3024, 76);
    seg_in(h, A, p, i + 3100, 65535, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    th_free(h);
}

/* RFC 1191 5 / 7: a next-hop MTU of 0 (or an invalid one below 68) is
 * estimated from the quoted datagram's total length, the next lower
 * plateau: 1500 -> 1492 (MSS 1452); then a quote of 300 bytes -> 296,
 * held at the floor, 552 (MSS 512). A later, larger MTU (1400) never
 * raises the estimate (InFragNeededIgnored), and the MSS is never 0. */
static void test_frag_needed_zero_mtu_plateau(void **state)
{
    (void)state;
    fill_pattern();
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 1460, 0, NULL), 1460);
    expect_data(h, A | P, i, p, 0, 1460);
    icmp_in_len(h, 3, 4, 0, i, 1500);
    assert_int_equal(pmtu_get(h->st, TH_PEER), 1492);
    assert_int_equal(th_info(s).snd_mss, 1452);
    expect_data(h, A, i, p, 0, 1452);
    expect_data(h, A | P, i, p, 1452, 8);
    icmp_in_len(h, 3, 4, 67, i, 300);
    assert_int_equal(pmtu_get(h->st, TH_PEER), 552);
    assert_int_equal(th_info(s).snd_mss, 512);
    expect_data(h, A, i, p, 0, 512);
    expect_data(h, A, i, p, 512, 512);
    expect_data(h, A | P, i, p, 1024, 436);
    icmp_in(h, 3, 4, 1400, i);
    assert_int_equal(pmtu_get(h->st, TH_PEER), 552);
    assert_int_equal(th_info(s).snd_mss, 512);
    assert_int_equal(h->st->stats.icmp.InFragNeededIgnored, 1);
    seg_expect_nothing(h);
    seg_in(h, A, p, i + 1460, 65535, NULL, 0);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_port_unreachable_refuses_connect(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    icmp_in(h, 3, 3, 0, h->iss);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_CONNREFUSED);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_soft_errors_do_not_abort(void **state)
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
    /* MUST-56: host unreachable, time exceeded, parameter problem */
    icmp_in(h, 3, 1, 0, i);
    icmp_in(h, 11, 0, 0, i);
    icmp_in(h, 12, 0, 0, i);
    icmp_in(h, 4, 0, 0, i); /* MUST-55: source quench ignored */
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    /* but when the connection then times out, the soft error explains it */
    th_advance(h, 300 * UST_MSEC);
    seg_expect(h, A | P, i, p);
    th_advance(h, 600 * UST_MSEC);
    seg_expect(h, R | A, i + 10, p);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_HOSTUNREACH);
    th_free(h);
}

/* A fragmentation needed about a UDP datagram we sent to the same peer
 * (no sequence number to check, as Linux: RFC 1191 keeps one estimate per
 * destination): the connection picks the lower path MTU up before its
 * next segment (tcp_pmtu_sync), instead of sending 1460-byte segments that
 * IP refuses with DF for ever. */
static void test_pmtu_lowered_by_udp_quote_reaches_tcp(void **state)
{
    (void)state;
    fill_pattern();
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    uint8_t d[IPV4_HDR_LEN + ICMP_HDR_LEN + IPV4_HDR_LEN + 8] = {0};
    uint8_t *icmp = d + IPV4_HDR_LEN, *q = icmp + ICMP_HDR_LEN;
    struct ipv4_hdr qh = {.hdr_len = IPV4_HDR_LEN, .total_len = 1500, .ttl = 64,
                          .proto = IPV4_PROTO_UDP, .src = TH_LOCAL, .dst = TH_PEER};
    ipv4_emit(&qh, q, IPV4_HDR_LEN);
    put_be16(q + IPV4_HDR_LEN, 5353);
    put_be16(q + IPV4_HDR_LEN + 2, 53);
    struct icmp_hdr ih = {.type = ICMP_DEST_UNREACH, .code = ICMP_UNREACH_FRAG_NEEDED, .mtu = 1000};
    icmp_emit(&ih, icmp, ICMP_HDR_LEN + IPV4_HDR_LEN + 8, IPV4_HDR_LEN + 8);
    struct ipv4_hdr ip = {.hdr_len = IPV4_HDR_LEN, .total_len = sizeof(d), .ttl = 64,
                          .proto = IPV4_PROTO_ICMP, .src = TH_PEER, .dst = TH_LOCAL};
    ipv4_emit(&ip, d, sizeof(d));
    assert_int_equal(ust_dev_input(h->dev, h->now, d, sizeof(d)), 0);
    assert_int_equal(pmtu_get(h->st, TH_PEER), 1000);
    assert_int_equal(h->st->stats.tcp.IcmpErrors, 0);
    assert_int_equal(tcp_sock_ops.send(s, data, 2000, 0, NULL), 2000);
    expect_data(h, A, i, p, 0, 960);
    expect_data(h, A, i, p, 960, 960);
    expect_data(h, A | P, i, p, 1920, 80);
    assert_int_equal(th_info(s).snd_mss, 960);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frag_needed_shrinks_mss),
        cmocka_unit_test(test_icmp_outside_flight_ignored),
        cmocka_unit_test(test_out_of_window_errors_ignored),
        cmocka_unit_test(test_frag_needed_floor_keeps_data_moving),
        cmocka_unit_test(test_frag_needed_zero_mtu_plateau),
        cmocka_unit_test(test_pmtu_lowered_by_udp_quote_reaches_tcp),
        cmocka_unit_test(test_port_unreachable_refuses_connect),
        cmocka_unit_test(test_soft_errors_do_not_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
