/* Redirects sent by a router (RFC 4861 8.2, RFC 8504 5.4: NODE-23), the
 * whole loop on the simulator: host A (2001:db8:1::a) reaches
 * 2001:db8:2::/64 through router R1 (cfg.ip_forwarding; A's route names
 * R1's link-local address); R1 reaches that prefix through R2 on the same
 * link, which holds 2001:db8:2::2. A's first ping goes A -> R1 -> R2: R1
 * forwards it back out of the link it came from and tells A that R2 is
 * the better first hop; A's redirect cache (redirect6.c) takes it and the
 * next pings go to R2 directly, R1 forwarding none of them. Virtual clock
 * throughout. */
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

enum { A, R1, R2, N };

struct net3 {
    struct ust_sim *sim;
    struct ust_stack *st[N];
    struct ust_dev *dev[N];
    struct ipv6_addr ll[N];
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

static struct net3 *net_up(bool send_redirects)
{
    struct net3 *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(6);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    const struct ipv6_addr *own[N] = {&A6, &R1_6, &R2_6};
    for (int i = 0; i < N; i++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.seed = 60 + (uint64_t)i;
        cfg.ipv6_accept_ra = false;
        cfg.ipv6_dad_transmits = 0;
        cfg.ip_forwarding = i == R1;
        cfg.ipv6_send_redirects = send_redirects;
        n->st[i] = ust_stack_new(&cfg);
        assert_int_equal(ust_sim_add_stack(n->sim, n->st[i]), 0);
        n->dev[i] = ust_sim_attach(sw, n->st[i], "eth0", NULL, 1500);
        assert_true(ust_iface_add(n->st[i], n->dev[i], UST_IP4(203, 0, 113, 1 + i), 24) >= 0);
        assert_int_equal(ust_iface_add_addr6(n->st[i], 0, own[i]->b, 64), 0);
        link_local(n, i);
    }
    assert_int_equal(ust_iface_add_addr6(n->st[R2], 0, D6.b, 64), 0);
    assert_int_equal(ust_route_add6(n->st[A], NET2.b, 64, n->ll[R1].b, 0), 0);
    assert_int_equal(ust_route_add6(n->st[R1], NET2.b, 64, n->ll[R2].b, 0), 0);
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

static struct ipv6_addr next_hop(struct net3 *n, const struct ipv6_addr *dst)
{
    int out_if;
    struct ipv6_addr nh;
    assert_int_equal(route6_next_hop(n->st[A], dst, -1, &out_if, &nh), 0);
    return nh;
}

static void ping_d(struct net3 *n, uint16_t seq)
{
    assert_int_equal(ust_ping6_send(n->st[A], D6.b, -1, 9, seq, 56, -1), 0);
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + UST_SEC);
}

static void test_router_redirects_host_to_better_first_hop(void **state)
{
    (void)state;
    struct net3 *n = net_up(true);
    const struct ust_stats *r1 = ust_stack_stats(n->st[R1]), *a = ust_stack_stats(n->st[A]);
    ping_d(n, 1);
    assert_int_equal(n->replies, 1);                   /* 8.2: still forwarded */
    assert_int_equal(r1->ip6.Ip6OutForwDatagrams, 1);
    assert_int_equal(r1->nd6.RedirectsSent, 1);
    assert_int_equal(a->nd6.RedirectsReceived, 1);
    assert_int_equal(a->nd6.RedirectsAccepted, 1);     /* every check of 8.1 passed */
    struct ipv6_addr nh = next_hop(n, &D6);
    assert_memory_equal(nh.b, n->ll[R2].b, 16);
    ping_d(n, 2);
    ping_d(n, 3);
    assert_int_equal(n->replies, 3);
    assert_int_equal(r1->ip6.Ip6OutForwDatagrams, 1); /* A now goes to R2 itself */
    assert_int_equal(r1->nd6.RedirectsSent, 1);
    net_free(n);
}

/* cfg.ipv6_send_redirects off: R1 forwards every packet, sends nothing. */
static void test_send_redirects_off(void **state)
{
    (void)state;
    struct net3 *n = net_up(false);
    const struct ust_stats *r1 = ust_stack_stats(n->st[R1]);
    ping_d(n, 1);
    ping_d(n, 2);
    assert_int_equal(n->replies, 2);
    assert_int_equal(r1->ip6.Ip6OutForwDatagrams, 2);
    assert_int_equal(r1->nd6.RedirectsSent, 0);
    assert_int_equal(ust_stack_stats(n->st[A])->nd6.RedirectsReceived, 0);
    struct ipv6_addr nh = next_hop(n, &D6);
    assert_memory_equal(nh.b, n->ll[R1].b, 16);
    net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router_redirects_host_to_better_first_hop),
        cmocka_unit_test(test_send_redirects_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
