/* Neighbor Discovery (nd.h, RFC 4861; RDNSS RFC 8106): the five messages,
 * the option walk and the typed options, and the wire-level validity rules
 * of RFC 4861 6.1.2, 7.1.1, 7.1.2 and 8.1, one test per rule.
 * Golden packets made with scapy 2.5 (the expression above each array;
 * bytes(...) printed as C). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/nd.h"
#include "wire/wbuf.h"

/* IPv6(src="fe80::1", dst="ff02::1", hlim=255)/ICMPv6ND_RA(chlim=64, M=1, O=0, routerlifetime=1800, reachabletime=30000, retranstimer=1000)/ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01")/ICMPv6NDOptMTU(mtu=1500)/ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400, preferredlifetime=14400, prefix="2001:db8:1::")/ICMPv6NDOptRDNSS(lifetime=600, dns=["2001:db8::53", "2001:db8::54"]) */
static const uint8_t ra[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x68, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x86, 0x00, 0x3a, 0x99, 0x40, 0x88, 0x07, 0x08,
    0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x03, 0xe8, 0x01, 0x01, 0x02, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc,
    0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00, 0x38, 0x40,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x02, 0x58, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54,
};
/* IPv6(src="2001:db8::1", dst="ff02::1:ff00:2", hlim=255)/ICMPv6ND_NS(tgt="2001:db8::2")/ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01") */
static const uint8_t ns[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0x1c, 0x27, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
};
/* IPv6(src="::", dst="ff02::1:ff00:2", hlim=255)/ICMPv6ND_NS(tgt="2001:db8::2") */
static const uint8_t ns_dad[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0xff, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0x4c, 0xeb, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02,
};
/* IPv6(src="2001:db8::2", dst="2001:db8::1", hlim=255)/ICMPv6ND_NA(R=0, S=1, O=1, tgt="2001:db8::2")/ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:02") */
static const uint8_t na[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x8a, 0x71, 0x60, 0x00, 0x00, 0x00,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
};
/* IPv6(src="fe80::2", dst="ff02::2", hlim=255)/ICMPv6ND_RS()/ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:02") */
static const uint8_t rs[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x85, 0x00, 0x7a, 0x2a, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
};
/* IPv6(src="fe80::1", dst="2001:db8::2", hlim=255)/ICMPv6ND_Redirect(tgt="fe80::99", dst="2001:db8:5::5")/ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:99")/ICMPv6NDOptRedirectedHdr(pkt=bytes(IPv6(src="2001:db8::2", dst="2001:db8:5::5")/UDP(sport=1,dport=2))) */
static const uint8_t redirect[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x68, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x89, 0x00, 0xa3, 0x72, 0x00, 0x00, 0x00, 0x00,
    0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x99, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x01, 0x02, 0x00,
    0x00, 0x00, 0x00, 0x99, 0x04, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0x00, 0x02, 0x00, 0x08, 0xa4, 0x5d,
};

static struct ipv6_addr addr(const char *s)
{
    struct ipv6_addr a;
    assert_int_equal(ipv6_addr_parse(s, &a), 0);
    return a;
}

/* A golden packet taken apart: its header and an exact-size copy of the
 * ICMPv6 message (tests change either before nd_parse). */
struct nd_case {
    struct ipv6_hdr ip;
    uint8_t *msg;
    size_t len;
};

static void case_open(struct nd_case *c, const uint8_t *pkt, size_t n)
{
    assert_int_equal(ipv6_parse(pkt, n, &c->ip), WIRE_OK);
    c->len = n - IPV6_HDR_LEN;
    c->msg = malloc(c->len);
    memcpy(c->msg, pkt + IPV6_HDR_LEN, c->len);
    struct icmpv6_hdr h;
    assert_int_equal(icmpv6_parse(c->msg, c->len, &c->ip.src, &c->ip.dst, true, &h), WIRE_OK);
}

static int case_parse(struct nd_case *c, struct nd_msg *m)
{
    struct nd_ip ip = {.src = &c->ip.src, .dst = &c->ip.dst, .hop_limit = c->ip.hop_limit};
    return nd_parse(c->msg, c->len, &ip, m);
}

/* Parses the golden packet as it is: WIRE_OK expected. m points into the
 * returned copy; the caller frees it. */
static uint8_t *golden(const uint8_t *pkt, size_t n, struct nd_msg *m)
{
    struct nd_case c;
    case_open(&c, pkt, n);
    assert_int_equal(case_parse(&c, m), WIRE_OK);
    return c.msg;
}

/* Parses the golden packet after `change` and expects `want`. */
static void expect_drop(const uint8_t *pkt, size_t n, void (*change)(struct nd_case *), int want)
{
    struct nd_case c;
    case_open(&c, pkt, n);
    change(&c);
    struct nd_msg m;
    assert_int_equal(case_parse(&c, &m), want);
    free(c.msg);
}

static void test_ra_golden(void **state)
{
    (void)state;
    struct nd_msg m;
    uint8_t *keep = golden(ra, sizeof(ra), &m);
    assert_int_equal(m.type, ICMPV6_ND_RA);
    assert_int_equal(m.cur_hop_limit, 64);
    /* M, and scapy's default Router Preference 01 (RFC 4191 2.2, bits 0x18) */
    assert_int_equal(m.ra_flags, ND_RA_MANAGED | 0x08);
    assert_int_equal(m.router_lifetime, 1800);
    assert_int_equal(m.reachable_time, 30000);
    assert_int_equal(m.retrans_timer, 1000);
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, m.opts, m.opts_len);
    assert_true(nd_opt_next(&it, &o));
    const uint8_t *ll;
    size_t ll_len;
    assert_int_equal(nd_opt_lladdr(&o, &ll, &ll_len), WIRE_OK);
    assert_int_equal(ll_len, 6);
    assert_memory_equal(ll, "\x02\x00\x00\x00\x00\x01", 6);
    assert_true(nd_opt_next(&it, &o));
    uint32_t mtu;
    assert_int_equal(nd_opt_mtu(&o, &mtu), WIRE_OK);
    assert_int_equal(mtu, 1500);
    assert_true(nd_opt_next(&it, &o));
    struct nd_prefix_info pi;
    assert_int_equal(nd_opt_prefix(&o, &pi), WIRE_OK);
    assert_int_equal(pi.prefix_len, 64);
    assert_int_equal(pi.flags, ND_PIO_ONLINK | ND_PIO_AUTO);
    assert_int_equal(pi.valid_lifetime, 86400);
    assert_int_equal(pi.preferred_lifetime, 14400);
    struct ipv6_addr want = addr("2001:db8:1::");
    assert_true(ipv6_addr_eq(&pi.prefix, &want));
    assert_true(nd_opt_next(&it, &o));
    uint32_t life;
    size_t count;
    assert_int_equal(nd_opt_rdnss(&o, &life, &count), WIRE_OK);
    assert_int_equal(life, 600);
    assert_int_equal(count, 2);
    struct ipv6_addr dns, want_dns = addr("2001:db8::54");
    nd_opt_rdnss_addr(&o, 1, &dns);
    assert_true(ipv6_addr_eq(&dns, &want_dns));
    assert_false(nd_opt_next(&it, &o));
    assert_int_equal(it.err, WIRE_OK);
    free(keep);
}

/* The RA rebuilt from its fields with the emitters, byte for byte. */
static void test_ra_emit_golden(void **state)
{
    (void)state;
    struct nd_msg m;
    uint8_t *keep = golden(ra, sizeof(ra), &m);
    uint8_t out[sizeof(ra) - IPV6_HDR_LEN];
    int n = nd_emit(&m, out, sizeof(out));
    assert_int_equal(n, ND_RA_LEN);
    n += nd_opt_lladdr_emit(ND_OPT_SLLA, (const uint8_t *)"\x02\x00\x00\x00\x00\x01", out + n,
                            sizeof(out) - (size_t)n);
    n += nd_opt_mtu_emit(1500, out + n, sizeof(out) - (size_t)n);
    struct nd_prefix_info pi = {.prefix_len = 64, .flags = ND_PIO_ONLINK | ND_PIO_AUTO,
                                .valid_lifetime = 86400, .preferred_lifetime = 14400,
                                .prefix = addr("2001:db8:1::")};
    n += nd_opt_prefix_emit(&pi, out + n, sizeof(out) - (size_t)n);
    memcpy(out + n, ra + IPV6_HDR_LEN + n, sizeof(out) - (size_t)n); /* RDNSS as received */
    struct ipv6_addr s = addr("fe80::1"), d = addr("ff02::1");
    icmpv6_set_csum(out, sizeof(out), &s, &d);
    assert_memory_equal(out, ra + IPV6_HDR_LEN, sizeof(out));
    assert_int_equal(nd_opt_mtu_emit(1, out, 7), WIRE_NOSPACE);
    assert_int_equal(nd_opt_prefix_emit(&pi, out, 31), WIRE_NOSPACE);
    assert_int_equal(nd_opt_lladdr_emit(ND_OPT_TLLA, out, out, 7), WIRE_NOSPACE);
    assert_int_equal(nd_emit(&m, out, ND_RA_LEN - 1), WIRE_NOSPACE);
    free(keep);
}

static void test_ns_na_rs_golden(void **state)
{
    (void)state;
    struct nd_msg m;
    struct ipv6_addr tgt = addr("2001:db8::2");
    uint8_t *keep = golden(ns, sizeof(ns), &m);
    assert_int_equal(m.type, ICMPV6_ND_NS);
    assert_true(ipv6_addr_eq(&m.target, &tgt));
    assert_int_equal(m.opts_len, 8);
    assert_int_equal(m.opts[0], ND_OPT_SLLA);
    free(keep);
    keep = golden(ns_dad, sizeof(ns_dad), &m); /* DAD: from ::, no SLLA */
    assert_int_equal(m.opts_len, 0);
    free(keep);
    keep = golden(na, sizeof(na), &m);
    assert_int_equal(m.type, ICMPV6_ND_NA);
    assert_false(m.router);
    assert_true(m.solicited);
    assert_true(m.override);
    assert_true(ipv6_addr_eq(&m.target, &tgt));
    assert_int_equal(m.opts[0], ND_OPT_TLLA);
    free(keep);
    keep = golden(rs, sizeof(rs), &m);
    assert_int_equal(m.type, ICMPV6_ND_RS);
    assert_int_equal(m.opts_len, 8);
    /* NS and NA rebuilt with nd_emit + the link-layer option. */
    uint8_t out[32];
    struct nd_msg e = {.type = ICMPV6_ND_NA, .solicited = true, .override = true, .target = tgt};
    int n = nd_emit(&e, out, sizeof(out));
    n += nd_opt_lladdr_emit(ND_OPT_TLLA, (const uint8_t *)"\x02\x00\x00\x00\x00\x02", out + n, 8);
    assert_int_equal(n, 32);
    struct ipv6_addr s = addr("2001:db8::2"), d = addr("2001:db8::1");
    icmpv6_set_csum(out, 32, &s, &d);
    assert_memory_equal(out, na + IPV6_HDR_LEN, 32);
    free(keep);
}

static void test_redirect_golden(void **state)
{
    (void)state;
    struct nd_msg m;
    uint8_t *keep = golden(redirect, sizeof(redirect), &m);
    struct ipv6_addr tgt = addr("fe80::99"), dst = addr("2001:db8:5::5");
    assert_true(ipv6_addr_eq(&m.target, &tgt));
    assert_true(ipv6_addr_eq(&m.dest, &dst));
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, m.opts, m.opts_len);
    assert_true(nd_opt_next(&it, &o));
    assert_int_equal(o.type, ND_OPT_TLLA);
    assert_true(nd_opt_next(&it, &o));
    const uint8_t *q;
    size_t qlen;
    assert_int_equal(nd_opt_redirected(&o, &q, &qlen), WIRE_OK);
    assert_int_equal(qlen, 48);
    struct ipv6_hdr inner;
    assert_int_equal(ipv6_parse(q, qlen, &inner), WIRE_OK);
    assert_true(ipv6_addr_eq(&inner.dst, &dst));
    assert_false(nd_opt_next(&it, &o));
    free(keep);
}

/* ---- one test per validity rule ---- */
static void hop_254(struct nd_case *c) { c->ip.hop_limit = 254; }
static void code_1(struct nd_case *c) { c->msg[1] = 1; }
static void opt_len_0(struct nd_case *c) { c->msg[ND_NS_LEN + 1] = 0; }
static void opt_past_end(struct nd_case *c) { c->msg[ND_NS_LEN + 1] = 2; }
static void opt_one_octet(struct nd_case *c) { c->len = ND_NS_LEN + 1; }
static void src_global(struct nd_case *c) { c->ip.src = addr("2001:db8::1"); }
static void target_mcast(struct nd_case *c) { c->msg[8] = 0xff; }
static void dst_not_sn(struct nd_case *c) { c->ip.dst = addr("ff02::1"); }
static void src_unspec(struct nd_case *c) { c->ip.src = addr("::"); }
static void dst_mcast(struct nd_case *c) { c->ip.dst = addr("ff02::1"); }
static void dest_mcast(struct nd_case *c) { c->msg[24] = 0xff; }
static void target_global(struct nd_case *c) { c->msg[8] = 0x20; }

/* ND-4..7: Hop Limit 255 and code 0 for every message. */
static void test_hop_limit_and_code(void **state)
{
    (void)state;
    const struct { const uint8_t *p; size_t n; } all[] = {
        {ra, sizeof(ra)}, {ns, sizeof(ns)}, {na, sizeof(na)}, {rs, sizeof(rs)},
        {redirect, sizeof(redirect)},
    };
    for (size_t i = 0; i < 5; i++) {
        expect_drop(all[i].p, all[i].n, hop_254, WIRE_UNSUPPORTED);
        expect_drop(all[i].p, all[i].n, code_1, WIRE_UNSUPPORTED);
    }
}

/* ND-4..7: a message shorter than its fixed part, at every length. */
static void test_short_fixed_part(void **state)
{
    (void)state;
    const struct { const uint8_t *p; size_t fixed; } all[] = {
        {ra, ND_RA_LEN}, {ns, ND_NS_LEN}, {na, ND_NA_LEN}, {rs, ND_RS_LEN},
        {redirect, ND_REDIRECT_LEN},
    };
    for (size_t i = 0; i < 5; i++) {
        struct ipv6_hdr ip;
        ipv6_parse(all[i].p, IPV6_HDR_LEN, &ip);
        struct nd_ip nip = {.src = &ip.src, .dst = &ip.dst, .hop_limit = 255};
        for (size_t n = 0; n < all[i].fixed; n++) {
            uint8_t *m = malloc(n ? n : 1);
            memcpy(m, all[i].p + IPV6_HDR_LEN, n);
            struct nd_msg msg;
            assert_int_equal(nd_parse(m, n, &nip, &msg), WIRE_TRUNCATED);
            free(m);
        }
    }
}

/* RFC 4861 4.6: length 0, an option past the end, a lone octet. */
static void test_option_malformed(void **state)
{
    (void)state;
    expect_drop(ns, sizeof(ns), opt_len_0, WIRE_BAD_OPTION);
    expect_drop(ns, sizeof(ns), opt_past_end, WIRE_BAD_OPTION);
    expect_drop(ns, sizeof(ns), opt_one_octet, WIRE_BAD_OPTION);
    struct nd_opt_iter it;
    struct nd_opt o;
    const uint8_t zero_len[16] = {ND_OPT_MTU, 1, 0, 0, 0, 0, 5, 0xdc, 99, 0};
    nd_opt_iter_init(&it, zero_len, sizeof(zero_len));
    assert_true(nd_opt_next(&it, &o));
    assert_false(nd_opt_next(&it, &o));
    assert_int_equal(it.err, WIRE_BAD_OPTION);
    assert_int_equal(it.bad_off, 8);
}

/* ND-1: an unknown option is walked over and the message kept. */
static void test_unknown_option_ignored(void **state)
{
    (void)state;
    uint8_t m[ND_NS_LEN + 16];
    memcpy(m, ns + IPV6_HDR_LEN, ND_NS_LEN + 8);
    memcpy(m + ND_NS_LEN + 8, (uint8_t[]){99, 1, 1, 2, 3, 4, 5, 6}, 8);
    struct ipv6_addr s = addr("2001:db8::1"), d = addr("ff02::1:ff00:2");
    struct nd_ip ip = {.src = &s, .dst = &d, .hop_limit = 255};
    struct nd_msg msg;
    assert_int_equal(nd_parse(m, sizeof(m), &ip, &msg), WIRE_OK);
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, msg.opts, msg.opts_len);
    assert_true(nd_opt_next(&it, &o));
    assert_true(nd_opt_next(&it, &o));
    assert_int_equal(o.type, 99);
    assert_int_equal(nd_opt_mtu(&o, &(uint32_t){0}), WIRE_BAD_LEN);
}

/* ND-4: RA only from a link-local source. */
static void test_ra_source_not_link_local(void **state)
{
    (void)state;
    expect_drop(ra, sizeof(ra), src_global, WIRE_UNSUPPORTED);
}

/* ND-5: NS target multicast; from :: only to a solicited-node group and
 * without SLLA. */
static void test_ns_rules(void **state)
{
    (void)state;
    expect_drop(ns, sizeof(ns), target_mcast, WIRE_UNSUPPORTED);
    expect_drop(ns_dad, sizeof(ns_dad), dst_not_sn, WIRE_UNSUPPORTED);
    expect_drop(ns, sizeof(ns), src_unspec, WIRE_UNSUPPORTED); /* :: with SLLA */
}

/* ND-6: NA target multicast; S=1 to a multicast destination. */
static void test_na_rules(void **state)
{
    (void)state;
    expect_drop(na, sizeof(na), target_mcast, WIRE_UNSUPPORTED);
    expect_drop(na, sizeof(na), dst_mcast, WIRE_UNSUPPORTED);
}

/* ND-7: Redirect from a global source, to a multicast destination, with a
 * target neither link-local nor the destination. */
static void test_redirect_rules(void **state)
{
    (void)state;
    expect_drop(redirect, sizeof(redirect), src_global, WIRE_UNSUPPORTED);
    expect_drop(redirect, sizeof(redirect), dest_mcast, WIRE_UNSUPPORTED);
    expect_drop(redirect, sizeof(redirect), target_global, WIRE_UNSUPPORTED);
}

static void test_not_nd(void **state)
{
    (void)state;
    struct ipv6_addr s = addr("fe80::1");
    struct nd_ip ip = {.src = &s, .dst = &s, .hop_limit = 255};
    struct nd_msg m;
    assert_int_equal(nd_parse((const uint8_t *)"\x80\x00\x00\x00", 4, &ip, &m), WIRE_UNSUPPORTED);
    assert_int_equal(nd_parse((const uint8_t *)"", 0, &ip, &m), WIRE_TRUNCATED);
    assert_int_equal(nd_emit(&(struct nd_msg){.type = 128}, (uint8_t[64]){0}, 64), WIRE_UNSUPPORTED);
}

/* Typed options whose length does not fit their type (RFC 4861 4.6.2,
 * 4.6.4, RFC 8106 5.1): WIRE_BAD_LEN, the option is ignored. */
static void test_typed_option_lengths(void **state)
{
    (void)state;
    uint8_t b[40] = {0};
    struct nd_opt o = {.type = ND_OPT_PREFIX, .len = 16, .p = b};
    struct nd_prefix_info pi;
    assert_int_equal(nd_opt_prefix(&o, &pi), WIRE_BAD_LEN);
    o.len = 32;
    b[2] = 129;
    assert_int_equal(nd_opt_prefix(&o, &pi), WIRE_BAD_LEN);
    b[2] = 128;
    assert_int_equal(nd_opt_prefix(&o, &pi), WIRE_OK);
    uint32_t mtu, life;
    size_t count;
    o = (struct nd_opt){.type = ND_OPT_MTU, .len = 16, .p = b};
    assert_int_equal(nd_opt_mtu(&o, &mtu), WIRE_BAD_LEN);
    o = (struct nd_opt){.type = ND_OPT_RDNSS, .len = 8, .p = b};
    assert_int_equal(nd_opt_rdnss(&o, &life, &count), WIRE_BAD_LEN);
    o.len = 32;
    assert_int_equal(nd_opt_rdnss(&o, &life, &count), WIRE_BAD_LEN);
    o.len = 40;
    assert_int_equal(nd_opt_rdnss(&o, &life, &count), WIRE_OK);
    assert_int_equal(count, 2);
    const uint8_t *ll;
    size_t n;
    assert_int_equal(nd_opt_lladdr(&o, &ll, &n), WIRE_BAD_LEN);
    assert_int_equal(nd_opt_redirected(&o, &ll, &n), WIRE_BAD_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ra_golden),
        cmocka_unit_test(test_ra_emit_golden),
        cmocka_unit_test(test_ns_na_rs_golden),
        cmocka_unit_test(test_redirect_golden),
        cmocka_unit_test(test_hop_limit_and_code),
        cmocka_unit_test(test_short_fixed_part),
        cmocka_unit_test(test_option_malformed),
        cmocka_unit_test(test_unknown_option_ignored),
        cmocka_unit_test(test_ra_source_not_link_local),
        cmocka_unit_test(test_ns_rules),
        cmocka_unit_test(test_na_rules),
        cmocka_unit_test(test_redirect_rules),
        cmocka_unit_test(test_not_nd),
        cmocka_unit_test(test_typed_option_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
