/* UDP (RFC 768, RFC 1122 4.1): port table, input demultiplexing, output,
 * and ICMP errors handed up to sockets. The socket operations are in
 * udp_sock.c. */
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "link/iface.h"
#include "net/net.h"
#include "transport.h"
#include "transport/sock_ops.h"
#include "udp_impl.h"
#include "wire/icmp.h"
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

bool udp_port_conflict(struct ust_stack *st, const struct udp_pcb *self, ust_ip4_t laddr,
                       uint16_t lport)
{
    for (const struct udp_pcb *o = *bucket(st, lport); o; o = o->hnext) {
        if (o == self || o->lport != lport)
            continue;
        if (o->laddr != 0 && laddr != 0 && o->laddr != laddr)
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

int udp_bind_ephemeral(struct ust_stack *st, struct udp_pcb *pcb, ust_ip4_t laddr)
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
        pcb->laddr = laddr;
        pcb->lport = port;
        return udp_port_insert(st, pcb);
    }
    return UST_ERR_ADDRINUSE;
}

/* ---- input ------------------------------------------------------------- */

static bool pcb_matches(const struct udp_pcb *p, ust_ip4_t src, uint16_t sport, ust_ip4_t dst,
                        uint16_t dport)
{
    if (p->lport != dport)
        return false;
    if (p->laddr != 0 && p->laddr != dst)
        return false;
    /* A connected socket only hears its peer. */
    if (p->connected && (p->raddr != src || p->rport != sport))
        return false;
    return true;
}

/* The most specific socket for a unicast datagram: connected beats bound
 * to a specific address beats wildcard; ties go to the newest (first in
 * the chain). */
static struct udp_pcb *lookup_unicast(struct ust_stack *st, ust_ip4_t src, uint16_t sport,
                                      ust_ip4_t dst, uint16_t dport)
{
    struct udp_pcb *best = NULL;
    int best_score = -1;
    for (struct udp_pcb *p = *bucket(st, dport); p; p = p->hnext) {
        if (!pcb_matches(p, src, sport, dst, dport))
            continue;
        int score = (p->connected ? 2 : 0) + (p->laddr != 0 ? 1 : 0);
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
    d->src = rx->ip->src;
    d->sport = rx->sport;
    d->dst = rx->ip->dst;
    d->spec_dst = rx->spec_dst;
    d->ifindex = rx->ifindex;
    d->tos = rx->ip->tos;
    d->opt_len = rx->ip->opts ? rx->ip->opt_len : 0;
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

/* Broadcast/multicast: every matching socket gets a copy. Returns how
 * many did. */
static unsigned deliver_to_all(struct ust_stack *st, const struct udp_rx *rx, uint16_t dport,
                               const uint8_t *data, size_t len)
{
    unsigned n = 0;
    for (struct udp_pcb *p = *bucket(st, dport); p; p = p->hnext) {
        if (pcb_matches(p, rx->ip->src, rx->sport, rx->ip->dst, dport) &&
            (!ipv4_is_multicast(rx->ip->dst) || udp_mcast_accepts(p, rx->ip->dst, rx->ifindex))) {
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
    struct udp_rx rx = {.ip = ip, .sport = h.sport, .ifindex = ifindex,
                        .spec_dst = spec_dst_of(st, ip->dst, bcast, ifindex)};
    if (h.dport == 0) {
        /* Port 0 is reserved: nobody can be bound to it. */
        no_port(st, h.dport, bcast, dgram, dgram_len);
        return;
    }
    if (!bcast) {
        struct udp_pcb *p = lookup_unicast(st, ip->src, h.sport, ip->dst, h.dport);
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
    ust_ip4_t src = pcb->laddr;
    if (src == 0 || src == 0xffffffffu || ipv4_is_multicast(src) || ipv4_is_broadcast(st, src))
        src = ipv4_source_for(st, ipv4_first_hop(pcb->opts, pcb->opt_len, dst));
    return src;
}

ssize_t udp_output(struct ust_stack *st, struct udp_pcb *pcb, ust_ip4_t dst, uint16_t dport,
                   const void *buf, size_t len, const struct sock_tx_meta *tx)
{
    struct ust_stats *stats = stack_stats(st);
    char a[16], b[16];
    ust_ip4_t src = udp_mcast_source(st, pcb, dst, tx, udp_source(st, pcb, dst, tx));
    if (src == 0 && !ipv4_unnumbered_broadcast(st, dst)) {
        stats->udp.OutErrors++;
        TRACE(st, "udp", "tx to %s: no route", IP4STR(dst, a));
        return UST_ERR_NETUNREACH;
    }
    struct pkt *p = pkt_alloc(PKT_HEADROOM, UDP_HDR_LEN + len);
    if (!p) {
        stats->udp.OutErrors++;
        return UST_ERR_NOMEM;
    }
    if (len)
        memcpy(p->data + UDP_HDR_LEN, buf, len);
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
    int rc = ipv4_output(st, &o, p);
    if (rc < 0) {
        stats->udp.OutErrors++;
        TRACE(st, "udp", "tx to %s failed: %s", IP4STR(dst, a), ust_strerror(rc));
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

/* The socket that sent the quoted datagram: the connected one for that
 * peer first, else one bound to the port (and address) that asked for
 * errors with IP_RECVERR. */
static struct udp_pcb *icmp_owner(struct ust_stack *st, const struct ipv4_hdr *orig,
                                  uint16_t sport, uint16_t dport)
{
    struct udp_pcb *best = NULL;
    for (struct udp_pcb *p = *bucket(st, sport); p; p = p->hnext) {
        if (p->lport != sport || (p->laddr != 0 && p->laddr != orig->src))
            continue;
        if (p->connected && p->raddr == orig->dst && p->rport == dport)
            return p;
        if (!p->connected && p->recv_err && !best)
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
    struct udp_pcb *p = icmp_owner(st, orig, sport, dport);
    if (!p) {
        TRACE(st, "udp", "icmp type %u code %u about %s:%u: no socket to tell", type, code,
              IP4STR(orig->dst, a), dport);
        return;
    }
    TRACE(st, "udp", "icmp type %u code %u for fd %d (peer %s:%u): %s", type, code, p->sock->fd,
          IP4STR(orig->dst, a), dport, ust_strerror(err));
    if (p->recv_err) {
        struct udp_icmp ie = {.err = err, .type = type, .code = code, .extra = extra,
                              .from = from, .orig = orig, .l4 = l4, .l4_len = l4_len};
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

int udp_register(struct ust_stack *st) { return ip_proto_register(st, IPV4_PROTO_UDP, &udp_proto); }
