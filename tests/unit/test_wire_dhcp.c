/* DHCP wire format (src/wire/dhcp.c): golden bytes of what the client
 * sends and of a server's reply, and one test per malformation the parser
 * refuses (RFC 2131 2-3, RFC 2132 2, 3, 9). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/dhcp.h"
#include "wire/wbuf.h"
#include "wire/wire.h"

/* A BOOTREPLY header with the cookie, options appended by the caller. */
static size_t reply_head(uint8_t *b)
{
    memset(b, 0, 600);
    b[0] = 2, b[1] = 1, b[2] = 6;
    put_be32(b + 4, 0xdeadbeef);
    put_be32(b + 16, 0xcb007132); /* yiaddr 203.0.113.50 */
    b[28] = 0x02, b[33] = 0x01;
    put_be32(b + DHCP_FIXED_LEN, DHCP_MAGIC);
    return DHCP_MIN_LEN;
}

static size_t add(uint8_t *b, size_t n, const uint8_t *opt, size_t len)
{
    memcpy(b + n, opt, len);
    return n + len;
}

/* The parse of header + these options bytes. */
static int parse_opts(const uint8_t *opt, size_t len, struct dhcp_msg *m)
{
    uint8_t b[600];
    size_t n = add(b, reply_head(b), opt, len);
    return dhcp_parse(b, n, m);
}

static void test_emit_discover_golden(void **state)
{
    (void)state;
    struct dhcp_msg m = {.op = DHCP_BOOTREQUEST, .htype = 1, .hlen = 6, .xid = 0x01020304,
                         .secs = 3, .flags = DHCP_FLAG_BROADCAST, .type = DHCP_DISCOVER,
                         .has = DHCP_HAS_PRL | DHCP_HAS_MAX_SIZE, .max_size = 576,
                         .prl = {1, 3, 6, 26}, .nprl = 4};
    memcpy(m.chaddr, "\x02\x00\x00\x00\x00\x01", 6);
    uint8_t b[400];
    assert_int_equal(dhcp_emit(&m, b, sizeof(b)), 300);
    static const uint8_t head[] = {1, 1, 6, 0, 1, 2, 3, 4, 0, 3, 0x80, 0};
    assert_memory_equal(b, head, sizeof(head));
    for (int i = 12; i < 28; i++)
        assert_int_equal(b[i], 0); /* ciaddr yiaddr siaddr giaddr */
    assert_memory_equal(b + 28, "\x02\x00\x00\x00\x00\x01\0\0\0\0\0\0\0\0\0\0", 16);
    for (int i = 44; i < DHCP_FIXED_LEN; i++)
        assert_int_equal(b[i], 0); /* sname, file */
    static const uint8_t opts[] = {0x63, 0x82, 0x53, 0x63, 53, 1, 1, 57, 2, 0x02, 0x40,
                                   55,   4,    1,    3,    6,  26, 255};
    assert_memory_equal(b + DHCP_FIXED_LEN, opts, sizeof(opts));
    for (size_t i = DHCP_FIXED_LEN + sizeof(opts); i < 300; i++)
        assert_int_equal(b[i], 0); /* padded to BOOTP's 300 octets */
}

static void test_emit_request_golden(void **state)
{
    (void)state;
    struct dhcp_msg m = {.op = DHCP_BOOTREQUEST, .htype = 1, .hlen = 6, .xid = 7,
                         .type = DHCP_REQUEST, .has = DHCP_HAS_REQ_IP | DHCP_HAS_SERVER_ID,
                         .requested_ip = 0xcb007132, .server_id = 0xcb007101};
    uint8_t b[400];
    assert_int_equal(dhcp_emit(&m, b, sizeof(b)), 300);
    static const uint8_t opts[] = {53, 1, 3, 50, 4, 203, 0, 113, 50, 54, 4, 203, 0, 113, 1, 255};
    assert_memory_equal(b + DHCP_MIN_LEN, opts, sizeof(opts));
}

static void test_emit_no_space(void **state)
{
    (void)state;
    struct dhcp_msg m = {.op = 1, .type = DHCP_DISCOVER};
    uint8_t b[299];
    assert_int_equal(dhcp_emit(&m, b, sizeof(b)), WIRE_NOSPACE);
}

static void test_parse_ack_golden(void **state)
{
    (void)state;
    static const uint8_t opt[] = {
        53, 1, 5,                       /* ACK */
        54, 4, 203, 0, 113, 1,          /* server id */
        0, 0,                           /* pads */
        51, 4, 0, 0, 0x0e, 0x10,        /* lease 3600 */
        58, 4, 0, 0, 0x07, 0x08,        /* T1 1800 */
        59, 4, 0, 0, 0x0c, 0x4e,        /* T2 3150 */
        1, 4, 255, 255, 255, 0,         /* mask */
        3, 8, 203, 0, 113, 254, 203, 0, 113, 253, /* routers: the first counts */
        6, 8, 198, 51, 100, 53, 198, 51, 100, 54, /* DNS */
        26, 2, 0x05, 0x78,              /* MTU 1400 */
        12, 3, 'a', 'b', 'c',           /* host name: not read, skipped */
        255};
    struct dhcp_msg m;
    assert_int_equal(parse_opts(opt, sizeof(opt), &m), WIRE_OK);
    assert_int_equal(m.op, DHCP_BOOTREPLY);
    assert_int_equal(m.xid, 0xdeadbeef);
    assert_int_equal(m.yiaddr, 0xcb007132);
    assert_int_equal(m.type, DHCP_ACK);
    assert_int_equal(m.server_id, 0xcb007101);
    assert_int_equal(m.lease_s, 3600);
    assert_int_equal(m.t1_s, 1800);
    assert_int_equal(m.t2_s, 3150);
    assert_int_equal(m.mask, 0xffffff00);
    assert_int_equal(m.router, 0xcb0071fe);
    assert_int_equal(m.ndns, 2);
    assert_int_equal(m.dns[1], 0xc6336436);
    assert_int_equal(m.mtu, 1400);
    assert_true(m.has & DHCP_HAS_T2);
}

/* RFC 2131 4.1: with option 52, 'file' then 'sname' hold options too. */
static void test_parse_overload(void **state)
{
    (void)state;
    uint8_t b[600];
    size_t n = reply_head(b);
    static const uint8_t opt[] = {53, 1, 2, 52, 1, 3, 255};
    n = add(b, n, opt, sizeof(opt));
    static const uint8_t file[] = {51, 4, 0, 0, 0, 120, 255};
    memcpy(b + DHCP_FILE_OFF, file, sizeof(file));
    static const uint8_t sname[] = {54, 4, 203, 0, 113, 1, 255};
    memcpy(b + DHCP_SNAME_OFF, sname, sizeof(sname));
    struct dhcp_msg m;
    assert_int_equal(dhcp_parse(b, n, &m), WIRE_OK);
    assert_int_equal(m.lease_s, 120);
    assert_int_equal(m.server_id, 0xcb007101);
    assert_int_equal(m.type, DHCP_OFFER);
}

/* ---- one test per malformation ------------------------------------------- */

static void test_short_message(void **state)
{
    (void)state;
    uint8_t b[600];
    reply_head(b);
    struct dhcp_msg m;
    assert_int_equal(dhcp_parse(b, DHCP_MIN_LEN - 1, &m), WIRE_TRUNCATED);
}

static void test_bad_cookie(void **state)
{
    (void)state;
    uint8_t b[600];
    size_t n = reply_head(b);
    b[n++] = 255;
    b[DHCP_FIXED_LEN + 3] ^= 1;
    struct dhcp_msg m;
    assert_int_equal(dhcp_parse(b, n, &m), WIRE_UNSUPPORTED);
}

static void test_bad_op(void **state)
{
    (void)state;
    uint8_t b[600];
    size_t n = reply_head(b);
    b[n++] = 255;
    b[0] = 3;
    struct dhcp_msg m;
    assert_int_equal(dhcp_parse(b, n, &m), WIRE_BAD_LEN);
}

#define MALFORMED(name, expect, ...)                                    \
    static void name(void **state)                                      \
    {                                                                   \
        (void)state;                                                    \
        static const uint8_t opt[] = {__VA_ARGS__};                     \
        struct dhcp_msg m;                                              \
        assert_int_equal(parse_opts(opt, sizeof(opt), &m), expect);     \
    }

/* An option's length runs past the end of the message. */
MALFORMED(test_length_past_end, WIRE_TRUNCATED, 53, 1, 2, 54, 4, 203, 0)
/* A code in the last byte, with no length byte. */
MALFORMED(test_code_without_length, WIRE_TRUNCATED, 53, 1, 2, 54)
/* No END option (RFC 2132 3.2). */
MALFORMED(test_missing_end, WIRE_BAD_OPTION, 53, 1, 2, 0, 0)
MALFORMED(test_type_wrong_length, WIRE_BAD_OPTION, 53, 2, 2, 0, 255)
MALFORMED(test_type_zero, WIRE_BAD_OPTION, 53, 1, 0, 255)
MALFORMED(test_type_unknown, WIRE_BAD_OPTION, 53, 1, 9, 255)
MALFORMED(test_server_id_short, WIRE_BAD_OPTION, 53, 1, 2, 54, 3, 1, 2, 3, 255)
MALFORMED(test_lease_long, WIRE_BAD_OPTION, 53, 1, 2, 51, 5, 0, 0, 0, 1, 0, 255)
MALFORMED(test_mask_short, WIRE_BAD_OPTION, 53, 1, 2, 1, 2, 255, 255, 255)
MALFORMED(test_router_not_multiple_of_4, WIRE_BAD_OPTION, 53, 1, 2, 3, 6, 1, 2, 3, 4, 5, 6, 255)
MALFORMED(test_dns_empty, WIRE_BAD_OPTION, 53, 1, 2, 6, 0, 255)
MALFORMED(test_mtu_below_68, WIRE_BAD_OPTION, 53, 1, 2, 26, 2, 0, 67, 255)
MALFORMED(test_mtu_wrong_length, WIRE_BAD_OPTION, 53, 1, 2, 26, 1, 68, 255)
MALFORMED(test_prl_empty, WIRE_BAD_OPTION, 53, 1, 2, 55, 0, 255)
MALFORMED(test_max_size_below_576, WIRE_BAD_OPTION, 53, 1, 2, 57, 2, 0x02, 0x3f, 255)
MALFORMED(test_repeated_server_id, WIRE_BAD_OPTION, 53, 1, 2, 54, 4, 1, 2, 3, 4, 54, 4, 1, 2,
          3, 4, 255)
MALFORMED(test_repeated_type, WIRE_BAD_OPTION, 53, 1, 2, 53, 1, 5, 255)
MALFORMED(test_overload_value, WIRE_BAD_OPTION, 53, 1, 2, 52, 1, 4, 255)
MALFORMED(test_unknown_option_past_end, WIRE_TRUNCATED, 53, 1, 2, 200, 40, 1, 2, 255)

/* Overload says 'file' holds options, but it has no END. */
static void test_overload_file_without_end(void **state)
{
    (void)state;
    uint8_t b[600];
    size_t n = reply_head(b);
    static const uint8_t opt[] = {53, 1, 2, 52, 1, 1, 255};
    n = add(b, n, opt, sizeof(opt));
    memset(b + DHCP_FILE_OFF, 0, DHCP_FILE_LEN); /* all pad */
    struct dhcp_msg m;
    assert_int_equal(dhcp_parse(b, n, &m), WIRE_BAD_OPTION);
}

/* An option in 'file' whose length runs past the 128-byte field. */
static void test_overload_option_past_field(void **state)
{
    (void)state;
    uint8_t b[600];
    size_t n = reply_head(b);
    static const uint8_t opt[] = {53, 1, 2, 52, 1, 1, 255};
    n = add(b, n, opt, sizeof(opt));
    b[DHCP_FILE_OFF + DHCP_FILE_LEN - 2] = 12;
    b[DHCP_FILE_OFF + DHCP_FILE_LEN - 1] = 10;
    struct dhcp_msg m;
    assert_int_equal(dhcp_parse(b, n, &m), WIRE_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emit_discover_golden),
        cmocka_unit_test(test_emit_request_golden),
        cmocka_unit_test(test_emit_no_space),
        cmocka_unit_test(test_parse_ack_golden),
        cmocka_unit_test(test_parse_overload),
        cmocka_unit_test(test_short_message),
        cmocka_unit_test(test_bad_cookie),
        cmocka_unit_test(test_bad_op),
        cmocka_unit_test(test_length_past_end),
        cmocka_unit_test(test_code_without_length),
        cmocka_unit_test(test_missing_end),
        cmocka_unit_test(test_type_wrong_length),
        cmocka_unit_test(test_type_zero),
        cmocka_unit_test(test_type_unknown),
        cmocka_unit_test(test_server_id_short),
        cmocka_unit_test(test_lease_long),
        cmocka_unit_test(test_mask_short),
        cmocka_unit_test(test_router_not_multiple_of_4),
        cmocka_unit_test(test_dns_empty),
        cmocka_unit_test(test_mtu_below_68),
        cmocka_unit_test(test_mtu_wrong_length),
        cmocka_unit_test(test_prl_empty),
        cmocka_unit_test(test_max_size_below_576),
        cmocka_unit_test(test_repeated_server_id),
        cmocka_unit_test(test_repeated_type),
        cmocka_unit_test(test_overload_value),
        cmocka_unit_test(test_unknown_option_past_end),
        cmocka_unit_test(test_overload_file_without_end),
        cmocka_unit_test(test_overload_option_past_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
