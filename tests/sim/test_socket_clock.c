/* Socket calls are entry points: they bring the stack's time up to the
 * installed clock before acting. Regression test: after a quiet stretch,
 * connect() stamped its SYN with the time of the last poll, which made the
 * RTT sample wrong and caused a spurious SYN retransmission. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ustack/ustack.h"

static void record_syn(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    ust_time_t *syn_at = ctx;
    if (!strcmp(layer, "tcp") && strstr(msg, "[S]") && !*syn_at)
        *syn_at = now;
}

static void test_connect_after_quiet_stretch_uses_current_time(void **state)
{
    (void)state;
    struct ust_sim *sim = ust_sim_new(1);
    struct ust_sim_switch *sw = ust_sim_switch_new(sim, "lan");
    struct ust_stack *a = ust_stack_new(NULL), *b = ust_stack_new(NULL);
    ust_sim_add_stack(sim, a);
    ust_sim_add_stack(sim, b);
    ust_iface_add(a, ust_sim_attach(sw, a, "eth0", NULL, 1500), UST_IP4(203, 0, 113, 1), 24);
    ust_iface_add(b, ust_sim_attach(sw, b, "eth0", NULL, 1500), UST_IP4(203, 0, 113, 2), 24);
    int lfd = ust_socket(b, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(80)};
    assert_int_equal(ust_bind(b, lfd, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(ust_listen(b, lfd, 4), 0);
    ust_sim_run_until(sim, 10 * UST_SEC); /* nothing happens for 10 s */

    ust_time_t syn_at = 0;
    ust_stack_set_trace(a, record_syn, &syn_at);
    int fd = ust_socket(a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80),
                              .sin_addr.s_addr = htonl(UST_IP4(203, 0, 113, 2))};
    ust_connect(a, fd, (struct sockaddr *)&sin, sizeof(sin));
    assert_int_equal(syn_at, ust_sim_now(sim));
    ust_stack_set_trace(a, NULL, NULL);

    ust_sim_run_until(sim, ust_sim_now(sim) + UST_SEC);
    struct ust_tcp_info ti;
    socklen_t len = sizeof(ti);
    assert_int_equal(ust_getsockopt(a, fd, IPPROTO_TCP, UST_TCP_INFO, &ti, &len), 0);
    assert_int_equal(ti.state, UST_TCP_ESTABLISHED);
    assert_int_equal(ust_stack_stats(a)->tcp.RetransSegs, 0);
    ust_stack_free(a);
    ust_stack_free(b);
    ust_sim_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_after_quiet_stretch_uses_current_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
