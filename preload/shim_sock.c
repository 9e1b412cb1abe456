/* Interposed control calls: socket, connect, bind, listen, accept(4),
 * shutdown, the socket options and names, close, fcntl and ioctl. A call
 * on a front socket goes to the front; anything else to libc. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>

#include "shim.h"
#include "ustack/socket.h"

#define EXPORT __attribute__((visibility("default")))

/* Runs `call` on the front for front socket fd; libc's `libc_call` for
 * other descriptors; -1 (EBADF) for one inherited across fork. */
#define ROUTE(fd, call, libc_call)                                   \
    do {                                                             \
        int kind_ = shim_fd_kind(fd);                                \
        if (kind_ < 0)                                               \
            return -1;                                               \
        if (kind_ == 0)                                              \
            return libc_call;                                        \
        struct ust_front *f_ = atomic_load(&shim.front);             \
        shim_enter();                                                \
        __typeof__(call) r_ = call;                                  \
        shim_leave();                                                \
        return r_;                                                   \
    } while (0)
#define F f_

/* Enters a new front socket in the table; one past the table's end (a
 * descriptor limit raised after load) is closed again: EMFILE. */
static int adopt(struct ust_front *f, int fd, unsigned flags)
{
    if (fd < 0 || shim_fd_set(fd, SHIM_FD_OURS | flags) == 0)
        return fd;
    shim_enter();
    ust_front_close(f, fd);
    shim_leave();
    errno = EMFILE;
    return -1;
}

EXPORT int socket(int domain, int type, int protocol)
{
    if (shim_inside || (domain != AF_INET && domain != AF_INET6))
        return SHIM_REAL(socket)(domain, type, protocol);
    struct ust_front *f = shim_front();
    if (!f)
        return -1;
    shim_enter();
    int fd = ust_front_socket(f, domain, type, protocol);
    shim_leave();
    unsigned flags = (type & SOCK_NONBLOCK ? SHIM_FD_NONBLOCK : 0) |
                     ((type & 0xf) == SOCK_DGRAM ? SHIM_FD_DGRAM : 0);
    return adopt(f, fd, flags);
}

EXPORT int connect(int fd, const struct sockaddr *a, socklen_t len)
{
    ROUTE(fd, ust_front_connect(F, fd, a, len), SHIM_REAL(connect)(fd, a, len));
}

EXPORT int bind(int fd, const struct sockaddr *a, socklen_t len)
{
    ROUTE(fd, ust_front_bind(F, fd, a, len), SHIM_REAL(bind)(fd, a, len));
}

EXPORT int listen(int fd, int backlog)
{
    ROUTE(fd, ust_front_listen(F, fd, backlog), SHIM_REAL(listen)(fd, backlog));
}

EXPORT int accept4(int fd, struct sockaddr *a, socklen_t *len, int flags)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(accept4)(fd, a, len, flags);
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    int nfd = ust_front_accept(f, fd, a, len, flags);
    shim_leave();
    return adopt(f, nfd, flags & SOCK_NONBLOCK ? SHIM_FD_NONBLOCK : 0);
}

EXPORT int accept(int fd, struct sockaddr *a, socklen_t *len)
{
    if (shim_fd_kind(fd) == 0)
        return SHIM_REAL(accept)(fd, a, len);
    return accept4(fd, a, len, 0);
}

EXPORT int shutdown(int fd, int how)
{
    ROUTE(fd, ust_front_shutdown(F, fd, how), SHIM_REAL(shutdown)(fd, how));
}

/* SO_REUSEPORT: the stack has no port groups, so a second socket bound
 * to the same port still fails with EADDRINUSE (loudly, at bind). Setting
 * the option is accepted and remembered (getsockopt reads it back) so that
 * a program setting it on its single listener (nginx, redis, nc -l) runs
 * as on Linux, instead of stopping at ENOPROTOOPT. */
static int reuseport_opt(int fd, bool set, void *val, socklen_t *len)
{
    if (set) {
        if (*len < (socklen_t)sizeof(int)) {
            errno = EINVAL;
            return -1;
        }
        bool on = *(const int *)val != 0;
        (void)shim_fd_set(fd, (shim_fd_flags(fd) & ~SHIM_FD_REUSEPORT) |
                                  (on ? SHIM_FD_REUSEPORT : 0));
        return 0;
    }
    int on = (shim_fd_flags(fd) & SHIM_FD_REUSEPORT) != 0;
    if (*len > (socklen_t)sizeof(on))
        *len = sizeof(on);
    memcpy(val, &on, *len);
    return 0;
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    if (level == IPPROTO_TCP && name == TCP_INFO && shim_fd_kind(fd) > 0)
        return shim_tcp_info(atomic_load(&shim.front), fd, val, len);
    if (level == SOL_SOCKET && name == SO_REUSEPORT && shim_fd_kind(fd) > 0)
        return reuseport_opt(fd, false, val, len);
    ROUTE(fd, ust_front_getsockopt(F, fd, level, name, val, len),
          SHIM_REAL(getsockopt)(fd, level, name, val, len));
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    if (level == SOL_SOCKET && name == SO_REUSEPORT && shim_fd_kind(fd) > 0)
        return reuseport_opt(fd, true, (void *)val, &len);
    ROUTE(fd, ust_front_setsockopt(F, fd, level, name, val, len),
          SHIM_REAL(setsockopt)(fd, level, name, val, len));
}

EXPORT int getsockname(int fd, struct sockaddr *a, socklen_t *len)
{
    ROUTE(fd, ust_front_getsockname(F, fd, a, len), SHIM_REAL(getsockname)(fd, a, len));
}

EXPORT int getpeername(int fd, struct sockaddr *a, socklen_t *len)
{
    ROUTE(fd, ust_front_getpeername(F, fd, a, len), SHIM_REAL(getpeername)(fd, a, len));
}

/* close: the table forgets fd first, so that a socket() racing with it in
 * another thread can take the number once the front has closed it. In a
 * fork child an inherited front socket is just a kernel descriptor: it is
 * closed there and the parent's stack is not touched. */
EXPORT int close(int fd)
{
    int kind = shim_fd_kind(fd);
    if (kind == 0)
        return SHIM_REAL(close)(fd);
    shim_fd_clear(fd);
    if (kind < 0)
        return SHIM_REAL(close)(fd);
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    int r = ust_front_close(f, fd);
    shim_leave();
    return r;
}

/* A duplicate of a ustack socket is a kernel duplicate of its descriptor
 * (the same socketpair end: the same readiness, its own FD_CLOEXEC) that
 * the front knows as a second name of the socket (ust_front_dup): close of
 * one name keeps the socket, close of the last closes it. */
static int adopt_dup(int fd, int nfd)
{
    if (nfd < 0)
        return -1;
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    int r = ust_front_dup(f, fd, nfd);
    shim_leave();
    if (r == 0 && shim_fd_set(nfd, shim_fd_flags(fd)) == 0)
        return nfd;
    int saved = r < 0 ? errno : EMFILE;
    shim_enter();
    if (r == 0)
        ust_front_close(f, nfd);
    else
        SHIM_REAL(close)(nfd);
    shim_leave();
    errno = saved;
    return -1;
}

EXPORT int dup(int fd)
{
    int kind = shim_fd_kind(fd);
    if (kind != 0)
        return kind < 0 ? -1 : adopt_dup(fd, SHIM_REAL(dup)(fd));
    return SHIM_REAL(dup)(fd);
}

/* dup2/dup3 onto a ustack socket close that name first, as the kernel
 * closes newfd (not atomically here: another thread's socket() may take
 * the number in between). 1: oldfd is a ustack socket. */
static int dup_onto(int oldfd, int newfd)
{
    int kind = shim_fd_kind(oldfd);
    if (kind < 0)
        return -1;
    if (oldfd != newfd && shim_fd_kind(newfd) != 0)
        (void)close(newfd);
    return kind;
}

EXPORT int dup2(int oldfd, int newfd)
{
    int kind = dup_onto(oldfd, newfd);
    if (kind <= 0 || oldfd == newfd)
        return kind < 0 ? -1 : SHIM_REAL(dup2)(oldfd, newfd);
    return adopt_dup(oldfd, SHIM_REAL(dup2)(oldfd, newfd));
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
    if (oldfd == newfd) {
        errno = EINVAL; /* dup3(2) */
        return -1;
    }
    int kind = dup_onto(oldfd, newfd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(dup3)(oldfd, newfd, flags);
    return adopt_dup(oldfd, SHIM_REAL(dup3)(oldfd, newfd, flags));
}

static int set_nonblock(int fd, bool on)
{
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    int r = ust_front_set_nonblock(f, fd, on);
    shim_leave();
    if (r == 0)
        (void)shim_fd_set(fd, (shim_fd_flags(fd) & ~SHIM_FD_NONBLOCK) |
                                  (on ? SHIM_FD_NONBLOCK : 0));
    return r;
}

/* F_GETFL/F_SETFL see the front socket's O_NONBLOCK (shared with its
 * duplicates, as the kernel shares it); F_DUPFD makes a duplicate as dup
 * does; everything else (FD_CLOEXEC, locks) is the kernel descriptor's. */
static int do_fcntl(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
    int kind = shim_fd_kind(fd);
    if (kind < 0)
        return -1;
    if (kind > 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
        return adopt_dup(fd, real(fd, cmd, arg));
    if (kind == 0 || (cmd != F_GETFL && cmd != F_SETFL))
        return real(fd, cmd, arg);
    if (cmd == F_SETFL)
        return set_nonblock(fd, ((long)arg & O_NONBLOCK) != 0);
    int fl = real(fd, F_GETFL);
    if (fl < 0)
        return fl;
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    int nb = ust_front_nonblock(f, fd);
    shim_leave();
    if (nb < 0)
        return -1;
    return (fl & ~O_NONBLOCK) | (nb ? O_NONBLOCK : 0);
}

EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return do_fcntl(SHIM_REAL(fcntl), fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return do_fcntl(SHIM_REAL(fcntl64), fd, cmd, arg);
}

struct nread_ctx {
    int ufd;
    int bytes;
};

static void nread_entry(void *ctx, const struct ust_sock_entry *e)
{
    struct nread_ctx *c = ctx;
    if (e->fd == c->ufd)
        c->bytes = (int)e->recv_q;
}

static int nread_cb(struct ust_stack *st, void *ctx)
{
    return ust_netstat(st, nread_entry, ctx);
}

/* FIONREAD: the bytes waiting in the socket (netstat's Recv-Q). */
static int fionread(int fd, int *out)
{
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    struct nread_ctx c = {.ufd = ust_front_stack_fd(f, fd), .bytes = 0};
    int r = c.ufd < 0 ? -1 : ust_front_run(f, nread_cb, &c);
    shim_leave();
    if (r < 0)
        return -1;
    *out = c.bytes;
    return 0;
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(ioctl)(fd, req, arg);
    if (req == FIONBIO)
        return set_nonblock(fd, *(const int *)arg != 0);
    if (req == FIONREAD)
        return fionread(fd, arg);
    errno = ENOTTY;
    return -1;
}
