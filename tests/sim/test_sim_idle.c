/* Idle simulations with IPv6 on and no router (ARCHITECTURE.md "Idle
 * simulations"): Router Solicitations are retried for ever (RFC 7559,
 * cfg.ipv6_rs_max 0), but they are background housekeeping, so a run
 * without a deadline ends once the stacks have nothing of their own to do,
 * and a blocking call without a timeout returns instead of hanging. The
 * solicitations still go out whenever virtual time passes: under a run
 * with a deadline, and during a blocking call with a timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "ustack/ustack.h"

struct net2 {
    struct ust_sim *sim;
    struct ust_stack *a, *b;
};

static int setup(void **state)
{
    struct net2 *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(11);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    n->a = ust_stack_new(NULL); /* defaults: IPv6 on, accept_ra on, RS for ever */
    n->b = ust_stack_new(NULL);
    assert_true(ust_stack_config(n->a)->ipv6_enabled && ust_stack_config(n->a)->ipv6_accept_ra);
    assert_int_equal(ust_stack_config(n->a)->ipv6_rs_max, 0);
    assert_int_equal(ust_sim_add_stack(n->sim, n->a), 0);
    assert_int_equal(ust_sim_add_stack(n->sim, n->b), 0);
    struct ust_dev *da = ust_sim_attach(sw, n->a, "eth0", NULL, 1500);
    struct ust_dev *db = ust_sim_attach(sw, n->b, "eth0", NULL, 1500);
    assert_true(ust_iface_add(n->a, da, UST_IP4(203, 0, 113, 1), 24) >= 0);
    assert_true(ust_iface_add(n->b, db, UST_IP4(203, 0, 113, 2), 24) >= 0);
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    struct net2 *n = *state;
    ust_sim_free(n->sim);
    ust_stack_free(n->a);
    ust_stack_free(n->b);
    free(n);
    return 0;
}

static uint64_t rs_sent(struct ust_stack *st) { return ust_stack_stats(st)->addrconf.RsSent; }

static int udp_bound(struct ust_stack *st, uint16_t port)
{
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return fd;
}

/* A run without a deadline ends after DAD and MLD are done (a few seconds
 * of virtual time), though each stack has a Router Solicitation pending;
 * the next hour of virtual time sends more of them (RFC 7559 backoff). */
static void test_no_router_goes_idle_and_rs_continue(void **state)
{
    struct net2 *n = *state;
    ust_sim_run_until(n->sim, UST_TIME_NEVER);
    ust_time_t idle_at = ust_sim_now(n->sim);
    assert_true(idle_at < 30 * UST_SEC);
    uint64_t rs_a = rs_sent(n->a), rs_b = rs_sent(n->b);
    assert_true(rs_a >= 1 && rs_b >= 1);
    ust_sim_run_until(n->sim, idle_at + 3600 * UST_SEC);
    assert_true(rs_sent(n->a) >= rs_a + 3);
    assert_true(rs_sent(n->b) >= rs_b + 3);
    /* Idle again at once: the pending solicitation does not move time. */
    ust_time_t t = ust_sim_now(n->sim);
    uint64_t rs_now = rs_sent(n->a);
    ust_sim_run_until(n->sim, UST_TIME_NEVER);
    assert_int_equal(ust_sim_now(n->sim), t);
    assert_int_equal(rs_sent(n->a), rs_now);
}

/* A blocking recv without a timeout returns (EAGAIN: nothing will come)
 * rather than hang on the solicitations; with SO_RCVTIMEO the wait lasts
 * its virtual time and the solicitations due in it go out. */
static void test_blocking_calls_return(void **state)
{
    struct net2 *n = *state;
    int fd = udp_bound(n->b, 7);
    char buf[4];
    assert_int_equal(ust_recv(n->b, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    uint64_t rs_b = rs_sent(n->b);
    struct timeval tv = {.tv_sec = 600};
    assert_int_equal(ust_setsockopt(n->b, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    ust_time_t t0 = ust_stack_now(n->b);
    assert_int_equal(ust_recv(n->b, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_stack_now(n->b), t0 + 600 * UST_SEC);
    assert_true(rs_sent(n->b) > rs_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_router_goes_idle_and_rs_continue, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_blocking_calls_return, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
