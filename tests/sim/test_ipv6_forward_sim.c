/* IPv6 forwarding (src/net6/ipv6_forward.c, RFC 8200 3 and 5, RFC 4443)
 * with the router side of router discovery (ra_send.c): host A on lan1,
 * router R on lan1 and lan2 (MTU 1280), host C on lan2. R advertises
 * 2001:db8:1::/64 on lan1 and 2001:db8:2::/64 on lan2; A and C form their
 * addresses by SLAAC and take R as their default router. A pings C through
 * R (the reply's hop limit shows the one router), a hop limit of 1 gets
 * Time Exceeded from R, and a packet larger than lan2's MTU gets Packet
 * Too Big (routers do not fragment): A lowers its path MTU and the next
 * ping, fragmented at A, is answered. Virtual clock throughout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"

enum { A = 0, R = 1, C = 2 };

struct net {
    struct ust_sim *sim;
    struct ust_stack *st[3];
    struct ust_ping_result last;
    int results;
};

static void on_ping(void *ctx, const struct ust_ping_result *r)
{
    struct net *n = ctx;
    n->last = *r;
    n->results++;
}

static struct ust_stack *new_stack(struct net *n, uint64_t seed, bool router)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.seed = seed;
    if (router)
        cfg.ipv6_accept_ra = false;
    struct ust_stack *st = ust_stack_new(&cfg);
    assert_int_equal(ust_sim_add_stack(n->sim, st), 0);
    if (router)
        ust_stack_set_forwarding(st, true);
    return st;
}

static void attach(struct ust_sim_switch *sw, struct ust_stack *st, const char *name,
                   unsigned mtu, ust_ip4_t addr)
{
    struct ust_dev *dev = ust_sim_attach(sw, st, name, NULL, mtu);
    assert_non_null(dev);
    assert_true(ust_iface_add(st, dev, addr, 24) >= 0);
}

static void advertise(struct ust_stack *st, int ifindex, uint8_t subnet)
{
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, subnet, [15] = 1};
    assert_int_equal(ust_iface_add_addr6(st, ifindex, a, 64), 0);
    struct ust_ra_prefix p = {.prefix = {0x20, 0x01, 0x0d, 0xb8, 0, subnet}, .prefix_len = 64,
                              .on_link = true, .autonomous = true, .valid_lft = 86400,
                              .preferred_lft = 14400};
    assert_int_equal(ust_ra_advertise(st, ifindex, &p, 1), 0);
}

static int setup(void **state)
{
    struct net *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(6);
    struct ust_sim_switch *lan1 = ust_sim_switch_new(n->sim, "lan1");
    struct ust_sim_switch *lan2 = ust_sim_switch_new(n->sim, "lan2");
    n->st[A] = new_stack(n, 61, false);
    n->st[R] = new_stack(n, 62, true);
    n->st[C] = new_stack(n, 63, false);
    attach(lan1, n->st[A], "eth0", 1500, UST_IP4(203, 0, 113, 10));
    attach(lan1, n->st[R], "eth0", 1500, UST_IP4(203, 0, 113, 1));
    attach(lan2, n->st[R], "eth1", 1280, UST_IP4(198, 51, 100, 1));
    attach(lan2, n->st[C], "eth0", 1280, UST_IP4(198, 51, 100, 20));
    advertise(n->st[R], 0, 1);
    advertise(n->st[R], 1, 2);
    ust_ping_set_handler(n->st[A], on_ping, n);
    ust_sim_run_until(n->sim, 10 * UST_SEC); /* DAD, RS/RA, SLAAC, DAD again */
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    struct net *n = *state;
    ust_sim_free(n->sim);
    for (int i = 0; i < 3; i++)
        ust_stack_free(n->st[i]);
    free(n);
    return 0;
}

/* The stack's preferred SLAAC address on interface 0. */
static void slaac_addr(struct ust_stack *st, uint8_t out[16])
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(st, 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++)
        if (a[j].origin == UST_ADDR6_AUTOCONF && a[j].state == UST_ADDR6_PREFERRED) {
            memcpy(out, a[j].addr, 16);
            return;
        }
    fail_msg("no SLAAC address");
}

static bool waiting(void *ctx) { return ((struct net *)ctx)->results == 0; }

/* One echo request from A; the result (or event 0 when none came in 2 s). */
static struct ust_ping_result ping(struct net *n, const uint8_t dst[16], uint16_t seq,
                                   size_t size, int hop_limit)
{
    n->results = 0;
    memset(&n->last, 0, sizeof(n->last));
    assert_int_equal(ust_ping6_send(n->st[A], dst, -1, 0x66, seq, size, hop_limit), 0);
    ust_sim_run_while(n->sim, waiting, n, ust_sim_now(n->sim) + 2 * UST_SEC);
    return n->last;
}

static void test_ping_through_the_router(void **state)
{
    struct net *n = *state;
    uint8_t c[16];
    slaac_addr(n->st[C], c);
    assert_int_equal(c[5], 2); /* 2001:db8:2::/64, lan2's prefix */
    struct ust_ping_result r = ping(n, c, 1, 56, -1);
    assert_int_equal(r.event, UST_PING_REPLY);
    assert_true(r.payload_ok);
    assert_memory_equal(r.from6, c, 16);
    assert_int_equal(r.ttl, 63); /* C's 64, less one router */
    const struct ust_stats *rs = ust_stack_stats(n->st[R]);
    assert_int_equal(rs->ip6.Ip6OutForwDatagrams, 2);
}

static void test_hop_limit_one_gets_time_exceeded(void **state)
{
    struct net *n = *state;
    uint8_t c[16];
    slaac_addr(n->st[C], c);
    struct ust_ping_result r = ping(n, c, 2, 56, 1);
    assert_int_equal(r.event, UST_PING_TIME_EXCEEDED);
    assert_int_equal(r.code, 0);
    static const uint8_t r_lan1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
    assert_memory_equal(r.from6, r_lan1, 16);
    assert_int_equal(ust_stack_stats(n->st[R])->icmp6.Icmp6OutTimeExcds, 1);
    assert_int_equal(ust_stack_stats(n->st[R])->ip6.Ip6OutForwDatagrams, 0);
}

static void test_too_big_for_lan2_gets_packet_too_big(void **state)
{
    struct net *n = *state;
    uint8_t c[16];
    slaac_addr(n->st[C], c);
    struct ust_ping_result r = ping(n, c, 3, 1400, -1); /* 1448 bytes > 1280 */
    assert_int_equal(r.event, 0); /* the request died at R: no answer */
    assert_int_equal(ust_stack_stats(n->st[R])->icmp6.Icmp6OutPktTooBigs, 1);
    assert_int_equal(ust_stack_stats(n->st[R])->ip6.Ip6InTooBigErrors, 1);
    assert_int_equal(ust_stack_stats(n->st[A])->icmp6.Icmp6InPktTooBigs, 1);
    r = ping(n, c, 4, 1400, -1); /* A now fragments to the path MTU */
    assert_int_equal(r.event, UST_PING_REPLY);
    assert_true(r.payload_ok);
    assert_true(ust_stack_stats(n->st[A])->ip6.Ip6FragCreates >= 2);
    assert_int_equal(ust_stack_stats(n->st[R])->icmp6.Icmp6OutPktTooBigs, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ping_through_the_router, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hop_limit_one_gets_time_exceeded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_big_for_lan2_gets_packet_too_big, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
