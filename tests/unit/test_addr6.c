/* Family-tagged addresses for the API (issue #13): ust_addr_parse /
 * ust_addr_str (RFC 5952 text, numeric scopes), IPv4-mapped addresses
 * (RFC 4291 2.5.5.2, RFC 3493 3.7), sockaddr conversion, and the TCP and
 * UDP checksums over the IPv6 pseudo-header (RFC 8200 8.1) against golden
 * segments made with scapy 2.5 (the expression above each array). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "ustack/socket.h"
#include "ustack/types.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/udp.h"

static struct ust_addr parse_ok(const char *s)
{
    struct ust_addr a;
    memset(&a, 0x5a, sizeof(a));
    assert_int_equal(ust_addr_parse(s, &a), UST_OK);
    return a;
}

static void test_parse_both_families(void **state)
{
    (void)state;
    struct ust_addr a = parse_ok("203.0.113.7");
    assert_int_equal(a.family, UST_AF_INET);
    assert_int_equal(a.u.v4, UST_IP4(203, 0, 113, 7));
    a = parse_ok("2001:DB8::a");
    assert_int_equal(a.family, UST_AF_INET6);
    assert_int_equal(a.scope_id, 0);
    static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a};
    assert_memory_equal(a.u.v6, want, 16);
    a = parse_ok("fe80::1%3");
    assert_int_equal(a.scope_id, 3);
    assert_int_equal(a.u.v6[0], 0xfe);
    assert_int_equal(a.u.v6[15], 1);
    /* a mapped address stays IPv6 until unmapped */
    a = parse_ok("::ffff:198.51.100.9");
    assert_int_equal(a.family, UST_AF_INET6);
    assert_true(ust_ip6_is_v4mapped(a.u.v6));
    struct ust_addr v4 = ust_addr_unmap(&a);
    assert_int_equal(v4.family, UST_AF_INET);
    assert_int_equal(v4.u.v4, UST_IP4(198, 51, 100, 9));
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "1.2.3", "1.2.3.256", "2001:db8::1%", "fe80::1%x",
                                      "fe80::1%99999999999", "::1::2", "2001:db8:::1",
                                      "1:2:3:4:5:6:7:8:9", "[::1]", " ::1", "gg::1"};
    struct ust_addr a;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ust_addr_parse(bad[i], &a), UST_ERR_INVAL);
    assert_int_equal(ust_addr_parse(NULL, &a), UST_ERR_INVAL);
}

static void test_format_rfc5952(void **state)
{
    (void)state;
    char b[UST_ADDR_STRLEN];
    struct ust_addr a = parse_ok("2001:0db8:0:0:1:0:0:1");
    assert_string_equal(ust_addr_str(&a, b), "2001:db8::1:0:0:1"); /* 4.2.3: first longest run */
    a = parse_ok("2001:db8:0:1:1:1:1:1");
    assert_string_equal(ust_addr_str(&a, b), "2001:db8:0:1:1:1:1:1"); /* 4.2.2: no :: for one */
    a = parse_ok("fe80::1%2");
    assert_string_equal(ust_addr_str(&a, b), "fe80::1%2");
    a = parse_ok("::");
    assert_string_equal(ust_addr_str(&a, b), "::");
    a = ust_addr_from_ip4(UST_IP4(203, 0, 113, 1));
    assert_string_equal(ust_addr_str(&a, b), "203.0.113.1");
    struct ust_addr m = ust_addr_to_v4mapped(&a);
    assert_string_equal(ust_addr_str(&m, b), "::ffff:203.0.113.1"); /* 5: dotted tail */
    struct ust_addr none = {0};
    assert_string_equal(ust_addr_str(&none, b), "-");
    /* the longest text fits */
    a = parse_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295");
    assert_string_equal(ust_addr_str(&a, b), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295");
}

static void test_mapped_and_equality(void **state)
{
    (void)state;
    struct ust_addr v4 = ust_addr_from_ip4(UST_IP4(192, 0, 2, 1));
    struct ust_addr m = ust_addr_to_v4mapped(&v4);
    assert_int_equal(m.family, UST_AF_INET6);
    struct ust_addr back = ust_addr_unmap(&m);
    assert_true(ust_addr_eq(&back, &v4));
    assert_false(ust_addr_eq(&m, &v4)); /* different families never equal */
    struct ust_addr g = parse_ok("2001:db8::1");
    struct ust_addr g_mapped = ust_addr_to_v4mapped(&g); /* IPv6: unchanged */
    assert_true(ust_addr_eq(&g_mapped, &g));
    struct ust_addr same = ust_addr_unmap(&g); /* not mapped: unchanged */
    assert_true(ust_addr_eq(&same, &g));
    struct ust_addr ll1 = parse_ok("fe80::1%1"), ll2 = parse_ok("fe80::1%2");
    assert_false(ust_addr_eq(&ll1, &ll2)); /* the scope is part of the address */
    assert_true(ust_addr_is_any(&(struct ust_addr){0}));
    struct ust_addr any6 = parse_ok("::");
    assert_true(ust_addr_is_any(&any6));
    assert_false(ust_addr_is_any(&ll1));
}

static void test_sockaddr_conversion(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    struct ust_addr ll = parse_ok("fe80::2%5");
    socklen_t n = ust_addr_to_sockaddr(&ll, 8080, &ss);
    assert_int_equal(n, sizeof(struct sockaddr_in6));
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
    assert_int_equal(s6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(s6->sin6_port), 8080);
    assert_int_equal(s6->sin6_scope_id, 5);
    assert_memory_equal(s6->sin6_addr.s6_addr, ll.u.v6, 16);
    struct ust_addr back;
    uint16_t port = 0;
    assert_int_equal(ust_addr_from_sockaddr((const struct sockaddr *)&ss, n, &back, &port), UST_OK);
    assert_true(ust_addr_eq(&back, &ll));
    assert_int_equal(port, 8080);
    /* a global address takes no scope, whatever sin6_scope_id says */
    struct sockaddr_in6 g = {.sin6_family = AF_INET6, .sin6_port = htons(1), .sin6_scope_id = 9};
    inet_pton(AF_INET6, "2001:db8::7", &g.sin6_addr);
    assert_int_equal(ust_addr_from_sockaddr((const struct sockaddr *)&g, sizeof(g), &back, NULL),
                     UST_OK);
    assert_int_equal(back.scope_id, 0);
    /* too short for its family */
    assert_int_equal(ust_addr_from_sockaddr((const struct sockaddr *)&g, sizeof(g) - 1, &back, NULL),
                     UST_ERR_INVAL);
    struct ust_addr v4 = ust_addr_from_ip4(UST_IP4(198, 51, 100, 2));
    n = ust_addr_to_sockaddr(&v4, 53, &ss);
    assert_int_equal(n, sizeof(struct sockaddr_in));
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
    assert_int_equal(s4->sin_family, AF_INET);
    assert_int_equal(ntohl(s4->sin_addr.s_addr), UST_IP4(198, 51, 100, 2));
    assert_int_equal(ust_addr_from_sockaddr((const struct sockaddr *)&ss, n, &back, &port), UST_OK);
    assert_true(ust_addr_eq(&back, &v4));
    assert_int_equal(port, 53);
}

/* IPv6(src="2001:db8::1", dst="2001:db8::2")/TCP(sport=40000, dport=80,
 *   seq=0x01020304, ack=0, flags="S", window=65535, options=[('MSS',1440)]):
 * the TCP segment (checksum 0x9c2f) */
static const uint8_t tcp6_syn[24] = {
    0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x60, 0x02, 0xff, 0xff, 0x9c, 0x2f, 0x00, 0x00, 0x02, 0x04, 0x05, 0xa0,
};
/* IPv6(src="fe80::1", dst="fe80::2")/UDP(sport=5353, dport=9)/b"hello" */
static const uint8_t udp6_hello[13] = {
    0x14, 0xe9, 0x00, 0x09, 0x00, 0x0d, 0xaa, 0x0b, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static uint32_t pseudo6(const char *src, const char *dst, uint8_t nh)
{
    struct ipv6_addr s, d;
    assert_int_equal(ipv6_addr_parse(src, &s), 0);
    assert_int_equal(ipv6_addr_parse(dst, &d), 0);
    return ipv6_csum_pseudo(&s, &d, 0, nh);
}

static void test_tcp_checksum_ipv6_golden(void **state)
{
    (void)state;
    uint32_t ps = pseudo6("2001:db8::1", "2001:db8::2", IPV6_NH_TCP);
    struct tcp_hdr h;
    memset(&h, 0, sizeof(h));
    h.sport = 40000;
    h.dport = 80;
    h.seq = 0x01020304;
    h.flags = TCP_SYN;
    h.wnd = 65535;
    h.opts.has_mss = true;
    h.opts.mss = 1440;
    uint8_t out[24];
    assert_int_equal(tcp_emit_ps(&h, ps, out, sizeof(out), 0), 24);
    assert_memory_equal(out, tcp6_syn, sizeof(tcp6_syn));
    struct tcp_hdr p;
    assert_int_equal(tcp_parse_ps(tcp6_syn, sizeof(tcp6_syn), ps, true, &p), WIRE_OK);
    assert_int_equal(p.opts.mss, 1440);
    /* the same bytes under another pseudo-header (one address bit) fail */
    uint32_t other = pseudo6("2001:db8::1", "2001:db8::3", IPV6_NH_TCP);
    assert_int_equal(tcp_parse_ps(tcp6_syn, sizeof(tcp6_syn), other, true, &p), WIRE_BAD_CSUM);
}

static void test_udp_checksum_ipv6_golden(void **state)
{
    (void)state;
    uint32_t ps = pseudo6("fe80::1", "fe80::2", IPV6_NH_UDP);
    uint8_t out[13];
    memcpy(out + 8, "hello", 5);
    assert_int_equal(udp_emit_ps(5353, 9, ps, out, sizeof(out), 5), UDP_HDR_LEN);
    assert_memory_equal(out, udp6_hello, sizeof(udp6_hello));
    struct udp_hdr h;
    assert_int_equal(udp_parse_ps(udp6_hello, sizeof(udp6_hello), ps, true, &h), WIRE_OK);
    uint8_t bad[13];
    memcpy(bad, udp6_hello, sizeof(bad));
    bad[12] ^= 1;
    assert_int_equal(udp_parse_ps(bad, sizeof(bad), ps, true, &h), WIRE_BAD_CSUM);
}

/* RFC 8200 8.1 (and RFC 768): a checksum that computes to zero goes out
 * as 0xFFFF over IPv6 too, never as "no checksum". The payload word is
 * chosen to make the sum come out at zero. */
static void test_udp_zero_checksum_sent_as_ffff(void **state)
{
    (void)state;
    uint32_t ps = pseudo6("2001:db8::1", "2001:db8::2", IPV6_NH_UDP);
    uint8_t out[10] = {0};
    assert_int_equal(udp_emit_ps(1000, 2000, ps, out, sizeof(out), 2), UDP_HDR_LEN);
    uint16_t c = (uint16_t)(out[6] << 8 | out[7]); /* with a zero payload word */
    out[8] = (uint8_t)(c >> 8); /* adding C to the sum makes it 0xFFFF: checksum 0 */
    out[9] = (uint8_t)c;
    assert_int_equal(udp_emit_ps(1000, 2000, ps, out, sizeof(out), 2), UDP_HDR_LEN);
    assert_int_equal(out[6], 0xff);
    assert_int_equal(out[7], 0xff);
    struct udp_hdr h;
    assert_int_equal(udp_parse_ps(out, sizeof(out), ps, true, &h), WIRE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_both_families),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_format_rfc5952),
        cmocka_unit_test(test_mapped_and_equality),
        cmocka_unit_test(test_sockaddr_conversion),
        cmocka_unit_test(test_tcp_checksum_ipv6_golden),
        cmocka_unit_test(test_udp_checksum_ipv6_golden),
        cmocka_unit_test(test_udp_zero_checksum_sent_as_ffff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
