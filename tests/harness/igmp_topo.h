/* The three-host IPv4 link of the IGMP simulation tests (A joins groups,
 * B and C send) and the UDP socket helpers they share. Included by one
 * test file each: the functions are static. */
#ifndef UST_TEST_IGMP_TOPO_H
#define UST_TEST_IGMP_TOPO_H

#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include "net_harness.h"
#include "recv_text.h"
#include "sin.h"

#define A_ADDR UST_IP4(203, 0, 113, 2)
#define B_ADDR UST_IP4(203, 0, 113, 1)
#define C_ADDR UST_IP4(203, 0, 113, 3)
#define GROUP UST_IP4(239, 1, 2, 3)
#define GROUP2 UST_IP4(239, 1, 2, 4)
#define PORT 5000

struct topo {
    struct nh_net *n;
    struct ust_stack *a, *b, *c;
    int pa, pb, pc; /* ports */
};

static void topo_init(struct topo *t, const struct ust_config *cfg)
{
    t->n = nh_net_new();
    t->a = nh_stack(t->n, cfg);
    t->b = nh_stack(t->n, NULL);
    t->c = nh_stack(t->n, NULL);
    t->pa = nh_host(t->n, t->a, 0, 0x0a, A_ADDR, 24, 1500);
    t->pb = nh_host(t->n, t->b, 0, 0x0b, B_ADDR, 24, 1500);
    t->pc = nh_host(t->n, t->c, 0, 0x0c, C_ADDR, 24, 1500);
}

static int udp_bound(struct ust_stack *st, uint16_t port)
{
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    int one = 1;
    assert_int_equal(ust_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    struct sockaddr_in s = sin_of(0, port);
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&s, sizeof(s)), 0);
    return fd;
}

static int membership(struct ust_stack *st, int fd, int name, ust_ip4_t group)
{
    struct ip_mreq m = {.imr_multiaddr.s_addr = htonl(group), .imr_interface.s_addr = 0};
    return ust_setsockopt(st, fd, IPPROTO_IP, name, &m, sizeof(m));
}

static void send_to(struct ust_stack *st, int fd, ust_ip4_t dst, const char *msg)
{
    struct sockaddr_in d = sin_of(dst, PORT);
    assert_int_equal(ust_sendto(st, fd, msg, strlen(msg), 0, (struct sockaddr *)&d, sizeof(d)),
                     (ssize_t)strlen(msg));
}

#endif
