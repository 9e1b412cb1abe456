/* `ustack serve` internals shared by cmd_serve.c (options, services, one
 * stack's loop) and serve_queues.c (one stack per queue, in threads). */
#ifndef UST_TOOLS_SERVE_H
#define UST_TOOLS_SERVE_H

#include "cli.h"

#define SERVE_MAX_PORTS 16
#define SERVE_MAX_QUEUES 64 /* --queues N */
#define ECHO_BATCH 64 /* datagrams echoed per port per loop turn (fairness) */

struct tcp_port {
    enum tcpsrv_kind kind;
    uint16_t port;
};

struct serve_opts {
    struct link_opts link;
    uint16_t ports[SERVE_MAX_PORTS];
    unsigned nports;
    struct ust_addr groups[SERVE_MAX_PORTS]; /* --join: the --udp-echo sockets' groups */
    struct ust_addr sources[SERVE_MAX_PORTS]; /* --join-source: groups[k]'s one source
                                                (family 0: any source, --join) */
    unsigned ngroups;
    struct tcp_port tcp[SERVE_MAX_PORTS];
    unsigned ntcp;
    const char *root;         /* --root DIR */
    uint16_t iperf3_port;     /* --iperf3 [PORT]; 0: off */
    unsigned queues;          /* --queues N (default 1): one stack per queue */
    bool dual;                /* the services on [::] (not --ipv4-only, not --no-ipv6) */
    bool dual_opt, ipv4_only; /* --dual-stack (the default), --ipv4-only */
    char root_real[PATH_MAX];
};

/* The services' own time limits (HTTP idle and request limits, iperf3's
 * handshake timeouts and pacing) are checked after every loop turn but are
 * not timers of the stack, so a turn comes at least this often. Signals do
 * not depend on it: the signalfd wakes the loop at once. */
#define SERVE_TICK (200 * UST_MSEC)

struct serve_run {
    const struct serve_opts *o;
    struct link_ctx *c;
    struct cli_signals sig;
    bool sig_open;             /* cli_signals_open succeeded */
    int fds[SERVE_MAX_PORTS];  /* --udp-echo sockets */
    struct tcp_server *srv;
    struct iperf3_server *ip3; /* NULL without --iperf3 */
    bool relay;                /* signals come from queue 0's thread (serve_queues.c) */
};

/* Opens the services of r->c's stack. 0, or an exit code after saying why. */
int serve_open(struct serve_run *r);
/* Serves until r->sig.caught is set (a signal, or a number relayed) or
 * the device is lost: CLI_EXIT_OK or CLI_EXIT_FAIL. */
int serve_loop(struct serve_run *r);
/* Closes the services, prints the counters (counters: under `title`), the
 * control socket and the stack. */
void serve_close(struct serve_run *r, bool counters, const char *title);
/* "ustack serve: ADDR on TAP (...), answering ..." without its end of line. */
void serve_print_banner(const struct serve_opts *o, const struct link_ctx *c, const int *fds);
/* serve --queues N (N > 1): opens N queues and N stacks, serves each in its
 * own thread until SIGINT/SIGTERM. The exit code. */
int serve_queues(const struct serve_opts *o);

#endif
