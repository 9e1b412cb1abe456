/* The fault injector over a simulated NIC: the layer composes with the
 * simulator's cables and virtual clock. An echo reply delayed 5 ms by
 * B's injector and 1 ms by each cable it crosses arrives exactly then;
 * loss on the injector loses exactly the pings it drew. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/net_harness.h"
#include "ustack/ustack.h"

#define A_IP 0xc6336401u /* 198.51.100.1 */
#define B_IP 0xc6336402u /* 198.51.100.2 */

struct net {
    struct ust_sim *sim;
    struct ust_stack *a, *b;
    struct ust_dev *da, *db;
    struct nh_pings pings;
};

static void net_up(struct net *n)
{
    memset(n, 0, sizeof(*n));
    n->sim = ust_sim_new(3);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    n->a = ust_stack_new(NULL);
    n->b = ust_stack_new(NULL);
    n->da = ust_sim_attach(sw, n->a, "eth0", NULL, 1500);
    n->db = ust_sim_attach(sw, n->b, "eth0", NULL, 1500);
    assert_non_null(n->da);
    assert_non_null(n->db);
    assert_int_equal(ust_iface_add(n->a, n->da, A_IP, 24), 0);
    assert_int_equal(ust_iface_add(n->b, n->db, B_IP, 24), 0);
    struct ust_sim_faults cable = {.delay = UST_MSEC};
    for (int d = UST_SIM_TX; d <= UST_SIM_RX; d++) {
        ust_sim_set_faults(n->da, (enum ust_sim_dir)d, &cable);
        ust_sim_set_faults(n->db, (enum ust_sim_dir)d, &cable);
    }
    ust_ping_set_handler(n->a, nh_ping_collect, &n->pings);
    /* resolve ARP both ways before any fault is on */
    assert_int_equal(ust_ping_send(n->a, B_IP, 1, 0, 56, 64), 0);
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + UST_SEC);
    assert_int_equal(n->pings.n, 1);
}

static void net_down(struct net *n)
{
    ust_sim_free(n->sim);
    ust_stack_free(n->a);
    ust_stack_free(n->b);
}

static void test_injector_delay_adds_to_cable_delay(void **state)
{
    (void)state;
    struct net n;
    net_up(&n);
    struct ust_dev_faults f = {.delay = 5 * UST_MSEC};
    assert_int_equal(ust_dev_faults_set(n.db, UST_DEV_TX, &f), 0);
    ust_time_t t0 = ust_sim_now(n.sim);
    assert_int_equal(ust_ping_send(n.a, B_IP, 1, 1, 56, 64), 0);
    ust_sim_run_until(n.sim, t0 + UST_SEC);
    assert_int_equal(n.pings.n, 2);
    /* request: 2 cables (2 ms); reply: 5 ms in B's injector, then 2 cables */
    assert_int_equal(n.pings.r[1].at - t0, 9 * UST_MSEC);
    net_down(&n);
}

static void test_injector_loss_on_simulated_nic(void **state)
{
    (void)state;
    struct net n;
    net_up(&n);
    struct ust_dev_faults f = {.loss = 0.5};
    assert_int_equal(ust_dev_faults_set(n.db, UST_DEV_RX, &f), 0);
    for (uint16_t s = 1; s <= 40; s++) {
        assert_int_equal(ust_ping_send(n.a, B_IP, 1, s, 56, 64), 0);
        ust_sim_run_until(n.sim, ust_sim_now(n.sim) + 10 * UST_MSEC);
    }
    struct ust_dev_fault_stats st;
    assert_int_equal(ust_dev_faults_stats(n.db, UST_DEV_RX, &st), 0);
    assert_int_equal(st.frames, 40);
    assert_true(st.lost > 0 && st.lost < 40);
    assert_int_equal(n.pings.n, 1 + 40 - (int)st.lost); /* every survivor answered */
    net_down(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_injector_delay_adds_to_cable_delay),
        cmocka_unit_test(test_injector_loss_on_simulated_nic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
