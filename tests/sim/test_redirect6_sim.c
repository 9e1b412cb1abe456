/* ICMPv6 Redirects (RFC 4861 8) on the simulator: host A (2001:db8:1::a)
 * reaches 2001:db8:2::/64 through router R1 (a route via R1's link-local
 * address); R2, on the same link, holds 2001:db8:2::2. A's pings to
 * 2001:db8:2::2 reach R1 (which does not forward them: ustack is a host);
 * R1's Redirect (forged here: a ustack stack never sends one, ND-9) moves
 * them to R2, which answers. Then every validation rule of 8.1, one
 * malformed Redirect each: dropped, counted under its own counter, the
 * next hop unchanged. The redirected-destination cache is bounded and
 * forgets a next hop that stops answering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "net6/net6_impl.h"
#include "ustack/ustack.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/nd.h"
#include "wire/wbuf.h"

enum { A, R1, R2, N };

struct net3 {
    struct ust_sim *sim;
    struct ust_stack *st[N];
    struct ust_dev *dev[N];
    struct ipv6_addr ll[N];   /* link-local addresses */
    int replies;
};

static const struct ipv6_addr A6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x0a}};
static const struct ipv6_addr R1_6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1}};
static const struct ipv6_addr R2_6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2}};
static const struct ipv6_addr D6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2}};
static const struct ipv6_addr NET2 = {{0x20, 0x01, 0x0d, 0xb8, 0, 2}};

static void on_ping(void *ctx, const struct ust_ping_result *r)
{
    struct net3 *n = ctx;
    if (r->event == UST_PING_REPLY && r->payload_ok)
        n->replies++;
}

static void link_local(struct net3 *n, int i)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[i], 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++)
        if (a[j].origin == UST_ADDR6_LINK_LOCAL) {
            memcpy(n->ll[i].b, a[j].addr, 16);
            return;
        }
    fail_msg("no link-local address on stack %d", i);
}

static struct net3 *net_up(bool accept_redirects)
{
    struct net3 *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(5);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    const struct ipv6_addr *own[N] = {&A6, &R1_6, &R2_6};
    for (int i = 0; i < N; i++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.seed = 50 + (uint64_t)i;
        cfg.ipv6_accept_ra = false;
        cfg.ipv6_dad_transmits = 0;
        cfg.ipv6_accept_redirects = accept_redirects;
        n->st[i] = ust_stack_new(&cfg);
        assert_int_equal(ust_sim_add_stack(n->sim, n->st[i]), 0);
        n->dev[i] = ust_sim_attach(sw, n->st[i], "eth0", NULL, 1500);
        assert_true(ust_iface_add(n->st[i], n->dev[i], UST_IP4(203, 0, 113, 1 + i), 24) >= 0);
        assert_int_equal(ust_iface_add_addr6(n->st[i], 0, own[i]->b, 64), 0);
        link_local(n, i);
    }
    assert_int_equal(ust_iface_add_addr6(n->st[R2], 0, D6.b, 64), 0);
    assert_int_equal(ust_route_add6(n->st[A], NET2.b, 64, n->ll[R1].b, 0), 0);
    ust_ping_set_handler(n->st[A], on_ping, n);
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 100 * UST_MSEC);
    return n;
}

static void net_free(struct net3 *n)
{
    ust_sim_free(n->sim);
    for (int i = 0; i < N; i++)
        ust_stack_free(n->st[i]);
    free(n);
}

static void run_for(struct net3 *n, ust_time_t d)
{
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + d);
}

/* A's next hop for dst now. */
static struct ipv6_addr next_hop(struct net3 *n, const struct ipv6_addr *dst)
{
    int out_if;
    struct ipv6_addr nh;
    assert_int_equal(route6_next_hop(n->st[A], dst, -1, &out_if, &nh), 0);
    return nh;
}

/* A Redirect as R1 would send it, before the checksum: fields to spoil. */
struct redir {
    struct ipv6_addr src, dst, target, dest;
    uint8_t hop_limit, code;
    bool tlla;                 /* with R2's MAC as Target Link-Layer Address */
    const uint8_t *extra;      /* raw option bytes appended */
    size_t extra_len;
    size_t cut;                /* octets taken off the end (ICMP length) */
    bool bad_csum;
};

static struct redir redir_default(struct net3 *n)
{
    return (struct redir){.src = n->ll[R1], .dst = A6, .target = n->ll[R2], .dest = D6,
                          .hop_limit = 255, .tlla = true};
}

static void send_redirect(struct net3 *n, const struct redir *r)
{
    uint8_t f[14 + 40 + 256] = {0};
    uint8_t *m = f + 54;
    struct nd_msg msg = {.type = ICMPV6_ND_REDIRECT, .target = r->target, .dest = r->dest};
    size_t len = (size_t)nd_emit(&msg, m, 200);
    m[1] = r->code;
    if (r->tlla)
        len += (size_t)nd_opt_lladdr_emit(ND_OPT_TLLA, ust_dev_mac(n->dev[R2])->b, m + len, 8);
    /* Redirected Header: as much of A's packet as R1 quotes (its header). */
    m[len] = ND_OPT_REDIRECTED;
    m[len + 1] = 6;
    struct ipv6_hdr q = {.next_hdr = IPV6_NH_ICMPV6, .hop_limit = 64, .src = A6, .dst = r->dest};
    ipv6_emit(&q, m + len + 8, 40);
    len += 48;
    if (r->extra)
        memcpy(m + len, r->extra, r->extra_len);
    len = len + r->extra_len - r->cut;
    icmpv6_set_csum(m, len, &r->src, &r->dst);
    if (r->bad_csum)
        m[2] ^= 0x5a;
    memcpy(f, ust_dev_mac(n->dev[A])->b, 6);
    memcpy(f + 6, ust_dev_mac(n->dev[R1])->b, 6);
    put_be16(f + 12, ETH_TYPE_IPV6);
    struct ipv6_hdr h = {.payload_len = (uint16_t)len, .next_hdr = IPV6_NH_ICMPV6,
                         .hop_limit = r->hop_limit, .src = r->src, .dst = r->dst};
    ipv6_emit(&h, f + 14, 40);
    ust_dev_input(n->dev[A], ust_sim_now(n->sim), f, 54 + len);
    run_for(n, UST_MSEC);
}

static void ping_d(struct net3 *n, uint16_t seq)
{
    assert_int_equal(ust_ping6_send(n->st[A], D6.b, -1, 9, seq, 56, -1), 0);
    run_for(n, UST_SEC);
}

static void test_redirect_to_second_router_moves_traffic(void **state)
{
    (void)state;
    struct net3 *n = net_up(true);
    const struct ust_stats *r1 = ust_stack_stats(n->st[R1]);
    ping_d(n, 1);
    assert_int_equal(n->replies, 0);
    assert_int_equal(r1->ip6.Ip6InAddrErrors, 1); /* R1 got it: not its address */
    struct redir r = redir_default(n);
    send_redirect(n, &r);
    const struct ust_stats *a = ust_stack_stats(n->st[A]);
    assert_int_equal(a->nd6.RedirectsAccepted, 1);
    struct ipv6_addr nh = next_hop(n, &D6);
    assert_memory_equal(nh.b, n->ll[R2].b, 16);
    /* 8.3: the TLLA made a STALE entry for the target, a router. */
    struct nd_entry *e = nd_lookup(n->st[A], 0, &n->ll[R2]);
    assert_non_null(e);
    assert_int_equal(e->state, ND_STALE);
    assert_true(e->is_router);
    uint64_t ns = a->icmp6.Icmp6OutNeighborSolicits;
    ping_d(n, 2);
    ping_d(n, 3);
    assert_int_equal(n->replies, 2);                /* R2 answered */
    assert_int_equal(r1->ip6.Ip6InAddrErrors, 1);  /* R1 saw no more of them */
    assert_int_equal(a->icmp6.Icmp6OutNeighborSolicits, ns); /* no resolution needed */
    /* Other destinations behind R1 stay with R1. */
    struct ipv6_addr other = D6;
    other.b[15] = 7;
    nh = next_hop(n, &other);
    assert_memory_equal(nh.b, n->ll[R1].b, 16);
    net_free(n);
}

/* 8.3: target == destination: the destination is on our link. */
static void test_on_link_redirect(void **state)
{
    (void)state;
    struct net3 *n = net_up(true);
    struct redir r = redir_default(n);
    r.target = D6;
    send_redirect(n, &r);
    assert_int_equal(ust_stack_stats(n->st[A])->nd6.RedirectsAccepted, 1);
    struct ipv6_addr nh = next_hop(n, &D6);
    assert_memory_equal(nh.b, D6.b, 16);
    struct nd_entry *e = nd_lookup(n->st[A], 0, &D6);
    assert_non_null(e);
    assert_false(e->is_router);
    ping_d(n, 1);
    assert_int_equal(n->replies, 1);
    assert_int_equal(ust_stack_stats(n->st[R1])->ip6.Ip6InAddrErrors, 0);
    net_free(n);
}

/* ND-1 and ND-36: an unknown option is skipped; no TLLA: A resolves the
 * target itself. */
static void test_unknown_option_ignored_and_no_tlla(void **state)
{
    (void)state;
    struct net3 *n = net_up(true);
    static const uint8_t unknown[8] = {200, 1, 1, 2, 3, 4, 5, 6};
    struct redir r = redir_default(n);
    r.tlla = false;
    r.extra = unknown;
    r.extra_len = sizeof(unknown);
    send_redirect(n, &r);
    assert_int_equal(ust_stack_stats(n->st[A])->nd6.RedirectsAccepted, 1);
    assert_null(nd_lookup(n->st[A], 0, &n->ll[R2]));
    ping_d(n, 1);
    assert_int_equal(n->replies, 1);
    net_free(n);
}

/* One malformed Redirect: dropped, `counter` (an offsetof in nd6 stats)
 * counted once, A's next hop for D still R1. */
static void expect_dropped(struct net3 *n, const struct redir *r, size_t counter)
{
    const struct ust_stats *s = ust_stack_stats(n->st[A]);
    const uint64_t *c = (const uint64_t *)((const char *)&s->nd6 + counter);
    uint64_t before = *c;
    send_redirect(n, r);
    assert_int_equal(*c, before + 1);
    assert_int_equal(s->nd6.RedirectsAccepted, 0);
    struct ipv6_addr nh = next_hop(n, &r->dest);
    assert_false(ipv6_addr_eq(&nh, &r->target));
}

#define NDC(f) offsetof(struct ust_nd6_stats, f)

static void test_malformed_redirects_dropped(void **state)
{
    (void)state;
    struct net3 *n = net_up(true);
    struct redir r = redir_default(n);
    r.src = R1_6; /* not link-local (the route names R1 by its link-local) */
    expect_dropped(n, &r, NDC(RedirectBadHeader));
    r = redir_default(n);
    r.hop_limit = 64; /* crossed a router */
    expect_dropped(n, &r, NDC(RedirectBadHeader));
    r = redir_default(n);
    r.code = 1;
    expect_dropped(n, &r, NDC(RedirectBadHeader));
    r = redir_default(n);
    r.tlla = false;
    r.cut = 48 + 1; /* 39 octets: shorter than the fixed part */
    expect_dropped(n, &r, NDC(RedirectBadHeader));
    r = redir_default(n);
    r.dest = (struct ipv6_addr){{0xff, 0x0e, [15] = 1}}; /* multicast destination */
    expect_dropped(n, &r, NDC(RedirectBadTarget));
    r = redir_default(n);
    r.target = R2_6; /* global target that is not the destination */
    expect_dropped(n, &r, NDC(RedirectBadTarget));
    static const uint8_t zero_len[8] = {200, 0};
    r = redir_default(n);
    r.extra = zero_len;
    r.extra_len = sizeof(zero_len);
    expect_dropped(n, &r, NDC(RedirectBadOption));
    static const uint8_t past_end[8] = {ND_OPT_REDIRECTED, 3}; /* 24 octets, 8 there */
    r = redir_default(n);
    r.extra = past_end;
    r.extra_len = sizeof(past_end);
    expect_dropped(n, &r, NDC(RedirectBadOption));
    r = redir_default(n);
    r.cut = 8; /* the Redirected Header claims 48 octets, 40 are there */
    expect_dropped(n, &r, NDC(RedirectBadOption));
    r = redir_default(n);
    r.src = n->ll[R2]; /* not the router A uses for D */
    expect_dropped(n, &r, NDC(RedirectNotFirstHop));
    r = redir_default(n);
    r.dest = R2_6; /* on-link already: no router to redirect from */
    expect_dropped(n, &r, NDC(RedirectNotFirstHop));
    const struct ust_stats *s = ust_stack_stats(n->st[A]);
    uint64_t csum_errors = s->icmp6.Icmp6InCsumErrors;
    r = redir_default(n);
    r.bad_csum = true; /* ICMPv6's own check, before any of the above */
    send_redirect(n, &r);
    assert_int_equal(s->icmp6.Icmp6InCsumErrors, csum_errors + 1);
    assert_int_equal(s->nd6.RedirectsReceived, 11); /* the bad checksum never got here */
    assert_int_equal(s->nd6.RedirectsAccepted, 0);
    ping_d(n, 1);
    assert_int_equal(n->replies, 0); /* still through R1, which drops it */
    net_free(n);
}

static void test_accept_redirects_off(void **state)
{
    (void)state;
    struct net3 *n = net_up(false);
    struct redir r = redir_default(n);
    expect_dropped(n, &r, NDC(RedirectsDisabled));
    net_free(n);
}

/* The cache holds REDIR6_ENTRIES destinations: one more evicts one. */
static void test_redirect_cache_bounded(void **state)
{
    (void)state;
    struct net3 *n = net_up(true);
    struct redir r = redir_default(n);
    for (unsigned i = 0; i <= REDIR6_ENTRIES; i++) {
        r.dest = D6;
        r.dest.b[14] = (uint8_t)(1 + i);
        send_redirect(n, &r);
    }
    const struct ust_stats *s = ust_stack_stats(n->st[A]);
    assert_int_equal(s->nd6.RedirectsAccepted, REDIR6_ENTRIES + 1);
    assert_int_equal(s->nd6.RedirectCacheEvicted, 1);
    struct ipv6_addr nh = next_hop(n, &r.dest); /* the newest is there */
    assert_memory_equal(nh.b, n->ll[R2].b, 16);
    net_free(n);
}

/* 7.3.3: the redirected next hop never answers: once its resolution
 * fails, D goes back through R1. */
static void test_dead_redirect_target_forgotten(void **state)
{
    (void)state;
    struct net3 *n = net_up(true);
    struct redir r = redir_default(n);
    r.target = n->ll[R2];
    r.target.b[15] ^= 0x55; /* a link-local address nobody has */
    r.tlla = false;
    send_redirect(n, &r);
    struct ipv6_addr nh = next_hop(n, &D6);
    assert_memory_equal(nh.b, r.target.b, 16);
    ping_d(n, 1);
    run_for(n, 3 * UST_SEC);
    assert_int_equal(ust_stack_stats(n->st[A])->nd6.ResolveFailed, 1);
    nh = next_hop(n, &D6);
    assert_memory_equal(nh.b, n->ll[R1].b, 16);
    net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redirect_to_second_router_moves_traffic),
        cmocka_unit_test(test_on_link_redirect),
        cmocka_unit_test(test_unknown_option_ignored_and_no_tlla),
        cmocka_unit_test(test_malformed_redirects_dropped),
        cmocka_unit_test(test_accept_redirects_off),
        cmocka_unit_test(test_redirect_cache_bounded),
        cmocka_unit_test(test_dead_redirect_target_forgotten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
