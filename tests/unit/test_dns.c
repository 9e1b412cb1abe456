/* The resolver's pure parts: the DNS message parser (RFC 1035 4.1, hardened
 * per RFC 9267) on valid, compressed and hostile messages, the query
 * builder's name limits, the hosts(5) parser and the TTL cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dns/dns.h"
#include "wire/dns.h"

/* A message under construction. */
struct msg {
    uint8_t b[1024];
    size_t n;
};

static void put(struct msg *m, const void *p, size_t len)
{
    memcpy(m->b + m->n, p, len);
    m->n += len;
}
static void put16(struct msg *m, uint16_t v) { put(m, (uint8_t[]){(uint8_t)(v >> 8), (uint8_t)v}, 2); }
static void put32(struct msg *m, uint32_t v) { put16(m, (uint16_t)(v >> 16)), put16(m, (uint16_t)v); }

/* Header (response, RD RA, rcode) and the question "www.example.test" A IN
 * at offset 12. */
static void start(struct msg *m, uint16_t id, unsigned rcode, uint16_t an, uint16_t ns)
{
    m->n = 0;
    put16(m, id), put16(m, (uint16_t)(0x8180 | rcode)), put16(m, 1), put16(m, an), put16(m, ns);
    put16(m, 0);
    put(m, "\3www\7example\4test\0", 18);
    put16(m, DNS_TYPE_A), put16(m, DNS_CLASS_IN);
}

static void rr_head(struct msg *m, const void *owner, size_t olen, uint16_t type, uint32_t ttl,
                    uint16_t rdlen)
{
    put(m, owner, olen);
    put16(m, type), put16(m, DNS_CLASS_IN), put32(m, ttl), put16(m, rdlen);
}

static const uint8_t PTR_Q[] = {0xc0, 12}; /* the question's name */

static void rr_a(struct msg *m, const void *owner, size_t olen, uint32_t ttl, uint32_t addr)
{
    rr_head(m, owner, olen, DNS_TYPE_A, ttl, 4);
    put32(m, addr);
}

static int parse(const struct msg *m, struct dns_answer *a) { return dns_response_parse(m->b, m->n, 8, a); }

static void test_answer_with_compression(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start(&m, 0x1234, 0, 2, 0);
    rr_a(&m, PTR_Q, 2, 300, 0xcb007150);
    rr_a(&m, PTR_Q, 2, 60, 0xcb007151);
    assert_int_equal(parse(&m, &a), DNS_OK);
    assert_int_equal(a.id, 0x1234);
    assert_string_equal(a.qname, "www.example.test");
    assert_string_equal(a.canon, "www.example.test");
    assert_int_equal(a.naddr, 2);
    assert_int_equal(a.addr[0], 0xcb007150);
    assert_int_equal(a.addr[1], 0xcb007151);
    assert_int_equal(a.ttl, 60); /* the smallest */
}

/* www -> web.example.test (compressed: "\3web" + pointer to "example.test") -> A */
static void test_cname_chain_followed(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start(&m, 1, 0, 2, 0);
    rr_head(&m, PTR_Q, 2, DNS_TYPE_CNAME, 100, 6);
    size_t target = m.n;
    put(&m, "\3web\xc0\x10", 6); /* offset 16: "example.test" of the question */
    uint8_t owner[] = {0xc0, (uint8_t)target};
    rr_a(&m, owner, 2, 50, 0xc6336407);
    assert_int_equal(parse(&m, &a), DNS_OK);
    assert_string_equal(a.canon, "web.example.test");
    assert_int_equal(a.naddr, 1);
    assert_int_equal(a.addr[0], 0xc6336407);
    assert_int_equal(a.ttl, 50);
}

static void test_cname_loop_is_bounded(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start(&m, 1, 0, 2, 0);
    rr_head(&m, PTR_Q, 2, DNS_TYPE_CNAME, 100, 4);
    size_t other = m.n;
    put(&m, "\1x\xc0\x10", 4); /* www.example.test -> x.example.test */
    uint8_t owner[] = {0xc0, (uint8_t)other};
    rr_head(&m, owner, 2, DNS_TYPE_CNAME, 100, 2);
    put(&m, PTR_Q, 2); /* x.example.test -> www.example.test */
    assert_int_equal(parse(&m, &a), DNS_ECHAIN);
}

static void test_pointer_loop_rejected(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start(&m, 1, 0, 1, 0);
    uint8_t self[] = {0xc0, (uint8_t)m.n}; /* points at itself */
    rr_a(&m, self, 2, 1, 1);
    assert_int_equal(parse(&m, &a), DNS_EPOINTER);
    start(&m, 1, 0, 1, 0);
    uint8_t two[] = {1, 'a', 0xc0, (uint8_t)m.n}; /* "a" then back to "a": a loop */
    rr_a(&m, two, 4, 1, 1);
    assert_int_equal(parse(&m, &a), DNS_EPOINTER);
}

static void test_forward_pointer_and_header_pointer_rejected(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start(&m, 1, 0, 1, 0);
    uint8_t fwd[] = {0xc0, (uint8_t)(m.n + 2)};
    rr_a(&m, fwd, 2, 1, 1);
    put(&m, "\0", 1);
    assert_int_equal(parse(&m, &a), DNS_EPOINTER);
    start(&m, 1, 0, 1, 0);
    uint8_t hdr[] = {0xc0, 2};
    rr_a(&m, hdr, 2, 1, 1);
    assert_int_equal(parse(&m, &a), DNS_EPOINTER);
}

static void test_long_label_and_long_name_rejected(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start(&m, 1, 0, 1, 0);
    uint8_t l64[66] = {64};
    memset(l64 + 1, 'a', 64);
    rr_a(&m, l64, sizeof(l64), 1, 1);
    assert_int_equal(parse(&m, &a), DNS_ELABEL); /* 0x40: not a length */
    start(&m, 1, 0, 1, 0);
    uint8_t name[5 * 64 + 1] = {0};
    for (int i = 0; i < 5; i++) {
        name[i * 64] = 63;
        memset(name + i * 64 + 1, 'b', 63);
    }
    rr_a(&m, name, sizeof(name), 1, 1);
    assert_int_equal(parse(&m, &a), DNS_ENAME);
}

static void test_counts_and_rdlength_checked(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start(&m, 1, 0, 3, 0); /* three answers announced, one present */
    rr_a(&m, PTR_Q, 2, 1, 1);
    assert_int_equal(parse(&m, &a), DNS_ESHORT);
    start(&m, 1, 0, 1, 0);
    rr_head(&m, PTR_Q, 2, DNS_TYPE_A, 1, 200); /* RDLENGTH past the end */
    put32(&m, 1);
    assert_int_equal(parse(&m, &a), DNS_ESHORT);
    start(&m, 1, 0, 1, 0);
    rr_head(&m, PTR_Q, 2, DNS_TYPE_A, 1, 5); /* an A of 5 bytes */
    put(&m, "\1\2\3\4\5", 5);
    assert_int_equal(parse(&m, &a), DNS_ERDATA);
    start(&m, 1, 0, 0, 0);
    m.b[5] = 2; /* two questions */
    assert_int_equal(parse(&m, &a), DNS_EHEADER);
    start(&m, 1, 0, 0, 0);
    m.b[2] &= 0x7f; /* a query, not a response */
    assert_int_equal(parse(&m, &a), DNS_EHEADER);
    assert_int_equal(dns_response_parse(m.b, 11, 8, &a), DNS_ESHORT);
}

static void test_nxdomain_soa_gives_negative_ttl(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start(&m, 7, DNS_NXDOMAIN, 0, 1);
    rr_head(&m, "\4test\0", 6, DNS_TYPE_SOA, 900, 1 + 1 + 20);
    put(&m, "\0\0", 2); /* MNAME and RNAME: the root */
    put32(&m, 1), put32(&m, 2), put32(&m, 3), put32(&m, 4), put32(&m, 120);
    assert_int_equal(parse(&m, &a), DNS_OK);
    assert_int_equal(a.rcode, DNS_NXDOMAIN);
    assert_true(a.has_soa);
    assert_int_equal(a.neg_ttl, 120); /* min(SOA TTL 900, MINIMUM 120) */
    assert_int_equal(a.naddr, 0);
}

static void test_truncated_and_name_case(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start(&m, 9, 0, 5, 0); /* counts beyond the message: not read when TC */
    m.b[2] |= 0x02;
    m.b[13] = 'W';
    assert_int_equal(parse(&m, &a), DNS_OK);
    assert_true(a.truncated);
    assert_string_equal(a.qname, "www.example.test"); /* read in lower case */
    assert_true(dns_name_equal("WWW.Example.test", "www.example.TEST"));
    assert_false(dns_name_equal("www.example.test", "www.example.tes"));
}

static void test_name_encode_limits(void **state)
{
    (void)state;
    uint8_t out[300];
    char name[300];
    memset(name, 'a', 63);
    name[63] = '\0';
    assert_int_equal(dns_name_encode(name, out, sizeof(out)), 65);
    name[63] = 'a', name[64] = '\0';
    assert_int_equal(dns_name_encode(name, out, sizeof(out)), DNS_ENAME);
    assert_int_equal(dns_name_encode("a..b", out, sizeof(out)), DNS_ENAME);
    assert_int_equal(dns_name_encode(".", out, sizeof(out)), DNS_ENAME);
    assert_int_equal(dns_name_encode("example.test.", out, sizeof(out)), 14);
    /* 4 labels of 63: 4 * 64 + 1 = 257 > 255 */
    for (int i = 0; i < 4; i++) {
        memset(name + i * 64, 'c', 63);
        name[i * 64 + 63] = '.';
    }
    name[4 * 64 - 1] = '\0';
    assert_int_equal(dns_name_encode(name, out, sizeof(out)), DNS_ENAME);
    uint8_t q[512];
    int n = dns_query_build(q, sizeof(q), 0xbeef, "www.example.test", DNS_TYPE_A);
    assert_int_equal(n, 12 + 18 + 4);
    assert_int_equal(q[0], 0xbe);
    assert_int_equal(q[2], 0x01); /* RD */
    assert_int_equal(q[5], 1);
}

static void test_hosts_parser(void **state)
{
    (void)state;
    const char text[] = "# comment\n"
                        "127.0.0.1\tlocalhost\n"
                        "::1 localhost ip6-localhost\n"
                        "198.51.100.7  web.example.test  web   # the web server\n"
                        "198.51.100.8  WEB.example.test\n"
                        "198.51.100.7  web\n"
                        "not-an-address web\n"
                        "  198.51.100.9 other # web\n";
    uint32_t addr[4];
    char canon[DNS_NAME_TEXT];
    /* an alias: its line's first name is the canonical one; repeats once */
    assert_int_equal(dns_hosts_lookup(text, strlen(text), "web", addr, 4, canon), 1);
    assert_int_equal(addr[0], 0xc6336407);
    assert_string_equal(canon, "web.example.test");
    assert_int_equal(dns_hosts_lookup(text, strlen(text), "Web.Example.Test.", addr, 4, canon), 2);
    assert_int_equal(addr[0], 0xc6336407);
    assert_int_equal(addr[1], 0xc6336408);
    assert_int_equal(dns_hosts_lookup(text, strlen(text), "localhost", addr, 4, canon), 1);
    assert_int_equal(addr[0], 0x7f000001);
    assert_int_equal(dns_hosts_lookup(text, strlen(text), "ip6-localhost", addr, 4, canon), 0);
    assert_int_equal(dns_hosts_lookup(text, strlen(text), "other", addr, 4, canon), 1);
    assert_int_equal(dns_hosts_lookup(text, strlen(text), "the", addr, 4, canon), 0);
    assert_int_equal(dns_hosts_lookup(text, strlen(text), "web.example.test", addr, 1, canon), 1);
}

/* The reverse (getnameinfo): the first name of the first line with the
 * address; comments, IPv6 and garbage lines never answer. */
static void test_hosts_reverse(void **state)
{
    (void)state;
    const char text[] = "# 198.51.100.9 commented\n"
                        "::1 localhost\n"
                        "198.51.100.7  web.example.test  web\n"
                        "198.51.100.7  second.example.test\n"
                        "198.51.100.8\n"
                        "  198.51.100.9 other # web\n";
    char name[DNS_NAME_TEXT] = "";
    assert_true(dns_hosts_reverse(text, strlen(text), 0xc6336407, name));
    assert_string_equal(name, "web.example.test");
    assert_true(dns_hosts_reverse(text, strlen(text), 0xc6336409, name));
    assert_string_equal(name, "other");
    assert_false(dns_hosts_reverse(text, strlen(text), 0xc6336408, name)); /* no name */
    assert_false(dns_hosts_reverse(text, strlen(text), 0x7f000001, name));
    assert_string_equal(dns_service_name(80), "http");
    assert_null(dns_service_name(8080));
}

static void test_cache_ttl_and_eviction(void **state)
{
    (void)state;
    struct dns_cache c = {0};
    struct dns_cache_entry e = {.qtype = DNS_TYPE_A, .naddr = 1, .addr = {1}};
    bool ev;
    const ust_time_t t0 = 1000 * UST_SEC;
    snprintf(e.name, sizeof(e.name), "a.test");
    assert_int_equal(dns_cache_put(&c, 2, &e, 10, t0, &ev), 0);
    assert_false(ev);
    assert_non_null(dns_cache_get(&c, "A.TEST", DNS_TYPE_A, t0 + 10 * UST_SEC - 1));
    assert_null(dns_cache_get(&c, "a.test", DNS_TYPE_A, t0 + 10 * UST_SEC)); /* expired at the TTL */
    assert_int_equal(dns_cache_put(&c, 2, &e, 0, t0, &ev), 0);  /* TTL 0: not stored */
    assert_null(dns_cache_get(&c, "a.test", DNS_TYPE_A, t0));
    /* Two slots: a third name evicts the least recently used. */
    dns_cache_put(&c, 2, &e, 100, t0, &ev);
    snprintf(e.name, sizeof(e.name), "b.test");
    dns_cache_put(&c, 2, &e, 100, t0 + 1, &ev);
    assert_non_null(dns_cache_get(&c, "a.test", DNS_TYPE_A, t0 + 2)); /* a used after b */
    snprintf(e.name, sizeof(e.name), "c.test");
    e.result = -2; /* a negative entry */
    dns_cache_put(&c, 2, &e, 100, t0 + 3, &ev);
    assert_true(ev);
    assert_null(dns_cache_get(&c, "b.test", DNS_TYPE_A, t0 + 4));
    assert_non_null(dns_cache_get(&c, "a.test", DNS_TYPE_A, t0 + 4));
    assert_int_equal(dns_cache_get(&c, "c.test", DNS_TYPE_A, t0 + 4)->result, -2);
    /* A and AAAA answers for one name are kept apart. */
    assert_null(dns_cache_get(&c, "a.test", DNS_TYPE_AAAA, t0 + 4));
    dns_cache_free(&c);
}

/* Header and the question "www.example.test" AAAA IN. */
static void start6(struct msg *m, uint16_t id, uint16_t an)
{
    start(m, id, 0, an, 0);
    m->b[m->n - 3] = DNS_TYPE_AAAA; /* the question's QTYPE low byte */
}

static const uint8_t V6_A[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
static const uint8_t V6_B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x11};

/* RFC 3596 2.1/2.2: golden bytes of an AAAA answer (two records, one
 * compressed owner), and an A record in it is not part of the answer. */
static void test_aaaa_answer_golden(void **state)
{
    (void)state;
    static const uint8_t golden[] = {
        0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
        3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
        0, 28, 0, 1,
        0xc0, 12, 0, 28, 0, 1, 0, 0, 0x0e, 0x10, 0, 16,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 203, 0, 113, 1,
        0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16,
        0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11,
    };
    struct dns_answer a;
    assert_int_equal(dns_response_parse(golden, sizeof(golden), 8, &a), DNS_OK);
    assert_int_equal(a.id, 0xabcd);
    assert_int_equal(a.qtype, DNS_TYPE_AAAA);
    assert_int_equal(a.naddr6, 2);
    assert_memory_equal(a.addr6[0], V6_A, 16);
    assert_memory_equal(a.addr6[1], V6_B, 16);
    assert_int_equal(a.naddr, 0); /* the A record answers another question */
    assert_int_equal(a.ttl, 60);  /* the smallest TTL of the records used */
    /* And the builder asks the question with QTYPE 28. */
    uint8_t q[DNS_HDR_LEN + DNS_MAX_NAME + 4];
    int n = dns_query_build(q, sizeof(q), 0xabcd, "www.example.test", DNS_TYPE_AAAA);
    assert_int_equal(n, 34);
    assert_memory_equal(q + 12, golden + 12, 22);
}

/* An AAAA whose RDLENGTH is not 16, or that runs past the message, makes
 * the whole answer malformed (RFC 3596 2.2, RFC 9267 4). */
static void test_aaaa_malformed(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    uint16_t bad_len[] = {4, 15, 17, 0};
    for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
        start6(&m, 1, 1);
        rr_head(&m, PTR_Q, 2, DNS_TYPE_AAAA, 60, bad_len[i]);
        uint8_t zeros[17] = {0};
        put(&m, zeros, bad_len[i]);
        assert_int_equal(parse(&m, &a), DNS_ERDATA);
    }
    start6(&m, 1, 1);
    rr_head(&m, PTR_Q, 2, DNS_TYPE_AAAA, 60, 16);
    put(&m, V6_A, 16);
    for (size_t cut = 1; cut <= 16 + 10; cut++) /* truncated inside the record */
        assert_int_equal(dns_response_parse(m.b, m.n - cut, 8, &a), DNS_ESHORT);
    assert_int_equal(parse(&m, &a), DNS_OK);
    assert_int_equal(a.naddr6, 1);
}

/* A CNAME chain ending in AAAA records: the canonical name and the
 * addresses of its end. */
static void test_aaaa_through_cname(void **state)
{
    (void)state;
    struct msg m;
    struct dns_answer a;
    start6(&m, 2, 2);
    rr_head(&m, PTR_Q, 2, DNS_TYPE_CNAME, 300, 6);
    put(&m, "\3web\xc0\x10", 6);
    rr_head(&m, "\3web\xc0\x10", 6, DNS_TYPE_AAAA, 300, 16);
    put(&m, V6_B, 16);
    assert_int_equal(parse(&m, &a), DNS_OK);
    assert_string_equal(a.canon, "web.example.test");
    assert_int_equal(a.naddr6, 1);
    assert_memory_equal(a.addr6[0], V6_B, 16);
}

/* hosts(5) IPv6 lines answer AAAA lookups, IPv4 lines A lookups; a scoped
 * address stands for no name. */
static void test_hosts_ipv6_lines(void **state)
{
    (void)state;
    const char *text = "203.0.113.5 web\n2001:db8::10 web web6 # v6\n"
                       "fe80::1%1 scoped\n2001:db8::10 again\n::1 localhost\n";
    uint8_t addr6[4][16];
    uint32_t addr[4];
    char canon[DNS_NAME_TEXT];
    assert_int_equal(dns_hosts_lookup6(text, strlen(text), "web6", addr6, 4, canon), 1);
    assert_memory_equal(addr6[0], V6_A, 16);
    assert_string_equal(canon, "web");
    assert_int_equal(dns_hosts_lookup(text, strlen(text), "web", addr, 4, canon), 1);
    assert_int_equal(addr[0], 0xcb007105);
    assert_int_equal(dns_hosts_lookup6(text, strlen(text), "scoped", addr6, 4, canon), 0);
    assert_int_equal(dns_hosts_lookup(text, strlen(text), "web6", addr, 4, canon), 0);
    assert_int_equal(dns_hosts_lookup6(text, strlen(text), "localhost", addr6, 4, canon), 1);
    assert_int_equal(addr6[0][15], 1);
    /* The reverse: the first name of the first line with the address. */
    assert_true(dns_hosts_reverse6(text, strlen(text), V6_A, canon));
    assert_string_equal(canon, "web");
    assert_false(dns_hosts_reverse6(text, strlen(text), V6_B, canon));
}

/* The CLI's default server: resolv.conf's first IPv4 nameserver, else
 * its first IPv6 one. */
static void test_resolv_conf(void **state)
{
    (void)state;
    struct ust_addr a;
    const char *text = "# x\nsearch example.test\nnameserver 2001:db8::53\n"
                       "nameserver 198.51.100.53\nnameserver 198.51.100.54\nnameserver ::1\n";
    assert_int_equal(resolv_conf_parse(text, UST_AF_INET, &a), UST_OK);
    assert_int_equal(a.u.v4, UST_IP4(198, 51, 100, 53));
    assert_int_equal(resolv_conf_parse(text, UST_AF_INET6, &a), UST_OK);
    const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0, [15] = 0x53};
    assert_memory_equal(a.u.v6, want, 16);
    assert_int_equal(resolv_conf_parse("nameserver fe80::1%2\n", UST_AF_INET6, &a), UST_OK);
    assert_int_equal(a.scope_id, 2);
    assert_int_equal(resolv_conf_parse("#nameserver 1.2.3.4\n options ndots:1\n", UST_AF_INET,
                                       &a), UST_ERR_NOENT);
    assert_int_equal(resolv_conf_parse("nameserver 1.2.3.4\n", UST_AF_INET6, &a), UST_ERR_NOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_with_compression),
        cmocka_unit_test(test_cname_chain_followed),
        cmocka_unit_test(test_cname_loop_is_bounded),
        cmocka_unit_test(test_pointer_loop_rejected),
        cmocka_unit_test(test_forward_pointer_and_header_pointer_rejected),
        cmocka_unit_test(test_long_label_and_long_name_rejected),
        cmocka_unit_test(test_counts_and_rdlength_checked),
        cmocka_unit_test(test_nxdomain_soa_gives_negative_ttl),
        cmocka_unit_test(test_truncated_and_name_case),
        cmocka_unit_test(test_name_encode_limits),
        cmocka_unit_test(test_hosts_parser),
        cmocka_unit_test(test_hosts_reverse),
        cmocka_unit_test(test_cache_ttl_and_eviction),
        cmocka_unit_test(test_resolv_conf),
        cmocka_unit_test(test_aaaa_answer_golden),
        cmocka_unit_test(test_aaaa_malformed),
        cmocka_unit_test(test_aaaa_through_cname),
        cmocka_unit_test(test_hosts_ipv6_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
