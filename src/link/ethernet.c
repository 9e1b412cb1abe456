/* Ethernet II input/output (RFC 894; RFC 1042 frames are accepted on
 * input, llc_snap.c) and the link side of IPv4 output. */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_impl.h"
#include "iface.h"
#include "link.h"
#include "link_state.h"
#include "mcast_filter.h"
#include "wire/eth.h"
#include "wire/ipv4.h"

static const uint8_t eth_bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Frames for us: our unicast address, broadcast, and the multicast
 * addresses of the groups joined on the interface (mcast_filter.c). A
 * multicast frame counts as a link broadcast for IP (RFC 1122 3.3.6). */
static bool eth_for_us(const struct ust_dev *dev, const struct eth_hdr *h, bool *bcast)
{
    *bcast = eth_is_broadcast(h->dst);
    if (!*bcast && eth_is_multicast(h->dst))
        return (*bcast = link_mcast_accepts(dev->st, dev->ifindex, h->dst));
    return *bcast || !memcmp(h->dst, dev->mac.b, ETH_ALEN);
}

int link_proto_register(struct ust_stack *st, uint16_t ethertype, link_rx_fn input)
{
    struct link_proto_table *t = &stack_link(st)->protos;
    for (unsigned i = 0; i < t->count; i++)
        if (t->v[i].type == ethertype)
            return UST_ERR_EXIST;
    if (t->count == LINK_MAX_PROTOS)
        return UST_ERR_NOMEM;
    t->v[t->count].type = ethertype;
    t->v[t->count].input = input;
    t->count++;
    return UST_OK;
}

static link_rx_fn link_proto_lookup(const struct ust_stack *st, uint16_t ethertype)
{
    const struct link_proto_table *t = &stack_link_const(st)->protos;
    for (unsigned i = 0; i < t->count; i++)
        if (t->v[i].type == ethertype)
            return t->v[i].input;
    return NULL;
}

static int eth_dispatch(struct ust_dev *dev, uint16_t type, const uint8_t *payload, size_t plen,
                        bool bcast)
{
    struct ust_stack *st = dev->st;
    link_rx_fn input = link_proto_lookup(st, type);
    if (!input) {
        LINK_COUNT(dev, rx_unknown_type);
        TRACE(st, "eth", "%s drop: ethertype 0x%04x", dev->name, type);
        return UST_ERR_NOTSUP;
    }
    /* RFC 1122 2.4: IP must know whether the frame was a broadcast. */
    input(st, dev, iface_by_index(st, dev->ifindex), payload, plen, bcast);
    return UST_OK;
}

static int eth_input(struct ust_dev *dev, const uint8_t *frame, size_t len)
{
    struct ust_stack *st = dev->st;
    struct eth_hdr h;
    int rc = eth_parse(frame, len, &h);
    if (rc < 0) {
        LINK_COUNT(dev, rx_truncated);
        TRACE(st, "eth", "%s drop: %s", dev->name, wire_strerror(rc));
        return UST_ERR_INVAL;
    }
    /* VID 0 is a priority tag only (IEEE 802.1Q): the frame is untagged
     * for us. Any real VLAN is one we are not a member of. */
    if (h.has_vlan && (h.vlan_tci & 0x0fff) != 0) {
        LINK_COUNT(dev, rx_vlan);
        TRACE(st, "eth", "%s drop: vlan %u", dev->name, h.vlan_tci & 0x0fff);
        return UST_ERR_INVAL;
    }
    bool bcast;
    if (!eth_for_us(dev, &h, &bcast)) {
        LINK_COUNT(dev, rx_not_for_us);
        return UST_ERR_INVAL;
    }
    const uint8_t *payload = frame + h.hdr_len;
    size_t plen = len - h.hdr_len;
    uint16_t type = h.type;
    /* RFC 1122 2.3.3: RFC 1042 (802.3 + LLC/SNAP) frames are received too. */
    if (type <= 1500 && llc_snap_unwrap(type, payload, plen, &type, &payload, &plen) != WIRE_OK) {
        LINK_COUNT(dev, rx_unknown_type);
        TRACE(st, "eth", "%s drop: 802.3 frame that is not LLC/SNAP", dev->name);
        return UST_ERR_NOTSUP;
    }
    return eth_dispatch(dev, type, payload, plen, bcast);
}

int link_input(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now; /* the device layer has already advanced the stack clock */
    if (dev->type == UST_LINK_IP) /* no link header: the IP version says (TUN, IFF_NO_PI) */
        return eth_dispatch(dev, len && frame[0] >> 4 == 6 ? ETH_TYPE_IPV6 : ETH_TYPE_IPV4,
                            frame, len, false);
    return eth_input(dev, frame, len);
}

int eth_output(struct ust_stack *st, struct ust_dev *dev, struct pkt *p, const uint8_t dst[6],
               uint16_t ethertype)
{
    if (dev->type == UST_LINK_IP) /* no link header, no addresses: the packet as it is */
        return dev_transmit(dev, stack_now(st), p);
    struct eth_hdr h = {.type = ethertype, .hdr_len = ETH_HDR_LEN};
    memcpy(h.dst, dst, ETH_ALEN);
    memcpy(h.src, dev->mac.b, ETH_ALEN);
    size_t frame_len = p->len + ETH_HDR_LEN;
    size_t tailroom = p->cap - pkt_headroom(p) - p->len;
    if (frame_len < ETH_MIN_FRAME && tailroom < ETH_MIN_FRAME - frame_len) {
        struct pkt *q = pkt_alloc(PKT_HEADROOM, ETH_MIN_FRAME);
        if (!q) {
            pkt_free(p);
            LINK_COUNT(dev, tx_drops);
            return UST_ERR_NOMEM;
        }
        memcpy(q->data, p->data, p->len);
        pkt_trim(q, p->len);
        pkt_free(p);
        p = q;
    }
    uint8_t *hdr = pkt_push(p, ETH_HDR_LEN);
    if (!hdr || eth_emit(&h, hdr, ETH_HDR_LEN) != ETH_HDR_LEN) {
        pkt_free(p);
        LINK_COUNT(dev, tx_drops);
        return UST_ERR_NOMEM;
    }
    if (p->len < ETH_MIN_FRAME) {
        /* Pad with zeros: the receiver trims by the IP total length. */
        memset(p->data + p->len, 0, ETH_MIN_FRAME - p->len);
        p->len = ETH_MIN_FRAME;
    }
    return dev_transmit(dev, stack_now(st), p);
}

int link_output_ip(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t next_hop, struct pkt *p)
{
    struct ust_dev *dev = ifc->dev;
    if (dev->type == UST_LINK_IP)
        return dev_transmit(dev, stack_now(st), p);
    if (ipv4_is_iface_broadcast(ifc, next_hop))
        return eth_output(st, dev, p, eth_bcast, ETH_TYPE_IPV4);
    if (ipv4_is_multicast(next_hop)) {
        uint8_t mac[ETH_ALEN];
        link_ip4_mcast_mac(next_hop, mac); /* RFC 1112 6.4 */
        return eth_output(st, dev, p, mac, ETH_TYPE_IPV4);
    }
    return arp_output(st, ifc, next_hop, p);
}
