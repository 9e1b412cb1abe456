/* The front's direct turns (front.c, front_direct_turn): a call blocked
 * for a reply watches the loop's descriptor and, when frames arrive,
 * reads them itself under the core lock instead of waiting for the stack
 * thread to read them and ring the socket's doorbell. Two fronts, each a
 * stack on its own thread, joined by an application device on a
 * SOCK_SEQPACKET pair (a descriptor the loop watches, as a TAP's).
 * Threads never call cmocka's asserts: they record failures, the main
 * thread checks them. Every wait has a deadline (SO_RCVTIMEO), none is a
 * threshold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "front/front_impl.h"
#include "../harness/pair_dev.h"
#include "ustack/front.h"
#include "ustack/ustack.h"

#define ADDR_A 0xcb007101u /* 203.0.113.1 */
#define ADDR_B 0xcb007102u /* 203.0.113.2 */
#define LONG_MS 30000      /* a deadline for things that happen at once */
#define PORT 7100
#define CLIENTS 6
#define ROUNDS 150
#define MAX_LEN 3000

static struct ust_front *front_on(struct pair_end *p, uint32_t addr)
{
    struct ust_stack *st = ust_stack_new(NULL);
    assert_non_null(st);
    /* distinct MACs: the stacks' PRNGs share the default seed */
    struct ust_mac mac = {{0x02, 0, 0, 0, 0, (uint8_t)addr}};
    struct ust_dev *dev = ust_dev_new(st, "pair0", UST_LINK_ETHERNET, &mac, 1500, &pair_dev_ops, p);
    assert_non_null(dev);
    assert_true(ust_iface_add(st, dev, addr, 24) >= 0);
    struct ust_front *f = ust_front_new(st);
    assert_non_null(f);
    return f;
}

static uint64_t direct_turns(struct ust_front *f)
{
    pthread_mutex_lock(&f->lock);
    uint64_t n = f->direct_turns;
    pthread_mutex_unlock(&f->lock);
    return n;
}

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(addr);
    return a;
}

static void set_rcvtimeo(struct ust_front *f, int fd)
{
    struct timeval tv = {.tv_sec = LONG_MS / 1000};
    assert_int_equal(ust_front_setsockopt(f, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
}

static unsigned char pattern(unsigned seed, size_t i)
{
    return (unsigned char)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}

/* ---- echo server (front B) and clients (front A) on threads ------------- */
struct job {
    struct ust_front *f;
    int fd;
    unsigned id;
    uint16_t port; /* the client's server */
    long bytes;
    int failures;
};

static void *echo_thread(void *arg)
{
    struct job *j = arg;
    char buf[4096];
    ssize_t n;
    while ((n = ust_front_recv(j->f, j->fd, buf, sizeof(buf), 0)) > 0) {
        if (ust_front_send(j->f, j->fd, buf, (size_t)n, 0) != n)
            j->failures++;
        j->bytes += n;
    }
    if (n < 0)
        j->failures++;
    ust_front_close(j->f, j->fd);
    return NULL;
}

static bool echo_round(struct job *j, unsigned seed, size_t len)
{
    unsigned char out[MAX_LEN], in[MAX_LEN];
    for (size_t i = 0; i < len; i++)
        out[i] = pattern(seed, i);
    if (ust_front_send(j->f, j->fd, out, len, 0) != (ssize_t)len)
        return false;
    for (size_t got = 0; got < len;) {
        ssize_t n = ust_front_recv(j->f, j->fd, in + got, len - got, 0);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    j->bytes += (long)len;
    return memcmp(in, out, len) == 0;
}

static void *client_thread(void *arg)
{
    struct job *j = arg;
    struct sockaddr_in b = sin_of(ADDR_B, j->port);
    struct timeval tv = {.tv_sec = LONG_MS / 1000};
    j->fd = ust_front_socket(j->f, AF_INET, SOCK_STREAM, 0);
    if (j->fd < 0 || ust_front_connect(j->f, j->fd, (struct sockaddr *)&b, sizeof(b)) ||
        ust_front_setsockopt(j->f, j->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
        j->failures++;
        return NULL;
    }
    for (unsigned r = 0; r < ROUNDS; r++) {
        unsigned seed = j->id * 1000 + r;
        size_t len = r % 3 ? 1 : 1 + (seed * 2654435761u) % MAX_LEN; /* mostly 1 byte */
        if (!echo_round(j, seed, len))
            j->failures++;
    }
    return NULL;
}

/* Request/response from many threads at once across two fronts, every
 * reply byte-exact; the client front's blocked calls read replies
 * themselves (direct turns) while its stack thread sleeps. Then one
 * thread goes on until a direct turn is seen, if none was yet: the
 * schedule decides who reads a frame first, never whether it arrives. */
static void test_replies_read_by_blocked_callers(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    int big = 4 << 20;
    for (int i = 0; i < 2; i++)
        setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    struct pair_end pa = {sv[0]}, pb = {sv[1]};
    struct ust_front *fa = front_on(&pa, ADDR_A), *fb = front_on(&pb, ADDR_B);

    int l = ust_front_socket(fb, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any = sin_of(ADDR_B, PORT);
    assert_int_equal(ust_front_bind(fb, l, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(ust_front_listen(fb, l, 64), 0);
    set_rcvtimeo(fb, l);

    pthread_t ct[CLIENTS], et[CLIENTS];
    struct job cj[CLIENTS], ej[CLIENTS];
    for (unsigned i = 0; i < CLIENTS; i++) {
        cj[i] = (struct job){.f = fa, .id = i, .port = PORT};
        assert_int_equal(pthread_create(&ct[i], NULL, client_thread, &cj[i]), 0);
    }
    for (unsigned i = 0; i < CLIENTS; i++) {
        ej[i] = (struct job){.f = fb, .fd = ust_front_accept(fb, l, NULL, NULL, 0)};
        assert_true(ej[i].fd >= 0);
        assert_int_equal(pthread_create(&et[i], NULL, echo_thread, &ej[i]), 0);
    }
    for (unsigned i = 0; i < CLIENTS; i++) {
        pthread_join(ct[i], NULL);
        assert_int_equal(cj[i].failures, 0);
        assert_int_equal(cj[i].bytes > 0, 1);
    }
    /* bounded: each round trip is another chance */
    for (unsigned r = 0; r < 100000 && direct_turns(fa) == 0; r++)
        assert_true(echo_round(&cj[0], r, 1));
    assert_true(direct_turns(fa) > 0);

    long sent = 0, echoed = 0;
    for (unsigned i = 0; i < CLIENTS; i++) {
        sent += cj[i].bytes;
        assert_int_equal(ust_front_close(fa, cj[i].fd), 0); /* the echo thread sees EOF */
    }
    for (unsigned i = 0; i < CLIENTS; i++) {
        pthread_join(et[i], NULL);
        assert_int_equal(ej[i].failures, 0);
        echoed += ej[i].bytes;
    }
    assert_int_equal(sent, echoed);
    ust_front_close(fb, l);
    ust_front_free(fa);
    ust_front_free(fb);
    close(sv[0]);
    close(sv[1]);
}

/* A blocked accept on a device-fed front: the SYN arrives while the
 * caller sleeps, and the connection is accepted whether the caller or
 * the stack thread read it; the control calls around it (socket, bind,
 * listen, connect, getsockname, close) run in the calling threads. */
static void test_accept_and_control_calls_in_callers(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    struct pair_end pa = {sv[0]}, pb = {sv[1]};
    struct ust_front *fa = front_on(&pa, ADDR_A), *fb = front_on(&pb, ADDR_B);
    int l = ust_front_socket(fb, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in b = sin_of(ADDR_B, PORT + 1);
    assert_int_equal(ust_front_bind(fb, l, (struct sockaddr *)&b, sizeof(b)), 0);
    assert_int_equal(ust_front_listen(fb, l, 8), 0);
    set_rcvtimeo(fb, l);
    struct job c = {.f = fa, .id = 99, .port = PORT + 1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, client_thread, &c), 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int s = ust_front_accept(fb, l, (struct sockaddr *)&peer, &plen, 0);
    assert_true(s >= 0);
    assert_int_equal(ntohl(peer.sin_addr.s_addr), ADDR_A);
    struct sockaddr_in me;
    socklen_t mlen = sizeof(me);
    assert_int_equal(ust_front_getsockname(fb, s, (struct sockaddr *)&me, &mlen), 0);
    assert_int_equal(ntohs(me.sin_port), PORT + 1);
    struct job e = {.f = fb, .fd = s};
    pthread_t et;
    assert_int_equal(pthread_create(&et, NULL, echo_thread, &e), 0);
    pthread_join(t, NULL);
    assert_int_equal(c.failures, 0);
    assert_int_equal(ust_front_close(fa, c.fd), 0);
    pthread_join(et, NULL);
    assert_int_equal(e.failures, 0);
    assert_int_equal(e.bytes, c.bytes);
    ust_front_close(fb, l);
    ust_front_free(fa);
    ust_front_free(fb);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replies_read_by_blocked_callers),
        cmocka_unit_test(test_accept_and_control_calls_in_callers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
