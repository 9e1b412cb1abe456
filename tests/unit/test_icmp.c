/* ICMP: error suppression rules (RFC 1122 3.2.2), quoting, rate limit,
 * incoming errors to the ping handler, fragmentation-needed and the path
 * MTU cache (RFC 1191). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "core/stack_impl.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/wbuf.h"

#define ME UST_IP4(203, 0, 113, 1)
#define PEER UST_IP4(203, 0, 113, 2)
#define FAR UST_IP4(198, 51, 100, 9)
#define ROUTER UST_IP4(203, 0, 113, 254)

/* IP-only link 203.0.113.1/24 with a default route via .254. */
static struct nh_net *setup(struct ust_stack **st, const struct ust_config *cfg)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, cfg);
    assert_int_equal(nh_port_new(n, *st, NH_NO_WIRE, UST_LINK_IP, 1, 1500), 0);
    assert_int_equal(ust_iface_add(*st, nh_dev(n, 0), ME, 24), 0);
    assert_int_equal(ust_route_default(*st, ROUTER), 0);
    return n;
}

static size_t datagram(uint8_t *buf, size_t cap, ust_ip4_t src, ust_ip4_t dst, uint8_t proto,
                       const uint8_t *payload, size_t plen, bool mf, uint16_t off)
{
    struct nh_ip ip = {.src = src, .dst = dst, .proto = proto, .id = 1, .mf = mf, .frag_off = off};
    return nh_build_ipv4(buf, cap, &ip, payload, plen);
}

static void test_error_suppression_rules(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    uint8_t pl[16] = {0}, d[64];
    uint8_t err_pl[16] = {ICMP_DEST_UNREACH, 3};
    uint8_t echo_pl[16] = {ICMP_ECHO_REQUEST};
    struct {
        ust_ip4_t src, dst;
        uint8_t proto;
        const uint8_t *pl;
        bool mf;
        uint16_t off;
        bool sent;
    } cases[] = {
        {PEER, ME, 99, pl, false, 0, true},
        {PEER, ME, IPV4_PROTO_ICMP, err_pl, false, 0, false},  /* about an error */
        {PEER, ME, IPV4_PROTO_ICMP, echo_pl, false, 0, true},  /* about a query */
        {PEER, ME, 99, pl, true, 8, false},                    /* non-first fragment */
        {PEER, ME, 99, pl, false, 16, false},                  /* last fragment */
        {PEER, ME, 99, pl, true, 0, true},                     /* first fragment */
        {PEER, UST_IP4(203, 0, 113, 255), 99, pl, false, 0, false},
        {PEER, 0xffffffffu, 99, pl, false, 0, false},
        {PEER, UST_IP4(224, 0, 0, 9), 99, pl, false, 0, false},
        {0, ME, 99, pl, false, 0, false},
        {UST_IP4(127, 0, 0, 5), ME, 99, pl, false, 0, false},
        {UST_IP4(224, 1, 2, 3), ME, 99, pl, false, 0, false},
        {UST_IP4(203, 0, 113, 255), ME, 99, pl, false, 0, false},
        {UST_IP4(250, 0, 0, 1), ME, 99, pl, false, 0, false},
    };
    size_t sent = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = datagram(d, sizeof(d), cases[i].src, cases[i].dst, cases[i].proto,
                              cases[i].pl, 16, cases[i].mf, cases[i].off);
        icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, d, len);
        if (cases[i].sent)
            sent++;
        assert_int_equal(nh_tx_count(n, 0), sent);
    }
    assert_int_equal(ust_stack_stats(st)->icmp.OutDestUnreachs, sent);
    nh_net_free(n);
}

static void test_quote_limited_to_576(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    uint8_t pl[1000], d[1100];
    memset(pl, 0x5a, sizeof(pl));
    size_t len = datagram(d, sizeof(d), FAR, ME, 99, pl, sizeof(pl), false, 0);
    icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO, 0, d, len);
    const struct nh_frame *f = nh_tx(n, 0, 0);
    assert_int_equal(f->len, 576);
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(f->data, f->len, true, &h), 0);
    assert_int_equal(h.dst, FAR);
    assert_int_equal(h.src, ME);
    assert_memory_equal(f->data + 28, d, 548);
    nh_net_free(n);
}

static void test_error_rate_limit(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.icmp_err_rate = 10; /* one per 100 ms ... */
    cfg.icmp_err_burst = 5; /* ... after a burst of 5 */
    struct ust_stack *st;
    struct nh_net *n = setup(&st, &cfg);
    uint8_t pl[8] = {0}, d[64];
    size_t len = datagram(d, sizeof(d), PEER, ME, 99, pl, 8, false, 0);
    for (int i = 0; i < 8; i++)
        icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO, 0, d, len);
    assert_int_equal(nh_tx_count(n, 0), 5);
    assert_int_equal(ust_stack_stats(st)->icmp.OutRateLimited, 3);
    nh_run_until(n, 99 * UST_MSEC);
    icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO, 0, d, len);
    assert_int_equal(nh_tx_count(n, 0), 5);
    nh_run_until(n, 100 * UST_MSEC);
    icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO, 0, d, len);
    icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO, 0, d, len);
    assert_int_equal(nh_tx_count(n, 0), 6);
    /* After a quiet second the full burst is back. */
    nh_run_until(n, 2 * UST_SEC);
    for (int i = 0; i < 8; i++)
        icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO, 0, d, len);
    assert_int_equal(nh_tx_count(n, 0), 11);
    assert_int_equal(ust_stack_stats(st)->icmp.OutRateLimited, 3 + 1 + 1 + 3);
    /* Echo replies are not rate-limited. */
    uint8_t icmp[16], e[64];
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 1, NULL, 0);
    size_t elen = datagram(e, sizeof(e), PEER, ME, IPV4_PROTO_ICMP, icmp, ilen, false, 0);
    for (int i = 0; i < 10; i++)
        nh_inject(n, 0, e, elen);
    assert_int_equal(nh_tx_count(n, 0), 21);
    nh_net_free(n);
}

/* An ICMP error from `from` quoting our echo request/UDP datagram to dst. */
static size_t incoming_error(uint8_t *buf, size_t cap, ust_ip4_t from, ust_ip4_t orig_src,
                             ust_ip4_t orig_dst, uint8_t type, uint8_t code, uint32_t rest,
                             uint16_t orig_total)
{
    uint8_t echo[8], quote[28], icmp[64];
    nh_build_icmp(echo, sizeof(echo), ICMP_ECHO_REQUEST, 0, 0x00070003, NULL, 0);
    struct nh_ip oip = {.src = orig_src, .dst = orig_dst, .proto = IPV4_PROTO_ICMP, .id = 9};
    nh_build_ipv4(quote, sizeof(quote), &oip, echo, 8);
    put_be16(quote + 2, orig_total); /* the original was longer than the quote */
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), type, code, rest, quote, sizeof(quote));
    struct nh_ip ip = {.src = from, .dst = ME, .proto = IPV4_PROTO_ICMP, .ttl = 250};
    return nh_build_ipv4(buf, cap, &ip, icmp, ilen);
}

static void test_incoming_errors_reach_ping_handler(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    struct nh_pings pings = {0};
    ust_ping_set_handler(st, nh_ping_collect, &pings);
    uint8_t d[128];
    n->now = 7 * UST_SEC;
    size_t len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_DEST_UNREACH,
                                ICMP_UNREACH_HOST, 0, 36);
    nh_inject(n, 0, d, len);
    len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0, 36);
    nh_inject(n, 0, d, len);
    /* A quote of a datagram we never sent is dropped. */
    len = incoming_error(d, sizeof(d), ROUTER, PEER, FAR, ICMP_DEST_UNREACH, 1, 0, 36);
    nh_inject(n, 0, d, len);
    /* A corrupted error is dropped. */
    len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_DEST_UNREACH, 1, 0, 36);
    d[25] ^= 0xff;
    nh_inject(n, 0, d, len);
    assert_int_equal(pings.n, 2);
    assert_int_equal(pings.r[0].event, UST_PING_UNREACHABLE);
    assert_int_equal(pings.r[0].code, ICMP_UNREACH_HOST);
    assert_int_equal(pings.r[0].from, ROUTER);
    assert_int_equal(pings.r[0].id, 7);
    assert_int_equal(pings.r[0].seq, 3);
    assert_int_equal(pings.r[0].at, 7 * UST_SEC);
    assert_int_equal(pings.r[1].event, UST_PING_TIME_EXCEEDED);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->icmp.InMsgs, 4);
    assert_int_equal(s->icmp.InDestUnreachs, 2);
    assert_int_equal(s->icmp.InTimeExcds, 1);
    assert_int_equal(s->icmp.InErrors, 2);
    assert_int_equal(s->icmp.InCsumErrors, 1);
    assert_int_equal(nh_tx_count(n, 0), 0); /* never an error about an error */
    nh_net_free(n);
}

static void test_echo_reply_matching(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    struct nh_pings pings = {0};
    ust_ping_set_handler(st, nh_ping_collect, &pings);
    n->now = 3 * UST_SEC;
    assert_int_equal(ust_ping_send(st, PEER, 0x77, 5, 56, 0), 0);
    /* Turn our request into the peer's reply. */
    const struct nh_frame *f = nh_tx(n, 0, 0);
    assert_int_equal(f->len, 84);
    uint8_t req[84];
    memcpy(req, f->data, 84);
    assert_memory_equal(req + 28, "\x00\x00\x00\x00\xb2\xd0\x5e\x00", 8); /* 3 s in ns */
    for (int i = 8; i < 56; i++)
        assert_int_equal(req[28 + i], i);
    uint8_t reply[128];
    size_t ilen = nh_build_icmp(reply + 20, 100, ICMP_ECHO_REPLY, 0, 0x00770005, req + 28, 56);
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .ttl = 61};
    uint8_t d[128];
    size_t len = nh_build_ipv4(d, sizeof(d), &ip, reply + 20, ilen);
    n->now += 1500 * UST_USEC;
    nh_inject(n, 0, d, len);
    /* Same with a corrupted pattern byte (checksum recomputed). */
    uint8_t bad[56];
    memcpy(bad, req + 28, 56);
    bad[40] ^= 1;
    ilen = nh_build_icmp(reply + 20, 100, ICMP_ECHO_REPLY, 0, 0x00770006, bad, 56);
    len = nh_build_ipv4(d, sizeof(d), &ip, reply + 20, ilen);
    nh_inject(n, 0, d, len);
    assert_int_equal(pings.n, 2);
    assert_int_equal(pings.r[0].event, UST_PING_REPLY);
    assert_int_equal(pings.r[0].from, PEER);
    assert_int_equal(pings.r[0].id, 0x77);
    assert_int_equal(pings.r[0].seq, 5);
    assert_int_equal(pings.r[0].ttl, 61);
    assert_int_equal(pings.r[0].len, 56);
    assert_true(pings.r[0].payload_ok);
    assert_int_equal(pings.r[0].at, 3 * UST_SEC + 1500 * UST_USEC);
    assert_int_equal(pings.r[1].seq, 6);
    assert_false(pings.r[1].payload_ok);
    assert_int_equal(ust_stack_stats(st)->icmp.InEchoReps, 2);
    assert_int_equal(ust_stack_stats(st)->icmp.OutEchos, 1);
    nh_net_free(n);
}

/* RFC 1191 itself, with the floor at its 68 (cfg.ip_min_pmtu = 68). */
static void test_frag_needed_lowers_pmtu(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ip_min_pmtu = 68;
    struct nh_net *n = setup(&st, &cfg);
    uint8_t d[128];
    assert_int_equal(ipv4_mtu_for(st, FAR), 1480);
    size_t len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_DEST_UNREACH,
                                ICMP_UNREACH_FRAG_NEEDED, 1200, 1500);
    nh_inject(n, 0, d, len);
    assert_int_equal(pmtu_get(st, FAR), 1200);
    assert_int_equal(ipv4_mtu_for(st, FAR), 1180);
    assert_int_equal(ust_stack_stats(st)->icmp.InFragNeeded, 1);
    /* Never raised by a message (RFC 1191 5). */
    len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_DEST_UNREACH,
                         ICMP_UNREACH_FRAG_NEEDED, 1300, 1200);
    nh_inject(n, 0, d, len);
    assert_int_equal(pmtu_get(st, FAR), 1200);
    assert_int_equal(ust_stack_stats(st)->icmp.InFragNeededIgnored, 1);
    /* An MTU below 68 no router may report: estimated like a zero one, the
     * plateau below the quoted length (1200 -> 1006), never used as is. */
    len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_DEST_UNREACH,
                         ICMP_UNREACH_FRAG_NEEDED, 60, 1200);
    nh_inject(n, 0, d, len);
    assert_int_equal(pmtu_get(st, FAR), 1006);
    /* A zero MTU (pre-RFC 1191 router): the plateau below the quoted length. */
    len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_DEST_UNREACH,
                         ICMP_UNREACH_FRAG_NEEDED, 0, 1000);
    nh_inject(n, 0, d, len);
    assert_int_equal(pmtu_get(st, FAR), 508);
    assert_int_equal(ust_stack_stats(st)->icmp.PmtuFloorClamps, 0);
    /* Outgoing datagrams now fit 508. */
    nh_tx_clear(n, 0);
    assert_int_equal(ust_ping_send(st, FAR, 1, 1, 1000, 0), 0);
    assert_int_equal(nh_tx_count(n, 0), 3);
    assert_int_equal(nh_tx(n, 0, 0)->len, 508);
    /* Other destinations are unaffected; the estimate ages out (RFC 1191 6.3). */
    assert_int_equal(pmtu_get(st, UST_IP4(198, 51, 100, 10)), 0);
    nh_run_until(n, PMTU_AGE);
    assert_int_equal(pmtu_get(st, FAR), 0);
    assert_int_equal(ipv4_mtu_for(st, FAR), 1480);
    nh_net_free(n);
}

/* The default floor, cfg.ip_min_pmtu = 552 (Linux min_pmtu): a next-hop
 * MTU of 100, or 0 with a tiny quoted length (plateau 68), gives 552,
 * counted in PmtuFloorClamps; a path held there is sent without DF (Linux
 * "locks" it), so a real link below 552 can still fragment. A larger MTU
 * later never raises the estimate. */
static void test_frag_needed_floor(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    uint8_t d[128];
    size_t len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_DEST_UNREACH,
                                ICMP_UNREACH_FRAG_NEEDED, 100, 1500);
    nh_inject(n, 0, d, len);
    assert_int_equal(pmtu_get(st, FAR), 552);
    assert_true(pmtu_at_floor(st, FAR));
    assert_int_equal(ipv4_mtu_for(st, FAR), 532);
    assert_int_equal(ust_stack_stats(st)->icmp.PmtuFloorClamps, 1);
    len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_DEST_UNREACH,
                         ICMP_UNREACH_FRAG_NEEDED, 0, 40);
    nh_inject(n, 0, d, len);
    assert_int_equal(pmtu_get(st, FAR), 552);
    len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_DEST_UNREACH,
                         ICMP_UNREACH_FRAG_NEEDED, 1400, 1500);
    nh_inject(n, 0, d, len);
    assert_int_equal(pmtu_get(st, FAR), 552);
    assert_int_equal(ust_stack_stats(st)->icmp.InFragNeededIgnored, 2);
    /* A DF datagram to FAR leaves without DF, at most 552 bytes. */
    uint8_t data[1000];
    memset(data, 0x33, sizeof(data));
    struct pkt *p = pkt_alloc(PKT_HEADROOM, 8 + sizeof(data));
    nh_build_icmp(p->data, p->len, ICMP_ECHO_REQUEST, 0, 0x00050009, data, sizeof(data));
    struct ipv4_out o = {.dst = FAR, .proto = IPV4_PROTO_ICMP, .df = true};
    nh_tx_clear(n, 0);
    assert_int_equal(ipv4_output(st, &o, p), 0);
    assert_int_equal(nh_tx_count(n, 0), 2);
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(nh_tx(n, 0, 0)->data, nh_tx(n, 0, 0)->len, false, &h), 0);
    assert_false(h.df);
    assert_true(h.mf);
    assert_true(nh_tx(n, 0, 0)->len <= 552);
    /* Another destination keeps DF. */
    p = pkt_alloc(PKT_HEADROOM, 8);
    nh_build_icmp(p->data, p->len, ICMP_ECHO_REQUEST, 0, 0x00050009, NULL, 0);
    o.dst = UST_IP4(198, 51, 100, 10);
    assert_int_equal(ipv4_output(st, &o, p), 0);
    assert_int_equal(ipv4_parse(nh_tx(n, 0, 2)->data, nh_tx(n, 0, 2)->len, false, &h), 0);
    assert_true(h.df);
    nh_net_free(n);
}

/* Ethernet host 203.0.113.1/24, default via .254, with .254 and .253 in
 * the ARP cache; returns the destination MAC's last byte of a ping to dst. */
static int first_hop_of_ping(struct nh_net *n, struct ust_stack *st, ust_ip4_t dst)
{
    nh_tx_clear(n, 0);
    assert_int_equal(ust_ping_send(st, dst, 1, 1, 8, 0), 0);
    assert_int_equal(nh_tx_count(n, 0), 1);
    return nh_tx(n, 0, 0)->data[5];
}

static void inject_redirect(struct nh_net *n, ust_ip4_t from, uint8_t from_mac, ust_ip4_t dst,
                            ust_ip4_t new_gw, uint8_t code)
{
    uint8_t d[128], f[160];
    size_t len = incoming_error(d, sizeof(d), from, ME, dst, ICMP_REDIRECT, code, new_gw, 36);
    const uint8_t me[6] = {0x02, 0, 0, 0, 0, 1}, src[6] = {0x02, 0, 0, 0, 0, from_mac};
    size_t flen = nh_build_eth(f, sizeof(f), me, src, ETH_TYPE_IPV4, d, len);
    nh_inject(n, 0, f, flen);
}

static void test_redirect_updates_first_hop(void **state)
{
    (void)state;
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, NULL);
    nh_host(n, st, NH_NO_WIRE, 1, ME, 24, 1500);
    ust_route_default(st, ROUTER);
    const ust_ip4_t other = UST_IP4(203, 0, 113, 253);
    uint8_t f[64];
    const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, z[6] = {0};
    const uint8_t m254[6] = {2, 0, 0, 0, 0, 0xfe}, m253[6] = {2, 0, 0, 0, 0, 0xfd};
    nh_inject(n, 0, f, nh_build_arp(f, sizeof(f), 1, bc, m254, ROUTER, z, ME));
    nh_inject(n, 0, f, nh_build_arp(f, sizeof(f), 1, bc, m253, other, z, ME));
    assert_int_equal(first_hop_of_ping(n, st, FAR), 0xfe);
    /* Forged or useless redirects are ignored: from a host that is not our
     * gateway for FAR, to an off-link gateway, to ourselves, for an on-link
     * destination, with an unknown code. */
    inject_redirect(n, other, 0xfd, FAR, other, 1);
    inject_redirect(n, ROUTER, 0xfe, FAR, UST_IP4(198, 51, 100, 1), 1);
    inject_redirect(n, ROUTER, 0xfe, FAR, ME, 1);
    inject_redirect(n, ROUTER, 0xfe, PEER, other, 1);
    inject_redirect(n, ROUTER, 0xfe, FAR, other, 9);
    assert_int_equal(first_hop_of_ping(n, st, FAR), 0xfe);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->icmp.InRedirectsIgnored, 4);
    assert_int_equal(s->icmp.InErrors, 1);
    /* The real one: FAR (only) now goes through .253. */
    inject_redirect(n, ROUTER, 0xfe, FAR, other, 1);
    assert_int_equal(s->icmp.InRedirects, 6);
    assert_int_equal(first_hop_of_ping(n, st, FAR), 0xfd);
    assert_int_equal(first_hop_of_ping(n, st, UST_IP4(198, 51, 100, 10)), 0xfe);
    /* Now only .253 may redirect FAR again. */
    inject_redirect(n, ROUTER, 0xfe, FAR, ROUTER, 1);
    assert_int_equal(first_hop_of_ping(n, st, FAR), 0xfd);
    /* Aged out like a PMTU estimate. */
    nh_run_until(n, REDIRECT_AGE);
    nh_inject(n, 0, f, nh_build_arp(f, sizeof(f), 1, bc, m254, ROUTER, z, ME));
    assert_int_equal(first_hop_of_ping(n, st, FAR), 0xfe);
    nh_net_free(n);
}

static void test_router_ignores_redirects(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ip_forwarding = true;
    struct ust_stack *st;
    struct nh_net *n = setup(&st, &cfg);
    uint8_t d[128];
    size_t len = incoming_error(d, sizeof(d), ROUTER, ME, FAR, ICMP_REDIRECT, 1,
                                UST_IP4(203, 0, 113, 253), 36);
    nh_inject(n, 0, d, len);
    assert_int_equal(ust_stack_stats(st)->icmp.InRedirectsIgnored, 1);
    assert_int_equal(redirect_get(st, FAR), 0);
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_suppression_rules),
        cmocka_unit_test(test_quote_limited_to_576),
        cmocka_unit_test(test_error_rate_limit),
        cmocka_unit_test(test_incoming_errors_reach_ping_handler),
        cmocka_unit_test(test_echo_reply_matching),
        cmocka_unit_test(test_frag_needed_lowers_pmtu),
        cmocka_unit_test(test_frag_needed_floor),
        cmocka_unit_test(test_redirect_updates_first_hop),
        cmocka_unit_test(test_router_ignores_redirects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
