/* Link layer: Ethernet framing and the ARP neighbour cache. */
#ifndef UST_LINK_H
#define UST_LINK_H

#include "buf/pkt.h"
#include "core/timer.h"
#include "ustack/types.h"

struct ust_stack;
struct ust_dev;
struct ust_iface;

/* Counts a link event on the device and on the stack-wide sum. */
#define LINK_COUNT(dev, field)                \
    do {                                      \
        (dev)->stats.field++;                 \
        stack_stats((dev)->st)->link.field++; \
    } while (0)

/* Receive entry point for a frame from a device (Ethernet or IP-only).
 * Ethernet policy: frames to our MAC, to the broadcast address and to the
 * multicast addresses of joined groups (mcast_filter.h) are accepted;
 * other multicast and unicast frames are dropped (rx_not_for_us). Ethernet II and RFC 1042 (LLC/SNAP) frames
 * are understood; other 802.3 frames count as rx_unknown_type. 802.1Q: a priority tag (VID 0) is handled
 * as untagged (IEEE 802.1Q); a frame tagged with any other VLAN is dropped
 * and counted in rx_vlan (we are not a member of any VLAN). */
int link_input(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len);

/* ---- EtherType demultiplexing (registered at stack creation) ------------ */
/* Receives the payload of a frame of one EtherType. ifc is the device's
 * interface (NULL when it has no address yet); bcast says the frame was a
 * link-layer broadcast (RFC 1122 2.4). The frame is only borrowed. */
typedef void (*link_rx_fn)(struct ust_stack *st, struct ust_dev *dev, struct ust_iface *ifc,
                           const uint8_t *payload, size_t len, bool bcast);
#define LINK_MAX_PROTOS 8
/* The EtherType -> handler table: a protocol above the link layer adds
 * itself from its register function (called by ust_stack_new), so adding
 * one (IPv6, 0x86DD) touches no link code. An IP-only link (TUN) hands
 * a packet of IP version 6 to the ETH_TYPE_IPV6 handler, any other to the
 * ETH_TYPE_IPV4 one. */
struct link_proto_table {
    unsigned count;
    struct {
        uint16_t type;
        link_rx_fn input;
    } v[LINK_MAX_PROTOS];
};
/* UST_ERR_EXIST when the type has a handler, UST_ERR_NOMEM when full. */
int link_proto_register(struct ust_stack *st, uint16_t ethertype, link_rx_fn input);
/* ARP (arp.c) as the handler of ETH_TYPE_ARP. */
int arp_register(struct ust_stack *st);
/* RFC 1042 framing (llc_snap.c): for an 802.3 frame (len_field <= 1500)
 * carrying LLC/SNAP with OUI 0, the EtherType inside and the payload it
 * frames (the 802.3 length, without padding). WIRE_BAD_LEN / _UNSUPPORTED
 * otherwise. */
int llc_snap_unwrap(uint16_t len_field, const uint8_t *payload, size_t plen, uint16_t *type,
                    const uint8_t **inner, size_t *inner_len);
/* Sends an Ethernet frame: prepends the header to p (consumed) and pads
 * it to the 60-byte minimum. On an IP-only link p goes out as it is (dst
 * and ethertype unused: such a link has no header and no addresses). */
int eth_output(struct ust_stack *st, struct ust_dev *dev, struct pkt *p, const uint8_t dst[6],
               uint16_t ethertype);
/* Sends IPv4 datagram p (consumed) to next_hop over iface: straight out on
 * an IP-only link, otherwise through ARP (queued while resolving); a
 * broadcast next hop goes to ff:ff:ff:ff:ff:ff without ARP. */
int link_output_ip(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t next_hop, struct pkt *p);

/* ---- ARP neighbour cache (arp.c, arp_cache.c) -------------------------- */
enum arp_state {
    ARP_INCOMPLETE, /* request sent, no answer yet; packets wait in `pending` */
    ARP_REACHABLE,  /* confirmed within cfg.arp_reachable_time */
    ARP_STALE,      /* still used; refreshed by a unicast request on use */
};

struct arp_entry {
    ust_ip4_t ip;
    int ifindex;
    struct ust_mac mac;
    enum arp_state state;
    unsigned requests;         /* requests sent while INCOMPLETE */
    ust_time_t confirmed;      /* last time the mapping was confirmed */
    ust_time_t last_request;   /* for the one-request-per-interval limit */
    struct pkt_queue pending;  /* datagrams waiting for resolution (bounded) */
    struct ust_timer timer;    /* retry (INCOMPLETE) or ageing (REACHABLE/STALE) */
};

struct arp_table {
    struct arp_entry **v; /* unordered vector; bounded by cfg.arp_max_entries */
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
/* RFC 5227 2.1.1 probe for `target` (sender address 0) out of ifc. */
void arp_probe(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t target);
/* Resolves ip ahead of use (an INCOMPLETE entry and a request) unless the
 * cache has it: the DHCP server, whom RENEW and RELEASE go to. */
void arp_prime(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t ip);
/* Watches ARP for a claim on addr (0: stop); arp_watch_conflict tells
 * whether one was seen since (RFC 5227 2.1.1). */
void arp_watch_start(struct ust_stack *st, ust_ip4_t addr);
bool arp_watch_conflict(const struct ust_stack *st);
/* Sends a request for `target` out of ifc; dst_mac NULL = broadcast. */
void arp_send_request(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t target,
                      const uint8_t *dst_mac);

/* Cache primitives (arp_cache.c). */
struct arp_entry *arp_lookup(struct ust_stack *st, ust_ip4_t ip);
/* A new INCOMPLETE entry; evicts the oldest INCOMPLETE (then STALE, then
 * REACHABLE) entry when the cache is full. NULL when nothing can be
 * evicted (a cache of size 0) or out of memory. */
struct arp_entry *arp_create(struct ust_stack *st, ust_ip4_t ip, int ifindex);
/* Records a confirmed mapping: REACHABLE, ageing timer restarted, waiting
 * packets sent. */
void arp_confirm(struct ust_stack *st, struct arp_entry *e, const uint8_t mac[6]);
/* Unlinks e from the table and frees it (waiting packets dropped). */
void arp_remove(struct ust_stack *st, struct arp_entry *e);
/* The timer callback for all entry states (arp.c). */
void arp_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now);

#endif
