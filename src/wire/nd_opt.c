/* Neighbor Discovery options (RFC 4861 4.6, RFC 8106 5.1): the walk, with
 * lengths in 8-octet units bounded by the message, and the typed readers
 * and emitters. */
#include "nd.h"
#include "wbuf.h"

void nd_opt_iter_init(struct nd_opt_iter *it, const uint8_t *opts, size_t len)
{
    *it = (struct nd_opt_iter){.opts = opts, .len = opts ? len : 0};
}

bool nd_opt_next(struct nd_opt_iter *it, struct nd_opt *o)
{
    if (it->err != WIRE_OK || it->off >= it->len)
        return false;
    size_t i = it->off;
    /* RFC 4861 4.6: a length of 0 is invalid, the message is discarded. */
    size_t olen = it->len - i >= 2 ? (size_t)it->opts[i + 1] * 8 : 0;
    if (olen == 0 || olen > it->len - i) {
        it->err = WIRE_BAD_OPTION;
        it->bad_off = i;
        return false;
    }
    *o = (struct nd_opt){.type = it->opts[i], .len = olen, .p = it->opts + i, .off = i};
    it->off = i + olen;
    return true;
}

int nd_opt_lladdr(const struct nd_opt *o, const uint8_t **ll, size_t *ll_len)
{
    if (o->type != ND_OPT_SLLA && o->type != ND_OPT_TLLA)
        return WIRE_BAD_LEN;
    *ll = o->p + 2;
    *ll_len = o->len - 2;
    return WIRE_OK;
}

int nd_opt_prefix(const struct nd_opt *o, struct nd_prefix_info *pi)
{
    /* RFC 4861 4.6.2: length 4 (32 bytes); a prefix length above 128 cannot
     * be used. */
    if (o->type != ND_OPT_PREFIX || o->len != 32 || o->p[2] > 128)
        return WIRE_BAD_LEN;
    pi->prefix_len = o->p[2];
    pi->flags = o->p[3];
    pi->valid_lifetime = get_be32(o->p + 4);
    pi->preferred_lifetime = get_be32(o->p + 8);
    memcpy(pi->prefix.b, o->p + 16, IPV6_ADDR_LEN);
    return WIRE_OK;
}

int nd_opt_mtu(const struct nd_opt *o, uint32_t *mtu)
{
    if (o->type != ND_OPT_MTU || o->len != 8) /* RFC 4861 4.6.4: length 1 */
        return WIRE_BAD_LEN;
    *mtu = get_be32(o->p + 4);
    return WIRE_OK;
}

int nd_opt_redirected(const struct nd_opt *o, const uint8_t **pkt, size_t *pkt_len)
{
    if (o->type != ND_OPT_REDIRECTED) /* RFC 4861 4.6.3: 6 reserved octets first */
        return WIRE_BAD_LEN;
    *pkt = o->p + 8;
    *pkt_len = o->len - 8;
    return WIRE_OK;
}

int nd_opt_rdnss(const struct nd_opt *o, uint32_t *lifetime, size_t *count)
{
    /* RFC 8106 5.1: length 3 + 2 per address, at least one address. */
    if (o->type != ND_OPT_RDNSS || o->len < 24 || (o->len - 8) % 16 != 0)
        return WIRE_BAD_LEN;
    *lifetime = get_be32(o->p + 4);
    *count = (o->len - 8) / 16;
    return WIRE_OK;
}

void nd_opt_rdnss_addr(const struct nd_opt *o, size_t i, struct ipv6_addr *a)
{
    memcpy(a->b, o->p + 8 + 16 * i, IPV6_ADDR_LEN);
}

int nd_opt_lladdr_emit(uint8_t type, const uint8_t mac[6], uint8_t *buf, size_t cap)
{
    if (cap < 8)
        return WIRE_NOSPACE;
    buf[0] = type;
    buf[1] = 1;
    memcpy(buf + 2, mac, 6);
    return 8;
}

int nd_opt_prefix_emit(const struct nd_prefix_info *pi, uint8_t *buf, size_t cap)
{
    if (cap < 32)
        return WIRE_NOSPACE;
    memset(buf, 0, 32);
    buf[0] = ND_OPT_PREFIX;
    buf[1] = 4;
    buf[2] = pi->prefix_len;
    buf[3] = pi->flags;
    put_be32(buf + 4, pi->valid_lifetime);
    put_be32(buf + 8, pi->preferred_lifetime);
    memcpy(buf + 16, pi->prefix.b, IPV6_ADDR_LEN);
    return 32;
}

int nd_opt_mtu_emit(uint32_t mtu, uint8_t *buf, size_t cap)
{
    if (cap < 8)
        return WIRE_NOSPACE;
    buf[0] = ND_OPT_MTU;
    buf[1] = 1;
    put_be16(buf + 2, 0);
    put_be32(buf + 4, mtu);
    return 8;
}

int nd_opt_rdnss_emit(uint32_t lifetime, const uint8_t (*addrs)[IPV6_ADDR_LEN], size_t count,
                      uint8_t *buf, size_t cap)
{
    size_t len = 8 + 16 * count; /* RFC 8106 5.1: Length 1 + 2 per address */
    if (count == 0 || count > 127 || cap < len)
        return count == 0 || count > 127 ? WIRE_UNSUPPORTED : WIRE_NOSPACE;
    buf[0] = ND_OPT_RDNSS;
    buf[1] = (uint8_t)(1 + 2 * count);
    put_be16(buf + 2, 0);
    put_be32(buf + 4, lifetime);
    for (size_t i = 0; i < count; i++)
        memcpy(buf + 8 + 16 * i, addrs[i], IPV6_ADDR_LEN);
    return (int)len;
}
