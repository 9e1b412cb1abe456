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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stable_secret_keeps_addresses),
        cmocka_unit_test(test_dad_transmits_per_interface),
        cmocka_unit_test(test_dad_off_on_one_interface_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
