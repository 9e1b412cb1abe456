/* Byte ring (src/buf/ring.c): wrap-around, partial writes, peek at an
 * offset, out-of-area writes then commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf/ring.h"
#include "ustack/types.h"

static void test_write_read_wrap(void **state)
{
    (void)state;
    struct ring r;
    ring_init(&r, 8);
    assert_int_equal(ring_write(&r, "abcdef", 6), 6);
    char out[16] = {0};
    assert_int_equal(ring_read(&r, out, 4), 4);
    assert_memory_equal(out, "abcd", 4);
    /* 2 held, 6 free: the write wraps around the end */
    assert_int_equal(ring_write(&r, "ghijklmn", 8), 6);
    assert_int_equal(ring_len(&r), 8);
    assert_int_equal(ring_space(&r), 0);
    assert_int_equal(ring_write(&r, "x", 1), 0);
    memset(out, 0, sizeof(out));
    assert_int_equal(ring_peek(&r, 1, out, 16), 7);
    assert_memory_equal(out, "fghijkl", 7);
    assert_int_equal(ring_read(&r, out, 16), 8);
    assert_memory_equal(out, "efghijkl", 8);
    assert_int_equal(ring_len(&r), 0);
    ring_free(&r);
}

static void test_write_at_commit(void **state)
{
    (void)state;
    struct ring r;
    ring_init(&r, 10);
    ring_write(&r, "012", 3);
    char out[16];
    ring_read(&r, out, 2); /* head moves to 2; "2" held */
    /* out-of-order bytes 3 beyond the readable data */
    assert_int_equal(ring_write_at(&r, 3, "6789", 4), 4);
    assert_int_equal(ring_len(&r), 1);
    /* the gap, then everything becomes readable */
    assert_int_equal(ring_write_at(&r, 0, "345", 3), 3);
    ring_commit(&r, 7);
    assert_int_equal(ring_len(&r), 8);
    assert_int_equal(ring_read(&r, out, 16), 8);
    assert_memory_equal(out, "23456789", 8);
    /* beyond the free space nothing is stored */
    assert_int_equal(ring_write_at(&r, 10, "z", 1), 0);
    assert_int_equal(ring_write_at(&r, 8, "zzz", 3), 2);
    ring_free(&r);
}

static void test_ooo_survives_empty_read(void **state)
{
    (void)state;
    /* reading every readable byte must not move bytes stored beyond */
    struct ring r;
    ring_init(&r, 6);
    ring_write(&r, "ab", 2);
    ring_write_at(&r, 1, "d", 1);
    char out[8];
    assert_int_equal(ring_read(&r, out, 8), 2);
    ring_write_at(&r, 0, "c", 1);
    ring_commit(&r, 2);
    assert_int_equal(ring_read(&r, out, 8), 2);
    assert_memory_equal(out, "cd", 2);
    ring_free(&r);
}

static void test_set_cap(void **state)
{
    (void)state;
    struct ring r;
    ring_init(&r, 4);
    assert_int_equal(ring_set_cap(&r, 16), UST_OK);
    assert_int_equal(ring_write(&r, "0123456789", 10), 10);
    assert_int_equal(ring_set_cap(&r, 4), UST_ERR_INVAL);
    assert_int_equal(ring_drop(&r, 20), 10);
    assert_int_equal(ring_set_cap(&r, 4), UST_OK);
    assert_int_equal(ring_space(&r), 4);
    ring_free(&r);
}

/* ring_grow (autotuning): a wrapped ring grows with its readable bytes
 * and the out-of-order bytes stored beyond them at the same offsets; a
 * smaller size changes nothing; an unallocated ring just takes the size. */
static void test_grow_keeps_contents(void **state)
{
    (void)state;
    struct ring r;
    ring_init(&r, 8);
    assert_int_equal(ring_write(&r, "abcdef", 6), 6);
    char out[16] = {0};
    assert_int_equal(ring_read(&r, out, 5), 5);
    assert_int_equal(ring_write(&r, "ghij", 4), 4); /* wraps: "fghij" held */
    assert_int_equal(ring_write_at(&r, 1, "Y", 1), 1); /* beyond a 1-byte hole */
    assert_int_equal(ring_grow(&r, 4), UST_OK);
    assert_int_equal(r.cap, 8);
    assert_int_equal(ring_grow(&r, 32), UST_OK);
    assert_int_equal(r.cap, 32);
    assert_int_equal(ring_len(&r), 5);
    assert_int_equal(ring_space(&r), 27);
    assert_int_equal(ring_write_at(&r, 0, "X", 1), 1); /* fills the hole */
    ring_commit(&r, 2);
    memset(out, 0, sizeof(out));
    assert_int_equal(ring_read(&r, out, sizeof(out)), 7);
    assert_memory_equal(out, "fghijXY", 7);
    ring_free(&r);
    ring_init(&r, 8);
    assert_int_equal(ring_grow(&r, 64), UST_OK);
    assert_null(r.buf);
    assert_int_equal(ring_space(&r), 64);
    ring_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read_wrap),
        cmocka_unit_test(test_write_at_commit),
        cmocka_unit_test(test_ooo_survives_empty_read),
        cmocka_unit_test(test_set_cap),
        cmocka_unit_test(test_grow_keeps_contents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
