/* virtio_net_hdr on TAP/TUN (dev_tap_vnet.h).
 *
 * Receive: with TUN_F_TSO4/TSO6 the kernel hands us what its TCP sent as
 * one super-frame of up to 64 KiB (gso_type TCPV4 or TCPV6, gso_size the
 * MSS) whose
 * TCP checksum field holds only the pseudo-header sum (NEEDS_CSUM: the
 * data is the local kernel's, never touched a wire), and frames it
 * checked already with DATA_VALID. With nothing between the driver and
 * the stack, such a frame goes up whole and the stack trusts it
 * (stack_rx_offload: no checksum pass; TCP counts its segments). A
 * capture must show what a wire would carry and the fault injector must
 * lose single segments, and a router forwards to links that cannot take
 * a super-frame: then the frame is cut into its segments here, each with
 * its own IP header and TCP checksum, by the segmentation transmit uses for
 * devices without TSO (dev_gso.c, as Linux's tcp_gso_segment). */
#include "dev_tap_vnet.h"

#include <linux/if_tun.h>

#include "core/trace.h"
#include "dev_gso.h"
#include "dev_host.h"
#include "dev_impl.h"
#include "ustack/stack.h"
#include "wire/csum.h"
#include "wire/ipv4.h"
#include "wire/virtio_net.h"
#include "wire/wbuf.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20 /* Linux 6.2 */
#define TUN_F_USO6 0x40
#endif

static uint32_t caps_of(unsigned f)
{
    uint32_t caps = 0;
    if (f & TUN_F_CSUM)
        caps |= DEV_OFF_CSUM;
    if (f & TUN_F_TSO4)
        caps |= DEV_OFF_TSO4;
    if (f & TUN_F_TSO6)
        caps |= DEV_OFF_TSO6;
    return caps;
}

unsigned tap_offload_negotiate(int (*set)(void *ctx, unsigned tun_flags), void *ctx, bool tso,
                               uint32_t *caps)
{
    /* TSO4 and TSO6 together: Linux's tun takes them as one set, and
     * receive takes TCP super-frames of both families (rx_gso). */
    const unsigned seg = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    const unsigned ladder[] = {seg | TUN_F_TSO_ECN, seg, TUN_F_CSUM};
    const size_t n = sizeof(ladder) / sizeof(ladder[0]);
    *caps = 0;
    bool uso = tso && set(ctx, ladder[0] | TUN_F_USO4 | TUN_F_USO6) == 0;
    for (size_t i = tso ? 0 : n - 1; i < n; i++) {
        if (set(ctx, ladder[i]) == 0) {
            *caps = caps_of(ladder[i]) | (uso ? DEV_OFF_USO : 0);
            return ladder[i];
        }
    }
    return 0;
}

/* ---- receive ---- */

struct rx_seg_ctx {
    struct ust_dev *dev;
    ust_time_t now;
};

/* One segment whose checksum is vouched for: the kernel's word (NEEDS_CSUM,
 * DATA_VALID), or a sum computed here (a segment cut here, a frame
 * completed by wire_complete). */
static const struct rx_offload trusted_one = {.csum_valid = true, .segs = 1};

static int rx_seg_input(void *arg, struct pkt *seg)
{
    struct rx_seg_ctx *c = arg;
    (void)dev_input_offload(c->dev, c->now, seg->data, seg->len, &trusted_one);
    pkt_pool_free(stack_pkt_pool(c->dev->st), seg);
    return UST_OK;
}

/* The super-frame as the wire frames it stands for, through the same
 * segmentation as transmit (dev_gso.c: per-segment IPv4 length, ID and
 * checksum or IPv6 payload length, TCP sequence, FIN/PSH last, CWR first,
 * full TCP checksum). */
static int split_tcp(struct ust_dev *dev, ust_time_t now, const uint8_t *f, size_t len,
                     uint16_t gso_size, bool v6)
{
    struct pkt *p = pkt_copy(f, len);
    if (!p)
        return UST_ERR_NOMEM;
    p->off = (struct pkt_offload){.gso_size = gso_size,
                                  .gso_type = v6 ? PKT_GSO_TCPV6 : PKT_GSO_TCPV4,
                                  .csum_partial = 1};
    DEV_COUNT(dev, rx_gso_split);
    struct rx_seg_ctx c = {dev, now};
    int rc = gso_segment(p, dev->type, stack_pkt_pool(dev->st), rx_seg_input, &c);
    return rc < 0 ? rc : UST_OK;
}

static void count_gso_rx(struct ust_dev *dev, size_t len)
{
    DEV_COUNT(dev, rx_gso_frames);
    dev->stats.rx_gso_bytes += len;
    stack_stats(dev->st)->link.rx_gso_bytes += len;
}

static int rx_refuse(struct ust_dev *dev, const char *why, size_t len)
{
    DEV_COUNT(dev, rx_offload_bad);
    TRACE(dev->st, "dev", "%s: drop rx len %zu: %s", dev->name, len, why);
    return UST_ERR_INVAL;
}

/* The TCP payload bytes of a TCP frame of the family the header names
 * (IPv6 for TCPV6), -1 if it is not one. The kernel's word is checked
 * like input: a partial checksum must be the TCP checksum of the frame's
 * own headers (hdr_len is only a hint: Linux fills it with the linear
 * part's length, virtio_net_hdr_from_skb). */
static long tcp_payload(const struct ust_dev *dev, const uint8_t *f, size_t len,
                        const struct vnet_hdr *vh, bool v6)
{
    struct gso_hdrs h;
    if (gso_parse(dev->type, f, len, &h) < 0 || h.proto != IPV4_PROTO_TCP || h.v6 != v6)
        return -1;
    if ((vh->flags & VNET_F_NEEDS_CSUM) && (vh->csum_start != h.l4_off || vh->csum_offset != 16))
        return -1; /* RFC 9293 3.1: the checksum field is at offset 16 */
    return (long)(h.end - h.l4_off - h.l4_hlen);
}

/* A GSO super-frame: up whole and trusted, or in segments. */
static int rx_gso(struct ust_dev *dev, ust_time_t now, uint8_t *f, size_t len,
                  const struct vnet_hdr *h, bool wire_frames)
{
    uint8_t type = vnet_gso_base(h);
    bool v6 = type == VNET_GSO_TCPV6;
    long payload = type == VNET_GSO_TCPV4 || v6 ? tcp_payload(dev, f, len, h, v6) : -1;
    if (payload < 0)
        return rx_refuse(dev, "GSO frame other than TCP/IPv4 or TCP/IPv6", len);
    count_gso_rx(dev, len);
    if (wire_frames)
        return split_tcp(dev, now, f, len, h->gso_size, v6);
    long segs = payload ? (payload + h->gso_size - 1) / h->gso_size : 1;
    struct rx_offload off = {.csum_valid = true, .gso_size = h->gso_size, .segs = (uint16_t)segs};
    return dev_input_offload(dev, now, f, len, &off);
}

/* A NEEDS_CSUM frame where the wire's checksums are wanted (a capture, a
 * layer that changes or holds frames, forwarding): its checksum completed,
 * so that a capture shows what a wire would carry. Then trusted: the sum
 * was just made over these bytes, and checking it again upstream was a
 * second pass over every byte received (the loss bench's receiver, whose
 * fault injector is such a layer, spent 6 % of its CPU there). A layer
 * that changes the bytes on the way up (a corrupting fault) withdraws the
 * trust (dev_faults.c); one that holds a frame passes it on later, when
 * no driver's word is in force. */
static int wire_complete(struct ust_dev *dev, ust_time_t now, uint8_t *f, size_t len,
                         const struct vnet_hdr *h)
{
    uint8_t *field = f + h->csum_start + h->csum_offset;
    put_be16(field, csum_fold(csum_partial(f + h->csum_start, len - h->csum_start, 0)));
    return dev_input_offload(dev, now, f, len, &trusted_one);
}

int tap_vnet_rx(struct ust_dev *dev, ust_time_t now, uint8_t *buf, size_t n)
{
    struct vnet_hdr h;
    if (vnet_hdr_parse(buf, n, &h) < 0)
        return rx_refuse(dev, "bad virtio_net_hdr", n);
    uint8_t *f = buf + VNET_HDR_LEN;
    size_t len = n - VNET_HDR_LEN;
    /* Wire frames wanted: a layer (capture, faults) or forwarding; with
     * their checksums complete unless every layer passes frames up as they
     * came (loss alone, the shaper), so the kernel's word still holds. */
    bool forwarding = ust_stack_config(dev->st)->ip_forwarding;
    if (h.gso_type != VNET_GSO_NONE)
        return rx_gso(dev, now, f, len, &h, dev->top != NULL || forwarding);
    if (!h.flags)
        return ust_dev_input(dev, now, f, len); /* checked as any frame */
    if (!forwarding && dev_layers_rx_unchanged(dev))
        return dev_input_offload(dev, now, f, len, &trusted_one);
    if (h.flags & VNET_F_NEEDS_CSUM) /* the field holds the pseudo-header sum */
        return wire_complete(dev, now, f, len, &h);
    return ust_dev_input(dev, now, f, len); /* DATA_VALID under a layer: checked */
}

/* ---- transmit ---- */

int tap_vnet_push(struct ust_dev *dev, struct pkt **pp, size_t l3_off)
{
    struct pkt *p = *pp;
    struct vnet_tx_req req = {.gso_size = p->off.gso_size, .gso_type = p->off.gso_type,
                              .csum_partial = p->off.csum_partial};
    struct vnet_hdr h;
    if (vnet_hdr_for_frame(p->data, p->len, l3_off, &req, &h) < 0) {
        TRACE(dev->st, "dev", "%s: tx drop len %zu: offload request does not fit the frame",
              dev->name, p->len);
        return UST_ERR_INVAL;
    }
    if (pkt_headroom(p) < VNET_HDR_LEN) { /* a packet built without room: copied */
        struct pkt *q = pkt_copy(p->data, p->len);
        if (!q)
            return UST_ERR_NOMEM;
        q->off = p->off;
        pkt_pool_free(stack_pkt_pool(dev->st), p);
        *pp = p = q;
    }
    if (h.gso_size) { /* (the frames: dev.c's tx_gso_offloaded) */
        dev->stats.tx_gso_bytes += p->len;
        stack_stats(dev->st)->link.tx_gso_bytes += p->len;
    } else if (h.flags & VNET_F_NEEDS_CSUM) {
        DEV_COUNT(dev, tx_csum_partial);
    }
    vnet_hdr_emit(&h, pkt_push(p, VNET_HDR_LEN));
    return UST_OK;
}
