/* Routing table: longest-prefix match, default route, delete, gateway
 * interface selection, dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/net_harness.h"

static struct nh_net *setup(struct ust_stack **st)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, NULL);
    assert_int_equal(nh_host(n, *st, NH_NO_WIRE, 1, UST_IP4(203, 0, 113, 1), 24, 1500), 0);
    assert_int_equal(nh_host(n, *st, NH_NO_WIRE, 2, UST_IP4(198, 51, 100, 1), 25, 1500), 1);
    return n;
}

static void expect_route(struct ust_stack *st, ust_ip4_t dst, int ifindex, ust_ip4_t next_hop)
{
    int ifi = -9;
    ust_ip4_t nh = 0;
    assert_int_equal(ust_route_lookup(st, dst, &ifi, &nh), UST_OK);
    assert_int_equal(ifi, ifindex);
    assert_int_equal(nh, next_hop);
}

static void test_connected_routes(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st);
    expect_route(st, UST_IP4(203, 0, 113, 77), 0, UST_IP4(203, 0, 113, 77));
    expect_route(st, UST_IP4(198, 51, 100, 127), 1, UST_IP4(198, 51, 100, 127));
    assert_int_equal(ust_route_lookup(st, UST_IP4(198, 51, 100, 128), NULL, NULL),
                     UST_ERR_NOROUTE);
    nh_net_free(n);
}

static void test_longest_prefix_wins(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st);
    ust_ip4_t gw0 = UST_IP4(203, 0, 113, 254), gw1 = UST_IP4(198, 51, 100, 126);
    assert_int_equal(ust_route_default(st, gw0), UST_OK);
    assert_int_equal(ust_route_add(st, UST_IP4(10, 0, 0, 0), 8, gw1, -1), UST_OK);
    assert_int_equal(ust_route_add(st, UST_IP4(10, 1, 0, 0), 16, gw0, -1), UST_OK);
    assert_int_equal(ust_route_add(st, UST_IP4(10, 1, 2, 0), 24, gw1, 1), UST_OK);
    assert_int_equal(ust_route_add(st, UST_IP4(10, 1, 2, 3), 32, gw0, 0), UST_OK);
    expect_route(st, UST_IP4(10, 9, 9, 9), 1, gw1);
    expect_route(st, UST_IP4(10, 1, 9, 9), 0, gw0);
    expect_route(st, UST_IP4(10, 1, 2, 9), 1, gw1);
    expect_route(st, UST_IP4(10, 1, 2, 3), 0, gw0);
    expect_route(st, UST_IP4(8, 8, 8, 8), 0, gw0);
    expect_route(st, UST_IP4(203, 0, 113, 9), 0, UST_IP4(203, 0, 113, 9));
    /* Delete the /16: 10.1.9.9 falls back to the /8. */
    assert_int_equal(ust_route_del(st, UST_IP4(10, 1, 0, 0), 16), UST_OK);
    assert_int_equal(ust_route_del(st, UST_IP4(10, 1, 0, 0), 16), UST_ERR_NOENT);
    expect_route(st, UST_IP4(10, 1, 9, 9), 1, gw1);
    assert_int_equal(ust_route_del(st, 0, 0), UST_OK);
    assert_int_equal(ust_route_lookup(st, UST_IP4(8, 8, 8, 8), NULL, NULL), UST_ERR_NOROUTE);
    nh_net_free(n);
}

static void test_add_errors(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st);
    /* Gateway not on any connected subnet. */
    assert_int_equal(ust_route_add(st, UST_IP4(10, 0, 0, 0), 8, UST_IP4(192, 0, 2, 1), -1),
                     UST_ERR_NETUNREACH);
    assert_int_equal(ust_route_add(st, UST_IP4(10, 0, 0, 1), 8, UST_IP4(203, 0, 113, 2), -1),
                     UST_ERR_INVAL); /* host bits */
    assert_int_equal(ust_route_add(st, UST_IP4(10, 0, 0, 0), 33, 0, 0), UST_ERR_INVAL);
    assert_int_equal(ust_route_add(st, UST_IP4(10, 0, 0, 0), 8, 0, -1), UST_ERR_INVAL);
    assert_int_equal(ust_route_add(st, UST_IP4(10, 0, 0, 0), 8, 0, 7), UST_ERR_NOENT);
    assert_int_equal(ust_route_add(st, UST_IP4(10, 0, 0, 0), 8, 0, 0), UST_OK); /* on-link */
    assert_int_equal(ust_route_add(st, UST_IP4(10, 0, 0, 0), 8, 0, 1), UST_ERR_EXIST);
    expect_route(st, UST_IP4(10, 2, 3, 4), 0, UST_IP4(10, 2, 3, 4));
    nh_net_free(n);
}

static void test_table_full(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st);
    int added = 0, rc;
    for (int i = 0; (rc = ust_route_add(st, UST_IP4(10, i, 0, 0), 16, 0, 0)) == UST_OK; i++)
        added++;
    assert_int_equal(rc, UST_ERR_NOMEM);
    assert_int_equal(added, UST_MAX_ROUTES - 2);
    nh_net_free(n);
}

static void test_dump(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st);
    ust_route_default(st, UST_IP4(203, 0, 113, 254));
    ust_route_add(st, UST_IP4(10, 0, 0, 0), 8, UST_IP4(198, 51, 100, 2), -1);
    char *buf = NULL;
    size_t sz = 0;
    FILE *f = open_memstream(&buf, &sz);
    ust_route_dump(st, f);
    fclose(f);
    assert_string_equal(buf, "198.51.100.0/25 dev nh1\n"
                             "203.0.113.0/24 dev nh0\n"
                             "10.0.0.0/8 via 198.51.100.2 dev nh1\n"
                             "default via 203.0.113.254 dev nh0\n");
    free(buf);
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connected_routes),
        cmocka_unit_test(test_longest_prefix_wins),
        cmocka_unit_test(test_add_errors),
        cmocka_unit_test(test_table_full),
        cmocka_unit_test(test_dump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
