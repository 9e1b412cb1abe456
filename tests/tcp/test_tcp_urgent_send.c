/* Sending urgent data and urgent notification (RFC 9293 3.8.5: MUST-30,
 * MUST-32, MUST-62): send(MSG_OOB) sets SND.UP and segments carry URG with
 * the right pointer; a new or advanced urgent pointer wakes the
 * application at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../harness/tcp_harness.h"
#include "buf/pkt.h"
#include "core/stack_impl.h"
#include "net/net.h"
#include "transport/tcp/tcp.h"
#include "ustack/loop.h"
#include "ustack/sim.h"
#include "wire/ipv4.h"

#define MS UST_MSEC
#define L UST_IP4(203, 0, 113, 1)
#define RM UST_IP4(203, 0, 113, 2)

static uint8_t data[4096];

/* MUST-30, MUST-62 (3.8.5, 3.10.2): send(MSG_OOB) sets SND.UP after the
 * data just queued; every segment with SEG.SEQ < SND.UP carries URG and
 * urp = SND.UP - SEG.SEQ (retransmissions too); once the urgent data is
 * acknowledged, segments go without URG. */
static void test_send_urgent_data(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, "abc", 3, MSG_OOB, NULL), 3);
    const struct th_seg *g = seg_expect(h, A | P | U, i, p);
    assert_int_equal(g->urp, 3);
    assert_int_equal(g->len, 3);
    assert_memory_equal(g->data, "abc", 3);
    th_advance(h, 300 * MS); /* the retransmission is urgent too */
    g = seg_expect(h, A | P | U, i, p);
    assert_int_equal(g->urp, 3);
    seg_in(h, A, p, i + 3, 65535, NULL, 0);
    assert_int_equal(tcp_sock_ops.send(s, "de", 2, 0, NULL), 2);
    g = seg_expect(h, A | P, i + 3, p);
    assert_int_equal(g->urp, 0);
    seg_in(h, A, p, i + 5, 65535, NULL, 0);
    /* urgent data over two segments: the pointer follows SEG.SEQ */
    assert_int_equal(tcp_sock_ops.send(s, data, 2000, MSG_OOB, NULL), 2000);
    g = seg_expect(h, A | U, i + 5, p);
    assert_int_equal(g->len, 1460);
    assert_int_equal(g->urp, 2000);
    seg_expect_nothing(h); /* Nagle holds the short rest */
    seg_in(h, A, p, i + 5 + 1460, 65535, NULL, 0);
    g = seg_expect(h, A | P | U, i + 5 + 1460, p);
    assert_int_equal(g->len, 540);
    assert_int_equal(g->urp, 540);
    seg_in(h, A, p, i + 2005, 65535, NULL, 0);
    seg_expect_nothing(h);
    th_free(h);
}

/* Reads everything the stack's event fd holds; true if it was signalled. */
static bool event_fd_drain(int fd)
{
    uint64_t v;
    bool any = false;
    while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
        any = true;
    return any;
}

/* MUST-32 (3.8.5): a new or advanced urgent pointer is signalled at once
 * (the stack's readiness notification fires) and the socket polls
 * POLLPRI while urgent data lies beyond the read position. */
static void test_urgent_notification(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    int efd = ust_stack_event_fd(h->st);
    assert_true(efd >= 0);
    event_fd_drain(efd);
    assert_false(tcp_sock_ops.poll(s) & POLLPRI);
    seg_in_opts(h, A | U, p, i, 65535, NULL, 3, NULL, 0); /* pointer alone, no data */
    assert_true(event_fd_drain(efd));
    assert_true(tcp_sock_ops.poll(s) & POLLPRI);
    assert_false(tcp_sock_ops.poll(s) & POLLIN);
    seg_in_opts(h, A | U | P, p, i, 65535, NULL, 5, "abcdef", 6); /* advanced to 5 */
    assert_true(event_fd_drain(efd));
    assert_int_equal(th_info(s).urg_pending, 5);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, 4, 0, NULL), 4);
    assert_true(tcp_sock_ops.poll(s) & POLLPRI); /* one urgent byte left */
    /* the read steps over the out-of-band "e" (no SO_OOBINLINE) */
    assert_int_equal(tcp_sock_ops.recv(s, b, 8, 0, NULL), 1);
    assert_memory_equal(b, "f", 1);
    assert_false(tcp_sock_ops.poll(s) & POLLPRI);
    h->allow_unchecked = true;
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_urgent_data),
        cmocka_unit_test(test_urgent_notification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
