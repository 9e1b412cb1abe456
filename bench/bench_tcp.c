/* bench_tcp: the TCP benchmark modes (bench_modes.h) on ustack over a Linux
 * TAP device, through the public API only. Its peer is linux_peer (the same
 * modes on kernel sockets) on the Linux side of the TAP.
 *
 *   bench_tcp --tap NAME --addr A.B.C.D/N --host-addr A.B.C.D/N
 *             [--buf BYTES] [--mtu N] [--no-wscale] [--no-timestamps] [--trace]
 *             MODE ARGS...
 *
 * --buf sets the TCP send and receive buffer of every connection
 * (cfg.tcp_sndbuf / tcp_rcvbuf; default 4 MiB, about what Linux autotuning
 * reaches on this path); the window scale follows from it (RFC 7323).
 * --mtu sets the IP MTU of the TAP link on both sides (default 1500).
 * --no-wscale / --no-timestamps turn those RFC 7323 options off.
 * --trace prints every layer's trace lines on stderr (slow).
 * --rx-loss P loses each frame ustack receives with probability P (0..1,
 * the fault injector, include/ustack/dev.h): wire loss on the data a Linux
 * sender sends to ustack, after the sender's TCP (an nftables drop in the
 * sender's own output hook is a local send error that Linux TCP retries
 * at once, not a loss).
 *
 * Memory per idle connection (`idle`): the growth of the C heap in use
 * (mallinfo2().uordblks, including malloc's per-chunk overhead) while N
 * connections are opened, divided by N. ustack allocates a connection's
 * send and receive rings lazily on the first byte, and an idle connection
 * has exchanged none, so the figure is stack state only (TCB + socket). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <malloc.h>
#include <sys/random.h>

#include <ustack/ustack.h>

#include "bench_modes.h"

struct ust_ctx {
    struct ust_stack *st;
    struct ust_loop *loop;
};

static int u_socket(void *ctx)
{
    struct ust_ctx *u = ctx;
    return ust_socket(u->st, AF_INET, SOCK_STREAM, 0);
}

static int u_bind(void *ctx, int fd, const struct sockaddr_in *sa)
{
    struct ust_ctx *u = ctx;
    return ust_bind(u->st, fd, (const struct sockaddr *)sa, sizeof(*sa));
}

static int u_listen(void *ctx, int fd, int backlog)
{
    struct ust_ctx *u = ctx;
    return ust_listen(u->st, fd, backlog);
}

static int u_accept(void *ctx, int fd)
{
    struct ust_ctx *u = ctx;
    return ust_accept(u->st, fd, NULL, NULL);
}

static int u_connect(void *ctx, int fd, const struct sockaddr_in *sa)
{
    struct ust_ctx *u = ctx;
    return ust_connect(u->st, fd, (const struct sockaddr *)sa, sizeof(*sa));
}

static ssize_t u_send(void *ctx, int fd, const void *buf, size_t len)
{
    struct ust_ctx *u = ctx;
    return ust_send(u->st, fd, buf, len, 0);
}

static ssize_t u_recv(void *ctx, int fd, void *buf, size_t len)
{
    struct ust_ctx *u = ctx;
    return ust_recv(u->st, fd, buf, len, 0);
}

static int u_shutdown_wr(void *ctx, int fd)
{
    struct ust_ctx *u = ctx;
    return ust_shutdown(u->st, fd, SHUT_WR);
}

static int u_close(void *ctx, int fd)
{
    struct ust_ctx *u = ctx;
    return ust_close(u->st, fd);
}

static int u_setsockopt(void *ctx, int fd, int level, int name, const void *val, socklen_t len)
{
    struct ust_ctx *u = ctx;
    return ust_setsockopt(u->st, fd, level, name, val, len);
}

static long long u_mem_sample(void *ctx)
{
    (void)ctx;
    struct mallinfo2 mi = mallinfo2();
    return (long long)mi.uordblks;
}

struct opts {
    const char *tap;
    ust_ip4_t addr, host_addr;
    int prefix, host_prefix;
    size_t buf;
    unsigned mtu;
    bool wscale;
    bool timestamps;
    bool trace;
    enum ust_tap_tx tap_tx;
    double rx_loss;
};

static int usage(void)
{
    fprintf(stderr, "usage: bench_tcp --tap NAME --addr A.B.C.D/N --host-addr A.B.C.D/N\n"
                    "                 [--buf BYTES] [--mtu N] [--no-wscale] [--no-timestamps]\n"
                    "                 [--tap-tx auto|write|uring] [--rx-loss P]\n"
                    "                 [--trace] MODE ARGS...\n" BENCH_MODES_USAGE);
    return 2;
}

/* Parses the options; returns the index of MODE, or -1. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "--no-wscale")) {
            o->wscale = false;
            continue;
        }
        if (!strcmp(opt, "--no-timestamps")) {
            o->timestamps = false;
            continue;
        }
        if (!strcmp(opt, "--trace")) {
            o->trace = true;
            continue;
        }
        if (i + 1 >= argc)
            return -1;
        const char *val = argv[++i];
        if (!strcmp(opt, "--tap"))
            o->tap = val;
        else if (!strcmp(opt, "--addr") && ust_cidr_parse(val, &o->addr, &o->prefix) == 0)
            continue;
        else if (!strcmp(opt, "--host-addr") &&
                 ust_cidr_parse(val, &o->host_addr, &o->host_prefix) == 0)
            continue;
        else if (!strcmp(opt, "--buf"))
            o->buf = strtoul(val, NULL, 0);
        else if (!strcmp(opt, "--mtu"))
            o->mtu = (unsigned)strtoul(val, NULL, 0);
        else if (!strcmp(opt, "--tap-tx") && !strcmp(val, "auto"))
            o->tap_tx = UST_TAP_TX_AUTO;
        else if (!strcmp(opt, "--tap-tx") && !strcmp(val, "write"))
            o->tap_tx = UST_TAP_TX_WRITE;
        else if (!strcmp(opt, "--tap-tx") && !strcmp(val, "uring"))
            o->tap_tx = UST_TAP_TX_URING;
        else if (!strcmp(opt, "--rx-loss"))
            o->rx_loss = strtod(val, NULL);
        else
            return -1;
    }
    bool ok = o->tap && o->addr && o->host_addr && o->buf >= 4096 && o->mtu >= 576 &&
              o->mtu <= 65535;
    return ok && i < argc ? i : -1;
}

static int open_stack(const struct opts *o, struct ust_ctx *u)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    if (getrandom(&cfg.seed, sizeof(cfg.seed), 0) != (ssize_t)sizeof(cfg.seed))
        return -1;
    cfg.tcp_sndbuf = o->buf;
    cfg.tcp_rcvbuf = o->buf;
    cfg.tcp_window_scaling = o->wscale;
    cfg.tcp_timestamps = o->timestamps;
    u->st = ust_stack_new(&cfg);
    if (!u->st)
        return -1;
    if (o->trace)
        ust_stack_set_trace(u->st, ust_trace_to_file, stderr);
    struct ust_dev *dev;
    int err = ust_dev_tap_open(u->st, o->tap, o->mtu, &dev);
    if (err != UST_OK) {
        fprintf(stderr, "bench_tcp: --tap %s: %s\n", o->tap, ust_strerror(err));
        return -1;
    }
    if ((err = ust_dev_tap_set_tx(dev, o->tap_tx)) != UST_OK) {
        fprintf(stderr, "bench_tcp: --tap-tx: %s\n", ust_strerror(err));
        return -1;
    }
    struct ust_dev_faults f = {.loss = o->rx_loss};
    if (o->rx_loss > 0 && (err = ust_dev_faults_set(dev, UST_DEV_RX, &f)) != UST_OK) {
        fprintf(stderr, "bench_tcp: --rx-loss: %s\n", ust_strerror(err));
        return -1;
    }
    u->loop = ust_loop_new(u->st);
    if (!u->loop)
        return -1;
    /* the Linux side must be up before our gratuitous ARP goes out */
    int rc = ust_dev_host_config(o->tap, o->host_addr, o->host_prefix, o->mtu);
    if (rc != UST_OK) {
        fprintf(stderr, "bench_tcp: configuring %s: %s\n", o->tap, ust_strerror(rc));
        return -1;
    }
    (void)ust_stack_now(u->st);
    rc = ust_iface_add(u->st, dev, o->addr, o->prefix);
    if (rc < 0) {
        fprintf(stderr, "bench_tcp: --addr: %s\n", ust_strerror(rc));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o = {.buf = 4u << 20, .mtu = 1500, .wscale = true, .timestamps = true};
    int mi = parse_opts(argc, argv, &o);
    if (mi < 0)
        return usage();
    struct ust_ctx u = {0};
    if (open_stack(&o, &u) < 0) {
        fprintf(stderr, "bench_tcp: cannot set up the stack\n");
        return 1;
    }
    struct bench_api api = {
        .name = "bench_tcp",
        .ctx = &u,
        .tcp_socket = u_socket,
        .bind = u_bind,
        .listen = u_listen,
        .accept = u_accept,
        .connect = u_connect,
        .send = u_send,
        .recv = u_recv,
        .shutdown_wr = u_shutdown_wr,
        .close = u_close,
        .setsockopt = u_setsockopt,
        .mem_sample = u_mem_sample,
        .mem_method = "mallinfo2-delta",
        .mem_endpoints = 1,
    };
    int rc = bench_main(&api, argc - mi, argv + mi);
    if (rc == 2)
        usage();
    if (getenv("BENCH_STATS"))
        ust_stats_print(u.st, stderr, false);
    ust_loop_free(u.loop);
    ust_stack_free(u.st);
    return rc;
}
