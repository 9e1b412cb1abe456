/* The CLI's option parsing (tools/link_opts.c, tools/opt_size.c): rates, sizes, numbers and
 * the link options shared by serve and ping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* The parser is part of the ustack command, not of the library: compile
 * it into this test directly. */
#include "../../tools/link_opts.c"
#include "../../tools/opt_size.c"
#include "../../tools/link_secret.c"

#include <sys/stat.h>

static void test_rates(void **state)
{
    (void)state;
    uint64_t bps = 0;
    assert_int_equal(parse_rate("10mbit", &bps), 0);
    assert_true(bps == 10000000u);
    assert_int_equal(parse_rate("1gbit", &bps), 0);
    assert_true(bps == 1000000000u);
    assert_int_equal(parse_rate("500kbit", &bps), 0);
    assert_true(bps == 500000u);
    assert_int_equal(parse_rate("64000", &bps), 0);
    assert_true(bps == 64000u);
    assert_int_equal(parse_rate("10xbit", &bps), -1);
    assert_int_equal(parse_rate("0mbit", &bps), -1);
    assert_int_equal(parse_rate("mbit", &bps), -1);
    assert_int_equal(parse_rate("-5mbit", &bps), -1);
    assert_int_equal(parse_rate("99999999999999gbit", &bps), -1);
}

static int parse_all(struct link_opts *o, int argc, char **argv);

static void test_bytes(void **state)
{
    (void)state;
    size_t b = 0;
    assert_int_equal(parse_bytes("15k", &b), 0);
    assert_int_equal(b, 15 * 1024);
    assert_int_equal(parse_bytes("1500", &b), 0);
    assert_int_equal(b, 1500);
    assert_int_equal(parse_bytes("1m", &b), 0);
    assert_int_equal(b, 1024 * 1024);
    assert_int_equal(parse_bytes("15q", &b), -1);
    assert_int_equal(parse_bytes("", &b), -1);
    struct link_opts o;
    char *big_burst[] = {"--shape", "10mbit,1000m"}; /* over the burst's 64 MiB bound */
    assert_int_equal(parse_all(&o, 2, big_burst), -1);
}

/* One size syntax for every command: K M G T (and KiB ...) are powers of
 * 1024, KB MB GB TB powers of 1000, B bytes, any case; nothing else. */
static void test_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t bytes;
    } good[] = {
        {"0", 0},           {"1500", 1500},         {"64K", 65536},       {"64k", 65536},
        {"64KiB", 65536},   {"64kib", 65536},       {"64KB", 64000},      {"10M", 10485760},
        {"10MiB", 10485760}, {"10MB", 10000000},    {"1G", 1073741824},   {"1GiB", 1073741824},
        {"1GB", 1000000000}, {"2T", 2ull << 40},    {"2TB", 2000000000000ull}, {"100B", 100},
    };
    for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
        uint64_t v = 1;
        assert_int_equal(size_value(good[k].text, &v), 0);
        assert_true(v == good[k].bytes);
    }
    const char *bad[] = {"", "K", "-1", "+1", " 1", "1 K", "1.5M", "1Ki", "1KiBB", "1Q",
                         "1Kb/s", "99999999999999999999", "20000000T"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        uint64_t v;
        assert_int_equal(size_value(bad[k], &v), -1);
    }
    uint64_t v = 0;
    assert_int_equal(parse_size("--bytes", "64M", 0, 64u << 20, &v), 0);
    assert_true(v == 64u << 20);
    assert_int_equal(parse_size("--bytes", "64MB", 0, 64u << 20, &v), 0); /* 64000000 */
    assert_int_equal(parse_size("--bytes", "65M", 0, 64u << 20, &v), -1);
    assert_int_equal(parse_size("--mtu", "575", 576, 9000, &v), -1);
    assert_int_equal(parse_size("--mtu", "9000", 576, 9000, &v), 0);
}

/* --tun NAME is --tap's twin: the same name rules, one device per command. */
static void test_tun(void **state)
{
    (void)state;
    struct link_opts o;
    char *tun[] = {"--tun", "tun7", "--addr", "203.0.113.2/24"};
    assert_int_equal(parse_all(&o, 4, tun), 0);
    assert_string_equal(o.tap, "tun7");
    assert_true(o.tun);
    assert_int_equal(link_opts_check(&o), 0);
    char *tap[] = {"--tap=tap7"};
    assert_int_equal(parse_all(&o, 1, tap), 0);
    assert_false(o.tun);
    char *both[] = {"--tap", "tap7", "--tun", "tun7"};
    assert_int_equal(parse_all(&o, 4, both), -1);
    char *bad[] = {"--tun", "a/b"};
    assert_int_equal(parse_all(&o, 2, bad), -1);
}

static int parse_all(struct link_opts *o, int argc, char **argv)
{
    link_opts_init(o);
    for (int i = 0; i < argc; i++) {
        int r = link_opts_parse(o, argc, argv, &i);
        if (r <= 0)
            return r == 0 ? i + 100 : -1; /* i+100: index of a foreign argument */
    }
    return 0;
}

static void test_link_opts_full(void **state)
{
    (void)state;
    char *argv[] = {"--tap", "tap7", "--addr=203.0.113.2/24", "--gateway", "203.0.113.1",
                    "--host-addr", "203.0.113.1/24", "--mtu", "1400", "--pcap", "-",
                    "--trace", "--shape", "10mbit,15k", "--accept-source-route"};
    struct link_opts o;
    assert_int_equal(parse_all(&o, 15, argv), 0);
    assert_string_equal(o.tap, "tap7");
    assert_true(o.have_addr);
    assert_int_equal(o.addr, UST_IP4(203, 0, 113, 2));
    assert_int_equal(o.prefix_len, 24);
    assert_true(o.have_gateway);
    assert_int_equal(o.gateway, UST_IP4(203, 0, 113, 1));
    assert_true(o.have_host_addr);
    assert_int_equal(o.host_addr, UST_IP4(203, 0, 113, 1));
    assert_int_equal(o.host_prefix_len, 24);
    assert_int_equal(o.mtu, 1400);
    assert_string_equal(o.pcap, "-");
    assert_true(o.trace);
    assert_true(o.accept_source_route);
    assert_true(o.have_shape);
    assert_true(o.shape_rate_bps == 10000000u);
    assert_int_equal(o.shape_burst, 15 * 1024);
    assert_int_equal(link_opts_check(&o), 0);
}

static void test_link_opts_defaults_and_foreign(void **state)
{
    (void)state;
    char *argv[] = {"--tap", "t0", "--addr", "198.51.100.2/24", "--shape", "1gbit", "-c", "3"};
    struct link_opts o;
    assert_int_equal(parse_all(&o, 8, argv), 6 + 100); /* "-c" is not a link option */
    assert_int_equal(o.mtu, 1500);
    assert_false(o.have_gateway);
    assert_false(o.trace);
    assert_false(o.accept_source_route);
    assert_int_equal(o.shape_burst, 1000000000u / 8 / 100); /* 10 ms worth */
    char *argv2[] = {"--tapx", "t0"};
    assert_int_equal(parse_all(&o, 2, argv2), 100);
}

static void test_link_opts_errors(void **state)
{
    (void)state;
    struct link_opts o;
    char *bad_addr[] = {"--addr", "1.2.3"};
    assert_int_equal(parse_all(&o, 2, bad_addr), -1);
    char *no_prefix[] = {"--addr", "203.0.113.2"};
    assert_int_equal(parse_all(&o, 2, no_prefix), -1);
    char *prefix_33[] = {"--addr", "203.0.113.2/33"};
    assert_int_equal(parse_all(&o, 2, prefix_33), -1);
    char *missing[] = {"--tap"};
    assert_int_equal(parse_all(&o, 1, missing), -1);
    char *long_name[] = {"--tap", "abcdefghijklmnop"};
    assert_int_equal(parse_all(&o, 2, long_name), -1);
    char *mtu[] = {"--mtu", "70000"};
    assert_int_equal(parse_all(&o, 2, mtu), -1);
    char *gw[] = {"--gateway", "203.0.113"};
    assert_int_equal(parse_all(&o, 2, gw), -1);
    char *shape[] = {"--shape", "fast"};
    assert_int_equal(parse_all(&o, 2, shape), -1);
    char *nothing[] = {"--trace"};
    assert_int_equal(parse_all(&o, 1, nothing), 0);
    assert_int_equal(link_opts_check(&o), -1); /* --tap missing */
    char *same[] = {"--tap", "t", "--addr", "203.0.113.2/24", "--host-addr", "203.0.113.2/24"};
    assert_int_equal(parse_all(&o, 6, same), 0);
    assert_int_equal(link_opts_check(&o), -1);
}

/* --stable-secret (IID-4): 32 hex digits or IPv6 notation give the same
 * 16-byte key; other text is refused; not with --stable-secret-file. A
 * missing key file is created with a random key that a second read gives
 * back (the key kept across restarts), 0600. */
static void test_link_opts_stable_secret(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    assert_int_equal(stable_secret_parse("000102030405060708090a0b0c0d0eFF", a), 0);
    assert_int_equal(stable_secret_parse("0001:0203:0405:0607:0809:0a0b:0c0d:0eff", b), 0);
    assert_memory_equal(a, b, 16);
    assert_int_equal(a[1], 1);
    assert_int_equal(a[15], 0xff);
    assert_int_equal(stable_secret_parse("000102030405060708090a0b0c0d0e", a), -1);
    assert_int_equal(stable_secret_parse("zz0102030405060708090a0b0c0d0eff", a), -1);
    struct link_opts o;
    char *ok[] = {"--tap", "t", "--addr", "203.0.113.2/24", "--stable-secret",
                  "000102030405060708090a0b0c0d0eff"};
    assert_int_equal(parse_all(&o, 6, ok), 0);
    assert_string_equal(o.stable_secret, "000102030405060708090a0b0c0d0eff");
    assert_int_equal(link_opts_check(&o), 0);
    char *bad[] = {"--tap", "t", "--addr", "203.0.113.2/24", "--stable-secret", "secret"};
    assert_int_equal(parse_all(&o, 6, bad), -1);
    char *two[] = {"--tap", "t", "--addr", "203.0.113.2/24", "--stable-secret",
                   "000102030405060708090a0b0c0d0eff", "--stable-secret-file", "/tmp/k"};
    assert_int_equal(parse_all(&o, 8, two), 0);
    assert_int_equal(link_opts_check(&o), -1);
    char dir[] = "/tmp/ust_secret_XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/key", dir);
    assert_int_equal(stable_secret_file(path, a), 0);
    assert_int_equal(stable_secret_file(path, b), 0);
    assert_memory_equal(a, b, 16);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a key\n", f);
    fclose(f);
    assert_int_not_equal(stable_secret_file(path, b), 0);
    unlink(path);
    rmdir(dir);
}

/* --temp-addr: RFC 8981 temporary addresses on (cfg.ipv6_temp_addrs), off
 * by default, refused beside --no-ipv6. */
static void test_link_opts_temp_addr(void **state)
{
    (void)state;
    struct link_opts o;
    char *plain[] = {"--tap", "t", "--addr", "203.0.113.2/24"};
    assert_int_equal(parse_all(&o, 4, plain), 0);
    assert_false(o.temp_addr);
    char *on[] = {"--tap", "t", "--addr", "203.0.113.2/24", "--temp-addr"};
    assert_int_equal(parse_all(&o, 5, on), 0);
    assert_true(o.temp_addr);
    assert_int_equal(link_opts_check(&o), 0);
    char *both[] = {"--tap", "t", "--addr", "203.0.113.2/24", "--temp-addr", "--no-ipv6"};
    assert_int_equal(parse_all(&o, 6, both), 0);
    assert_int_equal(link_opts_check(&o), -1);
}

/* The fault injector's options: percentages become probabilities, times
 * take a unit, --faults picks the directions, --fault-seed defaults to 1. */
static void test_fault_opts(void **state)
{
    (void)state;
    char *argv[] = {"--loss", "5", "--delay", "20ms", "--jitter", "500us", "--reorder=1",
                    "--dup", "0.5", "--corrupt", "100", "--faults", "both", "--fault-seed", "9"};
    struct link_opts o;
    assert_int_equal(parse_all(&o, 15, argv), 0);
    assert_true(o.have_faults);
    assert_true(o.faults.loss == 0.05);
    assert_true(o.faults.reorder == 0.01);
    assert_true(o.faults.duplicate == 0.005);
    assert_true(o.faults.corrupt == 1.0);
    assert_int_equal(o.faults.delay, 20 * UST_MSEC);
    assert_int_equal(o.faults.jitter, 500 * UST_USEC);
    assert_int_equal(o.fault_dirs, (1u << UST_DEV_TX) | (1u << UST_DEV_RX));
    assert_int_equal(o.fault_seed, 9);
    char *dflt[] = {"--delay", "1.5s"};
    assert_int_equal(parse_all(&o, 2, dflt), 0);
    assert_int_equal(o.faults.delay, 1500 * UST_MSEC);
    assert_int_equal(o.fault_dirs, 1u << UST_DEV_TX); /* what ustack sends */
    assert_int_equal(o.fault_seed, 1);
    char *none[] = {"--trace"};
    assert_int_equal(parse_all(&o, 1, none), 0);
    assert_false(o.have_faults);
    ust_time_t t;
    assert_int_equal(parse_duration("--delay", "0", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(parse_duration("--delay", "250ns", &t), 0);
    assert_int_equal(t, 250);
    const char *bad_times[] = {"20", "20 ms", "ms", "-1ms", "61s", "1h", "nan", ""};
    for (size_t k = 0; k < sizeof(bad_times) / sizeof(bad_times[0]); k++)
        assert_int_equal(parse_duration("--delay", bad_times[k], &t), -1);
    double p;
    const char *bad_pct[] = {"101", "-1", "x", "5%", ""};
    for (size_t k = 0; k < sizeof(bad_pct) / sizeof(bad_pct[0]); k++)
        assert_int_equal(parse_percent("--loss", bad_pct[k], &p), -1);
    char *dir[] = {"--faults", "up"};
    assert_int_equal(parse_all(&o, 2, dir), -1);
}

static void test_numbers(void **state)
{
    (void)state;
    unsigned long n = 0;
    ust_time_t t = 0;
    assert_int_equal(parse_uint("-c", "5", 1, 10, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(parse_uint("-c", "11", 1, 10, &n), -1);
    assert_int_equal(parse_uint("-c", "-1", 0, 10, &n), -1);
    assert_int_equal(parse_uint("-c", "3x", 0, 10, &n), -1);
    assert_int_equal(parse_seconds("-i", "0.2", 0.001, 10, &t), 0);
    assert_true(t == 200 * UST_MSEC);
    assert_int_equal(parse_seconds("-i", "nan", 0.001, 10, &t), -1);
    assert_int_equal(parse_seconds("-i", "0", 0.001, 10, &t), -1);
    char *short_joined[] = {"-c5"};
    int i = 0;
    const char *v = NULL;
    assert_int_equal(opt_value(1, short_joined, &i, "-c", &v), 1);
    assert_string_equal(v, "5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_tun),
        cmocka_unit_test(test_link_opts_full),
        cmocka_unit_test(test_link_opts_defaults_and_foreign),
        cmocka_unit_test(test_link_opts_errors),
        cmocka_unit_test(test_link_opts_temp_addr),
        cmocka_unit_test(test_link_opts_stable_secret),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_fault_opts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
