/* ICMPv6 (RFC 4443): the common header, the checksum over the IPv6
 * pseudo-header, echo and error messages. Neighbor Discovery is nd.h,
 * MLD mld.h. */
#ifndef UST_WIRE_ICMPV6_H
#define UST_WIRE_ICMPV6_H

#include "ipv6.h"

#define ICMPV6_HDR_LEN 8 /* type, code, checksum and the 32-bit word after */

/* Types (RFC 4443 2.1, RFC 4861 4, RFC 2710, RFC 3810). */
#define ICMPV6_DST_UNREACH 1
#define ICMPV6_PKT_TOO_BIG 2
#define ICMPV6_TIME_EXCEEDED 3
#define ICMPV6_PARAM_PROBLEM 4
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define ICMPV6_MLD_QUERY 130
#define ICMPV6_MLD1_REPORT 131
#define ICMPV6_MLD1_DONE 132
#define ICMPV6_ND_RS 133
#define ICMPV6_ND_RA 134
#define ICMPV6_ND_NS 135
#define ICMPV6_ND_NA 136
#define ICMPV6_ND_REDIRECT 137
#define ICMPV6_MLD2_REPORT 143

/* Destination Unreachable codes (RFC 4443 3.1). */
#define ICMPV6_UNREACH_NOROUTE 0
#define ICMPV6_UNREACH_ADMIN 1
#define ICMPV6_UNREACH_SCOPE 2
#define ICMPV6_UNREACH_ADDR 3
#define ICMPV6_UNREACH_PORT 4
/* Time Exceeded codes (RFC 4443 3.3). */
#define ICMPV6_TIME_HOP_LIMIT 0
#define ICMPV6_TIME_REASSEMBLY 1

/* The largest invoking-packet quote an error carries: the error stays
 * within the minimum MTU (RFC 4443 2.4 (c), ICMP6-5). */
#define ICMPV6_ERROR_QUOTE_MAX (IPV6_MIN_MTU - IPV6_HDR_LEN - ICMPV6_HDR_LEN)

struct icmpv6_hdr {
    uint8_t type, code;
    uint16_t csum;   /* as received */
    uint32_t rest;   /* the word after the checksum (0 when len < 8) */
    /* rest read per type: */
    uint16_t id, seq; /* echo */
    uint32_t mtu;     /* Packet Too Big */
    uint32_t pointer; /* Parameter Problem */
};

/* Errors are types 0-127, informational 128-255 (RFC 4443 2.1). */
static inline bool icmpv6_is_error(uint8_t type) { return type < 128; }

/* msg[0..len) is the whole ICMPv6 message, src/dst from its IPv6 header.
 * Validates: len >= 4; the checksum over the pseudo-header (XPORT-1) if
 * verify_csum (WIRE_BAD_CSUM); errors and echo at least 8 bytes
 * (WIRE_TRUNCATED). Other types' lengths are checked by their parsers. */
int icmpv6_parse(const uint8_t *msg, size_t len, const struct ipv6_addr *src,
                 const struct ipv6_addr *dst, bool verify_csum, struct icmpv6_hdr *h);
/* Computes and stores the checksum of msg[0..len) (field at msg[2]). */
void icmpv6_set_csum(uint8_t *msg, size_t len, const struct ipv6_addr *src,
                     const struct ipv6_addr *dst);
/* Writes the 8-byte header of h (rest from id/seq for echo, mtu for Packet
 * Too Big, pointer for Parameter Problem, else h->rest) in front of a body
 * already at msg[8..len) and the checksum. Returns 8, WIRE_NOSPACE or
 * WIRE_BAD_LEN (len < 8). */
int icmpv6_emit(const struct icmpv6_hdr *h, const struct ipv6_addr *src,
                const struct ipv6_addr *dst, uint8_t *msg, size_t len);

/* An error message of type/code with `word` (MTU, pointer or 0) quoting as
 * much of the invoking packet inv[0..inv_len) as keeps the error within
 * 1280 bytes (ICMP6-5) and within cap. Returns the message length, or
 * WIRE_NOSPACE (cap < 8) / WIRE_BAD_LEN (type is not an error). */
int icmpv6_error_emit(uint8_t type, uint8_t code, uint32_t word, const uint8_t *inv,
                      size_t inv_len, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                      uint8_t *msg, size_t cap);

#endif
