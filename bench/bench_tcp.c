/* bench_tcp: the TCP benchmark modes (bench_modes.h) on ustack over a Linux
 * TAP device, through the public API only. Its peer is linux_peer (the same
 * modes on kernel sockets) on the Linux side of the TAP.
 *
 *   bench_tcp --tap NAME --addr A.B.C.D/N --host-addr A.B.C.D/N
 *             [--buf BYTES|default] [--mtu N] [--no-wscale] [--no-timestamps] [--trace]
 *             [--cc NAME] [--bbr-loss-thresh PERMILLE] [--rx-loss P] MODE ARGS...
 *
 * --buf sets the TCP send and receive buffer of every connection
 * (cfg.tcp_sndbuf / tcp_rcvbuf; default 4 MiB, about what Linux autotuning
 * reaches on this path) and their ceiling (cfg.tcp_wmem_max / tcp_rmem_max,
 * so autotuning cannot take them past it, as Linux's tcp_rmem/tcp_wmem
 * maximum bounds its peer); the window scale follows from it (RFC 7323).
 * --buf default leaves all four as the stack's defaults (ust_config_default,
 * what `ustack run` gives a program: 256 KiB, autotuned up to 4 / 6 MiB).
 * --buf-init SND,RCV starts them at SND and RCV bytes instead, grown by
 * the stack's autotuning up to --buf (cfg.tcp_wmem_max / tcp_rmem_max):
 * the middle and last values of Linux's tcp_wmem / tcp_rmem.
 * --mtu sets the IP MTU of the TAP link on both sides (default 1500).
 * --no-wscale / --no-timestamps turn those RFC 7323 options off.
 * --trace prints every layer's trace lines on stderr (slow).
 * --cc sets the congestion control of every connection (cfg.tcp_congestion);
 * a name the stack does not know ends the program with exit status 3 and
 * "congestion control NAME: not available" on stderr, before any traffic.
 * --bbr-loss-thresh sets BBR's BBRLossThresh in per mille
 * (cfg.tcp_bbr_loss_thresh; default 20, 1000 = loss-agnostic).
 *
 * --rx-loss P drops each frame the TAP delivers with probability P (0..1)
 * before the stack sees it (the device's fault injector, ust_dev_faults_set):
 * random loss on the way to ustack, where nftables on the Linux side cannot
 * act as a wire would (bench/loss.sh says why).
 *
 * At the end of a bulk transfer (sink, source) the connection is described
 * on stdout by a "tcpinfo" line (UST_TCP_INFO) and a "tcpstats" line (the
 * stack's non-zero TCP counters; the benchmark runs one connection per
 * process, so they are this connection's): see report_conn().
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
    struct ust_dev *dev;
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

/* Close lingers (SO_LINGER, up to BENCH_CLOSE_LINGER_S) until the peer
 * has acknowledged our FIN: the stack lives in this process, and a FIN
 * lost on a lossy path would otherwise never be sent again, leaving the
 * peer waiting for it (the kernel retransmits after a Linux program exits). */
#define BENCH_CLOSE_LINGER_S 20
static int u_close(void *ctx, int fd)
{
    struct ust_ctx *u = ctx;
    struct linger l = {.l_onoff = 1, .l_linger = BENCH_CLOSE_LINGER_S};
    (void)ust_setsockopt(u->st, fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)); /* a listener: no-op */
    return ust_close(u->st, fd);
}

static int u_setsockopt(void *ctx, int fd, int level, int name, const void *val, socklen_t len)
{
    struct ust_ctx *u = ctx;
    return ust_setsockopt(u->st, fd, level, name, val, len);
}

/* One "tcpinfo" line of key=value pairs from UST_TCP_INFO. Units as the
 * struct has them (bytes, microseconds); bench/loss.sh reads it by key, so
 * fields can be appended here as struct ust_tcp_info grows. */
static void print_tcp_info(FILE *out, const struct ust_tcp_info *i)
{
    char cc_state[sizeof(i->cc_state) + 1] = "-"; /* never an empty value */
    if (i->cc_state[0])
        snprintf(cc_state, sizeof(cc_state), "%.*s", (int)sizeof(i->cc_state), i->cc_state);
    fprintf(out,
            "tcpinfo state=%u rtt_us=%u rttvar_us=%u rto_us=%u backoff=%u snd_mss=%u cwnd=%u "
            "ssthresh=%u total_retrans=%u bytes_acked=%llu bytes_received=%llu rtos=%u "
            "tlp_probes=%u rack_lost=%u fast_retrans=%u recoveries=%u cwnd_reductions=%u "
            "max_episode_reductions=%u lost_retrans=%u min_rtt_us=%u rtt_samples=%u "
            "rtt_ambiguous=%u spurious_dsack=%u spurious_rtos=%u undos=%u pacing_rate=%llu "
            "delivery_rate=%llu cc_state=%s busy_us=%llu rwnd_limited_us=%llu "
            "sndbuf_limited_us=%llu\n",
            i->state, i->rtt_us, i->rttvar_us, i->rto_us, i->backoff, i->snd_mss, i->cwnd,
            i->ssthresh, i->total_retrans, (unsigned long long)i->bytes_acked,
            (unsigned long long)i->bytes_received, i->rtos, i->tlp_probes, i->rack_lost,
            i->fast_retrans, i->recoveries, i->cwnd_reductions, i->max_episode_reductions,
            i->lost_retrans, i->min_rtt_us, i->rtt_samples, i->rtt_ambiguous, i->spurious_dsack,
            i->spurious_rtos, i->undos, (unsigned long long)i->pacing_rate,
            (unsigned long long)i->delivery_rate, cc_state, (unsigned long long)i->busy_us,
            (unsigned long long)i->rwnd_limited_us, (unsigned long long)i->sndbuf_limited_us);
}

static void print_tcp_counter(void *ctx, const char *layer, const char *name, uint64_t value)
{
    if (!strcmp(layer, "tcp") && value)
        fprintf(ctx, " %s=%llu", name, (unsigned long long)value);
}

static void report_conn(void *ctx, int fd)
{
    struct ust_ctx *u = ctx;
    struct ust_tcp_info info;
    socklen_t len = sizeof(info);
    if (ust_getsockopt(u->st, fd, IPPROTO_TCP, UST_TCP_INFO, &info, &len) == 0)
        print_tcp_info(stdout, &info);
    else
        fprintf(stderr, "bench_tcp: UST_TCP_INFO: %s\n", strerror(errno));
    printf("tcpstats");
    ust_stats_foreach(u->st, print_tcp_counter, stdout);
    printf("\n");
    struct ust_dev_fault_stats fs;
    if (ust_dev_faults_stats(u->dev, UST_DEV_RX, &fs) == UST_OK)
        printf("rxfaults frames=%llu lost=%llu\n", (unsigned long long)fs.frames,
               (unsigned long long)fs.lost);
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
    bool buf_default; /* --buf default: the stack's own buffer settings */
    unsigned mtu;
    bool wscale;
    bool timestamps;
    bool trace;
    enum ust_tap_tx tap_tx;
    bool no_offload; /* --offload off: cfg.dev_offload false */
    bool offload_csum; /* --offload csum: cfg.dev_offload_tso false */
    const char *cc; /* NULL: the stack's default */
    double rx_loss; /* < 0: no fault injector */
    long bbr_loss_thresh; /* < 0: the stack's default */
    long rx_batch;        /* cfg.tap_rx_batch; < 0: the default */
    int sqpoll;           /* cfg.tap_tx_sqpoll; < 0: the default */
    int napi;             /* cfg.tap_napi; < 0: the default */
    const char *tap_hook; /* --tap-hook: a shell command run once the TAP is
                             configured, before any traffic (NULL: none) */
    long busy_poll_us;    /* cfg.busy_poll_us; 0: off (auto too); < 0: auto, the default */
    unsigned long snd_init, rcv_init; /* --buf-init; 0: --buf fixed from the start */
};

/* --tap-hook: the bench's Linux-side settings of the new TAP (its NAPI
 * thread, steering, offloads) in place before our first frame; the
 * command finds the device's name in $TAP. */
static int run_tap_hook(const struct opts *o)
{
    if (setenv("TAP", o->tap, 1) != 0)
        return -1;
    int rc = system(o->tap_hook);
    if (rc != 0) {
        fprintf(stderr, "bench_tcp: --tap-hook '%s' failed (status %d)\n", o->tap_hook, rc);
        return -1;
    }
    return 0;
}

/* "on" 1, "off" 0, anything else -1 (a usage error). */
static int on_off(const char *v) { return !strcmp(v, "on") ? 1 : !strcmp(v, "off") ? 0 : -1; }

static int usage(void)
{
    fprintf(stderr, "usage: bench_tcp --tap NAME --addr A.B.C.D/N --host-addr A.B.C.D/N\n"
                    "                 [--buf BYTES|default] [--mtu N]\n"
                    "                 [--no-wscale] [--no-timestamps]\n"
                    "                 [--tap-tx auto|write|uring] [--offload on|csum|off]\n"
                    "                 [--cc NAME] [--rx-loss P]\n"
                    "                 [--bbr-loss-thresh PERMILLE] [--rx-batch N]\n"
                    "                 [--sqpoll on|off] [--tap-napi on|off] [--busy-poll US|auto|off]\n"
                    "                 [--tap-hook CMD] [--buf-init SND,RCV]\n"
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
        else if (!strcmp(opt, "--buf") && !strcmp(val, "default"))
            o->buf_default = true;
        else if (!strcmp(opt, "--buf"))
            o->buf = strtoul(val, NULL, 0);
        else if (!strcmp(opt, "--buf-init") &&
                 sscanf(val, "%lu,%lu", &o->snd_init, &o->rcv_init) == 2)
            continue;
        else if (!strcmp(opt, "--cc"))
            o->cc = val;
        else if (!strcmp(opt, "--bbr-loss-thresh"))
            o->bbr_loss_thresh = strtol(val, NULL, 0);
        else if (!strcmp(opt, "--rx-loss"))
            o->rx_loss = strtod(val, NULL);
        else if (!strcmp(opt, "--rx-batch"))
            o->rx_batch = strtol(val, NULL, 0);
        else if (!strcmp(opt, "--sqpoll") && on_off(val) >= 0)
            o->sqpoll = on_off(val);
        else if (!strcmp(opt, "--tap-napi") && on_off(val) >= 0)
            o->napi = on_off(val);
        else if (!strcmp(opt, "--tap-hook"))
            o->tap_hook = val;
        else if (!strcmp(opt, "--busy-poll"))
            o->busy_poll_us = !strcmp(val, "auto") ? -1
                              : !strcmp(val, "off") ? 0
                                                    : (long)strtoul(val, NULL, 0);
        else if (!strcmp(opt, "--mtu"))
            o->mtu = (unsigned)strtoul(val, NULL, 0);
        else if (!strcmp(opt, "--offload") &&
                 (!strcmp(val, "on") || !strcmp(val, "csum") || !strcmp(val, "off"))) {
            o->no_offload = !strcmp(val, "off");
            o->offload_csum = !strcmp(val, "csum");
        }
        else if (!strcmp(opt, "--tap-tx") && !strcmp(val, "auto"))
            o->tap_tx = UST_TAP_TX_AUTO;
        else if (!strcmp(opt, "--tap-tx") && !strcmp(val, "write"))
            o->tap_tx = UST_TAP_TX_WRITE;
        else if (!strcmp(opt, "--tap-tx") && !strcmp(val, "uring"))
            o->tap_tx = UST_TAP_TX_URING;
        else
            return -1;
    }
    bool ok = o->tap && o->addr && o->host_addr && o->buf >= 4096 && o->mtu >= 576 &&
              o->mtu <= 65535 && o->rx_loss <= 1 &&
              (!o->snd_init || (o->snd_init >= 4096 && o->rcv_init >= 4096 &&
                                o->snd_init <= o->buf && o->rcv_init <= o->buf &&
                                !o->buf_default));
    return ok && i < argc ? i : -1;
}

static int open_stack(const struct opts *o, struct ust_ctx *u)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    if (getrandom(&cfg.seed, sizeof(cfg.seed), 0) != (ssize_t)sizeof(cfg.seed))
        return -1;
    if (!o->buf_default) {
        cfg.tcp_sndbuf = o->snd_init ? o->snd_init : o->buf;
        cfg.tcp_rcvbuf = o->rcv_init ? o->rcv_init : o->buf;
        /* --buf is the ceiling too: without it a fixed 4 MiB receive
         * buffer would autotune on to the default tcp_rmem_max (6 MiB). */
        cfg.tcp_wmem_max = o->buf;
        cfg.tcp_rmem_max = o->buf;
    }
    cfg.tcp_window_scaling = o->wscale;
    cfg.tcp_timestamps = o->timestamps;
    if (o->rx_batch >= 0)
        cfg.tap_rx_batch = (unsigned)o->rx_batch;
    if (o->sqpoll >= 0)
        cfg.tap_tx_sqpoll = o->sqpoll != 0;
    if (o->napi >= 0)
        cfg.tap_napi = o->napi != 0;
    if (o->busy_poll_us >= 0) {
        cfg.busy_poll_us = (unsigned)o->busy_poll_us;
        cfg.busy_poll_auto_us = 0;
    }
    cfg.dev_offload = !o->no_offload;
    cfg.dev_offload_tso = !o->offload_csum;
    if (o->bbr_loss_thresh >= 0)
        cfg.tcp_bbr_loss_thresh = (unsigned)o->bbr_loss_thresh;
    if (o->cc) {
        if (strlen(o->cc) >= sizeof(cfg.tcp_congestion)) {
            fprintf(stderr, "bench_tcp: --cc %s: name too long\n", o->cc);
            return -1;
        }
        strcpy(cfg.tcp_congestion, o->cc);
    }
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
    u->dev = dev;
    if (o->rx_loss >= 0) {
        struct ust_dev_faults f = {.loss = o->rx_loss};
        if ((err = ust_dev_faults_set(dev, UST_DEV_RX, &f)) != UST_OK) {
            fprintf(stderr, "bench_tcp: --rx-loss: %s\n", ust_strerror(err));
            return -1;
        }
    }
    if ((err = ust_dev_tap_set_tx(dev, o->tap_tx)) != UST_OK) {
        fprintf(stderr, "bench_tcp: --tap-tx: %s\n", ust_strerror(err));
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
    if (o->tap_hook && run_tap_hook(o) != 0)
        return -1;
    (void)ust_stack_now(u->st);
    rc = ust_iface_add(u->st, dev, o->addr, o->prefix);
    if (rc < 0) {
        fprintf(stderr, "bench_tcp: --addr: %s\n", ust_strerror(rc));
        return -1;
    }
    return 0;
}

/* The stack takes an unknown cfg.tcp_congestion as its default, so ask a
 * socket: TCP_CONGESTION refuses a name the stack does not have. */
static bool cc_available(struct ust_ctx *u, const char *name)
{
    int fd = ust_socket(u->st, AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    bool ok = ust_setsockopt(u->st, fd, IPPROTO_TCP, TCP_CONGESTION, name,
                             (socklen_t)strlen(name)) == 0;
    ust_close(u->st, fd);
    return ok;
}

int main(int argc, char **argv)
{
    struct opts o = {
        .buf = 4u << 20, .mtu = 1500, .wscale = true, .timestamps = true, .rx_loss = -1,
        .bbr_loss_thresh = -1, .rx_batch = -1, .sqpoll = -1, .napi = -1,
        .busy_poll_us = -1};
    int mi = parse_opts(argc, argv, &o);
    if (mi < 0)
        return usage();
    struct ust_ctx u = {0};
    if (open_stack(&o, &u) < 0) {
        fprintf(stderr, "bench_tcp: cannot set up the stack\n");
        return 1;
    }
    if (o.cc && !cc_available(&u, o.cc)) {
        fprintf(stderr, "bench_tcp: congestion control %s: not available\n", o.cc);
        ust_loop_free(u.loop);
        ust_stack_free(u.st);
        return 3;
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
        .conn_report = report_conn,
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
