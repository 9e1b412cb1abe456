/* What the TCP client commands (get, send, recv) share: connecting with a
 * clear error message, and letting the stack finish closing before the
 * process (and with it the TAP device) goes away. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "cli.h"

int client_connect(struct link_ctx *c, ust_ip4_t ip, uint16_t port, ust_time_t timeout)
{
    struct ust_stack *st = c->st;
    char a[16];
    int fd = ust_socket(st, AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        fprintf(stderr, "ustack: socket: %s\n", strerror(errno));
        return -1;
    }
    struct timeval tv = {.tv_sec = (time_t)(timeout / UST_SEC),
                         .tv_usec = (suseconds_t)(timeout % UST_SEC / UST_USEC)};
    ust_setsockopt(st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(ip)};
    if (ust_connect(st, fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        /* SO_SNDTIMEO expiry reports EINPROGRESS, as on Linux */
        int e = errno == EINPROGRESS ? ETIMEDOUT : errno;
        /* EINTR: Ctrl-C (stop_signals.c); the command says what it did */
        if (e != EINTR && !link_lost(c))
            fprintf(stderr, "ustack: connect %s:%u: %s\n", ust_ip4_str(ip, a), port, strerror(e));
        ust_close(st, fd);
        errno = e;
        return -1;
    }
    /* Data transfer: no send timeout from here on. */
    struct timeval none = {0};
    ust_setsockopt(st, fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
    return fd;
}

static void count_busy(void *ctx, const struct ust_sock_entry *e)
{
    /* TIME-WAIT needs no more packets from us; a listener never finishes. */
    if (e->proto == IPPROTO_TCP && e->state != UST_TCP_TIME_WAIT && e->state != UST_TCP_LISTEN)
        ++*(int *)ctx;
}

void client_linger(struct link_ctx *c, ust_time_t timeout)
{
    ust_time_t deadline = ust_clock_monotonic() + timeout;
    for (;;) {
        int busy = 0;
        ust_netstat(c->st, count_busy, &busy);
        ust_time_t now = ust_clock_monotonic();
        if (!busy || now >= deadline)
            return;
        if (ust_loop_run_once(c->loop, deadline - now) != UST_OK)
            return; /* interrupted by a signal, or the device is gone */
    }
}

int cli_tcp_listen(struct ust_stack *st, uint16_t port, int backlog)
{
    int fd = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (ust_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        ust_listen(st, fd, backlog) < 0) {
        int e = errno;
        ust_close(st, fd);
        errno = e;
        return -1;
    }
    return fd;
}
