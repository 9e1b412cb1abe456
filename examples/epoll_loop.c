/* epoll_loop: the stack inside an application's own epoll loop. A UDP and
 * TCP echo service (port 7) on a TAP device, next to the application's own
 * descriptors: a timerfd for periodic statistics and a signalfd for
 * SIGINT/SIGTERM.
 *
 *   epoll_loop --tap NAME --addr A.B.C.D/N [--host-addr A.B.C.D/N]
 *              [--port P] [--stats SECONDS] [--trace]
 *
 * The integration takes three things from the stack:
 *   ust_loop_fd(loop)        readable when frames wait on the devices;
 *   ust_stack_poll_at(st)    the next timer deadline: the epoll timeout;
 *   ust_stack_event_fd(st)   signalled when some socket's readiness may
 *                            have changed: then ask ust_poll(..., 0).
 * After every wake-up ust_loop_run_once(loop, 0) reads the frames and runs
 * the due timers without blocking. Every socket is non-blocking: nothing
 * may block inside the application's loop. */
#define _GNU_SOURCE /* signalfd, timerfd, epoll: the Makefile uses -std=c11 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tap_setup.h"

#define MAX_CONNS 16

enum tag { TAG_STACK, TAG_SOCKETS, TAG_TIMER, TAG_SIGNAL };

struct conn {
    int fd;            /* -1: free slot */
    char buf[4096];
    size_t off, len;   /* received, not yet sent back */
};

struct app {
    struct ust_stack *st;
    int udp_fd, listen_fd;
    struct conn conns[MAX_CONNS];
    unsigned long long udp_datagrams, tcp_conns, tcp_bytes, wakeups;
};

/* ---- the echo service: non-blocking calls only ---- */

static void udp_echo(struct app *a)
{
    char buf[65536];
    for (;;) {
        struct sockaddr_in from;
        socklen_t flen = sizeof(from);
        ssize_t n = ust_recvfrom(a->st, a->udp_fd, buf, sizeof(buf), 0,
                                 (struct sockaddr *)&from, &flen);
        if (n < 0)
            return; /* EAGAIN: the queue is empty */
        ust_sendto(a->st, a->udp_fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
        a->udp_datagrams++;
    }
}

static void tcp_echo(struct app *a, struct conn *c);

static void tcp_accept(struct app *a)
{
    for (int i = 0; i < MAX_CONNS; i++) {
        if (a->conns[i].fd >= 0)
            continue;
        int fd = ust_accept(a->st, a->listen_fd, NULL, NULL);
        if (fd < 0)
            return; /* EAGAIN: none waiting */
        ust_set_nonblock(a->st, fd, 1); /* not inherited, as with accept(2) */
        a->conns[i] = (struct conn){.fd = fd};
        a->tcp_conns++;
        /* Data may have arrived with the connection, and its notification
         * came before this socket existed: serve it now. */
        tcp_echo(a, &a->conns[i]);
    }
    /* All slots taken: further connections wait in the listen backlog. */
}

/* Echoes what it can without blocking; closes when the peer has closed. */
static void tcp_echo(struct app *a, struct conn *c)
{
    for (;;) {
        if (c->off < c->len) {
            ssize_t n = ust_send(a->st, c->fd, c->buf + c->off, c->len - c->off, 0);
            if (n < 0 && errno == EAGAIN)
                return; /* send buffer full: retried after the next wake-up */
            if (n < 0)
                break;
            c->off += (size_t)n;
            a->tcp_bytes += (unsigned long long)n;
            continue;
        }
        ssize_t n = ust_recv(a->st, c->fd, c->buf, sizeof(c->buf), 0);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0)
            break; /* closed by the peer (0) or reset */
        c->off = 0;
        c->len = (size_t)n;
    }
    ust_close(a->st, c->fd);
    c->fd = -1;
}

/* Asks the stack which sockets are ready and serves them. */
static void serve(struct app *a)
{
    struct pollfd p[2 + MAX_CONNS];
    struct conn *owner[2 + MAX_CONNS];
    nfds_t n = 0;
    p[n++] = (struct pollfd){.fd = a->udp_fd, .events = POLLIN};
    p[n++] = (struct pollfd){.fd = a->listen_fd, .events = POLLIN};
    for (int i = 0; i < MAX_CONNS; i++) {
        struct conn *c = &a->conns[i];
        if (c->fd < 0)
            continue;
        owner[n] = c;
        p[n++] = (struct pollfd){.fd = c->fd,
                                 .events = (short)(c->off < c->len ? POLLOUT : POLLIN)};
    }
    if (ust_poll(a->st, p, n, 0) <= 0) /* timeout 0: only look */
        return;
    if (p[0].revents)
        udp_echo(a);
    if (p[1].revents)
        tcp_accept(a);
    for (nfds_t i = 2; i < n; i++)
        if (p[i].revents)
            tcp_echo(a, owner[i]);
}

static bool output_pending(const struct app *a)
{
    for (int i = 0; i < MAX_CONNS; i++)
        if (a->conns[i].fd >= 0 && a->conns[i].off < a->conns[i].len)
            return true;
    return false;
}

/* ---- setup ---- */

static int open_sockets(struct app *a, unsigned port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_ANY)};
    a->udp_fd = ust_socket(a->st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    a->listen_fd = ust_socket(a->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (a->udp_fd < 0 || a->listen_fd < 0 ||
        ust_bind(a->st, a->udp_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        ust_bind(a->st, a->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        ust_listen(a->st, a->listen_fd, 16) < 0) {
        perror("epoll_loop: sockets");
        return -1;
    }
    for (int i = 0; i < MAX_CONNS; i++)
        a->conns[i].fd = -1;
    return 0;
}

static int watch(int ep, int fd, enum tag tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};
    return fd < 0 ? -1 : epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* The application's own descriptors: a periodic timer and the signals. */
static int open_app_fds(unsigned stats_sec, int *timer_fd, int *signal_fd)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, NULL); /* delivered through the signalfd instead */
    *signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    *timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct itimerspec its = {.it_interval = {.tv_sec = stats_sec},
                             .it_value = {.tv_sec = stats_sec}}; /* 0: disarmed */
    if (*signal_fd < 0 || *timer_fd < 0 || timerfd_settime(*timer_fd, 0, &its, NULL) < 0) {
        perror("epoll_loop: timerfd/signalfd");
        return -1;
    }
    return 0;
}

/* epoll_wait's timeout: until the stack's next deadline, in milliseconds
 * rounded up (waking early would only spin), -1 when there is none. */
static int timeout_ms(struct ust_stack *st)
{
    ust_time_t next = ust_stack_poll_at(st), now = ust_clock_monotonic();
    if (next == UST_TIME_NEVER)
        return -1;
    if (next <= now)
        return 0;
    ust_time_t ms = (next - now + UST_MSEC - 1) / UST_MSEC;
    return ms > 60000 ? 60000 : (int)ms;
}

/* Reads an eventfd/timerfd counter; true if it was non-zero. */
static bool drain(int fd)
{
    uint64_t count;
    return read(fd, &count, sizeof(count)) == (ssize_t)sizeof(count) && count > 0;
}

static void print_stats(const struct app *a, const char *when)
{
    printf("epoll_loop: %s: %llu udp datagrams, %llu tcp connections, %llu tcp bytes echoed, "
           "%llu wake-ups\n",
           when, a->udp_datagrams, a->tcp_conns, a->tcp_bytes, a->wakeups);
    fflush(stdout);
}

/* The application's loop: one epoll_wait over everything, then the
 * stack, then the sockets. Returns 0 after SIGINT/SIGTERM, 1 on error. */
static int event_loop(struct app *a, struct ust_loop *loop, int ep, int timer_fd, int event_fd)
{
    for (;;) {
        struct epoll_event evs[4];
        int n = epoll_wait(ep, evs, 4, timeout_ms(a->st));
        if (n < 0 && errno != EINTR) {
            perror("epoll_loop: epoll_wait");
            return 1;
        }
        a->wakeups++;
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u32 == TAG_SIGNAL)
                return 0;
            if (evs[i].data.u32 == TAG_TIMER && drain(timer_fd))
                print_stats(a, "stats");
            /* TAG_STACK: handled below, together with expired deadlines.
             * TAG_SOCKETS: the counter is read below, after the stack ran. */
        }
        /* Frames waiting or a deadline passed: let the stack work, without
         * blocking (max_wait 0). */
        ust_loop_run_once(loop, 0);
        /* The event fd also catches what that run just changed. */
        if (drain(event_fd) || output_pending(a))
            serve(a);
    }
}

/* --help: -1 (exit 0 after parsing). */
static int help(void)
{
    printf("usage: epoll_loop " TAP_USAGE " [--port P] [--stats SECONDS]\n"
           "UDP and TCP echo on a TAP device, with the stack inside the program's own\n"
           "epoll loop next to a timerfd and a signalfd.\n\n" TAP_HELP
           "  --port P               the echo port, UDP and TCP (default 7)\n"
           "  --stats SECONDS        print counters every SECONDS (0: never, the default)\n");
    return -1;
}

/* A usage error: its one line is printed already. */
static int usage(void) { return 2; }

static int parse_args(int argc, char **argv, struct tap_opts *o, unsigned long *port,
                      unsigned long *stats)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help();
        int rc = tap_parse_opt(o, argc, argv, &i);
        if (rc == 2)
            return usage();
        if (rc == 1)
            continue;
        bool is_port = !strcmp(argv[i], "--port"), is_stats = !strcmp(argv[i], "--stats");
        if ((is_port || is_stats) && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || v > (is_port ? 65535 : 3600) || (is_port && v == 0)) {
                fprintf(stderr, "epoll_loop: %s wants %s\n", argv[i - 1],
                        is_port ? "1..65535" : "0..3600 seconds");
                return usage();
            }
            *(is_port ? port : stats) = v;
            continue;
        }
        fprintf(stderr, "epoll_loop: unknown option '%s' (see --help)\n", argv[i]);
        return usage();
    }
    return tap_check_opts(o) ? usage() : 0;
}

int main(int argc, char **argv)
{
    struct tap_opts o = {.prog = "epoll_loop"};
    unsigned long port = 7, stats_sec = 0;
    int rc = parse_args(argc, argv, &o, &port, &stats_sec);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct tap_stack ts;
    if (tap_stack_open(&o, &ts))
        return 1;
    static struct app a; /* connection buffers: not on the stack */
    a.st = ts.st;
    int ep = epoll_create1(EPOLL_CLOEXEC), timer_fd = -1, signal_fd = -1;
    int event_fd = ust_stack_event_fd(a.st); /* before the sockets: owned by the stack */
    if (ep < 0 || open_app_fds((unsigned)stats_sec, &timer_fd, &signal_fd) < 0 ||
        open_sockets(&a, (unsigned)port) < 0 || watch(ep, ust_loop_fd(ts.loop), TAG_STACK) < 0 ||
        watch(ep, event_fd, TAG_SOCKETS) < 0 || watch(ep, timer_fd, TAG_TIMER) < 0 ||
        watch(ep, signal_fd, TAG_SIGNAL) < 0) {
        fprintf(stderr, "epoll_loop: setup failed: %s\n", strerror(errno));
        tap_stack_close(&ts);
        return 1;
    }
    char s[16];
    printf("epoll_loop: echo on %s port %lu (udp and tcp)\n", ust_ip4_str(o.addr, s), port);
    fflush(stdout);

    rc = event_loop(&a, ts.loop, ep, timer_fd, event_fd);
    print_stats(&a, "exit");
    close(ep);
    close(timer_fd);
    close(signal_fd);
    tap_stack_close(&ts); /* closes the sockets and the event fd too */
    return rc;
}
