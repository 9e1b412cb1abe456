/* The TCP services of `ustack serve`: echo (RFC 862), discard (RFC 863)
 * and a static-file HTTP/1.1 server, all on one thread over non-blocking
 * ustack sockets. Each turn of the serve loop polls every listener and
 * connection once (ust_poll with timeout 0) and moves each connection's
 * state machine as far as its readiness allows, with a per-turn budget so
 * that one fast client cannot starve the others. Per-connection memory is
 * fixed (two buffers); reading stops while the output is backed up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "http_req.h"

#define TCPSRV_MAX_LISTENERS 32
#define TCPSRV_MAX_CONNS 1024   /* beyond this, new connections wait in the backlog */
#define TCPSRV_BACKLOG 512
#define TCPSRV_OUT_CAP 16384    /* response head / file chunk / echo bytes */
#define TCPSRV_TURN_BUDGET 65536 /* bytes moved per connection per turn */
#define TCPSRV_ACCEPTS 64       /* connections accepted per listener per turn */
#define TCPSRV_IDLE (60 * UST_SEC)  /* keep-alive connection with no request; a
                                       response the client stops reading */
#define TCPSRV_REQUEST (30 * UST_SEC) /* from a request's first byte to its blank
                                         line (slow clients cannot hold a slot) */
#define TCPSRV_DRAIN (5 * UST_SEC)  /* lingering close: wait for the peer's FIN */

enum conn_phase {
    PH_READ,  /* echo/discard: streaming; http: waiting for a request */
    PH_SEND,  /* http: sending a response */
    PH_DRAIN, /* http: response sent, our FIN sent, reading until the peer's */
};

struct conn {
    int fd;
    enum tcpsrv_kind kind;
    enum conn_phase phase;
    bool peer_eof;
    bool keep_alive;
    ust_time_t deadline;       /* http: idle, request, stalled send or drain limit */
    char in[HTTP_MAX_HEAD];    /* http: request bytes; echo: bytes to send back */
    size_t in_len;
    char out[TCPSRV_OUT_CAP];  /* http: head and file chunks */
    size_t out_off, out_len;
    int file_fd;
    uint64_t file_left;
};

struct listener {
    int fd;
    enum tcpsrv_kind kind;
    uint16_t port;
};

struct tcp_server {
    struct ust_stack *st;
    const char *root;          /* realpath of the http root */
    struct listener lis[TCPSRV_MAX_LISTENERS];
    unsigned nlis;
    struct conn **conns;
    unsigned nconns;
    struct pollfd *pfd;        /* one per listener + connection, reused */
    unsigned pfd_cap;
    uint64_t accepted, http_requests;
    bool dual;                 /* listen on [::] (IPv6 and IPv4) */
};

void tcp_server_dual_stack(struct tcp_server *s, bool dual) { s->dual = dual; }

struct tcp_server *tcp_server_new(struct ust_stack *st, const char *http_root)
{
    struct tcp_server *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->st = st;
    s->root = http_root;
    s->conns = calloc(TCPSRV_MAX_CONNS, sizeof(*s->conns));
    s->pfd_cap = TCPSRV_MAX_LISTENERS + TCPSRV_MAX_CONNS;
    s->pfd = calloc(s->pfd_cap, sizeof(*s->pfd));
    if (!s->conns || !s->pfd) {
        tcp_server_free(s);
        return NULL;
    }
    return s;
}

int tcp_server_listen(struct tcp_server *s, enum tcpsrv_kind kind, uint16_t port)
{
    if (s->nlis == TCPSRV_MAX_LISTENERS) {
        errno = EMFILE;
        return -1;
    }
    int fd = s->dual ? cli_tcp_listen_dual(s->st, port, TCPSRV_BACKLOG)
                     : cli_tcp_listen(s->st, port, TCPSRV_BACKLOG);
    if (fd < 0)
        return -1;
    s->lis[s->nlis++] = (struct listener){fd, kind, port};
    return 0;
}

static void conn_free(struct tcp_server *s, unsigned i)
{
    struct conn *c = s->conns[i];
    ust_close(s->st, c->fd);
    if (c->file_fd >= 0)
        close(c->file_fd);
    free(c);
    s->conns[i] = s->conns[--s->nconns];
    s->conns[s->nconns] = NULL;
}

void tcp_server_free(struct tcp_server *s)
{
    if (!s)
        return;
    while (s->nconns)
        conn_free(s, s->nconns - 1);
    for (unsigned i = 0; i < s->nlis; i++)
        ust_close(s->st, s->lis[i].fd);
    free(s->conns);
    free(s->pfd);
    free(s);
}

static void accept_some(struct tcp_server *s, const struct listener *l)
{
    for (int n = 0; n < TCPSRV_ACCEPTS && s->nconns < TCPSRV_MAX_CONNS; n++) {
        int fd = ust_accept(s->st, l->fd, NULL, NULL);
        if (fd < 0)
            return;
        struct conn *c = malloc(sizeof(*c));
        if (!c || ust_set_nonblock(s->st, fd, 1) < 0) {
            free(c);
            ust_close(s->st, fd);
            return;
        }
        c->fd = fd;
        c->kind = l->kind;
        c->phase = PH_READ;
        c->peer_eof = false;
        c->keep_alive = true;
        c->deadline = ust_stack_now(s->st) + TCPSRV_IDLE;
        c->in_len = c->out_off = c->out_len = 0;
        c->file_fd = -1;
        c->file_left = 0;
        s->conns[s->nconns++] = c;
        s->accepted++;
    }
}

/* What the connection waits for. */
static short conn_events(const struct conn *c)
{
    switch (c->kind) {
    case TCPSRV_ECHO:
        return (short)((c->in_len < sizeof(c->in) && !c->peer_eof ? POLLIN : 0) |
                       (c->in_len ? POLLOUT : 0));
    case TCPSRV_DISCARD:
        return POLLIN;
    case TCPSRV_HTTP:
        return c->phase == PH_SEND ? POLLOUT : POLLIN;
    }
    return 0;
}

/* Reads what fits into in[]. Returns bytes read, 0 at EOF (peer_eof set),
 * -1 on EAGAIN, -2 on a connection error. */
static ssize_t conn_read(struct tcp_server *s, struct conn *c)
{
    size_t room = sizeof(c->in) - c->in_len;
    if (room == 0)
        return -1;
    ssize_t n = ust_recv(s->st, c->fd, c->in + c->in_len, room, 0);
    if (n > 0)
        c->in_len += (size_t)n;
    else if (n == 0)
        c->peer_eof = true;
    else
        return errno == EAGAIN ? -1 : -2;
    return n;
}

/* ---- echo and discard --------------------------------------------------- */

/* Returns false when the connection is finished. */
static bool echo_step(struct tcp_server *s, struct conn *c, short rev)
{
    size_t moved = 0;
    while (moved < TCPSRV_TURN_BUDGET) {
        ssize_t r = (rev & (POLLIN | POLLHUP | POLLERR)) && !c->peer_eof ? conn_read(s, c) : -1;
        if (r == -2)
            return false;
        if (c->in_len == 0)
            break;
        ssize_t w = ust_send(s->st, c->fd, c->in, c->in_len, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN)
            return false;
        if (w > 0) {
            memmove(c->in, c->in + w, c->in_len - (size_t)w);
            c->in_len -= (size_t)w;
            moved += (size_t)w;
        }
        if (w <= 0 && r <= 0)
            break; /* neither side can move now */
    }
    /* The peer closed its side and has its bytes back: close ours (FIN). */
    return !(c->peer_eof && c->in_len == 0);
}

static bool discard_step(struct tcp_server *s, struct conn *c)
{
    char scratch[16384];
    for (size_t moved = 0; moved < TCPSRV_TURN_BUDGET;) {
        ssize_t n = ust_recv(s->st, c->fd, scratch, sizeof(scratch), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN))
            return false;
        if (n < 0)
            break;
        moved += (size_t)n;
    }
    return true;
}

/* ---- http ------------------------------------------------------------------ */

/* The wall clock, for Date and Last-Modified: the CLI may read it (the
 * stack itself runs on its injected clock). */
static int64_t wall_now(void) { return (int64_t)time(NULL); }

/* An HTML body for an error status after the head h (its length is set
 * here); file responses (416) keep their file fields. */
static void http_respond_html(struct conn *c, struct http_head *h)
{
    static const char *const fmt = "<html><body><h1>%d %s</h1></body></html>\n";
    char body[160];
    int blen = snprintf(body, sizeof(body), fmt, h->status, http_reason(h->status));
    h->type = "text/html";
    h->length = (uint64_t)blen;
    c->keep_alive = h->keep_alive;
    c->out_len = http_format_head(c->out, sizeof(c->out), h);
    if (c->out_len + (size_t)blen <= sizeof(c->out)) {
        memcpy(c->out + c->out_len, body, (size_t)blen);
        c->out_len += (size_t)blen;
    }
    c->out_off = 0;
    c->phase = PH_SEND;
}

/* After an error the connection closes. */
static void http_respond_error(struct conn *c, int status)
{
    struct http_head h = {.status = status, .allow = status == 405, .now = wall_now()};
    http_respond_html(c, &h);
}

/* The file is open: send all of it, a range (206), nothing (304, HEAD) or
 * the 416 error, as http_plan decides (RFC 9110 13.2.2, 14). */
static void http_respond_file(struct conn *c, const struct http_request *req,
                              struct http_file *f)
{
    struct http_plan plan;
    struct http_head h = {.keep_alive = req->keep_alive, .file = true, .now = wall_now(),
                          .size = f->size};
    http_plan(req, f->size, f->mtime, h.now, &plan);
    h.status = plan.status;
    h.last_modified = plan.last_modified;
    h.range_first = plan.first;
    if (plan.status == 416) {
        close(f->fd);
        http_respond_html(c, &h); /* keeps the connection, as nginx does */
        return;
    }
    bool body = !req->head && plan.length > 0;
    if (body && lseek(f->fd, (off_t)plan.first, SEEK_SET) != (off_t)plan.first) {
        close(f->fd);
        http_respond_error(c, 500);
        return;
    }
    h.type = plan.status == 304 ? NULL : f->type;
    h.length = plan.length;
    c->keep_alive = req->keep_alive;
    c->out_len = http_format_head(c->out, sizeof(c->out), &h);
    c->out_off = 0;
    c->phase = PH_SEND;
    if (body) {
        c->file_fd = f->fd;
        c->file_left = plan.length;
    } else {
        close(f->fd);
    }
}

/* A complete request waits in in[]: prepare its response. */
static void http_start(struct tcp_server *s, struct conn *c, size_t head_len)
{
    struct http_request req;
    int status = http_parse(c->in, head_len, &req);
    memmove(c->in, c->in + head_len, c->in_len - head_len); /* pipelined bytes stay */
    c->in_len -= head_len;
    s->http_requests++;
    if (status) {
        http_respond_error(c, status);
        return;
    }
    struct http_file f;
    http_open(s->root, req.path, &f);
    if (f.status != 200) {
        http_respond_error(c, f.status);
        return;
    }
    http_respond_file(c, &req, &f);
}

/* Looks for a complete request in in[]. */
static void http_try_request(struct tcp_server *s, struct conn *c)
{
    long hl = http_head_length(c->in, c->in_len, sizeof(c->in));
    if (hl < 0) {
        c->in_len = 0;
        http_respond_error(c, (int)-hl);
    } else if (hl > 0) {
        http_start(s, c, (size_t)hl);
    }
    if (c->phase == PH_SEND)
        c->deadline = ust_stack_now(s->st) + TCPSRV_IDLE;
}

/* Refills out[] from the file. Returns false on a read error. */
static bool http_refill(struct conn *c)
{
    size_t want = c->file_left < sizeof(c->out) ? (size_t)c->file_left : sizeof(c->out);
    ssize_t n = read(c->file_fd, c->out, want);
    if (n <= 0)
        return false; /* the file shrank or broke: the length we promised is void */
    c->out_off = 0;
    c->out_len = (size_t)n;
    c->file_left -= (uint64_t)n;
    return true;
}

/* The response is out: keep the connection or close it gracefully. */
static void http_done(struct tcp_server *s, struct conn *c)
{
    if (c->file_fd >= 0)
        close(c->file_fd);
    c->file_fd = -1;
    c->out_off = c->out_len = 0;
    if (c->keep_alive) {
        c->phase = PH_READ;
        c->deadline = ust_stack_now(s->st) + TCPSRV_IDLE;
        http_try_request(s, c);
        return;
    }
    /* Lingering close (RFC 9112 9.6): FIN first, then read until the
     * peer's, so that unread request bytes do not turn into a RST that
     * could destroy the response before the client read it. */
    ust_shutdown(s->st, c->fd, SHUT_WR);
    c->phase = PH_DRAIN;
    c->deadline = ust_stack_now(s->st) + TCPSRV_DRAIN;
}

static bool http_send(struct tcp_server *s, struct conn *c)
{
    for (size_t moved = 0; moved < TCPSRV_TURN_BUDGET && c->phase == PH_SEND;) {
        if (c->out_off == c->out_len) {
            if (c->file_left == 0) {
                http_done(s, c);
                break;
            }
            if (!http_refill(c))
                return false;
        }
        ssize_t w = ust_send(s->st, c->fd, c->out + c->out_off, c->out_len - c->out_off,
                             MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN;
        c->out_off += (size_t)w;
        moved += (size_t)w;
        c->deadline = ust_stack_now(s->st) + TCPSRV_IDLE;
        if (c->out_off == c->out_len && c->file_left == 0) {
            /* The last byte is queued: the FIN follows it now, not a turn
             * later, when a client that stops at Content-Length may
             * already have closed first. */
            http_done(s, c); /* keep-alive: the next request may go on */
            continue;
        }
    }
    return true;
}

static bool http_step(struct tcp_server *s, struct conn *c, short rev)
{
    if (c->phase == PH_SEND)
        return (rev & (POLLERR | POLLHUP)) && !(rev & POLLOUT) ? false : http_send(s, c);
    if (c->phase == PH_DRAIN) {
        c->in_len = 0;
        ssize_t r = conn_read(s, c);
        return r > 0 || r == -1;
    }
    bool fresh = c->in_len == 0;
    ssize_t r = conn_read(s, c);
    if (r == -2)
        return false;
    if (r > 0 && fresh)
        c->deadline = ust_stack_now(s->st) + TCPSRV_REQUEST;
    if (r > 0)
        http_try_request(s, c);
    if (c->phase == PH_SEND)
        return http_send(s, c);
    return !c->peer_eof; /* EOF between requests (or in the middle of one) */
}

static bool conn_step(struct tcp_server *s, struct conn *c, short rev)
{
    switch (c->kind) {
    case TCPSRV_ECHO: return echo_step(s, c, rev);
    case TCPSRV_DISCARD: return discard_step(s, c);
    case TCPSRV_HTTP: return http_step(s, c, rev);
    }
    return false;
}

bool tcp_server_turn(struct tcp_server *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->nlis; i++)
        s->pfd[n++] = (struct pollfd){.fd = s->lis[i].fd,
                                      .events = s->nconns < TCPSRV_MAX_CONNS ? POLLIN : 0};
    for (unsigned i = 0; i < s->nconns; i++)
        s->pfd[n++] = (struct pollfd){.fd = s->conns[i]->fd, .events = conn_events(s->conns[i])};
    if (ust_poll(s->st, s->pfd, n, 0) < 0)
        return false;
    bool busy = false;
    ust_time_t now = ust_stack_now(s->st);
    /* Connections first (from the end: conn_free moves the last one into
     * the freed slot), then new ones. */
    unsigned nc = s->nconns;
    for (unsigned i = nc; i-- > 0;) {
        struct conn *c = s->conns[i];
        short rev = s->pfd[s->nlis + i].revents;
        bool alive = true;
        if (rev) {
            busy = true;
            alive = conn_step(s, c, rev);
        } else if (c->kind == TCPSRV_HTTP && now >= c->deadline) {
            /* idle keep-alive, a request that never ends, a client that
             * stopped reading, or a peer that never closes */
            alive = false;
        }
        if (!alive)
            conn_free(s, i);
    }
    for (unsigned i = 0; i < s->nlis; i++)
        if (s->pfd[i].revents & POLLIN) {
            accept_some(s, &s->lis[i]);
            busy = true;
        }
    return busy;
}
