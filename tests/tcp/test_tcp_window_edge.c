/* The receive window's right edge never moves left (RFC 9293 3.8.6
 * SHLD-14), also when window scaling rounds the advertised window. */
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

/* SHLD-14 (3.8.6): with window scaling (shift 3 for a fixed 256 KiB
 * buffer: autotuning off, which would pick the shift from tcp_rmem_max) the window field is rounded to 8-octet units; after one
 * received octet the advertised right edge must not move left (rounding
 * down would move it 7 octets left). */
static void test_scaled_window_edge_never_moves_left(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_quickack = 0;
    c.tcp_moderate_rcvbuf = false;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_connect(h);
    struct tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = true;
    o.mss = 1460;
    o.has_wscale = true;
    o.wscale = 0;
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    const struct th_seg *g = seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(th_info(s).rcv_wscale, 3);
    uint32_t edge0 = g->ack + ((uint32_t)g->wnd << 3);
    assert_int_equal(edge0, PEER_ISS + 1 + 262144);
    seg_in(h, A | P, PEER_ISS + 1, h->iss + 1, 65535, "x", 1);
    th_advance(h, 200 * MS); /* the delayed ACK */
    g = seg_expect(h, A, h->iss + 1, PEER_ISS + 2);
    uint32_t edge1 = g->ack + ((uint32_t)g->wnd << 3);
    /* 262143 free octets: rounded down (32767 units) the edge would move
     * 7 octets left; rounded up (32768) it moves 1 octet right */
    assert_int_equal(g->wnd, 32768);
    assert_int_equal(edge1, edge0 + 1);
    char b[4];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 1);
    seg_in(h, A | P, PEER_ISS + 2, h->iss + 1, 65535, "yz", 2);
    th_advance(h, 200 * MS);
    g = seg_expect(h, A, h->iss + 1, PEER_ISS + 4);
    assert_true((int32_t)(g->ack + ((uint32_t)g->wnd << 3) - edge1) >= 0);
    h->allow_unchecked = true;
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scaled_window_edge_never_moves_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
