/* The network layer under the real transports and the socket API, on the
 * net harness (non-blocking sockets, virtual time): UDP across a router
 * with a small-MTU link (fragmented both ways), port unreachable through
 * the router, ARP failure reported locally as EHOSTUNREACH, and a TCP
 * transfer across the router. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "../harness/sin.h"

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define R_ADDR0 UST_IP4(203, 0, 113, 254)
#define R_ADDR1 UST_IP4(198, 51, 100, 254)
#define B_ADDR UST_IP4(198, 51, 100, 1)

struct topo {
    struct nh_net *n;
    struct ust_stack *a, *r, *b;
};

static void topo_init(struct topo *t, unsigned mtu1)
{
    /* A datagram split into 6 fragments must fit the router's ARP queue
     * while it resolves B on first contact (the default holds 3). */
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.arp_queue_len = 8;
    t->n = nh_net_new();
    t->a = nh_stack(t->n, &cfg);
    t->r = nh_stack(t->n, &cfg);
    t->b = nh_stack(t->n, &cfg);
    nh_host(t->n, t->a, 0, 0x0a, A_ADDR, 24, 1500);
    nh_host(t->n, t->r, 0, 0xfe, R_ADDR0, 24, 1500);
    nh_host(t->n, t->r, 1, 0xfd, R_ADDR1, 24, mtu1);
    nh_host(t->n, t->b, 1, 0x0b, B_ADDR, 24, mtu1);
    ust_route_default(t->a, R_ADDR0);
    ust_route_default(t->b, R_ADDR1);
    ust_stack_set_forwarding(t->r, true);
}

static int udp_socket(struct ust_stack *st, ust_ip4_t addr, uint16_t port)
{
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in s = sin_of(addr, port);
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&s, sizeof(s)), 0);
    return fd;
}

static void test_udp_fragmented_across_router(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 576);
    int fa = udp_socket(t.a, 0, 4000), fb = udp_socket(t.b, 0, 5000);
    if (getenv("NH_TRACE")) {
        ust_stack_set_trace(t.a, ust_trace_to_file, stdout);
        ust_stack_set_trace(t.r, ust_trace_to_file, stdout);
        ust_stack_set_trace(t.b, ust_trace_to_file, stdout);
    }
    static uint8_t msg[3000], got[4000];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7);
    struct sockaddr_in to = sin_of(B_ADDR, 5000);
    assert_int_equal(ust_sendto(t.a, fa, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)),
                     sizeof(msg));
    nh_run_until(t.n, UST_SEC);
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    ssize_t n = ust_recvfrom(t.b, fb, got, sizeof(got), 0, (struct sockaddr *)&from, &fl);
    assert_int_equal(n, sizeof(msg));
    assert_memory_equal(got, msg, sizeof(msg));
    assert_int_equal(ntohl(from.sin_addr.s_addr), A_ADDR);
    /* R re-fragments the two 1500-byte fragments from A for its 576 link. */
    assert_int_equal(ust_stack_stats(t.r)->ip.FragOKs, 2);
    assert_int_equal(ust_stack_stats(t.r)->ip.FragCreates, 6);
    assert_int_equal(ust_stack_stats(t.b)->ip.ReasmOKs, 1);
    /* And back: B fragments itself for its 576 link. */
    assert_int_equal(ust_sendto(t.b, fb, msg, sizeof(msg), 0, (struct sockaddr *)&from, fl),
                     sizeof(msg));
    nh_run_until(t.n, 2 * UST_SEC);
    assert_int_equal(ust_recv(t.a, fa, got, sizeof(got), 0), sizeof(msg));
    assert_memory_equal(got, msg, sizeof(msg));
    assert_int_equal(ust_stack_stats(t.b)->ip.FragOKs, 1);
    nh_net_free(t.n);
}

static void test_udp_port_unreachable_through_router(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 1500);
    int fa = udp_socket(t.a, 0, 4000);
    struct sockaddr_in to = sin_of(B_ADDR, 9);
    assert_int_equal(ust_connect(t.a, fa, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(ust_send(t.a, fa, "x", 1, 0), 1);
    nh_run_until(t.n, UST_SEC);
    int err = 0;
    socklen_t el = sizeof(err);
    assert_int_equal(ust_getsockopt(t.a, fa, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    assert_int_equal(err, ECONNREFUSED);
    assert_int_equal(ust_stack_stats(t.b)->udp.NoPorts, 1);
    assert_int_equal(ust_stack_stats(t.a)->icmp.InDestUnreachs, 1);
    nh_net_free(t.n);
}

static void test_udp_arp_failure_ehostunreach(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 1500);
    int fa = udp_socket(t.a, 0, 4000);
    struct sockaddr_in to = sin_of(UST_IP4(203, 0, 113, 77), 9);
    assert_int_equal(ust_connect(t.a, fa, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(ust_send(t.a, fa, "x", 1, 0), 1);
    nh_run_until(t.n, 3 * UST_SEC - 1);
    char c;
    assert_int_equal(ust_recv(t.a, fa, &c, 1, 0), -1);
    assert_int_equal(errno, EAGAIN);
    nh_run_until(t.n, 3 * UST_SEC);
    assert_int_equal(ust_recv(t.a, fa, &c, 1, 0), -1);
    assert_int_equal(errno, EHOSTUNREACH);
    assert_int_equal(ust_stack_stats(t.a)->icmp.OutMsgs, 0); /* nothing on the wire */
    assert_int_equal(ust_stack_stats(t.a)->arp.resolve_failed, 1);
    nh_net_free(t.n);
}

static void test_tcp_transfer_across_router(void **state)
{
    (void)state;
    struct topo t;
    topo_init(&t, 576);
    int lfd = ust_socket(t.b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in sb = sin_of(0, 80);
    assert_int_equal(ust_bind(t.b, lfd, (struct sockaddr *)&sb, sizeof(sb)), 0);
    assert_int_equal(ust_listen(t.b, lfd, 4), 0);
    int cfd = ust_socket(t.a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = sin_of(B_ADDR, 80);
    assert_int_equal(ust_connect(t.a, cfd, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    nh_run_until(t.n, UST_SEC);
    int afd = ust_accept(t.b, lfd, NULL, NULL);
    assert_true(afd >= 0);
    enum { TOTAL = 200000 };
    static uint8_t out[TOTAL], in[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        out[i] = (uint8_t)(i % 251);
    size_t sent = 0, recvd = 0;
    for (int round = 0; round < 10000 && recvd < TOTAL; round++) {
        if (sent < TOTAL) {
            ssize_t k = ust_send(t.a, cfd, out + sent, TOTAL - sent, 0);
            if (k > 0)
                sent += (size_t)k;
        }
        nh_run_until(t.n, t.n->now + 10 * UST_MSEC);
        ssize_t k;
        while ((k = ust_recv(t.b, afd, in + recvd, TOTAL - recvd, 0)) > 0)
            recvd += (size_t)k;
    }
    assert_int_equal(recvd, TOTAL);
    assert_memory_equal(in, out, TOTAL);
    /* The MSS follows the 576 link: no IP fragmentation anywhere. */
    assert_int_equal(ust_stack_stats(t.r)->ip.FragOKs, 0);
    assert_int_equal(ust_stack_stats(t.a)->ip.FragOKs, 0);
    nh_net_free(t.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_fragmented_across_router),
        cmocka_unit_test(test_udp_port_unreachable_through_router),
        cmocka_unit_test(test_udp_arp_failure_ehostunreach),
        cmocka_unit_test(test_tcp_transfer_across_router),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
