/* ICMP message header (RFC 792). */
#include "icmp.h"

#include "csum.h"
#include "wbuf.h"

int icmp_parse(const uint8_t *buf, size_t len, bool verify_csum, struct icmp_hdr *h)
{
    if (len < ICMP_HDR_LEN)
        return WIRE_TRUNCATED;
    h->type = buf[0];
    h->code = buf[1];
    h->csum = get_be16(buf + 2);
    h->rest = get_be32(buf + 4);
    h->id = get_be16(buf + 4);
    h->seq = get_be16(buf + 6);
    /* RFC 1191 4: "unused" 16 bits, then the next-hop MTU. */
    h->mtu = (h->type == ICMP_DEST_UNREACH && h->code == ICMP_UNREACH_FRAG_NEEDED)
                 ? get_be16(buf + 6) : 0;
    /* RFC 792: the checksum covers the whole ICMP message. */
    if (verify_csum && csum_buf(buf, len) != 0)
        return WIRE_BAD_CSUM;
    return WIRE_OK;
}

int icmp_emit(const struct icmp_hdr *h, uint8_t *buf, size_t cap, size_t payload_len)
{
    if (cap < ICMP_HDR_LEN || payload_len > cap - ICMP_HDR_LEN)
        return WIRE_NOSPACE;
    buf[0] = h->type;
    buf[1] = h->code;
    put_be16(buf + 2, 0);
    if (h->type == ICMP_ECHO_REQUEST || h->type == ICMP_ECHO_REPLY) {
        put_be16(buf + 4, h->id);
        put_be16(buf + 6, h->seq);
    } else if (h->type == ICMP_DEST_UNREACH && h->code == ICMP_UNREACH_FRAG_NEEDED) {
        put_be32(buf + 4, h->mtu);
    } else {
        put_be32(buf + 4, h->rest);
    }
    put_be16(buf + 2, csum_buf(buf, ICMP_HDR_LEN + payload_len));
    return ICMP_HDR_LEN;
}

bool icmp_is_error(uint8_t type)
{
    switch (type) {
    case ICMP_DEST_UNREACH:
    case ICMP_SOURCE_QUENCH:
    case ICMP_REDIRECT:
    case ICMP_TIME_EXCEEDED:
    case ICMP_PARAM_PROBLEM:
        return true;
    default:
        return false;
    }
}
