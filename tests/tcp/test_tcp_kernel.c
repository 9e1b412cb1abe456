/* TCP against the Linux kernel: the test process moves into a network
 * namespace of its own (unshare), opens a TAP device there, and talks to
 * ustack through the kernel's own sockets. Nothing outside the namespace
 * is touched; only 203.0.113.0/24 is used, a /28 per test. Skipped without the privilege
 * to create a namespace or /dev/net/tun. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ustack/ustack.h"
#include "../harness/sin.h"

/* Each test has its own /28 (and its own TAP device), so a test that
 * fails half-way (leaving its device behind) cannot disturb the next. */
#define LINUX_ADDR (k.base + 1)
#define UST_ADDR (k.base + 2)

static bool have_netns;

struct kenv {
    ust_ip4_t base;
    struct ust_stack *st;
    struct ust_dev *dev;
    struct ust_loop *loop;
    ust_time_t deadline;
};

/* offload: cfg.dev_offload (the TAP's virtio_net_hdr offloads, TSO). */
static void kenv_up_offload(struct kenv *k, const char *ifname, unsigned subnet, bool offload)
{
    if (!have_netns)
        skip();
    memset(k, 0, sizeof(*k));
    k->base = UST_IP4(203, 0, 113, 16 * subnet);
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.dev_offload = offload;
    k->st = ust_stack_new(&cfg);
    if (ust_dev_tap_open(k->st, ifname, 1500, &k->dev) != UST_OK) {
        ust_stack_free(k->st);
        skip();
    }
    assert_int_equal(ust_dev_host_config(ifname, k->base + 1, 28, 1500), 0);
    assert_true(ust_iface_add(k->st, k->dev, k->base + 2, 28) >= 0);
    k->loop = ust_loop_new(k->st);
    assert_non_null(k->loop);
    /* a failure bound only, generous: the test machine may be loaded */
    k->deadline = ust_clock_monotonic() + 300 * UST_SEC;
    if (getenv("TCP_KERNEL_PCAP")) {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/ust-tcp-%s.pcap", ifname);
        ust_dev_pcap_open(k->dev, path);
    }
}

static void kenv_up(struct kenv *k, const char *ifname, unsigned subnet)
{
    kenv_up_offload(k, ifname, subnet, true);
}

static void kenv_down(struct kenv *k)
{
    ust_loop_free(k->loop);
    ust_stack_free(k->st);
}

static void pump(struct kenv *k)
{
    if (ust_clock_monotonic() > k->deadline)
        fail_msg("no progress before the deadline");
    ust_loop_run_once(k->loop, 1 * UST_MSEC);
}

static uint8_t pat(size_t k) { return (uint8_t)((k * 131) ^ (k >> 9)); }

static void test_linux_client_echo(void **state)
{
    (void)state;
    struct kenv k;
    kenv_up(&k, "ustcp0", 0);
    int l = ust_socket(k.st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = sin_of(0, 8080);
    assert_int_equal(ust_bind(k.st, l, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(ust_listen(k.st, l, 4), 0);
    int kc = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = sin_of(UST_ADDR, 8080);
    assert_int_equal(connect(kc, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    int s = -1;
    while (s < 0) {
        pump(&k);
        s = ust_accept(k.st, l, NULL, NULL);
    }
    assert_int_equal(ust_set_nonblock(k.st, s, 1), 0);
    /* Linux sends 1 MiB, ustack echoes it back */
    const size_t total = 1 << 20;
    size_t ksent = 0, kgot = 0, echoed = 0, held = 0;
    uint8_t ubuf[16384], kbuf[16384];
    while (kgot < total) {
        pump(&k);
        while (ksent < total) {
            size_t n = total - ksent < sizeof(kbuf) ? total - ksent : sizeof(kbuf);
            for (size_t i = 0; i < n; i++)
                kbuf[i] = pat(ksent + i);
            ssize_t w = send(kc, kbuf, n, MSG_DONTWAIT);
            if (w <= 0)
                break;
            ksent += (size_t)w;
        }
        if (held == 0) {
            ssize_t r = ust_recv(k.st, s, ubuf, sizeof(ubuf), 0);
            if (r > 0)
                held = (size_t)r;
        }
        if (held) {
            ssize_t w = ust_send(k.st, s, ubuf, held, 0);
            if (w > 0) {
                memmove(ubuf, ubuf + w, held - (size_t)w);
                held -= (size_t)w;
                echoed += (size_t)w;
            }
        }
        ssize_t r = recv(kc, kbuf, sizeof(kbuf), MSG_DONTWAIT);
        for (ssize_t i = 0; i < r; i++)
            if (kbuf[i] != pat(kgot + (size_t)i))
                fail_msg("byte %zu of the echo differs", kgot + (size_t)i);
        if (r > 0)
            kgot += (size_t)r;
    }
    assert_int_equal(echoed, total);
    struct ust_tcp_info info;
    socklen_t ilen = sizeof(info);
    assert_int_equal(ust_getsockopt(k.st, s, IPPROTO_TCP, UST_TCP_INFO, &info, &ilen), 0);
    assert_int_equal(info.state, UST_TCP_ESTABLISHED);
    assert_int_equal(info.snd_mss, 1448); /* 1460 - 12 bytes of timestamps */
    assert_true(info.snd_wscale > 0); /* Linux offers window scaling */
    assert_true(info.rcv_wscale > 0);
    /* Linux half-closes: ustack sees EOF, closes; Linux sees EOF */
    assert_int_equal(shutdown(kc, SHUT_WR), 0);
    ssize_t r;
    while ((r = ust_recv(k.st, s, ubuf, sizeof(ubuf), 0)) != 0) {
        assert_true(r < 0 && errno == EAGAIN);
        pump(&k);
    }
    assert_int_equal(ust_close(k.st, s), 0);
    while ((r = recv(kc, kbuf, sizeof(kbuf), MSG_DONTWAIT)) != 0) {
        assert_true(r < 0 && errno == EAGAIN);
        pump(&k);
    }
    close(kc);
    ust_close(k.st, l);
    kenv_down(&k);
}

static void test_ustack_client_to_linux(void **state)
{
    (void)state;
    struct kenv k;
    kenv_up(&k, "ustcp1", 1);
    int kl = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(kl, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in la = sin_of(LINUX_ADDR, 9090);
    assert_int_equal(bind(kl, (struct sockaddr *)&la, sizeof(la)), 0);
    assert_int_equal(listen(kl, 4), 0);
    int c = ust_socket(k.st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_int_equal(ust_connect(k.st, c, (struct sockaddr *)&la, sizeof(la)), -1);
    assert_int_equal(errno, EINPROGRESS);
    int ks = -1;
    while (ks < 0) {
        pump(&k);
        ks = accept4(kl, NULL, NULL, SOCK_NONBLOCK);
    }
    struct pollfd pfd = {.fd = c, .events = POLLOUT};
    while (ust_poll(k.st, &pfd, 1, 0) == 0)
        pump(&k);
    int err = -1;
    socklen_t elen = sizeof(err);
    assert_int_equal(ust_getsockopt(k.st, c, SOL_SOCKET, SO_ERROR, &err, &elen), 0);
    assert_int_equal(err, 0);
    const size_t total = 512 * 1024;
    size_t sent = 0, got = 0;
    uint8_t buf[16384];
    while (got < total) {
        pump(&k);
        while (sent < total) {
            size_t n = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
            for (size_t i = 0; i < n; i++)
                buf[i] = pat(sent + i);
            ssize_t w = ust_send(k.st, c, buf, n, 0);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        ssize_t r = recv(ks, buf, sizeof(buf), MSG_DONTWAIT);
        for (ssize_t i = 0; i < r; i++)
            if (buf[i] != pat(got + (size_t)i))
                fail_msg("byte %zu differs", got + (size_t)i);
        if (r > 0)
            got += (size_t)r;
    }
    /* Linux closes first: ustack reads EOF (CLOSE-WAIT), then closes */
    close(ks);
    ssize_t r;
    while ((r = ust_recv(k.st, c, buf, sizeof(buf), 0)) != 0) {
        assert_true(r < 0 && errno == EAGAIN);
        pump(&k);
    }
    assert_int_equal(ust_close(k.st, c), 0);
    for (int i = 0; i < 50; i++)
        pump(&k); /* LAST-ACK -> CLOSED */
    close(kl);
    kenv_down(&k);
}

static void test_refused_both_ways(void **state)
{
    (void)state;
    struct kenv k;
    kenv_up(&k, "ustcp2", 2);
    /* ustack to a closed Linux port: Linux answers RST (blocking connect) */
    int c = ust_socket(k.st, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = sin_of(LINUX_ADDR, 9);
    assert_int_equal(ust_connect(k.st, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, ECONNREFUSED);
    ust_close(k.st, c);
    /* Linux to a closed ustack port: ustack answers RST */
    int kc = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in uto = sin_of(UST_ADDR, 9);
    assert_int_equal(connect(kc, (struct sockaddr *)&uto, sizeof(uto)), -1);
    assert_int_equal(errno, EINPROGRESS);
    struct pollfd pfd = {.fd = kc, .events = POLLOUT};
    while (poll(&pfd, 1, 0) == 0)
        pump(&k);
    int err = 0;
    socklen_t elen = sizeof(err);
    assert_int_equal(getsockopt(kc, SOL_SOCKET, SO_ERROR, &err, &elen), 0);
    assert_int_equal(err, ECONNREFUSED);
    close(kc);
    kenv_down(&k);
}

/* TcpExt counter `name` of this namespace (/proc/net/netstat), or -1. */
static long long tcpext(const char *name)
{
    FILE *f = fopen("/proc/net/netstat", "r");
    if (!f)
        return -1;
    char names[8192], values[8192];
    long long v = -1;
    while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
        if (strncmp(names, "TcpExt:", 7) != 0)
            continue;
        char *sn, *sv;
        char *n = strtok_r(names, " \n", &sn), *val = strtok_r(values, " \n", &sv);
        for (; n && val; n = strtok_r(NULL, " \n", &sn), val = strtok_r(NULL, " \n", &sv))
            if (!strcmp(n, name))
                v = atoll(val);
    }
    fclose(f);
    return v;
}

/* A ustack client connected to a Linux listener: *c ours, *ks Linux's. */
static void connect_to_linux(struct kenv *k, uint16_t port, int *c, int *kl, int *ks)
{
    *kl = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(*kl, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in la = sin_of(k->base + 1, port);
    assert_int_equal(bind(*kl, (struct sockaddr *)&la, sizeof(la)), 0);
    assert_int_equal(listen(*kl, 4), 0);
    *c = ust_socket(k->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_int_equal(ust_connect(k->st, *c, (struct sockaddr *)&la, sizeof(la)), -1);
    *ks = -1;
    while (*ks < 0) {
        pump(k);
        *ks = accept4(*kl, NULL, NULL, SOCK_NONBLOCK);
    }
}

/* Streams `total` pattern bytes from ustack to Linux, checking each byte
 * Linux reads; at `switch_at` bytes sent, switches the device to `mode`. */
static void stream_to_linux(struct kenv *k, int c, int ks, size_t total, size_t switch_at,
                            enum ust_tap_tx mode)
{
    size_t sent = 0, got = 0;
    static uint8_t buf[65536];
    bool switched = false;
    while (got < total) {
        pump(k);
        while (sent < total) {
            if (!switched && sent >= switch_at) {
                assert_int_equal(ust_dev_tap_set_tx(k->dev, mode), UST_OK);
                switched = true;
            }
            size_t n = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
            for (size_t i = 0; i < n; i++)
                buf[i] = pat(sent + i);
            ssize_t w = ust_send(k->st, c, buf, n, 0);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        ssize_t r;
        while ((r = recv(ks, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
            for (ssize_t i = 0; i < r; i++)
                if (buf[i] != pat(got + (size_t)i))
                    fail_msg("byte %zu differs", got + (size_t)i);
            got += (size_t)r;
        }
    }
}

static void want_uring(struct kenv *k)
{
    int rc = ust_dev_tap_set_tx(k->dev, UST_TAP_TX_URING);
    if (rc == UST_ERR_NOTSUP && !(getenv("CI") && !strcmp(getenv("CI"), "true")))
        skip(); /* a kernel or sandbox without io_uring */
    assert_int_equal(rc, UST_OK);
    assert_int_equal(ust_dev_tap_tx(k->dev), UST_TAP_TX_URING);
}

/* Bursts go through io_uring's polling thread, and Linux receives every
 * byte in order: on this lossless link any segment Linux had to queue out
 * of order (TCPOFOQueue) would be a frame overtaken by a later one. Without
 * the TAP's offloads: TSO's super-packets are larger than the queue's
 * buffers and go with write() after it drains, so the bulk would not be
 * the ring's. */
static void test_uring_bulk_in_order_then_write_mode(void **state)
{
    (void)state;
    struct kenv k;
    kenv_up_offload(&k, "ustcp3", 3, false);
    want_uring(&k);
    int c, kl, ks;
    connect_to_linux(&k, 9191, &c, &kl, &ks);
    long long ofo = tcpext("TCPOFOQueue");
    assert_true(ofo >= 0);
    const size_t total = 16u << 20, half = total / 2;
    stream_to_linux(&k, c, ks, half, SIZE_MAX, UST_TAP_TX_URING);
    const struct ust_link_stats *ls = ust_dev_stats(k.dev);
    uint64_t ring_frames = ls->tx_uring;
    assert_true(ring_frames > 1000); /* the bulk went through the ring */
    /* switching mode mid-stream: held frames go first, order is kept */
    stream_to_linux(&k, c, ks, half, 0, UST_TAP_TX_WRITE);
    assert_int_equal(ust_dev_tap_tx(k.dev), UST_TAP_TX_WRITE);
    assert_int_equal(ls->tx_uring, ring_frames); /* nothing more through it */
    assert_int_equal(ls->tx_drops, 0);
    assert_int_equal(tcpext("TCPOFOQueue"), ofo);
    close(ks);
    close(kl);
    ust_close(k.st, c);
    kenv_down(&k);
}

/* Frames a send call left in flight when the stack is freed still reach
 * Linux, then the FIN: freeing waits for the ring. */
static void test_free_right_after_send_delivers_everything(void **state)
{
    (void)state;
    struct kenv k;
    kenv_up(&k, "ustcp4", 4);
    want_uring(&k);
    int c, kl, ks;
    connect_to_linux(&k, 9292, &c, &kl, &ks);
    stream_to_linux(&k, c, ks, 4u << 20, SIZE_MAX, UST_TAP_TX_URING); /* opens cwnd */
    static uint8_t buf[32768];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 13);
    /* Quiet first (everything acknowledged), no Nagle: the 32 KiB and the
     * FIN then all go to the device at once. cwnd is large after 4 MiB,
     * unless a timeout on a loaded machine (spurious or not) cut it late
     * in the stream: then more streaming opens it again. */
    struct ust_tcp_info ti;
    socklen_t tl = sizeof(ti);
    for (;;) {
        pump(&k);
        assert_int_equal(ust_getsockopt(k.st, c, IPPROTO_TCP, UST_TCP_INFO, &ti, &tl), 0);
        if (ti.unacked > 0)
            continue;
        if (ti.cwnd > 2 * sizeof(buf) && ti.snd_wnd > 2 * sizeof(buf))
            break;
        stream_to_linux(&k, c, ks, 1u << 20, SIZE_MAX, UST_TAP_TX_URING);
    }
    int one = 1;
    assert_int_equal(ust_setsockopt(k.st, c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    assert_int_equal(ust_send(k.st, c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
    assert_int_equal(ust_shutdown(k.st, c, SHUT_WR), 0);
    assert_int_equal(ust_getsockopt(k.st, c, IPPROTO_TCP, UST_TCP_INFO, &ti, &tl), 0);
    assert_int_equal(ti.unacked, sizeof(buf) + 1); /* all of it and the FIN are out */
    ust_loop_free(k.loop);
    ust_stack_free(k.st); /* at once: no loop turn in between */
    size_t got = 0;
    ssize_t r;
    struct pollfd pfd = {.fd = ks, .events = POLLIN};
    while (poll(&pfd, 1, 60000) == 1 && (r = recv(ks, buf, sizeof(buf), 0)) > 0) {
        for (ssize_t i = 0; i < r; i++)
            assert_int_equal(buf[i], (uint8_t)((got + (size_t)i) * 13));
        got += (size_t)r;
        if (got == sizeof(buf))
            break;
    }
    assert_int_equal(got, sizeof(buf));
    assert_true(poll(&pfd, 1, 60000) == 1);
    assert_int_equal(recv(ks, buf, sizeof(buf), 0), 0); /* the FIN */
    close(ks);
    close(kl);
}

static int group_setup(void **state)
{
    (void)state;
    /* this test binary runs alone in its process: the namespace is ours */
    have_netns = access("/dev/net/tun", R_OK | W_OK) == 0 && unshare(CLONE_NEWNET) == 0;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_client_echo),
        cmocka_unit_test(test_ustack_client_to_linux),
        cmocka_unit_test(test_refused_both_ways),
        cmocka_unit_test(test_uring_bulk_in_order_then_write_mode),
        cmocka_unit_test(test_free_right_after_send_delivers_everything),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
