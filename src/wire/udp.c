/* UDP header (RFC 768). */
#include "udp.h"

#include "csum.h"
#include "ipv4.h"
#include "wbuf.h"

int udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, bool verify_csum,
              struct udp_hdr *h)
{
    return udp_parse_ps(buf, len, csum_pseudo(src, dst, IPV4_PROTO_UDP, 0), verify_csum, h);
}

int udp_parse_ps(const uint8_t *buf, size_t len, uint32_t pseudo, bool verify_csum,
                 struct udp_hdr *h)
{
    if (len < UDP_HDR_LEN)
        return WIRE_TRUNCATED;
    h->sport = get_be16(buf);
    h->dport = get_be16(buf + 2);
    h->len = get_be16(buf + 4);
    h->csum = get_be16(buf + 6);
    if (h->len < UDP_HDR_LEN)
        return WIRE_BAD_LEN;
    if (h->len > len)
        return WIRE_TRUNCATED;
    /* RFC 768: an all-zero field means the sender computed no checksum. */
    if (verify_csum && h->csum != 0) {
        uint32_t sum = pseudo + h->len;
        if (csum_fold(csum_partial(buf, h->len, sum)) != 0)
            return WIRE_BAD_CSUM;
    }
    return WIRE_OK;
}

int udp_emit(uint16_t sport, uint16_t dport, uint32_t src, uint32_t dst, uint8_t *buf, size_t cap,
             size_t payload_len)
{
    return udp_emit_ps(sport, dport, csum_pseudo(src, dst, IPV4_PROTO_UDP, 0), buf, cap,
                       payload_len);
}

int udp_emit_ps(uint16_t sport, uint16_t dport, uint32_t pseudo, uint8_t *buf, size_t cap,
                size_t payload_len)
{
    if (payload_len > 0xffffu - UDP_HDR_LEN)
        return WIRE_BAD_LEN;
    size_t total = UDP_HDR_LEN + payload_len;
    if (cap < total)
        return WIRE_NOSPACE;
    put_be16(buf, sport);
    put_be16(buf + 2, dport);
    put_be16(buf + 4, (uint16_t)total);
    put_be16(buf + 6, 0);
    uint32_t sum = pseudo + (uint32_t)total;
    uint16_t c = csum_fold(csum_partial(buf, total, sum));
    /* RFC 768: a computed zero is sent as all ones (0 means "none"). */
    put_be16(buf + 6, c ? c : 0xffff);
    return UDP_HDR_LEN;
}
