/* IPv4 input validation (a counter per drop reason), address rules,
 * delivery, echo reply bytes, output (header, route, MTU/DF, size limit)
 * and local (loopback) delivery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "core/rand.h"
#include "core/stack_impl.h"
#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/wbuf.h"

#define ME UST_IP4(203, 0, 113, 1)
#define PEER UST_IP4(203, 0, 113, 2)
#define FAR UST_IP4(198, 51, 100, 9)

/* One stack with an IP-only link (no ARP): 203.0.113.1/24, port 0. */
static struct nh_net *setup_ip(struct ust_stack **st, unsigned mtu)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, NULL);
    int port = nh_port_new(n, *st, NH_NO_WIRE, UST_LINK_IP, 1, mtu);
    assert_int_equal(port, 0);
    assert_int_equal(ust_iface_add(*st, nh_dev(n, 0), ME, 24), 0);
    (*st)->net.next_id = 0x4242;
    return n;
}

static size_t echo_request(uint8_t *buf, size_t cap, ust_ip4_t src, ust_ip4_t dst)
{
    uint8_t icmp[64];
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x12340001,
                                (const uint8_t *)"ustack!!", 8);
    struct nh_ip ip = {.src = src, .dst = dst, .proto = IPV4_PROTO_ICMP, .id = 77};
    return nh_build_ipv4(buf, cap, &ip, icmp, ilen);
}

static void test_echo_reply_exact_bytes(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st, 1500);
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), PEER, ME);
    nh_inject(n, 0, d, len);
    static const uint8_t expect[] = {
        0x45, 0x00, 0x00, 0x24, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01, 0xc0, 0x92, 0xcb, 0x00,
        0x71, 0x01, 0xcb, 0x00, 0x71, 0x02, 0x00, 0x00, 0x7f, 0x69, 0x12, 0x34, 0x00, 0x01,
        0x75, 0x73, 0x74, 0x61, 0x63, 0x6b, 0x21, 0x21};
    assert_int_equal(nh_tx_count(n, 0), 1);
    assert_int_equal(nh_tx(n, 0, 0)->len, sizeof(expect));
    assert_memory_equal(nh_tx(n, 0, 0)->data, expect, sizeof(expect));
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.InReceives, 1);
    assert_int_equal(s->ip.InDelivers, 1);
    assert_int_equal(s->icmp.InMsgs, 1);
    assert_int_equal(s->icmp.InEchos, 1);
    assert_int_equal(s->icmp.OutEchoReps, 1);
    assert_int_equal(s->ip.OutRequests, 1);
    nh_net_free(n);
}

static void test_malformed_headers_counted(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st, 1500);
    uint8_t good[128], d[128];
    size_t len = echo_request(good, sizeof(good), PEER, ME);
    /* truncated below 20 bytes */
    nh_inject(n, 0, good, 19);
    /* total length beyond the buffer */
    nh_inject(n, 0, good, len - 1);
    /* version 5 (6 is IPv6's on an IP-only link: dispatched there) */
    memcpy(d, good, len);
    d[0] = 0x55;
    nh_inject(n, 0, d, len);
    /* IHL 4 */
    memcpy(d, good, len);
    d[0] = 0x44;
    nh_inject(n, 0, d, len);
    /* total length < header length */
    memcpy(d, good, len);
    put_be16(d + 2, 16);
    nh_inject(n, 0, d, len);
    /* checksum */
    memcpy(d, good, len);
    d[10] ^= 0x01;
    nh_inject(n, 0, d, len);
    /* option with length 0 (checksum correct) */
    static const uint8_t bad_opt[4] = {0x44, 0x00, 0x00, 0x00};
    uint8_t icmp[16];
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 1, NULL, 0);
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .opts = bad_opt,
                       .opt_len = 4};
    size_t olen = nh_build_ipv4(d, sizeof(d), &ip, icmp, ilen);
    nh_inject(n, 0, d, olen);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.InReceives, 7);
    assert_int_equal(s->ip.InTruncatedPkts, 2);
    assert_int_equal(s->ip.InHdrErrors, 3);
    assert_int_equal(s->ip.InCsumErrors, 1);
    assert_int_equal(s->ip.InBadOptions, 1);
    assert_int_equal(s->ip.InDelivers, 0);
    /* Only the bad option is answered: Parameter Problem pointing at its
     * length octet (RFC 1122 3.2.2.5), quoting the datagram. */
    assert_int_equal(nh_tx_count(n, 0), 1);
    const uint8_t *pp = nh_tx(n, 0, 0)->data;
    assert_int_equal(pp[20], ICMP_PARAM_PROBLEM);
    assert_int_equal(pp[21], 0);
    assert_int_equal(pp[24], 21);
    assert_memory_equal(pp + 28, d, 24);
    /* And the good one still works (also with 30 bytes of trailing junk). */
    memcpy(d, good, len);
    memset(d + len, 0xee, 30);
    nh_inject(n, 0, d, len + 30);
    assert_int_equal(s->ip.InDelivers, 1);
    assert_int_equal(nh_tx_count(n, 0), 2);
    assert_int_equal(nh_tx(n, 0, 1)->len, len);
    nh_net_free(n);
}

static void test_bad_sources_and_destinations(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st, 1500);
    const ust_ip4_t bad_src[] = {0, UST_IP4(127, 0, 0, 1), 0xffffffffu, UST_IP4(224, 0, 0, 1),
                                 UST_IP4(203, 0, 113, 255), UST_IP4(240, 0, 0, 1), ME};
    uint8_t d[128];
    for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
        size_t len = echo_request(d, sizeof(d), bad_src[i], ME);
        nh_inject(n, 0, d, len);
    }
    /* (0.0.0.0 is a broadcast form on input, RFC 1122 3.3.6: not here.) */
    /* 239.1.2.3: a group not joined (224.0.0.1 is always joined). */
    const ust_ip4_t bad_dst[] = {FAR, UST_IP4(127, 0, 0, 1), UST_IP4(239, 1, 2, 3)};
    for (size_t i = 0; i < sizeof(bad_dst) / sizeof(bad_dst[0]); i++) {
        size_t len = echo_request(d, sizeof(d), PEER, bad_dst[i]);
        nh_inject(n, 0, d, len);
    }
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.InAddrErrors, 10);
    assert_int_equal(s->ip.InDelivers, 0);
    assert_int_equal(s->ip.ForwDatagrams, 0);
    assert_int_equal(nh_tx_count(n, 0), 0);
    nh_net_free(n);
}

static void test_broadcast_echo_ignored(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st, 1500);
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), PEER, UST_IP4(203, 0, 113, 255));
    nh_inject(n, 0, d, len);
    len = echo_request(d, sizeof(d), PEER, 0xffffffffu);
    nh_inject(n, 0, d, len);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.InDelivers, 2);
    assert_int_equal(s->icmp.InEchos, 2);
    assert_int_equal(s->icmp.OutEchoReps, 0);
    assert_int_equal(nh_tx_count(n, 0), 0);
    nh_net_free(n);
}

static void test_ethernet_padding_and_link_broadcast(void **state)
{
    (void)state;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    assert_int_equal(nh_host(n, st, NH_NO_WIRE, 1, ME, 24, 1500), 0);
    const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 1}, mac2[6] = {0x02, 0, 0, 0, 0, 2};
    const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    /* A 28-byte datagram travels in a padded 60-byte frame. */
    uint8_t icmp[16], d[64], f[128];
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00010002, NULL, 0);
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP};
    size_t dlen = nh_build_ipv4(d, sizeof(d), &ip, icmp, ilen);
    assert_int_equal(dlen, 28);
    size_t flen = nh_build_eth(f, sizeof(f), mac1, mac2, ETH_TYPE_IPV4, d, dlen);
    assert_int_equal(flen, 60);
    nh_tx_clear(n, 0);
    nh_inject(n, 0, f, flen);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->icmp.InEchos, 1);
    assert_int_equal(s->icmp.InErrors, 0);
    assert_int_equal(s->icmp.OutEchoReps, 1);
    /* The same datagram as a link broadcast: dropped (RFC 1122 3.3.6). */
    flen = nh_build_eth(f, sizeof(f), bcast, mac2, ETH_TYPE_IPV4, d, dlen);
    nh_inject(n, 0, f, flen);
    assert_int_equal(s->icmp.InEchos, 1);
    assert_int_equal(s->ip.InAddrErrors, 1);
    nh_net_free(n);
}

static void test_unknown_protocol_unreachable(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st, 1500);
    uint8_t payload[40], d[128];
    for (int i = 0; i < 40; i++)
        payload[i] = (uint8_t)i;
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = 99, .id = 5};
    size_t len = nh_build_ipv4(d, sizeof(d), &ip, payload, sizeof(payload));
    nh_inject(n, 0, d, len);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.InUnknownProtos, 1);
    assert_int_equal(nh_tx_count(n, 0), 1);
    const struct nh_frame *f = nh_tx(n, 0, 0);
    struct ipv4_hdr h;
    struct icmp_hdr ic;
    assert_int_equal(ipv4_parse(f->data, f->len, true, &h), 0);
    assert_int_equal(h.src, ME);
    assert_int_equal(h.dst, PEER);
    assert_int_equal(h.proto, IPV4_PROTO_ICMP);
    assert_int_equal(h.total_len, 20 + 8 + len);
    assert_int_equal(icmp_parse(f->data + 20, f->len - 20, true, &ic), 0);
    assert_int_equal(ic.type, ICMP_DEST_UNREACH);
    assert_int_equal(ic.code, ICMP_UNREACH_PROTO);
    assert_int_equal(ic.rest, 0);
    assert_memory_equal(f->data + 28, d, len); /* the whole datagram is quoted */
    assert_int_equal(s->icmp.OutDestUnreachs, 1);
    nh_net_free(n);
}

static void test_output_header_route_and_limits(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st, 1500);
    struct pkt *p = pkt_alloc(PKT_HEADROOM, 10);
    memset(p->data, 0xab, 10);
    struct ipv4_out o = {.dst = PEER, .proto = 253, .ttl = 0, .tos = 0x10, .df = true};
    assert_int_equal(ipv4_output(st, &o, p), UST_OK);
    static const uint8_t expect[20] = {0x45, 0x10, 0x00, 0x1e, 0x42, 0x42, 0x40, 0x00, 0x40, 0xfd,
                                       0, 0, 0xcb, 0x00, 0x71, 0x01, 0xcb, 0x00, 0x71, 0x02};
    const struct nh_frame *f = nh_tx(n, 0, 0);
    assert_int_equal(f->len, 30);
    assert_memory_equal(f->data, expect, 10);
    assert_memory_equal(f->data + 12, expect + 12, 8);
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(f->data, f->len, true, &h), 0);
    /* Explicit source and TTL; the next datagram gets the next id. */
    nh_port_new(n, st, NH_NO_WIRE, UST_LINK_IP, 2, 1500);
    assert_int_equal(ust_iface_add(st, nh_dev(n, 1), UST_IP4(198, 51, 100, 50), 32), 1);
    p = pkt_alloc(PKT_HEADROOM, 0);
    o = (struct ipv4_out){.src = UST_IP4(198, 51, 100, 50), .dst = PEER, .proto = 253, .ttl = 3};
    assert_int_equal(ipv4_output(st, &o, p), UST_OK);
    assert_int_equal(ipv4_parse(nh_tx(n, 0, 1)->data, nh_tx(n, 0, 1)->len, true, &h), 0);
    assert_int_equal(h.id, 0x4243);
    assert_int_equal(h.ttl, 3);
    assert_int_equal(h.src, UST_IP4(198, 51, 100, 50));
    /* A source that is not ours is refused (RFC 1122 3.2.1.3). */
    o.src = UST_IP4(203, 0, 113, 50);
    assert_int_equal(ipv4_output(st, &o, pkt_alloc(PKT_HEADROOM, 0)), UST_ERR_ADDRNOTAVAIL);
    /* No route. */
    o = (struct ipv4_out){.dst = FAR, .proto = 253};
    assert_int_equal(ipv4_output(st, &o, pkt_alloc(PKT_HEADROOM, 4)), UST_ERR_NOROUTE);
    assert_int_equal(ust_stack_stats(st)->ip.OutNoRoutes, 1);
    assert_int_equal(ipv4_source_for(st, FAR), 0);
    /* Over 65535 in total. */
    o = (struct ipv4_out){.dst = PEER, .proto = 253};
    assert_int_equal(ipv4_output(st, &o, pkt_alloc(PKT_HEADROOM, 65516)), UST_ERR_MSGSIZE);
    /* Over the MTU with DF. */
    o.df = true;
    assert_int_equal(ipv4_output(st, &o, pkt_alloc(PKT_HEADROOM, 1481)), UST_ERR_MSGSIZE);
    assert_int_equal(ust_stack_stats(st)->ip.FragFails, 1);
    assert_int_equal(ipv4_output(st, &o, pkt_alloc(PKT_HEADROOM, 1480)), UST_OK);
    assert_int_equal(nh_tx_count(n, 0), 3);
    assert_int_equal(ipv4_mtu_for(st, PEER), 1480);
    assert_int_equal(ipv4_source_for(st, PEER), ME);
    nh_net_free(n);
}

static void test_loopback_ping_own_address(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st, 1500);
    struct nh_pings pings = {0};
    ust_ping_set_handler(st, nh_ping_collect, &pings);
    n->now = 5 * UST_SEC;
    assert_int_equal(ust_ping_send(st, ME, 9, 1, 100, 0), 0);
    assert_int_equal(ust_ping_send(st, UST_IP4(127, 0, 0, 1), 9, 2, 3000, 0), 0);
    assert_int_equal(pings.n, 0); /* never delivered from inside output */
    assert_int_equal(ust_stack_poll_at(st), 5 * UST_SEC);
    ust_stack_poll(st, n->now); /* requests in, replies queued */
    assert_int_equal(pings.n, 0);
    ust_stack_poll(st, n->now);
    assert_int_equal(pings.n, 2);
    assert_int_equal(pings.r[0].event, UST_PING_REPLY);
    assert_int_equal(pings.r[0].from, ME);
    assert_int_equal(pings.r[0].seq, 1);
    assert_int_equal(pings.r[0].len, 100);
    assert_true(pings.r[0].payload_ok);
    assert_int_equal(pings.r[1].from, UST_IP4(127, 0, 0, 1));
    assert_int_equal(pings.r[1].len, 3000);
    assert_true(pings.r[1].payload_ok);
    assert_int_equal(ust_stack_poll_at(st), UST_TIME_NEVER);
    assert_int_equal(nh_tx_count(n, 0), 0);
    nh_net_free(n);
}

static void test_no_interface_drops(void **state)
{
    (void)state;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    nh_port_new(n, st, NH_NO_WIRE, UST_LINK_IP, 1, 1500);
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), PEER, ME);
    nh_inject(n, 0, d, len);
    assert_int_equal(ust_stack_stats(st)->ip.InDiscards, 1);
    nh_net_free(n);
}

/* Hostile input: valid frames of every kind with random bytes changed and
 * random truncation, into a router with two Ethernet interfaces. Nothing
 * may crash or leak (ASan), and every table stays within its bounds. */
static void test_mutated_input_never_crashes(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ip_forwarding = true;
    cfg.arp_max_entries = 16;
    cfg.ip_reasm_max = 8;
    cfg.ip_reasm_mem_max = 16384;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, &cfg);
    nh_host(n, st, NH_NO_WIRE, 1, ME, 24, 1500);
    nh_host(n, st, NH_NO_WIRE, 2, UST_IP4(198, 51, 100, 1), 24, 576);
    const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 1}, peer[6] = {0x02, 0, 0, 0, 0, 9};
    const uint8_t zero[6] = {0}, bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t base[6][700];
    size_t blen[6];
    uint8_t pl[600], d[700];
    for (int i = 0; i < 600; i++)
        pl[i] = (uint8_t)i;
    blen[0] = nh_build_arp(base[0], 700, 1, bcast, peer, PEER, zero, ME);
    size_t dl = echo_request(d, sizeof(d), PEER, ME);
    blen[1] = nh_build_eth(base[1], 700, mac1, peer, ETH_TYPE_IPV4, d, dl);
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .id = 3, .mf = true};
    dl = nh_build_ipv4(d, sizeof(d), &ip, pl, 64);
    blen[2] = nh_build_eth(base[2], 700, mac1, peer, ETH_TYPE_IPV4, d, dl);
    ip = (struct nh_ip){.src = PEER, .dst = FAR, .proto = IPV4_PROTO_UDP, .ttl = 5};
    dl = nh_build_ipv4(d, sizeof(d), &ip, pl, 600);
    blen[3] = nh_build_eth(base[3], 700, mac1, peer, ETH_TYPE_IPV4, d, dl);
    uint8_t icmp[100];
    size_t il = nh_build_icmp(icmp, sizeof(icmp), ICMP_DEST_UNREACH, 4, 300, d, 28);
    ip = (struct nh_ip){.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP};
    dl = nh_build_ipv4(d, sizeof(d), &ip, icmp, il);
    blen[4] = nh_build_eth(base[4], 700, mac1, peer, ETH_TYPE_IPV4, d, dl);
    static const uint8_t opts[8] = {0x82, 4, 1, 2, 0x07, 3, 4, 0};
    ip = (struct nh_ip){.src = PEER, .dst = ME, .proto = IPV4_PROTO_TCP, .opts = opts,
                        .opt_len = 8, .frag_off = 64};
    dl = nh_build_ipv4(d, sizeof(d), &ip, pl, 40);
    blen[5] = nh_build_eth(base[5], 700, mac1, peer, ETH_TYPE_IPV4, d, dl);
    struct ust_rng r;
    rng_seed(&r, 42);
    uint8_t f[700];
    for (int i = 0; i < 50000; i++) {
        int k = (int)rng_below(&r, 6);
        size_t len = blen[k];
        memcpy(f, base[k], len);
        int flips = 1 + (int)rng_below(&r, 4);
        for (int j = 0; j < flips; j++) {
            /* Mostly in the headers, where parsing decisions are made. */
            size_t at = rng_below(&r, 4) ? 14 + rng_below(&r, 40) : rng_below(&r, len);
            if (at < len)
                f[at] = (uint8_t)rng_next(&r);
        }
        /* Half the time repair the header checksum, so that the mutation
         * reaches the checks behind it. */
        size_t ihl = (size_t)(f[14] & 0x0f) * 4;
        if (k != 0 && rng_below(&r, 2) && ihl >= 20 && 14 + ihl <= len) {
            put_be16(f + 24, 0);
            put_be16(f + 24, csum_buf(f + 14, ihl));
        }
        if (rng_below(&r, 8) == 0)
            len = rng_below(&r, len + 1);
        nh_inject(n, rng_below(&r, 4) ? 0 : 1, f, len);
        if (i % 500 == 0)
            nh_run_until(n, n->now + 3 * UST_SEC);
        assert_true(st->link.arp.count <= cfg.arp_max_entries);
        assert_true(st->net.reasm.count <= cfg.ip_reasm_max);
        assert_true(st->net.reasm.mem <= cfg.ip_reasm_mem_max);
    }
    nh_run_until(n, n->now + 120 * UST_SEC);
    assert_int_equal(st->net.reasm.count, 0);
    assert_true(ust_stack_stats(st)->ip.InReceives > 10000);
    if (getenv("NH_PRINT"))
        ust_stats_print(st, stdout, false);
    nh_net_free(n);
}

struct trace_log {
    char lines[16][160];
    int n;
};

static void collect_trace(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    (void)now;
    struct trace_log *t = ctx;
    if (t->n < 16)
        snprintf(t->lines[t->n++], sizeof(t->lines[0]), "%s %s", layer, msg);
}

static void test_trace_lines(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_ip(&st, 1500);
    struct trace_log log = {0};
    ust_stack_set_trace(st, collect_trace, &log);
    uint8_t d[128];
    size_t len = echo_request(d, sizeof(d), PEER, ME);
    nh_inject(n, 0, d, len);
    d[10] ^= 1;
    nh_inject(n, 0, d, len);
    assert_int_equal(log.n, 4);
    assert_string_equal(log.lines[0], "ip rx 203.0.113.2->203.0.113.1 proto ICMP len 36 ttl 64");
    assert_string_equal(log.lines[1], "icmp echo reply to 203.0.113.2 id 4660 seq 1 len 8");
    assert_string_equal(log.lines[2], "ip tx 203.0.113.1->203.0.113.2 proto ICMP len 36 ttl 64");
    assert_string_equal(log.lines[3], "ip drop: bad checksum");
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_reply_exact_bytes),
        cmocka_unit_test(test_malformed_headers_counted),
        cmocka_unit_test(test_bad_sources_and_destinations),
        cmocka_unit_test(test_broadcast_echo_ignored),
        cmocka_unit_test(test_ethernet_padding_and_link_broadcast),
        cmocka_unit_test(test_unknown_protocol_unreachable),
        cmocka_unit_test(test_output_header_route_and_limits),
        cmocka_unit_test(test_loopback_ping_own_address),
        cmocka_unit_test(test_no_interface_drops),
        cmocka_unit_test(test_mutated_input_never_crashes),
        cmocka_unit_test(test_trace_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
