/* sim_echo: two TCP/IP stacks in one process, joined by a simulated
 * Ethernet switch, exchange messages through a TCP echo server.
 *
 *   sim_echo [--messages N] [--size BYTES] [--loss P] [--seed S] [--trace]
 *
 * Stack A (198.51.100.1) runs the client, stack B (198.51.100.2) the
 * server. Both live on this one thread, so every socket is non-blocking:
 * the main loop lets each side do whatever it can without waiting, then
 * advances the simulation by one event (a frame arriving, a timer firing)
 * on its virtual clock. With --loss both cables drop frames at random and
 * TCP must retransmit; the same seed always gives the same run.
 *
 * The client sends message i, waits for its echo, checks it byte for byte
 * and sends message i+1. Exits 0 and prints "sim_echo: OK ..." when every
 * echo matched, 1 on a mismatch or a stall, 2 on a usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ustack/ustack.h>

#define ECHO_PORT 7
#define MAX_SIZE 65536
#define TIME_LIMIT (3600 * UST_SEC) /* virtual time: costs no real time */

/* ---- the server (stack B): accept one connection, echo everything ---- */
struct server {
    struct ust_stack *st;
    int listen_fd, conn_fd;  /* conn_fd -1 until accepted */
    char buf[4096];
    size_t off, len;         /* received bytes not yet sent back */
    bool done;               /* the client closed and we closed too */
};

static void server_step(struct server *s)
{
    if (s->done)
        return;
    if (s->conn_fd < 0) {
        s->conn_fd = ust_accept(s->st, s->listen_fd, NULL, NULL);
        if (s->conn_fd < 0)
            return; /* EAGAIN: no connection yet */
        /* As with accept(2), the new socket does not inherit non-blocking
         * mode from the listener. */
        ust_set_nonblock(s->st, s->conn_fd, 1);
    }
    for (;;) {
        if (s->off == s->len) { /* everything echoed: read more */
            ssize_t n = ust_recv(s->st, s->conn_fd, s->buf, sizeof(s->buf), 0);
            if (n == 0) { /* the client finished: close our side too */
                ust_close(s->st, s->conn_fd);
                s->done = true;
                return;
            }
            if (n < 0)
                return; /* EAGAIN: nothing more for now */
            s->off = 0;
            s->len = (size_t)n;
        }
        ssize_t n = ust_send(s->st, s->conn_fd, s->buf + s->off, s->len - s->off, 0);
        if (n < 0)
            return; /* EAGAIN: the send buffer is full, try after the next event */
        s->off += (size_t)n;
    }
}

/* ---- the client (stack A): send, wait for the echo, compare ---- */
struct client {
    struct ust_stack *st;
    int fd;
    bool connected;
    unsigned sent_msgs, total_msgs;
    size_t max_size;
    unsigned char msg[MAX_SIZE], echo[MAX_SIZE];
    size_t msg_len, msg_sent, echo_len;
    unsigned long long bytes;
    bool failed, done;
};

/* Message i: a length from 1 to max_size and a pattern that differs from
 * one message to the next, so a lost, repeated or misplaced byte shows. */
static void client_next_message(struct client *c)
{
    unsigned i = c->sent_msgs;
    c->msg_len = 1 + (size_t)(i * 7919u) % c->max_size;
    for (size_t j = 0; j < c->msg_len; j++)
        c->msg[j] = (unsigned char)(i * 31u + j * 7u + (j >> 8));
    c->msg_sent = c->echo_len = 0;
}

static bool client_check_connected(struct client *c)
{
    /* A non-blocking connect completes when the socket becomes writable;
     * SO_ERROR then tells success from failure, as with BSD sockets. */
    struct pollfd p = {.fd = c->fd, .events = POLLOUT};
    if (ust_poll(c->st, &p, 1, 0) <= 0)
        return false;
    int err = 0;
    socklen_t len = sizeof(err);
    ust_getsockopt(c->st, c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
        fprintf(stderr, "sim_echo: connect: %s\n", strerror(err));
        c->failed = true;
        return false;
    }
    c->connected = true;
    client_next_message(c);
    return true;
}

static void client_step(struct client *c)
{
    if (c->done || c->failed || (!c->connected && !client_check_connected(c)))
        return;
    while (c->msg_sent < c->msg_len) {
        ssize_t n = ust_send(c->st, c->fd, c->msg + c->msg_sent, c->msg_len - c->msg_sent, 0);
        if (n < 0)
            break; /* EAGAIN */
        c->msg_sent += (size_t)n;
    }
    while (c->echo_len < c->msg_len) {
        ssize_t n = ust_recv(c->st, c->fd, c->echo + c->echo_len, c->msg_len - c->echo_len, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            fprintf(stderr, "sim_echo: message %u: connection lost: %s\n", c->sent_msgs,
                    n == 0 ? "server closed" : strerror(errno));
            c->failed = true;
            return;
        }
        if (n < 0)
            return; /* EAGAIN: the rest of the echo is still on its way */
        c->echo_len += (size_t)n;
    }
    if (memcmp(c->msg, c->echo, c->msg_len) != 0) {
        fprintf(stderr, "sim_echo: message %u: the echo differs from what was sent\n",
                c->sent_msgs);
        c->failed = true;
        return;
    }
    c->bytes += c->msg_len;
    if (++c->sent_msgs == c->total_msgs) {
        ust_close(c->st, c->fd); /* sends our FIN; the server closes in turn */
        c->done = true;
    } else {
        client_next_message(c);
    }
}

/* ---- setup ---- */
struct host {
    struct ust_stack *st;
    struct ust_dev *nic;
};

/* A stack with one simulated NIC on switch sw; loss applies to what it
 * sends, so with two hosts both directions lose frames. */
static int host_new(struct host *h, struct ust_sim *sim, struct ust_sim_switch *sw,
                    uint64_t seed, ust_ip4_t addr, double loss, bool trace)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.seed = seed; /* each stack its own PRNG stream, reproducible */
    h->st = ust_stack_new(&cfg);
    if (!h->st || ust_sim_add_stack(sim, h->st) != UST_OK)
        return -1;
    if (trace) /* what every layer does with every packet, on stderr */
        ust_stack_set_trace(h->st, ust_trace_to_file, stderr);
    h->nic = ust_sim_attach(sw, h->st, "eth0", NULL, 1500);
    if (!h->nic || ust_iface_add(h->st, h->nic, addr, 24) < 0)
        return -1;
    struct ust_sim_faults f = {.loss = loss, .delay = 1 * UST_MSEC};
    return ust_sim_set_faults(h->nic, UST_SIM_TX, &f);
}

/* Server: a non-blocking listening socket on addr port 7. */
static int server_open(struct server *s, struct ust_stack *st, const struct sockaddr_in *sa)
{
    *s = (struct server){.st = st, .conn_fd = -1};
    s->listen_fd = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s->listen_fd < 0 || ust_bind(st, s->listen_fd, (const struct sockaddr *)sa,
                                     sizeof(*sa)) < 0 ||
        ust_listen(st, s->listen_fd, 4) < 0) {
        perror("sim_echo: server socket");
        return -1;
    }
    return 0;
}

/* Client: a non-blocking connect answers EINPROGRESS at once; the rest of
 * the handshake happens while the simulation runs. */
static int client_open(struct client *c, struct ust_stack *st, const struct sockaddr_in *sa)
{
    c->st = st;
    c->fd = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0 || (ust_connect(st, c->fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
                      errno != EINPROGRESS)) {
        perror("sim_echo: client connect");
        return -1;
    }
    return 0;
}

/* Both applications act, then the simulation runs one event; until the
 * exchange is over. Returns false if nothing could happen any more. */
static bool run(struct ust_sim *sim, struct server *s, struct client *c)
{
    while (!(c->done && s->done) && !c->failed) {
        server_step(s);
        client_step(c);
        if (!(c->done && s->done) && !ust_sim_step(sim, TIME_LIMIT))
            return false;
    }
    return true;
}

/* Frames the cables lost and segments TCP sent again, for the summary. */
static void loss_figures(const struct host *h, size_t n, unsigned long long *frames,
                         unsigned long long *lost, unsigned long long *retrans)
{
    *frames = *lost = *retrans = 0;
    for (size_t i = 0; i < n; i++) {
        struct ust_sim_link_stats ls;
        if (ust_sim_get_link_stats(h[i].nic, UST_SIM_TX, &ls) == UST_OK) {
            *frames += ls.frames;
            *lost += ls.lost;
        }
        *retrans += ust_stack_stats(h[i].st)->tcp.RetransSegs;
    }
}

/* A usage error: one line, exit code 2. */
static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "sim_echo: %s%s%s (see --help)\n", msg, arg ? ": " : "", arg ? arg : "");
    return 2;
}

/* --help: -1 (exit 0 after parsing). */
static int help(void)
{
    printf("usage: sim_echo [--messages N] [--size BYTES] [--loss 0..0.5] [--seed S] [--trace]\n"
           "Two stacks in one process over a simulated switch: a TCP echo, one thread,\n"
           "non-blocking sockets; no privileges needed.\n\n"
           "  --messages N   messages to echo (1..1000000, default 100)\n"
           "  --size BYTES   the largest message (1..65536, default 3000)\n"
           "  --loss P       probability that a frame is lost, both ways (0..0.5)\n"
           "  --seed S       the simulator's seed: the same seed, the same run\n"
           "  --trace        every layer's trace lines on standard error\n"
           "  --help         this text\n");
    return -1;
}

static int parse_args(int argc, char **argv, unsigned *msgs, size_t *size, double *loss,
                      unsigned long long *seed, bool *trace)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help();
        if (!strcmp(argv[i], "--trace")) {
            *trace = true;
            continue;
        }
        if (i + 1 >= argc)
            return usage("unknown option or missing value", argv[i]);
        const char *opt = argv[i], *val = argv[++i];
        char *end;
        errno = 0;
        if (!strcmp(opt, "--messages")) {
            unsigned long v = strtoul(val, &end, 10);
            if (*end || errno || v < 1 || v > 1000000)
                return usage("--messages wants 1..1000000", val);
            *msgs = (unsigned)v;
        } else if (!strcmp(opt, "--size")) {
            unsigned long v = strtoul(val, &end, 10);
            if (*end || errno || v < 1 || v > MAX_SIZE)
                return usage("--size wants 1..65536", val);
            *size = v;
        } else if (!strcmp(opt, "--loss")) {
            *loss = strtod(val, &end);
            if (*end || errno || !(*loss >= 0 && *loss <= 0.5))
                return usage("--loss wants a probability from 0 to 0.5", val);
        } else if (!strcmp(opt, "--seed")) {
            *seed = strtoull(val, &end, 10);
            if (*end || errno || *val == '-')
                return usage("--seed wants a number", val);
        } else {
            return usage("unknown option", opt);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned msgs = 100;
    size_t size = 3000;
    double loss = 0;
    unsigned long long seed = 1;
    bool trace = false;
    int rc = parse_args(argc, argv, &msgs, &size, &loss, &seed, &trace);
    if (rc)
        return rc < 0 ? 0 : rc;

    /* Host 0 (A) runs the client, host 1 (B) the server. */
    struct ust_sim *sim = ust_sim_new(seed);
    struct ust_sim_switch *sw = sim ? ust_sim_switch_new(sim, "sw0") : NULL;
    struct host h[2] = {{0}};
    ust_ip4_t addr_b = UST_IP4(198, 51, 100, 2);
    if (!sw || host_new(&h[0], sim, sw, seed * 2 + 1, UST_IP4(198, 51, 100, 1), loss, trace) ||
        host_new(&h[1], sim, sw, seed * 2 + 2, addr_b, loss, trace)) {
        fprintf(stderr, "sim_echo: cannot set up the simulated network\n");
        return 1;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(ECHO_PORT),
                             .sin_addr.s_addr = htonl(addr_b)};
    struct server s;
    static struct client c; /* large buffers: not on the stack */
    c.total_msgs = msgs;
    c.max_size = size;
    if (server_open(&s, h[1].st, &sa) < 0 || client_open(&c, h[0].st, &sa) < 0)
        return 1;

    bool progressed = run(sim, &s, &c);
    ust_time_t elapsed = ust_sim_now(sim);
    ust_close(h[1].st, s.listen_fd);
    /* Let the closing handshake finish (TIME-WAIT costs no real time). */
    ust_sim_run_until(sim, ust_sim_now(sim) + 5 * UST_SEC);

    unsigned long long frames, lost, retrans;
    loss_figures(h, 2, &frames, &lost, &retrans);
    bool ok = progressed && c.done && s.done && !c.failed;
    if (!progressed)
        fprintf(stderr, "sim_echo: no progress after %u of %u messages (virtual time %.3f s)\n",
                c.sent_msgs, msgs, (double)elapsed / UST_SEC);
    if (ok)
        printf("sim_echo: OK %u messages, %llu bytes echoed byte for byte; %llu of %llu frames "
               "lost, %llu segments retransmitted; seed %llu, virtual time %.3f s\n",
               c.sent_msgs, c.bytes, lost, frames, retrans, seed, (double)elapsed / UST_SEC);
    ust_sim_free(sim);
    ust_stack_free(h[0].st);
    ust_stack_free(h[1].st);
    return ok ? 0 : 1;
}
