/* The front's socket calls, callable from any thread: each takes the core
 * lock, runs its message (front_call) and, when it would block, sleeps on
 * the socket's condition variable until the readiness changes or the
 * SO_RCVTIMEO / SO_SNDTIMEO deadline passes, as the single-threaded API
 * loops in src/socket/socket.c. */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "front_impl.h"
#include "ustack/loop.h"

/* Takes the lock and the socket; NULL (EBADF, lock released) if fd is
 * not a front socket. */
static struct front_sock *enter(struct ust_front *f, int fd)
{
    pthread_mutex_lock(&f->lock);
    struct front_sock *fs = front_sock_get(f, fd);
    if (!fs) {
        pthread_mutex_unlock(&f->lock);
        errno = EBADF;
    }
    return fs;
}

/* Releases the socket and the lock; sets errno from m and returns ret. */
static ssize_t leave(struct ust_front *f, struct front_sock *fs, ssize_t ret, int err)
{
    front_sock_put(f, fs);
    pthread_mutex_unlock(&f->lock);
    if (ret < 0)
        errno = err;
    return ret;
}

static ust_time_t deadline_of(ust_time_t timeo)
{
    return timeo ? ust_clock_monotonic() + timeo : UST_TIME_NEVER;
}

/* Sleeps until the socket's readiness moves past seq. Returns 0 (retry),
 * EAGAIN at the deadline, EBADF when the socket was closed. */
static int wait_change(struct front_sock *fs, struct ust_front *f, uint64_t seq,
                       ust_time_t deadline)
{
    while (fs->seq == seq && !fs->closed) {
        if (deadline == UST_TIME_NEVER) {
            pthread_cond_wait(&fs->cond, &f->lock);
            continue;
        }
        if (ust_clock_monotonic() >= deadline)
            return EAGAIN;
        struct timespec ts = {.tv_sec = (time_t)(deadline / UST_SEC),
                              .tv_nsec = (long)(deadline % UST_SEC)};
        pthread_cond_timedwait(&fs->cond, &f->lock, &ts);
    }
    return fs->closed ? EBADF : 0;
}

/* One control call on an open socket, no waiting. */
static int simple_call(struct ust_front *f, int fd, struct front_msg *m)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    m->fs = fs;
    front_call(f, m);
    return (int)leave(f, fs, m->ret, m->err);
}

int ust_front_socket(struct ust_front *f, int domain, int type, int protocol)
{
    struct front_msg m = {.op = FOP_SOCKET, .a = domain, .b = type, .c = protocol};
    pthread_mutex_lock(&f->lock);
    front_call(f, &m);
    pthread_mutex_unlock(&f->lock);
    if (m.ret < 0)
        errno = m.err;
    return (int)m.ret;
}

int ust_front_bind(struct ust_front *f, int fd, const struct sockaddr *addr, socklen_t len)
{
    struct front_msg m = {.op = FOP_BIND, .in = addr, .inlen = len};
    return simple_call(f, fd, &m);
}

int ust_front_listen(struct ust_front *f, int fd, int backlog)
{
    struct front_msg m = {.op = FOP_LISTEN, .c = backlog};
    return simple_call(f, fd, &m);
}

int ust_front_shutdown(struct ust_front *f, int fd, int how)
{
    struct front_msg m = {.op = FOP_SHUTDOWN, .c = how};
    return simple_call(f, fd, &m);
}

int ust_front_close(struct ust_front *f, int fd)
{
    struct front_msg m = {.op = FOP_CLOSE};
    return simple_call(f, fd, &m);
}

int ust_front_setsockopt(struct ust_front *f, int fd, int level, int name, const void *val,
                         socklen_t len)
{
    struct front_msg m = {.op = FOP_SETSOCKOPT, .a = level, .b = name, .in = val, .inlen = len};
    return simple_call(f, fd, &m);
}

int ust_front_getsockopt(struct ust_front *f, int fd, int level, int name, void *val,
                         socklen_t *len)
{
    struct front_msg m = {.op = FOP_GETSOCKOPT, .a = level, .b = name, .out = val,
                          .outlenp = len};
    return simple_call(f, fd, &m);
}

int ust_front_getsockname(struct ust_front *f, int fd, struct sockaddr *addr, socklen_t *len)
{
    struct front_msg m = {.op = FOP_GETNAME, .a = 0, .from = addr, .outlenp = len};
    return simple_call(f, fd, &m);
}

int ust_front_getpeername(struct ust_front *f, int fd, struct sockaddr *addr, socklen_t *len)
{
    struct front_msg m = {.op = FOP_GETNAME, .a = 1, .from = addr, .outlenp = len};
    return simple_call(f, fd, &m);
}

int ust_front_set_nonblock(struct ust_front *f, int fd, bool on)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    fs->nonblock = on;
    return (int)leave(f, fs, 0, 0);
}

int ust_front_stack_fd(struct ust_front *f, int fd)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    return (int)leave(f, fs, fs->ufd, 0);
}

int ust_front_run(struct ust_front *f, ust_front_fn fn, void *ctx)
{
    struct front_msg m = {.op = FOP_RUN, .fn = fn, .ctx = ctx};
    pthread_mutex_lock(&f->lock);
    front_call(f, &m);
    pthread_mutex_unlock(&f->lock);
    return (int)m.ret;
}

/* A blocking connect the stack started: wait until the socket is
 * writable or failed, then its pending error decides (socket.c's
 * connect_wait). SO_SNDTIMEO expiry: EINPROGRESS, as Linux. */
static int connect_wait(struct ust_front *f, struct front_sock *fs)
{
    ust_time_t deadline = deadline_of(fs->sndtimeo);
    while (!(fs->mask & (POLLOUT | POLLERR | POLLHUP))) {
        int e = wait_change(fs, f, fs->seq, deadline);
        if (e)
            return leave(f, fs, -1, e == EAGAIN ? EINPROGRESS : e);
    }
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    struct front_msg m = {.op = FOP_GETSOCKOPT, .fs = fs, .a = SOL_SOCKET, .b = SO_ERROR,
                          .out = &soerr, .outlenp = &len};
    front_call(f, &m);
    if (m.ret < 0)
        return leave(f, fs, -1, m.err);
    if (soerr == 0 && !(fs->mask & POLLOUT))
        soerr = ECONNREFUSED;
    return leave(f, fs, soerr ? -1 : 0, soerr);
}

int ust_front_connect(struct ust_front *f, int fd, const struct sockaddr *addr, socklen_t len)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    struct front_msg m = {.op = FOP_CONNECT, .fs = fs, .in = addr, .inlen = len};
    front_call(f, &m);
    if (m.ret < 0 && m.err == EINPROGRESS && !fs->nonblock)
        return connect_wait(f, fs);
    return (int)leave(f, fs, m.ret, m.err);
}

int ust_front_accept(struct ust_front *f, int fd, struct sockaddr *addr, socklen_t *len,
                     int flags)
{
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
        errno = EINVAL; /* accept4(2) */
        return -1;
    }
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    ust_time_t deadline = deadline_of(fs->rcvtimeo);
    for (;;) {
        struct front_msg m = {.op = FOP_ACCEPT, .fs = fs, .from = addr, .outlenp = len,
                              .c = flags};
        front_call(f, &m);
        if (m.ret >= 0 || m.err != EAGAIN || fs->nonblock)
            return (int)leave(f, fs, m.ret, m.err);
        int e = wait_change(fs, f, m.seq, deadline);
        if (e)
            return (int)leave(f, fs, -1, e);
    }
}

/* socket.c's send_blocking over the front: a blocking stream send queues
 * everything unless SO_SNDTIMEO expires, the socket is closed or the
 * connection fails after some bytes were queued (then that count). */
ssize_t ust_front_sendto(struct ust_front *f, int fd, const void *buf, size_t len, int flags,
                         const struct sockaddr *to, socklen_t tolen)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    bool nonblock = fs->nonblock || (flags & MSG_DONTWAIT);
    bool stream = fs->type == SOCK_STREAM;
    ust_time_t deadline = deadline_of(fs->sndtimeo);
    size_t done = 0;
    for (;;) {
        struct front_msg m = {.op = FOP_SEND, .fs = fs, .in = (const char *)buf + done,
                              .inlen = len - done, .c = flags, .to = to, .tolen = tolen};
        front_call(f, &m);
        if (m.ret > 0)
            done += (size_t)m.ret;
        if (m.ret >= 0 && (done == len || !stream || nonblock))
            return leave(f, fs, (ssize_t)done, 0);
        if (m.ret < 0 && (m.err != EAGAIN || nonblock))
            return leave(f, fs, done ? (ssize_t)done : -1, m.err);
        if (done && (fs->mask & (POLLERR | POLLHUP)))
            return leave(f, fs, (ssize_t)done, 0); /* the error stays pending */
        if (m.ret > 0)
            continue; /* took some: try the rest before sleeping */
        int e = wait_change(fs, f, m.seq, deadline);
        if (e)
            return leave(f, fs, done ? (ssize_t)done : -1, e);
    }
}

ssize_t ust_front_send(struct ust_front *f, int fd, const void *buf, size_t len, int flags)
{
    return ust_front_sendto(f, fd, buf, len, flags, NULL, 0);
}

ssize_t ust_front_recvfrom(struct ust_front *f, int fd, void *buf, size_t len, int flags,
                           struct sockaddr *from, socklen_t *fromlen)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    /* MSG_OOB never waits (socket.c) */
    bool nonblock = fs->nonblock || (flags & (MSG_DONTWAIT | MSG_OOB));
    ust_time_t deadline = deadline_of(fs->rcvtimeo);
    for (;;) {
        struct front_msg m = {.op = FOP_RECV, .fs = fs, .out = buf, .outlen = len, .c = flags,
                              .from = from, .outlenp = fromlen};
        front_call(f, &m);
        if (m.ret >= 0 || m.err != EAGAIN || nonblock)
            return leave(f, fs, m.ret, m.err);
        int e = wait_change(fs, f, m.seq, deadline);
        if (e)
            return leave(f, fs, -1, e);
    }
}

ssize_t ust_front_recv(struct ust_front *f, int fd, void *buf, size_t len, int flags)
{
    return ust_front_recvfrom(f, fd, buf, len, flags, NULL, NULL);
}
