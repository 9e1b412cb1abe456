/* The IPv6 extension-header walk (RFC 8200 4) with its bounds and limits,
 * the Routing header type (RFC 5095), the Fragment header (RFC 8200 4.5)
 * and the header chain of a first fragment (RFC 7112 5). */
#include "ipv6.h"
#include "wbuf.h"

void ipv6_frag_parse(const uint8_t *buf, struct ipv6_frag *f)
{
    uint16_t w = get_be16(buf + 2);
    f->next_hdr = buf[0];
    f->offset = (uint16_t)(w & 0xfff8u); /* 13 bits in units of 8 octets */
    f->more = (w & 1) != 0;
    f->id = get_be32(buf + 4);
}

int ipv6_frag_emit(const struct ipv6_frag *f, uint8_t *buf, size_t cap)
{
    if (cap < IPV6_FRAG_HDR_LEN)
        return WIRE_NOSPACE;
    if (f->offset & 7)
        return WIRE_BAD_LEN;
    buf[0] = f->next_hdr;
    buf[1] = 0;
    put_be16(buf + 2, (uint16_t)(f->offset | (f->more ? 1 : 0)));
    put_be32(buf + 4, f->id);
    return IPV6_FRAG_HDR_LEN;
}

bool ipv6_nh_is_ext(uint8_t nh)
{
    return nh == IPV6_NH_HOPOPTS || nh == IPV6_NH_ROUTING || nh == IPV6_NH_FRAGMENT ||
           nh == IPV6_NH_AH || nh == IPV6_NH_DSTOPTS;
}

void ipv6_ext_iter_init(struct ipv6_ext_iter *it, const uint8_t *pkt, size_t len,
                        unsigned max_hdrs, size_t max_bytes)
{
    *it = (struct ipv6_ext_iter){.pkt = pkt, .len = len, .off = IPV6_HDR_LEN,
                                 .nh = len >= IPV6_HDR_LEN ? pkt[6] : IPV6_NH_NONE,
                                 .nh_off = 6, .max_hdrs = max_hdrs, .max_bytes = max_bytes,
                                 .pp_code = -1};
    if (len < IPV6_HDR_LEN)
        it->err = WIRE_TRUNCATED;
}

static bool fail(struct ipv6_ext_iter *it, int err, int pp_code, size_t bad_off)
{
    it->err = err;
    it->pp_code = pp_code;
    it->bad_off = bad_off;
    return false;
}

/* A header that does not fit the packet. In a first fragment that is an
 * incomplete chain: Parameter Problem code 3, pointer 0 (RFC 7112 5,
 * HDRC-2/HDRC-4); otherwise the packet is just malformed. */
static bool truncated(struct ipv6_ext_iter *it)
{
    if (it->first_frag)
        return fail(it, WIRE_TRUNCATED, IPV6_PP_INCOMPLETE, 0);
    return fail(it, WIRE_TRUNCATED, -1, 0);
}

/* Length in bytes of the header at off of type nh (RFC 8200 4.3-4.6;
 * AH counts 4-octet units, RFC 4302 2.2); 0 if its length octet is missing. */
static size_t ext_len(const struct ipv6_ext_iter *it, uint8_t nh)
{
    if (nh == IPV6_NH_FRAGMENT)
        return IPV6_FRAG_HDR_LEN;
    if (it->len - it->off < 2)
        return 0;
    uint8_t units = it->pkt[it->off + 1];
    return nh == IPV6_NH_AH ? ((size_t)units + 2) * 4 : ((size_t)units + 1) * 8;
}

/* Type-specific fields: the Routing type, the Fragment header. */
static void ext_fields(struct ipv6_ext_iter *it, struct ipv6_ext *e)
{
    if (e->type == IPV6_NH_ROUTING) {
        e->rh_type = e->p[2];
        e->rh_segs_left = e->p[3];
        e->rh0 = e->rh_type == 0;
    } else if (e->type == IPV6_NH_FRAGMENT) {
        ipv6_frag_parse(e->p, &e->frag);
        it->has_frag = true;
        if (e->frag.offset != 0)
            it->frag_later = true; /* what follows is data, not headers */
        else if (e->frag.more)
            it->first_frag = true;
    }
}

/* The upper-layer header must be in a first fragment too (RFC 7112 5): its
 * fixed part for the protocols the stack knows. */
static size_t upper_min_len(uint8_t nh)
{
    switch (nh) {
    case IPV6_NH_TCP: return 20;
    case IPV6_NH_UDP: return 8;
    case IPV6_NH_ICMPV6: return 4;
    default: return 0;
    }
}

static bool at_upper_layer(struct ipv6_ext_iter *it)
{
    if (it->first_frag && it->len - it->off < upper_min_len(it->nh))
        return truncated(it);
    return false;
}

bool ipv6_ext_next(struct ipv6_ext_iter *it, struct ipv6_ext *e)
{
    if (it->err != WIRE_OK || it->frag_later)
        return false;
    if (!ipv6_nh_is_ext(it->nh))
        return at_upper_layer(it);
    /* Hop-by-Hop only right after the fixed header (RFC 8200 4.1): else an
     * unrecognized Next Header (IP6-3, IP6-4). */
    if (it->nh == IPV6_NH_HOPOPTS && it->off != IPV6_HDR_LEN)
        return fail(it, WIRE_UNSUPPORTED, IPV6_PP_NEXT_HDR, it->nh_off);
    if (it->count >= it->max_hdrs)
        return fail(it, WIRE_BAD_LEN, -1, it->off);
    size_t hlen = ext_len(it, it->nh);
    if (hlen == 0 || hlen > it->len - it->off)
        return truncated(it);
    if (it->off + hlen - IPV6_HDR_LEN > it->max_bytes)
        return fail(it, WIRE_BAD_LEN, -1, it->off);
    *e = (struct ipv6_ext){.type = it->nh, .next_hdr = it->pkt[it->off],
                           .p = it->pkt + it->off, .len = hlen, .off = it->off};
    ext_fields(it, e);
    it->count++;
    it->nh = e->next_hdr;
    it->nh_off = it->off;
    it->off += hlen;
    return true;
}
