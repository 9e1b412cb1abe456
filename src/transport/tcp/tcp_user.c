/* The user side of TCP (RFC 9293 3.10.1-3.10.6): the operations the socket
 * layer calls through tcp_sock_ops. None of them blocks: they return
 * UST_ERR_AGAIN / UST_ERR_INPROGRESS and socket.c waits (blocking sockets)
 * on the poll mask.
 *
 * Contract with socket.c:
 *  - connect returns UST_ERR_INPROGRESS after sending the SYN; completion
 *    shows as POLLOUT (or POLLERR) and take_error gives the outcome (0,
 *    UST_ERR_CONNREFUSED, UST_ERR_TIMEDOUT, ...).
 *  - accept takes over child->pcb (a blank TCB that init may have put
 *    there is freed).
 *  - close never blocks: the TCB lives on alone (orphan) until it has sent
 *    its data and FIN and reached CLOSED. With SO_LINGER and a time,
 *    socket.c first calls linger, which starts the close, and waits while
 *    it answers UST_ERR_AGAIN. */
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "tcp.h"
#include "transport/tp_net.h"
#include "transport/sock_ops.h"
#include "wire/seq.h"

/* ---- operations ----------------------------------------------------------- */

static struct tcb *tcb_of(struct ust_sock *s) { return s->pcb; }

static int tcp_op_init(struct ust_sock *s)
{
    struct tcb *t = tcb_new(s->st);
    if (!t)
        return UST_ERR_NOMEM;
    t->sock = s;
    s->pcb = t;
    /* unbound: the wildcard of the socket's family (AF_INET6: ::) */
    t->v6sock = s->domain == AF_INET6;
    if (t->v6sock)
        t->laddr = ust_addr_from_ip6((const uint8_t[16]){0}, 0);
    else
        t->laddr = ust_addr_from_ip4(0);
    s->sndbuf = (int)t->snd.buf.cap;
    s->rcvbuf = (int)t->rcv.buf.cap;
    return UST_OK;
}

static int tcp_op_bind(struct ust_sock *s, const struct sock_addr *a)
{
    struct tcb *t = tcb_of(s);
    if (t->state != UST_TCP_CLOSED || t->in_ports)
        return UST_ERR_INVAL;
    if (!ust_addr_is_any(&a->addr) && !tp_is_local(s->st, &a->addr))
        return UST_ERR_ADDRNOTAVAIL;
    t->v6only = s->v6only;
    return tcb_bind(t, &a->addr, a->port, s->reuseaddr);
}

static bool bad_destination(const struct ust_stack *st, const struct ust_addr *d)
{
    /* RFC 9293 MUST-46: no connection to a broadcast or multicast address */
    if (d->family == UST_AF_INET6)
        return ust_addr_is_any(d) || d->u.v6[0] == 0xff;
    ust_ip4_t a = d->u.v4;
    return a == 0 || a == 0xffffffffu || (a >> 28) == 0xe || ipv4_is_broadcast(st, a);
}

/* MUST-44: the bound address, else the one routing picks for dst. */
static int connect_source(struct ust_stack *st, const struct tcb *t, const struct ust_addr *dst,
                          bool prefer_public, struct ust_addr *src)
{
    if (!ust_addr_is_any(&t->laddr)) {
        if (t->laddr.family != dst->family)
            return UST_ERR_NETUNREACH; /* bound to the other family */
        *src = t->laddr;
        return UST_OK;
    }
    if (tp_source_for(st, dst, prefer_public, src) != UST_OK)
        return UST_ERR_NETUNREACH;
    return UST_OK;
}

static int tcp_op_connect(struct ust_sock *s, const struct sock_addr *a)
{
    struct tcb *t = tcb_of(s);
    struct ust_stack *st = s->st;
    const struct ust_config *cfg = ust_stack_config(st);
    if (!a) { /* AF_UNSPEC: dissolve the association (Linux aborts it) */
        if (t->state == UST_TCP_LISTEN)
            return UST_ERR_INVAL;
        if (t->state != UST_TCP_CLOSED)
            tcp_drop(t, 0, true);
        return UST_OK;
    }
    if (t->state == UST_TCP_SYN_SENT || t->state == UST_TCP_SYN_RECEIVED)
        return UST_ERR_ALREADY;
    if (t->state != UST_TCP_CLOSED || (t->flags & TF_WAS_CONNECTED))
        return UST_ERR_ISCONN;
    if (bad_destination(st, &a->addr))
        return UST_ERR_NETUNREACH;
    if (a->port == 0)
        return UST_ERR_INVAL;
    struct ust_addr src;
    int rc = connect_source(st, t, &a->addr, tp_prefer_public(s), &src);
    if (rc != UST_OK)
        return rc;
    rc = t->in_ports ? UST_OK : tcb_bind_connect(t, &src, &a->addr, a->port);
    if (rc != UST_OK)
        return rc;
    t->laddr = src; /* MUST-45: this address for the whole connection */
    t->raddr = a->addr;
    t->rport = a->port;
    rc = tcb_hash_insert(t);
    if (rc != UST_OK)
        return rc;
    t->err = 0;
    tcb_init_conn(t);
    t->snd.iss = tcp_isn6(st, &t->laddr, t->lport, &t->raddr, t->rport, stack_now(st));
    t->snd.una = t->snd.nxt = t->snd.max = t->snd.sml = t->snd.iss;
    t->rec.recover = t->snd.iss;
    t->opt.wscale_offered = cfg->tcp_window_scaling;
    t->opt.ts_offered = cfg->tcp_timestamps;
    t->opt.sack_offered = cfg->tcp_sack;
    tcp_ecn_connect(t);
    t->opt.ts_offset = tcp_ts_offset(st, &t->laddr, t->lport, &t->raddr, t->rport);
    t->rxt.retries = 0;
    tcp_set_state(t, UST_TCP_SYN_SENT);
    tcp_output(t);
    return UST_ERR_INPROGRESS;
}

static int tcp_op_listen(struct ust_sock *s, int backlog)
{
    struct tcb *t = tcb_of(s);
    unsigned max = ust_stack_config(s->st)->tcp_max_backlog;
    unsigned b = backlog < 1 ? 1 : (unsigned)backlog;
    if (b > max)
        b = max;
    if (t->state == UST_TCP_LISTEN) {
        t->lsn.backlog = b;
        return UST_OK;
    }
    if (t->state != UST_TCP_CLOSED || (t->flags & TF_WAS_CONNECTED))
        return UST_ERR_INVAL;
    if (!t->in_ports) {
        t->v6only = s->v6only;
        int rc = tcb_bind_ephemeral(t, &t->laddr);
        if (rc != UST_OK)
            return rc;
    }
    /* MUST-41/42: a listener never touches existing connections on its port */
    if (tcb_listener_conflict(t))
        return UST_ERR_ADDRINUSE;
    t->lsn.backlog = b;
    tcp_set_state(t, UST_TCP_LISTEN);
    return UST_OK;
}

static int tcp_op_accept(struct ust_sock *s, struct ust_sock *child, struct sock_addr *peer)
{
    struct tcb *l = tcb_of(s);
    if (l->state != UST_TCP_LISTEN)
        return UST_ERR_INVAL;
    struct tcb *c = l->lsn.acceptq;
    if (!c)
        return UST_ERR_AGAIN;
    tcp_listener_remove_child(c);
    struct tcb *blank = child->pcb;
    if (blank && blank != c) {
        blank->sock = NULL;
        tcb_free(blank);
    }
    c->flags &= ~TF_ORPHAN;
    c->sock = child;
    child->pcb = c;
    child->sndbuf = (int)c->snd.buf.cap;
    child->rcvbuf = (int)c->rcv.buf.cap;
    if (peer) {
        peer->addr = c->raddr;
        peer->port = c->rport;
    }
    return UST_OK;
}

static ssize_t tcp_op_send(struct ust_sock *s, const void *buf, size_t len, int flags,
                           const struct sock_addr *to)
{
    struct tcb *t = tcb_of(s);
    (void)to;
    int soft = tcp_soft_error_due(t);
    if (soft)
        return soft;
    if (t->err) {
        int e = t->err;
        t->err = 0;
        return e;
    }
    if (t->flags & TF_FIN_QUEUED)
        return UST_ERR_PIPE;
    switch (t->state) {
    case UST_TCP_SYN_SENT:
    case UST_TCP_SYN_RECEIVED:
        return UST_ERR_AGAIN; /* wait for the handshake */
    case UST_TCP_ESTABLISHED:
    case UST_TCP_CLOSE_WAIT:
        break;
    case UST_TCP_CLOSED:
    case UST_TCP_LISTEN:
        return (t->flags & TF_WAS_CONNECTED) ? UST_ERR_PIPE : UST_ERR_NOTCONN;
    default:
        return UST_ERR_PIPE;
    }
    if (len == 0)
        return 0;
    long n = ring_write(&t->snd.buf, buf, len);
    if (n < 0)
        return n;
    t->chrono.app_waits = (size_t)n < len;
    if (n == 0) {
        tcp_chrono_after_output(t); /* held by its own buffer if all is sent */
        return UST_ERR_AGAIN;
    }
    tcp_chrono_start(t, CHRONO_BUSY);
    if (flags & MSG_OOB)
        tcp_urg_mark(t); /* RFC 9293 3.10.2: SND.UP = SND.NXT-to-be (MUST-30) */
    tcp_output(t);
    return n;
}

/* After the application read: tell the peer if the window opened enough
 * (receiver SWS avoidance decides what "enough" is). */
static void window_update(struct tcb *t)
{
    if (!tcp_state_synchronized(t->state) || (t->flags & TF_FIN_RCVD))
        return;
    uint32_t cur = seq_gt(t->rcv.adv, t->rcv.nxt) ? t->rcv.adv - t->rcv.nxt : 0;
    uint32_t now = tcp_rcv_window(t);
    if (now > cur && (cur == 0 || now >= 2 * cur)) {
        t->flags |= TF_ACK_NOW;
        tcp_output(t);
        return;
    }
    tcp_ack_after_read(t);
}

/* Consumes `skip` octets (the out-of-band one) and then up to n into buf. */
static size_t take_stream(struct tcb *t, void *buf, size_t n, size_t skip)
{
    ring_drop(&t->rcv.buf, skip);
    n = ring_read(&t->rcv.buf, buf, n);
    t->rcv.rd_seq += (uint32_t)(skip + n);
    tcp_urg_consumed(t);
    tcp_rcv_space_adjust(t); /* autotuning: may grow the ring (tcp_autotune.c) */
    window_update(t);
    return n;
}

static ssize_t tcp_op_recv(struct ust_sock *s, void *buf, size_t len, int flags,
                           struct sock_addr *from)
{
    struct tcb *t = tcb_of(s);
    if (from) {
        from->addr = t->raddr;
        from->port = t->rport;
    }
    if (flags & MSG_OOB)
        return tcp_urg_recv_oob(t, buf, len, flags);
    int soft = tcp_soft_error_due(t);
    if (soft)
        return soft;
    size_t skip;
    size_t avail = tcp_urg_readable(t, &skip); /* never across the urgent mark */
    if (avail) {
        if (len == 0)
            return 0;
        size_t n = len < avail ? len : avail;
        if (flags & MSG_PEEK)
            return (ssize_t)ring_peek(&t->rcv.buf, skip, buf, n);
        return (ssize_t)take_stream(t, buf, n, skip);
    }
    if (skip && !(flags & MSG_PEEK))
        take_stream(t, NULL, 0, skip); /* the out-of-band octet alone: passed (Linux) */
    if (t->flags & (TF_FIN_RCVD | TF_RD_SHUT))
        return 0;
    if (t->err) {
        int e = t->err;
        t->err = 0;
        return e;
    }
    switch (t->state) {
    case UST_TCP_CLOSED:
        return (t->flags & TF_WAS_CONNECTED) ? 0 : UST_ERR_NOTCONN;
    case UST_TCP_LISTEN:
        return UST_ERR_NOTCONN;
    default:
        return UST_ERR_AGAIN;
    }
}

/* CLOSE / shutdown(SHUT_WR): queue the FIN behind the data (RFC 9293 3.10.4). */
static void queue_fin(struct tcb *t)
{
    if (t->flags & TF_FIN_QUEUED)
        return;
    t->snd.fin_seq = tcp_snd_data_end(t);
    t->flags |= TF_FIN_QUEUED;
    if (t->state == UST_TCP_ESTABLISHED)
        tcp_set_state(t, UST_TCP_FIN_WAIT_1);
    else if (t->state == UST_TCP_CLOSE_WAIT)
        tcp_set_state(t, UST_TCP_LAST_ACK);
    /* SYN-RECEIVED: FIN-WAIT-1 once established (tcp_input) */
    tcp_output(t);
}

static int tcp_op_shutdown(struct ust_sock *s, int how)
{
    struct tcb *t = tcb_of(s);
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return UST_ERR_INVAL;
    if (t->state == UST_TCP_CLOSED || t->state == UST_TCP_LISTEN || t->state == UST_TCP_SYN_SENT)
        return UST_ERR_NOTCONN;
    if (how != SHUT_WR)
        t->flags |= TF_RD_SHUT;
    if (how != SHUT_RD)
        queue_fin(t);
    tcb_reap(t);
    return UST_OK;
}

static void close_listener(struct tcb *l)
{
    /* connections nobody accepted are reset (as Linux does) */
    while (l->lsn.acceptq) {
        struct tcb *c = l->lsn.acceptq;
        tcp_listener_remove_child(c);
        c->flags |= TF_ORPHAN;
        tcp_drop(c, UST_ERR_CONNRESET, true);
        tcb_reap(c);
    }
    tcb_free(l);
}

/* CLOSE of a connection (RFC 9293 3.10.4, as Linux tcp_close): a reset
 * when data would be lost or SO_LINGER is 0, else the FIN behind the data.
 * Calling it again changes nothing. */
static void close_begin(struct tcb *t)
{
    struct ust_tcp_stats *ts = &stack_stats(t->st)->tcp;
    bool unread = ring_len(&t->rcv.buf) > 0 || !asm_empty(&t->rcv.ooo);
    bool linger0 = t->so.linger_on && t->so.linger_sec == 0;
    if ((unread || linger0) && t->state != UST_TCP_TIME_WAIT) {
        /* RFC 1122 4.2.2.13 / RFC 9293 SHLD-3: data would be lost, say so */
        if (unread)
            ts->AbortOnClose++;
        else
            ts->AbortOnLinger++;
        tcp_drop(t, UST_ERR_CONNRESET, true);
        return;
    }
    queue_fin(t);
}

/* Our FIN (and so every byte before it) is not acknowledged yet: the
 * states Linux's close waits in under SO_LINGER (sk_stream_closing). */
static bool fin_unacked(const struct tcb *t)
{
    return t->state == UST_TCP_FIN_WAIT_1 || t->state == UST_TCP_CLOSING ||
           t->state == UST_TCP_LAST_ACK;
}

/* SO_LINGER with a time (Linux tcp_close + sk_stream_wait_close): the
 * close starts now and the socket counts as closed (data arriving resets
 * the connection, tcp_input take_text); the caller waits while our FIN is
 * unacknowledged, up to the linger time. */
static int tcp_op_linger(struct ust_sock *s, ust_time_t *timeo)
{
    struct tcb *t = tcb_of(s);
    if (!t->so.linger_on || t->so.linger_sec == 0 || !tcp_state_synchronized(t->state))
        return UST_OK;
    if (!(t->flags & TF_LINGERING)) {
        t->flags |= TF_LINGERING;
        close_begin(t);
    }
    *timeo = (ust_time_t)t->so.linger_sec * UST_SEC;
    return fin_unacked(t) ? UST_ERR_AGAIN : UST_OK;
}

static void tcp_op_close(struct ust_sock *s)
{
    struct tcb *t = tcb_of(s);
    if (!t)
        return;
    s->pcb = NULL;
    t->sock = NULL;
    t->flags |= TF_ORPHAN;
    switch (t->state) {
    case UST_TCP_LISTEN:
        close_listener(t);
        return;
    case UST_TCP_CLOSED:
    case UST_TCP_SYN_SENT:
        tcp_set_state(t, UST_TCP_CLOSED);
        tcb_reap(t);
        return;
    default:
        break;
    }
    if (tcp_orphan_begin(t)) { /* counted, or reset beyond tcp_max_orphans */
        close_begin(t);
        /* FIN-WAIT-2 reached before the close (shutdown(SHUT_WR)): the
         * tcp_fin_timeout starts now; else at the ACK of our FIN */
        tcp_fin_wait_2_timeout(t);
    }
    tcb_reap(t);
}

static short tcp_op_poll(struct ust_sock *s)
{
    struct tcb *t = tcb_of(s);
    short m = 0;
    if (t->state == UST_TCP_LISTEN)
        return t->lsn.acceptq ? POLLIN : 0;
    size_t skip;
    if (tcp_urg_readable(t, &skip) || (t->flags & (TF_FIN_RCVD | TF_RD_SHUT)))
        m |= POLLIN; /* (not for an out-of-band octet alone, as Linux) */
    if (t->flags & (TF_FIN_RCVD | TF_RD_SHUT))
        m |= POLLRDHUP; /* the peer's FIN or SHUT_RD: Linux RCV_SHUTDOWN */
    if (t->err)
        m |= POLLERR | POLLIN | POLLOUT;
    m |= tcp_urg_poll(t);  /* MUST-32 */
    m |= tcp_soft_poll(t); /* MUST-47 with IP_RECVERR */
    if ((t->state == UST_TCP_ESTABLISHED || t->state == UST_TCP_CLOSE_WAIT) &&
        !(t->flags & TF_FIN_QUEUED) && ring_space(&t->snd.buf) > 0)
        m |= POLLOUT;
    if (t->state == UST_TCP_CLOSED && (t->flags & TF_WAS_CONNECTED))
        m |= POLLHUP | POLLIN;
    if ((t->flags & TF_FIN_RCVD) && (t->flags & TF_FIN_QUEUED))
        m |= POLLHUP;
    return m;
}

static int tcp_op_getname(struct ust_sock *s, bool peer, struct sock_addr *a)
{
    struct tcb *t = tcb_of(s);
    if (peer) {
        if (!t->rport || !(t->state != UST_TCP_CLOSED || (t->flags & TF_WAS_CONNECTED)))
            return UST_ERR_NOTCONN;
        a->addr = t->raddr;
        a->port = t->rport;
    } else {
        a->addr = t->laddr;
        a->port = t->lport;
    }
    return UST_OK;
}

static int tcp_op_atmark(struct ust_sock *s) { return tcp_urg_at_mark(tcb_of(s)); }

static int tcp_op_take_error(struct ust_sock *s)
{
    struct tcb *t = tcb_of(s);
    int e = t->err;
    t->err = 0;
    if (!e) /* Linux: SO_ERROR reports (and clears) a soft error too */
        e = tcp_take_soft_error(t);
    return e;
}

const struct sock_ops tcp_sock_ops = {
    .init = tcp_op_init,
    .bind = tcp_op_bind,
    .connect = tcp_op_connect,
    .listen = tcp_op_listen,
    .accept = tcp_op_accept,
    .send = tcp_op_send,
    .recv = tcp_op_recv,
    .shutdown = tcp_op_shutdown,
    .linger = tcp_op_linger,
    .close = tcp_op_close,
    .poll = tcp_op_poll,
    .getname = tcp_op_getname,
    .setsockopt = tcp_setsockopt,
    .getsockopt = tcp_getsockopt,
    .take_error = tcp_op_take_error,
    .atmark = tcp_op_atmark,
};
