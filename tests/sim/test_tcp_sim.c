/* TCP between two stacks over the simulated switch, through the socket
 * API: a blocking echo, then bulk transfers under a seeds x loss matrix
 * checked byte for byte, ending with both sides closed and every TCB
 * freed after TIME-WAIT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "ustack/ustack.h"
#include "../harness/sin.h"
#include "../harness/stream.h"

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define B_ADDR UST_IP4(203, 0, 113, 2)

static void net_up(struct stream_pair *n, uint64_t seed, double loss, const char *cc)
{
    memset(n, 0, sizeof(*n));
    struct ust_config c;
    ust_config_default(&c);
    strcpy(c.tcp_congestion, cc);
    struct ust_sim_faults f = {.loss = loss, .delay = 1 * UST_MSEC, .rate_bps = 100000000};
    stream_pair_up(n, seed, &c, A_ADDR, B_ADDR, &f, &f);
    if (getenv("TCP_SIM_TRACE"))
        ust_stack_set_trace(n->a, ust_trace_to_file, stderr);
}

static int listener(struct ust_stack *st, uint16_t port, int type)
{
    int fd = ust_socket(st, AF_INET, type, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = sin_of(0, port);
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(ust_listen(st, fd, 4), 0);
    return fd;
}

static void test_blocking_echo(void **state)
{
    (void)state;
    struct stream_pair n;
    net_up(&n, 7, 0, "newreno");
    int l = listener(n.b, 7, SOCK_STREAM);
    int c = ust_socket(n.a, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = sin_of(B_ADDR, 7);
    assert_int_equal(ust_connect(n.a, c, (struct sockaddr *)&to, sizeof(to)), 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int s = ust_accept(n.b, l, (struct sockaddr *)&peer, &plen);
    assert_true(s >= 0);
    assert_int_equal(ntohl(peer.sin_addr.s_addr), A_ADDR);
    assert_int_equal(ust_send(n.a, c, "hello", 5, 0), 5);
    char buf[16];
    assert_int_equal(ust_recv(n.b, s, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(ust_send(n.b, s, "HELLO", 5, 0), 5);
    assert_int_equal(ust_recv(n.a, c, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "HELLO", 5);
    struct ust_tcp_info info;
    socklen_t ilen = sizeof(info);
    assert_int_equal(ust_getsockopt(n.a, c, IPPROTO_TCP, UST_TCP_INFO, &info, &ilen), 0);
    assert_int_equal(info.state, UST_TCP_ESTABLISHED);
    assert_int_equal(info.snd_mss, 1448); /* 1460 - 12 bytes of timestamps */
    /* orderly close: EOF on the other side, then both TCBs go away */
    assert_int_equal(ust_close(n.a, c), 0);
    assert_int_equal(ust_recv(n.b, s, buf, sizeof(buf), 0), 0);
    assert_int_equal(ust_close(n.b, s), 0);
    assert_int_equal(ust_close(n.b, l), 0);
    ust_sim_run_until(n.sim, ust_sim_now(n.sim) + 61 * UST_SEC);
    assert_int_equal(n.a->tcp->ntcbs, 0);
    assert_int_equal(n.b->tcp->ntcbs, 0);
    /* nobody listens any more: refused */
    c = ust_socket(n.a, AF_INET, SOCK_STREAM, 0);
    assert_int_equal(ust_connect(n.a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, ECONNREFUSED);
    ust_close(n.a, c);
    stream_pair_free(&n);
}

static uint8_t byte_at(size_t k) { return (uint8_t)((k * 2654435761u) >> 13); }

/* Moves `total` bytes from A to B with non-blocking sockets; returns the
 * simulated time it took. */
static ust_time_t bulk(uint64_t seed, double loss, size_t total, const char *cc)
{
    struct stream_pair n;
    net_up(&n, seed, loss, cc);
    int l = listener(n.b, 5001, SOCK_STREAM | SOCK_NONBLOCK);
    int c = ust_socket(n.a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = sin_of(B_ADDR, 5001);
    assert_int_equal(ust_connect(n.a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    ust_time_t start = ust_sim_now(n.sim), deadline = start + 600 * UST_SEC;
    int s = -1;
    size_t sent = 0, got = 0;
    bool closed = false, eof = false;
    uint8_t chunk[8192];
    while (!eof && ust_sim_now(n.sim) < deadline) {
        ust_sim_run_until(n.sim, ust_sim_now(n.sim) + 1 * UST_MSEC);
        if (s < 0 && (s = ust_accept(n.b, l, NULL, NULL)) >= 0)
            assert_int_equal(ust_set_nonblock(n.b, s, 1), 0); /* accept does not inherit it */
        while (sent < total) {
            size_t want = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
            for (size_t k = 0; k < want; k++)
                chunk[k] = byte_at(sent + k);
            ssize_t w = ust_send(n.a, c, chunk, want, 0);
            if (w < 0)
                assert_int_equal(errno, EAGAIN);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        if (sent == total && !closed) {
            assert_int_equal(ust_shutdown(n.a, c, SHUT_WR), 0);
            closed = true;
        }
        while (s >= 0) {
            ssize_t r = ust_recv(n.b, s, chunk, sizeof(chunk), 0);
            if (r == 0) {
                eof = true;
                break;
            }
            if (r < 0) {
                assert_int_equal(errno, EAGAIN);
                break;
            }
            for (ssize_t k = 0; k < r; k++)
                if (chunk[k] != byte_at(got + (size_t)k))
                    fail_msg("seed %llu loss %.2f: byte %zu differs",
                             (unsigned long long)seed, loss, got + (size_t)k);
            got += (size_t)r;
        }
    }
    ust_time_t took = ust_sim_now(n.sim) - start;
    if (!eof)
        fail_msg("seed %llu loss %.2f: %zu of %zu bytes (%zu sent) after %llu s",
                 (unsigned long long)seed, loss, got, total, sent,
                 (unsigned long long)(took / UST_SEC));
    assert_int_equal(got, total);
    assert_int_equal(ust_close(n.b, s), 0);
    assert_int_equal(ust_close(n.a, c), 0);
    assert_int_equal(ust_close(n.b, l), 0);
    ust_sim_run_until(n.sim, ust_sim_now(n.sim) + 200 * UST_SEC);
    assert_int_equal(n.a->tcp->ntcbs, 0);
    assert_int_equal(n.b->tcp->ntcbs, 0);
    const struct ust_tcp_stats *ta = &ust_stack_stats(n.a)->tcp;
    if (getenv("TCP_SIM_VERBOSE"))
        fprintf(stderr, "seed %llu loss %.2f: %.3f s, %llu segs, %llu retrans, %llu fast, %llu rto\n",
                (unsigned long long)seed, loss, (double)took / UST_SEC,
                (unsigned long long)ta->OutSegs, (unsigned long long)ta->RetransSegs,
                (unsigned long long)ta->FastRetrans, (unsigned long long)ta->Timeouts);
    if (loss >= 0.05)
        assert_true(ta->RetransSegs > 0);
    stream_pair_free(&n);
    return took;
}

static void test_bulk_no_loss(void **state)
{
    (void)state;
    ust_time_t t = bulk(1, 0, 4 << 20, "newreno");
    /* 4 MiB over 100 Mbit/s is at least 0.34 s; window scaling and slow
     * start must make it finish well under 10 s of simulated time */
    assert_true(t < 10 * UST_SEC);
}

static void test_bulk_loss_matrix(void **state)
{
    (void)state;
    const double losses[] = {0.01, 0.05, 0.15};
    for (uint64_t seed = 1; seed <= 3; seed++)
        for (unsigned k = 0; k < sizeof(losses) / sizeof(losses[0]); k++)
            bulk(seed, losses[k], 256 * 1024, seed == 2 ? "cubic" : "newreno");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocking_echo),
        cmocka_unit_test(test_bulk_no_loss),
        cmocka_unit_test(test_bulk_loss_matrix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
