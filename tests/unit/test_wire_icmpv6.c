/* ICMPv6 messages (icmpv6.h, RFC 4443): echo, Packet Too Big, Parameter
 * Problem, the pseudo-header checksum and the 1280-byte quote limit.
 * Golden packets made with scapy 2.5 (the expression above each array;
 * bytes(...) printed as C); one test per malformation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/icmpv6.h"
#include "wire/wbuf.h"
#include "../harness/ipv6_golden.h" /* echo_req */

/* IPv6(src="2001:db8::fe", dst="2001:db8::1")/ICMPv6PacketTooBig(mtu=1400)/IPv6(src="2001:db8::1", dst="2001:db8::2")/UDP(sport=1000, dport=2000) */
static const uint8_t ptb[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x2a, 0x75, 0x00, 0x00, 0x05, 0x78,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x03, 0xe8, 0x07, 0xd0, 0x00, 0x08, 0x98, 0xb1,
};
/* IPv6(src="2001:db8::2", dst="2001:db8::1")/ICMPv6ParamProblem(code=2, ptr=42)/IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x80, optdata=b"\x00\x00")])/UDP(sport=1000, dport=2000) */
static const uint8_t param_prob[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x40, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x04, 0x02, 0x71, 0xaa, 0x00, 0x00, 0x00, 0x2a,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3c, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x11, 0x00, 0x80, 0x02, 0x00, 0x00, 0x01, 0x00,
    0x03, 0xe8, 0x07, 0xd0, 0x00, 0x08, 0x98, 0xb1,
};

static struct ipv6_addr addr(const char *s)
{
    struct ipv6_addr a;
    assert_int_equal(ipv6_addr_parse(s, &a), 0);
    return a;
}

/* Parses the ICMPv6 part of a golden packet from an exact-size copy. */
static int parse_msg(const uint8_t *pkt, size_t n, size_t cut, struct icmpv6_hdr *h)
{
    struct ipv6_addr src, dst;
    memcpy(src.b, pkt + 8, 16);
    memcpy(dst.b, pkt + 24, 16);
    size_t len = n - IPV6_HDR_LEN - cut;
    uint8_t *m = malloc(len ? len : 1);
    memcpy(m, pkt + IPV6_HDR_LEN, len);
    int rc = icmpv6_parse(m, len, &src, &dst, true, h);
    free(m);
    return rc;
}

static void test_echo_golden(void **state)
{
    (void)state;
    struct icmpv6_hdr h;
    assert_int_equal(parse_msg(echo_req, sizeof(echo_req), 0, &h), WIRE_OK);
    assert_int_equal(h.type, ICMPV6_ECHO_REQUEST);
    assert_int_equal(h.code, 0);
    assert_int_equal(h.csum, 0x8075);
    assert_int_equal(h.id, 0x1234);
    assert_int_equal(h.seq, 1);
    assert_false(icmpv6_is_error(h.type));
    uint8_t out[16];
    memcpy(out + 8, "abcdefgh", 8);
    memset(out, 0xee, 8);
    struct ipv6_addr s = addr("2001:db8::1"), d = addr("2001:db8::2");
    struct icmpv6_hdr e = {.type = ICMPV6_ECHO_REQUEST, .id = 0x1234, .seq = 1};
    assert_int_equal(icmpv6_emit(&e, &s, &d, out, sizeof(out)), ICMPV6_HDR_LEN);
    assert_memory_equal(out, echo_req + 40, sizeof(out));
}

/* Packet Too Big quoting the invoking packet, rebuilt byte for byte. */
static void test_packet_too_big_golden(void **state)
{
    (void)state;
    struct icmpv6_hdr h;
    assert_int_equal(parse_msg(ptb, sizeof(ptb), 0, &h), WIRE_OK);
    assert_int_equal(h.type, ICMPV6_PKT_TOO_BIG);
    assert_int_equal(h.mtu, 1400);
    assert_true(icmpv6_is_error(h.type));
    struct ipv6_addr s = addr("2001:db8::fe"), d = addr("2001:db8::1");
    uint8_t out[128];
    const uint8_t *inv = ptb + 48;
    int n = icmpv6_error_emit(ICMPV6_PKT_TOO_BIG, 0, 1400, inv, sizeof(ptb) - 48, &s, &d, out,
                              sizeof(out));
    assert_int_equal(n, sizeof(ptb) - 40);
    assert_memory_equal(out, ptb + 40, (size_t)n);
}

/* Parameter Problem code 2: the pointer the option walk gives for the
 * invoking packet's unknown option (type 0x80: bits 10) is the one in the
 * golden message, and the message is rebuilt byte for byte. */
static void test_param_problem_golden(void **state)
{
    (void)state;
    struct icmpv6_hdr h;
    assert_int_equal(parse_msg(param_prob, sizeof(param_prob), 0, &h), WIRE_OK);
    assert_int_equal(h.type, ICMPV6_PARAM_PROBLEM);
    assert_int_equal(h.code, IPV6_PP_OPTION);
    assert_int_equal(h.pointer, 42);
    const uint8_t *inv = param_prob + 48;
    size_t inv_len = sizeof(param_prob) - 48;
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    struct ipv6_opt_iter oi;
    struct ipv6_opt o;
    ipv6_ext_iter_init(&it, inv, inv_len, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
    assert_true(ipv6_ext_next(&it, &e));
    ipv6_opt_iter_init(&oi, &e);
    assert_true(ipv6_opt_next(&oi, &o));
    assert_int_equal(ipv6_opt_action(o.type), IPV6_OPT_DISCARD_ICMP);
    assert_int_equal(o.off, h.pointer);
    struct ipv6_addr s = addr("2001:db8::2"), d = addr("2001:db8::1");
    uint8_t out[128];
    int n = icmpv6_error_emit(ICMPV6_PARAM_PROBLEM, IPV6_PP_OPTION, (uint32_t)o.off, inv, inv_len,
                              &s, &d, out, sizeof(out));
    assert_int_equal(n, sizeof(param_prob) - 40);
    assert_memory_equal(out, param_prob + 40, (size_t)n);
}

/* RFC 4443 2.4 (c): the quote stops where the error would pass 1280
 * bytes, or at the buffer's end; errors only. */
static void test_error_quote_limits(void **state)
{
    (void)state;
    static uint8_t inv[2000], out[1500];
    for (size_t i = 0; i < sizeof(inv); i++)
        inv[i] = (uint8_t)i;
    struct ipv6_addr s = addr("2001:db8::1"), d = addr("2001:db8::2");
    int n = icmpv6_error_emit(ICMPV6_DST_UNREACH, ICMPV6_UNREACH_PORT, 0, inv, sizeof(inv), &s,
                              &d, out, sizeof(out));
    assert_int_equal(n, IPV6_MIN_MTU - IPV6_HDR_LEN);
    assert_memory_equal(out + 8, inv, ICMPV6_ERROR_QUOTE_MAX);
    struct icmpv6_hdr h;
    assert_int_equal(icmpv6_parse(out, (size_t)n, &s, &d, true, &h), WIRE_OK);
    assert_int_equal(h.code, ICMPV6_UNREACH_PORT);
    n = icmpv6_error_emit(ICMPV6_TIME_EXCEEDED, 0, 0, inv, sizeof(inv), &s, &d, out, 100);
    assert_int_equal(n, 100);
    assert_int_equal(icmpv6_error_emit(ICMPV6_TIME_EXCEEDED, 0, 0, inv, 10, &s, &d, out, 7),
                     WIRE_NOSPACE);
    assert_int_equal(icmpv6_error_emit(ICMPV6_ECHO_REPLY, 0, 0, inv, 10, &s, &d, out, 100),
                     WIRE_BAD_LEN);
}

static void test_truncated(void **state)
{
    (void)state;
    struct icmpv6_hdr h;
    struct ipv6_addr s = addr("2001:db8::1"), d = addr("2001:db8::2");
    for (size_t n = 0; n < 4; n++) {
        uint8_t *m = malloc(n ? n : 1);
        memcpy(m, echo_req + 40, n);
        assert_int_equal(icmpv6_parse(m, n, &s, &d, false, &h), WIRE_TRUNCATED);
        free(m);
    }
    /* errors and echo need the 32-bit word */
    uint8_t short_err[6] = {ICMPV6_PKT_TOO_BIG, 0, 0, 0, 0, 0};
    assert_int_equal(icmpv6_parse(short_err, sizeof(short_err), &s, &d, false, &h),
                     WIRE_TRUNCATED);
    uint8_t short_echo[7] = {ICMPV6_ECHO_REPLY};
    assert_int_equal(icmpv6_parse(short_echo, sizeof(short_echo), &s, &d, false, &h),
                     WIRE_TRUNCATED);
    /* an unknown informational type of 4 bytes is well-formed (the caller
     * drops it silently, RFC 4443 2.4 (b)) */
    uint8_t unknown[4] = {200, 0, 0, 0};
    assert_int_equal(icmpv6_parse(unknown, sizeof(unknown), &s, &d, false, &h), WIRE_OK);
    assert_int_equal(h.rest, 0);
}

/* A flipped bit, and the right bytes under other addresses (the
 * pseudo-header is covered): WIRE_BAD_CSUM. */
static void test_bad_checksum(void **state)
{
    (void)state;
    struct icmpv6_hdr h;
    uint8_t m[16];
    memcpy(m, echo_req + 40, sizeof(m));
    struct ipv6_addr s = addr("2001:db8::1"), d = addr("2001:db8::2"), other = addr("2001:db8::3");
    assert_int_equal(icmpv6_parse(m, sizeof(m), &s, &d, true, &h), WIRE_OK);
    assert_int_equal(icmpv6_parse(m, sizeof(m), &s, &other, true, &h), WIRE_BAD_CSUM);
    m[15] ^= 1;
    assert_int_equal(icmpv6_parse(m, sizeof(m), &s, &d, true, &h), WIRE_BAD_CSUM);
    assert_int_equal(icmpv6_parse(m, sizeof(m), &s, &d, false, &h), WIRE_OK);
}

static void test_emit_short(void **state)
{
    (void)state;
    uint8_t out[7];
    struct ipv6_addr s = addr("::1");
    struct icmpv6_hdr h = {.type = ICMPV6_ECHO_REPLY};
    assert_int_equal(icmpv6_emit(&h, &s, &s, out, sizeof(out)), WIRE_BAD_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_golden),
        cmocka_unit_test(test_packet_too_big_golden),
        cmocka_unit_test(test_param_problem_golden),
        cmocka_unit_test(test_error_quote_limits),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_emit_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
