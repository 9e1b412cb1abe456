/* IPv6 wire code (ipv6.h): addresses and their RFC 5952 text, the fixed
 * header, the extension-header walk, options, fragments, the pseudo-header.
 * Golden packets made with scapy 2.5 (the expression above each array;
 * bytes(...) printed as C); one test per malformation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/csum.h"
#include "wire/ipv6.h"
#include "wire/wbuf.h"
#include "../harness/ipv6_golden.h" /* echo_req */

/* IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])/IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x3e, optdata=b"\x01\x02")])/IPv6ExtHdrRouting(type=0, addresses=[], segleft=0)/IPv6ExtHdrFragment(offset=0, m=0, id=0xdeadbeef)/UDP(sport=1000, dport=2000)/b"hi" */
static const uint8_t ext_chain[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
    0x2b, 0x00, 0x3e, 0x02, 0x01, 0x02, 0x01, 0x00, 0x2c, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef,
    0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0a, 0x30, 0x44, 0x68, 0x69,
};
/* IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrFragment(offset=0, m=1, id=7, nh=17)/UDP(sport=1000, dport=2000, len=1008, chksum=0x1234)/(b"x"*16) */
static const uint8_t first_frag[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x2c, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x11, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07,
    0x03, 0xe8, 0x07, 0xd0, 0x03, 0xf0, 0x12, 0x34, 0x78, 0x78, 0x78, 0x78,
    0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
};

/* A copy of exactly n bytes, so ASan sees any read past the packet. */
static uint8_t *dup_exact(const uint8_t *src, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, src, n);
    return p;
}

static struct ipv6_addr addr(const char *s)
{
    struct ipv6_addr a;
    assert_int_equal(ipv6_addr_parse(s, &a), 0);
    return a;
}

static void test_addr_text_rfc5952(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"2001:db8::1", "2001:db8::1"},
        {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"}, /* 4.1, 4.3 */
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},  /* 4.2.3: first of equal runs */
        {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},              /* 4.2.3: the longest run */
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* 4.2.2: one 0 stays */
        {"::", "::"},
        {"::1", "::1"},
        {"fe80::", "fe80::"},
        {"ff02::1:ff00:2", "ff02::1:ff00:2"},
        {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},       /* 5: IPv4-mapped */
        {"::ffff:c000:0201", "::ffff:192.0.2.1"},
        {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ipv6_addr a = addr(cases[i][0]);
        char out[IPV6_ADDR_STRLEN];
        int n = ipv6_addr_format(&a, out, sizeof(out));
        assert_string_equal(out, cases[i][1]);
        assert_int_equal(n, (int)strlen(cases[i][1]));
    }
    struct ipv6_addr a = addr("2001:db8::1");
    char small[8];
    assert_int_equal(ipv6_addr_format(&a, small, sizeof(small)), WIRE_NOSPACE);
}

static void test_addr_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "1:2:3:4:5:6:7",
        "g::", "::1.2.3", "::256.1.1.1", "::01.2.3.4", "1.2.3.4", "1:", ":1",
        "1:2:3:4:5:6:7::8", "1:2:3:4:5:6:7:1.2.3.4", "::1 ", "1::2:",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ipv6_addr a;
        if (ipv6_addr_parse(bad[i], &a) != WIRE_BAD_LEN)
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

static void test_addr_classes(void **state)
{
    (void)state;
    struct ipv6_addr a = addr("2001:db8::12:3456"), g;
    ipv6_solicited_node(&a, &g);
    assert_true(ipv6_addr_eq(&g, &(struct ipv6_addr){{0xff, 2, [11] = 1, 0xff, 0x12, 0x34, 0x56}}));
    assert_true(ipv6_addr_is_solicited_node(&g));
    assert_false(ipv6_addr_is_solicited_node(&a));
    uint8_t mac[6];
    ipv6_mcast_mac(&g, mac);
    assert_memory_equal(mac, ((uint8_t[]){0x33, 0x33, 0xff, 0x12, 0x34, 0x56}), 6);
    struct ipv6_addr ll = addr("fe80::1"), ll2 = addr("febf::1"), notll = addr("fec0::1");
    assert_true(ipv6_addr_is_link_local(&ll));
    assert_true(ipv6_addr_is_link_local(&ll2));
    assert_false(ipv6_addr_is_link_local(&notll));
    struct ipv6_addr un = addr("::"), lo = addr("::1"), m = addr("ff05::fb");
    assert_true(ipv6_addr_is_unspecified(&un));
    assert_false(ipv6_addr_is_unspecified(&lo));
    assert_true(ipv6_addr_is_loopback(&lo));
    assert_true(ipv6_addr_is_multicast(&m));
    assert_int_equal(ipv6_mcast_scope(&m), 5);
}

static void test_header_golden(void **state)
{
    (void)state;
    uint8_t *p = dup_exact(echo_req, sizeof(echo_req));
    struct ipv6_hdr h;
    assert_int_equal(ipv6_parse(p, sizeof(echo_req), &h), WIRE_OK);
    assert_int_equal(h.payload_len, 16);
    assert_int_equal(h.next_hdr, IPV6_NH_ICMPV6);
    assert_int_equal(h.hop_limit, 64);
    assert_int_equal(h.tclass, 0);
    assert_int_equal(h.flow, 0);
    struct ipv6_addr s = addr("2001:db8::1"), d = addr("2001:db8::2");
    assert_true(ipv6_addr_eq(&h.src, &s));
    assert_true(ipv6_addr_eq(&h.dst, &d));
    uint8_t out[IPV6_HDR_LEN];
    assert_int_equal(ipv6_emit(&h, out, sizeof(out)), IPV6_HDR_LEN);
    assert_memory_equal(out, echo_req, IPV6_HDR_LEN);
    assert_int_equal(ipv6_emit(&h, out, IPV6_HDR_LEN - 1), WIRE_NOSPACE);
    free(p);
}

static void test_header_tclass_flow_roundtrip(void **state)
{
    (void)state;
    struct ipv6_hdr h = {.tclass = 0xb9, .flow = 0xabcde, .payload_len = 0, .next_hdr = 59,
                         .hop_limit = 1}, back;
    uint8_t out[IPV6_HDR_LEN];
    ipv6_emit(&h, out, sizeof(out));
    assert_int_equal(get_be32(out), 0x6b9abcdeu);
    assert_int_equal(ipv6_parse(out, sizeof(out), &back), WIRE_OK);
    assert_int_equal(back.tclass, 0xb9);
    assert_int_equal(back.flow, 0xabcde);
}

static void test_header_truncated_every_length(void **state)
{
    (void)state;
    for (size_t n = 0; n < IPV6_HDR_LEN; n++) {
        uint8_t *p = dup_exact(echo_req, n);
        struct ipv6_hdr h;
        assert_int_equal(ipv6_parse(p, n, &h), WIRE_TRUNCATED);
        free(p);
    }
}

static void test_header_bad_version(void **state)
{
    (void)state;
    uint8_t p[sizeof(echo_req)];
    memcpy(p, echo_req, sizeof(p));
    p[0] = 0x45;
    struct ipv6_hdr h;
    assert_int_equal(ipv6_parse(p, sizeof(p), &h), WIRE_BAD_VERSION);
}

/* Payload Length past the buffer; link padding after it is not packet. */
static void test_header_payload_len(void **state)
{
    (void)state;
    struct ipv6_hdr h;
    uint8_t *p = dup_exact(echo_req, sizeof(echo_req) - 1);
    assert_int_equal(ipv6_parse(p, sizeof(echo_req) - 1, &h), WIRE_BAD_LEN);
    free(p);
    uint8_t padded[sizeof(echo_req) + 6] = {0};
    memcpy(padded, echo_req, sizeof(echo_req));
    assert_int_equal(ipv6_parse(padded, sizeof(padded), &h), WIRE_OK);
    assert_int_equal(h.payload_len, 16);
}

/* The pseudo-header sum (RFC 8200 8.1): the golden ICMPv6 and UDP
 * checksums verify, and a changed address breaks them. */
static void test_pseudo_header_checksum(void **state)
{
    (void)state;
    struct ipv6_addr s = addr("2001:db8::1"), d = addr("2001:db8::2");
    uint32_t acc = ipv6_csum_pseudo(&s, &d, 16, IPV6_NH_ICMPV6);
    assert_int_equal(csum_fold(csum_partial(echo_req + 40, 16, acc)), 0);
    acc = ipv6_csum_pseudo(&s, &d, 10, IPV6_NH_UDP); /* ext_chain's UDP at 72 */
    assert_int_equal(csum_fold(csum_partial(ext_chain + 72, 10, acc)), 0);
    acc = ipv6_csum_pseudo(&d, &d, 10, IPV6_NH_UDP);
    assert_int_not_equal(csum_fold(csum_partial(ext_chain + 72, 10, acc)), 0);
}

static void walk_init(struct ipv6_ext_iter *it, const uint8_t *p, size_t n)
{
    ipv6_ext_iter_init(it, p, n, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
}

/* HBH (Router Alert), DST (unknown option, bits 00), RH0 with Segments
 * Left 0, an atomic fragment, then UDP: every header in order. */
static void test_ext_chain_golden(void **state)
{
    (void)state;
    uint8_t *p = dup_exact(ext_chain, sizeof(ext_chain));
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    struct ipv6_opt o;
    struct ipv6_opt_iter oi;
    walk_init(&it, p, sizeof(ext_chain));
    assert_true(ipv6_ext_next(&it, &e));
    assert_int_equal(e.type, IPV6_NH_HOPOPTS);
    assert_int_equal(e.off, 40);
    assert_int_equal(e.len, 8);
    assert_int_equal(e.next_hdr, IPV6_NH_DSTOPTS);
    ipv6_opt_iter_init(&oi, &e);
    assert_true(ipv6_opt_next(&oi, &o));
    assert_int_equal(o.type, IPV6_OPT_ROUTER_ALERT);
    assert_int_equal(o.len, 2);
    assert_int_equal(get_be16(o.data), 0);
    assert_int_equal(o.off, 42);
    assert_false(ipv6_opt_next(&oi, &o)); /* PadN skipped */
    assert_int_equal(oi.err, WIRE_OK);
    assert_true(ipv6_ext_next(&it, &e));
    assert_int_equal(e.type, IPV6_NH_DSTOPTS);
    ipv6_opt_iter_init(&oi, &e);
    assert_true(ipv6_opt_next(&oi, &o));
    assert_int_equal(o.type, 0x3e);
    assert_int_equal(o.off, 50);
    assert_int_equal(ipv6_opt_action(o.type), IPV6_OPT_SKIP);
    assert_true(ipv6_opt_may_change(o.type));
    assert_memory_equal(o.data, "\x01\x02", 2);
    assert_false(ipv6_opt_next(&oi, &o));
    assert_true(ipv6_ext_next(&it, &e));
    assert_int_equal(e.type, IPV6_NH_ROUTING);
    assert_true(e.rh0);
    assert_int_equal(e.rh_segs_left, 0);
    assert_true(ipv6_ext_next(&it, &e));
    assert_int_equal(e.type, IPV6_NH_FRAGMENT);
    assert_int_equal(e.off, 64);
    assert_int_equal(e.frag.id, 0xdeadbeefu);
    assert_true(ipv6_frag_is_atomic(&e.frag)); /* ATOM-1: a whole packet */
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_OK);
    assert_int_equal(it.nh, IPV6_NH_UDP);
    assert_int_equal(it.off, 72);
    assert_int_equal(it.nh_off, 64);
    assert_int_equal(it.count, 4);
    assert_true(it.has_frag);
    assert_false(it.first_frag);
    assert_false(it.frag_later);
    free(p);
}

/* A Routing header of an unknown type with Segments Left > 0: reported
 * for the caller's Parameter Problem code 0 at off + 2 (IP6-10). */
static void test_ext_routing_type_reported(void **state)
{
    (void)state;
    uint8_t p[48] = {0x60, 0, 0, 0, 0, 8, IPV6_NH_ROUTING, 64};
    memcpy(p + 40, (uint8_t[]){IPV6_NH_NONE, 0, 4, 3, 0, 0, 0, 0}, 8);
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, sizeof(p));
    assert_true(ipv6_ext_next(&it, &e));
    assert_int_equal(e.rh_type, 4);
    assert_int_equal(e.rh_segs_left, 3);
    assert_false(e.rh0);
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.nh, IPV6_NH_NONE);
}

static void test_first_fragment_golden(void **state)
{
    (void)state;
    uint8_t *p = dup_exact(first_frag, sizeof(first_frag));
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, sizeof(first_frag));
    assert_true(ipv6_ext_next(&it, &e));
    assert_int_equal(e.frag.offset, 0);
    assert_true(e.frag.more);
    assert_int_equal(e.frag.id, 7);
    assert_int_equal(e.frag.next_hdr, IPV6_NH_UDP);
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_OK);
    assert_true(it.first_frag);
    assert_int_equal(it.nh, IPV6_NH_UDP);
    assert_int_equal(it.off, 48);
    uint8_t out[IPV6_FRAG_HDR_LEN];
    assert_int_equal(ipv6_frag_emit(&e.frag, out, sizeof(out)), IPV6_FRAG_HDR_LEN);
    assert_memory_equal(out, first_frag + 40, IPV6_FRAG_HDR_LEN);
    free(p);
}

static void test_frag_emit_errors(void **state)
{
    (void)state;
    uint8_t out[IPV6_FRAG_HDR_LEN];
    struct ipv6_frag f = {.next_hdr = 17, .offset = 12, .more = true, .id = 1};
    assert_int_equal(ipv6_frag_emit(&f, out, sizeof(out)), WIRE_BAD_LEN);
    f.offset = 65528;
    assert_int_equal(ipv6_frag_emit(&f, out, sizeof(out) - 1), WIRE_NOSPACE);
    assert_int_equal(ipv6_frag_emit(&f, out, sizeof(out)), IPV6_FRAG_HDR_LEN);
    struct ipv6_frag back;
    ipv6_frag_parse(out, &back);
    assert_int_equal(back.offset, 65528);
    assert_true(back.more);
}

/* RFC 7112 5: a first fragment that ends inside the UDP header lacks the
 * chain: Parameter Problem code 3, pointer 0 (HDRC-2, HDRC-4). */
static void test_first_fragment_incomplete_chain(void **state)
{
    (void)state;
    size_t n = 40 + 8 + 4;
    uint8_t *p = dup_exact(first_frag, n);
    put_be16(p + 4, 12);
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, n);
    assert_true(ipv6_ext_next(&it, &e));
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_TRUNCATED);
    assert_int_equal(it.pp_code, IPV6_PP_INCOMPLETE);
    assert_int_equal(it.bad_off, 0);
    free(p);
}

/* ...and one whose chain goes on in a Destination Options header that
 * does not fit. */
static void test_first_fragment_ext_past_end(void **state)
{
    (void)state;
    uint8_t p[40 + 8 + 4] = {0x60, 0, 0, 0, 0, 12, IPV6_NH_FRAGMENT, 64};
    struct ipv6_frag f = {.next_hdr = IPV6_NH_DSTOPTS, .more = true, .id = 9};
    ipv6_frag_emit(&f, p + 40, 8);
    p[48] = IPV6_NH_UDP;
    p[49] = 1; /* 16 bytes, 4 present */
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, sizeof(p));
    assert_true(ipv6_ext_next(&it, &e));
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.pp_code, IPV6_PP_INCOMPLETE);
}

/* A later fragment: the walk stops after the Fragment header; what follows
 * is data, even when it is one byte. */
static void test_later_fragment_stops(void **state)
{
    (void)state;
    uint8_t p[40 + 8 + 1] = {0x60, 0, 0, 0, 0, 9, IPV6_NH_FRAGMENT, 64};
    struct ipv6_frag f = {.next_hdr = IPV6_NH_DSTOPTS, .offset = 1232, .id = 9};
    ipv6_frag_emit(&f, p + 40, 8);
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, sizeof(p));
    assert_true(ipv6_ext_next(&it, &e));
    assert_int_equal(e.frag.offset, 1232);
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_OK);
    assert_true(it.frag_later);
    assert_int_equal(it.off, 48);
}

/* Hop-by-Hop after another header: unrecognized Next Header, the pointer
 * at the octet that names it (RFC 8200 4.1, IP6-3). */
static void test_hbh_not_first(void **state)
{
    (void)state;
    uint8_t p[56] = {0x60, 0, 0, 0, 0, 16, IPV6_NH_DSTOPTS, 64};
    memcpy(p + 40, (uint8_t[]){IPV6_NH_HOPOPTS, 0, 1, 4, 0, 0, 0, 0}, 8);
    memcpy(p + 48, (uint8_t[]){IPV6_NH_NONE, 0, 1, 4, 0, 0, 0, 0}, 8);
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, sizeof(p));
    assert_true(ipv6_ext_next(&it, &e));
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_UNSUPPORTED);
    assert_int_equal(it.pp_code, IPV6_PP_NEXT_HDR);
    assert_int_equal(it.bad_off, 40);
}

/* An extension header longer than the packet, and one whose length octet
 * is missing: dropped without an error message. */
static void test_ext_past_packet(void **state)
{
    (void)state;
    uint8_t p[48] = {0x60, 0, 0, 0, 0, 8, IPV6_NH_DSTOPTS, 64};
    p[41] = 1; /* 16 bytes in an 8-byte payload */
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    uint8_t *c = dup_exact(p, sizeof(p));
    walk_init(&it, c, sizeof(p));
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_TRUNCATED);
    assert_int_equal(it.pp_code, -1);
    free(c);
    c = dup_exact(p, 41);
    walk_init(&it, c, 41);
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_TRUNCATED);
    free(c);
}

/* More headers than the limit, and a chain longer than the byte limit. */
static void test_ext_limits(void **state)
{
    (void)state;
    enum { N = IPV6_EXT_MAX_HDRS + 1 };
    uint8_t p[40 + 8 * N] = {0x60, 0, 0, 0, 0, 8 * N, IPV6_NH_DSTOPTS, 64};
    for (int i = 0; i < N; i++)
        memcpy(p + 40 + 8 * i,
               (uint8_t[]){i + 1 < N ? IPV6_NH_DSTOPTS : IPV6_NH_NONE, 0, 1, 4, 0, 0, 0, 0}, 8);
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, sizeof(p));
    int seen = 0;
    while (ipv6_ext_next(&it, &e))
        seen++;
    assert_int_equal(seen, IPV6_EXT_MAX_HDRS);
    assert_int_equal(it.err, WIRE_BAD_LEN);
    ipv6_ext_iter_init(&it, p, sizeof(p), N, IPV6_EXT_MAX_BYTES);
    while (ipv6_ext_next(&it, &e))
        ;
    assert_int_equal(it.err, WIRE_OK);
    /* 8 * 256 = 2048 bytes in one header: past the byte limit. */
    static uint8_t big[40 + 2048];
    memset(big, 0, sizeof(big));
    memcpy(big, (uint8_t[]){0x60, 0, 0, 0, 0x08, 0x00, IPV6_NH_DSTOPTS, 64}, 8);
    big[40] = IPV6_NH_NONE;
    big[41] = 255;
    walk_init(&it, big, sizeof(big));
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_BAD_LEN);
}

/* No Next Header (59): the walk ends there, whatever follows (IP6-17);
 * an unknown value ends it too, with the pointer for code 1. */
static void test_ext_end_values(void **state)
{
    (void)state;
    uint8_t p[44] = {0x60, 0, 0, 0, 0, 4, IPV6_NH_NONE, 64, [40] = 0xde, 0xad};
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, sizeof(p));
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_OK);
    assert_int_equal(it.nh, IPV6_NH_NONE);
    p[6] = 253;
    walk_init(&it, p, sizeof(p));
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.nh, 253);
    assert_int_equal(it.nh_off, 6);
    assert_false(ipv6_nh_is_ext(253));
    assert_true(ipv6_nh_is_ext(IPV6_NH_AH));
}

/* AH counts its length in 4-octet units (RFC 4302 2.2). */
static void test_ext_ah_length(void **state)
{
    (void)state;
    uint8_t p[40 + 12] = {0x60, 0, 0, 0, 0, 12, IPV6_NH_AH, 64};
    p[40] = IPV6_NH_NONE;
    p[41] = 1; /* (1 + 2) * 4 = 12 */
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, sizeof(p));
    assert_true(ipv6_ext_next(&it, &e));
    assert_int_equal(e.len, 12);
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.err, WIRE_OK);
    assert_int_equal(it.off, 52);
}

/* The two high bits of unknown option types (RFC 8200 4.2, IP6-6..8). */
static void test_opt_action_bits(void **state)
{
    (void)state;
    uint8_t p[40 + 16] = {0x60, 0, 0, 0, 0, 16, IPV6_NH_DSTOPTS, 64};
    memcpy(p + 40, (uint8_t[]){IPV6_NH_NONE, 1, 0x1e, 0, 0x7e, 0, 0xbe, 0, 0xfe, 1, 9,
                               IPV6_OPT_PAD1, IPV6_OPT_PADN, 1, 0, IPV6_OPT_PAD1}, 16);
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    walk_init(&it, p, sizeof(p));
    assert_true(ipv6_ext_next(&it, &e));
    struct ipv6_opt_iter oi;
    struct ipv6_opt o;
    ipv6_opt_iter_init(&oi, &e);
    static const enum ipv6_opt_action want[] = {IPV6_OPT_SKIP, IPV6_OPT_DISCARD,
                                                IPV6_OPT_DISCARD_ICMP,
                                                IPV6_OPT_DISCARD_ICMP_UNICAST};
    for (int i = 0; i < 4; i++) {
        assert_true(ipv6_opt_next(&oi, &o));
        assert_int_equal(ipv6_opt_action(o.type), want[i]);
        assert_int_equal(o.off, 42 + 2 * i);
    }
    assert_int_equal(o.len, 1);
    assert_int_equal(o.data[0], 9);
    assert_false(ipv6_opt_next(&oi, &o));
    assert_int_equal(oi.err, WIRE_OK);
}

/* An option whose length runs past the header, and a type in the last
 * octet with no length: WIRE_BAD_OPTION at the length octet. */
static void test_opt_malformed(void **state)
{
    (void)state;
    uint8_t h1[8] = {IPV6_NH_NONE, 0, 0x3e, 5, 0, 0, 0, 0};
    uint8_t h2[8] = {IPV6_NH_NONE, 0, IPV6_OPT_PADN, 3, 0, 0, 0, 0x3e};
    const uint8_t *hs[] = {h1, h2};
    size_t want_bad[] = {40 + 3, 40 + 8};
    for (int i = 0; i < 2; i++) {
        struct ipv6_ext e = {.type = IPV6_NH_DSTOPTS, .p = hs[i], .len = 8, .off = 40};
        struct ipv6_opt_iter oi;
        struct ipv6_opt o;
        ipv6_opt_iter_init(&oi, &e);
        assert_false(ipv6_opt_next(&oi, &o));
        assert_int_equal(oi.err, WIRE_BAD_OPTION);
        assert_int_equal(oi.bad_off, want_bad[i]);
    }
}

/* The MLD Hop-by-Hop header: as scapy's RouterAlert(value=0). */
static void test_router_alert_emit(void **state)
{
    (void)state;
    uint8_t out[8];
    assert_int_equal(ipv6_hbh_router_alert_emit(IPV6_NH_DSTOPTS, out, sizeof(out)), 8);
    assert_memory_equal(out, ext_chain + 40, 8);
    assert_int_equal(ipv6_hbh_router_alert_emit(58, out, 7), WIRE_NOSPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_text_rfc5952),
        cmocka_unit_test(test_addr_parse_rejects),
        cmocka_unit_test(test_addr_classes),
        cmocka_unit_test(test_header_golden),
        cmocka_unit_test(test_header_tclass_flow_roundtrip),
        cmocka_unit_test(test_header_truncated_every_length),
        cmocka_unit_test(test_header_bad_version),
        cmocka_unit_test(test_header_payload_len),
        cmocka_unit_test(test_pseudo_header_checksum),
        cmocka_unit_test(test_ext_chain_golden),
        cmocka_unit_test(test_ext_routing_type_reported),
        cmocka_unit_test(test_first_fragment_golden),
        cmocka_unit_test(test_frag_emit_errors),
        cmocka_unit_test(test_first_fragment_incomplete_chain),
        cmocka_unit_test(test_first_fragment_ext_past_end),
        cmocka_unit_test(test_later_fragment_stops),
        cmocka_unit_test(test_hbh_not_first),
        cmocka_unit_test(test_ext_past_packet),
        cmocka_unit_test(test_ext_limits),
        cmocka_unit_test(test_ext_end_values),
        cmocka_unit_test(test_ext_ah_length),
        cmocka_unit_test(test_opt_action_bits),
        cmocka_unit_test(test_opt_malformed),
        cmocka_unit_test(test_router_alert_emit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
