/* ICMP errors for TCP (RFC 9293 3.9.2.2, RFC 5927, RFC 1191): only about
 * data in flight, fragmentation needed shrinks the MSS and resends, hard
 * errors refuse a connection attempt, soft errors never abort. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static uint8_t data[4096];

static void test_frag_needed_shrinks_mss(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 2000, 0, NULL), 2000);
    assert_int_equal(seg_expect(h, A, i, p)->len, 1460);
    assert_int_equal(seg_expect(h, A | P, i + 1460, p)->len, 540);
    /* a router says: next hop MTU 1000 */
    icmp_in(h, 3, 4, 1000, i);
    assert_int_equal(th_info(s).snd_mss, 1000 - 40);
    assert_int_equal(seg_expect(h, A, i, p)->len, 960);
    assert_int_equal(seg_expect(h, A, i + 960, p)->len, 960);
    assert_int_equal(seg_expect(h, A | P, i + 1920, p)->len, 80);
    th_free(h);
}

static void test_icmp_outside_flight_ignored(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 100, 0, NULL), 100);
    seg_expect(h, A | P, i, PEER_ISS + 1);
    icmp_in(h, 3, 4, 600, i + 5000); /* not a sequence number in flight */
    assert_int_equal(th_info(s).snd_mss, 1460);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_port_unreachable_refuses_connect(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    icmp_in(h, 3, 3, 0, h->iss);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_CONNREFUSED);
    seg_expect_nothing(h);
    th_free(h);
}

static void test_soft_errors_do_not_abort(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries = 1;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i, p);
    /* MUST-56: host unreachable, time exceeded, parameter problem */
    icmp_in(h, 3, 1, 0, i);
    icmp_in(h, 11, 0, 0, i);
    icmp_in(h, 12, 0, 0, i);
    icmp_in(h, 4, 0, 0, i); /* MUST-55: source quench ignored */
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    /* but when the connection then times out, the soft error explains it */
    th_advance(h, 300 * UST_MSEC);
    seg_expect(h, A | P, i, p);
    th_advance(h, 600 * UST_MSEC);
    seg_expect(h, R | A, i + 10, p);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_HOSTUNREACH);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frag_needed_shrinks_mss),
        cmocka_unit_test(test_icmp_outside_flight_ignored),
        cmocka_unit_test(test_port_unreachable_refuses_connect),
        cmocka_unit_test(test_soft_errors_do_not_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
