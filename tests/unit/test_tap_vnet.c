/* The TAP/TUN driver's virtio_net_hdr handling (src/dev/dev_tap_vnet.c)
 * on a stack with an IP-link device: a received GSO super-frame whose TCP
 * checksum field holds only the pseudo-header sum (what Linux sends with
 * NEEDS_CSUM) goes up whole and is trusted, where the same frame without
 * the header fails TCP's checksum; with a layer attached it goes up as
 * its wire segments, each checksum complete and made here, so trusted
 * (as a single frame's completed one), unless the layer corrupted the
 * bytes; a bad header is refused and
 * counted; on transmit the header p->off asks for is pushed in front of
 * the frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/dev_impl.h"
#include "dev/dev_tap_vnet.h"
#include "ustack/stack.h"
#include "wire/csum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/virtio_net.h"
#include "wire/wbuf.h"

#define PEER 0xcb007101u /* 203.0.113.1 */
#define US 0xcb007102u   /* 203.0.113.2 */
#define MSS 1000
#define PAYLOAD 3500     /* 4 segments: 3 x 1000 + 500 */

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

static struct rig rig_new(void)
{
    struct rig r;
    r.st = ust_stack_new(NULL);
    assert_non_null(r.st);
    r.dev = ust_dev_new(r.st, "tun0", UST_LINK_IP, NULL, 1500, &sink_ops, NULL);
    assert_non_null(r.dev);
    assert_true(ust_iface_add(r.st, r.dev, US, 24) >= 0);
    return r;
}

/* A rig whose device has a fault injector on receive: a layer (with no
 * fault set, one that does nothing). */
static struct rig rig_layered(struct ust_dev_faults faults)
{
    struct rig r = rig_new();
    assert_int_equal(ust_dev_faults_set(r.dev, UST_DEV_RX, &faults), 0);
    return r;
}

/* header + an IPv4/TCP super-frame from PEER (no connection: TCP parses
 * it, then answers RST); the TCP checksum is the pseudo-header sum only. */
static size_t super_frame(uint8_t *buf, size_t cap, const struct vnet_hdr *vh)
{
    size_t tl = IPV4_HDR_LEN + TCP_HDR_LEN + PAYLOAD;
    assert_true(cap >= VNET_HDR_LEN + tl);
    memset(buf, 0, VNET_HDR_LEN + tl);
    vnet_hdr_emit(vh, buf);
    uint8_t *ip = buf + VNET_HDR_LEN, *tcp = ip + IPV4_HDR_LEN;
    for (size_t i = 0; i < PAYLOAD; i++)
        tcp[TCP_HDR_LEN + i] = (uint8_t)(i * 13);
    struct tcp_hdr th = {.sport = 40000, .dport = 5555, .seq = 1000, .ack = 1,
                         .flags = TCP_ACK | TCP_PSH, .wnd = 512};
    assert_int_equal(tcp_emit(&th, PEER, US, tcp, TCP_HDR_LEN + PAYLOAD, PAYLOAD), TCP_HDR_LEN);
    put_be16(tcp + 16, (uint16_t)~csum_fold(csum_pseudo(PEER, US, 6, TCP_HDR_LEN + PAYLOAD)));
    struct ipv4_hdr ih = {.total_len = (uint16_t)tl, .id = 7, .df = true, .ttl = 64,
                          .proto = IPV4_PROTO_TCP, .src = PEER, .dst = US};
    assert_int_equal(ipv4_emit(&ih, ip, IPV4_HDR_LEN), IPV4_HDR_LEN);
    return VNET_HDR_LEN + tl;
}

static const struct vnet_hdr gso_hdr = {.flags = VNET_F_NEEDS_CSUM, .gso_type = VNET_GSO_TCPV4,
                                        .hdr_len = 40, .gso_size = MSS, .csum_start = 20,
                                        .csum_offset = 16};

static void test_super_frame_trusted_whole(void **state)
{
    (void)state;
    struct rig r = rig_new();
    static uint8_t buf[8192];
    size_t n = super_frame(buf, sizeof(buf), &gso_hdr);
    assert_int_equal(tap_vnet_rx(r.dev, 0, buf, n), 0);
    const struct ust_stats *s = ust_stack_stats(r.st);
    assert_int_equal(s->link.rx_gso_frames, 1);
    assert_int_equal(s->link.rx_gso_split, 0);
    assert_int_equal(s->link.rx_frames, 1);
    assert_int_equal(s->tcp.InSegs, 1);
    assert_int_equal(s->tcp.InCsumErrors, 0);
    assert_int_equal(stack_rx_segs(r.st), 1); /* the frame's word ends with it */
    /* the same bytes without the driver's word: the checksum is partial */
    assert_int_equal(ust_dev_input(r.dev, 0, buf + VNET_HDR_LEN, n - VNET_HDR_LEN), 0);
    assert_int_equal(s->tcp.InCsumErrors, 1);
    ust_stack_free(r.st);
}

static void test_super_frame_split_with_a_layer(void **state)
{
    (void)state;
    struct rig r = rig_layered((struct ust_dev_faults){0});
    static uint8_t buf[8192];
    size_t n = super_frame(buf, sizeof(buf), &gso_hdr);
    assert_int_equal(tap_vnet_rx(r.dev, 0, buf, n), 0);
    const struct ust_stats *s = ust_stack_stats(r.st);
    assert_int_equal(s->link.rx_gso_frames, 1);
    assert_int_equal(s->link.rx_gso_split, 1);
    assert_int_equal(s->link.rx_frames, 4); /* 3 x 1000 + 500 */
    assert_int_equal(s->tcp.InSegs, 4);
    assert_int_equal(s->tcp.InCsumErrors, 0);
    assert_int_equal(s->link.rx_csum_trusted, 4); /* each checksum made here: not again */
    ust_stack_free(r.st);
}

/* One segment (no GSO) whose field holds the pseudo-header sum. */
static const struct vnet_hdr csum_hdr = {.flags = VNET_F_NEEDS_CSUM, .csum_start = 20,
                                         .csum_offset = 16};

static uint16_t tcp_csum_field(const uint8_t *buf)
{
    return get_be16(buf + VNET_HDR_LEN + IPV4_HDR_LEN + 16);
}

/* One NEEDS_CSUM frame into buf (8 KiB) and up through the driver
 * (taken); true if its checksum field was completed on the way. Returns
 * the frame's size in *n unless n is NULL. */
static bool rx_partial_frame(struct rig *r, uint8_t *buf, size_t *n)
{
    size_t len = super_frame(buf, 8192, &csum_hdr);
    uint16_t partial = tcp_csum_field(buf);
    assert_int_equal(tap_vnet_rx(r->dev, 0, buf, len), 0);
    if (n)
        *n = len;
    return tcp_csum_field(buf) != partial;
}

/* With a capture: completed here (what a wire carries), then trusted; the
 * bytes carry the full sum. */
static void test_completed_frame_trusted_with_a_capture(void **state)
{
    (void)state;
    struct rig r = rig_new();
    FILE *cap = tmpfile();
    assert_non_null(cap);
    assert_int_equal(ust_dev_pcap_attach(r.dev, cap), 0);
    static uint8_t buf[8192];
    size_t n;
    assert_true(rx_partial_frame(&r, buf, &n));
    const struct ust_stats *s = ust_stack_stats(r.st);
    assert_int_equal(s->link.rx_csum_trusted, 1);
    assert_int_equal(s->tcp.InSegs, 1);
    assert_int_equal(s->tcp.OutRsts, 1); /* taken: no connection, so a reset */
    /* the field now holds the complete checksum: checked in full, it passes */
    assert_int_equal(ust_dev_input(r.dev, 0, buf + VNET_HDR_LEN, n - VNET_HDR_LEN), 0);
    assert_int_equal(s->tcp.InCsumErrors, 0);
    assert_int_equal(s->tcp.OutRsts, 2);
    ust_stack_free(r.st);
    fclose(cap); /* attached: not closed by the stack */
}

/* Layers that pass each frame up unchanged at once (a fault injector with
 * loss alone, the shaper) leave the kernel's word in force: the frame is
 * trusted as it came, its field never completed. A duplicating injector
 * copies frames, so there the sum is completed first. */
static void test_unchanged_frame_not_completed(void **state)
{
    (void)state;
    struct rig r = rig_layered((struct ust_dev_faults){.loss = 0.0});
    assert_int_equal(ust_dev_shaper_attach(r.dev, 1000000000, 1 << 20, 1 << 20), 0);
    static uint8_t buf[8192];
    const struct ust_stats *s = ust_stack_stats(r.st);
    assert_false(rx_partial_frame(&r, buf, NULL));
    assert_int_equal(s->link.rx_csum_trusted, 1);
    assert_int_equal(s->tcp.OutRsts, 1);
    struct ust_dev_faults dup = {.duplicate = 1.0};
    assert_int_equal(ust_dev_faults_set(r.dev, UST_DEV_RX, &dup), 0);
    assert_true(rx_partial_frame(&r, buf, NULL));
    assert_int_equal(s->link.rx_csum_trusted, 2);
    assert_int_equal(s->tcp.OutRsts, 3); /* both copies taken */
    assert_int_equal(s->tcp.InCsumErrors, 0);
    ust_stack_free(r.st);
}

/* A layer that flips a bit of every frame on the way up withdraws the
 * trust: each copy fails a check (mostly TCP's checksum), none is taken. */
static void test_corrupted_frame_not_trusted(void **state)
{
    (void)state;
    struct rig r = rig_layered((struct ust_dev_faults){.corrupt = 1.0});
    static uint8_t buf[8192];
    const struct ust_stats *s = ust_stack_stats(r.st);
    for (int i = 0; i < 40; i++) {
        size_t n = super_frame(buf, sizeof(buf), &csum_hdr);
        (void)tap_vnet_rx(r.dev, 0, buf, n);
        n = super_frame(buf, sizeof(buf), &gso_hdr); /* its 4 segments */
        (void)tap_vnet_rx(r.dev, 0, buf, n);
    }
    assert_int_equal(s->tcp.OutRsts, 0); /* a segment taken would be answered */
    assert_true(s->tcp.InCsumErrors > 100); /* most bits flipped are TCP's */
    ust_stack_free(r.st);
}

static void test_bad_header_refused(void **state)
{
    (void)state;
    struct rig r = rig_new();
    static uint8_t buf[8192];
    struct vnet_hdr bad = gso_hdr;
    bad.gso_type = VNET_GSO_UDP; /* UFO: never asked for */
    size_t n = super_frame(buf, sizeof(buf), &bad);
    assert_true(tap_vnet_rx(r.dev, 0, buf, n) < 0);
    bad = gso_hdr;
    bad.gso_type = VNET_GSO_TCPV6; /* a type that does not match the frame */
    n = super_frame(buf, sizeof(buf), &bad);
    assert_true(tap_vnet_rx(r.dev, 0, buf, n) < 0);
    const struct ust_stats *s = ust_stack_stats(r.st);
    assert_int_equal(s->link.rx_offload_bad, 2);
    assert_int_equal(s->link.rx_frames, 0);
    ust_stack_free(r.st);
}

static void test_push_header_for_tso(void **state)
{
    (void)state;
    struct rig r = rig_new();
    static uint8_t buf[8192];
    size_t n = super_frame(buf, sizeof(buf), &gso_hdr);
    struct pkt *p = pkt_copy(buf + VNET_HDR_LEN, n - VNET_HDR_LEN);
    assert_non_null(p);
    p->off = (struct pkt_offload){.gso_size = MSS, .gso_type = PKT_GSO_TCPV4, .csum_partial = 1};
    assert_int_equal(tap_vnet_push(r.dev, &p, 0), 0);
    assert_int_equal(p->len, n);
    assert_memory_equal(p->data, buf, n); /* the header TUN's kernel side would have sent */
    assert_int_equal(ust_stack_stats(r.st)->link.tx_gso_bytes, n - VNET_HDR_LEN);
    pkt_free(p);
    /* no headroom: copied into a packet that has some */
    p = pkt_alloc(0, n - VNET_HDR_LEN);
    memcpy(p->data, buf + VNET_HDR_LEN, n - VNET_HDR_LEN);
    assert_int_equal(tap_vnet_push(r.dev, &p, 0), 0);
    assert_memory_equal(p->data, (uint8_t[VNET_HDR_LEN]){0}, VNET_HDR_LEN); /* nothing asked */
    pkt_free(p);
    ust_stack_free(r.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_super_frame_trusted_whole),
        cmocka_unit_test(test_super_frame_split_with_a_layer),
        cmocka_unit_test(test_completed_frame_trusted_with_a_capture),
        cmocka_unit_test(test_unchanged_frame_not_completed),
        cmocka_unit_test(test_corrupted_frame_not_trusted),
        cmocka_unit_test(test_bad_header_refused),
        cmocka_unit_test(test_push_header_for_tso),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
