/* The router side of router discovery (src/net6/ra_send.c, RFC 4861 6.2)
 * on the harness's virtual clock: one advertising stack on a recorded
 * port. The Router Advertisement's bytes against a golden frame made with
 * scapy, the schedule of unsolicited RAs (6.2.4), answers to Router
 * Solicitations (6.2.6: random delay, MIN_DELAY_BETWEEN_RAS), invalid RSs
 * ignored and counted, the final RA with router lifetime 0 (6.2.5), and
 * the R flag of the router's Neighbor Advertisements (7.2.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "core/stack_impl.h"
#include "net6/net6_impl.h"
#include "wire/eth.h"
#include "wire/nd.h"
#include "wire/wbuf.h"

struct fx {
    struct nh_net *n;
    struct ust_stack *st;
    int port;
};

static const struct ust_ra_prefix PFX = {
    .prefix = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01}, .prefix_len = 64, .on_link = true,
    .autonomous = true, .valid_lft = 86400, .preferred_lft = 14400};

static void fx_up(struct fx *f)
{
    f->n = nh_net_new();
    f->n->ipv6 = true;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.seed = 4861;
    cfg.ipv6_dad_transmits = 0; /* the link-local address usable at once */
    cfg.ip_forwarding = true; /* a router */
    cfg.ipv6_ra_mtu = 1500;
    f->st = nh_stack(f->n, &cfg);
    f->port = nh_host(f->n, f->st, NH_NO_WIRE, 1, UST_IP4(203, 0, 113, 1), 24, 1500);
    assert_true(f->port >= 0);
    nh_tx_clear(f->n, f->port);
}

static void fx_down(struct fx *f) { nh_net_free(f->n); }

/* Frame i if it is an RA (Ethernet, IPv6, ICMPv6 type 134), else NULL. */
static const struct nh_frame *ra_frame(struct fx *f, size_t i)
{
    const struct nh_frame *fr = nh_tx(f->n, f->port, i);
    if (fr->len < 14 + 40 + 16 || get_be16(fr->data + 12) != ETH_TYPE_IPV6 ||
        fr->data[14 + 6] != IPV6_NH_ICMPV6 || fr->data[14 + 40] != ICMPV6_ND_RA)
        return NULL;
    return fr;
}

/* The times of the RAs sent so far. */
static size_t ra_times(struct fx *f, ust_time_t *at, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < nh_tx_count(f->n, f->port) && n < max; i++)
        if (ra_frame(f, i))
            at[n++] = nh_tx(f->n, f->port, i)->at;
    return n;
}

/* Ether(dst="33:33:00:00:00:01", src="02:00:00:00:00:01")/
 * IPv6(src=LL, dst="ff02::1", hlim=255)/
 * ICMPv6ND_RA(chlim=64, routerlifetime=1800)/
 * ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01")/ICMPv6NDOptMTU(mtu=1500)/
 * ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=64, L=1, A=1,
 *                       validlifetime=86400, preferredlifetime=14400)
 * with LL the stack's RFC 7217 link-local address for seed 4861. */
#include "../harness/ra_send_golden.h"

static void test_ra_bytes_match_golden(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    assert_int_equal(ust_ra_advertise(f.st, 0, &PFX, 1), 0);
    nh_run_until(f.n, f.n->now + UST_SEC);
    const struct nh_frame *ra = NULL;
    for (size_t i = 0; !ra && i < nh_tx_count(f.n, f.port); i++)
        ra = ra_frame(&f, i);
    assert_non_null(ra);
    if (getenv("RA_DUMP")) {
        for (size_t i = 0; i < ra->len; i++)
            printf("%02x", ra->data[i]);
        printf("\n");
    }
    assert_int_equal(ra->len, sizeof(ra_golden));
    assert_memory_equal(ra->data, ra_golden, sizeof(ra_golden));
    assert_int_equal(ust_stack_stats(f.st)->ra.OutRAs, 1);
    fx_down(&f);
}

/* 6.2.4: the first RA within MAX_RA_DELAY_TIME of starting, the intervals
 * after the first MAX_INITIAL_RTR_ADVERTISEMENTS (3) at most 16 s, every
 * later one between MinRtrAdvInterval (200 s) and MaxRtrAdvInterval (600 s). */
static void test_unsolicited_schedule(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    ust_time_t start = f.n->now;
    assert_int_equal(ust_ra_advertise(f.st, 0, &PFX, 1), 0);
    nh_run_until(f.n, start + 3000 * UST_SEC);
    ust_time_t at[32];
    size_t n = ra_times(&f, at, 32);
    assert_true(n >= 8);
    assert_true(at[0] - start <= 500 * UST_MSEC);
    for (size_t i = 1; i < n; i++) {
        ust_time_t gap = at[i] - at[i - 1];
        if (i <= 3) {
            assert_true(gap <= 16 * UST_SEC);
        } else {
            assert_true(gap >= 200 * UST_SEC);
            assert_true(gap <= 600 * UST_SEC);
        }
    }
    fx_down(&f);
}

static const struct ipv6_addr HOST_LL = {{0xfe, 0x80, [14] = 0x12, [15] = 0x34}};
static const uint8_t HOST_MAC[6] = {0x02, 0, 0, 0, 0, 0x22};

/* A Router Solicitation from HOST_LL (with its SLLA) to ff02::2. */
static void inject_rs(struct fx *f, uint8_t hop_limit)
{
    static const struct ipv6_addr all_routers = {{0xff, 0x02, [15] = 2}};
    uint8_t msg[16];
    struct nd_msg m = {.type = ICMPV6_ND_RS};
    size_t len = (size_t)nd_emit(&m, msg, sizeof(msg));
    len += (size_t)nd_opt_lladdr_emit(ND_OPT_SLLA, HOST_MAC, msg + len, 8);
    icmpv6_set_csum(msg, len, &HOST_LL, &all_routers);
    uint8_t pkt[64], frame[128], dmac[6];
    struct ipv6_hdr h = {.payload_len = (uint16_t)len, .next_hdr = IPV6_NH_ICMPV6,
                         .hop_limit = hop_limit, .src = HOST_LL, .dst = all_routers};
    ipv6_emit(&h, pkt, 40);
    memcpy(pkt + 40, msg, len);
    ipv6_mcast_mac(&all_routers, dmac);
    size_t flen = nh_build_eth(frame, sizeof(frame), dmac, HOST_MAC, ETH_TYPE_IPV6, pkt, 40 + len);
    nh_inject(f->n, f->port, frame, flen);
}

/* 6.2.6: an RS is answered within MAX_RA_DELAY_TIME by a multicast RA, a
 * second one not sooner than MIN_DELAY_BETWEEN_RAS (3 s) after it; the
 * solicitor's link-layer address is in the neighbour cache. */
static void test_rs_answered(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    assert_int_equal(ust_ra_advertise(f.st, 0, &PFX, 1), 0);
    nh_run_until(f.n, f.n->now + 100 * UST_SEC); /* the initial RAs are out */
    ust_time_t at[32];
    size_t before = ra_times(&f, at, 32);
    ust_time_t rs1 = f.n->now;
    inject_rs(&f, 255);
    nh_run_until(f.n, rs1 + UST_SEC);
    assert_int_equal(ra_times(&f, at, 32), before + 1);
    ust_time_t answer = at[before];
    assert_true(answer >= rs1 && answer <= rs1 + 500 * UST_MSEC);
    inject_rs(&f, 255);
    nh_run_until(f.n, answer + 10 * UST_SEC);
    assert_int_equal(ra_times(&f, at, 32), before + 2);
    assert_int_equal(at[before + 1], answer + 3 * UST_SEC);
    assert_int_equal(ust_stack_stats(f.st)->ra.InRSs, 2);
    struct nd_entry *e = nd_lookup(f.st, 0, &HOST_LL);
    assert_non_null(e);
    fx_down(&f);
}

/* 6.1.1: an RS with Hop Limit 254 is ignored and counted. (On an
 * interface that does not advertise, ff02::2 is not joined: an RS does
 * not get past IPv6.) */
static void test_invalid_rs_ignored(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    assert_int_equal(ust_ra_advertise(f.st, 0, &PFX, 1), 0);
    nh_run_until(f.n, f.n->now + 100 * UST_SEC);
    ust_time_t at[32];
    size_t before = ra_times(&f, at, 32);
    inject_rs(&f, 254);
    nh_run_until(f.n, f.n->now + 10 * UST_SEC);
    assert_int_equal(ra_times(&f, at, 32), before);
    assert_int_equal(ust_stack_stats(f.st)->ra.RsIgnored, 1);
    fx_down(&f);
}

/* 6.2.5: stopping sends a final RA with Router Lifetime 0, then nothing. */
static void test_stop_sends_lifetime_zero(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    assert_int_equal(ust_ra_advertise(f.st, 0, &PFX, 1), 0);
    nh_run_until(f.n, f.n->now + 100 * UST_SEC);
    nh_tx_clear(f.n, f.port);
    assert_int_equal(ust_ra_advertise(f.st, 0, NULL, 0), 0);
    nh_run_until(f.n, f.n->now + 3000 * UST_SEC);
    ust_time_t at[4];
    assert_int_equal(ra_times(&f, at, 4), 1);
    const struct nh_frame *ra = NULL;
    for (size_t i = 0; !ra; i++)
        ra = ra_frame(&f, i);
    assert_int_equal(get_be16(ra->data + 14 + 40 + 6), 0); /* Router Lifetime */
    fx_down(&f);
}

/* RFC 4861 7.2.4: an advertising router's NA has R set (ND-28). */
static void test_na_of_a_router_has_r(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    assert_int_equal(ust_ra_advertise(f.st, 0, &PFX, 1), 0);
    nh_run_until(f.n, f.n->now + UST_SEC);
    static const struct ipv6_addr us = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1}};
    assert_int_equal(ust_iface_add_addr6(f.st, 0, us.b, 64), 0);
    nh_tx_clear(f.n, f.port);
    uint8_t msg[32];
    struct nd_msg m = {.type = ICMPV6_ND_NS, .target = us};
    size_t len = (size_t)nd_emit(&m, msg, sizeof(msg));
    len += (size_t)nd_opt_lladdr_emit(ND_OPT_SLLA, HOST_MAC, msg + len, 8);
    struct ipv6_addr dst;
    ipv6_solicited_node(&us, &dst);
    icmpv6_set_csum(msg, len, &HOST_LL, &dst);
    uint8_t pkt[80], frame[128], dmac[6];
    struct ipv6_hdr h = {.payload_len = (uint16_t)len, .next_hdr = IPV6_NH_ICMPV6,
                         .hop_limit = 255, .src = HOST_LL, .dst = dst};
    ipv6_emit(&h, pkt, 40);
    memcpy(pkt + 40, msg, len);
    ipv6_mcast_mac(&dst, dmac);
    size_t flen = nh_build_eth(frame, sizeof(frame), dmac, HOST_MAC, ETH_TYPE_IPV6, pkt, 40 + len);
    nh_inject(f.n, f.port, frame, flen);
    nh_run_until(f.n, f.n->now + UST_SEC);
    const struct nh_frame *na = NULL;
    for (size_t i = 0; i < nh_tx_count(f.n, f.port) && !na; i++) {
        const struct nh_frame *fr = nh_tx(f.n, f.port, i);
        if (fr->len >= 14 + 40 + 24 && fr->data[14 + 40] == ICMPV6_ND_NA)
            na = fr;
    }
    assert_non_null(na);
    assert_true(na->data[14 + 40 + 4] & 0x80); /* R */
    assert_true(na->data[14 + 40 + 4] & 0x40); /* S */
    fx_down(&f);
}

/* A host (not forwarding) does not advertise (ND-9). */
static void test_host_does_not_advertise(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    ust_stack_set_forwarding(f.st, false);
    assert_int_equal(ust_ra_advertise(f.st, 0, &PFX, 1), UST_ERR_INVAL);
    nh_run_until(f.n, f.n->now + 100 * UST_SEC);
    ust_time_t at[4];
    assert_int_equal(ra_times(&f, at, 4), 0);
    fx_down(&f);
}

/* Bad arguments: too many prefixes, preferred > valid, IPv6 off. */
static void test_bad_arguments(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    struct ust_ra_prefix five[5] = {PFX, PFX, PFX, PFX, PFX};
    assert_int_equal(ust_ra_advertise(f.st, 0, five, 5), UST_ERR_INVAL);
    struct ust_ra_prefix bad = PFX;
    bad.preferred_lft = bad.valid_lft + 1;
    assert_int_equal(ust_ra_advertise(f.st, 0, &bad, 1), UST_ERR_INVAL);
    assert_int_equal(ust_ra_advertise(f.st, 5, &PFX, 1), UST_ERR_NOTSUP);
    fx_down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ra_bytes_match_golden),
        cmocka_unit_test(test_unsolicited_schedule),
        cmocka_unit_test(test_rs_answered),
        cmocka_unit_test(test_invalid_rs_ignored),
        cmocka_unit_test(test_stop_sends_lifetime_zero),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_na_of_a_router_has_r),
        cmocka_unit_test(test_host_does_not_advertise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
