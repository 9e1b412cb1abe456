/* SO_LINGER with a time, through the socket API between two simulated
 * stacks (socket(7); Linux tcp_close + sk_stream_wait_close): close
 * returns once every byte and our FIN are acknowledged, or after exactly
 * the linger time when the peer stays silent (returning 0, the close going
 * on in the background), on O_NONBLOCK sockets too (as Linux, measured on
 * 6.18); data arriving while close waits resets the connection. The links
 * have a fixed 1 ms delay and no bandwidth limit (tcp_pair.h), so times
 * are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../harness/tcp_pair.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "ustack/ustack.h"

#define MS UST_MSEC

struct net {
    struct tp_net p;      /* A's socket c connected to B's s */
    struct ust_sim *sim;
    struct ust_stack *a, *b;
    int c, s;
    ust_time_t fw2_at;    /* when A's connection entered FIN-WAIT-2 */
};

/* Records when A's connection reaches FIN-WAIT-2 (tcp_set_state's line). */
static void on_trace(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    struct net *n = ctx;
    if (strcmp(layer, "tcp") == 0 && strstr(msg, "-> FIN-WAIT-2") && !n->fw2_at)
        n->fw2_at = now;
}

static void net_up(struct net *n, int type)
{
    memset(n, 0, sizeof(*n));
    tp_up(&n->p, 11, 0);
    n->sim = n->p.sim;
    n->a = n->p.a;
    n->b = n->p.b;
    n->c = n->p.c;
    n->s = n->p.s;
    ust_stack_set_trace(n->a, on_trace, n);
    if (type & SOCK_NONBLOCK)
        assert_int_equal(ust_set_nonblock(n->a, n->c, 1), 0);
}

static void net_down(struct net *n) { tp_down(&n->p); }

static void set_linger(struct net *n, int onoff, int secs)
{
    struct linger lg = {.l_onoff = onoff, .l_linger = secs};
    assert_int_equal(ust_setsockopt(n->a, n->c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
}

/* The one connection A still has (no descriptor any more): its entry. */
static void take_entry(void *ctx, const struct ust_sock_entry *e) { *(struct ust_sock_entry *)ctx = *e; }
static struct ust_sock_entry a_conn(struct net *n)
{
    struct ust_sock_entry e = {.state = -1};
    assert_int_equal(ust_netstat(n->a, take_entry, &e), 1);
    return e;
}

/* close blocks until the FIN is acknowledged: the round trip is 2 ms. */
static void check_waits_for_fin_ack(int type)
{
    struct net n;
    net_up(&n, type);
    set_linger(&n, 1, 5);
    ust_time_t t0 = ust_sim_now(n.sim);
    assert_int_equal(ust_close(n.a, n.c), 0);
    assert_int_equal(ust_sim_now(n.sim) - t0, 2 * MS);
    assert_int_equal(n.fw2_at, t0 + 2 * MS);
    struct ust_sock_entry e = a_conn(&n);
    assert_int_equal(e.state, UST_TCP_FIN_WAIT_2);
    assert_int_equal(e.send_q, 0);
    char b[4];
    assert_int_equal(ust_recv(n.b, n.s, b, sizeof(b), 0), 0); /* EOF */
    net_down(&n);
}

static void test_close_waits_for_fin_ack(void **state)
{
    (void)state;
    check_waits_for_fin_ack(SOCK_STREAM);
}

/* Linux lingers on an O_NONBLOCK socket too (inet_release does not look
 * at O_NONBLOCK; BSD's soclose does). */
static void test_nonblocking_socket_lingers_too(void **state)
{
    (void)state;
    check_waits_for_fin_ack(SOCK_STREAM | SOCK_NONBLOCK);
}

/* Without SO_LINGER (or l_onoff 0) close returns at once, FIN in flight. */
static void test_close_without_linger_returns_at_once(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, SOCK_STREAM);
    set_linger(&n, 0, 5);
    ust_time_t t0 = ust_sim_now(n.sim);
    assert_int_equal(ust_close(n.a, n.c), 0);
    assert_int_equal(ust_sim_now(n.sim), t0);
    assert_int_equal(a_conn(&n).state, UST_TCP_FIN_WAIT_1);
    net_down(&n);
}

/* Queued data first: close returns when the last byte and the FIN are
 * acknowledged (the moment the connection enters FIN-WAIT-2), with every
 * byte at the peer. */
static void test_close_waits_for_queued_data(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, SOCK_STREAM);
    static uint8_t data[60000];
    for (size_t k = 0; k < sizeof(data); k++)
        data[k] = (uint8_t)(k * 7);
    assert_int_equal(ust_send(n.a, n.c, data, sizeof(data), MSG_DONTWAIT), sizeof(data));
    set_linger(&n, 1, 5);
    ust_time_t t0 = ust_sim_now(n.sim);
    assert_int_equal(ust_close(n.a, n.c), 0);
    assert_true(n.fw2_at > t0 + 2 * MS); /* the data took more than one round trip */
    assert_int_equal(ust_sim_now(n.sim), n.fw2_at);
    assert_int_equal(a_conn(&n).send_q, 0);
    static uint8_t got[60000];
    size_t have = 0;
    while (have < sizeof(got)) {
        ssize_t r = ust_recv(n.b, n.s, got + have, sizeof(got) - have, 0);
        assert_true(r > 0);
        have += (size_t)r;
    }
    assert_memory_equal(got, data, sizeof(data));
    assert_int_equal(ust_recv(n.b, n.s, got, 1, 0), 0);
    net_down(&n);
}

/* The peer stays silent: close returns 0 after exactly the linger time,
 * and the connection goes on in the background (Linux): once the peer
 * answers again, the data and the FIN get there. */
static void test_linger_timeout_then_background(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, SOCK_STREAM);
    tp_set_loss(n.p.db, 1.0); /* nothing from B reaches A */
    assert_int_equal(ust_send(n.a, n.c, "tail", 4, 0), 4);
    set_linger(&n, 1, 3);
    ust_time_t t0 = ust_sim_now(n.sim);
    assert_int_equal(ust_close(n.a, n.c), 0);
    assert_int_equal(ust_sim_now(n.sim) - t0, 3 * UST_SEC);
    struct ust_sock_entry e = a_conn(&n);
    assert_int_equal(e.state, UST_TCP_FIN_WAIT_1);
    assert_int_equal(e.send_q, 4);
    tp_set_loss(n.p.db, 0);
    char b[8];
    assert_int_equal(ust_recv(n.b, n.s, b, sizeof(b), 0), 4);
    assert_memory_equal(b, "tail", 4);
    assert_int_equal(ust_recv(n.b, n.s, b, sizeof(b), 0), 0);
    ust_sim_run_until(n.sim, ust_sim_now(n.sim) + 30 * UST_SEC); /* retransmitted FIN acked */
    assert_int_equal(a_conn(&n).state, UST_TCP_FIN_WAIT_2);
    net_down(&n);
}

/* Data that arrives while close waits resets the connection, as data
 * after close does (RFC 1122 4.2.2.13; Linux resets in FIN-WAIT once the
 * socket is shut for reading): close returns at that moment. */
static void test_data_during_linger_resets(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, SOCK_STREAM);
    assert_int_equal(ust_send(n.b, n.s, "late", 4, 0), 4); /* arrives in 1 ms */
    set_linger(&n, 1, 5);
    ust_time_t t0 = ust_sim_now(n.sim);
    assert_int_equal(ust_close(n.a, n.c), 0);
    assert_int_equal(ust_sim_now(n.sim) - t0, 1 * MS);
    assert_int_equal(n.a->stats.tcp.AbortOnData, 1);
    assert_int_equal(n.a->tcp->ntcbs, 0);
    ust_sim_run_until(n.sim, ust_sim_now(n.sim) + 1 * MS); /* the RST reaches B */
    struct ust_tcp_info info;
    socklen_t len = sizeof(info);
    assert_int_equal(ust_getsockopt(n.b, n.s, IPPROTO_TCP, UST_TCP_INFO, &info, &len), 0);
    assert_int_equal(info.state, UST_TCP_CLOSED);
    net_down(&n);
}

/* After the peer's FIN: close sends ours (LAST-ACK) and returns when it is
 * acknowledged, the connection gone. */
static void test_linger_from_close_wait(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, SOCK_STREAM);
    assert_int_equal(ust_shutdown(n.b, n.s, SHUT_WR), 0);
    char b[4];
    assert_int_equal(ust_recv(n.a, n.c, b, sizeof(b), 0), 0);
    set_linger(&n, 1, 5);
    ust_time_t t0 = ust_sim_now(n.sim);
    assert_int_equal(ust_close(n.a, n.c), 0);
    assert_int_equal(ust_sim_now(n.sim) - t0, 2 * MS);
    assert_int_equal(n.a->tcp->ntcbs, 0);
    net_down(&n);
}

/* SO_LINGER round trip: l_onoff reads back as 0/1; a negative l_linger
 * is kept (Linux takes it as no limit). */
static void test_linger_option_values(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, SOCK_STREAM);
    set_linger(&n, 7, -1);
    struct linger lg;
    socklen_t len = sizeof(lg);
    assert_int_equal(ust_getsockopt(n.a, n.c, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
    assert_int_equal(len, sizeof(lg));
    assert_int_equal(lg.l_onoff, 1);
    assert_int_equal(lg.l_linger, -1);
    assert_int_equal(ust_setsockopt(n.a, n.c, SOL_SOCKET, SO_LINGER, &lg, 4), -1);
    assert_int_equal(errno, EINVAL);
    set_linger(&n, 0, 0);
    assert_int_equal(ust_close(n.a, n.c), 0);
    net_down(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_waits_for_fin_ack),
        cmocka_unit_test(test_nonblocking_socket_lingers_too),
        cmocka_unit_test(test_close_without_linger_returns_at_once),
        cmocka_unit_test(test_close_waits_for_queued_data),
        cmocka_unit_test(test_linger_timeout_then_background),
        cmocka_unit_test(test_data_during_linger_resets),
        cmocka_unit_test(test_linger_from_close_wait),
        cmocka_unit_test(test_linger_option_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
