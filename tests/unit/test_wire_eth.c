/* Ethernet II framing with an 802.1Q tag (eth.h). Golden frames were made
 * with scapy (the expression is above each array). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/eth.h"

/* Ether(dst="01:00:5e:00:00:01", src="02:00:00:00:00:01")/IP(src="203.0.113.1", dst="224.0.0.1", id=1, ttl=1)/ICMP(id=1, seq=1) */
static const uint8_t eth_ip[] = {
    0x01, 0x00, 0x5e, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x01,
    0x9d, 0xdd, 0xcb, 0x00, 0x71, 0x01, 0xe0, 0x00, 0x00, 0x01, 0x08, 0x00,
    0xf7, 0xfd, 0x00, 0x01, 0x00, 0x01,
};
/* Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01")/Dot1Q(prio=5, vlan=100)/IP(src="203.0.113.1", dst="203.0.113.2", id=1)/ICMP(id=1, seq=1) */
static const uint8_t eth_vlan[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x81, 0x00, 0xa0, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01,
    0x00, 0x00, 0x40, 0x01, 0x02, 0xdc, 0xcb, 0x00, 0x71, 0x01, 0xcb, 0x00,
    0x71, 0x02, 0x08, 0x00, 0xf7, 0xfd, 0x00, 0x01, 0x00, 0x01,
};

static void test_parse_untagged(void **state)
{
    (void)state;
    struct eth_hdr h;
    assert_int_equal(eth_parse(eth_ip, sizeof(eth_ip), &h), WIRE_OK);
    const uint8_t dst[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    const uint8_t src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    assert_memory_equal(h.dst, dst, 6);
    assert_memory_equal(h.src, src, 6);
    assert_int_equal(h.type, ETH_TYPE_IPV4);
    assert_false(h.has_vlan);
    assert_int_equal(h.hdr_len, ETH_HDR_LEN);
    assert_true(eth_is_multicast(h.dst));
    assert_false(eth_is_broadcast(h.dst));
    assert_false(eth_is_multicast(h.src));
}

static void test_emit_untagged(void **state)
{
    (void)state;
    struct eth_hdr h;
    assert_int_equal(eth_parse(eth_ip, sizeof(eth_ip), &h), WIRE_OK);
    uint8_t out[ETH_HDR_LEN];
    assert_int_equal(eth_emit(&h, out, sizeof(out)), ETH_HDR_LEN);
    assert_memory_equal(out, eth_ip, ETH_HDR_LEN);
    assert_int_equal(eth_emit(&h, out, ETH_HDR_LEN - 1), WIRE_NOSPACE);
}

static void test_vlan_tag(void **state)
{
    (void)state;
    struct eth_hdr h;
    assert_int_equal(eth_parse(eth_vlan, sizeof(eth_vlan), &h), WIRE_OK);
    assert_true(h.has_vlan);
    assert_int_equal(h.vlan_tci, (5 << 13) | 100); /* PCP 5, DEI 0, VID 100 */
    assert_int_equal(h.type, ETH_TYPE_IPV4);
    assert_int_equal(h.hdr_len, ETH_VLAN_HDR_LEN);
    assert_int_equal(eth_vlan[h.hdr_len], 0x45); /* the IPv4 header follows */
    uint8_t out[ETH_VLAN_HDR_LEN];
    assert_int_equal(eth_emit(&h, out, sizeof(out)), ETH_VLAN_HDR_LEN);
    assert_memory_equal(out, eth_vlan, ETH_VLAN_HDR_LEN);
    assert_int_equal(eth_emit(&h, out, ETH_VLAN_HDR_LEN - 1), WIRE_NOSPACE);
}

static void test_truncated_every_length(void **state)
{
    (void)state;
    struct eth_hdr h;
    for (size_t n = 0; n < ETH_HDR_LEN; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
        memcpy(copy, eth_ip, n);
        assert_int_equal(eth_parse(copy, n, &h), WIRE_TRUNCATED);
        free(copy);
    }
    /* A tag announced but cut anywhere before the inner EtherType. */
    for (size_t n = 0; n < ETH_VLAN_HDR_LEN; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, eth_vlan, n);
        assert_int_equal(eth_parse(copy, n, &h), WIRE_TRUNCATED);
        free(copy);
    }
    /* Exactly a header and nothing else is fine. */
    assert_int_equal(eth_parse(eth_vlan, ETH_VLAN_HDR_LEN, &h), WIRE_OK);
    assert_int_equal(eth_parse(eth_ip, ETH_HDR_LEN, &h), WIRE_OK);
}

/* 802.3 frames carry a length (< 0x0600) where the type goes: returned as
 * is for the link layer to reject. */
static void test_8023_length_passed_through(void **state)
{
    (void)state;
    uint8_t f[ETH_HDR_LEN];
    memcpy(f, eth_ip, sizeof(f));
    f[12] = 0x05;
    f[13] = 0xdc;
    struct eth_hdr h;
    assert_int_equal(eth_parse(f, sizeof(f), &h), WIRE_OK);
    assert_int_equal(h.type, 0x05dc);
    assert_false(h.has_vlan);
}

/* Only one tag is recognised: a second one shows up as EtherType 0x8100
 * for the link layer to reject. */
static void test_nested_tag_not_unwrapped(void **state)
{
    (void)state;
    uint8_t f[ETH_VLAN_HDR_LEN + 4];
    memcpy(f, eth_vlan, ETH_VLAN_HDR_LEN);
    f[16] = 0x81;
    f[17] = 0x00;
    memcpy(f + 18, "\x00\x05\x08\x00", 4);
    struct eth_hdr h;
    assert_int_equal(eth_parse(f, sizeof(f), &h), WIRE_OK);
    assert_true(h.has_vlan);
    assert_int_equal(h.type, ETH_TYPE_VLAN);
    assert_int_equal(h.hdr_len, ETH_VLAN_HDR_LEN);
}

static void test_emit_arp_broadcast(void **state)
{
    (void)state;
    struct eth_hdr h = {.type = ETH_TYPE_ARP};
    memset(h.dst, 0xff, 6);
    memcpy(h.src, "\x02\x00\x00\x00\x00\x01", 6);
    uint8_t out[ETH_HDR_LEN];
    const uint8_t want[ETH_HDR_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                                       0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06};
    assert_int_equal(eth_emit(&h, out, sizeof(out)), ETH_HDR_LEN);
    assert_memory_equal(out, want, sizeof(want));
    assert_true(eth_is_broadcast(h.dst));
    assert_true(eth_is_multicast(h.dst));
    uint8_t almost[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    assert_false(eth_is_broadcast(almost));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_untagged),
        cmocka_unit_test(test_emit_untagged),
        cmocka_unit_test(test_vlan_tag),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_8023_length_passed_through),
        cmocka_unit_test(test_nested_tag_not_unwrapped),
        cmocka_unit_test(test_emit_arp_broadcast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
