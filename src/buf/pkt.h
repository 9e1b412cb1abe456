/* One contiguous outgoing packet with headroom: upper layers write their
 * payload, then each layer below prepends its header with pkt_push(). */
#ifndef UST_PKT_H
#define UST_PKT_H

#include <stddef.h>
#include <stdint.h>

/* Room for Ethernet+VLAN (18) + IPv4 with options (60) + TCP with options (60). */
#define PKT_HEADROOM 160

/* What a packet asks of a device that can do the work (segmentation and
 * checksum offload over TAP's virtio_net_hdr, issue #12). All zero: an
 * ordinary, complete frame. The header offsets are not stored: whoever
 * does the work (the driver, or software segmentation for devices and
 * middleware that cannot) reads them from the frame's own headers. */
enum pkt_gso_type { PKT_GSO_NONE = 0, PKT_GSO_TCPV4, PKT_GSO_TCPV6, PKT_GSO_UDP_L4 };
struct pkt_offload {
    uint16_t gso_size;    /* payload bytes per segment; 0: not to be segmented */
    uint8_t gso_type;     /* enum pkt_gso_type */
    uint8_t csum_partial; /* 1: the L4 checksum field holds only the pseudo-header
                           * sum; the device completes it (per segment) */
};

struct pkt {
    uint8_t *data;   /* first byte of the packet */
    size_t len;      /* bytes from data */
    size_t cap;      /* bytes in mem */
    struct pkt *next; /* for queues (ARP pending, loopback, shaper) */
    struct pkt_offload off; /* offload requests; zeroed by every allocator */
    uint8_t mem[];
};

/* A packet with `headroom` free bytes in front of `len` payload bytes
 * (uninitialised). NULL on allocation failure. */
struct pkt *pkt_alloc(size_t headroom, size_t len);
void pkt_free(struct pkt *p);
/* Prepends n bytes; returns the new start or NULL without headroom. */
uint8_t *pkt_push(struct pkt *p, size_t n);
/* Removes n bytes from the front (n <= len). */
void pkt_pull(struct pkt *p, size_t n);
/* Drops bytes at the end so that len == n (n <= len). */
void pkt_trim(struct pkt *p, size_t n);
size_t pkt_headroom(const struct pkt *p);
/* A copy of the bytes [data, data+len) with PKT_HEADROOM in front. */
struct pkt *pkt_copy(const uint8_t *data, size_t len);

/* A few spare packets of one size (PKT_POOL_CAP bytes: headroom + a 1500
 * byte frame and then some), so that a sender does not call malloc and
 * free for every frame. Pool packets are ordinary packets: pkt_free works
 * on them too (they are then simply not reused). Up to PKT_POOL_MAX are
 * kept: enough for the frames a TAP transmit queue holds in flight in its
 * packets (256, dev_tap_txq.c) to come back without going to the
 * allocator, plus some (at most 640 KiB per stack). */
#define PKT_POOL_CAP 2048
#define PKT_POOL_MAX 320
struct pkt_pool {
    struct pkt *free;
    unsigned n;
};
/* As pkt_alloc; from the pool when headroom + len fits PKT_POOL_CAP. */
struct pkt *pkt_pool_alloc(struct pkt_pool *pool, size_t headroom, size_t len);
/* Returns p to the pool (or frees it). */
void pkt_pool_free(struct pkt_pool *pool, struct pkt *p);
void pkt_pool_clear(struct pkt_pool *pool);

/* FIFO of packets with a byte and count total. */
struct pkt_queue {
    struct pkt *head, *tail;
    size_t count, bytes;
};
void pkt_queue_push(struct pkt_queue *q, struct pkt *p);
struct pkt *pkt_queue_pop(struct pkt_queue *q);
void pkt_queue_clear(struct pkt_queue *q);

#endif
