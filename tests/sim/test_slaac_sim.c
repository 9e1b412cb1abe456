/* Router discovery and SLAAC wired into the stack (issue #13): a host and
 * a "router" stack on the simulated switch. The router stack has
 * 2001:db8:1::1/64 (the advertised prefix) and 2001:db8:2::1/64, an
 * address the host can reach only through a default router; it sends a
 * Router Advertisement built with the wire emitters (tests/harness
 * ra_build.c) from its link-local address. The host solicits, forms a
 * stable address from the prefix, runs DAD, applies the RA's MTU and Cur
 * Hop Limit and pings 2001:db8:2::1 through the router; an RA with Router
 * Lifetime 0 removes the router. Virtual clock throughout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "net6/net6_impl.h"
#include "../harness/ra_build.h"
#include "ustack/ustack.h"

enum { HOST = 0, ROUTER = 1 };

struct net {
    struct ust_sim *sim;
    struct ust_sim_switch *sw;
    struct ust_stack *st[2];
    struct ust_dev *dev[2];
    int replies, errors;
    uint8_t from[16];
};

static void ping_handler(void *vctx, const struct ust_ping_result *r)
{
    struct net *n = vctx;
    if (r->event == UST_PING_REPLY && r->payload_ok) {
        n->replies++;
        memcpy(n->from, r->from6, 16);
    } else {
        n->errors++;
    }
}

static void run_for(struct net *n, ust_time_t d) { ust_sim_run_until(n->sim, ust_sim_now(n->sim) + d); }

/* host_cfg tunes the host's config (accept_ra / autoconf off). */
static struct net *net_new(void (*host_cfg)(struct ust_config *))
{
    struct net *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(7);
    n->sw = ust_sim_switch_new(n->sim, "sw0");
    for (int i = 0; i < 2; i++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.seed = 300 + (uint64_t)i;
        if (i == ROUTER)
            cfg.ipv6_accept_ra = false; /* a router does not listen to RAs */
        else if (host_cfg)
            host_cfg(&cfg);
        n->st[i] = ust_stack_new(&cfg);
        assert_int_equal(ust_sim_add_stack(n->sim, n->st[i]), 0);
        n->dev[i] = ust_sim_attach(n->sw, n->st[i], "eth0", NULL, 1500);
        assert_non_null(n->dev[i]);
        assert_true(ust_iface_add(n->st[i], n->dev[i], UST_IP4(203, 0, 113, 1 + i), 24) >= 0);
    }
    ust_ping_set_handler(n->st[HOST], ping_handler, n);
    struct ipv6_addr a1 = ip6("2001:db8:1::1"), a2 = ip6("2001:db8:2::1");
    assert_int_equal(ust_iface_add_addr6(n->st[ROUTER], 0, a1.b, 64), 0);
    assert_int_equal(ust_iface_add_addr6(n->st[ROUTER], 0, a2.b, 64), 0);
    run_for(n, 3 * UST_SEC); /* DAD of every address */
    return n;
}

static int teardown(void **state)
{
    struct net *n = *state;
    ust_sim_free(n->sim);
    ust_stack_free(n->st[HOST]);
    ust_stack_free(n->st[ROUTER]);
    free(n);
    return 0;
}

static struct ipv6_addr link_local_of(struct net *n, int i)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[i], 0, a, UST_MAX_ADDRS6);
    struct ipv6_addr ll = {{0}};
    for (int j = 0; j < k; j++)
        if (a[j].origin == UST_ADDR6_LINK_LOCAL && a[j].state == UST_ADDR6_PREFERRED)
            memcpy(ll.b, a[j].addr, 16);
    assert_int_equal(ll.b[0], 0xfe);
    return ll;
}

/* The router stack sends an RA for 2001:db8:1::/64 (L=1, A=1) to
 * all-nodes, with its link-layer address, MTU 1400 and Cur Hop Limit 42. */
static void router_sends_ra(struct net *n, uint16_t router_lifetime)
{
    char src[IPV6_ADDR_STRLEN];
    struct ipv6_addr ll = link_local_of(n, ROUTER);
    ipv6_addr_format(&ll, src, sizeof(src));
    struct ra_build b;
    ra_begin(&b, src, 42, 0, router_lifetime, 0, 0);
    uint8_t slla[8];
    assert_int_equal(nd_opt_lladdr_emit(ND_OPT_SLLA, ust_dev_mac(n->dev[ROUTER])->b, slla, 8), 8);
    ra_raw(&b, slla, sizeof(slla));
    ra_pio(&b, "2001:db8:1::", 64, ND_PIO_ONLINK | ND_PIO_AUTO, 3600, 1800);
    ra_mtu(&b, 1400);
    struct pkt *p = pkt_alloc(PKT_HEADROOM, b.len);
    assert_non_null(p);
    memcpy(p->data, b.buf, b.len);
    nd_send_msg(n->st[ROUTER], 0, &b.src, &b.dst, NULL, p);
}

/* The host's SLAAC address (origin autoconf) and its state. */
static bool slaac_addr(struct net *n, struct ipv6_addr *out, enum ust_addr6_state *state)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[HOST], 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++) {
        if (a[j].origin != UST_ADDR6_AUTOCONF)
            continue;
        memcpy(out->b, a[j].addr, 16);
        *state = a[j].state;
        return true;
    }
    return false;
}

static int ping_beyond(struct net *n)
{
    struct ipv6_addr far = ip6("2001:db8:2::1");
    int rc = ust_ping6_send(n->st[HOST], far.b, -1, 9, (uint16_t)n->replies, 56, -1);
    run_for(n, 2 * UST_SEC);
    return rc;
}

static void test_slaac_address_dad_and_ping_via_default_router(void **state)
{
    struct net *n = net_new(NULL);
    *state = n;
    const struct ust_stats *hs = ust_stack_stats(n->st[HOST]);
    /* The host solicited (RFC 4861 6.3.7) and nothing answered yet. */
    assert_true(hs->addrconf.RsSent >= 1);
    struct ipv6_addr far = ip6("2001:db8:2::1");
    assert_true(ust_ping6_send(n->st[HOST], far.b, -1, 9, 0, 56, -1) < 0); /* no router yet */

    router_sends_ra(n, 1800);
    /* The address appears when its DAD starts, after a random delay of at
     * most 1 s (RFC 4862 5.4.2), and stays tentative for the 1 s of DAD. */
    struct ipv6_addr a;
    enum ust_addr6_state s;
    bool formed = false;
    for (int i = 0; i < 24 && !formed; i++) {
        run_for(n, 50 * UST_MSEC);
        formed = slaac_addr(n, &a, &s);
    }
    assert_true(formed);
    assert_int_equal(s, UST_ADDR6_TENTATIVE); /* DAD first (RFC 4862 5.4) */
    assert_memory_equal(a.b, ip6("2001:db8:1::").b, 8);
    run_for(n, 3 * UST_SEC);
    assert_true(slaac_addr(n, &a, &s));
    assert_int_equal(s, UST_ADDR6_PREFERRED);
    assert_int_equal(hs->ra.Accepted, 1);
    assert_int_equal(hs->addrconf.AddrsCreated, 1);
    assert_int_equal(hs->nd6.DadSucceeded, 2); /* link-local and SLAAC */
    /* The RA's link parameters (RFC 4861 6.3.4): MTU and Cur Hop Limit. */
    assert_int_equal(ipv6_mtu_for(n->st[HOST], &far, -1), 1400);
    assert_int_equal(slaac_hop_limit(n->st[HOST], 0), 42);

    /* Off-link: through the default router, from the SLAAC address. */
    assert_int_equal(ping_beyond(n), 0);
    assert_int_equal(n->replies, 1);
    assert_memory_equal(n->from, far.b, 16);
    struct ipv6_addr src;
    assert_int_equal(ipv6_source_for(n->st[HOST], &far, -1, &src), 0);
    assert_memory_equal(src.b, a.b, 16);

    /* Router Lifetime 0: no longer a default router (RFC 4861 6.3.4). */
    router_sends_ra(n, 0);
    run_for(n, 200 * UST_MSEC);
    assert_int_equal(hs->ra.Accepted, 2);
    assert_true(ust_ping6_send(n->st[HOST], far.b, -1, 9, 1, 56, -1) < 0);
    assert_int_equal(n->replies, 1);
    /* The prefix stays on-link: the router's address in it still answers. */
    struct ipv6_addr near = ip6("2001:db8:1::1");
    assert_int_equal(ust_ping6_send(n->st[HOST], near.b, -1, 9, 2, 56, -1), 0);
    run_for(n, 2 * UST_SEC);
    assert_int_equal(n->replies, 2);
}

static void no_accept_ra(struct ust_config *c) { c->ipv6_accept_ra = false; }
static void no_autoconf(struct ust_config *c) { c->ipv6_autoconf = false; }

static void test_accept_ra_off_ignores_ras(void **state)
{
    struct net *n = net_new(no_accept_ra);
    *state = n;
    const struct ust_stats *hs = ust_stack_stats(n->st[HOST]);
    assert_int_equal(hs->addrconf.RsSent, 0);
    router_sends_ra(n, 1800);
    run_for(n, 3 * UST_SEC);
    struct ipv6_addr a;
    enum ust_addr6_state s;
    assert_false(slaac_addr(n, &a, &s));
    assert_int_equal(hs->ra.Accepted, 0);
    struct ipv6_addr far = ip6("2001:db8:2::1");
    assert_true(ust_ping6_send(n->st[HOST], far.b, -1, 9, 0, 56, -1) < 0);
}

static void test_autoconf_off_keeps_router_forms_no_address(void **state)
{
    struct net *n = net_new(no_autoconf);
    *state = n;
    router_sends_ra(n, 1800);
    run_for(n, 3 * UST_SEC);
    struct ipv6_addr a;
    enum ust_addr6_state s;
    assert_false(slaac_addr(n, &a, &s));
    assert_int_equal(ust_stack_stats(n->st[HOST])->ra.Accepted, 1);
    /* The router is still the default router: the ping leaves from the
     * link-local address (it cannot be answered, no route back), so only
     * that a next hop exists is checked. */
    struct ipv6_addr far = ip6("2001:db8:2::1"), nh;
    int out_if;
    assert_int_equal(route6_next_hop(n->st[HOST], &far, -1, &out_if, &nh), 0);
    struct ipv6_addr rll = link_local_of(n, ROUTER);
    assert_memory_equal(nh.b, rll.b, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_slaac_address_dad_and_ping_via_default_router, teardown),
        cmocka_unit_test_teardown(test_accept_ra_off_ignores_ras, teardown),
        cmocka_unit_test_teardown(test_autoconf_off_keeps_router_forms_no_address, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
