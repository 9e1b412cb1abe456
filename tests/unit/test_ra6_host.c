/* IPv6 host rules of docs/conformance.md's IPv6 checklist for the
 * per-interface knobs and Router Advertisement options beyond the base
 * ones: the RFC 7217 key kept across restarts (IID-4), DupAddrDetectTransmits
 * per interface (SLAAC-1), RFC 4191 Route Information (NODE-26) and RFC
 * 8106 RDNSS / DNSSL (NODE-36). Each through the whole stack on the
 * harness (tests/harness/ipv6_host.h), RAs forged with the wire layer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/ipv6_host.h"
#include "../harness/ra_build.h"

/* A stack on one recorded port with cfg as given (seed, secret, DAD). */
static void fx_cfg(struct fx *f, const struct ust_config *cfg)
{
    f->n = nh_net_new();
    f->n->ipv6 = true;
    struct ust_config c = *cfg;
    f->st = nh_stack(f->n, &c);
    f->port = nh_host(f->n, f->st, NH_NO_WIRE, 1, UST_IP4(203, 0, 113, 2), 24, 1500);
    assert_true(f->port >= 0);
}

static int addrs_of(struct fx *f, enum ust_addr6_origin origin, struct ust_addr6_info *out,
                    int max)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(f->st, 0, a, UST_MAX_ADDRS6), n = 0;
    for (int j = 0; j < k; j++)
        if (a[j].origin == origin && n < max)
            out[n++] = a[j];
    return n;
}

/* Injects an RA from src (SLLA mac) with Router Lifetime lifetime and the
 * options in opts (already encoded), checksummed. */
static void inject_ra_from(struct fx *f, const char *src, const uint8_t mac[6],
                           uint16_t lifetime, const uint8_t *opts, size_t n)
{
    struct ra_build b;
    ra_begin(&b, src, 0, 0, lifetime, 0, 0);
    uint8_t slla[8];
    nd_opt_lladdr_emit(ND_OPT_SLLA, mac, slla, 8);
    ra_raw(&b, slla, sizeof(slla));
    if (n)
        ra_raw(&b, opts, n);
    icmpv6_set_csum(b.buf, b.len, &b.src, &b.dst);
    inject6(f, &b.src, &b.dst, IPV6_NH_ICMPV6, 255, b.buf, b.len);
}

/* An RDNSS option with lifetime and the servers' texts (up to 4). */
static size_t rdnss(uint8_t *out, uint32_t lifetime, const char *const *servers, size_t n)
{
    memset(out, 0, 8);
    out[0] = ND_OPT_RDNSS;
    out[1] = (uint8_t)(1 + 2 * n);
    put_be32(out + 4, lifetime);
    for (size_t i = 0; i < n; i++) {
        struct ipv6_addr a = ip6(servers[i]);
        memcpy(out + 8 + 16 * i, a.b, 16);
    }
    return 8 + 16 * n;
}

/* A Route Information option (Length 3): prefix/len, Prf bits, lifetime. */
static size_t route_info(uint8_t *out, const char *prefix, uint8_t len, uint8_t prf,
                         uint32_t lifetime)
{
    memset(out, 0, 24);
    out[0] = ND_OPT_ROUTE_INFO;
    out[1] = 3;
    out[2] = len;
    out[3] = (uint8_t)(prf << 3);
    put_be32(out + 4, lifetime);
    struct ipv6_addr a = ip6(prefix);
    memcpy(out + 8, a.b, 16);
    return 24;
}

static struct fx fx_ra(void)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 0;
    struct fx f;
    fx_cfg(&f, &cfg);
    return f;
}

static void inject_ra_pio(struct fx *f, const char *prefix)
{
    struct ra_build b;
    ra_begin(&b, "fe80::1", 0, 0, 1800, 0, 0);
    ra_pio(&b, prefix, 64, ND_PIO_ONLINK | ND_PIO_AUTO, 3600, 1800);
    icmpv6_set_csum(b.buf, b.len, &b.src, &b.dst);
    inject6(f, &b.src, &b.dst, IPV6_NH_ICMPV6, 255, b.buf, b.len);
}

/* The link-local and the SLAAC address (from 2001:db8:1::/64) a stack
 * with this seed and key forms; secret NULL: none configured. */
static void addrs_with(uint64_t seed, const uint8_t *secret, uint8_t ll[16], uint8_t slaac[16])
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.seed = seed;
    cfg.ipv6_dad_transmits = 0;
    if (secret) {
        memcpy(cfg.ipv6_stable_secret, secret, 16);
        cfg.ipv6_stable_secret_set = true;
    }
    struct fx f;
    fx_cfg(&f, &cfg);
    inject_ra_pio(&f, "2001:db8:1::");
    nh_run_until(f.n, f.n->now + 2 * UST_SEC);
    struct ust_addr6_info a[2];
    assert_int_equal(addrs_of(&f, UST_ADDR6_LINK_LOCAL, a, 1), 1);
    memcpy(ll, a[0].addr, 16);
    assert_int_equal(addrs_of(&f, UST_ADDR6_AUTOCONF, a, 2), 1);
    memcpy(slaac, a[0].addr, 16);
    nh_net_free(f.n);
}

/* IID-4 (RFC 7217 5): with cfg.ipv6_stable_secret the key is the
 * configured one, so a restarted stack (another seed: other random
 * choices, as after a restart) forms the same link-local and SLAAC
 * addresses; another key forms other ones; without a key the seed's
 * random one does (other seed, other addresses). */
static void test_stable_secret_keeps_addresses(void **state)
{
    (void)state;
    const uint8_t key1[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const uint8_t key2[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    uint8_t ll_a[16], sl_a[16], ll_b[16], sl_b[16], ll_c[16], sl_c[16];
    addrs_with(11, key1, ll_a, sl_a);
    addrs_with(12, key1, ll_b, sl_b);
    assert_memory_equal(ll_a, ll_b, 16);
    assert_memory_equal(sl_a, sl_b, 16);
    addrs_with(12, key2, ll_c, sl_c);
    assert_memory_not_equal(ll_a + 8, ll_c + 8, 8);
    assert_memory_not_equal(sl_a + 8, sl_c + 8, 8);
    addrs_with(11, NULL, ll_b, sl_b);
    addrs_with(12, NULL, ll_c, sl_c);
    assert_memory_not_equal(ll_b + 8, ll_c + 8, 8);
    assert_memory_not_equal(sl_b + 8, sl_c + 8, 8);
}

/* NS from :: for target (DAD probes) the stack sent since the last clear. */
static unsigned dad_probes_for(struct fx *f, const uint8_t target[16])
{
    unsigned n = 0;
    for (size_t i = 0; i < nh_tx_count(f->n, f->port); i++) {
        const uint8_t *ip = nh_tx(f->n, f->port, i)->data + 14;
        if (ip[6] == IPV6_NH_ICMPV6 && ip[40] == ICMPV6_ND_NS && !memcmp(ip + 48, target, 16) &&
            !memcmp(ip + 8, UNSPEC.b, 16))
            n++;
    }
    return n;
}

static enum ust_addr6_state static_state(struct fx *f, const uint8_t addr[16])
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(f->st, 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++)
        if (!memcmp(a[j].addr, addr, 16))
            return a[j].state;
    fail_msg("address not on the interface");
    return UST_ADDR6_DUPLICATED;
}

/* SLAAC-1 (RFC 4862 5.1): DupAddrDetectTransmits is per interface: the
 * default from cfg.ipv6_dad_transmits (2 probes), ust_iface_set_dad_transmits
 * makes it 3 on the interface (three probes for the next address) and 0
 * (no probe: the address is preferred at once, DAD off there); an unknown
 * interface is refused. */
static void test_dad_transmits_per_interface(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 2;
    struct fx f;
    fx_cfg(&f, &cfg);
    nh_run_until(f.n, f.n->now + 5 * UST_SEC);
    uint8_t a1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x21}, a2[16], a3[16];
    memcpy(a2, a1, 16);
    a2[15] = 0x22;
    memcpy(a3, a1, 16);
    a3[15] = 0x23;
    nh_tx_clear(f.n, f.port);
    assert_int_equal(ust_iface_add_addr6(f.st, 0, a1, 64), 0);
    nh_run_until(f.n, f.n->now + 5 * UST_SEC);
    assert_int_equal(dad_probes_for(&f, a1), 2);
    assert_int_equal(ust_iface_set_dad_transmits(f.st, 0, 3), 0);
    assert_int_equal(ust_iface_add_addr6(f.st, 0, a2, 64), 0);
    nh_run_until(f.n, f.n->now + 6 * UST_SEC);
    assert_int_equal(dad_probes_for(&f, a2), 3);
    assert_int_equal(static_state(&f, a2), UST_ADDR6_PREFERRED);
    assert_int_equal(ust_iface_set_dad_transmits(f.st, 0, 0), 0);
    uint64_t started = ust_stack_stats(f.st)->nd6.DadStarted;
    assert_int_equal(ust_iface_add_addr6(f.st, 0, a3, 64), 0);
    assert_int_equal(static_state(&f, a3), UST_ADDR6_PREFERRED);
    nh_run_until(f.n, f.n->now + 5 * UST_SEC);
    assert_int_equal(dad_probes_for(&f, a3), 0);
    assert_int_equal(ust_stack_stats(f.st)->nd6.DadStarted, started);
    assert_int_equal(ust_iface_set_dad_transmits(f.st, 7, 1), UST_ERR_NOENT);
    nh_net_free(f.n);
}

/* SLAAC-1: a stack with two interfaces, DAD off on one of them only: the
 * other still probes its link-local address. */
static void test_dad_off_on_one_interface_only(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 1;
    struct fx f;
    fx_cfg(&f, &cfg);
    int p2 = nh_host(f.n, f.st, NH_NO_WIRE, 2, UST_IP4(198, 51, 100, 2), 24, 1500);
    assert_true(p2 >= 0);
    assert_int_equal(ust_iface_set_dad_transmits(f.st, 1, 0), 0);
    struct ust_addr6_info a[2], b[2];
    assert_int_equal(ust_iface_addrs6(f.st, 0, a, 2), 1);
    assert_int_equal(ust_iface_addrs6(f.st, 1, b, 2), 1);
    assert_int_equal(a[0].state, UST_ADDR6_TENTATIVE);
    nh_run_until(f.n, f.n->now + 5 * UST_SEC);
    assert_int_equal(ust_iface_addrs6(f.st, 1, b, 2), 1);
    assert_int_equal(b[0].state, UST_ADDR6_PREFERRED);
    assert_int_equal(dad_probes_for(&f, a[0].addr), 1);
    unsigned probes2 = 0;
    for (size_t i = 0; i < nh_tx_count(f.n, p2); i++) {
        const uint8_t *ip = nh_tx(f.n, p2, i)->data + 14;
        probes2 += ip[6] == IPV6_NH_ICMPV6 && ip[40] == ICMPV6_ND_NS &&
                   !memcmp(ip + 8, UNSPEC.b, 16);
    }
    assert_int_equal(probes2, 0);
    nh_net_free(f.n);
}

/* The resolver's IPv6 server list (cfg.dns_servers6) holds s? */
static bool resolver_has(struct fx *f, const char *server)
{
    const struct ust_config *cfg = ust_stack_config(f->st);
    struct ipv6_addr a = ip6(server);
    for (unsigned i = 0; i < cfg->dns_servers6_count; i++)
        if (!memcmp(cfg->dns_servers6[i], a.b, 16))
            return true;
    return false;
}

/* NODE-36 (RFC 8106 5.1, 5.2, 5.3.1): an RA's RDNSS servers reach the
 * resolver's server list (cfg.dns_servers6) and its DNSSL names the
 * interface's list (ust_iface_ra_dns), with their lifetimes; a later RA
 * refreshes the lifetime, lifetime 0 removes an entry at once, and
 * entries expire at their lifetime, leaving the resolver's list. */
static void test_ra_rdnss_dnssl_reach_resolver(void **state)
{
    (void)state;
    struct fx f = fx_ra();
    uint8_t opts[128];
    const char *two[] = {"2001:db8::53", "2001:db8::54"};
    size_t n = rdnss(opts, 20, two, 2);
    const uint8_t dnssl[16] = {ND_OPT_DNSSL, 2, 0, 0, 0, 0, 0, 40,
                               3, 'l', 'a', 'b', 0, 0, 0, 0};
    memcpy(opts + n, dnssl, sizeof(dnssl));
    n += sizeof(dnssl);
    assert_int_equal(ust_stack_config(f.st)->dns_servers6_count, 0);
    inject_ra_from(&f, "fe80::1", PEER_MAC, 1800, opts, n);
    assert_int_equal(ust_stack_config(f.st)->dns_servers6_count, 2);
    assert_true(resolver_has(&f, "2001:db8::53") && resolver_has(&f, "2001:db8::54"));
    struct ipv6_addr first;
    assert_int_equal(ipv6_addr_parse("2001:db8::53", &first), 0);
    assert_memory_equal(ust_stack_config(f.st)->dns_server6, first.b, 16); /* the one asked */
    struct ust_ra_dns d;
    assert_int_equal(ust_iface_ra_dns(f.st, 0, &d), 0);
    assert_int_equal(d.n_servers, 2);
    assert_int_equal(d.server_lft[0], 20);
    assert_int_equal(d.n_domains, 1);
    assert_string_equal(d.domains[0], "lab");
    assert_int_equal(d.domain_lft[0], 40);
    nh_run_until(f.n, f.n->now + 10 * UST_SEC);
    const char *one[] = {"2001:db8::53"};
    n = rdnss(opts, 20, one, 1); /* refreshed: 20 s from now */
    inject_ra_from(&f, "fe80::1", PEER_MAC, 1800, opts, n);
    nh_run_until(f.n, f.n->now + 11 * UST_SEC);
    assert_true(resolver_has(&f, "2001:db8::53"));
    assert_false(resolver_has(&f, "2001:db8::54")); /* expired at 20 s */
    assert_int_equal(ust_stack_config(f.st)->dns_servers6_count, 1);
    assert_int_equal(ust_stack_stats(f.st)->ra.DnsExpired, 1);
    n = rdnss(opts, 0, one, 1);
    inject_ra_from(&f, "fe80::1", PEER_MAC, 1800, opts, n);
    assert_int_equal(ust_stack_config(f.st)->dns_servers6_count, 0);
    static const uint8_t none[16];
    assert_memory_equal(ust_stack_config(f.st)->dns_server6, none, 16); /* withdrawn */
    assert_int_equal(ust_iface_ra_dns(f.st, 0, &d), 0);
    assert_int_equal(d.n_servers, 0);
    assert_int_equal(d.n_domains, 1);
    nh_run_until(f.n, f.n->now + 30 * UST_SEC);
    assert_int_equal(ust_iface_ra_dns(f.st, 0, &d), 0);
    assert_int_equal(d.n_domains, 0);
    assert_int_equal(ust_iface_ra_dns(f.st, 5, &d), UST_ERR_NOENT);
    nh_net_free(f.n);
}

/* NODE-36 bounds (RFC 8106 5.3.1): at most cfg.ipv6_ra_max_dns (3)
 * servers; a fourth replaces the one expiring soonest (counted); an
 * unusable address (multicast, ::, ::1) and a malformed option are
 * ignored and counted, the rest of the RA still used. */
static void test_ra_dns_list_bounded(void **state)
{
    (void)state;
    struct fx f = fx_ra();
    uint8_t opts[256];
    size_t n = 0;
    const char *a[] = {"2001:db8::a"}, *b[] = {"2001:db8::b"}, *c[] = {"2001:db8::c"};
    const char *d[] = {"2001:db8::d"}, *bad[] = {"ff02::1", "::1"};
    n += rdnss(opts + n, 100, a, 1);
    n += rdnss(opts + n, 50, b, 1);
    n += rdnss(opts + n, 200, c, 1);
    n += rdnss(opts + n, 300, d, 1);
    n += rdnss(opts + n, 300, bad, 2);
    const uint8_t bad_dnssl[16] = {ND_OPT_DNSSL, 2, 0, 0, 0, 0, 0, 40,
                                   0xc0, 8, 0, 0, 0, 0, 0, 0};
    memcpy(opts + n, bad_dnssl, sizeof(bad_dnssl));
    n += sizeof(bad_dnssl);
    inject_ra_from(&f, "fe80::1", PEER_MAC, 1800, opts, n);
    const struct ust_stats *s = ust_stack_stats(f.st);
    assert_int_equal(ust_stack_config(f.st)->dns_servers6_count, 3);
    assert_true(resolver_has(&f, "2001:db8::a") && resolver_has(&f, "2001:db8::c") &&
                resolver_has(&f, "2001:db8::d"));
    assert_false(resolver_has(&f, "2001:db8::b"));
    assert_int_equal(s->ra.DnsListReplaced, 1);
    assert_int_equal(s->ra.RdnssIgnored, 2);
    assert_int_equal(s->ra.DnsslIgnored, 1);
    struct ust_ra_dns dd;
    assert_int_equal(ust_iface_ra_dns(f.st, 0, &dd), 0);
    assert_int_equal(dd.n_domains, 0);
    nh_net_free(f.n);
}

/* NODE-26 (RFC 4191 3.1, 3.2; a Type C host): a Route Information option
 * from a router that is not a default router (Router Lifetime 0) routes
 * its prefix through it; other destinations have no route; the route
 * expires with its lifetime (counted) and lifetime 0 withdraws it. */
static void test_route_information_installs_and_expires(void **state)
{
    (void)state;
    struct fx f = fx_ra();
    uint8_t opts[64];
    size_t n = route_info(opts, "2001:db8:10::", 48, 0, 30);
    inject_ra_from(&f, "fe80::1", PEER_MAC, 0, opts, n);
    struct ipv6_addr in = ip6("2001:db8:10:5::9"), out = ip6("2001:db8:11::9"), nh;
    struct ipv6_addr r1 = ip6("fe80::1");
    int oif = -1;
    assert_int_equal(route6_next_hop(f.st, &in, -1, &oif, &nh), 0);
    assert_int_equal(oif, 0);
    assert_true(ipv6_addr_eq(&nh, &r1));
    assert_int_equal(route6_next_hop(f.st, &out, -1, &oif, &nh), UST_ERR_NOROUTE);
    nh_run_until(f.n, f.n->now + 31 * UST_SEC);
    assert_int_equal(route6_next_hop(f.st, &in, -1, &oif, &nh), UST_ERR_NOROUTE);
    assert_int_equal(ust_stack_stats(f.st)->ra.RoutesExpired, 1);
    inject_ra_from(&f, "fe80::1", PEER_MAC, 0, opts, n);
    assert_int_equal(route6_next_hop(f.st, &in, -1, &oif, &nh), 0);
    n = route_info(opts, "2001:db8:10::", 48, 0, 0);
    inject_ra_from(&f, "fe80::1", PEER_MAC, 0, opts, n);
    assert_int_equal(route6_next_hop(f.st, &in, -1, &oif, &nh), UST_ERR_NOROUTE);
    nh_net_free(f.n);
}

/* NODE-26 (RFC 4191 3.2): the longest matching route wins over the
 * default router and over a shorter route; for the same prefix the
 * higher preference wins (both routers reachable); a malformed option
 * (reserved preference) is ignored and counted; a ::/0 route does not
 * override the Default Router List. */
static void test_route_information_longest_then_preference(void **state)
{
    (void)state;
    struct fx f = fx_ra();
    const uint8_t mac2[6] = {0x02, 0, 0, 0, 0, 0x22}, mac3[6] = {0x02, 0, 0, 0, 0, 0x33};
    uint8_t opts[128];
    size_t n = route_info(opts, "2001:db8:10::", 48, 3, 600);     /* low */
    n += route_info(opts + n, "::", 0, 1, 600);                    /* ::/0 high */
    inject_ra_from(&f, "fe80::1", PEER_MAC, 1800, opts, n);       /* also default router */
    n = route_info(opts, "2001:db8:10::", 48, 1, 600);            /* high */
    n += route_info(opts + n, "2001:db8:10:20::", 64, 2, 600);     /* reserved: ignored */
    inject_ra_from(&f, "fe80::2", mac2, 0, opts, n);
    n = route_info(opts, "2001:db8:10:20::", 60, 3, 600);         /* longer, low */
    inject_ra_from(&f, "fe80::3", mac3, 0, opts, n);
    struct ipv6_addr nh, r1 = ip6("fe80::1"), r2 = ip6("fe80::2"), r3 = ip6("fe80::3");
    int oif;
    struct ipv6_addr d48 = ip6("2001:db8:10:1::1"), d60 = ip6("2001:db8:10:21::1");
    struct ipv6_addr other = ip6("2001:db8:99::1");
    assert_int_equal(route6_next_hop(f.st, &d48, -1, &oif, &nh), 0);
    assert_true(ipv6_addr_eq(&nh, &r2));
    assert_int_equal(route6_next_hop(f.st, &d60, -1, &oif, &nh), 0);
    assert_true(ipv6_addr_eq(&nh, &r3));
    assert_int_equal(route6_next_hop(f.st, &other, -1, &oif, &nh), 0);
    assert_true(ipv6_addr_eq(&nh, &r1));
    assert_int_equal(ust_stack_stats(f.st)->ra.RouteInfoIgnored, 1);
    nh_net_free(f.n);
}

/* NODE-26 bounds: at most cfg.ipv6_ra_max_routes routes per interface; a
 * full list refuses new ones (counted) and keeps the old ones. */
static void test_route_list_bounded(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 0;
    cfg.ipv6_ra_max_routes = 2;
    struct fx f;
    fx_cfg(&f, &cfg);
    uint8_t opts[96];
    size_t n = route_info(opts, "2001:db8:1::", 48, 0, 600);
    n += route_info(opts + n, "2001:db8:2::", 48, 0, 600);
    n += route_info(opts + n, "2001:db8:3::", 48, 0, 600);
    inject_ra_from(&f, "fe80::1", PEER_MAC, 0, opts, n);
    struct ipv6_addr nh, d1 = ip6("2001:db8:1::1"), d3 = ip6("2001:db8:3::1");
    int oif;
    assert_int_equal(route6_next_hop(f.st, &d1, -1, &oif, &nh), 0);
    assert_int_equal(route6_next_hop(f.st, &d3, -1, &oif, &nh), UST_ERR_NOROUTE);
    assert_int_equal(ust_stack_stats(f.st)->ra.RouteListFull, 1);
    nh_net_free(f.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stable_secret_keeps_addresses),
        cmocka_unit_test(test_dad_transmits_per_interface),
        cmocka_unit_test(test_dad_off_on_one_interface_only),
        cmocka_unit_test(test_ra_rdnss_dnssl_reach_resolver),
        cmocka_unit_test(test_ra_dns_list_bounded),
        cmocka_unit_test(test_route_information_installs_and_expires),
        cmocka_unit_test(test_route_information_longest_then_preference),
        cmocka_unit_test(test_route_list_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
