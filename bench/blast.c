/* blast: the Linux-side sender, sink and connection tools of bench/speed.sh,
 * on kernel sockets. The same tool runs against Linux (over a veth pair) and
 * against ustack (over a TAP), so every pair of rows in speed.sh's table
 * differs only in the stack at the other end.
 *
 * HOST is an IPv4 or an IPv6 address; the listening modes take both.
 *
 *   blast send HOST PORT SECS [STREAMS]  STREAMS connections (default 1),
 *                     each sends for SECS, half-closes and waits for the
 *                     peer's FIN; Gbit/s = bytes / (start .. last FIN)
 *   blast sink PORT [STREAMS]   accepts STREAMS connections, reads each until
 *                     EOF or reset; Gbit/s = bytes / (first .. last byte)
 *   blast discard PORT          accepts, reads until EOF, closes; for ever
 *   blast connect HOST PORT SECS  for SECS: connect, half-close, wait for
 *                     the server's FIN, close; connections/s
 *   blast hold PORT             accepts connections and keeps them open
 *   blast idle HOST PORT N      opens N connections, reports and says
 *                     "ready", then waits (until killed) holding them
 *
 * Each stream runs in its own process (fork), so that two streams can use
 * two CPUs as two queues can. Every mode prints "ready" when it listens and
 * one "result key=value..." line; cpu_s is user + system time of the
 * tool's processes (getrusage), the stack's work in softirq not included. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLAST_CHUNK (256u * 1024u) /* bytes per send()/recv() */
#define BLAST_MAX_STREAMS 16

/* What one stream (one process) did, sent to the parent through a pipe. */
struct blast_stream {
    long long bytes;
    double first, last; /* CLOCK_MONOTONIC: first and last byte (sink), start and FIN (send) */
    double cpu_s;
    int err; /* errno of a failure, 0 if none */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_self_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* HOST (an IPv4 or IPv6 address; NULL: any) and PORT into sa. */
static int parse_addr(const char *host, const char *port, struct sockaddr_storage *sa)
{
    memset(sa, 0, sizeof(*sa));
    char *end;
    unsigned long p = strtoul(port, &end, 10);
    if (*end || p == 0 || p > 65535)
        return -1;
    struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
    if (host && strchr(host, ':')) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)p);
        return inet_pton(AF_INET6, host, &v6->sin6_addr) == 1 ? 0 : -1;
    }
    v4->sin_family = AF_INET;
    v4->sin_port = htons((unsigned short)p);
    if (!host) { /* any: one IPv6 socket takes both families (V6ONLY off) */
        v6->sin6_family = AF_INET6;
        v6->sin6_addr = in6addr_any;
        return 0;
    }
    return inet_pton(AF_INET, host, &v4->sin_addr) == 1 ? 0 : -1;
}

static socklen_t addr_len(const struct sockaddr_storage *sa)
{
    return sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static int listen_on(const char *port, int backlog)
{
    struct sockaddr_storage sa;
    int one = 1, zero = 0, fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || parse_addr(NULL, port, &sa) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0 ||
        bind(fd, (struct sockaddr *)&sa, addr_len(&sa)) < 0 || listen(fd, backlog) < 0) {
        fprintf(stderr, "blast: listen on %s: %s\n", port, strerror(errno));
        return -1;
    }
    printf("ready\n");
    fflush(stdout);
    return fd;
}

static int connect_to(const struct sockaddr_storage *sa)
{
    int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)sa, addr_len(sa)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Reads fd until EOF or an error (a reset ends a stream too: ustack send
 * stopped by a signal aborts its connection); counts bytes and the times
 * of the first and the last byte. */
static void drain(int fd, char *buf, struct blast_stream *s)
{
    for (;;) {
        ssize_t n = recv(fd, buf, BLAST_CHUNK, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        double t = now_s();
        if (s->bytes == 0)
            s->first = t;
        s->last = t;
        s->bytes += n;
    }
}

/* Sends for secs from s->first, half-closes and waits for the peer's FIN. */
static void send_for(int fd, char *buf, double secs, struct blast_stream *s)
{
    double deadline = s->first + secs;
    while (now_s() < deadline) {
        ssize_t k = send(fd, buf, BLAST_CHUNK, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            s->err = errno;
            return;
        }
        s->bytes += k;
    }
    shutdown(fd, SHUT_WR);
    while (recv(fd, buf, BLAST_CHUNK, 0) > 0)
        ;
    s->last = now_s();
}

/* The child's half of a stream: report s on the pipe and exit. */
static void stream_report(int wfd, struct blast_stream *s)
{
    s->cpu_s = cpu_self_s();
    ssize_t k = write(wfd, s, sizeof(*s));
    _exit(k == (ssize_t)sizeof(*s) ? 0 : 1);
}

static void stream_send(int wfd, const struct sockaddr_storage *sa, double secs)
{
    struct blast_stream s = {0};
    char *buf = malloc(BLAST_CHUNK);
    if (!buf)
        _exit(1);
    for (size_t i = 0; i < BLAST_CHUNK; i++)
        buf[i] = (char)(i * 7 + 1);
    s.first = now_s();
    int fd = connect_to(sa);
    if (fd < 0)
        s.err = errno;
    else
        send_for(fd, buf, secs, &s);
    stream_report(wfd, &s);
}

static void stream_sink(int wfd, int fd)
{
    struct blast_stream s = {0};
    char *buf = malloc(BLAST_CHUNK);
    if (!buf)
        _exit(1);
    drain(fd, buf, &s);
    stream_report(wfd, &s);
}

/* Collects n stream reports from rfd and reaps the children; sums bytes
 * and CPU, spans the earliest first to the latest last. */
static int collect(int rfd, int n, struct blast_stream *sum)
{
    memset(sum, 0, sizeof(*sum));
    int got = 0;
    for (int i = 0; i < n; i++) {
        struct blast_stream s;
        if (read(rfd, &s, sizeof(s)) != (ssize_t)sizeof(s))
            break;
        if (s.err)
            sum->err = s.err;
        if (s.bytes > 0 && (sum->first == 0 || s.first < sum->first))
            sum->first = s.first;
        if (s.last > sum->last)
            sum->last = s.last;
        sum->bytes += s.bytes;
        sum->cpu_s += s.cpu_s;
        got++;
    }
    while (wait(NULL) > 0)
        ;
    return got == n ? 0 : -1;
}

static void print_result(const char *mode, int n, const struct blast_stream *s)
{
    double secs = s->last > s->first ? s->last - s->first : 0;
    printf("result mode=%s streams=%d bytes=%lld secs=%.6f gbps=%.3f cpu_s=%.3f\n", mode, n,
           s->bytes, secs, secs > 0 ? (double)s->bytes * 8 / secs / 1e9 : 0.0, s->cpu_s);
    fflush(stdout);
}

static int parse_streams(const char *arg)
{
    int n = arg ? atoi(arg) : 1;
    return n >= 1 && n <= BLAST_MAX_STREAMS ? n : -1;
}

static int mode_send(const char *host, const char *port, const char *secs_s, const char *streams)
{
    struct sockaddr_storage sa;
    double secs = strtod(secs_s, NULL);
    int n = parse_streams(streams), p[2];
    if (parse_addr(host, port, &sa) < 0 || secs <= 0 || n < 0)
        return 2;
    if (pipe(p) < 0)
        return 1;
    for (int i = 0; i < n; i++)
        if (fork() == 0) {
            close(p[0]);
            stream_send(p[1], &sa, secs);
        }
    close(p[1]);
    struct blast_stream sum;
    if (collect(p[0], n, &sum) < 0 || sum.err) {
        fprintf(stderr, "blast: send: %s\n", sum.err ? strerror(sum.err) : "a stream failed");
        return 1;
    }
    print_result("send", n, &sum);
    return 0;
}

static int mode_sink(const char *port, const char *streams)
{
    int n = parse_streams(streams), p[2];
    if (n < 0)
        return 2;
    int lfd = listen_on(port, 16);
    if (lfd < 0 || pipe(p) < 0)
        return 1;
    for (int i = 0; i < n; i++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            fprintf(stderr, "blast: accept: %s\n", strerror(errno));
            return 1;
        }
        if (fork() == 0) {
            close(p[0]);
            stream_sink(p[1], fd);
        }
        close(fd);
    }
    close(p[1]);
    struct blast_stream sum;
    if (collect(p[0], n, &sum) < 0) {
        fprintf(stderr, "blast: sink: a stream failed\n");
        return 1;
    }
    print_result("sink", n, &sum);
    return 0;
}

static int mode_discard(const char *port)
{
    int lfd = listen_on(port, 1024);
    char buf[4096];
    if (lfd < 0)
        return 1;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, "blast: accept: %s\n", strerror(errno));
            return 1;
        }
        while (recv(fd, buf, sizeof(buf), 0) > 0)
            ;
        close(fd);
    }
}

static int mode_connect(const char *host, const char *port, const char *secs_s)
{
    struct sockaddr_storage sa;
    double secs = strtod(secs_s, NULL);
    if (parse_addr(host, port, &sa) < 0 || secs <= 0)
        return 2;
    char c;
    long conns = 0;
    double t0 = now_s(), cpu0 = cpu_self_s();
    while (now_s() - t0 < secs) {
        int fd = connect_to(&sa);
        if (fd < 0) {
            fprintf(stderr, "blast: connect (after %ld): %s\n", conns, strerror(errno));
            return 1;
        }
        shutdown(fd, SHUT_WR); /* the client closes first (and keeps the TIME-WAIT) */
        while (recv(fd, &c, 1, 0) > 0)
            ;
        close(fd);
        conns++;
    }
    double secs_run = now_s() - t0;
    printf("result mode=connect conns=%ld secs=%.6f per_sec=%.0f cpu_s=%.3f\n", conns, secs_run,
           (double)conns / secs_run, cpu_self_s() - cpu0);
    return 0;
}

static int mode_hold(const char *port)
{
    int lfd = listen_on(port, 4096);
    if (lfd < 0)
        return 1;
    for (;;)
        if (accept(lfd, NULL, NULL) < 0 && errno != EINTR && errno != ECONNABORTED) {
            fprintf(stderr, "blast: accept: %s\n", strerror(errno));
            return 1;
        }
}

static int mode_idle(const char *host, const char *port, const char *n_s)
{
    struct sockaddr_storage sa;
    long n = strtol(n_s, NULL, 10);
    if (parse_addr(host, port, &sa) < 0 || n <= 0)
        return 2;
    for (long i = 0; i < n; i++)
        if (connect_to(&sa) < 0) {
            fprintf(stderr, "blast: idle connection %ld: %s\n", i + 1, strerror(errno));
            return 1;
        }
    printf("result mode=idle conns=%ld\nready\n", n);
    fflush(stdout);
    for (;;)
        pause(); /* holds them until killed */
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int dispatch(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";
    if (!strcmp(m, "send") && (argc == 5 || argc == 6))
        return mode_send(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
    if (!strcmp(m, "sink") && (argc == 3 || argc == 4))
        return mode_sink(argv[2], argc == 4 ? argv[3] : NULL);
    if (!strcmp(m, "discard") && argc == 3)
        return mode_discard(argv[2]);
    if (!strcmp(m, "connect") && argc == 5)
        return mode_connect(argv[2], argv[3], argv[4]);
    if (!strcmp(m, "hold") && argc == 3)
        return mode_hold(argv[2]);
    if (!strcmp(m, "idle") && argc == 5)
        return mode_idle(argv[2], argv[3], argv[4]);
    return 2;
}

int main(int argc, char **argv)
{
    raise_fd_limit();
    signal(SIGPIPE, SIG_IGN);
    int rc = dispatch(argc, argv);
    if (rc == 2)
        fprintf(stderr, "usage: blast send HOST PORT SECS [STREAMS] | sink PORT [STREAMS] |\n"
                        "       discard PORT | connect HOST PORT SECS | hold PORT |\n"
                        "       idle HOST PORT N\n");
    return rc;
}
