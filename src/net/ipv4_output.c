/* IPv4 output (RFC 791, RFC 1122 3.3): route, source address, header,
 * MTU and fragmentation, local (loopback) delivery. */
#include <stdio.h>
#include <string.h>

#include "core/services.h"
#include "link/link.h"
#include "core/trace.h"
#include "dev/dev_gso.h"
#include "igmp.h"
#include "net.h"
#include "net_state.h"
#include "ustack/dev.h"
#include "wire/tcp.h"

/* Route and next hop for dst. The limited broadcast and multicast go
 * out of the interface asked for (IP_MULTICAST_IF, IGMP's), else the one
 * owning the chosen source, else the route's, else the first; the next
 * hop is the destination itself (RFC 1112 6.4). */
static struct ust_iface *ipv4_select_route(struct ust_stack *st, const struct ipv4_out *o,
                                           ust_ip4_t *next_hop)
{
    const struct route *r = route_lookup(&stack_net(st)->routes, o->dst);
    if (o->dst == 0xffffffffu || ipv4_is_multicast(o->dst)) {
        *next_hop = o->dst;
        struct ust_iface *ifc = o->oif;
        if (!ifc && o->src)
            ifc = iface_by_addr(st, o->src);
        if (!ifc && r)
            ifc = iface_by_index(st, r->ifindex);
        if (!ifc)
            ifc = iface_by_index(st, 0); /* NULL without interfaces */
        return ifc;
    }
    if (!r)
        return NULL;
    return route_next_hop(st, o->dst, next_hop);
}

static unsigned ipv4_path_mtu(const struct ust_stack *st, const struct ust_iface *ifc,
                              ust_ip4_t dst)
{
    unsigned mtu = ust_dev_mtu(ifc->dev);
    unsigned pm = pmtu_get(st, dst);
    return pm && pm < mtu ? pm : mtu;
}

/* How many datagrams p (a transport packet, TCP header first) becomes:
 * a TCP super-packet (p->off.gso_size, TSO) is cut into one per
 * gso_size bytes of payload, each with the next identification (Linux's
 * inet_gso_segment), so the counter moves on by as many. */
static uint16_t gso_datagrams(const struct pkt *p)
{
    if (!p->off.gso_size || p->len < TCP_HDR_LEN)
        return 1;
    size_t thl = (size_t)(p->data[12] >> 4) * 4;
    size_t payload = p->len > thl ? p->len - thl : 0;
    size_t n = (payload + p->off.gso_size - 1) / p->off.gso_size;
    return (uint16_t)(n ? n : 1);
}

/* Does each datagram a super-packet (IP header first) will be cut into
 * fit mtu? Its headers and one gso_size of payload. */
static bool gso_fits(const struct pkt *p, unsigned mtu)
{
    size_t ihl = (size_t)(p->data[0] & 0x0f) * 4;
    if (p->len < ihl + TCP_HDR_LEN)
        return false;
    size_t thl = (size_t)(p->data[ihl + 12] >> 4) * 4;
    return ihl + thl + p->off.gso_size <= mtu;
}

/* Pushes the header with the options o->opts (already in wire form,
 * a multiple of 4 bytes). */
static int ipv4_push_header(struct ust_stack *st, const struct ipv4_out *o, ust_ip4_t src,
                            struct pkt *p)
{
    size_t hl = (size_t)IPV4_HDR_LEN + o->opt_len;
    uint8_t *b = pkt_push(p, hl);
    if (!b)
        return UST_ERR_NOMEM;
    if (o->opt_len)
        memcpy(b + IPV4_HDR_LEN, o->opts, o->opt_len);
    struct ipv4_hdr h = {
        .hdr_len = (uint8_t)hl,
        .tos = o->tos,
        .total_len = (uint16_t)p->len,
        .id = stack_net(st)->next_id,
        .df = o->df,
        .ttl = o->ttl ? o->ttl : ust_stack_config(st)->ip_default_ttl,
        .proto = o->proto,
        .src = src,
        .dst = o->dst,
        .opt_len = o->opt_len,
    };
    stack_net(st)->next_id += gso_datagrams(p);
    return ipv4_emit(&h, b, hl) == (int)hl ? UST_OK : UST_ERR_INVAL;
}

int ipv4_transmit(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t next_hop, struct pkt *p,
                  unsigned mtu)
{
    if (p->len <= mtu || (p->off.gso_size && gso_fits(p, mtu)))
        return link_output_ip(st, ifc, next_hop, p); /* a super-packet: the device cuts it */
    struct ipv4_hdr h;
    if (ipv4_parse(p->data, p->len, false, &h) != WIRE_OK) {
        pkt_free(p);
        return UST_ERR_INVAL;
    }
    if (h.df) {
        stack_stats(st)->ip.FragFails++;
        TRACE(st, "ip", "drop: %zu bytes > mtu %u with DF", p->len, mtu);
        pkt_free(p);
        return UST_ERR_MSGSIZE;
    }
    return ipv4_fragment(st, ifc, next_hop, p, mtu);
}

/* Loopback semantics: queued, delivered by the next ust_stack_poll. */
static int ipv4_output_local(struct ust_stack *st, const struct ipv4_out *o, struct pkt *p)
{
    ust_ip4_t src = o->src ? o->src : o->dst;
    int rc = ipv4_push_header(st, o, src, p);
    if (rc != UST_OK) {
        stack_stats(st)->ip.OutDiscards++;
        pkt_free(p);
        return rc;
    }
    char s[16], d[16];
    TRACE(st, "ip", "tx local %s->%s len %zu", IP4STR(src, s), IP4STR(o->dst, d), p->len);
    return ipv4_local_enqueue(st, p);
}

/* RFC 1112 6.1 (IP_MULTICAST_LOOP): a copy of a datagram to a group this
 * interface belongs to is delivered here too, through the local queue. */
static void ipv4_mcast_loop(struct ust_stack *st, const struct pkt *p)
{
    struct pkt *c = pkt_copy(p->data, p->len);
    if (c && ipv4_local_enqueue(st, c) == UST_OK)
        return;
    stack_stats(st)->ip.OutDiscards++;
}

/* ipv4_output once the options are in wire form and o->dst is the
 * header's destination (the first hop of a source route). */
static int ipv4_output_wire(struct ust_stack *st, const struct ipv4_out *o, struct pkt *p)
{
    char s[16], d[16];
    if (ipv4_is_local(st, o->dst))
        return ipv4_output_local(st, o, p);
    ust_ip4_t next_hop = 0;
    struct ust_iface *ifc = ipv4_select_route(st, o, &next_hop);
    if (!ifc) {
        stack_stats(st)->ip.OutNoRoutes++;
        TRACE(st, "ip", "drop: no route to %s", IP4STR(o->dst, d));
        pkt_free(p);
        return UST_ERR_NOROUTE;
    }
    ust_ip4_t src = o->src ? o->src : ifc->addr;
    int rc = ipv4_push_header(st, o, src, p);
    if (rc != UST_OK) {
        stack_stats(st)->ip.OutDiscards++;
        pkt_free(p);
        return rc;
    }
    if (o->mc_loop && ipv4_is_multicast(o->dst) && igmp_is_member(st, ifc->index, o->dst))
        ipv4_mcast_loop(st, p);
    char pn[8];
    TRACE(st, "ip", "tx %s->%s proto %s len %zu ttl %u", IP4STR(src, s), IP4STR(o->dst, d),
          ipv4_proto_name(o->proto, pn), p->len,
          o->ttl ? o->ttl : ust_stack_config(st)->ip_default_ttl);
    rc = ipv4_transmit(st, ifc, next_hop, p, ipv4_path_mtu(st, ifc, o->dst));
    if (rc < 0 && rc != UST_ERR_MSGSIZE)
        stack_stats(st)->ip.OutDiscards++;
    return rc;
}

static int ipv4_output_drop(struct ust_stack *st, struct pkt *p, int err)
{
    stack_stats(st)->ip.OutDiscards++;
    pkt_free(p);
    return err;
}

int ipv4_output(struct ust_stack *st, const struct ipv4_out *o, struct pkt *p)
{
    char s[16];
    stack_stats(st)->ip.OutRequests++;
    /* RFC 1122 3.2.1.8: options from the transport; a source route sends
     * the datagram to its first gateway (3.2.1.8c). */
    uint8_t opts[IPV4_MAX_OPT_LEN];
    struct ipv4_out w = *o;
    w.opts = NULL;
    w.opt_len = 0;
    if (o->opt_len) {
        int n = ipv4_opts_for_output(o->opts, o->opt_len, o->dst, opts, &w.dst);
        if (n < 0) {
            TRACE(st, "ip", "drop: bad options from the transport");
            return ipv4_output_drop(st, p, n);
        }
        w.opts = opts;
        w.opt_len = (uint8_t)n;
    }
    if (p->len > (size_t)IPV4_MAX_LEN - IPV4_HDR_LEN - w.opt_len) {
        TRACE(st, "ip", "drop: datagram of %zu bytes exceeds 65535",
              p->len + IPV4_HDR_LEN + w.opt_len);
        return ipv4_output_drop(st, p, UST_ERR_MSGSIZE);
    }
    if (o->src && !ipv4_is_local(st, o->src)) {
        /* RFC 1122 3.2.1.3: the source must be one of our addresses. */
        TRACE(st, "ip", "drop: source %s is not ours", IP4STR(o->src, s));
        return ipv4_output_drop(st, p, UST_ERR_ADDRNOTAVAIL);
    }
    /* A path MTU held at cfg.ip_min_pmtu may be smaller still: let a
     * router fragment rather than drop (Linux ip_dont_fragment, pmtu.c). */
    if (w.df && pmtu_at_floor(st, w.dst))
        w.df = false;
    return ipv4_output_wire(st, &w, p);
}

ust_ip4_t ipv4_source_for(const struct ust_stack *st, ust_ip4_t dst)
{
    if (ipv4_is_local(st, dst))
        return dst;
    const struct route *r = route_lookup(&stack_net_const(st)->routes, dst);
    const struct ust_iface *ifc = r ? iface_at(st, r->ifindex) : NULL;
    if (ifc)
        return ifc->addr;
    if ((dst == 0xffffffffu || ipv4_is_multicast(dst)) && (ifc = iface_at(st, 0)))
        return ifc->addr;
    return 0;
}

/* RFC 1122 3.2.1.3 (a), RFC 2131 4.1: 0.0.0.0 is a valid source only
 * while the host does not know its address, and then only to the limited
 * broadcast: true when that datagram would leave through an interface
 * without an address. */
bool ipv4_unnumbered_broadcast(const struct ust_stack *st, ust_ip4_t dst)
{
    if (dst != 0xffffffffu)
        return false;
    const struct route *r = route_lookup(&stack_net_const(st)->routes, dst);
    const struct ust_iface *ifc = r ? iface_at(st, r->ifindex) : iface_at(st, 0);
    return ifc && ifc->addr == 0;
}

/* The interface a datagram to dst leaves by, NULL without a route; *local
 * set when dst is one of ours (the local queue, no device at all). */
static const struct ust_iface *out_iface(const struct ust_stack *st, ust_ip4_t dst, bool *local)
{
    *local = ipv4_is_local(st, dst);
    if (*local)
        return NULL;
    const struct route *r = route_lookup(&stack_net_const(st)->routes, dst);
    return r ? iface_at(st, r->ifindex) : NULL;
}

unsigned ipv4_gso_max_for(const struct ust_stack *st, ust_ip4_t dst)
{
    bool local; /* the local queue delivers datagrams as they are */
    const struct ust_iface *ifc = out_iface(st, dst, &local);
    return ifc ? dev_gso_max(ifc->dev, PKT_GSO_TCPV4) : 0;
}

bool ipv4_csum_offload_for(const struct ust_stack *st, ust_ip4_t dst)
{
    bool local;
    const struct ust_iface *ifc = out_iface(st, dst, &local);
    return ifc && dev_csum_offload(ifc->dev);
}

unsigned ipv4_mtu_for(const struct ust_stack *st, ust_ip4_t dst)
{
    bool local;
    const struct ust_iface *ifc = out_iface(st, dst, &local);
    if (local)
        return IPV4_MAX_LEN - IPV4_HDR_LEN;
    if (!ifc)
        return 576 - IPV4_HDR_LEN; /* RFC 1122 3.3.3: everyone accepts 576 */
    return ipv4_path_mtu(st, ifc, dst) - IPV4_HDR_LEN;
}
