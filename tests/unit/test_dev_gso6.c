/* IPv6 in the software segmentation (src/dev/dev_gso.c) and the
 * virtio_net_hdr (src/wire/virtio_net.c, src/dev/dev_tap_vnet.c): a
 * PKT_GSO_TCPV6 super-packet's segments are byte-equal to the frames built
 * one MSS at a time with the wire emitters (IPv6 payload length per
 * segment, no identification, TCP checksum over the RFC 8200 8.1
 * pseudo-header), a partial checksum is completed, the header written for
 * TSO names GSO_TCPV6 with hdr_len 14 + 40 + TCP (RFC 9293 3.1 offset 16),
 * and the kinds that do not fit are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dev/dev_gso.h"
#include "ustack/ustack.h"
#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/virtio_net.h"
#include "wire/wbuf.h"

static const struct ipv6_addr SRC = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const struct ipv6_addr DST = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
#define MSS 1428 /* 1500 - 40 - 20 - 12 (timestamps) */

struct spec {
    enum ust_link_type type;
    uint32_t seq;
    uint8_t flags;
    const uint8_t *payload;
    size_t n;
    bool partial; /* checksum field = pseudo-header sum (CHECKSUM_PARTIAL) */
};

static struct pkt *build(const struct spec *s)
{
    size_t l2 = s->type == UST_LINK_ETHERNET ? ETH_HDR_LEN : 0;
    struct tcp_hdr th = {.sport = 80, .dport = 40000, .seq = s->seq, .ack = 9,
                         .flags = s->flags, .wnd = 1000};
    th.opts.has_timestamp = true;
    th.opts.ts_val = 5;
    th.opts.ts_ecr = 6;
    size_t thl = TCP_HDR_LEN + tcp_opts_len(&th.opts);
    struct pkt *p = pkt_alloc(PKT_HEADROOM, l2 + IPV6_HDR_LEN + thl + s->n);
    assert_non_null(p);
    uint8_t *ip = p->data + l2, *tcp = ip + IPV6_HDR_LEN;
    memcpy(tcp + thl, s->payload, s->n);
    /* tcp_emit_ps adds the length itself: the pseudo-header without it */
    uint32_t ps = ipv6_csum_pseudo(&SRC, &DST, 0, IPV6_NH_TCP);
    assert_int_equal(tcp_emit_ps(&th, ps, tcp, thl + s->n, s->n), (int)thl);
    if (s->partial) /* Linux's __tcp_v6_send_check for CHECKSUM_PARTIAL */
        put_be16(tcp + 16, (uint16_t)~csum_fold(ipv6_csum_pseudo(&SRC, &DST,
                                                                 (uint32_t)(thl + s->n),
                                                                 IPV6_NH_TCP)));
    struct ipv6_hdr ih = {.payload_len = (uint16_t)(thl + s->n), .next_hdr = IPV6_NH_TCP,
                          .hop_limit = 64, .src = SRC, .dst = DST};
    assert_int_equal(ipv6_emit(&ih, ip, IPV6_HDR_LEN), IPV6_HDR_LEN);
    if (l2) {
        struct eth_hdr eh = {.dst = {2, 0, 0, 0, 0, 2}, .src = {2, 0, 0, 0, 0, 1},
                             .type = ETH_TYPE_IPV6};
        assert_int_equal(eth_emit(&eh, p->data, ETH_HDR_LEN), ETH_HDR_LEN);
    }
    return p;
}

struct collected {
    struct pkt *seg[64];
    size_t n;
};

static int collect(void *arg, struct pkt *seg)
{
    struct collected *c = arg;
    assert_true(c->n < 64);
    assert_int_equal(seg->off.gso_size, 0);
    c->seg[c->n++] = seg;
    return UST_OK;
}

static uint8_t *pattern(size_t n)
{
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 13 + (i >> 9));
    return b;
}

static void check_against_per_mss(enum ust_link_type type, size_t payload, bool partial)
{
    uint8_t *data = pattern(payload);
    uint8_t all = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR;
    struct spec sp = {type, 0xffffff00u, all, data, payload, partial};
    struct pkt *super = build(&sp);
    super->off = (struct pkt_offload){.gso_size = MSS, .gso_type = PKT_GSO_TCPV6,
                                      .csum_partial = partial};
    struct collected c = {0};
    size_t want = (payload + MSS - 1) / MSS;
    assert_int_equal(gso_segment(super, type, NULL, collect, &c), (int)want);
    size_t l2 = type == UST_LINK_ETHERNET ? ETH_HDR_LEN : 0;
    for (size_t i = 0; i < want; i++) {
        size_t n = i + 1 < want ? MSS : payload - i * MSS;
        uint8_t f = TCP_ACK | (i == 0 ? TCP_CWR : 0) | (i + 1 == want ? TCP_PSH | TCP_FIN : 0);
        struct spec one = {type, sp.seq + (uint32_t)(i * MSS), f, data + i * MSS, n, false};
        struct pkt *ref = build(&one);
        assert_int_equal(c.seg[i]->len, ref->len);
        assert_memory_equal(c.seg[i]->data, ref->data, ref->len);
        /* the parsers agree: payload length and a valid TCP checksum */
        struct ipv6_hdr ih;
        assert_int_equal(ipv6_parse(c.seg[i]->data + l2, c.seg[i]->len - l2, &ih), 0);
        assert_int_equal(ih.payload_len, c.seg[i]->len - l2 - IPV6_HDR_LEN);
        struct tcp_hdr th;
        uint32_t ps = ipv6_csum_pseudo(&SRC, &DST, 0, IPV6_NH_TCP);
        assert_int_equal(tcp_parse_ps(c.seg[i]->data + l2 + IPV6_HDR_LEN, ih.payload_len, ps,
                                      true, &th), 0);
        assert_int_equal(th.flags, f);
        pkt_free(ref);
        pkt_free(c.seg[i]);
    }
    free(data);
}

static void test_tcpv6_super_packet_equals_per_mss_frames(void **state)
{
    (void)state;
    check_against_per_mss(UST_LINK_ETHERNET, 65535 - 40 - 32, true);
    check_against_per_mss(UST_LINK_ETHERNET, 3 * MSS, false);
}

static void test_tcpv6_on_ip_link_odd_last(void **state)
{
    (void)state;
    check_against_per_mss(UST_LINK_IP, 5 * MSS + 17, true);
}

static void test_csum_complete_v6(void **state)
{
    (void)state;
    uint8_t *data = pattern(300);
    struct spec sp = {UST_LINK_ETHERNET, 1, TCP_ACK, data, 300, true};
    struct pkt *p = build(&sp), *ref = build(&(struct spec){UST_LINK_ETHERNET, 1, TCP_ACK, data,
                                                            300, false});
    p->off = (struct pkt_offload){.csum_partial = 1};
    assert_int_equal(gso_csum_complete(p, UST_LINK_ETHERNET), 0);
    assert_memory_equal(p->data, ref->data, ref->len);
    pkt_free(p);
    pkt_free(ref);
    free(data);
}

/* Kinds that do not fit are refused, nothing emitted: a TCPV4 request on
 * an IPv6 frame, an IPv6 header behind an IPv4 EtherType, an extension
 * header in front of TCP, a payload length past the frame. */
static void test_mismatches_refused(void **state)
{
    (void)state;
    uint8_t *data = pattern(4 * MSS);
    struct spec sp = {UST_LINK_ETHERNET, 1, TCP_ACK, data, 4 * MSS, true};
    for (int k = 0; k < 4; k++) {
        struct pkt *p = build(&sp);
        p->off = (struct pkt_offload){.gso_size = MSS, .gso_type = PKT_GSO_TCPV6, .csum_partial = 1};
        if (k == 0)
            p->off.gso_type = PKT_GSO_TCPV4;
        else if (k == 1)
            put_be16(p->data + 12, ETH_TYPE_IPV4);
        else if (k == 2)
            p->data[ETH_HDR_LEN + 6] = 0; /* Hop-by-Hop Options */
        else
            put_be16(p->data + ETH_HDR_LEN + 4, (uint16_t)(p->len - ETH_HDR_LEN - 39));
        struct collected c = {0};
        assert_int_equal(gso_segment(p, UST_LINK_ETHERNET, NULL, collect, &c), UST_ERR_INVAL);
        assert_int_equal(c.n, 0);
    }
    free(data);
}

/* The header TSO writes for TAP (l3 at 14) and TUN (l3 at 0). */
static void test_vnet_header_for_tcpv6(void **state)
{
    (void)state;
    uint8_t *data = pattern(3 * MSS);
    for (int tun = 0; tun < 2; tun++) {
        enum ust_link_type type = tun ? UST_LINK_IP : UST_LINK_ETHERNET;
        size_t l2 = tun ? 0 : ETH_HDR_LEN;
        struct pkt *p = build(&(struct spec){type, 1, TCP_ACK | TCP_CWR, data, 3 * MSS, true});
        struct vnet_tx_req req = {.gso_size = MSS, .gso_type = PKT_GSO_TCPV6, .csum_partial = 1};
        struct vnet_hdr h;
        assert_int_equal(vnet_hdr_for_frame(p->data, p->len, l2, &req, &h), 0);
        assert_int_equal(h.flags, VNET_F_NEEDS_CSUM);
        assert_int_equal(h.gso_type, VNET_GSO_TCPV6 | VNET_GSO_ECN); /* CWR set */
        assert_int_equal(h.gso_size, MSS);
        assert_int_equal(h.csum_start, l2 + 40);
        assert_int_equal(h.csum_offset, 16);
        assert_int_equal(h.hdr_len, l2 + 40 + 32);
        /* a TCPv4 request does not fit an IPv6 frame */
        req.gso_type = PKT_GSO_TCPV4;
        assert_int_equal(vnet_hdr_for_frame(p->data, p->len, l2, &req, &h), WIRE_UNSUPPORTED);
        /* checksum only: NEEDS_CSUM at the TCP header, no GSO */
        req = (struct vnet_tx_req){.csum_partial = 1};
        assert_int_equal(vnet_hdr_for_frame(p->data, p->len, l2, &req, &h), 0);
        assert_int_equal(h.gso_type, VNET_GSO_NONE);
        assert_int_equal(h.csum_start, l2 + 40);
        pkt_free(p);
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcpv6_super_packet_equals_per_mss_frames),
        cmocka_unit_test(test_tcpv6_on_ip_link_odd_last),
        cmocka_unit_test(test_csum_complete_v6),
        cmocka_unit_test(test_mismatches_refused),
        cmocka_unit_test(test_vnet_header_for_tcpv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
