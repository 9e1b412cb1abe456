/* TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018; tcp.h).
 * Golden segments made with scapy (the expression is above each array; IP
 * header removed, the pseudo-header addresses are 203.0.113.1 -> .2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "wire/csum.h"
#include "wire/tcp.h"

#define A1 0xcb007101u /* 203.0.113.1 */
#define A2 0xcb007102u /* 203.0.113.2 */

/* TCP(sport=40000, dport=80, seq=1000, flags="S", window=64240,
 *     options=[("MSS",1460),("SAckOK",b""),("Timestamp",(12345,0)),
 *              ("NOP",None),("WScale",7)]) */
static const uint8_t tcp_syn[] = {
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
    0xa0, 0x02, 0xfa, 0xf0, 0x04, 0x59, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
    0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x30, 0x39, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x07,
};
/* TCP(sport=40000, dport=80, seq=0xfffffff0, ack=0x80000001, flags="PA", window=65535, urgptr=0)/Raw(b"GET / HTTP/1.0\r\n\r\n") under IP 203.0.113.1 -> 203.0.113.2 (IP header removed) */
static const uint8_t tcp_data[] = {
    0x9c, 0x40, 0x00, 0x50, 0xff, 0xff, 0xff, 0xf0, 0x80, 0x00, 0x00, 0x01,
    0x50, 0x18, 0xff, 0xff, 0x3c, 0x93, 0x00, 0x00, 0x47, 0x45, 0x54, 0x20,
    0x2f, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x30, 0x0d, 0x0a,
    0x0d, 0x0a,
};
/* TCP(sport=80, dport=40000, seq=5000, ack=7000, flags="A", window=502, options=[("NOP",None),("NOP",None),("SAck",(8000,9000))]) under IP 203.0.113.1 -> 203.0.113.2 (IP header removed) */
static const uint8_t tcp_sack1[] = {
    0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x1b, 0x58,
    0x80, 0x10, 0x01, 0xf6, 0xf1, 0xe9, 0x00, 0x00, 0x01, 0x01, 0x05, 0x0a,
    0x00, 0x00, 0x1f, 0x40, 0x00, 0x00, 0x23, 0x28,
};
/* TCP(sport=80, dport=40000, seq=5000, ack=7000, flags="A", window=502, options=[("NOP",None),("NOP",None),("Timestamp",(111,222)),("NOP",None),("NOP",None),("SAck",(8000,9000,10000,11000))]) under IP 203.0.113.1 -> 203.0.113.2 (IP header removed) */
static const uint8_t tcp_ts_sack2[] = {
    0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x1b, 0x58,
    0xd0, 0x10, 0x01, 0xf6, 0x45, 0x6d, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
    0x00, 0x00, 0x00, 0x6f, 0x00, 0x00, 0x00, 0xde, 0x01, 0x01, 0x05, 0x12,
    0x00, 0x00, 0x1f, 0x40, 0x00, 0x00, 0x23, 0x28, 0x00, 0x00, 0x27, 0x10,
    0x00, 0x00, 0x2a, 0xf8,
};
/* TCP(sport=80, dport=40000, seq=5000, ack=7000, flags="A", window=502, options=[("NOP",None),("NOP",None),("SAck",(8000,9000,10000,11000,12000,13000))]) under IP 203.0.113.1 -> 203.0.113.2 (IP header removed) */
static const uint8_t tcp_sack3[] = {
    0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x1b, 0x58,
    0xc0, 0x10, 0x01, 0xf6, 0xfe, 0x18, 0x00, 0x00, 0x01, 0x01, 0x05, 0x1a,
    0x00, 0x00, 0x1f, 0x40, 0x00, 0x00, 0x23, 0x28, 0x00, 0x00, 0x27, 0x10,
    0x00, 0x00, 0x2a, 0xf8, 0x00, 0x00, 0x2e, 0xe0, 0x00, 0x00, 0x32, 0xc8,
};
/* TCP(sport=80, dport=40000, seq=5000, ack=7000, flags="A", window=502, options=[("NOP",None),("NOP",None),("SAck",(8000,9000,10000,11000,12000,13000,14000,15000))]) under IP 203.0.113.1 -> 203.0.113.2 (IP header removed) */
static const uint8_t tcp_sack4[] = {
    0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x1b, 0x58,
    0xe0, 0x10, 0x01, 0xf6, 0x6c, 0xc0, 0x00, 0x00, 0x01, 0x01, 0x05, 0x22,
    0x00, 0x00, 0x1f, 0x40, 0x00, 0x00, 0x23, 0x28, 0x00, 0x00, 0x27, 0x10,
    0x00, 0x00, 0x2a, 0xf8, 0x00, 0x00, 0x2e, 0xe0, 0x00, 0x00, 0x32, 0xc8,
    0x00, 0x00, 0x36, 0xb0, 0x00, 0x00, 0x3a, 0x98,
};

static int parse_copy(const uint8_t *src, size_t n, bool verify, struct tcp_hdr *h)
{
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
    memcpy(copy, src, n);
    int rc = tcp_parse(copy, n, A1, A2, verify, h);
    free(copy);
    return rc;
}

/* Parses options from an exact-size copy. */
static int opts_copy(const uint8_t *src, size_t n, struct tcp_opts *o)
{
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, src, n);
    int rc = tcp_parse_options(copy, n, o);
    free(copy);
    return rc;
}

/* Re-emits a parsed segment (payload copied into place) and compares. */
static void emit_matches(const struct tcp_hdr *h, const uint8_t *golden, size_t n)
{
    uint8_t *out = malloc(n + 4);
    memset(out, 0xee, n + 4);
    memcpy(out + h->hdr_len, golden + h->hdr_len, n - h->hdr_len);
    assert_int_equal(tcp_opts_len(&h->opts), h->hdr_len - TCP_HDR_LEN);
    assert_int_equal(tcp_emit(h, A1, A2, out, n, n - h->hdr_len), h->hdr_len);
    assert_memory_equal(out, golden, n);
    assert_int_equal(out[n], 0xee);
    /* without the checksum: the same header, the field left 0 */
    memset(out, 0xee, h->hdr_len);
    assert_int_equal(tcp_emit_nocsum(h, out, n, n - h->hdr_len), h->hdr_len);
    assert_int_equal(out[16], 0);
    assert_int_equal(out[17], 0);
    assert_memory_equal(out, golden, 16);
    assert_memory_equal(out + 18, golden + 18, n - 18);
    assert_int_equal(tcp_emit_nocsum(h, out, h->hdr_len - 1, 0), WIRE_NOSPACE);
    free(out);
}

static void test_syn_all_options(void **state)
{
    (void)state;
    struct tcp_hdr h;
    assert_int_equal(parse_copy(tcp_syn, sizeof(tcp_syn), true, &h), WIRE_OK);
    assert_int_equal(h.sport, 40000);
    assert_int_equal(h.dport, 80);
    assert_int_equal(h.seq, 1000);
    assert_int_equal(h.ack, 0);
    assert_int_equal(h.hdr_len, 40);
    assert_int_equal(h.flags, TCP_SYN);
    assert_int_equal(h.wnd, 64240);
    assert_int_equal(h.csum, 0x0459);
    assert_int_equal(h.urp, 0);
    assert_true(h.opts.has_mss);
    assert_int_equal(h.opts.mss, 1460);
    assert_true(h.opts.sack_permitted);
    assert_true(h.opts.has_timestamp);
    assert_int_equal(h.opts.ts_val, 12345);
    assert_int_equal(h.opts.ts_ecr, 0);
    assert_true(h.opts.has_wscale);
    assert_int_equal(h.opts.wscale, 7);
    assert_int_equal(h.opts.num_sack, 0);
    assert_int_equal(h.opts.num_unknown, 0);
    emit_matches(&h, tcp_syn, sizeof(tcp_syn));
}

static void test_data_segment(void **state)
{
    (void)state;
    struct tcp_hdr h;
    assert_int_equal(parse_copy(tcp_data, sizeof(tcp_data), true, &h), WIRE_OK);
    assert_int_equal(h.seq, 0xfffffff0u);
    assert_int_equal(h.ack, 0x80000001u);
    assert_int_equal(h.flags, TCP_PSH | TCP_ACK);
    assert_int_equal(h.hdr_len, 20);
    assert_int_equal(h.wnd, 65535);
    emit_matches(&h, tcp_data, sizeof(tcp_data));
    /* The checksum covers the payload (odd length too). */
    uint8_t b[sizeof(tcp_data)];
    memcpy(b, tcp_data, sizeof(b));
    b[sizeof(b) - 1] ^= 0x80;
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_CSUM);
    assert_int_equal(parse_copy(tcp_data, sizeof(tcp_data) - 1, true, &h), WIRE_BAD_CSUM);
}

static void check_sack(const uint8_t *seg, size_t n, unsigned blocks, bool ts)
{
    struct tcp_hdr h;
    assert_int_equal(parse_copy(seg, n, true, &h), WIRE_OK);
    assert_int_equal(h.opts.num_sack, blocks);
    for (unsigned i = 0; i < blocks; i++) {
        assert_int_equal(h.opts.sack[i].left, 8000 + 2000 * i);
        assert_int_equal(h.opts.sack[i].right, 9000 + 2000 * i);
    }
    assert_int_equal(h.opts.has_timestamp, ts);
    if (ts) {
        assert_int_equal(h.opts.ts_val, 111);
        assert_int_equal(h.opts.ts_ecr, 222);
    }
    assert_int_equal(h.opts.num_unknown, 0);
    emit_matches(&h, seg, n);
}

static void test_sack_block_counts(void **state)
{
    (void)state;
    check_sack(tcp_sack1, sizeof(tcp_sack1), 1, false);
    check_sack(tcp_ts_sack2, sizeof(tcp_ts_sack2), 2, true);
    check_sack(tcp_sack3, sizeof(tcp_sack3), 3, false);
    check_sack(tcp_sack4, sizeof(tcp_sack4), 4, false);
}

/* With timestamps only three blocks fit in 40 bytes (RFC 2018 3); emit
 * cuts the list, and tcp_opts_len agrees. */
static void test_sack_emit_truncated_to_fit(void **state)
{
    (void)state;
    struct tcp_hdr h = {.sport = 1, .dport = 2, .flags = TCP_ACK};
    h.opts.has_timestamp = true;
    h.opts.num_sack = 4;
    for (int i = 0; i < 4; i++) {
        h.opts.sack[i].left = (uint32_t)(100 * i);
        h.opts.sack[i].right = (uint32_t)(100 * i + 50);
    }
    assert_int_equal(tcp_opts_len(&h.opts), 12 + 4 + 3 * 8);
    uint8_t out[60];
    assert_int_equal(tcp_emit(&h, A1, A2, out, sizeof(out), 0), 60);
    struct tcp_hdr back;
    assert_int_equal(parse_copy(out, 60, true, &back), WIRE_OK);
    assert_int_equal(back.opts.num_sack, 3);
    assert_int_equal(back.opts.sack[2].left, 200);
    /* MSS + TS + WS + SACK-perm (20 bytes) leave room for two blocks. */
    h.opts.has_mss = h.opts.has_wscale = h.opts.sack_permitted = true;
    assert_int_equal(tcp_opts_len(&h.opts), 4 + 12 + 4 + 4 + 2 * 8);
    assert_int_equal(tcp_emit(&h, A1, A2, out, sizeof(out), 0), 60);
    assert_int_equal(parse_copy(out, 60, true, &back), WIRE_OK);
    assert_int_equal(back.opts.num_sack, 2);
    assert_true(back.opts.has_mss && back.opts.has_wscale && back.opts.sack_permitted);
    /* num_sack beyond the array is clamped, never read past it. */
    h.opts.has_mss = h.opts.has_wscale = h.opts.sack_permitted = h.opts.has_timestamp = false;
    h.opts.num_sack = 200;
    assert_int_equal(tcp_opts_len(&h.opts), 4 + 4 * 8);
}

static void test_opts_len_combinations(void **state)
{
    (void)state;
    struct tcp_opts o;
    memset(&o, 0, sizeof(o));
    assert_int_equal(tcp_opts_len(&o), 0);
    o.has_mss = true;
    assert_int_equal(tcp_opts_len(&o), 4);
    o.sack_permitted = true;
    assert_int_equal(tcp_opts_len(&o), 8);
    o.has_timestamp = true;
    assert_int_equal(tcp_opts_len(&o), 16);
    o.has_wscale = true;
    assert_int_equal(tcp_opts_len(&o), 20);
    /* Every combination round-trips through emit and parse. */
    for (unsigned mask = 0; mask < 32; mask++) {
        struct tcp_hdr h = {.sport = 5, .dport = 6, .seq = 7, .ack = 8, .flags = TCP_SYN};
        h.opts.has_mss = mask & 1;
        h.opts.mss = 536;
        h.opts.sack_permitted = (mask >> 1) & 1;
        h.opts.has_timestamp = (mask >> 2) & 1;
        h.opts.ts_val = 0xdeadbeef;
        h.opts.ts_ecr = 0x01020304;
        h.opts.has_wscale = (mask >> 3) & 1;
        h.opts.wscale = 14;
        h.opts.num_sack = (mask >> 4) & 1;
        h.opts.sack[0].left = 10;
        h.opts.sack[0].right = 20;
        uint8_t out[60];
        int hl = tcp_emit(&h, A1, A2, out, sizeof(out), 0);
        assert_int_equal(hl, 20 + (int)tcp_opts_len(&h.opts));
        assert_int_equal(hl % 4, 0);
        struct tcp_hdr back;
        assert_int_equal(parse_copy(out, (size_t)hl, true, &back), WIRE_OK);
        assert_int_equal(back.hdr_len, hl);
        assert_int_equal(back.opts.has_mss, h.opts.has_mss);
        assert_int_equal(back.opts.sack_permitted, h.opts.sack_permitted);
        assert_int_equal(back.opts.has_timestamp, h.opts.has_timestamp);
        assert_int_equal(back.opts.has_wscale, h.opts.has_wscale);
        assert_int_equal(back.opts.num_sack, h.opts.num_sack);
        assert_int_equal(back.opts.num_unknown, 0);
        if (back.opts.has_mss)
            assert_int_equal(back.opts.mss, 536);
        if (back.opts.has_timestamp)
            assert_true(back.opts.ts_val == 0xdeadbeef && back.opts.ts_ecr == 0x01020304);
        if (back.opts.has_wscale)
            assert_int_equal(back.opts.wscale, 14);
        if (back.opts.num_sack)
            assert_true(back.opts.sack[0].left == 10 && back.opts.sack[0].right == 20);
    }
}

static void test_flags_round_trip(void **state)
{
    (void)state;
    for (unsigned f = 0; f < 256; f++) {
        struct tcp_hdr h = {.sport = 1, .dport = 2, .flags = (uint8_t)f, .wnd = 3, .urp = 4};
        uint8_t out[20];
        assert_int_equal(tcp_emit(&h, A1, A2, out, sizeof(out), 0), 20);
        struct tcp_hdr back;
        assert_int_equal(parse_copy(out, 20, true, &back), WIRE_OK);
        assert_int_equal(back.flags, f);
        assert_int_equal(back.urp, 4);
    }
    /* The reserved/NS bits in byte 12 are not flags. */
    uint8_t b[sizeof(tcp_data)];
    memcpy(b, tcp_data, sizeof(b));
    b[12] |= 0x0f;
    struct tcp_hdr h;
    assert_int_equal(parse_copy(b, sizeof(b), false, &h), WIRE_OK);
    assert_int_equal(h.flags, TCP_PSH | TCP_ACK);
    assert_int_equal(h.hdr_len, 20);
}

static void test_truncated_every_length(void **state)
{
    (void)state;
    struct tcp_hdr h;
    for (size_t n = 0; n < TCP_HDR_LEN; n++)
        assert_int_equal(parse_copy(tcp_syn, n, true, &h), WIRE_TRUNCATED);
    /* Beyond 20 bytes the data offset (40) points past the buffer. */
    for (size_t n = TCP_HDR_LEN; n < sizeof(tcp_syn); n++)
        assert_int_equal(parse_copy(tcp_syn, n, false, &h), WIRE_BAD_HLEN);
}

static void test_data_offset_below_5(void **state)
{
    (void)state;
    uint8_t b[sizeof(tcp_data)];
    struct tcp_hdr h;
    for (int off = 0; off < 5; off++) {
        memcpy(b, tcp_data, sizeof(b));
        b[12] = (uint8_t)(off << 4);
        assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_HLEN);
    }
}

static void test_data_offset_past_buffer(void **state)
{
    (void)state;
    uint8_t b[24];
    memcpy(b, tcp_data, sizeof(b));
    b[12] = 0x70; /* 28 bytes of header in 24 */
    struct tcp_hdr h;
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_HLEN);
    b[12] = 0xf0;
    assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_HLEN);
    b[12] = 0x60;
    memcpy(b + 20, "\x01\x01\x01\x01", 4);
    assert_int_equal(parse_copy(b, sizeof(b), false, &h), WIRE_OK);
}

static void test_bad_checksum(void **state)
{
    (void)state;
    uint8_t b[sizeof(tcp_syn)];
    struct tcp_hdr h;
    for (size_t i = 0; i < sizeof(b); i++) {
        if (i == 12)
            continue; /* the data offset has its own checks */
        memcpy(b, tcp_syn, sizeof(b));
        b[i] ^= 0x02;
        assert_int_equal(parse_copy(b, sizeof(b), true, &h), WIRE_BAD_CSUM);
    }
    /* The pseudo-header takes part. */
    assert_int_equal(tcp_parse(tcp_syn, sizeof(tcp_syn), A2, A1, true, &h), WIRE_OK);
    assert_int_equal(tcp_parse(tcp_syn, sizeof(tcp_syn), A1, A1, true, &h), WIRE_BAD_CSUM);
}

/* tcp_syn with a replaced option area (20 bytes), checksum ignored. */
static int parse_opts20(const uint8_t opts[20], struct tcp_hdr *h)
{
    uint8_t b[sizeof(tcp_syn)];
    memcpy(b, tcp_syn, 20);
    memcpy(b + 20, opts, 20);
    return parse_copy(b, sizeof(b), false, h);
}

static void test_option_length_0_and_1(void **state)
{
    (void)state;
    struct tcp_hdr h;
    uint8_t o[20] = {2, 4, 5, 0xb4, 30, 0};
    assert_int_equal(parse_opts20(o, &h), WIRE_BAD_OPTION);
    o[5] = 1;
    assert_int_equal(parse_opts20(o, &h), WIRE_BAD_OPTION);
    uint8_t known0[20] = {TCP_OPT_MSS, 0};
    assert_int_equal(parse_opts20(known0, &h), WIRE_BAD_OPTION);
    uint8_t sack1[20] = {1, 1, TCP_OPT_SACK, 1};
    assert_int_equal(parse_opts20(sack1, &h), WIRE_BAD_OPTION);
}

static void test_option_past_header(void **state)
{
    (void)state;
    struct tcp_hdr h;
    uint8_t o[20] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, TCP_OPT_MSS, 4};
    assert_int_equal(parse_opts20(o, &h), WIRE_BAD_OPTION); /* 18 + 4 > 20 */
    o[18] = 1;
    o[19] = TCP_OPT_WSCALE; /* kind in the last byte, no length */
    assert_int_equal(parse_opts20(o, &h), WIRE_BAD_OPTION);
    uint8_t big[20] = {TCP_OPT_TIMESTAMP, 255};
    assert_int_equal(parse_opts20(big, &h), WIRE_BAD_OPTION);
    uint8_t exact[20] = {30, 20};
    assert_int_equal(parse_opts20(exact, &h), WIRE_OK);
    assert_int_equal(h.opts.num_unknown, 1);
    /* Option bytes beyond the header (in the payload) are not options. */
    uint8_t seg[28];
    memcpy(seg, tcp_data, 20);
    seg[12] = 0x60;
    memcpy(seg + 20, "\x01\x01\x01\x00", 4);
    memcpy(seg + 24, "\x02\x04\x05\xb4", 4);
    assert_int_equal(parse_copy(seg, sizeof(seg), false, &h), WIRE_OK);
    assert_false(h.opts.has_mss);
}

/* RFC 9293 3.1 (MUST-6/7 in the requirement list): unknown options and
 * known options with a wrong length are skipped, the rest still parsed. */
static void test_wrong_length_known_options_ignored(void **state)
{
    (void)state;
    struct tcp_opts o;
    const uint8_t mss3[] = {TCP_OPT_MSS, 3, 5, TCP_OPT_WSCALE, 3, 9};
    assert_int_equal(opts_copy(mss3, sizeof(mss3), &o), WIRE_OK);
    assert_false(o.has_mss);
    assert_true(o.has_wscale);
    assert_int_equal(o.wscale, 9);
    assert_int_equal(o.num_unknown, 1);
    const uint8_t ws4[] = {TCP_OPT_WSCALE, 4, 7, 7, TCP_OPT_MSS, 4, 0x02, 0x18};
    assert_int_equal(opts_copy(ws4, sizeof(ws4), &o), WIRE_OK);
    assert_false(o.has_wscale);
    assert_true(o.has_mss);
    assert_int_equal(o.mss, 536);
    const uint8_t sp3[] = {TCP_OPT_SACK_PERM, 3, 0};
    assert_int_equal(opts_copy(sp3, sizeof(sp3), &o), WIRE_OK);
    assert_false(o.sack_permitted);
    const uint8_t ts8[] = {TCP_OPT_TIMESTAMP, 8, 1, 2, 3, 4, 5, 6};
    assert_int_equal(opts_copy(ts8, sizeof(ts8), &o), WIRE_OK);
    assert_false(o.has_timestamp);
    const uint8_t ts12[] = {TCP_OPT_TIMESTAMP, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_int_equal(opts_copy(ts12, sizeof(ts12), &o), WIRE_OK);
    assert_false(o.has_timestamp);
    /* SACK: 2 (no block), 9 (not 2 + 8n), 18 with a stray byte. */
    const uint8_t sack2[] = {TCP_OPT_SACK, 2};
    assert_int_equal(opts_copy(sack2, sizeof(sack2), &o), WIRE_OK);
    assert_int_equal(o.num_sack, 0);
    assert_int_equal(o.num_unknown, 1);
    const uint8_t sack9[] = {TCP_OPT_SACK, 9, 0, 0, 0, 1, 0, 0, 0};
    assert_int_equal(opts_copy(sack9, sizeof(sack9), &o), WIRE_OK);
    assert_int_equal(o.num_sack, 0);
    /* Five blocks (42 bytes) cannot occur in a header: ignored, not read
     * into the 4-entry array. */
    uint8_t sack5[42] = {TCP_OPT_SACK, 42};
    assert_int_equal(opts_copy(sack5, sizeof(sack5), &o), WIRE_OK);
    assert_int_equal(o.num_sack, 0);
    assert_int_equal(o.num_unknown, 1);
}

static void test_unknown_and_eol(void **state)
{
    (void)state;
    struct tcp_opts o;
    const uint8_t unk[] = {30, 4, 0xaa, 0xbb, 1, 254, 2, 1, TCP_OPT_SACK_PERM, 2};
    assert_int_equal(opts_copy(unk, sizeof(unk), &o), WIRE_OK);
    assert_int_equal(o.num_unknown, 2);
    assert_true(o.sack_permitted);
    /* EOL ends the list: whatever follows (even malformed) is ignored. */
    const uint8_t eol[] = {TCP_OPT_MSS, 4, 1, 0, TCP_OPT_EOL, TCP_OPT_MSS, 0, 0xff};
    assert_int_equal(opts_copy(eol, sizeof(eol), &o), WIRE_OK);
    assert_true(o.has_mss);
    assert_int_equal(o.mss, 256);
    assert_int_equal(o.num_unknown, 0);
    assert_int_equal(opts_copy(eol, 0, &o), WIRE_OK);
    /* The unknown counter saturates instead of wrapping. */
    uint8_t many[600];
    for (size_t i = 0; i < sizeof(many); i += 2) {
        many[i] = 99;
        many[i + 1] = 2;
    }
    assert_int_equal(opts_copy(many, sizeof(many), &o), WIRE_OK);
    assert_int_equal(o.num_unknown, 255);
}

static void test_emit_nospace(void **state)
{
    (void)state;
    struct tcp_hdr h = {.sport = 1, .dport = 2, .flags = TCP_SYN};
    h.opts.has_mss = true;
    h.opts.mss = 1460;
    uint8_t out[64];
    assert_int_equal(tcp_emit(&h, A1, A2, out, 23, 0), WIRE_NOSPACE);
    assert_int_equal(tcp_emit(&h, A1, A2, out, 30, 7), WIRE_NOSPACE);
    assert_int_equal(tcp_emit(&h, A1, A2, out, 30, (size_t)-1), WIRE_NOSPACE);
    memset(out, 0, sizeof(out));
    assert_int_equal(tcp_emit(&h, A1, A2, out, 24, 0), 24);
    assert_int_equal(out[12], 0x60);
}

/* Random headers, options and payloads survive emit then parse. */
static void test_random_round_trip(void **state)
{
    (void)state;
    struct ust_rng r;
    rng_seed(&r, 9293);
    uint8_t b[60 + 100];
    for (int i = 0; i < 5000; i++) {
        struct tcp_hdr h = {.sport = (uint16_t)rng_next(&r), .dport = (uint16_t)rng_next(&r),
                            .seq = (uint32_t)rng_next(&r), .ack = (uint32_t)rng_next(&r),
                            .flags = (uint8_t)rng_next(&r),
                            .wnd = (uint16_t)rng_next(&r), .urp = (uint16_t)rng_next(&r)};
        uint32_t m = (uint32_t)rng_next(&r);
        h.opts.has_mss = m & 1;
        h.opts.mss = (uint16_t)rng_next(&r);
        h.opts.has_wscale = (m >> 1) & 1;
        h.opts.wscale = (uint8_t)rng_next(&r);
        h.opts.sack_permitted = (m >> 2) & 1;
        h.opts.has_timestamp = (m >> 3) & 1;
        h.opts.ts_val = (uint32_t)rng_next(&r);
        h.opts.ts_ecr = (uint32_t)rng_next(&r);
        h.opts.num_sack = (uint8_t)((m >> 4) % 5);
        for (int k = 0; k < TCP_MAX_SACK_BLOCKS; k++) {
            h.opts.sack[k].left = (uint32_t)rng_next(&r);
            h.opts.sack[k].right = (uint32_t)rng_next(&r);
        }
        size_t hl = TCP_HDR_LEN + tcp_opts_len(&h.opts);
        size_t payload = (uint32_t)rng_next(&r) % 100;
        for (size_t k = 0; k < payload; k++)
            b[hl + k] = (uint8_t)rng_next(&r);
        assert_int_equal(tcp_emit(&h, A1, A2, b, hl + payload, payload), (int)hl);
        struct tcp_hdr back;
        assert_int_equal(parse_copy(b, hl + payload, true, &back), WIRE_OK);
        assert_int_equal(back.hdr_len, hl);
        assert_true(back.sport == h.sport && back.dport == h.dport);
        assert_true(back.seq == h.seq && back.ack == h.ack && back.flags == h.flags);
        assert_true(back.wnd == h.wnd && back.urp == h.urp);
        assert_int_equal(back.opts.has_mss, h.opts.has_mss);
        if (h.opts.has_mss)
            assert_int_equal(back.opts.mss, h.opts.mss);
        assert_int_equal(back.opts.has_wscale, h.opts.has_wscale);
        if (h.opts.has_wscale)
            assert_int_equal(back.opts.wscale, h.opts.wscale);
        assert_int_equal(back.opts.sack_permitted, h.opts.sack_permitted);
        assert_int_equal(back.opts.has_timestamp, h.opts.has_timestamp);
        if (h.opts.has_timestamp)
            assert_true(back.opts.ts_val == h.opts.ts_val && back.opts.ts_ecr == h.opts.ts_ecr);
        /* SACK blocks are cut to what fits the 40 option bytes. */
        size_t fixed = (h.opts.has_mss ? 4u : 0u) + (h.opts.has_wscale ? 4u : 0u) +
                       (h.opts.has_timestamp ? 12u : h.opts.sack_permitted ? 4u : 0u);
        size_t fit = (40 - fixed - 4) / 8;
        assert_int_equal(back.opts.num_sack, h.opts.num_sack < fit ? h.opts.num_sack : fit);
        for (int k = 0; k < back.opts.num_sack; k++)
            assert_true(back.opts.sack[k].left == h.opts.sack[k].left &&
                        back.opts.sack[k].right == h.opts.sack[k].right);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn_all_options),
        cmocka_unit_test(test_data_segment),
        cmocka_unit_test(test_sack_block_counts),
        cmocka_unit_test(test_sack_emit_truncated_to_fit),
        cmocka_unit_test(test_opts_len_combinations),
        cmocka_unit_test(test_flags_round_trip),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_data_offset_below_5),
        cmocka_unit_test(test_data_offset_past_buffer),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_option_length_0_and_1),
        cmocka_unit_test(test_option_past_header),
        cmocka_unit_test(test_wrong_length_known_options_ignored),
        cmocka_unit_test(test_unknown_and_eol),
        cmocka_unit_test(test_emit_nospace),
        cmocka_unit_test(test_random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
