/* A link change reaches SLAAC (RFC 8981 3.6: TEMP-6; RFC 4862 5.4; RFC
 * 4861 6.3.7): host H (--temp-addr: cfg.ipv6_temp_addrs) on switch A,
 * where router RA advertises 2001:db8:1::/64, forms a stable and a
 * temporary address there. Its cable is pulled (ust_sim_unplug: the
 * stack hears ust_iface_set_link down) and plugged into switch B, where
 * router RB advertises 2001:db8:2::/64: the old addresses are gone, the
 * link-local address runs DAD again, H solicits and forms a stable and a
 * new temporary address in the new prefix, and RB is its only router.
 * Plugged back into the same link, the stable address (RFC 7217) comes
 * back and the temporary one is new. Virtual clock; every wait is for a
 * condition with a deadline. */
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

enum { H, RA, RB, N };

struct net {
    struct ust_sim *sim;
    struct ust_sim_switch *sw[2];
    struct ust_stack *st[N];
    struct ust_dev *dev[N];
    int replies;
};

static void on_ping(void *ctx, const struct ust_ping_result *r)
{
    struct net *n = ctx;
    if (r->event == UST_PING_REPLY && r->payload_ok)
        n->replies++;
}

static void router_on(struct net *n, int i, uint8_t subnet)
{
    ust_stack_set_forwarding(n->st[i], true);
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, subnet, [15] = 1};
    assert_int_equal(ust_iface_add_addr6(n->st[i], 0, a, 64), 0);
    struct ust_ra_prefix p = {.prefix = {0x20, 0x01, 0x0d, 0xb8, 0, subnet}, .prefix_len = 64,
                              .on_link = true, .autonomous = true, .valid_lft = 86400,
                              .preferred_lft = 14400};
    assert_int_equal(ust_ra_advertise(n->st[i], 0, &p, 1), 0);
}

static struct net *net_up(void)
{
    struct net *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(11);
    n->sw[0] = ust_sim_switch_new(n->sim, "swA");
    n->sw[1] = ust_sim_switch_new(n->sim, "swB");
    for (int i = 0; i < N; i++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.seed = 80 + (uint64_t)i;
        cfg.ipv6_temp_addrs = i == H;
        n->st[i] = ust_stack_new(&cfg);
        assert_int_equal(ust_sim_add_stack(n->sim, n->st[i]), 0);
        n->dev[i] = ust_sim_attach(n->sw[i == RB], n->st[i], "eth0", NULL, 1500);
        assert_true(ust_iface_add(n->st[i], n->dev[i], UST_IP4(203, 0, 113, 1 + i), 24) >= 0);
    }
    router_on(n, RA, 1);
    router_on(n, RB, 2);
    ust_ping_set_handler(n->st[H], on_ping, n);
    return n;
}

static void net_free(struct net *n)
{
    ust_sim_free(n->sim);
    for (int i = 0; i < N; i++)
        ust_stack_free(n->st[i]);
    free(n);
}

/* H's autoconfigured address in 2001:db8:<subnet>::/64, temporary or not,
 * in state want. */
static bool host_addr(struct net *n, uint8_t subnet, bool temporary, enum ust_addr6_state want,
                      struct ipv6_addr *out)
{
    static const uint8_t pfx[5] = {0x20, 0x01, 0x0d, 0xb8, 0};
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[H], 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++)
        if (a[j].origin == UST_ADDR6_AUTOCONF && a[j].temporary == temporary &&
            a[j].state == want && !memcmp(a[j].addr, pfx, 5) && a[j].addr[5] == subnet) {
            if (out)
                memcpy(out->b, a[j].addr, 16);
            return true;
        }
    return false;
}

static int autoconf_count(struct net *n)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[H], 0, a, UST_MAX_ADDRS6), c = 0;
    for (int j = 0; j < k; j++)
        c += a[j].origin == UST_ADDR6_AUTOCONF;
    return c;
}

static enum ust_addr6_state link_local_state(struct net *n)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[H], 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++)
        if (a[j].origin == UST_ADDR6_LINK_LOCAL)
            return a[j].state;
    fail_msg("no link-local address");
    return UST_ADDR6_DUPLICATED;
}

/* Runs until H has a preferred stable and temporary address in subnet
 * (a deadline of 60 virtual seconds: RS delay, RA delay, DAD). */
static void wait_addrs(struct net *n, uint8_t subnet, struct ipv6_addr *stable,
                       struct ipv6_addr *temp)
{
    ust_time_t end = ust_sim_now(n->sim) + 60 * UST_SEC;
    while (ust_sim_now(n->sim) < end &&
           !(host_addr(n, subnet, false, UST_ADDR6_PREFERRED, stable) &&
             host_addr(n, subnet, true, UST_ADDR6_PREFERRED, temp)))
        ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 100 * UST_MSEC);
    assert_true(host_addr(n, subnet, false, UST_ADDR6_PREFERRED, stable));
    assert_true(host_addr(n, subnet, true, UST_ADDR6_PREFERRED, temp));
}

static bool has_addr(struct net *n, const struct ipv6_addr *x)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[H], 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++)
        if (!memcmp(a[j].addr, x->b, 16))
            return true;
    return false;
}

static void test_move_to_new_link_replaces_temporary(void **state)
{
    (void)state;
    struct net *n = net_up();
    struct ipv6_addr stable1, temp1, stable2, temp2;
    wait_addrs(n, 1, &stable1, &temp1);
    const struct ust_stats *s = ust_stack_stats(n->st[H]);
    uint64_t rs_before = s->addrconf.RsSent;
    assert_int_equal(ust_sim_unplug(n->dev[H]), 0);
    /* down: every autoconfigured address removed at once (TEMP-6) */
    assert_false(has_addr(n, &temp1));
    assert_false(has_addr(n, &stable1));
    assert_int_equal(autoconf_count(n), 0);
    assert_int_equal(ust_sim_plug(n->dev[H], n->sw[1]), 0);
    assert_int_equal(link_local_state(n), UST_ADDR6_TENTATIVE); /* DAD again (RFC 4862 5.4) */
    wait_addrs(n, 2, &stable2, &temp2);
    assert_true(s->addrconf.RsSent > rs_before);                      /* it solicited */
    assert_int_equal(link_local_state(n), UST_ADDR6_PREFERRED);
    assert_false(has_addr(n, &temp1));
    assert_false(host_addr(n, 1, true, UST_ADDR6_PREFERRED, NULL));
    assert_false(host_addr(n, 1, false, UST_ADDR6_PREFERRED, NULL));
    assert_memory_not_equal(temp2.b, temp1.b, 16);
    /* RB is the only router left: RA's prefix is no longer reachable */
    const uint8_t ra_addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
    const uint8_t rb_addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1};
    assert_int_equal(ust_ping6_send(n->st[H], rb_addr, -1, 5, 1, 56, -1), 0);
    assert_int_equal(ust_ping6_send(n->st[H], ra_addr, -1, 5, 2, 56, -1), 0);
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 5 * UST_SEC);
    assert_int_equal(n->replies, 1);
    net_free(n);
}

/* Back on the same link: the RFC 7217 stable address is the same one, the
 * temporary address a new one; a repeated call changes nothing. */
static void test_reconnect_same_link(void **state)
{
    (void)state;
    struct net *n = net_up();
    struct ipv6_addr stable1, temp1, stable2, temp2;
    wait_addrs(n, 1, &stable1, &temp1);
    assert_int_equal(ust_sim_unplug(n->dev[H]), 0);
    assert_int_equal(ust_sim_unplug(n->dev[H]), UST_ERR_INVAL);
    assert_int_equal(ust_iface_set_link(n->st[H], 0, false), 0); /* no change */
    assert_int_equal(ust_iface_set_link(n->st[H], 7, false), UST_ERR_NOENT);
    assert_int_equal(ust_sim_plug(n->dev[H], n->sw[0]), 0);
    wait_addrs(n, 1, &stable2, &temp2);
    assert_memory_equal(stable2.b, stable1.b, 16);
    assert_memory_not_equal(temp2.b, temp1.b, 16);
    assert_false(has_addr(n, &temp1));
    assert_true(ust_stack_stats(n->st[H])->addrconf.TempAddrsCreated >= 2);
    net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_move_to_new_link_replaces_temporary),
        cmocka_unit_test(test_reconnect_same_link),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
