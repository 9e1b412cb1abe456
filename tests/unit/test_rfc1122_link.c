/* RFC 1122 section 2 (link layer) conformance tests: the rows of the
 * Section 2.5 summary that no other test proves directly. Each test names
 * its row IDs (docs/conformance.md, from rfc1122-requirements.md) and the
 * RFC section. Driven through the net harness (recorded Ethernet frames,
 * virtual clock). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "core/stack_impl.h"
#include "link/link.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/wbuf.h"

#define ME UST_IP4(203, 0, 113, 1)
#define PEER UST_IP4(203, 0, 113, 2)
#define GHOST UST_IP4(203, 0, 113, 77) /* on-link, never answers ARP */

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t ZERO[6] = {0};
static const uint8_t MY_MAC[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};

/* One stack, one recorded Ethernet port 203.0.113.1/24; the gratuitous ARP
 * of ust_iface_add is cleared. */
static struct nh_net *setup(const struct ust_config *cfg, struct ust_stack **st)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, cfg);
    assert_int_equal(nh_host(n, *st, NH_NO_WIRE, 1, ME, 24, 1500), 0);
    nh_tx_clear(n, 0);
    return n;
}

/* PEER asks for our MAC: we answer and learn PEER (RFC 826 merge). */
static void learn_peer(struct nh_net *n)
{
    uint8_t f[64];
    size_t len = nh_build_arp(f, sizeof(f), ARP_OP_REQUEST, BCAST, PEER_MAC, PEER, ZERO, ME);
    nh_inject(n, 0, f, len);
}

static size_t echo_frame(uint8_t *f, size_t cap, uint16_t ethertype)
{
    uint8_t icmp[32], d[64];
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00070001,
                                (const uint8_t *)"rfc894!!", 8);
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .ttl = 64, .id = 9};
    size_t dlen = nh_build_ipv4(d, sizeof(d), &ip, icmp, ilen);
    return nh_build_eth(f, cap, MY_MAC, PEER_MAC, ethertype, d, dlen);
}

/* LINK-7 (2.3.3): RFC 894 framing is received and sent: an echo request in
 * an Ethernet II frame (type 0x0800) is answered in an Ethernet II frame
 * whose IP header starts right after the 14-byte header.
 * LINK-2 (2.3.1) and LINK-11 (2.3.3): every frame we send carries an
 * EtherType (>= 0x0600: never an 802.3 length, so never 802.2 LLC with
 * K1=6) and the IP header is never moved behind the data (trailers use the
 * types 0x1001-0x1010). A trailer-encapsulated frame is not accepted. */
static void test_only_ethernet_ii_framing_sent(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    learn_peer(n);
    uint8_t f[128];
    size_t flen = echo_frame(f, sizeof(f), ETH_TYPE_IPV4);
    nh_inject(n, 0, f, flen);
    assert_int_equal(nh_tx_count(n, 0), 2); /* ARP reply, echo reply */
    for (size_t i = 0; i < nh_tx_count(n, 0); i++) {
        const struct nh_frame *t = nh_tx(n, 0, i);
        assert_true(t->len >= 60);
        assert_true(get_be16(t->data + 12) >= 0x0600);
    }
    const struct nh_frame *arp = nh_tx(n, 0, 0);
    assert_int_equal(get_be16(arp->data + 12), ETH_TYPE_ARP);
    const struct nh_frame *rep = nh_tx(n, 0, 1);
    assert_memory_equal(rep->data, PEER_MAC, 6);
    assert_memory_equal(rep->data + 6, MY_MAC, 6);
    assert_int_equal(get_be16(rep->data + 12), ETH_TYPE_IPV4);
    assert_int_equal(rep->data[14], 0x45);                 /* header first, no trailer */
    assert_int_equal(rep->data[14 + 20], ICMP_ECHO_REPLY); /* then ICMP */
    assert_memory_equal(rep->data + 14 + 28, "rfc894!!", 8);
    assert_int_equal(ust_stack_stats(st)->icmp.OutEchoReps, 1);

    /* The same datagram with a trailer EtherType (0x1001) is not taken. */
    nh_tx_clear(n, 0);
    flen = echo_frame(f, sizeof(f), 0x1001);
    nh_inject(n, 0, f, flen);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(ust_stack_stats(st)->link.rx_unknown_type, 1);
    assert_int_equal(ust_stack_stats(st)->icmp.InEchos, 1);
    nh_net_free(n);
}

/* LINK-5 (2.3.2.1): the ARP cache timeout is configurable. With
 * arp_reachable_time 5 s and arp_stale_time 7 s a learnt entry turns STALE
 * at exactly 5 s and is flushed at exactly 12 s (defaults: 30 s + 60 s). */
static void test_arp_timeout_configurable(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.arp_reachable_time = 5 * UST_SEC;
    cfg.arp_stale_time = 7 * UST_SEC;
    struct ust_stack *st;
    struct nh_net *n = setup(&cfg, &st);
    learn_peer(n);
    struct arp_entry *e = arp_lookup(st, PEER);
    assert_non_null(e);
    assert_int_equal(e->state, ARP_REACHABLE);
    nh_run_until(n, 5 * UST_SEC - 1);
    assert_int_equal(arp_lookup(st, PEER)->state, ARP_REACHABLE);
    nh_run_until(n, 5 * UST_SEC);
    assert_int_equal(arp_lookup(st, PEER)->state, ARP_STALE);
    nh_run_until(n, 12 * UST_SEC - 1);
    assert_non_null(arp_lookup(st, PEER));
    nh_run_until(n, 12 * UST_SEC);
    assert_null(arp_lookup(st, PEER));
    nh_net_free(n);
}

/* LINK-15 (2.4): a missing ARP cache entry is not a Destination
 * Unreachable. A UDP datagram to an on-link address with no cache entry is
 * accepted (sendto returns its length), waits for resolution while a
 * request goes out, and the socket sees no error; no ICMP is generated. */
static void test_arp_miss_is_not_unreachable(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9),
                             .sin_addr.s_addr = htonl(GHOST)};
    assert_int_equal(ust_connect(st, fd, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(ust_send(st, fd, "hello", 5, 0), 5);
    assert_int_equal(nh_tx_count(n, 0), 1);
    const struct nh_frame *f = nh_tx(n, 0, 0);
    struct arp_pkt a;
    assert_int_equal(get_be16(f->data + 12), ETH_TYPE_ARP);
    assert_int_equal(arp_parse(f->data + 14, f->len - 14, &a), 0);
    assert_int_equal(a.op, ARP_OP_REQUEST);
    assert_int_equal(a.tpa, GHOST);
    int err = -1;
    socklen_t el = sizeof(err);
    assert_int_equal(ust_getsockopt(st, fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    assert_int_equal(err, 0);
    /* A second datagram while resolving is also accepted, no new request
     * inside the retry interval. */
    assert_int_equal(ust_send(st, fd, "again", 5, 0), 5);
    assert_int_equal(nh_tx_count(n, 0), 1);
    assert_int_equal(ust_stack_stats(st)->icmp.OutMsgs, 0);
    assert_int_equal(ust_stack_stats(st)->udp.OutDatagrams, 2);
    assert_int_equal(ust_stack_stats(st)->udp.OutErrors, 0);
    ust_close(st, fd);
    nh_net_free(n);
}

/* LINK-14 (2.4): the IP send interface to the link layer includes the TOS.
 * The link layer receives the finished datagram, whose header carries the
 * TOS the transport asked for (here IP_TOS 0xb8): the frame holds it at
 * byte 14 + 1 with the checksum still valid. */
static void test_tos_reaches_link_layer(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    learn_peer(n);
    nh_tx_clear(n, 0);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    int tos = 0xb8;
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)), 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9),
                             .sin_addr.s_addr = htonl(PEER)};
    assert_int_equal(ust_sendto(st, fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    assert_int_equal(nh_tx_count(n, 0), 1);
    const struct nh_frame *f = nh_tx(n, 0, 0);
    assert_int_equal(get_be16(f->data + 12), ETH_TYPE_IPV4);
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(f->data + 14, f->len - 14, true, &h), 0);
    assert_int_equal(f->data[15], 0xb8);
    assert_int_equal(h.tos, 0xb8);
    ust_close(st, fd);
    nh_net_free(n);
}

/* LINK-8 (2.3.3): RFC 1042 framing is received mixed with RFC 894: an echo
 * request in an 802.3 frame (length field) with LLC/SNAP (AA AA 03, OUI 0,
 * type 0x0800) is answered, in Ethernet II framing (LINK-9: never sent).
 * Other 802.2 frames (an STP BPDU, SAP 0x42) and an 802.3 length longer
 * than the frame are dropped and counted (rx_unknown_type). */
static void test_rfc1042_snap_frames_received(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    learn_peer(n);
    nh_tx_clear(n, 0);
    uint8_t icmp[32], d[80], f[128];
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00070002,
                                (const uint8_t *)"rfc1042!", 8);
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .ttl = 64, .id = 10};
    const uint8_t snap[8] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};
    memcpy(d, snap, 8);
    size_t dlen = 8 + nh_build_ipv4(d + 8, sizeof(d) - 8, &ip, icmp, ilen);
    nh_inject(n, 0, f, nh_build_eth(f, sizeof(f), MY_MAC, PEER_MAC, (uint16_t)dlen, d, dlen));
    assert_int_equal(nh_tx_count(n, 0), 1);
    const struct nh_frame *rep = nh_tx(n, 0, 0);
    assert_int_equal(get_be16(rep->data + 12), ETH_TYPE_IPV4);
    assert_int_equal(rep->data[14 + 20], ICMP_ECHO_REPLY);
    assert_memory_equal(rep->data + 14 + 28, "rfc1042!", 8);
    const struct ust_link_stats *ls = &ust_stack_stats(st)->link;
    uint64_t unknown = ls->rx_unknown_type;
    d[0] = d[1] = 0x42; /* STP */
    nh_inject(n, 0, f, nh_build_eth(f, sizeof(f), MY_MAC, PEER_MAC, (uint16_t)dlen, d, dlen));
    d[0] = d[1] = 0xaa;
    nh_inject(n, 0, f, nh_build_eth(f, sizeof(f), MY_MAC, PEER_MAC, (uint16_t)(dlen + 40), d,
                                    dlen));
    assert_int_equal(ls->rx_unknown_type, unknown + 2);
    assert_int_equal(nh_tx_count(n, 0), 1);
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_ethernet_ii_framing_sent),
        cmocka_unit_test(test_arp_timeout_configurable),
        cmocka_unit_test(test_arp_miss_is_not_unreachable),
        cmocka_unit_test(test_tos_reaches_link_layer),
        cmocka_unit_test(test_rfc1042_snap_frames_received),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
