/* Internet checksum (RFC 1071), incremental update (RFC 1624) and CRC-32,
 * checked against simple byte-by-byte reference implementations on
 * seeded random data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "wire/csum.h"

/* RFC 1071 in its plainest form: big-endian 16-bit words, one at a time. */
static uint16_t ref_sum16(const uint8_t *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}
static uint16_t ref_csum(const uint8_t *p, size_t n) { return (uint16_t)~ref_sum16(p, n); }

/* Bitwise CRC-32 (reflected 0xEDB88320), the definition itself. */
static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

/* RFC 1071 1.3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2. */
static void test_rfc1071_example(void **state)
{
    (void)state;
    const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    uint32_t s = csum_partial(d, sizeof(d), 0);
    assert_int_equal(csum_fold(s), (uint16_t)~0xddf2);
    assert_int_equal(csum_buf(d, sizeof(d)), 0x220d);
    /* Byte-order independence (RFC 1071 2.B) must not leak: each half. */
    assert_int_equal(csum_buf(d, 4), (uint16_t)~(0x0001 + 0xf203));
    assert_int_equal(csum_buf(d, 0), 0xffff);
    /* A single odd byte is the high half of a zero-padded word. */
    assert_int_equal(csum_buf(d + 2, 1), (uint16_t)~0xf200);
}

/* Every length 0..2100 at every alignment 0..7 against the reference. */
static void test_odd_lengths_all_alignments(void **state)
{
    (void)state;
    enum { MAXLEN = 2100 };
    uint8_t *buf = malloc(MAXLEN + 8);
    assert_non_null(buf);
    struct ust_rng r;
    rng_seed(&r, 1071);
    for (size_t align = 0; align < 8; align++) {
        rng_bytes(&r, buf, MAXLEN + 8);
        for (size_t n = 0; n <= MAXLEN; n++) {
            uint16_t got = csum_buf(buf + align, n);
            uint16_t want = ref_csum(buf + align, n);
            if (got != want)
                fail_msg("len %zu align %zu: got %04x want %04x", n, align, got, want);
        }
    }
    free(buf);
}

/* All-ones data drives the accumulator hardest (every word 0xffff). */
static void test_all_ones_and_large(void **state)
{
    (void)state;
    size_t n = (size_t)1 << 20;
    uint8_t *buf = malloc(n + 1);
    assert_non_null(buf);
    memset(buf, 0xff, n + 1);
    assert_int_equal(csum_buf(buf, n - 1), 0x00ff);
    assert_int_equal(csum_buf(buf, n), ref_csum(buf, n));
    assert_int_equal(csum_buf(buf + 1, n), ref_csum(buf + 1, n));
    assert_int_equal(csum_buf(buf, n - 1), ref_csum(buf, n - 1));
    struct ust_rng r;
    rng_seed(&r, 7);
    rng_bytes(&r, buf, n + 1);
    assert_int_equal(csum_buf(buf + 3, n - 5), ref_csum(buf + 3, n - 5));
    free(buf);
}

/* Chaining: even-length chunks then any last chunk equals one call; an
 * incoming accumulator near 2^32 must not lose its carry. */
static void test_chaining(void **state)
{
    (void)state;
    uint8_t buf[1500];
    struct ust_rng r;
    rng_seed(&r, 42);
    for (int round = 0; round < 2000; round++) {
        rng_bytes(&r, buf, sizeof(buf));
        size_t n = (size_t)(rng_next(&r) % sizeof(buf));
        size_t cut1 = (size_t)(rng_next(&r) % (n + 1)) & ~(size_t)1;
        size_t cut2 = cut1 + ((size_t)(rng_next(&r) % (n - cut1 + 1)) & ~(size_t)1);
        uint32_t s = csum_partial(buf, cut1, 0);
        s = csum_partial(buf + cut1, cut2 - cut1, s);
        s = csum_partial(buf + cut2, n - cut2, s);
        assert_int_equal(csum_fold(s), ref_csum(buf, n));
        assert_true(s <= 0xffff); /* folded: callers may add to it safely */
    }
    /* Large starting accumulators (e.g. several pseudo-header sums):
     * 0xfffffffe is congruent to 0xfffe modulo 0xffff. */
    const uint8_t ff[4] = {0xff, 0xff, 0xff, 0xff};
    uint32_t s = csum_partial(ff, 4, 0xfffffffeu);
    uint32_t want = 0xfffe + 0xffff + 0xffff;
    assert_int_equal(csum_fold(s), csum_fold(want));
}

static void test_pseudo_header(void **state)
{
    (void)state;
    /* src 203.0.113.1, dst 203.0.113.2, proto 17, len 13 as plain words. */
    const uint8_t ph[12] = {0xcb, 0x00, 0x71, 0x01, 0xcb, 0x00, 0x71, 0x02, 0x00, 17, 0x00, 13};
    uint32_t s = csum_pseudo(0xcb007101u, 0xcb007102u, 17, 13);
    assert_int_equal(csum_fold(s), ref_csum(ph, sizeof(ph)));
    /* Extreme values do not overflow the 32-bit accumulator. */
    s = csum_pseudo(0xffffffffu, 0xffffffffu, 0xff, 0xffff);
    const uint8_t ph2[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff};
    assert_int_equal(csum_fold(s), ref_csum(ph2, sizeof(ph2)));
}

/* RFC 1624: patching a header word by word must equal a full recompute.
 * Compared through the verify sum (data + checksum folds to 0), since
 * 0x0000 and 0xffff are both valid encodings when the data sum to zero;
 * for non-degenerate data the values themselves must match. */
static void test_incremental_update(void **state)
{
    (void)state;
    uint8_t hdr[60];
    struct ust_rng r;
    rng_seed(&r, 1624);
    for (int round = 0; round < 20000; round++) {
        size_t n = 20 + 2 * (size_t)(rng_next(&r) % 21);
        rng_bytes(&r, hdr, n);
        hdr[10] = hdr[11] = 0;
        uint16_t c = csum_buf(hdr, n);
        hdr[10] = (uint8_t)(c >> 8);
        hdr[11] = (uint8_t)c;
        if (rng_next(&r) & 1) {
            size_t off = 2 * (size_t)(rng_next(&r) % (n / 2));
            if (off == 10)
                off = 12;
            uint16_t old = (uint16_t)(hdr[off] << 8 | hdr[off + 1]);
            uint16_t nw = (uint16_t)rng_next(&r);
            if (round % 7 == 0)
                nw = (uint16_t)(old - 1); /* e.g. TTL decrement */
            hdr[off] = (uint8_t)(nw >> 8);
            hdr[off + 1] = (uint8_t)nw;
            c = csum_update16(c, old, nw);
        } else {
            size_t off = 12 + 4 * (size_t)(rng_next(&r) % ((n - 12) / 4));
            uint32_t old = (uint32_t)hdr[off] << 24 | (uint32_t)hdr[off + 1] << 16 |
                           (uint32_t)hdr[off + 2] << 8 | hdr[off + 3];
            uint32_t nw = (uint32_t)rng_next(&r);
            hdr[off] = (uint8_t)(nw >> 24);
            hdr[off + 1] = (uint8_t)(nw >> 16);
            hdr[off + 2] = (uint8_t)(nw >> 8);
            hdr[off + 3] = (uint8_t)nw;
            c = csum_update32(c, old, nw);
        }
        hdr[10] = (uint8_t)(c >> 8);
        hdr[11] = (uint8_t)c;
        assert_int_equal(csum_buf(hdr, n), 0);
        hdr[10] = hdr[11] = 0;
        uint16_t full = csum_buf(hdr, n);
        if (full != 0xffff && full != 0x0000)
            assert_int_equal(c, full);
    }
}

/* RFC 1624 section 4 example: HC 0xdd2f, m 0x5555 -> m' 0x3285 gives 0x0000. */
static void test_rfc1624_example(void **state)
{
    (void)state;
    assert_int_equal(csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
    /* An unchanged word leaves a checksum alone (except -0 normalisation). */
    assert_int_equal(csum_update16(0x1234, 0xabcd, 0xabcd), 0x1234);
    assert_int_equal(csum_update32(0x1234, 0xdeadbeef, 0xdeadbeef), 0x1234);
}

static void test_crc32(void **state)
{
    (void)state;
    assert_int_equal(crc32_ieee("123456789", 9), 0xCBF43926u);
    assert_int_equal(crc32_ieee("", 0), 0);
    uint8_t buf[300];
    struct ust_rng r;
    rng_seed(&r, 802);
    for (size_t align = 0; align < 8; align++) {
        rng_bytes(&r, buf, sizeof(buf));
        for (size_t n = 0; n + align <= sizeof(buf); n++)
            assert_int_equal(crc32_ieee(buf + align, n), ref_crc32(buf + align, n));
    }
}

/* Appending the FCS little-endian makes the CRC over frame+FCS the
 * constant residue 0x2144DF1C (IEEE 802.3 receivers check this). */
static void test_crc32_residue(void **state)
{
    (void)state;
    uint8_t frame[64];
    struct ust_rng r;
    rng_seed(&r, 3);
    rng_bytes(&r, frame, 60);
    uint32_t fcs = crc32_ieee(frame, 60);
    frame[60] = (uint8_t)fcs;
    frame[61] = (uint8_t)(fcs >> 8);
    frame[62] = (uint8_t)(fcs >> 16);
    frame[63] = (uint8_t)(fcs >> 24);
    assert_int_equal(crc32_ieee(frame, 64), 0x2144DF1Cu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_example),
        cmocka_unit_test(test_odd_lengths_all_alignments),
        cmocka_unit_test(test_all_ones_and_large),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_pseudo_header),
        cmocka_unit_test(test_incremental_update),
        cmocka_unit_test(test_rfc1624_example),
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_crc32_residue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
