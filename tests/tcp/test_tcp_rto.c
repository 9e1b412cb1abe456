/* TCP's retransmission timer arithmetic (tcp_rtt): RTO per RFC 6298
 * (initial value, SRTT/RTTVAR, backoff), the minimum RTO and the 3 s RTO
 * after a lost SYN (RFC 6298 5.7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "ustack/ustack.h"

#define MS UST_MSEC
#define US UST_USEC

static void test_rto_rfc6298(void **state)
{
    (void)state;
    struct tcp_rtt r;
    tcp_rtt_init(&r, 1 * UST_SEC, 200 * MS, 60 * UST_SEC);
    assert_int_equal(tcp_rtt_rto(&r), 1 * UST_SEC); /* 2.1 */
    tcp_rtt_sample(&r, 100 * MS);                    /* 2.2 */
    assert_int_equal(r.srtt, 100 * MS);
    assert_int_equal(r.rttvar, 50 * MS);
    assert_int_equal(tcp_rtt_rto(&r), 300 * MS);
    tcp_rtt_sample(&r, 200 * MS);                    /* 2.3 */
    assert_int_equal(r.rttvar, 62500 * US);
    assert_int_equal(r.srtt, 112500 * US);
    assert_int_equal(tcp_rtt_rto(&r), 362500 * US);
    /* 5.5 back-off doubles, capped at the maximum */
    tcp_rtt_backoff(&r);
    assert_int_equal(tcp_rtt_rto(&r), 725 * MS);
    for (int i = 0; i < 20; i++)
        tcp_rtt_backoff(&r);
    assert_int_equal(tcp_rtt_rto(&r), 60 * UST_SEC);
    /* a new sample clears the back-off */
    tcp_rtt_sample(&r, 112500 * US);
    assert_int_equal(r.backoff, 0);
    assert_true(tcp_rtt_rto(&r) < 1 * UST_SEC);
}

static void test_rto_min_and_syn_loss(void **state)
{
    (void)state;
    struct tcp_rtt r;
    tcp_rtt_init(&r, 1 * UST_SEC, 200 * MS, 60 * UST_SEC);
    tcp_rtt_backoff(&r);
    assert_int_equal(tcp_rtt_rto(&r), 2 * UST_SEC);
    tcp_rtt_after_syn_loss(&r); /* 5.7: 3 s once data transfer starts */
    assert_int_equal(tcp_rtt_rto(&r), 3 * UST_SEC);
    tcp_rtt_sample(&r, 1 * MS); /* 1 ms + 4 * 0.5 ms is below the minimum */
    assert_int_equal(tcp_rtt_rto(&r), 200 * MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rto_rfc6298),
        cmocka_unit_test(test_rto_min_and_syn_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
