/* virtio_net_hdr encode/decode (virtio_net.h). */
#include "virtio_net.h"

#include "eth.h"
#include "ipv4.h"
#include "ipv6.h"
#include "tcp.h"
#include "udp.h"
#include "wbuf.h"

void vnet_hdr_emit(const struct vnet_hdr *h, uint8_t *buf)
{
    buf[0] = h->flags;
    buf[1] = h->gso_type;
    put_le16(buf + 2, h->hdr_len);
    put_le16(buf + 4, h->gso_size);
    put_le16(buf + 6, h->csum_start);
    put_le16(buf + 8, h->csum_offset);
}

/* Linux include/linux/virtio_net.h virtio_net_hdr_to_skb: a partial
 * checksum's field must lie inside the frame, a GSO frame needs a segment
 * size, hdr_len cannot pass the frame (tun.c tun_get_user). */
static int vnet_hdr_check(const struct vnet_hdr *h, size_t frame_len)
{
    if (h->flags & ~(VNET_F_NEEDS_CSUM | VNET_F_DATA_VALID))
        return WIRE_UNSUPPORTED;
    if ((h->flags & VNET_F_NEEDS_CSUM) &&
        (size_t)h->csum_start + h->csum_offset + 2 > frame_len)
        return WIRE_BAD_LEN;
    switch (vnet_gso_base(h)) {
    case VNET_GSO_NONE:
        return h->gso_type == VNET_GSO_NONE ? WIRE_OK : WIRE_UNSUPPORTED;
    case VNET_GSO_TCPV4:
    case VNET_GSO_TCPV6:
    case VNET_GSO_UDP_L4:
        break;
    default:
        return WIRE_UNSUPPORTED;
    }
    if (h->gso_size == 0 || h->hdr_len > frame_len)
        return WIRE_BAD_LEN;
    return WIRE_OK;
}

int vnet_hdr_parse(const uint8_t *buf, size_t len, struct vnet_hdr *h)
{
    if (len < VNET_HDR_LEN)
        return WIRE_TRUNCATED;
    h->flags = buf[0];
    h->gso_type = buf[1];
    h->hdr_len = get_le16(buf + 2);
    h->gso_size = get_le16(buf + 4);
    h->csum_start = get_le16(buf + 6);
    h->csum_offset = get_le16(buf + 8);
    return vnet_hdr_check(h, len - VNET_HDR_LEN);
}

/* The L4 header's offset and protocol in an IPv4 or IPv6 frame (*v6). An
 * IPv6 header must be followed by TCP or UDP itself: the stack puts no
 * extension header in front of what it offloads. */
static int l3_of(const uint8_t *frame, size_t len, size_t l3_off, size_t *l4_off,
                 uint8_t *proto, bool *v6)
{
    if (len <= l3_off)
        return WIRE_TRUNCATED;
    const uint8_t *ip = frame + l3_off;
    *v6 = (ip[0] >> 4) == 6;
    if (l3_off == ETH_HDR_LEN &&
        (len < ETH_HDR_LEN || get_be16(frame + 12) != (*v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IPV4)))
        return WIRE_UNSUPPORTED;
    if (*v6) {
        if (len < l3_off + IPV6_HDR_LEN)
            return WIRE_TRUNCATED;
        *proto = ip[6];
        *l4_off = l3_off + IPV6_HDR_LEN;
        return WIRE_OK;
    }
    if ((ip[0] >> 4) != 4)
        return WIRE_UNSUPPORTED;
    if (len < l3_off + IPV4_HDR_LEN)
        return WIRE_TRUNCATED;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    *proto = ip[9];
    *l4_off = l3_off + ihl;
    return ihl < IPV4_HDR_LEN ? WIRE_TRUNCATED : WIRE_OK;
}

/* The L4 header's offset, protocol and length in an IPv4/IPv6 frame. */
static int l4_of(const uint8_t *frame, size_t len, size_t l3_off, size_t *l4_off,
                 uint8_t *proto, size_t *l4_hdr_len, bool *v6)
{
    int rc = l3_of(frame, len, l3_off, l4_off, proto, v6);
    if (rc < 0)
        return rc;
    if (len < *l4_off + UDP_HDR_LEN)
        return WIRE_TRUNCATED;
    if (*proto == IPV4_PROTO_UDP) {
        *l4_hdr_len = UDP_HDR_LEN;
        return WIRE_OK;
    }
    if (*proto != IPV4_PROTO_TCP)
        return WIRE_UNSUPPORTED;
    if (len < *l4_off + TCP_HDR_LEN)
        return WIRE_TRUNCATED;
    *l4_hdr_len = (size_t)(frame[*l4_off + 12] >> 4) * 4;
    if (*l4_hdr_len < TCP_HDR_LEN || len < *l4_off + *l4_hdr_len)
        return WIRE_TRUNCATED;
    return WIRE_OK;
}

int vnet_hdr_for_frame(const uint8_t *frame, size_t len, size_t l3_off,
                       const struct vnet_tx_req *req, struct vnet_hdr *h)
{
    *h = (struct vnet_hdr){0};
    if (!req->csum_partial && !req->gso_size)
        return WIRE_OK;
    size_t l4_off, l4_hdr_len;
    uint8_t proto;
    bool v6;
    int rc = l4_of(frame, len, l3_off, &l4_off, &proto, &l4_hdr_len, &v6);
    if (rc < 0)
        return rc;
    h->flags = VNET_F_NEEDS_CSUM;
    h->csum_start = (uint16_t)l4_off;
    h->csum_offset = proto == IPV4_PROTO_TCP ? 16 : 6; /* RFC 9293 3.1, RFC 768 */
    h->hdr_len = (uint16_t)(l4_off + l4_hdr_len);
    if (!req->gso_size)
        return WIRE_OK;
    /* pkt_gso_type: 1 TCPv4, 2 TCPv6 (each only in a frame of its
     * family), 3 UDP L4. */
    if (req->gso_type == (v6 ? 2 : 1) && proto == IPV4_PROTO_TCP) {
        h->gso_type = v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
        if (frame[l4_off + 13] & TCP_CWR)
            h->gso_type |= VNET_GSO_ECN;
    } else if (req->gso_type == 3 && proto == IPV4_PROTO_UDP) {
        h->gso_type = VNET_GSO_UDP_L4;
    } else {
        *h = (struct vnet_hdr){0};
        return WIRE_UNSUPPORTED;
    }
    h->gso_size = req->gso_size;
    return WIRE_OK;
}
