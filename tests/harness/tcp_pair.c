/* Two simulated stacks and one TCP connection (tcp_pair.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tcp_pair.h"
#include "sin.h"

void tp_set_loss(struct ust_dev *dev, double loss)
{
    struct ust_sim_faults f = {.loss = loss, .delay = 1 * UST_MSEC};
    assert_int_equal(ust_sim_set_faults(dev, UST_SIM_TX, &f), 0);
}

static struct ust_stack *add_stack(struct tp_net *n, struct ust_sim_switch *sw, ust_ip4_t addr,
                                   struct ust_dev **dev)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    struct ust_stack *st = ust_stack_new(&cfg);
    assert_non_null(st);
    assert_int_equal(ust_sim_add_stack(n->sim, st), 0);
    *dev = ust_sim_attach(sw, st, "eth0", NULL, 1500);
    assert_non_null(*dev);
    assert_true(ust_iface_add(st, *dev, addr, 24) >= 0);
    tp_set_loss(*dev, 0);
    return st;
}

void tp_up(struct tp_net *n, uint64_t seed, int b_rcvbuf)
{
    memset(n, 0, sizeof(*n));
    n->sim = ust_sim_new(seed);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    n->a = add_stack(n, sw, TP_A_ADDR, &n->da);
    n->b = add_stack(n, sw, TP_B_ADDR, &n->db);
    int l = ust_socket(n->b, AF_INET, SOCK_STREAM, 0);
    if (b_rcvbuf)
        assert_int_equal(ust_setsockopt(n->b, l, SOL_SOCKET, SO_RCVBUF, &b_rcvbuf, sizeof(int)), 0);
    struct sockaddr_in sin = sin_of(0, TP_PORT);
    assert_int_equal(ust_bind(n->b, l, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(ust_listen(n->b, l, 4), 0);
    n->c = ust_socket(n->a, AF_INET, SOCK_STREAM, 0);
    sin = sin_of(TP_B_ADDR, TP_PORT);
    assert_int_equal(ust_connect(n->a, n->c, (struct sockaddr *)&sin, sizeof(sin)), 0);
    n->s = ust_accept(n->b, l, NULL, NULL);
    assert_true(n->s >= 0);
    assert_int_equal(ust_close(n->b, l), 0);
}

void tp_down(struct tp_net *n)
{
    ust_sim_free(n->sim);
    ust_stack_free(n->a);
    ust_stack_free(n->b);
}
