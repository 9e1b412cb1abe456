/* The TAP/TUN driver's offload probe (dev_tap_vnet.c,
 * tap_offload_negotiate) against a fake TUNSETOFFLOAD that refuses flag
 * sets the way Linux's set_offload does (an unknown bit: EINVAL), and the
 * fallback to plain frames when it refuses everything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/if_tun.h>
#include <stdbool.h>

#include "dev/dev_impl.h"
#include "dev/dev_tap_vnet.h"

#define USO (0x20u | 0x40u) /* TUN_F_USO4 | TUN_F_USO6 (Linux 6.2) */

/* A kernel that knows the flags in `known`; records what was left set. */
struct fake_kernel {
    unsigned known;
    unsigned calls;
    unsigned in_force; /* the last set accepted */
};

static int fake_set(void *ctx, unsigned flags)
{
    struct fake_kernel *k = ctx;
    k->calls++;
    if (flags & ~k->known)
        return -1;
    k->in_force = flags;
    return 0;
}

/* TSO for both families: IPv6 super-frames are taken on receive too
 * (rx_gso), and TCP/IPv6 is segmented by the kernel on transmit. */
static const unsigned TSO = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

static void test_modern_kernel_everything_but_uso_left_set(void **state)
{
    (void)state;
    struct fake_kernel k = {.known = TSO | TUN_F_TSO_ECN | TUN_F_UFO | USO};
    uint32_t caps;
    unsigned got = tap_offload_negotiate(fake_set, &k, true, &caps);
    assert_int_equal(got, TSO | TUN_F_TSO_ECN);
    assert_int_equal(k.in_force, TSO | TUN_F_TSO_ECN); /* USO probed, not left on */
    assert_int_equal(caps, DEV_OFF_CSUM | DEV_OFF_TSO4 | DEV_OFF_TSO6 | DEV_OFF_USO);
}

static void test_kernel_without_uso(void **state)
{
    (void)state;
    struct fake_kernel k = {.known = TSO | TUN_F_TSO_ECN | TUN_F_UFO};
    uint32_t caps;
    assert_int_equal(tap_offload_negotiate(fake_set, &k, true, &caps), TSO | TUN_F_TSO_ECN);
    assert_int_equal(caps, DEV_OFF_CSUM | DEV_OFF_TSO4 | DEV_OFF_TSO6);
}

static void test_kernel_with_checksum_only(void **state)
{
    (void)state;
    struct fake_kernel k = {.known = TUN_F_CSUM};
    uint32_t caps;
    assert_int_equal(tap_offload_negotiate(fake_set, &k, true, &caps), TUN_F_CSUM);
    assert_int_equal(k.in_force, TUN_F_CSUM);
    assert_int_equal(caps, DEV_OFF_CSUM);
}

static void test_refused_falls_back_to_plain(void **state)
{
    (void)state;
    struct fake_kernel k = {.known = 0}; /* TUNSETOFFLOAD fails for every set */
    uint32_t caps = 0xffffffffu;
    assert_int_equal(tap_offload_negotiate(fake_set, &k, true, &caps), 0);
    assert_int_equal(caps, 0);
    assert_int_equal(k.calls, 4); /* USO probe, then the three rungs */
}

/* cfg.dev_offload_tso false (--offload csum): checksum offload only,
 * asked for once, even from a kernel that would segment. */
static void test_checksum_only_asked_for(void **state)
{
    (void)state;
    struct fake_kernel k = {.known = TSO | TUN_F_TSO_ECN | TUN_F_UFO | USO};
    uint32_t caps;
    assert_int_equal(tap_offload_negotiate(fake_set, &k, false, &caps), TUN_F_CSUM);
    assert_int_equal(k.in_force, TUN_F_CSUM);
    assert_int_equal(k.calls, 1);
    assert_int_equal(caps, DEV_OFF_CSUM);
    k = (struct fake_kernel){.known = 0};
    assert_int_equal(tap_offload_negotiate(fake_set, &k, false, &caps), 0);
    assert_int_equal(caps, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modern_kernel_everything_but_uso_left_set),
        cmocka_unit_test(test_kernel_without_uso),
        cmocka_unit_test(test_kernel_with_checksum_only),
        cmocka_unit_test(test_refused_falls_back_to_plain),
        cmocka_unit_test(test_checksum_only_asked_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
