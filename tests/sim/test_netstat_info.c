/* ust_netstat hands each TCP connection's UST_TCP_INFO to its callback
 * (what `ustack netstat -i` and `--json` print), and TCP_INFO's byte
 * counters add up on a real transfer between two simulated stacks:
 * bytes_sent counts every data octet sent, bytes_retrans the resent ones
 * among them (as Linux's tcpi_bytes_sent / tcpi_bytes_retrans), and
 * cc_algo names the congestion control as TCP_CONGESTION does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/stream.h"
#include "ustack/ustack.h"

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define B_ADDR UST_IP4(203, 0, 113, 2)
#define PORT 5001

/* What ust_netstat showed of one stack. */
struct seen {
    int entries, with_info, listeners_with_info;
    struct ust_sock_entry conn; /* the last connection seen */
    struct ust_tcp_info info;   /* its TCP_INFO, copied during the callback */
};

static void on_entry(void *ctx, const struct ust_sock_entry *e)
{
    struct seen *s = ctx;
    s->entries++;
    if (e->proto != IPPROTO_TCP)
        return;
    if (e->state == UST_TCP_LISTEN) {
        s->listeners_with_info += e->tcp_info != NULL;
        return;
    }
    assert_non_null(e->tcp_info);
    s->with_info++;
    s->conn = *e;
    s->info = *e->tcp_info;
    s->conn.tcp_info = NULL; /* valid during the callback only */
}

static struct seen netstat_of(struct ust_stack *st)
{
    struct seen s;
    memset(&s, 0, sizeof(s));
    int count = ust_netstat(st, on_entry, &s);
    assert_int_equal(count, s.entries);
    return s;
}

static struct ust_tcp_info sockopt_info(struct ust_stack *st, int fd)
{
    struct ust_tcp_info info;
    socklen_t len = sizeof(info);
    assert_int_equal(ust_getsockopt(st, fd, IPPROTO_TCP, UST_TCP_INFO, &info, &len), 0);
    assert_int_equal(len, sizeof(info));
    return info;
}

struct waiting {
    struct ust_stack *st;
    int fd;
};

/* B has every byte; until A has the ACK of the last (and of its FIN). */
static bool a_unacked(void *ctx)
{
    struct waiting *w = ctx;
    struct ust_tcp_info info = sockopt_info(w->st, w->fd);
    return info.unacked > 0;
}

/* A sends `total` bytes to B over links losing `loss` of the frames. */
static void transfer_and_check(double loss, const char *cc, size_t total)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    snprintf(cfg.tcp_congestion, sizeof(cfg.tcp_congestion), "%s", cc);
    struct ust_sim_faults f = {.loss = loss, .delay = UST_MSEC};
    struct stream_pair n;
    stream_pair_up(&n, 7, &cfg, A_ADDR, B_ADDR, &f, &f);
    struct stream_xfer x;
    stream_transfer(n.sim, n.a, n.b, B_ADDR, PORT, total, 600 * UST_SEC, cc, &x);
    struct waiting w = {n.a, x.c};
    assert_true(ust_sim_run_while(n.sim, a_unacked, &w, ust_sim_now(n.sim) + 60 * UST_SEC));
    /* A: one connection (half-closed), its TCP_INFO as getsockopt gives it */
    struct seen a = netstat_of(n.a);
    assert_int_equal(a.with_info, 1);
    assert_int_equal(a.conn.fd, x.c);
    assert_int_equal(a.conn.rport, PORT);
    struct ust_tcp_info direct = sockopt_info(n.a, x.c);
    assert_memory_equal(&a.info, &direct, sizeof(direct));
    assert_string_equal(a.info.cc_algo, cc);
    assert_int_equal(a.info.bytes_acked, total);
    assert_true(a.info.bytes_sent >= total);
    assert_true(a.info.bytes_sent <= total + a.info.bytes_retrans);
    if (loss == 0.0) {
        assert_int_equal(a.info.bytes_retrans, 0);
        assert_int_equal(a.info.bytes_sent, total);
    } else {
        assert_true(a.info.total_retrans > 0);
        assert_true(a.info.bytes_retrans > 0);
    }
    /* B: its listener without TCP_INFO, the accepted connection with */
    struct seen b = netstat_of(n.b);
    assert_int_equal(b.with_info, 1);
    assert_int_equal(b.listeners_with_info, 0);
    assert_int_equal(b.info.bytes_received, total);
    assert_int_equal(b.info.bytes_sent, 0);
    stream_xfer_close(n.a, n.b, &x);
    stream_pair_free(&n);
}

static void test_info_of_a_clean_transfer(void **state)
{
    (void)state;
    transfer_and_check(0.0, "cubic", 200000);
}

static void test_info_counts_resent_bytes(void **state)
{
    (void)state;
    transfer_and_check(0.03, "newreno", 300000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_of_a_clean_transfer),
        cmocka_unit_test(test_info_counts_resent_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
