/* Router and prefix discovery for a host (src/net6/router_list.c): RFC 4861
 * 6.3.4 processing of each RA field and option, the RAs a host must ignore
 * (each with its counter), RFC 5942 on-link determination, lifetimes on a
 * virtual clock, bounded lists and RFC 4861 6.3.6 / RFC 4191 default router
 * choice. RAs are built with the wire emitters and parsed with nd_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/ra_build.h"
#include "net6/router_list.h"
#include "ustack/stack.h"

#define T0 (1000 * UST_SEC)

struct fixture {
    struct ust_config cfg;
    struct router_list rl;
    struct ust_ra_stats st;
    struct ust_rng rng;
    struct ra_build b;
    struct ipv6_addr removed_routers[8];
    unsigned n_removed_routers;
    struct ipv6_addr removed_prefixes[8];
    unsigned n_removed_prefixes;
    struct ipv6_addr reachable[4]; /* routers the neighbour cache knows reachable */
    unsigned n_reachable;
};

static void on_router_removed(void *ctx, const struct ipv6_addr *r)
{
    struct fixture *f = ctx;
    if (f->n_removed_routers < 8)
        f->removed_routers[f->n_removed_routers++] = *r;
}

static void on_prefix_removed(void *ctx, const struct ipv6_addr *p, uint8_t len)
{
    struct fixture *f = ctx;
    (void)len;
    if (f->n_removed_prefixes < 8)
        f->removed_prefixes[f->n_removed_prefixes++] = *p;
}

static enum rl_reach on_reach(void *ctx, const struct ipv6_addr *r)
{
    struct fixture *f = ctx;
    for (unsigned i = 0; i < f->n_reachable; i++)
        if (ipv6_addr_eq(&f->reachable[i], r))
            return RL_REACH_PROBABLY;
    return RL_REACH_UNKNOWN;
}

static const struct rl_ops ops = {on_router_removed, on_prefix_removed, on_reach};

static struct fixture *setup_cfg(void (*tweak)(struct ust_config *))
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    ust_config_default(&f->cfg);
    if (tweak)
        tweak(&f->cfg);
    rng_seed(&f->rng, 7);
    assert_int_equal(router_list_init(&f->rl, &f->cfg, 1500, &ops, f, &f->st), 0);
    return f;
}

static int setup(void **state)
{
    *state = setup_cfg(NULL);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    router_list_free(&f->rl);
    free(f);
    return 0;
}

/* Parses b and hands it to the router list as the datapath would. */
static int feed(struct fixture *f, ust_time_t now)
{
    struct nd_msg m;
    return router_list_ra_bytes(&f->rl, now, &f->b.ip, f->b.buf, f->b.len, &m, &f->rng);
}

static void ra_plain(struct fixture *f, const char *src, uint16_t lifetime)
{
    ra_begin(&f->b, src, 0, 0, lifetime, 0, 0);
}

/* ND-12, ND-13: an RA adds its sender as a default router with its
 * lifetime and sets Cur Hop Limit, ReachableTime, RetransTimer. */
static void test_ra_fields_adopted(void **state)
{
    struct fixture *f = *state;
    ra_begin(&f->b, "fe80::1", 32, ND_RA_MANAGED, 1800, 20000, 2500);
    assert_int_equal(feed(f, T0), 0);
    assert_int_equal(f->st.Accepted, 1);
    assert_int_equal(f->rl.n_routers, 1);
    assert_true(ipv6_addr_eq(&f->rl.routers[0].addr, &f->b.src));
    assert_true(f->rl.routers[0].expires == T0 + 1800 * UST_SEC);
    assert_int_equal(f->rl.cur_hop_limit, 32);
    assert_int_equal(f->rl.base_reachable_ms, 20000);
    assert_true(f->rl.reachable_time >= 10000 * UST_MSEC);
    assert_true(f->rl.reachable_time <= 30000 * UST_MSEC);
    assert_true(f->rl.retrans_timer == 2500 * UST_MSEC);
    assert_true(f->rl.managed);
    assert_false(f->rl.other);
}

/* ND-11: a 0 (unspecified) field leaves the variable as earlier RAs set it. */
static void test_ra_zero_fields_keep_values(void **state)
{
    struct fixture *f = *state;
    ra_begin(&f->b, "fe80::1", 32, 0, 1800, 20000, 2500);
    assert_int_equal(feed(f, T0), 0);
    ust_time_t reach = f->rl.reachable_time;
    ra_begin(&f->b, "fe80::2", 0, 0, 1800, 0, 0);
    assert_int_equal(feed(f, T0 + UST_SEC), 0);
    assert_int_equal(f->rl.cur_hop_limit, 32);
    assert_int_equal(f->rl.base_reachable_ms, 20000);
    assert_true(f->rl.reachable_time == reach);
    assert_true(f->rl.retrans_timer == 2500 * UST_MSEC);
    assert_int_equal(f->rl.n_routers, 2); /* the first router stays */
}

/* ND-12: ReachableTime is uniform in 0.5..1.5 x BaseReachableTime, drawn
 * again when the base changes and every few hours (RL_REACHABLE_REDRAW). */
static void test_reachable_time_random(void **state)
{
    struct fixture *f = *state;
    ust_time_t lo = UST_TIME_NEVER, hi = 0;
    for (uint32_t base = 10000; base < 10100; base++) { /* each RA changes the base */
        ra_begin(&f->b, "fe80::1", 0, 0, 1800, base, 0);
        assert_int_equal(feed(f, T0), 0);
        ust_time_t r = f->rl.reachable_time;
        assert_true(r >= (ust_time_t)base * UST_MSEC / 2);
        assert_true(r <= (ust_time_t)base * UST_MSEC * 3 / 2);
        lo = r < lo ? r : lo;
        hi = r > hi ? r : hi;
    }
    assert_true(hi - lo > 5000 * UST_MSEC); /* spread over the range, not fixed */
    assert_true(router_list_next_deadline(&f->rl) <= T0 + RL_REACHABLE_REDRAW);
    ust_time_t before = f->rl.reachable_time;
    unsigned changed = 0;
    for (int i = 1; i <= 8; i++) {
        router_list_tick(&f->rl, T0 + (ust_time_t)i * RL_REACHABLE_REDRAW, &f->rng);
        changed += f->rl.reachable_time != before;
        before = f->rl.reachable_time;
    }
    assert_true(changed >= 6);
}

/* ND-13: Router Lifetime 0 removes the router at once (and tells the
 * datapath, ND-17); a later RA refreshes the timer. */
static void test_router_lifetime_zero_and_refresh(void **state)
{
    struct fixture *f = *state;
    ra_plain(f, "fe80::1", 100);
    assert_int_equal(feed(f, T0), 0);
    ra_plain(f, "fe80::1", 300);
    assert_int_equal(feed(f, T0 + 50 * UST_SEC), 0);
    assert_true(f->rl.routers[0].expires == T0 + 350 * UST_SEC);
    ra_plain(f, "fe80::1", 0);
    assert_int_equal(feed(f, T0 + 60 * UST_SEC), 0);
    assert_int_equal(f->rl.n_routers, 0);
    assert_int_equal(f->n_removed_routers, 1);
    assert_true(ipv6_addr_eq(&f->removed_routers[0], &f->b.src));
}

/* RFC 4861 6.3.5: a router whose lifetime ends leaves the list on the tick
 * at its deadline, not before. */
static void test_router_expiry(void **state)
{
    struct fixture *f = *state;
    ra_plain(f, "fe80::1", 10);
    assert_int_equal(feed(f, T0), 0);
    assert_true(router_list_next_deadline(&f->rl) == T0 + 10 * UST_SEC);
    router_list_tick(&f->rl, T0 + 10 * UST_SEC - 1, &f->rng);
    assert_int_equal(f->rl.n_routers, 1);
    router_list_tick(&f->rl, T0 + 10 * UST_SEC, &f->rng);
    assert_int_equal(f->rl.n_routers, 0);
    assert_int_equal(f->st.RoutersExpired, 1);
    assert_int_equal(f->n_removed_routers, 1);
}

static void two_routers(struct ust_config *c) { c->ipv6_ra_max_routers = 2; }
static void two_prefixes(struct ust_config *c) { c->ipv6_ra_max_prefixes = 2; }
static void no_accept_ra(struct ust_config *c) { c->ipv6_accept_ra = false; }

/* ND-13: room for at least two routers; beyond the bound a new router is
 * refused and counted, the known ones stay. */
static void test_router_list_bounded(void **state)
{
    teardown(state);
    struct fixture *f = setup_cfg(two_routers);
    *state = f;
    const char *srcs[3] = {"fe80::1", "fe80::2", "fe80::3"};
    for (int i = 0; i < 3; i++) {
        ra_plain(f, srcs[i], 600);
        assert_int_equal(feed(f, T0), 0);
    }
    assert_int_equal(f->rl.n_routers, 2);
    assert_int_equal(f->st.RouterListFull, 1);
}

/* ND-4: Hop Limit other than 255 (an off-link sender), given by the caller
 * in the header fields: ignored and counted, nothing learnt. Also when the
 * message itself parsed well (router_list_ra checks the header too). */
static void test_bad_hop_limit_ignored(void **state)
{
    struct fixture *f = *state;
    ra_begin(&f->b, "fe80::1", 9, 0, 1800, 0, 0);
    ra_pio(&f->b, "2001:db8:1::", 64, ND_PIO_ONLINK, 3600, 1800);
    assert_int_equal(ra_parse(&f->b), 0);
    f->b.ip.hop_limit = 254;
    assert_true(router_list_ra(&f->rl, T0, &f->b.ip, &f->b.m, &f->rng) < 0);
    assert_true(feed(f, T0) < 0);
    assert_int_equal(f->st.BadHopLimit, 2);
    assert_int_equal(f->st.Accepted, 0);
    assert_int_equal(f->rl.n_routers, 0);
    assert_int_equal(f->rl.n_prefixes, 0);
    assert_int_equal(f->rl.cur_hop_limit, RL_DEFAULT_HOP_LIMIT);
}

/* ND-4: an RA from a source that is not link-local is ignored. */
static void test_global_source_ignored(void **state)
{
    struct fixture *f = *state;
    ra_begin(&f->b, "fe80::1", 0, 0, 1800, 0, 0);
    assert_int_equal(ra_parse(&f->b), 0);
    f->b.src = ip6("2001:db8::1"); /* the header the caller hands over */
    assert_true(router_list_ra(&f->rl, T0, &f->b.ip, &f->b.m, &f->rng) < 0);
    assert_true(feed(f, T0) < 0); /* nd_parse refuses it too */
    assert_int_equal(f->st.BadSource, 2);
    assert_int_equal(f->rl.n_routers, 0);
}

/* ND-4: a truncated RA, one with a zero-length option, and a message that
 * is not an RA: ignored as Malformed. */
static void test_malformed_ignored(void **state)
{
    struct fixture *f = *state;
    ra_plain(f, "fe80::1", 1800);
    f->b.len = ND_RA_LEN - 1;
    assert_true(feed(f, T0) < 0);
    ra_plain(f, "fe80::1", 1800);
    static const uint8_t zero_len_opt[8] = {ND_OPT_MTU, 0};
    ra_raw(&f->b, zero_len_opt, sizeof(zero_len_opt));
    assert_true(feed(f, T0) < 0);
    struct nd_msg rs = {.type = ICMPV6_ND_RS};
    assert_true(router_list_ra(&f->rl, T0, &f->b.ip, &rs, &f->rng) < 0);
    assert_int_equal(f->st.Malformed, 3);
    assert_int_equal(f->st.InRAs, 3);
    assert_int_equal(f->rl.n_routers, 0);
}

/* cfg.ipv6_accept_ra off: valid RAs are counted and ignored. */
static void test_accept_ra_off(void **state)
{
    teardown(state);
    struct fixture *f = setup_cfg(no_accept_ra);
    *state = f;
    ra_begin(&f->b, "fe80::1", 0, 0, 1800, 0, 0);
    ra_pio(&f->b, "2001:db8:1::", 64, ND_PIO_ONLINK, 3600, 1800);
    assert_true(feed(f, T0) < 0);
    assert_int_equal(f->st.Ignored, 1);
    assert_int_equal(f->rl.n_routers + f->rl.n_prefixes, 0);
}

/* ND-15, ND-21, RFC 5942: a PIO with L=1 makes its prefix on-link; other
 * addresses stay off-link. */
static void test_pio_onlink(void **state)
{
    struct fixture *f = *state;
    ra_begin(&f->b, "fe80::1", 0, 0, 1800, 0, 0);
    ra_pio(&f->b, "2001:db8:1::", 64, ND_PIO_ONLINK | ND_PIO_AUTO, 3600, 1800);
    assert_int_equal(feed(f, T0), 0);
    assert_int_equal(f->rl.n_prefixes, 1);
    struct ipv6_addr in = ip6("2001:db8:1::99"), out = ip6("2001:db8:2::99"), nh;
    assert_true(router_list_on_link(&f->rl, &in));
    assert_false(router_list_on_link(&f->rl, &out));
    assert_int_equal(router_list_next_hop(&f->rl, &in, &nh), 0);
    assert_true(ipv6_addr_eq(&nh, &in));
    assert_int_equal(router_list_next_hop(&f->rl, &out, &nh), 0);
    assert_true(ipv6_addr_eq(&nh, &f->b.src)); /* off-link: the router */
}

/* ND-16: a PIO with L=0 says nothing about on-link status: it neither makes
 * the prefix on-link nor cancels earlier L=1 information. */
static void test_pio_l0_neither_adds_nor_cancels(void **state)
{
    struct fixture *f = *state;
    ra_begin(&f->b, "fe80::1", 0, 0, 1800, 0, 0);
    ra_pio(&f->b, "2001:db8:2::", 64, ND_PIO_AUTO, 3600, 1800);
    assert_int_equal(feed(f, T0), 0);
    struct ipv6_addr a1 = ip6("2001:db8:1::5"), a2 = ip6("2001:db8:2::5");
    assert_false(router_list_on_link(&f->rl, &a2));
    ra_begin(&f->b, "fe80::1", 0, 0, 1800, 0, 0);
    ra_pio(&f->b, "2001:db8:1::", 64, ND_PIO_ONLINK, 3600, 1800);
    assert_int_equal(feed(f, T0), 0);
    ra_begin(&f->b, "fe80::1", 0, 0, 1800, 0, 0);
    ra_pio(&f->b, "2001:db8:1::", 64, 0, 0, 0); /* L=0, valid 0 */
    assert_int_equal(feed(f, T0 + UST_SEC), 0);
    assert_true(router_list_on_link(&f->rl, &a1));
}

/* ND-19 (RFC 5942 4): with no prefix and no router nothing is assumed
 * on-link (not even the prefix of an address we have): no next hop.
 * Link-local and multicast destinations are always on-link (RFC 4861 5.2). */
static void test_nothing_assumed_onlink(void **state)
{
    struct fixture *f = *state;
    struct ipv6_addr g = ip6("2001:db8:1::1"), ll = ip6("fe80::9"), mc = ip6("ff02::1:2"), nh;
    assert_false(router_list_on_link(&f->rl, &g));
    assert_int_equal(router_list_next_hop(&f->rl, &g, &nh), UST_ERR_NOROUTE);
    assert_int_equal(router_list_next_hop(&f->rl, &ll, &nh), 0);
    assert_true(ipv6_addr_eq(&nh, &ll));
    assert_true(router_list_on_link(&f->rl, &mc));
}

/* ND-15, ND-20: valid lifetime 0 removes a prefix at once; a finite one
 * ends on the tick at its deadline (destinations off-link again, the
 * datapath told); an infinite one never expires. */
static void test_prefix_lifetimes(void **state)
{
    struct fixture *f = *state;
    ra_begin(&f->b, "fe80::1", 0, 0, 0, 0, 0);
    ra_pio(&f->b, "2001:db8:1::", 64, ND_PIO_ONLINK, 30, 30);
    ra_pio(&f->b, "2001:db8:2::", 64, ND_PIO_ONLINK, 0xffffffffu, 0xffffffffu);
    ra_pio(&f->b, "2001:db8:3::", 64, ND_PIO_ONLINK, 60, 60);
    assert_int_equal(feed(f, T0), 0);
    assert_int_equal(f->rl.n_prefixes, 3);
    ra_begin(&f->b, "fe80::1", 0, 0, 0, 0, 0);
    ra_pio(&f->b, "2001:db8:3::", 64, ND_PIO_ONLINK, 0, 0);
    assert_int_equal(feed(f, T0 + UST_SEC), 0);
    assert_int_equal(f->rl.n_prefixes, 2);
    assert_int_equal(f->n_removed_prefixes, 1);
    assert_true(router_list_next_deadline(&f->rl) == T0 + 30 * UST_SEC);
    router_list_tick(&f->rl, T0 + 30 * UST_SEC, &f->rng);
    struct ipv6_addr a1 = ip6("2001:db8:1::1"), a2 = ip6("2001:db8:2::1");
    assert_false(router_list_on_link(&f->rl, &a1));
    assert_int_equal(f->st.PrefixesExpired, 1);
    router_list_tick(&f->rl, T0 + 3650 * 86400 * UST_SEC, &f->rng);
    assert_true(router_list_on_link(&f->rl, &a2));
}

/* ND-15: a PIO for a known prefix resets its timer: advertised for 30 s,
 * then for 100 s 20 s later, it stays on-link until T0 + 120 s. */
static void test_prefix_timer_reset(void **state)
{
    struct fixture *f = *state;
    struct ipv6_addr in = ip6("2001:db8:1::1");
    ra_begin(&f->b, "fe80::1", 0, 0, 0, 0, 0);
    ra_pio(&f->b, "2001:db8:1::", 64, ND_PIO_ONLINK, 30, 30);
    assert_int_equal(feed(f, T0), 0);
    ra_begin(&f->b, "fe80::1", 0, 0, 0, 0, 0);
    ra_pio(&f->b, "2001:db8:1::", 64, ND_PIO_ONLINK, 100, 100);
    assert_int_equal(feed(f, T0 + 20 * UST_SEC), 0);
    assert_int_equal(f->rl.n_prefixes, 1);
    assert_true(router_list_next_deadline(&f->rl) == T0 + 120 * UST_SEC);
    router_list_tick(&f->rl, T0 + 31 * UST_SEC, &f->rng);
    assert_true(router_list_on_link(&f->rl, &in));
    router_list_tick(&f->rl, T0 + 120 * UST_SEC, &f->rng);
    assert_false(router_list_on_link(&f->rl, &in));
}

/* ND-15: a PIO for the link-local prefix is ignored (counted). */
static void test_link_local_pio_ignored(void **state)
{
    struct fixture *f = *state;
    ra_begin(&f->b, "fe80::1", 0, 0, 0, 0, 0);
    ra_pio(&f->b, "fe80::", 64, ND_PIO_ONLINK, 3600, 3600);
    assert_int_equal(feed(f, T0), 0);
    assert_int_equal(f->rl.n_prefixes, 0);
    assert_int_equal(f->st.PrefixIgnored, 1);
}

static void test_prefix_list_bounded(void **state)
{
    teardown(state);
    struct fixture *f = setup_cfg(two_prefixes);
    *state = f;
    ra_begin(&f->b, "fe80::1", 0, 0, 0, 0, 0);
    ra_pio(&f->b, "2001:db8:1::", 64, ND_PIO_ONLINK, 3600, 3600);
    ra_pio(&f->b, "2001:db8:2::", 64, ND_PIO_ONLINK, 3600, 3600);
    ra_pio(&f->b, "2001:db8:3::", 64, ND_PIO_ONLINK, 3600, 3600);
    assert_int_equal(feed(f, T0), 0);
    assert_int_equal(f->rl.n_prefixes, 2);
    assert_int_equal(f->st.PrefixListFull, 1);
}

/* ND-14: the MTU option is adopted between 1280 and the link's MTU;
 * outside it is ignored and counted. */
static void test_mtu_option(void **state)
{
    struct fixture *f = *state;
    const uint32_t mtus[4] = {1400, 1279, 1501, 1280};
    const uint32_t expect[4] = {1400, 1400, 1400, 1280};
    for (int i = 0; i < 4; i++) {
        ra_begin(&f->b, "fe80::1", 0, 0, 0, 0, 0);
        ra_mtu(&f->b, mtus[i]);
        assert_int_equal(feed(f, T0), 0);
        assert_int_equal(f->rl.mtu, expect[i]);
    }
    assert_int_equal(f->st.MtuIgnored, 2);
}

/* ND-1: an unknown option, an option not for RAs (TLLA) and an option of
 * the wrong length (MTU with length 2) are skipped, the rest processed. */
static void test_odd_options_skipped(void **state)
{
    struct fixture *f = *state;
    static const uint8_t unknown[8] = {200, 1, 1, 2, 3, 4, 5, 6};
    static const uint8_t tlla[8] = {ND_OPT_TLLA, 1, 2, 0, 0, 0, 0, 1};
    static const uint8_t long_mtu[16] = {ND_OPT_MTU, 2, 0, 0, 0, 0, 0x05, 0x00};
    ra_begin(&f->b, "fe80::1", 0, 0, 600, 0, 0);
    ra_raw(&f->b, unknown, sizeof(unknown));
    ra_raw(&f->b, tlla, sizeof(tlla));
    ra_raw(&f->b, long_mtu, sizeof(long_mtu));
    ra_pio(&f->b, "2001:db8:1::", 64, ND_PIO_ONLINK, 3600, 3600);
    assert_int_equal(feed(f, T0), 0);
    assert_int_equal(f->st.BadOptions, 1);
    assert_int_equal(f->rl.mtu, 1500);
    assert_int_equal(f->rl.n_prefixes, 1);
    assert_int_equal(f->rl.n_routers, 1);
}

/* RFC 4191 2.2, 3.2: among reachable routers the higher preference wins;
 * the reserved value (10) counts as medium. */
static void test_router_preference(void **state)
{
    struct fixture *f = *state;
    ra_begin(&f->b, "fe80::1", 0, 0x10 /* Prf 10: reserved */, 600, 0, 0);
    assert_int_equal(feed(f, T0), 0);
    ra_begin(&f->b, "fe80::2", 0, 0x18 /* Prf 11: low */, 600, 0, 0);
    assert_int_equal(feed(f, T0), 0);
    ra_begin(&f->b, "fe80::3", 0, 0x08 /* Prf 01: high */, 600, 0, 0);
    assert_int_equal(feed(f, T0), 0);
    f->reachable[0] = ip6("fe80::1");
    f->reachable[1] = ip6("fe80::2");
    f->n_reachable = 2;
    struct ipv6_addr r;
    assert_int_equal(router_list_select(&f->rl, &r), 0);
    assert_true(ipv6_addr_eq(&r, &f->reachable[0])); /* medium beats low */
    f->reachable[2] = ip6("fe80::3");
    f->n_reachable = 3;
    assert_int_equal(router_list_select(&f->rl, &r), 0);
    assert_true(ipv6_addr_eq(&r, &f->reachable[2]));
    assert_int_equal(f->rl.routers[0].pref, RL_PREF_MEDIUM);
}

/* ND-18: a router known (probably) reachable is chosen over ones whose
 * reachability is unknown, every time. */
static void test_select_reachable_first(void **state)
{
    struct fixture *f = *state;
    ra_plain(f, "fe80::1", 600);
    assert_int_equal(feed(f, T0), 0);
    ra_plain(f, "fe80::2", 600);
    assert_int_equal(feed(f, T0), 0);
    f->reachable[0] = ip6("fe80::2");
    f->n_reachable = 1;
    for (int i = 0; i < 4; i++) {
        struct ipv6_addr r;
        assert_int_equal(router_list_select(&f->rl, &r), 0);
        assert_true(ipv6_addr_eq(&r, &f->reachable[0]));
    }
    assert_int_equal(f->st.RoundRobin, 0);
}

/* ND-18: with none known reachable the choice goes round-robin, so every
 * router gets tried in turn. */
static void test_select_round_robin(void **state)
{
    struct fixture *f = *state;
    struct ipv6_addr r;
    assert_int_equal(router_list_select(&f->rl, &r), UST_ERR_NOROUTE);
    ra_plain(f, "fe80::1", 600);
    assert_int_equal(feed(f, T0), 0);
    ra_plain(f, "fe80::2", 600);
    assert_int_equal(feed(f, T0), 0);
    struct ipv6_addr got[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(router_list_select(&f->rl, &got[i]), 0);
    assert_false(ipv6_addr_eq(&got[0], &got[1]));
    assert_true(ipv6_addr_eq(&got[0], &got[2]));
    assert_true(ipv6_addr_eq(&got[1], &got[3]));
    assert_int_equal(f->st.RoundRobin, 4);
}

/* The ra and addrconf counters are in the stack's lists: what
 * `ustack netstat --stats --all` prints (ust_stats_print). */
static void test_counters_printed(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    struct ust_stack *st = ust_stack_new(&cfg);
    assert_non_null(st);
    char *buf = NULL;
    size_t sz = 0;
    FILE *out = open_memstream(&buf, &sz);
    assert_non_null(out);
    ust_stats_print(st, out, true);
    fclose(out);
    const char *want[] = {"ra:\n", "BadHopLimit", "RouterListFull", "PrefixListFull",
                          "addrconf:\n", "DadConflicts", "TwoHourRule", "TempRegenerated"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_non_null(strstr(buf, want[i]));
    free(buf);
    ust_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_ra_fields_adopted),
        T(test_ra_zero_fields_keep_values),
        T(test_reachable_time_random),
        T(test_router_lifetime_zero_and_refresh),
        T(test_router_expiry),
        T(test_router_list_bounded),
        T(test_bad_hop_limit_ignored),
        T(test_global_source_ignored),
        T(test_malformed_ignored),
        T(test_accept_ra_off),
        T(test_pio_onlink),
        T(test_pio_l0_neither_adds_nor_cancels),
        T(test_nothing_assumed_onlink),
        T(test_prefix_lifetimes),
        T(test_prefix_timer_reset),
        T(test_link_local_pio_ignored),
        T(test_prefix_list_bounded),
        T(test_mtu_option),
        T(test_odd_options_skipped),
        T(test_router_preference),
        T(test_select_reachable_first),
        T(test_select_round_robin),
#undef T
        cmocka_unit_test(test_counters_printed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
