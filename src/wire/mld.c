/* MLDv2 (RFC 3810 5) and MLDv1 (RFC 2710 3) messages. */
#include "mld.h"
#include "wbuf.h"

uint32_t mld_decode_mrc(uint16_t code)
{
    if (code < 32768)
        return code;
    /* 1 | exp (3) | mant (12): (mant | 0x1000) << (exp + 3) */
    return (uint32_t)((code & 0x0fffu) | 0x1000u) << (((code >> 12) & 7) + 3);
}

uint32_t mld_decode_qqic(uint8_t code)
{
    if (code < 128)
        return code;
    /* 1 | exp (3) | mant (4) */
    return (uint32_t)((code & 0x0fu) | 0x10u) << (((code >> 4) & 7) + 3);
}

int mld_query_parse(const uint8_t *msg, size_t len, struct mld_query *q)
{
    if (len < MLD1_LEN)
        return WIRE_TRUNCATED;
    if (len != MLD1_LEN && len < MLD2_QUERY_MIN)
        return WIRE_BAD_LEN; /* RFC 3810 8.1: neither v1 nor v2, ignored */
    *q = (struct mld_query){.v2 = len >= MLD2_QUERY_MIN};
    uint16_t code = get_be16(msg + 4);
    memcpy(q->group.b, msg + 8, IPV6_ADDR_LEN);
    if (!q->v2) {
        q->max_resp_ms = code; /* RFC 2710 3.4: plain milliseconds */
        return WIRE_OK;
    }
    q->max_resp_ms = mld_decode_mrc(code);
    q->s_flag = (msg[24] & 0x08) != 0;
    q->qrv = msg[24] & 0x07;
    q->qqi_s = mld_decode_qqic(msg[25]);
    q->nsrc = get_be16(msg + 26);
    if ((size_t)q->nsrc * IPV6_ADDR_LEN > len - MLD2_QUERY_MIN)
        return WIRE_TRUNCATED;
    q->sources = msg + MLD2_QUERY_MIN;
    return WIRE_OK;
}

static size_t record_len(const struct mld2_record *r)
{
    return MLD2_RECORD_HDR + (size_t)r->nsrc * IPV6_ADDR_LEN + (size_t)r->aux_words * 4;
}

int mld2_report_emit(const struct mld2_record *recs, size_t n, const struct ipv6_addr *src,
                     const struct ipv6_addr *dst, uint8_t *msg, size_t cap)
{
    size_t total = MLD2_REPORT_HDR;
    for (size_t i = 0; i < n; i++)
        total += MLD2_RECORD_HDR + (size_t)recs[i].nsrc * IPV6_ADDR_LEN;
    if (total > cap || n > 0xffff)
        return WIRE_NOSPACE;
    memset(msg, 0, MLD2_REPORT_HDR);
    msg[0] = ICMPV6_MLD2_REPORT;
    put_be16(msg + 6, (uint16_t)n);
    size_t off = MLD2_REPORT_HDR;
    for (size_t i = 0; i < n; i++) {
        const struct mld2_record *r = &recs[i];
        msg[off] = r->type;
        msg[off + 1] = 0; /* no auxiliary data (RFC 3810 5.2.10) */
        put_be16(msg + off + 2, r->nsrc);
        memcpy(msg + off + 4, r->group.b, IPV6_ADDR_LEN);
        if (r->nsrc)
            memcpy(msg + off + MLD2_RECORD_HDR, r->sources, (size_t)r->nsrc * IPV6_ADDR_LEN);
        off += MLD2_RECORD_HDR + (size_t)r->nsrc * IPV6_ADDR_LEN;
    }
    icmpv6_set_csum(msg, total, src, dst);
    return (int)total;
}

int mld2_report_iter_init(struct mld2_rec_iter *it, const uint8_t *msg, size_t len)
{
    *it = (struct mld2_rec_iter){.msg = msg, .len = len, .off = MLD2_REPORT_HDR};
    if (len < MLD2_REPORT_HDR)
        return it->err = WIRE_TRUNCATED;
    it->left = get_be16(msg + 6);
    return WIRE_OK;
}

bool mld2_rec_next(struct mld2_rec_iter *it, struct mld2_record *r)
{
    if (it->err != WIRE_OK || it->left == 0)
        return false;
    if (it->len - it->off < MLD2_RECORD_HDR) {
        it->err = WIRE_TRUNCATED;
        return false;
    }
    const uint8_t *p = it->msg + it->off;
    *r = (struct mld2_record){.type = p[0], .aux_words = p[1], .nsrc = get_be16(p + 2),
                              .sources = p + MLD2_RECORD_HDR};
    memcpy(r->group.b, p + 4, IPV6_ADDR_LEN);
    if (record_len(r) > it->len - it->off) {
        it->err = WIRE_TRUNCATED;
        return false;
    }
    it->off += record_len(r);
    it->left--;
    return true;
}

void mld2_record_source(const struct mld2_record *r, uint16_t i, struct ipv6_addr *a)
{
    memcpy(a->b, r->sources + (size_t)i * IPV6_ADDR_LEN, IPV6_ADDR_LEN);
}

int mld1_emit(uint8_t type, const struct ipv6_addr *group, const struct ipv6_addr *src,
              const struct ipv6_addr *dst, uint8_t *msg, size_t cap)
{
    if (cap < MLD1_LEN)
        return WIRE_NOSPACE;
    memset(msg, 0, MLD1_LEN);
    msg[0] = type;
    memcpy(msg + 8, group->b, IPV6_ADDR_LEN);
    icmpv6_set_csum(msg, MLD1_LEN, src, dst);
    return MLD1_LEN;
}
