/* IPv6 (RFC 8200): addresses, the fixed header, the extension-header chain
 * (RFC 8200 4, RFC 5095, RFC 7112), Hop-by-Hop / Destination options, the
 * Fragment header and the upper-layer pseudo-header checksum (RFC 8200 8.1).
 * Pure wire code like the rest of src/wire: no state, no allocation. */
#ifndef UST_WIRE_IPV6_H
#define UST_WIRE_IPV6_H

#include <string.h>

#include "wire.h"

#define IPV6_HDR_LEN 40
#define IPV6_MIN_MTU 1280 /* RFC 8200 5 */
#define IPV6_ADDR_LEN 16
#define IPV6_ADDR_STRLEN 46 /* "ffff:...:255.255.255.255" + NUL, as INET6_ADDRSTRLEN */

/* Next Header values (IANA protocol numbers) the walk knows. */
#define IPV6_NH_HOPOPTS 0
#define IPV6_NH_TCP 6
#define IPV6_NH_UDP 17
#define IPV6_NH_ROUTING 43
#define IPV6_NH_FRAGMENT 44
#define IPV6_NH_ESP 50
#define IPV6_NH_AH 51
#define IPV6_NH_ICMPV6 58
#define IPV6_NH_NONE 59 /* RFC 8200 4.7: bytes after it are ignored */
#define IPV6_NH_DSTOPTS 60

/* ---- addresses (ipv6.c) ---- */
struct ipv6_addr {
    uint8_t b[IPV6_ADDR_LEN]; /* network order, as on the wire */
};

static inline bool ipv6_addr_eq(const struct ipv6_addr *a, const struct ipv6_addr *b)
{
    return memcmp(a->b, b->b, IPV6_ADDR_LEN) == 0;
}
bool ipv6_addr_is_unspecified(const struct ipv6_addr *a); /* :: */
bool ipv6_addr_is_loopback(const struct ipv6_addr *a);    /* ::1 */
static inline bool ipv6_addr_is_multicast(const struct ipv6_addr *a) { return a->b[0] == 0xff; }
/* fe80::/10 (RFC 4291 2.5.6). */
static inline bool ipv6_addr_is_link_local(const struct ipv6_addr *a)
{
    return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}
/* Scope of a multicast address (RFC 4291 2.7: low 4 bits of octet 1). */
static inline uint8_t ipv6_mcast_scope(const struct ipv6_addr *a) { return a->b[1] & 0x0f; }
/* ff02::1:ffXX:XXXX for a (RFC 4291 2.7.1), and whether a is one. */
void ipv6_solicited_node(const struct ipv6_addr *a, struct ipv6_addr *group);
bool ipv6_addr_is_solicited_node(const struct ipv6_addr *a);
/* Ethernet destination for a multicast group: 33:33 + low 32 bits (RFC 2464 7). */
void ipv6_mcast_mac(const struct ipv6_addr *group, uint8_t mac[6]);

/* RFC 5952 text: lower case, no leading zeros, the longest run of two or
 * more zero groups (the first of equal runs) as "::", ::ffff:a.b.c.d for
 * IPv4-mapped addresses (RFC 5952 5). out holds IPV6_ADDR_STRLEN bytes;
 * returns the length written. */
int ipv6_addr_format(const struct ipv6_addr *a, char *out, size_t cap);
/* RFC 4291 2.2 text forms (all three, one "::", a dotted quad last):
 * 0, or WIRE_BAD_LEN for anything else. */
int ipv6_addr_parse(const char *s, struct ipv6_addr *a);

/* ---- the fixed header (ipv6.c) ---- */
struct ipv6_hdr {
    uint8_t tclass;       /* DSCP << 2 | ECN */
    uint32_t flow;        /* 20 bits */
    uint16_t payload_len; /* bytes after the fixed header */
    uint8_t next_hdr;
    uint8_t hop_limit;
    struct ipv6_addr src, dst;
};

/* Validates in this order: len >= 40, version 6 (WIRE_BAD_VERSION), 40 +
 * payload length <= len (WIRE_BAD_LEN; bytes beyond are link padding, not
 * part of the packet). A payload length of 0 is a 40-byte packet: jumbograms
 * (RFC 2675) are not supported. */
int ipv6_parse(const uint8_t *buf, size_t len, struct ipv6_hdr *h);
/* Writes the 40-byte header; returns 40 or WIRE_NOSPACE. */
int ipv6_emit(const struct ipv6_hdr *h, uint8_t *buf, size_t cap);

/* RFC 8200 8.1 pseudo-header accumulator (csum_partial/csum_fold from
 * csum.h finish it): both addresses (the final destination if a Routing
 * header is present), the 32-bit upper-layer length and the Next Header. */
uint32_t ipv6_csum_pseudo(const struct ipv6_addr *src, const struct ipv6_addr *dst,
                          uint32_t upper_len, uint8_t next_hdr);

/* ---- the Fragment header (ipv6_ext.c), RFC 8200 4.5 ---- */
#define IPV6_FRAG_HDR_LEN 8
struct ipv6_frag {
    uint8_t next_hdr;
    uint16_t offset; /* bytes (field * 8) */
    bool more;       /* M flag */
    uint32_t id;
};
/* An atomic fragment (RFC 6946): offset 0 and M=0, a whole packet. */
static inline bool ipv6_frag_is_atomic(const struct ipv6_frag *f)
{
    return f->offset == 0 && !f->more;
}
/* buf holds at least 8 bytes (the walk checks); reserved bits ignored. */
void ipv6_frag_parse(const uint8_t *buf, struct ipv6_frag *f);
/* Writes 8 bytes; offset must be a multiple of 8. 8, WIRE_NOSPACE or
 * WIRE_BAD_LEN. */
int ipv6_frag_emit(const struct ipv6_frag *f, uint8_t *buf, size_t cap);

/* ---- the extension-header walk (ipv6_ext.c) ------------------------------
 * RFC 8200 4: headers processed one at a time in packet order; Hop-by-Hop
 * only right after the fixed header. The walk runs over the whole packet
 * (from the fixed header), so every offset it reports is a Parameter
 * Problem pointer (RFC 4443 3.4) as it stands:
 *
 *     struct ipv6_ext_iter it;
 *     struct ipv6_ext e;
 *     ipv6_ext_iter_init(&it, pkt, 40 + h.payload_len, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
 *     while (ipv6_ext_next(&it, &e))
 *         ... e.type, e.p[0..e.len), e.frag / e.rh_* ...
 *     if (it.err) ... drop; it.pp_code >= 0: Parameter Problem (it.pp_code, it.bad_off)
 *     else ... upper layer it.nh at it.off (unless it.frag_later: no headers there)
 *
 * The walk stops (false) at the first Next Header that is not an extension
 * header (TCP, UDP, ICMPv6, 59, ESP, or a value it does not know: the
 * caller decides, IP6-3, and has it.nh_off for the pointer), after the
 * Fragment header of a non-first fragment, or at an error. */
#define IPV6_EXT_MAX_HDRS 16    /* default limits a caller passes to init */
#define IPV6_EXT_MAX_BYTES 1232 /* the chain after the fixed header fits the
                                   minimum MTU (RFC 7112 5: HDRC-5) */

/* Parameter Problem codes (RFC 4443 3.4, RFC 7112) the walk suggests. */
#define IPV6_PP_HEADER 0     /* erroneous header field */
#define IPV6_PP_NEXT_HDR 1   /* unrecognized Next Header */
#define IPV6_PP_OPTION 2     /* unrecognized option */
#define IPV6_PP_INCOMPLETE 3 /* first fragment without the whole chain */

struct ipv6_ext {
    uint8_t type;       /* this header's Next Header value (0, 43, 44, 51, 60) */
    uint8_t next_hdr;   /* the value in it */
    const uint8_t *p;   /* its first octet; p[0..len) is inside the packet */
    size_t len;         /* bytes */
    size_t off;         /* offset of p in the packet */
    struct ipv6_frag frag; /* type 44 */
    uint8_t rh_type;    /* type 43: Routing Type (RFC 8200 4.4) */
    uint8_t rh_segs_left;
    bool rh0;           /* type 43, Routing Type 0: deprecated (RFC 5095 3):
                           never processed, handled as an unknown type */
};
struct ipv6_ext_iter {
    const uint8_t *pkt;
    size_t len;         /* 40 + payload length */
    size_t off;         /* the next header's offset; at the end the upper layer's */
    uint8_t nh;         /* the next header's type; at the end the upper layer */
    size_t nh_off;      /* offset of the octet holding nh (the pointer for
                           Parameter Problem code 1) */
    unsigned count;     /* extension headers walked */
    unsigned max_hdrs;
    size_t max_bytes;
    bool first_frag;    /* a Fragment header with offset 0 and M=1 was seen */
    bool frag_later;    /* a Fragment header with offset > 0: it.off holds
                           fragment data, not headers */
    bool has_frag;      /* any Fragment header (NDFR-2: ND ignores those) */
    int err;            /* WIRE_OK, WIRE_TRUNCATED (a header past the packet),
                           WIRE_BAD_LEN (a limit), WIRE_UNSUPPORTED (Hop-by-Hop
                           not first) */
    int pp_code;        /* with err: the Parameter Problem code to send, or -1
                           to drop silently */
    size_t bad_off;     /* with pp_code >= 0: the pointer */
};
/* pkt[0..len) is the packet from the fixed header; len >= 40. */
void ipv6_ext_iter_init(struct ipv6_ext_iter *it, const uint8_t *pkt, size_t len,
                        unsigned max_hdrs, size_t max_bytes);
bool ipv6_ext_next(struct ipv6_ext_iter *it, struct ipv6_ext *e);
/* True for the Next Header values the walk steps over. */
bool ipv6_nh_is_ext(uint8_t nh);

/* ---- Hop-by-Hop and Destination options (ipv6_opt.c), RFC 8200 4.2 ----
 * Pad1 and PadN are skipped; every other option is returned in order
 * (IP6-5). For an option the caller does not know, ipv6_opt_action() says
 * what the two high bits of its type demand (IP6-6..8). */
#define IPV6_OPT_PAD1 0
#define IPV6_OPT_PADN 1
#define IPV6_OPT_ROUTER_ALERT 5 /* RFC 2711; value 0: MLD */
#define IPV6_OPT_JUMBO 0xc2
enum ipv6_opt_action {
    IPV6_OPT_SKIP = 0,          /* 00: skip it, go on */
    IPV6_OPT_DISCARD = 1,       /* 01: drop silently */
    IPV6_OPT_DISCARD_ICMP = 2,  /* 10: drop, Parameter Problem code 2 (even multicast) */
    IPV6_OPT_DISCARD_ICMP_UNICAST = 3, /* 11: same, only if dst is not multicast */
};
static inline enum ipv6_opt_action ipv6_opt_action(uint8_t type)
{
    return (enum ipv6_opt_action)(type >> 6);
}
/* Bit 0x20: the option data may change en route (RFC 8200 4.2). */
static inline bool ipv6_opt_may_change(uint8_t type) { return (type & 0x20) != 0; }

struct ipv6_opt {
    uint8_t type;
    uint8_t len;        /* data bytes */
    const uint8_t *data;
    size_t off;         /* offset of the type octet in the packet (the
                           Parameter Problem code 2 pointer) */
};
struct ipv6_opt_iter {
    const uint8_t *p;   /* the options: after the 2-octet header */
    size_t len;
    size_t base;        /* offset of p in the packet */
    size_t off;
    int err;            /* WIRE_OK or WIRE_BAD_OPTION (length past the header) */
    size_t bad_off;     /* then: packet offset of the bad length octet */
};
/* e is a Hop-by-Hop or Destination Options header from the walk. */
void ipv6_opt_iter_init(struct ipv6_opt_iter *it, const struct ipv6_ext *e);
bool ipv6_opt_next(struct ipv6_opt_iter *it, struct ipv6_opt *o);
/* The 8-byte Hop-by-Hop header MLD needs (RFC 3810 5, MLD-1): Router
 * Alert value 0, then PadN. Returns 8 or WIRE_NOSPACE. */
int ipv6_hbh_router_alert_emit(uint8_t next_hdr, uint8_t *buf, size_t cap);

#endif
