/* IPv4 input (RFC 791, RFC 1122 3.2.1, 3.3): validation, address checks,
 * reassembly, delivery to the protocols; and the address classification
 * helpers shared by the network layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "igmp.h"
#include "link/link.h"
#include "net.h"
#include "net_state.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/wbuf.h"

static bool ipv4_is_loopback(ust_ip4_t a) { return (a >> 24) == 127; }

bool ipv4_is_broadcast(const struct ust_stack *st, ust_ip4_t a)
{
    if (a == 0xffffffffu)
        return true;
    const struct ust_iface *ifc;
    for (int i = 0; (ifc = iface_at(st, i)); i++)
        if (ipv4_is_iface_broadcast(ifc, a))
            return true;
    return false;
}

/* The non-standard 0 forms (4.2BSD) of this interface's broadcasts:
 * {net, subnet, 0}, and {net, 0} when the prefix subdivides the class. */
static bool ipv4_is_iface_zero_broadcast(const struct ust_iface *ifc, ust_ip4_t a)
{
    if (ifc->prefix_len > 30)
        return false;
    if (a == (ifc->addr & ifc->mask))
        return true;
    int cp = ipv4_classful_prefix(ifc->addr);
    return cp != 0 && ifc->prefix_len >= cp && a == (ifc->addr & (0xffffffffu << (32 - cp)));
}

/* RFC 1122 3.3.6: "All hosts SHOULD recognize and accept any of these
 * non-standard broadcast addresses as the destination address of an
 * incoming datagram": on input only; output and source checks use
 * ipv4_is_broadcast, so 0 forms are never sent. */
bool ipv4_is_broadcast_in(const struct ust_stack *st, ust_ip4_t a)
{
    if (a == 0 || ipv4_is_broadcast(st, a))
        return true;
    const struct ust_iface *ifc;
    for (int i = 0; (ifc = iface_at(st, i)); i++)
        if (ipv4_is_iface_zero_broadcast(ifc, a))
            return true;
    return false;
}

/* Ours: an interface address, or anything in 127.0.0.0/8 (loopback). */
bool ipv4_is_local(const struct ust_stack *st, ust_ip4_t a)
{
    if (ipv4_is_loopback(a))
        return true;
    const struct ust_iface *ifc;
    for (int i = 0; (ifc = iface_at(st, i)); i++)
        if (ifc->addr == a && a != 0)
            return true;
    return false;
}

bool ipv4_is_valid_source(const struct ust_stack *st, ust_ip4_t a)
{
    return a != 0 && !ipv4_is_loopback(a) && !ipv4_is_multicast(a) && a < 0xf0000000u &&
           !ipv4_is_broadcast(st, a);
}

const char *ipv4_proto_name(uint8_t proto, char buf[8])
{
    switch (proto) {
    case IPV4_PROTO_ICMP: return "ICMP";
    case IPV4_PROTO_UDP: return "UDP";
    case IPV4_PROTO_TCP: return "TCP";
    default: snprintf(buf, 8, "%u", proto); return buf;
    }
}

static void ipv4_count_parse_error(struct ust_stack *st, int rc)
{
    switch (rc) {
    case WIRE_TRUNCATED: stack_stats(st)->ip.InTruncatedPkts++; break;
    case WIRE_BAD_CSUM: stack_stats(st)->ip.InCsumErrors++; break;
    case WIRE_BAD_OPTION: stack_stats(st)->ip.InBadOptions++; break;
    default: stack_stats(st)->ip.InHdrErrors++; break;
    }
}

int ipv4_parse_quoted(const uint8_t *buf, size_t len, struct ipv4_hdr *h, const uint8_t **l4,
                      size_t *l4_len)
{
    if (len < IPV4_HDR_LEN)
        return WIRE_TRUNCATED;
    size_t hl = (size_t)(buf[0] & 0x0f) * 4;
    if (hl < IPV4_HDR_LEN)
        return WIRE_BAD_HLEN;
    if (len < hl)
        return WIRE_TRUNCATED;
    /* Parse a copy whose total length covers just the header, so the
     * wire parser's length checks fit a quote; then restore the field. */
    uint8_t tmp[IPV4_MAX_HDR_LEN];
    memcpy(tmp, buf, hl);
    put_be16(tmp + 2, (uint16_t)hl);
    int rc = ipv4_parse(tmp, hl, false, h);
    if (rc == WIRE_BAD_OPTION)
        h->has_source_route = false; /* quoted for its addresses only */
    else if (rc < 0)
        return rc;
    h->total_len = get_be16(buf + 2);
    h->opts = h->opt_len ? buf + IPV4_HDR_LEN : NULL; /* not into tmp */
    size_t avail = len - hl;
    if (h->total_len >= hl && avail > (size_t)h->total_len - hl)
        avail = (size_t)h->total_len - hl;
    *l4 = buf + hl;
    *l4_len = avail;
    return WIRE_OK;
}

int ip_proto_register(struct ust_stack *st, uint8_t proto, const struct ip_proto_ops *ops)
{
    if (stack_net(st)->protos.by_proto[proto])
        return UST_ERR_EXIST;
    stack_net(st)->protos.by_proto[proto] = ops;
    return UST_OK;
}

void ipv4_deliver(struct ust_stack *st, struct ust_iface *ifc, const struct ipv4_hdr *h,
                  const uint8_t *dgram, bool link_bcast)
{
    const struct ip_proto_ops *ops = stack_net(st)->protos.by_proto[h->proto];
    char pn[8];
    if (!ops) {
        stack_stats(st)->ip.InUnknownProtos++;
        TRACE(st, "ip", "drop: unknown protocol %s", ipv4_proto_name(h->proto, pn));
        /* RFC 1122 3.2.2.1: protocol unreachable (suppressed for broadcasts). */
        icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO, 0, dgram, h->total_len);
        return;
    }
    if (ops->unicast_only &&
        (link_bcast || ipv4_is_broadcast_in(st, h->dst) || ipv4_is_multicast(h->dst))) {
        stack_stats(st)->ip.InAddrErrors++;
        TRACE(st, "ip", "drop: %s to a broadcast address", ipv4_proto_name(h->proto, pn));
        return;
    }
    stack_stats(st)->ip.InDelivers++;
    struct ip_rx rx = {.ifc = ifc, .h = h, .dgram = dgram, .seg = dgram + h->hdr_len,
                       .seg_len = (size_t)h->total_len - h->hdr_len, .link_bcast = link_bcast};
    ops->input(st, &rx);
}

/* A datagram addressed to us: reassemble if it is a fragment, deliver. */
static void ipv4_local_in(struct ust_stack *st, struct ust_iface *ifc, const struct ipv4_hdr *h,
                          const uint8_t *buf, bool link_bcast)
{
    /* Options are processed before reassembly (every fragment carries a
     * copy of a source route, RFC 1122 3.2.1.8c). */
    if (h->has_source_route && !ipv4_srr_accept(st, h, buf))
        return;
    if (!h->mf && h->frag_off == 0) {
        ipv4_deliver(st, ifc, h, buf, link_bcast);
        return;
    }
    /* What a driver vouched for covers the fragment, not the reassembled
     * datagram's L4 checksum: that is checked in full. */
    stack_services(st)->rx_off = (struct rx_offload){0};
    uint8_t *whole = NULL;
    size_t whole_len = 0;
    if (reasm_input(st, h, buf, &whole, &whole_len) != 1)
        return;
    struct ipv4_hdr wh;
    if (ipv4_parse(whole, whole_len, true, &wh) == WIRE_OK)
        ipv4_deliver(st, ifc, &wh, whole, link_bcast);
    free(whole);
}

/* RFC 1122 3.3.6 and 3.2.1.3: where a well-formed datagram goes. */
static void ipv4_dispatch(struct ust_stack *st, struct ust_iface *ifc, const struct ipv4_hdr *h,
                          const uint8_t *buf, bool link_bcast)
{
    char d[16];
    bool ip_bcast = ipv4_is_broadcast_in(st, h->dst);
    if (link_bcast && !ip_bcast && !ipv4_is_multicast(h->dst)) {
        /* A link-layer broadcast must carry an IP broadcast/multicast. */
        stack_stats(st)->ip.InAddrErrors++;
        TRACE(st, "ip", "drop: link broadcast to unicast %s", IP4STR(h->dst, d));
        return;
    }
    if (ipv4_is_loopback(h->dst)) {
        stack_stats(st)->ip.InAddrErrors++;
        TRACE(st, "ip", "drop: martian destination %s", IP4STR(h->dst, d));
        return;
    }
    if (h->has_source_route && !ust_stack_config(st)->ip_accept_source_route) {
        /* RFC 7126 4.3-4.4, Linux accept_source_route=0: a received
         * LSRR/SSRR is neither followed, reversed nor refused with an
         * ICMP error (which would itself go where the sender chose). */
        stack_stats(st)->ip.InSrcRtDrops++;
        TRACE(st, "ip", "drop: source-routed datagram to %s (source routes not accepted)",
              IP4STR(h->dst, d));
        return;
    }
    if (ip_bcast || ipv4_is_local(st, h->dst)) {
        ipv4_local_in(st, ifc, h, buf, link_bcast);
        return;
    }
    if (ipv4_is_multicast(h->dst) && igmp_is_member(st, ifc->index, h->dst)) {
        ipv4_local_in(st, ifc, h, buf, link_bcast); /* a group we joined (RFC 1112 6.2) */
        return;
    }
    if (ipv4_is_multicast(h->dst) || !ust_stack_config(st)->ip_forwarding) {
        /* Other groups are not ours; hosts never forward. */
        stack_stats(st)->ip.InAddrErrors++;
        TRACE(st, "ip", "drop: not for us (%s)", IP4STR(h->dst, d));
        return;
    }
    ipv4_forward(st, ifc, h, buf);
}

/* RFC 1122 3.2.2.5: a host SHOULD generate Parameter Problem. For a
 * malformed option list in a datagram addressed to us (the header checksum
 * and lengths were good), pointing at the octet in error. Broadcasts, bad
 * sources and ICMP errors are suppressed by icmp_send_error. */
static void ipv4_bad_option_error(struct ust_stack *st, const struct ipv4_hdr *h,
                                  const uint8_t *buf)
{
    if (!ipv4_is_local(st, h->dst) || ipv4_is_local(st, h->src))
        return;
    int off = ipv4_opts_bad_offset(buf + IPV4_HDR_LEN, h->opt_len);
    if (off < 0)
        return;
    uint32_t pointer = (uint32_t)(IPV4_HDR_LEN + off);
    icmp_send_error(st, ICMP_PARAM_PROBLEM, 0, pointer << 24, buf, h->total_len);
}

void ipv4_input(struct ust_stack *st, struct ust_iface *ifc, const uint8_t *buf, size_t len,
                bool link_bcast)
{
    stack_stats(st)->ip.InReceives++;
    struct ipv4_hdr h;
    int rc = ipv4_parse(buf, len, true, &h);
    if (rc < 0) {
        ipv4_count_parse_error(st, rc);
        TRACE(st, "ip", "drop: %s", wire_strerror(rc));
        if (rc == WIRE_BAD_OPTION && ifc)
            ipv4_bad_option_error(st, &h, buf);
        return;
    }
    char s[16], d[16], pn[8];
    TRACE(st, "ip", "rx %s->%s proto %s len %u ttl %u", IP4STR(h.src, s), IP4STR(h.dst, d),
          ipv4_proto_name(h.proto, pn), h.total_len, h.ttl);
    if (!ifc) {
        stack_stats(st)->ip.InDiscards++;
        TRACE(st, "ip", "drop: device has no address");
        return;
    }
    /* RFC 1122 3.2.1.3: silently discard invalid sources, and our own
     * addresses coming back from the wire (a loop or a spoof). */
    /* ...except 0.0.0.0 to the limited broadcast: a host that does not
     * know its address yet (RFC 1122 3.2.1.3 (a), a DHCP client, RFC 2131
     * 4.1), which a DHCP server on this stack must hear. */
    bool initializing = h.src == 0 && h.dst == 0xffffffffu;
    if ((!ipv4_is_valid_source(st, h.src) && !initializing) || ipv4_is_local(st, h.src)) {
        stack_stats(st)->ip.InAddrErrors++;
        TRACE(st, "ip", "drop: martian source %s", IP4STR(h.src, s));
        return;
    }
    /* Bytes past total_len (Ethernet padding) are not part of the datagram:
     * everything below reads only total_len bytes. */
    ipv4_dispatch(st, ifc, &h, buf, link_bcast);
}

void ipv4_input_local(struct ust_stack *st, const uint8_t *buf, size_t len)
{
    stack_stats(st)->ip.InReceives++;
    struct ipv4_hdr h;
    int rc = ipv4_parse(buf, len, false, &h);
    if (rc < 0) {
        ipv4_count_parse_error(st, rc);
        return;
    }
    char s[16], d[16], pn[8];
    TRACE(st, "ip", "rx local %s->%s proto %s len %u", IP4STR(h.src, s), IP4STR(h.dst, d),
          ipv4_proto_name(h.proto, pn), h.total_len);
    /* A looped-back multicast copy arrives on the interface it left by. */
    struct ust_iface *ifc = iface_by_addr(st, ipv4_is_multicast(h.dst) ? h.src : h.dst);
    if (!ifc)
        ifc = iface_by_index(st, 0); /* NULL without interfaces */
    ipv4_deliver(st, ifc, &h, buf, false);
}

static void ipv4_link_input(struct ust_stack *st, struct ust_dev *dev, struct ust_iface *ifc,
                            const uint8_t *payload, size_t len, bool bcast)
{
    (void)dev; /* IP knows its interfaces, not devices */
    ipv4_input(st, ifc, payload, len, bcast);
}

int ipv4_register(struct ust_stack *st)
{
    return link_proto_register(st, ETH_TYPE_IPV4, ipv4_link_input);
}
