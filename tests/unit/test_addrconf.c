/* IPv6 stateless address autoconfiguration (src/net6/addrconf*.c) on a
 * virtual clock: the link-local address, RFC 4862 5.5.3 PIO processing
 * (each ignored case, each two-hour-rule case), preferred -> deprecated ->
 * invalid, DAD outcomes with RFC 7217 DAD_Counter retries, RFC 8981
 * temporary addresses and their regeneration, and the Router Solicitation
 * schedules of RFC 4861 6.3.7 and RFC 7559. The datapath is played by the
 * callbacks below, which log every call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../harness/ra_build.h"
#include "net6/addrconf.h"
#include "transport/tcp/tcp.h" /* siphash24: the keyed hash the datapath gives */

#define T0 (1000 * UST_SEC)
#define HOUR (3600 * UST_SEC)
#define DAY (24 * HOUR)
#define MAX_EV 512

enum ev_kind { EV_DAD, EV_USABLE, EV_REMOVED, EV_RS };
struct ev {
    enum ev_kind kind;
    struct ipv6_addr a;
    uint8_t state, addr_kind;
    ust_time_t t;
};

struct fixture {
    struct ust_config cfg;
    struct addrconf ac;
    struct ust_addrconf_stats st;
    struct ust_rng rng;
    uint8_t key[16];
    bool auto_dad;          /* start_dad answers "unique" at once (DAD off) */
    bool zero_iid_first;    /* prf returns a reserved IID for DAD_Counter 0 */
    ust_time_t now;
    struct ev ev[MAX_EV];
    unsigned n_ev;
};

static void log_ev(struct fixture *f, enum ev_kind k, const struct ac_addr *a)
{
    assert_true(f->n_ev < MAX_EV);
    struct ev *e = &f->ev[f->n_ev++];
    memset(e, 0, sizeof(*e));
    e->kind = k;
    e->t = f->now;
    if (a) {
        e->a = a->addr;
        e->state = a->state;
        e->addr_kind = a->kind;
    }
}

static void on_start_dad(void *ctx, const struct ac_addr *a)
{
    struct fixture *f = ctx;
    log_ev(f, EV_DAD, a);
    if (f->auto_dad) /* a callback may call back into the module */
        assert_int_equal(addrconf_dad_done(&f->ac, f->now, &a->addr, false), 0);
}
static void on_usable(void *ctx, const struct ac_addr *a) { log_ev(ctx, EV_USABLE, a); }
static void on_removed(void *ctx, const struct ac_addr *a) { log_ev(ctx, EV_REMOVED, a); }
static void on_rs(void *ctx) { log_ev(ctx, EV_RS, NULL); }

static uint64_t prf(void *ctx, const uint8_t *msg, size_t len)
{
    struct fixture *f = ctx;
    if (f->zero_iid_first && msg[len - 1] == 0)
        return 0; /* the Subnet-Router anycast IID: reserved (RFC 5453) */
    return siphash24(f->key, msg, len);
}

static const struct ac_ops ops = {on_start_dad, on_usable, on_removed, on_rs, prf};

static struct fixture *make(void (*tweak)(struct ust_config *), const char *ifname)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    ust_config_default(&f->cfg);
    if (tweak)
        tweak(&f->cfg);
    rng_seed(&f->rng, 42);
    memcpy(f->key, "0123456789abcdef", 16);
    f->now = T0;
    assert_int_equal(addrconf_init(&f->ac, &f->cfg, &ops, f, &f->rng, &f->st, ifname,
                                   strlen(ifname)), 0);
    return f;
}

static void destroy(struct fixture *f)
{
    addrconf_free(&f->ac);
    free(f);
}

static int setup(void **state)
{
    *state = make(NULL, "eth0");
    return 0;
}

static int teardown(void **state)
{
    destroy(*state);
    return 0;
}

/* Replaces the fixture with one built from another configuration. */
static struct fixture *remake(void **state, void (*tweak)(struct ust_config *))
{
    destroy(*state);
    *state = make(tweak, "eth0");
    return *state;
}

/* The virtual clock: runs every deadline up to `end` in order. */
static void run_until(struct fixture *f, ust_time_t end)
{
    for (int guard = 0; guard < 100000; guard++) {
        ust_time_t d = addrconf_next_deadline(&f->ac);
        if (d > end)
            break;
        if (d > f->now)
            f->now = d;
        addrconf_tick(&f->ac, f->now);
    }
    f->now = end;
}

static void pio(struct fixture *f, const char *prefix, uint8_t len, uint8_t flags,
                uint32_t valid, uint32_t preferred)
{
    struct nd_prefix_info pi = {.prefix_len = len, .flags = flags, .valid_lifetime = valid,
                                .preferred_lifetime = preferred, .prefix = ip6(prefix)};
    addrconf_pio(&f->ac, f->now, &pi);
}

static void slaac(struct fixture *f, const char *prefix, uint32_t valid, uint32_t preferred)
{
    pio(f, prefix, 64, ND_PIO_ONLINK | ND_PIO_AUTO, valid, preferred);
}

/* The n-th address of a kind (in slot order), or NULL. */
static struct ac_addr *nth(struct fixture *f, uint8_t kind, unsigned n)
{
    for (unsigned i = 0; i < f->ac.max_addrs; i++) {
        struct ac_addr *a = &f->ac.addrs[i];
        if (a->in_use && a->kind == kind && n-- == 0)
            return a;
    }
    return NULL;
}

static unsigned count_ev(const struct fixture *f, enum ev_kind k)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->n_ev; i++)
        n += f->ev[i].kind == k;
    return n;
}

/* RFC 7217 5: the IID the module must have formed. */
static void expect_stable_iid(struct fixture *f, const struct ac_addr *a, const char *ifname)
{
    uint8_t msg[64];
    size_t n = strlen(ifname);
    memcpy(msg, a->addr.b, 8);
    memcpy(msg + 8, ifname, n);
    msg[8 + n] = a->dad_counter;
    uint64_t h = siphash24(f->key, msg, 9 + n);
    for (int i = 0; i < 8; i++)
        assert_int_equal(a->addr.b[15 - i], (uint8_t)(h >> (8 * i)));
}

/* SLAAC-2, SLAAC-7, IID-3: on start a tentative link-local address with an
 * RFC 7217 IID; DAD starts after a random delay of at most 1 s; when it
 * ends the address is preferred and never expires. */
static void test_link_local_on_start(void **state)
{
    struct fixture *f = *state;
    addrconf_start(&f->ac, f->now);
    struct ac_addr *ll = nth(f, AC_LINK_LOCAL, 0);
    assert_non_null(ll);
    assert_true(ipv6_addr_is_link_local(&ll->addr));
    assert_int_equal(ll->addr.b[2] | ll->addr.b[3] | ll->addr.b[7], 0);
    assert_int_equal(ll->state, AC_TENTATIVE);
    expect_stable_iid(f, ll, "eth0");
    assert_true(ll->dad_at >= T0 && ll->dad_at <= T0 + UST_SEC);
    assert_int_equal(count_ev(f, EV_DAD), 0);
    run_until(f, T0 + UST_SEC);
    assert_int_equal(count_ev(f, EV_DAD), 1);
    assert_int_equal(addrconf_dad_done(&f->ac, f->now, &ll->addr, false), 0);
    assert_int_equal(ll->state, AC_PREFERRED);
    assert_int_equal(f->ev[f->n_ev - 1].kind, EV_USABLE);
    assert_true(ll->valid_until == UST_TIME_NEVER);
    struct ra_build b; /* a default router: the solicitations stop */
    ra_begin(&b, "fe80::1", 0, 0, 1800, 0, 0);
    assert_int_equal(ra_parse(&b), 0);
    addrconf_ra(&f->ac, f->now, &b.m);
    run_until(f, T0 + 3650 * DAY);
    assert_int_equal(ll->state, AC_PREFERRED);
    assert_int_equal(count_ev(f, EV_REMOVED), 0);
}

/* The delay before DAD is random: not the same for every seed. */
static void test_dad_delay_random(void **state)
{
    struct fixture *f = *state;
    ust_time_t seen[8];
    for (int i = 0; i < 8; i++) {
        rng_seed(&f->rng, (uint64_t)i + 1);
        addrconf_stop(&f->ac);
        addrconf_start(&f->ac, T0);
        seen[i] = nth(f, AC_LINK_LOCAL, 0)->dad_at;
        assert_true(seen[i] >= T0 && seen[i] <= T0 + UST_SEC);
    }
    unsigned distinct = 0;
    for (int i = 0; i < 8; i++)
        distinct += seen[i] != seen[0];
    assert_true(distinct >= 4);
}

/* IID-3, IID-4: the IID is F(prefix, Net_Iface, Network_ID, DAD_Counter,
 * key): the same after a restart, different on another interface, for
 * another prefix, or with another key. */
static void test_stable_iid_inputs(void **state)
{
    struct fixture *f = *state;
    slaac(f, "2001:db8:1::", 3600, 1800);
    slaac(f, "2001:db8:2::", 3600, 1800);
    struct ac_addr a1 = *nth(f, AC_STABLE, 0), a2 = *nth(f, AC_STABLE, 1);
    expect_stable_iid(f, &a1, "eth0");
    assert_memory_not_equal(a1.addr.b + 8, a2.addr.b + 8, 8);
    struct fixture *g = make(NULL, "eth0"); /* a restart: same inputs */
    g->now = f->now + DAY;
    slaac(g, "2001:db8:1::", 3600, 1800);
    assert_memory_equal(nth(g, AC_STABLE, 0)->addr.b, a1.addr.b, 16);
    destroy(g);
    g = make(NULL, "eth1");
    slaac(g, "2001:db8:1::", 3600, 1800);
    assert_memory_not_equal(nth(g, AC_STABLE, 0)->addr.b + 8, a1.addr.b + 8, 8);
    destroy(g);
    g = make(NULL, "eth0");
    g->key[0] ^= 1;
    slaac(g, "2001:db8:1::", 3600, 1800);
    assert_memory_not_equal(nth(g, AC_STABLE, 0)->addr.b + 8, a1.addr.b + 8, 8);
    destroy(g);
}

/* SLAAC-12: a new /64 with A=1 and a non-zero valid lifetime gives an
 * address with the PIO's lifetimes, through DAD. */
static void test_pio_forms_address(void **state)
{
    struct fixture *f = *state;
    slaac(f, "2001:db8:1::", 7200, 3600);
    struct ac_addr *a = nth(f, AC_STABLE, 0);
    assert_non_null(a);
    assert_memory_equal(a->addr.b, ip6("2001:db8:1::").b, 8);
    assert_int_equal(a->prefix_len, 64);
    assert_true(a->valid_until == T0 + 7200 * UST_SEC);
    assert_true(a->preferred_until == T0 + 3600 * UST_SEC);
    assert_int_equal(f->st.AddrsCreated, 1);
    f->auto_dad = true;
    run_until(f, T0 + UST_SEC);
    assert_int_equal(a->state, AC_PREFERRED);
    assert_int_equal(count_ev(f, EV_USABLE), 1);
}

/* SLAAC-12 (RFC 4862 5.5.3 a-d): A=0, the link-local prefix, preferred >
 * valid, a prefix length that is not 64, and a new prefix with valid
 * lifetime 0 form nothing. */
static void test_pio_ignored_cases(void **state)
{
    struct fixture *f = *state;
    pio(f, "2001:db8:1::", 64, ND_PIO_ONLINK, 3600, 1800);       /* a: A=0 */
    pio(f, "fe80::", 64, ND_PIO_AUTO, 3600, 1800);               /* b */
    pio(f, "2001:db8:2::", 64, ND_PIO_AUTO, 1800, 3600);         /* c */
    pio(f, "2001:db8:3::", 48, ND_PIO_AUTO, 3600, 1800);         /* d: 48 + 64 != 128 */
    pio(f, "2001:db8:4::", 80, ND_PIO_AUTO, 3600, 1800);
    pio(f, "2001:db8:5::", 64, ND_PIO_AUTO, 0, 0);               /* nothing to form */
    for (unsigned i = 0; i < f->ac.max_addrs; i++)
        assert_false(f->ac.addrs[i].in_use);
    assert_int_equal(f->st.PioIgnored, 2);
    assert_int_equal(f->st.PioBadPrefixLen, 2);
    assert_int_equal(f->st.AddrsCreated, 0);
}

static void autoconf_off(struct ust_config *c) { c->ipv6_autoconf = false; }

/* SLAAC-11: with cfg.ipv6_autoconf off, RAs form no address (the
 * link-local one is still formed). */
static void test_autoconf_off(void **state)
{
    struct fixture *f = remake(state, autoconf_off);
    struct ra_build b;
    ra_begin(&b, "fe80::1", 0, 0, 1800, 0, 0);
    ra_pio(&b, "2001:db8:1::", 64, ND_PIO_ONLINK | ND_PIO_AUTO, 3600, 1800);
    assert_int_equal(ra_parse(&b), 0);
    addrconf_ra(&f->ac, f->now, &b.m);
    assert_null(nth(f, AC_STABLE, 0));
    addrconf_start(&f->ac, f->now);
    assert_non_null(nth(f, AC_LINK_LOCAL, 0));
}

/* An RA's PIOs reach SLAAC through addrconf_ra (the parsed message). */
static void test_ra_pios(void **state)
{
    struct fixture *f = *state;
    struct ra_build b;
    ra_begin(&b, "fe80::1", 0, 0, 1800, 0, 0);
    ra_pio(&b, "2001:db8:1::", 64, ND_PIO_ONLINK | ND_PIO_AUTO, 3600, 1800);
    ra_pio(&b, "2001:db8:2::", 64, ND_PIO_ONLINK, 3600, 1800);
    ra_pio(&b, "2001:db8:3::", 64, ND_PIO_AUTO, 3600, 1800);
    assert_int_equal(ra_parse(&b), 0);
    addrconf_ra(&f->ac, f->now, &b.m);
    assert_memory_equal(nth(f, AC_STABLE, 0)->addr.b, ip6("2001:db8:1::").b, 8);
    assert_memory_equal(nth(f, AC_STABLE, 1)->addr.b, ip6("2001:db8:3::").b, 8);
    assert_null(nth(f, AC_STABLE, 2));
}

/* Runs the two-hour rule once: an address whose remaining valid lifetime
 * is `remaining` s gets a PIO with `received` s; returns the new remaining
 * lifetime (s). */
static ust_time_t two_hour_case(struct fixture *f, uint32_t remaining, uint32_t received)
{
    addrconf_stop(&f->ac);
    slaac(f, "2001:db8:1::", remaining, 0);
    slaac(f, "2001:db8:1::", received, 0);
    struct ac_addr *a = nth(f, AC_STABLE, 0);
    return a->valid_until == UST_TIME_NEVER ? UST_TIME_NEVER : (a->valid_until - f->now) / UST_SEC;
}

/* SLAAC-13 (RFC 4862 5.5.3 e), each case. */
static void test_two_hour_rule_1_longer_than_two_hours(void **state)
{
    struct fixture *f = *state;
    /* 1: received > 2 h: adopted, even when it shortens the lifetime */
    assert_int_equal(two_hour_case(f, 10 * 3600, 3 * 3600), 3 * 3600);
    assert_int_equal(two_hour_case(f, 3600, 0xffffffffu), UST_TIME_NEVER);
    assert_int_equal(f->st.TwoHourRule, 0);
}

static void test_two_hour_rule_1_longer_than_remaining(void **state)
{
    struct fixture *f = *state;
    /* 1: received > RemainingLifetime (both under 2 h): adopted */
    assert_int_equal(two_hour_case(f, 3600, 5400), 5400);
    assert_int_equal(f->st.TwoHourRule, 0);
}

static void test_two_hour_rule_2_remaining_short(void **state)
{
    struct fixture *f = *state;
    /* 2: RemainingLifetime <= 2 h: the received (shorter) one is ignored */
    assert_int_equal(two_hour_case(f, 3600, 600), 3600);
    assert_int_equal(two_hour_case(f, 7200, 0), 7200);
    assert_int_equal(f->st.TwoHourRule, 2);
}

static void test_two_hour_rule_3_cut_to_two_hours(void **state)
{
    struct fixture *f = *state;
    /* 3: otherwise (remaining > 2 h, received <= 2 h and shorter): 2 h */
    assert_int_equal(two_hour_case(f, 10 * 3600, 1800), 7200);
    assert_int_equal(two_hour_case(f, 10 * 3600, 0), 7200);
    assert_int_equal(f->st.TwoHourRule, 2);
}

/* SLAAC-13: the preferred lifetime is always reset to the advertised one. */
static void test_preferred_reset(void **state)
{
    struct fixture *f = *state;
    slaac(f, "2001:db8:1::", 86400, 80000);
    f->now += 100 * UST_SEC;
    slaac(f, "2001:db8:1::", 86400, 60);
    assert_true(nth(f, AC_STABLE, 0)->preferred_until == f->now + 60 * UST_SEC);
}

/* SLAAC-14..16, RFC 4862 5.5.4: preferred until the preferred lifetime
 * ends, then deprecated (still usable, the datapath told), then invalid at
 * the end of the valid lifetime: removed, and the datapath told once. */
static void test_lifetime_transitions(void **state)
{
    struct fixture *f = *state;
    f->auto_dad = true;
    slaac(f, "2001:db8:1::", 600, 300);
    run_until(f, T0 + UST_SEC);
    struct ac_addr *a = nth(f, AC_STABLE, 0);
    struct ipv6_addr addr = a->addr;
    assert_int_equal(a->state, AC_PREFERRED);
    assert_true(addrconf_next_deadline(&f->ac) == T0 + 300 * UST_SEC);
    run_until(f, T0 + 300 * UST_SEC - 1);
    assert_int_equal(a->state, AC_PREFERRED);
    run_until(f, T0 + 300 * UST_SEC);
    assert_int_equal(a->state, AC_DEPRECATED);
    assert_int_equal(f->ev[f->n_ev - 1].kind, EV_USABLE);
    assert_int_equal(f->ev[f->n_ev - 1].state, AC_DEPRECATED);
    assert_int_equal(f->st.AddrsDeprecated, 1);
    run_until(f, T0 + 600 * UST_SEC);
    assert_null(addrconf_find(&f->ac, &addr));
    assert_int_equal(count_ev(f, EV_REMOVED), 1);
    assert_int_equal(f->ev[f->n_ev - 1].state, AC_INVALID);
    assert_int_equal(f->st.AddrsExpired, 1);
}

/* A deprecated address whose prefix is advertised as preferred again is
 * preferred again. */
static void test_deprecated_preferred_again(void **state)
{
    struct fixture *f = *state;
    f->auto_dad = true;
    slaac(f, "2001:db8:1::", 86400, 60);
    run_until(f, T0 + 61 * UST_SEC);
    assert_int_equal(nth(f, AC_STABLE, 0)->state, AC_DEPRECATED);
    slaac(f, "2001:db8:1::", 86400, 3600);
    assert_int_equal(nth(f, AC_STABLE, 0)->state, AC_PREFERRED);
    assert_int_equal(f->ev[f->n_ev - 1].state, AC_PREFERRED);
}

/* IID-6, SLAAC-10 (RFC 7217 6): a duplicate is removed and never assigned;
 * the next try uses DAD_Counter + 1 (a new IID) after a random delay of up
 * to IDGEN_DELAY; after IDGEN_RETRIES retries the module gives up, and a
 * later RA for the prefix does not start over. */
static void test_dad_conflict_next_counter(void **state)
{
    struct fixture *f = *state;
    slaac(f, "2001:db8:1::", 86400, 86400);
    struct ac_addr *a = nth(f, AC_STABLE, 0);
    struct ipv6_addr tried[AC_IDGEN_RETRIES + 1];
    for (unsigned i = 0; i <= AC_IDGEN_RETRIES; i++) {
        run_until(f, f->now + UST_SEC);
        assert_int_equal(f->ev[f->n_ev - 1].kind, EV_DAD);
        assert_int_equal(a->dad_counter, i);
        expect_stable_iid(f, a, "eth0");
        tried[i] = a->addr;
        for (unsigned j = 0; j < i; j++)
            assert_false(ipv6_addr_eq(&tried[j], &tried[i]));
        ust_time_t t = f->now;
        assert_int_equal(addrconf_dad_done(&f->ac, t, &a->addr, true), 0);
        assert_int_equal(f->ev[f->n_ev - 1].kind, EV_REMOVED);
        assert_int_equal(f->ev[f->n_ev - 1].state, AC_DUPLICATE);
        if (i < AC_IDGEN_RETRIES)
            assert_true(a->dad_at >= t && a->dad_at <= t + AC_IDGEN_DELAY);
    }
    assert_int_equal(a->state, AC_DUPLICATE);
    assert_int_equal(f->st.DadConflicts, AC_IDGEN_RETRIES + 1);
    assert_int_equal(f->st.DadGiveUps, 1);
    assert_int_equal(count_ev(f, EV_USABLE), 0);
    unsigned dads = count_ev(f, EV_DAD);
    slaac(f, "2001:db8:1::", 86400, 86400);
    run_until(f, f->now + 10 * UST_SEC);
    assert_int_equal(count_ev(f, EV_DAD), dads);
}

/* IID-3, IID-6: the link-local address too retries with DAD_Counter + 1. */
static void test_link_local_conflict(void **state)
{
    struct fixture *f = *state;
    addrconf_start(&f->ac, f->now);
    run_until(f, f->now + UST_SEC);
    struct ac_addr *ll = nth(f, AC_LINK_LOCAL, 0);
    struct ipv6_addr first = ll->addr;
    assert_int_equal(addrconf_dad_done(&f->ac, f->now, &ll->addr, true), 0);
    assert_int_equal(ll->dad_counter, 1);
    assert_true(ipv6_addr_is_link_local(&ll->addr));
    assert_false(ipv6_addr_eq(&ll->addr, &first));
    expect_stable_iid(f, ll, "eth0");
}

/* IID-5: an IID that is reserved (RFC 5453) is handled like a DAD failure:
 * DAD_Counter + 1, counted. */
static void test_reserved_iid_refused(void **state)
{
    struct fixture *f = *state;
    f->zero_iid_first = true;
    slaac(f, "2001:db8:1::", 3600, 1800);
    struct ac_addr *a = nth(f, AC_STABLE, 0);
    assert_int_equal(a->dad_counter, 1);
    assert_false(ac_iid_reserved(&a->addr));
    assert_int_equal(f->st.IidRefused, 1);
    struct ipv6_addr r = ip6("2001:db8::fdff:ffff:ffff:ff90");
    assert_true(ac_iid_reserved(&r));
    r = ip6("2001:db8::200:5eff:fe00:5213");
    assert_true(ac_iid_reserved(&r));
    r = ip6("2001:db8::200:5eff:ff00:0");
    assert_false(ac_iid_reserved(&r));
}

/* dad_done for an address that is not tentative: refused. */
static void test_dad_done_unknown(void **state)
{
    struct fixture *f = *state;
    struct ipv6_addr x = ip6("2001:db8::1");
    assert_int_equal(addrconf_dad_done(&f->ac, f->now, &x, false), UST_ERR_NOENT);
    slaac(f, "2001:db8:1::", 3600, 1800); /* DAD not started yet */
    assert_int_equal(addrconf_dad_done(&f->ac, f->now, &nth(f, AC_STABLE, 0)->addr, false),
                     UST_ERR_NOENT);
}

/* addrconf_stop (interface down, another link): every address the datapath
 * knew is removed once; nothing is left. */
static void test_stop_removes_all(void **state)
{
    struct fixture *f = *state;
    f->auto_dad = true;
    addrconf_start(&f->ac, f->now);
    slaac(f, "2001:db8:1::", 3600, 1800);
    run_until(f, f->now + UST_SEC);
    slaac(f, "2001:db8:2::", 3600, 1800); /* not announced yet */
    addrconf_stop(&f->ac);
    assert_int_equal(count_ev(f, EV_REMOVED), 2);
    for (unsigned i = 0; i < f->ac.max_addrs; i++)
        assert_false(f->ac.addrs[i].in_use);
    assert_true(addrconf_next_deadline(&f->ac) == UST_TIME_NEVER);
}

static void small_list(struct ust_config *c) { c->ipv6_max_addrs = 2; }

/* The address list is bounded; a full list is counted. */
static void test_address_list_bounded(void **state)
{
    struct fixture *f = remake(state, small_list);
    slaac(f, "2001:db8:1::", 3600, 1800);
    slaac(f, "2001:db8:2::", 3600, 1800);
    slaac(f, "2001:db8:3::", 3600, 1800);
    assert_int_equal(f->st.AddrListFull, 1);
    assert_int_equal(f->st.AddrsCreated, 2);
}

/* ---- Router Solicitations ---- */

static void rs_three(struct ust_config *c) { c->ipv6_rs_max = 3; }

static void rs_times(const struct fixture *f, ust_time_t *t, unsigned *n)
{
    *n = 0;
    for (unsigned i = 0; i < f->n_ev; i++)
        if (f->ev[i].kind == EV_RS)
            t[(*n)++] = f->ev[i].t;
}

/* RFC 4861 6.3.7 (cfg.ipv6_rs_max 3): the first RS 0..1 s after start,
 * then MAX_RTR_SOLICITATIONS in all, RTR_SOLICITATION_INTERVAL apart. */
static void test_rs_rfc4861_schedule(void **state)
{
    struct fixture *f = remake(state, rs_three);
    addrconf_start(&f->ac, f->now);
    run_until(f, T0 + 3600 * UST_SEC);
    ust_time_t t[64];
    unsigned n;
    rs_times(f, t, &n);
    assert_int_equal(n, 3);
    assert_true(t[0] >= T0 && t[0] <= T0 + UST_SEC);
    assert_true(t[1] == t[0] + 4 * UST_SEC);
    assert_true(t[2] == t[1] + 4 * UST_SEC);
    assert_int_equal(f->st.RsSent, 3);
}

/* NODE-21 (RFC 7559, the default): retransmissions go on with the RFC 3315
 * back-off: about 4 s, then each about double, up to about an hour, each
 * within +-10%. */
static void test_rs_rfc7559_backoff(void **state)
{
    struct fixture *f = *state;
    addrconf_start(&f->ac, f->now);
    run_until(f, T0 + 20 * HOUR);
    ust_time_t t[64];
    unsigned n;
    rs_times(f, t, &n);
    assert_true(n >= 15);
    ust_time_t expect = 4 * UST_SEC;
    for (unsigned i = 1; i < n; i++) {
        ust_time_t gap = t[i] - t[i - 1];
        if (expect > 3600 * UST_SEC)
            expect = 3600 * UST_SEC;
        assert_true(gap >= expect - expect / 10 - 1);
        assert_true(gap <= (expect + expect / 10) * 11 / 10 + 1);
        expect = gap * 2;
    }
    assert_true(t[n - 1] - t[n - 2] >= 3240 * UST_SEC); /* capped near MRT */
}

/* ND-10: an RA with a non-zero Router Lifetime ends the solicitations; one
 * with lifetime 0 (not a default router) does not. */
static void test_rs_stops_on_ra(void **state)
{
    struct fixture *f = *state;
    addrconf_start(&f->ac, f->now);
    run_until(f, T0 + 5 * UST_SEC);
    struct ra_build b;
    ra_begin(&b, "fe80::1", 0, 0, 0, 0, 0);
    assert_int_equal(ra_parse(&b), 0);
    addrconf_ra(&f->ac, f->now, &b.m);
    unsigned before = count_ev(f, EV_RS);
    run_until(f, T0 + 60 * UST_SEC);
    assert_true(count_ev(f, EV_RS) > before);
    ra_begin(&b, "fe80::1", 0, 0, 1800, 0, 0);
    assert_int_equal(ra_parse(&b), 0);
    addrconf_ra(&f->ac, f->now, &b.m);
    before = count_ev(f, EV_RS);
    run_until(f, T0 + 10 * HOUR);
    assert_int_equal(count_ev(f, EV_RS), before);
}

/* ---- RFC 8981 temporary addresses ---- */

static void temp_on(struct ust_config *c) { c->ipv6_temp_addrs = true; }

/* TEMP-7: off by default; no temporary address is formed. */
static void test_temp_off_by_default(void **state)
{
    struct fixture *f = *state;
    slaac(f, "2001:db8:1::", 30 * 86400, 7 * 86400);
    assert_null(nth(f, AC_TEMPORARY, 0));
}

/* TEMP-1, TEMP-2, TEMP-4: with the option on each SLAAC prefix gets a
 * temporary address with a random IID, valid for min(prefix, 2 days),
 * preferred for min(prefix, 1 day - DESYNC_FACTOR), DESYNC in 0..0.4 day. */
static void test_temp_created(void **state)
{
    struct fixture *f = remake(state, temp_on);
    slaac(f, "2001:db8:1::", 30 * 86400, 7 * 86400);
    slaac(f, "2001:db8:2::", 3600, 1800);
    struct ac_addr *s = nth(f, AC_STABLE, 0), *t = nth(f, AC_TEMPORARY, 0);
    struct ac_addr *t2 = nth(f, AC_TEMPORARY, 1);
    assert_non_null(t);
    assert_non_null(t2);
    assert_memory_equal(t->addr.b, s->addr.b, 8);
    assert_memory_not_equal(t->addr.b + 8, s->addr.b + 8, 8);
    assert_memory_not_equal(t->addr.b + 8, t2->addr.b + 8, 8);
    assert_true(t->valid_until == T0 + 2 * DAY);
    assert_true(t->desync <= DAY / 100 * 40);
    assert_true(t->preferred_until == T0 + DAY - t->desync);
    assert_true(t2->valid_until == T0 + 3600 * UST_SEC); /* the prefix's is shorter */
    assert_true(t2->preferred_until == T0 + 1800 * UST_SEC);
    assert_int_equal(f->st.TempAddrsCreated, 2);
}

/* TEMP-3: no temporary address when the preferred lifetime would not
 * exceed REGEN_ADVANCE (2 s + 3 x 1 x 1 s = 5 s by default). */
static void test_temp_not_without_preferred(void **state)
{
    struct fixture *f = remake(state, temp_on);
    slaac(f, "2001:db8:1::", 3600, 5);
    assert_null(nth(f, AC_TEMPORARY, 0));
    slaac(f, "2001:db8:2::", 3600, 0);
    assert_null(nth(f, AC_TEMPORARY, 0));
    slaac(f, "2001:db8:3::", 3600, 6);
    assert_non_null(nth(f, AC_TEMPORARY, 0));
}

/* TEMP-2: later RAs never extend a temporary address beyond its caps. */
static void test_temp_caps_hold(void **state)
{
    struct fixture *f = remake(state, temp_on);
    slaac(f, "2001:db8:1::", 3600, 1800);
    struct ac_addr *t = nth(f, AC_TEMPORARY, 0);
    f->now += 600 * UST_SEC;
    slaac(f, "2001:db8:1::", 0xffffffffu, 0xffffffffu);
    assert_true(t->valid_until == T0 + 2 * DAY);
    assert_true(t->preferred_until == T0 + DAY - t->desync);
}

/* TEMP-5: each temporary address gets a successor REGEN_ADVANCE before it
 * becomes deprecated; the old one deprecates at its preferred lifetime and
 * is removed after TEMP_VALID_LIFETIME. Over five days one temporary
 * address is preferred at every moment after the first DAD. */
static void test_temp_regeneration_schedule(void **state)
{
    struct fixture *f = remake(state, temp_on);
    f->auto_dad = true;
    slaac(f, "2001:db8:1::", 0xffffffffu, 0xffffffffu);
    run_until(f, T0 + UST_SEC);
    for (ust_time_t t = T0 + HOUR; t <= T0 + 5 * DAY; t += HOUR) {
        run_until(f, t);
        unsigned preferred = 0, present = 0;
        for (unsigned i = 0; i < f->ac.max_addrs; i++) {
            const struct ac_addr *a = &f->ac.addrs[i];
            if (!a->in_use || a->kind != AC_TEMPORARY)
                continue;
            present++;
            preferred += a->state == AC_PREFERRED;
            assert_true(a->valid_until <= a->created + 2 * DAY);
            assert_true(a->preferred_until <= a->created + DAY);
        }
        assert_true(preferred >= 1);
        assert_true(present <= 4);
    }
    /* the creation times: each successor REGEN_ADVANCE before the
     * predecessor's preferred lifetime ended */
    unsigned made = 0;
    ust_time_t last_made = 0;
    for (unsigned i = 0; i < f->n_ev; i++) {
        if (f->ev[i].kind != EV_DAD || f->ev[i].addr_kind != AC_TEMPORARY)
            continue;
        if (made)
            assert_true(f->ev[i].t - last_made >= DAY - DAY / 100 * 40 - f->ac.regen_advance);
        last_made = f->ev[i].t;
        made++;
    }
    assert_true(made >= 5);
    assert_int_equal(f->st.TempRegenerated, made - 1);
    assert_true(f->st.AddrsExpired >= 2); /* old ones removed at 2 days */
}

/* TEMP-5 exception (RFC 8981 3.6): deprecated by a PIO with preferred
 * lifetime 0, a temporary address gets no successor. */
static void test_temp_no_regen_after_pio_pref_zero(void **state)
{
    struct fixture *f = remake(state, temp_on);
    f->auto_dad = true;
    slaac(f, "2001:db8:1::", 86400, 86400);
    run_until(f, T0 + UST_SEC);
    slaac(f, "2001:db8:1::", 86400, 0);
    run_until(f, T0 + 2 * UST_SEC);
    assert_int_equal(nth(f, AC_TEMPORARY, 0)->state, AC_DEPRECATED);
    run_until(f, T0 + DAY);
    assert_null(nth(f, AC_TEMPORARY, 1));
    assert_int_equal(f->st.TempRegenerated, 0);
}

/* TEMP-4: a temporary address found duplicate gets a new random IID, up to
 * TEMP_IDGEN_RETRIES times, then the module gives up (counted). */
static void test_temp_dad_conflict(void **state)
{
    struct fixture *f = remake(state, temp_on);
    slaac(f, "2001:db8:1::", 86400, 86400);
    struct ac_addr *t = nth(f, AC_TEMPORARY, 0);
    struct ipv6_addr prev = t->addr;
    for (unsigned i = 0; i < AC_TEMP_IDGEN_RETRIES; i++) {
        run_until(f, f->now + UST_SEC);
        assert_int_equal(addrconf_dad_done(&f->ac, f->now, &t->addr, true), 0);
        assert_true(t->in_use);
        assert_false(ipv6_addr_eq(&t->addr, &prev));
        assert_memory_equal(t->addr.b, prev.b, 8);
        prev = t->addr;
    }
    run_until(f, f->now + UST_SEC);
    assert_int_equal(addrconf_dad_done(&f->ac, f->now, &t->addr, true), 0);
    assert_null(nth(f, AC_TEMPORARY, 0));
    assert_int_equal(f->st.TempGiveUps, 1);
}

/* TEMP-6: on a move to another link (stop, start) the temporary addresses
 * are removed, and the next RA forms new ones with other IIDs; never for
 * the link-local prefix. */
static void test_temp_new_link(void **state)
{
    struct fixture *f = remake(state, temp_on);
    f->auto_dad = true;
    addrconf_start(&f->ac, f->now);
    slaac(f, "2001:db8:1::", 86400, 86400);
    run_until(f, f->now + 2 * UST_SEC);
    struct ipv6_addr old = nth(f, AC_TEMPORARY, 0)->addr;
    assert_null(nth(f, AC_TEMPORARY, 1)); /* none for fe80::/64 */
    addrconf_stop(&f->ac);
    unsigned removed_temp = 0;
    for (unsigned i = 0; i < f->n_ev; i++)
        removed_temp += f->ev[i].kind == EV_REMOVED && f->ev[i].addr_kind == AC_TEMPORARY;
    assert_int_equal(removed_temp, 1);
    addrconf_start(&f->ac, f->now);
    slaac(f, "2001:db8:1::", 86400, 86400);
    assert_false(ipv6_addr_eq(&nth(f, AC_TEMPORARY, 0)->addr, &old));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_link_local_on_start),
        T(test_dad_delay_random),
        T(test_stable_iid_inputs),
        T(test_pio_forms_address),
        T(test_pio_ignored_cases),
        T(test_autoconf_off),
        T(test_ra_pios),
        T(test_two_hour_rule_1_longer_than_two_hours),
        T(test_two_hour_rule_1_longer_than_remaining),
        T(test_two_hour_rule_2_remaining_short),
        T(test_two_hour_rule_3_cut_to_two_hours),
        T(test_preferred_reset),
        T(test_lifetime_transitions),
        T(test_deprecated_preferred_again),
        T(test_dad_conflict_next_counter),
        T(test_link_local_conflict),
        T(test_reserved_iid_refused),
        T(test_dad_done_unknown),
        T(test_stop_removes_all),
        T(test_address_list_bounded),
        T(test_rs_rfc4861_schedule),
        T(test_rs_rfc7559_backoff),
        T(test_rs_stops_on_ra),
        T(test_temp_off_by_default),
        T(test_temp_created),
        T(test_temp_not_without_preferred),
        T(test_temp_caps_hold),
        T(test_temp_regeneration_schedule),
        T(test_temp_no_regen_after_pio_pref_zero),
        T(test_temp_dad_conflict),
        T(test_temp_new_link),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
