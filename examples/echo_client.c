/* echo_client: sends its standard input to a TCP echo server through a
 * stack on a TAP device, writes what comes back to standard output and
 * checks that it is exactly what was sent.
 *
 *   echo_client --tap NAME --addr A.B.C.D/N [--host-addr A.B.C.D/N]
 *               --server A.B.C.D [--port P] [--trace]
 *
 * Written with blocking calls, as one would with BSD sockets. Exits 0 when
 * every byte came back intact and the server then closed, 1 on a network
 * error or a wrong echo, 2 on a usage error. */
#define _POSIX_C_SOURCE 200809L /* the Makefile compiles with -std=c11 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "tap_setup.h"

#define IO_TIMEOUT_SEC 10 /* give up on a silent server instead of hanging */

/* Receives exactly len bytes (a blocking recv may return fewer). */
static int recv_all(struct ust_stack *st, int fd, char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = ust_recv(st, fd, buf, len, 0);
        if (n <= 0) {
            if (n == 0)
                fprintf(stderr, "echo_client: the server closed before echoing everything\n");
            else
                fprintf(stderr, "echo_client: recv: %s\n",
                        errno == EAGAIN ? "no echo within the timeout" : strerror(errno));
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A blocking ust_send queues everything (as send(2) on Linux) unless
 * SO_SNDTIMEO expires first: then it returns what it queued. */
static int send_chunk(struct ust_stack *st, int fd, const char *buf, size_t len)
{
    ssize_t n = ust_send(st, fd, buf, len, 0);
    if (n == (ssize_t)len)
        return 0;
    if (n < 0)
        fprintf(stderr, "echo_client: send: %s\n",
                errno == EAGAIN ? "not sent within the timeout" : strerror(errno));
    else
        fprintf(stderr, "echo_client: send: only %zd of %zu bytes within the timeout\n", n, len);
    return -1;
}

/* One chunk of standard input at a time: send it, read its echo back,
 * compare, copy to standard output. Reading standard input does not run
 * the stack, which is fine here: nothing is expected while we read. */
static int echo_stdin(struct ust_stack *st, int fd, unsigned long long *total)
{
    static char out[16384], back[16384];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, out, sizeof(out));
        if (n == 0)
            return 0;
        if (n < 0) {
            perror("echo_client: standard input");
            return -1;
        }
        if (send_chunk(st, fd, out, (size_t)n) < 0 || recv_all(st, fd, back, (size_t)n) < 0)
            return -1;
        if (memcmp(out, back, (size_t)n) != 0) {
            fprintf(stderr, "echo_client: the echo differs from what was sent (after %llu "
                            "bytes)\n", *total);
            return -1;
        }
        fwrite(back, 1, (size_t)n, stdout);
        *total += (unsigned long long)n;
    }
}

static int help(void)
{
    printf("usage: echo_client " TAP_USAGE " --server A.B.C.D [--port P]\n"
           "Sends standard input to a TCP echo server, writes the echo to standard output\n"
           "and checks it; exits 0 when every byte came back intact.\n\n" TAP_HELP
           "  --server A.B.C.D       the echo server's address\n"
           "  --port P               its port (default 7)\n");
    return 0;
}

/* A usage error: its one line is printed already. */
static int usage(void) { return 2; }

int main(int argc, char **argv)
{
    struct tap_opts o = {.prog = "echo_client"};
    ust_ip4_t server = 0;
    unsigned long port = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help();
        int rc = tap_parse_opt(&o, argc, argv, &i);
        if (rc == 2)
            return usage();
        if (rc == 1)
            continue;
        if (!strcmp(argv[i], "--server") && i + 1 < argc) {
            if (ust_ip4_parse(argv[++i], &server) != UST_OK) {
                fprintf(stderr, "echo_client: --server: '%s' is not an address\n", argv[i]);
                return usage();
            }
        } else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            char *end;
            port = strtoul(argv[++i], &end, 10);
            if (*end || port < 1 || port > 65535) {
                fprintf(stderr, "echo_client: --port wants 1..65535\n");
                return usage();
            }
        } else {
            fprintf(stderr, "echo_client: unknown option '%s' (see --help)\n", argv[i]);
            return usage();
        }
    }
    if (tap_check_opts(&o))
        return usage();
    if (!server) {
        fprintf(stderr, "echo_client: --server is required\n");
        return usage();
    }

    struct tap_stack ts;
    if (tap_stack_open(&o, &ts))
        return 1;
    struct ust_stack *st = ts.st;

    /* Timeouts bound every blocking call: connect fails with EINPROGRESS,
     * recv and send with EAGAIN when they pass (as on Linux). */
    struct timeval tv = {.tv_sec = IO_TIMEOUT_SEC};
    int fd = ust_socket(st, AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ust_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        ust_setsockopt(st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
        perror("echo_client: socket");
        tap_stack_close(&ts);
        return 1;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(server)};
    char a[16];
    if (ust_connect(st, fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "echo_client: connect to %s port %lu: %s\n", ust_ip4_str(server, a), port,
                errno == EINPROGRESS ? "no answer within the timeout" : strerror(errno));
        tap_stack_close(&ts);
        return 1;
    }

    unsigned long long total = 0;
    int rc = echo_stdin(st, fd, &total) < 0 ? 1 : 0;
    if (rc == 0) {
        /* Half-close: tell the server we are done, then expect its close
         * (recv returns 0) with nothing extra before it. */
        char extra;
        ust_shutdown(st, fd, SHUT_WR);
        ssize_t n = ust_recv(st, fd, &extra, 1, 0);
        if (n != 0) {
            fprintf(stderr, "echo_client: %s after the echo\n",
                    n > 0 ? "unexpected data" : strerror(errno));
            rc = 1;
        }
    }
    fflush(stdout);
    if (rc == 0)
        fprintf(stderr, "echo_client: %llu bytes echoed intact by %s port %lu\n", total,
                ust_ip4_str(server, a), port);
    ust_close(st, fd);
    tap_stack_close(&ts);
    return rc;
}
