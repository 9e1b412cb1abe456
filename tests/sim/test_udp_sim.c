/* UDP between two stacks over the simulated Ethernet switch, through the
 * blocking socket API: the simulator's waiter runs the network (ARP,
 * fragmentation, reassembly) while a call blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "ustack/ustack.h"
#include "../harness/sin.h"

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define B_ADDR UST_IP4(203, 0, 113, 2)

struct net2 {
    struct ust_sim *sim;
    struct ust_stack *a, *b;
};

static int setup(void **state)
{
    struct net2 *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(7);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    /* No router on this link: its Router Solicitations (for ever, RFC 7559)
     * are background timers, so the simulation still goes idle and a
     * blocking call returns (ARCHITECTURE.md "Idle simulations"). */
    n->a = ust_stack_new(NULL);
    n->b = ust_stack_new(NULL);
    assert_int_equal(ust_sim_add_stack(n->sim, n->a), 0);
    assert_int_equal(ust_sim_add_stack(n->sim, n->b), 0);
    struct ust_dev *da = ust_sim_attach(sw, n->a, "eth0", NULL, 1500);
    struct ust_dev *db = ust_sim_attach(sw, n->b, "eth0", NULL, 1500);
    assert_non_null(da);
    assert_non_null(db);
    assert_true(ust_iface_add(n->a, da, A_ADDR, 24) >= 0);
    assert_true(ust_iface_add(n->b, db, B_ADDR, 24) >= 0);
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    struct net2 *n = *state;
    ust_sim_free(n->sim);
    ust_stack_free(n->a);
    ust_stack_free(n->b);
    free(n);
    return 0;
}

static int bound(struct ust_stack *st, uint16_t port)
{
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = sin_of(0, port);
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return fd;
}

static void set_rcvtimeo(struct ust_stack *st, int fd, long sec)
{
    struct timeval tv = {.tv_sec = sec};
    assert_int_equal(ust_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
}

static void test_echo_with_blocking_calls(void **state)
{
    struct net2 *n = *state;
    int srv = bound(n->b, 7);
    int cli = ust_socket(n->a, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = sin_of(B_ADDR, 7);
    /* The first datagram waits in A's ARP queue until B answers. */
    assert_int_equal(ust_sendto(n->a, cli, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
    char buf[16];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(n->b, srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
                     4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(from.sin_addr.s_addr, htonl(A_ADDR));
    assert_int_equal(ust_sendto(n->b, srv, "pong", 4, 0, (struct sockaddr *)&from, flen), 4);
    assert_int_equal(ust_recv(n->a, cli, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "pong", 4);
    assert_int_equal(ust_stack_stats(n->a)->udp.OutDatagrams, 1);
    assert_int_equal(ust_stack_stats(n->b)->udp.InDatagrams, 1);
}

static void test_fragmented_datagram_reassembled(void **state)
{
    struct net2 *n = *state;
    int srv = bound(n->b, 9);
    int cli = ust_socket(n->a, AF_INET, SOCK_DGRAM, 0);
    static uint8_t big[20000], got[20001];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    struct sockaddr_in to = sin_of(B_ADDR, 9);
    set_rcvtimeo(n->b, srv, 5);
    /* Resolve ARP first: its queue holds only cfg.arp_queue_len
     * packets, fewer than the 14 fragments. */
    assert_int_equal(ust_sendto(n->a, cli, "a", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    assert_int_equal(ust_recv(n->b, srv, got, sizeof(got), 0), 1);
    assert_int_equal(ust_sendto(n->a, cli, big, sizeof(big), 0, (struct sockaddr *)&to,
                                sizeof(to)), (ssize_t)sizeof(big));
    assert_int_equal(ust_recv(n->b, srv, got, sizeof(got), 0), (ssize_t)sizeof(big));
    assert_memory_equal(got, big, sizeof(big));
}

static void test_poll_runs_the_network(void **state)
{
    struct net2 *n = *state;
    int srv = bound(n->b, 7);
    int cli = ust_socket(n->a, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = sin_of(B_ADDR, 7);
    struct pollfd p = {.fd = srv, .events = POLLIN};
    assert_int_equal(ust_poll(n->b, &p, 1, 0), 0);
    assert_int_equal(ust_sendto(n->a, cli, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    assert_int_equal(ust_poll(n->b, &p, 1, 1000), 1);
    assert_int_equal(p.revents, POLLIN);
    /* Nothing more will come: poll times out on the virtual clock. */
    char buf[4];
    assert_int_equal(ust_recv(n->b, srv, buf, sizeof(buf), 0), 1);
    ust_time_t t0 = ust_stack_now(n->b);
    assert_int_equal(ust_poll(n->b, &p, 1, 2500), 0);
    assert_true(ust_stack_now(n->b) >= t0 + 2500 * UST_MSEC);
}

static void test_nothing_will_come_is_eagain_not_hang(void **state)
{
    struct net2 *n = *state;
    int srv = bound(n->b, 7);
    char buf[4];
    /* No timeout and an idle network: the simulator says nothing can
     * happen, so the blocking call gives up instead of hanging. */
    assert_int_equal(ust_recv(n->b, srv, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
}

static void test_rcvtimeo_on_virtual_clock(void **state)
{
    struct net2 *n = *state;
    int srv = bound(n->b, 7);
    set_rcvtimeo(n->b, srv, 3);
    ust_time_t t0 = ust_stack_now(n->b);
    char buf[4];
    assert_int_equal(ust_recv(n->b, srv, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_stack_now(n->b), t0 + 3 * UST_SEC);
}

static void test_arp_failure_reported_to_connected_socket(void **state)
{
    struct net2 *n = *state;
    int fd = ust_socket(n->a, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = sin_of(UST_IP4(203, 0, 113, 99), 7); /* nobody */
    assert_int_equal(ust_connect(n->a, fd, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(ust_send(n->a, fd, "x", 1, 0), 1);
    set_rcvtimeo(n->a, fd, 10);
    char buf[4];
    /* ARP gives up after its retries: host unreachable, like Linux. */
    assert_int_equal(ust_recv(n->a, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EHOSTUNREACH);
    assert_int_equal(ust_stack_stats(n->a)->arp.resolve_failed, 1);
}

static void test_closed_port_refused_over_the_wire(void **state)
{
    struct net2 *n = *state;
    int fd = ust_socket(n->a, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = sin_of(B_ADDR, 4444); /* closed on B */
    assert_int_equal(ust_connect(n->a, fd, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(ust_send(n->a, fd, "x", 1, 0), 1);
    set_rcvtimeo(n->a, fd, 5);
    char buf[4];
    assert_int_equal(ust_recv(n->a, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, ECONNREFUSED);
    assert_int_equal(ust_stack_stats(n->b)->udp.NoPorts, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_echo_with_blocking_calls),
        T(test_fragmented_datagram_reassembled),
        T(test_poll_runs_the_network),
        T(test_nothing_will_come_is_eagain_not_hang),
        T(test_rcvtimeo_on_virtual_clock),
        T(test_arp_failure_reported_to_connected_socket),
        T(test_closed_port_refused_over_the_wire),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
