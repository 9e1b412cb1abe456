/* Out-of-order range bookkeeping (src/buf/assembler.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf/assembler.h"
#include "ustack/types.h"

static void expect_ranges(const struct assembler *a, const uint32_t *se, unsigned n)
{
    assert_int_equal(a->n, n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(a->r[i].start, se[2 * i]);
        assert_int_equal(a->r[i].end, se[2 * i + 1]);
    }
}

static void test_merge(void **state)
{
    (void)state;
    struct assembler a;
    asm_init(&a);
    assert_int_equal(asm_add(&a, 10, 5), UST_OK);  /* [10,15) */
    assert_int_equal(asm_add(&a, 30, 10), UST_OK); /* [30,40) */
    assert_int_equal(asm_add(&a, 20, 2), UST_OK);  /* [20,22) */
    expect_ranges(&a, (uint32_t[]){10, 15, 20, 22, 30, 40}, 3);
    assert_int_equal(asm_front(&a), 0);
    /* touching ranges merge; overlapping too */
    asm_add(&a, 15, 5);
    expect_ranges(&a, (uint32_t[]){10, 22, 30, 40}, 2);
    asm_add(&a, 12, 25);
    expect_ranges(&a, (uint32_t[]){10, 40}, 1);
    asm_add(&a, 0, 10);
    assert_int_equal(asm_front(&a), 40);
    assert_int_equal(asm_bytes(&a), 40);
    asm_clear(&a);
}

/* asm_lower_bound: the first range ending at or after an offset, over
 * ranges [10,15) [20,22) [30,40); past the last, n; none held, 0. */
static void test_lower_bound(void **state)
{
    (void)state;
    struct assembler a;
    asm_init(&a);
    assert_int_equal(asm_lower_bound(&a, 7), 0);
    asm_add(&a, 10, 5);
    asm_add(&a, 20, 2);
    asm_add(&a, 30, 10);
    const uint32_t off[] = {0, 14, 15, 16, 21, 22, 23, 35, 40, 41};
    const unsigned want[] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3};
    for (unsigned k = 0; k < sizeof(off) / sizeof(off[0]); k++)
        assert_int_equal(asm_lower_bound(&a, off[k]), want[k]);
    asm_clear(&a);
}

static void test_advance(void **state)
{
    (void)state;
    struct assembler a;
    asm_init(&a);
    asm_add(&a, 5, 5);   /* [5,10) */
    asm_add(&a, 20, 5);  /* [20,25) */
    asm_advance(&a, 7);  /* front moves into the first range */
    expect_ranges(&a, (uint32_t[]){0, 3, 13, 18}, 2);
    assert_int_equal(asm_front(&a), 3);
    asm_advance(&a, 15);
    expect_ranges(&a, (uint32_t[]){0, 3}, 1);
    asm_advance(&a, 3);
    assert_true(asm_empty(&a));
    asm_clear(&a);
}

static void test_bounded(void **state)
{
    (void)state;
    struct assembler a;
    asm_init(&a);
    for (unsigned i = 0; i < ASM_MAX_RANGES; i++)
        assert_int_equal(asm_add(&a, 10 * i + 5, 1), UST_OK);
    /* one more separate range does not fit; nothing changes */
    assert_int_equal(asm_add(&a, 1000, 1), UST_ERR_NOMEM);
    assert_int_equal(a.n, ASM_MAX_RANGES);
    /* but merging into an existing range still works */
    assert_int_equal(asm_add(&a, 6, 2), UST_OK);
    assert_int_equal(a.r[0].end, 8);
    /* and so does a range that joins two */
    assert_int_equal(asm_add(&a, 8, 7), UST_OK);
    assert_int_equal(a.n, ASM_MAX_RANGES - 1);
    assert_int_equal(asm_add(&a, 0, 0), UST_OK);
    asm_clear(&a);
}

/* asm_set_max: a larger bound, reached by growing the array (8, 16, 32,
 * 40); a lower one refuses new ranges but keeps those held. */
static void test_set_max_grows(void **state)
{
    (void)state;
    struct assembler a;
    asm_init(&a);
    assert_null(a.r); /* no storage before the first range */
    asm_set_max(&a, 40);
    for (unsigned i = 0; i < 40; i++)
        assert_int_equal(asm_add(&a, 10 * i + 5, 1), UST_OK);
    assert_int_equal(asm_add(&a, 1000, 1), UST_ERR_NOMEM);
    assert_int_equal(a.n, 40);
    assert_int_equal(a.cap, 40);
    for (unsigned i = 0; i < 40; i++)
        assert_int_equal(a.r[i].start, 10 * i + 5);
    asm_set_max(&a, 4);
    assert_int_equal(asm_add(&a, 2000, 1), UST_ERR_NOMEM);
    assert_int_equal(asm_add(&a, 6, 1), UST_OK); /* a merge needs no room */
    assert_int_equal(a.n, 40);
    asm_clear(&a);
    assert_null(a.r);
    assert_int_equal(a.n, 0);
    assert_int_equal(asm_add(&a, 7, 1), UST_OK); /* usable again after a clear */
    asm_clear(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_lower_bound),
        cmocka_unit_test(test_advance),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_set_max_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
