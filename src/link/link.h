/* Link layer: Ethernet framing and the ARP neighbour cache. */
#ifndef UST_LINK_H
#define UST_LINK_H

#include "buf/pkt.h"
#include "ustack/types.h"

struct ust_stack;
struct ust_dev;
struct ust_iface;
struct arp_entry;

/* Receive entry point for a frame from a device (Ethernet or IP-only). */
int link_input(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len);
/* Sends an Ethernet frame: prepends the header to p (consumed). */
int eth_output(struct ust_stack *st, struct ust_dev *dev, struct pkt *p, const uint8_t dst[6],
               uint16_t ethertype);
/* Sends IPv4 datagram p (consumed) to next_hop over iface: straight out on
 * an IP-only link, otherwise through ARP (queued while resolving). */
int link_output_ip(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t next_hop, struct pkt *p);

/* ---- ARP neighbour cache (arp.c) ----------------------------------- */
struct arp_table {
    struct arp_entry **v; /* open hash on the IPv4 address, or a vector */
    unsigned count;
    unsigned cap;
};
int arp_init(struct ust_stack *st);
void arp_destroy(struct ust_stack *st);
void arp_input(struct ust_stack *st, struct ust_dev *dev, const uint8_t *buf, size_t len);
/* Resolves next_hop and sends p (consumed) when the address is known;
 * otherwise queues p (bounded) and sends a request (rate-limited). */
int arp_output(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t next_hop, struct pkt *p);
/* Gratuitous ARP announcing ifc's address (RFC 5227 style request). */
void arp_announce(struct ust_stack *st, struct ust_iface *ifc);

#endif
