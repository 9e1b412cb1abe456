/* RFC 1122 section 3.2.2 (ICMP) conformance tests: the rows of the
 * Section 3.5 summary that no other test proves directly. Each test names
 * its row IDs (docs/conformance.md, from rfc1122-requirements.md) and the
 * RFC section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"
#include "wire/wbuf.h"

#define ME UST_IP4(203, 0, 113, 1)
#define PEER UST_IP4(203, 0, 113, 2)
#define OTHER UST_IP4(198, 51, 100, 1) /* our address on a second interface */
#define FAR UST_IP4(198, 51, 100, 9)

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t ZERO[6] = {0};
static const uint8_t MY_MAC[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};

/* One stack with an IP-only link (no ARP): 203.0.113.1/24 on port 0. */
static struct nh_net *setup_ip(struct ust_stack **st)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, NULL);
    assert_int_equal(nh_port_new(n, *st, NH_NO_WIRE, UST_LINK_IP, 1, 1500), 0);
    assert_int_equal(ust_iface_add(*st, nh_dev(n, 0), ME, 24), 0);
    return n;
}

/* An ICMP message PEER -> dst, header word `rest`, with data. */
static size_t icmp_dgram(uint8_t *buf, size_t cap, ust_ip4_t dst, uint8_t type, uint8_t code,
                         uint32_t rest, const uint8_t *data, size_t dlen)
{
    uint8_t icmp[128];
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), type, code, rest, data, dlen);
    struct nh_ip ip = {.src = PEER, .dst = dst, .proto = IPV4_PROTO_ICMP, .id = 3};
    return nh_build_ipv4(buf, cap, &ip, icmp, ilen);
}

/* ICMP-1 (3.2.2): an ICMP message of unknown type is silently discarded:
 * the unassigned types 99 and 200 cause no reply and no error, only a
 * count in InOther. */
static void test_unknown_type_silently_dropped(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st);
    const uint8_t types[] = {99, 200};
    uint8_t d[128];
    for (size_t i = 0; i < sizeof(types); i++) {
        size_t len = icmp_dgram(d, sizeof(d), ME, types[i], 0, 0x01020304,
                                (const uint8_t *)"unknown!", 8);
        nh_inject(n, 0, d, len);
    }
    assert_int_equal(nh_tx_count(n, 0), 0);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->icmp.InMsgs, 2);
    assert_int_equal(s->icmp.InOther, 2);
    assert_int_equal(s->icmp.InErrors, 0);
    assert_int_equal(s->icmp.OutMsgs, 0);
    nh_net_free(n);
}

/* ICMP-36 (3.2.2.7): Information Request / Reply are not implemented: an
 * Information Request (type 15) gets no Information Reply (type 16). */
static void test_information_request_not_answered(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st);
    uint8_t d[64];
    size_t len = icmp_dgram(d, sizeof(d), ME, 15, 0, 0x00110001, NULL, 0);
    nh_inject(n, 0, d, len);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(ust_stack_stats(st)->icmp.InOther, 1);
    assert_int_equal(ust_stack_stats(st)->icmp.OutMsgs, 0);
    nh_net_free(n);
}

/* ICMP-54, ICMP-55 (3.2.2.9): a host that is not an authoritative address
 * mask agent sends no Address Mask Reply, and nothing makes it one: an
 * Address Mask Request (type 17), unicast or broadcast, is not answered. */
static void test_address_mask_request_not_answered(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st);
    const uint8_t mask0[4] = {0, 0, 0, 0};
    uint8_t d[64];
    size_t len = icmp_dgram(d, sizeof(d), ME, 17, 0, 0x00120001, mask0, 4);
    nh_inject(n, 0, d, len);
    len = icmp_dgram(d, sizeof(d), 0xffffffffu, 17, 0, 0x00120002, mask0, 4);
    nh_inject(n, 0, d, len);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(ust_stack_stats(st)->icmp.OutMsgs, 0);
    nh_net_free(n);
}

/* A UDP datagram PEER:4000 -> dst:9 (a closed port) with the given TOS. */
static size_t udp_dgram(uint8_t *buf, size_t cap, ust_ip4_t dst, uint8_t tos)
{
    uint8_t seg[32];
    memcpy(seg + UDP_HDR_LEN, "closed-port!", 12);
    udp_emit(4000, 9, PEER, dst, seg, sizeof(seg), 12);
    struct nh_ip ip = {.src = PEER, .dst = dst, .proto = IPV4_PROTO_UDP, .tos = tos, .id = 0x77};
    return nh_build_ipv4(buf, cap, &ip, seg, UDP_HDR_LEN + 12);
}

/* ICMP-8 (3.2.2): no ICMP error about a datagram that arrived as a
 * link-layer broadcast. UDP to a closed port in an Ethernet broadcast frame
 * (IP destination our unicast address, then the subnet broadcast) draws no
 * port unreachable; the same datagram in a unicast frame does (control). */
static void test_no_error_about_link_broadcast(void **state)
{
    (void)state;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    assert_int_equal(nh_host(n, st, NH_NO_WIRE, 1, ME, 24, 1500), 0);
    uint8_t f[128], d[96];
    size_t fl = nh_build_arp(f, sizeof(f), ARP_OP_REQUEST, BCAST, PEER_MAC, PEER, ZERO, ME);
    nh_inject(n, 0, f, fl); /* we learn PEER: an error could go out at once */
    nh_tx_clear(n, 0);
    size_t dl = udp_dgram(d, sizeof(d), ME, 0);
    fl = nh_build_eth(f, sizeof(f), BCAST, PEER_MAC, ETH_TYPE_IPV4, d, dl);
    nh_inject(n, 0, f, fl);
    dl = udp_dgram(d, sizeof(d), UST_IP4(203, 0, 113, 255), 0);
    fl = nh_build_eth(f, sizeof(f), BCAST, PEER_MAC, ETH_TYPE_IPV4, d, dl);
    nh_inject(n, 0, f, fl);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(ust_stack_stats(st)->icmp.OutDestUnreachs, 0);
    /* Control: unicast frame, unicast destination. */
    dl = udp_dgram(d, sizeof(d), ME, 0);
    fl = nh_build_eth(f, sizeof(f), MY_MAC, PEER_MAC, ETH_TYPE_IPV4, d, dl);
    nh_inject(n, 0, f, fl);
    assert_int_equal(nh_tx_count(n, 0), 1);
    const struct nh_frame *t = nh_tx(n, 0, 0);
    assert_int_equal(t->data[14 + 20], ICMP_DEST_UNREACH);
    assert_int_equal(t->data[14 + 21], ICMP_UNREACH_PORT);
    assert_int_equal(ust_stack_stats(st)->icmp.OutDestUnreachs, 1);
    nh_net_free(n);
}

/* ICMP-5 (3.2.2): ICMP errors are sent with TOS 0, whatever the TOS of the
 * offending datagram (here 0x10). ICMP-3: the quoted octets are exactly
 * the ones received (header with its TOS, and the UDP bytes). */
static void test_error_sent_with_tos_zero(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st);
    uint8_t d[96];
    size_t dl = udp_dgram(d, sizeof(d), ME, 0x10);
    nh_inject(n, 0, d, dl);
    assert_int_equal(nh_tx_count(n, 0), 1);
    const struct nh_frame *t = nh_tx(n, 0, 0);
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(t->data, t->len, true, &h), 0);
    assert_int_equal(h.tos, 0);
    assert_int_equal(h.src, ME);
    assert_int_equal(h.dst, PEER);
    assert_int_equal(t->len, 20 + 8 + dl);
    assert_int_equal(t->data[20], ICMP_DEST_UNREACH);
    assert_int_equal(t->data[21], ICMP_UNREACH_PORT);
    assert_memory_equal(t->data + 28, d, dl);
    nh_net_free(n);
}

/* ICMP-31 (3.2.2.6) and IP-66 (3.3.4.2): the echo reply's source is the
 * specific destination of the request. A host on 203.0.113.1 and
 * 198.51.100.1 gets a request for 198.51.100.1 through its first interface:
 * the reply leaves that interface from 198.51.100.1. */
static void test_echo_reply_source_is_request_destination(void **state)
{
    (void)state;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    assert_int_equal(nh_port_new(n, st, NH_NO_WIRE, UST_LINK_IP, 1, 1500), 0);
    assert_int_equal(nh_port_new(n, st, NH_NO_WIRE, UST_LINK_IP, 2, 1500), 1);
    assert_int_equal(ust_iface_add(st, nh_dev(n, 0), ME, 24), 0);
    assert_int_equal(ust_iface_add(st, nh_dev(n, 1), OTHER, 24), 1);
    uint8_t d[64];
    size_t len = icmp_dgram(d, sizeof(d), OTHER, ICMP_ECHO_REQUEST, 0, 0x00050006,
                            (const uint8_t *)"specific", 8);
    nh_inject(n, 0, d, len);
    assert_int_equal(nh_tx_count(n, 1), 0);
    assert_int_equal(nh_tx_count(n, 0), 1);
    const struct nh_frame *t = nh_tx(n, 0, 0);
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(t->data, t->len, true, &h), 0);
    assert_int_equal(h.src, OTHER);
    assert_int_equal(h.dst, PEER);
    assert_int_equal(t->data[20], ICMP_ECHO_REPLY);
    assert_int_equal(get_be32(t->data + 24), 0x00050006);
    assert_memory_equal(t->data + 28, "specific", 8);
    nh_net_free(n);
}

/* A connected UDP socket 203.0.113.1:7000 -> FAR:53 (via PEER) that has
 * sent one datagram; *sent receives the bytes that left. */
static int sent_udp(struct nh_net *n, struct ust_stack *st, uint8_t *sent, size_t *sent_len)
{
    assert_int_equal(ust_route_default(st, PEER), 0);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(7000)};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(53),
                             .sin_addr.s_addr = htonl(FAR)};
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&me, sizeof(me)), 0);
    assert_int_equal(ust_connect(st, fd, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(ust_send(st, fd, "query", 5, 0), 5);
    assert_int_equal(nh_tx_count(n, 0), 1);
    *sent_len = nh_tx(n, 0, 0)->len;
    memcpy(sent, nh_tx(n, 0, 0)->data, *sent_len);
    return fd;
}

/* An ICMP error from PEER quoting qlen bytes of `orig`. */
static void inject_error(struct nh_net *n, uint8_t type, uint8_t code, const uint8_t *orig,
                         size_t qlen)
{
    uint8_t d[128];
    size_t len = icmp_dgram(d, sizeof(d), ME, type, code, 0, orig, qlen);
    nh_inject(n, 0, d, len);
}

static int pending_error(struct ust_stack *st, int fd)
{
    int err = -1;
    socklen_t el = sizeof(err);
    assert_int_equal(ust_getsockopt(st, fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    return err;
}

/* ICMP-25, ICMP-26 (3.2.2.5) and ICMP-23 (3.2.2.4): Parameter Problem and
 * Time Exceeded received through IP input reach the transport and the user:
 * a connected UDP socket gets EPROTO and EHOSTUNREACH. */
static void test_param_problem_and_time_exceeded_reach_socket(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st);
    uint8_t sent[64];
    size_t sl;
    int fd = sent_udp(n, st, sent, &sl);
    inject_error(n, ICMP_PARAM_PROBLEM, 0, sent, sl);
    char buf[8];
    errno = 0;
    assert_int_equal(ust_recv(st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EPROTO);
    inject_error(n, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, sent, sl);
    assert_int_equal(pending_error(st, fd), EHOSTUNREACH);
    assert_int_equal(pending_error(st, fd), 0);
    assert_int_equal(ust_stack_stats(st)->icmp.InTimeExcds, 1);
    assert_int_equal(ust_stack_stats(st)->icmp.InErrors, 0);
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-97 (3.4) with ICMP-4 (3.2.2): what the transport gets holds the IP
 * header and at least 8 octets of the original datagram (the ports): an
 * error quoting the header + 4 octets cannot be demultiplexed and is
 * dropped (icmp.InErrors); header + 8 octets reaches the right socket. */
static void test_icmp_error_needs_header_and_8_octets(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st);
    uint8_t sent[64];
    size_t sl;
    int fd = sent_udp(n, st, sent, &sl);
    inject_error(n, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, sent, 20 + 4);
    assert_int_equal(pending_error(st, fd), 0);
    assert_int_equal(ust_stack_stats(st)->icmp.InErrors, 1);
    inject_error(n, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, sent, 20 + 8);
    assert_int_equal(pending_error(st, fd), ECONNREFUSED);
    assert_int_equal(ust_stack_stats(st)->icmp.InErrors, 1);
    assert_int_equal(ust_stack_stats(st)->icmp.InDestUnreachs, 2);
    ust_close(st, fd);
    nh_net_free(n);
}

/* ICMP-21 (3.2.2.3) and IP-96 (3.4): a received Source Quench is passed up
 * to the transport that sent the quoted datagram. Through IP input, a
 * Source Quench about an established TCP connection reaches TCP (counted in
 * its IcmpErrors), which then ignores it as RFC 9293 MUST-55 and RFC 6633
 * require: the connection stays ESTABLISHED and nothing is sent. */
static void test_source_quench_reaches_transport(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    icmp_in(h, ICMP_SOURCE_QUENCH, 0, 0, h->iss + 1);
    const struct ust_stats *st = ust_stack_stats(h->st);
    assert_int_equal(st->icmp.InMsgs, 1);
    assert_int_equal(st->icmp.InErrors, 0);
    assert_int_equal(st->tcp.IcmpErrors, 1);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    seg_expect_nothing(h);
    th_free(h);
}

/* ICMP-24 (3.2.2.5): Parameter Problem is generated. Echo requests to us
 * with malformed option lists (checksum correct) draw Parameter Problem
 * code 0 whose pointer names the octet in error: a length of 1 (octet 21)
 * and a type with no room for its length (NOPs, then type 148 in the last
 * octet: 23); the error quotes the datagram. The same datagram sent to the
 * subnet broadcast draws nothing (3.2.2). */
static void test_param_problem_generated_for_bad_options(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st);
    const uint8_t len1[4] = {148, 1, 0, 0};
    const uint8_t no_len[4] = {IPV4_OPT_NOP, IPV4_OPT_NOP, IPV4_OPT_NOP, 148};
    const uint8_t *opts[3] = {len1, no_len, len1};
    const ust_ip4_t dst[3] = {ME, ME, UST_IP4(203, 0, 113, 255)};
    uint8_t d[3][96];
    for (int i = 0; i < 3; i++) {
        uint8_t icmp[16];
        size_t il = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00070001, NULL, 0);
        struct nh_ip ip = {.src = PEER, .dst = dst[i], .proto = IPV4_PROTO_ICMP,
                           .opts = opts[i], .opt_len = 4};
        nh_inject(n, 0, d[i], nh_build_ipv4(d[i], sizeof(d[i]), &ip, icmp, il));
    }
    assert_int_equal(ust_stack_stats(st)->ip.InBadOptions, 3);
    assert_int_equal(nh_tx_count(n, 0), 2);
    const uint8_t pointer[2] = {21, 23};
    for (int i = 0; i < 2; i++) {
        const struct nh_frame *f = nh_tx(n, 0, (size_t)i);
        struct ipv4_hdr h;
        assert_int_equal(ipv4_parse(f->data, f->len, true, &h), 0);
        assert_int_equal(h.dst, PEER);
        assert_int_equal(h.src, ME);
        assert_int_equal(f->data[20], ICMP_PARAM_PROBLEM);
        assert_int_equal(f->data[21], 0);
        assert_int_equal(f->data[24], pointer[i]);
        assert_memory_equal(f->data + 25, "\0\0\0", 3);
        assert_memory_equal(f->data + 28, d[i], 32);
    }
    nh_net_free(n);
}

/* An IP-in-IP (protocol 4) datagram PEER -> ME in an Ethernet frame, its
 * inner datagram PEER -> inner_dst an echo request. */
static size_t ipip_frame(uint8_t *f, size_t cap, uint8_t proto, ust_ip4_t inner_dst)
{
    uint8_t icmp[16], inner[64], outer[96];
    size_t il = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00090001, NULL, 0);
    struct nh_ip iip = {.src = PEER, .dst = inner_dst, .proto = IPV4_PROTO_ICMP, .id = 5};
    size_t inl = nh_build_ipv4(inner, sizeof(inner), &iip, icmp, il);
    struct nh_ip oip = {.src = PEER, .dst = ME, .proto = proto, .id = 6};
    size_t ol = nh_build_ipv4(outer, sizeof(outer), &oip, inner, inl);
    return nh_build_eth(f, cap, MY_MAC, PEER_MAC, ETH_TYPE_IPV4, outer, ol);
}

/* ICMP-12 (3.2.2.1, RFC 792), ICMP-11: a protocol the stack does not implement
 * draws a protocol unreachable to the sender, never anything else. An
 * IP-in-IP datagram (protocol 4) whose inner destination is another host
 * (203.0.113.77 on the link, 198.51.100.9 beyond it) is not decapsulated
 * nor forwarded, also in router mode: the only frames out are protocol
 * unreachables to PEER quoting the outer datagram; no frame and no ARP
 * request for the inner destination. GRE (47) and IPv6-in-IPv4 (41) the
 * same. The errors are rate-limited (cfg.icmp_err_rate): of 200 at once,
 * at most the burst go out, the rest are counted in OutRateLimited. */
static void test_ipip_protocol_unreachable_not_forwarded(void **state)
{
    (void)state;
    const ust_ip4_t hop = UST_IP4(203, 0, 113, 77);
    const uint8_t protos[3] = {4, 47, 41};
    for (int fwd = 0; fwd < 2; fwd++) {
        struct nh_net *n = nh_net_new();
        struct ust_stack *st = nh_stack(n, NULL);
        assert_int_equal(nh_host(n, st, NH_NO_WIRE, 1, ME, 24, 1500), 0);
        assert_int_equal(ust_route_default(st, PEER), 0);
        ust_stack_set_forwarding(st, fwd);
        uint8_t f[128];
        size_t fl = nh_build_arp(f, sizeof(f), ARP_OP_REQUEST, BCAST, PEER_MAC, PEER, ZERO, ME);
        nh_inject(n, 0, f, fl); /* we learn PEER: errors go out at once */
        nh_tx_clear(n, 0);
        for (int i = 0; i < 3; i++) {
            nh_inject(n, 0, f, ipip_frame(f, sizeof(f), protos[i], hop));
            nh_inject(n, 0, f, ipip_frame(f, sizeof(f), protos[i], FAR));
        }
        nh_run_until(n, n->now + 3 * UST_SEC);
        assert_int_equal(nh_tx_count(n, 0), 6);
        for (size_t i = 0; i < 6; i++) {
            const struct nh_frame *t = nh_tx(n, 0, i);
            assert_memory_equal(t->data, PEER_MAC, 6);
            struct ipv4_hdr h;
            assert_int_equal(ipv4_parse(t->data + 14, t->len - 14, false, &h), 0);
            assert_int_equal(h.dst, PEER);
            assert_int_equal(h.proto, IPV4_PROTO_ICMP);
            assert_int_equal(t->data[14 + 20], ICMP_DEST_UNREACH);
            assert_int_equal(t->data[14 + 21], ICMP_UNREACH_PROTO);
            assert_int_equal(get_be32(t->data + 14 + 28 + 16), ME); /* outer datagram quoted */
            assert_int_equal(t->data[14 + 28 + 9], protos[i / 2]);
        }
        const struct ust_stats *s = ust_stack_stats(st);
        assert_int_equal(s->ip.InUnknownProtos, 6);
        assert_int_equal(s->ip.ForwDatagrams, 0);
        assert_int_equal(s->arp.out_requests, 0);
        assert_int_equal(s->icmp.OutDestUnreachs, 6);
        /* rate limit: a burst of 200 */
        nh_tx_clear(n, 0);
        for (int i = 0; i < 200; i++)
            nh_inject(n, 0, f, ipip_frame(f, sizeof(f), 4, hop));
        assert_true(nh_tx_count(n, 0) <= st->cfg.icmp_err_burst);
        assert_int_equal(s->icmp.OutRateLimited, 200 - nh_tx_count(n, 0));
        nh_net_free(n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_type_silently_dropped),
        cmocka_unit_test(test_information_request_not_answered),
        cmocka_unit_test(test_address_mask_request_not_answered),
        cmocka_unit_test(test_no_error_about_link_broadcast),
        cmocka_unit_test(test_error_sent_with_tos_zero),
        cmocka_unit_test(test_echo_reply_source_is_request_destination),
        cmocka_unit_test(test_param_problem_and_time_exceeded_reach_socket),
        cmocka_unit_test(test_icmp_error_needs_header_and_8_octets),
        cmocka_unit_test(test_source_quench_reaches_transport),
        cmocka_unit_test(test_param_problem_generated_for_bad_options),
        cmocka_unit_test(test_ipip_protocol_unreachable_not_forwarded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
