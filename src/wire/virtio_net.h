/* The virtio_net_hdr that precedes every frame on a TAP/TUN descriptor
 * opened with IFF_VNET_HDR (Linux include/uapi/linux/virtio_net.h, the
 * virtio 1.x spec 5.1.6). 10 bytes: num_buffers (the 12-byte form) only
 * means something with mergeable receive buffers, which a TAP descriptor
 * never uses, so we keep the kernel's default size (TUNSETVNETHDRSZ is not
 * called). Fields are little-endian: the driver asks for that with
 * TUNSETVNETLE (the legacy default is the host's own order). */
#ifndef UST_WIRE_VIRTIO_NET_H
#define UST_WIRE_VIRTIO_NET_H

#include "wire.h"

#define VNET_HDR_LEN 10

/* flags */
#define VNET_F_NEEDS_CSUM 0x01 /* csum_start/csum_offset: checksum to complete */
#define VNET_F_DATA_VALID 0x02 /* receive: the checksum was verified (or the data is local) */
/* gso_type */
#define VNET_GSO_NONE 0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_UDP 3 /* UFO: IP fragmentation, not accepted here */
#define VNET_GSO_TCPV6 4
#define VNET_GSO_UDP_L4 5
#define VNET_GSO_ECN 0x80 /* flag: the super-packet carries CWR (RFC 3168 6.1.2) */

struct vnet_hdr {
    uint8_t flags;
    uint8_t gso_type;     /* VNET_GSO_* with maybe VNET_GSO_ECN */
    uint16_t hdr_len;     /* bytes of headers (link + IP + L4) in front of the payload */
    uint16_t gso_size;    /* payload bytes per segment */
    uint16_t csum_start;  /* where the checksummed bytes start (from the frame's start) */
    uint16_t csum_offset; /* where the checksum field is, from csum_start */
};

/* Writes h into buf (VNET_HDR_LEN bytes). */
void vnet_hdr_emit(const struct vnet_hdr *h, uint8_t *buf);
/* Reads the header in front of a frame of frame_len bytes (buf holds
 * VNET_HDR_LEN + frame_len) and checks it against the frame: what
 * Linux's virtio_net_hdr_to_skb refuses, we refuse (WIRE_TRUNCATED,
 * WIRE_BAD_LEN: the checksum field or hdr_len past the frame, a GSO type
 * without a segment size; WIRE_UNSUPPORTED: an unknown type or flag). */
int vnet_hdr_parse(const uint8_t *buf, size_t len, struct vnet_hdr *h);
/* The base GSO type (VNET_GSO_ECN removed). */
static inline uint8_t vnet_gso_base(const struct vnet_hdr *h)
{
    return (uint8_t)(h->gso_type & ~VNET_GSO_ECN);
}

/* What the stack asks of the device for one outgoing frame (struct
 * pkt_offload's fields, kept apart so that wire/ does not know buffers). */
struct vnet_tx_req {
    uint16_t gso_size;    /* 0: not to be segmented */
    uint8_t gso_type;     /* 0 none, 1 TCPv4, 2 TCPv6, 3 UDP L4 (enum pkt_gso_type) */
    uint8_t csum_partial; /* the L4 checksum holds the pseudo-header sum only */
};
/* Fills h for a frame whose IP header starts at l3_off (14 for TAP, 0
 * for TUN): an all-zero header when nothing is asked, else csum_start,
 * csum_offset and hdr_len from the frame's own IPv4 or IPv6 and TCP/UDP
 * headers (IPv6: TCP/UDP right after the fixed header, hdr_len 14 + 40 +
 * TCP header on TAP). WIRE_UNSUPPORTED for requests that do not fit the
 * frame (neither IPv4 nor IPv6, not TCP/UDP, a GSO type other than the L4
 * protocol or of the other IP family), WIRE_TRUNCATED when the headers
 * are not all there. */
int vnet_hdr_for_frame(const uint8_t *frame, size_t len, size_t l3_off,
                       const struct vnet_tx_req *req, struct vnet_hdr *h);

#endif
