/* echo_server: a TCP echo server (RFC 862) on a TAP device, written with
 * blocking calls exactly as one would with BSD sockets.
 *
 *   echo_server --tap NAME --addr A.B.C.D/N [--host-addr A.B.C.D/N]
 *               [--port P] [--trace]
 *
 * Serves one connection at a time and sends back every byte it receives,
 * until SIGINT or SIGTERM. Blocking calls (accept, recv, send) keep the
 * stack running while they wait, through the waiter the event loop
 * installed; a signal interrupts them with EINTR, as in the kernel. */
#define _POSIX_C_SOURCE 200809L /* sigaction: the Makefile compiles with -std=c11 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "tap_setup.h"

/* Set by the signal handler; a handler has no context argument. */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocked call returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Echoes one connection until the client closes it. A blocking ust_send
 * queues all n bytes before it returns (as send(2) on Linux); it comes
 * back short only on a timeout or a signal, and then we stop anyway. */
static void serve(struct ust_stack *st, int fd, const char *peer)
{
    char buf[8192];
    unsigned long long total = 0;
    ssize_t n;
    while ((n = ust_recv(st, fd, buf, sizeof(buf), 0)) > 0) {
        ssize_t sent = ust_send(st, fd, buf, (size_t)n, 0);
        if (sent > 0)
            total += (unsigned long long)sent;
        if (sent != n) {
            n = sent < 0 ? -1 : 0; /* short: a signal interrupted it, we stop */
            break;
        }
    }
    /* n == 0: the client closed its side (or a signal); EINTR: a signal */
    if (n < 0 && errno != EINTR)
        fprintf(stderr, "echo_server: %s: %s\n", peer, strerror(errno));
    printf("echo_server: %s closed, %llu bytes echoed\n", peer, total);
    fflush(stdout);
}

static int help(void)
{
    printf("usage: echo_server " TAP_USAGE " [--port P]\n"
           "A TCP echo server (RFC 862) on a TAP device: sends back every byte it\n"
           "receives, one connection at a time, until SIGINT or SIGTERM.\n\n" TAP_HELP
           "  --port P               the port to listen on (default 7)\n");
    return 0;
}

/* A usage error: its one line is printed already. */
static int usage(void) { return 2; }

int main(int argc, char **argv)
{
    struct tap_opts o = {.prog = "echo_server"};
    unsigned long port = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help();
        int rc = tap_parse_opt(&o, argc, argv, &i);
        if (rc == 2)
            return usage();
        if (rc == 1)
            continue;
        if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            char *end;
            port = strtoul(argv[++i], &end, 10);
            if (*end || port < 1 || port > 65535) {
                fprintf(stderr, "echo_server: --port wants 1..65535\n");
                return usage();
            }
            continue;
        }
        fprintf(stderr, "echo_server: unknown option '%s' (see --help)\n", argv[i]);
        return usage();
    }
    if (tap_check_opts(&o))
        return usage();

    struct tap_stack ts;
    if (tap_stack_open(&o, &ts))
        return 1;
    struct ust_stack *st = ts.st;
    catch_signals();

    /* socket, bind, listen: the same calls and arguments as BSD sockets,
     * with the stack as the first argument. */
    int lfd = ust_socket(st, AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (lfd < 0 || ust_setsockopt(st, lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        ust_bind(st, lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || ust_listen(st, lfd, 8) < 0) {
        perror("echo_server: listen");
        tap_stack_close(&ts);
        return 1;
    }
    /* A signal that lands between the `stop` check and the wait inside
     * ust_accept() would be missed: wake up twice a second to look again. */
    struct timeval tick = {.tv_sec = 0, .tv_usec = 500000};
    ust_setsockopt(st, lfd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
    char a[16];
    printf("echo_server: listening on %s port %lu\n", ust_ip4_str(o.addr, a), port);
    fflush(stdout);

    int rc = 0;
    while (!stop) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof(peer);
        int fd = ust_accept(st, lfd, (struct sockaddr *)&peer, &plen);
        if (fd < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue; /* a signal or the tick: the loop condition decides */
            perror("echo_server: accept");
            rc = 1;
            break;
        }
        struct timeval forever = {0, 0}; /* the tick is the listener's, not the connection's */
        ust_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
        char name[32];
        snprintf(name, sizeof(name), "%s:%u", ust_ip4_str(ntohl(peer.sin_addr.s_addr), a),
                 ntohs(peer.sin_port));
        printf("echo_server: connection from %s\n", name);
        fflush(stdout);
        serve(st, fd, name);
        ust_close(st, fd);
    }
    ust_close(st, lfd);
    tap_stack_close(&ts);
    return rc;
}
