/* IGMP (wire/igmp.h): Queries of the three versions (RFC 3376 7.1),
 * IGMPv3 Reports (4.2), v2 Reports and Leave Group (RFC 2236 2), the
 * exponential codes (4.1.1, 4.1.7). Golden messages made with scapy 2.5
 * (scapy.contrib.igmp / igmpv3; the expression above each array; bytes()
 * printed as C); one test per malformation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/igmp.h"
#include "wire/wbuf.h"

/* IGMP(type=0x11, mrcode=0, gaddr="0.0.0.0") */
static const uint8_t v1_query[] = {
    0x11, 0x00, 0xee, 0xff, 0x00, 0x00, 0x00, 0x00,
};
/* IGMP(type=0x11, mrcode=100, gaddr="0.0.0.0") */
static const uint8_t v2_query[] = {
    0x11, 0x64, 0xee, 0x9b, 0x00, 0x00, 0x00, 0x00,
};
/* IGMP(type=0x16, mrcode=0, gaddr="239.1.2.3") */
static const uint8_t v2_report[] = {
    0x16, 0x00, 0xf8, 0xfa, 0xef, 0x01, 0x02, 0x03,
};
/* IGMP(type=0x17, mrcode=0, gaddr="239.1.2.3") */
static const uint8_t v2_leave[] = {
    0x17, 0x00, 0xf7, 0xfa, 0xef, 0x01, 0x02, 0x03,
};
/* IGMPv3(type=0x11, mrcode=200)/IGMPv3mq(gaddr="239.1.2.3", s=1, qrv=2, qqic=125, srcaddrs=["198.51.100.7", "198.51.100.8"]) */
static const uint8_t v3_query[] = {
    0x11, 0xc8, 0x9e, 0x3c, 0xef, 0x01, 0x02, 0x03, 0x0a, 0x7d, 0x00, 0x02,
    0xc6, 0x33, 0x64, 0x07, 0xc6, 0x33, 0x64, 0x08,
};
/* IGMPv3(type=0x22)/IGMPv3mr(records=[IGMPv3gr(rtype=4, maddr="239.1.2.3"), IGMPv3gr(rtype=2, maddr="239.1.2.4")]) */
static const uint8_t v3_report[] = {
    0x22, 0x00, 0xf5, 0xf2, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00, 0x00, 0x00,
    0xef, 0x01, 0x02, 0x03, 0x02, 0x00, 0x00, 0x00, 0xef, 0x01, 0x02, 0x04,
};
/* IGMPv3(type=0x22)/IGMPv3mr(records=[IGMPv3gr(rtype=1, maddr="232.1.1.1", srcaddrs=["198.51.100.7"])]) */
static const uint8_t v3_report_src[] = {
    0x22, 0x00, 0xc9, 0xbf, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0xe8, 0x01, 0x01, 0x01, 0xc6, 0x33, 0x64, 0x07,
};

static void test_v1_v2_queries(void **state)
{
    (void)state;
    struct igmp_msg m;
    assert_int_equal(igmp_parse(v1_query, sizeof(v1_query), &m), WIRE_OK);
    assert_int_equal(m.type, IGMP_QUERY);
    assert_int_equal(m.qver, IGMP_QV1);
    assert_int_equal(m.max_resp_ds, 100); /* RFC 2236 4: a v1 Query means 10 s */
    assert_int_equal(m.group, 0);
    assert_int_equal(igmp_parse(v2_query, sizeof(v2_query), &m), WIRE_OK);
    assert_int_equal(m.qver, IGMP_QV2);
    assert_int_equal(m.max_resp_ds, 100);
    uint8_t out[8];
    assert_int_equal(igmp_emit_simple(IGMP_QUERY, 100, 0, out, sizeof(out)), 8);
    assert_memory_equal(out, v2_query, 8);
}

static void test_v3_query(void **state)
{
    (void)state;
    struct igmp_msg m;
    assert_int_equal(igmp_parse(v3_query, sizeof(v3_query), &m), WIRE_OK);
    assert_int_equal(m.qver, IGMP_QV3);
    assert_int_equal(m.group, UST_IP4(239, 1, 2, 3));
    /* 200 = 0xc8: exp 4, mant 8: (8 | 0x10) << 7 = 3072 tenths */
    assert_int_equal(m.max_resp_ds, 3072);
    assert_true(m.s_flag);
    assert_int_equal(m.qrv, 2);
    assert_int_equal(m.qqi_s, 125);
    assert_int_equal(m.nsrc, 2);
    assert_int_equal(get_be32(m.sources + 4), UST_IP4(198, 51, 100, 8));
    ust_ip4_t src[2] = {UST_IP4(198, 51, 100, 7), UST_IP4(198, 51, 100, 8)};
    uint8_t out[32];
    assert_int_equal(igmp_v3_query_emit(200, UST_IP4(239, 1, 2, 3), true, 2, 125, src, 2, out,
                                        sizeof(out)),
                     (int)sizeof(v3_query));
    assert_memory_equal(out, v3_query, sizeof(v3_query));
}

static void test_v3_report_emit_and_parse(void **state)
{
    (void)state;
    struct igmp_record r[2] = {
        {.type = IGMP_CHANGE_TO_EXCLUDE, .group = UST_IP4(239, 1, 2, 3)},
        {.type = IGMP_MODE_IS_EXCLUDE, .group = UST_IP4(239, 1, 2, 4)},
    };
    uint8_t out[64];
    assert_int_equal(igmp_v3_report_emit(r, 2, out, sizeof(out)), (int)sizeof(v3_report));
    assert_memory_equal(out, v3_report, sizeof(v3_report));
    assert_int_equal(igmp_v3_report_emit(r, 2, out, sizeof(v3_report) - 1), WIRE_NOSPACE);
    struct igmp_msg m;
    assert_int_equal(igmp_parse(v3_report_src, sizeof(v3_report_src), &m), WIRE_OK);
    assert_int_equal(m.nrec, 1);
    struct igmp_rec_iter it;
    struct igmp_record g;
    igmp_rec_iter_init(&it, v3_report_src, sizeof(v3_report_src));
    assert_true(igmp_rec_next(&it, &g));
    assert_int_equal(g.type, IGMP_MODE_IS_INCLUDE);
    assert_int_equal(g.group, UST_IP4(232, 1, 1, 1));
    assert_int_equal(g.nsrc, 1);
    assert_int_equal(get_be32(g.sources), UST_IP4(198, 51, 100, 7));
    assert_false(igmp_rec_next(&it, &g));
    assert_int_equal(it.err, WIRE_OK);
}

static void test_v2_report_and_leave(void **state)
{
    (void)state;
    uint8_t out[8];
    assert_int_equal(igmp_emit_simple(IGMP_V2_REPORT, 0, UST_IP4(239, 1, 2, 3), out, 8), 8);
    assert_memory_equal(out, v2_report, 8);
    assert_int_equal(igmp_emit_simple(IGMP_V2_LEAVE, 0, UST_IP4(239, 1, 2, 3), out, 8), 8);
    assert_memory_equal(out, v2_leave, 8);
    assert_int_equal(igmp_emit_simple(IGMP_V2_LEAVE, 0, 0, out, 7), WIRE_NOSPACE);
    struct igmp_msg m;
    assert_int_equal(igmp_parse(v2_report, sizeof(v2_report), &m), WIRE_OK);
    assert_int_equal(m.type, IGMP_V2_REPORT);
    assert_int_equal(m.group, UST_IP4(239, 1, 2, 3));
}

static void test_codes(void **state)
{
    (void)state;
    assert_int_equal(igmp_decode_code(127), 127);
    assert_int_equal(igmp_decode_code(128), 128);  /* exp 0, mant 0: 0x10 << 3 */
    assert_int_equal(igmp_decode_code(255), 31744); /* (0x1f) << 10 */
    for (unsigned v = 0; v < 40000; v += 7) {
        uint8_t c = igmp_encode_code(v);
        assert_true(igmp_decode_code(c) <= v || v < 128);
    }
    assert_int_equal(igmp_encode_code(3072), 200);
}

/* ---- one test per malformation ---- */

static void test_short_message(void **state)
{
    (void)state;
    struct igmp_msg m;
    assert_int_equal(igmp_parse(v2_query, 7, &m), WIRE_TRUNCATED);
    assert_int_equal(igmp_parse(v2_query, 0, &m), WIRE_TRUNCATED);
}

static void test_bad_checksum(void **state)
{
    (void)state;
    uint8_t b[sizeof(v3_query)];
    memcpy(b, v3_query, sizeof(b));
    b[sizeof(b) - 1] ^= 0x40; /* the checksum covers the whole message */
    struct igmp_msg m;
    assert_int_equal(igmp_parse(b, sizeof(b), &m), WIRE_BAD_CSUM);
}

/* Re-checksums a modified copy. */
static void fix_csum(uint8_t *b, size_t len)
{
    put_be16(b + 2, 0);
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get_be16(b + i);
    if (len & 1)
        sum += (uint32_t)b[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put_be16(b + 2, (uint16_t)~sum);
}

static void test_query_of_9_to_11_bytes(void **state)
{
    (void)state;
    /* RFC 3376 7.1: neither v1/v2 (8) nor v3 (>= 12): ignored. */
    for (size_t len = 9; len <= 11; len++) {
        uint8_t b[12] = {0};
        memcpy(b, v2_query, 8);
        fix_csum(b, len);
        struct igmp_msg m;
        assert_int_equal(igmp_parse(b, len, &m), WIRE_BAD_LEN);
    }
}

static void test_v3_query_sources_past_end(void **state)
{
    (void)state;
    uint8_t b[sizeof(v3_query)];
    memcpy(b, v3_query, sizeof(b));
    put_be16(b + 10, 3); /* three sources, room for two */
    fix_csum(b, sizeof(b));
    struct igmp_msg m;
    assert_int_equal(igmp_parse(b, sizeof(b), &m), WIRE_TRUNCATED);
}

static void test_v3_report_record_past_end(void **state)
{
    (void)state;
    uint8_t b[sizeof(v3_report_src)];
    memcpy(b, v3_report_src, sizeof(b));
    put_be16(b + 10, 2); /* the record claims two sources */
    fix_csum(b, sizeof(b));
    struct igmp_msg m;
    assert_int_equal(igmp_parse(b, sizeof(b), &m), WIRE_TRUNCATED);
}

static void test_v3_report_more_records_than_present(void **state)
{
    (void)state;
    uint8_t b[sizeof(v3_report)];
    memcpy(b, v3_report, sizeof(b));
    put_be16(b + 6, 3);
    fix_csum(b, sizeof(b));
    struct igmp_msg m;
    assert_int_equal(igmp_parse(b, sizeof(b), &m), WIRE_TRUNCATED);
}

static void test_v3_report_aux_data_past_end(void **state)
{
    (void)state;
    uint8_t b[sizeof(v3_report_src)];
    memcpy(b, v3_report_src, sizeof(b));
    b[9] = 1; /* one word of auxiliary data that is not there */
    fix_csum(b, sizeof(b));
    struct igmp_msg m;
    assert_int_equal(igmp_parse(b, sizeof(b), &m), WIRE_TRUNCATED);
}

static void test_v3_report_header_only(void **state)
{
    (void)state;
    uint8_t b[8];
    memcpy(b, v3_report, 8);
    put_be16(b + 6, 1); /* a record announced, none present */
    fix_csum(b, sizeof(b));
    struct igmp_msg m;
    assert_int_equal(igmp_parse(b, sizeof(b), &m), WIRE_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_v2_queries),
        cmocka_unit_test(test_v3_query),
        cmocka_unit_test(test_v3_report_emit_and_parse),
        cmocka_unit_test(test_v2_report_and_leave),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_short_message),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_query_of_9_to_11_bytes),
        cmocka_unit_test(test_v3_query_sources_past_end),
        cmocka_unit_test(test_v3_report_record_past_end),
        cmocka_unit_test(test_v3_report_more_records_than_present),
        cmocka_unit_test(test_v3_report_aux_data_past_end),
        cmocka_unit_test(test_v3_report_header_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
