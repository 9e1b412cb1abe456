/* Socket buffer autotuning (tcp_autotune.c) through the whole stack: two
 * simulated stacks over a long fat path, 50 ms each way (RTT 100 ms) at
 * 100 Mbit/s, so the bandwidth-delay product is 1.25 MB while the buffers
 * start at 64 KiB. The receiver's window must grow past its initial
 * buffer to about the BDP (Linux's dynamic right-sizing), never past
 * cfg.tcp_rmem_max; a socket with SO_RCVBUF keeps its size; the send
 * buffer grows with cwnd, never past cfg.tcp_wmem_max. Virtual time, so
 * the transfer times compared are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"
#include "../harness/sin.h"
#include "../harness/stream.h"

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define B_ADDR UST_IP4(203, 0, 113, 2)
#define PORT 5001
#define INITIAL (64u << 10)
#define BDP 1250000u           /* 100 Mbit/s x 100 ms */
#define TOTAL (8u << 20)

struct knobs {
    size_t rmem_max, wmem_max;
    int b_so_rcvbuf, a_so_sndbuf; /* 0: not set */
    bool no_timestamps;           /* cfg.tcp_timestamps off on both */
    size_t mem_max;               /* cfg.tcp_autotune_mem_max (0: the default) */
};

/* What the transfer showed: the largest buffers and windows seen on the
 * way (sampled every millisecond) and the time it took. */
struct seen {
    uint32_t max_rcvbuf, min_rcvbuf, max_rcv_wnd; /* B's socket */
    uint32_t max_sndbuf, min_sndbuf, max_cwnd;    /* A's socket */
    uint32_t rcv_rtt_us;                          /* B's estimate at the end */
    uint32_t max_rcv_step;                        /* largest growth factor seen */
    struct ust_tcp_stats a, b;
    ust_time_t took;
};

static struct ust_tcp_info info_of(struct ust_stack *st, int fd)
{
    struct ust_tcp_info i;
    socklen_t len = sizeof(i);
    assert_int_equal(ust_getsockopt(st, fd, IPPROTO_TCP, UST_TCP_INFO, &i, &len), 0);
    return i;
}

static void note(struct seen *w, struct ust_stack *a, int c, struct ust_stack *b, int s)
{
    struct ust_tcp_info ia = info_of(a, c);
    if (ia.sndbuf > w->max_sndbuf)
        w->max_sndbuf = ia.sndbuf;
    if (ia.sndbuf < w->min_sndbuf)
        w->min_sndbuf = ia.sndbuf;
    if (ia.cwnd > w->max_cwnd)
        w->max_cwnd = ia.cwnd;
    if (s < 0)
        return;
    struct ust_tcp_info ib = info_of(b, s);
    if (w->max_rcvbuf && ib.rcvbuf / w->max_rcvbuf > w->max_rcv_step)
        w->max_rcv_step = ib.rcvbuf / w->max_rcvbuf;
    if (ib.rcvbuf > w->max_rcvbuf)
        w->max_rcvbuf = ib.rcvbuf;
    if (ib.rcvbuf < w->min_rcvbuf)
        w->min_rcvbuf = ib.rcvbuf;
    if (ib.rcv_wnd > w->max_rcv_wnd)
        w->max_rcv_wnd = ib.rcv_wnd;
    w->rcv_rtt_us = ib.rcv_rtt_us;
}

static void set_buf(struct ust_stack *st, int fd, int name, int v)
{
    if (v)
        assert_int_equal(ust_setsockopt(st, fd, SOL_SOCKET, name, &v, sizeof(v)), 0);
}

static struct seen transfer(const struct knobs *k)
{
    struct ust_config c;
    ust_config_default(&c);
    assert_true(c.tcp_moderate_rcvbuf); /* the default */
    c.tcp_rcvbuf = c.tcp_sndbuf = INITIAL;
    c.tcp_rmem_max = k->rmem_max;
    c.tcp_wmem_max = k->wmem_max;
    c.tcp_timestamps = !k->no_timestamps;
    if (k->mem_max)
        c.tcp_autotune_mem_max = k->mem_max;
    struct ust_sim_faults f = {.delay = 50 * UST_MSEC, .rate_bps = 100000000};
    struct stream_pair p;
    stream_pair_up(&p, 11, &c, A_ADDR, B_ADDR, &f, &f);
    int l = ust_socket(p.b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    set_buf(p.b, l, SO_RCVBUF, k->b_so_rcvbuf);
    struct sockaddr_in any = sin_of(0, PORT), to = sin_of(B_ADDR, PORT);
    assert_int_equal(ust_bind(p.b, l, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(ust_listen(p.b, l, 4), 0);
    int cfd = ust_socket(p.a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    set_buf(p.a, cfd, SO_SNDBUF, k->a_so_sndbuf);
    assert_int_equal(ust_connect(p.a, cfd, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    struct seen w = {.min_rcvbuf = UINT32_MAX, .min_sndbuf = UINT32_MAX};
    ust_time_t start = ust_sim_now(p.sim), deadline = start + 120 * UST_SEC;
    size_t sent = 0, got = 0;
    bool closed = false, eof = false;
    int s = -1;
    while (!eof && ust_sim_now(p.sim) < deadline) {
        ust_sim_run_until(p.sim, ust_sim_now(p.sim) + 1 * UST_MSEC);
        if (s < 0 && (s = ust_accept(p.b, l, NULL, NULL)) >= 0)
            assert_int_equal(ust_set_nonblock(p.b, s, 1), 0);
        if (stream_send(p.a, cfd, &sent, TOTAL) && !closed) {
            assert_int_equal(ust_shutdown(p.a, cfd, SHUT_WR), 0);
            closed = true;
        }
        if (s >= 0)
            eof = stream_recv(p.b, s, &got);
        if (!eof)
            note(&w, p.a, cfd, p.b, s);
    }
    assert_true(eof);
    assert_int_equal(got, TOTAL);
    w.took = ust_sim_now(p.sim) - start;
    w.a = ust_stack_stats(p.a)->tcp;
    w.b = ust_stack_stats(p.b)->tcp;
    if (getenv("AUTOTUNE_SIM_VERBOSE"))
        fprintf(stderr,
                "took %.3f s: rcvbuf %u..%u rcv_wnd max %u rcv_rtt %u us; sndbuf %u..%u "
                "cwnd max %u; grown rcv %llu snd %llu\n",
                (double)w.took / UST_SEC, w.min_rcvbuf, w.max_rcvbuf, w.max_rcv_wnd,
                w.rcv_rtt_us, w.min_sndbuf, w.max_sndbuf, w.max_cwnd,
                (unsigned long long)w.b.RcvBufGrown, (unsigned long long)w.a.SndBufGrown);
    ust_close(p.b, s);
    ust_close(p.a, cfd);
    ust_close(p.b, l);
    stream_pair_free(&p);
    return w;
}

/* The receiver's window grows from 64 KiB to the path's BDP and stays
 * within tcp_rmem_max (6 MiB, the default); the transfer takes less than
 * half the time it takes with the buffer fixed at its initial size by
 * SO_RCVBUF (Linux doubles the request: 32 KiB asked, 64 KiB held). */
static void test_receive_window_grows_to_the_bdp(void **state)
{
    (void)state;
    struct knobs tuned = {.rmem_max = 6u << 20, .wmem_max = 4u << 20};
    struct seen w = transfer(&tuned);
    assert_int_equal(w.min_rcvbuf, INITIAL);
    assert_true(w.max_rcvbuf > INITIAL);
    assert_true(w.max_rcv_wnd >= BDP);
    assert_true(w.max_rcvbuf <= tuned.rmem_max);
    assert_true(w.b.RcvBufGrown > 0);
    assert_int_equal(w.b.BufGrowFailed, 0);
    assert_true(w.max_rcv_step <= 4); /* at most fourfold per measurement */
    /* the receiver measured the path's RTT (100 ms plus queueing) */
    assert_true(w.rcv_rtt_us >= 100000);
    struct knobs fixed = tuned;
    fixed.b_so_rcvbuf = INITIAL / 2;
    struct seen f = transfer(&fixed);
    assert_int_equal(f.min_rcvbuf, INITIAL);
    assert_int_equal(f.max_rcvbuf, INITIAL);
    assert_true(f.max_rcv_wnd <= INITIAL);
    assert_int_equal(f.b.RcvBufGrown, 0);
    assert_true(2 * w.took < f.took);
}

/* Without timestamps the receiver times the arrival of one advertised
 * window (Linux tcp_rcv_rtt_measure) and grows the same way. */
static void test_receive_window_grows_without_timestamps(void **state)
{
    (void)state;
    struct knobs k = {.rmem_max = 6u << 20, .wmem_max = 4u << 20, .no_timestamps = true};
    struct seen w = transfer(&k);
    assert_true(w.max_rcv_wnd >= BDP);
    assert_true(w.max_rcvbuf <= k.rmem_max);
    assert_true(w.rcv_rtt_us >= 100000);
}

/* A smaller tcp_rmem_max bounds the growth: the buffer and the window
 * reach it and never pass it. */
static void test_receive_buffer_bounded_by_rmem_max(void **state)
{
    (void)state;
    struct knobs k = {.rmem_max = 512u << 10, .wmem_max = 4u << 20};
    struct seen w = transfer(&k);
    assert_int_equal(w.max_rcvbuf, k.rmem_max);
    assert_true(w.max_rcv_wnd <= k.rmem_max);
    assert_true(w.max_rcv_wnd > INITIAL);
}

/* The stack-wide budget (cfg.tcp_autotune_mem_max) stops the growth: each
 * stack's connection grows by at most the budget, counted in
 * BufGrowLimited, and the transfer still completes. */
static void test_growth_bounded_by_stack_budget(void **state)
{
    (void)state;
    struct knobs k = {.rmem_max = 6u << 20, .wmem_max = 4u << 20, .mem_max = 256u << 10};
    struct seen w = transfer(&k);
    assert_int_equal(w.max_rcvbuf, INITIAL + k.mem_max); /* B: only the receive ring */
    assert_true(w.b.BufGrowLimited > 0);
    assert_true(w.max_sndbuf <= INITIAL + k.mem_max); /* A: only the send ring grows */
    assert_true(w.a.BufGrowLimited > 0);
}

/* The send buffer grows with cwnd (twice cwnd, Linux tcp_sndbuf_expand)
 * up to tcp_wmem_max and no further; with SO_SNDBUF set it keeps its
 * size. */
static void test_send_buffer_grows_with_cwnd_bounded(void **state)
{
    (void)state;
    struct knobs k = {.rmem_max = 6u << 20, .wmem_max = 1u << 20};
    struct seen w = transfer(&k);
    assert_int_equal(w.min_sndbuf, INITIAL);
    assert_int_equal(w.max_sndbuf, k.wmem_max); /* cwnd went past half of it */
    assert_true(w.max_cwnd > k.wmem_max / 2);
    assert_true(w.a.SndBufGrown > 0);
    struct knobs fixed = k;
    fixed.a_so_sndbuf = INITIAL / 2;
    struct seen f = transfer(&fixed);
    assert_int_equal(f.min_sndbuf, INITIAL);
    assert_int_equal(f.max_sndbuf, INITIAL);
    assert_int_equal(f.a.SndBufGrown, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_receive_window_grows_to_the_bdp),
        cmocka_unit_test(test_receive_window_grows_without_timestamps),
        cmocka_unit_test(test_receive_buffer_bounded_by_rmem_max),
        cmocka_unit_test(test_growth_bounded_by_stack_budget),
        cmocka_unit_test(test_send_buffer_grows_with_cwnd_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
