/* ARP for IPv4 over Ethernet (RFC 826). */
#ifndef UST_WIRE_ARP_H
#define UST_WIRE_ARP_H

#include "wire.h"

#define ARP_LEN 28
#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

struct arp_pkt {
    uint16_t htype, ptype;
    uint8_t hlen, plen;
    uint16_t op;
    uint8_t sha[6];
    uint32_t spa; /* host order */
    uint8_t tha[6];
    uint32_t tpa;
};

/* Accepts only Ethernet/IPv4 (htype 1, ptype 0x0800, hlen 6, plen 4) and
 * ops 1/2: anything else is WIRE_UNSUPPORTED; short input WIRE_TRUNCATED. */
int arp_parse(const uint8_t *buf, size_t len, struct arp_pkt *p);
/* Writes 28 bytes; returns ARP_LEN or WIRE_NOSPACE. */
int arp_emit(const struct arp_pkt *p, uint8_t *buf, size_t cap);

#endif
