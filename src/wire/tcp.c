/* TCP header parse/emit (RFC 9293 3.1). Options live in tcp_opt.c. */
#include "tcp.h"

#include "csum.h"
#include "ipv4.h"
#include "tcp_opt.h"
#include "wbuf.h"


/* One body for both entry points, inlined into each (the IPv4 receive
 * path makes no extra call). */
static inline int parse_body(const uint8_t *buf, size_t len, uint32_t pseudo, bool verify_csum,
                             struct tcp_hdr *h)
{
    if (len < TCP_HDR_LEN)
        return WIRE_TRUNCATED;
    h->sport = get_be16(buf);
    h->dport = get_be16(buf + 2);
    h->seq = get_be32(buf + 4);
    h->ack = get_be32(buf + 8);
    h->hdr_len = (uint8_t)((buf[12] >> 4) * 4);
    h->flags = buf[13];
    h->wnd = get_be16(buf + 14);
    h->csum = get_be16(buf + 16);
    h->urp = get_be16(buf + 18);
    if (h->hdr_len < TCP_HDR_LEN || h->hdr_len > len)
        return WIRE_BAD_HLEN;
    /* The pseudo-header carries the segment length in 16 bits. */
    if (len > IPV4_MAX_LEN)
        return WIRE_BAD_LEN;
    if (verify_csum) {
        uint32_t sum = pseudo + (uint32_t)len;
        if (csum_fold(csum_partial(buf, len, sum)) != 0)
            return WIRE_BAD_CSUM;
    }
    return tcp_parse_options(buf + TCP_HDR_LEN, h->hdr_len - TCP_HDR_LEN, &h->opts);
}

int tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, bool verify_csum,
              struct tcp_hdr *h)
{
    uint32_t pseudo = verify_csum ? csum_pseudo(src, dst, IPV4_PROTO_TCP, 0) : 0;
    return parse_body(buf, len, pseudo, verify_csum, h);
}

int tcp_parse_ps(const uint8_t *buf, size_t len, uint32_t pseudo, bool verify_csum,
                 struct tcp_hdr *h)
{
    return parse_body(buf, len, pseudo, verify_csum, h);
}

int tcp_emit(const struct tcp_hdr *h, uint32_t src, uint32_t dst, uint8_t *buf, size_t cap,
             size_t payload_len)
{
    return tcp_emit_ps(h, csum_pseudo(src, dst, IPV4_PROTO_TCP, 0), buf, cap, payload_len);
}

int tcp_emit_ps(const struct tcp_hdr *h, uint32_t pseudo, uint8_t *buf, size_t cap,
                size_t payload_len)
{
    int hl = tcp_emit_nocsum(h, buf, cap, payload_len);
    if (hl < 0)
        return hl;
    uint32_t sum = pseudo + (uint32_t)((size_t)hl + payload_len);
    put_be16(buf + 16, csum_fold(csum_partial(buf, (size_t)hl + payload_len, sum)));
    return hl;
}

int tcp_emit_nocsum(const struct tcp_hdr *h, uint8_t *buf, size_t cap, size_t payload_len)
{
    size_t hl = TCP_HDR_LEN + tcp_opts_len(&h->opts);
    if (cap < hl || payload_len > cap - hl)
        return WIRE_NOSPACE;
    if (hl + payload_len > IPV4_MAX_LEN)
        return WIRE_BAD_LEN;
    put_be16(buf, h->sport);
    put_be16(buf + 2, h->dport);
    put_be32(buf + 4, h->seq);
    put_be32(buf + 8, h->ack);
    buf[12] = (uint8_t)((hl / 4) << 4);
    buf[13] = h->flags;
    put_be16(buf + 14, h->wnd);
    put_be16(buf + 16, 0);
    put_be16(buf + 18, h->urp);
    tcp_emit_options(&h->opts, buf + TCP_HDR_LEN);
    return (int)hl;
}
