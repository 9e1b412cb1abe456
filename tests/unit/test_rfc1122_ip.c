/* RFC 1122 section 3 (IP) conformance tests: the rows of the Section 3.5
 * summary that no other test proves directly. Each test names its row IDs
 * (docs/conformance.md, from rfc1122-requirements.md) and the RFC section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "core/stack_impl.h"
#include "net/net.h"
#include "wire/csum.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"
#include "wire/wbuf.h"

#define ME UST_IP4(203, 0, 113, 1)
#define PEER UST_IP4(203, 0, 113, 2)
#define FAR UST_IP4(198, 51, 100, 9)

/* One stack with an IP-only link (no ARP): 203.0.113.1/24 on port 0. */
static struct nh_net *setup_ip(const struct ust_config *cfg, struct ust_stack **st, unsigned mtu)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, cfg);
    assert_int_equal(nh_port_new(n, *st, NH_NO_WIRE, UST_LINK_IP, 1, mtu), 0);
    assert_int_equal(ust_iface_add(*st, nh_dev(n, 0), ME, 24), 0);
    return n;
}

/* An echo request PEER -> dst with the given TTL and IP options. */
static size_t echo_request(uint8_t *buf, size_t cap, ust_ip4_t dst, uint8_t ttl,
                           const uint8_t *opts, uint8_t opt_len)
{
    uint8_t icmp[32];
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00420001,
                                (const uint8_t *)"options!", 8);
    struct nh_ip ip = {.src = PEER, .dst = dst, .proto = IPV4_PROTO_ICMP, .ttl = ttl, .id = 5,
                       .opts = opts, .opt_len = opt_len};
    return nh_build_ipv4(buf, cap, &ip, icmp, ilen);
}

/* Transmitted datagram i on port 0 of an IP-only link, checked and parsed. */
static const uint8_t *tx_ip(struct nh_net *n, size_t i, struct ipv4_hdr *h)
{
    const struct nh_frame *f = nh_tx(n, 0, i);
    assert_int_equal(ipv4_parse(f->data, f->len, true, h), 0);
    return f->data;
}

/* IP-22 (3.2.1.7): a host MUST NOT discard a datagram just because it was
 * received with a TTL below 2. Echo requests to us with TTL 1 and TTL 0
 * are both answered (the reply with the default TTL 64). */
static void test_low_ttl_delivered(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(NULL, &st, 1500);
    uint8_t d[128];
    for (uint8_t ttl = 0; ttl <= 1; ttl++) {
        size_t len = echo_request(d, sizeof(d), ME, ttl, NULL, 0);
        /* nh_build_ipv4 turns TTL 0 into 64: set it by hand, re-checksum. */
        d[8] = ttl;
        put_be16(d + 10, 0);
        put_be16(d + 10, csum_buf(d, 20));
        nh_inject(n, 0, d, len);
    }
    assert_int_equal(nh_tx_count(n, 0), 2);
    struct ipv4_hdr h;
    for (size_t i = 0; i < 2; i++) {
        const uint8_t *r = tx_ip(n, i, &h);
        assert_int_equal(r[20], ICMP_ECHO_REPLY);
        assert_int_equal(h.ttl, 64);
        assert_int_equal(h.dst, PEER);
    }
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.InDelivers, 2);
    assert_int_equal(s->ip.InHdrErrors, 0);
    assert_int_equal(s->icmp.OutEchoReps, 2);
    nh_net_free(n);
}

/* IP-24 (3.2.1.7): the default TTL is configurable (cfg.ip_default_ttl):
 * with 99 configured, an echo reply and a UDP datagram leave with TTL 99.
 * IP-21 (same section, for the API): IP_TTL 0 is refused with EINVAL. */
static void test_default_ttl_configurable(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    assert_int_equal(cfg.ip_default_ttl, 64);
    cfg.ip_default_ttl = 99;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&cfg, &st, 1500);
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), ME, 64, NULL, 0);
    nh_inject(n, 0, d, len);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7),
                             .sin_addr.s_addr = htonl(PEER)};
    assert_int_equal(ust_sendto(st, fd, "t", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    int zero = 0;
    errno = 0;
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_TTL, &zero, sizeof(zero)), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(nh_tx_count(n, 0), 2);
    struct ipv4_hdr h;
    tx_ip(n, 0, &h);
    assert_int_equal(h.proto, IPV4_PROTO_ICMP);
    assert_int_equal(h.ttl, 99);
    tx_ip(n, 1, &h);
    assert_int_equal(h.proto, IPV4_PROTO_UDP);
    assert_int_equal(h.ttl, 99);
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-27 (3.2.1.8): options IP does not know are ignored silently. An echo
 * request carrying an unassigned option (type 30, length 4) is answered
 * exactly like one without options; no ICMP error, no bad-option count. */
static void test_unknown_option_ignored(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(NULL, &st, 1500);
    const uint8_t opt[4] = {30, 4, 0xab, 0xcd};
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), ME, 64, opt, 4);
    assert_int_equal(d[0], 0x46);
    nh_inject(n, 0, d, len);
    assert_int_equal(nh_tx_count(n, 0), 1);
    struct ipv4_hdr h;
    const uint8_t *r = tx_ip(n, 0, &h);
    assert_int_equal(h.hdr_len, 20);
    assert_int_equal(r[20], ICMP_ECHO_REPLY);
    assert_memory_equal(r + 28, "options!", 8);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.InBadOptions, 0);
    assert_int_equal(s->icmp.OutDestUnreachs, 0);
    assert_int_equal(s->icmp.OutEchoReps, 1);
    nh_net_free(n);
}

/* IP-30 (3.2.1.8b): a received Stream Identifier option (type 136, length
 * 4) is ignored silently: the datagram is delivered and answered. */
static void test_stream_id_option_ignored(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(NULL, &st, 1500);
    const uint8_t sid[4] = {136, 4, 0x12, 0x34};
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), ME, 64, sid, 4);
    nh_inject(n, 0, d, len);
    assert_int_equal(nh_tx_count(n, 0), 1);
    struct ipv4_hdr h;
    const uint8_t *r = tx_ip(n, 0, &h);
    assert_int_equal(r[20], ICMP_ECHO_REPLY);
    assert_int_equal(ust_stack_stats(st)->ip.InBadOptions, 0);
    assert_int_equal(ust_stack_stats(st)->ip.InDelivers, 1);
    nh_net_free(n);
}

/* IP-36 (3.2.1.8c): never more than one source-route option in a header.
 * The stack originates no IP options at all: UDP datagrams, echo replies
 * and ICMP errors all leave with a 20-byte header (IHL 5). */
static void test_no_options_originated(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(NULL, &st, 1500);
    const uint8_t sid[4] = {136, 4, 0, 1};
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), ME, 64, sid, 4);
    nh_inject(n, 0, d, len);
    /* Unknown protocol 99 with options: protocol unreachable. */
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = 99, .opts = sid, .opt_len = 4};
    uint8_t pl[8] = {0};
    len = nh_build_ipv4(d, sizeof(d), &ip, pl, sizeof(pl));
    nh_inject(n, 0, d, len);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7),
                             .sin_addr.s_addr = htonl(PEER)};
    assert_int_equal(ust_sendto(st, fd, "u", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    assert_int_equal(nh_tx_count(n, 0), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(nh_tx(n, 0, i)->data[0], 0x45);
    assert_int_equal(ust_stack_stats(st)->icmp.OutDestUnreachs, 1);
    ust_close(st, fd);
    nh_net_free(n);
}

/* Target address of ARP request frame i on port 0. */
static ust_ip4_t arp_target(struct nh_net *n, size_t i)
{
    const struct nh_frame *f = nh_tx(n, 0, i);
    struct arp_pkt a;
    assert_int_equal(get_be16(f->data + 12), ETH_TYPE_ARP);
    assert_int_equal(arp_parse(f->data + 14, f->len - 14, &a), 0);
    assert_int_equal(a.op, ARP_OP_REQUEST);
    return a.tpa;
}

static void udp_send(struct ust_stack *st, int fd, ust_ip4_t dst, int expect)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7),
                             .sin_addr.s_addr = htonl(dst)};
    assert_int_equal(ust_sendto(st, fd, "m", 1, 0, (struct sockaddr *)&to, sizeof(to)), expect);
}

/* IP-21 (3.2.1.7): a host MUST NOT send a datagram with TTL 0. A
 * configured default TTL of 0 is replaced by 64 in ust_stack_new (the
 * stack's config says 64 and an echo reply leaves with TTL 64); IP_TTL 0
 * on a UDP socket is refused with EINVAL (Linux), and a datagram sent
 * after the refusal still carries 64. */
static void test_ttl_zero_never_sent(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ip_default_ttl = 0;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&cfg, &st, 1500);
    assert_int_equal(ust_stack_config(st)->ip_default_ttl, 64);
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), ME, 64, NULL, 0);
    nh_inject(n, 0, d, len);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int zero = 0;
    errno = 0;
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_TTL, &zero, sizeof(zero)), -1);
    assert_int_equal(errno, EINVAL);
    udp_send(st, fd, PEER, 1);
    assert_int_equal(nh_tx_count(n, 0), 2);
    struct ipv4_hdr h;
    for (size_t i = 0; i < 2; i++) {
        const uint8_t *r = tx_ip(n, i, &h);
        assert_int_equal(r[8], 64);
    }
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-12, IP-37 (3.2.1.3, 3.3.1.1) and ICMP-47 (3.2.2.9): the statically
 * configured subnet mask decides local vs remote. On 203.0.113.1/26,
 * 203.0.113.10 is on-link (ARP for it); 203.0.113.70 is in the same class C
 * network but another subnet, so it goes to the gateway (ARP for .62).
 * IP-41 (3.3.1.2): with no more specific route, the default gateway is
 * used (198.51.100.9 also waits on the ARP for .62; no new request). */
static void test_subnet_mask_decides_next_hop(void **state)
{
    (void)state;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    assert_int_equal(nh_host(n, st, NH_NO_WIRE, 1, ME, 26, 1500), 0);
    assert_int_equal(ust_route_default(st, UST_IP4(203, 0, 113, 62)), 0);
    nh_tx_clear(n, 0);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    udp_send(st, fd, UST_IP4(203, 0, 113, 10), 1);
    udp_send(st, fd, UST_IP4(203, 0, 113, 70), 1);
    udp_send(st, fd, FAR, 1);
    assert_int_equal(nh_tx_count(n, 0), 2);
    assert_int_equal(arp_target(n, 0), UST_IP4(203, 0, 113, 10));
    assert_int_equal(arp_target(n, 1), UST_IP4(203, 0, 113, 62));
    assert_int_equal(ust_stack_stats(st)->udp.OutDatagrams, 3);
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-38 (3.3.1.1): the host works with no gateway at all: an on-link
 * destination is resolved and reached directly; an off-link one fails
 * at once with ENETUNREACH (no route) and nothing is sent for it. */
static void test_works_without_gateway(void **state)
{
    (void)state;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    assert_int_equal(nh_host(n, st, NH_NO_WIRE, 1, ME, 24, 1500), 0);
    nh_tx_clear(n, 0);
    /* PEER introduces itself, so the on-link send goes straight out. */
    uint8_t f[64];
    const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, zero[6] = {0};
    const uint8_t pmac[6] = {0x02, 0, 0, 0, 0, 0x02};
    size_t fl = nh_build_arp(f, sizeof(f), ARP_OP_REQUEST, bc, pmac, PEER, zero, ME);
    nh_inject(n, 0, f, fl);
    nh_tx_clear(n, 0);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    udp_send(st, fd, PEER, 1);
    errno = 0;
    udp_send(st, fd, FAR, -1);
    assert_int_equal(errno, ENETUNREACH);
    assert_int_equal(nh_tx_count(n, 0), 1);
    const struct nh_frame *t = nh_tx(n, 0, 0);
    assert_memory_equal(t->data, pmac, 6);
    assert_int_equal(get_be16(t->data + 12), ETH_TYPE_IPV4);
    assert_int_equal(get_be32(t->data + 14 + 16), PEER);
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-61 (3.3.3): MMS_S is made known to the transport layer:
 * ipv4_mtu_for() gives the largest transport message that leaves without
 * fragmentation: link MTU - 20, lowered by a path MTU learnt from ICMP,
 * and 65515 for our own addresses (loopback). */
static void test_mms_s_known_to_transport(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(NULL, &st, 1500);
    assert_int_equal(ust_route_default(st, PEER), 0);
    assert_int_equal(ipv4_mtu_for(st, PEER), 1480);
    assert_int_equal(ipv4_mtu_for(st, FAR), 1480);
    pmtu_update(st, FAR, 1000);
    assert_int_equal(ipv4_mtu_for(st, FAR), 980);
    assert_int_equal(ipv4_mtu_for(st, PEER), 1480);
    assert_int_equal(ipv4_mtu_for(st, ME), 65515);
    nh_net_free(n);
}

/* IP-58 (3.3.2): the transport layer can learn MMS_R, the largest
 * transport message this host reassembles: EMTU_R (65535) - 20 = 65515,
 * through ipv4_mms_r() and GET_MAXSIZES (3.4) = ust_ip_max_sizes(), which
 * also gives MMS_S for the destination (1480 on a 1500-byte link, 556 with
 * no route). */
static void test_mms_r_known_to_transport(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(NULL, &st, 1500);
    assert_int_equal(ipv4_mms_r(st), 65515);
    unsigned s = 0, r = 0;
    assert_int_equal(ust_ip_max_sizes(st, PEER, &s, &r), 0);
    assert_int_equal(s, 1480);
    assert_int_equal(r, 65515);
    assert_int_equal(ust_ip_max_sizes(st, FAR, &s, NULL), 0);
    assert_int_equal(s, 556);
    assert_int_equal(ust_ip_max_sizes(NULL, FAR, &s, &r), UST_ERR_INVAL);
    nh_net_free(n);
}

/* IP-49 (3.3.1.4): gateways are not pinged continuously. A host with a
 * default gateway and no traffic sends nothing at all in two hours of
 * (virtual) time. */
static void test_no_gateway_pinging(void **state)
{
    (void)state;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    assert_int_equal(nh_host(n, st, NH_NO_WIRE, 1, ME, 24, 1500), 0);
    assert_int_equal(ust_route_default(st, PEER), 0);
    nh_tx_clear(n, 0);
    nh_run_until(n, 2 * 3600 * UST_SEC);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(ust_stack_stats(st)->icmp.OutMsgs, 0);
    assert_int_equal(ust_stack_stats(st)->arp.out_requests, 0);
    nh_net_free(n);
}

/* IP-5, IP-6, IP-7 (3.1): the gateway function has a switch, off by
 * default, and two interfaces do not turn it on. A host on 203.0.113.1/24
 * and 198.51.100.1/24 receives a datagram for 198.51.100.9 on the first:
 * it is dropped (InAddrErrors), nothing leaves the second interface. */
static void test_forwarding_off_with_two_interfaces(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    assert_false(cfg.ip_forwarding);
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    assert_int_equal(nh_port_new(n, st, NH_NO_WIRE, UST_LINK_IP, 1, 1500), 0);
    assert_int_equal(nh_port_new(n, st, NH_NO_WIRE, UST_LINK_IP, 2, 1500), 1);
    assert_int_equal(ust_iface_add(st, nh_dev(n, 0), ME, 24), 0);
    assert_int_equal(ust_iface_add(st, nh_dev(n, 1), UST_IP4(198, 51, 100, 1), 24), 1);
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), FAR, 64, NULL, 0);
    nh_inject(n, 0, d, len);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(nh_tx_count(n, 1), 0);
    assert_int_equal(ust_stack_stats(st)->ip.ForwDatagrams, 0);
    assert_int_equal(ust_stack_stats(st)->ip.InAddrErrors, 1);
    /* The switch exists: turned on, the same datagram is forwarded. */
    ust_stack_set_forwarding(st, true);
    nh_inject(n, 0, d, len);
    assert_int_equal(nh_tx_count(n, 1), 1);
    assert_int_equal(ust_stack_stats(st)->ip.ForwDatagrams, 1);
    struct ipv4_hdr h;
    const struct nh_frame *f = nh_tx(n, 1, 0);
    assert_int_equal(ipv4_parse(f->data, f->len, true, &h), 0);
    assert_int_equal(h.dst, FAR);
    assert_int_equal(h.ttl, 63);
    nh_net_free(n);
}

/* IP-84 (3.3.6), the forms this stack recognises: a wildcard UDP socket
 * receives datagrams sent to the limited broadcast 255.255.255.255 and to
 * the subnet-directed broadcast 203.0.113.255 of its /24. */
static void test_broadcast_forms_recognised(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(NULL, &st, 1500);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(5000)};
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&any, sizeof(any)), 0);
    const ust_ip4_t dsts[] = {0xffffffffu, UST_IP4(203, 0, 113, 255)};
    for (size_t i = 0; i < 2; i++) {
        uint8_t seg[16], d[64];
        memcpy(seg + UDP_HDR_LEN, i ? "d!" : "l!", 2);
        udp_emit(4000, 5000, PEER, dsts[i], seg, UDP_HDR_LEN + 2, 2);
        struct nh_ip ip = {.src = PEER, .dst = dsts[i], .proto = IPV4_PROTO_UDP};
        size_t len = nh_build_ipv4(d, sizeof(d), &ip, seg, UDP_HDR_LEN + 2);
        nh_inject(n, 0, d, len);
    }
    char buf[8];
    assert_int_equal(ust_recv(st, fd, buf, sizeof(buf), 0), 2);
    assert_memory_equal(buf, "l!", 2);
    assert_int_equal(ust_recv(st, fd, buf, sizeof(buf), 0), 2);
    assert_memory_equal(buf, "d!", 2);
    assert_int_equal(nh_tx_count(n, 0), 0);
    ust_close(st, fd);
    nh_net_free(n);
}

/* A datagram src:4000 -> dst:5000 with payload msg, injected on port. */
static void inject_udp5000(struct nh_net *n, int port, ust_ip4_t src, ust_ip4_t dst,
                           const char *msg)
{
    uint8_t seg[32], d[64];
    size_t len = strlen(msg);
    memcpy(seg + UDP_HDR_LEN, msg, len);
    udp_emit(4000, 5000, src, dst, seg, UDP_HDR_LEN + len, len);
    struct nh_ip ip = {.src = src, .dst = dst, .proto = IPV4_PROTO_UDP};
    nh_inject(n, port, d, nh_build_ipv4(d, sizeof(d), &ip, seg, UDP_HDR_LEN + len));
}

/* IP-84 (3.3.6): every broadcast form is recognised on input. On
 * 203.0.113.1/26 (a subnet of the class C network 203.0.113.0): the
 * subnet-directed {net, subnet, -1} 203.0.113.63 and the network-directed /
 * all-subnets {net, -1} = {net, -1, -1} 203.0.113.255 both reach a wildcard
 * socket as broadcasts: IP_PKTINFO's specific destination is the interface
 * address, not the header's (3.3.4.2). Under CIDR the classful form only
 * counts when the prefix subdivides the class: on 198.51.100.1/23,
 * 198.51.100.255 is an ordinary address of another host (dropped as not
 * ours, InAddrErrors). */
static void test_classful_broadcast_forms_recognised(void **state)
{
    (void)state;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    assert_int_equal(nh_port_new(n, st, NH_NO_WIRE, UST_LINK_IP, 1, 1500), 0);
    assert_int_equal(nh_port_new(n, st, NH_NO_WIRE, UST_LINK_IP, 2, 1500), 1);
    assert_int_equal(ust_iface_add(st, nh_dev(n, 0), ME, 26), 0);
    assert_int_equal(ust_iface_add(st, nh_dev(n, 1), UST_IP4(198, 51, 100, 1), 23), 1);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(5000)};
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&any, sizeof(any)), 0);
    int one = 1;
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)), 0);
    inject_udp5000(n, 0, UST_IP4(203, 0, 113, 2), UST_IP4(203, 0, 113, 63), "sub");
    inject_udp5000(n, 0, UST_IP4(203, 0, 113, 2), UST_IP4(203, 0, 113, 255), "net");
    inject_udp5000(n, 1, UST_IP4(198, 51, 100, 2), UST_IP4(198, 51, 100, 255), "cidr");
    const char *want[2] = {"sub", "net"};
    for (int i = 0; i < 2; i++) {
        char buf[8];
        uint8_t ctl[64];
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                           .msg_controllen = sizeof(ctl)};
        assert_int_equal(ust_recvmsg(st, fd, &m, 0), 3);
        assert_memory_equal(buf, want[i], 3);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        assert_non_null(c);
        assert_int_equal(c->cmsg_type, IP_PKTINFO);
        struct in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        assert_int_equal(ntohl(pi.ipi_spec_dst.s_addr), ME);
    }
    char buf[8];
    assert_int_equal(ust_recv(st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(ust_stack_stats(st)->udp.InDatagrams, 2);
    assert_int_equal(ust_stack_stats(st)->ip.InAddrErrors, 1);
    assert_int_equal(nh_tx_count(n, 0) + nh_tx_count(n, 1), 0);
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-81 (3.3.6): the non-standard 0 broadcast forms are accepted on input
 * too. On 203.0.113.70/26: {0, 0} 0.0.0.0, {net, subnet, 0} 203.0.113.64
 * and {net, 0} 203.0.113.0 reach a wildcard UDP socket as broadcasts (the
 * specific destination is the interface address); an echo request to
 * 203.0.113.64 is not answered (broadcast), and a datagram to an unbound
 * port draws no Port Unreachable. */
static void test_zero_broadcast_forms_accepted(void **state)
{
    (void)state;
    const ust_ip4_t me = UST_IP4(203, 0, 113, 70);
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    assert_int_equal(nh_port_new(n, st, NH_NO_WIRE, UST_LINK_IP, 1, 1500), 0);
    assert_int_equal(ust_iface_add(st, nh_dev(n, 0), me, 26), 0);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(5000)};
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&any, sizeof(any)), 0);
    int one = 1;
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)), 0);
    const ust_ip4_t dst[3] = {0, UST_IP4(203, 0, 113, 64), UST_IP4(203, 0, 113, 0)};
    const char *msg[3] = {"00", "s0", "n0"};
    for (int i = 0; i < 3; i++)
        inject_udp5000(n, 0, PEER, dst[i], msg[i]);
    for (int i = 0; i < 3; i++) {
        char buf[8];
        uint8_t ctl[64];
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                           .msg_controllen = sizeof(ctl)};
        assert_int_equal(ust_recvmsg(st, fd, &m, 0), 2);
        assert_memory_equal(buf, msg[i], 2);
        struct in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(pi));
        assert_int_equal(ntohl(pi.ipi_spec_dst.s_addr), me);
        assert_int_equal(ntohl(pi.ipi_addr.s_addr), dst[i]);
    }
    uint8_t d[128];
    nh_inject(n, 0, d, echo_request(d, sizeof(d), UST_IP4(203, 0, 113, 64), 64, NULL, 0));
    uint8_t seg[16];
    udp_emit(4000, 9, PEER, UST_IP4(203, 0, 113, 64), seg, UDP_HDR_LEN, 0);
    struct nh_ip ip = {.src = PEER, .dst = UST_IP4(203, 0, 113, 64), .proto = IPV4_PROTO_UDP};
    nh_inject(n, 0, d, nh_build_ipv4(d, sizeof(d), &ip, seg, UDP_HDR_LEN));
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(ust_stack_stats(st)->icmp.InEchos, 1);
    assert_int_equal(ust_stack_stats(st)->udp.NoPorts, 1);
    ust_close(st, fd);
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_low_ttl_delivered),
        cmocka_unit_test(test_default_ttl_configurable),
        cmocka_unit_test(test_unknown_option_ignored),
        cmocka_unit_test(test_stream_id_option_ignored),
        cmocka_unit_test(test_no_options_originated),
        cmocka_unit_test(test_subnet_mask_decides_next_hop),
        cmocka_unit_test(test_works_without_gateway),
        cmocka_unit_test(test_mms_s_known_to_transport),
        cmocka_unit_test(test_no_gateway_pinging),
        cmocka_unit_test(test_forwarding_off_with_two_interfaces),
        cmocka_unit_test(test_broadcast_forms_recognised),
        cmocka_unit_test(test_ttl_zero_never_sent),
        cmocka_unit_test(test_mms_r_known_to_transport),
        cmocka_unit_test(test_classful_broadcast_forms_recognised),
        cmocka_unit_test(test_zero_broadcast_forms_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
