/* The last IPv6 scene of `ustack demo`: a TCP connection from host A to
 * host C over IPv6 through router R (demo_ipv6.c set the addresses up).
 * The handshake with TCP's trace lines, then a transfer C checks byte by
 * byte, then the close; the sockets are AF_INET6 and non-blocking, and
 * the simulator is stepped by hand as in demo_tcp.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"

#define V6_DEADLINE (600 * UST_SEC)
#define V6_TCP_BYTES (64 * 1024)
#define V6_PORT 5001

static uint8_t pattern6(uint64_t i) { return (uint8_t)(i * 13 + i / 257); }

struct v6conn {
    struct demo *d;
    struct ust_stack *a, *c;
    int listen_fd, cfd, sfd;
    uint64_t sent, received;
    bool corrupt, eof;
};

static int v6_listen(struct v6conn *x)
{
    x->listen_fd = ust_socket(x->c, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(V6_PORT)};
    if (x->listen_fd < 0 || ust_bind(x->c, x->listen_fd, (struct sockaddr *)&s6, sizeof(s6)) < 0 ||
        ust_listen(x->c, x->listen_fd, 4) < 0)
        return cli_usage_error("demo: C cannot listen on port %d: %s", V6_PORT, strerror(errno));
    return 0;
}

static bool v6_connect(struct v6conn *x, ust_time_t deadline)
{
    x->cfd = ust_socket(x->a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(V6_PORT)};
    memcpy(&s6.sin6_addr, x->d->v6.c_addr, 16);
    if (x->cfd < 0 || (ust_connect(x->a, x->cfd, (struct sockaddr *)&s6, sizeof(s6)) < 0 &&
                       errno != EINPROGRESS))
        return false;
    struct pollfd p = {.fd = x->cfd, .events = POLLOUT};
    while (ust_poll(x->a, &p, 1, 0) <= 0 && ust_sim_step(x->d->sim, deadline))
        ;
    while ((x->sfd = ust_accept(x->c, x->listen_fd, NULL, NULL)) < 0 &&
           ust_sim_step(x->d->sim, deadline))
        ;
    int err = 0;
    socklen_t len = sizeof(err);
    ust_getsockopt(x->a, x->cfd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (x->sfd >= 0)
        ust_set_nonblock(x->c, x->sfd, 1);
    return !err && x->sfd >= 0;
}

static void v6_pump(struct v6conn *x)
{
    uint8_t buf[8192];
    while (x->sent < V6_TCP_BYTES) {
        size_t n = V6_TCP_BYTES - x->sent < sizeof(buf) ? V6_TCP_BYTES - x->sent : sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern6(x->sent + i);
        ssize_t w = ust_send(x->a, x->cfd, buf, n, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        x->sent += (uint64_t)w;
    }
    for (;;) {
        ssize_t n = ust_recv(x->c, x->sfd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN))
            x->eof = true;
        if (n <= 0)
            return;
        for (ssize_t i = 0; i < n; i++)
            x->corrupt |= buf[i] != pattern6(x->received + (uint64_t)i);
        x->received += (uint64_t)n;
    }
}

/* A sends, closes; C reads to the end and closes. Returns when C saw the end. */
static ust_time_t v6_transfer(struct v6conn *x, ust_time_t deadline)
{
    bool closed = false;
    while (!x->eof) {
        v6_pump(x);
        if (x->sent == V6_TCP_BYTES && !closed) {
            ust_close(x->a, x->cfd);
            closed = true;
        }
        if (!x->eof && !ust_sim_step(x->d->sim, deadline))
            break;
    }
    if (!closed)
        ust_close(x->a, x->cfd);
    ust_close(x->c, x->sfd);
    ust_time_t done = ust_sim_now(x->d->sim);
    ust_sim_run_until(x->d->sim, done + UST_SEC); /* the last ACKs */
    return done;
}

static void v6_trace(struct demo *d, bool on, enum cli_trace_filter f)
{
    demo_trace_all(d, f);
    demo_mute_all(d, !on);
    demo_trace_all(d, f);
    if (!on)
        demo_mute_all(d, true);
    d->v6.c.trace.muted = !on;
    d->v6.c.trace.filter = f;
}

int scene_ipv6_tcp(struct demo *d)
{
    if (!d->v6.ready) {
        demo_say(d, "(skipped: no IPv6 addresses)");
        return 0;
    }
    demo_say(d, "C listens on an AF_INET6 socket, port 5001; A connects to C's address. The\n"
                "same TCP as before, over IPv6: the checksum covers an IPv6 pseudo-header,\n"
                "and the MSS is the link MTU less 60 bytes (40 of IPv6, 20 of TCP), 1440 on\n"
                "these 1500-byte links. Shown: the handshake (TCP's lines only); then A sends\n"
                "64 KiB, closes, and C reads to the end.");
    struct v6conn x = {.d = d, .a = d->host[HOST_A].st, .c = d->v6.c.st, .listen_fd = -1,
                       .cfd = -1, .sfd = -1};
    int rc = v6_listen(&x);
    if (rc)
        return rc;
    ust_time_t start = ust_sim_now(d->sim), deadline = start + V6_DEADLINE;
    v6_trace(d, true, d->o.trace ? TRACE_ALL : TRACE_TCP);
    bool up = v6_connect(&x, deadline);
    v6_trace(d, d->o.trace, d->o.trace ? TRACE_ALL : TRACE_TCP_EVENTS);
    if (!up) {
        fprintf(d->out, "\nconnect: the links dropped too much\n\n");
        return 0;
    }
    ust_time_t t_open = ust_sim_now(d->sim);
    ust_time_t t_done = v6_transfer(&x, deadline);
    v6_trace(d, d->o.trace, TRACE_ALL);
    ust_close(x.c, x.listen_fd);
    fprintf(d->out, "\nconnected after %.3f s; C received %llu of %d bytes in %.3f s of virtual "
                    "time, %s.\n\n",
            (double)(t_open - start) / UST_SEC, (unsigned long long)x.received, V6_TCP_BYTES,
            (double)(t_done - t_open) / UST_SEC,
            !x.corrupt && x.received == V6_TCP_BYTES ? "every byte in order and intact"
                                                      : "NOT ALL BYTES ARRIVED INTACT");
    return 0;
}
