/* `ustack serve`: answers ARP and ping, echoes UDP on the given ports, runs
 * until SIGINT/SIGTERM, then prints its counters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define SERVE_MAX_PORTS 16
#define ECHO_BATCH 64 /* datagrams echoed per port per loop turn (fairness) */

struct serve_opts {
    struct link_opts link;
    uint16_t ports[SERVE_MAX_PORTS];
    unsigned nports;
};

static void serve_usage(FILE *out)
{
    fprintf(out,
            "usage: ustack serve --tap NAME --addr A.B.C.D/N [--udp-echo PORT]... [link options]\n"
            "Answers ARP and ping (and serves UDP echo on each PORT) until SIGINT/SIGTERM,\n"
            "then prints the stack's counters.\n"
            "  --udp-echo PORT      echo UDP datagrams sent to PORT (repeatable)\n"
            LINK_OPTS_HELP);
}

/* Returns -1 to continue, or an exit code. */
static int serve_parse(int argc, char **argv, struct serve_opts *o)
{
    memset(o, 0, sizeof(*o));
    link_opts_init(&o->link);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r = link_opts_parse(&o->link, argc, argv, &i);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            serve_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((r = opt_value(argc, argv, &i, "--udp-echo", &v)) != 0) {
            unsigned long port;
            if (r < 0 || parse_uint("--udp-echo", v, 1, 65535, &port) != 0)
                return CLI_EXIT_USAGE;
            if (o->nports == SERVE_MAX_PORTS)
                return cli_usage_error("--udp-echo: at most %d ports", SERVE_MAX_PORTS);
            o->ports[o->nports++] = (uint16_t)port;
            continue;
        }
        if (argv[i][0] == '-')
            return cli_usage_error("serve: unknown option '%s' (try 'ustack serve --help')",
                                   argv[i]);
        return cli_usage_error("serve: unexpected argument '%s' (try 'ustack serve --help')",
                               argv[i]);
    }
    return link_opts_check(&o->link) ? CLI_EXIT_USAGE : -1;
}

/* Opens a non-blocking UDP socket bound to port on every address. */
static int echo_open(struct ust_stack *st, uint16_t port)
{
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        int e = errno;
        ust_close(st, fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Sends back what waits on fd, at most ECHO_BATCH datagrams. */
static void echo_drain(struct ust_stack *st, int fd)
{
    static const size_t cap = 65536;
    uint8_t buf[65536];
    for (int n = 0; n < ECHO_BATCH; n++) {
        struct sockaddr_in from;
        socklen_t flen = sizeof(from);
        ssize_t len = ust_recvfrom(st, fd, buf, cap, 0, (struct sockaddr *)&from, &flen);
        if (len < 0)
            return; /* EAGAIN: nothing more waits */
        /* A failed echo (no ARP answer, ...) is counted by the stack. */
        (void)ust_sendto(st, fd, buf, (size_t)len, 0, (struct sockaddr *)&from, flen);
    }
}

static void print_banner(const struct serve_opts *o, const struct link_ctx *c, const int *fds)
{
    char a[16], m[18];
    fprintf(c->out, "ustack serve: %s/%d on %s (mac %s, mtu %u)", ust_ip4_str(o->link.addr, a),
            o->link.prefix_len, o->link.tap, ust_mac_str(ust_dev_mac(c->dev), m),
            ust_dev_mtu(c->dev));
    if (o->link.have_gateway)
        fprintf(c->out, ", gateway %s", ust_ip4_str(o->link.gateway, a));
    fprintf(c->out, ", answering ARP and ping");
    for (unsigned i = 0; i < o->nports; i++)
        if (fds[i] >= 0)
            fprintf(c->out, "%s%u", i ? "," : ", udp echo on ", o->ports[i]);
    fprintf(c->out, "\nready (Ctrl-C to stop)\n");
    fflush(c->out);
}

int cmd_serve(int argc, char **argv)
{
    struct serve_opts o;
    int rc = serve_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    struct link_ctx c;
    if ((rc = link_open(&o.link, &c)) != 0)
        return rc;
    int fds[SERVE_MAX_PORTS];
    for (unsigned i = 0; i < o.nports; i++) {
        if ((fds[i] = echo_open(c.st, o.ports[i])) < 0) {
            rc = cli_usage_error("--udp-echo %u: %s", o.ports[i], strerror(errno));
            link_close(&c);
            return rc;
        }
    }
    volatile int stop = 0;
    cli_catch_signals(&stop);
    print_banner(&o, &c, fds);
    while (!stop) {
        /* Bounded wait: a signal that lands just before the wait starts
         * is still noticed within this time. */
        ust_loop_run_once(c.loop, 200 * UST_MSEC);
        for (unsigned i = 0; i < o.nports; i++)
            echo_drain(c.st, fds[i]);
    }
    fprintf(c.out, "\n--- ustack serve counters ---\n");
    ust_stats_print(c.st, c.out, false);
    fflush(c.out);
    for (unsigned i = 0; i < o.nports; i++)
        ust_close(c.st, fds[i]);
    link_close(&c);
    return CLI_EXIT_OK;
}
