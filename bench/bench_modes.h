/* The TCP benchmark modes, written once against a small socket interface
 * (struct bench_api) so that the ustack program (bench_tcp.c) and the Linux
 * kernel-socket program (linux_peer.c) run exactly the same client and
 * server code. Included by both; every function is static.
 *
 * Modes (all print one "result ..." line of key=value pairs on stdout;
 * servers print "ready" once they listen):
 *   sink PORT                 accept one connection, read and discard until EOF
 *                             (a "progress bytes=N secs=S" line at most once a
 *                             second while data arrives, so that a run stopped
 *                             before EOF still tells what it received)
 *   source HOST PORT BYTES [SECS]  connect, send BYTES (or for SECS), close
 *   echo PORT                 1-byte ping-pong server (TCP_NODELAY)
 *   pingpong HOST PORT N      1-byte ping-pong client: N round trips
 *   accept PORT               accept + close, for ever
 *   connect HOST PORT N [SECS]  N x (connect, wait for the server's FIN, close),
 *                             or as many as fit in SECS
 *   hold PORT                 accept connections and keep them open, for ever
 *   idle HOST PORT N          open N connections, report memory per connection
 */
#ifndef BENCH_MODES_H
#define BENCH_MODES_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#define BENCH_IO_CHUNK (256u * 1024u) /* bytes per send/recv call in bulk modes */
#define BENCH_PP_WARMUP 200           /* round trips not measured (caches, ARP) */

struct bench_api {
    const char *name; /* "ustack" or "linux" */
    void *ctx;
    int (*tcp_socket)(void *ctx);
    int (*bind)(void *ctx, int fd, const struct sockaddr_in *sa);
    int (*listen)(void *ctx, int fd, int backlog);
    int (*accept)(void *ctx, int fd);
    int (*connect)(void *ctx, int fd, const struct sockaddr_in *sa);
    ssize_t (*send)(void *ctx, int fd, const void *buf, size_t len);
    ssize_t (*recv)(void *ctx, int fd, void *buf, size_t len);
    int (*shutdown_wr)(void *ctx, int fd);
    int (*close)(void *ctx, int fd);
    int (*setsockopt)(void *ctx, int fd, int level, int name, const void *val, socklen_t len);
    /* Memory accounting for `idle`: a sample in bytes, how the number is
     * obtained, and how many endpoints of each connection it covers. */
    long long (*mem_sample)(void *ctx);
    const char *mem_method;
    int mem_endpoints;
    /* Optional (NULL: nothing): prints what the stack knows about connection
     * fd (lines of key=value pairs on stdout, e.g. "tcpinfo ..."), called by
     * the bulk modes after the transfer, before the close. */
    void (*conn_report)(void *ctx, int fd);
};

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* " cpu_s=S sleeps=N" for a bulk mode's result line: the process's CPU
 * time (user + system, all threads) and how often it blocked (voluntary
 * context switches). A transfer that is neither CPU- nor window-bound
 * shows little CPU and many sleeps: each round trip waits for the other
 * program to be scheduled (bench/loss.sh prints both ends' figures). */
static void bench_print_cpu(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return;
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    printf(" cpu_s=%.3f sleeps=%ld", cpu, ru.ru_nvcsw);
}

static int bench_fail(const struct bench_api *api, const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", api->name, what, strerror(errno));
    return 1;
}

static int bench_parse_addr(const char *host, const char *port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    char *end;
    unsigned long p = strtoul(port, &end, 10);
    if (*end || p == 0 || p > 65535)
        return -1;
    sa->sin_port = htons((uint16_t)p);
    if (!host) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static void bench_nodelay(const struct bench_api *api, int fd)
{
    int one = 1;
    api->setsockopt(api->ctx, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int bench_listen(const struct bench_api *api, const char *port, int backlog)
{
    struct sockaddr_in sa;
    if (bench_parse_addr(NULL, port, &sa) < 0) {
        fprintf(stderr, "%s: bad port '%s'\n", api->name, port);
        return -1;
    }
    int fd = api->tcp_socket(api->ctx);
    int one = 1;
    if (fd < 0 || api->setsockopt(api->ctx, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        api->bind(api->ctx, fd, &sa) < 0 || api->listen(api->ctx, fd, backlog) < 0) {
        bench_fail(api, "listen");
        return -1;
    }
    printf("ready\n");
    fflush(stdout);
    return fd;
}

static int bench_connect(const struct bench_api *api, const struct sockaddr_in *sa)
{
    int fd = api->tcp_socket(api->ctx);
    if (fd < 0)
        return -1;
    if (api->connect(api->ctx, fd, sa) < 0) {
        int e = errno;
        api->close(api->ctx, fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Reads until EOF; returns the byte count (or -1). With `first`, records
 * the time of the first byte and prints a progress line at most once a
 * second (from the first byte). */
static long long bench_drain(const struct bench_api *api, int fd, char *buf, double *first)
{
    long long total = 0;
    double next_progress = 0;
    for (;;) {
        ssize_t n = api->recv(api->ctx, fd, buf, BENCH_IO_CHUNK);
        if (n == 0)
            return total;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        total += n;
        if (!first)
            continue;
        double now = bench_now();
        if (total == n) {
            *first = now;
            next_progress = now + 1;
        } else if (now >= next_progress) {
            printf("progress bytes=%lld secs=%.6f\n", total, now - *first);
            fflush(stdout);
            next_progress = now + 1;
        }
    }
}

static void bench_conn_report(const struct bench_api *api, int fd)
{
    if (api->conn_report) {
        api->conn_report(api->ctx, fd);
        fflush(stdout);
    }
}

static int mode_sink(const struct bench_api *api, const char *port)
{
    int lfd = bench_listen(api, port, 16);
    char *buf = malloc(BENCH_IO_CHUNK);
    if (lfd < 0 || !buf)
        return 1;
    int fd = api->accept(api->ctx, lfd);
    if (fd < 0)
        return bench_fail(api, "accept");
    double t0 = bench_now(), first = 0;
    long long total = bench_drain(api, fd, buf, &first);
    double t1 = bench_now();
    if (total < 0)
        return bench_fail(api, "recv");
    bench_conn_report(api, fd);
    /* from the first byte: the handshake is not bulk transfer */
    double secs = t1 - (first > 0 ? first : t0);
    printf("result mode=sink bytes=%lld secs=%.6f gbps=%.3f", total, secs,
           secs > 0 ? (double)total * 8 / secs / 1e9 : 0.0);
    bench_print_cpu();
    printf("\n");
    fflush(stdout); /* before close, which may linger until our FIN is acknowledged */
    api->close(api->ctx, fd);
    api->close(api->ctx, lfd);
    free(buf);
    return 0;
}

static int mode_source(const struct bench_api *api, const char *host, const char *port,
                       const char *bytes_s, const char *secs_s)
{
    struct sockaddr_in sa;
    if (bench_parse_addr(host, port, &sa) < 0) {
        fprintf(stderr, "%s: bad address %s %s\n", api->name, host, port);
        return 2;
    }
    long long want = strtoll(bytes_s, NULL, 10);
    double limit = secs_s ? strtod(secs_s, NULL) : 0;
    char *buf = malloc(BENCH_IO_CHUNK);
    if (!buf)
        return 1;
    for (size_t i = 0; i < BENCH_IO_CHUNK; i++)
        buf[i] = (char)(i * 7 + 1);
    int fd = bench_connect(api, &sa);
    if (fd < 0)
        return bench_fail(api, "connect");
    double t0 = bench_now(), deadline = limit > 0 ? t0 + limit : 0;
    long long sent = 0;
    while (sent < want) {
        size_t n = want - sent < BENCH_IO_CHUNK ? (size_t)(want - sent) : BENCH_IO_CHUNK;
        ssize_t k = api->send(api->ctx, fd, buf, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return bench_fail(api, "send");
        }
        sent += k;
        /* every call: on a lossy path one call can take a second */
        if (deadline && bench_now() >= deadline)
            break;
    }
    /* Half-close and wait for the sink's FIN: every byte has been
     * delivered (and, for ustack, the stack kept running until then). */
    api->shutdown_wr(api->ctx, fd);
    long long back = bench_drain(api, fd, buf, NULL);
    double t1 = bench_now();
    bench_conn_report(api, fd);
    api->close(api->ctx, fd);
    printf("result mode=source bytes=%lld secs=%.6f gbps=%.3f back=%lld", sent, t1 - t0,
           (double)sent * 8 / (t1 - t0) / 1e9, back);
    bench_print_cpu();
    printf("\n");
    free(buf);
    return 0;
}

static int mode_echo(const struct bench_api *api, const char *port)
{
    int lfd = bench_listen(api, port, 16);
    if (lfd < 0)
        return 1;
    int fd = api->accept(api->ctx, lfd);
    if (fd < 0)
        return bench_fail(api, "accept");
    bench_nodelay(api, fd);
    char c;
    long long n = 0;
    for (;;) {
        ssize_t k = api->recv(api->ctx, fd, &c, 1);
        if (k == 0)
            break;
        if (k < 0 || api->send(api->ctx, fd, &c, 1) != 1) {
            if (errno == EINTR)
                continue;
            return bench_fail(api, "echo");
        }
        n++;
    }
    api->close(api->ctx, fd);
    api->close(api->ctx, lfd);
    printf("result mode=echo rounds=%lld\n", n);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int mode_pingpong(const struct bench_api *api, const char *host, const char *port,
                         const char *n_s)
{
    struct sockaddr_in sa;
    long n = strtol(n_s, NULL, 10);
    if (bench_parse_addr(host, port, &sa) < 0 || n <= 0) {
        fprintf(stderr, "%s: pingpong HOST PORT N\n", api->name);
        return 2;
    }
    double *rtt = malloc(sizeof(double) * (size_t)n);
    int fd = bench_connect(api, &sa);
    if (fd < 0 || !rtt)
        return bench_fail(api, "connect");
    bench_nodelay(api, fd);
    char c = 'x';
    for (long i = -BENCH_PP_WARMUP; i < n; i++) {
        double t0 = bench_now();
        if (api->send(api->ctx, fd, &c, 1) != 1)
            return bench_fail(api, "send");
        ssize_t k;
        while ((k = api->recv(api->ctx, fd, &c, 1)) < 0 && errno == EINTR)
            ;
        if (k != 1)
            return bench_fail(api, "recv");
        if (i >= 0)
            rtt[i] = (bench_now() - t0) * 1e6;
    }
    api->shutdown_wr(api->ctx, fd);
    while (api->recv(api->ctx, fd, &c, 1) > 0)
        ;
    api->close(api->ctx, fd);
    double sum = 0;
    for (long i = 0; i < n; i++)
        sum += rtt[i];
    qsort(rtt, (size_t)n, sizeof(double), cmp_double);
    printf("result mode=pingpong rounds=%ld mean_us=%.2f p50_us=%.2f p99_us=%.2f min_us=%.2f\n", n,
           sum / (double)n, rtt[n / 2], rtt[(size_t)((double)n * 0.99)], rtt[0]);
    free(rtt);
    return 0;
}

static int mode_accept(const struct bench_api *api, const char *port)
{
    int lfd = bench_listen(api, port, 1024);
    if (lfd < 0)
        return 1;
    for (;;) {
        int fd = api->accept(api->ctx, lfd);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return bench_fail(api, "accept");
        }
        api->close(api->ctx, fd);
    }
}

static int mode_connect(const struct bench_api *api, const char *host, const char *port,
                        const char *n_s, const char *secs_s)
{
    struct sockaddr_in sa;
    long n = strtol(n_s, NULL, 10);
    double limit = secs_s ? strtod(secs_s, NULL) : 0;
    if (bench_parse_addr(host, port, &sa) < 0 || n <= 0) {
        fprintf(stderr, "%s: connect HOST PORT N [SECS]\n", api->name);
        return 2;
    }
    char c;
    double t0 = bench_now();
    long i = 0;
    for (; i < n && !(limit > 0 && bench_now() - t0 >= limit); i++) {
        int fd = bench_connect(api, &sa);
        if (fd < 0)
            return bench_fail(api, "connect");
        /* the server closes first (and keeps the TIME-WAIT) */
        while (api->recv(api->ctx, fd, &c, 1) < 0 && errno == EINTR)
            ;
        api->close(api->ctx, fd);
    }
    double secs = bench_now() - t0;
    printf("result mode=connect conns=%ld secs=%.6f per_sec=%.0f\n", i, secs, (double)i / secs);
    return 0;
}

static int mode_hold(const struct bench_api *api, const char *port)
{
    int lfd = bench_listen(api, port, 4096);
    if (lfd < 0)
        return 1;
    for (;;) {
        int fd = api->accept(api->ctx, lfd);
        if (fd < 0 && errno != EINTR && errno != ECONNABORTED)
            return bench_fail(api, "accept");
    }
}

static int mode_idle(const struct bench_api *api, const char *host, const char *port,
                     const char *n_s)
{
    struct sockaddr_in sa;
    long n = strtol(n_s, NULL, 10);
    if (bench_parse_addr(host, port, &sa) < 0 || n <= 0) {
        fprintf(stderr, "%s: idle HOST PORT N\n", api->name);
        return 2;
    }
    /* one connection first, so that one-time costs (ARP entry, tables,
     * the route) are not counted per connection */
    int first = bench_connect(api, &sa);
    if (first < 0)
        return bench_fail(api, "connect");
    long long before = api->mem_sample(api->ctx);
    for (long i = 0; i < n; i++)
        if (bench_connect(api, &sa) < 0)
            return bench_fail(api, "connect");
    long long after = api->mem_sample(api->ctx);
    double per = (double)(after - before) / (double)n / api->mem_endpoints;
    printf("result mode=idle conns=%ld bytes_per_conn=%.0f method=%s\n", n, per, api->mem_method);
    fflush(stdout);
    return 0;
}

/* Dispatches argv (after the program's own options) to a mode. */
static int bench_main(const struct bench_api *api, int argc, char **argv)
{
    if (argc < 1)
        return 2;
    const char *m = argv[0];
    if (!strcmp(m, "sink") && argc == 2)
        return mode_sink(api, argv[1]);
    if (!strcmp(m, "source") && (argc == 4 || argc == 5))
        return mode_source(api, argv[1], argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    if (!strcmp(m, "echo") && argc == 2)
        return mode_echo(api, argv[1]);
    if (!strcmp(m, "pingpong") && argc == 4)
        return mode_pingpong(api, argv[1], argv[2], argv[3]);
    if (!strcmp(m, "accept") && argc == 2)
        return mode_accept(api, argv[1]);
    if (!strcmp(m, "connect") && (argc == 4 || argc == 5))
        return mode_connect(api, argv[1], argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    if (!strcmp(m, "hold") && argc == 2)
        return mode_hold(api, argv[1]);
    if (!strcmp(m, "idle") && argc == 4)
        return mode_idle(api, argv[1], argv[2], argv[3]);
    return 2;
}

#define BENCH_MODES_USAGE                                                              \
    "  sink PORT | source HOST PORT BYTES [SECS] | echo PORT | pingpong HOST PORT N |\n" \
    "  accept PORT | connect HOST PORT N [SECS] | hold PORT | idle HOST PORT N\n"

#endif
