/* Software segmentation and checksum completion (issue #12): what a NIC
 * or the kernel behind TAP's virtio_net_hdr does for a packet whose
 * struct pkt_offload asks for it, done in software for drivers and
 * middleware that cannot (dev_transmit, dev.c).
 *
 * The frame is the one the stack built: link header (Ethernet II, an
 * optional 802.1Q tag, or none on an IP link), IPv4 header (options
 * allowed), TCP header (options allowed), payload. The header offsets are
 * read from the frame itself and bounds-checked like received input.
 *
 * A PKT_GSO_TCPV4 (PKT_GSO_TCPV6) super-packet with off.gso_size = MSS
 * becomes ceil(payload / MSS) frames exactly as Linux's GSO makes them
 * (inet_gso_segment / ipv6_gso_segment, tcp_gso_segment): each copies the
 * headers; IPv4 total length, identification (the super-packet's, +1 per
 * segment) and header checksum per segment (IPv6: the payload length); TCP sequence number advanced by MSS per
 * segment; FIN and PSH only on the last, CWR only on the first; every
 * other header byte (options, window, ACK, URG pointer) unchanged; the
 * TCP checksum computed in full over each segment (whatever the field
 * held: with csum_partial the pseudo-header sum, without a full sum). */
#ifndef UST_DEV_GSO_H
#define UST_DEV_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf/pkt.h"
#include "ustack/dev.h"

/* Where the headers of an IPv4 or IPv6 TCP/UDP frame lie (bytes from
 * its start). */
struct gso_hdrs {
    size_t l3_off;  /* IP header: after the link header */
    size_t l4_off;  /* TCP/UDP header: l3_off + IHL * 4, or l3_off + 40 */
    size_t l4_hlen; /* TCP: data offset * 4; UDP: 8 */
    size_t end;     /* l3_off + IPv4 total length or 40 + IPv6 payload
                       length (link padding excluded) */
    uint8_t proto;  /* 6 or 17 */
    bool v6;        /* IPv6 (the link header's type, or the version on TUN) */
};

/* Parses the link, IP and TCP/UDP headers of frame[0..len) with every
 * length checked against the frame: IPv4 version 4, IHL >= 5, header
 * inside total length inside len, not a fragment; or IPv6 (version 6
 * where the link header says 0x86DD) with TCP or UDP as its Next Header
 * (no extension headers) and the payload inside len; TCP data offset >= 5
 * and inside the datagram; UDP length equal to the datagram's. 0 or
 * UST_ERR_INVAL. */
int gso_parse(enum ust_link_type type, const uint8_t *frame, size_t len, struct gso_hdrs *h);

/* Called with each segment (taken: the callee frees or sends it). Its
 * return value is collected: the first negative one is what
 * gso_segment returns, after every segment was offered. */
typedef int (*gso_emit_fn)(void *arg, struct pkt *seg);

/* Segments p (taken, freed here in every case) into frames of at most
 * off.gso_size payload bytes, each allocated from pool (NULL: malloc)
 * with PKT_HEADROOM, with off zeroed and complete checksums, handed to
 * emit in sequence order. A packet whose payload fits one segment is
 * emitted as it is, its checksum completed. Returns the number of
 * segments (>= 1) or a negative ust_err: UST_ERR_INVAL for a frame that
 * does not parse as IPv4 TCP with gso_type PKT_GSO_TCPV4 (IPv6 TCP with
 * PKT_GSO_TCPV6) and gso_size > 0 (nothing emitted), UST_ERR_NOMEM when
 * a segment could not be allocated (the remaining ones are not emitted), or emit's first error. */
int gso_segment(struct pkt *p, enum ust_link_type type, struct pkt_pool *pool, gso_emit_fn emit,
                void *arg);

/* Completes the TCP or UDP checksum of p in place (p->off.csum_partial:
 * the field holds the pseudo-header sum; it is recomputed in full, so a
 * complete field works too) and clears p->off. 0 or UST_ERR_INVAL (a
 * frame that does not parse; p is unchanged). */
int gso_csum_complete(struct pkt *p, enum ust_link_type type);

/* The largest packet (IP header on, at most 65535) the driver of dev
 * segments for gso_type, with checksum completion (DEV_OFF_CSUM): what
 * the net layer offers TCP (ipv4_gso_max_for). 0: it cannot, or it has no
 * packet path (dev_txq_ops.transmit_pkt) to see p->off on. dev.c. */
unsigned dev_gso_max(const struct ust_dev *dev, enum pkt_gso_type type);
/* Does the driver of dev itself complete a partial checksum
 * (DEV_OFF_CSUM, a packet path, no middleware that wants wire frames)?
 * Then TCP leaves every segment's checksum to it, as Linux's
 * CHECKSUM_PARTIAL (ipv4_csum_offload_for). dev.c. */
bool dev_csum_offload(const struct ust_dev *dev);

#endif
