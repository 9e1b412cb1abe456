/* A blocking ust_send on TCP queues everything, as Linux's send(2) does
 * (tcp_sendmsg waits in sk_stream_wait_memory until every byte is
 * copied): it returns a partial count only when SO_SNDTIMEO expires or the
 * wait is interrupted after some bytes were queued, and the error when
 * nothing was. Through the public API between two simulated stacks
 * (tcp_pair.h: 1 ms links, virtual time, so every time here is exact).
 *
 * The peer is driven from inside the blocked call: the test installs its
 * own waiter (ust_stack_set_waiter) on the blocking stack, which runs the
 * simulator one step at a time, as the simulator's waiter does, and lets
 * the other end act (read a little every few milliseconds: a slow reader)
 * between the steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/time.h>

#include "../harness/tcp_pair.h"
#include "ustack/ustack.h"

#define MS UST_MSEC

/* The byte at stream offset i: a pattern that shows loss, duplication or
 * reordering of any chunk. */
static uint8_t pattern_at(uint64_t i) { return (uint8_t)((i * 7 + (i >> 9)) & 0xff); }

static void fill_pattern(uint8_t *buf, size_t len, uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern_at(off + i);
}

/* The other end, driven between simulator steps: every `period` it reads
 * at most `chunk` bytes (MSG_DONTWAIT) and checks them against the
 * pattern; `act` (optional) is called at every step. */
struct peer {
    struct ust_sim *sim;
    struct ust_stack *st;
    int fd;
    size_t chunk;
    ust_time_t period;
    ust_time_t next_read;   /* UST_TIME_NEVER: does not read */
    uint64_t got;           /* bytes read so far */
    unsigned reads;         /* reads that returned data */
    bool eof;
    bool mismatch;          /* a byte differed from the pattern */
    void (*act)(struct peer *p);
    void *ctx;
    unsigned waits;         /* waiter calls so far */
    unsigned interrupt_at;  /* the waiter call that reports a signal (0: none) */
};

static void peer_read(struct peer *p)
{
    uint8_t buf[65536];
    size_t want = p->chunk < sizeof(buf) ? p->chunk : sizeof(buf);
    ssize_t n = ust_recv(p->st, p->fd, buf, want, MSG_DONTWAIT);
    if (n == 0)
        p->eof = true;
    if (n <= 0)
        return;
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] != pattern_at(p->got + (uint64_t)i))
            p->mismatch = true;
    p->got += (uint64_t)n;
    p->reads++;
}

static void peer_tick(struct peer *p)
{
    if (p->act)
        p->act(p);
    ust_time_t now = ust_sim_now(p->sim);
    if (p->next_read != UST_TIME_NEVER && now >= p->next_read) {
        peer_read(p);
        p->next_read = now + p->period;
    }
}

/* The waiter of the blocking stack: the simulator's contract (one event
 * step up to the deadline; nothing before it: the clock moves there and
 * UST_ERR_TIMEDOUT), with the peer's reads as events of their own, and
 * optionally a signal (UST_ERR_AGAIN, as the real loop reports EINTR) at
 * the interrupt_at-th call. */
static int peer_wait(void *ctx, ust_time_t deadline)
{
    struct peer *p = ctx;
    if (++p->waits == p->interrupt_at)
        return UST_ERR_AGAIN;
    ust_time_t until = deadline < p->next_read ? deadline : p->next_read;
    int rc = 0;
    if (!ust_sim_step(p->sim, until)) {
        if (until == UST_TIME_NEVER)
            return UST_ERR_TIMEDOUT; /* nothing can ever happen */
        ust_sim_run_until(p->sim, until);
        if (until == deadline)
            rc = UST_ERR_TIMEDOUT;
    }
    peer_tick(p);
    return rc;
}

static void peer_init(struct peer *p, struct tp_net *n, struct ust_stack *st, int fd)
{
    memset(p, 0, sizeof(*p));
    p->sim = n->sim;
    p->st = st;
    p->fd = fd;
    p->next_read = UST_TIME_NEVER;
}

/* Runs the simulator (the peer reading) until it has read `want` bytes and
 * the end of the stream, or 60 virtual seconds have passed. */
static void drain(struct peer *p, uint64_t want)
{
    ust_time_t end = ust_sim_now(p->sim) + 60 * UST_SEC;
    p->period = MS;
    p->chunk = 65536;
    if (p->next_read == UST_TIME_NEVER)
        p->next_read = ust_sim_now(p->sim);
    while (!(p->eof && p->got >= want) && ust_sim_now(p->sim) < end) {
        if (!ust_sim_step(p->sim, p->next_read))
            ust_sim_run_until(p->sim, p->next_read);
        peer_tick(p);
    }
}

static int sndbuf_of(struct ust_stack *st, int fd)
{
    int v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(ust_getsockopt(st, fd, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
    assert_true(v > 0);
    return v;
}

/* Several times the send buffer against a reader taking 4000 bytes every
 * 5 ms: one blocking send returns the full count, and the reader gets
 * exactly those bytes. */
static void test_full_count_against_slow_reader(void **state)
{
    (void)state;
    struct tp_net n;
    tp_up(&n, 21, 0);
    struct peer p;
    peer_init(&p, &n, n.b, n.s);
    p.chunk = 4000;
    p.period = 5 * MS;
    p.next_read = ust_sim_now(n.sim) + p.period;
    ust_stack_set_waiter(n.a, peer_wait, &p);
    size_t len = 16 * (size_t)sndbuf_of(n.a, n.c);
    uint8_t *buf = test_malloc(len);
    fill_pattern(buf, len, 0);
    assert_int_equal(ust_send(n.a, n.c, buf, len, 0), (ssize_t)len);
    assert_true(p.reads > 1);  /* the call had to wait for the reader */
    assert_true(p.got < len);  /* ... and returned before it read everything */
    assert_int_equal(ust_close(n.a, n.c), 0);
    drain(&p, len);
    assert_true(p.eof);
    assert_int_equal(p.got, len);
    assert_false(p.mismatch);
    test_free(buf);
    tp_down(&n);
}

/* SO_SNDTIMEO 1 s, a peer that never reads: the send returns what it
 * queued when the timeout expires (exactly 1 s later in virtual time), the
 * next one fails with EAGAIN after another second; the peer, reading at
 * last, gets exactly the bytes the partial count claimed. */
static void test_sndtimeo_partial_then_eagain(void **state)
{
    (void)state;
    struct tp_net n;
    tp_up(&n, 22, 0);
    struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
    assert_int_equal(ust_setsockopt(n.a, n.c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
    size_t len = 4u << 20;
    uint8_t *buf = test_malloc(len);
    fill_pattern(buf, len, 0);
    ust_time_t t0 = ust_sim_now(n.sim);
    ssize_t sent = ust_send(n.a, n.c, buf, len, 0);
    assert_true(sent > 0);
    assert_true((size_t)sent < len);
    assert_int_equal(ust_sim_now(n.sim) - t0, UST_SEC);
    t0 = ust_sim_now(n.sim);
    errno = 0;
    assert_int_equal(ust_send(n.a, n.c, buf + sent, len - (size_t)sent, 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_sim_now(n.sim) - t0, UST_SEC);
    assert_int_equal(ust_close(n.a, n.c), 0);
    struct peer p;
    peer_init(&p, &n, n.b, n.s);
    drain(&p, (uint64_t)sent);
    assert_true(p.eof);
    assert_int_equal(p.got, (uint64_t)sent);
    assert_false(p.mismatch);
    test_free(buf);
    tp_down(&n);
}

/* A signal during the wait (the waiter reports UST_ERR_AGAIN, as the real
 * loop does for EINTR from epoll_wait): after some bytes were queued the
 * call returns their count; with nothing queued it fails with EINTR. The
 * peer never reads, so nothing else can end the calls. */
static void test_signal_partial_then_eintr(void **state)
{
    (void)state;
    struct tp_net n;
    tp_up(&n, 23, 0);
    struct peer p;
    peer_init(&p, &n, n.b, n.s);
    p.interrupt_at = 3;
    ust_stack_set_waiter(n.a, peer_wait, &p);
    size_t len = 4u << 20;
    uint8_t *buf = test_malloc(len);
    fill_pattern(buf, len, 0);
    ssize_t sent = ust_send(n.a, n.c, buf, len, 0);
    assert_true(sent > 0);
    assert_true((size_t)sent < len);
    assert_int_equal(p.waits, 3);
    /* The send buffer stays full: the next wait is interrupted at once. */
    p.waits = 0;
    p.interrupt_at = 1;
    errno = 0;
    assert_int_equal(ust_send(n.a, n.c, buf + sent, len - (size_t)sent, 0), -1);
    assert_int_equal(errno, EINTR);
    assert_int_equal(p.waits, 1);
    p.interrupt_at = 0;
    assert_int_equal(ust_close(n.a, n.c), 0);
    struct peer r;
    peer_init(&r, &n, n.b, n.s);
    drain(&r, (uint64_t)sent);
    assert_int_equal(r.got, (uint64_t)sent);
    assert_false(r.mismatch);
    test_free(buf);
    tp_down(&n);
}

/* Non-blocking sockets keep Linux's short count: what fits, at once. */
static void test_nonblocking_still_partial(void **state)
{
    (void)state;
    struct tp_net n;
    tp_up(&n, 24, 0);
    size_t len = 4u << 20;
    uint8_t *buf = test_malloc(len);
    fill_pattern(buf, len, 0);
    ust_time_t t0 = ust_sim_now(n.sim);
    ssize_t sent = ust_send(n.a, n.c, buf, len, MSG_DONTWAIT);
    assert_true(sent > 0);
    assert_true((size_t)sent < len);
    assert_int_equal(ust_set_nonblock(n.a, n.c, 1), 0);
    errno = 0;
    assert_int_equal(ust_send(n.a, n.c, buf + sent, len - (size_t)sent, 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_sim_now(n.sim), t0); /* neither call waited */
    test_free(buf);
    tp_down(&n);
}

/* The README's echo server, `while ((n = ust_recv(...)) > 0) ust_send(...,
 * n, 0);`, with blocking calls on B and a small send buffer, against a
 * client on A that writes N bytes as fast as it can (non-blocking), then
 * shuts down its side, and reads the echo slowly: the client gets exactly
 * the N bytes back, so no send of the loop came back short. */
struct echo_client {
    const uint8_t *data;
    size_t len, off;
    bool shut;
};

static void client_write(struct peer *p)
{
    struct echo_client *c = p->ctx;
    while (c->off < c->len) {
        ssize_t n = ust_send(p->st, p->fd, c->data + c->off, c->len - c->off, MSG_DONTWAIT);
        if (n <= 0)
            break;
        c->off += (size_t)n;
    }
    if (c->off == c->len && !c->shut) {
        assert_int_equal(ust_shutdown(p->st, p->fd, SHUT_WR), 0);
        c->shut = true;
    }
}

static void test_readme_echo_pattern_moves_n_bytes(void **state)
{
    (void)state;
    struct tp_net n;
    tp_up(&n, 25, 0);
    int small = 4096;
    assert_int_equal(ust_setsockopt(n.b, n.s, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
    size_t len = 1000000;
    uint8_t *data = test_malloc(len);
    fill_pattern(data, len, 0);
    struct echo_client c = {.data = data, .len = len};
    struct peer p;
    peer_init(&p, &n, n.a, n.c);
    p.act = client_write;
    p.ctx = &c;
    p.chunk = 3000;
    p.period = 2 * MS;
    p.next_read = ust_sim_now(n.sim);
    ust_stack_set_waiter(n.b, peer_wait, &p);
    char buf[4096];
    ssize_t got;
    unsigned short_sends = 0;
    uint64_t echoed = 0;
    /* The pattern as the README writes it (plus counting). */
    while ((got = ust_recv(n.b, n.s, buf, sizeof(buf), 0)) > 0) {
        ssize_t sent = ust_send(n.b, n.s, buf, (size_t)got, 0);
        if (sent != got)
            short_sends++;
        echoed += sent > 0 ? (uint64_t)sent : 0;
    }
    assert_int_equal(got, 0);
    assert_int_equal(short_sends, 0);
    assert_int_equal(echoed, len);
    assert_int_equal(ust_close(n.b, n.s), 0);
    drain(&p, len);
    assert_true(p.eof);
    assert_int_equal(p.got, len);
    assert_false(p.mismatch);
    test_free(data);
    tp_down(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_count_against_slow_reader),
        cmocka_unit_test(test_sndtimeo_partial_then_eagain),
        cmocka_unit_test(test_signal_partial_then_eintr),
        cmocka_unit_test(test_nonblocking_still_partial),
        cmocka_unit_test(test_readme_echo_pattern_moves_n_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
