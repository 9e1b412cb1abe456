/* The services' view of the stack (core/services.h) and the drivers' host
 * interface (dev/dev_host.h) reach the same state the assembly owns: the
 * bottom of the stack no longer sees struct ust_stack, and must not see
 * anything different through its accessors. The same holds for the link,
 * network and socket layers' state accessors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/services.h"
#include "core/stack_impl.h"
#include "core/timer.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "link/iface.h"
#include "link/link_state.h"
#include "net/net_state.h"
#include "socket/sock.h"
#include "transport/transport.h"
#include "ustack/ustack.h"

struct trace_seen {
    int lines;
    ust_time_t at;
    char layer[8];
    char msg[32];
};

static void record_trace(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    struct trace_seen *s = ctx;
    s->lines++;
    s->at = now;
    snprintf(s->layer, sizeof(s->layer), "%s", layer);
    snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

/* The cast in stack_services() lands on the stack's own member; the trace
 * sink installed by the public call is what TRACE tests and calls, with
 * the stack's time. */
static void test_trace_through_services(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    assert_ptr_equal(stack_services(st), &st->svc);
    assert_ptr_equal(stack_services_const(st), &st->svc);
    struct trace_seen seen = {0};
    assert_false(trace_on(st));
    TRACE(st, "t", "off %d", 1); /* no sink: nothing is formatted or called */
    ust_stack_set_trace(st, record_trace, &seen);
    assert_true(trace_on(st));
    assert_ptr_equal(st->svc.trace_ctx, &seen);
    stack_set_now(st, 1234);
    TRACE(st, "t", "on %d", 2);
    assert_int_equal(seen.lines, 1);
    assert_int_equal(seen.at, 1234);
    assert_string_equal(seen.layer, "t");
    assert_string_equal(seen.msg, "on 2");
    ust_stack_set_trace(st, NULL, NULL);
    assert_false(trace_on(st));
    TRACE(st, "t", "off %d", 3);
    assert_int_equal(seen.lines, 1);
    ust_stack_free(st);
}

static void on_timer(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)st;
    (void)now;
    t->when = 0; /* marks it fired */
}

/* timer.c keeps its heap in the services' member: what it arms is what the
 * stack polls at and frees. */
static void test_timers_in_services(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    size_t before = st->svc.timers.n;
    struct ust_timer t;
    timer_init(&t, on_timer);
    assert_int_equal(timer_arm(st, &t, 5 * UST_SEC), UST_OK);
    assert_int_equal(st->svc.timers.n, before + 1);
    assert_true(timer_next(st) <= 5 * UST_SEC);
    assert_true(ust_stack_poll_at(st) <= 5 * UST_SEC);
    timer_run(st, 5 * UST_SEC);
    assert_false(timer_armed(&t));
    assert_int_equal(t.when, 0);
    assert_int_equal(st->svc.timers.n, before);
    ust_stack_free(st);
}

/* The clock and the counters: stack_now/stack_set_now are st->now (never
 * backwards), stack_stats is the stack's counters. */
static void test_clock_and_counters(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    stack_set_now(st, 100);
    stack_set_now(st, 50);
    assert_int_equal(stack_now(st), 100);
    assert_int_equal(st->now, 100);
    assert_ptr_equal(stack_stats(st), &st->stats);
    assert_ptr_equal(stack_stats(st), ust_stack_stats(st));
    stack_stats(st)->link.rx_frames++;
    assert_int_equal(ust_stack_stats(st)->link.rx_frames, 1);
    ust_stack_free(st);
}

static struct {
    int calls;
    struct ust_dev *dev;
    ust_time_t now;
    size_t len;
} frames;

static int record_frame(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)frame;
    frames.calls++;
    frames.dev = dev;
    frames.now = now;
    frames.len = len;
    return 7;
}

/* dev_host.h: a frame goes to what the assembly registered, with the time
 * and result passed through; the burst counter nests; the pool and PRNG
 * are the stack's own. */
static void test_dev_host(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    int (*saved)(struct ust_dev *, ust_time_t, const uint8_t *, size_t) = st->frame_input;
    st->frame_input = record_frame;
    uint8_t f[3] = {1, 2, 3};
    struct ust_dev *fake = (struct ust_dev *)(void *)st; /* only passed through */
    assert_int_equal(stack_frame_input(st, fake, 42, f, sizeof(f)), 7);
    assert_int_equal(frames.calls, 1);
    assert_ptr_equal(frames.dev, fake);
    assert_int_equal(frames.now, 42);
    assert_int_equal(frames.len, 3);
    st->frame_input = saved;

    assert_false(stack_tx_held(st));
    stack_tx_hold(st);
    stack_tx_hold(st);
    assert_true(stack_tx_held(st));
    stack_tx_release(st);
    assert_true(stack_tx_held(st)); /* only the outermost release ends the burst */
    stack_tx_release(st);
    assert_false(stack_tx_held(st));
    stack_tx_release(st); /* an unmatched release stays at zero */
    assert_int_equal(st->tx_hold, 0);

    assert_ptr_equal(stack_pkt_pool(st), &st->pkt_pool);
    assert_ptr_equal(stack_rng(st), &st->rng);
    assert_int_equal(ust_stack_config(st)->dev_fault_queue_len, st->cfg.dev_fault_queue_len);
    ust_stack_free(st);
}

struct wait_seen {
    int calls;
    ust_time_t deadline;
    bool held; /* was the burst still held when the waiter ran? */
    struct ust_stack *st;
};

static int record_wait(void *ctx, ust_time_t deadline)
{
    struct wait_seen *w = ctx;
    w->calls++;
    w->deadline = deadline;
    w->held = stack_tx_held(w->st);
    return UST_ERR_TIMEDOUT;
}

/* Link, net and socket reach their state through the assembly's
 * accessors (link_state.h, net_state.h, sock.h): the same members the
 * stack owns. Interfaces are walked with iface_at, which stops at the
 * first index past the table; a blocking wait runs outside the caller's
 * burst and gives it back afterwards. */
static void test_layer_state_accessors(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    assert_ptr_equal(stack_link(st), &st->link);
    assert_ptr_equal(stack_link_const(st), &st->link);
    assert_ptr_equal(stack_net(st), &st->net);
    assert_ptr_equal(stack_net_const(st), &st->net);
    assert_ptr_equal(stack_pmtu(st), &st->pmtu);
    assert_ptr_equal(stack_socks(st), &st->socks);
    assert_non_null(stack_link(st)->up.neighbour_advice);
    assert_non_null(stack_link(st)->up.unresolved);

    assert_null(iface_at(st, 0));
    st->ifaces[0].addr = 0xc0000201u;
    st->ifaces[1].addr = 0xc0000202u;
    st->nifaces = 2;
    assert_null(iface_at(st, -1));
    assert_ptr_equal(iface_at(st, 0), &st->ifaces[0]);
    assert_int_equal(iface_at(st, 1)->addr, 0xc0000202u);
    assert_null(iface_at(st, 2));
    st->nifaces = 0;

    assert_false(stack_has_waiter(st));
    struct wait_seen w = {.st = st};
    ust_stack_set_waiter(st, record_wait, &w);
    assert_true(stack_has_waiter(st));
    stack_tx_hold(st);
    assert_int_equal(stack_wait(st, 1234), UST_ERR_TIMEDOUT);
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.deadline, 1234);
    assert_false(w.held);
    assert_true(stack_tx_held(st));
    stack_tx_release(st);
    ust_stack_free(st);
}

static unsigned upcalls_seen;
static void count_upcall(struct ust_stack *st)
{
    (void)st;
    upcalls_seen++;
}

/* Transport reaches its state through the assembly's accessors
 * (transport.h): UDP's table and TCP's state are the stack's own, the
 * upcall slot is the one transport_set_upcall fills and transport_notify
 * calls, the path-MTU generation follows the cache (a lowered estimate
 * bumps it), and the receive batch is seen from its outermost begin to its
 * outermost end. */
static void test_transport_state_accessors(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    assert_ptr_equal(stack_udp(st), &st->udp);
    assert_ptr_equal(stack_udp_const(st), &st->udp);
    assert_non_null(stack_udp(st)->ports);
    assert_non_null(stack_tcp(st));
    assert_ptr_equal(stack_tcp(st), st->tcp);
    struct tcp_state *ts = stack_tcp(st);
    stack_set_tcp(st, NULL);
    assert_null(st->tcp);
    assert_false(ust_stack_has_secret(st));
    stack_set_tcp(st, ts);
    assert_ptr_equal(st->tcp, ts);

    assert_ptr_equal(stack_sock_upcall(st), &st->sock_upcall);
    transport_upcall_fn saved = st->sock_upcall;
    upcalls_seen = 0;
    transport_set_upcall(st, count_upcall);
    assert_ptr_equal(st->sock_upcall, count_upcall);
    transport_notify(st);
    assert_int_equal(upcalls_seen, 1);
    transport_set_upcall(st, NULL);
    transport_notify(st);
    assert_int_equal(upcalls_seen, 1);
    transport_set_upcall(st, saved);

    unsigned gen = pmtu_gen(st);
    assert_int_equal(gen, st->pmtu.gen);
    assert_true(pmtu_update(st, 0xc6336402u, 1000));
    assert_int_equal(pmtu_gen(st), gen + 1);
    assert_int_equal(pmtu_gen(st), st->pmtu.gen);

    assert_false(stack_in_rx_batch(st));
    stack_rx_batch_begin(st);
    stack_rx_batch_begin(st);
    assert_true(stack_in_rx_batch(st));
    stack_rx_batch_end(st);
    assert_true(stack_in_rx_batch(st));
    stack_rx_batch_end(st);
    assert_false(stack_in_rx_batch(st));
    ust_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_through_services),
        cmocka_unit_test(test_timers_in_services),
        cmocka_unit_test(test_clock_and_counters),
        cmocka_unit_test(test_dev_host),
        cmocka_unit_test(test_layer_state_accessors),
        cmocka_unit_test(test_transport_state_accessors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
