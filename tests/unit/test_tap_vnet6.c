/* The TAP/TUN driver's virtio_net_hdr on receive for IPv6 (TUN_F_TSO6,
 * src/dev/dev_tap_vnet.c) on a stack with an IP-link device: Linux's
 * TCP/IPv6 super-frame (GSO_TCPV6, NEEDS_CSUM: the checksum field holds
 * only the RFC 8200 8.1 pseudo-header sum) goes up whole and trusted,
 * where the same bytes without the header fail TCP's checksum; with a
 * layer attached it goes up as its wire segments, each complete; a header
 * whose fields do not match the frame is refused and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dev/dev_impl.h"
#include "dev/dev_tap_vnet.h"
#include "ustack/stack.h"
#include "wire/csum.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/virtio_net.h"
#include "wire/wbuf.h"

static const struct ipv6_addr PEER = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
static const struct ipv6_addr US = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
#define MSS 1000
#define PAYLOAD 3500 /* 4 segments: 3 x 1000 + 500 */

static int sink_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)ctx, (void)now, (void)frame, (void)len;
    return 0;
}
static const struct ust_dev_ops sink_ops = {.transmit = sink_transmit};

struct rig {
    struct ust_stack *st;
    struct ust_dev *dev;
};

/* A TUN-like device with US/64: no DAD there, so usable at once. */
static struct rig rig_new(void)
{
    struct rig r;
    r.st = ust_stack_new(NULL);
    assert_non_null(r.st);
    r.dev = ust_dev_new(r.st, "tun0", UST_LINK_IP, NULL, 1500, &sink_ops, NULL);
    assert_non_null(r.dev);
    assert_true(ust_iface_add(r.st, r.dev, UST_IP4(203, 0, 113, 2), 24) >= 0);
    assert_int_equal(ust_iface_add_addr6(r.st, 0, US.b, 64), 0);
    return r;
}

/* header + an IPv6/TCP super-frame PEER -> US (no connection: TCP parses
 * it, then answers RST), checksum field the pseudo-header sum only. */
static size_t super_frame(uint8_t *buf, size_t cap, const struct vnet_hdr *vh)
{
    size_t pl = TCP_HDR_LEN + PAYLOAD;
    assert_true(cap >= VNET_HDR_LEN + IPV6_HDR_LEN + pl);
    memset(buf, 0, VNET_HDR_LEN + IPV6_HDR_LEN + pl);
    vnet_hdr_emit(vh, buf);
    uint8_t *ip = buf + VNET_HDR_LEN, *tcp = ip + IPV6_HDR_LEN;
    for (size_t i = 0; i < PAYLOAD; i++)
        tcp[TCP_HDR_LEN + i] = (uint8_t)(i * 13);
    struct tcp_hdr th = {.sport = 40000, .dport = 5555, .seq = 1000, .ack = 1,
                         .flags = TCP_ACK | TCP_PSH, .wnd = 512};
    uint32_t ps = ipv6_csum_pseudo(&PEER, &US, 0, IPV6_NH_TCP);
    assert_int_equal(tcp_emit_ps(&th, ps, tcp, pl, PAYLOAD), TCP_HDR_LEN);
    put_be16(tcp + 16,
             (uint16_t)~csum_fold(ipv6_csum_pseudo(&PEER, &US, (uint32_t)pl, IPV6_NH_TCP)));
    struct ipv6_hdr ih = {.payload_len = (uint16_t)pl, .next_hdr = IPV6_NH_TCP,
                          .hop_limit = 64, .src = PEER, .dst = US};
    assert_int_equal(ipv6_emit(&ih, ip, IPV6_HDR_LEN), IPV6_HDR_LEN);
    return VNET_HDR_LEN + IPV6_HDR_LEN + pl;
}

static const struct vnet_hdr gso_hdr = {.flags = VNET_F_NEEDS_CSUM, .gso_type = VNET_GSO_TCPV6,
                                        .hdr_len = 60, .gso_size = MSS, .csum_start = 40,
                                        .csum_offset = 16};

static void test_tcpv6_super_frame_trusted_whole(void **state)
{
    (void)state;
    struct rig r = rig_new();
    static uint8_t buf[8192];
    size_t n = super_frame(buf, sizeof(buf), &gso_hdr);
    assert_int_equal(tap_vnet_rx(r.dev, 0, buf, n), 0);
    const struct ust_stats *s = ust_stack_stats(r.st);
    assert_int_equal(s->link.rx_gso_frames, 1);
    assert_int_equal(s->link.rx_gso_split, 0);
    assert_int_equal(s->ip6.Ip6InDelivers, 1);
    assert_int_equal(s->tcp.InSegs, 1);
    assert_int_equal(s->tcp.InCsumErrors, 0);
    /* the same bytes without the driver's word: the checksum is partial */
    assert_int_equal(ust_dev_input(r.dev, 0, buf + VNET_HDR_LEN, n - VNET_HDR_LEN), 0);
    assert_int_equal(s->tcp.InCsumErrors, 1);
    ust_stack_free(r.st);
}

static void test_tcpv6_super_frame_split_with_a_layer(void **state)
{
    (void)state;
    struct rig r = rig_new();
    struct ust_dev_faults none = {0}; /* an injector that does nothing: a layer */
    assert_int_equal(ust_dev_faults_set(r.dev, UST_DEV_RX, &none), 0);
    static uint8_t buf[8192];
    size_t n = super_frame(buf, sizeof(buf), &gso_hdr);
    assert_int_equal(tap_vnet_rx(r.dev, 0, buf, n), 0);
    const struct ust_stats *s = ust_stack_stats(r.st);
    assert_int_equal(s->link.rx_gso_split, 1);
    assert_int_equal(s->link.rx_frames, 4); /* 3 x 1000 + 500 */
    assert_int_equal(s->tcp.InSegs, 4);
    assert_int_equal(s->tcp.InCsumErrors, 0); /* each checked in full, each complete */
    ust_stack_free(r.st);
}

/* Fields that do not match the frame: refused, nothing goes up. */
static void test_tcpv6_header_mismatch_refused(void **state)
{
    (void)state;
    struct rig r = rig_new();
    static uint8_t buf[8192];
    struct vnet_hdr bad[3] = {gso_hdr, gso_hdr, gso_hdr};
    bad[0].gso_type = VNET_GSO_TCPV4; /* IPv4 type on an IPv6 frame */
    bad[1].csum_start = 20;           /* not where the TCP header is */
    bad[2].csum_offset = 6;           /* not TCP's checksum field */
    for (int i = 0; i < 3; i++) {
        size_t n = super_frame(buf, sizeof(buf), &bad[i]);
        assert_true(tap_vnet_rx(r.dev, 0, buf, n) < 0);
    }
    const struct ust_stats *s = ust_stack_stats(r.st);
    assert_int_equal(s->link.rx_offload_bad, 3);
    assert_int_equal(s->link.rx_frames, 0);
    assert_int_equal(s->tcp.InSegs, 0);
    ust_stack_free(r.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcpv6_super_frame_trusted_whole),
        cmocka_unit_test(test_tcpv6_super_frame_split_with_a_layer),
        cmocka_unit_test(test_tcpv6_header_mismatch_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
