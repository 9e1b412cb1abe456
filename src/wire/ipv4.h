/* IPv4 header (RFC 791). */
#ifndef UST_WIRE_IPV4_H
#define UST_WIRE_IPV4_H

#include "wire.h"

#define IPV4_HDR_LEN 20
#define IPV4_MAX_HDR_LEN 60
#define IPV4_MAX_LEN 65535
#define IPV4_PROTO_ICMP 1
#define IPV4_PROTO_TCP 6
#define IPV4_PROTO_UDP 17
#define IPV4_OPT_EOL 0
#define IPV4_OPT_NOP 1
#define IPV4_OPT_LSRR 131
#define IPV4_OPT_SSRR 137
#define IPV4_MAX_OPT_LEN 40

struct ipv4_hdr {
    uint8_t hdr_len;    /* bytes (IHL * 4) */
    uint8_t tos;
    uint16_t total_len;
    uint16_t id;
    bool df, mf;
    uint16_t frag_off;  /* bytes (field * 8) */
    uint8_t ttl;
    uint8_t proto;
    uint16_t csum;      /* as received */
    uint32_t src, dst;  /* host order */
    uint8_t opt_len;    /* bytes of options after the fixed header */
    const uint8_t *opts; /* the options inside the parsed buffer (NULL when
                            opt_len is 0): valid as long as that buffer */
    bool has_source_route; /* LSRR/SSRR present (we never forward those) */
};

/* Validates in this order: len >= 20, version 4, IHL >= 5, header length
 * <= total length <= len, header checksum (if verify_csum), options
 * well-formed (type/length pairs inside the header; length 0/1 rejected).
 * Options are otherwise ignored. Bytes beyond total_len (Ethernet padding)
 * are not part of the datagram. */
int ipv4_parse(const uint8_t *buf, size_t len, bool verify_csum, struct ipv4_hdr *h);
/* Writes a header of h->hdr_len bytes (20 + opt_len; options, if any, must
 * already be in buf[20..]) and computes the checksum. Returns hdr_len or
 * WIRE_NOSPACE / WIRE_BAD_HLEN. */
int ipv4_emit(const struct ipv4_hdr *h, uint8_t *buf, size_t cap);
/* Validates the option list in opts[0..len) (exposed for tests). */
int ipv4_check_options(const uint8_t *opts, size_t len, bool *has_source_route);

/* ---- walking an option list (ipv4_opt.c) ---------------------------------
 * RFC 791 3.1 "Options": a single-octet option (EOL, NOP) or a type, a
 * length counting the type and length octets (so >= 2), and data. EOL ends
 * the list; what follows it is padding. The one walk every user of IP
 * options goes through, with the bounds checks in one place:
 *
 *     struct ipv4_opt_iter it;
 *     struct ipv4_opt o;
 *     ipv4_opt_iter_init(&it, opts, len);
 *     while (ipv4_opt_next(&it, &o))
 *         ... o.type, o.len, o.p[0..o.len) ...
 *     if (it.err) ... malformed at it.bad_off ...
 */
struct ipv4_opt {
    uint8_t type;
    uint8_t len;        /* the whole option, type and length octets included */
    const uint8_t *p;   /* its first octet (the type); p[0..len) is inside */
    size_t off;         /* offset of p in the list */
};
struct ipv4_opt_iter {
    const uint8_t *opts;
    size_t len;
    size_t off;         /* where the walk is: after it ends, the offset of
                           the EOL or len (the used part of the list) */
    int err;            /* WIRE_OK, or WIRE_BAD_OPTION: a malformed option */
    size_t bad_off;     /* then: the octet that makes it malformed (a
                           missing or bad length octet) */
};
void ipv4_opt_iter_init(struct ipv4_opt_iter *it, const uint8_t *opts, size_t len);
/* The next option other than NOP into *o: true; false at EOL, at the end
 * of the list, or at a malformed option (it->err set; the walk stops). */
bool ipv4_opt_next(struct ipv4_opt_iter *it, struct ipv4_opt *o);

/* ---- address classification (host byte order) ---- */
/* Multicast (224.0.0.0/4). */
static inline bool ipv4_is_multicast(uint32_t a) { return (a & 0xf0000000u) == 0xe0000000u; }
/* Prefix length of the class (RFC 791) of address a: A 8, B 16, C 24;
 * 0 for class D/E and for 0/8 and 127/8, which have no network broadcast. */
static inline int ipv4_classful_prefix(uint32_t a)
{
    uint8_t top = (uint8_t)(a >> 24);
    if (top == 0 || top == 127 || top >= 224)
        return 0;
    return top < 128 ? 8 : top < 192 ? 16 : 24;
}

#endif
