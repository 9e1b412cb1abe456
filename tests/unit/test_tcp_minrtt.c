/* The windowed minimum-RTT filter (src/transport/tcp/tcp_minrtt.c): the
 * minimum of the last window, that follows the path when the old minimum
 * ages out (to the best sample of the later part of the window, not to
 * the newest one), and that starts over after a silent window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "transport/tcp/tcp_minrtt.h"

#define W ((ust_time_t)100) /* window, in clock units */

static void test_empty_then_minimum(void **state)
{
    (void)state;
    struct tcp_minrtt m;
    tcp_minrtt_init(&m, W);
    assert_true(tcp_minrtt_get(&m) == UST_TIME_NEVER);
    assert_int_equal(tcp_minrtt_update(&m, 1, 50), 50);
    assert_int_equal(tcp_minrtt_update(&m, 2, 70), 50);  /* larger: min stays */
    assert_int_equal(tcp_minrtt_update(&m, 3, 30), 30);  /* smaller: new min */
    assert_int_equal(tcp_minrtt_update(&m, 4, 30), 30);
    assert_int_equal(tcp_minrtt_get(&m), 30);
}

static void test_minimum_ages_out_to_best_of_later_samples(void **state)
{
    (void)state;
    struct tcp_minrtt m;
    tcp_minrtt_init(&m, W);
    tcp_minrtt_update(&m, 0, 10);
    /* later, larger samples: 40 after a quarter window, then 60, then 50
     * after half of it */
    assert_int_equal(tcp_minrtt_update(&m, 30, 40), 10);
    assert_int_equal(tcp_minrtt_update(&m, 55, 60), 10);
    assert_int_equal(tcp_minrtt_update(&m, 60, 50), 10);
    assert_int_equal(tcp_minrtt_update(&m, W, 70), 10); /* still inside the window */
    /* the 10 is older than the window now: the best of what came after
     * it (40, taken at 30) takes its place, not the newest sample */
    assert_int_equal(tcp_minrtt_update(&m, W + 1, 80), 40);
    /* and once that is older than a window too, the next best */
    assert_int_equal(tcp_minrtt_update(&m, W + 31, 90), 50);
}

static void test_silent_window_starts_over(void **state)
{
    (void)state;
    struct tcp_minrtt m;
    tcp_minrtt_init(&m, W);
    tcp_minrtt_update(&m, 0, 10);
    tcp_minrtt_update(&m, 20, 15);
    /* nothing for more than a window: the path may have changed, the
     * first sample after the silence is the minimum */
    assert_int_equal(tcp_minrtt_update(&m, 20 + W + 1, 90), 90);
    assert_int_equal(tcp_minrtt_get(&m), 90);
}

static void test_longer_path_followed_within_a_window(void **state)
{
    (void)state;
    struct tcp_minrtt m;
    tcp_minrtt_init(&m, W);
    /* the RTT steps from 10 up to 100 at time 50, sampled every 10 */
    ust_time_t now = 0;
    for (; now < 50; now += 10)
        tcp_minrtt_update(&m, now, 10);
    for (; now <= 40 + W; now += 10)
        assert_int_equal(tcp_minrtt_update(&m, now, 100), 10);
    assert_int_equal(tcp_minrtt_update(&m, now, 100), 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_then_minimum),
        cmocka_unit_test(test_minimum_ages_out_to_best_of_later_samples),
        cmocka_unit_test(test_silent_window_starts_over),
        cmocka_unit_test(test_longer_path_followed_within_a_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
