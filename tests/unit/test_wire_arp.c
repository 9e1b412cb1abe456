/* ARP packets (RFC 826, arp.h). Golden packets made with scapy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/arp.h"

/* ARP(op=1, hwsrc="02:00:00:00:00:01", psrc="203.0.113.1", pdst="203.0.113.2")
 * (the body of an Ether broadcast; tha is all zero) */
static const uint8_t arp_request[] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xcb, 0x00, 0x71, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xcb, 0x00, 0x71, 0x02,
};
/* ARP(op=2, hwsrc="02:00:00:00:00:02", psrc="203.0.113.2", hwdst="02:00:00:00:00:01", pdst="203.0.113.1") */
static const uint8_t arp_reply[] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x02, 0xcb, 0x00, 0x71, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xcb, 0x00, 0x71, 0x01,
};

static int parse_copy(const uint8_t *src, size_t n, struct arp_pkt *p)
{
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
    memcpy(copy, src, n);
    int rc = arp_parse(copy, n, p);
    free(copy);
    return rc;
}

static void test_parse_request(void **state)
{
    (void)state;
    struct arp_pkt p;
    assert_int_equal(arp_parse(arp_request, sizeof(arp_request), &p), WIRE_OK);
    assert_int_equal(p.htype, ARP_HTYPE_ETHER);
    assert_int_equal(p.ptype, 0x0800);
    assert_int_equal(p.hlen, 6);
    assert_int_equal(p.plen, 4);
    assert_int_equal(p.op, ARP_OP_REQUEST);
    assert_memory_equal(p.sha, "\x02\x00\x00\x00\x00\x01", 6);
    assert_int_equal(p.spa, 0xcb007101u);
    assert_memory_equal(p.tha, "\x00\x00\x00\x00\x00\x00", 6);
    assert_int_equal(p.tpa, 0xcb007102u);
}

static void test_parse_emit_reply(void **state)
{
    (void)state;
    struct arp_pkt p;
    assert_int_equal(arp_parse(arp_reply, sizeof(arp_reply), &p), WIRE_OK);
    assert_int_equal(p.op, ARP_OP_REPLY);
    assert_memory_equal(p.sha, "\x02\x00\x00\x00\x00\x02", 6);
    assert_int_equal(p.spa, 0xcb007102u);
    assert_memory_equal(p.tha, "\x02\x00\x00\x00\x00\x01", 6);
    assert_int_equal(p.tpa, 0xcb007101u);
    uint8_t out[ARP_LEN];
    assert_int_equal(arp_emit(&p, out, sizeof(out)), ARP_LEN);
    assert_memory_equal(out, arp_reply, ARP_LEN);
}

/* Emitting from a struct built by hand (htype etc. left zero) still
 * writes Ethernet/IPv4. */
static void test_emit_from_scratch(void **state)
{
    (void)state;
    struct arp_pkt p = {.op = ARP_OP_REQUEST, .spa = 0xcb007101u, .tpa = 0xcb007102u};
    memcpy(p.sha, "\x02\x00\x00\x00\x00\x01", 6);
    uint8_t out[ARP_LEN + 4];
    memset(out, 0xee, sizeof(out));
    assert_int_equal(arp_emit(&p, out, sizeof(out)), ARP_LEN);
    assert_memory_equal(out, arp_request, ARP_LEN);
    assert_int_equal(out[ARP_LEN], 0xee); /* nothing written past 28 bytes */
    assert_int_equal(arp_emit(&p, out, ARP_LEN - 1), WIRE_NOSPACE);
}

static void test_truncated_every_length(void **state)
{
    (void)state;
    struct arp_pkt p;
    for (size_t n = 0; n < ARP_LEN; n++)
        assert_int_equal(parse_copy(arp_request, n, &p), WIRE_TRUNCATED);
    assert_int_equal(parse_copy(arp_request, ARP_LEN, &p), WIRE_OK);
}

/* Ethernet minimum-size padding after the 28 bytes is ignored. */
static void test_padding_accepted(void **state)
{
    (void)state;
    uint8_t padded[46] = {0};
    memcpy(padded, arp_request, ARP_LEN);
    struct arp_pkt p;
    assert_int_equal(arp_parse(padded, sizeof(padded), &p), WIRE_OK);
    assert_int_equal(p.tpa, 0xcb007102u);
}

static void expect_unsupported(size_t off, uint8_t val)
{
    uint8_t b[ARP_LEN];
    memcpy(b, arp_request, ARP_LEN);
    b[off] = val;
    struct arp_pkt p;
    assert_int_equal(parse_copy(b, ARP_LEN, &p), WIRE_UNSUPPORTED);
}

static void test_unsupported(void **state)
{
    (void)state;
    expect_unsupported(1, 6);    /* htype 6 (IEEE 802) */
    expect_unsupported(0, 1);    /* htype 0x0101 */
    expect_unsupported(2, 0x86); /* ptype 0x8600 */
    expect_unsupported(3, 0xdd); /* ptype 0x08dd */
    expect_unsupported(4, 8);    /* hlen 8 */
    expect_unsupported(5, 16);   /* plen 16 (IPv6-sized) */
    expect_unsupported(7, 0);    /* op 0 */
    expect_unsupported(7, 3);    /* op 3 (RARP request) */
    expect_unsupported(6, 1);    /* op 0x0101 */
    /* A foreign hardware type is reported as such even when short, as its
     * addresses need not be 6+4 bytes. */
    uint8_t b[8];
    memcpy(b, arp_request, 8);
    b[1] = 6;
    struct arp_pkt p;
    assert_int_equal(parse_copy(b, sizeof(b), &p), WIRE_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_request),
        cmocka_unit_test(test_parse_emit_reply),
        cmocka_unit_test(test_emit_from_scratch),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_padding_accepted),
        cmocka_unit_test(test_unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
