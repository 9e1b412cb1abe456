/* virtio_net_hdr encode/decode (wire/virtio_net.h): the byte layout of
 * Linux's struct virtio_net_hdr in little-endian order, the checks Linux's
 * virtio_net_hdr_to_skb makes, and the header the TAP driver derives from
 * a frame's own Ethernet/IPv4/TCP headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/virtio_net.h"
#include "wire/wbuf.h"

/* flags NEEDS_CSUM, TCPv4, hdr_len 66, gso_size 1448, csum_start 34, csum_offset 16 */
static const uint8_t golden[VNET_HDR_LEN] = {0x01, 0x01, 0x42, 0x00, 0xa8,
                                             0x05, 0x22, 0x00, 0x10, 0x00};

/* Parses from an exact-size copy (ASan sees overreads): header + frame_len bytes. */
static int parse_copy(const uint8_t *hdr, size_t frame_len, struct vnet_hdr *h)
{
    uint8_t *copy = calloc(1, VNET_HDR_LEN + frame_len);
    memcpy(copy, hdr, VNET_HDR_LEN);
    int rc = vnet_hdr_parse(copy, VNET_HDR_LEN + frame_len, h);
    free(copy);
    return rc;
}

static void test_emit_parse_golden(void **state)
{
    (void)state;
    struct vnet_hdr h = {.flags = VNET_F_NEEDS_CSUM, .gso_type = VNET_GSO_TCPV4, .hdr_len = 66,
                         .gso_size = 1448, .csum_start = 34, .csum_offset = 16};
    uint8_t out[VNET_HDR_LEN];
    vnet_hdr_emit(&h, out);
    assert_memory_equal(out, golden, sizeof(golden));
    struct vnet_hdr back;
    assert_int_equal(parse_copy(golden, 64000, &back), WIRE_OK);
    assert_int_equal(back.flags, VNET_F_NEEDS_CSUM);
    assert_int_equal(back.gso_type, VNET_GSO_TCPV4);
    assert_int_equal(back.hdr_len, 66);
    assert_int_equal(back.gso_size, 1448);
    assert_int_equal(back.csum_start, 34);
    assert_int_equal(back.csum_offset, 16);
}

static void test_parse_plain_and_data_valid(void **state)
{
    (void)state;
    uint8_t hdr[VNET_HDR_LEN] = {0};
    struct vnet_hdr h;
    assert_int_equal(parse_copy(hdr, 60, &h), WIRE_OK);
    assert_int_equal(h.flags, 0);
    hdr[0] = VNET_F_DATA_VALID;
    assert_int_equal(parse_copy(hdr, 60, &h), WIRE_OK);
    assert_int_equal(h.flags, VNET_F_DATA_VALID);
    hdr[1] = VNET_GSO_TCPV4 | VNET_GSO_ECN; /* ECN flag on a TCP type */
    put_le16(hdr + 4, 1448);
    put_le16(hdr + 2, 54);
    assert_int_equal(parse_copy(hdr, 3000, &h), WIRE_OK);
    assert_int_equal(vnet_gso_base(&h), VNET_GSO_TCPV4);
}

static void test_parse_refuses(void **state)
{
    (void)state;
    struct vnet_hdr h;
    assert_int_equal(vnet_hdr_parse(golden, VNET_HDR_LEN - 1, &h), WIRE_TRUNCATED);
    /* checksum field (34 + 16 + 2 = 52 bytes) past a 51-byte frame */
    assert_int_equal(parse_copy(golden, 51, &h), WIRE_BAD_LEN);
    assert_int_equal(parse_copy(golden, 66, &h), WIRE_OK);
    /* hdr_len 66 past a 65-byte frame */
    assert_int_equal(parse_copy(golden, 65, &h), WIRE_BAD_LEN);
    uint8_t hdr[VNET_HDR_LEN];
    memcpy(hdr, golden, sizeof(hdr));
    put_le16(hdr + 4, 0); /* GSO without a segment size */
    assert_int_equal(parse_copy(hdr, 3000, &h), WIRE_BAD_LEN);
    memcpy(hdr, golden, sizeof(hdr));
    hdr[1] = VNET_GSO_UDP; /* UFO */
    assert_int_equal(parse_copy(hdr, 3000, &h), WIRE_UNSUPPORTED);
    hdr[1] = 9;
    assert_int_equal(parse_copy(hdr, 3000, &h), WIRE_UNSUPPORTED);
    memcpy(hdr, golden, sizeof(hdr));
    hdr[0] |= 0x04; /* VIRTIO_NET_HDR_F_RSC_INFO: not ours */
    assert_int_equal(parse_copy(hdr, 3000, &h), WIRE_UNSUPPORTED);
}

/* Ethernet + IPv4 (20) + TCP with 12 bytes of options (32) + payload. */
static size_t make_tcp_frame(uint8_t *f, size_t cap, size_t l3_off, size_t payload, uint8_t flags)
{
    memset(f, 0, cap);
    if (l3_off)
        put_be16(f + 12, 0x0800);
    uint8_t *ip = f + l3_off;
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)(20 + 32 + payload));
    ip[9] = 6;
    uint8_t *tcp = ip + 20;
    tcp[12] = 8 << 4;
    tcp[13] = flags;
    return l3_off + 20 + 32 + payload;
}

static void test_for_frame_tso(void **state)
{
    (void)state;
    static uint8_t f[14 + 52 + 4000];
    size_t len = make_tcp_frame(f, sizeof(f), 14, 4000, 0x10);
    struct vnet_tx_req req = {.gso_size = 1448, .gso_type = 1, .csum_partial = 1};
    struct vnet_hdr h;
    assert_int_equal(vnet_hdr_for_frame(f, len, 14, &req, &h), WIRE_OK);
    uint8_t out[VNET_HDR_LEN];
    vnet_hdr_emit(&h, out);
    assert_memory_equal(out, golden, sizeof(golden));
    /* CWR in the super-packet: the ECN flag, so CWR goes on the first segment only */
    len = make_tcp_frame(f, sizeof(f), 14, 4000, 0x90);
    assert_int_equal(vnet_hdr_for_frame(f, len, 14, &req, &h), WIRE_OK);
    assert_int_equal(h.gso_type, VNET_GSO_TCPV4 | VNET_GSO_ECN);
    /* TUN: no link header */
    len = make_tcp_frame(f, sizeof(f), 0, 4000, 0x10);
    assert_int_equal(vnet_hdr_for_frame(f, len, 0, &req, &h), WIRE_OK);
    assert_int_equal(h.csum_start, 20);
    assert_int_equal(h.hdr_len, 52);
}

static void test_for_frame_plain_and_csum_only(void **state)
{
    (void)state;
    static uint8_t f[14 + 52 + 100];
    size_t len = make_tcp_frame(f, sizeof(f), 14, 100, 0x18);
    struct vnet_tx_req none = {0}, csum = {.csum_partial = 1};
    struct vnet_hdr h;
    assert_int_equal(vnet_hdr_for_frame(f, len, 14, &none, &h), WIRE_OK);
    uint8_t out[VNET_HDR_LEN], zero[VNET_HDR_LEN] = {0};
    vnet_hdr_emit(&h, out);
    assert_memory_equal(out, zero, sizeof(zero));
    assert_int_equal(vnet_hdr_for_frame(f, len, 14, &csum, &h), WIRE_OK);
    assert_int_equal(h.flags, VNET_F_NEEDS_CSUM);
    assert_int_equal(h.gso_type, VNET_GSO_NONE);
    assert_int_equal(h.csum_start + h.csum_offset, 14 + 20 + 16);
    f[14 + 9] = 17; /* UDP: checksum at offset 6 */
    assert_int_equal(vnet_hdr_for_frame(f, len, 14, &csum, &h), WIRE_OK);
    assert_int_equal(h.csum_offset, 6);
    assert_int_equal(h.hdr_len, 14 + 20 + 8);
}

static void test_for_frame_refuses(void **state)
{
    (void)state;
    static uint8_t f[14 + 52 + 100];
    size_t len = make_tcp_frame(f, sizeof(f), 14, 100, 0x10);
    struct vnet_tx_req req = {.gso_size = 1448, .gso_type = 1, .csum_partial = 1};
    struct vnet_hdr h;
    assert_int_equal(vnet_hdr_for_frame(f, 14 + 20 + 31, 14, &req, &h), WIRE_TRUNCATED);
    struct vnet_tx_req udp_on_tcp = {.gso_size = 1448, .gso_type = 3, .csum_partial = 1};
    assert_int_equal(vnet_hdr_for_frame(f, len, 14, &udp_on_tcp, &h), WIRE_UNSUPPORTED);
    assert_int_equal(h.flags, 0); /* nothing half-filled */
    put_be16(f + 12, 0x0806); /* ARP */
    assert_int_equal(vnet_hdr_for_frame(f, len, 14, &req, &h), WIRE_UNSUPPORTED);
    put_be16(f + 12, 0x0800);
    f[14 + 9] = 1; /* ICMP */
    assert_int_equal(vnet_hdr_for_frame(f, len, 14, &req, &h), WIRE_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emit_parse_golden),
        cmocka_unit_test(test_parse_plain_and_data_valid),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_for_frame_tso),
        cmocka_unit_test(test_for_frame_plain_and_csum_only),
        cmocka_unit_test(test_for_frame_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
