/* Shared declarations of the `ustack` subcommands. */
#ifndef UST_CLI_H
#define UST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ustack/ustack.h"

/* Exit codes, as iputils ping uses them. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,  /* ran, but nothing useful happened (no reply) */
    CLI_EXIT_USAGE = 2, /* bad arguments or the device could not be set up */
};

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};
extern const struct cli_command cli_commands[];

int cmd_serve(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* ---- error reporting (link_opts.c) ---------------------------------------
 * Every usage error is ONE line on stderr, "ustack: ...", and exit code 2. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int cli_usage_error(const char *fmt, ...);

/* ---- generic option helpers (link_opts.c) -------------------------------- */
/* If argv[*i] is option `name` ("--mtu V", "--mtu=V", or for a short
 * option "-c V" / "-cV"), stores its value in *val, advances *i past it and
 * returns 1. Returns 0 if argv[*i] is another option, -1 (error printed)
 * if the value is missing. */
int opt_value(int argc, char **argv, int *i, const char *name, const char **val);
/* Numeric values; each prints its own error line and returns -1 on failure. */
int parse_uint(const char *opt, const char *s, unsigned long lo, unsigned long hi,
               unsigned long *out);
int parse_seconds(const char *opt, const char *s, double lo, double hi, ust_time_t *out);
/* "10mbit", "1gbit", "500kbit", "64000" (bit/s) -> bits per second. */
int parse_rate(const char *s, uint64_t *bps);
/* "15k", "1m", "1500" -> bytes. */
int parse_bytes(const char *s, size_t *bytes);

/* ---- link options shared by serve and ping -------------------------------- */
struct link_opts {
    const char *tap;        /* --tap NAME */
    bool have_addr;         /* --addr A.B.C.D/N */
    ust_ip4_t addr;
    int prefix_len;
    bool have_gateway;      /* --gateway G */
    ust_ip4_t gateway;
    bool have_host_addr;    /* --host-addr H/N: Linux side of the TAP */
    ust_ip4_t host_addr;
    int host_prefix_len;
    unsigned mtu;           /* --mtu N (default 1500) */
    const char *pcap;       /* --pcap FILE|- */
    bool trace;             /* --trace */
    bool have_shape;        /* --shape RATE[,BURST] */
    uint64_t shape_rate_bps;
    size_t shape_burst;
};

#define LINK_OPTS_HELP                                                                     \
    "link options:\n"                                                                      \
    "  --tap NAME           TAP device to open (created if missing; needs CAP_NET_ADMIN)\n" \
    "  --addr A.B.C.D/N     ustack's address and prefix on that link (required)\n"        \
    "  --gateway G          default gateway\n"                                             \
    "  --host-addr H/N      give the Linux side of the TAP this address and bring it up\n" \
    "  --mtu N              link MTU (default 1500)\n"                                     \
    "  --pcap FILE|-        capture every frame into FILE (- = stdout)\n"                  \
    "  --trace              print what each layer does with each packet (stderr)\n"        \
    "  --shape RATE[,BURST] token-bucket shaper on transmit, e.g. 10mbit,15k\n"

void link_opts_init(struct link_opts *o);
/* Consumes argv[*i] if it is a link option. Returns 1 if consumed, 0 if it
 * is not a link option, -1 on error (one line already printed). */
int link_opts_parse(struct link_opts *o, int argc, char **argv, int *i);
/* Checks that the required link options are present. 0 or -1 (printed). */
int link_opts_check(const struct link_opts *o);

/* ---- trace sink (link_setup.c) --------------------------------------------
 * Prints "  +0.001234 hostA ip    rx ..." lines: time relative to t0, an
 * optional name (the demo runs several stacks), the layer and the message. */
struct cli_trace {
    FILE *out;
    ust_time_t t0;
    const char *who;    /* NULL: no name column */
    bool muted;         /* temporarily silent (the demo mutes some phases) */
};
void cli_trace_fn(void *ctx, ust_time_t now, const char *layer, const char *msg);

/* ---- a stack on a real TAP device (link_setup.c) ------------------------- */
struct link_ctx {
    FILE *out;              /* normal output: stdout, stderr when the capture
                               goes to stdout (--pcap -) */
    struct cli_trace trace;
    struct ust_stack *st;
    struct ust_dev *dev;
    struct ust_loop *loop;
};
/* Creates the stack, opens and configures the TAP device as the options
 * say, and the real event loop. Returns 0, or an exit code after printing
 * one error line (everything created so far is freed). */
int link_open(const struct link_opts *o, struct link_ctx *out);
void link_close(struct link_ctx *c);

/* "Time to live exceeded", "Destination Host Unreachable", ... (ping_text.c) */
const char *ping_error_text(const struct ust_ping_result *r);

/* Installs SIGINT/SIGTERM handlers that set *flag (without SA_RESTART, so a
 * waiting event loop wakes up). */
void cli_catch_signals(volatile int *flag);

#endif
