/* The front's sockets: the table keyed by the application's kernel
 * descriptor, and the readiness mirror on the socketpair (front.h says
 * what each poll bit of the descriptor means). All under the core lock. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "front_impl.h"
#include "ustack/socket.h"

/* Larger than a quarter of the smallest send buffer (4608 bytes on Linux,
 * which counts the datagram's kernel overhead too): one such datagram
 * unread makes the sending end not writable (unix_writable). */
#define FRONT_GATE_BYTES 1024

static const unsigned char front_gate[FRONT_GATE_BYTES];

static int table_put(struct ust_front *f, int fd, struct front_sock *fs)
{
    if ((unsigned)fd >= f->nsocks) {
        unsigned n = f->nsocks ? f->nsocks : 64;
        while (n <= (unsigned)fd)
            n *= 2;
        struct front_sock **v = realloc(f->socks, n * sizeof(*v));
        if (!v)
            return -1;
        memset(v + f->nsocks, 0, (n - f->nsocks) * sizeof(*v));
        f->socks = v;
        f->nsocks = n;
    }
    f->socks[fd] = fs;
    return 0;
}

/* The socketpair for stack descriptor ufd: [0] the application's
 * (FD_CLOEXEC only with SOCK_CLOEXEC), [1] the stack thread's. */
static int pair_open(int sv[2], int flags)
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    int one = 1;
    if ((!(flags & SOCK_CLOEXEC) && fcntl(sv[0], F_SETFD, 0) < 0) ||
        setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one)) < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    return 0;
}

/* A front socket for stack descriptor ufd, registered and mirrored.
 * Returns NULL with errno set (the caller closes ufd). */
struct front_sock *front_sock_new(struct ust_front *f, int ufd, int flags)
{
    struct front_sock *fs = calloc(1, sizeof(*fs));
    int sv[2];
    if (!fs || pair_open(sv, flags) < 0) {
        free(fs);
        errno = errno ? errno : ENOMEM;
        return NULL;
    }
    fs->fd = sv[0];
    fs->bell_fd = sv[1];
    fs->ufd = ufd;
    fs->names = 1;
    fs->nonblock = (flags & SOCK_NONBLOCK) != 0;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&fs->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0 || table_put(f, fs->fd, fs) < 0) {
        if (rc == 0)
            pthread_cond_destroy(&fs->cond);
        close(sv[0]);
        close(sv[1]);
        free(fs);
        errno = ENOMEM;
        return NULL;
    }
    int type = 0;
    socklen_t tl = sizeof(type);
    ust_getsockopt(f->st, ufd, SOL_SOCKET, SO_TYPE, &type, &tl);
    fs->type = type;
    ust_set_nonblock(f->st, ufd, 1); /* the front waits, never the stack */
    front_sock_load_timeouts(f, fs);
    front_mirror(f, fs);
    return fs;
}

/* Closed (the stack's socket already is): out of the table, the stack's
 * end closed (the application's end reports POLLHUP), waiters woken. */
void front_sock_drop(struct ust_front *f, struct front_sock *fs)
{
    f->socks[fs->fd] = NULL;
    close(fs->bell_fd);
    fs->bell_fd = -1;
    fs->ufd = -1;
    fs->closed = true;
    fs->seq++;
    pthread_cond_broadcast(&fs->cond);
}

/* fd, a kernel duplicate of one of fs's descriptors, names fs too. */
int front_sock_name(struct ust_front *f, struct front_sock *fs, int fd)
{
    if (fd < 0 || ((unsigned)fd < f->nsocks && f->socks[fd])) {
        errno = EBADF;
        return -1;
    }
    if (table_put(f, fd, fs) < 0) {
        errno = ENOMEM;
        return -1;
    }
    fs->names++;
    return 0;
}

/* One of several names closed: the socket lives on under the others. The
 * handle (fs->fd: the mirror's sends and receives, the final close) moves
 * to another name when it is the one closed. */
void front_sock_unname(struct ust_front *f, struct front_sock *fs, int fd)
{
    f->socks[fd] = NULL;
    fs->names--;
    for (unsigned i = 0; fs->fd == fd && i < f->nsocks; i++)
        if (f->socks[i] == fs)
            fs->fd = (int)i;
    close(fd);
}

struct front_sock *front_sock_get(struct ust_front *f, int fd)
{
    if (fd < 0 || (unsigned)fd >= f->nsocks || !f->socks[fd])
        return NULL;
    f->socks[fd]->users++;
    return f->socks[fd];
}

/* The last call on a closed socket closes its descriptor: its number is
 * not reused while a call still names it. */
void front_sock_put(struct ust_front *f, struct front_sock *fs)
{
    (void)f;
    if (fs->users)
        fs->users--;
    if (!fs->closed || fs->users)
        return;
    close(fs->fd);
    pthread_cond_destroy(&fs->cond);
    free(fs);
}

static ust_time_t timeo_of(struct ust_front *f, int ufd, int name)
{
    struct timeval tv = {0, 0};
    socklen_t len = sizeof(tv);
    if (ust_getsockopt(f->st, ufd, SOL_SOCKET, name, &tv, &len) < 0)
        return 0;
    return (ust_time_t)tv.tv_sec * UST_SEC + (ust_time_t)tv.tv_usec * UST_USEC;
}

void front_sock_load_timeouts(struct ust_front *f, struct front_sock *fs)
{
    fs->rcvtimeo = timeo_of(f, fs->ufd, SO_RCVTIMEO);
    fs->sndtimeo = timeo_of(f, fs->ufd, SO_SNDTIMEO);
}

/* POLLIN: the doorbell byte, sent from the stack's end, sits unread in
 * the application's end while the socket is readable. */
static void set_bell(struct front_sock *fs, bool ring)
{
    if (ring == fs->bell_rung || fs->rd_shut)
        return;
    char b = 0;
    ssize_t n = ring ? send(fs->bell_fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL)
                     : recv(fs->fd, &b, 1, MSG_DONTWAIT);
    if (n == 1)
        fs->bell_rung = ring;
}

/* POLLOUT: the gate datagram, sent from the application's end, sits
 * unread in the stack's end while the socket is not writable. */
static void set_gate(struct front_sock *fs, bool shut)
{
    if (shut == fs->gate_shut || fs->hup)
        return;
    unsigned char buf[FRONT_GATE_BYTES];
    ssize_t n = shut ? send(fs->fd, front_gate, sizeof(front_gate), MSG_DONTWAIT | MSG_NOSIGNAL)
                     : recv(fs->bell_fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == (ssize_t)sizeof(front_gate))
        fs->gate_shut = shut;
}

/* Brings the descriptor's readiness to the ustack socket's, and wakes the
 * calls blocked on the socket when that changed. */
void front_mirror(struct ust_front *f, struct front_sock *fs)
{
    if (fs->closed)
        return;
    struct pollfd p = {.fd = fs->ufd, .events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP};
    if (ust_poll(f->st, &p, 1, 0) < 0)
        return;
    short m = p.revents;
    /* The order matters to a poll() racing with us: the gate opens before
     * a hang-up shows, and the end of stream shows (POLLIN with POLLRDHUP
     * at once) before a doorbell could make it readable alone. */
    set_gate(fs, !(m & (POLLOUT | POLLERR | POLLHUP)));
    if ((m & (POLLRDHUP | POLLHUP)) && !fs->rd_shut) {
        shutdown(fs->bell_fd, SHUT_WR); /* EOF and POLLRDHUP on fs->fd */
        fs->rd_shut = true;
    }
    if ((m & POLLHUP) && !fs->hup) {
        shutdown(fs->bell_fd, SHUT_RD); /* both ways: POLLHUP on fs->fd */
        fs->hup = true;
    }
    set_bell(fs, (m & (POLLIN | POLLPRI | POLLERR | POLLHUP | POLLRDHUP)) != 0);
    if (m != fs->mask) {
        fs->mask = m;
        fs->seq++;
        pthread_cond_broadcast(&fs->cond);
    }
}

void front_mirror_all(struct ust_front *f)
{
    for (unsigned i = 0; i < f->nsocks; i++)
        if (f->socks[i])
            front_mirror(f, f->socks[i]);
}
