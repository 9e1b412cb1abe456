/* IGMP parse/emit (RFC 3376 4, 7.1; RFC 2236 2; RFC 1112 App. I). */
#include <string.h>

#include "csum.h"
#include "igmp.h"
#include "wbuf.h"

uint32_t igmp_decode_code(uint8_t code)
{
    /* RFC 3376 4.1.1: below 128 the value itself, else a floating point
     * value: (mant | 0x10) << (exp + 3). */
    if (code < 128)
        return code;
    uint32_t exp = (code >> 4) & 0x07, mant = code & 0x0f;
    return (mant | 0x10) << (exp + 3);
}

uint8_t igmp_encode_code(uint32_t v)
{
    if (v < 128)
        return (uint8_t)v;
    for (int code = 255; code >= 128; code--)
        if (igmp_decode_code((uint8_t)code) <= v)
            return (uint8_t)code;
    return 127;
}

/* RFC 3376 7.1: the version of a Query is told by its length (8: v1 or
 * v2, by the Max Resp Code; >= 12: v3); 9-11 bytes are ignored. */
static int parse_query(const uint8_t *msg, size_t len, struct igmp_msg *m)
{
    if (len == IGMP_MIN_LEN) {
        m->qver = m->code == 0 ? IGMP_QV1 : IGMP_QV2;
        /* RFC 2236 4: a v1 Query's zero code means 100 (10 s). */
        m->max_resp_ds = m->code == 0 ? 100 : m->code;
        return WIRE_OK;
    }
    if (len < IGMP_V3_QUERY_MIN)
        return WIRE_BAD_LEN;
    m->qver = IGMP_QV3;
    m->max_resp_ds = igmp_decode_code(m->code);
    m->s_flag = (msg[8] & 0x08) != 0;
    m->qrv = msg[8] & 0x07;
    m->qqi_s = igmp_decode_code(msg[9]);
    m->nsrc = get_be16(msg + 10);
    if ((size_t)m->nsrc * 4 > len - IGMP_V3_QUERY_MIN)
        return WIRE_TRUNCATED;
    m->sources = msg + IGMP_V3_QUERY_MIN;
    return WIRE_OK;
}

/* Every record of a v3 Report inside the message. */
static int parse_v3_report(const uint8_t *msg, size_t len, struct igmp_msg *m)
{
    m->nrec = get_be16(msg + 6);
    struct igmp_rec_iter it;
    struct igmp_record r;
    igmp_rec_iter_init(&it, msg, len);
    while (igmp_rec_next(&it, &r))
        ;
    return it.err;
}

int igmp_parse(const uint8_t *msg, size_t len, struct igmp_msg *m)
{
    memset(m, 0, sizeof(*m));
    if (len < IGMP_MIN_LEN)
        return WIRE_TRUNCATED;
    if (csum_buf(msg, len) != 0)
        return WIRE_BAD_CSUM;
    m->type = msg[0];
    m->code = msg[1];
    m->group = get_be32(msg + 4);
    if (m->type == IGMP_QUERY)
        return parse_query(msg, len, m);
    if (m->type == IGMP_V3_REPORT) {
        m->group = 0;
        return parse_v3_report(msg, len, m);
    }
    return WIRE_OK;
}

void igmp_rec_iter_init(struct igmp_rec_iter *it, const uint8_t *msg, size_t len)
{
    it->msg = msg;
    it->len = len;
    it->off = IGMP_V3_REPORT_HDR;
    it->left = len >= IGMP_V3_REPORT_HDR ? get_be16(msg + 6) : 0;
    it->err = len >= IGMP_V3_REPORT_HDR ? WIRE_OK : WIRE_TRUNCATED;
}

bool igmp_rec_next(struct igmp_rec_iter *it, struct igmp_record *r)
{
    if (it->err != WIRE_OK || it->left == 0)
        return false;
    if (it->len - it->off < IGMP_V3_RECORD_HDR) {
        it->err = WIRE_TRUNCATED;
        return false;
    }
    const uint8_t *p = it->msg + it->off;
    r->type = p[0];
    r->aux_words = p[1];
    r->nsrc = get_be16(p + 2);
    r->group = get_be32(p + 4);
    size_t body = (size_t)r->nsrc * 4 + (size_t)r->aux_words * 4;
    if (it->len - it->off - IGMP_V3_RECORD_HDR < body) {
        it->err = WIRE_TRUNCATED;
        return false;
    }
    r->sources = p + IGMP_V3_RECORD_HDR;
    it->off += IGMP_V3_RECORD_HDR + body;
    it->left--;
    return true;
}

int igmp_v3_report_emit(const struct igmp_record *recs, size_t n, uint8_t *msg, size_t cap)
{
    size_t need = IGMP_V3_REPORT_HDR;
    for (size_t i = 0; i < n; i++)
        need += IGMP_V3_RECORD_HDR + (size_t)recs[i].nsrc * 4;
    if (need > cap || n > 0xffff)
        return WIRE_NOSPACE;
    memset(msg, 0, IGMP_V3_REPORT_HDR);
    msg[0] = IGMP_V3_REPORT;
    put_be16(msg + 6, (uint16_t)n);
    size_t off = IGMP_V3_REPORT_HDR;
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = msg + off;
        p[0] = recs[i].type;
        p[1] = 0; /* no auxiliary data (RFC 3376 4.2.6) */
        put_be16(p + 2, recs[i].nsrc);
        put_be32(p + 4, recs[i].group);
        if (recs[i].nsrc)
            memcpy(p + IGMP_V3_RECORD_HDR, recs[i].sources, (size_t)recs[i].nsrc * 4);
        off += IGMP_V3_RECORD_HDR + (size_t)recs[i].nsrc * 4;
    }
    put_be16(msg + 2, csum_buf(msg, need));
    return (int)need;
}

int igmp_emit_simple(uint8_t type, uint8_t code, ust_ip4_t group, uint8_t *msg, size_t cap)
{
    if (cap < IGMP_MIN_LEN)
        return WIRE_NOSPACE;
    msg[0] = type;
    msg[1] = code;
    put_be16(msg + 2, 0);
    put_be32(msg + 4, group);
    put_be16(msg + 2, csum_buf(msg, IGMP_MIN_LEN));
    return IGMP_MIN_LEN;
}

int igmp_v3_query_emit(uint8_t max_resp_code, ust_ip4_t group, bool s_flag, uint8_t qrv,
                       uint8_t qqic, const ust_ip4_t *sources, uint16_t nsrc, uint8_t *msg,
                       size_t cap)
{
    size_t need = IGMP_V3_QUERY_MIN + (size_t)nsrc * 4;
    if (need > cap)
        return WIRE_NOSPACE;
    msg[0] = IGMP_QUERY;
    msg[1] = max_resp_code;
    put_be16(msg + 2, 0);
    put_be32(msg + 4, group);
    msg[8] = (uint8_t)((s_flag ? 0x08 : 0) | (qrv & 0x07));
    msg[9] = qqic;
    put_be16(msg + 10, nsrc);
    for (uint16_t i = 0; i < nsrc; i++)
        put_be32(msg + IGMP_V3_QUERY_MIN + 4 * (size_t)i, sources[i]);
    put_be16(msg + 2, csum_buf(msg, need));
    return (int)need;
}
