/* DNS message build and parse (RFC 1035 4, hardened per RFC 9267). */
#include "dns.h"

#include <string.h>

#include "wbuf.h"

int dns_name_encode(const char *name, uint8_t *out, size_t cap)
{
    size_t n = strlen(name), o = 0;
    if (n && name[n - 1] == '.')
        n--; /* the root label is implicit */
    if (n == 0)
        return DNS_ENAME;
    for (size_t i = 0; i < n;) {
        size_t l = 0;
        while (i + l < n && name[i + l] != '.')
            l++;
        if (l == 0 || l > DNS_MAX_LABEL || o + 1 + l + 1 > DNS_MAX_NAME || o + 1 + l + 1 > cap)
            return DNS_ENAME;
        out[o++] = (uint8_t)l;
        memcpy(out + o, name + i, l);
        o += l;
        i += l + 1;
    }
    out[o++] = 0;
    return (int)o;
}

int dns_query_build(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
    if (cap < DNS_HDR_LEN + 4)
        return DNS_ESHORT;
    int nl = dns_name_encode(name, buf + DNS_HDR_LEN, cap - DNS_HDR_LEN - 4);
    if (nl < 0)
        return nl;
    memset(buf, 0, DNS_HDR_LEN);
    put_be16(buf, id);
    put_be16(buf + 2, DNS_FLAG_RD); /* a stub asks for recursion (RFC 1123 6.1.3.1) */
    put_be16(buf + 4, 1);           /* QDCOUNT */
    size_t o = DNS_HDR_LEN + (size_t)nl;
    put_be16(buf + o, qtype);
    put_be16(buf + o + 2, DNS_CLASS_IN);
    return (int)(o + 4);
}

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

/* One label appended as text. Bytes that would make the text ambiguous (a
 * dot inside a label, spaces, control bytes) are refused: a host name
 * never has them, and a resolver that compares text must not see them. */
static int label_append(const uint8_t *p, unsigned l, char *out, size_t *olen)
{
    if (*olen)
        out[(*olen)++] = '.';
    for (unsigned i = 0; i < l; i++) {
        if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '.' || p[i] == '\\')
            return DNS_ENAME;
        out[(*olen)++] = lower((char)p[i]);
    }
    return DNS_OK;
}

int dns_name_read(const uint8_t *msg, size_t len, size_t *off, char out[DNS_NAME_TEXT])
{
    size_t pos = *off, seg = *off, olen = 0, wire = 0;
    bool jumped = false;
    for (;;) {
        if (pos >= len)
            return DNS_ESHORT;
        uint8_t c = msg[pos];
        if ((c & 0xc0) == 0xc0) {
            if (pos + 1 >= len)
                return DNS_ESHORT;
            size_t ptr = (size_t)(get_be16(msg + pos) & 0x3fff);
            /* RFC 9267 2: only strictly backwards, before the labels read
             * since the last jump: each jump lowers `seg`, so it ends. */
            if (ptr >= seg || ptr < DNS_HDR_LEN)
                return DNS_EPOINTER;
            if (!jumped)
                *off = pos + 2;
            jumped = true;
            pos = seg = ptr;
            continue;
        }
        if (c & 0xc0)
            return DNS_ELABEL; /* 0x40, 0x80: extended/obsolete label types */
        if (c == 0)
            break;
        wire += 1u + c;
        if (wire + 1 > DNS_MAX_NAME)
            return DNS_ENAME;
        if (pos + 1 + c > len)
            return DNS_ESHORT;
        if (label_append(msg + pos + 1, c, out, &olen) != DNS_OK)
            return DNS_ENAME;
        pos += 1u + c;
    }
    if (!jumped)
        *off = pos + 1;
    out[olen] = '\0';
    return DNS_OK;
}

bool dns_name_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower(*a) != lower(*b))
            return false;
    return *a == *b;
}

const char *dns_strerror(int err)
{
    switch (err) {
    case DNS_OK: return "ok";
    case DNS_ESHORT: return "record past the end of the message";
    case DNS_EPOINTER: return "compression pointer not backwards";
    case DNS_ELABEL: return "unknown label type";
    case DNS_ENAME: return "bad name";
    case DNS_EHEADER: return "not a response to one question";
    case DNS_ERDATA: return "bad RDATA length";
    case DNS_ECHAIN: return "CNAME chain too long";
    default: return "?";
    }
}
