/* The Router Advertisement options of RFC 4191 (Route Information) and RFC
 * 8106 (DNSSL) at the wire level (src/wire/nd_opt_ra.c): golden bytes as
 * scapy's ICMPv6NDOptRouteInfo / ICMPv6NDOptDNSSL write them, and each
 * malformation the RFCs say to ignore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/nd.h"

static struct nd_opt opt_of(const uint8_t *b, size_t n)
{
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, b, n);
    assert_true(nd_opt_next(&it, &o));
    assert_int_equal(o.len, n);
    return o;
}

static struct ipv6_addr addr(const char *text)
{
    struct ipv6_addr a;
    assert_int_equal(ipv6_addr_parse(text, &a), 0);
    return a;
}

/* ICMPv6NDOptRouteInfo(prefix="2001:db8:10::", plen=48, prf=1, rtlifetime=600)
 * (Length 2) and (prefix="2001:db8:20:1::", plen=64, prf=3, rtlifetime=60)
 * (Length 3); Length 1 for ::/0 with medium preference, infinite. */
static void test_route_info_golden(void **state)
{
    (void)state;
    const uint8_t l2[16] = {24, 2, 48, 0x08, 0, 0, 0x02, 0x58,
                            0x20, 0x01, 0x0d, 0xb8, 0x00, 0x10, 0, 0};
    struct nd_route_info ri;
    struct nd_opt o = opt_of(l2, sizeof(l2));
    assert_int_equal(nd_opt_route_info(&o, &ri), WIRE_OK);
    assert_int_equal(ri.prefix_len, 48);
    assert_int_equal(ri.pref, 1);
    assert_int_equal(ri.lifetime, 600);
    struct ipv6_addr want = addr("2001:db8:10::");
    assert_memory_equal(ri.prefix.b, want.b, 16);
    const uint8_t l3[24] = {24, 3, 64, 0x18, 0, 0, 0, 60,
                            0x20, 0x01, 0x0d, 0xb8, 0x00, 0x20, 0x00, 0x01};
    o = opt_of(l3, sizeof(l3));
    assert_int_equal(nd_opt_route_info(&o, &ri), WIRE_OK);
    assert_int_equal(ri.prefix_len, 64);
    assert_int_equal(ri.pref, -1);
    want = addr("2001:db8:20:1::");
    assert_memory_equal(ri.prefix.b, want.b, 16);
    const uint8_t l1[8] = {24, 1, 0, 0, 0xff, 0xff, 0xff, 0xff};
    o = opt_of(l1, sizeof(l1));
    assert_int_equal(nd_opt_route_info(&o, &ri), WIRE_OK);
    assert_int_equal(ri.prefix_len, 0);
    assert_int_equal(ri.pref, 0);
    assert_int_equal(ri.lifetime, 0xffffffffu);
}

/* RFC 4191 2.3 / 3.1: a Prefix Length too long for the Length (1: only 0;
 * 2: up to 64), over 128, a Length of 4, and the reserved preference 10
 * are ignored; bits past the Prefix Length are not part of the route. */
static void test_route_info_malformed(void **state)
{
    (void)state;
    struct nd_route_info ri;
    uint8_t b[32] = {24, 1, 1, 0, 0, 0, 0, 60};
    struct nd_opt o = opt_of(b, 8);
    assert_int_equal(nd_opt_route_info(&o, &ri), WIRE_BAD_LEN);
    b[1] = 2;
    b[2] = 65;
    o = opt_of(b, 16);
    assert_int_equal(nd_opt_route_info(&o, &ri), WIRE_BAD_LEN);
    b[1] = 3;
    b[2] = 129;
    o = opt_of(b, 24);
    assert_int_equal(nd_opt_route_info(&o, &ri), WIRE_BAD_LEN);
    b[1] = 4;
    b[2] = 64;
    o = opt_of(b, 32);
    assert_int_equal(nd_opt_route_info(&o, &ri), WIRE_BAD_LEN);
    b[1] = 2;
    b[2] = 48;
    b[3] = 0x10; /* Prf 10 */
    o = opt_of(b, 16);
    assert_int_equal(nd_opt_route_info(&o, &ri), WIRE_UNSUPPORTED);
    b[3] = 0;
    memcpy(b + 8, "\x20\x01\x0d\xb8\x00\x10\xff\xff", 8);
    o = opt_of(b, 16);
    assert_int_equal(nd_opt_route_info(&o, &ri), WIRE_OK);
    struct ipv6_addr want = addr("2001:db8:10::");
    assert_memory_equal(ri.prefix.b, want.b, 16);
}

/* ICMPv6NDOptDNSSL(lifetime=600, searchlist=["example.com", "corp.example"]):
 * Length 5, the names in DNS label form, zero padding after them. */
static const uint8_t dnssl[40] = {
    31, 5, 0, 0, 0, 0, 0x02, 0x58,
    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    4, 'c', 'o', 'r', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
    0, 0, 0, 0, 0};

static void test_dnssl_golden(void **state)
{
    (void)state;
    struct nd_opt o = opt_of(dnssl, sizeof(dnssl));
    uint32_t life = 0;
    assert_int_equal(nd_opt_dnssl(&o, &life), WIRE_OK);
    assert_int_equal(life, 600);
    char name[ND_DNSSL_NAME_MAX];
    size_t off = 8;
    assert_int_equal(nd_opt_dnssl_next(&o, &off, name), 1);
    assert_string_equal(name, "example.com");
    assert_int_equal(nd_opt_dnssl_next(&o, &off, name), 1);
    assert_string_equal(name, "corp.example");
    assert_int_equal(nd_opt_dnssl_next(&o, &off, name), 0);
}

/* RFC 8106 5.2: a DNSSL of Length 1, a label over 63 octets, a compression
 * pointer, a name that does not end inside the option, or a character a
 * host name cannot hold: the option is ignored. */
static void test_dnssl_malformed(void **state)
{
    (void)state;
    uint32_t life;
    uint8_t b[80];
    memcpy(b, dnssl, sizeof(dnssl));
    b[1] = 1;
    struct nd_opt o = opt_of(b, 8);
    assert_int_equal(nd_opt_dnssl(&o, &life), WIRE_BAD_LEN);
    memcpy(b, dnssl, sizeof(dnssl));
    b[21] = 0xc0; /* a pointer to "example.com" where "corp" was */
    b[22] = 8;
    o = opt_of(b, sizeof(dnssl));
    assert_int_equal(nd_opt_dnssl(&o, &life), WIRE_BAD_LEN);
    memcpy(b, dnssl, sizeof(dnssl));
    b[11] = ' ';
    o = opt_of(b, sizeof(dnssl));
    assert_int_equal(nd_opt_dnssl(&o, &life), WIRE_BAD_LEN);
    memcpy(b, dnssl, 16); /* "example" then "com" cut at the end of Length 2 */
    b[1] = 2;
    o = opt_of(b, 16);
    assert_int_equal(nd_opt_dnssl(&o, &life), WIRE_BAD_LEN);
    memset(b, 'a', sizeof(b));
    b[0] = 31;
    b[1] = 10;
    memset(b + 2, 0, 6);
    b[8] = 64; /* a 64-octet label */
    b[73] = 0;
    o = opt_of(b, 80);
    assert_int_equal(nd_opt_dnssl(&o, &life), WIRE_BAD_LEN);
    b[8] = 63; /* 63 is fine */
    b[72] = 0;
    o = opt_of(b, 80);
    assert_int_equal(nd_opt_dnssl(&o, &life), WIRE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_info_golden),
        cmocka_unit_test(test_route_info_malformed),
        cmocka_unit_test(test_dnssl_golden),
        cmocka_unit_test(test_dnssl_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
