/* bench_front: what the thread-safe front (front.h) costs against the
 * single-threaded API, over the loopback device (no network, no
 * privileges): 1-byte request/response round trips and bulk throughput.
 *
 *   bench_front [ROUND_TRIPS [MBYTES]]     (defaults 20000 and 256)
 *
 * Rows: native = one thread drives the stack (ust_loop as the blocking
 * calls' waiter), client and server sockets in that thread; front-lock =
 * the front with data calls under the core lock (the default); front-msg
 * = the front with data calls handed to the stack thread as messages
 * (cfg.front_data_messages). In the front rows the client is the main
 * thread and the server a second thread, both blocking. kernel = the same
 * two threads on Linux's own TCP over 127.0.0.1 (send/recv on kernel
 * sockets): what a thread hand-off costs on this machine. */
#include <errno.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ustack/front.h"
#include "ustack/ustack.h"

#define PORT 5001
#define CHUNK 65536
#define LOCALHOST 0x7f000001u

static struct ust_stack *stack_up(bool data_messages)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.front_data_messages = data_messages;
    struct ust_stack *st = ust_stack_new(&cfg);
    if (!st || ust_iface_add(st, ust_dev_loopback_new(st), LOCALHOST, 8) < 0) {
        fprintf(stderr, "bench_front: stack setup failed\n");
        exit(1);
    }
    return st;
}

static struct sockaddr_in addr(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    a.sin_addr.s_addr = htonl(LOCALHOST);
    return a;
}

static double secs_since(ust_time_t t0) { return (double)(ust_clock_monotonic() - t0) / 1e9; }

static void report(const char *mode, long rtts, double rr_secs, long bytes, double bulk_secs)
{
    printf("%-10s rr_us=%.2f bulk_MBps=%.0f\n", mode, rr_secs * 1e6 / (double)rtts,
           (double)bytes / bulk_secs / 1e6);
}

/* ---- native: one thread, the single-threaded API --------------------------- */

static void native_pair(struct ust_stack *st, int *c, int *s)
{
    int l = ust_socket(st, AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = addr();
    ust_bind(st, l, (struct sockaddr *)&a, sizeof(a));
    ust_listen(st, l, 8);
    *c = ust_socket(st, AF_INET, SOCK_STREAM, 0);
    if (ust_connect(st, *c, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        (*s = ust_accept(st, l, NULL, NULL)) < 0) {
        fprintf(stderr, "bench_front: native connect: %s\n", strerror(errno));
        exit(1);
    }
    ust_setsockopt(st, *c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ust_setsockopt(st, *s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ust_close(st, l);
}

static void run_native(long rtts, long bytes)
{
    struct ust_stack *st = stack_up(false);
    struct ust_loop *loop = ust_loop_new(st);
    int c, s;
    native_pair(st, &c, &s);
    char b = 0;
    ust_time_t t0 = ust_clock_monotonic();
    for (long i = 0; i < rtts; i++) {
        ust_send(st, c, &b, 1, 0);
        ust_recv(st, s, &b, 1, 0);
        ust_send(st, s, &b, 1, 0);
        ust_recv(st, c, &b, 1, 0);
    }
    double rr = secs_since(t0);
    static char buf[CHUNK];
    long sent = 0, got = 0;
    t0 = ust_clock_monotonic();
    while (got < bytes) {
        ssize_t n = sent < bytes ? ust_send(st, c, buf, CHUNK, MSG_DONTWAIT) : 0;
        sent += n > 0 ? n : 0;
        ssize_t m = ust_recv(st, s, buf, CHUNK, MSG_DONTWAIT);
        got += m > 0 ? m : 0;
        if (n <= 0 && m <= 0)
            ust_loop_run_once(loop, UST_TIME_NEVER);
    }
    report("native", rtts, rr, got, secs_since(t0));
    ust_loop_free(loop);
    ust_stack_free(st);
}

/* ---- the front: a client thread and a server thread ------------------------- */

struct server {
    struct ust_front *f;
    int fd;
    long rtts, got;
};

static void *rr_server(void *arg)
{
    struct server *sv = arg;
    char b;
    for (long i = 0; i < sv->rtts; i++)
        if (ust_front_recv(sv->f, sv->fd, &b, 1, 0) != 1 ||
            ust_front_send(sv->f, sv->fd, &b, 1, 0) != 1)
            break;
    static char buf[CHUNK];
    ssize_t n;
    while ((n = ust_front_recv(sv->f, sv->fd, buf, CHUNK, 0)) > 0)
        sv->got += n;
    return NULL;
}

static void front_pair(struct ust_front *f, int *c, int *s)
{
    int l = ust_front_socket(f, AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = addr();
    ust_front_bind(f, l, (struct sockaddr *)&a, sizeof(a));
    ust_front_listen(f, l, 8);
    *c = ust_front_socket(f, AF_INET, SOCK_STREAM, 0);
    if (ust_front_connect(f, *c, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        (*s = ust_front_accept(f, l, NULL, NULL, 0)) < 0) {
        fprintf(stderr, "bench_front: front connect: %s\n", strerror(errno));
        exit(1);
    }
    ust_front_setsockopt(f, *c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ust_front_setsockopt(f, *s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ust_front_close(f, l);
}

static void run_front(const char *mode, bool data_messages, long rtts, long bytes)
{
    struct ust_front *f = ust_front_new(stack_up(data_messages));
    int c, s;
    front_pair(f, &c, &s);
    struct server sv = {.f = f, .fd = s, .rtts = rtts};
    pthread_t t;
    pthread_create(&t, NULL, rr_server, &sv);
    char b = 0;
    ust_time_t t0 = ust_clock_monotonic();
    for (long i = 0; i < rtts; i++) {
        ust_front_send(f, c, &b, 1, 0);
        ust_front_recv(f, c, &b, 1, 0);
    }
    double rr = secs_since(t0);
    static char buf[CHUNK];
    t0 = ust_clock_monotonic();
    for (long sent = 0; sent < bytes; sent += CHUNK)
        ust_front_send(f, c, buf, CHUNK, 0);
    ust_front_shutdown(f, c, SHUT_WR);
    pthread_join(t, NULL);
    report(mode, rtts, rr, sv.got, secs_since(t0));
    ust_front_free(f);
}

/* ---- the kernel: the same two threads over Linux's loopback ------------------ */

struct kserver {
    int fd;
    long rtts, got;
};

static void *kernel_server(void *arg)
{
    struct kserver *sv = arg;
    char b;
    for (long i = 0; i < sv->rtts; i++)
        if (recv(sv->fd, &b, 1, 0) != 1 || send(sv->fd, &b, 1, 0) != 1)
            break;
    static char buf[CHUNK];
    ssize_t n;
    while ((n = recv(sv->fd, buf, CHUNK, 0)) > 0)
        sv->got += n;
    return NULL;
}

static void run_kernel(long rtts, long bytes)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = addr();
    a.sin_port = 0; /* any free port */
    socklen_t al = sizeof(a);
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 8) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) < 0 ||
        connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
        fprintf(stderr, "bench_front: kernel sockets: %s\n", strerror(errno));
        exit(1);
    }
    struct kserver sv = {.fd = accept(l, NULL, NULL), .rtts = rtts};
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(sv.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    pthread_t t;
    pthread_create(&t, NULL, kernel_server, &sv);
    char b = 0;
    ust_time_t t0 = ust_clock_monotonic();
    for (long i = 0; i < rtts; i++)
        if (send(c, &b, 1, 0) != 1 || recv(c, &b, 1, 0) != 1)
            break;
    double rr = secs_since(t0);
    static char buf[CHUNK];
    t0 = ust_clock_monotonic();
    for (long sent = 0; sent < bytes; sent += CHUNK)
        if (send(c, buf, CHUNK, 0) != CHUNK)
            break;
    shutdown(c, SHUT_WR);
    pthread_join(t, NULL);
    report("kernel", rtts, rr, sv.got, secs_since(t0));
    close(c);
    close(sv.fd);
    close(l);
}

int main(int argc, char **argv)
{
    long rtts = argc > 1 ? atol(argv[1]) : 20000;
    long bytes = (argc > 2 ? atol(argv[2]) : 256) << 20;
    if (rtts <= 0 || bytes <= 0) {
        fprintf(stderr, "usage: bench_front [ROUND_TRIPS [MBYTES]]\n");
        return 2;
    }
    run_native(rtts, bytes);
    run_front("front-lock", false, rtts, bytes);
    run_front("front-msg", true, rtts, bytes);
    run_kernel(rtts, bytes);
    return 0;
}
