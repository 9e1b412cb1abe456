/* UDP through the socket API: binding, demultiplexing, datagram semantics,
 * receive buffer bound, checksums, ICMP errors, blocking and poll. Input
 * is handed to udp_input directly with crafted datagrams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/rand.h"
#include "core/stack_impl.h"
#include "transport/transport.h"
#include "../harness/udp_harness.h"
#include "wire/icmp.h"
#include "wire/udp.h"

#define PEER UDP_TH_PEER
#define LOCAL UDP_TH_LOCAL
#define OTHER UST_IP4(198, 51, 100, 9)

static int setup(void **state)
{
    *state = udp_th_new(NULL);
    return 0;
}

static int teardown(void **state)
{
    udp_th_free(*state);
    return 0;
}

static uint16_t local_port(struct udp_th *h, int fd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    assert_int_equal(ust_getsockname(h->st, fd, (struct sockaddr *)&sin, &len), 0);
    assert_int_equal(len, sizeof(sin));
    assert_int_equal(sin.sin_family, AF_INET);
    return ntohs(sin.sin_port);
}

static int bind_fd(struct udp_th *h, int fd, ust_ip4_t a, uint16_t port)
{
    struct sockaddr_in sin = udp_th_sin(a, port);
    return ust_bind(h->st, fd, (struct sockaddr *)&sin, sizeof(sin));
}

static int set_int(struct udp_th *h, int fd, int level, int name, int v)
{
    return ust_setsockopt(h->st, fd, level, name, &v, sizeof(v));
}

/* ---- binding ----------------------------------------------------------- */

static void test_bind_specific_and_getsockname(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, LOCAL, 7);
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    assert_int_equal(ust_getsockname(h->st, fd, (struct sockaddr *)&sin, &len), 0);
    assert_int_equal(sin.sin_addr.s_addr, htonl(LOCAL));
    assert_int_equal(sin.sin_port, htons(7));
    /* Binding again is EINVAL (Linux). */
    assert_int_equal(bind_fd(h, fd, LOCAL, 8), -1);
    assert_int_equal(errno, EINVAL);
    assert_true(udp_th_traced(h, "udp: fd 0 bound to 203.0.113.2:7"));
}

static void test_bind_ephemeral_range_and_exhaustion(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ephemeral_lo = 50000;
    cfg.ephemeral_hi = 50001;
    struct udp_th *h = udp_th_new(&cfg);
    int a = udp_th_socket_bound(h, 0, 0);
    int b = udp_th_socket_bound(h, 0, 0);
    uint16_t pa = local_port(h, a), pb = local_port(h, b);
    assert_true(pa == 50000 || pa == 50001);
    assert_int_equal(pb, pa == 50000 ? 50001 : 50000); /* sequential search wraps */
    int c = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(bind_fd(h, c, 0, 0), -1);
    assert_int_equal(errno, EADDRINUSE);
    /* A port taken explicitly is skipped by the search too. */
    assert_int_equal(ust_close(h->st, a), 0);
    assert_int_equal(bind_fd(h, c, LOCAL, pa), 0);
    int d = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(bind_fd(h, d, 0, 0), -1);
    assert_int_equal(errno, EADDRINUSE);
    udp_th_free(h);
}

static void test_bind_ephemeral_default_range(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, LOCAL, 0);
    uint16_t p = local_port(h, fd);
    assert_true(p >= 49152);
    /* Same seed, same port: the choice is deterministic. */
    struct udp_th *h2 = udp_th_new(NULL);
    int fd2 = udp_th_socket_bound(h2, LOCAL, 0);
    assert_int_equal(local_port(h2, fd2), p);
    udp_th_free(h2);
}

static void test_bind_addrinuse_and_reuseaddr(void **state)
{
    struct udp_th *h = *state;
    int a = udp_th_socket_bound(h, 0, 53);
    int b = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(bind_fd(h, b, 0, 53), -1);
    assert_int_equal(errno, EADDRINUSE);
    /* Wildcard and a specific address overlap. */
    assert_int_equal(bind_fd(h, b, LOCAL, 53), -1);
    assert_int_equal(errno, EADDRINUSE);
    /* SO_REUSEADDR on only one of them is not enough. */
    assert_int_equal(set_int(h, b, SOL_SOCKET, SO_REUSEADDR, 1), 0);
    assert_int_equal(bind_fd(h, b, 0, 53), -1);
    assert_int_equal(errno, EADDRINUSE);
    assert_int_equal(set_int(h, a, SOL_SOCKET, SO_REUSEADDR, 1), 0);
    assert_int_equal(bind_fd(h, b, 0, 53), 0);
    /* Another port is free. */
    int c = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(bind_fd(h, c, 0, 54), 0);
}

static void test_bind_addrnotavail(void **state)
{
    struct udp_th *h = *state;
    int fd = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(bind_fd(h, fd, OTHER, 7), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    assert_int_equal(bind_fd(h, fd, PEER, 7), -1); /* on our subnet, but not ours */
    assert_int_equal(errno, EADDRNOTAVAIL);
    assert_int_equal(bind_fd(h, fd, LOCAL, 7), 0);
}

static void test_close_frees_port(void **state)
{
    struct udp_th *h = *state;
    int a = udp_th_socket_bound(h, 0, 9000);
    udp_th_inject(h, PEER, 1, LOCAL, 9000, "x", 1);
    assert_int_equal(ust_close(h->st, a), 0);
    int b = udp_th_socket_bound(h, 0, 9000);
    assert_int_equal(b, a); /* lowest free descriptor reused */
    char buf[4];
    /* The old socket's queue went with it. */
    assert_int_equal(ust_recv(h->st, b, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
}

static void test_ports_sharing_a_hash_bucket(void **state)
{
    struct udp_th *h = *state;
    /* 7, 263 and 519 fall in the same bucket of the 256-entry hash. */
    int a = udp_th_socket_bound(h, 0, 7);
    int b = udp_th_socket_bound(h, 0, 263);
    int c = udp_th_socket_bound(h, 0, 519);
    udp_th_inject(h, PEER, 1, LOCAL, 263, "b", 1);
    udp_th_inject(h, PEER, 1, LOCAL, 7, "a", 1);
    char buf[4];
    assert_int_equal(ust_recv(h->st, a, buf, sizeof(buf), MSG_DONTWAIT), 1);
    assert_int_equal(buf[0], 'a');
    assert_int_equal(ust_recv(h->st, b, buf, sizeof(buf), MSG_DONTWAIT), 1);
    assert_int_equal(buf[0], 'b');
    /* Removing the middle of a chain keeps the others reachable. */
    assert_int_equal(ust_close(h->st, b), 0);
    udp_th_inject(h, PEER, 1, LOCAL, 263, "x", 1);
    udp_th_inject(h, PEER, 1, LOCAL, 519, "c", 1);
    udp_th_inject(h, PEER, 1, LOCAL, 7, "a", 1);
    assert_int_equal(ust_stack_stats(h->st)->udp.NoPorts, 1);
    assert_int_equal(ust_recv(h->st, c, buf, sizeof(buf), MSG_DONTWAIT), 1);
    assert_int_equal(ust_recv(h->st, a, buf, sizeof(buf), MSG_DONTWAIT), 1);
}

static void test_many_ephemeral_ports_unique(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ephemeral_lo = 40000;
    cfg.ephemeral_hi = 40599;
    struct udp_th *h = udp_th_new(&cfg);
    static uint8_t seen[600];
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < 600; i++) {
        int fd = udp_th_socket_bound(h, 0, 0);
        uint16_t p = local_port(h, fd);
        assert_true(p >= 40000 && p <= 40599);
        assert_int_equal(seen[p - 40000], 0);
        seen[p - 40000] = 1;
    }
    int fd = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(bind_fd(h, fd, 0, 0), -1);
    assert_int_equal(errno, EADDRINUSE);
    udp_th_free(h);
}

/* ---- input ------------------------------------------------------------- */

static void test_receive_with_source_and_trace(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    udp_th_inject(h, PEER, 5353, LOCAL, 7, "hello world!", 12);
    assert_true(udp_th_traced(h, "udp: rx 203.0.113.1:5353->203.0.113.2:7 len 12"));
    char buf[64];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(h->st, fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
                     12);
    assert_memory_equal(buf, "hello world!", 12);
    assert_int_equal(flen, sizeof(from));
    assert_int_equal(from.sin_family, AF_INET);
    assert_int_equal(from.sin_addr.s_addr, htonl(PEER));
    assert_int_equal(from.sin_port, htons(5353));
    assert_int_equal(ust_stack_stats(h->st)->udp.InDatagrams, 1);
}

static void test_datagram_boundaries_preserved(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    udp_th_inject(h, PEER, 1000, LOCAL, 7, "abcde", 5);
    udp_th_inject(h, PEER, 1001, LOCAL, 7, NULL, 0);
    udp_th_inject(h, PEER, 1002, LOCAL, 7, "1234567", 7);
    char buf[64];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "abcde", 5);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 0);
    assert_int_equal(ust_read(h->st, fd, buf, sizeof(buf)), 7);
    assert_memory_equal(buf, "1234567", 7);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
}

static void test_msg_peek(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    udp_th_inject(h, PEER, 1000, LOCAL, 7, "first", 5);
    udp_th_inject(h, PEER, 1000, LOCAL, 7, "second", 6);
    char buf[16];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_PEEK), 5);
    assert_int_equal(ust_recv(h->st, fd, buf, 2, MSG_PEEK), 2); /* peek does not truncate away */
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "first", 5);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 6);
    assert_memory_equal(buf, "second", 6);
}

static void test_truncation_and_msg_trunc(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    udp_th_inject(h, PEER, 1000, LOCAL, 7, "0123456789", 10);
    udp_th_inject(h, PEER, 1000, LOCAL, 7, "abcdefghij", 10);
    udp_th_inject(h, PEER, 1000, LOCAL, 7, "XY", 2);
    char buf[16];
    memset(buf, 0, sizeof(buf));
    /* The rest of a truncated datagram is discarded. */
    assert_int_equal(ust_recv(h->st, fd, buf, 4, 0), 4);
    assert_memory_equal(buf, "0123", 4);
    assert_int_equal(buf[4], 0);
    /* MSG_TRUNC: the real length is returned (Linux). */
    assert_int_equal(ust_recv(h->st, fd, buf, 3, MSG_TRUNC), 10);
    assert_memory_equal(buf, "abc", 3);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 2);
    assert_memory_equal(buf, "XY", 2);
}

static void test_rcvbuf_overflow_counted(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    /* 1000 doubled is below the floor: 2304 bytes; each 500-byte datagram
     * costs 564, so four fit and the fifth is dropped. */
    assert_int_equal(set_int(h, fd, SOL_SOCKET, SO_RCVBUF, 1000), 0);
    uint8_t payload[500];
    for (int i = 0; i < 5; i++) {
        memset(payload, 'a' + i, sizeof(payload));
        udp_th_inject(h, PEER, 1000, LOCAL, 7, payload, sizeof(payload));
    }
    const struct ust_udp_stats *u = &ust_stack_stats(h->st)->udp;
    assert_int_equal(u->InDatagrams, 4);
    assert_int_equal(u->RcvbufErrors, 1);
    assert_int_equal(u->InErrors, 1);
    uint8_t buf[600];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 500);
        assert_int_equal(buf[0], 'a' + i);
    }
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    /* Reading made room again. */
    udp_th_inject(h, PEER, 1000, LOCAL, 7, payload, sizeof(payload));
    assert_int_equal(u->InDatagrams, 5);
}

static void test_empty_queue_takes_a_large_datagram(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    assert_int_equal(set_int(h, fd, SOL_SOCKET, SO_RCVBUF, 0), 0);
    static uint8_t big[8000];
    udp_th_inject(h, PEER, 1000, LOCAL, 7, big, sizeof(big));
    udp_th_inject(h, PEER, 1000, LOCAL, 7, "x", 1);
    assert_int_equal(ust_stack_stats(h->st)->udp.InDatagrams, 1);
    assert_int_equal(ust_stack_stats(h->st)->udp.RcvbufErrors, 1);
    assert_int_equal(ust_recv(h->st, fd, big, sizeof(big), 0), 8000);
}

static void test_bad_checksum_dropped(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 1000, LOCAL, 7, "data", 4);
    d[n - 1] ^= 0x01; /* payload corrupted after the checksum */
    udp_th_deliver(h, d, n, false);
    const struct ust_udp_stats *u = &ust_stack_stats(h->st)->udp;
    assert_int_equal(u->InCsumErrors, 1);
    assert_int_equal(u->InErrors, 1);
    assert_int_equal(u->InDatagrams, 0);
    assert_int_equal(u->NoPorts, 0);
    char buf[8];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    assert_true(udp_th_traced(h, "udp: drop 203.0.113.1->203.0.113.2: bad checksum"));
}

static void test_zero_checksum_accepted(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 1000, LOCAL, 7, "data", 4);
    d[20 + 6] = 0; /* RFC 768: zero = no checksum computed */
    d[20 + 7] = 0;
    d[n - 1] ^= 0x01; /* and nobody can tell the payload changed */
    udp_th_deliver(h, d, n, false);
    char buf[8];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "dat", 3);
    assert_int_equal(buf[3], 'a' ^ 0x01);
    assert_int_equal(ust_stack_stats(h->st)->udp.InCsumErrors, 0);
}

static void test_bad_length_dropped(void **state)
{
    struct udp_th *h = *state;
    udp_th_socket_bound(h, 0, 7);
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 1000, LOCAL, 7, "data", 4);
    struct ipv4_hdr ip;
    assert_int_equal(ipv4_parse(d, n, true, &ip), 0);
    /* Segment shorter than a UDP header. */
    udp_input(h->st, &ip, d + 20, 7, d, n, false, 0);
    /* Length field larger than the segment. */
    d[20 + 5] = 40;
    udp_input(h->st, &ip, d + 20, n - 20, d, n, false, 0);
    /* Length field below 8. */
    d[20 + 5] = 4;
    udp_input(h->st, &ip, d + 20, n - 20, d, n, false, 0);
    const struct ust_udp_stats *u = &ust_stack_stats(h->st)->udp;
    assert_int_equal(u->InErrors, 3);
    assert_int_equal(u->InDatagrams, 0);
}

static void test_trailing_bytes_after_length_ignored(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 1000, LOCAL, 7, "data", 4);
    struct ipv4_hdr ip;
    assert_int_equal(ipv4_parse(d, n, true, &ip), 0);
    uint8_t seg[32];
    memcpy(seg, d + 20, n - 20);
    memset(seg + (n - 20), 0xee, 6); /* padding beyond the UDP length */
    udp_input(h->st, &ip, seg, n - 20 + 6, d, n, false, 0);
    char buf[16];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 4);
}

/* Hostile input: random segments, some made well-formed, never crash and
 * every one is accounted for in exactly one counter. */
static void test_random_segments_accounted(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    struct ust_rng r;
    rng_seed(&r, 42);
    struct ipv4_hdr ip = {.hdr_len = 20, .ttl = 64, .proto = IPV4_PROTO_UDP, .src = PEER,
                          .dst = LOCAL};
    uint8_t seg[80], buf[80];
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        size_t len = (size_t)rng_below(&r, sizeof(seg) + 1);
        rng_bytes(&r, seg, len);
        if (len >= 8 && rng_below(&r, 2)) {
            /* Mostly valid: right length, port 7 or not, checksum or none. */
            size_t ulen = len - (size_t)rng_below(&r, 3);
            if (ulen < 8)
                ulen = 8;
            seg[4] = (uint8_t)(ulen >> 8);
            seg[5] = (uint8_t)ulen;
            if (rng_below(&r, 2)) {
                seg[2] = 0;
                seg[3] = 7;
            }
            uint16_t sport = (uint16_t)((seg[0] << 8) | seg[1]);
            uint16_t dport = (uint16_t)((seg[2] << 8) | seg[3]);
            uint64_t kind = rng_below(&r, 4);
            if (kind == 0) {
                seg[6] = seg[7] = 0; /* no checksum */
            } else {
                memcpy(buf + 8, seg + 8, ulen - 8);
                assert_int_equal(udp_emit(sport, dport, PEER, LOCAL, buf, sizeof(buf), ulen - 8),
                                 8);
                memcpy(seg, buf, 8);
                if (kind == 1)
                    seg[0] ^= 0x40; /* corrupted after the checksum */
            }
        }
        ip.total_len = (uint16_t)(20 + len);
        udp_input(h->st, &ip, seg, len, seg, len, false, 0);
        while (ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
            ;
    }
    const struct ust_udp_stats *u = &ust_stack_stats(h->st)->udp;
    assert_int_equal(u->InDatagrams + u->InErrors + u->NoPorts, N);
    assert_true(u->InDatagrams > 1000);
    assert_true(u->NoPorts > 1000);
    assert_true(u->InCsumErrors > 1000);
    assert_int_equal(u->RcvbufErrors, 0);
}

static void test_closed_port_counted(void **state)
{
    struct udp_th *h = *state;
    udp_th_socket_bound(h, 0, 7);
    udp_th_inject(h, PEER, 1000, LOCAL, 9, "x", 1);
    udp_th_inject(h, PEER, 1000, LOCAL, 0, "x", 1);
    const struct ust_udp_stats *u = &ust_stack_stats(h->st)->udp;
    assert_int_equal(u->NoPorts, 2);
    assert_int_equal(u->InDatagrams, 0);
    assert_true(udp_th_traced(h, "udp: no socket on port 9"));
}

static void test_invalid_source_dropped(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    udp_th_inject(h, UST_IP4(255, 255, 255, 255), 1, LOCAL, 7, "b", 1);
    udp_th_inject(h, UST_IP4(224, 0, 0, 1), 1, LOCAL, 7, "m", 1);
    const struct ust_udp_stats *u = &ust_stack_stats(h->st)->udp;
    assert_int_equal(u->InErrors, 2);
    assert_int_equal(u->NoPorts, 0);
    assert_true(udp_th_traced(h, "udp: drop: invalid source 224.0.0.1"));
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    /* 0.0.0.0 is a valid source (a host that does not know its address). */
    udp_th_inject(h, 0, 68, LOCAL, 7, "z", 1);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), 1);
}

static void test_bound_address_filters(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, LOCAL, 7);
    /* A datagram to another of "our" addresses (or a broadcast) does not
     * reach a socket bound to LOCAL. */
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 1000, UST_IP4(203, 0, 113, 255), 7, "b", 1);
    udp_th_deliver(h, d, n, true);
    char buf[8];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(ust_stack_stats(h->st)->udp.NoPorts, 1);
}

static void test_broadcast_reaches_every_wildcard_socket(void **state)
{
    struct udp_th *h = *state;
    int a = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    int b = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(set_int(h, a, SOL_SOCKET, SO_REUSEADDR, 1), 0);
    assert_int_equal(set_int(h, b, SOL_SOCKET, SO_REUSEADDR, 1), 0);
    assert_int_equal(bind_fd(h, a, 0, 67), 0);
    assert_int_equal(bind_fd(h, b, 0, 67), 0);
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 68, UST_IP4(255, 255, 255, 255), 67, "dhcp", 4);
    udp_th_deliver(h, d, n, true);
    char buf[8];
    assert_int_equal(ust_recv(h->st, a, buf, sizeof(buf), 0), 4);
    assert_int_equal(ust_recv(h->st, b, buf, sizeof(buf), 0), 4);
    assert_int_equal(ust_stack_stats(h->st)->udp.InDatagrams, 2);
    /* Unicast goes to one socket only (the newest). */
    udp_th_inject(h, PEER, 68, LOCAL, 67, "u", 1);
    assert_int_equal(ust_recv(h->st, b, buf, sizeof(buf), MSG_DONTWAIT), 1);
    assert_int_equal(ust_recv(h->st, a, buf, sizeof(buf), MSG_DONTWAIT), -1);
}

static void test_broadcast_to_closed_port_no_icmp(void **state)
{
    struct udp_th *h = *state;
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 68, UST_IP4(255, 255, 255, 255), 67, "x", 1);
    udp_th_deliver(h, d, n, true);
    assert_int_equal(ust_stack_stats(h->st)->udp.NoPorts, 1);
    assert_true(udp_th_traced(h, "udp: no socket on port 67 (broadcast: no ICMP)"));
    assert_int_equal(ust_stack_stats(h->st)->icmp.OutDestUnreachs, 0);
    assert_int_equal(h->ntx, 0);
}

/* ---- connect --------------------------------------------------------- */

static int connected_socket(struct udp_th *h, uint16_t lport, uint16_t rport)
{
    int fd = udp_th_socket_bound(h, LOCAL, lport);
    struct sockaddr_in sin = udp_th_sin(PEER, rport);
    assert_int_equal(ust_connect(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return fd;
}

static void test_connect_filters_input(void **state)
{
    struct udp_th *h = *state;
    int fd = connected_socket(h, 7, 5353);
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    assert_int_equal(ust_getpeername(h->st, fd, (struct sockaddr *)&peer, &len), 0);
    assert_int_equal(peer.sin_addr.s_addr, htonl(PEER));
    assert_int_equal(peer.sin_port, htons(5353));
    udp_th_inject(h, PEER, 9999, LOCAL, 7, "wrong port", 10);
    udp_th_inject(h, UST_IP4(203, 0, 113, 3), 5353, LOCAL, 7, "wrong host", 10);
    udp_th_inject(h, PEER, 5353, LOCAL, 7, "right", 5);
    char buf[16];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "right", 5);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_stack_stats(h->st)->udp.NoPorts, 2);
}

static void test_connected_beats_wildcard(void **state)
{
    struct udp_th *h = *state;
    int wild = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(set_int(h, wild, SOL_SOCKET, SO_REUSEADDR, 1), 0);
    assert_int_equal(bind_fd(h, wild, 0, 7), 0);
    int conn = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(set_int(h, conn, SOL_SOCKET, SO_REUSEADDR, 1), 0);
    assert_int_equal(bind_fd(h, conn, LOCAL, 7), 0);
    struct sockaddr_in sin = udp_th_sin(PEER, 5353);
    assert_int_equal(ust_connect(h->st, conn, (struct sockaddr *)&sin, sizeof(sin)), 0);
    /* The wildcard socket is older and would win ties: it must not. */
    udp_th_inject(h, PEER, 5353, LOCAL, 7, "c", 1);
    udp_th_inject(h, PEER, 1111, LOCAL, 7, "w", 1);
    char buf[4];
    assert_int_equal(ust_recv(h->st, conn, buf, sizeof(buf), MSG_DONTWAIT), 1);
    assert_int_equal(buf[0], 'c');
    assert_int_equal(ust_recv(h->st, wild, buf, sizeof(buf), MSG_DONTWAIT), 1);
    assert_int_equal(buf[0], 'w');
}

static void test_disconnect_with_af_unspec(void **state)
{
    struct udp_th *h = *state;
    int fd = connected_socket(h, 7, 5353);
    struct sockaddr unspec;
    memset(&unspec, 0, sizeof(unspec));
    unspec.sa_family = AF_UNSPEC;
    assert_int_equal(ust_connect(h->st, fd, &unspec, sizeof(unspec)), 0);
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    assert_int_equal(ust_getpeername(h->st, fd, (struct sockaddr *)&peer, &len), -1);
    assert_int_equal(errno, ENOTCONN);
    /* The explicitly bound address and port stay. */
    assert_int_equal(local_port(h, fd), 7);
    udp_th_inject(h, PEER, 9999, LOCAL, 7, "any", 3);
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 3);
    /* send() without an address is EDESTADDRREQ again. */
    assert_int_equal(ust_send(h->st, fd, "x", 1, 0), -1);
    assert_int_equal(errno, EDESTADDRREQ);
}

static void test_connect_broadcast_needs_so_broadcast(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, LOCAL, 7);
    struct sockaddr_in sin = udp_th_sin(UST_IP4(255, 255, 255, 255), 67);
    assert_int_equal(ust_connect(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
    assert_int_equal(errno, EACCES);
    assert_int_equal(set_int(h, fd, SOL_SOCKET, SO_BROADCAST, 1), 0);
    assert_int_equal(ust_connect(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
}

/* ---- ICMP errors ------------------------------------------------------- */

static void icmp_about(struct udp_th *h, uint8_t type, uint8_t code, uint16_t sport,
                       uint16_t dport)
{
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), LOCAL, sport, PEER, dport, "q", 1);
    struct ipv4_hdr orig;
    assert_int_equal(ipv4_parse(d, n, true, &orig), 0);
    udp_icmp_error(h->st, type, code, 0, PEER, &orig, d + 20, 8);
}

static void test_port_unreachable_gives_econnrefused(void **state)
{
    struct udp_th *h = *state;
    int fd = connected_socket(h, 7, 5353);
    icmp_about(h, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 7, 5353);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(ust_poll(h->st, &p, 1, 0), 1);
    assert_int_equal(p.revents, POLLERR);
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, ECONNREFUSED);
    /* Reported once. */
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    /* The next one is reported by send, then SO_ERROR is clear. */
    icmp_about(h, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 7, 5353);
    assert_int_equal(ust_send(h->st, fd, "x", 1, 0), -1);
    assert_int_equal(errno, ECONNREFUSED);
    int err = -1;
    socklen_t len = sizeof(err);
    assert_int_equal(ust_getsockopt(h->st, fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    assert_int_equal(err, 0);
}

static void test_icmp_errors_mapped_and_so_error(void **state)
{
    struct udp_th *h = *state;
    int fd = connected_socket(h, 7, 5353);
    static const struct {
        uint8_t type, code;
        int eno;
    } cases[] = {
        {ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, EHOSTUNREACH},
        {ICMP_DEST_UNREACH, ICMP_UNREACH_NET, ENETUNREACH},
        {ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO, ENOPROTOOPT},
        {ICMP_DEST_UNREACH, 13, EHOSTUNREACH},
        {ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, EHOSTUNREACH},
        {ICMP_PARAM_PROBLEM, 0, EPROTO},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        icmp_about(h, cases[i].type, cases[i].code, 7, 5353);
        int err = 0;
        socklen_t len = sizeof(err);
        assert_int_equal(ust_getsockopt(h->st, fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
        assert_int_equal(err, cases[i].eno);
        assert_int_equal(len, sizeof(int));
    }
    /* Fragmentation needed: EMSGSIZE (as Linux; RFC 1122 4.1.3.3, UDP-5),
     * once. Source quench is ignored (RFC 6633). */
    icmp_about(h, ICMP_DEST_UNREACH, ICMP_UNREACH_FRAG_NEEDED, 7, 5353);
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EMSGSIZE);
    icmp_about(h, ICMP_SOURCE_QUENCH, 0, 7, 5353);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
}

static void test_icmp_error_ignored_when_not_matching(void **state)
{
    struct udp_th *h = *state;
    int unconnected = udp_th_socket_bound(h, 0, 8);
    int fd = connected_socket(h, 7, 5353);
    icmp_about(h, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 8, 5353); /* unconnected socket */
    icmp_about(h, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 7, 5354); /* another peer port */
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_recv(h->st, unconnected, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    /* Too short a quote is ignored without reading past it. */
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), LOCAL, 7, PEER, 5353, "q", 1);
    struct ipv4_hdr orig;
    assert_int_equal(ipv4_parse(d, n, true, &orig), 0);
    udp_icmp_error(h->st, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, PEER, &orig, d + 20, 3);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
}

/* ---- sending (argument checks that need no IP layer) ------------------- */

static void test_send_errors(void **state)
{
    struct udp_th *h = *state;
    int fd = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = udp_th_sin(PEER, 7);
    static uint8_t big[65508];
    assert_int_equal(ust_sendto(h->st, fd, big, sizeof(big), 0, (struct sockaddr *)&to,
                                sizeof(to)), -1);
    assert_int_equal(errno, EMSGSIZE);
    assert_int_equal(ust_send(h->st, fd, "x", 1, 0), -1);
    assert_int_equal(errno, EDESTADDRREQ);
    struct sockaddr_in port0 = udp_th_sin(PEER, 0);
    assert_int_equal(ust_sendto(h->st, fd, "x", 1, 0, (struct sockaddr *)&port0, sizeof(port0)),
                     -1);
    assert_int_equal(errno, EINVAL);
    struct sockaddr_in bc = udp_th_sin(UST_IP4(255, 255, 255, 255), 67);
    assert_int_equal(ust_sendto(h->st, fd, "x", 1, 0, (struct sockaddr *)&bc, sizeof(bc)), -1);
    assert_int_equal(errno, EACCES);
    assert_int_equal(ust_sendto(h->st, fd, "x", 1, MSG_OOB, (struct sockaddr *)&to, sizeof(to)),
                     -1);
    assert_int_equal(errno, EOPNOTSUPP);
    /* No route to 198.51.100.9 (only 203.0.113.0/24 is connected). */
    struct sockaddr_in far = udp_th_sin(OTHER, 7);
    assert_int_equal(ust_sendto(h->st, fd, "x", 1, 0, (struct sockaddr *)&far, sizeof(far)), -1);
    assert_int_equal(errno, ENETUNREACH);
    assert_int_equal(ust_stack_stats(h->st)->udp.OutDatagrams, 0);
}

static void test_shutdown(void **state)
{
    struct udp_th *h = *state;
    int un = udp_th_socket_bound(h, 0, 8);
    assert_int_equal(ust_shutdown(h->st, un, SHUT_RDWR), -1);
    assert_int_equal(errno, ENOTCONN); /* recorded anyway, as Linux does */
    int fd = connected_socket(h, 7, 5353);
    assert_int_equal(ust_shutdown(h->st, fd, SHUT_WR), 0);
    assert_int_equal(ust_send(h->st, fd, "x", 1, 0), -1);
    assert_int_equal(errno, EPIPE);
    udp_th_inject(h, PEER, 5353, LOCAL, 7, "ab", 2);
    assert_int_equal(ust_shutdown(h->st, fd, SHUT_RD), 0);
    char buf[4];
    /* Queued data is still read, then end of file instead of blocking. */
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 2);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 0);
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    assert_int_equal(ust_poll(h->st, &p, 1, 0), 1);
    assert_int_equal(p.revents, POLLIN | POLLOUT | POLLHUP);
}

/* ---- blocking, timeouts, poll ------------------------------------------- */

static void test_nonblocking_eagain(void **state)
{
    struct udp_th *h = *state;
    int fd = ust_socket(h->st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_int_equal(bind_fd(h, fd, 0, 7), 0);
    udp_th_install_waiter(h);
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(h->waits, 0);
    /* ust_set_nonblock switches it back; MSG_DONTWAIT is per call. */
    assert_int_equal(ust_set_nonblock(h->st, fd, 0), 0);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(h->waits, 0);
}

static void test_blocking_without_waiter_is_eagain(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
}

static void test_blocking_recv_waits(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    udp_th_install_waiter(h);
    h->inject_on_wait = 2;
    h->wait_step = UST_MSEC;
    h->inject_sport = 4242;
    h->inject_dport = 7;
    memcpy(h->inject_data, "late", 4);
    h->inject_len = 4;
    char buf[8];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(h->st, fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
                     4);
    assert_memory_equal(buf, "late", 4);
    assert_int_equal(from.sin_port, htons(4242));
    assert_int_equal(h->waits, 2);
    assert_int_equal(h->last_deadline, UST_TIME_NEVER); /* no SO_RCVTIMEO */
}

static void test_rcvtimeo_expires(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    udp_th_install_waiter(h);
    h->clock = 5 * UST_SEC;
    h->wait_step = 400 * UST_MSEC;
    struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
    assert_int_equal(ust_setsockopt(h->st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    /* 5.0 -> 5.4 -> 5.8 -> 6.2: three waits, each until 6.0. */
    assert_int_equal(h->waits, 3);
    assert_int_equal(h->last_deadline, 6 * UST_SEC);
    assert_int_equal(h->clock, 6 * UST_SEC + 200 * UST_MSEC);
}

static void test_waiter_timedout_and_interrupted(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    udp_th_install_waiter(h);
    char buf[8];
    /* The simulator's "nothing will ever happen": give up, do not hang. */
    h->wait_rc = UST_ERR_TIMEDOUT;
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(h->waits, 1);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(ust_poll(h->st, &p, 1, -1), 0);
    assert_int_equal(h->waits, 2);
    /* ... but what arrived during that last step is still taken. */
    h->inject_on_wait = 3;
    h->inject_sport = 1;
    h->inject_dport = 7;
    h->inject_len = 2;
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 2);
    /* The real loop interrupted by a signal: EINTR, as recv(2). */
    h->wait_rc = UST_ERR_AGAIN;
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EINTR);
    assert_int_equal(ust_poll(h->st, &p, 1, 100), -1);
    assert_int_equal(errno, EINTR);
}

static void test_poll_readiness(void **state)
{
    struct udp_th *h = *state;
    int a = udp_th_socket_bound(h, 0, 7);
    int b = udp_th_socket_bound(h, 0, 8);
    struct pollfd p[4] = {
        {.fd = a, .events = POLLIN},
        {.fd = b, .events = POLLIN | POLLOUT},
        {.fd = -1, .events = POLLIN},
        {.fd = 77, .events = POLLIN},
    };
    assert_int_equal(ust_poll(h->st, p, 4, 0), 2);
    assert_int_equal(p[0].revents, 0);
    assert_int_equal(p[1].revents, POLLOUT);
    assert_int_equal(p[2].revents, 0);
    assert_int_equal(p[3].revents, POLLNVAL);
    udp_th_inject(h, PEER, 1, LOCAL, 7, "x", 1);
    assert_int_equal(ust_poll(h->st, p, 2, 0), 2);
    assert_int_equal(p[0].revents, POLLIN);
    assert_int_equal(p[1].revents, POLLOUT);
    p[0].events = POLLRDNORM | POLLWRNORM;
    assert_int_equal(ust_poll(h->st, p, 1, 0), 1);
    assert_int_equal(p[0].revents, POLLRDNORM | POLLWRNORM);
}

static void test_poll_waits_and_times_out(void **state)
{
    struct udp_th *h = *state;
    int a = udp_th_socket_bound(h, 0, 7);
    struct pollfd p = {.fd = a, .events = POLLIN};
    /* No waiter: nothing can arrive, returns at once. */
    assert_int_equal(ust_poll(h->st, &p, 1, 1000), 0);
    udp_th_install_waiter(h);
    h->wait_step = 300 * UST_MSEC;
    assert_int_equal(ust_poll(h->st, &p, 1, 1000), 0);
    assert_int_equal(h->waits, 4); /* 0.3 0.6 0.9 1.2 */
    assert_int_equal(h->last_deadline, UST_SEC);
    h->waits = 0;
    h->inject_on_wait = 2;
    h->inject_sport = 1;
    h->inject_dport = 7;
    h->inject_len = 1;
    assert_int_equal(ust_poll(h->st, &p, 1, -1), 1);
    assert_int_equal(p.revents, POLLIN);
    assert_int_equal(h->waits, 2);
    assert_int_equal(h->last_deadline, UST_TIME_NEVER);
}

static void test_event_fd_signalled(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    int efd = ust_stack_event_fd(h->st);
    assert_true(efd >= 0);
    assert_int_equal(ust_stack_event_fd(h->st), efd);
    uint64_t v = 0;
    assert_int_equal(read(efd, &v, sizeof(v)), -1); /* nothing yet */
    assert_int_equal(errno, EAGAIN);
    udp_th_inject(h, PEER, 1, LOCAL, 7, "x", 1);
    assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
    assert_int_equal(v, 1);
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_bind_specific_and_getsockname),
        T(test_bind_ephemeral_range_and_exhaustion),
        T(test_bind_ephemeral_default_range),
        T(test_bind_addrinuse_and_reuseaddr),
        T(test_bind_addrnotavail),
        T(test_close_frees_port),
        T(test_ports_sharing_a_hash_bucket),
        T(test_many_ephemeral_ports_unique),
        T(test_receive_with_source_and_trace),
        T(test_datagram_boundaries_preserved),
        T(test_msg_peek),
        T(test_truncation_and_msg_trunc),
        T(test_rcvbuf_overflow_counted),
        T(test_empty_queue_takes_a_large_datagram),
        T(test_bad_checksum_dropped),
        T(test_zero_checksum_accepted),
        T(test_bad_length_dropped),
        T(test_trailing_bytes_after_length_ignored),
        T(test_random_segments_accounted),
        T(test_closed_port_counted),
        T(test_invalid_source_dropped),
        T(test_bound_address_filters),
        T(test_broadcast_reaches_every_wildcard_socket),
        T(test_broadcast_to_closed_port_no_icmp),
        T(test_connect_filters_input),
        T(test_connected_beats_wildcard),
        T(test_disconnect_with_af_unspec),
        T(test_connect_broadcast_needs_so_broadcast),
        T(test_port_unreachable_gives_econnrefused),
        T(test_icmp_errors_mapped_and_so_error),
        T(test_icmp_error_ignored_when_not_matching),
        T(test_send_errors),
        T(test_shutdown),
        T(test_nonblocking_eagain),
        T(test_blocking_without_waiter_is_eagain),
        T(test_blocking_recv_waits),
        T(test_rcvtimeo_expires),
        T(test_waiter_timedout_and_interrupted),
        T(test_poll_readiness),
        T(test_poll_waits_and_times_out),
        T(test_event_fd_signalled),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
