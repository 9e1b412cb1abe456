/* Addresses as text for the public API: IPv4 dotted quads, CIDR
 * prefixes, MAC addresses (parsing and formatting). */
#include <stdio.h>
#include <string.h>

#include "ustack/types.h"
#include "wire/ipv6.h"

int ust_ip4_parse(const char *s, ust_ip4_t *out)
{
    unsigned v[4];
    int n = 0;
    if (!s || sscanf(s, "%3u.%3u.%3u.%3u%n", &v[0], &v[1], &v[2], &v[3], &n) != 4 || s[n] != '\0')
        return UST_ERR_INVAL;
    for (int i = 0; i < 4; i++)
        if (v[i] > 255)
            return UST_ERR_INVAL;
    /* Reject forms sscanf tolerates but a user did not mean: "+1.2.3.4", " 1.2.3.4". */
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return UST_ERR_INVAL;
    *out = UST_IP4(v[0], v[1], v[2], v[3]);
    return UST_OK;
}

int ust_cidr_parse(const char *s, ust_ip4_t *addr, int *prefix_len)
{
    char buf[32];
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || (size_t)(slash - s) >= sizeof(buf))
        return UST_ERR_INVAL;
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = '\0';
    const char *p = slash + 1;
    if (*p == '\0' || strlen(p) > 2)
        return UST_ERR_INVAL;
    int len = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return UST_ERR_INVAL;
        len = len * 10 + (*p - '0');
    }
    if (len > 32 || ust_ip4_parse(buf, addr) != UST_OK)
        return UST_ERR_INVAL;
    *prefix_len = len;
    return UST_OK;
}

char *ust_ip4_str(ust_ip4_t a, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", (a >> 24) & 255, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return buf;
}

char *ust_mac_str(const struct ust_mac *m, char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3],
             m->b[4], m->b[5]);
    return buf;
}

int ust_mac_parse(const char *s, struct ust_mac *out)
{
    unsigned v[6];
    int n = 0;
    if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                     &n) != 6 || s[n] != '\0')
        return UST_ERR_INVAL;
    for (int i = 0; i < 6; i++)
        out->b[i] = (uint8_t)v[i];
    return UST_OK;
}

/* "fe80::1%3": the scope as a decimal number, nothing else after it. */
static int parse_scope(const char *p, uint32_t *scope)
{
    uint64_t v = 0;
    if (*p == '\0')
        return UST_ERR_INVAL;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return UST_ERR_INVAL;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return UST_ERR_INVAL;
    }
    *scope = (uint32_t)v;
    return UST_OK;
}

int ust_addr_parse(const char *s, struct ust_addr *out)
{
    if (!s || !out)
        return UST_ERR_INVAL;
    ust_ip4_t v4;
    if (!strchr(s, ':')) {
        if (ust_ip4_parse(s, &v4) != UST_OK)
            return UST_ERR_INVAL;
        *out = ust_addr_from_ip4(v4);
        return UST_OK;
    }
    char buf[IPV6_ADDR_STRLEN];
    const char *pct = strchr(s, '%');
    size_t n = pct ? (size_t)(pct - s) : strlen(s);
    uint32_t scope = 0;
    if (n >= sizeof(buf) || (pct && parse_scope(pct + 1, &scope) != UST_OK))
        return UST_ERR_INVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    struct ipv6_addr a;
    if (ipv6_addr_parse(buf, &a) != 0)
        return UST_ERR_INVAL;
    *out = ust_addr_from_ip6(a.b, scope);
    return UST_OK;
}

char *ust_addr_str(const struct ust_addr *a, char buf[UST_ADDR_STRLEN])
{
    if (a->family == UST_AF_INET)
        return ust_ip4_str(a->u.v4, buf);
    if (a->family != UST_AF_INET6) {
        snprintf(buf, UST_ADDR_STRLEN, "-");
        return buf;
    }
    struct ipv6_addr x;
    memcpy(x.b, a->u.v6, sizeof(x.b));
    int n = ipv6_addr_format(&x, buf, UST_ADDR_STRLEN);
    if (n > 0 && a->scope_id)
        snprintf(buf + n, UST_ADDR_STRLEN - (size_t)n, "%%%u", (unsigned)a->scope_id);
    return buf;
}
