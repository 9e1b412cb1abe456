/* UDP socket operations (struct sock_ops): bind, connect, send, receive,
 * options. Semantics follow Linux where RFC 768/1122 leave room. */
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "transport/sock_ops.h"
#include "transport/tp_net.h"
#include "transport/transport.h"
#include "udp_impl.h"

#define UDP_PCB(s) ((struct udp_pcb *)(s)->pcb)

static bool is_broadcast(struct ust_stack *st, const struct ust_addr *a)
{
    return a->family == UST_AF_INET && (a->u.v4 == 0xffffffffu || ipv4_is_broadcast(st, a->u.v4));
}

/* RFC 1122 4.1.3.5: the local address is a wildcard or one of ours
 * (interfaces and 127/8; broadcast/multicast addresses select what a
 * socket hears); IPv6: ours (ipv6_is_local) or multicast. */
static bool bindable(struct ust_stack *st, const struct ust_addr *a)
{
    if (ust_addr_is_any(a))
        return true;
    if (a->family == UST_AF_INET6)
        return a->u.v6[0] == 0xff || tp_is_local(st, a);
    return ipv4_is_local(st, a->u.v4) || is_broadcast(st, a) || ipv4_is_multicast(a->u.v4);
}

static int udp_sock_init(struct ust_sock *s)
{
    struct udp_pcb *pcb = calloc(1, sizeof(*pcb));
    if (!pcb)
        return UST_ERR_NOMEM;
    pcb->sock = s;
    pcb->ttl = -1;
    pcb->hops6 = -1;
    pcb->use_min_mtu = -1; /* RFC 3542 11.1: the minimum MTU for multicast only */
    pcb->pmtudisc6 = IPV6_PMTUDISC_WANT; /* Linux's default: fragment */
    s->pcb = pcb;
    pcb->laddr = udp_wildcard(pcb);
    return UST_OK;
}

static int udp_sock_bind(struct ust_sock *s, const struct sock_addr *a)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    struct ust_stack *st = s->st;
    if (pcb->lport != 0)
        return UST_ERR_INVAL; /* already bound (explicitly or by a send) */
    if (!bindable(st, &a->addr))
        return UST_ERR_ADDRNOTAVAIL;
    int rc;
    if (a->port == 0) {
        rc = udp_bind_ephemeral(st, pcb, &a->addr);
    } else if (udp_port_conflict(st, pcb, &a->addr, a->port)) {
        rc = UST_ERR_ADDRINUSE;
    } else {
        pcb->laddr = a->addr;
        pcb->lport = a->port;
        rc = udp_port_insert(st, pcb);
        if (rc != UST_OK)
            pcb->lport = 0;
    }
    if (rc != UST_OK)
        return rc;
    pcb->addr_locked = !ust_addr_is_any(&a->addr);
    pcb->port_locked = a->port != 0;
    char b[UST_ADDR_STRLEN];
    TRACE(st, "udp", "fd %d bound to %s:%u", s->fd, ust_addr_str(&pcb->laddr, b), pcb->lport);
    return UST_OK;
}

/* connect(AF_UNSPEC): forget the peer and whatever connect chose itself. */
static int udp_disconnect(struct ust_sock *s)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    pcb->connected = false;
    pcb->raddr = (struct ust_addr){0};
    pcb->rport = 0;
    if (!pcb->addr_locked)
        pcb->laddr = udp_wildcard(pcb);
    if (!pcb->port_locked && pcb->lport != 0) {
        udp_port_remove(s->st, pcb);
        pcb->lport = 0;
    }
    return UST_OK;
}

/* The source a connect fixes: the bound address, else the routed one. */
static int connect_source(struct ust_stack *st, const struct udp_pcb *pcb,
                          const struct ust_addr *dst, struct ust_addr *src)
{
    if (!ust_addr_is_any(&pcb->laddr)) {
        if (pcb->laddr.family != dst->family)
            return UST_ERR_NETUNREACH;
        *src = pcb->laddr;
        return UST_OK;
    }
    if (dst->family == UST_AF_INET6)
        return tp_source_for(st, dst, tp_prefer_public(pcb->sock), src) == UST_OK
                   ? UST_OK
                   : UST_ERR_NETUNREACH;
    ust_ip4_t s4 = ipv4_source_for(st, ipv4_first_hop(pcb->opts, pcb->opt_len, dst->u.v4));
    if (s4 == 0)
        return UST_ERR_NETUNREACH;
    *src = ust_addr_from_ip4(s4);
    return UST_OK;
}

static int udp_sock_connect(struct ust_sock *s, const struct sock_addr *a)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    struct ust_stack *st = s->st;
    if (!a)
        return udp_disconnect(s);
    if (ust_addr_is_any(&a->addr))
        return UST_ERR_NETUNREACH;
    if (is_broadcast(st, &a->addr) && !s->broadcast)
        return UST_ERR_ACCES;
    struct ust_addr src;
    int rc = connect_source(st, pcb, &a->addr, &src);
    if (rc != UST_OK)
        return rc;
    if (pcb->lport == 0) {
        struct ust_addr wild = udp_wildcard(pcb);
        rc = udp_bind_ephemeral(st, pcb, &wild);
        if (rc != UST_OK)
            return rc;
    }
    /* Linux fixes a wildcard local address to the routed source here, so
     * that getsockname() tells which address is used (RFC 1122 4.1.3.5). */
    if (ust_addr_is_any(&pcb->laddr) && !is_broadcast(st, &src))
        pcb->laddr = src;
    pcb->raddr = a->addr;
    pcb->rport = a->port;
    pcb->connected = true;
    char b[UST_ADDR_STRLEN], c[UST_ADDR_STRLEN];
    TRACE(st, "udp", "fd %d connected %s:%u->%s:%u", s->fd, ust_addr_str(&pcb->laddr, b),
          pcb->lport, ust_addr_str(&pcb->raddr, c), pcb->rport);
    return UST_OK;
}

static int take_pending(struct udp_pcb *pcb)
{
    int e = pcb->pending_err;
    pcb->pending_err = 0;
    return e;
}

static ssize_t udp_sock_sendmsg(struct ust_sock *s, const void *buf, size_t len, int flags,
                                const struct sock_addr *to, const struct sock_tx_meta *tx)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    struct ust_stack *st = s->st;
    if (flags & MSG_OOB)
        return UST_ERR_NOTSUP;
    if (len > UDP_MAX_PAYLOAD)
        return UST_ERR_MSGSIZE;
    struct ust_addr dst;
    uint16_t dport;
    if (to) {
        if (to->port == 0)
            return UST_ERR_INVAL;
        dst = to->addr;
        dport = to->port;
    } else if (pcb->connected) {
        dst = pcb->raddr;
        dport = pcb->rport;
    } else {
        return UST_ERR_DESTADDRREQ;
    }
    /* A pending ICMP error is reported by the next call (Linux), once. */
    if (pcb->pending_err)
        return take_pending(pcb);
    if (pcb->shut_wr)
        return UST_ERR_PIPE;
    if (ust_addr_is_any(&dst))
        return UST_ERR_NETUNREACH;
    if (is_broadcast(st, &dst) && !s->broadcast)
        return UST_ERR_ACCES;
    if (pcb->lport == 0) {
        struct ust_addr wild = udp_wildcard(pcb);
        int rc = udp_bind_ephemeral(st, pcb, &wild);
        if (rc != UST_OK)
            return rc;
    }
    return udp_output(st, pcb, &dst, dport, buf, len, tx);
}

static ssize_t udp_sock_send(struct ust_sock *s, const void *buf, size_t len, int flags,
                             const struct sock_addr *to)
{
    return udp_sock_sendmsg(s, buf, len, flags, to, NULL);
}

/* RFC 3542 6: the destination and interface of any datagram (an IPv4 one
 * as ::ffff:a.b.c.d), the hop limit and Traffic Class of an IPv6 one: what
 * Linux gives an AF_INET6 socket. */
static void fill_meta6(const struct udp_pcb *pcb, const struct udp_dgram *d,
                       struct sock_meta *m)
{
    m->ifindex = d->ifindex;
    if (pcb->recv_pktinfo6) {
        m->has_pktinfo6 = true;
        m->dst6 = ust_addr_to_v4mapped(&d->daddr);
    }
    if (d->src.family != UST_AF_INET6)
        return;
    m->has_hoplimit = pcb->recv_hoplimit;
    m->hoplimit = d->hoplimit;
    m->has_tclass = pcb->recv_tclass;
    m->tclass = d->tos;
}

/* What the socket asked to learn about a datagram (RFC 1122 3.4: the
 * receiving interface, the specific destination, the IP options). */
static void fill_meta(const struct udp_pcb *pcb, const struct udp_dgram *d,
                      struct sock_meta *m)
{
    m->full_len = d->len;
    fill_meta6(pcb, d, m);
    if (d->src.family != UST_AF_INET)
        return; /* the IPPROTO_IP ones are about IPv4 datagrams (Linux) */
    if (pcb->recv_pktinfo) {
        m->has_pktinfo = true;
        m->ifindex = d->ifindex;
        m->spec_dst = d->spec_dst;
        m->dst = d->dst;
    }
    if (pcb->recv_tos) {
        m->has_tos = true;
        m->tos = d->tos;
    }
    if (pcb->recv_opts && d->opt_len) {
        m->has_opts = true;
        m->opt_len = d->opt_len;
        memcpy(m->opts, d->opts, d->opt_len);
    }
    int off = pcb->recv_retopts ? ipv4_srr_find(d->opts, d->opt_len) : -1;
    if (off >= 0) {
        m->retopt_len =
            (uint8_t)ipv4_srr_reverse(pcb->sock->st, d->opts + off, d->src.u.v4, m->retopts);
        m->has_retopts = m->retopt_len > 0;
    }
}

static void dequeue(struct udp_pcb *pcb, struct udp_dgram *d)
{
    pcb->head = d->next;
    if (!pcb->head)
        pcb->tail = NULL;
    pcb->queued--;
    pcb->queued_bytes -= d->len + UDP_DGRAM_OVERHEAD;
    free(d);
}

static ssize_t udp_sock_recvmsg(struct ust_sock *s, void *buf, size_t len, int flags,
                                struct sock_addr *from, struct sock_meta *meta)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    if (flags & MSG_OOB)
        return UST_ERR_NOTSUP;
    if (flags & MSG_ERRQUEUE)
        return udp_errq_recv(pcb, buf, len, flags, from, meta);
    if (udp_rxpmtu_ready(pcb)) /* Linux udpv6_recvmsg: before any datagram */
        return udp_rxpmtu_recv(pcb, from, meta);
    if (pcb->pending_err)
        return take_pending(pcb);
    struct udp_dgram *d = pcb->head;
    if (!d)
        return pcb->shut_rd ? 0 : UST_ERR_AGAIN;
    /* Datagram boundaries are kept: one call returns (part of) one
     * datagram and the rest of a truncated one is lost, as in Linux. */
    size_t n = d->len < len ? d->len : len;
    if (n)
        memcpy(buf, d->data, n);
    if (from) {
        from->addr = d->src;
        from->port = d->sport;
    }
    if (meta)
        fill_meta(pcb, d, meta);
    size_t real = d->len;
    if (!(flags & MSG_PEEK))
        dequeue(pcb, d);
    return (ssize_t)((flags & MSG_TRUNC) ? real : n);
}

static ssize_t udp_sock_recv(struct ust_sock *s, void *buf, size_t len, int flags,
                             struct sock_addr *from)
{
    return udp_sock_recvmsg(s, buf, len, flags, from, NULL);
}

static int udp_sock_shutdown(struct ust_sock *s, int how)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    if (how == SHUT_RD || how == SHUT_RDWR)
        pcb->shut_rd = true;
    if (how == SHUT_WR || how == SHUT_RDWR)
        pcb->shut_wr = true;
    transport_notify(s->st);
    /* Linux records the shutdown but still answers ENOTCONN when the
     * socket is not connected. */
    return pcb->connected ? UST_OK : UST_ERR_NOTCONN;
}

static void udp_sock_close(struct ust_sock *s)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    if (!pcb)
        return;
    udp_queue_clear(pcb);
    udp_errq_clear(pcb);
    udp_mcast_close(s->st, pcb); /* leaves its groups (RFC 3376 5.1) */
    if (pcb->lport != 0)
        udp_port_remove(s->st, pcb);
    free(pcb);
    s->pcb = NULL;
}

static short udp_sock_poll(struct ust_sock *s)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    short m = POLLOUT; /* datagrams go out at once: always writable */
    if (pcb->head || pcb->shut_rd)
        m |= POLLIN;
    if (pcb->pending_err || pcb->errq_head)
        m |= POLLERR; /* Linux: also while the error queue is not empty */
    if (pcb->shut_rd && pcb->shut_wr)
        m |= POLLHUP;
    return m;
}

static int udp_sock_getname(struct ust_sock *s, bool peer, struct sock_addr *a)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    if (peer) {
        if (!pcb->connected)
            return UST_ERR_NOTCONN;
        a->addr = pcb->raddr;
        a->port = pcb->rport;
    } else {
        a->addr = pcb->laddr;
        a->port = pcb->lport;
    }
    return UST_OK;
}

static int udp_sock_setsockopt(struct ust_sock *s, int level, int name, const void *val,
                               size_t len)
{
    struct udp_pcb *pcb = UDP_PCB(s);
    if (level == SOL_SOCKET) {
        /* socket.c keeps the generic options in struct ust_sock (read from
         * there when needed); nothing else at this level exists for UDP. */
        bool generic = name == SO_RCVBUF || name == SO_SNDBUF || name == SO_REUSEADDR ||
                       name == SO_BROADCAST;
        return generic ? UST_OK : UST_ERR_NOPROTOOPT;
    }
    if (level == IPPROTO_IPV6 && s->domain == AF_INET6)
    {
        int rc = udp_mcast6_setsockopt(s->st, pcb, name, val, len);
        return rc != UST_ERR_NOPROTOOPT ? rc : udp_ip6_setsockopt(s->st, pcb, name, val, len);
    }
    if (level != IPPROTO_IP)
        return UST_ERR_NOPROTOOPT;
    return udp_ip_setsockopt(s->st, pcb, name, val, len);
}

static int udp_sock_getsockopt(struct ust_sock *s, int level, int name, void *val, size_t *len)
{
    if (level == IPPROTO_IPV6 && s->domain == AF_INET6)
    {
        int rc = udp_mcast6_getsockopt(UDP_PCB(s), name, val, len);
        return rc != UST_ERR_NOPROTOOPT ? rc : udp_ip6_getsockopt(s->st, UDP_PCB(s), name, val, len);
    }
    if (level != IPPROTO_IP)
        return UST_ERR_NOPROTOOPT;
    return udp_ip_getsockopt(s->st, UDP_PCB(s), name, val, len);
}

static int udp_sock_take_error(struct ust_sock *s) { return take_pending(UDP_PCB(s)); }

const struct sock_ops udp_sock_ops = {
    .init = udp_sock_init,
    .bind = udp_sock_bind,
    .connect = udp_sock_connect,
    .listen = NULL, /* EOPNOTSUPP, as Linux */
    .accept = NULL,
    .send = udp_sock_send,
    .sendmsg = udp_sock_sendmsg,
    .recv = udp_sock_recv,
    .recvmsg = udp_sock_recvmsg,
    .shutdown = udp_sock_shutdown,
    .close = udp_sock_close,
    .poll = udp_sock_poll,
    .getname = udp_sock_getname,
    .setsockopt = udp_sock_setsockopt,
    .getsockopt = udp_sock_getsockopt,
    .take_error = udp_sock_take_error,
};
