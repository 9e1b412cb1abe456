/* Receiving urgent data with socket semantics (RFC 9293 3.8.5; MUST-31,
 * MUST-32, MUST-62), against crafted segments: the last urgent octet (the
 * one before the urgent pointer) is out of band without SO_OOBINLINE,
 * recv(MSG_OOB) returns it once, reads stop at the mark and step over it,
 * sockatmark tells where the mark is. Every expectation here is what Linux
 * 6.18 did when a Linux peer sent the same bytes (send(..., MSG_OOB)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <string.h>

#include "../harness/tcp_harness.h"
#include "transport/tcp/tcp.h"

#define P0 (PEER_ISS + 1)
#define BUF 32 /* every receive buffer; reads ask for less */

/* An established connection; `inline_on` sets SO_OOBINLINE. */
static struct ust_sock *open_conn(struct th *h, bool inline_on)
{
    struct ust_sock *s = th_open_active(h, 65535);
    if (inline_on)
        assert_int_equal(th_setopt_int(s, SOL_SOCKET, SO_OOBINLINE, 1), UST_OK);
    h->allow_unchecked = true; /* the ACKs are not the point here */
    return s;
}

/* The peer sends `data` at P0 + off; urp 0 = no URG. */
static void data_in(struct th *h, uint32_t off, const char *data, uint16_t urp)
{
    seg_in_opts(h, urp ? A | P | U : A | P, P0 + off, h->iss + 1, 65535, NULL, urp, data,
                strlen(data));
}

/* "abc", then "d" sent with MSG_OOB, then "ef", as Linux sends them. */
static void abc_d_ef(struct th *h)
{
    data_in(h, 0, "abc", 0);
    data_in(h, 3, "d", 1);
    data_in(h, 4, "ef", 0);
}

static ssize_t rd(struct ust_sock *s, char *b, size_t n, int flags)
{
    memset(b, 0, BUF);
    return tcp_sock_ops.recv(s, b, n, flags, NULL);
}

static int mark(struct ust_sock *s) { return tcp_sock_ops.atmark(s); }
static short pollmask(struct ust_sock *s) { return tcp_sock_ops.poll(s) & (POLLIN | POLLPRI); }

static void test_oob_octet_out_of_band(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, false);
    char b[BUF];
    assert_int_equal(rd(s, b, 10, MSG_OOB), UST_ERR_INVAL); /* none yet */
    abc_d_ef(h);
    assert_int_equal(pollmask(s), POLLIN | POLLPRI);
    assert_int_equal(mark(s), 0);
    assert_int_equal(rd(s, b, 16, 0), 3); /* stops at the mark */
    assert_string_equal(b, "abc");
    assert_int_equal(mark(s), 1);
    assert_int_equal(pollmask(s), POLLIN | POLLPRI);
    assert_int_equal(rd(s, b, 16, MSG_OOB), 1);
    assert_string_equal(b, "d");
    assert_int_equal(pollmask(s), POLLIN); /* fetched: no POLLPRI */
    assert_int_equal(rd(s, b, 16, MSG_OOB), UST_ERR_INVAL); /* only once */
    assert_int_equal(mark(s), 1);
    assert_int_equal(rd(s, b, 16, 0), 2); /* "d" is not in the stream */
    assert_string_equal(b, "ef");
    assert_int_equal(mark(s), 0);
    assert_int_equal(rd(s, b, 16, MSG_OOB), UST_ERR_INVAL);
    assert_int_equal(th_info(s).urg_pending, 0);
    th_free(h);
}

/* A read that passes the mark drops the out-of-band octet for good. */
static void test_read_past_mark_loses_octet(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, false);
    abc_d_ef(h);
    char b[BUF];
    assert_int_equal(rd(s, b, 2, 0), 2);
    assert_string_equal(b, "ab");
    assert_int_equal(rd(s, b, 2, 0), 1);
    assert_string_equal(b, "c");
    assert_int_equal(mark(s), 1);
    assert_int_equal(rd(s, b, 2, 0), 2);
    assert_string_equal(b, "ef");
    assert_int_equal(mark(s), 0);
    assert_int_equal(rd(s, b, 16, MSG_OOB), UST_ERR_INVAL);
    assert_int_equal(pollmask(s), 0);
    th_free(h);
}

/* MSG_PEEK leaves the octet; a peek at the mark skips it as a read does;
 * a zero-length MSG_OOB read takes it (Linux). */
static void test_oob_peek_and_zero_length(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, false);
    abc_d_ef(h);
    char b[BUF];
    assert_int_equal(rd(s, b, 16, MSG_OOB | MSG_PEEK), 1);
    assert_string_equal(b, "d");
    assert_int_equal(rd(s, b, 16, MSG_PEEK), 3);
    assert_string_equal(b, "abc");
    assert_int_equal(rd(s, b, 16, 0), 3);
    assert_int_equal(rd(s, b, 16, MSG_PEEK), 2);
    assert_string_equal(b, "ef");
    assert_int_equal(mark(s), 1); /* a peek moves nothing */
    assert_int_equal(rd(s, b, 0, MSG_OOB), 0);
    assert_int_equal(rd(s, b, 16, MSG_OOB), UST_ERR_INVAL);
    th_free(h);
}

/* SO_OOBINLINE: the octet is data and MSG_OOB is refused; reads still stop
 * at the mark, and POLLPRI lasts until a read passes it. */
static void test_oobinline(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, true);
    abc_d_ef(h);
    char b[BUF];
    assert_int_equal(pollmask(s), POLLIN | POLLPRI);
    assert_int_equal(rd(s, b, 16, MSG_OOB), UST_ERR_INVAL);
    assert_int_equal(rd(s, b, 2, 0), 2);
    assert_string_equal(b, "ab");
    assert_int_equal(rd(s, b, 16, 0), 1);
    assert_string_equal(b, "c");
    assert_int_equal(mark(s), 1);
    assert_int_equal(pollmask(s), POLLIN | POLLPRI);
    assert_int_equal(rd(s, b, 16, 0), 3); /* across the mark */
    assert_string_equal(b, "def");
    assert_int_equal(mark(s), 0);
    assert_int_equal(pollmask(s), 0);
    th_free(h);
}

/* The out-of-band octet alone: POLLPRI without POLLIN; an ordinary read
 * steps over it (it is gone) and finds nothing. */
static void test_oob_octet_alone(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, false);
    data_in(h, 0, "x", 1);
    assert_int_equal(pollmask(s), POLLPRI);
    assert_int_equal(mark(s), 1);
    char b[BUF];
    assert_int_equal(rd(s, b, 4, MSG_PEEK), UST_ERR_AGAIN);
    assert_int_equal(mark(s), 1);
    assert_int_equal(rd(s, b, 4, 0), UST_ERR_AGAIN);
    assert_int_equal(mark(s), 0);
    assert_int_equal(rd(s, b, 4, MSG_OOB), UST_ERR_INVAL);
    assert_int_equal(pollmask(s), 0);
    data_in(h, 1, "yz", 0);
    assert_int_equal(rd(s, b, 4, 0), 2);
    assert_memory_equal(b, "yz", 2);
    th_free(h);
}

/* Several urgent bytes ("abc" with MSG_OOB): only the last is out of band,
 * the others are data before the mark (MUST-31: any length). */
static void test_urgent_run_last_octet_oob(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, false);
    data_in(h, 0, "abc", 3);
    assert_int_equal(th_info(s).urg_pending, 3);
    char b[BUF];
    assert_int_equal(rd(s, b, 8, 0), 2);
    assert_string_equal(b, "ab");
    assert_int_equal(rd(s, b, 8, MSG_OOB), 1);
    assert_string_equal(b, "c");
    assert_int_equal(rd(s, b, 8, 0), UST_ERR_AGAIN);
    th_free(h);
}

/* A newer pointer replaces the mark; the older octet, not at the read
 * position, becomes ordinary data. */
static void test_newer_mark_replaces_older(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, false);
    data_in(h, 0, "ab", 2);
    data_in(h, 2, "cd", 2);
    char b[BUF];
    assert_int_equal(rd(s, b, 8, 0), 3);
    assert_string_equal(b, "abc");
    assert_int_equal(mark(s), 1);
    assert_int_equal(rd(s, b, 8, MSG_OOB), 1);
    assert_string_equal(b, "d");
    assert_int_equal(rd(s, b, 8, 0), UST_ERR_AGAIN);
    assert_int_equal(mark(s), 0);
    th_free(h);
}

/* The reader stands at the old mark when a newer pointer comes: the old
 * octet (fetched or not) never turns into data; with SO_OOBINLINE it
 * stays data. */
static void check_new_mark_at_read_head(bool fetch, bool inline_on, const char *expect)
{
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, inline_on);
    data_in(h, 0, "ab", 2);
    char b[BUF];
    assert_int_equal(rd(s, b, 8, 0), 1);
    assert_string_equal(b, "a");
    if (fetch)
        assert_int_equal(rd(s, b, 8, MSG_OOB), 1);
    assert_int_equal(mark(s), 1);
    data_in(h, 2, "cd", 2);
    assert_int_equal(mark(s), 0);
    assert_int_equal(rd(s, b, 8, 0), (ssize_t)strlen(expect));
    assert_string_equal(b, expect);
    assert_int_equal(mark(s), 1);
    if (!inline_on) {
        assert_int_equal(rd(s, b, 8, MSG_OOB), 1);
        assert_string_equal(b, "d");
    }
    th_free(h);
}

static void test_new_mark_at_read_head(void **state)
{
    (void)state;
    check_new_mark_at_read_head(true, false, "c");
    check_new_mark_at_read_head(false, false, "c");
    check_new_mark_at_read_head(false, true, "bc");
}

/* The pointer runs ahead of the data: recv(MSG_OOB) says EAGAIN until the
 * octet arrives (POLLPRI already, MUST-32), then returns it; after the
 * peer's FIN an octet that never came reads as 0. */
static void test_pointer_ahead_of_octet(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, false);
    data_in(h, 0, "ab", 5); /* the mark is "e", 4 octets on */
    char b[BUF];
    assert_int_equal(pollmask(s), POLLIN | POLLPRI);
    assert_int_equal(rd(s, b, 8, MSG_OOB), UST_ERR_AGAIN);
    assert_int_equal(rd(s, b, 8, 0), 2);
    data_in(h, 2, "cdef", 0);
    assert_int_equal(rd(s, b, 8, 0), 2);
    assert_string_equal(b, "cd");
    assert_int_equal(rd(s, b, 8, MSG_OOB), 1);
    assert_string_equal(b, "e");
    assert_int_equal(rd(s, b, 8, 0), 1);
    assert_string_equal(b, "f");
    /* a pointer whose octet never comes: the FIN ends the wait */
    data_in(h, 6, "g", 9);
    seg_in(h, F | A, P0 + 7, h->iss + 1, 65535, NULL, 0);
    assert_int_equal(rd(s, b, 8, MSG_OOB), 0);
    th_free(h);
}

/* EOF after the urgent data; a reset connection answers ENOTCONN. */
static void test_oob_after_fin_and_reset(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, false);
    seg_in_opts(h, A | P | U | F, P0, h->iss + 1, 65535, NULL, 2, "ab", 2);
    char b[BUF];
    assert_int_equal(rd(s, b, 8, MSG_OOB), 1);
    assert_string_equal(b, "b");
    assert_int_equal(rd(s, b, 8, 0), 1);
    assert_int_equal(rd(s, b, 8, 0), 0);
    assert_int_equal(rd(s, b, 8, MSG_OOB), UST_ERR_INVAL);
    th_free(h);

    h = th_new(NULL);
    s = open_conn(h, false);
    data_in(h, 0, "ab", 2);
    seg_in(h, R, P0 + 2, 0, 0, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_CLOSED);
    assert_int_equal(rd(s, b, 8, MSG_OOB), UST_ERR_NOTCONN);
    th_free(h);
}

/* A pointer whose octet was already received is old: not replayed
 * (a retransmission overlapping data we have). */
static void test_old_pointer_not_replayed(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_conn(h, false);
    data_in(h, 0, "abcd", 0);
    char b[BUF];
    assert_int_equal(rd(s, b, 8, 0), 4);
    data_in(h, 0, "abcdef", 3); /* urgent "abc": its octet "c" is old */
    assert_int_equal(pollmask(s), POLLIN);
    assert_int_equal(mark(s), 0);
    assert_int_equal(rd(s, b, 8, MSG_OOB), UST_ERR_INVAL);
    assert_int_equal(rd(s, b, 8, 0), 2);
    assert_string_equal(b, "ef");
    th_free(h);
}

/* SO_OOBINLINE reads back as 0/1 and an accepted connection inherits it
 * from the listener (as Linux clones socket flags). */
static void test_oobinline_option_inherited(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *l = th_listen(h, TH_LOCAL, 4);
    assert_int_equal(th_setopt_int(l, SOL_SOCKET, SO_OOBINLINE, 5), UST_OK);
    int v = -1;
    size_t len = sizeof(v);
    assert_int_equal(tcp_sock_ops.getsockopt(l, SOL_SOCKET, SO_OOBINLINE, &v, &len), UST_OK);
    assert_int_equal(v, 1);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    th_syn_in(h, 65535);
    seg_in(h, A, PEER_ISS + 1, h->iss + 1, 65535, NULL, 0);
    struct ust_sock *c = th_socket(h);
    struct sock_addr peer;
    assert_int_equal(tcp_sock_ops.accept(l, c, &peer), UST_OK);
    seg_in_opts(h, A | U, P0, h->iss + 1, 65535, NULL, 2, "ab", 2);
    char b[BUF];
    assert_int_equal(rd(c, b, 4, MSG_OOB), UST_ERR_INVAL);
    assert_int_equal(rd(c, b, 4, 0), 1);
    assert_int_equal(rd(c, b, 4, 0), 1);
    assert_string_equal(b, "b");
    h->allow_unchecked = true;
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oob_octet_out_of_band),
        cmocka_unit_test(test_read_past_mark_loses_octet),
        cmocka_unit_test(test_oob_peek_and_zero_length),
        cmocka_unit_test(test_oobinline),
        cmocka_unit_test(test_oob_octet_alone),
        cmocka_unit_test(test_urgent_run_last_octet_oob),
        cmocka_unit_test(test_newer_mark_replaces_older),
        cmocka_unit_test(test_new_mark_at_read_head),
        cmocka_unit_test(test_pointer_ahead_of_octet),
        cmocka_unit_test(test_oob_after_fin_and_reset),
        cmocka_unit_test(test_old_pointer_not_replayed),
        cmocka_unit_test(test_oobinline_option_inherited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
