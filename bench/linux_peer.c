/* linux_peer: the TCP benchmark modes (bench_modes.h) on Linux kernel
 * sockets. It is the Linux end of every comparison: Linux <-> Linux over a
 * veth pair (linux_peer on both ends) and Linux <-> ustack over a TAP
 * device (linux_peer against bench_tcp), so both sides of a comparison run
 * the same client/server code.
 *
 *   linux_peer MODE ARGS...      (see bench_modes.h)
 *
 * Memory per idle connection (`idle`) is the growth of the kernel slab
 * caches an established socket lives in (TCP, sock_inode_cache, filp,
 * dentry, bind buckets; /proc/slabinfo, needs root), divided by two
 * endpoints: the benchmark runs both ends in this kernel. Idle sockets hold
 * no buffers (skbs), so this is socket state only.
 *
 * At the end of a bulk transfer (sink, source) a "tcpinfo" line gives the
 * connection's TCP_INFO with the keys and units of bench_tcp's (cwnd and
 * ssthresh in bytes: Linux counts them in segments of snd_mss). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_modes.h"

static int lx_socket(void *ctx)
{
    (void)ctx;
    return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static int lx_bind(void *ctx, int fd, const struct sockaddr_in *sa)
{
    (void)ctx;
    return bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
}

static int lx_listen(void *ctx, int fd, int backlog)
{
    (void)ctx;
    return listen(fd, backlog);
}

static int lx_accept(void *ctx, int fd)
{
    (void)ctx;
    return accept(fd, NULL, NULL);
}

static int lx_connect(void *ctx, int fd, const struct sockaddr_in *sa)
{
    (void)ctx;
    return connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
}

static ssize_t lx_send(void *ctx, int fd, const void *buf, size_t len)
{
    (void)ctx;
    return send(fd, buf, len, MSG_NOSIGNAL);
}

static ssize_t lx_recv(void *ctx, int fd, void *buf, size_t len)
{
    (void)ctx;
    return recv(fd, buf, len, 0);
}

static int lx_shutdown_wr(void *ctx, int fd)
{
    (void)ctx;
    return shutdown(fd, SHUT_WR);
}

static int lx_close(void *ctx, int fd)
{
    (void)ctx;
    return close(fd);
}

static int lx_setsockopt(void *ctx, int fd, int level, int name, const void *val, socklen_t len)
{
    (void)ctx;
    return setsockopt(fd, level, name, val, len);
}

static unsigned long long lx_segs_to_bytes(unsigned segs, unsigned mss)
{
    unsigned long long b = (unsigned long long)segs * mss;
    return b > UINT32_MAX ? UINT32_MAX : b;
}

/* glibc's struct tcp_info stops at tcpi_total_retrans; the kernel's goes
 * on (linux/tcp.h, which cannot be included beside netinet/tcp.h). These
 * are its fields up to the three "chrono" times (Linux 4.10): what limited
 * the sender, its receive window or its own send buffer. A kernel that
 * lacks them returns a shorter struct and they stay 0. */
struct lx_tcp_info {
    struct tcp_info i;
    uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
    uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
    uint64_t delivery_rate, busy_us, rwnd_limited_us, sndbuf_limited_us;
};
_Static_assert(offsetof(struct lx_tcp_info, pacing_rate) == 104 &&
                   offsetof(struct lx_tcp_info, busy_us) == 168 &&
                   offsetof(struct lx_tcp_info, sndbuf_limited_us) == 184,
               "struct lx_tcp_info: the kernel's struct tcp_info layout (linux/tcp.h)");

static void lx_conn_report(void *ctx, int fd)
{
    (void)ctx;
    struct lx_tcp_info x;
    socklen_t len = sizeof(x);
    memset(&x, 0, sizeof(x));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &x, &len) < 0) {
        fprintf(stderr, "linux_peer: TCP_INFO: %s\n", strerror(errno));
        return;
    }
    const struct tcp_info *i = &x.i;
    printf("tcpinfo state=%u rtt_us=%u rttvar_us=%u rto_us=%u backoff=%u snd_mss=%u cwnd=%llu "
           "ssthresh=%llu total_retrans=%u busy_us=%llu rwnd_limited_us=%llu sndbuf_limited_us=%llu\n",
           i->tcpi_state, i->tcpi_rtt, i->tcpi_rttvar, i->tcpi_rto, i->tcpi_backoff, i->tcpi_snd_mss,
           lx_segs_to_bytes(i->tcpi_snd_cwnd, i->tcpi_snd_mss),
           lx_segs_to_bytes(i->tcpi_snd_ssthresh, i->tcpi_snd_mss), i->tcpi_total_retrans,
           (unsigned long long)x.busy_us, (unsigned long long)x.rwnd_limited_us,
           (unsigned long long)x.sndbuf_limited_us);
}

static const char *const slab_caches[] = {
    "TCP", "sock_inode_cache", "filp", "dentry", "tcp_bind_bucket", "tcp_bind2_bucket",
};

/* Bytes held by the slab caches of a socket: sum of active_objs x objsize. */
static long long lx_mem_sample(void *ctx)
{
    (void)ctx;
    FILE *f = fopen("/proc/slabinfo", "r");
    if (!f)
        return 0;
    char line[512], name[64];
    long long total = 0, active, num, objsize;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%63s %lld %lld %lld", name, &active, &num, &objsize) != 4)
            continue;
        for (size_t i = 0; i < sizeof(slab_caches) / sizeof(slab_caches[0]); i++)
            if (!strcmp(name, slab_caches[i]))
                total += active * objsize;
    }
    fclose(f);
    return total;
}

/* Many idle connections need many descriptors. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    raise_fd_limit();
    struct bench_api api = {
        .name = "linux_peer",
        .tcp_socket = lx_socket,
        .bind = lx_bind,
        .listen = lx_listen,
        .accept = lx_accept,
        .connect = lx_connect,
        .send = lx_send,
        .recv = lx_recv,
        .shutdown_wr = lx_shutdown_wr,
        .close = lx_close,
        .setsockopt = lx_setsockopt,
        .mem_sample = lx_mem_sample,
        .mem_method = "slabinfo-delta/2",
        .mem_endpoints = 2,
        .conn_report = lx_conn_report,
    };
    int rc = bench_main(&api, argc - 1, argv + 1);
    if (rc == 2)
        fprintf(stderr, "usage: linux_peer MODE ARGS...\n" BENCH_MODES_USAGE);
    return rc;
}
