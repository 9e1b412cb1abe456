/* What the router side of router discovery (src/net6/ra_send.c) can put in
 * its Router Advertisements besides prefixes: the M and O flags (RFC 4861
 * 4.2, cfg.ipv6_ra_managed / ipv6_ra_other) and an RDNSS option (RFC 8106
 * 5.1, cfg.ipv6_ra_rdnss*). A router stack and a host stack on one
 * simulated switch; the host's receiving side (slaac.c, ra_dns.c) is the
 * judge: its trace shows the flags it read, ust_iface_ra_dns the servers
 * and their lifetimes, and its resolver takes them as name servers.
 * Virtual clock throughout. */
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

static const uint8_t NS1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x53};
static const uint8_t NS2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0x53};

struct net {
    struct ust_sim *sim;
    struct ust_stack *st[2];
    char ra_line[200]; /* the host's last "rx RA from" trace line */
};

static void collect(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    struct net *n = ctx;
    (void)now;
    if (!strcmp(layer, "nd") && !strncmp(msg, "rx RA from ", 11))
        snprintf(n->ra_line, sizeof(n->ra_line), "%s", msg);
}

/* The router's config is cfg_r (forwarding on); the host's the default. */
static struct net *net_new(const struct ust_config *cfg_r)
{
    struct net *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(21);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "lan");
    for (int i = 0; i < 2; i++) {
        struct ust_config cfg;
        if (i == ROUTER)
            cfg = *cfg_r;
        else
            ust_config_default(&cfg);
        cfg.seed = 800 + (uint64_t)i;
        n->st[i] = ust_stack_new(&cfg);
        assert_int_equal(ust_sim_add_stack(n->sim, n->st[i]), 0);
        struct ust_dev *dev = ust_sim_attach(sw, n->st[i], "eth0", NULL, 1500);
        assert_non_null(dev);
        assert_true(ust_iface_add(n->st[i], dev, UST_IP4(203, 0, 113, 1 + i), 24) >= 0);
    }
    ust_stack_set_trace(n->st[HOST], collect, n);
    struct ust_ra_prefix pfx = {.prefix = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01}, .prefix_len = 64,
                                .on_link = true, .autonomous = true, .valid_lft = 86400,
                                .preferred_lft = 14400};
    assert_int_equal(ust_ra_advertise(n->st[ROUTER], 0, &pfx, 1), 0);
    ust_sim_run_until(n->sim, 10 * UST_SEC); /* RS, RA (at 1-2 s), SLAAC */
    return n;
}

static void net_free(struct net *n)
{
    ust_sim_free(n->sim);
    ust_stack_free(n->st[0]);
    ust_stack_free(n->st[1]);
    free(n);
}

static struct ust_config router_config(void)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ip_forwarding = true; /* only a router advertises */
    return cfg;
}

/* M, O and two RDNSS servers with the default lifetime: 3 x
 * MaxRtrAdvInterval (600 s) = 1800 s, RFC 8106 5.1. */
static void test_ra_carries_m_o_and_rdnss(void **state)
{
    (void)state;
    struct ust_config cfg = router_config();
    cfg.ipv6_ra_managed = true;
    cfg.ipv6_ra_other = true;
    memcpy(cfg.ipv6_ra_rdnss[0], NS1, 16);
    memcpy(cfg.ipv6_ra_rdnss[1], NS2, 16);
    cfg.ipv6_ra_rdnss_count = 2;
    struct net *n = net_new(&cfg);
    assert_non_null(strstr(n->ra_line, "router lifetime 1800 s"));
    size_t len = strlen(n->ra_line);
    assert_true(len > 6);
    assert_string_equal(n->ra_line + len - 6, ", M, O"); /* the flags the host read */
    struct ust_ra_dns dns;
    assert_int_equal(ust_iface_ra_dns(n->st[HOST], 0, &dns), 0);
    assert_int_equal(dns.n_servers, 2);
    assert_memory_equal(dns.servers[0], NS1, 16);
    assert_memory_equal(dns.servers[1], NS2, 16);
    for (int i = 0; i < 2; i++) /* 1800 s from an RA received 1-10 s ago */
        assert_true(dns.server_lft[i] <= 1800 && dns.server_lft[i] >= 1790);
    /* The host's resolver has them as its IPv6 name servers, in order. */
    const struct ust_config *hc = ust_stack_config(n->st[HOST]);
    assert_int_equal(hc->dns_servers6_count, 2);
    assert_memory_equal(hc->dns_servers6[0], NS1, 16);
    assert_memory_equal(hc->dns_servers6[1], NS2, 16);
    net_free(n);
}

/* A configured Lifetime goes out as it is; without M, O or servers the RA
 * has neither flag nor option (the defaults: no DHCPv6, no RDNSS). */
static void test_ra_rdnss_lifetime_and_defaults(void **state)
{
    (void)state;
    struct ust_config cfg = router_config();
    memcpy(cfg.ipv6_ra_rdnss[0], NS1, 16);
    cfg.ipv6_ra_rdnss_count = 1;
    cfg.ipv6_ra_rdnss_lifetime = 300;
    struct net *n = net_new(&cfg);
    struct ust_ra_dns dns;
    assert_int_equal(ust_iface_ra_dns(n->st[HOST], 0, &dns), 0);
    assert_int_equal(dns.n_servers, 1);
    assert_true(dns.server_lft[0] <= 300 && dns.server_lft[0] >= 290);
    assert_null(strstr(n->ra_line, ", M"));
    assert_null(strstr(n->ra_line, ", O"));
    net_free(n);

    struct ust_config plain = router_config();
    n = net_new(&plain);
    assert_non_null(strstr(n->ra_line, "router lifetime 1800 s"));
    assert_null(strstr(n->ra_line, ", M"));
    assert_int_equal(ust_iface_ra_dns(n->st[HOST], 0, &dns), 0);
    assert_int_equal(dns.n_servers, 0);
    assert_int_equal(ust_stack_stats(n->st[HOST])->ra.Accepted >= 1, 1);
    net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ra_carries_m_o_and_rdnss),
        cmocka_unit_test(test_ra_rdnss_lifetime_and_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
