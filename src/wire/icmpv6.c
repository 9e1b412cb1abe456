/* ICMPv6 messages (RFC 4443): header, pseudo-header checksum (RFC 4443
 * 2.3, RFC 8200 8.1), echo and the four error messages. */
#include "icmpv6.h"
#include "csum.h"
#include "wbuf.h"

static uint16_t icmpv6_sum(const uint8_t *msg, size_t len, const struct ipv6_addr *src,
                           const struct ipv6_addr *dst)
{
    uint32_t acc = ipv6_csum_pseudo(src, dst, (uint32_t)len, IPV6_NH_ICMPV6);
    return csum_fold(csum_partial(msg, len, acc));
}

/* The per-type reading of the word after the checksum. */
static void read_rest(struct icmpv6_hdr *h)
{
    h->id = h->seq = 0;
    h->mtu = h->pointer = 0;
    if (h->type == ICMPV6_ECHO_REQUEST || h->type == ICMPV6_ECHO_REPLY) {
        h->id = (uint16_t)(h->rest >> 16);
        h->seq = (uint16_t)h->rest;
    } else if (h->type == ICMPV6_PKT_TOO_BIG) {
        h->mtu = h->rest;
    } else if (h->type == ICMPV6_PARAM_PROBLEM) {
        h->pointer = h->rest;
    }
}

int icmpv6_parse(const uint8_t *msg, size_t len, const struct ipv6_addr *src,
                 const struct ipv6_addr *dst, bool verify_csum, struct icmpv6_hdr *h)
{
    if (len < 4)
        return WIRE_TRUNCATED;
    h->type = msg[0];
    h->code = msg[1];
    h->csum = get_be16(msg + 2);
    if (verify_csum && icmpv6_sum(msg, len, src, dst) != 0)
        return WIRE_BAD_CSUM;
    bool needs_word = icmpv6_is_error(h->type) || h->type == ICMPV6_ECHO_REQUEST ||
                      h->type == ICMPV6_ECHO_REPLY;
    if (needs_word && len < ICMPV6_HDR_LEN)
        return WIRE_TRUNCATED;
    h->rest = len >= ICMPV6_HDR_LEN ? get_be32(msg + 4) : 0;
    read_rest(h);
    return WIRE_OK;
}

void icmpv6_set_csum(uint8_t *msg, size_t len, const struct ipv6_addr *src,
                     const struct ipv6_addr *dst)
{
    put_be16(msg + 2, 0);
    put_be16(msg + 2, icmpv6_sum(msg, len, src, dst));
}

int icmpv6_emit(const struct icmpv6_hdr *h, const struct ipv6_addr *src,
                const struct ipv6_addr *dst, uint8_t *msg, size_t len)
{
    if (len < ICMPV6_HDR_LEN)
        return WIRE_BAD_LEN;
    uint32_t rest = h->rest;
    if (h->type == ICMPV6_ECHO_REQUEST || h->type == ICMPV6_ECHO_REPLY)
        rest = (uint32_t)h->id << 16 | h->seq;
    else if (h->type == ICMPV6_PKT_TOO_BIG)
        rest = h->mtu;
    else if (h->type == ICMPV6_PARAM_PROBLEM)
        rest = h->pointer;
    msg[0] = h->type;
    msg[1] = h->code;
    put_be32(msg + 4, rest);
    icmpv6_set_csum(msg, len, src, dst);
    return ICMPV6_HDR_LEN;
}

int icmpv6_error_emit(uint8_t type, uint8_t code, uint32_t word, const uint8_t *inv,
                      size_t inv_len, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                      uint8_t *msg, size_t cap)
{
    if (!icmpv6_is_error(type))
        return WIRE_BAD_LEN;
    if (cap < ICMPV6_HDR_LEN)
        return WIRE_NOSPACE;
    size_t quote = inv_len;
    if (quote > ICMPV6_ERROR_QUOTE_MAX)
        quote = ICMPV6_ERROR_QUOTE_MAX;
    if (quote > cap - ICMPV6_HDR_LEN)
        quote = cap - ICMPV6_HDR_LEN;
    memmove(msg + ICMPV6_HDR_LEN, inv, quote);
    struct icmpv6_hdr h = {.type = type, .code = code, .rest = word, .mtu = word, .pointer = word};
    icmpv6_emit(&h, src, dst, msg, ICMPV6_HDR_LEN + quote);
    return (int)(ICMPV6_HDR_LEN + quote);
}
