/* TCP segmentation offload on transmit (tcp_tso.c, issue #12): where the
 * route's device segments TCP itself, output builds consecutive new data
 * of several MSS as one super-packet; the send map, RACK, RTT and rate
 * sampling still see one record per MSS-sized segment (tcp_output.c). */
#ifndef UST_TCP_TSO_H
#define UST_TCP_TSO_H

#include <stdint.h>

struct tcb;
struct pkt;

/* The most new data one packet may carry now: t->opt.mss when TSO is off
 * (cfg.tcp_tso), the device cannot segment (ipv4_gso_max_for), the
 * connection is in urgent mode, or fewer than two segments would fit;
 * else a multiple of the MSS bounded by the device's largest packet and
 * by Linux's TSO autosizing (tcp_tso_autosize): about 1 ms at the pacing
 * rate (the rest of the current pacing burst when paced; 2 * cwnd / SRTT
 * as Linux's sk_pacing_rate when not), at least two segments. The caller
 * bounds it further by cwnd, the send window and Nagle. */
uint32_t tcp_tso_max_len(struct tcb *t);
/* Makes p (TCP header first, len payload bytes after it, len > MSS) a
 * super-packet: off.gso_size = MSS, PKT_GSO_TCPV4, csum_partial with the
 * pseudo-header sum for the whole TCP length in the checksum field, as
 * Linux's __tcp_v4_send_check leaves it for CHECKSUM_PARTIAL and as
 * tcp_gso_segment and virtio_net_hdr expect. Counts it. */
void tcp_tso_mark(struct tcb *t, struct pkt *p, uint32_t len);
/* Makes p (TCP header first) an ordinary segment whose checksum the
 * device completes: csum_partial with the pseudo-header sum in the
 * field, as tcp_tso_mark without segmentation. */
void tcp_csum_partial_mark(const struct tcb *t, struct pkt *p);

#endif
