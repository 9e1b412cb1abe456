/* The virtio_net_hdr side of the TAP/TUN driver (dev_tap_vnet.c): which
 * offloads to ask the kernel for, the header in front of every frame we
 * write, and what a received frame's header says (issue #12). */
#ifndef UST_DEV_TAP_VNET_H
#define UST_DEV_TAP_VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf/pkt.h"
#include "ustack/types.h"

struct ust_dev;

/* Asks for the offloads through set (TUNSETOFFLOAD on the descriptor:
 * 0, or -1 when the kernel refuses the flags), from the most to the
 * least: TSO with ECN and USO, without USO, without ECN, checksum only
 * (tso false, cfg.dev_offload_tso: checksum only is all it asks for, so
 * every frame either way carries one segment).
 * The kernel refuses flags it does not know (EINVAL), so the first set it
 * takes is what it has. USO is only probed: UDP GSO frames the kernel
 * would then send us are not segmented here, so the setting left in
 * place never has it. Returns the TUN_F_* flags in force (0: every set
 * refused: plain frames) and the enum dev_offload_cap bits they give in
 * *caps. */
unsigned tap_offload_negotiate(int (*set)(void *ctx, unsigned tun_flags), void *ctx, bool tso,
                               uint32_t *caps);

/* One buffer read from a descriptor with IFF_VNET_HDR (header + frame, n
 * bytes; writable): passes the frame up, trusted (dev_input_offload) when
 * nothing between the driver and the stack needs wire frames, else as the
 * wire frames it stands for (a super-frame segmented, a partial checksum
 * completed in place). 0, or a negative ust_err when the header is
 * refused (counted in rx_offload_bad). */
int tap_vnet_rx(struct ust_dev *dev, ust_time_t now, uint8_t *buf, size_t n);

/* Puts the header p->off asks for in front of p's frame (*pp may be
 * replaced by a copy with headroom). 0, or a negative ust_err (p kept). */
int tap_vnet_push(struct ust_dev *dev, struct pkt **pp, size_t l3_off);

#endif
