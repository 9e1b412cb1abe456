/* DNS messages (RFC 1035 4): the query a stub resolver sends and the
 * parser of the answer. Pure parse/emit: no state, no allocation, no time.
 * The parser follows RFC 9267 ("Common Implementation Anti-Patterns Related
 * to DNS RR Processing"): compression pointers only point backwards, before
 * the label sequence that holds them (so no loop is possible) and never
 * into the header; label lengths are at most 63 and names at most 255
 * bytes on the wire; every count and RDLENGTH is checked against the
 * message before a byte is read. */
#ifndef UST_WIRE_DNS_H
#define UST_WIRE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN 12
#define DNS_MAX_NAME 255  /* bytes on the wire, RFC 1035 2.3.4 */
#define DNS_MAX_LABEL 63
#define DNS_NAME_TEXT 256 /* a name as text, with its NUL */
#define DNS_MAX_ADDRS 32  /* A records kept from one answer (a 512-byte answer holds ~29) */
#define DNS_MAX_RRS 64    /* answer records considered for the CNAME chain */
#define DNS_PORT 53

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_AAAA 28 /* RFC 3596 2.1 */
#define DNS_CLASS_IN 1

#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100

enum dns_rcode { DNS_NOERROR = 0, DNS_FORMERR = 1, DNS_SERVFAIL = 2, DNS_NXDOMAIN = 3 };

enum dns_err {
    DNS_OK = 0,
    DNS_ESHORT = -1,      /* a field or record runs past the end of the message */
    DNS_EPOINTER = -2,    /* a compression pointer forwards, to itself or into the header */
    DNS_ELABEL = -3,      /* a label type other than 0 (RFC 6891's 0x40 and 0x80 too) */
    DNS_ENAME = -4,       /* a name longer than 255 bytes, or a byte we cannot print */
    DNS_EHEADER = -5,     /* not a standard query response, or not exactly one question */
    DNS_ERDATA = -6,      /* RDATA of an A, AAAA, CNAME or SOA whose length does not fit */
    DNS_ECHAIN = -7,      /* a CNAME chain longer than allowed (or a loop) */
};

/* What a response says about its one question. */
struct dns_answer {
    uint16_t id;
    uint8_t rcode;
    bool truncated;             /* TC: retry over TCP (RFC 7766 5) */
    char qname[DNS_NAME_TEXT];  /* lower case, no trailing dot */
    uint16_t qtype, qclass;
    char canon[DNS_NAME_TEXT];  /* the end of the CNAME chain (= qname without one) */
    uint32_t addr[DNS_MAX_ADDRS]; /* A records (qtype A), host order */
    unsigned naddr;
    uint8_t addr6[DNS_MAX_ADDRS][16]; /* AAAA records (qtype AAAA), network order */
    unsigned naddr6;
    uint32_t ttl;               /* smallest TTL of the records used */
    bool has_soa;               /* an SOA in the authority section: negative TTL */
    uint32_t neg_ttl;           /* RFC 2308 5: min(SOA TTL, SOA MINIMUM) */
};

/* A name as text ("www.example.test", a trailing dot allowed) into wire
 * form. Returns its length, or DNS_ENAME (empty label, label > 63, > 255). */
int dns_name_encode(const char *name, uint8_t *out, size_t cap);
/* A recursive query (RD) for name/qtype/IN. Returns its length or < 0. */
int dns_query_build(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype);
/* Reads the name at *off (compression followed as above) as lower-case
 * text into out (DNS_NAME_TEXT bytes) and moves *off past it. */
int dns_name_read(const uint8_t *msg, size_t len, size_t *off, char out[DNS_NAME_TEXT]);
/* Parses a response: header, question, and every record of the three
 * sections (bounds); the A or AAAA records (whichever the question asked
 * for: RFC 3596 2.1) of the question's name, following at most
 * cname_max CNAMEs, and the negative-caching TTL. DNS_OK or a dns_err. */
int dns_response_parse(const uint8_t *msg, size_t len, unsigned cname_max, struct dns_answer *a);
/* Case-insensitive equality of two names as text (RFC 1035 2.3.3). */
bool dns_name_equal(const char *a, const char *b);
const char *dns_strerror(int err);

#endif
