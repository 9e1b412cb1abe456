/* Stack-wide bounds on what peers make the stack hold (tcp_hold.c):
 * connections in TIME-WAIT (cfg.tcp_max_tw_buckets, Linux
 * tcp_max_tw_buckets) and out-of-order bytes held by all connections
 * together (cfg.tcp_ofo_mem_max). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static int conn_state(struct th *h, uint16_t rport)
{
    h->rport = rport;
    struct tcb *t = tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, rport);
    return t ? (int)t->state : -1;
}

/* Our active close of the connection from `rport`, finished by the peer:
 * FIN, its ACK and the peer's FIN, our ACK of it (which always goes). */
static void active_close(struct th *h, struct ust_sock *s, uint16_t rport, uint32_t iss)
{
    uint32_t p = PEER_ISS + 1;
    h->rport = rport;
    th_close(h, s);
    seg_expect(h, F | A, iss + 1, p);
    seg_in(h, F | A, p, iss + 2, 65535, NULL, 0);
    seg_expect(h, A, iss + 2, p + 1);
}

/* Two connections fit in TIME-WAIT; the third is counted and its
 * TIME-WAIT ends on the next timer run, after the ACK of the FIN went.
 * When one of the two expires, TIME-WAIT has room again. */
static void test_time_wait_cap(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_max_tw_buckets = 2;
    struct th *h = th_new(&c);
    struct ust_sock *l = th_listen(h, 0, 8);
    h->lport = TH_RPORT;
    uint32_t iss[4];
    struct ust_sock *s[4];
    for (unsigned k = 0; k < 4; k++)
        s[k] = th_accept_from(h, l, (uint16_t)(30000 + k), &iss[k]);
    active_close(h, s[0], 30000, iss[0]);
    th_advance(h, UST_SEC);
    active_close(h, s[1], 30001, iss[1]);
    assert_int_equal(h->st->tcp->ntimewait, 2);
    active_close(h, s[2], 30002, iss[2]);
    assert_int_equal(h->st->stats.tcp.TimeWaitOverflow, 1);
    th_advance(h, 1);
    assert_int_equal(conn_state(h, 30002), -1);
    assert_int_equal(conn_state(h, 30000), UST_TCP_TIME_WAIT);
    assert_int_equal(conn_state(h, 30001), UST_TCP_TIME_WAIT);
    assert_int_equal(h->st->tcp->ntimewait, 2);
    /* the first expires after 2 MSL; a new one then keeps its TIME-WAIT */
    th_advance(h, 2 * c.tcp_msl - UST_SEC);
    assert_int_equal(conn_state(h, 30000), -1);
    assert_int_equal(h->st->tcp->ntimewait, 1);
    active_close(h, s[3], 30003, iss[3]);
    th_advance(h, UST_SEC);
    assert_int_equal(conn_state(h, 30003), UST_TCP_TIME_WAIT);
    assert_int_equal(h->st->stats.tcp.TimeWaitOverflow, 1);
    seg_expect_nothing(h);
    th_free(h);
}

static uint8_t payload[1200];

/* With 1000 out-of-order bytes allowed for the whole stack: connection
 * 1 holds 800 beyond a hole; 300 more beyond a hole on connection 2 are
 * not stored (duplicate ACK, OfoMemDrops), but in-order data on it is
 * taken. Once connection 1's hole is filled the count falls to 0 and
 * connection 2 may hold its out-of-order data again. */
static void test_ofo_stack_cap(void **state)
{
    (void)state;
    memset(payload, 'x', sizeof(payload));
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_ofo_mem_max = 1000;
    struct th *h = th_new(&c);
    struct ust_sock *l = th_listen(h, 0, 8);
    h->lport = TH_RPORT;
    uint32_t iss1, iss2, p = PEER_ISS + 1;
    th_accept_from(h, l, 30001, &iss1);
    th_accept_from(h, l, 30002, &iss2);
    h->rport = 30001;
    seg_in(h, A, p + 100, iss1 + 1, 65535, payload, 800);
    seg_expect(h, A, iss1 + 1, p);
    assert_int_equal(h->st->tcp->ofo_bytes, 800);
    h->rport = 30002;
    seg_in(h, A, p + 100, iss2 + 1, 65535, payload, 300);
    seg_expect(h, A, iss2 + 1, p);
    assert_int_equal(h->st->stats.tcp.OfoMemDrops, 1);
    assert_int_equal(h->st->tcp->ofo_bytes, 800);
    seg_in(h, A, p, iss2 + 1, 65535, payload, 100); /* in order: taken */
    th_advance(h, UST_SEC);
    seg_expect(h, A, iss2 + 1, p + 100);
    h->rport = 30001;
    seg_in(h, A, p, iss1 + 1, 65535, payload, 100); /* fills the hole */
    seg_expect(h, A, iss1 + 1, p + 900);
    assert_int_equal(h->st->tcp->ofo_bytes, 0);
    h->rport = 30002;
    seg_in(h, A, p + 200, iss2 + 1, 65535, payload, 300);
    seg_expect(h, A, iss2 + 1, p + 100);
    assert_int_equal(h->st->tcp->ofo_bytes, 300);
    assert_int_equal(h->st->stats.tcp.OfoMemDrops, 1);
    seg_expect_nothing(h);
    h->allow_unchecked = true;
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_wait_cap),
        cmocka_unit_test(test_ofo_stack_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
