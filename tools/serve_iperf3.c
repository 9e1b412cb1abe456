/* `ustack serve --iperf3 [PORT]`: an iperf3 server (TCP tests, -P, -R,
 * -t, -n, -k, -b, -O) on the serve loop, over non-blocking ustack sockets.
 * The control protocol itself is iperf3_proto.c; this file owns the
 * sockets: the listener, the control connection of the one test that runs
 * at a time (others get ACCESS_DENIED, as from iperf3), the data streams,
 * connections still sending their cookie, and closing ones.
 *
 * Closing is lingering (as serve_tcp.c's HTTP): our FIN first, then read
 * until the peer's, so that bytes we never read (a refused client's cookie,
 * data in flight at TEST_END) do not turn into a RST that could destroy
 * the refusal or the results before the client read them. */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "iperf3_proto.h"

#define IP3_MAX_PENDING 16     /* connections still sending their cookie */
#define IP3_MAX_LINGER (IP3_MAX_STREAMS + 16)
#define IP3_LINGER_TIME (5 * UST_SEC)
#define IP3_TURN_BUDGET (256 * 1024) /* bytes per stream per turn */
#define IP3_NPFD (2 + IP3_MAX_STREAMS + IP3_MAX_PENDING + IP3_MAX_LINGER)

struct ip3_stream {
    int fd;
    uint64_t bytes;          /* counted (after -O) */
    uint64_t total;          /* all bytes, for -n / -k */
    int retransmits;         /* at the end (sender) */
    bool eof;
};

struct ip3_waiting {         /* a connection sending its cookie */
    int fd;
    uint8_t cookie[IP3_COOKIE_SIZE];
    size_t got;
    ust_time_t deadline;
};

struct ip3_linger {
    int fd;
    ust_time_t deadline;
};

struct iperf3_server {
    struct ust_stack *st;
    FILE *log;
    int lfd;
    unsigned tests;
    int cfd;                 /* control connection of the running test, -1: idle */
    char peer[UST_ADDR_STRLEN + 8]; /* "[addr%scope]:65535" */
    struct ip3_ctrl ctrl;
    struct ip3_stream streams[IP3_MAX_STREAMS];
    unsigned nstreams;
    unsigned polled;         /* streams in pfd[] this turn */
    bool running;            /* TEST_RUNNING sent, TEST_END not yet */
    bool omitting;
    ust_time_t t_start, t_count, t_end;
    uint64_t limit, sent;    /* reverse: bytes to send in all (0: no limit) */
    char cc[16];             /* congestion control of the streams */
    struct ip3_waiting wait[IP3_MAX_PENDING];
    unsigned nwait;
    struct ip3_linger ling[IP3_MAX_LINGER];
    unsigned nling;
    uint8_t *buf;            /* IP3_MAX_BLKSIZE: payload and scratch */
    struct pollfd pfd[IP3_NPFD];
};

bool iperf3_available(void)
{
    return true;
}

struct iperf3_server *iperf3_server_new(struct ust_stack *st, FILE *log)
{
    struct iperf3_server *s = calloc(1, sizeof(*s));
    if (!s || !(s->buf = malloc(IP3_MAX_BLKSIZE))) {
        free(s);
        errno = ENOMEM;
        return NULL;
    }
    /* A recognisable payload; iperf3 itself sends random bytes. */
    for (size_t i = 0; i < IP3_MAX_BLKSIZE; i++)
        s->buf[i] = (uint8_t)("0123456789abcdef"[i % 16]);
    s->st = st;
    s->log = log;
    s->lfd = s->cfd = -1;
    return s;
}

int iperf3_server_listen(struct iperf3_server *s, uint16_t port, bool dual)
{
    /* dual: [::] with IPV6_V6ONLY off, so iperf3 -c over either family */
    int fd = dual ? cli_tcp_listen_dual(s->st, port, 64) : cli_tcp_listen(s->st, port, 64);
    if (fd < 0)
        return -1;
    s->lfd = fd;
    return 0;
}

/* ---- closing ---------------------------------------------------------------- */

/* FIN now, close when the peer's arrives (or after IP3_LINGER_TIME). */
static void linger(struct iperf3_server *s, int fd)
{
    if (s->nling == IP3_MAX_LINGER || ust_shutdown(s->st, fd, SHUT_WR) < 0) {
        ust_close(s->st, fd);
        return;
    }
    s->ling[s->nling++] = (struct ip3_linger){fd, ust_stack_now(s->st) + IP3_LINGER_TIME};
}

/* ACCESS_DENIED, as iperf3 answers a connection it will not serve. */
static void deny(struct iperf3_server *s, int fd)
{
    uint8_t b = (uint8_t)(int8_t)IP3_ACCESS_DENIED;
    (void)ust_send(s->st, fd, &b, 1, MSG_NOSIGNAL);
    linger(s, fd);
}

static void linger_turn(struct iperf3_server *s, const struct pollfd *pfd, ust_time_t now)
{
    for (unsigned i = s->nling; i-- > 0;) {
        bool done = now >= s->ling[i].deadline;
        if (pfd[i].revents) {
            ssize_t n = ust_recv(s->st, s->ling[i].fd, s->buf, IP3_MAX_BLKSIZE, 0);
            done |= n == 0 || (n < 0 && errno != EAGAIN);
        }
        if (done) {
            ust_close(s->st, s->ling[i].fd);
            s->ling[i] = s->ling[--s->nling];
        }
    }
}

/* ---- the end of a test ------------------------------------------------------------ */

static double secs(ust_time_t t)
{
    return (double)t / (double)UST_SEC;
}

static uint64_t counted(const struct iperf3_server *s)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < s->nstreams; i++)
        sum += s->streams[i].bytes;
    return sum;
}

/* "received 123 bytes in 2.001 s (0.00 Mbit/s), 2 streams" */
static int summary(const struct iperf3_server *s, char *out, size_t cap)
{
    ust_time_t el = s->t_end - s->t_count;
    uint64_t b = counted(s);
    double mbit = el > 0 ? (double)b * 8 / secs(el) / 1e6 : 0;
    int n = snprintf(out, cap, "%s %llu bytes in %.3f s (%.2f Mbit/s), %u stream%s",
                     s->ctrl.params.reverse ? "sent" : "received", (unsigned long long)b,
                     secs(el), mbit, s->nstreams, s->nstreams == 1 ? "" : "s");
    if (s->ctrl.params.reverse) {
        int r = 0;
        for (unsigned i = 0; i < s->nstreams; i++)
            r += s->streams[i].retransmits;
        n += snprintf(out + n, cap - (size_t)n, ", %d retransmitted segments", r);
    }
    return n;
}

static void close_streams(struct iperf3_server *s)
{
    for (unsigned i = 0; i < s->nstreams; i++)
        if (s->streams[i].fd >= 0)
            linger(s, s->streams[i].fd);
    s->nstreams = 0;
    for (unsigned i = 0; i < s->nwait; i++)
        ust_close(s->st, s->wait[i].fd);
    s->nwait = 0;
}

/* The test is over (complete or not): log it and become idle. */
static void test_finish(struct iperf3_server *s)
{
    if (s->ctrl.phase == IP3_PH_DONE) {
        char line[160];
        summary(s, line, sizeof(line));
        fprintf(s->log, "iperf3: test %u done: %s\n", s->tests, line);
    } else {
        fprintf(s->log, "iperf3: test %u from %s %s: %s\n", s->tests, s->peer,
                s->ctrl.err ? "refused" : "aborted", s->ctrl.why ? s->ctrl.why : "unknown");
    }
    fflush(s->log);
    close_streams(s);
    linger(s, s->cfd);
    s->cfd = -1;
    s->running = false;
    ip3_ctrl_free(&s->ctrl);
}

/* TEST_END: stop the streams, keep what they counted, and close them
 * (FIN) before the results, as iperf3's server does: at TEST_END a
 * reverse-mode client turns its streams back to blocking and drains them
 * with reads of a whole block, which return only at EOF once the data
 * stopped mid-block; it reads the control connection only after that. */
static void streams_stop(struct iperf3_server *s, ust_time_t now)
{
    s->t_end = now;
    s->running = false;
    for (unsigned i = 0; i < s->nstreams; i++) {
        struct ip3_stream *t = &s->streams[i];
        struct ust_tcp_info ti;
        socklen_t len = sizeof(ti);
        t->retransmits = -1;
        if (s->ctrl.params.reverse &&
            ust_getsockopt(s->st, t->fd, IPPROTO_TCP, UST_TCP_INFO, &ti, &len) == 0)
            t->retransmits = (int)ti.total_retrans;
        linger(s, t->fd);
        t->fd = -1; /* poll skips it; close_streams too */
        t->eof = true;
    }
    ip3_ctrl_test_ended(&s->ctrl, now);
}

static void send_results(struct iperf3_server *s, ust_time_t now)
{
    struct ip3_stream_result r[IP3_MAX_STREAMS];
    for (unsigned i = 0; i < s->nstreams; i++)
        r[i] = (struct ip3_stream_result){ip3_stream_id(i), s->streams[i].bytes,
                                          s->streams[i].retransmits, secs(s->t_end - s->t_count)};
    char text[200];
    int n = snprintf(text, sizeof(text), "ustack serve --iperf3: ");
    summary(s, text + n, sizeof(text) - (size_t)n);
    struct ip3_results res = {
        .sender = s->ctrl.params.reverse,
        .congestion = s->cc[0] ? s->cc : NULL,
        .server_output = s->ctrl.params.server_output ? text : NULL,
        .n = s->nstreams,
        .streams = r,
    };
    ip3_ctrl_send_results(&s->ctrl, &res, now);
}

/* ---- the control connection ------------------------------------------------------ */

static void on_params(struct iperf3_server *s)
{
    const struct ip3_params *p = &s->ctrl.params;
    s->limit = 0;
    if (p->reverse && p->bytes)
        s->limit = p->bytes;
    else if (p->reverse && p->blocks)
        s->limit = p->blocks * p->blksize;
    s->sent = 0;
    fprintf(s->log, "iperf3: test %u from %s (iperf %s): tcp, %u stream%s, ustack %s, ", s->tests,
            s->peer, p->client_version[0] ? p->client_version : "?", p->parallel,
            p->parallel == 1 ? "" : "s", p->reverse ? "sends" : "receives");
    if (p->bytes || p->blocks)
        fprintf(s->log, "until %llu %s\n",
                (unsigned long long)(p->bytes ? p->bytes : p->blocks),
                p->bytes ? "bytes" : "blocks");
    else
        fprintf(s->log, "%u s\n", p->duration);
    fflush(s->log);
}

static void dispatch(struct iperf3_server *s, enum ip3_event ev, ust_time_t now)
{
    switch (ev) {
    case IP3_EV_PARAMS: on_params(s); break;
    case IP3_EV_TEST_END: streams_stop(s, now); break;
    case IP3_EV_RESULTS: send_results(s, now); break;
    case IP3_EV_ABORT: /* ctrl_turn closes it once the refusal is out */
    case IP3_EV_DONE:
    case IP3_EV_NONE: break;
    }
}

static bool ctrl_flush(struct iperf3_server *s)
{
    const uint8_t *p;
    size_t n = ip3_ctrl_pending(&s->ctrl, &p);
    while (n) {
        ssize_t w = ust_send(s->st, s->cfd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return w < 0 && errno == EAGAIN;
        ip3_ctrl_sent(&s->ctrl, (size_t)w);
        n = ip3_ctrl_pending(&s->ctrl, &p);
    }
    return true;
}

static void ctrl_read(struct iperf3_server *s, ust_time_t now)
{
    uint8_t in[4096];
    ssize_t n = ust_recv(s->st, s->cfd, in, sizeof(in), 0);
    if (n < 0 && errno == EAGAIN)
        return;
    size_t len = n > 0 ? (size_t)n : 0, off = 0, used;
    do { /* len 0: EOF or an error, the client is gone */
        enum ip3_event ev = ip3_ctrl_input(&s->ctrl, in + off, len - off, now, &used);
        off += used;
        dispatch(s, ev, now);
    } while (off < len);
    ip3_ctrl_touch(&s->ctrl, now);
}

static void ctrl_turn(struct iperf3_server *s, short rev, ust_time_t now)
{
    if (rev & (POLLIN | POLLHUP | POLLERR))
        ctrl_read(s, now);
    dispatch(s, ip3_ctrl_tick(&s->ctrl, now), now);
    bool ok = ctrl_flush(s);
    const uint8_t *p;
    enum ip3_phase ph = s->ctrl.phase;
    if (!ok && ph != IP3_PH_DONE && ph != IP3_PH_FAILED) {
        s->ctrl.why = "the control connection failed";
        s->ctrl.phase = IP3_PH_FAILED;
    }
    if (!ok || ((ph == IP3_PH_DONE || ph == IP3_PH_FAILED) && !ip3_ctrl_pending(&s->ctrl, &p)))
        test_finish(s);
}

/* ---- the streams ------------------------------------------------------------------- */

/* How much stream t may send now: the block size, less at the -n / -k
 * limit, nothing above the -b rate (per stream, as iperf3 throttles). */
static size_t send_quota(const struct iperf3_server *s, const struct ip3_stream *t,
                         ust_time_t now)
{
    const struct ip3_params *p = &s->ctrl.params;
    uint64_t q = p->blksize;
    if (s->limit)
        q = s->sent >= s->limit ? 0 : (s->limit - s->sent < q ? s->limit - s->sent : q);
    if (p->rate && q) {
        double allowed = (double)p->rate / 8 * secs(now - s->t_start);
        if ((double)t->total >= allowed)
            q = 0;
    }
    return (size_t)q;
}

/* Moves stream t's data for one turn. Returns bytes moved. */
static size_t stream_io(struct iperf3_server *s, struct ip3_stream *t, ust_time_t now)
{
    size_t moved = 0;
    bool sender = s->ctrl.params.reverse;
    while (moved < IP3_TURN_BUDGET && !t->eof) {
        ssize_t n;
        if (sender) {
            size_t q = send_quota(s, t, now);
            if (!q)
                break;
            n = ust_send(s->st, t->fd, s->buf, q, MSG_NOSIGNAL);
        } else {
            n = ust_recv(s->st, t->fd, s->buf, IP3_MAX_BLKSIZE, 0);
        }
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            t->eof = true; /* the client closed or reset it: it counts no more */
            break;
        }
        t->bytes += (uint64_t)n;
        t->total += (uint64_t)n;
        s->sent += sender ? (uint64_t)n : 0;
        moved += (size_t)n;
    }
    return moved;
}

/* -O: what moved in the first seconds is not counted (iperf_reset_stats). */
static void omit_check(struct iperf3_server *s, ust_time_t now)
{
    if (!s->omitting || now < s->t_start + (ust_time_t)s->ctrl.params.omit * UST_SEC)
        return;
    s->omitting = false;
    s->t_count = now;
    for (unsigned i = 0; i < s->nstreams; i++)
        s->streams[i].bytes = 0;
}

static bool streams_turn(struct iperf3_server *s, const struct pollfd *pfd, ust_time_t now)
{
    if (!s->running)
        return false;
    omit_check(s, now);
    size_t moved = 0;
    for (unsigned i = 0; i < s->nstreams && i < s->polled; i++)
        if (pfd[i].revents)
            moved += stream_io(s, &s->streams[i], now);
    if (moved)
        ip3_ctrl_touch(&s->ctrl, now);
    return moved > 0;
}

static short stream_events(const struct iperf3_server *s, const struct ip3_stream *t)
{
    if (!s->running || t->eof)
        return 0;
    return s->ctrl.params.reverse ? POLLOUT : POLLIN;
}

/* ---- new connections ------------------------------------------------------------- */

static void stream_add(struct iperf3_server *s, int fd, ust_time_t now)
{
    s->streams[s->nstreams++] = (struct ip3_stream){.fd = fd};
    if (!s->cc[0]) {
        socklen_t len = sizeof(s->cc) - 1;
        if (ust_getsockopt(s->st, fd, IPPROTO_TCP, TCP_CONGESTION, s->cc, &len) < 0)
            s->cc[0] = '\0';
    }
    if (s->nstreams < s->ctrl.params.parallel)
        return;
    s->running = true;
    s->omitting = s->ctrl.params.omit > 0;
    s->t_start = s->t_count = now;
    ip3_ctrl_streams_ready(&s->ctrl, now);
}

/* A connection sent (part of) its cookie: a stream of this test, or not. */
static void waiting_turn(struct iperf3_server *s, const struct pollfd *pfd, ust_time_t now)
{
    for (unsigned i = s->nwait; i-- > 0;) {
        struct ip3_waiting *w = &s->wait[i];
        ssize_t n = 0;
        if (pfd[i].revents)
            n = ust_recv(s->st, w->fd, w->cookie + w->got, IP3_COOKIE_SIZE - w->got, 0);
        if (n > 0)
            w->got += (size_t)n;
        bool gone = pfd[i].revents && (n == 0 || (n < 0 && errno != EAGAIN));
        if (!gone && w->got < IP3_COOKIE_SIZE && now < w->deadline)
            continue;
        int fd = w->fd;
        bool ours = w->got == IP3_COOKIE_SIZE && s->cfd >= 0 &&
                    s->ctrl.phase == IP3_PH_STREAMS &&
                    !memcmp(w->cookie, s->ctrl.cookie, IP3_COOKIE_SIZE);
        *w = s->wait[--s->nwait];
        if (ours)
            stream_add(s, fd, now);
        else if (gone)
            ust_close(s->st, fd);
        else
            deny(s, fd); /* another test's cookie (iperf_tcp_accept), or too slow */
    }
}

/* "A.B.C.D:port" (also for an IPv4 client on the [::] listener, whose
 * address comes mapped) or "[2001:db8::1]:port". */
static void peer_name(struct iperf3_server *s, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    struct ust_addr a;
    uint16_t port;
    char text[UST_ADDR_STRLEN];
    if (ust_getpeername(s->st, fd, (struct sockaddr *)&ss, &len) < 0 ||
        ust_addr_from_sockaddr((struct sockaddr *)&ss, len, &a, &port) != UST_OK) {
        snprintf(s->peer, sizeof(s->peer), "?");
        return;
    }
    a = ust_addr_unmap(&a);
    bool v6 = a.family == UST_AF_INET6;
    snprintf(s->peer, sizeof(s->peer), "%s%s%s:%u", v6 ? "[" : "", ust_addr_str(&a, text),
             v6 ? "]" : "", port);
}

/* A new connection: the control connection of a new test when idle, a
 * stream while the test's streams connect, else ACCESS_DENIED
 * (iperf_accept: one test at a time). */
static void accept_one(struct iperf3_server *s, int fd, ust_time_t now)
{
    if (s->cfd < 0) {
        s->cfd = fd;
        s->tests++;
        peer_name(s, fd);
        ip3_ctrl_init(&s->ctrl, now);
        s->nstreams = 0;
        s->cc[0] = '\0';
        return;
    }
    bool want = s->ctrl.phase == IP3_PH_STREAMS &&
                s->nstreams + s->nwait < s->ctrl.params.parallel + IP3_MAX_PENDING / 2;
    if (want && s->nwait < IP3_MAX_PENDING) {
        s->wait[s->nwait++] = (struct ip3_waiting){.fd = fd,
                                                   .deadline = now + IP3_HANDSHAKE_TIMEOUT};
        return;
    }
    deny(s, fd);
}

static bool accept_some(struct iperf3_server *s, ust_time_t now)
{
    bool any = false;
    for (int k = 0; k < 16; k++) {
        int fd = ust_accept(s->st, s->lfd, NULL, NULL);
        if (fd < 0)
            break;
        if (ust_set_nonblock(s->st, fd, 1) < 0) {
            ust_close(s->st, fd);
            continue;
        }
        int one = 1; /* state bytes go out at once, as iperf3 sets on its side */
        (void)ust_setsockopt(s->st, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        accept_one(s, fd, now);
        any = true;
    }
    return any;
}

/* ---- the turn ------------------------------------------------------------------------ */

static unsigned fill_pfd(struct iperf3_server *s)
{
    struct pollfd *p = s->pfd;
    unsigned n = 0;
    p[n++] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
    const uint8_t *q;
    short cev = (short)(POLLIN | (s->cfd >= 0 && ip3_ctrl_pending(&s->ctrl, &q) ? POLLOUT : 0));
    p[n++] = (struct pollfd){.fd = s->cfd, .events = cev};
    s->polled = s->nstreams;
    for (unsigned i = 0; i < s->nstreams; i++)
        p[n++] = (struct pollfd){.fd = s->streams[i].fd,
                                 .events = stream_events(s, &s->streams[i])};
    for (unsigned i = 0; i < s->nwait; i++)
        p[n++] = (struct pollfd){.fd = s->wait[i].fd, .events = POLLIN};
    for (unsigned i = 0; i < s->nling; i++)
        p[n++] = (struct pollfd){.fd = s->ling[i].fd, .events = POLLIN};
    return n;
}

bool iperf3_server_turn(struct iperf3_server *s)
{
    unsigned n = fill_pfd(s);
    if (ust_poll(s->st, s->pfd, n, 0) < 0)
        return false;
    ust_time_t now = ust_stack_now(s->st);
    const struct pollfd *streams = s->pfd + 2;
    const struct pollfd *wait = streams + s->polled;
    /* The lingering and waiting lists change below: handle them first,
     * against the poll results taken for them. */
    unsigned nling = s->nling;
    linger_turn(s, wait + s->nwait, now);
    bool busy = nling != s->nling;
    if (s->cfd >= 0) {
        waiting_turn(s, wait, now);
        busy |= streams_turn(s, streams, now);
        ctrl_turn(s, s->pfd[1].revents, now);
    }
    if (s->pfd[0].revents & POLLIN)
        busy |= accept_some(s, now);
    return busy;
}

void iperf3_server_free(struct iperf3_server *s)
{
    if (!s)
        return;
    if (s->cfd >= 0) {
        close_streams(s);
        ust_close(s->st, s->cfd);
        ip3_ctrl_free(&s->ctrl);
    }
    for (unsigned i = 0; i < s->nling; i++)
        ust_close(s->st, s->ling[i].fd);
    if (s->lfd >= 0)
        ust_close(s->st, s->lfd);
    free(s->buf);
    free(s);
}
