/* UDP (RFC 768, RFC 1122 4.1): port table, input demultiplexing, output,
 * and ICMP errors handed up to sockets. The socket operations are in
 * udp_sock.c. */
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "link/iface.h"
#include "net/net.h"
#include "net6/net6.h"
#include "tp_net.h"
#include "transport.h"
#include "transport/sock_ops.h"
#include "udp_impl.h"
#include "wire/icmp.h"
#include "wire/icmpv6.h"
#include "wire/udp.h"
#include "wire/wbuf.h"

int udp_init(struct ust_stack *st)
{
    struct udp_state *us = stack_udp(st);
    memset(us, 0, sizeof(*us));
    us->ports = calloc(UDP_HASH_SIZE, sizeof(*us->ports));
    if (!us->ports)
        return UST_ERR_NOMEM;
    us->cap = UDP_HASH_SIZE;
    return UST_OK;
}

void udp_destroy(struct ust_stack *st)
{
    struct udp_state *us = stack_udp(st);
    /* The pcbs belong to their sockets (freed by sock_table_destroy, which
     * runs first); only the buckets are ours. */
    free(us->ports);
    memset(us, 0, sizeof(*us));
}

/* ---- port table: hash by local port, newest socket first in a chain ----- */

static struct udp_pcb **bucket(const struct ust_stack *st, uint16_t port)
{
    return &stack_udp_const(st)->ports[port & (UDP_HASH_SIZE - 1)];
}

int udp_port_insert(struct ust_stack *st, struct udp_pcb *pcb)
{
    struct udp_pcb **b = bucket(st, pcb->lport);
    pcb->hnext = *b;
    *b = pcb;
    stack_udp(st)->count++;
    return UST_OK;
}

void udp_port_remove(struct ust_stack *st, struct udp_pcb *pcb)
{
    for (struct udp_pcb **pp = bucket(st, pcb->lport); *pp; pp = &(*pp)->hnext) {
        if (*pp == pcb) {
            *pp = pcb->hnext;
            pcb->hnext = NULL;
            stack_udp(st)->count--;
            return;
        }
    }
}

struct ust_addr udp_wildcard(const struct udp_pcb *pcb)
{
    if (pcb->sock && pcb->sock->domain == AF_INET6)
        return ust_addr_from_ip6((const uint8_t[16]){0}, 0);
    return ust_addr_from_ip4(0);
}

struct ust_addr udp_show_addr(const struct udp_pcb *pcb, const struct ust_addr *a)
{
    if (pcb->sock && pcb->sock->domain == AF_INET6)
        return ust_addr_to_v4mapped(a);
    return *a;
}

static bool v6only_of(const struct udp_pcb *p) { return p->sock && p->sock->v6only; }

bool udp_port_conflict(struct ust_stack *st, const struct udp_pcb *self,
                       const struct ust_addr *laddr, uint16_t lport)
{
    for (const struct udp_pcb *o = *bucket(st, lport); o; o = o->hnext) {
        if (o == self || o->lport != lport)
            continue;
        if (!tp_laddr_overlap(&o->laddr, v6only_of(o), laddr, v6only_of(self)))
            continue; /* different specific addresses may share a port */
        if (o->sock->reuseaddr && self->sock->reuseaddr)
            continue;
        return true;
    }
    return false;
}

static bool port_in_use(const struct ust_stack *st, uint16_t port)
{
    for (const struct udp_pcb *o = *bucket(st, port); o; o = o->hnext)
        if (o->lport == port)
            return true;
    return false;
}

int udp_bind_ephemeral(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *laddr)
{
    const struct ust_config *cfg = ust_stack_config(st);
    uint16_t lo = cfg->ephemeral_lo, hi = cfg->ephemeral_hi;
    if (lo == 0 || hi < lo)
        return UST_ERR_ADDRINUSE;
    uint32_t n = (uint32_t)hi - lo + 1;
    uint32_t start = (uint32_t)rng_below(stack_rng(st), n);
    for (uint32_t i = 0; i < n; i++) {
        uint16_t port = (uint16_t)(lo + (start + i) % n);
        /* An ephemeral port is never shared, even with SO_REUSEADDR. */
        if (port_in_use(st, port))
            continue;
        pcb->laddr = *laddr;
        pcb->lport = port;
        return udp_port_insert(st, pcb);
    }
    return UST_ERR_ADDRINUSE;
}

/* ---- input ------------------------------------------------------------- */

static bool pcb_matches(const struct udp_pcb *p, const struct ust_addr *src, uint16_t sport,
                        const struct ust_addr *dst, uint16_t dport)
{
    if (p->lport != dport)
        return false;
    if (!tp_laddr_takes(&p->laddr, v6only_of(p), dst))
        return false;
    /* A connected socket only hears its peer. */
    if (p->connected && (!ust_addr_eq(&p->raddr, src) || p->rport != sport))
        return false;
    return true;
}

/* The most specific socket for a unicast datagram: connected beats bound
 * to a specific address beats wildcard; ties go to the newest (first in
 * the chain). */
static struct udp_pcb *lookup_unicast(struct ust_stack *st, const struct ust_addr *src,
                                      uint16_t sport, const struct ust_addr *dst, uint16_t dport)
{
    struct udp_pcb *best = NULL;
    int best_score = -1;
    for (struct udp_pcb *p = *bucket(st, dport); p; p = p->hnext) {
        if (!pcb_matches(p, src, sport, dst, dport))
            continue;
        int score = (p->connected ? 2 : 0) + (!ust_addr_is_any(&p->laddr) ? 1 : 0);
        if (score > best_score) {
            best = p;
            best_score = score;
        }
    }
    return best;
}

/* The datagram's record: payload and what IP told about it. */
static struct udp_dgram *dgram_new(const struct udp_rx *rx, const uint8_t *data, size_t len)
{
    struct udp_dgram *d = malloc(sizeof(*d) + len);
    if (!d)
        return NULL;
    d->next = NULL;
    d->src = rx->src;
    d->sport = rx->sport;
    d->dst = rx->ip ? rx->ip->dst : 0; /* IP_PKTINFO: IPv4 only */
    d->spec_dst = rx->spec_dst;
    d->ifindex = rx->ifindex;
    d->tos = rx->ip ? rx->ip->tos : rx->tclass;
    d->daddr = rx->dst;
    d->hoplimit = rx->hoplimit;
    d->opt_len = rx->ip && rx->ip->opts ? rx->ip->opt_len : 0;
    if (d->opt_len)
        memcpy(d->opts, rx->ip->opts, d->opt_len);
    d->len = len;
    if (len)
        memcpy(d->data, data, len);
    return d;
}

/* Queues a copy of the payload; bounded by the socket's receive buffer. An
 * empty queue takes any one datagram (as Linux does), so a small buffer
 * still receives large datagrams. */
static void deliver(struct ust_stack *st, struct udp_pcb *p, const struct udp_rx *rx,
                    const uint8_t *data, size_t len)
{
    struct ust_stats *stats = stack_stats(st);
    size_t charge = len + UDP_DGRAM_OVERHEAD;
    size_t limit = p->sock->rcvbuf > 0 ? (size_t)p->sock->rcvbuf : 0;
    if (p->queued > 0 && p->queued_bytes + charge > limit) {
        stats->udp.RcvbufErrors++;
        stats->udp.InErrors++;
        TRACE(st, "udp", "drop: receive buffer of fd %d full (%zu bytes queued)", p->sock->fd,
              p->queued_bytes);
        return;
    }
    struct udp_dgram *d = dgram_new(rx, data, len);
    if (!d) {
        stats->udp.InErrors++;
        TRACE(st, "udp", "drop: out of memory");
        return;
    }
    if (p->tail)
        p->tail->next = d;
    else
        p->head = d;
    p->tail = d;
    p->queued++;
    p->queued_bytes += charge;
    stats->udp.InDatagrams++;
    transport_notify(st);
}

static void no_port(struct ust_stack *st, uint16_t dport, bool bcast, const uint8_t *dgram,
                    size_t dgram_len)
{
    stack_stats(st)->udp.NoPorts++;
    /* RFC 1122 4.1.3.1: port unreachable SHOULD be sent, but never about a
     * broadcast or multicast datagram (3.2.2). */
    if (!bcast)
        icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, dgram, dgram_len);
    TRACE(st, "udp", "no socket on port %u%s", dport, bcast ? " (broadcast: no ICMP)" : "");
}

static bool is_group(const struct ust_addr *a)
{
    return a->family == UST_AF_INET6 ? a->u.v6[0] == 0xff : ipv4_is_multicast(a->u.v4);
}

/* Broadcast/multicast: every matching socket gets a copy; of a multicast
 * datagram, only the sockets that joined its group on the interface it
 * came in on. Returns how many did. */
static unsigned deliver_to_all(struct ust_stack *st, const struct udp_rx *rx, uint16_t dport,
                               const uint8_t *data, size_t len)
{
    unsigned n = 0;
    for (struct udp_pcb *p = *bucket(st, dport); p; p = p->hnext) {
        if (pcb_matches(p, &rx->src, rx->sport, &rx->dst, dport) &&
            (!is_group(&rx->dst) || udp_mcast_accepts(st, p, &rx->dst, &rx->src, rx->ifindex))) {
            deliver(st, p, rx, data, len);
            n++;
        }
    }
    return n;
}

/* RFC 1122 3.3.4.2: the specific destination is the IP destination,
 * unless that is a broadcast or multicast address: then the address of the
 * interface the datagram came in on. */
static ust_ip4_t spec_dst_of(const struct ust_stack *st, ust_ip4_t dst, bool bcast, int ifindex)
{
    if (!bcast)
        return dst;
    const struct ust_iface *ifc = iface_at(st, ifindex);
    return ifc ? ifc->addr : 0;
}

void udp_input(struct ust_stack *st, const struct ipv4_hdr *ip, const uint8_t *seg,
               size_t seg_len, const uint8_t *dgram, size_t dgram_len, bool link_bcast,
               int ifindex)
{
    struct ust_stats *stats = stack_stats(st);
    struct udp_hdr h;
    char a[16], b[16];
    /* as TCP: a checksum the driver vouches for is not verified again */
    int rc = udp_parse(seg, seg_len, ip->src, ip->dst, !stack_rx_offload(st)->csum_valid, &h);
    if (rc != WIRE_OK) {
        /* RFC 1122 4.1.3.4: a bad checksum is dropped silently (counted). */
        if (rc == WIRE_BAD_CSUM)
            stats->udp.InCsumErrors++;
        stats->udp.InErrors++;
        TRACE(st, "udp", "drop %s->%s: %s", IP4STR(ip->src, a), IP4STR(ip->dst, b),
              wire_strerror(rc));
        return;
    }
    /* Bytes past the UDP length field (IP padding) are not data. */
    const uint8_t *data = seg + UDP_HDR_LEN;
    size_t len = (size_t)h.len - UDP_HDR_LEN;
    TRACE(st, "udp", "rx %s:%u->%s:%u len %zu", IP4STR(ip->src, a), h.sport, IP4STR(ip->dst, b),
          h.dport, len);
    /* RFC 1122 4.1.3.6: a broadcast or multicast source is invalid. */
    if (ip->src == 0xffffffffu || ipv4_is_multicast(ip->src) || ipv4_is_broadcast(st, ip->src)) {
        stats->udp.InErrors++;
        TRACE(st, "udp", "drop: invalid source %s", IP4STR(ip->src, a));
        return;
    }
    bool bcast = link_bcast || ipv4_is_multicast(ip->dst) || ipv4_is_broadcast_in(st, ip->dst);
    struct udp_rx rx = {.ip = ip, .src = ust_addr_from_ip4(ip->src),
                        .dst = ust_addr_from_ip4(ip->dst), .sport = h.sport, .ifindex = ifindex,
                        .spec_dst = spec_dst_of(st, ip->dst, bcast, ifindex)};
    if (h.dport == 0) {
        /* Port 0 is reserved: nobody can be bound to it. */
        no_port(st, h.dport, bcast, dgram, dgram_len);
        return;
    }
    if (!bcast) {
        struct udp_pcb *p = lookup_unicast(st, &rx.src, h.sport, &rx.dst, h.dport);
        if (!p) {
            no_port(st, h.dport, false, dgram, dgram_len);
            return;
        }
        deliver(st, p, &rx, data, len);
        return;
    }
    if (deliver_to_all(st, &rx, h.dport, data, len) == 0)
        no_port(st, h.dport, true, dgram, dgram_len);
}

/* A datagram from IPv6 (Next Header 17): the checksum is mandatory and
 * covers the IPv6 pseudo-header (RFC 8200 8.1: a zero field is dropped);
 * then the same demultiplexing as IPv4. Multicast goes to every socket
 * that matches; nothing answers it with an error (RFC 4443 2.4 e.3). */
void udp_input6(struct ust_stack *st, const struct ip6_rx *r)
{
    struct ust_stats *stats = stack_stats(st);
    struct udp_hdr h;
    uint32_t ps = ipv6_csum_pseudo(&r->h->src, &r->h->dst, 0, IPV6_NH_UDP);
    int rc = udp_parse_ps(r->seg, r->seg_len, ps, !stack_rx_offload(st)->csum_valid, &h);
    if (rc == WIRE_OK && h.csum == 0)
        rc = WIRE_BAD_CSUM;
    struct udp_rx rx = {.src = tp_addr_rx6(&r->h->src, r->ifindex),
                        .dst = tp_addr_rx6(&r->h->dst, r->ifindex), .tclass = r->h->tclass,
                        .hoplimit = r->h->hop_limit, .sport = h.sport, .ifindex = r->ifindex};
    char a[UST_ADDR_STRLEN];
    if (rc != WIRE_OK) {
        if (rc == WIRE_BAD_CSUM)
            stats->udp.InCsumErrors++;
        stats->udp.InErrors++;
        TRACE(st, "udp", "drop from %s: %s", ust_addr_str(&rx.src, a), wire_strerror(rc));
        return;
    }
    if (ipv6_addr_is_multicast(&r->h->src) || ust_ip6_is_v4mapped(r->h->src.b)) {
        stats->udp.InErrors++;
        TRACE(st, "udp", "drop: invalid source %s", ust_addr_str(&rx.src, a));
        return;
    }
    rx.sport = h.sport;
    const uint8_t *data = r->seg + UDP_HDR_LEN;
    size_t len = (size_t)h.len - UDP_HDR_LEN;
    struct udp_pcb *p = r->mcast ? NULL : lookup_unicast(st, &rx.src, h.sport, &rx.dst, h.dport);
    if (p) {
        deliver(st, p, &rx, data, len);
    } else if (!r->mcast || deliver_to_all(st, &rx, h.dport, data, len) == 0) {
        stack_stats(st)->udp.NoPorts++;
        /* RFC 4443 3.1 (SHOULD): code 4, never about a multicast datagram. */
        if (!r->mcast)
            ipv6_port_unreachable(st, r);
        TRACE(st, "udp", "no socket on port %u", h.dport);
    }
}

void udp_queue_clear(struct udp_pcb *pcb)
{
    struct udp_dgram *d = pcb->head;
    while (d) {
        struct udp_dgram *next = d->next;
        free(d);
        d = next;
    }
    pcb->head = pcb->tail = NULL;
    pcb->queued = 0;
    pcb->queued_bytes = 0;
}

/* ---- output ------------------------------------------------------------ */

/* The source address: the one asked for this datagram, else the bound
 * one, else the one routing would choose (the checksum covers the
 * pseudo-header, so it must be known now). RFC 1122 4.1.3.6: only a valid
 * unicast source goes out, even from a socket bound to a broadcast or
 * multicast address to hear those. 0 when there is no route. */
static ust_ip4_t udp_source(struct ust_stack *st, const struct udp_pcb *pcb, ust_ip4_t dst,
                            const struct sock_tx_meta *tx)
{
    if (tx && tx->src)
        return tx->src; /* ipv4_output refuses one that is not ours */
    ust_ip4_t src = pcb->laddr.family == UST_AF_INET ? pcb->laddr.u.v4 : 0;
    if (src == 0 || src == 0xffffffffu || ipv4_is_multicast(src) || ipv4_is_broadcast(st, src))
        src = ipv4_source_for(st, ipv4_first_hop(pcb->opts, pcb->opt_len, dst));
    return src;
}

/* Hands the datagram in p (UDP header and payload) to IPv6. */
static int udp_send6(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *to,
                     uint16_t dport, struct pkt *p, size_t len, const struct sock_tx_meta *tx)
{
    struct ust_addr src, d = *to, *dst = &d;
    udp_mcast_dst6(pcb, dst); /* IPV6_MULTICAST_IF */
    int ifindex;
    int rc = udp_source6_for(st, pcb, dst, tx, &src, &ifindex);
    if (rc != UST_OK) {
        pkt_free(p);
        return rc;
    }
    uint32_t ps = tp_csum_pseudo(&src, dst, IPV6_NH_UDP, 0); /* RFC 8200 8.1: mandatory */
    udp_emit_ps(pcb->lport, dport, ps, p->data, p->len, len);
    /* RFC 3542 6.3, 6.5: the message's IPV6_HOPLIMIT / IPV6_TCLASS, else
     * the socket's IPV6_UNICAST_HOPS / IPV6_TCLASS (IP_TTL and IP_TOS are
     * the IPv4 ones, Linux); hop limit 0 goes out as given (RFC 3493 5.1). */
    int hops = tx && tx->hops >= 0 ? tx->hops : pcb->hops6;
    int tclass = tx && tx->tclass >= 0 ? tx->tclass : pcb->tclass6;
    struct ipv6_out o = {.src = tp_ip6(&src), .dst = tp_ip6(dst), .ifindex = ifindex,
                         .proto = IPV6_NH_UDP, .hop_limit = (int16_t)(hops >= 0 ? hops : -1),
                         .tclass = (uint8_t)tclass, .dontfrag = udp_dontfrag6(pcb, tx),
                         .min_mtu = udp_min_mtu6(pcb, dst)};
    udp_mcast_out6(pcb, tx, &o); /* hop limit, loopback of a group */
    rc = ipv6_output(st, &o, p);
    if (rc == UST_ERR_MSGSIZE && o.dontfrag)
        udp_rxpmtu_note(st, pcb, dst, ifindex); /* RFC 3542 11.3, Linux ipv6_local_rxpmtu */
    return rc;
}

static int udp_send4(struct ust_stack *st, const struct udp_pcb *pcb, ust_ip4_t dst,
                     uint16_t dport, struct pkt *p, size_t len, const struct sock_tx_meta *tx)
{
    char a[16], b[16];
    ust_ip4_t src = udp_mcast_source(st, pcb, dst, tx, udp_source(st, pcb, dst, tx));
    if (src == 0 && !ipv4_unnumbered_broadcast(st, dst)) {
        TRACE(st, "udp", "tx to %s: no route", IP4STR(dst, a));
        pkt_free(p);
        return UST_ERR_NETUNREACH;
    }
    /* RFC 1122 4.1.3.4: the checksum is always generated. */
    udp_emit(pcb->lport, dport, src, dst, p->data, p->len, len);
    /* RFC 1122 4.1.3.2, 4.1.4: UDP passes the application's TTL, TOS and IP
     * options to IP. The checksum above used the final destination, also
     * behind a source route (RFC 768 pseudo-header). */
    int ttl = tx && tx->ttl > 0 ? tx->ttl : pcb->ttl;
    int tos = tx && tx->tos >= 0 ? tx->tos : pcb->tos;
    struct ipv4_out o = {.src = src, .dst = dst, .proto = IPV4_PROTO_UDP,
                         .ttl = ttl > 0 ? (uint8_t)ttl : 0, .tos = (uint8_t)tos,
                         .opts = pcb->opts, .opt_len = pcb->opt_len};
    udp_mcast_out(st, pcb, tx, &o); /* TTL, interface, loopback of a group */
    TRACE(st, "udp", "tx %s:%u->%s:%u len %zu", IP4STR(src, a), pcb->lport, IP4STR(dst, b), dport,
          len);
    return ipv4_output(st, &o, p);
}

/* An IPV6_PKTINFO source of the other family: an IPv4-mapped one is the
 * IPv4 source of a datagram to a mapped peer (Linux ip_cmsg_send), a real
 * IPv6 one cannot be (EINVAL), nor can a mapped one go to an IPv6 peer. */
static int tx_for_family(const struct sock_tx_meta *tx, const struct ust_addr *dst,
                         struct sock_tx_meta *tx4)
{
    if (!tx)
        return UST_OK;
    *tx4 = *tx;
    if (!tx->src6.family)
        return UST_OK;
    if (tx->src6.family != dst->family)
        return UST_ERR_INVAL;
    if (dst->family == UST_AF_INET)
        tx4->src = tx->src6.u.v4;
    return UST_OK;
}

ssize_t udp_output(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *dst,
                   uint16_t dport, const void *buf, size_t len, const struct sock_tx_meta *tx)
{
    struct ust_stats *stats = stack_stats(st);
    char a[UST_ADDR_STRLEN];
    struct pkt *p = pkt_alloc(PKT_HEADROOM, UDP_HDR_LEN + len);
    if (!p) {
        stats->udp.OutErrors++;
        return UST_ERR_NOMEM;
    }
    if (len)
        memcpy(p->data + UDP_HDR_LEN, buf, len);
    struct sock_tx_meta tx4;
    int rc = tx_for_family(tx, dst, &tx4);
    if (rc < 0)
        pkt_free(p);
    else if (dst->family == UST_AF_INET6)
        rc = udp_send6(st, pcb, dst, dport, p, len, tx);
    else
        rc = udp_send4(st, pcb, dst->u.v4, dport, p, len, tx ? &tx4 : NULL);
    if (rc < 0) {
        stats->udp.OutErrors++;
        TRACE(st, "udp", "tx to %s failed: %s", ust_addr_str(dst, a), ust_strerror(rc));
        /* "Try later" from below is not a reason for the socket to block. */
        return rc == UST_ERR_AGAIN ? UST_ERR_NOMEM : rc;
    }
    stats->udp.OutDatagrams++;
    return (ssize_t)len;
}

/* ---- ICMP errors ------------------------------------------------------- */

/* The error reported to the application for an ICMP message (RFC 1122
 * 4.1.3.3: UDP MUST pass ICMP errors up), or 0 to ignore it (only Source
 * Quench, which RFC 6633 deprecates: transports ignore it). */
static int icmp_to_err(uint8_t type, uint8_t code)
{
    if (type == ICMP_PARAM_PROBLEM)
        return UST_ERR_PROTO;
    if (type == ICMP_TIME_EXCEEDED)
        return UST_ERR_HOSTUNREACH;
    if (type != ICMP_DEST_UNREACH)
        return 0; /* source quench: ignored by transports (RFC 6633 3) */
    switch (code) {
    case ICMP_UNREACH_NET:
    case 6:  /* destination network unknown */
    case 9:  /* network administratively prohibited */
    case 11: /* network unreachable for TOS */
        return UST_ERR_NETUNREACH;
    case ICMP_UNREACH_PROTO:
        return UST_ERR_PROTOUNREACH;
    case ICMP_UNREACH_PORT:
        return UST_ERR_CONNREFUSED;
    case ICMP_UNREACH_FRAG_NEEDED:
        /* IP lowered its path MTU estimate (pmtu.c); the application
         * learns that its datagram was too big, as on Linux. */
        return UST_ERR_MSGSIZE;
    case ICMP_UNREACH_SRC_ROUTE:
        return UST_ERR_NOTSUP;
    case 7: /* destination host unknown */
        return UST_ERR_HOSTDOWN;
    default: /* host unreachable, prohibited, filtered, precedence */
        return UST_ERR_HOSTUNREACH;
    }
}

/* Does p queue the errors of this ICMP version (Linux: IP_RECVERR for
 * ICMP, also about IPv4-mapped traffic of a dual socket, __udp4_lib_err;
 * IPV6_RECVERR for ICMPv6, __udp6_lib_err)? */
static bool wants_errors(const struct udp_pcb *p, bool icmp6)
{
    return icmp6 ? p->recv_err6 : p->recv_err;
}

/* The socket that sent the quoted datagram: the connected one for that
 * peer first, else one bound to the port (and address) that asked for
 * errors with IP_RECVERR / IPV6_RECVERR. */
static struct udp_pcb *icmp_owner(struct ust_stack *st, const struct ust_addr *osrc,
                                  const struct ust_addr *odst, uint16_t sport, uint16_t dport,
                                  bool icmp6)
{
    struct udp_pcb *best = NULL;
    for (struct udp_pcb *p = *bucket(st, sport); p; p = p->hnext) {
        if (p->lport != sport || !tp_laddr_takes(&p->laddr, v6only_of(p), osrc))
            continue;
        if (p->connected && ust_addr_eq(&p->raddr, odst) && p->rport == dport)
            return p;
        if (!p->connected && wants_errors(p, icmp6) && !best)
            best = p;
    }
    return best;
}

void udp_icmp_error(struct ust_stack *st, uint8_t type, uint8_t code, uint32_t extra,
                    ust_ip4_t from, const struct ipv4_hdr *orig, const uint8_t *l4,
                    size_t l4_len)
{
    char a[16];
    if (!orig || !l4 || l4_len < 4)
        return;
    uint16_t sport = get_be16(l4), dport = get_be16(l4 + 2);
    int err = icmp_to_err(type, code);
    if (err == 0)
        return;
    struct ust_addr osrc = ust_addr_from_ip4(orig->src), odst = ust_addr_from_ip4(orig->dst);
    struct udp_pcb *p = icmp_owner(st, &osrc, &odst, sport, dport, false);
    if (!p) {
        TRACE(st, "udp", "icmp type %u code %u about %s:%u: no socket to tell", type, code,
              IP4STR(orig->dst, a), dport);
        return;
    }
    TRACE(st, "udp", "icmp type %u code %u for fd %d (peer %s:%u): %s", type, code, p->sock->fd,
          IP4STR(orig->dst, a), dport, ust_strerror(err));
    if (p->recv_err) {
        bool local = ipv4_is_local(st, from);
        struct udp_icmp ie = {.err = err, .type = type, .code = code, .extra = extra,
                              .origin = local ? UST_SO_EE_ORIGIN_LOCAL : UST_SO_EE_ORIGIN_ICMP,
                              .from = ust_addr_from_ip4(from), .odst = odst, .l4 = l4,
                              .l4_len = l4_len};
        udp_errq_push(st, p, &ie);
    }
    /* A connected socket also gets it as the pending error of its next
     * call (Linux); an unconnected one only through the queue. */
    if (p->connected) {
        p->pending_err = err;
        transport_notify(st);
    }
}

static void udp_ip_input(struct ust_stack *st, const struct ip_rx *rx)
{
    udp_input(st, rx->h, rx->seg, rx->seg_len, rx->dgram, rx->h->total_len, rx->link_bcast,
              rx->ifc ? rx->ifc->index : -1);
}

static void udp_ip_err_input(struct ust_stack *st, const struct ip_err *e)
{
    udp_icmp_error(st, e->type, e->code, e->extra, e->from, e->orig, e->l4, e->l4_len);
}

static const struct ip_proto_ops udp_proto = {
    .input = udp_ip_input,
    .err_input = udp_ip_err_input,
};

/* ICMPv6 errors (RFC 4443 3) to the socket that sent the quoted datagram,
 * as for IPv4: queued for MSG_ERRQUEUE with IPV6_RECVERR, and the pending
 * error of a connected socket. The errno as Linux's icmpv6_err_convert. */
static int icmp6_to_err(uint8_t type, uint8_t code)
{
    static const int unreach[] = {
        UST_ERR_NETUNREACH,  /* 0 no route */
        UST_ERR_ACCES,       /* 1 administratively prohibited */
        UST_ERR_HOSTUNREACH, /* 2 beyond scope of source address */
        UST_ERR_HOSTUNREACH, /* 3 address unreachable */
        UST_ERR_CONNREFUSED, /* 4 port unreachable */
        UST_ERR_ACCES,       /* 5 source address failed policy */
        UST_ERR_ACCES,       /* 6 reject route */
    };
    switch (type) {
    case ICMPV6_DST_UNREACH:
        return code < sizeof(unreach) / sizeof(unreach[0]) ? unreach[code] : UST_ERR_PROTO;
    case ICMPV6_PKT_TOO_BIG:
        return UST_ERR_MSGSIZE; /* pmtu6.c lowered the path MTU already */
    case ICMPV6_TIME_EXCEEDED:
        return UST_ERR_HOSTUNREACH;
    default: /* Parameter Problem */
        return UST_ERR_PROTO;
    }
}

static void udp_ip6_err_input(struct ust_stack *st, const struct ip6_err *e)
{
    if (!e->orig || !e->l4 || e->l4_len < 4)
        return;
    uint16_t sport = get_be16(e->l4), dport = get_be16(e->l4 + 2);
    struct ust_addr osrc = ust_addr_from_ip6(e->orig->src.b, 0);
    struct ust_addr odst = ust_addr_from_ip6(e->orig->dst.b, 0);
    struct udp_pcb *p = icmp_owner(st, &osrc, &odst, sport, dport, true);
    int err = icmp6_to_err(e->type, e->code);
    char a[UST_ADDR_STRLEN];
    if (!p) {
        TRACE(st, "udp", "icmpv6 type %u code %u about %s:%u: no socket to tell", e->type,
              e->code, ust_addr_str(&odst, a), dport);
        return;
    }
    TRACE(st, "udp", "icmpv6 type %u code %u for fd %d (peer %s:%u): %s", e->type, e->code,
          p->sock->fd, ust_addr_str(&odst, a), dport, ust_strerror(err));
    if (p->recv_err6) {
        struct udp_icmp ie = {.err = err, .origin = UST_SO_EE_ORIGIN_ICMP6, .type = e->type,
                              .code = e->code, .extra = e->extra,
                              .from = ust_addr_from_ip6(e->from.b, 0), .odst = odst,
                              .l4 = e->l4, .l4_len = e->l4_len};
        udp_errq_push(st, p, &ie);
    }
    if (p->connected) {
        p->pending_err = err;
        transport_notify(st);
    }
}

static const struct ip6_proto_ops udp6_proto = {
    .input = udp_input6,
    .err_input = udp_ip6_err_input,
};

/* IP protocol 17 and IPv6 Next Header 17: one UDP for both families. */
int udp_register(struct ust_stack *st)
{
    int rc = ip_proto_register(st, IPV4_PROTO_UDP, &udp_proto);
    return rc == UST_OK ? ip6_proto_register(st, IPV6_NH_UDP, &udp6_proto) : rc;
}
