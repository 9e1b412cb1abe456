/* RFC 1122 conformance tests for first-hop selection (3.3.1): several
 * default gateways with preferences, dead gateway detection from link
 * layer and transport advice, failover and retry, the route cache and the
 * Redirects that update it (3.2.2.2). Each test names its row IDs
 * (docs/conformance.md) and the RFC section. One host on an Ethernet link
 * (203.0.113.1/24) whose frames are recorded; ARP answers are injected. */
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
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/wbuf.h"

#define ME UST_IP4(203, 0, 113, 1)
#define PEER UST_IP4(203, 0, 113, 2)
#define GW1 UST_IP4(203, 0, 113, 254)
#define GW2 UST_IP4(203, 0, 113, 253)
#define FAR UST_IP4(198, 51, 100, 9)
#define FAR2 UST_IP4(198, 51, 100, 77)
#define FAR3 UST_IP4(198, 51, 100, 78)
#define FAR4 UST_IP4(198, 51, 100, 79)

static const uint8_t my_mac[6] = {2, 0, 0, 0, 0, 1};

/* The host, with GW1 then GW2 as default gateways. */
static struct nh_net *setup_host(struct ust_stack **st)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, NULL);
    assert_int_equal(nh_host(n, *st, NH_NO_WIRE, 1, ME, 24, 1500), 0);
    assert_int_equal(ust_route_default(*st, GW1), 0);
    assert_int_equal(ust_route_default(*st, GW2), 0);
    nh_tx_clear(n, 0);
    return n;
}

static ust_ip4_t table_next_hop(struct ust_stack *st, ust_ip4_t dst)
{
    ust_ip4_t hop = 0;
    assert_int_equal(ust_route_lookup(st, dst, NULL, &hop), 0);
    return hop;
}

static ust_ip4_t cached_next_hop(struct ust_stack *st, ust_ip4_t dst)
{
    ust_ip4_t hop = 0;
    assert_non_null(route_next_hop(st, dst, &hop));
    return hop;
}

static void udp_send(struct ust_stack *st, int fd, ust_ip4_t dst)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7),
                             .sin_addr.s_addr = htonl(dst)};
    assert_int_equal(ust_sendto(st, fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
}

/* The ARP request in recorded frame i: its target. */
static ust_ip4_t arp_target(struct nh_net *n, size_t i)
{
    const struct nh_frame *f = nh_tx(n, 0, i);
    struct arp_pkt a;
    assert_int_equal(get_be16(f->data + 12), ETH_TYPE_ARP);
    assert_int_equal(arp_parse(f->data + 14, f->len - 14, &a), 0);
    assert_int_equal(a.op, ARP_OP_REQUEST);
    return a.tpa;
}

/* `ip` (MAC 02:00:00:00:00:<last>) answers our ARP request. */
static void arp_reply_from(struct nh_net *n, ust_ip4_t ip, uint8_t last)
{
    uint8_t f[64];
    const uint8_t mac[6] = {2, 0, 0, 0, 0, last};
    nh_inject(n, 0, f, nh_build_arp(f, sizeof(f), ARP_OP_REPLY, my_mac, mac, ip, my_mac, ME));
}

/* IP-42 (3.3.1.2): more than one default gateway; IP-47 (3.3.1.4): the
 * failure of the one in use is detected (ARP cannot resolve it: negative
 * advice from the link layer, no extra probe sent); IP-53 (3.3.1.5): the
 * host fails over to the next default gateway; IP-48 (3.3.1.4): the route
 * through the dead gateway is not assumed good for ever: after
 * cfg.ip_gw_retry (60 s) it is tried again. */
static void test_default_gateway_failover(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_host(&st);
    assert_int_equal(table_next_hop(st, FAR), GW1);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    udp_send(st, fd, FAR);
    nh_run_until(n, 10 * UST_SEC);
    assert_int_equal(nh_tx_count(n, 0), 3); /* cfg.arp_max_requests */
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(arp_target(n, i), GW1);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->arp.resolve_failed, 1);
    assert_int_equal(s->ip.DeadGateways, 1);
    assert_int_equal(table_next_hop(st, FAR), GW2);
    nh_tx_clear(n, 0);
    udp_send(st, fd, FAR);
    assert_int_equal(nh_tx_count(n, 0), 1);
    assert_int_equal(arp_target(n, 0), GW2);
    arp_reply_from(n, GW2, 0xfd);
    assert_int_equal(nh_tx_count(n, 0), 2);
    const struct nh_frame *f = nh_tx(n, 0, 1);
    assert_int_equal(f->data[5], 0xfd);
    assert_int_equal(get_be32(f->data + 14 + 16), FAR);
    /* Given up at 3 s: tried again at 63 s, not before. */
    nh_run_until(n, 62 * UST_SEC);
    assert_int_equal(table_next_hop(st, FAR), GW2);
    nh_run_until(n, 64 * UST_SEC);
    assert_int_equal(table_next_hop(st, FAR), GW1);
    ust_close(st, fd);
    nh_net_free(n);
}

/* A Redirect from `from` quoting a UDP datagram ME -> dst: new_gw, code. */
static void inject_redirect(struct nh_net *n, ust_ip4_t from, uint8_t from_mac, ust_ip4_t dst,
                            ust_ip4_t new_gw, uint8_t code)
{
    uint8_t quote[28] = {0}, icmp[64], d[96], f[128];
    struct nh_ip q = {.src = ME, .dst = dst, .proto = IPV4_PROTO_UDP};
    uint8_t udp8[8] = {0x13, 0x88, 0, 7, 0, 8, 0, 0};
    nh_build_ipv4(quote, sizeof(quote), &q, udp8, 8);
    size_t il = nh_build_icmp(icmp, sizeof(icmp), ICMP_REDIRECT, code, new_gw, quote, 28);
    struct nh_ip ip = {.src = from, .dst = ME, .proto = IPV4_PROTO_ICMP};
    size_t dl = nh_build_ipv4(d, sizeof(d), &ip, icmp, il);
    const uint8_t src[6] = {2, 0, 0, 0, 0, from_mac};
    nh_inject(n, 0, f, nh_build_eth(f, sizeof(f), my_mac, src, ETH_TYPE_IPV4, d, dl));
}

/* IP-39 (3.3.1.2): a route cache of first hops is kept: FAR's entry is made
 * on first use from the table (GW1). ICMP-17 (3.2.2.2): a Redirect from GW1
 * updates the cache (FAR via GW2). ICMP-18, IP-40: a Network Redirect
 * (code 0) is handled, as a host redirect for the destination it names
 * (FAR2 via GW2, its neighbour FAR3 still via GW1); TOS code 3 too
 * (FAR4); a Redirect for an on-link destination is ignored. A
 * gateway found dead takes its cache entries with it, redirected ones
 * included (FAR back to GW1, 3.3.1.4); a change of the routing table
 * empties the rest of the cache. */
static void test_route_cache_and_redirects(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_host(&st);
    assert_int_equal(cached_next_hop(st, FAR), GW1);
    unsigned live = 0;
    for (unsigned i = 0; i < ROUTE_CACHE_SIZE; i++) {
        const struct route_cache_entry *e = &st->net.routes.cache[i];
        if (e->valid) {
            live++;
            assert_int_equal(e->dst, FAR);
            assert_int_equal(e->gateway, GW1);
            assert_false(e->redirected);
        }
    }
    assert_int_equal(live, 1);
    inject_redirect(n, GW1, 0xfe, FAR, GW2, 1 /* host */);
    inject_redirect(n, GW1, 0xfe, FAR2, GW2, 0 /* network */);
    inject_redirect(n, GW1, 0xfe, FAR4, GW2, 3 /* TOS and host */);
    inject_redirect(n, GW1, 0xfe, PEER, GW2, 2 /* ignored: PEER is on-link */);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->icmp.InRedirects, 4);
    assert_int_equal(s->icmp.InRedirectsIgnored, 1);
    assert_int_equal(cached_next_hop(st, FAR), GW2);
    assert_int_equal(cached_next_hop(st, FAR2), GW2);
    assert_int_equal(cached_next_hop(st, FAR3), GW1);
    assert_int_equal(cached_next_hop(st, FAR4), GW2);
    assert_int_equal(redirect_get(st, FAR), GW2);
    assert_int_equal(table_next_hop(st, FAR), GW1); /* the table is unchanged */
    ust_ip_advise_delivery(st, FAR, false);         /* GW2 is dead */
    assert_int_equal(s->ip.DeadGateways, 1);
    assert_int_equal(cached_next_hop(st, FAR), GW1);
    assert_int_equal(cached_next_hop(st, FAR2), GW1);
    assert_int_equal(redirect_get(st, FAR), 0);
    assert_int_equal(ust_route_add(st, UST_IP4(198, 51, 100, 0), 24, GW2, -1), 0);
    assert_int_equal(cached_next_hop(st, FAR3), GW2);
    nh_net_free(n);
}

/* IP-52 (3.3.1.4) and the ADVISE_DELIVPROB call of 3.4 (IP-92, UDP-17):
 * a transport or application gives advice. Negative advice about FAR
 * blames its gateway GW1 (traffic moves to GW2); advice about an on-link
 * destination changes nothing; positive advice from the link layer (GW1
 * answers ARP again) revives GW1 at once, before the retry time. */
static void test_delivery_advice(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_host(&st);
    ust_ip_advise_delivery(st, PEER, false);
    assert_int_equal(ust_stack_stats(st)->ip.DeadGateways, 0);
    ust_ip_advise_delivery(st, FAR, false);
    assert_int_equal(ust_stack_stats(st)->ip.DeadGateways, 1);
    assert_int_equal(table_next_hop(st, FAR), GW2);
    assert_int_equal(cached_next_hop(st, FAR), GW2);
    ust_ip_advise_delivery(st, FAR, false); /* GW2 too: the preferred one is used */
    assert_int_equal(ust_stack_stats(st)->ip.DeadGateways, 2);
    assert_int_equal(table_next_hop(st, FAR), GW1);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    udp_send(st, fd, GW2); /* GW2 resolves: alive again, GW1 still dead */
    assert_int_equal(arp_target(n, 0), GW2);
    arp_reply_from(n, GW2, 0xfd);
    assert_int_equal(table_next_hop(st, FAR), GW2);
    udp_send(st, fd, GW1);
    arp_reply_from(n, GW1, 0xfe);
    assert_int_equal(table_next_hop(st, FAR), GW1);
    assert_int_equal(cached_next_hop(st, FAR), GW1);
    ust_close(st, fd);
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_gateway_failover),
        cmocka_unit_test(test_route_cache_and_redirects),
        cmocka_unit_test(test_delivery_advice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
