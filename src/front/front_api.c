/* The front's socket calls, callable from any thread: each takes the core
 * lock, runs its message (front_call) and, when it would block, sleeps on
 * the socket's condition variable until the readiness changes or the
 * SO_RCVTIMEO / SO_SNDTIMEO deadline passes, as the single-threaded API
 * loops in src/socket/socket.c. */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "core/signals.h"
#include "front_impl.h"
#include "ustack/loop.h"
#include "ustack/socket.h"

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

/* Does the descriptor already show `want` (the doorbell or end of stream
 * for POLLIN, an open gate or hang-up for POLLOUT)? */
static bool mirror_shows(const struct front_sock *fs, short want)
{
    if (want == POLLIN)
        return fs->bell_rung || fs->rd_shut || fs->hup;
    return !fs->gate_shut || fs->hup;
}

/* Sleeps in ppoll() on the socket's kernel descriptor (the lock released)
 * until the mirror shows `want`, the deadline passes or a signal handler
 * runs in this thread: EINTR unless the kernel would restart the call.
 * It watches the loop's epoll descriptor too: when frames arrive it runs
 * the turn itself (front_direct_turn) instead of waiting for the stack
 * thread to read them and ring the socket's doorbell (two hand-offs in
 * series). Whoever takes the core lock first reads the frames; the other
 * finds nothing to do. */
static int wait_fd(struct ust_front *f, int fd, short want, ust_time_t deadline)
{
    struct timespec ts, *tsp = NULL;
    if (deadline != UST_TIME_NEVER) {
        ust_time_t now = ust_clock_monotonic();
        ust_time_t d = deadline > now ? deadline - now : 0;
        ts.tv_sec = (time_t)(d / UST_SEC);
        ts.tv_nsec = (long)(d % UST_SEC);
        tsp = &ts;
    }
    bool direct = !f->data_messages;
    if (direct)
        atomic_fetch_add(&f->direct_waiters, 1);
    pthread_mutex_unlock(&f->lock);
    struct pollfd p[2] = {{.fd = fd, .events = want},
                          {.fd = ust_loop_fd(f->loop), .events = POLLIN}};
    int r = ppoll(p, direct ? 2 : 1, tsp, NULL);
    /* The kernel would restart the call after a handler with SA_RESTART
     * only without a timeout (signal(7), "Interruption of system calls");
     * ppoll does not say which signal ran, so one handler without it
     * interrupts, and none at all leaves the EINTR to the kernel's own
     * task work (signals.h). */
    bool interrupted = r < 0 && errno == EINTR &&
                       signal_handler_interrupts(deadline == UST_TIME_NEVER);
    pthread_mutex_lock(&f->lock);
    if (direct)
        atomic_fetch_sub(&f->direct_waiters, 1);
    if (interrupted)
        return EINTR;
    if (r > 0 && (p[0].revents & POLLNVAL))
        return EBADF;
    if (r > 0 && (p[1].revents & POLLIN))
        front_direct_turn(f); /* frames: maybe the reply this call waits for */
    return 0;
}

/* Sleeps until the socket's readiness moves past seq. Returns 0 (retry),
 * EAGAIN at the deadline, EBADF when the socket was closed, EINTR when a
 * signal handler interrupted it. While the descriptor does not show
 * `want`, the wait is a poll() on it, which a signal interrupts as it
 * interrupts the kernel's own socket calls; otherwise (a socket readable
 * by the mirror but whose call still would block, e.g. only an urgent
 * byte) on the condition variable, so that the wait never spins. */
static int wait_change(struct front_sock *fs, struct ust_front *f, uint64_t seq,
                       ust_time_t deadline, int fd, short want)
{
    while (fs->seq == seq && !fs->closed) {
        if (deadline != UST_TIME_NEVER && ust_clock_monotonic() >= deadline)
            return EAGAIN;
        if (!mirror_shows(fs, want)) {
            int e = wait_fd(f, fd, want, deadline);
            if (e)
                return e;
            continue;
        }
        if (deadline == UST_TIME_NEVER) {
            pthread_cond_wait(&fs->cond, &f->lock);
            continue;
        }
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
    struct front_msg m = {.op = FOP_CLOSE, .a = fd};
    return simple_call(f, fd, &m);
}

int ust_front_dup(struct ust_front *f, int fd, int newfd)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    int rc = front_sock_name(f, fs, newfd);
    return (int)leave(f, fs, rc, errno);
}

int ust_front_nonblock(struct ust_front *f, int fd)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    return (int)leave(f, fs, fs->nonblock, 0);
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

struct ust_loop *ust_front_loop(struct ust_front *f) { return f->loop; }

bool front_turn_wait(struct ust_front *f, ust_time_t deadline)
{
    if (deadline != UST_TIME_NEVER && ust_clock_monotonic() >= deadline)
        return false;
    if (deadline == UST_TIME_NEVER) {
        pthread_cond_wait(&f->turn_cond, &f->lock);
        return true;
    }
    struct timespec ts = {.tv_sec = (time_t)(deadline / UST_SEC),
                          .tv_nsec = (long)(deadline % UST_SEC)};
    pthread_cond_timedwait(&f->turn_cond, &f->lock, &ts);
    return true;
}

/* Polls ufd under the lock after every turn of the stack (front_mirror_all
 * broadcasts turn_cond while someone waits here): no wake-ups while the
 * stack is idle, no lost one since readiness is checked under the lock. */
int ust_front_wait_stack_fd(struct ust_front *f, int ufd, short events, ust_time_t deadline)
{
    pthread_mutex_lock(&f->lock);
    f->stack_waiters++;
    int rc = 0;
    for (;;) {
        struct pollfd p = {.fd = ufd, .events = events};
        if (ufd >= 0 && ust_poll(f->st, &p, 1, 0) != 0) {
            rc = 1;
            break;
        }
        if (!front_turn_wait(f, deadline))
            break;
    }
    f->stack_waiters--;
    pthread_mutex_unlock(&f->lock);
    return rc;
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
static int connect_wait(struct ust_front *f, struct front_sock *fs, int fd)
{
    ust_time_t deadline = deadline_of(fs->sndtimeo);
    while (!(fs->mask & (POLLOUT | POLLERR | POLLHUP))) {
        int e = wait_change(fs, f, fs->seq, deadline, fd, POLLOUT);
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
        return connect_wait(f, fs, fd);
    return (int)leave(f, fs, m.ret, m.err);
}

/* Runs the call tmpl describes on the stack's turn until it is done, or
 * would block on a non-blocking socket, or waiting for `want` on fd
 * passes the deadline (the loop of accept, recvfrom, recvmsg, sendmsg). */
static ssize_t call_waiting(struct ust_front *f, struct front_sock *fs, int fd,
                            const struct front_msg *tmpl, bool nonblock, ust_time_t deadline,
                            short want)
{
    for (;;) {
        struct front_msg m = *tmpl;
        front_call(f, &m);
        if (m.ret >= 0 || m.err != EAGAIN || nonblock)
            return leave(f, fs, m.ret, m.err);
        int e = wait_change(fs, f, m.seq, deadline, fd, want);
        if (e)
            return leave(f, fs, -1, e);
    }
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
    struct front_msg m = {.op = FOP_ACCEPT, .fs = fs, .from = addr, .outlenp = len, .c = flags};
    return (int)call_waiting(f, fs, fd, &m, fs->nonblock, deadline, POLLIN);
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
        int e = wait_change(fs, f, m.seq, deadline, fd, POLLOUT);
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
    struct front_msg m = {.op = FOP_RECV, .fs = fs, .out = buf, .outlen = len, .c = flags,
                          .from = from, .outlenp = fromlen};
    return call_waiting(f, fs, fd, &m, nonblock, deadline, POLLIN);
}

/* recvmsg / sendmsg with control messages (RFC 3542, IP_PKTINFO,
 * MSG_ERRQUEUE), waiting as recvfrom / a datagram sendto do. */
ssize_t ust_front_recvmsg(struct ust_front *f, int fd, struct msghdr *msg, int flags)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    bool nonblock = fs->nonblock || (flags & (MSG_DONTWAIT | MSG_OOB | MSG_ERRQUEUE));
    ust_time_t deadline = deadline_of(fs->rcvtimeo);
    struct front_msg m = {.op = FOP_RECVMSG, .fs = fs, .msg = msg, .c = flags};
    return call_waiting(f, fs, fd, &m, nonblock, deadline, POLLIN);
}

ssize_t ust_front_sendmsg(struct ust_front *f, int fd, const struct msghdr *msg, int flags)
{
    struct front_sock *fs = enter(f, fd);
    if (!fs)
        return -1;
    bool nonblock = fs->nonblock || (flags & MSG_DONTWAIT);
    ust_time_t deadline = deadline_of(fs->sndtimeo);
    struct front_msg m = {.op = FOP_SENDMSG, .fs = fs, .msg = (struct msghdr *)msg, .c = flags};
    return call_waiting(f, fs, fd, &m, nonblock, deadline, POLLOUT);
}

ssize_t ust_front_recv(struct ust_front *f, int fd, void *buf, size_t len, int flags)
{
    return ust_front_recvfrom(f, fd, buf, len, flags, NULL, NULL);
}
