/* Core: timers (min-heap), PRNG determinism, address parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/rand.h"
#include "core/stack_impl.h"
#include "core/timer.h"
#include "ustack/ustack.h"

static int fired[16];
static int nfired;

static void on_timer(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)st;
    (void)now;
    fired[nfired++] = (int)t->when;
}

static void test_timer_order_and_cancel(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_timer t[6];
    int when[6] = {50, 10, 40, 20, 30, 60};
    nfired = 0;
    for (int i = 0; i < 6; i++) {
        timer_init(&t[i], on_timer);
        assert_int_equal(timer_arm(st, &t[i], (ust_time_t)when[i]), UST_OK);
    }
    assert_int_equal(timer_next(st), 10);
    timer_cancel(st, &t[2]); /* 40 */
    assert_false(timer_armed(&t[2]));
    timer_arm(st, &t[0], 5); /* re-arm 50 -> 5 */
    assert_int_equal(timer_next(st), 5);
    timer_run(st, 30);
    assert_int_equal(nfired, 4);
    assert_int_equal(fired[0], 5);
    assert_int_equal(fired[1], 10);
    assert_int_equal(fired[2], 20);
    assert_int_equal(fired[3], 30);
    assert_int_equal(timer_next(st), 60);
    ust_stack_free(st);
}

/* The heap is allocated with the stack, and a re-arm on a full heap
 * neither allocates nor fails (it takes back the slot it frees); only a
 * new timer grows the heap, before anything moves. */
static void test_timer_rearm_full_heap(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct timer_heap *h = &stack_services(st)->timers;
    assert_true(h->cap >= 64);
    size_t cap = h->cap, room = cap - h->n;
    struct ust_timer **slots = h->v;
    struct ust_timer *t = calloc(room, sizeof(*t));
    assert_non_null(t);
    for (size_t i = 0; i < room; i++) {
        timer_init(&t[i], on_timer);
        assert_int_equal(timer_arm(st, &t[i], (ust_time_t)(1000 + i)), UST_OK);
    }
    assert_int_equal(h->n, cap);
    assert_int_equal(timer_arm(st, &t[room - 1], 1), UST_OK);
    assert_ptr_equal(h->v, slots);
    assert_int_equal(h->cap, cap);
    assert_int_equal(h->n, cap);
    assert_int_equal(timer_next(st), 1);
    struct ust_timer extra;
    timer_init(&extra, on_timer);
    assert_int_equal(timer_arm(st, &extra, 2), UST_OK);
    assert_true(h->cap > cap);
    assert_int_equal(h->n, cap + 1);
    nfired = 0;
    timer_run(st, 2);
    assert_int_equal(nfired, 2);
    assert_int_equal(fired[0], 1);
    assert_int_equal(fired[1], 2);
    assert_false(timer_armed(&t[room - 1]));
    assert_false(timer_armed(&extra));
    assert_true(timer_armed(&t[0]));
    ust_stack_free(st);
    free(t);
}

static void test_timer_many_random(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    enum { N = 2000 };
    static struct ust_timer t[N];
    struct ust_rng r;
    rng_seed(&r, 7);
    for (int i = 0; i < N; i++) {
        timer_init(&t[i], on_timer);
        timer_arm(st, &t[i], 1 + rng_below(&r, 1000000));
    }
    for (int i = 0; i < N; i += 3)
        timer_cancel(st, &t[i]);
    ust_time_t last = 0;
    while (timer_next(st) != UST_TIME_NEVER) {
        ust_time_t n = timer_next(st);
        assert_true(n >= last);
        last = n;
        nfired = 0;
        /* run exactly the earliest one(s) */
        timer_run(st, n);
        assert_true(nfired >= 1 && nfired < 16);
    }
    ust_stack_free(st);
}

static void test_rng_deterministic(void **state)
{
    (void)state;
    struct ust_rng a, b, c;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    rng_seed(&c, 43);
    int diff = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = rng_next(&a);
        assert_true(x == rng_next(&b));
        diff += x != rng_next(&c);
    }
    assert_true(diff > 90);
    for (int i = 0; i < 1000; i++) {
        assert_true(rng_below(&a, 7) < 7);
        double u = rng_unit(&a);
        assert_true(u >= 0.0 && u < 1.0);
    }
}

static void test_addr_parse(void **state)
{
    (void)state;
    ust_ip4_t a;
    int len;
    char buf[16];
    assert_int_equal(ust_ip4_parse("203.0.113.7", &a), UST_OK);
    assert_int_equal(a, UST_IP4(203, 0, 113, 7));
    assert_string_equal(ust_ip4_str(a, buf), "203.0.113.7");
    assert_int_equal(ust_ip4_parse("256.0.0.1", &a), UST_ERR_INVAL);
    assert_int_equal(ust_ip4_parse("1.2.3", &a), UST_ERR_INVAL);
    assert_int_equal(ust_ip4_parse("1.2.3.4x", &a), UST_ERR_INVAL);
    assert_int_equal(ust_ip4_parse("+1.2.3.4", &a), UST_ERR_INVAL);
    assert_int_equal(ust_cidr_parse("198.51.100.2/24", &a, &len), UST_OK);
    assert_int_equal(len, 24);
    assert_int_equal(ust_cidr_parse("198.51.100.2", &a, &len), UST_ERR_INVAL);
    assert_int_equal(ust_cidr_parse("198.51.100.2/33", &a, &len), UST_ERR_INVAL);
    assert_int_equal(ust_cidr_parse("198.51.100.2/", &a, &len), UST_ERR_INVAL);
    struct ust_mac m;
    char mb[18];
    assert_int_equal(ust_mac_parse("52:54:00:ab:cd:ef", &m), UST_OK);
    assert_string_equal(ust_mac_str(&m, mb), "52:54:00:ab:cd:ef");
    assert_int_equal(ust_mac_parse("52:54:00:ab:cd", &m), UST_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_order_and_cancel),
        cmocka_unit_test(test_timer_rearm_full_heap),
        cmocka_unit_test(test_timer_many_random),
        cmocka_unit_test(test_rng_deterministic),
        cmocka_unit_test(test_addr_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
