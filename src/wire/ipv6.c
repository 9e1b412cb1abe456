/* IPv6 addresses, their text form and the fixed header (RFC 8200 3,
 * RFC 4291, RFC 5952), and the upper-layer pseudo-header (RFC 8200 8.1). */
#include <stdio.h>

#include "ipv6.h"
#include "wbuf.h"

bool ipv6_addr_is_unspecified(const struct ipv6_addr *a)
{
    static const struct ipv6_addr zero;
    return ipv6_addr_eq(a, &zero);
}

bool ipv6_addr_is_loopback(const struct ipv6_addr *a)
{
    static const struct ipv6_addr one = {.b = {[15] = 1}};
    return ipv6_addr_eq(a, &one);
}

void ipv6_solicited_node(const struct ipv6_addr *a, struct ipv6_addr *group)
{
    static const uint8_t prefix[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
    memcpy(group->b, prefix, sizeof(prefix));
    memcpy(group->b + 13, a->b + 13, 3);
}

bool ipv6_addr_is_solicited_node(const struct ipv6_addr *a)
{
    struct ipv6_addr g;
    ipv6_solicited_node(a, &g);
    return ipv6_addr_eq(a, &g);
}

void ipv6_mcast_mac(const struct ipv6_addr *group, uint8_t mac[6])
{
    mac[0] = 0x33;
    mac[1] = 0x33;
    memcpy(mac + 2, group->b + 12, 4);
}

/* The longest run of >= 2 zero groups, the first of equal ones (RFC 5952
 * 4.2.2, 4.2.3): its start in *at, its length returned (0: none). */
static int longest_zero_run(const uint16_t g[8], int *at)
{
    int best = 0;
    *at = -1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best && j - i >= 2) {
            best = j - i;
            *at = i;
        }
        i = j > i ? j : i + 1;
    }
    return best;
}

int ipv6_addr_format(const struct ipv6_addr *a, char *out, size_t cap)
{
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (cap < IPV6_ADDR_STRLEN)
        return WIRE_NOSPACE;
    if (memcmp(a->b, mapped, sizeof(mapped)) == 0) /* RFC 5952 5 */
        return snprintf(out, cap, "::ffff:%u.%u.%u.%u", a->b[12], a->b[13], a->b[14], a->b[15]);
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = get_be16(a->b + 2 * i);
    int at;
    int run = longest_zero_run(g, &at);
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (i == at) {
            n += (size_t)snprintf(out + n, cap - n, "::");
            i += run - 1;
            continue;
        }
        bool sep = i > 0 && i != at + run;
        n += (size_t)snprintf(out + n, cap - n, sep ? ":%x" : "%x", g[i]);
    }
    return (int)n;
}

/* One hex group of 1-4 digits at s: its length, or 0. */
static size_t hex_group(const char *s, uint16_t *v)
{
    size_t n = 0;
    unsigned acc = 0;
    for (; n < 5; n++) {
        char c = s[n];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            break;
        acc = acc << 4 | (unsigned)d;
    }
    *v = (uint16_t)acc;
    return n <= 4 ? n : 0;
}

/* A dotted quad filling out[0..4) that ends the string: 0 or -1. */
static int dotted_quad(const char *s, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        for (; s[0] >= '0' && s[0] <= '9' && digits < 4; s++, digits++)
            v = v * 10 + (unsigned)(s[0] - '0');
        if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[-(int)digits] == '0'))
            return -1;
        out[i] = (uint8_t)v;
        if (*s++ != (i < 3 ? '.' : '\0'))
            return -1;
    }
    return 0;
}

/* Groups into g[]: *n of them, *gap where "::" stood (-1: none). */
static int parse_groups(const char *s, uint8_t b[16], int *n, int *gap)
{
    *n = 0;
    *gap = -1;
    if (s[0] == ':' && s[1] == ':') {
        *gap = 0;
        s += 2;
    } else if (s[0] == ':') {
        return -1;
    }
    while (*s) {
        uint16_t v;
        size_t len = hex_group(s, &v);
        if (s[len] == '.' && *n <= 6) { /* embedded IPv4, last */
            if (dotted_quad(s, b + 2 * *n) < 0)
                return -1;
            *n += 2;
            return 0;
        }
        if (len == 0 || *n >= 8)
            return -1;
        put_be16(b + 2 * (*n)++, v);
        s += len;
        if (s[0] == ':' && s[1] == ':' && *gap < 0) {
            *gap = *n;
            s += 2;
        } else if (s[0] == ':' && s[1] != '\0') {
            s++;
        } else if (s[0] != '\0') {
            return -1;
        }
    }
    return 0;
}

int ipv6_addr_parse(const char *s, struct ipv6_addr *a)
{
    uint8_t b[16] = {0};
    int n, gap;
    if (parse_groups(s, b, &n, &gap) < 0 || n > 8 || (gap < 0 && n != 8) ||
        (gap >= 0 && n == 8))
        return WIRE_BAD_LEN;
    memset(a->b, 0, sizeof(a->b));
    if (gap < 0) {
        memcpy(a->b, b, 16);
        return 0;
    }
    memcpy(a->b, b, (size_t)gap * 2);
    size_t tail = (size_t)(n - gap) * 2;
    memcpy(a->b + 16 - tail, b + gap * 2, tail);
    return 0;
}

int ipv6_parse(const uint8_t *buf, size_t len, struct ipv6_hdr *h)
{
    if (len < IPV6_HDR_LEN)
        return WIRE_TRUNCATED;
    uint32_t w0 = get_be32(buf);
    if (w0 >> 28 != 6)
        return WIRE_BAD_VERSION;
    h->tclass = (uint8_t)(w0 >> 20);
    h->flow = w0 & 0xfffffu;
    h->payload_len = get_be16(buf + 4);
    if ((size_t)IPV6_HDR_LEN + h->payload_len > len)
        return WIRE_BAD_LEN;
    h->next_hdr = buf[6];
    h->hop_limit = buf[7];
    memcpy(h->src.b, buf + 8, IPV6_ADDR_LEN);
    memcpy(h->dst.b, buf + 24, IPV6_ADDR_LEN);
    return WIRE_OK;
}

int ipv6_emit(const struct ipv6_hdr *h, uint8_t *buf, size_t cap)
{
    if (cap < IPV6_HDR_LEN)
        return WIRE_NOSPACE;
    put_be32(buf, 6u << 28 | (uint32_t)h->tclass << 20 | (h->flow & 0xfffffu));
    put_be16(buf + 4, h->payload_len);
    buf[6] = h->next_hdr;
    buf[7] = h->hop_limit;
    memcpy(buf + 8, h->src.b, IPV6_ADDR_LEN);
    memcpy(buf + 24, h->dst.b, IPV6_ADDR_LEN);
    return IPV6_HDR_LEN;
}

uint32_t ipv6_csum_pseudo(const struct ipv6_addr *src, const struct ipv6_addr *dst,
                          uint32_t upper_len, uint8_t next_hdr)
{
    uint32_t sum = 0;
    for (int i = 0; i < IPV6_ADDR_LEN; i += 2)
        sum += get_be16(src->b + i) + get_be16(dst->b + i);
    /* 32-bit length, three zero octets, Next Header: fits without folding
     * (16 words of at most 0xffff plus these stay far below 2^32). */
    return sum + (upper_len >> 16) + (upper_len & 0xffffu) + next_hdr;
}
