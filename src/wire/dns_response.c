/* Parsing a DNS response (RFC 1035 4.1) for a stub resolver: header and
 * question, a bounds walk over every record, then the A (or AAAA, RFC 3596)
 * records of the
 * question's name along a bounded CNAME chain (RFC 1034 3.6.2) and the
 * SOA that gives a negative answer its TTL (RFC 2308 5). */
#include <string.h>

#include "dns.h"
#include "wbuf.h"

#define RR_FIXED 10 /* TYPE, CLASS, TTL, RDLENGTH */

struct rr {
    char owner[DNS_NAME_TEXT];
    uint16_t type, rclass;
    uint32_t ttl;
    size_t rdata;   /* offset of the RDATA */
    uint16_t rdlen;
};

/* One resource record at *off: its owner, fixed fields and RDATA bounds. */
static int rr_read(const uint8_t *m, size_t len, size_t *off, struct rr *r)
{
    int rc = dns_name_read(m, len, off, r->owner);
    if (rc != DNS_OK)
        return rc;
    if (*off + RR_FIXED > len)
        return DNS_ESHORT;
    r->type = get_be16(m + *off);
    r->rclass = get_be16(m + *off + 2);
    /* RFC 2181 8: a TTL with the top bit set is read as 0. */
    r->ttl = get_be32(m + *off + 4);
    if (r->ttl & 0x80000000u)
        r->ttl = 0;
    r->rdlen = get_be16(m + *off + 8);
    r->rdata = *off + RR_FIXED;
    if (r->rdata + r->rdlen > len)
        return DNS_ESHORT;
    *off = r->rdata + r->rdlen;
    return DNS_OK;
}

/* A name that must fill the RDATA exactly (CNAME's target). */
static int rdata_name(const uint8_t *m, size_t len, const struct rr *r, char out[DNS_NAME_TEXT])
{
    size_t off = r->rdata;
    int rc = dns_name_read(m, r->rdata + r->rdlen, &off, out);
    (void)len;
    if (rc != DNS_OK)
        return rc;
    return off == r->rdata + r->rdlen ? DNS_OK : DNS_ERDATA;
}

/* SOA RDATA: MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM. */
static int soa_minimum(const uint8_t *m, const struct rr *r, uint32_t *minimum)
{
    char name[DNS_NAME_TEXT];
    size_t end = r->rdata + r->rdlen, off = r->rdata;
    int rc;
    if ((rc = dns_name_read(m, end, &off, name)) != DNS_OK ||
        (rc = dns_name_read(m, end, &off, name)) != DNS_OK)
        return rc;
    if (off + 20 != end)
        return DNS_ERDATA;
    *minimum = get_be32(m + off + 16);
    return DNS_OK;
}

static int header_question(const uint8_t *m, size_t len, struct dns_answer *a, size_t *off)
{
    if (len < DNS_HDR_LEN)
        return DNS_ESHORT;
    uint16_t flags = get_be16(m + 2);
    /* A response (QR) to a standard query (OPCODE 0) with one question. */
    if (!(flags & DNS_FLAG_QR) || (flags & 0x7800) || get_be16(m + 4) != 1)
        return DNS_EHEADER;
    a->id = get_be16(m);
    a->rcode = (uint8_t)(flags & 0x0f);
    a->truncated = (flags & DNS_FLAG_TC) != 0;
    *off = DNS_HDR_LEN;
    int rc = dns_name_read(m, len, off, a->qname);
    if (rc != DNS_OK)
        return rc;
    if (*off + 4 > len)
        return DNS_ESHORT;
    a->qtype = get_be16(m + *off);
    a->qclass = get_be16(m + *off + 2);
    *off += 4;
    return DNS_OK;
}

/* Walks every record of the three sections: each must lie inside the
 * message (RFC 9267 3, 4), A records have 4 bytes, AAAA records 16
 * (RFC 3596 2.2), CNAMEs one name, an SOA
 * in the authority section sets the negative TTL. */
static int walk_sections(const uint8_t *m, size_t len, size_t off, struct dns_answer *a)
{
    unsigned an = get_be16(m + 6), ns = get_be16(m + 8), ar = get_be16(m + 10);
    char name[DNS_NAME_TEXT];
    for (unsigned i = 0; i < an + ns + ar; i++) {
        struct rr r;
        int rc = rr_read(m, len, &off, &r);
        if (rc != DNS_OK)
            return rc;
        if (r.rclass != DNS_CLASS_IN || i >= an + ns)
            continue;
        if ((r.type == DNS_TYPE_A && r.rdlen != 4) || (r.type == DNS_TYPE_AAAA && r.rdlen != 16))
            return DNS_ERDATA;
        if (r.type == DNS_TYPE_CNAME && (rc = rdata_name(m, len, &r, name)) != DNS_OK)
            return rc;
        if (r.type == DNS_TYPE_SOA && i >= an) {
            uint32_t minimum;
            if ((rc = soa_minimum(m, &r, &minimum)) != DNS_OK)
                return rc;
            a->has_soa = true;
            a->neg_ttl = r.ttl < minimum ? r.ttl : minimum;
        }
    }
    return DNS_OK;
}

static void keep_ttl(struct dns_answer *a, uint32_t ttl)
{
    if (ttl < a->ttl)
        a->ttl = ttl;
}

/* One address record of the type the question asked for (an A in an
 * answer to an AAAA question is not an answer: RFC 3596 2.1). */
static void keep_addr(const uint8_t *m, const struct rr *r, struct dns_answer *a)
{
    if (r->type == DNS_TYPE_A && a->naddr < DNS_MAX_ADDRS)
        a->addr[a->naddr++] = get_be32(m + r->rdata);
    else if (r->type == DNS_TYPE_AAAA && a->naddr6 < DNS_MAX_ADDRS)
        memcpy(a->addr6[a->naddr6++], m + r->rdata, 16);
    else
        return;
    keep_ttl(a, r->ttl);
}

/* The address records owned by `name` in the answer section; if none, the
 * target of its CNAME into `next` (empty: no CNAME either). */
static void scan_owner(const uint8_t *m, size_t len, size_t off, const char *name,
                       struct dns_answer *a, char next[DNS_NAME_TEXT])
{
    unsigned an = get_be16(m + 6);
    next[0] = '\0';
    for (unsigned i = 0; i < an; i++) {
        struct rr r;
        (void)rr_read(m, len, &off, &r); /* walk_sections checked every record */
        if (r.rclass != DNS_CLASS_IN || !dns_name_equal(r.owner, name))
            continue;
        if (r.type == a->qtype && (r.type == DNS_TYPE_A || r.type == DNS_TYPE_AAAA)) {
            keep_addr(m, &r, a);
        } else if (r.type == DNS_TYPE_CNAME && !next[0]) {
            (void)rdata_name(m, len, &r, next);
            keep_ttl(a, r.ttl);
        }
    }
}

int dns_response_parse(const uint8_t *m, size_t len, unsigned cname_max, struct dns_answer *a)
{
    size_t off;
    memset(a, 0, sizeof(*a));
    a->ttl = UINT32_MAX;
    int rc = header_question(m, len, a, &off);
    if (rc != DNS_OK || a->truncated)
        return rc; /* a truncated answer is asked again over TCP: no need to read on */
    if ((rc = walk_sections(m, len, off, a)) != DNS_OK)
        return rc;
    char name[DNS_NAME_TEXT], next[DNS_NAME_TEXT];
    memcpy(name, a->qname, sizeof(name));
    for (unsigned hop = 0;; hop++) {
        scan_owner(m, len, off, name, a, next);
        if (a->naddr || a->naddr6 || !next[0])
            break;
        if (hop == cname_max)
            return DNS_ECHAIN;
        memcpy(name, next, sizeof(name));
    }
    memcpy(a->canon, name, sizeof(name));
    if (!a->naddr && !a->naddr6 && a->ttl == UINT32_MAX)
        a->ttl = 0;
    return DNS_OK;
}
