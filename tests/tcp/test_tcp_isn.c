/* Initial sequence numbers per RFC 6528 / RFC 9293 3.4.1: SipHash-2-4
 * against its reference vectors, and the ISN's 4-microsecond clock and
 * keyed hash of the 4-tuple. */
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

static void test_siphash_vectors(void **state)
{
    (void)state;
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    /* reference vectors of the SipHash paper / implementation */
    assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
    assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
}

static void test_isn_clock_and_key(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    struct ust_stack *a = ust_stack_new(&c);
    c.seed = 2;
    struct ust_stack *b = ust_stack_new(&c);
    ust_ip4_t l = UST_IP4(203, 0, 113, 1), r = UST_IP4(203, 0, 113, 2);
    uint32_t i0 = tcp_isn(a, l, 40000, r, 80, 1000 * UST_SEC);
    /* MUST-8: the clock term advances once every 4 microseconds */
    assert_int_equal(tcp_isn(a, l, 40000, r, 80, 1000 * UST_SEC + 4 * US) - i0, 1);
    assert_int_equal(tcp_isn(a, l, 40000, r, 80, 1000 * UST_SEC + 4 * UST_SEC) - i0, 1000000);
    /* the keyed hash separates 4-tuples and stacks */
    assert_int_not_equal(tcp_isn(a, l, 40001, r, 80, 1000 * UST_SEC), i0);
    assert_int_not_equal(tcp_isn(b, l, 40000, r, 80, 1000 * UST_SEC), i0);
    ust_stack_free(a);
    ust_stack_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_vectors),
        cmocka_unit_test(test_isn_clock_and_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
