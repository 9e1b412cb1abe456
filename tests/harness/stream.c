/* Pattern streams for simulation tests (stream.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "sin.h"
#include "stream.h"

uint8_t stream_byte(size_t k) { return (uint8_t)((k * 2654435761u) >> 13); }

bool stream_send(struct ust_stack *st, int fd, size_t *sent, size_t total)
{
    uint8_t chunk[4096];
    while (*sent < total) {
        size_t want = total - *sent < sizeof(chunk) ? total - *sent : sizeof(chunk);
        for (size_t k = 0; k < want; k++)
            chunk[k] = stream_byte(*sent + k);
        ssize_t w = ust_send(st, fd, chunk, want, 0);
        if (w < 0)
            assert_int_equal(errno, EAGAIN);
        if (w <= 0)
            return false;
        *sent += (size_t)w;
    }
    return true;
}

bool stream_recv(struct ust_stack *st, int fd, size_t *got)
{
    uint8_t chunk[4096];
    for (;;) {
        ssize_t r = ust_recv(st, fd, chunk, sizeof(chunk), 0);
        if (r == 0)
            return true;
        if (r < 0) {
            assert_int_equal(errno, EAGAIN);
            return false;
        }
        for (ssize_t k = 0; k < r; k++)
            if (chunk[k] != stream_byte(*got + (size_t)k))
                fail_msg("byte %zu differs", *got + (size_t)k);
        *got += (size_t)r;
    }
}

/* B's listener and A's connecting socket. */
static void stream_connect(struct ust_stack *a, struct ust_stack *b, ust_ip4_t b_addr,
                           uint16_t port, struct stream_xfer *x)
{
    x->l = ust_socket(b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in any = sin_of(0, port), to = sin_of(b_addr, port);
    assert_int_equal(ust_bind(b, x->l, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(ust_listen(b, x->l, 4), 0);
    x->c = ust_socket(a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_int_equal(ust_connect(a, x->c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    x->s = -1;
}

void stream_transfer(struct ust_sim *sim, struct ust_stack *a, struct ust_stack *b,
                     ust_ip4_t b_addr, uint16_t port, size_t total, ust_time_t limit,
                     const char *what, struct stream_xfer *x)
{
    stream_connect(a, b, b_addr, port, x);
    ust_time_t start = ust_sim_now(sim), deadline = start + limit;
    size_t sent = 0, got = 0;
    bool closed = false, eof = false;
    while (!eof && ust_sim_now(sim) < deadline) {
        ust_sim_run_until(sim, ust_sim_now(sim) + 1 * UST_MSEC);
        if (x->s < 0 && (x->s = ust_accept(b, x->l, NULL, NULL)) >= 0)
            assert_int_equal(ust_set_nonblock(b, x->s, 1), 0);
        if (stream_send(a, x->c, &sent, total) && !closed) {
            assert_int_equal(ust_shutdown(a, x->c, SHUT_WR), 0);
            closed = true;
        }
        if (x->s >= 0)
            eof = stream_recv(b, x->s, &got);
    }
    if (!eof)
        fail_msg("%s: %zu of %zu bytes by the deadline", what, got, total);
    assert_int_equal(got, total);
    x->took = ust_sim_now(sim) - start;
}

void stream_xfer_close(struct ust_stack *a, struct ust_stack *b, const struct stream_xfer *x)
{
    ust_close(b, x->s);
    ust_close(a, x->c);
    ust_close(b, x->l);
}

void stream_pair_up(struct stream_pair *p, uint64_t seed, struct ust_config *cfg,
                    ust_ip4_t a_addr, ust_ip4_t b_addr, const struct ust_sim_faults *fa,
                    const struct ust_sim_faults *fb)
{
    p->sim = ust_sim_new(seed);
    struct ust_sim_switch *sw = ust_sim_switch_new(p->sim, "sw0");
    cfg->seed = seed * 2 + 1;
    p->a = ust_stack_new(cfg);
    cfg->seed = seed * 2 + 2;
    p->b = ust_stack_new(cfg);
    assert_non_null(p->a);
    assert_non_null(p->b);
    assert_int_equal(ust_sim_add_stack(p->sim, p->a), 0);
    assert_int_equal(ust_sim_add_stack(p->sim, p->b), 0);
    p->da = ust_sim_attach(sw, p->a, "eth0", NULL, 1500);
    p->db = ust_sim_attach(sw, p->b, "eth0", NULL, 1500);
    assert_true(ust_iface_add(p->a, p->da, a_addr, 24) >= 0);
    assert_true(ust_iface_add(p->b, p->db, b_addr, 24) >= 0);
    assert_int_equal(ust_sim_set_faults(p->da, UST_SIM_TX, fa), 0);
    assert_int_equal(ust_sim_set_faults(p->db, UST_SIM_TX, fb), 0);
}

void stream_pair_free(struct stream_pair *p)
{
    ust_sim_free(p->sim);
    ust_stack_free(p->a);
    ust_stack_free(p->b);
}
