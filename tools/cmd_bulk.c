/* `ustack send HOST PORT --bytes N` and `ustack recv --port PORT`: bulk TCP
 * transfer over ustack on a TAP device, reporting throughput,
 * retransmissions and the final congestion window (UST_TCP_INFO). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define BULK_CHUNK 65536

struct bulk_opts {
    struct link_opts link;
    bool sender;
    struct ust_addr host;     /* send: IPv4 or IPv6 */
    uint16_t port;
    uint64_t bytes;           /* send: how many */
    ust_time_t timeout;       /* send: connect timeout */
};

static void bulk_usage(FILE *out, bool sender)
{
    if (sender)
        fprintf(out,
                "usage: ustack send HOST PORT [--bytes N] --tap NAME|--tun NAME --addr A.B.C.D/N\n"
                "                   [--timeout SEC] [link options]\n"
                "Connects to HOST:PORT (HOST an IPv4 or IPv6 address, e.g. 2001:db8::1),\n"
                "sends N bytes, closes its sending side, reads what the peer sends back\n"
                "until it closes, and reports throughput, retransmitted segments and the\n"
                "final congestion window. Ctrl-C (or SIGTERM) reports what was sent so far\n"
                "and exits 130 (143).\n"
                "  --bytes N        bytes to send (default 10M; K, M, G = 1024 multiples,\n"
                "                   KB, MB, GB = 1000 multiples; 0: connect and close)\n"
                "  --timeout SEC    give up connecting after SEC seconds (default 10)\n"
                LINK_OPTS_HELP);
    else
        fprintf(out,
                "usage: ustack recv --port PORT --tap NAME|--tun NAME --addr A.B.C.D/N\n"
                "                   [link options]\n"
                "Accepts one TCP connection on PORT, counts the bytes until the peer closes,\n"
                "and reports throughput and the connection's TCP statistics. Ctrl-C (or\n"
                "SIGTERM) reports what arrived so far and exits 130 (143).\n"
                "  --port PORT      TCP port to accept the connection on (required)\n"
                LINK_OPTS_HELP);
}

static int bulk_parse(int argc, char **argv, struct bulk_opts *o, bool sender)
{
    memset(o, 0, sizeof(*o));
    link_opts_init(&o->link);
    o->sender = sender;
    o->bytes = 10u << 20;
    o->timeout = 10 * UST_SEC;
    const char *cmd = sender ? "send" : "recv";
    const char *host = NULL;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        unsigned long port;
        int r = link_opts_parse(&o->link, argc, argv, &i);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            bulk_usage(stdout, sender);
            return CLI_EXIT_OK;
        }
        if (sender && (r = opt_value(argc, argv, &i, "--bytes", &v)) != 0) {
            if (r < 0 || parse_size("--bytes", v, 0, UINT64_MAX, &o->bytes))
                return CLI_EXIT_USAGE;
        } else if (sender && (r = opt_value(argc, argv, &i, "--timeout", &v)) != 0) {
            if (r < 0 || parse_seconds("--timeout", v, 0.1, 3600, &o->timeout))
                return CLI_EXIT_USAGE;
        } else if (!sender && (r = opt_value(argc, argv, &i, "--port", &v)) != 0) {
            if (r < 0 || parse_uint("--port", v, 1, 65535, &port))
                return CLI_EXIT_USAGE;
            o->port = (uint16_t)port;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("%s: unknown option '%s' (try 'ustack %s --help')", cmd,
                                   argv[i], cmd);
        } else if (sender && npos == 0) {
            host = argv[i]; /* parsed once --tap is known: "fe80::1%tap0" */
            npos++;
        } else if (sender && npos == 1) {
            if (parse_uint("send: PORT", argv[i], 1, 65535, &port))
                return CLI_EXIT_USAGE;
            o->port = (uint16_t)port;
            npos++;
        } else {
            return cli_usage_error("%s: unexpected argument '%s'", cmd, argv[i]);
        }
    }
    if (sender && npos < 2)
        return cli_usage_error("send: HOST and PORT are required (e.g. ustack send 203.0.113.1 "
                               "5001 --bytes 10M ...)");
    if (!sender && !o->port)
        return cli_usage_error("recv: --port PORT is required");
    if (sender && cli_addr_parse_zone(&o->link, host, &o->host) != 0)
        return cli_usage_error("send: '%s' is not an IPv4 or IPv6 address (ustack cannot "
                               "resolve host names)", host);
    return link_opts_check(&o->link) ? CLI_EXIT_USAGE : -1;
}

static void tcp_report(FILE *out, struct ust_stack *st, int fd)
{
    struct ust_tcp_info ti;
    socklen_t len = sizeof(ti);
    if (ust_getsockopt(st, fd, IPPROTO_TCP, UST_TCP_INFO, &ti, &len) < 0)
        return;
    fprintf(out, "tcp: retransmitted segments %u, final cwnd %u bytes (%u x mss %u), "
                 "ssthresh %u, srtt %.3f ms, rto %.0f ms\n",
            ti.total_retrans, ti.cwnd, ti.snd_mss ? ti.cwnd / ti.snd_mss : 0, ti.snd_mss,
            ti.ssthresh, ti.rtt_us / 1000.0, ti.rto_us / 1000.0);
    if (ti.pacing_rate) /* a paced controller (BBR): its model at the end */
        fprintf(out, "tcp: %s, pacing %.2f Mbit/s, delivery rate %.2f Mbit/s, min rtt %.3f ms\n",
                ti.cc_state[0] ? ti.cc_state : "paced", ti.pacing_rate * 8 / 1e6,
                ti.delivery_rate * 8 / 1e6, ti.min_rtt_us / 1000.0);
    fprintf(out, "tcp: recovery episodes %u (fast %u, rto %u), cwnd reductions %u (max %u per "
                 "episode), rack lost %u, tlp %u, lost retransmissions %u\n",
            ti.recoveries, ti.fast_retrans, ti.rtos, ti.cwnd_reductions,
            ti.max_episode_reductions, ti.rack_lost, ti.tlp_probes, ti.lost_retrans);
}

/* One transfer: the link, the signals that may stop it, what moved. */
struct bulk_run {
    struct link_ctx *c;
    const struct cli_signals *sig;
    struct progress p;
    uint64_t moved;           /* bytes sent (send) or received (recv) */
};

/* Did a failed call fail because Ctrl-C/SIGTERM stopped it? Then it says
 * nothing; otherwise prints why (unless the device was lost). */
static bool failed_quietly(struct bulk_run *b, const char *what)
{
    if (b->sig->caught)
        return true; /* bulk_report ends the progress line */
    progress_finish(&b->p, ust_clock_monotonic());
    if (!link_lost(b->c))
        fprintf(stderr, "ustack: %s: after %llu bytes: %s\n", what,
                (unsigned long long)b->moved, strerror(errno));
    return false;
}

/* Sends `total` bytes of a counting pattern. 0, or -1 (printed unless a
 * signal stopped it). */
static int send_all(struct bulk_run *b, int fd, uint64_t total)
{
    uint8_t *buf = malloc(BULK_CHUNK);
    if (!buf)
        return -1;
    for (size_t i = 0; i < BULK_CHUNK; i++)
        buf[i] = (uint8_t)(i * 7 + i / 251);
    while (b->moved < total) {
        size_t n = total - b->moved < BULK_CHUNK ? (size_t)(total - b->moved) : BULK_CHUNK;
        ssize_t w = ust_send(b->c->st, fd, buf, n, MSG_NOSIGNAL);
        if (w > 0)
            b->moved += (uint64_t)w; /* a signal may cut a send short */
        if (w <= 0 || b->sig->caught) {
            if (w > 0)
                errno = EINTR;
            failed_quietly(b, "send");
            free(buf);
            return -1;
        }
        progress_update(&b->p, b->moved, ust_clock_monotonic());
    }
    free(buf);
    return 0;
}

/* Reads until EOF, adding to *got (and b->moved when counting is true).
 * 0, or -1 (printed unless a signal stopped it). */
static int recv_all(struct bulk_run *b, int fd, uint64_t *got, bool counting, const char *what)
{
    char *buf = malloc(BULK_CHUNK);
    int rc = buf ? 0 : -1;
    while (buf) {
        ssize_t n = ust_recv(b->c->st, fd, buf, BULK_CHUNK, 0);
        if (n == 0)
            break;
        if (n < 0) {
            failed_quietly(b, what);
            rc = -1;
            break;
        }
        *got += (uint64_t)n;
        if (counting) {
            b->moved = *got;
            progress_update(&b->p, b->moved, ust_clock_monotonic());
        }
    }
    free(buf);
    return rc;
}

/* "sent N bytes (X MiB) in T s: RATE" and the TCP statistics; a run a
 * signal stopped says so at the end of the first line. */
static void bulk_report(struct bulk_run *b, const char *verb, ust_time_t start)
{
    char rate[48], size[32];
    ust_time_t end = ust_clock_monotonic();
    progress_finish(&b->p, end);
    fprintf(b->c->out, "%s %llu bytes (%s) in %.3f s: %s%s\n", verb,
            (unsigned long long)b->moved, format_bytes(b->moved, size),
            (double)(end - start) / UST_SEC, format_rate(b->moved, end - start, rate),
            b->sig->caught ? " (interrupted)" : "");
}

/* Closes the connection. After a signal: at once, with a RST (SO_LINGER
 * 0), as the peer must not take a cut transfer for a whole one; else
 * letting our FIN and last ACKs reach the peer first. */
static void bulk_close(struct bulk_run *b, int fd)
{
    if (b->sig->caught) {
        struct linger abort_close = {.l_onoff = 1, .l_linger = 0};
        ust_setsockopt(b->c->st, fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof(abort_close));
        ust_close(b->c->st, fd);
        return;
    }
    ust_close(b->c->st, fd);
    client_linger(b->c, 2 * UST_SEC);
}

static int bulk_exit(const struct bulk_run *b, int rc)
{
    return b->sig->caught ? CLI_EXIT_SIGNAL(b->sig->caught) : rc;
}

static int run_send(struct bulk_opts *o, struct bulk_run *b)
{
    char a[UST_ADDR_STRLEN];
    struct link_ctx *c = b->c;
    if (o->host.family == UST_AF_INET6)
        link_wait_dad(c, b->sig); /* a tentative source is no source (RFC 4862 5.4) */
    ust_time_t start = ust_clock_monotonic();
    int fd = client_connect_addr(c, &o->host, o->port, o->timeout);
    if (fd < 0)
        return bulk_exit(b, CLI_EXIT_FAIL);
    fprintf(c->out, o->host.family == UST_AF_INET6 ? "connected to [%s]:%u\n"
                                                   : "connected to %s:%u\n",
            ust_addr_str(&o->host, a), o->port);
    fflush(c->out);
    progress_start(&b->p, o->bytes, start);
    int rc = send_all(b, fd, o->bytes);
    if (rc == 0 && ust_shutdown(c->st, fd, SHUT_WR) < 0)
        rc = -1;
    /* The peer's FIN after ours: everything we sent has arrived. */
    uint64_t back = 0;
    if (rc == 0)
        rc = recv_all(b, fd, &back, false, "send");
    if (rc == 0 || b->sig->caught) {
        bulk_report(b, "sent", start);
        if (back > 0)
            fprintf(c->out, "the peer sent %llu bytes back before closing\n",
                    (unsigned long long)back);
        tcp_report(c->out, c->st, fd);
    }
    bulk_close(b, fd);
    return bulk_exit(b, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

/* Listens on o->port and accepts one connection. The descriptor, or -1. */
static int accept_one(struct bulk_opts *o, struct bulk_run *b)
{
    char a[16];
    struct link_ctx *c = b->c;
    int lfd = ust_socket(c->st, AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(o->port)};
    ust_setsockopt(c->st, lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (lfd < 0 || ust_bind(c->st, lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        ust_listen(c->st, lfd, 1) < 0) {
        fprintf(stderr, "ustack: recv: port %u: %s\n", o->port, strerror(errno));
        return -1;
    }
    fprintf(c->out, "listening on %s:%u\n", ust_ip4_str(link_addr(c, NULL), a), o->port);
    if (c->ctl.bound)
        fprintf(c->out, "control socket %s\n", c->ctl.path);
    fprintf(c->out, "ready\n");
    fflush(c->out);
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int fd = ust_accept(c->st, lfd, (struct sockaddr *)&peer, &plen);
    ust_close(c->st, lfd); /* one connection only */
    if (fd < 0) {
        if (!b->sig->caught && !link_lost(c))
            fprintf(stderr, "ustack: recv: accept: %s\n", strerror(errno));
        return -1;
    }
    fprintf(c->out, "connection from %s:%u\n", ust_ip4_str(ntohl(peer.sin_addr.s_addr), a),
            ntohs(peer.sin_port));
    fflush(c->out);
    return fd;
}

static int run_recv(struct bulk_opts *o, struct bulk_run *b)
{
    int fd = accept_one(o, b);
    if (fd < 0)
        return bulk_exit(b, CLI_EXIT_FAIL);
    ust_time_t start = ust_clock_monotonic();
    progress_start(&b->p, 0, start);
    uint64_t got = 0;
    int rc = recv_all(b, fd, &got, true, "recv");
    if (rc == 0 || b->sig->caught) {
        bulk_report(b, "received", start);
        tcp_report(b->c->out, b->c->st, fd);
    }
    bulk_close(b, fd);
    return bulk_exit(b, rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

static int bulk_main(int argc, char **argv, bool sender)
{
    struct bulk_opts o;
    int rc = bulk_parse(argc, argv, &o, sender);
    if (rc >= 0)
        return rc;
    struct link_ctx c;
    if ((rc = link_open(&o.link, &c)) != 0)
        return rc;
    struct cli_signals sig;
    if (cli_signals_open(&sig, &c) != 0) {
        rc = cli_usage_error("cannot watch for Ctrl-C: %s", strerror(errno));
        link_close(&c);
        return rc;
    }
    struct bulk_run b = {.c = &c, .sig = &sig};
    rc = sender ? run_send(&o, &b) : run_recv(&o, &b);
    cli_signals_close(&sig);
    link_close(&c);
    return rc;
}

int cmd_send(int argc, char **argv) { return bulk_main(argc, argv, true); }
int cmd_recv(int argc, char **argv) { return bulk_main(argc, argv, false); }
