/* DHCP on a front's stack (ust_front_dhcp_start/_stop, front.h): two
 * fronts, each a stack on its own thread, joined by an application device
 * on a SOCK_SEQPACKET pair. B runs a small DHCP server on a thread of its
 * own (front sockets); A gets its lease through ust_front_dhcp_start and
 * then nobody calls anything on A: its stack thread alone renews at T1
 * (a short lease, so T1 comes within seconds of real time). Stopping sends
 * DHCPRELEASE. Threads never call cmocka's asserts: they record what they
 * saw, the main thread checks it. Every wait has a deadline; none is a
 * threshold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../harness/pair_dev.h"
#include "ustack/front.h"
#include "ustack/ustack.h"
#include "wire/dhcp.h"
#include "wire/wbuf.h"

#define SRV 0xcb007101u   /* 203.0.113.1 */
#define LEASED 0xcb007132u /* 203.0.113.50 */
#define LEASE_S 8          /* T1 after 4 s */
#define LONG_S 60          /* a deadline for things that happen in seconds */

static struct ust_front *front_on(struct pair_end *p, uint32_t addr, int *ifindex)
{
    struct ust_stack *st = ust_stack_new(NULL);
    assert_non_null(st);
    struct ust_mac mac = {{0x02, 0, 0, 0, 0, addr ? 1 : 2}}; /* the PRNGs share a seed */
    struct ust_dev *dev = ust_dev_new(st, "pair0", UST_LINK_ETHERNET, &mac, 1500, &pair_dev_ops, p);
    assert_non_null(dev);
    *ifindex = ust_iface_add(st, dev, addr, addr ? 24 : 0);
    assert_true(*ifindex >= 0);
    struct ust_front *f = ust_front_new(st);
    assert_non_null(f);
    return f;
}

/* ---- the server on B ---------------------------------------------------- */
struct server {
    struct ust_front *f;
    int fd;
    atomic_bool stop;
    atomic_uint requests, renewals, releases; /* renewals: REQUESTs with ciaddr */
    atomic_uint bad;                          /* unparsable, or a failed send */
};

static size_t opt32(uint8_t *p, uint8_t code, uint32_t v)
{
    p[0] = code;
    p[1] = 4;
    put_be32(p + 2, v);
    return 6;
}

static size_t reply(uint8_t *b, const struct dhcp_msg *q, uint8_t type)
{
    memset(b, 0, 400);
    b[0] = DHCP_BOOTREPLY, b[1] = 1, b[2] = 6;
    put_be32(b + 4, q->xid);
    put_be16(b + 10, q->flags);
    put_be32(b + 16, LEASED);
    memcpy(b + 28, q->chaddr, 16);
    put_be32(b + DHCP_FIXED_LEN, DHCP_MAGIC);
    size_t n = DHCP_MIN_LEN;
    b[n++] = DHCP_OPT_MSG_TYPE, b[n++] = 1, b[n++] = type;
    n += opt32(b + n, DHCP_OPT_SERVER_ID, SRV);
    n += opt32(b + n, DHCP_OPT_LEASE_TIME, LEASE_S);
    n += opt32(b + n, DHCP_OPT_SUBNET_MASK, 0xffffff00u);
    b[n++] = DHCP_OPT_END;
    return n < 300 ? 300 : n;
}

static void answer(struct server *s, const struct dhcp_msg *q)
{
    uint8_t type = q->type == DHCP_DISCOVER ? DHCP_OFFER : DHCP_ACK;
    if (q->type == DHCP_REQUEST) {
        s->requests++;
        if (q->ciaddr == LEASED)
            s->renewals++;
    } else if (q->type == DHCP_RELEASE) {
        s->releases++;
        return;
    } else if (q->type != DHCP_DISCOVER) {
        return;
    }
    uint8_t b[400];
    size_t len = reply(b, q, type);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT)};
    to.sin_addr.s_addr = htonl(q->ciaddr ? q->ciaddr : 0xffffffffu); /* RFC 2131 4.1 */
    if (ust_front_sendto(s->f, s->fd, b, len, 0, (struct sockaddr *)&to, sizeof(to)) !=
        (ssize_t)len)
        s->bad++;
}

static void *server_thread(void *arg)
{
    struct server *s = arg;
    uint8_t b[1500];
    while (!s->stop) {
        ssize_t n = ust_front_recv(s->f, s->fd, b, sizeof(b), 0); /* SO_RCVTIMEO: 100 ms */
        struct dhcp_msg q;
        if (n < 0)
            continue;
        if (dhcp_parse(b, (size_t)n, &q) != 0)
            s->bad++;
        else
            answer(s, &q);
    }
    return NULL;
}

static void server_start(struct server *s, struct ust_front *f, pthread_t *th)
{
    s->f = f;
    s->fd = ust_front_socket(f, AF_INET, SOCK_DGRAM, 0);
    assert_true(s->fd >= 0);
    int one = 1;
    struct timeval tv = {.tv_usec = 100000};
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT)};
    assert_int_equal(ust_front_setsockopt(f, s->fd, SOL_SOCKET, SO_BROADCAST, &one, 4), 0);
    assert_int_equal(ust_front_setsockopt(f, s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    assert_int_equal(ust_front_bind(f, s->fd, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(pthread_create(th, NULL, server_thread, s), 0);
}

/* Waits (with a deadline, checking every 10 ms) until *v reaches want. */
static bool wait_count(atomic_uint *v, unsigned want)
{
    struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
    for (ust_time_t end = ust_clock_monotonic() + LONG_S * UST_SEC;
         ust_clock_monotonic() < end; nanosleep(&tick, NULL))
        if (*v >= want)
            return true;
    return *v >= want;
}

static int read_renewals(struct ust_stack *st, void *ctx)
{
    (void)ctx;
    return (int)ust_stack_stats(st)->dhcp.Renewals;
}

static int read_addr(struct ust_stack *st, void *ctx)
{
    ust_ip4_t a = 0;
    ust_iface_info(st, *(int *)ctx, &a, NULL, NULL);
    return a == LEASED;
}

static void test_front_stack_renews_by_itself(void **state)
{
    (void)state;
    int sp[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
    struct pair_end pa = {sp[0]}, pb = {sp[1]};
    int ifa, ifb;
    struct ust_front *a = front_on(&pa, 0, &ifa);
    struct ust_front *b = front_on(&pb, SRV, &ifb);
    /* On the heap: a failed assert leaves this frame while the thread runs. */
    struct server *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    pthread_t th;
    server_start(s, b, &th);

    struct ust_dhcp *c = NULL;
    ust_time_t deadline = ust_clock_monotonic() + LONG_S * UST_SEC;
    assert_int_equal(ust_front_dhcp_start(a, ifa, deadline, &c), 0);
    assert_non_null(c);
    struct ust_dhcp_lease l;
    assert_int_equal(ust_front_dhcp_state(a, c, &l), UST_DHCP_BOUND);
    assert_int_equal(l.addr, LEASED);
    assert_int_equal(l.lease_s, LEASE_S);
    assert_int_equal(ust_front_run(a, read_addr, &ifa), 1);
    assert_int_equal(s->renewals, 0);
    /* Nothing is called on A from here: its stack thread renews at T1. */
    assert_true(wait_count(&s->renewals, 1));
    struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
    for (ust_time_t end = ust_clock_monotonic() + LONG_S * UST_SEC;
         ust_front_run(a, read_renewals, NULL) < 1 && ust_clock_monotonic() < end;)
        nanosleep(&tick, NULL);
    assert_true(ust_front_run(a, read_renewals, NULL) >= 1);
    struct ust_dhcp_lease renewed;
    for (ust_time_t end = ust_clock_monotonic() + LONG_S * UST_SEC;
         (ust_front_dhcp_state(a, c, &renewed) != UST_DHCP_BOUND ||
          renewed.acquired == l.acquired) && ust_clock_monotonic() < end;)
        nanosleep(&tick, NULL);
    assert_true(renewed.acquired > l.acquired); /* the lease counts from the renewal's ACK */
    assert_int_equal(ust_front_run(a, read_addr, &ifa), 1);

    /* RFC 2131 4.4.6: the stop gives the address back. */
    ust_front_dhcp_stop(a, c);
    assert_true(wait_count(&s->releases, 1));
    assert_int_equal(ust_front_run(a, read_addr, &ifa), 0);
    s->stop = true;
    pthread_join(th, NULL);
    assert_int_equal(s->bad, 0);
    ust_front_close(b, s->fd);
    free(s);
    ust_front_free(a);
    ust_front_free(b);
    close(sp[0]);
    close(sp[1]);
}

/* A lease that does not come in time: UST_ERR_TIMEDOUT, the client goes
 * on asking until it is stopped (or, here, freed with its front). */
static void test_front_dhcp_times_out(void **state)
{
    (void)state;
    int sp[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
    struct pair_end pa = {sp[0]};
    int ifa;
    struct ust_front *a = front_on(&pa, 0, &ifa);
    struct ust_dhcp *c = NULL;
    ust_time_t t0 = ust_clock_monotonic();
    assert_int_equal(ust_front_dhcp_start(a, ifa, t0 + 200 * UST_MSEC, &c), UST_ERR_TIMEDOUT);
    assert_true(ust_clock_monotonic() >= t0 + 200 * UST_MSEC);
    assert_int_equal(ust_front_dhcp_state(a, c, NULL), UST_DHCP_SELECTING);
    assert_int_equal(ust_front_dhcp_start(a, 99, t0, &c), UST_ERR_NOENT);
    assert_null(c);
    ust_front_free(a); /* frees the client still running */
    close(sp[0]);
    close(sp[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_front_stack_renews_by_itself),
        cmocka_unit_test(test_front_dhcp_times_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
