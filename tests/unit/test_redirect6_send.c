/* Redirects a router sends (RFC 4861 8.2, 4.5; NODE-23), byte by byte: one
 * stack in router mode (cfg.ip_forwarding) on a recorded harness port;
 * packets from the neighbour PEER are injected for destinations whose
 * next hop is on the same link, and the Redirect it sends back is read
 * field by field (addresses, Hop Limit 255, target and destination, the
 * Target Link-Layer option when the target's address is known, the
 * Redirected Header quoting the packet up to 1280 octets in all), next to
 * the forwarded packet itself. Then the rate limit (a token bucket:
 * RedirectsRateLimited) and the cases 8.2 sends none for. Virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../harness/ipv6_host.h"

static const struct ipv6_addr GW = {{0xfe, 0x80, [15] = 0x99}};     /* the better first hop */
static const uint8_t GW_MAC[6] = {0x02, 0, 0, 0, 0, 0x99};
static const struct ipv6_addr NET5 = {{0x20, 0x01, 0x0d, 0xb8, 0, 5}}; /* behind GW */
static const struct ipv6_addr D5 = {{0x20, 0x01, 0x0d, 0xb8, 0, 5, [15] = 7}};
static const struct ipv6_addr ONLINK = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x77}}; /* in US/64 */

/* A router on one port: US/64, PEER and GW resolved, NET5 via GW. */
static void fx_router(struct fx *f, unsigned rate, unsigned burst)
{
    f->n = nh_net_new();
    f->n->ipv6 = true;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 0;
    cfg.ipv6_accept_ra = false;
    cfg.ip_forwarding = true;
    cfg.icmp6_err_rate = rate;
    cfg.icmp6_err_burst = burst;
    f->st = nh_stack(f->n, &cfg);
    f->port = nh_host(f->n, f->st, NH_NO_WIRE, 1, UST_IP4(203, 0, 113, 2), 24, 1500);
    assert_true(f->port >= 0);
    assert_int_equal(ust_iface_add_addr6(f->st, 0, US.b, 64), 0);
    nd_learn(f->st, 0, &PEER, PEER_MAC, true);
    nd_learn(f->st, 0, &GW, GW_MAC, true);
    assert_int_equal(ust_route_add6(f->st, NET5.b, 64, GW.b, 0), 0);
    nh_run_until(f->n, f->n->now + 10 * UST_MSEC);
    nh_tx_clear(f->n, f->port);
}

/* The packet inject6 sends: IPv6 header and an echo request of dlen. */
static size_t packet(uint8_t *pkt, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                     size_t dlen)
{
    size_t plen = echo_from(pkt + 40, src, dst, dlen);
    struct ipv6_hdr h = {.payload_len = (uint16_t)plen, .next_hdr = IPV6_NH_ICMPV6,
                         .hop_limit = 64, .src = *src, .dst = *dst};
    ipv6_emit(&h, pkt, 40);
    return 40 + plen;
}

static void send_pkt(struct fx *f, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                     size_t dlen)
{
    uint8_t pkt[1600];
    size_t len = packet(pkt, src, dst, dlen);
    inject6(f, src, dst, IPV6_NH_ICMPV6, 64, pkt + 40, len - 40);
}

static uint64_t nd6(struct fx *f, size_t off)
{
    return *(const uint64_t *)((const char *)&ust_stack_stats(f->st)->nd6 + off);
}
#define NDC(x) offsetof(struct ust_nd6_stats, x)

/* Checks the one Redirect sent: returns its parsed message; *tlla and the
 * quoted packet (*quote, *quote_len, padding included) from its options. */
static struct nd_msg check_redirect(struct fx *f, const uint8_t **tlla, const uint8_t **quote,
                                    size_t *quote_len, size_t *total)
{
    const uint8_t *ip;
    assert_int_equal(sent(f, ICMPV6_ND_REDIRECT, &ip), 1);
    struct ipv6_hdr h;
    assert_int_equal(ipv6_parse(ip, 1500, &h), 0);
    struct ipv6_addr ll;
    assert_true(ip6_link_local_usable(f->st, 0, &ll));
    assert_true(ipv6_addr_eq(&h.src, &ll));   /* 8.2: our link-local address */
    assert_true(ipv6_addr_eq(&h.dst, &PEER)); /* the packet's source */
    assert_int_equal(h.hop_limit, 255);
    *total = 40 + h.payload_len;
    struct icmpv6_hdr ih;
    assert_int_equal(icmpv6_parse(ip + 40, h.payload_len, &h.src, &h.dst, true, &ih), 0);
    struct nd_ip nip = {.src = &h.src, .dst = &h.dst, .hop_limit = h.hop_limit};
    struct nd_msg m;
    assert_int_equal(nd_parse(ip + 40, h.payload_len, &nip, &m), 0); /* what 8.1 accepts */
    *tlla = NULL;
    *quote = NULL;
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, m.opts, m.opts_len);
    while (nd_opt_next(&it, &o)) {
        size_t ll_len;
        if (o.type == ND_OPT_TLLA)
            assert_int_equal(nd_opt_lladdr(&o, tlla, &ll_len), 0);
        if (o.type == ND_OPT_REDIRECTED)
            assert_int_equal(nd_opt_redirected(&o, quote, quote_len), 0);
    }
    assert_int_equal(it.err, 0);
    assert_non_null(*quote);
    return m;
}

/* A large packet to a destination behind GW: target GW (a router: its
 * link-local address), its link address, and the quote cut so that the
 * Redirect is exactly 1280 octets; the packet is forwarded too. */
static void test_redirect_fields_router_target(void **state)
{
    (void)state;
    struct fx f;
    fx_router(&f, 100, 50);
    uint8_t pkt[1600];
    size_t len = packet(pkt, &PEER, &D5, 1300);
    send_pkt(&f, &PEER, &D5, 1300);
    const uint8_t *tlla, *quote, *fwd;
    size_t qlen, total;
    struct nd_msg m = check_redirect(&f, &tlla, &quote, &qlen, &total);
    assert_true(ipv6_addr_eq(&m.target, &GW));
    assert_true(ipv6_addr_eq(&m.dest, &D5));
    assert_non_null(tlla);
    assert_memory_equal(tlla, GW_MAC, 6);
    assert_int_equal(total, IPV6_MIN_MTU);    /* as much as fits in 1280 */
    assert_true(qlen < len);
    assert_memory_equal(quote, pkt, qlen);
    assert_int_equal(sent(&f, ICMPV6_ECHO_REQUEST, &fwd), 1); /* 8.2: forwarded */
    assert_int_equal(fwd[7], 63);
    assert_int_equal(nd6(&f, NDC(RedirectsSent)), 1);
    nh_net_free(f.n);
}

/* A small packet to an on-link destination whose address is unknown:
 * target == destination, no TLLA, the whole packet quoted (padded to 8). */
static void test_redirect_on_link_destination(void **state)
{
    (void)state;
    struct fx f;
    fx_router(&f, 100, 50);
    uint8_t pkt[200];
    size_t len = packet(pkt, &PEER, &ONLINK, 13);
    send_pkt(&f, &PEER, &ONLINK, 13);
    const uint8_t *tlla, *quote;
    size_t qlen, total;
    struct nd_msg m = check_redirect(&f, &tlla, &quote, &qlen, &total);
    assert_true(ipv6_addr_eq(&m.target, &ONLINK));
    assert_true(ipv6_addr_eq(&m.dest, &ONLINK));
    assert_null(tlla);
    assert_int_equal(qlen, (len + 7) & ~(size_t)7);
    assert_memory_equal(quote, pkt, len);
    for (size_t i = len; i < qlen; i++)
        assert_int_equal(quote[i], 0);
    assert_int_equal(total, 40 + ND_REDIRECT_LEN + 8 + qlen);
    nh_net_free(f.n);
}

/* 8.2 "MUST limit the rate": burst 2 at 1 per second; the packets are all
 * forwarded, the extra Redirects counted, ICMPv6 errors' budget untouched. */
static void test_redirect_rate_limited(void **state)
{
    (void)state;
    struct fx f;
    fx_router(&f, 1, 2);
    for (int i = 0; i < 5; i++)
        send_pkt(&f, &PEER, &D5, 8);
    assert_int_equal(sent(&f, ICMPV6_ND_REDIRECT, NULL), 2);
    assert_int_equal(sent(&f, ICMPV6_ECHO_REQUEST, NULL), 5);
    assert_int_equal(nd6(&f, NDC(RedirectsSent)), 2);
    assert_int_equal(nd6(&f, NDC(RedirectsRateLimited)), 3);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6OutRateLimited, 0);
    nh_run_until(f.n, f.n->now + UST_SEC); /* one token back */
    nh_tx_clear(f.n, f.port);
    send_pkt(&f, &PEER, &D5, 8);
    send_pkt(&f, &PEER, &D5, 8);
    assert_int_equal(sent(&f, ICMPV6_ND_REDIRECT, NULL), 1);
    assert_int_equal(nd6(&f, NDC(RedirectsRateLimited)), 4);
    nh_net_free(f.n);
}

/* No Redirect: the source is not a neighbour (8.2), or the better first
 * hop has no link-local address to name it by (4.5: RedirectsNotSent). */
static void test_no_redirect_when_8_2_says_not(void **state)
{
    (void)state;
    struct fx f;
    fx_router(&f, 100, 50);
    const struct ipv6_addr far = {{0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 1}};
    send_pkt(&f, &far, &D5, 8); /* no route back to it on this link */
    assert_int_equal(sent(&f, ICMPV6_ECHO_REQUEST, NULL), 1);
    assert_int_equal(sent(&f, ICMPV6_ND_REDIRECT, NULL), 0);
    const struct ipv6_addr net6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 6}};
    const struct ipv6_addr d6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 6, [15] = 1}};
    assert_int_equal(ust_route_add6(f.st, net6.b, 64, PEER.b, 0), 0); /* a global gateway */
    const struct ipv6_addr other = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x44}};
    nd_learn(f.st, 0, &other, PEER_MAC, false);
    send_pkt(&f, &other, &d6, 8);
    assert_int_equal(sent(&f, ICMPV6_ECHO_REQUEST, NULL), 2);
    assert_int_equal(sent(&f, ICMPV6_ND_REDIRECT, NULL), 0);
    assert_int_equal(nd6(&f, NDC(RedirectsNotSent)), 1);
    assert_int_equal(nd6(&f, NDC(RedirectsSent)), 0);
    nh_net_free(f.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redirect_fields_router_target),
        cmocka_unit_test(test_redirect_on_link_destination),
        cmocka_unit_test(test_redirect_rate_limited),
        cmocka_unit_test(test_no_redirect_when_8_2_says_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
