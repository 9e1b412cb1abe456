/* What a front message does: one non-blocking call of the single-threaded
 * API under the core lock (in the calling thread; on the stack thread with
 * cfg.front_data_messages), then the socket's readiness mirrored before
 * the lock is released. */
#include <errno.h>
#include <sys/socket.h>

#include "front_impl.h"
#include "ustack/socket.h"

static ssize_t exec_socket(struct ust_front *f, struct front_msg *m)
{
    int ufd = ust_socket(f->st, m->a, m->b, m->c);
    if (ufd < 0)
        return -1;
    struct front_sock *fs = front_sock_new(f, ufd, m->b);
    if (!fs) {
        int e = errno;
        ust_close(f->st, ufd);
        errno = e;
        return -1;
    }
    return fs->fd;
}

static ssize_t exec_accept(struct ust_front *f, struct front_msg *m)
{
    int ufd = ust_accept(f->st, m->fs->ufd, m->from, m->outlenp);
    if (ufd < 0)
        return -1;
    struct front_sock *child = front_sock_new(f, ufd, m->c);
    if (!child) {
        int e = errno;
        ust_close(f->st, ufd);
        errno = e;
        return -1;
    }
    return child->fd;
}

static ssize_t exec_sockopt(struct ust_front *f, struct front_msg *m)
{
    int ufd = m->fs->ufd;
    if (m->op == FOP_GETSOCKOPT)
        return ust_getsockopt(f->st, ufd, m->a, m->b, m->out, m->outlenp);
    int rc = ust_setsockopt(f->st, ufd, m->a, m->b, m->in, (socklen_t)m->inlen);
    if (rc == 0 && m->a == SOL_SOCKET && (m->b == SO_RCVTIMEO || m->b == SO_SNDTIMEO))
        front_sock_load_timeouts(f, m->fs);
    return rc;
}

/* The calls on an open socket. */
static ssize_t exec_on_sock(struct ust_front *f, struct front_msg *m)
{
    struct ust_stack *st = f->st;
    int ufd = m->fs->ufd;
    switch (m->op) {
    case FOP_BIND:
        return ust_bind(st, ufd, m->in, (socklen_t)m->inlen);
    case FOP_LISTEN:
        return ust_listen(st, ufd, m->c);
    case FOP_CONNECT:
        return ust_connect(st, ufd, m->in, (socklen_t)m->inlen);
    case FOP_ACCEPT:
        return exec_accept(f, m);
    case FOP_SHUTDOWN:
        return ust_shutdown(st, ufd, m->c);
    case FOP_SETSOCKOPT:
    case FOP_GETSOCKOPT:
        return exec_sockopt(f, m);
    case FOP_GETNAME:
        return m->a ? ust_getpeername(st, ufd, m->from, m->outlenp)
                    : ust_getsockname(st, ufd, m->from, m->outlenp);
    case FOP_SEND:
        return ust_sendto(st, ufd, m->in, m->inlen, m->c | MSG_DONTWAIT, m->to, m->tolen);
    case FOP_RECV:
        return ust_recvfrom(st, ufd, m->out, m->outlen, m->c | MSG_DONTWAIT, m->from,
                            m->outlenp);
    case FOP_SENDMSG:
        return ust_sendmsg(st, ufd, m->msg, m->c | MSG_DONTWAIT);
    case FOP_RECVMSG:
        return ust_recvmsg(st, ufd, m->msg, m->c | MSG_DONTWAIT);
    default:
        errno = EINVAL;
        return -1;
    }
}

void front_exec(struct ust_front *f, struct front_msg *m)
{
    errno = 0;
    if (m->op == FOP_SOCKET) {
        m->ret = exec_socket(f, m);
    } else if (m->op == FOP_RUN) {
        front_mirror_all(f); /* fn sees descriptors that agree with the stack */
        m->ret = m->fn(f->st, m->ctx);
    } else if (m->fs->closed) {
        errno = EBADF; /* closed by another thread since the call began */
        m->ret = -1;
    } else if (m->op == FOP_CLOSE && m->fs->names > 1) {
        front_sock_unname(f, m->fs, m->a); /* a duplicate remains open */
        m->ret = 0;
    } else if (m->op == FOP_CLOSE) {
        m->ret = ust_close(f->st, m->fs->ufd);
        front_sock_drop(f, m->fs);
    } else {
        m->ret = exec_on_sock(f, m);
    }
    m->err = m->ret < 0 ? errno : 0;
    if (m->fs && !m->fs->closed)
        front_mirror(f, m->fs);
    m->seq = m->fs ? m->fs->seq : 0;
}
