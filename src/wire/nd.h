/* Neighbor Discovery messages and options (RFC 4861 4; RDNSS RFC 8106
 * 5.1): the wire-level validity checks of RFC 4861 6.1.2, 7.1.1, 7.1.2
 * and 8.1, and one option walk. The checksum is icmpv6_parse()'s. */
#ifndef UST_WIRE_ND_H
#define UST_WIRE_ND_H

#include "icmpv6.h"

#define ND_HOP_LIMIT 255
/* Fixed part of each message, ICMPv6 header included (RFC 4861 4.1-4.5). */
#define ND_RS_LEN 8
#define ND_RA_LEN 16
#define ND_NS_LEN 24
#define ND_NA_LEN 24
#define ND_REDIRECT_LEN 40

/* Option types (RFC 4861 4.6, RFC 8106). */
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_OPT_PREFIX 3
#define ND_OPT_REDIRECTED 4
#define ND_OPT_MTU 5
#define ND_OPT_ROUTE_INFO 24 /* RFC 4191 2.3 */
#define ND_OPT_RDNSS 25
#define ND_OPT_DNSSL 31      /* RFC 8106 5.2 */

/* RA flags (RFC 4861 4.2), NA flags (4.4), PIO flags (4.6.2). */
#define ND_RA_MANAGED 0x80
#define ND_RA_OTHER 0x40
#define ND_NA_ROUTER 0x80000000u
#define ND_NA_SOLICITED 0x40000000u
#define ND_NA_OVERRIDE 0x20000000u
#define ND_PIO_ONLINK 0x80
#define ND_PIO_AUTO 0x40

/* One ND message. Fields of other types stay 0. */
struct nd_msg {
    uint8_t type;
    /* RA */
    uint8_t cur_hop_limit;
    uint8_t ra_flags;         /* ND_RA_MANAGED | ND_RA_OTHER | the rest */
    uint16_t router_lifetime; /* seconds */
    uint32_t reachable_time;  /* ms */
    uint32_t retrans_timer;   /* ms */
    /* NA */
    bool router, solicited, override;
    /* NS, NA, Redirect */
    struct ipv6_addr target;
    /* Redirect */
    struct ipv6_addr dest;
    /* the options, inside the parsed buffer */
    const uint8_t *opts;
    size_t opts_len;
};

/* The IPv6 header fields the checks need. */
struct nd_ip {
    const struct ipv6_addr *src, *dst;
    uint8_t hop_limit;
};

/* msg[0..len) is an RS, RA, NS, NA or Redirect whose checksum the caller
 * verified. Drops (returns < 0) what RFC 4861 says to drop silently and can
 * be seen in the packet alone: Hop Limit != 255, code != 0, len below the
 * fixed part, an option of length 0 or past the end (all: ND-4..7); RA and
 * Redirect from a source that is not link-local; NS/NA target multicast;
 * NS from :: not to a solicited-node group or with an SLLA option (ND-5);
 * NA with S=1 to a multicast destination (ND-6); Redirect destination
 * multicast, target neither link-local nor the destination (ND-7).
 * WIRE_UNSUPPORTED for other types. The "current first hop" rule of a
 * Redirect needs the destination cache: the caller's. */
int nd_parse(const uint8_t *msg, size_t len, const struct nd_ip *ip, struct nd_msg *m);
/* Writes the fixed part of m (type, code 0, checksum 0, reserved 0);
 * returns its length or WIRE_NOSPACE / WIRE_UNSUPPORTED. The caller appends
 * options and calls icmpv6_set_csum() over the whole message. */
int nd_emit(const struct nd_msg *m, uint8_t *buf, size_t cap);

/* ---- the option walk (RFC 4861 4.6: type, length in 8-octet units) ---- */
struct nd_opt {
    uint8_t type;
    size_t len;         /* bytes, type and length octets included */
    const uint8_t *p;   /* its first octet */
    size_t off;         /* offset of p in the option list */
};
struct nd_opt_iter {
    const uint8_t *opts;
    size_t len, off;
    int err;            /* WIRE_OK or WIRE_BAD_OPTION (length 0, past the end,
                           or fewer than 2 octets left) */
    size_t bad_off;
};
void nd_opt_iter_init(struct nd_opt_iter *it, const uint8_t *opts, size_t len);
bool nd_opt_next(struct nd_opt_iter *it, struct nd_opt *o);

/* Typed readers; each returns 0, or WIRE_BAD_LEN when the option's length
 * does not fit its type (the caller ignores that option, ND-1). */
/* SLLA/TLLA: the link-layer address, o->len - 2 bytes (Ethernet: 6 of 8). */
int nd_opt_lladdr(const struct nd_opt *o, const uint8_t **ll, size_t *ll_len);
struct nd_prefix_info {
    uint8_t prefix_len;   /* <= 128 */
    uint8_t flags;        /* ND_PIO_ONLINK | ND_PIO_AUTO */
    uint32_t valid_lifetime, preferred_lifetime; /* seconds, 0xffffffff: infinite */
    struct ipv6_addr prefix;
};
int nd_opt_prefix(const struct nd_opt *o, struct nd_prefix_info *pi);
int nd_opt_mtu(const struct nd_opt *o, uint32_t *mtu);
/* Redirected Header: the quoted packet (o->len - 8 bytes). */
int nd_opt_redirected(const struct nd_opt *o, const uint8_t **pkt, size_t *pkt_len);
/* RDNSS: lifetime and the number of addresses; nd_opt_rdnss_addr reads #i. */
int nd_opt_rdnss(const struct nd_opt *o, uint32_t *lifetime, size_t *count);
void nd_opt_rdnss_addr(const struct nd_opt *o, size_t i, struct ipv6_addr *a);
/* An RDNSS option (RFC 8106 5.1) with count (1..127) addresses: its
 * length (8 + 16 x count), or WIRE_NOSPACE / WIRE_UNSUPPORTED. */
int nd_opt_rdnss_emit(uint32_t lifetime, const uint8_t (*addrs)[IPV6_ADDR_LEN], size_t count,
                      uint8_t *buf, size_t cap);

/* Route Information (RFC 4191 2.3): WIRE_BAD_LEN when RFC 4191 3.1 says
 * to ignore it: Length not 1-3, Prefix Length > 128, or too long for the
 * Length (> 0 with Length 1, > 64 with Length 2); WIRE_UNSUPPORTED for the
 * reserved preference 10 (2.3: MUST be ignored). Prefix bits past the
 * Prefix Length are cleared (2.3: ignored by the receiver). */
struct nd_route_info {
    uint8_t prefix_len;
    int8_t pref;          /* RFC 4191 2.1: 1 high, 0 medium, -1 low */
    uint32_t lifetime;    /* seconds, 0xffffffff: infinite */
    struct ipv6_addr prefix;
};
int nd_opt_route_info(const struct nd_opt *o, struct nd_route_info *ri);
/* DNSSL (RFC 8106 5.2): the lifetime, once every domain name in it is
 * well formed (nd_opt_dnssl_next to the end without an error); else
 * WIRE_BAD_LEN (length below 2, a label over 63 octets, a compression
 * pointer, a name not ended inside the option or over 253 characters, a
 * character other than a letter, digit, '-' or '_'). */
#define ND_DNSSL_NAME_MAX 254 /* 253 characters and the NUL */
/* A DNSSL option (RFC 8106 5.2) of the space-separated names: its length
 * (a multiple of 8), or WIRE_NOSPACE, WIRE_BAD_LEN (an empty or long
 * label), WIRE_UNSUPPORTED (no name). */
int nd_opt_dnssl_emit(uint32_t lifetime, const char *names, uint8_t *buf, size_t cap);
int nd_opt_dnssl(const struct nd_opt *o, uint32_t *lifetime);
/* The domain name at *off (start with *off = 8) as dotted text into
 * name[ND_DNSSL_NAME_MAX]: 1 and *off past it, 0 at the end (the zero
 * padding, 5.2), WIRE_BAD_LEN when malformed as above. */
int nd_opt_dnssl_next(const struct nd_opt *o, size_t *off, char name[ND_DNSSL_NAME_MAX]);

/* Emitters: the option's length in bytes, or WIRE_NOSPACE. */
int nd_opt_lladdr_emit(uint8_t type, const uint8_t mac[6], uint8_t *buf, size_t cap);
int nd_opt_prefix_emit(const struct nd_prefix_info *pi, uint8_t *buf, size_t cap);
int nd_opt_mtu_emit(uint32_t mtu, uint8_t *buf, size_t cap);

#endif
