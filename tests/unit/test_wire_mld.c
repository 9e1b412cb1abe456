/* MLD (mld.h): MLDv2 Reports and Queries (RFC 3810 5), MLDv1 Reports and
 * Queries (RFC 2710 3), the exponential codes, the Hop-by-Hop Router Alert
 * they travel behind. Golden packets made with scapy 2.5 (the expression
 * above each array; bytes(...) printed as C); one test per malformation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/mld.h"
#include "wire/wbuf.h"

/* IPv6(src="fe80::2", dst="ff02::16", hlim=1)/IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])/ICMPv6MLReport2(records=[ICMPv6MLDMultAddrRec(rtype=4, dst="ff02::1:ff00:2"), ICMPv6MLDMultAddrRec(rtype=1, dst="ff05::fb", sources=["2001:db8::1"])]) */
static const uint8_t mld2_report[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x48, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x16, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
    0x8f, 0x00, 0x42, 0x24, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00, 0x00, 0x00,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xff, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x01, 0xff, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfb,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01,
};
/* IPv6(src="fe80::1", dst="ff02::1", hlim=1)/IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])/ICMPv6MLQuery2(mrd=10000, mladdr="::", S=0, QRV=2, QQIC=125) */
static const uint8_t mld2_query[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
    0x82, 0x00, 0x56, 0x96, 0x27, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x7d, 0x00, 0x00,
};
/* IPv6(src="fe80::2", dst="ff05::fb", hlim=1)/IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])/ICMPv6MLReport(mladdr="ff05::fb") */
static const uint8_t mld1_report[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0xff, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0xfb, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
    0x83, 0x00, 0x7e, 0x28, 0x00, 0x00, 0x00, 0x00, 0xff, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfb,
};
/* IPv6(src="fe80::1", dst="ff02::1", hlim=1)/IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])/ICMPv6MLQuery(mrd=1000, mladdr="::") */
static const uint8_t mld1_query[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
    0x82, 0x00, 0x7c, 0x3f, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#define MSG_OFF (IPV6_HDR_LEN + 8) /* after the Hop-by-Hop header */

static struct ipv6_addr addr(const char *s)
{
    struct ipv6_addr a;
    assert_int_equal(ipv6_addr_parse(s, &a), 0);
    return a;
}

static uint8_t *dup_exact(const uint8_t *src, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, src, n);
    return p;
}

/* The IPv6 side of an MLD packet as the stack will check it (MLD-1, MLD-2):
 * Hop Limit 1, a Hop-by-Hop header with Router Alert 0 first, ICMPv6 at
 * MSG_OFF with a valid checksum. */
static void check_ip_side(const uint8_t *pkt, size_t n)
{
    struct ipv6_hdr h;
    assert_int_equal(ipv6_parse(pkt, n, &h), WIRE_OK);
    assert_int_equal(h.hop_limit, MLD_HOP_LIMIT);
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    ipv6_ext_iter_init(&it, pkt, n, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
    assert_true(ipv6_ext_next(&it, &e));
    assert_int_equal(e.type, IPV6_NH_HOPOPTS);
    struct ipv6_opt_iter oi;
    struct ipv6_opt o;
    ipv6_opt_iter_init(&oi, &e);
    assert_true(ipv6_opt_next(&oi, &o));
    assert_int_equal(o.type, IPV6_OPT_ROUTER_ALERT);
    assert_int_equal(get_be16(o.data), 0);
    assert_false(ipv6_ext_next(&it, &e));
    assert_int_equal(it.nh, IPV6_NH_ICMPV6);
    assert_int_equal(it.off, MSG_OFF);
    struct icmpv6_hdr ih;
    assert_int_equal(icmpv6_parse(pkt + MSG_OFF, n - MSG_OFF, &h.src, &h.dst, true, &ih), WIRE_OK);
}

static void test_report_v2_golden(void **state)
{
    (void)state;
    check_ip_side(mld2_report, sizeof(mld2_report));
    size_t len = sizeof(mld2_report) - MSG_OFF;
    uint8_t *m = dup_exact(mld2_report + MSG_OFF, len);
    struct mld2_rec_iter it;
    struct mld2_record r;
    assert_int_equal(mld2_report_iter_init(&it, m, len), WIRE_OK);
    assert_true(mld2_rec_next(&it, &r));
    assert_int_equal(r.type, MLD2_CHANGE_TO_EXCLUDE);
    assert_int_equal(r.nsrc, 0);
    struct ipv6_addr g1 = addr("ff02::1:ff00:2"), g2 = addr("ff05::fb"), s1 = addr("2001:db8::1");
    assert_true(ipv6_addr_eq(&r.group, &g1));
    assert_true(mld2_rec_next(&it, &r));
    assert_int_equal(r.type, MLD2_MODE_IS_INCLUDE);
    assert_int_equal(r.nsrc, 1);
    assert_true(ipv6_addr_eq(&r.group, &g2));
    struct ipv6_addr src;
    mld2_record_source(&r, 0, &src);
    assert_true(ipv6_addr_eq(&src, &s1));
    assert_false(mld2_rec_next(&it, &r));
    assert_int_equal(it.err, WIRE_OK);
    free(m);
}

/* The same Report (and its Hop-by-Hop header) built by the emitters. */
static void test_report_v2_emit_golden(void **state)
{
    (void)state;
    struct ipv6_addr s1 = addr("2001:db8::1");
    const struct mld2_record recs[2] = {
        {.type = MLD2_CHANGE_TO_EXCLUDE, .group = addr("ff02::1:ff00:2")},
        {.type = MLD2_MODE_IS_INCLUDE, .group = addr("ff05::fb"), .nsrc = 1, .sources = s1.b},
    };
    struct ipv6_addr src = addr("fe80::2"), dst = addr("ff02::16");
    uint8_t out[sizeof(mld2_report)];
    struct ipv6_hdr h = {.payload_len = sizeof(mld2_report) - IPV6_HDR_LEN,
                         .next_hdr = IPV6_NH_HOPOPTS, .hop_limit = MLD_HOP_LIMIT, .src = src,
                         .dst = dst};
    assert_int_equal(ipv6_emit(&h, out, sizeof(out)), IPV6_HDR_LEN);
    assert_int_equal(ipv6_hbh_router_alert_emit(IPV6_NH_ICMPV6, out + 40, 8), 8);
    int n = mld2_report_emit(recs, 2, &src, &dst, out + MSG_OFF, sizeof(out) - MSG_OFF);
    assert_int_equal(n, sizeof(mld2_report) - MSG_OFF);
    assert_memory_equal(out, mld2_report, sizeof(out));
    assert_int_equal(mld2_report_emit(recs, 2, &src, &dst, out, (size_t)n - 1), WIRE_NOSPACE);
}

static void test_query_v2_golden(void **state)
{
    (void)state;
    check_ip_side(mld2_query, sizeof(mld2_query));
    size_t len = sizeof(mld2_query) - MSG_OFF;
    uint8_t *m = dup_exact(mld2_query + MSG_OFF, len);
    struct mld_query q;
    assert_int_equal(mld_query_parse(m, len, &q), WIRE_OK);
    assert_true(q.v2);
    assert_int_equal(q.max_resp_ms, 10000);
    assert_true(ipv6_addr_is_unspecified(&q.group)); /* General Query */
    assert_false(q.s_flag);
    assert_int_equal(q.qrv, 2);
    assert_int_equal(q.qqi_s, 125);
    assert_int_equal(q.nsrc, 0);
    free(m);
}

static void test_v1_golden(void **state)
{
    (void)state;
    check_ip_side(mld1_query, sizeof(mld1_query));
    struct mld_query q;
    uint8_t *m = dup_exact(mld1_query + MSG_OFF, MLD1_LEN);
    assert_int_equal(mld_query_parse(m, MLD1_LEN, &q), WIRE_OK);
    assert_false(q.v2);
    assert_int_equal(q.max_resp_ms, 1000);
    free(m);
    check_ip_side(mld1_report, sizeof(mld1_report));
    struct ipv6_addr g = addr("ff05::fb"), src = addr("fe80::2");
    uint8_t out[MLD1_LEN];
    assert_int_equal(mld1_emit(ICMPV6_MLD1_REPORT, &g, &src, &g, out, sizeof(out)), MLD1_LEN);
    assert_memory_equal(out, mld1_report + MSG_OFF, MLD1_LEN);
    assert_int_equal(mld1_emit(ICMPV6_MLD1_DONE, &g, &src, &g, out, MLD1_LEN - 1), WIRE_NOSPACE);
}

/* RFC 3810 5.1.3 / 5.1.9: codes from 32768 (128) on are floating point. */
static void test_exponential_codes(void **state)
{
    (void)state;
    assert_int_equal(mld_decode_mrc(0), 0);
    assert_int_equal(mld_decode_mrc(32767), 32767);
    assert_int_equal(mld_decode_mrc(0x8000), 0x1000u << 3);
    assert_int_equal(mld_decode_mrc(0xffff), 0x1fffu << 10);
    assert_int_equal(mld_decode_mrc(0x9234), (0x234u | 0x1000u) << 4);
    assert_int_equal(mld_decode_qqic(127), 127);
    assert_int_equal(mld_decode_qqic(0x80), 0x10u << 3);
    assert_int_equal(mld_decode_qqic(0xff), 0x1fu << 10);
}

/* Query lengths: < 24 truncated; 25-27 neither version (RFC 3810 8.1);
 * sources past the end. */
static void test_query_malformed(void **state)
{
    (void)state;
    uint8_t q[MLD2_QUERY_MIN + 16] = {ICMPV6_MLD_QUERY};
    struct mld_query out;
    for (size_t n = 0; n < MLD1_LEN; n++)
        assert_int_equal(mld_query_parse(q, n, &out), WIRE_TRUNCATED);
    for (size_t n = MLD1_LEN + 1; n < MLD2_QUERY_MIN; n++)
        assert_int_equal(mld_query_parse(q, n, &out), WIRE_BAD_LEN);
    put_be16(q + 26, 2);
    assert_int_equal(mld_query_parse(q, sizeof(q), &out), WIRE_TRUNCATED);
    put_be16(q + 26, 1);
    assert_int_equal(mld_query_parse(q, sizeof(q), &out), WIRE_OK);
    assert_int_equal(out.nsrc, 1);
}

/* Reports cut short: the header, a record header, its sources, its
 * auxiliary data, a record count larger than the records present. */
static void test_report_malformed(void **state)
{
    (void)state;
    const uint8_t *msg = mld2_report + MSG_OFF;
    size_t len = sizeof(mld2_report) - MSG_OFF;
    struct mld2_rec_iter it;
    struct mld2_record r;
    assert_int_equal(mld2_report_iter_init(&it, msg, MLD2_REPORT_HDR - 1), WIRE_TRUNCATED);
    assert_false(mld2_rec_next(&it, &r));
    const size_t cuts[] = {MLD2_REPORT_HDR + 10, MLD2_REPORT_HDR + 20 + 10, len - 1};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *m = dup_exact(msg, cuts[i]);
        assert_int_equal(mld2_report_iter_init(&it, m, cuts[i]), WIRE_OK);
        while (mld2_rec_next(&it, &r))
            ;
        assert_int_equal(it.err, WIRE_TRUNCATED);
        free(m);
    }
    uint8_t *m = dup_exact(msg, len);
    m[MLD2_REPORT_HDR + 1] = 1; /* 4 bytes of aux data on the first record */
    assert_int_equal(mld2_report_iter_init(&it, m, len), WIRE_OK);
    assert_true(mld2_rec_next(&it, &r));
    assert_int_equal(r.aux_words, 1);
    assert_false(mld2_rec_next(&it, &r)); /* the second one is now 4 bytes short */
    assert_int_equal(it.err, WIRE_TRUNCATED);
    memcpy(m, msg, len);
    put_be16(m + 6, 3);
    assert_int_equal(mld2_report_iter_init(&it, m, len), WIRE_OK);
    assert_true(mld2_rec_next(&it, &r));
    assert_true(mld2_rec_next(&it, &r));
    assert_false(mld2_rec_next(&it, &r));
    assert_int_equal(it.err, WIRE_TRUNCATED);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_v2_golden),
        cmocka_unit_test(test_report_v2_emit_golden),
        cmocka_unit_test(test_query_v2_golden),
        cmocka_unit_test(test_v1_golden),
        cmocka_unit_test(test_exponential_codes),
        cmocka_unit_test(test_query_malformed),
        cmocka_unit_test(test_report_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
