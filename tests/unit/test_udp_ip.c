/* UDP over the real IPv4 layer: what goes out on an IP-only device (header
 * fields, checksum, ephemeral source port, TTL/TOS, fragmentation), ICMP
 * port unreachable for closed ports, and ICMP errors coming back in
 * through ust_dev_input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../harness/udp_harness.h"
#include "core/stack_impl.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"
#include "wire/wbuf.h"

#define PEER UDP_TH_PEER
#define LOCAL UDP_TH_LOCAL

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

static int set_int(struct udp_th *h, int fd, int level, int name, int v)
{
    return ust_setsockopt(h->st, fd, level, name, &v, sizeof(v));
}

static ssize_t send_to(struct udp_th *h, int fd, ust_ip4_t a, uint16_t port, const void *buf,
                       size_t len)
{
    struct sockaddr_in sin = udp_th_sin(a, port);
    return ust_sendto(h->st, fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin));
}

/* Parses transmitted datagram i as IPv4 + UDP (checksums verified). */
static void parse_tx(struct udp_th *h, unsigned i, struct ipv4_hdr *ip, struct udp_hdr *u)
{
    assert_true(i < h->ntx);
    assert_int_equal(ipv4_parse(h->tx[i], h->tx_len[i], true, ip), 0);
    assert_int_equal(ip->proto, IPV4_PROTO_UDP);
    assert_int_equal(udp_parse(h->tx[i] + ip->hdr_len, ip->total_len - ip->hdr_len, ip->src,
                               ip->dst, true, u),
                     0);
}

static uint16_t local_port(struct udp_th *h, int fd, ust_ip4_t *addr)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    assert_int_equal(ust_getsockname(h->st, fd, (struct sockaddr *)&sin, &len), 0);
    if (addr)
        *addr = ntohl(sin.sin_addr.s_addr);
    return ntohs(sin.sin_port);
}

static void test_sendto_emits_datagram(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, LOCAL, 7);
    assert_int_equal(send_to(h, fd, PEER, 5353, "hello", 5), 5);
    assert_int_equal(h->ntx, 1);
    struct ipv4_hdr ip;
    struct udp_hdr u;
    parse_tx(h, 0, &ip, &u);
    assert_int_equal(ip.src, LOCAL);
    assert_int_equal(ip.dst, PEER);
    assert_int_equal(ip.ttl, 64);
    assert_int_equal(ip.total_len, 20 + 8 + 5);
    assert_int_equal(u.sport, 7);
    assert_int_equal(u.dport, 5353);
    assert_int_equal(u.len, 13);
    assert_int_not_equal(u.csum, 0); /* RFC 1122 4.1.3.4: always generated */
    assert_memory_equal(h->tx[0] + 28, "hello", 5);
    assert_int_equal(ust_stack_stats(h->st)->udp.OutDatagrams, 1);
    assert_true(udp_th_traced(h, "udp: tx 203.0.113.2:7->203.0.113.1:5353 len 5"));
}

static void test_unbound_sendto_autobinds(void **state)
{
    struct udp_th *h = *state;
    int fd = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(send_to(h, fd, PEER, 53, "q", 1), 1);
    ust_ip4_t laddr = 1;
    uint16_t port = local_port(h, fd, &laddr);
    assert_true(port >= 49152);
    assert_int_equal(laddr, 0); /* still a wildcard, as Linux */
    struct ipv4_hdr ip;
    struct udp_hdr u;
    parse_tx(h, 0, &ip, &u);
    assert_int_equal(ip.src, LOCAL);
    assert_int_equal(u.sport, port);
    /* The reply to that port is received. */
    udp_th_inject(h, PEER, 53, LOCAL, port, "a", 1);
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), 1);
}

static void test_connect_fixes_source_and_send(void **state)
{
    struct udp_th *h = *state;
    int fd = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = udp_th_sin(PEER, 5353);
    assert_int_equal(ust_connect(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ust_ip4_t laddr = 0;
    uint16_t port = local_port(h, fd, &laddr);
    assert_int_equal(laddr, LOCAL); /* RFC 1122 4.1.3.5: told which address */
    assert_int_equal(ust_send(h->st, fd, "xy", 2, 0), 2);
    assert_int_equal(ust_write(h->st, fd, "z", 1), 1);
    struct ipv4_hdr ip;
    struct udp_hdr u;
    parse_tx(h, 1, &ip, &u);
    assert_int_equal(ip.dst, PEER);
    assert_int_equal(u.sport, port);
    assert_int_equal(u.dport, 5353);
    assert_int_equal(u.len, 9);
    /* Disconnecting releases the port connect picked itself. */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    assert_int_equal(ust_connect(h->st, fd, &unspec, sizeof(unspec)), 0);
    assert_int_equal(local_port(h, fd, &laddr), 0);
    assert_int_equal(laddr, 0);
}

static void test_connect_without_route(void **state)
{
    struct udp_th *h = *state;
    int fd = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = udp_th_sin(UST_IP4(198, 51, 100, 1), 53);
    assert_int_equal(ust_connect(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
    assert_int_equal(errno, ENETUNREACH);
    /* With a default route it works. */
    assert_int_equal(ust_route_default(h->st, PEER), 0);
    assert_int_equal(ust_connect(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(ust_send(h->st, fd, "x", 1, 0), 1);
    struct ipv4_hdr ip;
    struct udp_hdr u;
    parse_tx(h, 0, &ip, &u);
    assert_int_equal(ip.dst, UST_IP4(198, 51, 100, 1));
}

static void test_ttl_and_tos_applied(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, LOCAL, 7);
    assert_int_equal(set_int(h, fd, IPPROTO_IP, IP_TTL, 3), 0);
    assert_int_equal(set_int(h, fd, IPPROTO_IP, IP_TOS, 0x10), 0);
    assert_int_equal(send_to(h, fd, PEER, 9, NULL, 0), 0);
    struct ipv4_hdr ip;
    struct udp_hdr u;
    parse_tx(h, 0, &ip, &u);
    assert_int_equal(ip.ttl, 3);
    assert_int_equal(ip.tos, 0x10);
    assert_int_equal(u.len, 8); /* an empty datagram is a datagram */
}

static void test_large_datagram_fragmented(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, LOCAL, 7);
    static uint8_t big[3000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    assert_int_equal(send_to(h, fd, PEER, 9, big, sizeof(big)), 3000);
    assert_int_equal(h->ntx, 3);
    struct ipv4_hdr f[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(ipv4_parse(h->tx[i], h->tx_len[i], true, &f[i]), 0);
    assert_true(f[0].mf && f[1].mf && !f[2].mf);
    assert_int_equal(f[0].frag_off, 0);
    assert_int_equal(f[1].frag_off, 1480);
    assert_int_equal(f[2].frag_off, 2960);
    assert_int_equal(f[2].total_len, 20 + 3008 - 2960);
    assert_memory_equal(h->tx[1] + 20, big + 1480 - 8, 1480);
    /* Up to the UDP maximum goes out (as 45 fragments). */
    static uint8_t max[65507];
    assert_int_equal(send_to(h, fd, PEER, 9, max, sizeof(max)), 65507);
}

static void test_broadcast_send(void **state)
{
    struct udp_th *h = *state;
    int fd = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(set_int(h, fd, SOL_SOCKET, SO_BROADCAST, 1), 0);
    assert_int_equal(send_to(h, fd, UST_IP4(203, 0, 113, 255), 67, "d", 1), 1);
    struct ipv4_hdr ip;
    struct udp_hdr u;
    parse_tx(h, 0, &ip, &u);
    assert_int_equal(ip.dst, UST_IP4(203, 0, 113, 255));
    assert_int_equal(ip.src, LOCAL);
}

static void test_full_path_receive(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 5353, LOCAL, 7, "via ip", 6);
    assert_int_equal(ust_dev_input(h->dev, h->clock, d, n), 0);
    char buf[8];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), 0), 6);
    assert_memory_equal(buf, "via ip", 6);
}

static void test_closed_port_sends_port_unreachable(void **state)
{
    struct udp_th *h = *state;
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 5353, LOCAL, 9, "nobody", 6);
    ust_dev_input(h->dev, h->clock, d, n);
    assert_int_equal(ust_stack_stats(h->st)->udp.NoPorts, 1);
    assert_int_equal(h->ntx, 1);
    struct ipv4_hdr ip;
    assert_int_equal(ipv4_parse(h->tx[0], h->tx_len[0], true, &ip), 0);
    assert_int_equal(ip.proto, IPV4_PROTO_ICMP);
    assert_int_equal(ip.src, LOCAL);
    assert_int_equal(ip.dst, PEER);
    struct icmp_hdr ic;
    assert_int_equal(icmp_parse(h->tx[0] + 20, ip.total_len - 20, true, &ic), 0);
    assert_int_equal(ic.type, ICMP_DEST_UNREACH);
    assert_int_equal(ic.code, ICMP_UNREACH_PORT);
    /* The quote starts with the offending header and its first 8 bytes. */
    assert_true(ip.total_len >= 20 + 8 + 28);
    assert_memory_equal(h->tx[0] + 28, d, 28);
    assert_int_equal(ust_stack_stats(h->st)->icmp.OutDestUnreachs, 1);
}

/* Port unreachables go through the stack-wide ICMP error bucket
 * (cfg.icmp_err_burst 50 at once, then cfg.icmp_err_rate 100/s): a flood
 * to a closed port draws 50, the rest are counted as OutRateLimited; 10 ms
 * later one more may go. */
static void test_port_unreachable_rate_limited(void **state)
{
    struct udp_th *h = *state;
    uint8_t d[64];
    size_t n = udp_th_build(d, sizeof(d), PEER, 5353, LOCAL, 9, "nobody", 6);
    for (int i = 0; i < 60; i++)
        ust_dev_input(h->dev, h->clock, d, n);
    const struct ust_stats *st = ust_stack_stats(h->st);
    assert_int_equal(st->udp.NoPorts, 60);
    assert_int_equal(st->icmp.OutDestUnreachs, 50); /* (the harness keeps 16 frames) */
    assert_int_equal(st->link.tx_frames, 50);
    assert_int_equal(st->icmp.OutRateLimited, 10);
    h->clock += 10 * UST_MSEC;
    ust_dev_input(h->dev, h->clock, d, n);
    ust_dev_input(h->dev, h->clock, d, n);
    assert_int_equal(st->icmp.OutDestUnreachs, 51);
    assert_int_equal(st->link.tx_frames, 51);
    assert_int_equal(st->icmp.OutRateLimited, 11);
}

/* An ICMP error from PEER quoting transmitted datagram i. */
static size_t icmp_quoting(struct udp_th *h, unsigned i, uint8_t type, uint8_t code, uint8_t *out,
                           size_t cap)
{
    size_t quote = 28;
    size_t total = 20 + 8 + quote;
    assert_true(cap >= total);
    memcpy(out + 28, h->tx[i], quote);
    struct icmp_hdr ic = {.type = type, .code = code};
    assert_int_equal(icmp_emit(&ic, out + 20, cap - 20, quote), 8);
    struct ipv4_hdr ip = {.hdr_len = 20, .total_len = (uint16_t)total, .id = 9, .ttl = 64,
                          .proto = IPV4_PROTO_ICMP, .src = PEER, .dst = LOCAL};
    assert_int_equal(ipv4_emit(&ip, out, cap), 20);
    return total;
}

static void test_icmp_port_unreachable_through_ip(void **state)
{
    struct udp_th *h = *state;
    int fd = udp_th_socket_bound(h, 0, 7);
    struct sockaddr_in sin = udp_th_sin(PEER, 5353);
    assert_int_equal(ust_connect(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(ust_send(h->st, fd, "ping", 4, 0), 4);
    uint8_t m[128];
    size_t n = icmp_quoting(h, 0, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, m, sizeof(m));
    ust_dev_input(h->dev, h->clock, m, n);
    char buf[4];
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, ECONNREFUSED);
    assert_int_equal(ust_recv(h->st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    /* Host unreachable from a router on the way. */
    n = icmp_quoting(h, 0, ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, m, sizeof(m));
    ust_dev_input(h->dev, h->clock, m, n);
    assert_int_equal(ust_send(h->st, fd, "x", 1, 0), -1);
    assert_int_equal(errno, EHOSTUNREACH);
}

static void test_loopback_and_own_address(void **state)
{
    struct udp_th *h = *state;
    int lo = udp_th_socket_bound(h, UST_IP4(127, 0, 0, 1), 7);
    int own = udp_th_socket_bound(h, LOCAL, 8);
    int cli = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(send_to(h, cli, UST_IP4(127, 0, 0, 1), 7, "lo", 2), 2);
    assert_int_equal(send_to(h, cli, LOCAL, 8, "me", 2), 2);
    assert_int_equal(h->ntx, 0); /* nothing leaves through t0 */
    /* Local delivery happens when the stack is polled (loopback). */
    ust_stack_poll(h->st, h->clock);
    char buf[4];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(h->st, lo, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
                     2);
    assert_memory_equal(buf, "lo", 2);
    assert_int_equal(from.sin_addr.s_addr, htonl(UST_IP4(127, 0, 0, 1)));
    assert_int_equal(ust_recv(h->st, own, buf, sizeof(buf), 0), 2);
    assert_memory_equal(buf, "me", 2);
}

/* A driver hands a batch of frames over with the time the batch was read;
 * with a clock installed (the harness's) each frame is handled at the
 * clock's time, so a frame read late in a long batch is not taken for
 * earlier than it came (its ACK's RTT sample would shrink to nothing). */
static void test_frame_handled_at_clock_time(void **state)
{
    struct udp_th *h = *state;
    ust_time_t batch_start = h->clock;
    h->clock += 700 * UST_USEC; /* the frame is read 700 us into the batch */
    static const uint8_t junk[8]; /* dropped as too short: only the time matters */
    ust_dev_input(h->dev, batch_start, junk, sizeof(junk));
    assert_int_equal(stack_now(h->st), h->clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_sendto_emits_datagram),
        T(test_unbound_sendto_autobinds),
        T(test_connect_fixes_source_and_send),
        T(test_connect_without_route),
        T(test_ttl_and_tos_applied),
        T(test_large_datagram_fragmented),
        T(test_broadcast_send),
        T(test_full_path_receive),
        T(test_closed_port_sends_port_unreachable),
        T(test_port_unreachable_rate_limited),
        T(test_icmp_port_unreachable_through_ip),
        T(test_loopback_and_own_address),
        T(test_frame_handled_at_clock_time),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
