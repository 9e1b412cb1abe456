/* Shared by the TAP examples: the link options and a stack on a Linux TAP
 * device driven by the real event loop. Uses only the public API. */
#ifndef EXAMPLES_TAP_SETUP_H
#define EXAMPLES_TAP_SETUP_H

#include <stdbool.h>

#include <ustack/ustack.h>

#define TAP_USAGE "--tap NAME --addr A.B.C.D/N [--host-addr A.B.C.D/N] [--trace]"
/* The link options' lines of a --help text. */
#define TAP_HELP \
    "  --tap NAME             the TAP device (created if missing; needs CAP_NET_ADMIN)\n" \
    "  --addr A.B.C.D/N       this stack's address on it\n" \
    "  --host-addr A.B.C.D/N  also give the Linux side of the TAP this address (without\n" \
    "                         it the link is only brought up)\n" \
    "  --trace                every layer's trace lines on standard error\n" \
    "  --help                 this text\n"

struct tap_opts {
    const char *prog;      /* for messages: "echo_server: ..." */
    const char *tap;       /* --tap: the TAP interface (created if missing) */
    ust_ip4_t addr;        /* --addr: our address on it ... */
    int prefix_len;        /* ... and its prefix length */
    bool have_host_addr;   /* --host-addr: also give Linux an address on the */
    ust_ip4_t host_addr;   /* TAP (without it the link is only brought up, */
    int host_prefix_len;   /* e.g. for a TAP enslaved to a bridge) */
    bool trace;            /* --trace: every layer's trace lines on stderr */
};

/* If argv[*i] is a link option, consumes it (and its value) and returns 1;
 * returns 0 if it is not one, 2 after printing an error (the exit code for
 * a usage error). */
int tap_parse_opt(struct tap_opts *o, int argc, char **argv, int *i);
/* After parsing: 0 when --tap and --addr were given, else 2 (printed). */
int tap_check_opts(const struct tap_opts *o);

struct tap_stack {
    struct ust_stack *st;
    struct ust_loop *loop; /* also installs the waiter: blocking calls work */
};

/* Creates the stack, opens the TAP device, configures the Linux side and
 * our address. Returns 0, or 1 after printing why. */
int tap_stack_open(const struct tap_opts *o, struct tap_stack *ts);
void tap_stack_close(struct tap_stack *ts);

#endif
