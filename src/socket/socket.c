/* The BSD-style socket API: descriptor table, argument validation and
 * errno mapping, dispatch to the protocol's sock_ops, and blocking (by
 * running the stack's waiter until the operation can complete). Options
 * are in sockopt.c, ust_poll and the readiness eventfd in poll.c. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev/dev_host.h" /* stack_tx_hold, stack_tx_release: a send call is one burst */
#include "sock_impl.h"
#include "ustack/config.h"
#include "ustack/stack.h"
#include "ustack/socket.h"

/* Linux defaults for SO_SNDBUF (wmem_default) and TCP's buffers, used
 * until the protocol's init sets its own. */
#define SOCK_DEFAULT_SNDBUF 212992
#define SOCK_TCP_DEFAULT_RCVBUF 131072
#define SOCK_TCP_DEFAULT_SNDBUF 16384

ust_time_t sock_time_add(ust_time_t now, ust_time_t d)
{
    return d >= UST_TIME_NEVER - now ? UST_TIME_NEVER : now + d;
}

int sock_wait_once(struct ust_stack *st, struct sock_wait *w)
{
    /* Without a waiter nobody can run the network for us: a blocking call
     * that would block fails with EAGAIN (documented in socket.h). */
    if (!stack_has_waiter(st) || w->expired)
        return UST_ERR_AGAIN;
    ust_time_t now = ust_stack_now(st);
    if (!w->started) {
        w->deadline = w->timeo ? sock_time_add(now, w->timeo) : UST_TIME_NEVER;
        w->started = true;
    }
    if (now >= w->deadline)
        return UST_ERR_AGAIN;
    /* What this call has sent so far goes out before we sleep (stack_wait). */
    int rc = stack_wait(st, w->deadline);
    switch (rc) {
    case UST_ERR_TIMEDOUT:
        /* Nothing will happen before the deadline (the simulator has moved
         * its clock there, or nothing can ever happen): one more try of the
         * operation, then give up, even without a deadline, not hang. */
        w->expired = true;
        return 0;
    case UST_ERR_AGAIN:
        return UST_ERR_INTR; /* the real loop's epoll_wait saw a signal */
    default:
        return rc < 0 ? rc : 0;
    }
}

/* ---- descriptor table ------------------------------------------------ */

struct ust_sock *sock_get(struct ust_stack *st, int fd)
{
    if (!st)
        return NULL;
    const struct sock_table *t = stack_socks(st);
    if (fd < 0 || (unsigned)fd >= t->cap)
        return NULL;
    /* Every socket call is an entry point: bring the stack's time up to
     * the installed clock, so what the call sends (a SYN, data, timers it
     * arms) carries the current time, not that of the last poll. */
    ust_stack_now(st);
    return t->v[fd];
}

/* Lowest free descriptor, as POSIX requires; the table grows up to
 * cfg.max_sockets. Returns the fd or -errno. */
static int table_alloc(struct ust_stack *st, struct ust_sock *s)
{
    struct sock_table *t = stack_socks(st);
    for (unsigned i = 0; i < t->cap; i++) {
        if (!t->v[i]) {
            t->v[i] = s;
            t->used++;
            return (int)i;
        }
    }
    unsigned max = ust_stack_config(st)->max_sockets;
    if (t->cap >= max)
        return -EMFILE;
    unsigned cap = t->cap ? t->cap * 2 : 16;
    if (cap > max)
        cap = max;
    struct ust_sock **v = realloc(t->v, cap * sizeof(*v));
    if (!v)
        return -ENOMEM;
    memset(v + t->cap, 0, (cap - t->cap) * sizeof(*v));
    unsigned fd = t->cap;
    t->v = v;
    t->cap = cap;
    t->v[fd] = s;
    t->used++;
    return (int)fd;
}

/* A new socket in the table (no pcb yet). Returns NULL with errno set. */
static struct ust_sock *sock_new(struct ust_stack *st, int type, const struct sock_ops *ops)
{
    struct ust_sock *s = calloc(1, sizeof(*s));
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    int fd = table_alloc(st, s);
    if (fd < 0) {
        free(s);
        errno = -fd;
        return NULL;
    }
    s->st = st;
    s->fd = fd;
    s->type = type;
    s->ops = ops;
    return s;
}

static void sock_release(struct ust_stack *st, struct ust_sock *s)
{
    struct sock_table *t = stack_socks(st);
    t->v[s->fd] = NULL;
    t->used--;
    free(s);
}

void sock_table_destroy(struct ust_stack *st)
{
    struct sock_table *t = stack_socks(st);
    for (unsigned i = 0; i < t->cap; i++) {
        struct ust_sock *s = t->v[i];
        if (!s)
            continue;
        if (s->ops->close)
            s->ops->close(s);
        free(s);
    }
    free(t->v);
    if (t->has_event_fd)
        close(t->event_fd);
    memset(t, 0, sizeof(*t));
}

/* ---- addresses --------------------------------------------------------- */

static sa_family_t family_of(const struct sockaddr *sa)
{
    sa_family_t f;
    memcpy(&f, sa, sizeof(f));
    return f;
}

/* ---- creation, binding, connecting --------------------------------------- */

static const struct sock_ops *ops_for(int type, int protocol, int *eno)
{
    if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
        return &udp_sock_ops;
    if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
        return &tcp_sock_ops;
    if (type == SOCK_DGRAM || type == SOCK_STREAM)
        *eno = EPROTONOSUPPORT;
    else if (type < 0 || type > SOCK_PACKET)
        *eno = EINVAL;
    else
        *eno = ESOCKTNOSUPPORT;
    return NULL;
}

int ust_socket(struct ust_stack *st, int domain, int type, int protocol)
{
    if (!st)
        return sock_fail(EINVAL);
    if (domain != AF_INET && domain != AF_INET6) /* RFC 3493 3.1 */
        return sock_fail(EAFNOSUPPORT);
    int flags = type & ~0xf;
    int base = type & 0xf;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return sock_fail(EINVAL);
    int eno = 0;
    const struct sock_ops *ops = ops_for(base, protocol, &eno);
    if (!ops)
        return sock_fail(eno);
    if (!ops->init)
        return sock_fail(EPROTONOSUPPORT); /* protocol not built yet */
    struct ust_sock *s = sock_new(st, base, ops);
    if (!s)
        return -1;
    s->nonblock = (flags & SOCK_NONBLOCK) != 0;
    s->domain = domain;
    if (base == SOCK_DGRAM) {
        size_t rcvbuf = ust_stack_config(st)->udp_rcvbuf;
        s->rcvbuf = rcvbuf > (size_t)INT32_MAX ? INT32_MAX : (int)rcvbuf;
        s->sndbuf = SOCK_DEFAULT_SNDBUF;
    } else {
        s->rcvbuf = SOCK_TCP_DEFAULT_RCVBUF;
        s->sndbuf = SOCK_TCP_DEFAULT_SNDBUF;
    }
    int rc = ops->init(s);
    if (rc < 0) {
        sock_release(st, s);
        return sock_fail_err(rc);
    }
    return s->fd;
}

int ust_bind(struct ust_stack *st, int fd, const struct sockaddr *addr, socklen_t len)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    struct sock_addr a;
    int eno = sock_addr_from_user(s, addr, len, true, &a);
    if (eno)
        return sock_fail(eno == ENETUNREACH ? EINVAL : eno); /* mapped on v6only: Linux */
    /* Linux tolerates AF_UNSPEC for bind only with INADDR_ANY. */
    if (family_of(addr) == AF_UNSPEC && !ust_addr_is_any(&a.addr))
        return sock_fail(EAFNOSUPPORT);
    /* RFC 4007 6: a link-local address needs its interface */
    if (a.addr.family == AF_INET6 && a.addr.u.v6[0] == 0xfe && (a.addr.u.v6[1] & 0xc0) == 0x80 &&
        !a.addr.scope_id)
        return sock_fail(EINVAL);
    if (!s->ops->bind)
        return sock_fail(EOPNOTSUPP);
    int rc = s->ops->bind(s, &a);
    return rc < 0 ? sock_fail_err(rc) : 0;
}

/* A blocking connect that the protocol started (UST_ERR_INPROGRESS): run
 * the stack until the socket is writable or failed. */
static int connect_wait(struct ust_stack *st, struct ust_sock *s)
{
    struct sock_wait w = {.timeo = s->sndtimeo};
    for (;;) {
        short m = s->ops->poll ? s->ops->poll(s) : 0;
        if (m & (POLLOUT | POLLERR | POLLHUP)) {
            int err = s->ops->take_error ? s->ops->take_error(s) : 0;
            if (err == 0 && !(m & POLLOUT))
                err = UST_ERR_CONNREFUSED;
            return err < 0 ? sock_fail_err(err) : 0;
        }
        int rc = sock_wait_once(st, &w);
        if (rc == UST_ERR_AGAIN)
            return sock_fail(EINPROGRESS); /* Linux: SO_SNDTIMEO expiry */
        if (rc < 0)
            return sock_fail_err(rc);
    }
}

int ust_connect(struct ust_stack *st, int fd, const struct sockaddr *addr, socklen_t len)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (!addr)
        return sock_fail(EFAULT);
    if (len < sizeof(sa_family_t))
        return sock_fail(EINVAL);
    if (!s->ops->connect)
        return sock_fail(EOPNOTSUPP);
    int rc;
    if (family_of(addr) == AF_UNSPEC) {
        rc = s->ops->connect(s, NULL); /* dissolve the association */
    } else {
        struct sock_addr a;
        int eno = sock_addr_from_user(s, addr, len, false, &a);
        if (eno)
            return sock_fail(eno);
        rc = s->ops->connect(s, &a);
    }
    if (rc == UST_ERR_INPROGRESS && !s->nonblock)
        return connect_wait(st, s);
    return rc < 0 ? sock_fail_err(rc) : 0;
}

int ust_listen(struct ust_stack *st, int fd, int backlog)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (!s->ops->listen)
        return sock_fail(EOPNOTSUPP);
    int rc = s->ops->listen(s, backlog);
    return rc < 0 ? sock_fail_err(rc) : 0;
}

/* The accepted socket inherits the listener's options (Linux clones
 * them), except O_NONBLOCK, which accept(2) does not pass on. */
static void inherit_options(struct ust_sock *child, const struct ust_sock *s)
{
    child->reuseaddr = s->reuseaddr;
    child->broadcast = s->broadcast;
    child->rcvtimeo = s->rcvtimeo;
    child->sndtimeo = s->sndtimeo;
    child->rcvbuf = s->rcvbuf;
    child->sndbuf = s->sndbuf;
    child->domain = s->domain;
    child->v6only = s->v6only;
    child->srcprefs = s->srcprefs; /* IPV6_ADDR_PREFERENCES (Linux copies the ipv6 state) */
}

int ust_accept(struct ust_stack *st, int fd, struct sockaddr *addr, socklen_t *len)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (addr && !len)
        return sock_fail(EFAULT);
    if (!s->ops->accept)
        return sock_fail(EOPNOTSUPP);
    struct ust_sock *child = sock_new(st, s->type, s->ops);
    if (!child)
        return -1;
    inherit_options(child, s);
    struct sock_wait w = {.timeo = s->rcvtimeo};
    struct sock_addr peer = {.port = 0};
    int rc;
    for (;;) {
        rc = s->ops->accept(s, child, &peer);
        if (rc != UST_ERR_AGAIN || s->nonblock)
            break;
        int wr = sock_wait_once(st, &w);
        if (wr < 0) {
            rc = wr;
            break;
        }
    }
    if (rc < 0) {
        sock_release(st, child);
        return sock_fail_err(rc);
    }
    if (addr)
        sock_addr_to_user(s, &peer, addr, len);
    return child->fd;
}

/* ---- data ------------------------------------------------------------ */

ssize_t ust_sendto(struct ust_stack *st, int fd, const void *buf, size_t len, int flags,
                   const struct sockaddr *to, socklen_t tolen)
{
    return sock_sendto_tx(st, fd, buf, len, flags, to, tolen, NULL);
}

/* After a partial send: has the stream failed or closed while we waited?
 * Then the call returns what it queued and leaves the error pending for
 * the next call, as Linux's tcp_sendmsg does (do_error with copied > 0). */
static bool stream_broken(struct ust_sock *s)
{
    short m = s->ops->poll ? s->ops->poll(s) : 0;
    return (m & (POLLERR | POLLHUP)) != 0;
}

/* A blocking send on a stream queues everything before it returns, as
 * Linux's sk_stream_wait_memory loop does: it returns a partial count only
 * when SO_SNDTIMEO expires, the wait is interrupted (a signal in the real
 * loop) or the connection fails after some bytes were queued; with nothing
 * queued it fails with that error. A datagram is sent whole or not at all;
 * non-blocking sockets and MSG_DONTWAIT take what fits. */
static ssize_t send_blocking(struct ust_stack *st, struct ust_sock *s, const char *buf,
                             size_t len, int flags, const struct sock_addr *ap,
                             const struct sock_tx_meta *tx)
{
    bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
    bool stream = s->type == SOCK_STREAM;
    struct sock_wait w = {.timeo = s->sndtimeo};
    size_t done = 0;
    for (;;) {
        ssize_t rc = tx ? s->ops->sendmsg(s, buf + done, len - done, flags, ap, tx)
                        : s->ops->send(s, buf + done, len - done, flags, ap);
        if (rc > 0)
            done += (size_t)rc;
        if (rc >= 0 && (done == len || !stream || nonblock))
            return (ssize_t)done;
        if (rc < 0 && (rc != UST_ERR_AGAIN || nonblock))
            return done ? (ssize_t)done : sock_fail_err((int)rc);
        int wr = sock_wait_once(st, &w);
        if (wr < 0)
            return done ? (ssize_t)done : sock_fail_err(wr);
        if (done && stream_broken(s))
            return (ssize_t)done;
    }
}

ssize_t sock_sendto_tx(struct ust_stack *st, int fd, const void *buf, size_t len, int flags,
                       const struct sockaddr *to, socklen_t tolen, const struct sock_tx_meta *tx)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (!buf && len > 0)
        return sock_fail(EFAULT);
    struct sock_addr a, *ap = NULL;
    /* A stream socket ignores the address, as on Linux. */
    if (to && s->type == SOCK_DGRAM) {
        int eno = sock_addr_from_user(s, to, tolen, true, &a);
        if (eno)
            return sock_fail(eno);
        ap = &a;
    }
    if (!s->ops->send)
        return sock_fail(EOPNOTSUPP);
    if (tx && !s->ops->sendmsg)
        return sock_fail(EINVAL);
    /* The segments of one send call are one burst of output. */
    stack_tx_hold(st);
    ssize_t rc = send_blocking(st, s, buf, len, flags, ap, tx);
    stack_tx_release(st);
    return rc;
}

ssize_t ust_send(struct ust_stack *st, int fd, const void *buf, size_t len, int flags)
{
    return ust_sendto(st, fd, buf, len, flags, NULL, 0);
}

ssize_t ust_write(struct ust_stack *st, int fd, const void *buf, size_t len)
{
    return ust_sendto(st, fd, buf, len, 0, NULL, 0);
}

ssize_t ust_recvfrom(struct ust_stack *st, int fd, void *buf, size_t len, int flags,
                     struct sockaddr *from, socklen_t *fromlen)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if ((!buf && len > 0) || (from && !fromlen))
        return sock_fail(EFAULT);
    if (!s->ops->recv)
        return sock_fail(EOPNOTSUPP);
    /* MSG_OOB never waits (Linux, BSD): the urgent octet is not here yet */
    bool nonblock = s->nonblock || (flags & (MSG_DONTWAIT | MSG_OOB));
    struct sock_wait w = {.timeo = s->rcvtimeo};
    struct sock_addr a = {.port = 0};
    ssize_t rc;
    for (;;) {
        rc = s->ops->recv(s, buf, len, flags, &a);
        if (rc >= 0)
            break;
        if (rc != UST_ERR_AGAIN || nonblock)
            return sock_fail_err((int)rc);
        int wr = sock_wait_once(st, &w);
        if (wr < 0)
            return sock_fail_err(wr);
    }
    if (from) {
        if (s->type == SOCK_DGRAM)
            sock_addr_to_user(s, &a, from, fromlen);
        else
            *fromlen = 0; /* a stream has no per-message source (Linux) */
    }
    return rc;
}

ssize_t ust_recv(struct ust_stack *st, int fd, void *buf, size_t len, int flags)
{
    return ust_recvfrom(st, fd, buf, len, flags, NULL, NULL);
}

ssize_t ust_read(struct ust_stack *st, int fd, void *buf, size_t len)
{
    return ust_recvfrom(st, fd, buf, len, 0, NULL, NULL);
}

/* ---- teardown and names ----------------------------------------------- */

int ust_shutdown(struct ust_stack *st, int fd, int how)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return sock_fail(EINVAL);
    if (!s->ops->shutdown)
        return sock_fail(EOPNOTSUPP);
    int rc = s->ops->shutdown(s, how);
    return rc < 0 ? sock_fail_err(rc) : 0;
}

/* SO_LINGER with a time (socket(7)): close returns once the peer has
 * acknowledged all we sent and our FIN, or when the linger time is over
 * (Linux sk_stream_wait_close; the close then goes on in the background
 * and close still returns 0, as after an interrupted wait). Linux waits
 * on O_NONBLOCK sockets too, unlike BSD, and so does ustack. */
static void close_linger(struct ust_stack *st, struct ust_sock *s)
{
    ust_time_t timeo = 0;
    if (!s->ops->linger || s->ops->linger(s, &timeo) != UST_ERR_AGAIN)
        return;
    struct sock_wait w = {.timeo = timeo};
    while (sock_wait_once(st, &w) == 0 && s->ops->linger(s, &timeo) == UST_ERR_AGAIN)
        ;
}

int ust_close(struct ust_stack *st, int fd)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    close_linger(st, s);
    if (s->ops->close)
        s->ops->close(s);
    sock_release(st, s);
    return 0;
}

static int getname(struct ust_stack *st, int fd, bool peer, struct sockaddr *addr,
                   socklen_t *len)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (!addr || !len)
        return sock_fail(EFAULT);
    if (!s->ops->getname)
        return sock_fail(EOPNOTSUPP);
    struct sock_addr a = {.port = 0};
    int rc = s->ops->getname(s, peer, &a);
    if (rc < 0)
        return sock_fail_err(rc);
    sock_addr_to_user(s, &a, addr, len);
    return 0;
}

int ust_getsockname(struct ust_stack *st, int fd, struct sockaddr *addr, socklen_t *len)
{
    return getname(st, fd, false, addr, len);
}

int ust_getpeername(struct ust_stack *st, int fd, struct sockaddr *addr, socklen_t *len)
{
    return getname(st, fd, true, addr, len);
}

int ust_sockatmark(struct ust_stack *st, int fd)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (!s->ops->atmark)
        return sock_fail(ENOTTY); /* Linux: SIOCATMARK on a UDP socket */
    int rc = s->ops->atmark(s);
    return rc < 0 ? sock_fail_err(rc) : rc;
}

int ust_set_nonblock(struct ust_stack *st, int fd, int on)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    s->nonblock = on != 0;
    return 0;
}
