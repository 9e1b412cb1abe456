/* Router mode across three stacks on two links (host A - router R - host
 * B), wired with the net harness: ping through R, fragmentation at a small
 * MTU link, TTL expiry, DF with fragmentation needed and PMTU, no route,
 * source routes, and host mode never forwarding. */
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

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define R_ADDR0 UST_IP4(203, 0, 113, 254)
#define R_ADDR1 UST_IP4(198, 51, 100, 254)
#define B_ADDR UST_IP4(198, 51, 100, 1)

struct topo {
    struct nh_net *n;
    struct ust_stack *a, *r, *b;
    int pa, pr0, pr1, pb;
    struct nh_pings pings;
};

static void topo_init(struct topo *t, unsigned mtu1, bool forwarding)
{
    memset(t, 0, sizeof(*t));
    t->n = nh_net_new();
    t->a = nh_stack(t->n, NULL);
    t->r = nh_stack(t->n, NULL);
    t->b = nh_stack(t->n, NULL);
    t->pa = nh_host(t->n, t->a, 0, 0x0a, A_ADDR, 24, 1500);
    t->pr0 = nh_host(t->n, t->r, 0, 0xfe, R_ADDR0, 24, 1500);
    t->pr1 = nh_host(t->n, t->r, 1, 0xfd, R_ADDR1, 24, mtu1);
    t->pb = nh_host(t->n, t->b, 1, 0x0b, B_ADDR, 24, mtu1);
    assert_int_equal(ust_route_default(t->a, R_ADDR0), 0);
    assert_int_equal(ust_route_default(t->b, R_ADDR1), 0);
    ust_stack_set_forwarding(t->r, forwarding);
    ust_ping_set_handler(t->a, nh_ping_collect, &t->pings);
    nh_run_until(t->n, 0); /* gratuitous ARPs */
}

static void test_ping_through_router(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 1500, true);
    assert_int_equal(ust_ping_send(t.a, B_ADDR, 1, 1, 56, 0), 0);
    nh_run_until(t.n, UST_SEC);
    assert_int_equal(t.pings.n, 1);
    assert_int_equal(t.pings.r[0].event, UST_PING_REPLY);
    assert_int_equal(t.pings.r[0].from, B_ADDR);
    assert_int_equal(t.pings.r[0].ttl, 63);
    assert_true(t.pings.r[0].payload_ok);
    assert_int_equal(t.pings.r[0].len, 56);
    assert_int_equal(ust_stack_stats(t.r)->ip.ForwDatagrams, 2);
    assert_int_equal(ust_stack_stats(t.b)->ip.InCsumErrors, 0);
    /* R's forwarded request: TTL 63 with a valid (incrementally updated) checksum. */
    size_t len = 0;
    const uint8_t *ip = NULL;
    for (size_t i = 0; i < nh_tx_count(t.n, t.pr1) && !ip; i++)
        ip = nh_tx_ipv4(t.n, t.pr1, i, &len);
    assert_non_null(ip);
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(ip, len, true, &h), 0);
    assert_int_equal(h.ttl, 63);
    assert_int_equal(h.src, A_ADDR);
    /* A second ping needs no ARP anywhere. */
    size_t frames = t.n->delivered;
    ust_ping_send(t.a, B_ADDR, 1, 2, 56, 0);
    nh_run_until(t.n, 2 * UST_SEC);
    assert_int_equal(t.pings.n, 2);
    assert_int_equal(t.n->delivered - frames, 4);
    nh_net_free(t.n);
}

static void test_fragmented_ping_through_small_mtu(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 576, true);
    assert_int_equal(ust_ping_send(t.a, B_ADDR, 1, 1, 1400, 0), 0);
    nh_run_until(t.n, UST_SEC);
    assert_int_equal(t.pings.n, 1);
    assert_int_equal(t.pings.r[0].event, UST_PING_REPLY);
    assert_int_equal(t.pings.r[0].len, 1400);
    assert_true(t.pings.r[0].payload_ok);
    const struct ust_stats *r = ust_stack_stats(t.r), *b = ust_stack_stats(t.b);
    assert_int_equal(r->ip.FragOKs, 1);   /* R split A's 1428-byte request */
    assert_int_equal(r->ip.FragCreates, 3);
    assert_int_equal(b->ip.ReasmOKs, 1);
    assert_int_equal(b->ip.FragCreates, 3); /* B's reply left in pieces */
    assert_int_equal(ust_stack_stats(t.a)->ip.ReasmOKs, 1);
    assert_int_equal(r->ip.ForwDatagrams, 4); /* 1 request + 3 reply fragments */
    for (size_t i = 0; i < nh_tx_count(t.n, t.pr1); i++)
        assert_true(nh_tx(t.n, t.pr1, i)->len <= 576 + 14);
    nh_net_free(t.n);
}

static void test_ttl_expiry_time_exceeded(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 1500, true);
    assert_int_equal(ust_ping_send(t.a, B_ADDR, 1, 1, 8, 1), 0);
    nh_run_until(t.n, UST_SEC);
    assert_int_equal(t.pings.n, 1);
    assert_int_equal(t.pings.r[0].event, UST_PING_TIME_EXCEEDED);
    assert_int_equal(t.pings.r[0].from, R_ADDR0);
    assert_int_equal(t.pings.r[0].code, ICMP_EXC_TTL);
    assert_int_equal(t.pings.r[0].seq, 1);
    const struct ust_stats *r = ust_stack_stats(t.r);
    assert_int_equal(r->ip.InTtlExceeded, 1);
    assert_int_equal(r->icmp.OutTimeExcds, 1);
    assert_int_equal(r->ip.ForwDatagrams, 0);
    assert_int_equal(ust_stack_stats(t.a)->icmp.InTimeExcds, 1);
    /* TTL 2 is enough to reach B (which does not check TTL on delivery). */
    ust_ping_send(t.a, B_ADDR, 1, 2, 8, 2);
    nh_run_until(t.n, 2 * UST_SEC);
    assert_int_equal(t.pings.n, 2);
    assert_int_equal(t.pings.r[1].event, UST_PING_REPLY);
    nh_net_free(t.n);
}

static void test_df_frag_needed_and_pmtu(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 576, true);
    /* An echo request of 1028 bytes with DF, sent through ipv4_output. */
    uint8_t data[1000];
    memset(data, 0x33, sizeof(data));
    struct pkt *p = pkt_alloc(PKT_HEADROOM, 8 + sizeof(data));
    nh_build_icmp(p->data, p->len, ICMP_ECHO_REQUEST, 0, 0x00050009, data, sizeof(data));
    struct ipv4_out o = {.dst = B_ADDR, .proto = IPV4_PROTO_ICMP, .df = true};
    assert_int_equal(ipv4_output(t.a, &o, p), 0);
    nh_run_until(t.n, UST_SEC);
    assert_int_equal(t.pings.n, 1);
    assert_int_equal(t.pings.r[0].event, UST_PING_UNREACHABLE);
    assert_int_equal(t.pings.r[0].code, ICMP_UNREACH_FRAG_NEEDED);
    assert_int_equal(t.pings.r[0].seq, 9);
    assert_int_equal(ust_stack_stats(t.r)->ip.FragFails, 1);
    assert_int_equal(ust_stack_stats(t.a)->icmp.InFragNeeded, 1);
    assert_int_equal(pmtu_get(t.a, B_ADDR), 576);
    assert_int_equal(ipv4_mtu_for(t.a, B_ADDR), 556);
    /* Now A fragments to 576 itself and R only forwards. */
    ust_ping_send(t.a, B_ADDR, 1, 10, 1000, 0);
    nh_run_until(t.n, 2 * UST_SEC);
    assert_int_equal(t.pings.n, 2);
    assert_int_equal(t.pings.r[1].event, UST_PING_REPLY);
    assert_true(t.pings.r[1].payload_ok);
    assert_int_equal(ust_stack_stats(t.a)->ip.FragOKs, 1);
    assert_int_equal(ust_stack_stats(t.r)->ip.FragOKs, 0);
    nh_net_free(t.n);
}

static void test_no_route_net_unreachable(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 1500, true);
    ust_ping_send(t.a, UST_IP4(10, 9, 9, 9), 1, 1, 8, 0);
    nh_run_until(t.n, UST_SEC);
    assert_int_equal(t.pings.n, 1);
    assert_int_equal(t.pings.r[0].event, UST_PING_UNREACHABLE);
    assert_int_equal(t.pings.r[0].code, ICMP_UNREACH_NET);
    assert_int_equal(t.pings.r[0].from, R_ADDR0);
    assert_int_equal(ust_stack_stats(t.r)->ip.OutNoRoutes, 1);
    nh_net_free(t.n);
}

static void test_router_arp_failure_host_unreachable(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 1500, true);
    ust_ping_send(t.a, UST_IP4(198, 51, 100, 77), 1, 1, 8, 0);
    nh_run_until(t.n, 3 * UST_SEC - 1);
    assert_int_equal(t.pings.n, 0);
    nh_run_until(t.n, 4 * UST_SEC);
    /* R gave up on ARP for a datagram it was forwarding: that one is
     * reported on the wire to its source (RFC 1812), unlike our own. */
    assert_int_equal(ust_stack_stats(t.r)->arp.resolve_failed, 1);
    assert_int_equal(t.pings.n, 1);
    assert_int_equal(t.pings.r[0].event, UST_PING_UNREACHABLE);
    assert_int_equal(t.pings.r[0].code, ICMP_UNREACH_HOST);
    assert_int_equal(t.pings.r[0].from, R_ADDR0);
    assert_int_equal(t.pings.r[0].at, 3 * UST_SEC);
    nh_net_free(t.n);
}

static void test_host_mode_never_forwards(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 1500, false);
    ust_ping_send(t.a, B_ADDR, 1, 1, 8, 0);
    nh_run_until(t.n, 5 * UST_SEC);
    assert_int_equal(t.pings.n, 0);
    assert_int_equal(ust_stack_stats(t.r)->ip.ForwDatagrams, 0);
    assert_int_equal(ust_stack_stats(t.r)->ip.InAddrErrors, 1);
    assert_int_equal(nh_tx_count(t.n, t.pr1), 1); /* only its gratuitous ARP */
    nh_net_free(t.n);
}

/* A ping A -> B through R carrying an unfinished LSRR naming B's side of
 * R: not a source-route hop we act as. */
static void inject_routed_ping(struct topo *t)
{
    /* LSRR (131) with one hop, then EOL padding. */
    const uint8_t lsrr[8] = {131, 7, 4, 198, 51, 100, 1, 0};
    uint8_t icmp[16], d[64], f[128];
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00010002, NULL, 0);
    struct nh_ip ip = {.src = A_ADDR, .dst = B_ADDR, .proto = IPV4_PROTO_ICMP, .opts = lsrr,
                       .opt_len = 8};
    size_t dlen = nh_build_ipv4(d, sizeof(d), &ip, icmp, ilen);
    const uint8_t rmac[6] = {0x02, 0, 0, 0, 0, 0xfe}, amac[6] = {0x02, 0, 0, 0, 0, 0x0a};
    size_t flen = nh_build_eth(f, sizeof(f), rmac, amac, ETH_TYPE_IPV4, d, dlen);
    nh_inject(t->n, t->pr0, f, flen);
}

/* IP-70/IP-79: with received source routes accepted
 * (cfg.ip_accept_source_route), a router refuses to forward one with
 * Destination Unreachable code 5. */
static void test_source_route_not_forwarded(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 1500, true);
    t.r->cfg.ip_accept_source_route = true;
    ust_ping_send(t.a, R_ADDR0, 1, 1, 8, 0); /* A learns R's MAC, R learns A's */
    nh_run_until(t.n, UST_SEC);
    inject_routed_ping(&t);
    nh_run_until(t.n, 2 * UST_SEC);
    assert_int_equal(ust_stack_stats(t.r)->ip.ForwDatagrams, 0);
    assert_int_equal(ust_stack_stats(t.r)->ip.InDiscards, 1);
    assert_int_equal(t.pings.n, 2);
    assert_int_equal(t.pings.r[1].event, UST_PING_UNREACHABLE);
    assert_int_equal(t.pings.r[1].code, ICMP_UNREACH_SRC_ROUTE);
    nh_net_free(t.n);
}

/* By default (RFC 7126 4.3, Linux accept_source_route=0) a router drops
 * the same datagram silently: not forwarded, no error back, InSrcRtDrops;
 * an ordinary ping through it still works (router mode stays). */
static void test_source_route_dropped_by_router(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 1500, true);
    ust_ping_send(t.a, R_ADDR0, 1, 1, 8, 0);
    nh_run_until(t.n, UST_SEC);
    size_t b_frames = nh_tx_count(t.n, t.pr1);
    inject_routed_ping(&t);
    nh_run_until(t.n, 2 * UST_SEC);
    assert_int_equal(ust_stack_stats(t.r)->ip.ForwDatagrams, 0);
    assert_int_equal(ust_stack_stats(t.r)->ip.InSrcRtDrops, 1);
    assert_int_equal(ust_stack_stats(t.r)->icmp.OutDestUnreachs, 0);
    assert_int_equal(nh_tx_count(t.n, t.pr1), b_frames);
    assert_int_equal(t.pings.n, 1);
    ust_ping_send(t.a, B_ADDR, 1, 2, 8, 0);
    nh_run_until(t.n, 4 * UST_SEC);
    assert_int_equal(t.pings.n, 2);
    assert_int_equal(t.pings.r[1].event, UST_PING_REPLY);
    assert_int_equal(ust_stack_stats(t.r)->ip.ForwDatagrams, 2);
    nh_net_free(t.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping_through_router),
        cmocka_unit_test(test_fragmented_ping_through_small_mtu),
        cmocka_unit_test(test_ttl_expiry_time_exceeded),
        cmocka_unit_test(test_df_frag_needed_and_pmtu),
        cmocka_unit_test(test_no_route_net_unreachable),
        cmocka_unit_test(test_router_arp_failure_host_unreachable),
        cmocka_unit_test(test_host_mode_never_forwards),
        cmocka_unit_test(test_source_route_not_forwarded),
        cmocka_unit_test(test_source_route_dropped_by_router),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
