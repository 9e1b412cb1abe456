/* IPv4 header (RFC 791, ipv4.h): golden datagrams made with scapy (the
 * expression is above each array), every malformation, and the
 * validation order documented in ipv4.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "wire/csum.h"
#include "wire/ipv4.h"

#define A1 0xcb007101u /* 203.0.113.1 */
#define A2 0xcb007102u /* 203.0.113.2 */

/* IP(src="203.0.113.1", dst="203.0.113.2", id=0x1234, ttl=64, flags="DF")/
 *   ICMP(type=8, id=0x4242, seq=7)/b"abcdefgh" */
static const uint8_t ip_icmp[] = {
    0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0xb0, 0xa0,
    0xcb, 0x00, 0x71, 0x01, 0xcb, 0x00, 0x71, 0x02, 0x08, 0x00, 0x24, 0x21,
    0x42, 0x42, 0x00, 0x07, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};
/* IP(src="203.0.113.1", dst="203.0.113.2", id=1, ttl=64,
 *    options=[IPOption_RR(routers=["0.0.0.0"]), IPOption_NOP(), IPOption_EOL()])/
 *   UDP(sport=1234, dport=53)/b"hello"
 * (options: RR type 7 len 7 ptr 4 + one slot, NOP, EOL, 3 bytes padding) */
static const uint8_t ip_rr[] = {
    0x48, 0x00, 0x00, 0x2d, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xf4, 0xb2,
    0xcb, 0x00, 0x71, 0x01, 0xcb, 0x00, 0x71, 0x02, 0x07, 0x07, 0x04, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0xd2, 0x00, 0x35,
    0x00, 0x0d, 0x3e, 0xf6, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
/* IP(src="203.0.113.1", dst="203.0.113.2", id=0xbeef, ttl=63, tos=0x10, flags="MF", frag=185, proto=17)/Raw(b"x"*16) */
static const uint8_t ip_frag[] = {
    0x45, 0x10, 0x00, 0x24, 0xbe, 0xef, 0x20, 0xb9, 0x3f, 0x11, 0x24, 0x0c,
    0xcb, 0x00, 0x71, 0x01, 0xcb, 0x00, 0x71, 0x02, 0x78, 0x78, 0x78, 0x78,
    0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
};
/* IP(src="203.0.113.1", dst="203.0.113.2", id=2, options=[IPOption_LSRR(routers=["198.51.100.1"]), IPOption_NOP()])/UDP(sport=7, dport=7) */
static const uint8_t ip_lsrr[] = {
    0x47, 0x00, 0x00, 0x24, 0x00, 0x02, 0x00, 0x00, 0x40, 0x11, 0x44, 0x90,
    0xcb, 0x00, 0x71, 0x01, 0xcb, 0x00, 0x71, 0x02, 0x83, 0x07, 0x04, 0xc6,
    0x33, 0x64, 0x01, 0x01, 0x00, 0x07, 0x00, 0x07, 0x00, 0x08, 0x99, 0x99,
};

/* Parses from an exact-size heap copy so ASan catches any overread. */
static int parse_copy(const uint8_t *src, size_t n, bool verify, struct ipv4_hdr *h)
{
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, src, n);
    int rc = ipv4_parse(copy, n, verify, h);
    free(copy);
    return rc;
}

/* Recomputes the header checksum after a test edited a header byte, so
 * the parser reaches the check under test. */
static void fix_csum(uint8_t *b)
{
    size_t hl = (size_t)(b[0] & 0x0f) * 4;
    if (hl < 20)
        hl = 20;
    b[10] = b[11] = 0;
    uint16_t c = csum_buf(b, hl);
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
}

static void test_parse_basic(void **state)
{
    (void)state;
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(ip_icmp, sizeof(ip_icmp), true, &h), WIRE_OK);
    assert_int_equal(h.hdr_len, 20);
    assert_int_equal(h.tos, 0);
    assert_int_equal(h.total_len, 36);
    assert_int_equal(h.id, 0x1234);
    assert_true(h.df);
    assert_false(h.mf);
    assert_int_equal(h.frag_off, 0);
    assert_int_equal(h.ttl, 64);
    assert_int_equal(h.proto, IPV4_PROTO_ICMP);
    assert_int_equal(h.csum, 0xb0a0);
    assert_int_equal(h.src, A1);
    assert_int_equal(h.dst, A2);
    assert_int_equal(h.opt_len, 0);
    assert_false(h.has_source_route);
}

static void test_emit_basic(void **state)
{
    (void)state;
    struct ipv4_hdr h = {.hdr_len = 20, .total_len = 36, .id = 0x1234, .df = true,
                         .ttl = 64, .proto = IPV4_PROTO_ICMP, .src = A1, .dst = A2};
    uint8_t out[20];
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), 20);
    assert_memory_equal(out, ip_icmp, 20);
    assert_int_equal(ipv4_emit(&h, out, 19), WIRE_NOSPACE);
    /* hdr_len 0 is taken as 20 + opt_len. */
    h.hdr_len = 0;
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), 20);
    assert_memory_equal(out, ip_icmp, 20);
}

static void test_fragment_fields(void **state)
{
    (void)state;
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(ip_frag, sizeof(ip_frag), true, &h), WIRE_OK);
    assert_true(h.mf);
    assert_false(h.df);
    assert_int_equal(h.frag_off, 185 * 8);
    assert_int_equal(h.tos, 0x10);
    assert_int_equal(h.ttl, 63);
    assert_int_equal(h.id, 0xbeef);
    assert_int_equal(h.proto, IPV4_PROTO_UDP);
    uint8_t out[20];
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), 20);
    assert_memory_equal(out, ip_frag, 20);
    /* The largest offset (8191 * 8) and both flags survive a round trip. */
    h.frag_off = 8191 * 8;
    h.df = true;
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), 20);
    assert_int_equal(out[6], 0x7f);
    assert_int_equal(out[7], 0xff);
    struct ipv4_hdr back;
    uint8_t dgram[36];
    memcpy(dgram, out, 20);
    memset(dgram + 20, 0, 16);
    assert_int_equal(ipv4_parse(dgram, sizeof(dgram), true, &back), WIRE_OK);
    assert_int_equal(back.frag_off, 8191 * 8);
    assert_true(back.df && back.mf);
    /* An offset that is not a multiple of 8 cannot be encoded. */
    h.frag_off = 1;
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), WIRE_BAD_LEN);
}

static void test_options_parse_and_emit(void **state)
{
    (void)state;
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(ip_rr, sizeof(ip_rr), true, &h), WIRE_OK);
    assert_int_equal(h.hdr_len, 32);
    assert_int_equal(h.opt_len, 12);
    assert_int_equal(h.total_len, 45);
    assert_false(h.has_source_route);
    /* Emit with the options already in place writes the same header. */
    uint8_t out[32];
    memcpy(out + 20, ip_rr + 20, 12);
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), 32);
    assert_memory_equal(out, ip_rr, 32);
    assert_int_equal(ipv4_emit(&h, out, 31), WIRE_NOSPACE);
}

static void test_source_route_flagged(void **state)
{
    (void)state;
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(ip_lsrr, sizeof(ip_lsrr), true, &h), WIRE_OK);
    assert_int_equal(h.hdr_len, 28);
    assert_true(h.has_source_route);
    /* SSRR (137) too. */
    uint8_t b[sizeof(ip_lsrr)];
    memcpy(b, ip_lsrr, sizeof(b));
    b[20] = 137;
    fix_csum(b);
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_OK);
    assert_true(h.has_source_route);
}

static void test_emit_bad_hdr_len(void **state)
{
    (void)state;
    struct ipv4_hdr h = {.hdr_len = 22, .opt_len = 2, .total_len = 40, .ttl = 1};
    uint8_t out[64] = {0};
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), WIRE_BAD_HLEN); /* not a multiple of 4 */
    h.hdr_len = 64;
    h.opt_len = 44;
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), WIRE_BAD_HLEN); /* over 60 */
    h.hdr_len = 24;
    h.opt_len = 0;
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), WIRE_BAD_HLEN); /* disagrees with opt_len */
    h.hdr_len = 24;
    h.opt_len = 4;
    h.total_len = 23;
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), WIRE_BAD_LEN); /* total < header */
    h.total_len = 24;
    assert_int_equal(ipv4_emit(&h, out, sizeof(out)), 24);
    assert_int_equal(out[0], 0x46);
}

static void test_truncated_every_length(void **state)
{
    (void)state;
    struct ipv4_hdr h;
    for (size_t n = 0; n < 20; n++)
        assert_int_equal(parse_copy(ip_icmp, n, true, &h), WIRE_TRUNCATED);
    /* Past the fixed header the total length points past the buffer. */
    for (size_t n = 20; n < sizeof(ip_icmp); n++)
        assert_int_equal(parse_copy(ip_icmp, n, true, &h), WIRE_TRUNCATED);
    for (size_t n = 20; n < sizeof(ip_rr); n++)
        assert_int_equal(parse_copy(ip_rr, n, true, &h), WIRE_TRUNCATED);
    assert_int_equal(parse_copy(ip_rr, sizeof(ip_rr), true, &h), WIRE_OK);
}

static void test_bad_version(void **state)
{
    (void)state;
    uint8_t b[sizeof(ip_icmp)];
    struct ipv4_hdr h;
    for (int v = 0; v < 16; v++) {
        if (v == 4)
            continue;
        memcpy(b, ip_icmp, sizeof(b));
        b[0] = (uint8_t)(v << 4 | 5);
        fix_csum(b);
        assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_VERSION);
    }
}

static void test_ihl_below_5(void **state)
{
    (void)state;
    uint8_t b[sizeof(ip_icmp)];
    struct ipv4_hdr h;
    for (int ihl = 0; ihl < 5; ihl++) {
        memcpy(b, ip_icmp, sizeof(b));
        b[0] = (uint8_t)(0x40 | ihl);
        assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_HLEN);
    }
}

/* total_len below the header length (including IHL past total_len). */
static void test_total_len_below_hdr_len(void **state)
{
    (void)state;
    uint8_t b[sizeof(ip_rr)];
    struct ipv4_hdr h;
    memcpy(b, ip_icmp, sizeof(ip_icmp));
    for (unsigned tl = 0; tl < 20; tl++) {
        b[2] = 0;
        b[3] = (uint8_t)tl;
        assert_int_equal(parse_copy(b, sizeof(ip_icmp), false, &h), WIRE_BAD_LEN);
    }
    memcpy(b, ip_rr, sizeof(ip_rr));
    b[3] = 31; /* header is 32 */
    assert_int_equal(parse_copy(b, sizeof(ip_rr), false, &h), WIRE_BAD_LEN);
    /* IHL 15 (60 bytes) in a 45-byte datagram: the header runs past it. */
    memcpy(b, ip_rr, sizeof(ip_rr));
    b[0] = 0x4f;
    assert_int_equal(parse_copy(b, sizeof(ip_rr), false, &h), WIRE_BAD_LEN);
}

static void test_total_len_past_buffer(void **state)
{
    (void)state;
    uint8_t b[sizeof(ip_icmp)];
    memcpy(b, ip_icmp, sizeof(b));
    b[3] = sizeof(ip_icmp) + 1;
    fix_csum(b);
    struct ipv4_hdr h;
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_TRUNCATED);
    b[2] = 0xff;
    b[3] = 0xff;
    fix_csum(b);
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_TRUNCATED);
}

/* Ethernet pads short frames: bytes after total_len are not ours. */
static void test_padding_beyond_total_len(void **state)
{
    (void)state;
    uint8_t b[46];
    memset(b, 0xaa, sizeof(b));
    memcpy(b, ip_icmp, sizeof(ip_icmp));
    struct ipv4_hdr h;
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_OK);
    assert_int_equal(h.total_len, 36);
}

static void test_bad_checksum(void **state)
{
    (void)state;
    uint8_t b[sizeof(ip_icmp)];
    struct ipv4_hdr h;
    /* Any single-bit flip in the header breaks it. */
    for (size_t bit = 0; bit < 20 * 8; bit++) {
        memcpy(b, ip_icmp, sizeof(b));
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        int rc = parse_copy(b, sizeof(b), true, &h);
        if (bit / 8 == 0 && (bit % 8) >= 4)
            assert_int_equal(rc, WIRE_BAD_VERSION);
        else if (bit / 8 == 0)
            assert_true(rc == WIRE_BAD_HLEN || rc == WIRE_BAD_LEN || rc == WIRE_BAD_CSUM);
        else if (bit / 8 == 2 || bit / 8 == 3)
            assert_true(rc == WIRE_BAD_LEN || rc == WIRE_TRUNCATED || rc == WIRE_BAD_CSUM);
        else
            assert_int_equal(rc, WIRE_BAD_CSUM);
    }
    /* Payload bytes are not covered by the header checksum. */
    memcpy(b, ip_icmp, sizeof(b));
    b[30] ^= 0xff;
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_OK);
    /* Without verification a bad checksum passes and is reported as is. */
    memcpy(b, ip_icmp, sizeof(b));
    b[11] ^= 1;
    assert_int_equal(parse_copy(b, sizeof(b), false, &h), WIRE_OK);
    assert_int_equal(h.csum, 0xb0a1);
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_CSUM);
}

/* ip_rr with its 12 option bytes replaced, checksum fixed. */
static int parse_with_options(const uint8_t opts[12], struct ipv4_hdr *h)
{
    uint8_t b[sizeof(ip_rr)];
    memcpy(b, ip_rr, sizeof(b));
    memcpy(b + 20, opts, 12);
    fix_csum(b);
    return parse_copy(b, sizeof(b), true, h);
}

static void test_option_length_0_and_1(void **state)
{
    (void)state;
    struct ipv4_hdr h;
    const uint8_t len0[12] = {7, 0, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    const uint8_t len1[12] = {1, 1, 68, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(parse_with_options(len0, &h), WIRE_BAD_OPTION);
    assert_int_equal(parse_with_options(len1, &h), WIRE_BAD_OPTION);
}

static void test_option_past_header(void **state)
{
    (void)state;
    struct ipv4_hdr h;
    const uint8_t past[12] = {1, 1, 1, 1, 7, 9, 4, 0, 0, 0, 0, 0};      /* 8 + 9 > 12 */
    const uint8_t exact[12] = {1, 1, 1, 1, 7, 8, 4, 0, 0, 0, 0, 0};     /* ends at 12 */
    const uint8_t nolen[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x44}; /* type, no length */
    const uint8_t big[12] = {0x44, 0xff, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(parse_with_options(past, &h), WIRE_BAD_OPTION);
    assert_int_equal(parse_with_options(exact, &h), WIRE_OK);
    assert_int_equal(parse_with_options(nolen, &h), WIRE_BAD_OPTION);
    assert_int_equal(parse_with_options(big, &h), WIRE_BAD_OPTION);
}

/* After EOL the rest is padding, whatever it holds. */
static void test_option_eol_ends_list(void **state)
{
    (void)state;
    struct ipv4_hdr h;
    const uint8_t eol[12] = {1, 0, 7, 0, 0xff, 1, 0, 0, 0, 0, 0, 0};
    const uint8_t nops[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const uint8_t unknown[12] = {0x99, 4, 0xab, 0xcd, 0x44, 8, 5, 0, 0, 0, 0, 0};
    assert_int_equal(parse_with_options(eol, &h), WIRE_OK);
    assert_int_equal(parse_with_options(nops, &h), WIRE_OK);
    assert_int_equal(parse_with_options(unknown, &h), WIRE_OK); /* ignored */
    assert_false(h.has_source_route);
    bool sr = true;
    assert_int_equal(ipv4_check_options(NULL, 0, &sr), WIRE_OK);
    assert_false(sr);
    assert_int_equal(ipv4_check_options(eol, 12, NULL), WIRE_OK);
}

/* Checks run in the documented order: version before IHL before lengths
 * before checksum before options. */
/* The option iterator: NOPs skipped, each option with its type, length,
 * offset and bytes, the walk ends at EOL (padding after it unread). */
static void test_opt_iter_walk(void **state)
{
    (void)state;
    /* NOP, RR (len 7), NOP, NOP, LSRR (len 7), EOL, junk that is padding */
    const uint8_t opts[] = {1, 7, 7, 4, 0, 0, 0, 0, 1, 1, 131, 7, 4, 9, 9, 9, 9, 0, 0xff, 0x01};
    struct ipv4_opt_iter it;
    struct ipv4_opt o;
    ipv4_opt_iter_init(&it, opts, sizeof(opts));
    assert_true(ipv4_opt_next(&it, &o));
    assert_int_equal(o.type, 7);
    assert_int_equal(o.len, 7);
    assert_int_equal(o.off, 1);
    assert_ptr_equal(o.p, opts + 1);
    assert_true(ipv4_opt_next(&it, &o));
    assert_int_equal(o.type, IPV4_OPT_LSRR);
    assert_int_equal(o.off, 10);
    assert_memory_equal(o.p + 3, "\x09\x09\x09\x09", 4);
    assert_false(ipv4_opt_next(&it, &o));
    assert_int_equal(it.err, WIRE_OK);
    assert_int_equal(it.off, 17); /* the EOL: the used part of the list */
    assert_false(ipv4_opt_next(&it, &o)); /* and it stays ended */
    /* NULL or empty: nothing, no error; only NOPs: off = len. */
    ipv4_opt_iter_init(&it, NULL, 8);
    assert_false(ipv4_opt_next(&it, &o));
    assert_int_equal(it.err, WIRE_OK);
    const uint8_t nops[] = {1, 1, 1};
    ipv4_opt_iter_init(&it, nops, sizeof(nops));
    assert_false(ipv4_opt_next(&it, &o));
    assert_int_equal(it.off, 3);
}

/* The walk as src/ wrote it by hand before the iterator: the oracle. */
static int ref_check_options(const uint8_t *opts, size_t len)
{
    size_t i = 0;
    while (i < len && opts[i] != IPV4_OPT_EOL) {
        if (opts[i] == IPV4_OPT_NOP) {
            i++;
            continue;
        }
        if (len - i < 2 || opts[i + 1] < 2 || opts[i + 1] > len - i)
            return WIRE_BAD_OPTION;
        i += opts[i + 1];
    }
    return WIRE_OK;
}

/* Every malformation stops the walk with the offending octet, and no
 * option is ever returned that reaches past the list. */
static void test_opt_iter_bounds(void **state)
{
    (void)state;
    struct ipv4_opt_iter it;
    struct ipv4_opt o;
    const uint8_t no_len[] = {1, 1, 68}; /* a type with no length octet */
    ipv4_opt_iter_init(&it, no_len, sizeof(no_len));
    assert_false(ipv4_opt_next(&it, &o));
    assert_int_equal(it.err, WIRE_BAD_OPTION);
    assert_int_equal(it.bad_off, 2);
    for (uint8_t bad = 0; bad < 2; bad++) { /* length 0 and 1 */
        const uint8_t short_len[] = {7, 3, 4, 68, bad, 0, 0, 0};
        ipv4_opt_iter_init(&it, short_len, sizeof(short_len));
        assert_true(ipv4_opt_next(&it, &o));
        assert_false(ipv4_opt_next(&it, &o));
        assert_int_equal(it.err, WIRE_BAD_OPTION);
        assert_int_equal(it.bad_off, 4);
    }
    const uint8_t past[] = {1, 7, 8, 4, 0, 0, 0, 0}; /* 8 octets from offset 1 */
    ipv4_opt_iter_init(&it, past, sizeof(past));
    assert_false(ipv4_opt_next(&it, &o));
    assert_int_equal(it.bad_off, 2);
    /* Every list of up to 4 octets from a small alphabet: whatever is
     * returned lies inside, and malformed iff the hand-written walk said so. */
    const uint8_t alpha[] = {0, 1, 2, 3, 7, 131};
    uint8_t l[4];
    for (unsigned n = 0; n <= 4; n++) {
        unsigned total = 1;
        for (unsigned k = 0; k < n; k++)
            total *= sizeof(alpha);
        for (unsigned v = 0; v < total; v++) {
            unsigned x = v;
            for (unsigned k = 0; k < n; k++, x /= sizeof(alpha))
                l[k] = alpha[x % sizeof(alpha)];
            ipv4_opt_iter_init(&it, l, n);
            while (ipv4_opt_next(&it, &o))
                assert_true(o.off + o.len <= n && o.len >= 2);
            assert_int_equal(it.err, ref_check_options(l, n));
        }
    }
}

static void test_validation_order(void **state)
{
    (void)state;
    uint8_t b[sizeof(ip_rr)];
    struct ipv4_hdr h;
    memcpy(b, ip_rr, sizeof(b));
    b[0] = 0x63; /* version 6 and IHL 3 */
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_VERSION);
    memcpy(b, ip_rr, sizeof(b));
    b[0] = 0x43;
    b[3] = 0xff; /* IHL 3 and total length past the buffer */
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_HLEN);
    memcpy(b, ip_rr, sizeof(b));
    b[3] = 0xff;
    b[11] ^= 1; /* total length past the buffer and a bad checksum */
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_TRUNCATED);
    memcpy(b, ip_rr, sizeof(b));
    b[21] = 0; /* bad option length, checksum left stale */
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_CSUM);
    assert_int_equal(parse_copy(b, sizeof(b), false, &h), WIRE_BAD_OPTION);
}

/* Random headers (with NOP-filled options) survive emit then parse. */
static void test_random_round_trip(void **state)
{
    (void)state;
    struct ust_rng r;
    rng_seed(&r, 791);
    for (int i = 0; i < 5000; i++) {
        uint8_t opt_len = (uint8_t)(4 * (rng_next(&r) % 11));
        struct ipv4_hdr h = {.hdr_len = (uint8_t)(20 + opt_len), .opt_len = opt_len};
        h.tos = (uint8_t)rng_next(&r);
        h.id = (uint16_t)rng_next(&r);
        h.df = rng_next(&r) & 1;
        h.mf = rng_next(&r) & 1;
        h.frag_off = (uint16_t)(8 * (rng_next(&r) % 8192));
        h.ttl = (uint8_t)rng_next(&r);
        h.proto = (uint8_t)rng_next(&r);
        h.src = (uint32_t)rng_next(&r);
        h.dst = (uint32_t)rng_next(&r);
        h.total_len = (uint16_t)(h.hdr_len + rng_next(&r) % 64);
        uint8_t b[60 + 64];
        memset(b + 20, IPV4_OPT_NOP, opt_len);
        assert_int_equal(ipv4_emit(&h, b, sizeof(b)), h.hdr_len);
        struct ipv4_hdr back;
        assert_int_equal(parse_copy(b, h.total_len, true, &back), WIRE_OK);
        assert_int_equal(back.hdr_len, h.hdr_len);
        assert_int_equal(back.opt_len, h.opt_len);
        assert_int_equal(back.tos, h.tos);
        assert_int_equal(back.total_len, h.total_len);
        assert_int_equal(back.id, h.id);
        assert_int_equal(back.df, h.df);
        assert_int_equal(back.mf, h.mf);
        assert_int_equal(back.frag_off, h.frag_off);
        assert_int_equal(back.ttl, h.ttl);
        assert_int_equal(back.proto, h.proto);
        assert_int_equal(back.src, h.src);
        assert_int_equal(back.dst, h.dst);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_opt_iter_walk),
        cmocka_unit_test(test_opt_iter_bounds),
        cmocka_unit_test(test_emit_basic),
        cmocka_unit_test(test_fragment_fields),
        cmocka_unit_test(test_options_parse_and_emit),
        cmocka_unit_test(test_source_route_flagged),
        cmocka_unit_test(test_emit_bad_hdr_len),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_ihl_below_5),
        cmocka_unit_test(test_total_len_below_hdr_len),
        cmocka_unit_test(test_total_len_past_buffer),
        cmocka_unit_test(test_padding_beyond_total_len),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_option_length_0_and_1),
        cmocka_unit_test(test_option_past_header),
        cmocka_unit_test(test_option_eol_ends_list),
        cmocka_unit_test(test_validation_order),
        cmocka_unit_test(test_random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
