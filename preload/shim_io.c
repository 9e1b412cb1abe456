/* Interposed data calls: read, write, recv(from), send(to), the vector
 * forms and glibc's fortified __*_chk variants. A vector is gathered into
 * one buffer (one datagram for UDP, as the kernel sends it). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#define EXPORT __attribute__((visibility("default")))

static ssize_t front_recv(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                          socklen_t *fromlen)
{
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    ssize_t r = ust_front_recvfrom(f, fd, buf, len, flags, from, fromlen);
    shim_leave();
    return r;
}

static ssize_t front_send(int fd, const void *buf, size_t len, int flags,
                          const struct sockaddr *to, socklen_t tolen)
{
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    ssize_t r = to ? ust_front_sendto(f, fd, buf, len, flags, to, tolen)
                   : ust_front_send(f, fd, buf, len, flags);
    shim_leave();
    shim_sigpipe(r, flags);
    return r;
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(read)(fd, buf, len);
    return front_recv(fd, buf, len, 0, NULL, NULL);
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(read_chk)(fd, buf, len, buflen);
    return front_recv(fd, buf, len < buflen ? len : buflen, 0, NULL, NULL);
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(write)(fd, buf, len);
    return front_send(fd, buf, len, 0, NULL, 0);
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(recv)(fd, buf, len, flags);
    return front_recv(fd, buf, len, flags, NULL, NULL);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(recv_chk)(fd, buf, len, buflen, flags);
    return front_recv(fd, buf, len < buflen ? len : buflen, flags, NULL, NULL);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                        socklen_t *fromlen)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(recvfrom)(fd, buf, len, flags, from, fromlen);
    return front_recv(fd, buf, len, flags, from, fromlen);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
                              struct sockaddr *from, socklen_t *fromlen)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1
                        : SHIM_REAL(recvfrom_chk)(fd, buf, len, buflen, flags, from, fromlen);
    return front_recv(fd, buf, len < buflen ? len : buflen, flags, from, fromlen);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(send)(fd, buf, len, flags);
    return front_send(fd, buf, len, flags, NULL, 0);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                      socklen_t tolen)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(sendto)(fd, buf, len, flags, to, tolen);
    return front_send(fd, buf, len, flags, to, tolen);
}

/* ---- vectors ------------------------------------------------------------- */

static ssize_t iov_total(const struct iovec *iov, int n)
{
    if (n < 0 || n > IOV_MAX) {
        errno = EINVAL;
        return -1;
    }
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].iov_len > (size_t)SSIZE_MAX - total) {
            errno = EINVAL;
            return -1;
        }
        total += iov[i].iov_len;
    }
    return (ssize_t)total;
}

/* Vectors are gathered into a bounded buffer: a stream in pieces of at
 * most SHIM_IOV_CHUNK (a blocking socket still takes every byte: each
 * piece is a blocking send), a datagram whole (the stack refuses one
 * larger than 64 KiB anyway: EMSGSIZE before any copy). */
#define SHIM_IOV_CHUNK (256u * 1024u)
#define SHIM_DGRAM_MAX 65535u

/* Copies up to cap bytes of the vector from byte `skip` on into buf. */
static size_t iov_gather(const struct iovec *iov, int n, size_t skip, char *buf, size_t cap)
{
    size_t got = 0;
    for (int i = 0; i < n && got < cap; i++) {
        size_t len = iov[i].iov_len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        size_t k = len - skip < cap - got ? len - skip : cap - got;
        memcpy(buf + got, (const char *)iov[i].iov_base + skip, k);
        got += k;
        skip = 0;
    }
    return got;
}

static ssize_t send_iov(int fd, const struct iovec *iov, int n, int flags,
                        const struct sockaddr *to, socklen_t tolen)
{
    ssize_t total = iov_total(iov, n);
    if (total < 0)
        return -1;
    if (n == 1)
        return front_send(fd, iov[0].iov_base, iov[0].iov_len, flags, to, tolen);
    bool dgram = shim_fd_flags(fd) & SHIM_FD_DGRAM;
    if (dgram && (size_t)total > SHIM_DGRAM_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    char *buf = malloc(SHIM_IOV_CHUNK);
    if (!buf) {
        errno = ENOBUFS;
        return -1;
    }
    size_t done = 0;
    ssize_t r = 0;
    while (r >= 0 && (done < (size_t)total || total == 0)) {
        size_t len = iov_gather(iov, n, done, buf, SHIM_IOV_CHUNK);
        r = front_send(fd, buf, len, flags, to, tolen);
        if (r > 0)
            done += (size_t)r;
        if (r < (ssize_t)len || total == 0)
            break; /* short (non-blocking, timeout) or failed: report what went */
    }
    int saved = errno;
    free(buf);
    errno = saved;
    return done ? (ssize_t)done : r;
}

/* One receive into a bounded buffer, scattered over the vector: a stream
 * gives at most SHIM_IOV_CHUNK bytes per call (a short read, as recv may
 * give), a datagram is read whole (and truncated to the vector). */
static ssize_t recv_iov(int fd, const struct iovec *iov, int n, int flags,
                        struct sockaddr *from, socklen_t *fromlen)
{
    ssize_t total = iov_total(iov, n);
    if (total < 0)
        return -1;
    if (n == 1)
        return front_recv(fd, iov[0].iov_base, iov[0].iov_len, flags, from, fromlen);
    size_t cap = (size_t)total < SHIM_IOV_CHUNK ? (size_t)total : SHIM_IOV_CHUNK;
    char *buf = malloc(cap ? cap : 1);
    if (!buf) {
        errno = ENOBUFS;
        return -1;
    }
    ssize_t r = front_recv(fd, buf, cap, flags, from, fromlen);
    int saved = errno;
    size_t off = 0;
    for (int i = 0; r > 0 && i < n && off < (size_t)r; i++) {
        size_t k = iov[i].iov_len < (size_t)r - off ? iov[i].iov_len : (size_t)r - off;
        memcpy(iov[i].iov_base, buf + off, k);
        off += k;
    }
    free(buf);
    errno = saved;
    return r;
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(writev)(fd, iov, n);
    return send_iov(fd, iov, n, 0, NULL, 0);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(readv)(fd, iov, n);
    return recv_iov(fd, iov, n, 0, NULL, NULL);
}

/* A datagram socket's control messages (IP_PKTINFO, RFC 3542's, the
 * error queue) go through the stack's own recvmsg / sendmsg, whole;
 * otherwise no ancillary data: msg_control comes back empty. */
static bool with_control(int fd, const struct msghdr *m, int flags)
{
    return (shim_fd_flags(fd) & SHIM_FD_DGRAM) &&
           ((m->msg_control && m->msg_controllen) || (flags & MSG_ERRQUEUE));
}

static ssize_t front_msg(int fd, struct msghdr *m, const struct msghdr *cm, int flags)
{
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    ssize_t r = m ? ust_front_recvmsg(f, fd, m, flags) : ust_front_sendmsg(f, fd, cm, flags);
    shim_leave();
    return r;
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(sendmsg)(fd, m, flags);
    if (with_control(fd, m, flags))
        return front_msg(fd, NULL, m, flags);
    return send_iov(fd, m->msg_iov, (int)m->msg_iovlen, flags, m->msg_name, m->msg_namelen);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
    int kind = shim_fd_kind(fd);
    if (kind <= 0)
        return kind < 0 ? -1 : SHIM_REAL(recvmsg)(fd, m, flags);
    if (with_control(fd, m, flags))
        return front_msg(fd, m, NULL, flags);
    ssize_t r = recv_iov(fd, m->msg_iov, (int)m->msg_iovlen, flags, m->msg_name,
                         m->msg_name ? &m->msg_namelen : NULL);
    if (r >= 0) {
        m->msg_controllen = 0;
        m->msg_flags = 0;
    }
    return r;
}
