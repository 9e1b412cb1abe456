/* Link options and stack setup shared by the TAP examples. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "tap_setup.h"

int tap_parse_opt(struct tap_opts *o, int argc, char **argv, int *i)
{
    const char *opt = argv[*i];
    if (!strcmp(opt, "--trace")) {
        o->trace = true;
        return 1;
    }
    bool is_tap = !strcmp(opt, "--tap"), is_addr = !strcmp(opt, "--addr"),
         is_host = !strcmp(opt, "--host-addr");
    if (!is_tap && !is_addr && !is_host)
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s: missing value\n", o->prog, opt);
        return 2;
    }
    const char *val = argv[++*i];
    if (is_tap) {
        o->tap = val;
        return 1;
    }
    ust_ip4_t *addr = is_addr ? &o->addr : &o->host_addr;
    int *len = is_addr ? &o->prefix_len : &o->host_prefix_len;
    if (ust_cidr_parse(val, addr, len) != UST_OK) {
        fprintf(stderr, "%s: %s: '%s' is not an address with a prefix length (A.B.C.D/N)\n",
                o->prog, opt, val);
        return 2;
    }
    if (is_host)
        o->have_host_addr = true;
    return 1;
}

int tap_check_opts(const struct tap_opts *o)
{
    if (o->tap && o->addr)
        return 0;
    fprintf(stderr, "%s: %s is required\n", o->prog, o->tap ? "--addr" : "--tap");
    return 2;
}

int tap_stack_open(const struct tap_opts *o, struct tap_stack *ts)
{
    memset(ts, 0, sizeof(*ts));
    /* On a real network the stack's random numbers (MAC address, ports,
     * TCP initial sequence numbers) must differ from run to run. */
    struct ust_config cfg;
    ust_config_default(&cfg);
    if (getrandom(&cfg.seed, sizeof(cfg.seed), 0) != (ssize_t)sizeof(cfg.seed)) {
        fprintf(stderr, "%s: cannot read random bytes\n", o->prog);
        return 1;
    }
    ts->st = ust_stack_new(&cfg);
    if (!ts->st) {
        fprintf(stderr, "%s: out of memory\n", o->prog);
        return 1;
    }
    if (o->trace)
        ust_stack_set_trace(ts->st, ust_trace_to_file, stderr);
    struct ust_dev *dev;
    int err = ust_dev_tap_open(ts->st, o->tap, 1500, &dev);
    if (err != UST_OK) {
        fprintf(stderr, "%s: --tap %s: %s%s\n", o->prog, o->tap, ust_strerror(err),
                err == UST_ERR_PERM ? " (needs root or CAP_NET_ADMIN)" : "");
        tap_stack_close(ts);
        return 1;
    }
    /* The loop first: it installs the clock that stamps the first frames. */
    ts->loop = ust_loop_new(ts->st);
    if (!ts->loop) {
        fprintf(stderr, "%s: cannot create the event loop\n", o->prog);
        tap_stack_close(ts);
        return 1;
    }
    /* The Linux side must be up before we send (the gratuitous ARP of
     * ust_iface_add): a TAP whose interface is down drops writes. */
    int rc = ust_dev_host_config(o->tap, o->have_host_addr ? o->host_addr : 0,
                                 o->have_host_addr ? o->host_prefix_len : 0, 1500);
    if (rc != UST_OK) {
        fprintf(stderr, "%s: cannot configure %s on the Linux side: %s\n", o->prog, o->tap,
                ust_strerror(rc));
        tap_stack_close(ts);
        return 1;
    }
    (void)ust_stack_now(ts->st); /* brings the time ust_iface_add stamps up to date */
    if ((rc = ust_iface_add(ts->st, dev, o->addr, o->prefix_len)) < 0) {
        fprintf(stderr, "%s: --addr: %s\n", o->prog, ust_strerror(rc));
        tap_stack_close(ts);
        return 1;
    }
    return 0;
}

void tap_stack_close(struct tap_stack *ts)
{
    if (ts->loop)
        ust_loop_free(ts->loop);
    if (ts->st)
        ust_stack_free(ts->st); /* also frees the device and the sockets */
    memset(ts, 0, sizeof(*ts));
}
