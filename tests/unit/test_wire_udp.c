/* UDP header (RFC 768, udp.h). Golden datagrams made with scapy (the
 * expression is above each array; IP header removed, the pseudo-header
 * addresses are 203.0.113.1 -> 203.0.113.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/udp.h"

#define A1 0xcb007101u /* 203.0.113.1 */
#define A2 0xcb007102u /* 203.0.113.2 */

/* UDP(sport=1234, dport=5678)/b"hello" */
static const uint8_t udp_hello[] = {0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0d, 0x28,
                                    0xfd, 0x68, 0x65, 0x6c, 0x6c, 0x6f};
/* UDP(sport=53, dport=40000, chksum=0)/Raw(b"abc") under IP 203.0.113.1 -> 203.0.113.2 (IP header removed) */
static const uint8_t udp_nocsum[] = {
    0x00, 0x35, 0x9c, 0x40, 0x00, 0x0b, 0x00, 0x00, 0x61, 0x62, 0x63,
};

static int parse_copy(const uint8_t *src, size_t n, bool verify, struct udp_hdr *h)
{
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
    memcpy(copy, src, n);
    int rc = udp_parse(copy, n, A1, A2, verify, h);
    free(copy);
    return rc;
}

static void test_parse_emit(void **state)
{
    (void)state;
    struct udp_hdr h;
    assert_int_equal(parse_copy(udp_hello, sizeof(udp_hello), true, &h), WIRE_OK);
    assert_int_equal(h.sport, 1234);
    assert_int_equal(h.dport, 5678);
    assert_int_equal(h.len, 13);
    assert_int_equal(h.csum, 0x28fd);
    uint8_t out[sizeof(udp_hello)];
    memcpy(out + 8, "hello", 5);
    assert_int_equal(udp_emit(1234, 5678, A1, A2, out, sizeof(out), 5), UDP_HDR_LEN);
    assert_memory_equal(out, udp_hello, sizeof(udp_hello));
}

/* The pseudo-header takes part: other addresses do not verify. */
static void test_pseudo_header_matters(void **state)
{
    (void)state;
    struct udp_hdr h;
    assert_int_equal(udp_parse(udp_hello, sizeof(udp_hello), A2, A1, true, &h), WIRE_OK);
    assert_int_equal(udp_parse(udp_hello, sizeof(udp_hello), A1, A1, true, &h), WIRE_BAD_CSUM);
}

static void test_zero_checksum_means_none(void **state)
{
    (void)state;
    struct udp_hdr h;
    assert_int_equal(parse_copy(udp_nocsum, sizeof(udp_nocsum), true, &h), WIRE_OK);
    assert_int_equal(h.csum, 0);
    assert_int_equal(h.len, 11);
    /* Even with garbage payload. */
    uint8_t b[sizeof(udp_nocsum)];
    memcpy(b, udp_nocsum, sizeof(b));
    b[9] ^= 0x55;
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_OK);
}

/* RFC 768: a computed 0 is transmitted as 0xFFFF, which verifies. The
 * payload word is chosen to make the sum come out at exactly 0xFFFF. */
static void test_emit_zero_checksum_as_ffff(void **state)
{
    (void)state;
    uint8_t out[10] = {0};
    assert_int_equal(udp_emit(1, 2, A1, A2, out, sizeof(out), 2), UDP_HDR_LEN);
    uint16_t c = (uint16_t)(out[6] << 8 | out[7]);
    assert_int_not_equal(c, 0);
    /* Adding c to the data sum makes it 0xffff, so the new checksum is 0. */
    out[8] = (uint8_t)(c >> 8);
    out[9] = (uint8_t)c;
    assert_int_equal(udp_emit(1, 2, A1, A2, out, sizeof(out), 2), UDP_HDR_LEN);
    assert_int_equal(out[6], 0xff);
    assert_int_equal(out[7], 0xff);
    struct udp_hdr h;
    assert_int_equal(parse_copy(out, sizeof(out), true, &h), WIRE_OK);
    assert_int_equal(h.csum, 0xffff);
}

static void test_bad_checksum(void **state)
{
    (void)state;
    uint8_t b[sizeof(udp_hello)];
    struct udp_hdr h;
    for (size_t i = 0; i < sizeof(b); i++) {
        if (i == 4 || i == 5)
            continue; /* the length field has its own checks */
        memcpy(b, udp_hello, sizeof(b));
        b[i] ^= 0x01;
        assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_CSUM);
        assert_int_equal(parse_copy(b, sizeof(b), false, &h), WIRE_OK);
    }
}

static void test_truncated_every_length(void **state)
{
    (void)state;
    struct udp_hdr h;
    for (size_t n = 0; n < sizeof(udp_hello); n++)
        assert_int_equal(parse_copy(udp_hello, n, true, &h), WIRE_TRUNCATED);
}

static void test_length_field_below_8(void **state)
{
    (void)state;
    uint8_t b[sizeof(udp_nocsum)];
    struct udp_hdr h;
    for (int l = 0; l < 8; l++) {
        memcpy(b, udp_nocsum, sizeof(b));
        b[5] = (uint8_t)l;
        assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_LEN);
    }
}

static void test_length_field_past_buffer(void **state)
{
    (void)state;
    uint8_t b[sizeof(udp_nocsum)];
    struct udp_hdr h;
    memcpy(b, udp_nocsum, sizeof(b));
    b[5] = sizeof(b) + 1;
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_TRUNCATED);
    b[4] = 0xff;
    b[5] = 0xff;
    assert_int_equal(parse_copy(b, sizeof(b), false, &h), WIRE_TRUNCATED);
}

/* A length field shorter than the buffer: the rest is not UDP's, and the
 * checksum covers only the length-field bytes. */
static void test_length_field_below_buffer(void **state)
{
    (void)state;
    uint8_t b[sizeof(udp_hello) + 3];
    memcpy(b, udp_hello, sizeof(udp_hello));
    memset(b + sizeof(udp_hello), 0x77, 3);
    struct udp_hdr h;
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_OK);
    assert_int_equal(h.len, 13);
}

static void test_emit_limits(void **state)
{
    (void)state;
    uint8_t out[16];
    assert_int_equal(udp_emit(1, 2, A1, A2, out, 7, 0), WIRE_NOSPACE);
    assert_int_equal(udp_emit(1, 2, A1, A2, out, 12, 5), WIRE_NOSPACE);
    assert_int_equal(udp_emit(1, 2, A1, A2, out, sizeof(out), 65535 - 7), WIRE_BAD_LEN);
    memset(out, 0, sizeof(out));
    assert_int_equal(udp_emit(1, 2, A1, A2, out, 8, 0), UDP_HDR_LEN);
    assert_int_equal(out[5], 8);
    struct udp_hdr h;
    assert_int_equal(parse_copy(out, 8, true, &h), WIRE_OK);
}

/* The largest datagram (65535 bytes of UDP) round-trips. */
static void test_max_length(void **state)
{
    (void)state;
    size_t n = 65535;
    uint8_t *b = malloc(n);
    for (size_t i = 8; i < n; i++)
        b[i] = (uint8_t)(i * 7);
    assert_int_equal(udp_emit(9, 9, A1, A2, b, n, n - 8), UDP_HDR_LEN);
    struct udp_hdr h;
    assert_int_equal(udp_parse(b, n, A1, A2, true, &h), WIRE_OK);
    assert_int_equal(h.len, 65535);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_emit),
        cmocka_unit_test(test_pseudo_header_matters),
        cmocka_unit_test(test_zero_checksum_means_none),
        cmocka_unit_test(test_emit_zero_checksum_as_ffff),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_length_field_below_8),
        cmocka_unit_test(test_length_field_past_buffer),
        cmocka_unit_test(test_length_field_below_buffer),
        cmocka_unit_test(test_emit_limits),
        cmocka_unit_test(test_max_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
