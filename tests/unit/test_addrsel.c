/* RFC 6724 default address selection (src/net6/addrsel.c): every example
 * of its Section 10 as a golden test (source selection 10.1, destination
 * ordering 10.2, and the configured policy tables of 10.3-10.7), then the
 * rules the examples do not reach: the candidate set (Section 4), rule 5
 * and 5.5, rule 7 reversed for an application, rule 1 for destinations.
 * IPv4 addresses are written as dotted quads and used IPv4-mapped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../harness/ra_build.h"
#include "net6/addrsel.h"

/* "2001:db8::1", "10.1.2.4" (IPv4-mapped) */
static struct ipv6_addr addr(const char *text)
{
    if (!strchr(text, ':')) {
        char buf[80]; /* "::ffff:" and any text (GCC -O2 counts it up to 63) */
        snprintf(buf, sizeof(buf), "::ffff:%s", text);
        return ip6(buf);
    }
    return ip6(text);
}

/* A candidate: "text" or "text/flags" with flags d (deprecated),
 * t (temporary), h (home), c (care-of). */
static struct as_cand cand(const char *spec)
{
    char text[64];
    snprintf(text, sizeof(text), "%s", spec);
    char *slash = strchr(text, '/');
    struct as_cand c = {.ifindex = 0};
    if (slash) {
        *slash = 0;
        c.deprecated = strchr(slash + 1, 'd') != NULL;
        c.temporary = strchr(slash + 1, 't') != NULL;
        c.home = strchr(slash + 1, 'h') != NULL;
        c.care_of = strchr(slash + 1, 'c') != NULL;
    }
    c.addr = addr(text);
    c.prefix_len = strchr(text, ':') ? 64 : 128; /* IPv4: the whole address */
    return c;
}

#define MAXC 4
struct src_case {
    const char *dst;
    const char *cands[MAXC];
    const char *expect;
};

static size_t make_cands(const char *const *specs, struct as_cand *c)
{
    size_t n = 0;
    while (n < MAXC && specs[n]) {
        c[n] = cand(specs[n]);
        n++;
    }
    return n;
}

/* Runs a case with the candidates in the given and in reversed order: the
 * rules, not the order, must pick. */
static void check_source(const struct src_case *k, const struct as_opts *o)
{
    struct as_cand c[MAXC], r[MAXC];
    size_t n = make_cands(k->cands, c);
    for (size_t i = 0; i < n; i++)
        r[i] = c[n - 1 - i];
    struct ipv6_addr d = addr(k->dst), want = addr(k->expect);
    int i = as_select_source(c, n, &d, o);
    assert_true(i >= 0);
    assert_true(ipv6_addr_eq(&c[i].addr, &want));
    i = as_select_source(r, n, &d, o);
    assert_true(i >= 0);
    assert_true(ipv6_addr_eq(&r[i].addr, &want));
}

/* RFC 6724 10.1, each example (the first prints its result as
 * "2001:db8::1", a typo for the candidate 2001:db8:3::1). */
static void test_rfc6724_10_1_source(void **state)
{
    (void)state;
    static const struct src_case cases[] = {
        {"2001:db8:1::1", {"2001:db8:3::1", "fe80::1"}, "2001:db8:3::1"},   /* scope */
        {"ff05::1", {"2001:db8:3::1", "fe80::1"}, "2001:db8:3::1"},         /* scope */
        {"2001:db8:1::1", {"2001:db8:1::1/d", "2001:db8:2::1"}, "2001:db8:1::1"}, /* same */
        {"fe80::1", {"fe80::2/d", "2001:db8:1::1"}, "fe80::2"},             /* scope */
        {"2001:db8:1::1", {"2001:db8:1::2", "2001:db8:3::2"}, "2001:db8:1::2"}, /* prefix */
        {"2001:db8:1::1", {"2001:db8:1::2/c", "2001:db8:3::2/h"}, "2001:db8:3::2"}, /* home */
        {"2002:c633:6401::1", {"2002:c633:6401::d5e3:7953:13eb:22e8/t", "2001:db8:1::2"},
         "2002:c633:6401::d5e3:7953:13eb:22e8"},                           /* label */
        {"2001:db8:1::d5e3:0:0:1", {"2001:db8:1::2", "2001:db8:1::d5e3:7953:13eb:22e8/t"},
         "2001:db8:1::d5e3:7953:13eb:22e8"},                               /* temporary */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_source(&cases[i], NULL);
}

#define MAXD 2
struct dst_case {
    const char *cands[MAXC];
    const char *dsts[MAXD];
    const char *order[MAXD];   /* expected destinations in order */
    const char *srcs[MAXD];    /* and the source of each */
};

static void check_order(const struct dst_case *k, const struct as_opts *o)
{
    struct as_cand c[MAXC];
    size_t nc = make_cands(k->cands, c);
    for (int rev = 0; rev < 2; rev++) { /* both input orders */
        struct as_dst d[MAXD];
        memset(d, 0, sizeof(d));
        for (size_t i = 0; i < MAXD; i++)
            d[i].addr = addr(k->dsts[rev ? MAXD - 1 - i : i]);
        as_order_destinations(d, MAXD, c, nc, o);
        for (size_t i = 0; i < MAXD; i++) {
            struct ipv6_addr want = addr(k->order[i]), src = addr(k->srcs[i]);
            assert_true(ipv6_addr_eq(&d[i].addr, &want));
            assert_true(d[i].has_src);
            assert_true(ipv6_addr_eq(&d[i].src.addr, &src));
        }
    }
}

/* RFC 6724 10.2, each example. */
static void test_rfc6724_10_2_destination(void **state)
{
    (void)state;
    static const struct dst_case cases[] = {
        {{"2001:db8:1::2", "fe80::1", "169.254.13.78"}, {"2001:db8:1::1", "198.51.100.121"},
         {"2001:db8:1::1", "198.51.100.121"}, {"2001:db8:1::2", "169.254.13.78"}},
        {{"fe80::1", "198.51.100.117"}, {"2001:db8:1::1", "198.51.100.121"},
         {"198.51.100.121", "2001:db8:1::1"}, {"198.51.100.117", "fe80::1"}},
        {{"2001:db8:1::2", "fe80::1", "10.1.2.4"}, {"2001:db8:1::1", "10.1.2.3"},
         {"2001:db8:1::1", "10.1.2.3"}, {"2001:db8:1::2", "10.1.2.4"}},
        {{"2001:db8:1::2", "fe80::2"}, {"2001:db8:1::1", "fe80::1"},
         {"fe80::1", "2001:db8:1::1"}, {"fe80::2", "2001:db8:1::2"}},
        {{"2001:db8:1::2/c", "2001:db8:3::1/h", "fe80::2/c"}, {"2001:db8:1::1", "fe80::1"},
         {"2001:db8:1::1", "fe80::1"}, {"2001:db8:3::1", "fe80::2"}},
        {{"2001:db8:1::2", "fe80::2/d"}, {"2001:db8:1::1", "fe80::1"},
         {"2001:db8:1::1", "fe80::1"}, {"2001:db8:1::2", "fe80::2"}},
        {{"2001:db8:1::2", "2001:db8:3f44::2", "fe80::2"}, {"2001:db8:1::1", "2001:db8:3ffe::1"},
         {"2001:db8:1::1", "2001:db8:3ffe::1"}, {"2001:db8:1::2", "2001:db8:3f44::2"}},
        {{"2002:c633:6401::2", "fe80::2"}, {"2002:c633:6401::1", "2001:db8:1::1"},
         {"2002:c633:6401::1", "2001:db8:1::1"}, {"2002:c633:6401::2", "2002:c633:6401::2"}},
        {{"2002:c633:6401::2", "2001:db8:1::2", "fe80::2"}, {"2002:c633:6401::1", "2001:db8:1::1"},
         {"2001:db8:1::1", "2002:c633:6401::1"}, {"2001:db8:1::2", "2002:c633:6401::2"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_order(&cases[i], NULL);
}

/* The default table with rows added or changed (RFC 6724 10.3-10.7). */
struct row {
    const char *prefix;
    uint8_t len, precedence, label;
};
static size_t table(const struct row *extra, size_t n_extra, struct as_policy *out)
{
    size_t n = as_default_policy_len;
    memcpy(out, as_default_policy, n * sizeof(*out));
    for (size_t j = 0; j < n_extra; j++) { /* a changed row, or a new one */
        struct ipv6_addr p = addr(extra[j].prefix);
        size_t k = 0;
        while (k < n && !(out[k].len == extra[j].len && ipv6_addr_eq(&out[k].prefix, &p)))
            k++;
        out[k] = (struct as_policy){p, extra[j].len, extra[j].precedence, extra[j].label};
        if (k == n)
            n++;
    }
    return n;
}

static struct as_opts with_table(struct as_policy *t, size_t n)
{
    return (struct as_opts){.policy = t, .policy_len = n, .out_ifindex = -1};
}

/* 10.3: IPv4 preferred over IPv6 by precedence 100 for ::ffff:0:0/96. */
static void test_rfc6724_10_3_prefer_ipv4(void **state)
{
    (void)state;
    static const struct row rows[] = {{"::ffff:0:0", 96, 100, 4}};
    struct as_policy t[16];
    struct as_opts o = with_table(t, table(rows, 1, t));
    static const struct dst_case cases[] = {
        {{"2001:db8::2", "fe80::1", "169.254.13.78"}, {"2001:db8::1", "198.51.100.121"},
         {"2001:db8::1", "198.51.100.121"}, {"2001:db8::2", "169.254.13.78"}},
        {{"fe80::1", "198.51.100.117"}, {"2001:db8::1", "198.51.100.121"},
         {"198.51.100.121", "2001:db8::1"}, {"198.51.100.117", "fe80::1"}},
        {{"2001:db8::2", "fe80::1", "10.1.2.4"}, {"2001:db8::1", "10.1.2.3"},
         {"10.1.2.3", "2001:db8::1"}, {"10.1.2.4", "2001:db8::2"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_order(&cases[i], &o);
}

/* 10.4: link-local destinations after global ones (fe80::/10 row). */
static void test_rfc6724_10_4_link_local_last(void **state)
{
    (void)state;
    static const struct row rows[] = {{"fe80::", 10, 33, 1}};
    struct as_policy t[16];
    struct as_opts o = with_table(t, table(rows, 1, t));
    static const struct dst_case cases[] = {
        {{"2001:db8::2", "fe80::2"}, {"2001:db8::1", "fe80::1"},
         {"2001:db8::1", "fe80::1"}, {"2001:db8::2", "fe80::2"}},
        {{"2001:db8::2/d", "fe80::2"}, {"2001:db8::1", "fe80::1"},
         {"fe80::1", "2001:db8::1"}, {"fe80::2", "2001:db8::2"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_order(&cases[i], &o);
}

/* 10.5: the multi-homed site, with the default table and with its own. */
static void test_rfc6724_10_5_multihomed(void **state)
{
    (void)state;
    static const struct dst_case defaults[] = {
        {{"2001:db8:1aaa::a", "2001:db8:70aa::a", "fe80::a"}, {"2001:db8:1bbb::b", "2001:db8:70bb::b"},
         {"2001:db8:70bb::b", "2001:db8:1bbb::b"}, {"2001:db8:70aa::a", "2001:db8:1aaa::a"}},
        {{"2001:db8:1aaa::a", "2001:db8:70aa::a", "fe80::a"}, {"2001:db8:1ccc::c", "2001:db8:6ccc::c"},
         {"2001:db8:1ccc::c", "2001:db8:6ccc::c"}, {"2001:db8:1aaa::a", "2001:db8:70aa::a"}},
    };
    for (size_t i = 0; i < 2; i++)
        check_order(&defaults[i], NULL);
    static const struct row rows[] = {{"2001:db8:1aaa::", 48, 43, 6}, {"2001:db8:1bbb::", 48, 43, 6}};
    struct as_policy t[16];
    struct as_opts o = with_table(t, table(rows, 2, t));
    static const struct dst_case configured[] = {
        {{"2001:db8:1aaa::a", "2001:db8:70aa::a", "fe80::a"}, {"2001:db8:1bbb::b", "2001:db8:70bb::b"},
         {"2001:db8:1bbb::b", "2001:db8:70bb::b"}, {"2001:db8:1aaa::a", "2001:db8:70aa::a"}},
        {{"2001:db8:1aaa::a", "2001:db8:70aa::a", "fe80::a"}, {"2001:db8:1ccc::c", "2001:db8:6ccc::c"},
         {"2001:db8:6ccc::c", "2001:db8:1ccc::c"}, {"2001:db8:70aa::a", "2001:db8:70aa::a"}},
    };
    for (size_t i = 0; i < 2; i++)
        check_order(&configured[i], &o);
}

/* 10.6: ULAs. The RFC's last example prints its destination as "ff00:1"
 * (not an address); a global-scope group, ff0e::1, stands in for it. */
static void test_rfc6724_10_6_ula(void **state)
{
    (void)state;
    static const struct dst_case plain = {
        {"2001:db8:1::1", "fd11:1111:1111:1::1"}, {"2001:db8:2::2", "fd22:2222:2222:2::2"},
        {"2001:db8:2::2", "fd22:2222:2222:2::2"}, {"2001:db8:1::1", "fd11:1111:1111:1::1"}};
    check_order(&plain, NULL);
    static const struct row rows[] = {{"fd11:1111:1111::", 48, 45, 14}};
    struct as_policy t[16];
    struct as_opts o = with_table(t, table(rows, 1, t));
    check_order(&plain, &o);
    static const struct dst_case own_site = {
        {"2001:db8:1::1", "fd11:1111:1111:1::1"}, {"2001:db8:2::2", "fd11:1111:1111:2::2"},
        {"fd11:1111:1111:2::2", "2001:db8:2::2"}, {"fd11:1111:1111:1::1", "2001:db8:1::1"}};
    check_order(&own_site, &o);
    static const struct src_case mcast = {"ff0e::1", {"2001:db8:1::1", "fd11:1111:1111:1::1"},
                                          "2001:db8:1::1"};
    check_source(&mcast, NULL);
}

/* 10.7: 6to4 against NATed IPv4, default and configured. */
static void test_rfc6724_10_7_6to4(void **state)
{
    (void)state;
    static const struct dst_case plain = {
        {"2002:c633:6401::2", "10.1.2.3"}, {"2001:db8:1::1", "203.0.113.1"},
        {"203.0.113.1", "2001:db8:1::1"}, {"10.1.2.3", "2002:c633:6401::2"}};
    check_order(&plain, NULL);
    static const struct row rows[] = {{"2002:c633:6401::", 48, 45, 14}};
    struct as_policy t[16];
    struct as_opts o = with_table(t, table(rows, 1, t));
    static const struct dst_case configured = {
        {"2002:c633:6401:1::1", "10.1.2.3"}, {"2002:c633:6401:2::2", "203.0.113.1"},
        {"2002:c633:6401:2::2", "203.0.113.1"}, {"2002:c633:6401:1::1", "10.1.2.3"}};
    check_order(&configured, &o);
}

/* SAS-3: multicast and :: are never candidates, nor addresses of the other
 * family; for a link-local destination only the outgoing interface's. */
static void test_candidate_set(void **state)
{
    (void)state;
    struct as_cand c[3] = {cand("ff02::1"), cand("::"), cand("10.0.0.1")};
    struct ipv6_addr d = addr("2001:db8::1");
    assert_int_equal(as_select_source(c, 3, &d, NULL), -1);
    c[0] = cand("fe80::1");
    c[0].ifindex = 1;
    c[1] = cand("fe80::2");
    c[1].ifindex = 2;
    d = addr("fe80::9");
    struct as_opts o = {.out_ifindex = 2};
    assert_int_equal(as_select_source(c, 2, &d, &o), 1);
    o.out_ifindex = 3;
    assert_int_equal(as_select_source(c, 2, &d, &o), -1);
}

/* SAS-4 rules 5 and 5.5: the outgoing interface's address, then one in a
 * prefix the next hop advertised. */
static void test_rules_5_and_5_5(void **state)
{
    (void)state;
    struct as_cand c[2] = {cand("2001:db8:1::1"), cand("2001:db8:1::2")};
    c[1].ifindex = 7;
    struct ipv6_addr d = addr("2001:db8:9::1");
    struct as_opts o = {.out_ifindex = 7};
    assert_int_equal(as_select_source(c, 2, &d, &o), 1);
    c[1].ifindex = 0;
    c[0].from_next_hop = true;
    o.out_ifindex = -1;
    assert_int_equal(as_select_source(c, 2, &d, &o), 0);
}

/* SAS-5: an application may prefer public addresses (rule 7 reversed). */
static void test_prefer_public(void **state)
{
    (void)state;
    struct as_cand c[2] = {cand("2001:db8:1::2"), cand("2001:db8:1::d5e3:7953:13eb:22e8/t")};
    struct ipv6_addr d = addr("2001:db8:1::d5e3:0:0:1");
    struct as_opts o = {.out_ifindex = -1, .prefer_public = true};
    assert_int_equal(as_select_source(c, 2, &d, NULL), 1);
    assert_int_equal(as_select_source(c, 2, &d, &o), 0);
}

/* SAS-7 rule 1: a destination without a source, or known unreachable,
 * sorts last; rule 10 keeps the order of equals. */
static void test_unusable_destinations_last(void **state)
{
    (void)state;
    struct as_cand c[1] = {cand("2001:db8:1::2")};
    struct as_dst d[3];
    memset(d, 0, sizeof(d));
    d[0].addr = addr("10.0.0.1"); /* no IPv4 source */
    d[1].addr = addr("2001:db8:5::1");
    d[2].addr = addr("2001:db8:6::1");
    as_order_destinations(d, 3, c, 1, NULL);
    struct ipv6_addr a5 = addr("2001:db8:5::1"), a6 = addr("2001:db8:6::1"), a4 = addr("10.0.0.1");
    assert_true(ipv6_addr_eq(&d[0].addr, &a5)); /* equals keep their order */
    assert_true(ipv6_addr_eq(&d[1].addr, &a6));
    assert_true(ipv6_addr_eq(&d[2].addr, &a4));
    assert_false(d[2].has_src);
    d[0].unreachable = true;
    as_sort_destinations(d, 3, NULL);
    assert_true(ipv6_addr_eq(&d[0].addr, &a6));
}

/* Scopes (RFC 6724 3.1, 3.2) and CommonPrefixLen bounded by the source's
 * prefix (2.2). */
static void test_scopes_and_prefix_len(void **state)
{
    (void)state;
    const struct {
        const char *a;
        uint8_t scope;
    } s[] = {{"fe80::1", AS_SCOPE_LINK}, {"::1", AS_SCOPE_LINK}, {"169.254.1.1", AS_SCOPE_LINK},
             {"127.0.0.1", AS_SCOPE_LINK}, {"10.1.2.3", AS_SCOPE_GLOBAL},
             {"fd00::1", AS_SCOPE_GLOBAL}, {"fec0::1", AS_SCOPE_SITE}, {"ff05::1", 5},
             {"2001:db8::1", AS_SCOPE_GLOBAL}};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        struct ipv6_addr a = addr(s[i].a);
        assert_int_equal(as_scope(&a), s[i].scope);
    }
    struct ipv6_addr x = addr("fe80::1"), y = addr("fe80::2");
    assert_int_equal(as_common_prefix(&x, &y, 64), 64);
    assert_int_equal(as_common_prefix(&x, &y, 128), 126);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6724_10_1_source),
        cmocka_unit_test(test_rfc6724_10_2_destination),
        cmocka_unit_test(test_rfc6724_10_3_prefer_ipv4),
        cmocka_unit_test(test_rfc6724_10_4_link_local_last),
        cmocka_unit_test(test_rfc6724_10_5_multihomed),
        cmocka_unit_test(test_rfc6724_10_6_ula),
        cmocka_unit_test(test_rfc6724_10_7_6to4),
        cmocka_unit_test(test_candidate_set),
        cmocka_unit_test(test_rules_5_and_5_5),
        cmocka_unit_test(test_prefer_public),
        cmocka_unit_test(test_unusable_destinations_last),
        cmocka_unit_test(test_scopes_and_prefix_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
