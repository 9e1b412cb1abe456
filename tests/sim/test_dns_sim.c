/* The stub resolver between two simulated stacks: A resolves, B runs the
 * tiny authoritative responder of tools/dns_responder.c. On the virtual
 * clock: answers over UDP, the cache and its TTLs (positive and negative,
 * RFC 2308), retries with a doubling timeout and a new ID and port each
 * (RFC 5452), the TCP fallback after TC (RFC 7766), answers from the wrong
 * ID or source ignored, the hosts file first, and the argument errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/dns_responder.h"
#include "../harness/sin.h"
#include "ustack/ustack.h"

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define B_ADDR UST_IP4(203, 0, 113, 53)
#define WEB UST_IP4(203, 0, 113, 80)
#define WEB2 UST_IP4(203, 0, 113, 81)

static const struct dns_zone_rec zone[] = {
    {"web.example.test", WEB},
    {"web.example.test", WEB2},
    {"mail.example.test", UST_IP4(203, 0, 113, 25)},
};

struct net2 {
    struct ust_sim *sim;
    struct ust_stack *a, *b;
    struct dns_responder r;
    ust_time_t query_at[8]; /* when B saw each UDP query */
    char hosts_path[64];    /* a hosts file this test wrote ("" = none) */
};

static struct ust_stack *stack_with(ust_ip4_t dns, const char *hosts)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.dns_server = dns;
    snprintf(cfg.dns_hosts, sizeof(cfg.dns_hosts), "%s", hosts);
    return ust_stack_new(&cfg);
}

static int setup_hosts(void **state, const char *hosts)
{
    struct net2 *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(11);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    n->a = stack_with(B_ADDR, hosts);
    n->b = stack_with(0, "");
    assert_int_equal(ust_sim_add_stack(n->sim, n->a), 0);
    assert_int_equal(ust_sim_add_stack(n->sim, n->b), 0);
    assert_true(ust_iface_add(n->a, ust_sim_attach(sw, n->a, "eth0", NULL, 1500), A_ADDR, 24) >= 0);
    assert_true(ust_iface_add(n->b, ust_sim_attach(sw, n->b, "eth0", NULL, 1500), B_ADDR, 24) >= 0);
    assert_int_equal(dns_responder_open(&n->r, n->b, zone, sizeof(zone) / sizeof(zone[0])), 0);
    *state = n;
    return 0;
}

static int setup(void **state) { return setup_hosts(state, ""); }

static int teardown(void **state)
{
    struct net2 *n = *state;
    dns_responder_close(&n->r);
    ust_sim_free(n->sim);
    ust_stack_free(n->a);
    ust_stack_free(n->b);
    free(n);
    return 0;
}

/* B answers what has arrived (noting when each UDP query came). */
static void serve(struct net2 *n)
{
    unsigned before = n->r.udp_queries;
    dns_responder_serve(&n->r);
    for (unsigned i = before; i < n->r.udp_queries && i < 8; i++)
        n->query_at[i] = ust_sim_now(n->sim);
}

/* The event form, driven as an event loop would: step the query, let B
 * answer, run the network up to the query's deadline. */
static int lookup(struct net2 *n, const char *node, const char *service,
                  const struct addrinfo *hints, struct addrinfo **res)
{
    struct ust_dns_query *q;
    int rc = ust_dns_query_start(n->a, node, service, hints, &q);
    while (rc == UST_DNS_PENDING) {
        ust_time_t dl = ust_dns_query_deadline(q);
        if (!ust_sim_step(n->sim, dl))
            ust_sim_run_until(n->sim, dl);
        serve(n);
        rc = ust_dns_query_step(n->a, q);
    }
    int out = ust_dns_query_finish(n->a, q, res);
    assert_int_equal(out, rc);
    return rc;
}

static const struct ust_dns_stats *dns_stats(struct ust_stack *st)
{
    return &ust_stack_stats(st)->dns;
}

static void test_answer_over_udp(void **state)
{
    struct net2 *n = *state;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_flags = AI_CANONNAME}, *res;
    assert_int_equal(lookup(n, "WEB.example.test.", "http", &hints, &res), 0);
    /* Two addresses, each as STREAM then DGRAM, port 80, the name first. */
    const int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_STREAM, SOCK_DGRAM};
    const ust_ip4_t addrs[] = {WEB, WEB, WEB2, WEB2};
    int i = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next, i++) {
        assert_true(i < 4);
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
        assert_int_equal(ai->ai_family, AF_INET);
        assert_int_equal(ai->ai_socktype, types[i]);
        assert_int_equal(ntohl(sin->sin_addr.s_addr), addrs[i]);
        assert_int_equal(ntohs(sin->sin_port), 80);
        if (i == 0)
            assert_string_equal(ai->ai_canonname, "web.example.test");
        else
            assert_null(ai->ai_canonname);
    }
    assert_int_equal(i, 4);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->Queries, 1);
    assert_int_equal(dns_stats(n->a)->Answers, 1);
    assert_int_equal(n->r.udp_queries, 1);
}

static void test_cache_honours_ttl(void **state)
{
    struct net2 *n = *state;
    struct addrinfo *res;
    assert_int_equal(lookup(n, "mail.example.test", NULL, NULL, &res), 0);
    ust_freeaddrinfo(res);
    ust_time_t t0 = ust_sim_now(n->sim);
    /* Just before the TTL (300 s) runs out: from the cache. */
    ust_sim_run_until(n->sim, t0 + 299 * UST_SEC);
    assert_int_equal(lookup(n, "Mail.Example.Test", NULL, NULL, &res), 0);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->CacheHits, 1);
    assert_int_equal(n->r.udp_queries, 1);
    /* At the TTL: asked again. */
    ust_sim_run_until(n->sim, t0 + 300 * UST_SEC);
    assert_int_equal(lookup(n, "mail.example.test", NULL, NULL, &res), 0);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->CacheHits, 1);
    assert_int_equal(n->r.udp_queries, 2);
}

static void test_nxdomain_cached_for_soa_minimum(void **state)
{
    struct net2 *n = *state;
    struct addrinfo *res = NULL;
    assert_int_equal(lookup(n, "nope.example.test", NULL, NULL, &res), EAI_NONAME);
    assert_null(res);
    assert_int_equal(dns_stats(n->a)->NxDomain, 1);
    ust_time_t t0 = ust_sim_now(n->sim);
    assert_int_equal(lookup(n, "nope.example.test", NULL, NULL, &res), EAI_NONAME);
    assert_int_equal(dns_stats(n->a)->CacheHits, 1);
    assert_int_equal(n->r.udp_queries, 1);
    /* The responder's SOA MINIMUM is 60 s (RFC 2308 5). */
    ust_sim_run_until(n->sim, t0 + 60 * UST_SEC);
    assert_int_equal(lookup(n, "nope.example.test", NULL, NULL, &res), EAI_NONAME);
    assert_int_equal(n->r.udp_queries, 2);
}

static void test_retries_double_the_timeout(void **state)
{
    struct net2 *n = *state;
    struct addrinfo *res = NULL;
    /* A first lookup resolves B's MAC: the retries below are not delayed by ARP. */
    assert_int_equal(lookup(n, "web.example.test", NULL, NULL, &res), 0);
    ust_freeaddrinfo(res);
    n->r.silent_udp = true;
    ust_time_t t0 = ust_sim_now(n->sim);
    assert_int_equal(lookup(n, "mail.example.test", NULL, NULL, &res), EAI_AGAIN);
    /* Three attempts (cfg.dns_attempts) after 0, 1 and 1 + 2 s; given up at 1 + 2 + 4 s. */
    assert_int_equal(n->r.udp_queries, 4);
    assert_int_equal(n->query_at[2] - n->query_at[1], 1 * UST_SEC);
    assert_int_equal(n->query_at[3] - n->query_at[2], 2 * UST_SEC);
    assert_int_equal(ust_sim_now(n->sim) - t0, 7 * UST_SEC);
    assert_int_equal(dns_stats(n->a)->Timeouts, 3);
    assert_int_equal(dns_stats(n->a)->Queries, 4);
}

/* The blocking form with nobody answering: the waiter moves the virtual
 * clock through the same 1 + 2 + 4 s. */
static void test_blocking_call_times_out(void **state)
{
    struct net2 *n = *state;
    n->r.silent_udp = true;
    ust_time_t t0 = ust_sim_now(n->sim);
    struct addrinfo *res = NULL;
    assert_int_equal(ust_getaddrinfo(n->a, "web.example.test", NULL, NULL, &res), EAI_AGAIN);
    assert_null(res);
    assert_true(ust_sim_now(n->sim) - t0 >= 7 * UST_SEC);
    assert_true(ust_sim_now(n->sim) - t0 < 8 * UST_SEC);
    assert_int_equal(dns_stats(n->a)->Timeouts, 3);
}

static void test_truncated_answer_asked_again_over_tcp(void **state)
{
    struct net2 *n = *state;
    n->r.truncate_udp = true;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    assert_int_equal(lookup(n, "web.example.test", NULL, &hints, &res), 0);
    assert_int_equal(ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr), WEB);
    assert_non_null(res->ai_next);
    assert_null(res->ai_next->ai_next);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->Truncated, 1);
    assert_int_equal(dns_stats(n->a)->TcpQueries, 1);
    assert_int_equal(n->r.tcp_queries, 1);
    assert_int_equal(ust_stack_stats(n->a)->tcp.ActiveOpens, 1);
}

/* B answers by hand: first with another ID, then from another port, then
 * rightly. Only the last counts (RFC 5452 9.1). */
static void test_answers_must_match_id_and_source(void **state)
{
    struct net2 *n = *state;
    dns_responder_close(&n->r);
    int s53 = ust_socket(n->b, AF_INET, SOCK_DGRAM, 0), s99 = ust_socket(n->b, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in p53 = sin_of(0, 53), p99 = sin_of(0, 99);
    assert_int_equal(ust_bind(n->b, s53, (struct sockaddr *)&p53, sizeof(p53)), 0);
    assert_int_equal(ust_bind(n->b, s99, (struct sockaddr *)&p99, sizeof(p99)), 0);
    n->r.udp_fd = ust_socket(n->b, AF_INET, SOCK_DGRAM, 0); /* for teardown's close */
    n->r.tcp_listen_fd = ust_socket(n->b, AF_INET, SOCK_DGRAM, 0);
    n->r.tcp_fd = -1;
    struct ust_dns_query *q;
    assert_int_equal(ust_dns_query_start(n->a, "web.example.test", NULL, NULL, &q), UST_DNS_PENDING);
    uint8_t qbuf[512], ans[1024];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    ssize_t qlen;
    while ((qlen = ust_recvfrom(n->b, s53, qbuf, sizeof(qbuf), MSG_DONTWAIT,
                                (struct sockaddr *)&from, &flen)) < 0)
        assert_true(ust_sim_step(n->sim, UST_TIME_NEVER));
    size_t alen = dns_responder_answer(&n->r, qbuf, (size_t)qlen, false, ans, sizeof(ans));
    assert_true(alen > 0);
    ans[1] ^= 1; /* another ID */
    ust_sendto(n->b, s53, ans, alen, 0, (struct sockaddr *)&from, flen);
    ans[1] ^= 1;
    ust_sendto(n->b, s99, ans, alen, 0, (struct sockaddr *)&from, flen); /* another port */
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 100 * UST_MSEC);
    assert_int_equal(ust_dns_query_step(n->a, q), UST_DNS_PENDING);
    assert_int_equal(dns_stats(n->a)->Mismatched, 2);
    ust_sendto(n->b, s53, ans, alen, 0, (struct sockaddr *)&from, flen);
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 100 * UST_MSEC);
    assert_int_equal(ust_dns_query_step(n->a, q), 0);
    assert_int_equal(ust_dns_query_finish(n->a, q, NULL), 0);
    ust_close(n->b, s53);
    ust_close(n->b, s99);
}

static void test_hosts_file_comes_first(void **state)
{
    struct net2 *n = *state;
    struct addrinfo *res;
    assert_int_equal(lookup(n, "web.example.test", NULL, NULL, &res), 0);
    assert_int_equal(ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr),
                     UST_IP4(198, 51, 100, 1));
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->HostsHits, 1);
    assert_int_equal(dns_stats(n->a)->Queries, 0);
}

static int setup_with_hosts(void **state)
{
    char path[64] = "/tmp/ustack-hosts-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "# test\n198.51.100.1  web.example.test web\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    setup_hosts(state, path);
    struct net2 *n = *state;
    memcpy(n->hosts_path, path, sizeof(path));
    return 0;
}

static int teardown_with_hosts(void **state)
{
    struct net2 *n = *state;
    unlink(n->hosts_path);
    return teardown(state);
}

static void test_argument_errors(void **state)
{
    struct net2 *n = *state;
    struct addrinfo *res = NULL;
    struct addrinfo h6 = {.ai_family = AF_INET6}, hraw = {.ai_socktype = SOCK_RAW},
                    hnum = {.ai_flags = AI_NUMERICHOST}, hpass = {.ai_flags = AI_PASSIVE};
    assert_int_equal(lookup(n, "web.example.test", NULL, &h6, &res), EAI_FAMILY);
    assert_int_equal(lookup(n, "web.example.test", NULL, &hraw, &res), EAI_SOCKTYPE);
    assert_int_equal(lookup(n, "web.example.test", NULL, &hnum, &res), EAI_NONAME);
    assert_int_equal(lookup(n, "web.example.test", "no-such-service", NULL, &res), EAI_SERVICE);
    assert_int_equal(lookup(n, "bad..name", NULL, NULL, &res), EAI_NONAME);
    assert_int_equal(lookup(n, NULL, NULL, NULL, &res), EAI_NONAME);
    assert_int_equal(dns_stats(n->a)->Queries, 0);
    assert_int_equal(lookup(n, NULL, "8080", &hpass, &res), 0);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;
    assert_int_equal(sin->sin_addr.s_addr, 0);
    assert_int_equal(ntohs(sin->sin_port), 8080);
    ust_freeaddrinfo(res);
    assert_int_equal(lookup(n, "198.51.100.3", "domain", &hnum, &res), 0);
    sin = (const struct sockaddr_in *)res->ai_addr;
    assert_int_equal(ntohl(sin->sin_addr.s_addr), UST_IP4(198, 51, 100, 3));
    assert_int_equal(ntohs(sin->sin_port), 53);
    ust_freeaddrinfo(res);
    assert_string_equal(ust_gai_strerror(EAI_NONAME), "Name or service not known");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_answer_over_udp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_honours_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nxdomain_cached_for_soa_minimum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_double_the_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocking_call_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_answer_asked_again_over_tcp, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_answers_must_match_id_and_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_file_comes_first, setup_with_hosts,
                                        teardown_with_hosts),
        cmocka_unit_test_setup_teardown(test_argument_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
