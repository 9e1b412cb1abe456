/* The source-filter merge both IGMPv3 and MLDv2 use (core/msf.c): the
 * interface state of RFC 3376 3.2 / RFC 3810 4.2 from several sockets'
 * filters, the records a change schedules (RFC 3376 5.1 / RFC 3810 6.1),
 * the bound on a group's table, and source-specific query marking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/msf.h"

/* Sources are 16-byte addresses 2001:db8::N, written as N. */
static void addr_of(uint8_t n, uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0x20, out[1] = 0x01, out[2] = 0x0d, out[3] = 0xb8, out[15] = n;
}

struct flt {
    struct msf_filter f;
    uint8_t bytes[8][16];
};

static void flt(struct flt *x, bool exclude, const uint8_t *ns, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        addr_of(ns[i], x->bytes[i]);
    x->f = (struct msf_filter){.exclude = exclude, .n = n, .alen = 16, .src = &x->bytes[0][0]};
}

static void add(struct msf_table *t, const struct msf_filter *old, const struct msf_filter *new)
{
    assert_int_equal(msf_reserve(t, new, 100), 0);
    msf_update(t, old, new, 2);
    msf_gc(t);
}

static bool passes(const struct msf_table *t, uint8_t n)
{
    uint8_t a[16];
    addr_of(n, a);
    return msf_source_allowed(t, a, 16);
}

/* Which of 2001:db8::1..4 the state's list holds, as a bit mask. */
static unsigned list_mask(const struct msf_table *t)
{
    unsigned m = 0;
    for (unsigned i = 0; i < t->nsrc; i++)
        if (msf_in_list(t, &t->src[i]))
            m |= 1u << t->src[i].addr[15];
    return m;
}

/* RFC 3810 4.2 / RFC 3376 3.2: INCLUDE({1,2}) and INCLUDE({2,3}) merge to
 * INCLUDE({1,2,3}); adding EXCLUDE({2,4}) makes EXCLUDE({4}) (4 minus the
 * included); a second EXCLUDE({3,4}) leaves EXCLUDE({4}) (the
 * intersection of the excluded, minus the included). */
static void test_merge_rules(void **state)
{
    (void)state;
    struct msf_table t = {0};
    struct flt a, b, c, d;
    flt(&a, false, (const uint8_t[]){1, 2}, 2);
    flt(&b, false, (const uint8_t[]){2, 3}, 2);
    flt(&c, true, (const uint8_t[]){2, 4}, 2);
    flt(&d, true, (const uint8_t[]){3, 4}, 2);
    add(&t, NULL, &a.f);
    add(&t, NULL, &b.f);
    assert_int_equal(t.nex, 0);
    assert_int_equal(list_mask(&t), (1u << 1) | (1u << 2) | (1u << 3));
    assert_true(passes(&t, 1) && passes(&t, 3) && !passes(&t, 4));
    add(&t, NULL, &c.f);
    assert_int_equal(t.nex, 1);
    assert_int_equal(list_mask(&t), 1u << 4);
    assert_true(passes(&t, 2) && passes(&t, 9) && !passes(&t, 4));
    add(&t, NULL, &d.f);
    assert_int_equal(list_mask(&t), 1u << 4);
    assert_true(passes(&t, 3));
    assert_int_equal(t.refs, 4);
    /* all leave: nothing named, the table empties once records are sent */
    add(&t, &a.f, NULL);
    add(&t, &b.f, NULL);
    add(&t, &c.f, NULL);
    add(&t, &d.f, NULL);
    assert_int_equal(t.refs, 0);
    while (msf_pending(&t))
        msf_sent_pending(&t);
    msf_gc(&t);
    assert_int_equal(t.nsrc, 0);
    msf_free(&t);
}

/* RFC 3810 6.1: a mode change schedules TO_EX / TO_IN Robustness times
 * (and no source records); a source change in the same mode schedules
 * ALLOW or BLOCK for that source only. */
static void test_changes_scheduled(void **state)
{
    (void)state;
    struct msf_table t = {0};
    struct flt any, one, two;
    flt(&any, true, NULL, 0);
    flt(&one, true, (const uint8_t[]){1}, 1);
    flt(&two, false, (const uint8_t[]){2}, 1);
    add(&t, NULL, &any.f);
    assert_int_equal(t.change, MSF_CHANGE_TO_EXCLUDE);
    assert_int_equal(t.retrans, 2);
    msf_drop_pending(&t);
    add(&t, &any.f, &one.f); /* EXCLUDE({}) -> EXCLUDE({1}): BLOCK(1) */
    assert_int_equal(t.retrans, 0);
    size_t n;
    uint8_t *v = msf_collect(&t, 16, msf_want_block, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[15], 1);
    free(v);
    v = msf_collect(&t, 16, msf_want_allow, &n);
    assert_int_equal(n, 0);
    free(v);
    msf_sent_pending(&t);
    msf_sent_pending(&t);
    assert_false(msf_pending(&t));
    add(&t, &one.f, &two.f); /* EXCLUDE({1}) -> INCLUDE({2}): TO_IN({2}) */
    assert_int_equal(t.change, MSF_CHANGE_TO_INCLUDE);
    v = msf_collect(&t, 16, msf_in_list, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[15], 2);
    free(v);
    msf_free(&t);
}

/* The group's table is bounded: a filter that would name more sources is
 * refused whole (-2), nothing added; sources already named are free. */
static void test_reserve_bound(void **state)
{
    (void)state;
    struct msf_table t = {0};
    struct flt a, b, c;
    flt(&a, false, (const uint8_t[]){1, 2, 3}, 3);
    flt(&b, false, (const uint8_t[]){3, 4}, 2);
    flt(&c, false, (const uint8_t[]){1, 2}, 2);
    assert_int_equal(msf_reserve(&t, &a.f, 3), 0);
    msf_update(&t, NULL, &a.f, 2);
    assert_int_equal(msf_reserve(&t, &b.f, 3), -2);
    assert_int_equal(t.nsrc, 3);
    assert_int_equal(msf_reserve(&t, &c.f, 3), 0);
    assert_int_equal(t.nsrc, 3);
    msf_free(&t);
}

/* RFC 3810 6.3: a source-specific query marks the named sources the
 * table has (INCLUDE mode); in EXCLUDE mode the answer is the group's. */
static void test_query_marking(void **state)
{
    (void)state;
    struct msf_table t = {0};
    struct flt inc, q;
    flt(&inc, false, (const uint8_t[]){1, 2}, 2);
    flt(&q, false, (const uint8_t[]){2, 7}, 2);
    add(&t, NULL, &inc.f);
    assert_true(msf_mark_queried(&t, q.f.src, 2, 16));
    size_t n;
    uint8_t *v = msf_collect(&t, 16, msf_want_queried, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[15], 2);
    free(v);
    msf_clear_queried(&t);
    struct flt ex;
    flt(&ex, true, NULL, 0);
    add(&t, NULL, &ex.f);
    assert_false(msf_mark_queried(&t, q.f.src, 2, 16));
    msf_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_rules),
        cmocka_unit_test(test_changes_scheduled),
        cmocka_unit_test(test_reserve_bound),
        cmocka_unit_test(test_query_marking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
