/* ICMP for IPv4 (RFC 792). */
#ifndef UST_WIRE_ICMP_H
#define UST_WIRE_ICMP_H

#include "wire.h"

#define ICMP_HDR_LEN 8
#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12
#define ICMP_TIMESTAMP 13
#define ICMP_TIMESTAMP_REPLY 14

/* Destination unreachable codes */
#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTO 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_FRAG_NEEDED 4
#define ICMP_UNREACH_SRC_ROUTE 5
/* Time exceeded codes */
#define ICMP_EXC_TTL 0
#define ICMP_EXC_FRAG 1

struct icmp_hdr {
    uint8_t type, code;
    uint16_t csum;
    uint16_t id, seq;   /* echo: identifier and sequence (rest of header) */
    uint16_t mtu;       /* dest unreach code 4: next-hop MTU (RFC 1191) */
    uint32_t rest;      /* the raw second word, for any type */
};

/* Checks len >= 8 and the checksum over the whole message (if verify). */
int icmp_parse(const uint8_t *buf, size_t len, bool verify_csum, struct icmp_hdr *h);
/* Writes the 8-byte header at buf and computes the checksum over the header
 * plus the `payload_len` bytes that must already follow it in buf. For echo
 * types the second word is id/seq, for code-4 unreachables it is the MTU,
 * otherwise `rest`. Returns ICMP_HDR_LEN or WIRE_NOSPACE. */
int icmp_emit(const struct icmp_hdr *h, uint8_t *buf, size_t cap, size_t payload_len);
/* True for the error types (3, 4, 5, 11, 12), which must never be answered
 * with another error (RFC 1122 3.2.2). */
bool icmp_is_error(uint8_t type);

#endif
