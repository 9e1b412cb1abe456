/* ICMP messages (RFC 792, icmp.h). Golden messages made with scapy (the
 * expression is above each array; IP headers removed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/icmp.h"

/* ICMP(type=8, id=0x4242, seq=7)/b"abcdefgh" */
static const uint8_t icmp_echo[] = {
    0x08, 0x00, 0x24, 0x21, 0x42, 0x42, 0x00, 0x07,
    0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};
/* ICMP(type=0, id=0x1234, seq=0xabcd)/Raw(b"odd") */
static const uint8_t icmp_reply_odd[] = {
    0x00, 0x00, 0x6e, 0x99, 0x12, 0x34, 0xab, 0xcd, 0x6f, 0x64, 0x64,
};
/* ICMP(type=3, code=4, nexthopmtu=1400)/IP(src="203.0.113.2", dst="203.0.113.1", id=3, flags="DF")/UDP(sport=9, dport=9) */
static const uint8_t icmp_frag_needed[] = {
    0x03, 0x04, 0x6f, 0xa2, 0x00, 0x00, 0x05, 0x78, 0x45, 0x00, 0x00, 0x1c,
    0x00, 0x03, 0x40, 0x00, 0x40, 0x11, 0xc2, 0xc9, 0xcb, 0x00, 0x71, 0x02,
    0xcb, 0x00, 0x71, 0x01, 0x00, 0x09, 0x00, 0x09, 0x00, 0x08, 0x87, 0xc7,
};
/* ICMP(type=11, code=0)/IP(src="203.0.113.2", dst="203.0.113.1", id=4, ttl=1)/UDP(sport=9, dport=9) */
static const uint8_t icmp_ttl[] = {
    0x0b, 0x00, 0x6d, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x1c,
    0x00, 0x04, 0x00, 0x00, 0x01, 0x11, 0x41, 0xc9, 0xcb, 0x00, 0x71, 0x02,
    0xcb, 0x00, 0x71, 0x01, 0x00, 0x09, 0x00, 0x09, 0x00, 0x08, 0x87, 0xc7,
};

static int parse_copy(const uint8_t *src, size_t n, bool verify, struct icmp_hdr *h)
{
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
    memcpy(copy, src, n);
    int rc = icmp_parse(copy, n, verify, h);
    free(copy);
    return rc;
}

/* Emits h over a copy of `golden` whose payload is already in place and
 * checks the result is byte-identical. */
static void emit_matches(const struct icmp_hdr *h, const uint8_t *golden, size_t n)
{
    uint8_t *out = malloc(n);
    memcpy(out + ICMP_HDR_LEN, golden + ICMP_HDR_LEN, n - ICMP_HDR_LEN);
    memset(out, 0xee, ICMP_HDR_LEN);
    assert_int_equal(icmp_emit(h, out, n, n - ICMP_HDR_LEN), ICMP_HDR_LEN);
    assert_memory_equal(out, golden, n);
    free(out);
}

static void test_echo_request(void **state)
{
    (void)state;
    struct icmp_hdr h;
    assert_int_equal(parse_copy(icmp_echo, sizeof(icmp_echo), true, &h), WIRE_OK);
    assert_int_equal(h.type, ICMP_ECHO_REQUEST);
    assert_int_equal(h.code, 0);
    assert_int_equal(h.csum, 0x2421);
    assert_int_equal(h.id, 0x4242);
    assert_int_equal(h.seq, 7);
    assert_int_equal(h.rest, 0x42420007u);
    assert_int_equal(h.mtu, 0);
    emit_matches(&h, icmp_echo, sizeof(icmp_echo));
}

/* Odd payload length: the checksum pads the last byte with zero. */
static void test_echo_reply_odd_length(void **state)
{
    (void)state;
    struct icmp_hdr h;
    assert_int_equal(parse_copy(icmp_reply_odd, sizeof(icmp_reply_odd), true, &h), WIRE_OK);
    assert_int_equal(h.type, ICMP_ECHO_REPLY);
    assert_int_equal(h.id, 0x1234);
    assert_int_equal(h.seq, 0xabcd);
    emit_matches(&h, icmp_reply_odd, sizeof(icmp_reply_odd));
}

static void test_frag_needed_mtu(void **state)
{
    (void)state;
    struct icmp_hdr h;
    assert_int_equal(parse_copy(icmp_frag_needed, sizeof(icmp_frag_needed), true, &h), WIRE_OK);
    assert_int_equal(h.type, ICMP_DEST_UNREACH);
    assert_int_equal(h.code, ICMP_UNREACH_FRAG_NEEDED);
    assert_int_equal(h.mtu, 1400);
    assert_int_equal(h.rest, 1400);
    assert_true(icmp_is_error(h.type));
    emit_matches(&h, icmp_frag_needed, sizeof(icmp_frag_needed));
    /* Another unreachable code does not read an MTU. */
    uint8_t b[sizeof(icmp_frag_needed)];
    memcpy(b, icmp_frag_needed, sizeof(b));
    b[1] = ICMP_UNREACH_PORT;
    assert_int_equal(parse_copy(b, sizeof(b), false, &h), WIRE_OK);
    assert_int_equal(h.mtu, 0);
    assert_int_equal(h.rest, 1400);
}

static void test_time_exceeded(void **state)
{
    (void)state;
    struct icmp_hdr h;
    assert_int_equal(parse_copy(icmp_ttl, sizeof(icmp_ttl), true, &h), WIRE_OK);
    assert_int_equal(h.type, ICMP_TIME_EXCEEDED);
    assert_int_equal(h.code, ICMP_EXC_TTL);
    assert_int_equal(h.rest, 0);
    emit_matches(&h, icmp_ttl, sizeof(icmp_ttl));
    /* For other types the second word comes from `rest` (e.g. the
     * parameter-problem pointer in its first octet). */
    struct icmp_hdr pp = {.type = ICMP_PARAM_PROBLEM, .rest = 0x14000000u, .id = 1, .seq = 2};
    uint8_t out[8];
    assert_int_equal(icmp_emit(&pp, out, sizeof(out), 0), ICMP_HDR_LEN);
    assert_int_equal(out[4], 0x14);
    assert_int_equal(out[5] | out[6] | out[7], 0);
    assert_int_equal(parse_copy(out, sizeof(out), true, &h), WIRE_OK);
}

static void test_truncated_every_length(void **state)
{
    (void)state;
    struct icmp_hdr h;
    for (size_t n = 0; n < ICMP_HDR_LEN; n++) {
        assert_int_equal(parse_copy(icmp_echo, n, true, &h), WIRE_TRUNCATED);
        assert_int_equal(parse_copy(icmp_echo, n, false, &h), WIRE_TRUNCATED);
    }
}

static void test_bad_checksum(void **state)
{
    (void)state;
    uint8_t b[sizeof(icmp_echo)];
    struct icmp_hdr h;
    for (size_t i = 0; i < sizeof(b); i++) {
        memcpy(b, icmp_echo, sizeof(b));
        b[i] ^= 0x10;
        assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_CSUM);
        assert_int_equal(parse_copy(b, sizeof(b), false, &h), WIRE_OK);
    }
    /* A message cut short no longer verifies either. */
    assert_int_equal(parse_copy(icmp_echo, sizeof(icmp_echo) - 1, true, &h), WIRE_BAD_CSUM);
}

static void test_emit_nospace(void **state)
{
    (void)state;
    struct icmp_hdr h = {.type = ICMP_ECHO_REQUEST, .id = 1, .seq = 1};
    uint8_t out[16];
    assert_int_equal(icmp_emit(&h, out, 7, 0), WIRE_NOSPACE);
    assert_int_equal(icmp_emit(&h, out, 15, 8), WIRE_NOSPACE);
    assert_int_equal(icmp_emit(&h, out, 16, (size_t)-1), WIRE_NOSPACE);
    memset(out, 0, sizeof(out));
    assert_int_equal(icmp_emit(&h, out, 16, 8), ICMP_HDR_LEN);
}

static void test_is_error(void **state)
{
    (void)state;
    for (int t = 0; t < 256; t++) {
        bool want = t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
        assert_int_equal(icmp_is_error((uint8_t)t), want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_request),
        cmocka_unit_test(test_echo_reply_odd_length),
        cmocka_unit_test(test_frag_needed_mtu),
        cmocka_unit_test(test_time_exceeded),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_emit_nospace),
        cmocka_unit_test(test_is_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
