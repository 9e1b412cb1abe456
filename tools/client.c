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
    struct ust_addr a = ust_addr_from_ip4(ip);
    return client_connect_addr(c, &a, port, timeout);
}

int client_connect_addr(struct link_ctx *c, const struct ust_addr *to, uint16_t port,
                        ust_time_t timeout)
{
    struct ust_stack *st = c->st;
    char a[UST_ADDR_STRLEN];
    /* IPv6 (an IPv4-mapped address too: RFC 3493 3.7) through AF_INET6 */
    int family = to->family == UST_AF_INET6 ? AF_INET6 : AF_INET;
    int fd = ust_socket(st, family, SOCK_STREAM, 0);
    if (fd < 0) {
        fprintf(stderr, "ustack: socket: %s\n", strerror(errno));
        return -1;
    }
    struct timeval tv = {.tv_sec = (time_t)(timeout / UST_SEC),
                         .tv_usec = (suseconds_t)(timeout % UST_SEC / UST_USEC)};
    ust_setsockopt(st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_storage ss;
    socklen_t sslen = ust_addr_to_sockaddr(to, port, &ss);
    if (ust_connect(st, fd, (struct sockaddr *)&ss, sslen) < 0) {
        /* SO_SNDTIMEO expiry reports EINPROGRESS, as on Linux */
        int e = errno == EINPROGRESS ? ETIMEDOUT : errno;
        /* EINTR: Ctrl-C (stop_signals.c); the command says what it did */
        if (e != EINTR && !link_lost(c))
            fprintf(stderr, family == AF_INET6 ? "ustack: connect [%s]:%u: %s\n"
                                               : "ustack: connect %s:%u: %s\n",
                    ust_addr_str(to, a), port, strerror(e));
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

static int tcp_listen_on(struct ust_stack *st, const struct ust_addr *any, uint16_t port,
                         int backlog)
{
    int fd = ust_socket(st, any->family == UST_AF_INET6 ? AF_INET6 : AF_INET,
                        SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1, zero = 0;
    struct sockaddr_storage ss;
    socklen_t len = ust_addr_to_sockaddr(any, port, &ss);
    if (ust_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        (any->family == UST_AF_INET6 &&
         ust_setsockopt(st, fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0) ||
        ust_bind(st, fd, (struct sockaddr *)&ss, len) < 0 ||
        ust_listen(st, fd, backlog) < 0) {
        int e = errno;
        ust_close(st, fd);
        errno = e;
        return -1;
    }
    return fd;
}

int cli_tcp_listen(struct ust_stack *st, uint16_t port, int backlog)
{
    struct ust_addr any = ust_addr_from_ip4(0);
    return tcp_listen_on(st, &any, port, backlog);
}

int cli_tcp_listen_dual(struct ust_stack *st, uint16_t port, int backlog)
{
    struct ust_addr any = ust_addr_from_ip6((const uint8_t[16]){0}, 0);
    return tcp_listen_on(st, &any, port, backlog);
}
