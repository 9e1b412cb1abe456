/* virtio_net_hdr on TAP/TUN (dev_tap_vnet.h).
 *
 * Receive: with TUN_F_TSO4 the kernel hands us what its TCP sent as one
 * super-frame of up to 64 KiB (gso_type TCPV4, gso_size the MSS) whose
 * TCP checksum field holds only the pseudo-header sum (NEEDS_CSUM: the
 * data is the local kernel's, never touched a wire), and frames it
 * checked already with DATA_VALID. With nothing between the driver and
 * the stack, such a frame goes up whole and the stack trusts it
 * (stack_rx_offload: no checksum pass; TCP counts its segments). A
 * capture must show what a wire would carry and the fault injector must
 * lose single segments, and a router forwards to links that cannot take
 * a super-frame: then the frame is cut into its segments here, each with
 * its own IPv4 and TCP checksums, as Linux's GSO would (tcp_gso_segment). */
#include "dev_tap_vnet.h"

#include <linux/if_tun.h>

#include "core/trace.h"
#include "dev_host.h"
#include "dev_impl.h"
#include "ustack/stack.h"
#include "wire/csum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
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

unsigned tap_offload_negotiate(int (*set)(void *ctx, unsigned tun_flags), void *ctx,
                               uint32_t *caps)
{
    const unsigned tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    const unsigned ladder[] = {tso | TUN_F_TSO_ECN, tso, TUN_F_CSUM};
    *caps = 0;
    bool uso = set(ctx, ladder[0] | TUN_F_USO4 | TUN_F_USO6) == 0;
    for (size_t i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++) {
        if (set(ctx, ladder[i]) == 0) {
            *caps = caps_of(ladder[i]) | (uso ? DEV_OFF_USO : 0);
            return ladder[i];
        }
    }
    return 0;
}

/* ---- receive ---- */

/* Where the IPv4 and TCP headers of a super-frame are. */
struct tcp4_frame {
    size_t ip_off, ihl, thl, hdr; /* hdr: every header byte before the payload */
};

static bool parse_tcp4(const uint8_t *f, size_t len, size_t l3_off, struct tcp4_frame *t)
{
    if (len < l3_off + IPV4_HDR_LEN || (l3_off && get_be16(f + 12) != 0x0800))
        return false;
    const uint8_t *ip = f + l3_off;
    t->ip_off = l3_off;
    t->ihl = (size_t)(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || t->ihl < IPV4_HDR_LEN || ip[9] != IPV4_PROTO_TCP ||
        len < l3_off + t->ihl + TCP_HDR_LEN || get_be16(ip + 2) != len - l3_off)
        return false;
    t->thl = (size_t)(ip[t->ihl + 12] >> 4) * 4;
    t->hdr = l3_off + t->ihl + t->thl;
    return t->thl >= TCP_HDR_LEN && len >= t->hdr;
}

/* Segment i of the super-frame (payload [off, off+n)) into seg: the
 * headers copied, then what differs per segment (IPv4 length, ID and
 * checksum; TCP sequence number, flags and checksum). FIN and PSH belong
 * to the last segment, CWR to the first (RFC 3168 6.1.2). */
static size_t build_segment(const uint8_t *f, const struct tcp4_frame *t, unsigned i, size_t off,
                            size_t n, bool last, uint8_t *seg)
{
    memcpy(seg, f, t->hdr);
    memcpy(seg + t->hdr, f + t->hdr + off, n);
    uint8_t *ip = seg + t->ip_off, *th = ip + t->ihl;
    put_be16(ip + 2, (uint16_t)(t->ihl + t->thl + n));
    put_be16(ip + 4, (uint16_t)(get_be16(ip + 4) + i));
    put_be16(ip + 10, 0);
    put_be16(ip + 10, csum_buf(ip, t->ihl));
    put_be32(th + 4, get_be32(th + 4) + (uint32_t)off);
    if (!last)
        th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
    if (i > 0)
        th[13] &= (uint8_t)~TCP_CWR;
    put_be16(th + 16, 0);
    uint32_t sum = csum_pseudo(get_be32(ip + 12), get_be32(ip + 16), IPV4_PROTO_TCP,
                               (uint16_t)(t->thl + n));
    put_be16(th + 16, csum_fold(csum_partial(th, t->thl + n, sum)));
    return t->hdr + n;
}

static int split_tcp4(struct ust_dev *dev, ust_time_t now, const uint8_t *f, size_t len,
                      const struct tcp4_frame *t, size_t gso, uint8_t *scratch, size_t cap)
{
    size_t payload = len - t->hdr;
    if (t->hdr + gso > cap)
        gso = cap - t->hdr; /* cannot happen: cap holds a whole frame */
    DEV_COUNT(dev, rx_gso_split);
    unsigned i = 0;
    for (size_t off = 0; off < payload || (off == 0 && payload == 0); off += gso, i++) {
        size_t n = payload - off < gso ? payload - off : gso;
        size_t seg_len = build_segment(f, t, i, off, n, off + n >= payload, scratch);
        (void)ust_dev_input(dev, now, scratch, seg_len);
        if (payload == 0)
            break;
    }
    return UST_OK;
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

/* A GSO super-frame: up whole and trusted, or in segments. */
static int rx_gso(struct ust_dev *dev, ust_time_t now, uint8_t *f, size_t len,
                  const struct vnet_hdr *h, size_t l3_off, bool wire_frames, uint8_t *scratch,
                  size_t cap)
{
    struct tcp4_frame t;
    if (vnet_gso_base(h) != VNET_GSO_TCPV4 || !parse_tcp4(f, len, l3_off, &t))
        return rx_refuse(dev, "GSO frame other than TCP/IPv4", len); /* never asked for */
    count_gso_rx(dev, len);
    size_t payload = len - t.hdr;
    if (wire_frames)
        return split_tcp4(dev, now, f, len, &t, h->gso_size, scratch, cap);
    struct rx_offload off = {.csum_valid = true, .gso_size = h->gso_size,
                             .segs = (uint16_t)(payload ? (payload + h->gso_size - 1) / h->gso_size
                                                        : 1)};
    return dev_input_offload(dev, now, f, len, &off);
}

int tap_vnet_rx(struct ust_dev *dev, ust_time_t now, uint8_t *buf, size_t n, size_t l3_off,
                uint8_t *scratch, size_t scratch_len)
{
    struct vnet_hdr h;
    if (vnet_hdr_parse(buf, n, &h) < 0)
        return rx_refuse(dev, "bad virtio_net_hdr", n);
    uint8_t *f = buf + VNET_HDR_LEN;
    size_t len = n - VNET_HDR_LEN;
    /* Wire frames wanted: a layer (capture, faults) or forwarding. */
    bool wire = dev->top != NULL || ust_stack_config(dev->st)->ip_forwarding;
    if (h.gso_type != VNET_GSO_NONE)
        return rx_gso(dev, now, f, len, &h, l3_off, wire, scratch, scratch_len);
    if ((h.flags & VNET_F_NEEDS_CSUM) && wire) { /* completed here: the field holds the pseudo-header sum */
        uint8_t *field = f + h.csum_start + h.csum_offset;
        put_be16(field, csum_fold(csum_partial(f + h.csum_start, len - h.csum_start, 0)));
        return ust_dev_input(dev, now, f, len);
    }
    if (h.flags && !wire) {
        struct rx_offload off = {.csum_valid = true, .segs = 1};
        return dev_input_offload(dev, now, f, len, &off);
    }
    return ust_dev_input(dev, now, f, len); /* checked as any frame */
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
    if (h.gso_size) {
        DEV_COUNT(dev, tx_gso_frames);
        dev->stats.tx_gso_bytes += p->len;
        stack_stats(dev->st)->link.tx_gso_bytes += p->len;
    } else if (h.flags & VNET_F_NEEDS_CSUM) {
        DEV_COUNT(dev, tx_csum_partial);
    }
    vnet_hdr_emit(&h, pkt_push(p, VNET_HDR_LEN));
    return UST_OK;
}
