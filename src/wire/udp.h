/* UDP header (RFC 768). */
#ifndef UST_WIRE_UDP_H
#define UST_WIRE_UDP_H

#include "wire.h"

#define UDP_HDR_LEN 8

struct udp_hdr {
    uint16_t sport, dport;
    uint16_t len;   /* header + data, from the length field */
    uint16_t csum;  /* 0 = sender computed none */
};

/* Checks len >= 8, 8 <= length field <= len, and (when the field is not 0
 * and verify_csum) the checksum with the pseudo-header of src/dst. */
int udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, bool verify_csum,
              struct udp_hdr *h);
/* Writes the header; payload_len bytes must already follow it in buf. The
 * checksum (pseudo-header included) is computed; a result of 0 is sent as
 * 0xFFFF (RFC 768). Returns UDP_HDR_LEN or WIRE_NOSPACE/WIRE_BAD_LEN. */
int udp_emit(uint16_t sport, uint16_t dport, uint32_t src, uint32_t dst, uint8_t *buf, size_t cap,
             size_t payload_len);

/* The same with the pseudo-header sum given without its length (either
 * family, as tcp_parse_ps). IPv6 callers drop a zero checksum field
 * themselves (RFC 8200 8.1: mandatory). A computed zero goes out as
 * 0xFFFF in both families. */
int udp_parse_ps(const uint8_t *buf, size_t len, uint32_t pseudo, bool verify_csum,
                 struct udp_hdr *h);
int udp_emit_ps(uint16_t sport, uint16_t dport, uint32_t pseudo, uint8_t *buf, size_t cap,
                size_t payload_len);

#endif
