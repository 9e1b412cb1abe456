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
    ust_ip4_t host;
    uint16_t port;
    uint64_t bytes;           /* send: how many */
    ust_time_t timeout;       /* send: connect timeout */
};

static void bulk_usage(FILE *out, bool sender)
{
    if (sender)
        fprintf(out,
                "usage: ustack send HOST PORT [--bytes N] --tap NAME --addr A.B.C.D/N\n"
                "                   [--timeout SEC] [link options]\n"
                "Connects to HOST:PORT, sends N bytes (default 10m; suffixes k, m, g), closes\n"
                "its sending side, reads what the peer sends back until it closes, and reports\n"
                "throughput, retransmitted segments and the final congestion window.\n"
                "  --bytes N        bytes to send (e.g. 100m)\n"
                "  --timeout SEC    give up connecting after SEC seconds (default 10)\n"
                LINK_OPTS_HELP);
    else
        fprintf(out,
                "usage: ustack recv --port PORT --tap NAME --addr A.B.C.D/N [link options]\n"
                "Accepts one TCP connection on PORT, counts the bytes until the peer closes,\n"
                "and reports throughput and the connection's TCP statistics.\n"
                LINK_OPTS_HELP);
}

/* "100m", "1g", "4096" (bytes, binary suffixes). */
static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    uint64_t mult = 1;
    if (end == s || errno || *s == '-')
        return -1;
    if (*end == 'k' || *end == 'K')
        mult = 1024, end++;
    else if (*end == 'm' || *end == 'M')
        mult = 1024 * 1024, end++;
    else if (*end == 'g' || *end == 'G')
        mult = 1024ull * 1024 * 1024, end++;
    if (*end || v > UINT64_MAX / mult)
        return -1;
    *out = v * mult;
    return 0;
}

static int bulk_parse(int argc, char **argv, struct bulk_opts *o, bool sender)
{
    memset(o, 0, sizeof(*o));
    link_opts_init(&o->link);
    o->sender = sender;
    o->bytes = 10u << 20;
    o->timeout = 10 * UST_SEC;
    const char *cmd = sender ? "send" : "recv";
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
            if (r < 0)
                return CLI_EXIT_USAGE;
            if (parse_count(v, &o->bytes))
                return cli_usage_error("--bytes: '%s' is not a byte count (e.g. 4096, 100m)", v);
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
            if (ust_ip4_parse(argv[i], &o->host) != UST_OK)
                return cli_usage_error("send: '%s' is not an IPv4 address (ustack cannot "
                                       "resolve host names)", argv[i]);
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
                               "5001 --bytes 10m ...)");
    if (!sender && !o->port)
        return cli_usage_error("recv: --port PORT is required");
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

/* Sends o->bytes of a counting pattern, then half-closes. */
static int send_all(struct link_ctx *c, int fd, uint64_t total, struct progress *p)
{
    uint8_t *buf = malloc(BULK_CHUNK);
    if (!buf)
        return -1;
    for (size_t i = 0; i < BULK_CHUNK; i++)
        buf[i] = (uint8_t)(i * 7 + i / 251);
    uint64_t sent = 0;
    while (sent < total) {
        size_t n = total - sent < BULK_CHUNK ? (size_t)(total - sent) : BULK_CHUNK;
        ssize_t w = ust_send(c->st, fd, buf, n, MSG_NOSIGNAL);
        if (w <= 0) {
            progress_finish(p, ust_clock_monotonic());
            if (!link_lost(c))
                fprintf(stderr, "ustack: send: after %llu bytes: %s\n", (unsigned long long)sent,
                        strerror(errno));
            free(buf);
            return -1;
        }
        sent += (uint64_t)w;
        progress_update(p, sent, ust_clock_monotonic());
    }
    free(buf);
    return 0;
}

/* Reads until EOF. Returns the byte count, or -1 (printed). */
static int64_t recv_all(struct link_ctx *c, int fd, struct progress *p, const char *what)
{
    struct ust_stack *st = c->st;
    char *buf = malloc(BULK_CHUNK);
    int64_t got = 0;
    while (buf) {
        ssize_t n = ust_recv(st, fd, buf, BULK_CHUNK, 0);
        if (n == 0)
            break;
        if (n < 0) {
            progress_finish(p, ust_clock_monotonic());
            if (!link_lost(c))
                fprintf(stderr, "ustack: %s: after %lld bytes: %s\n", what, (long long)got,
                        strerror(errno));
            got = -1;
            break;
        }
        got += n;
        if (p)
            progress_update(p, (uint64_t)got, ust_clock_monotonic());
    }
    free(buf);
    return buf ? got : -1;
}

static int run_send(struct bulk_opts *o, struct link_ctx *c)
{
    char a[16], rate[48], b[32];
    ust_time_t start = ust_clock_monotonic();
    int fd = client_connect(c, o->host, o->port, o->timeout);
    if (fd < 0)
        return CLI_EXIT_FAIL;
    fprintf(c->out, "connected to %s:%u\n", ust_ip4_str(o->host, a), o->port);
    fflush(c->out);
    struct progress p;
    progress_start(&p, o->bytes, start);
    int rc = send_all(c, fd, o->bytes, &p);
    if (rc == 0 && ust_shutdown(c->st, fd, SHUT_WR) < 0)
        rc = -1;
    /* The peer's FIN after ours: everything we sent has arrived. */
    int64_t back = rc == 0 ? recv_all(c, fd, NULL, "send") : -1;
    ust_time_t end = ust_clock_monotonic();
    progress_finish(&p, end);
    if (back >= 0) {
        fprintf(c->out, "sent %llu bytes (%s) in %.3f s: %s\n", (unsigned long long)o->bytes,
                format_bytes(o->bytes, b), (double)(end - start) / UST_SEC,
                format_rate(o->bytes, end - start, rate));
        if (back > 0)
            fprintf(c->out, "the peer sent %lld bytes back before closing\n", (long long)back);
        tcp_report(c->out, c->st, fd);
    }
    ust_close(c->st, fd);
    client_linger(c, 2 * UST_SEC);
    return back >= 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int run_recv(struct bulk_opts *o, struct link_ctx *c)
{
    char a[16], rate[48], b[32];
    int lfd = ust_socket(c->st, AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(o->port)};
    ust_setsockopt(c->st, lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (lfd < 0 || ust_bind(c->st, lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        ust_listen(c->st, lfd, 1) < 0) {
        fprintf(stderr, "ustack: recv: port %u: %s\n", o->port, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    fprintf(c->out, "listening on %s:%u\n", ust_ip4_str(o->link.addr, a), o->port);
    if (c->ctl.bound)
        fprintf(c->out, "control socket %s\n", c->ctl.path);
    fprintf(c->out, "ready\n");
    fflush(c->out);
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int fd = ust_accept(c->st, lfd, (struct sockaddr *)&peer, &plen);
    ust_close(c->st, lfd); /* one connection only */
    if (fd < 0) {
        if (!link_lost(c))
            fprintf(stderr, "ustack: recv: accept: %s\n", strerror(errno));
        return CLI_EXIT_FAIL;
    }
    ust_time_t start = ust_clock_monotonic();
    fprintf(c->out, "connection from %s:%u\n", ust_ip4_str(ntohl(peer.sin_addr.s_addr), a),
            ntohs(peer.sin_port));
    fflush(c->out);
    struct progress p;
    progress_start(&p, 0, start);
    int64_t got = recv_all(c, fd, &p, "recv");
    ust_time_t end = ust_clock_monotonic();
    progress_finish(&p, end);
    if (got >= 0) {
        fprintf(c->out, "received %lld bytes (%s) in %.3f s: %s\n", (long long)got,
                format_bytes((uint64_t)got, b), (double)(end - start) / UST_SEC,
                format_rate((uint64_t)got, end - start, rate));
        tcp_report(c->out, c->st, fd);
    }
    ust_close(c->st, fd);
    client_linger(c, 2 * UST_SEC);
    return got >= 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
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
    volatile int stop = 0;
    cli_catch_signals(&stop); /* a blocked call returns EINTR on Ctrl-C */
    rc = sender ? run_send(&o, &c) : run_recv(&o, &c);
    link_close(&c);
    return rc;
}

int cmd_send(int argc, char **argv) { return bulk_main(argc, argv, true); }
int cmd_recv(int argc, char **argv) { return bulk_main(argc, argv, false); }
