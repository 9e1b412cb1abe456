/* The resolver's search list from Router Advertisements (RFC 8106 DNSSL,
 * 5.3.1), end to end on the virtual clock: router R advertises a prefix,
 * itself as RDNSS server (2001:db8:1::53) and the DNSSL domains
 * "example.test other.test" (ra_send.c), and answers DNS with the tiny
 * responder of tools/dns_responder.c; host H configures itself from the RA
 * alone. A name without a dot (fewer than ndots 1) is asked as
 * NAME.DOMAIN for each domain in turn and then as NAME, as glibc's
 * res_search; a name with a dot, or ending in one, only as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/dns_responder.h"
#include "ustack/ustack.h"

enum { H = 0, R = 1 };

#define WEB UST_IP4(203, 0, 113, 80)
#define HOST2 UST_IP4(203, 0, 113, 81)

static const uint8_t R6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x53};

static const struct dns_zone_rec zone[] = {
    {.name = "web.example.test", .addr = WEB},
    {.name = "host.other.test", .addr = HOST2},
};

struct net {
    struct ust_sim *sim;
    struct ust_stack *st[2];
    struct dns_responder r;
};

static int setup(void **state)
{
    struct net *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(31);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "lan");
    for (int i = 0; i < 2; i++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.seed = 900 + (uint64_t)i;
        snprintf(cfg.dns_hosts, sizeof(cfg.dns_hosts), "%s", "");
        if (i == R) {
            cfg.ip_forwarding = true;
            memcpy(cfg.ipv6_ra_rdnss[0], R6, 16);
            cfg.ipv6_ra_rdnss_count = 1;
            snprintf(cfg.ipv6_ra_dnssl, sizeof(cfg.ipv6_ra_dnssl), "example.test other.test");
        }
        n->st[i] = ust_stack_new(&cfg);
        assert_int_equal(ust_sim_add_stack(n->sim, n->st[i]), 0);
        struct ust_dev *dev = ust_sim_attach(sw, n->st[i], "eth0", NULL, 1500);
        assert_true(ust_iface_add(n->st[i], dev, UST_IP4(203, 0, 113, 1 + i), 24) >= 0);
    }
    assert_int_equal(ust_iface_add_addr6(n->st[R], 0, R6, 64), 0);
    struct ust_ra_prefix pfx = {.prefix = {0x20, 0x01, 0x0d, 0xb8, 0, 1}, .prefix_len = 64,
                                .on_link = true, .autonomous = true, .valid_lft = 86400,
                                .preferred_lft = 14400};
    assert_int_equal(ust_ra_advertise(n->st[R], 0, &pfx, 1), 0);
    assert_int_equal(dns_responder_open(&n->r, n->st[R], zone, sizeof(zone) / sizeof(zone[0])),
                     0);
    assert_int_equal(dns_responder_open6(&n->r), 0);
    ust_sim_run_until(n->sim, 10 * UST_SEC); /* RS, RA, SLAAC and its DAD */
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    struct net *n = *state;
    dns_responder_close(&n->r);
    ust_sim_free(n->sim);
    ust_stack_free(n->st[H]);
    ust_stack_free(n->st[R]);
    free(n);
    return 0;
}

/* H's lookup driven as an event loop would, R answering as queries come. */
static int lookup(struct net *n, const char *node, struct addrinfo **res)
{
    struct addrinfo h = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
                         .ai_flags = AI_CANONNAME};
    struct ust_dns_query *q;
    int rc = ust_dns_query_start(n->st[H], node, NULL, &h, &q);
    while (rc == UST_DNS_PENDING) {
        ust_time_t dl = ust_dns_query_deadline(q);
        if (!ust_sim_step(n->sim, dl))
            ust_sim_run_until(n->sim, dl);
        dns_responder_serve(&n->r);
        rc = ust_dns_query_step(n->st[H], q);
    }
    assert_int_equal(ust_dns_query_finish(n->st[H], q, res), rc);
    return rc;
}

static unsigned search_names(const struct net *n)
{
    return ust_stack_stats(n->st[H])->dns.SearchNames;
}

static ust_ip4_t first_v4(const struct addrinfo *ai)
{
    return ntohl(((const struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr);
}

static void test_host_took_dnssl_and_rdnss(void **state)
{
    struct net *n = *state;
    struct ust_ra_dns dns;
    assert_int_equal(ust_iface_ra_dns(n->st[H], 0, &dns), 0);
    assert_int_equal(dns.n_domains, 2);
    assert_string_equal(dns.domains[0], "example.test");
    assert_string_equal(dns.domains[1], "other.test");
    assert_int_equal(dns.n_servers, 1);
    assert_memory_equal(dns.servers[0], R6, 16);
}

/* "web": web.example.test answers at once; "host": example.test has no
 * such name, other.test has. The canonical name is the one that answered. */
static void test_single_label_names_use_the_search_list(void **state)
{
    struct net *n = *state;
    struct addrinfo *res;
    assert_int_equal(lookup(n, "web", &res), 0);
    assert_int_equal(first_v4(res), WEB);
    assert_string_equal(res->ai_canonname, "web.example.test");
    ust_freeaddrinfo(res);
    assert_int_equal(search_names(n), 1);
    assert_int_equal(n->r.udp_queries, 1);
    assert_int_equal(lookup(n, "host", &res), 0);
    assert_int_equal(first_v4(res), HOST2);
    assert_string_equal(res->ai_canonname, "host.other.test");
    ust_freeaddrinfo(res);
    assert_int_equal(search_names(n), 3);
    assert_int_equal(n->r.udp_queries, 3);
}

/* Nowhere: both domains, then the name alone, each "no such name". */
static void test_unknown_single_label_tries_every_candidate(void **state)
{
    struct net *n = *state;
    struct addrinfo *res = NULL;
    assert_int_equal(lookup(n, "nothing", &res), EAI_NONAME);
    assert_null(res);
    assert_int_equal(search_names(n), 3);
    assert_int_equal(n->r.udp_queries, 3);
}

/* A dot (ndots 1) or a trailing dot: asked as given, no search. */
static void test_dotted_and_absolute_names_are_asked_as_given(void **state)
{
    struct net *n = *state;
    struct addrinfo *res = NULL;
    assert_int_equal(lookup(n, "web.example.test", &res), 0);
    assert_int_equal(first_v4(res), WEB);
    ust_freeaddrinfo(res);
    res = NULL;
    assert_int_equal(lookup(n, "web.", &res), EAI_NONAME);
    assert_int_equal(search_names(n), 0);
    assert_int_equal(n->r.udp_queries, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_host_took_dnssl_and_rdnss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_label_names_use_the_search_list, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_single_label_tries_every_candidate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dotted_and_absolute_names_are_asked_as_given, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
