/* The ns-3 integration (ns3/, examples/ns3/): runs the example programs and
 * checks what they print. Digests are compared between runs, never against
 * stored values (they change with every TCP edit). Without ns-3 the build has
 * no examples: the test is skipped with the reason, except under CI=true,
 * where scripts/deps.sh installs ns-3 and its absence is a failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#ifdef USTACK_NS3_EXAMPLES

/* Runs examples/ns3/<prog> with args; returns its exit status and its
 * standard output in out (NUL-terminated, truncated to cap). */
static int run(const char *prog, const char *args, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s/%s %s", USTACK_NS3_EXAMPLES, prog, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    print_message("$ %s\n%s", cmd, out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The "digest ..." lines of an output, in order. */
static void digests(const char *out, char *d, size_t cap)
{
    d[0] = '\0';
    for (const char *l = strstr(out, "digest "); l; l = strstr(l + 1, "\ndigest ")) {
        const char *s = l[0] == '\n' ? l + 1 : l;
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s + 1) : strlen(s);
        assert_true(strlen(d) + len < cap);
        strncat(d, s, len);
    }
}

static char out1[65536], out2[65536], d1[16384], d2[16384];

/* 3 MB over one link, and 1 MB through 1 % random loss: every byte arrives,
 * in order, and the connection closes. */
static void test_two_hosts_byte_exact(void **state)
{
    (void)state;
    assert_int_equal(run("ns3_two_hosts", "--bytes=3000000 --seed=5", out1, sizeof(out1)), 0);
    assert_non_null(strstr(out1, "OK 3000000 of 3000000 bytes byte-exact"));
    assert_int_equal(run("ns3_two_hosts", "--bytes=1000000 --seed=5 --loss=0.01", out1, sizeof(out1)), 0);
    assert_non_null(strstr(out1, "OK 1000000 of 1000000 bytes byte-exact"));
}

/* Same seed: the same frames at the same times on both hosts; another seed
 * (other ISNs, ports and losses): other frames. */
static void test_two_hosts_seed_digests(void **state)
{
    (void)state;
    const char *a = "--bytes=500000 --loss=0.01 --seed=7", *b = "--bytes=500000 --loss=0.01 --seed=8";
    assert_int_equal(run("ns3_two_hosts", a, out1, sizeof(out1)), 0);
    digests(out1, d1, sizeof(d1));
    assert_non_null(strstr(d1, "digest node0 "));
    assert_non_null(strstr(d1, "digest node1 "));
    assert_int_equal(run("ns3_two_hosts", a, out2, sizeof(out2)), 0);
    digests(out2, d2, sizeof(d2));
    assert_string_equal(d1, d2);
    assert_int_equal(run("ns3_two_hosts", b, out2, sizeof(out2)), 0);
    digests(out2, d2, sizeof(d2));
    assert_non_null(strstr(d2, "digest node0 "));
    assert_string_not_equal(d1, d2);
}

/* ustack sends to ns-3's TCP (checksums verified by ns-3), with and without
 * loss; ns-3 sends no MSS option, so ustack's send MSS is at most 536. */
static void test_interop_ustack_to_ns3(void **state)
{
    (void)state;
    assert_int_equal(run("ns3_tcp_interop", "--direction=to-ns3 --bytes=1000000", out1, sizeof(out1)), 0);
    assert_non_null(strstr(out1, "OK ustack->ns-3 1000000 of 1000000 bytes byte-exact"));
    const char *m = strstr(out1, "ustack snd_mss ");
    assert_non_null(m);
    long mss = strtol(m + strlen("ustack snd_mss "), NULL, 10);
    assert_true(mss > 0 && mss <= 536);
    assert_int_equal(run("ns3_tcp_interop", "--direction=to-ns3 --bytes=300000 --loss=0.02 --seed=3",
                         out1, sizeof(out1)), 0);
    assert_non_null(strstr(out1, "OK ustack->ns-3 300000 of 300000 bytes byte-exact"));
}

static void test_interop_ns3_to_ustack(void **state)
{
    (void)state;
    assert_int_equal(run("ns3_tcp_interop", "--direction=from-ns3 --bytes=1000000", out1, sizeof(out1)), 0);
    assert_non_null(strstr(out1, "OK ns-3->ustack 1000000 of 1000000 bytes byte-exact"));
    assert_int_equal(run("ns3_tcp_interop", "--direction=from-ns3 --bytes=300000 --loss=0.02 --seed=3",
                         out1, sizeof(out1)), 0);
    assert_non_null(strstr(out1, "OK ns-3->ustack 300000 of 300000 bytes byte-exact"));
}

/* Three ustack flows through ns-3 routers, CoDel and loss: every flow moves
 * intact data, the fairness index is printed, and a second run with the
 * same seed gives the same per-host digests. */
static void test_dumbbell(void **state)
{
    (void)state;
    const char *args = "--flows=3 --time=2 --queue=codel --loss=0.001 --seed=4";
    assert_int_equal(run("ns3_dumbbell", args, out1, sizeof(out1)), 0);
    for (int i = 0; i < 3; i++) {
        char want[32];
        snprintf(want, sizeof(want), "flow %d goodput ", i);
        assert_non_null(strstr(out1, want));
    }
    const char *j = strstr(out1, "Jain's fairness ");
    assert_non_null(j);
    double jain = strtod(j + strlen("Jain's fairness "), NULL);
    assert_true(jain > 0 && jain <= 1.0);
    assert_null(strstr(out1, "CORRUPT"));
    digests(out1, d1, sizeof(d1));
    assert_non_null(strstr(d1, "digest receiver2 "));
    assert_int_equal(run("ns3_dumbbell", args, out2, sizeof(out2)), 0);
    digests(out2, d2, sizeof(d2));
    assert_string_equal(d1, d2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_hosts_byte_exact),
        cmocka_unit_test(test_two_hosts_seed_digests),
        cmocka_unit_test(test_interop_ustack_to_ns3),
        cmocka_unit_test(test_interop_ns3_to_ustack),
        cmocka_unit_test(test_dumbbell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* built without ns-3 */

static void test_ns3_present(void **state)
{
    (void)state;
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0)
        fail_msg("ns-3 not found by pkg-config, but CI=true: scripts/deps.sh installs libns3-dev");
    print_message("skip: ns-3 not found by pkg-config (apt-get install libns3-dev libgsl-dev)\n");
    skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_ns3_present)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
