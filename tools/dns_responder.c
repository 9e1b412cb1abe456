/* The demo's and tests' name server (dns_responder.h): RFC 1035 4.1 answers
 * built byte by byte, one A (or AAAA, RFC 3596) record per matching zone
 * line. */
#include "dns_responder.h"

#include <errno.h>
#include <string.h>

#define HDR 12

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)), put16(p + 2, (uint16_t)v); }

/* The question's name (uncompressed, as stubs send it) as lower-case text;
 * its wire length, or 0. */
static size_t qname_text(const uint8_t *q, size_t len, char *out, size_t cap)
{
    size_t off = HDR, o = 0;
    while (off < len && q[off]) {
        size_t l = q[off];
        if (l > 63 || off + 1 + l >= len || o + l + 2 > cap)
            return 0;
        if (o)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++) {
            char c = (char)q[off + 1 + i];
            out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        off += 1 + l;
    }
    out[o] = '\0';
    return off < len ? off + 1 - HDR : 0;
}

/* An SOA for negative caching (RFC 2308 3): owner, MNAME and RNAME the
 * root, MINIMUM = neg_ttl. */
static size_t put_soa(const struct dns_responder *r, uint8_t *p)
{
    static const uint8_t fixed[] = {0, 0, 6, 0, 1}; /* root owner, SOA, IN */
    memcpy(p, fixed, sizeof(fixed));
    put32(p + 5, r->neg_ttl);
    put16(p + 9, 22);
    memset(p + 11, 0, 2);                           /* MNAME ., RNAME . */
    put32(p + 13, 1), put32(p + 17, 3600), put32(p + 21, 600), put32(p + 25, 86400);
    put32(p + 29, r->neg_ttl);
    return 33;
}

/* One record of the zone line z (owner: the question's name). */
static size_t put_rr(const struct dns_responder *r, const struct dns_zone_rec *z, uint8_t *p)
{
    put16(p, 0xC000 | HDR);
    put16(p + 2, z->v6 ? 28 : 1), put16(p + 4, 1), put32(p + 6, r->ttl);
    put16(p + 10, z->v6 ? 16 : 4);
    if (z->v6)
        memcpy(p + 12, z->addr6, 16);
    else
        put32(p + 12, z->addr);
    return z->v6 ? 28 : 16;
}

size_t dns_responder_answer(const struct dns_responder *r, const uint8_t *q, size_t qlen,
                            bool tc, uint8_t *out, size_t cap)
{
    char name[256];
    size_t ql = qlen > HDR ? qname_text(q, qlen, name, sizeof(name)) : 0;
    if (!ql || HDR + ql + 4 > qlen || (be16(q + 2) & 0x8000) || be16(q + 4) != 1 ||
        HDR + ql + 4 + 33 + r->nrecs * 28 > cap)
        return 0;
    size_t o = HDR + ql + 4;
    uint16_t qtype = be16(q + HDR + ql);
    memcpy(out, q, o);                      /* ID and question as asked */
    unsigned an = 0;
    bool known = false;
    for (size_t i = 0; i < r->nrecs && !tc; i++) {
        if (strcmp(r->recs[i].name, name) != 0)
            continue;
        known = true;
        if (qtype != (r->recs[i].v6 ? 28 : 1))
            continue;
        o += put_rr(r, &r->recs[i], out + o);
        an++;
    }
    bool nx = !known && !tc, nodata = known && !an && !tc;
    put16(out + 2, (uint16_t)(0x8400 | (be16(q + 2) & 0x0100) | (tc ? 0x0200 : 0) | (nx ? 3 : 0)));
    put16(out + 6, (uint16_t)an), put16(out + 8, nx || nodata ? 1 : 0), put16(out + 10, 0);
    if (nx || nodata)
        o += put_soa(r, out + o);
    return o;
}

int dns_responder_open(struct dns_responder *r, struct ust_stack *st,
                       const struct dns_zone_rec *recs, size_t nrecs)
{
    memset(r, 0, sizeof(*r));
    r->st = st, r->recs = recs, r->nrecs = nrecs, r->ttl = 300, r->neg_ttl = 60;
    r->tcp_fd = r->udp6_fd = r->tcp6_listen_fd = -1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
    r->udp_fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    r->tcp_listen_fd = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (r->udp_fd < 0 || r->tcp_listen_fd < 0 ||
        ust_bind(st, r->udp_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        ust_bind(st, r->tcp_listen_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        ust_listen(st, r->tcp_listen_fd, 4) < 0)
        return -1;
    return 0;
}

int dns_responder_open6(struct dns_responder *r)
{
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(53)};
    int one = 1;
    r->udp6_fd = ust_socket(r->st, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    r->tcp6_listen_fd = ust_socket(r->st, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (r->udp6_fd < 0 || r->tcp6_listen_fd < 0 ||
        ust_setsockopt(r->st, r->udp6_fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
        ust_setsockopt(r->st, r->tcp6_listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) <
            0 ||
        ust_bind(r->st, r->udp6_fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ||
        ust_bind(r->st, r->tcp6_listen_fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ||
        ust_listen(r->st, r->tcp6_listen_fd, 4) < 0)
        return -1;
    return 0;
}

static void serve_udp(struct dns_responder *r, int fd)
{
    uint8_t q[512], a[1024];
    struct sockaddr_in6 from; /* room for either family */
    socklen_t flen = sizeof(from);
    ssize_t n;
    while (fd >= 0 &&
           (n = ust_recvfrom(r->st, fd, q, sizeof(q), 0, (struct sockaddr *)&from, &flen)) > 0) {
        r->udp_queries++;
        size_t len = r->silent_udp ? 0 : dns_responder_answer(r, q, (size_t)n, r->truncate_udp,
                                                             a, sizeof(a));
        if (len)
            ust_sendto(r->st, fd, a, len, 0, (struct sockaddr *)&from, flen);
        flen = sizeof(from);
    }
}

/* One connection at a time, one length-prefixed query (RFC 7766 8). */
static void serve_tcp(struct dns_responder *r)
{
    if (r->tcp_fd < 0) {
        r->tcp_fd = ust_accept(r->st, r->tcp_listen_fd, NULL, NULL);
        if (r->tcp_fd < 0 && r->tcp6_listen_fd >= 0)
            r->tcp_fd = ust_accept(r->st, r->tcp6_listen_fd, NULL, NULL);
        if (r->tcp_fd >= 0)
            ust_set_nonblock(r->st, r->tcp_fd, 1), r->tcp_have = 0;
    }
    if (r->tcp_fd < 0)
        return;
    ssize_t n = ust_recv(r->st, r->tcp_fd, r->tcp_buf + r->tcp_have,
                         sizeof(r->tcp_buf) - r->tcp_have, 0);
    if (n > 0)
        r->tcp_have += (size_t)n;
    size_t need = r->tcp_have >= 2 ? 2u + be16(r->tcp_buf) : 0;
    if (need && r->tcp_have >= need) {
        uint8_t a[2 + 1024];
        r->tcp_queries++;
        size_t len = dns_responder_answer(r, r->tcp_buf + 2, need - 2, false, a + 2, sizeof(a) - 2);
        put16(a, (uint16_t)len);
        if (len)
            ust_send(r->st, r->tcp_fd, a, len + 2, 0);
        r->tcp_have = 0;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN) || (need && r->tcp_have == 0 && n > 0)) {
        ust_close(r->st, r->tcp_fd); /* answered (or gone): the client reads, then sees FIN */
        r->tcp_fd = -1;
    }
}

void dns_responder_serve(struct dns_responder *r)
{
    serve_udp(r, r->udp_fd);
    serve_udp(r, r->udp6_fd);
    serve_tcp(r);
}

void dns_responder_close(struct dns_responder *r)
{
    if (r->tcp_fd >= 0)
        ust_close(r->st, r->tcp_fd);
    ust_close(r->st, r->udp_fd);
    ust_close(r->st, r->tcp_listen_fd);
    if (r->udp6_fd >= 0)
        ust_close(r->st, r->udp6_fd), ust_close(r->st, r->tcp6_listen_fd);
}
