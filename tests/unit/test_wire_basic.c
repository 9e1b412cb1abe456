/* Golden-bytes smoke test of every wire codec: parse known-good packets
 * (produced with scapy, see each array) and emit them back byte-exact.
 * The per-protocol files test_wire_*.c go through the malformations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ustack/types.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

#define A1 0xcb007101u /* 203.0.113.1 */
#define A2 0xcb007102u /* 203.0.113.2 */

/* Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01")/ARP(op=1,
 *   hwsrc="02:00:00:00:00:01", psrc="203.0.113.1", pdst="203.0.113.2") */
static const uint8_t arp_req[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xcb, 0x00, 0x71, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xcb, 0x00, 0x71, 0x02};

/* IP(src="203.0.113.1", dst="203.0.113.2", id=0x1234, ttl=64, flags="DF")/
 *   ICMP(type=8, id=0x4242, seq=7)/b"abcdefgh" */
static const uint8_t icmp_echo[] = {
    0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0xb0, 0xa0,
    0xcb, 0x00, 0x71, 0x01, 0xcb, 0x00, 0x71, 0x02, 0x08, 0x00, 0x24, 0x21,
    0x42, 0x42, 0x00, 0x07, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68};

/* UDP(sport=1234, dport=5678)/b"hello" under IP 203.0.113.1 -> .2 */
static const uint8_t udp_hello[] = {0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0d, 0x28,
                                    0xfd, 0x68, 0x65, 0x6c, 0x6c, 0x6f};

/* TCP(sport=40000, dport=80, seq=1000, flags="S", window=64240,
 *   options=[("MSS",1460),("SAckOK",b""),("Timestamp",(12345,0)),
 *            ("NOP",None),("WScale",7)]) under IP 203.0.113.1 -> .2 */
static const uint8_t tcp_syn[] = {
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xfa, 0xf0, 0x04, 0x59, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x00, 0x00, 0x30, 0x39, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};

static void test_arp_golden(void **state)
{
    (void)state;
    struct eth_hdr e;
    assert_int_equal(eth_parse(arp_req, sizeof(arp_req), &e), WIRE_OK);
    assert_int_equal(e.type, ETH_TYPE_ARP);
    assert_true(eth_is_broadcast(e.dst));
    struct arp_pkt a;
    assert_int_equal(arp_parse(arp_req + 14, sizeof(arp_req) - 14, &a), WIRE_OK);
    assert_int_equal(a.op, ARP_OP_REQUEST);
    assert_int_equal(a.spa, A1);
    assert_int_equal(a.tpa, A2);
    uint8_t out[42];
    assert_int_equal(eth_emit(&e, out, sizeof(out)), 14);
    assert_int_equal(arp_emit(&a, out + 14, sizeof(out) - 14), ARP_LEN);
    assert_memory_equal(out, arp_req, sizeof(arp_req));
}

static void test_icmp_golden(void **state)
{
    (void)state;
    struct ipv4_hdr ip;
    assert_int_equal(ipv4_parse(icmp_echo, sizeof(icmp_echo), true, &ip), WIRE_OK);
    assert_int_equal(ip.total_len, 36);
    assert_true(ip.df);
    struct icmp_hdr ic;
    assert_int_equal(icmp_parse(icmp_echo + 20, 16, true, &ic), WIRE_OK);
    assert_int_equal(ic.id, 0x4242);
    assert_int_equal(ic.seq, 7);
    uint8_t out[36];
    memcpy(out + 28, "abcdefgh", 8);
    assert_int_equal(ipv4_emit(&ip, out, sizeof(out)), 20);
    assert_int_equal(icmp_emit(&ic, out + 20, 16, 8), 8);
    assert_memory_equal(out, icmp_echo, sizeof(icmp_echo));
}

static void test_udp_golden(void **state)
{
    (void)state;
    struct udp_hdr u;
    assert_int_equal(udp_parse(udp_hello, sizeof(udp_hello), A1, A2, true, &u), WIRE_OK);
    assert_int_equal(u.sport, 1234);
    assert_int_equal(u.dport, 5678);
    uint8_t out[13];
    memcpy(out + 8, "hello", 5);
    assert_int_equal(udp_emit(1234, 5678, A1, A2, out, sizeof(out), 5), 8);
    assert_memory_equal(out, udp_hello, sizeof(udp_hello));
}

static void test_tcp_golden(void **state)
{
    (void)state;
    struct tcp_hdr t;
    assert_int_equal(tcp_parse(tcp_syn, sizeof(tcp_syn), A1, A2, true, &t), WIRE_OK);
    assert_int_equal(t.flags, TCP_SYN);
    assert_true(t.opts.has_mss);
    assert_int_equal(t.opts.mss, 1460);
    assert_true(t.opts.sack_permitted);
    assert_true(t.opts.has_timestamp);
    assert_int_equal(t.opts.ts_val, 12345);
    assert_int_equal(t.opts.wscale, 7);
    uint8_t out[40];
    assert_int_equal(tcp_emit(&t, A1, A2, out, sizeof(out), 0), 40);
    assert_memory_equal(out, tcp_syn, sizeof(tcp_syn));
}

static void test_strerror(void **state)
{
    (void)state;
    const int codes[] = {WIRE_OK, WIRE_TRUNCATED, WIRE_BAD_VERSION, WIRE_BAD_HLEN, WIRE_BAD_LEN,
                         WIRE_BAD_CSUM, WIRE_BAD_OPTION, WIRE_UNSUPPORTED, WIRE_NOSPACE};
    const unsigned n = sizeof(codes) / sizeof(codes[0]);
    for (unsigned i = 0; i < n; i++) {
        const char *m = wire_strerror(codes[i]);
        assert_non_null(m);
        assert_string_not_equal(m, wire_strerror(-1000));
        for (unsigned k = 0; k < i; k++)
            assert_string_not_equal(m, wire_strerror(codes[k]));
        /* a disjoint range: never a ust_err value */
        if (codes[i] != WIRE_OK)
            assert_true(codes[i] < UST_ERR_INTR && codes[i] < -99);
    }
    assert_string_equal(wire_strerror(WIRE_BAD_CSUM), "bad checksum");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp_golden),
        cmocka_unit_test(test_icmp_golden),
        cmocka_unit_test(test_udp_golden),
        cmocka_unit_test(test_tcp_golden),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
