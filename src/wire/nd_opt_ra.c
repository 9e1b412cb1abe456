/* The Router Advertisement options beyond RFC 4861: Route Information (RFC
 * 4191 2.3) and DNS Search List (RFC 8106 5.2), each read only after its
 * length was checked against its type (nd.h). RDNSS is in nd_opt.c. */
#include <string.h>

#include "nd.h"
#include "wbuf.h"

int nd_opt_route_info(const struct nd_opt *o, struct nd_route_info *ri)
{
    if (o->type != ND_OPT_ROUTE_INFO || o->len < 8 || o->len > 24)
        return WIRE_BAD_LEN;
    uint8_t plen = o->p[2];
    size_t units = o->len / 8;
    /* RFC 4191 2.3: Length 1 only for ::/0, 2 for up to /64, 3 for any. */
    if (plen > 128 || (units == 1 && plen > 0) || (units == 2 && plen > 64))
        return WIRE_BAD_LEN;
    unsigned prf = (o->p[3] >> 3) & 3;
    if (prf == 2)
        return WIRE_UNSUPPORTED;
    ri->prefix_len = plen;
    ri->pref = prf == 1 ? 1 : prf == 3 ? -1 : 0;
    ri->lifetime = get_be32(o->p + 4);
    memset(ri->prefix.b, 0, IPV6_ADDR_LEN);
    memcpy(ri->prefix.b, o->p + 8, o->len - 8);
    for (unsigned bit = plen; bit < 128; bit++) /* past the prefix: ignored */
        ri->prefix.b[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    return WIRE_OK;
}

static bool label_char_ok(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

int nd_opt_dnssl_next(const struct nd_opt *o, size_t *off, char name[ND_DNSSL_NAME_MAX])
{
    size_t i = *off, n = 0;
    if (i >= o->len || o->p[i] == 0)
        return 0; /* the padding after the last name (RFC 8106 5.2) */
    for (;;) {
        if (i >= o->len)
            return WIRE_BAD_LEN; /* the name runs past the option */
        uint8_t label = o->p[i++];
        if (label == 0)
            break;
        /* RFC 1035 3.1: labels of 1-63 octets; 0xc0 would be a compression
         * pointer, which RFC 8106 5.2 does not allow. */
        if (label > 63 || label > o->len - i || n + (n > 0) + label > ND_DNSSL_NAME_MAX - 1)
            return WIRE_BAD_LEN;
        if (n > 0)
            name[n++] = '.';
        for (unsigned k = 0; k < label; k++) {
            if (!label_char_ok(o->p[i + k]))
                return WIRE_BAD_LEN;
            name[n++] = (char)o->p[i + k];
        }
        i += label;
    }
    name[n] = '\0';
    *off = i;
    return 1;
}

int nd_opt_dnssl(const struct nd_opt *o, uint32_t *lifetime)
{
    if (o->type != ND_OPT_DNSSL || o->len < 16)
        return WIRE_BAD_LEN;
    char name[ND_DNSSL_NAME_MAX];
    size_t off = 8;
    int r;
    while ((r = nd_opt_dnssl_next(o, &off, name)) == 1)
        ;
    if (r < 0)
        return r;
    *lifetime = get_be32(o->p + 4);
    return WIRE_OK;
}

/* One name as labels (RFC 1035 3.1) at buf; its length or WIRE_BAD_LEN. */
static int name_emit(const char *name, size_t n, uint8_t *buf, size_t cap)
{
    size_t out = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && name[i] != '.')
            continue;
        size_t label = i - start;
        if (label == 0 || label > 63 || out + 1 + label + 1 > cap)
            return label == 0 || label > 63 ? WIRE_BAD_LEN : WIRE_NOSPACE;
        buf[out++] = (uint8_t)label;
        memcpy(buf + out, name + start, label);
        out += label;
        start = i + 1;
    }
    buf[out++] = 0;
    return (int)out;
}

int nd_opt_dnssl_emit(uint32_t lifetime, const char *names, uint8_t *buf, size_t cap)
{
    if (cap < 16)
        return WIRE_NOSPACE;
    size_t len = 8;
    for (const char *p = names; *p;) {
        size_t n = strcspn(p, " ");
        if (n > 0) {
            int r = name_emit(p, n, buf + len, cap - len);
            if (r < 0)
                return r;
            len += (size_t)r;
        }
        p += n + (p[n] == ' ');
    }
    if (len == 8)
        return WIRE_UNSUPPORTED; /* no name: no option */
    while (len % 8) { /* RFC 8106 5.2: zero padding to a multiple of 8 */
        if (len >= cap)
            return WIRE_NOSPACE;
        buf[len++] = 0;
    }
    buf[0] = ND_OPT_DNSSL;
    buf[1] = (uint8_t)(len / 8);
    put_be16(buf + 2, 0);
    put_be32(buf + 4, lifetime);
    return (int)len;
}
