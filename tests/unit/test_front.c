/* The thread-safe front (front.h): a stack on its own thread over the
 * loopback device, used from several application threads at once.
 * Threads never call cmocka's asserts (not thread-safe): they record what
 * went wrong and the main thread checks it. Every wait has a deadline
 * (SO_RCVTIMEO or a poll timeout far beyond need); none is a threshold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ustack/front.h"
#include "ustack/ustack.h"

#define LOCALHOST 0x7f000001u
#define LONG_MS 30000 /* a deadline for things that happen at once */

static struct ust_front *front_up(bool data_messages)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.front_data_messages = data_messages;
    struct ust_stack *st = ust_stack_new(&cfg);
    assert_non_null(st);
    struct ust_dev *lo = ust_dev_loopback_new(st);
    assert_non_null(lo);
    assert_true(ust_iface_add(st, lo, LOCALHOST, 8) >= 0);
    struct ust_front *f = ust_front_new(st);
    assert_non_null(f);
    return f;
}

static struct sockaddr_in sin_of(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(LOCALHOST);
    return a;
}

static void set_timeo(struct ust_front *f, int fd, int name, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    assert_int_equal(ust_front_setsockopt(f, fd, SOL_SOCKET, name, &tv, sizeof(tv)), 0);
}

static int listener(struct ust_front *f, uint16_t port, int type_flags)
{
    int l = ust_front_socket(f, AF_INET, SOCK_STREAM | type_flags, 0);
    assert_true(l >= 0);
    struct sockaddr_in a = sin_of(port);
    assert_int_equal(ust_front_bind(f, l, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(ust_front_listen(f, l, 128), 0);
    return l;
}

/* connected client c and accepted server end s; l stays listening */
static void tcp_pair(struct ust_front *f, int l, uint16_t port, int *c, int *s)
{
    *c = ust_front_socket(f, AF_INET, SOCK_STREAM, 0);
    assert_true(*c >= 0);
    struct sockaddr_in a = sin_of(port);
    assert_int_equal(ust_front_connect(f, *c, (struct sockaddr *)&a, sizeof(a)), 0);
    set_timeo(f, l, SO_RCVTIMEO, LONG_MS);
    *s = ust_front_accept(f, l, NULL, NULL, 0);
    assert_true(*s >= 0);
    set_timeo(f, *c, SO_RCVTIMEO, LONG_MS);
    set_timeo(f, *s, SO_RCVTIMEO, LONG_MS);
}

static unsigned char pattern(unsigned seed, size_t i)
{
    return (unsigned char)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}

/* ---- echo servers and clients on threads -------------------------------- */

struct echo_job {
    struct ust_front *f;
    int fd;
    long bytes;   /* echoed, or checked */
    int failures; /* recorded by the thread, asserted by main */
};

static void *echo_thread(void *arg)
{
    struct echo_job *j = arg;
    char buf[4096];
    ssize_t n;
    while ((n = ust_front_recv(j->f, j->fd, buf, sizeof(buf), 0)) > 0) {
        if (ust_front_send(j->f, j->fd, buf, (size_t)n, 0) != n)
            j->failures++; /* a blocking send queues everything */
        j->bytes += n;
    }
    if (n < 0)
        j->failures++;
    ust_front_close(j->f, j->fd);
    return NULL;
}

#define N_THREADS 4
#define M_SOCKS 4
#define ROUNDS 24

struct client_job {
    struct ust_front *f;
    unsigned id;
    uint16_t port;
    long bytes;
    int failures;
};

static bool echo_round(struct client_job *j, int fd, unsigned seed, size_t len)
{
    unsigned char out[4096], in[4096];
    for (size_t i = 0; i < len; i++)
        out[i] = pattern(seed, i);
    if (ust_front_send(j->f, fd, out, len, 0) != (ssize_t)len)
        return false;
    size_t got = 0;
    while (got < len) {
        ssize_t n = ust_front_recv(j->f, fd, in + got, len - got, 0);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    j->bytes += (long)len;
    return memcmp(in, out, len) == 0;
}

static void *client_thread(void *arg)
{
    struct client_job *j = arg;
    int fds[M_SOCKS];
    struct sockaddr_in a = sin_of(j->port);
    struct timeval tv = {.tv_sec = LONG_MS / 1000};
    for (int k = 0; k < M_SOCKS; k++) {
        fds[k] = ust_front_socket(j->f, AF_INET, SOCK_STREAM, 0);
        if (fds[k] < 0 || ust_front_connect(j->f, fds[k], (struct sockaddr *)&a, sizeof(a)) ||
            ust_front_setsockopt(j->f, fds[k], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
            j->failures++;
    }
    for (unsigned r = 0; r < ROUNDS; r++)
        for (int k = 0; k < M_SOCKS; k++) {
            unsigned seed = j->id * 1000 + (unsigned)k * 100 + r;
            size_t len = 1 + (seed * 2654435761u) % 4096;
            if (!echo_round(j, fds[k], seed, len))
                j->failures++;
        }
    for (int k = 0; k < M_SOCKS; k++)
        ust_front_close(j->f, fds[k]);
    return NULL;
}

/* N threads x M sockets echo in parallel, byte-exact, each connection
 * served by its own blocking thread. */
static void run_parallel_echo(bool data_messages)
{
    struct ust_front *f = front_up(data_messages);
    int l = listener(f, 7000, 0);
    set_timeo(f, l, SO_RCVTIMEO, LONG_MS);
    pthread_t ct[N_THREADS], st[N_THREADS * M_SOCKS];
    struct client_job cj[N_THREADS];
    struct echo_job ej[N_THREADS * M_SOCKS];
    for (unsigned i = 0; i < N_THREADS; i++) {
        cj[i] = (struct client_job){.f = f, .id = i, .port = 7000};
        assert_int_equal(pthread_create(&ct[i], NULL, client_thread, &cj[i]), 0);
    }
    for (int i = 0; i < N_THREADS * M_SOCKS; i++) {
        ej[i] = (struct echo_job){.f = f, .fd = ust_front_accept(f, l, NULL, NULL, 0)};
        assert_true(ej[i].fd >= 0);
        assert_int_equal(pthread_create(&st[i], NULL, echo_thread, &ej[i]), 0);
    }
    long sent = 0, echoed = 0;
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(ct[i], NULL);
        assert_int_equal(cj[i].failures, 0);
        sent += cj[i].bytes;
    }
    for (int i = 0; i < N_THREADS * M_SOCKS; i++) {
        pthread_join(st[i], NULL);
        assert_int_equal(ej[i].failures, 0);
        echoed += ej[i].bytes;
    }
    assert_true(sent > 0);
    assert_int_equal(sent, echoed);
    ust_front_close(f, l);
    ust_front_free(f);
}

static void test_parallel_echo_locked(void **state)
{
    (void)state;
    run_parallel_echo(false);
}

static void test_parallel_echo_messages(void **state)
{
    (void)state;
    run_parallel_echo(true);
}

/* ---- one socket, a reader and a writer thread ---------------------------- */

#define RW_BYTES (2 << 20)

static void *writer_thread(void *arg)
{
    struct client_job *j = arg;
    static const size_t chunk = 7001;
    unsigned char buf[7001];
    for (size_t off = 0; off < RW_BYTES; off += chunk) {
        size_t len = RW_BYTES - off < chunk ? RW_BYTES - off : chunk;
        for (size_t i = 0; i < len; i++)
            buf[i] = pattern(5, off + i);
        if (ust_front_send(j->f, (int)j->id, buf, len, 0) != (ssize_t)len)
            j->failures++;
        j->bytes += (long)len;
    }
    return NULL;
}

static void *reader_thread(void *arg)
{
    struct client_job *j = arg;
    unsigned char buf[5000];
    while (j->bytes < RW_BYTES) {
        ssize_t n = ust_front_recv(j->f, (int)j->id, buf, sizeof(buf), 0);
        if (n <= 0) {
            j->failures++;
            return NULL;
        }
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(5, (size_t)j->bytes + (size_t)i))
                j->failures++;
        j->bytes += n;
    }
    return NULL;
}

static void run_reader_and_writer(bool data_messages)
{
    struct ust_front *f = front_up(data_messages);
    int l = listener(f, 7001, 0), c, s;
    tcp_pair(f, l, 7001, &c, &s);
    struct echo_job echo = {.f = f, .fd = s};
    struct client_job w = {.f = f, .id = (unsigned)c}, r = {.f = f, .id = (unsigned)c};
    pthread_t te, tw, tr;
    assert_int_equal(pthread_create(&te, NULL, echo_thread, &echo), 0);
    assert_int_equal(pthread_create(&tr, NULL, reader_thread, &r), 0);
    assert_int_equal(pthread_create(&tw, NULL, writer_thread, &w), 0);
    pthread_join(tw, NULL);
    pthread_join(tr, NULL);
    assert_int_equal(w.failures, 0);
    assert_int_equal(r.failures, 0);
    assert_int_equal(r.bytes, RW_BYTES);
    assert_int_equal(ust_front_close(f, c), 0);
    pthread_join(te, NULL);
    assert_int_equal(echo.failures, 0);
    assert_int_equal(echo.bytes, RW_BYTES);
    ust_front_close(f, l);
    ust_front_free(f);
}

static void test_reader_and_writer_on_one_socket(void **state)
{
    (void)state;
    run_reader_and_writer(false);
}

static void test_reader_and_writer_messages(void **state)
{
    (void)state;
    run_reader_and_writer(true);
}

/* ---- blocking calls and what wakes them ----------------------------------- */

struct blocked {
    struct ust_front *f;
    int fd;
    ssize_t ret;
    int err;
    char byte;
};

static void *recv_thread(void *arg)
{
    struct blocked *b = arg;
    b->ret = ust_front_recv(b->f, b->fd, &b->byte, 1, 0);
    b->err = errno;
    return NULL;
}

static void *accept_thread(void *arg)
{
    struct blocked *b = arg;
    b->ret = ust_front_accept(b->f, b->fd, NULL, NULL, 0);
    b->err = errno;
    return NULL;
}

static void test_recv_woken_by_data(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7002, 0), c, s;
    tcp_pair(f, l, 7002, &c, &s);
    struct blocked b = {.f = f, .fd = c};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, recv_thread, &b), 0);
    assert_int_equal(ust_front_send(f, s, "x", 1, 0), 1);
    pthread_join(t, NULL);
    assert_int_equal(b.ret, 1);
    assert_int_equal(b.byte, 'x');
    ust_front_free(f); /* with sockets open: the front closes them */
}

/* Closing a socket another thread is blocked on wakes it with EBADF
 * (whether the close came before or during its wait). */
static void test_close_wakes_blocked_calls(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7003, 0), c, s;
    tcp_pair(f, l, 7003, &c, &s);
    set_timeo(f, c, SO_RCVTIMEO, 0); /* no timeout: only the close ends it */
    set_timeo(f, l, SO_RCVTIMEO, 0);
    struct blocked br = {.f = f, .fd = c}, ba = {.f = f, .fd = l};
    pthread_t tr, ta;
    assert_int_equal(pthread_create(&tr, NULL, recv_thread, &br), 0);
    assert_int_equal(pthread_create(&ta, NULL, accept_thread, &ba), 0);
    assert_int_equal(ust_front_close(f, c), 0);
    assert_int_equal(ust_front_close(f, l), 0);
    pthread_join(tr, NULL);
    pthread_join(ta, NULL);
    assert_int_equal(br.ret, -1);
    assert_int_equal(br.err, EBADF);
    assert_int_equal(ba.ret, -1);
    assert_int_equal(ba.err, EBADF);
    assert_int_equal(ust_front_recv(f, c, &br.byte, 1, 0), -1);
    assert_int_equal(errno, EBADF);
    ust_front_close(f, s);
    ust_front_free(f);
}

static void test_shutdown_wakes_recv(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7004, 0), c, s;
    tcp_pair(f, l, 7004, &c, &s);
    struct blocked b = {.f = f, .fd = c};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, recv_thread, &b), 0);
    assert_int_equal(ust_front_shutdown(f, c, SHUT_RD), 0);
    pthread_join(t, NULL);
    assert_int_equal(b.ret, 0); /* end of stream, as Linux after SHUT_RD */
    ust_front_free(f);
}

/* SO_RCVTIMEO: EAGAIN, not before the timeout (a lower bound only). */
static void test_rcvtimeo_expires(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7005, 0), c, s;
    tcp_pair(f, l, 7005, &c, &s);
    set_timeo(f, c, SO_RCVTIMEO, 100);
    ust_time_t t0 = ust_clock_monotonic();
    char b;
    assert_int_equal(ust_front_recv(f, c, &b, 1, 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_true(ust_clock_monotonic() - t0 >= 100 * UST_MSEC);
    set_timeo(f, l, SO_RCVTIMEO, 50);
    assert_int_equal(ust_front_accept(f, l, NULL, NULL, 0), -1);
    assert_int_equal(errno, EAGAIN);
    ust_front_free(f);
}

/* SO_SNDTIMEO ends a blocking send the peer does not read: it returns the
 * bytes it queued (some, not all), as socket.h's send rule says. */
static void test_sndtimeo_partial_send(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7006, 0), c, s;
    tcp_pair(f, l, 7006, &c, &s);
    set_timeo(f, c, SO_SNDTIMEO, 100);
    static unsigned char big[8 << 20];
    ssize_t n = ust_front_send(f, c, big, sizeof(big), 0);
    assert_true(n > 0);
    assert_true(n < (ssize_t)sizeof(big));
    assert_int_equal(ust_front_send(f, c, big, sizeof(big), 0), -1);
    assert_int_equal(errno, EAGAIN); /* full: nothing queued before the timeout */
    ust_front_free(f);
}

static void test_nonblock_eagain(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7007, SOCK_NONBLOCK);
    assert_int_equal(ust_front_accept(f, l, NULL, NULL, 0), -1);
    assert_int_equal(errno, EAGAIN);
    int c = ust_front_socket(f, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = sin_of(7007);
    assert_int_equal(ust_front_connect(f, c, (struct sockaddr *)&a, sizeof(a)), -1);
    assert_int_equal(errno, EINPROGRESS);
    struct pollfd p = {.fd = c, .events = POLLOUT};
    assert_int_equal(poll(&p, 1, LONG_MS), 1); /* connected: the descriptor says so */
    assert_true(p.revents & POLLOUT);
    struct pollfd pl = {.fd = l, .events = POLLIN};
    assert_int_equal(poll(&pl, 1, LONG_MS), 1);
    int s = ust_front_accept(f, l, NULL, NULL, SOCK_NONBLOCK);
    assert_true(s >= 0);
    char b;
    assert_int_equal(ust_front_recv(f, c, &b, 1, 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_front_recv(f, s, &b, 1, 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_front_set_nonblock(f, s, false), 0);
    assert_int_equal(ust_front_recv(f, s, &b, 1, MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    ust_front_free(f);
}

/* ---- the kernel descriptors mirror ust_poll --------------------------------- */

struct agree {
    int fd;
    int ufd; /* the stack's descriptor behind fd */
};

/* On the stack thread, under the core lock: ust_poll and a poll() of the
 * kernel descriptor must say the same. Returns their POLLIN/POLLOUT bits,
 * or -1 when they disagree. */
static int agree_fn(struct ust_stack *st, void *ctx)
{
    struct agree *g = ctx;
    struct pollfd u = {.fd = g->ufd, .events = POLLIN | POLLOUT};
    struct pollfd k = {.fd = g->fd, .events = POLLIN | POLLOUT};
    if (ust_poll(st, &u, 1, 0) < 0 || poll(&k, 1, 0) < 0)
        return -1;
    short bits = POLLIN | POLLOUT;
    return (u.revents & bits) == (k.revents & bits) ? (k.revents & bits) : -1;
}

static int agreed_mask(struct ust_front *f, int fd)
{
    struct agree g = {.fd = fd, .ufd = ust_front_stack_fd(f, fd)};
    assert_true(g.ufd >= 0);
    int m = ust_front_run(f, agree_fn, &g);
    assert_true(m >= 0);
    return m;
}

static void assert_agree(struct ust_front *f, int fd, short want)
{
    assert_int_equal(agreed_mask(f, fd), want);
}

static void test_readiness_mirrors_poll(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7008, 0), c, s;
    tcp_pair(f, l, 7008, &c, &s);
    assert_agree(f, c, POLLOUT);
    for (int i = 0; i < 2000; i++) {
        char b = (char)i, got = 0;
        assert_int_equal(ust_front_send(f, s, &b, 1, 0), 1);
        struct pollfd p = {.fd = c, .events = POLLIN};
        assert_int_equal(poll(&p, 1, LONG_MS), 1);
        assert_agree(f, c, POLLIN | POLLOUT);
        assert_int_equal(ust_front_recv(f, c, &got, 1, 0), 1);
        assert_int_equal(got, b);
        assert_agree(f, c, POLLOUT);
    }
    /* writability: fill c's send buffer, then let s drain it */
    assert_int_equal(ust_front_set_nonblock(f, c, true), 0);
    static unsigned char buf[65536];
    for (int cycle = 0; cycle < 10; cycle++) {
        /* ACKs free space until s's window is full too: fill until the
         * descriptor, agreeing with ust_poll, says not writable */
        long queued = 0;
        ssize_t n;
        do {
            while ((n = ust_front_send(f, c, buf, sizeof(buf), 0)) > 0)
                queued += n;
            assert_int_equal(errno, EAGAIN);
        } while (agreed_mask(f, c) & POLLOUT);
        for (long got = 0; got < queued; got += n) {
            n = ust_front_recv(f, s, buf, sizeof(buf), 0);
            assert_true(n > 0);
        }
        struct pollfd p = {.fd = c, .events = POLLOUT};
        assert_int_equal(poll(&p, 1, LONG_MS), 1);
        assert_agree(f, c, POLLOUT);
    }
    ust_front_free(f);
}

/* Edge-triggered epoll over the kernel descriptor: one edge per arrival,
 * none lost over many cycles. */
static void test_epoll_edges_not_lost(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7009, 0), c, s;
    tcp_pair(f, l, 7009, &c, &s);
    assert_int_equal(ust_front_set_nonblock(f, c, true), 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = c};
    assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev), 0);
    for (int i = 0; i < 2000; i++) {
        char out[3] = {(char)i, 1, 2}, in[8];
        assert_int_equal(ust_front_send(f, s, out, 1 + (size_t)(i % 3), 0), 1 + i % 3);
        struct epoll_event got;
        assert_int_equal(epoll_wait(ep, &got, 1, LONG_MS), 1);
        assert_int_equal(got.data.fd, c);
        size_t total = 0;
        ssize_t n;
        while ((n = ust_front_recv(f, c, in, sizeof(in), 0)) > 0)
            total += (size_t)n;
        assert_int_equal(errno, EAGAIN);
        assert_true(total >= 1); /* the rest may come with the next edge */
    }
    close(ep);
    ust_front_free(f);
}

struct rdhup {
    int ufd;
    short revents;
};

static int rdhup_fn(struct ust_stack *st, void *ctx)
{
    struct rdhup *q = ctx;
    struct pollfd p = {.fd = q->ufd, .events = POLLIN | POLLRDHUP};
    int n = ust_poll(st, &p, 1, 0);
    q->revents = p.revents;
    return n;
}

/* The peer's FIN: POLLRDHUP and POLLIN on the descriptor, then recv 0;
 * closing our end too: POLLHUP once the connection is over. */
static void test_fin_and_hup_on_descriptor(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7010, 0), c, s;
    tcp_pair(f, l, 7010, &c, &s);
    assert_int_equal(ust_front_close(f, s), 0);
    struct pollfd p = {.fd = c, .events = POLLIN | POLLRDHUP};
    assert_int_equal(poll(&p, 1, LONG_MS), 1);
    assert_true(p.revents & POLLRDHUP);
    assert_true(p.revents & POLLIN);
    struct rdhup q = {.ufd = ust_front_stack_fd(f, c)};
    assert_int_equal(ust_front_run(f, rdhup_fn, &q), 1);
    assert_true(q.revents & POLLRDHUP); /* ust_poll too, as Linux's RCV_SHUTDOWN */
    assert_true(q.revents & POLLIN);
    char b;
    assert_int_equal(ust_front_recv(f, c, &b, 1, 0), 0);
    assert_int_equal(ust_front_shutdown(f, c, SHUT_WR), 0);
    p.events = POLLIN;
    p.revents = 0;
    while (!(p.revents & POLLHUP))
        assert_int_equal(poll(&p, 1, LONG_MS), 1);
    ust_front_free(f);
}

static void test_udp_and_bad_descriptors(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int u = ust_front_socket(f, AF_INET, SOCK_DGRAM, 0);
    int v = ust_front_socket(f, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = sin_of(7011);
    assert_int_equal(ust_front_bind(f, u, (struct sockaddr *)&a, sizeof(a)), 0);
    set_timeo(f, u, SO_RCVTIMEO, LONG_MS);
    assert_int_equal(ust_front_sendto(f, v, "hi", 2, 0, (struct sockaddr *)&a, sizeof(a)), 2);
    char buf[8];
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    assert_int_equal(ust_front_recvfrom(f, u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl),
                     2);
    assert_memory_equal(buf, "hi", 2);
    assert_int_equal(ntohl(from.sin_addr.s_addr), LOCALHOST);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    assert_int_equal(ust_front_recv(f, pipefd[0], buf, 1, 0), -1); /* not a front socket */
    assert_int_equal(errno, EBADF);
    assert_int_equal(ust_front_close(f, -1), -1);
    assert_int_equal(errno, EBADF);
    close(pipefd[0]);
    close(pipefd[1]);
    assert_int_equal(ust_front_accept(f, u, NULL, NULL, MSG_PEEK), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(ust_front_accept(f, u, NULL, NULL, 0), -1);
    assert_int_equal(errno, EOPNOTSUPP); /* UDP */
    assert_int_equal(ust_front_socket(f, AF_UNIX, SOCK_STREAM, 0), -1);
    assert_int_equal(errno, EAFNOSUPPORT);
    int six = ust_front_socket(f, AF_INET6, SOCK_STREAM, 0); /* passed through (issue #13) */
    assert_true(six >= 0);
    assert_int_equal(ust_front_close(f, six), 0);
    ust_front_free(f);
}

/* Duplicates (ust_front_dup) name the same socket: closing the original
 * keeps it, O_NONBLOCK is shared, the last close ends the connection, and
 * ust_front_free closes a socket still open under two names. */
static void test_dup_names_one_socket(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7012, 0), c, s;
    tcp_pair(f, l, 7012, &c, &s);
    int d = dup(c);
    assert_true(d >= 0);
    assert_int_equal(ust_front_dup(f, c, d), 0);
    assert_int_equal(ust_front_dup(f, c, d), -1); /* d names a socket already */
    assert_int_equal(errno, EBADF);
    assert_int_equal(ust_front_set_nonblock(f, d, true), 0);
    assert_int_equal(ust_front_nonblock(f, c), 1);
    assert_int_equal(ust_front_set_nonblock(f, c, false), 0);
    assert_int_equal(ust_front_close(f, c), 0);
    assert_int_equal(ust_front_send(f, d, "y", 1, 0), 1);
    char b = 0;
    assert_int_equal(ust_front_recv(f, s, &b, 1, 0), 1);
    assert_int_equal(b, 'y');
    struct pollfd p = {.fd = d, .events = POLLIN};
    assert_int_equal(ust_front_send(f, s, "z", 1, 0), 1);
    assert_int_equal(poll(&p, 1, LONG_MS), 1); /* the duplicate shows readiness */
    assert_int_equal(ust_front_recv(f, d, &b, 1, 0), 1); /* unread data would make a RST */
    assert_int_equal(ust_front_close(f, d), 0);
    assert_int_equal(ust_front_recv(f, s, &b, 1, 0), 0); /* the last name: FIN */
    int d2 = dup(s);
    assert_int_equal(ust_front_dup(f, s, d2), 0);
    ust_front_free(f);
}

/* atomics: the handler runs in the pestered thread, main reads them */
static atomic_int handled_signals;
static void count_signal(int sig)
{
    (void)sig;
    int saved = errno; /* a handler must not change the interrupted call's errno */
    atomic_fetch_add(&handled_signals, 1);
    errno = saved;
}

struct interrupted {
    struct blocked b;
    atomic_bool done;
};

static void *recv_until_done(void *arg)
{
    struct interrupted *in = arg;
    recv_thread(&in->b);
    atomic_store(&in->done, true);
    return NULL;
}

/* Sends SIGUSR1 to t every millisecond until it returned or, with
 * `until_handled`, until that many signals were handled. */
static void pester(pthread_t t, struct interrupted *in, int until_handled)
{
    struct timespec ms = {0, 1000 * 1000};
    for (int i = 0; i < LONG_MS && !atomic_load(&in->done); i++) {
        if (until_handled && atomic_load(&handled_signals) >= until_handled)
            return;
        pthread_kill(t, SIGUSR1);
        nanosleep(&ms, NULL);
    }
}

/* A handler without SA_RESTART interrupts a blocked recv (EINTR); with
 * SA_RESTART the recv goes on waiting through handled signals (signal(7)). */
static void test_signal_interrupts_wait(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    int l = listener(f, 7013, 0), c, s;
    tcp_pair(f, l, 7013, &c, &s);
    set_timeo(f, c, SO_RCVTIMEO, 0);
    for (int restart = 0; restart < 2; restart++) {
        struct sigaction sa = {.sa_handler = count_signal, .sa_flags = restart ? SA_RESTART : 0};
        sigemptyset(&sa.sa_mask);
        assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
        handled_signals = 0;
        struct interrupted in = {.b = {.f = f, .fd = c}};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, recv_until_done, &in), 0);
        pester(t, &in, restart ? 3 : 0);
        if (restart)
            assert_int_equal(ust_front_send(f, s, "r", 1, 0), 1);
        pthread_join(t, NULL);
        assert_true(handled_signals >= 1);
        assert_int_equal(in.b.ret, restart ? 1 : -1);
        assert_int_equal(restart ? in.b.byte : in.b.err, restart ? 'r' : EINTR);
    }
    signal(SIGUSR1, SIG_DFL);
    ust_front_free(f);
}

struct stack_udp {
    int ufd;
};

static int stack_udp_open(struct ust_stack *st, void *ctx)
{
    struct stack_udp *u = ctx;
    struct sockaddr_in a = sin_of(7014);
    u->ufd = ust_socket(st, AF_INET, SOCK_DGRAM, 0);
    return u->ufd >= 0 ? ust_bind(st, u->ufd, (struct sockaddr *)&a, sizeof(a)) : -1;
}

static int stack_udp_close(struct ust_stack *st, void *ctx)
{
    return ust_close(st, ((struct stack_udp *)ctx)->ufd);
}

struct delayed_send {
    struct ust_front *f;
    int fd;
};

static void *send_datagram(void *arg)
{
    struct delayed_send *d = arg;
    struct sockaddr_in a = sin_of(7014);
    ust_front_sendto(d->f, d->fd, "q", 1, 0, (struct sockaddr *)&a, sizeof(a));
    return NULL;
}

/* ust_front_wait_stack_fd: the deadline when nothing comes, readiness of a
 * socket the front does not mirror (the stack's own) when a datagram
 * arrives from another thread. */
static void test_wait_stack_fd(void **state)
{
    (void)state;
    struct ust_front *f = front_up(false);
    struct stack_udp u = {-1};
    assert_int_equal(ust_front_run(f, stack_udp_open, &u), 0);
    ust_time_t soon = ust_clock_monotonic() + 10 * UST_MSEC;
    assert_int_equal(ust_front_wait_stack_fd(f, u.ufd, POLLIN, soon), 0);
    assert_true(ust_clock_monotonic() >= soon);
    struct delayed_send d = {f, ust_front_socket(f, AF_INET, SOCK_DGRAM, 0)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, send_datagram, &d), 0);
    ust_time_t late = ust_clock_monotonic() + (ust_time_t)LONG_MS * UST_MSEC;
    assert_int_equal(ust_front_wait_stack_fd(f, u.ufd, POLLIN, late), 1);
    pthread_join(t, NULL);
    assert_int_equal(ust_front_run(f, stack_udp_close, &u), 0);
    ust_front_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_echo_locked),
        cmocka_unit_test(test_parallel_echo_messages),
        cmocka_unit_test(test_reader_and_writer_on_one_socket),
        cmocka_unit_test(test_reader_and_writer_messages),
        cmocka_unit_test(test_recv_woken_by_data),
        cmocka_unit_test(test_close_wakes_blocked_calls),
        cmocka_unit_test(test_shutdown_wakes_recv),
        cmocka_unit_test(test_rcvtimeo_expires),
        cmocka_unit_test(test_sndtimeo_partial_send),
        cmocka_unit_test(test_nonblock_eagain),
        cmocka_unit_test(test_readiness_mirrors_poll),
        cmocka_unit_test(test_epoll_edges_not_lost),
        cmocka_unit_test(test_fin_and_hup_on_descriptor),
        cmocka_unit_test(test_udp_and_bad_descriptors),
        cmocka_unit_test(test_dup_names_one_socket),
        cmocka_unit_test(test_signal_interrupts_wait),
        cmocka_unit_test(test_wait_stack_fd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
