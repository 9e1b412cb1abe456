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
    {.name = "web.example.test", .addr = WEB},
    {.name = "web.example.test", .addr = WEB2},
    {.name = "mail.example.test", .addr = UST_IP4(203, 0, 113, 25)},
    {.name = "v6.example.test", .v6 = true, .addr6 = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x80}},
    {.name = "dual.example.test", .v6 = true, .addr6 = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x81}},
    {.name = "dual.example.test", .addr = WEB},
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
    struct addrinfo h6 = {.ai_family = AF_UNIX}, hraw = {.ai_socktype = SOCK_RAW},
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

static const uint8_t V6_WEB[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x80};
static const uint8_t V6_DUAL[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x81};

/* A global IPv6 address on A's interface 0 (prefix on-link), usable once
 * DAD is done. */
static void give_a_ipv6(struct net2 *n, const uint8_t prefix_byte5)
{
    uint8_t addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0, prefix_byte5, [15] = 1};
    assert_int_equal(ust_iface_add_addr6(n->a, 0, addr, 64), 0);
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 5 * UST_SEC);
    struct ust_addr6_info info[8];
    int k = ust_iface_addrs6(n->a, 0, info, 8), usable = 0;
    for (int i = 0; i < k; i++)
        usable += !memcmp(info[i].addr, addr, 16) && info[i].state == UST_ADDR6_PREFERRED;
    assert_int_equal(usable, 1);
}

/* The address of entry i of a list (either family) as an ust_addr. */
static struct ust_addr ai_addr_at(const struct addrinfo *ai, int i)
{
    while (i-- > 0)
        ai = ai->ai_next;
    struct ust_addr a = {0};
    if (ai->ai_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ai->ai_addr;
        a = ust_addr_from_ip6(s6->sin6_addr.s6_addr, s6->sin6_scope_id);
        assert_int_equal(ai->ai_addrlen, sizeof(*s6));
    } else {
        a = ust_addr_from_ip4(ntohl(((const struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr));
    }
    return a;
}

static int list_len(const struct addrinfo *ai)
{
    int n = 0;
    for (; ai; ai = ai->ai_next)
        n++;
    return n;
}

/* RFC 3596: AF_INET6 asks for AAAA and returns sockaddr_in6 entries. */
static void test_aaaa_over_udp(void **state)
{
    struct net2 *n = *state;
    struct addrinfo h = {.ai_family = AF_INET6, .ai_socktype = SOCK_STREAM}, *res;
    assert_int_equal(lookup(n, "v6.example.test", "80", &h, &res), 0);
    assert_int_equal(list_len(res), 1);
    assert_int_equal(res->ai_family, AF_INET6);
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)res->ai_addr;
    assert_int_equal(s6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(s6->sin6_port), 80);
    assert_memory_equal(s6->sin6_addr.s6_addr, V6_WEB, 16);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->Queries, 1);
    /* Cached apart from A: the same name again asks nobody; an A lookup
     * of it is a new question (NXDOMAIN here: the zone has no A). */
    assert_int_equal(lookup(n, "v6.example.test", "80", &h, &res), 0);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->Queries, 1);
    struct addrinfo h4 = {.ai_family = AF_INET};
    assert_int_equal(lookup(n, "v6.example.test", "80", &h4, &res), EAI_NONAME);
    assert_int_equal(dns_stats(n->a)->Queries, 2);
    /* A name with only A records has no AAAA: NODATA is "no name". */
    assert_int_equal(lookup(n, "web.example.test", "80", &h, &res), EAI_NONAME);
}

/* RFC 3493 6.1: AI_V4MAPPED maps A records when there is no AAAA; with
 * AI_ALL it adds them after the AAAA ones. */
static void test_v4mapped_and_all(void **state)
{
    struct net2 *n = *state;
    struct addrinfo h = {.ai_family = AF_INET6, .ai_socktype = SOCK_STREAM,
                         .ai_flags = AI_V4MAPPED}, *res;
    const uint8_t mapped_web[16] = {[10] = 0xff, [11] = 0xff, 203, 0, 113, 80};
    assert_int_equal(lookup(n, "web.example.test", NULL, &h, &res), 0);
    assert_int_equal(list_len(res), 2);
    struct ust_addr a0 = ai_addr_at(res, 0);
    assert_int_equal(a0.family, UST_AF_INET6);
    assert_memory_equal(a0.u.v6, mapped_web, 16);
    ust_freeaddrinfo(res);
    /* dual has AAAA: AI_V4MAPPED alone returns it only ... */
    assert_int_equal(lookup(n, "dual.example.test", NULL, &h, &res), 0);
    assert_int_equal(list_len(res), 1);
    assert_memory_equal(ai_addr_at(res, 0).u.v6, V6_DUAL, 16);
    ust_freeaddrinfo(res);
    /* ... with AI_ALL the mapped A follows (A has no IPv6 source: rule 1
     * orders nothing before the other here, both lack one or not). */
    h.ai_flags = AI_V4MAPPED | AI_ALL;
    assert_int_equal(lookup(n, "dual.example.test", NULL, &h, &res), 0);
    assert_int_equal(list_len(res), 2);
    int v6_at = !memcmp(ai_addr_at(res, 0).u.v6, V6_DUAL, 16) ? 0 : 1;
    const uint8_t mapped_dual[16] = {[10] = 0xff, [11] = 0xff, 203, 0, 113, 80};
    assert_memory_equal(ai_addr_at(res, v6_at).u.v6, V6_DUAL, 16);
    assert_memory_equal(ai_addr_at(res, 1 - v6_at).u.v6, mapped_dual, 16);
    ust_freeaddrinfo(res);
    /* Without AI_V4MAPPED an IPv4 numeric host is no AF_INET6 address. */
    h.ai_flags = 0;
    assert_int_equal(lookup(n, "198.51.100.3", NULL, &h, &res), EAI_NONAME);
    struct addrinfo h4 = {.ai_family = AF_INET};
    assert_int_equal(lookup(n, "2001:db8::5", NULL, &h4, &res), EAI_NONAME);
}

/* AI_ADDRCONFIG: IPv6 results only when the stack has a non-loopback,
 * non-link-local IPv6 address (A starts with its link-local one only). */
static void test_addrconfig(void **state)
{
    struct net2 *n = *state;
    struct addrinfo h = {.ai_family = AF_INET6, .ai_flags = AI_ADDRCONFIG,
                         .ai_socktype = SOCK_STREAM}, *res;
    assert_int_equal(lookup(n, "v6.example.test", NULL, &h, &res), EAI_NONAME);
    give_a_ipv6(n, 0);
    assert_int_equal(lookup(n, "v6.example.test", NULL, &h, &res), 0);
    assert_memory_equal(ai_addr_at(res, 0).u.v6, V6_WEB, 16);
    ust_freeaddrinfo(res);
    h.ai_family = AF_INET; /* A has 203.0.113.1: IPv4 counts */
    assert_int_equal(lookup(n, "web.example.test", NULL, &h, &res), 0);
    ust_freeaddrinfo(res);
}

/* AF_UNSPEC and RFC 6724 6: without a global IPv6 address only A is asked;
 * with one whose prefix reaches the AAAA (rule 1: a source exists; rule 6:
 * precedence 40 over IPv4's 35) IPv6 comes first; with one that has no
 * route to it (rule 1: no source) IPv4 comes first. */
static void test_unspec_order(void **state)
{
    struct net2 *n = *state;
    struct addrinfo h = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    assert_int_equal(lookup(n, "dual.example.test", NULL, &h, &res), 0);
    assert_int_equal(list_len(res), 1);
    assert_int_equal(res->ai_family, AF_INET);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->Queries, 1);
    give_a_ipv6(n, 0); /* 2001:db8::1/64: on-link for 2001:db8::81 */
    assert_int_equal(lookup(n, "dual.example.test", NULL, &h, &res), 0);
    assert_int_equal(list_len(res), 2);
    assert_int_equal(res->ai_family, AF_INET6);
    assert_memory_equal(ai_addr_at(res, 0).u.v6, V6_DUAL, 16);
    assert_int_equal(ai_addr_at(res, 1).u.v4, WEB);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->Queries, 2); /* the AAAA; A came from the cache */
}

static void test_unspec_no_ipv6_route_puts_ipv4_first(void **state)
{
    struct net2 *n = *state;
    struct addrinfo h = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    give_a_ipv6(n, 9); /* 2001:db8:9::1/64, no default route: 2001:db8::81 unreachable */
    assert_int_equal(lookup(n, "dual.example.test", NULL, &h, &res), 0);
    assert_int_equal(list_len(res), 2);
    assert_int_equal(res->ai_family, AF_INET);
    assert_memory_equal(ai_addr_at(res, 1).u.v6, V6_DUAL, 16);
    ust_freeaddrinfo(res);
}

/* AF_UNSPEC on a stack with a global IPv6 address asks AAAA and A: both
 * queries are out before either answer (glibc without single-request).
 * B reads nothing until A's queries had time to arrive; then one read
 * finds both, and one answer each completes the lookup. A sequential
 * resolver would have sent the A query only after the AAAA answer. */
static void test_unspec_asks_aaaa_and_a_in_parallel(void **state)
{
    struct net2 *n = *state;
    give_a_ipv6(n, 0);
    struct addrinfo h = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    struct ust_dns_query *q;
    assert_int_equal(ust_dns_query_start(n->a, "dual.example.test", NULL, &h, &q),
                     UST_DNS_PENDING);
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 100 * UST_MSEC); /* < dns_timeout */
    assert_int_equal(n->r.udp_queries, 0);
    serve(n); /* B's first look at its socket */
    assert_int_equal(n->r.udp_queries, 2);
    assert_int_equal(dns_stats(n->a)->Queries, 2);
    assert_int_equal(dns_stats(n->a)->ParallelQueries, 1);
    int rc;
    while ((rc = ust_dns_query_step(n->a, q)) == UST_DNS_PENDING)
        assert_true(ust_sim_step(n->sim, ust_sim_now(n->sim) + UST_SEC));
    assert_int_equal(ust_dns_query_finish(n->a, q, &res), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(list_len(res), 2);
    bool v6_first = ai_addr_at(res, 0).family == UST_AF_INET6;
    assert_memory_equal(ai_addr_at(res, v6_first ? 0 : 1).u.v6, V6_DUAL, 16);
    assert_int_equal(ai_addr_at(res, v6_first ? 1 : 0).u.v4, WEB);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->Answers, 2);
}

/* The zone may name the interface, as Linux's getaddrinfo takes it
 * ("fe80::1%eth0", RFC 4007 11.2): eth0 is interface 0, so sin6_scope_id
 * 1, as "%1" gives; a name no interface has is EAI_NONAME, not a lookup. */
static void test_numeric_ipv6_zone_by_interface_name(void **state)
{
    struct net2 *n = *state;
    struct addrinfo h = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *res;
    assert_int_equal(ust_if_nametoindex(n->a, "eth0"), 1);
    assert_int_equal(ust_if_nametoindex(n->a, "eth1"), 0);
    assert_int_equal(lookup(n, "fe80::1%eth0", "53", &h, &res), 0);
    assert_int_equal(list_len(res), 1);
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)res->ai_addr;
    assert_int_equal(res->ai_family, AF_INET6);
    assert_int_equal(s6->sin6_scope_id, 1);
    assert_int_equal(s6->sin6_addr.s6_addr[0], 0xfe);
    assert_int_equal(s6->sin6_addr.s6_addr[15], 1);
    ust_freeaddrinfo(res);
    assert_int_equal(lookup(n, "fe80::1%eth1", "53", &h, &res), EAI_NONAME);
    struct ust_addr a;
    assert_int_equal(ust_addr_parse_scoped(n->a, "fe80::2%eth0", &a), UST_OK);
    assert_int_equal(a.scope_id, 1);
    assert_int_equal(ust_addr_parse_scoped(n->a, "fe80::2%eth1", &a), UST_ERR_NOENT);
    assert_int_equal(ust_addr_parse_scoped(n->a, "203.0.113.1%eth0", &a), UST_ERR_INVAL);
    assert_int_equal(ust_addr_parse_scoped(n->a, "fe80::2%2", &a), UST_OK);
    assert_int_equal(a.scope_id, 2);
}

/* Numeric IPv6 hosts, with a numeric scope (sin6_scope_id). */
static void test_numeric_ipv6(void **state)
{
    struct net2 *n = *state;
    struct addrinfo h = {.ai_family = AF_INET6, .ai_socktype = SOCK_DGRAM,
                         .ai_flags = AI_NUMERICHOST | AI_CANONNAME}, *res;
    assert_int_equal(lookup(n, "fe80::1%1", "53", &h, &res), 0);
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)res->ai_addr;
    assert_int_equal(s6->sin6_scope_id, 1);
    assert_int_equal(s6->sin6_addr.s6_addr[0], 0xfe);
    assert_int_equal(ntohs(s6->sin6_port), 53);
    assert_string_equal(res->ai_canonname, "fe80::1%1");
    /* And back (getnameinfo for AF_INET6): RFC 5952 text with the scope. */
    char host[64], serv[16];
    assert_int_equal(ust_getnameinfo(n->a, res->ai_addr, res->ai_addrlen, host, sizeof(host),
                                     serv, sizeof(serv), NI_NUMERICHOST), 0);
    assert_string_equal(host, "fe80::1%1");
    assert_string_equal(serv, "domain");
    assert_int_equal(ust_getnameinfo(n->a, res->ai_addr, res->ai_addrlen, host, 9, NULL, 0,
                                     NI_NUMERICHOST), EAI_OVERFLOW);
    assert_int_equal(ust_getnameinfo(n->a, res->ai_addr, sizeof(struct sockaddr_in), host,
                                     sizeof(host), NULL, 0, 0), EAI_FAMILY);
    ust_freeaddrinfo(res);
    h.ai_family = AF_UNSPEC;
    assert_int_equal(lookup(n, "2001:db8::5", NULL, &h, &res), 0);
    assert_int_equal(res->ai_family, AF_INET6);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->Queries, 0);
}

/* DNS over IPv6 (cfg.dns_server6, set as an RDNSS would set it): the AAAA
 * and A queries go to B's IPv6 address over UDP, and again over TCP when
 * B truncates; answers from B's IPv4 address would not count. */
static void test_dns_over_ipv6_transport(void **state)
{
    struct net2 *n = *state;
    const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x53};
    assert_int_equal(ust_iface_add_addr6(n->b, 0, b6, 64), 0);
    assert_int_equal(dns_responder_open6(&n->r), 0);
    give_a_ipv6(n, 0);
    ust_stack_set_dns_server(n->a, 0);
    ust_stack_set_dns_server6(n->a, b6, 0);
    struct addrinfo h = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    assert_int_equal(lookup(n, "dual.example.test", NULL, &h, &res), 0);
    assert_int_equal(list_len(res), 2);
    assert_memory_equal(ai_addr_at(res, 0).u.v6, V6_DUAL, 16);
    ust_freeaddrinfo(res);
    assert_int_equal(n->r.udp_queries, 2); /* AAAA and A, both over IPv6 */
    assert_int_equal(dns_stats(n->a)->Answers, 2);
    n->r.truncate_udp = true;
    assert_int_equal(lookup(n, "v6.example.test", NULL, &h, &res), 0);
    assert_memory_equal(ai_addr_at(res, 0).u.v6, V6_WEB, 16);
    ust_freeaddrinfo(res);
    assert_true(n->r.tcp_queries >= 1);
    assert_true(dns_stats(n->a)->TcpQueries >= 1);
}

/* Several name servers, tried in order with failover (as glibc's
 * nameserver lines, at most 3): the IPv4 server does not answer, the
 * IPv6 one after it does; then an RDNSS list whose first server is dead
 * and whose second answers. Each dead server costs one timeout. */
static void test_name_servers_fail_over_in_order(void **state)
{
    struct net2 *n = *state;
    const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x53};
    const uint8_t dead6[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0xde, [15] = 0xad};
    assert_int_equal(ust_iface_add_addr6(n->b, 0, b6, 64), 0);
    assert_int_equal(dns_responder_open6(&n->r), 0);
    give_a_ipv6(n, 0);
    ust_stack_set_dns_server(n->a, UST_IP4(203, 0, 113, 99)); /* nobody there */
    ust_stack_set_dns_server6(n->a, b6, 0);
    struct addrinfo h = {.ai_family = AF_INET6, .ai_socktype = SOCK_STREAM}, *res;
    ust_time_t t0 = ust_sim_now(n->sim);
    assert_int_equal(lookup(n, "v6.example.test", NULL, &h, &res), 0);
    assert_memory_equal(ai_addr_at(res, 0).u.v6, V6_WEB, 16);
    ust_freeaddrinfo(res);
    assert_true(ust_sim_now(n->sim) - t0 >= ust_stack_config(n->a)->dns_timeout);
    assert_int_equal(dns_stats(n->a)->ServerFailovers, 1);
    assert_int_equal(dns_stats(n->a)->Timeouts, 1);
    assert_int_equal(n->r.udp_queries, 1);
    /* RDNSS order: dead6 first (also the configured dns_server6), b6 next. */
    ust_stack_set_dns_server(n->a, 0);
    ust_stack_set_dns_server6(n->a, dead6, 0);
    const uint8_t list[2][16] = {
        {0x20, 0x01, 0x0d, 0xb8, [14] = 0xde, [15] = 0xad},
        {0x20, 0x01, 0x0d, 0xb8, [15] = 0x53},
    };
    ust_stack_set_dns_servers6(n->a, list, 2);
    assert_int_equal(lookup(n, "dual.example.test", NULL, &h, &res), 0);
    assert_memory_equal(ai_addr_at(res, 0).u.v6, V6_DUAL, 16);
    ust_freeaddrinfo(res);
    assert_int_equal(dns_stats(n->a)->ServerFailovers, 2);
    assert_int_equal(n->r.udp_queries, 2);
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
        cmocka_unit_test_setup_teardown(test_aaaa_over_udp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v4mapped_and_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addrconfig, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unspec_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unspec_no_ipv6_route_puts_ipv4_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unspec_asks_aaaa_and_a_in_parallel, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_numeric_ipv6_zone_by_interface_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_numeric_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_over_ipv6_transport, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_servers_fail_over_in_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
