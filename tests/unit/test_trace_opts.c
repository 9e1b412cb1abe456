/* --trace [LIST], --snaplen and --pcapng (tools/link_opts.c), and the
 * library's category names (ust_trace_parse_categories). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* The parser is part of the ustack command: compile it in directly. */
#include "../../tools/link_opts.c"
#include "../../tools/opt_size.c"

static void test_category_names(void **state)
{
    (void)state;
    uint32_t c = 0;
    assert_int_equal(ust_trace_parse_categories("tcp,cc", &c), UST_OK);
    assert_int_equal(c, UST_TRACE_TCP | UST_TRACE_CC);
    assert_int_equal(ust_trace_parse_categories("link", &c), UST_OK);
    assert_int_equal(c, UST_TRACE_ETH | UST_TRACE_ARP);
    assert_int_equal(ust_trace_parse_categories("all", &c), UST_OK);
    assert_int_equal(c, UST_TRACE_ALL);
    assert_int_equal(ust_trace_parse_categories("tcp,bogus", &c), UST_ERR_INVAL);
    assert_int_equal(ust_trace_parse_categories("", &c), UST_ERR_INVAL);
    assert_int_equal(ust_trace_parse_categories("tcp,", &c), UST_ERR_INVAL);
    assert_int_equal(ust_trace_parse_categories("tc", &c), UST_ERR_INVAL);
}

/* The list is optional: the next argument is taken only when it is one, so
 * "ping --trace 203.0.113.1" still pings 203.0.113.1. */
static void test_trace_option(void **state)
{
    (void)state;
    bool on = false;
    uint32_t c = 0;
    char *a1[] = {"x", "--trace", "tcp,cc", "--mtu", "1400"};
    int i = 1;
    assert_int_equal(trace_opt_parse(5, a1, &i, &on, &c), 1);
    assert_true(on);
    assert_int_equal(c, UST_TRACE_TCP | UST_TRACE_CC);
    assert_int_equal(i, 2); /* the caller's i++ moves past the list */
    char *a2[] = {"x", "--trace", "203.0.113.1"};
    i = 1;
    assert_int_equal(trace_opt_parse(3, a2, &i, &on, &c), 1);
    assert_int_equal(i, 1);
    assert_int_equal(c, UST_TRACE_ALL & ~UST_TRACE_CC); /* every layer, cc when named */
    char *a3[] = {"x", "--trace=ip"};
    i = 1;
    assert_int_equal(trace_opt_parse(2, a3, &i, &on, &c), 1);
    assert_int_equal(c, UST_TRACE_IP);
    char *a4[] = {"x", "--trace=nope"};
    i = 1;
    assert_int_equal(trace_opt_parse(2, a4, &i, &on, &c), -1);
    char *a5[] = {"x", "--tracer"};
    i = 1;
    assert_int_equal(trace_opt_parse(2, a5, &i, &on, &c), 0);
}

static void test_capture_options(void **state)
{
    (void)state;
    struct link_opts o;
    link_opts_init(&o);
    char *argv[] = {"x", "--snaplen", "128", "--pcapng", "--snaplen", "300000"};
    int i = 1;
    assert_int_equal(link_opts_parse(&o, 6, argv, &i), 1);
    assert_int_equal(o.capture.snaplen, 128);
    i = 3;
    assert_int_equal(link_opts_parse(&o, 6, argv, &i), 1);
    assert_int_equal(o.capture.format, UST_PCAP_NG);
    i = 4;
    assert_int_equal(link_opts_parse(&o, 6, argv, &i), -1); /* above 262144 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_category_names),
        cmocka_unit_test(test_trace_option),
        cmocka_unit_test(test_capture_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
