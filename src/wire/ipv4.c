/* IPv4 header parse/emit (RFC 791 3.1). */
#include "ipv4.h"

#include "csum.h"
#include "wbuf.h"

#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_MASK 0x1fff

/* Well-formed (ipv4_opt_next's checks: every type/length pair inside the
 * list) and whether a source route is among them. */
int ipv4_check_options(const uint8_t *opts, size_t len, bool *has_source_route)
{
    bool sr = false;
    struct ipv4_opt_iter it;
    struct ipv4_opt o;
    ipv4_opt_iter_init(&it, opts, len);
    while (ipv4_opt_next(&it, &o))
        if (o.type == IPV4_OPT_LSRR || o.type == IPV4_OPT_SSRR)
            sr = true;
    if (it.err != WIRE_OK)
        return it.err;
    if (has_source_route)
        *has_source_route = sr;
    return WIRE_OK;
}

static void ipv4_fill(const uint8_t *buf, struct ipv4_hdr *h)
{
    h->hdr_len = (uint8_t)((buf[0] & 0x0f) * 4);
    h->tos = buf[1];
    h->total_len = get_be16(buf + 2);
    h->id = get_be16(buf + 4);
    uint16_t ff = get_be16(buf + 6);
    h->df = (ff & IPV4_FLAG_DF) != 0;
    h->mf = (ff & IPV4_FLAG_MF) != 0;
    h->frag_off = (uint16_t)((ff & IPV4_FRAG_MASK) * 8);
    h->ttl = buf[8];
    h->proto = buf[9];
    h->csum = get_be16(buf + 10);
    h->src = get_be32(buf + 12);
    h->dst = get_be32(buf + 16);
    h->opt_len = h->hdr_len >= IPV4_HDR_LEN ? (uint8_t)(h->hdr_len - IPV4_HDR_LEN) : 0;
    h->opts = h->opt_len ? buf + IPV4_HDR_LEN : NULL;
    h->has_source_route = false;
}

/* RFC 1122 3.2.1.1-3.2.1.2: silently discard wrong versions and bad
 * checksums; lengths are checked before anything is read past them. */
int ipv4_parse(const uint8_t *buf, size_t len, bool verify_csum, struct ipv4_hdr *h)
{
    if (len < IPV4_HDR_LEN)
        return WIRE_TRUNCATED;
    ipv4_fill(buf, h);
    if ((buf[0] >> 4) != 4)
        return WIRE_BAD_VERSION;
    if (h->hdr_len < IPV4_HDR_LEN)
        return WIRE_BAD_HLEN;
    if (h->total_len < h->hdr_len)
        return WIRE_BAD_LEN;
    if (h->total_len > len)
        return WIRE_TRUNCATED;
    if (verify_csum && csum_buf(buf, h->hdr_len) != 0)
        return WIRE_BAD_CSUM;
    return ipv4_check_options(buf + IPV4_HDR_LEN, h->opt_len, &h->has_source_route);
}

int ipv4_emit(const struct ipv4_hdr *h, uint8_t *buf, size_t cap)
{
    /* hdr_len 0 means "20 + opt_len" for callers that only set opt_len. */
    size_t hl = h->hdr_len ? h->hdr_len : (size_t)IPV4_HDR_LEN + h->opt_len;
    if (hl < IPV4_HDR_LEN || hl > IPV4_MAX_HDR_LEN || hl % 4 != 0 ||
        hl != (size_t)IPV4_HDR_LEN + h->opt_len)
        return WIRE_BAD_HLEN;
    if (cap < hl)
        return WIRE_NOSPACE;
    if (h->total_len < hl || h->frag_off % 8 != 0)
        return WIRE_BAD_LEN;
    buf[0] = (uint8_t)(0x40 | (hl / 4));
    buf[1] = h->tos;
    put_be16(buf + 2, h->total_len);
    put_be16(buf + 4, h->id);
    uint16_t ff = (uint16_t)((h->frag_off / 8) & IPV4_FRAG_MASK);
    if (h->df)
        ff |= IPV4_FLAG_DF;
    if (h->mf)
        ff |= IPV4_FLAG_MF;
    put_be16(buf + 6, ff);
    buf[8] = h->ttl;
    buf[9] = h->proto;
    put_be16(buf + 10, 0);
    put_be32(buf + 12, h->src);
    put_be32(buf + 16, h->dst);
    put_be16(buf + 10, csum_buf(buf, hl));
    return (int)hl;
}
