/* The trace of IPv6 router discovery and SLAAC (issue #13): a router stack
 * advertising 2001:db8:1::/64 (ust_ra_advertise) and a host on one
 * simulated switch, both with defaults otherwise. The host's trace lines of
 * the nd layer (RS, the RA and everything it carried, SLAAC, DAD) are
 * compared with the golden lines below: the simulation is deterministic for
 * its seeds, so a change in what the trace says, or in the order things
 * happen, shows here. Then the counters of both sides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"

enum { HOST = 0, ROUTER = 1 };

struct lines {
    char text[64][160];
    size_t n;
    const char *layer; /* only this layer's lines */
};

static void collect(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    struct lines *l = ctx;
    if (strcmp(layer, l->layer) != 0 || l->n == 64)
        return;
    snprintf(l->text[l->n++], sizeof(l->text[0]), "+%.6f %s", (double)now / UST_SEC, msg);
}

/* The host (seed 700): RS from :: before its link-local address passed
 * DAD, DAD of fe80::/64 (RFC 7217), the RA with its options, the router
 * in the neighbour cache, SLAAC's address tentative, its DAD, preferred. */
static const char *const golden_host_nd[] = {
    "+0.075939 eth0 tx RS from ::",
    "+0.183157 dad fe80::a860:2053:3656:c925: probe (NS from ::)",
    "+0.183157 eth0 tx NS who-has fe80::a860:2053:3656:c925 (dad, from ::)",
    "+1.183157 dad fe80::a860:2053:3656:c925: unique, preferred",
    "+1.562034 rx RA from fe80::94f8:f1ee:537d:4bab: router lifetime 1800 s, hop limit 64, "
    "reachable 0 ms, retrans 0 ms",
    "+1.562034   RA source link-layer 02:00:00:00:01:02",
    "+1.562034   RA mtu 1500",
    "+1.562034   RA prefix 2001:db8:1::/64 on-link autonomous valid 86400 s preferred 14400 s",
    "+1.562034 fe80::94f8:f1ee:537d:4bab INCOMPLETE -> STALE",
    "+2.007674 slaac 2001:db8:1:0:5cec:7d2e:f3c2:526a: tentative (valid 86399 s, preferred "
    "14399 s), DAD first",
    "+2.975161 dad 2001:db8:1:0:5cec:7d2e:f3c2:526a: probe (NS from ::)",
    "+2.975161 eth0 tx NS who-has 2001:db8:1:0:5cec:7d2e:f3c2:526a (dad, from ::)",
    "+3.975161 dad 2001:db8:1:0:5cec:7d2e:f3c2:526a: unique, preferred",
    "+3.975161 slaac 2001:db8:1:0:5cec:7d2e:f3c2:526a: tentative -> preferred (valid 86397 s, "
    "preferred 14397 s)",
};

static void test_host_trace_of_router_discovery_and_slaac(void **state)
{
    (void)state;
    struct ust_sim *sim = ust_sim_new(13);
    struct ust_sim_switch *sw = ust_sim_switch_new(sim, "lan");
    struct ust_stack *st[2];
    struct lines *l = calloc(1, sizeof(*l));
    l->layer = "nd";
    for (int i = 0; i < 2; i++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.seed = 700 + (uint64_t)i;
        if (i == ROUTER) {
            cfg.ip_forwarding = true; /* a router: no router discovery of its own */
            cfg.ipv6_ra_mtu = 1500;
        }
        st[i] = ust_stack_new(&cfg);
        assert_int_equal(ust_sim_add_stack(sim, st[i]), 0);
        struct ust_dev *dev = ust_sim_attach(sw, st[i], "eth0", NULL, 1500);
        assert_non_null(dev);
        if (i == HOST)
            ust_stack_set_trace(st[i], collect, l);
        assert_true(ust_iface_add(st[i], dev, UST_IP4(203, 0, 113, 1 + i), 24) >= 0);
    }
    struct ust_ra_prefix pfx = {.prefix = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01}, .prefix_len = 64,
                                .on_link = true, .autonomous = true, .valid_lft = 86400,
                                .preferred_lft = 14400};
    assert_int_equal(ust_ra_advertise(st[ROUTER], 0, &pfx, 1), 0);
    ust_sim_run_until(sim, 10 * UST_SEC);
    if (getenv("TRACE_DUMP"))
        for (size_t i = 0; i < l->n; i++)
            printf("    \"%s\",\n", l->text[i]);
    size_t ngold = sizeof(golden_host_nd) / sizeof(golden_host_nd[0]);
    assert_int_equal(l->n, ngold);
    for (size_t i = 0; i < ngold; i++)
        assert_string_equal(l->text[i], golden_host_nd[i]);
    const struct ust_stats *h = ust_stack_stats(st[HOST]), *r = ust_stack_stats(st[ROUTER]);
    assert_true(h->ra.Accepted >= 1);
    assert_int_equal(h->addrconf.AddrsCreated, 1);
    assert_true(r->ra.InRSs >= 1);
    assert_true(r->ra.OutRAs >= 1);
    ust_sim_free(sim);
    ust_stack_free(st[0]);
    ust_stack_free(st[1]);
    free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_trace_of_router_discovery_and_slaac),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
