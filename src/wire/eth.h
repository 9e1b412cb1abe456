/* Ethernet II framing (RFC 894), with a single 802.1Q tag recognised. */
#ifndef UST_WIRE_ETH_H
#define UST_WIRE_ETH_H

#include "wire.h"

#define ETH_ALEN 6
#define ETH_HDR_LEN 14
#define ETH_VLAN_HDR_LEN 18
#define ETH_FCS_LEN 4
#define ETH_MIN_FRAME 60       /* without FCS: shorter frames are padded on send */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_VLAN 0x8100

struct eth_hdr {
    uint8_t dst[ETH_ALEN];
    uint8_t src[ETH_ALEN];
    uint16_t type;     /* EtherType after any VLAN tag */
    bool has_vlan;
    uint16_t vlan_tci; /* PCP/DEI/VID when has_vlan */
    size_t hdr_len;    /* 14, or 18 with a tag */
};

/* Parses the header; type values < 0x0600 (802.3 length) are returned as
 * they are, for the caller to reject. */
int eth_parse(const uint8_t *buf, size_t len, struct eth_hdr *h);
/* Writes the header (with a tag if has_vlan). Returns bytes written or
 * WIRE_NOSPACE. */
int eth_emit(const struct eth_hdr *h, uint8_t *buf, size_t cap);
bool eth_is_broadcast(const uint8_t mac[ETH_ALEN]);
bool eth_is_multicast(const uint8_t mac[ETH_ALEN]);

#endif
