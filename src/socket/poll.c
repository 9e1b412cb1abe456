/* ust_poll (poll(2) over ustack descriptors) and the readiness eventfd for
 * applications that run their own epoll loop. */
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sock_impl.h"
#include "ustack/config.h"
#include "ustack/stack.h"
#include "transport/transport.h"
#include "ustack/socket.h"

/* One pass over the set: fills revents, returns how many are non-zero. */
static int poll_scan(struct ust_stack *st, struct pollfd *fds, nfds_t nfds)
{
    int ready = 0;
    for (nfds_t i = 0; i < nfds; i++) {
        fds[i].revents = 0;
        if (fds[i].fd < 0)
            continue; /* ignored, as poll(2) does */
        struct ust_sock *s = sock_get(st, fds[i].fd);
        if (!s) {
            fds[i].revents = POLLNVAL;
        } else if (s->ops->poll) {
            /* POLLERR and POLLHUP are reported even when not asked for. */
            short m = s->ops->poll(s);
            /* The "normal data" bits mean the same for us. */
            if (m & POLLIN)
                m |= POLLRDNORM;
            if (m & POLLOUT)
                m |= POLLWRNORM;
            fds[i].revents = (short)(m & (fds[i].events | POLLERR | POLLHUP));
        }
        if (fds[i].revents)
            ready++;
    }
    return ready;
}

int ust_poll(struct ust_stack *st, struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
    if (!st)
        return sock_fail(EINVAL);
    if (nfds > ust_stack_config(st)->max_sockets)
        return sock_fail(EINVAL);
    if (!fds && nfds > 0)
        return sock_fail(EFAULT);
    struct sock_wait w = {
        .timeo = timeout_ms < 0 ? 0 : (ust_time_t)timeout_ms * UST_MSEC,
    };
    for (;;) {
        int ready = poll_scan(st, fds, nfds);
        if (ready > 0 || timeout_ms == 0)
            return ready;
        int rc = sock_wait_once(st, &w);
        if (rc == UST_ERR_AGAIN)
            return 0; /* timed out (or no waiter to wait with) */
        if (rc < 0)
            return sock_fail_err(rc);
    }
}

int ust_stack_event_fd(struct ust_stack *st)
{
    if (!st)
        return sock_fail(EINVAL);
    struct sock_table *t = stack_socks(st);
    if (!t->has_event_fd) {
        int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0)
            return -1;
        t->event_fd = fd;
        t->has_event_fd = true;
    }
    return t->event_fd;
}

void sock_notify(struct ust_stack *st)
{
    const struct sock_table *t = stack_socks(st);
    if (!t->has_event_fd)
        return;
    uint64_t one = 1;
    /* Non-blocking: a counter already at its maximum is readable anyway. */
    ssize_t n = write(t->event_fd, &one, sizeof(one));
    (void)n;
}

void sock_register(struct ust_stack *st) { transport_set_upcall(st, sock_notify); }
