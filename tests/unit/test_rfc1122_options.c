/* RFC 1122 conformance tests for the IP service interface (3.4, 4.1.4):
 * IP options sent and received (3.2.1.8, 4.1.3.2), source routes at both
 * ends (3.2.1.8c, 3.3.5, 3.2.2.6), what IP tells UDP about a received
 * datagram (interface, specific destination: 3.4, 4.1.3.5) through
 * ust_recvmsg, and ICMP errors for unconnected sockets (4.1.3.3). Each test
 * names its row IDs (docs/conformance.md) and the RFC section. The stack
 * has IP-only links (no ARP): what it sends is recorded datagram by
 * datagram. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "core/rand.h"
#include "core/stack_impl.h"
#include "net/net.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"
#include "wire/wbuf.h"

#define ME UST_IP4(203, 0, 113, 1)
#define PEER UST_IP4(203, 0, 113, 2)
#define G1 UST_IP4(203, 0, 113, 7)
#define G2 UST_IP4(203, 0, 113, 8)
#define ME2 UST_IP4(198, 51, 100, 1)
#define FAR UST_IP4(198, 51, 100, 9)

/* One stack: port 0 = 203.0.113.1/24, and with two_ifaces port 1 =
 * 198.51.100.1/24. */
static struct nh_net *setup_stack(struct ust_stack **st, bool two_ifaces)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, NULL);
    assert_int_equal(nh_port_new(n, *st, NH_NO_WIRE, UST_LINK_IP, 1, 1500), 0);
    assert_int_equal(ust_iface_add(*st, nh_dev(n, 0), ME, 24), 0);
    if (two_ifaces) {
        assert_int_equal(nh_port_new(n, *st, NH_NO_WIRE, UST_LINK_IP, 2, 1500), 1);
        assert_int_equal(ust_iface_add(*st, nh_dev(n, 1), ME2, 24), 1);
    }
    return n;
}

/* Received source routes are dropped unless cfg.ip_accept_source_route
 * is on (RFC 7126 4.3); the RFC 1122 3.2.1.8c tests turn it on. */
static void accept_source_routes(struct ust_stack *st) { st->cfg.ip_accept_source_route = true; }

static int udp_socket(struct ust_stack *st, uint16_t port)
{
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    int one = 1;
    assert_int_equal(ust_setsockopt(st, fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

static void set_int(struct ust_stack *st, int fd, int name, int v)
{
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, name, &v, sizeof(v)), 0);
}

static ssize_t send_to(struct ust_stack *st, int fd, ust_ip4_t dst, uint16_t port,
                       const char *msg)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(dst)};
    return ust_sendto(st, fd, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof(to));
}

/* Injects a UDP datagram src:4000 -> dst:dport on `port` (checksum over
 * the final destination `csum_dst`), with IP options. */
static void inject_udp(struct nh_net *n, int port, ust_ip4_t src, ust_ip4_t dst,
                       ust_ip4_t csum_dst, uint16_t dport, const char *msg, const uint8_t *opts,
                       uint8_t opt_len)
{
    uint8_t seg[64], d[128];
    size_t len = strlen(msg);
    memcpy(seg + UDP_HDR_LEN, msg, len);
    udp_emit(4000, dport, src, csum_dst, seg, UDP_HDR_LEN + len, len);
    struct nh_ip ip = {.src = src, .dst = dst, .proto = IPV4_PROTO_UDP, .opts = opts,
                       .opt_len = opt_len};
    size_t dl = nh_build_ipv4(d, sizeof(d), &ip, seg, UDP_HDR_LEN + len);
    nh_inject(n, port, d, dl);
}

/* Recorded datagram i of port 0, checked and parsed. */
static const uint8_t *sent(struct nh_net *n, size_t i, struct ipv4_hdr *h)
{
    const struct nh_frame *f = nh_tx(n, 0, i);
    assert_int_equal(ipv4_parse(f->data, f->len, true, h), 0);
    return f->data;
}

/* One ust_recvmsg into data[] with a control buffer of ctl_len bytes. */
struct rx {
    char data[64];
    uint8_t ctl[256];
    struct sockaddr_in from;
    struct msghdr m;
    struct iovec iov;
    ssize_t rc;
};

static void do_recvmsg(struct ust_stack *st, int fd, struct rx *r, size_t ctl_len, int flags)
{
    memset(r, 0, sizeof(*r));
    r->iov.iov_base = r->data;
    r->iov.iov_len = sizeof(r->data);
    r->m.msg_iov = &r->iov;
    r->m.msg_iovlen = 1;
    r->m.msg_name = &r->from;
    r->m.msg_namelen = sizeof(r->from);
    r->m.msg_control = r->ctl;
    r->m.msg_controllen = ctl_len;
    r->rc = ust_recvmsg(st, fd, &r->m, flags);
}

/* The control message of this type, or NULL. */
static const uint8_t *cmsg_data(struct rx *r, int type, size_t *len)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&r->m); c; c = CMSG_NXTHDR(&r->m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == type) {
            *len = c->cmsg_len - CMSG_LEN(0);
            return CMSG_DATA(c);
        }
    }
    return NULL;
}

/* IP-25 (3.2.1.8), UDP-3, UDP-4 (4.1.3.2), UDP-18 (4.1.4): the application
 * gives IP options with IP_OPTIONS; UDP passes them to IP, which sends them
 * on every datagram, padded with EOL to a 32-bit boundary; they can be
 * changed between datagrams and removed (empty value). getsockopt returns
 * them. Malformed lists, a second source route (IP-36), a route through
 * 127.0.0.1 and the Stream Identifier (IP-29) are refused with EINVAL. */
static void test_udp_ip_options_sent(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    int fd = udp_socket(st, 5000);
    const uint8_t ra[5] = {IPV4_OPT_NOP, 148, 4, 0, 0}; /* NOP, Router Alert */
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_OPTIONS, ra, sizeof(ra)), 0);
    uint8_t got[40];
    socklen_t gl = sizeof(got);
    assert_int_equal(ust_getsockopt(st, fd, IPPROTO_IP, IP_OPTIONS, got, &gl), 0);
    const uint8_t padded[8] = {1, 148, 4, 0, 0, 0, 0, 0};
    assert_int_equal(gl, 8);
    assert_memory_equal(got, padded, 8);
    assert_int_equal(send_to(st, fd, PEER, 7, "one"), 3);
    assert_int_equal(send_to(st, fd, PEER, 7, "two"), 3);
    const uint8_t ts[4] = {68, 4, 5, 0}; /* changed between datagrams */
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_OPTIONS, ts, sizeof(ts)), 0);
    assert_int_equal(send_to(st, fd, PEER, 7, "three"), 5);
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_OPTIONS, NULL, 0), 0);
    assert_int_equal(send_to(st, fd, PEER, 7, "four"), 4);
    assert_int_equal(nh_tx_count(n, 0), 4);
    struct ipv4_hdr h;
    for (size_t i = 0; i < 2; i++) {
        const uint8_t *d = sent(n, i, &h);
        assert_int_equal(d[0], 0x47);
        assert_memory_equal(d + 20, padded, 8);
        assert_int_equal(h.total_len, 28 + 8 + 3);
        struct udp_hdr u;
        assert_int_equal(udp_parse(d + 28, h.total_len - 28, ME, PEER, true, &u), 0);
        assert_memory_equal(d + 36, i ? "two" : "one", 3);
    }
    const uint8_t *d = sent(n, 2, &h);
    assert_int_equal(d[0], 0x46);
    assert_memory_equal(d + 20, ts, 4);
    assert_int_equal(sent(n, 3, &h)[0], 0x45);
    const uint8_t bad_len[4] = {148, 1, 0, 0};
    const uint8_t two_sr[16] = {131, 7, 4, 1, 2, 3, 4, 137, 7, 4, 1, 2, 3, 4, 0, 0};
    const uint8_t sid[4] = {136, 4, 0, 1};
    const uint8_t sr_ptr[8] = {131, 7, 8, 1, 2, 3, 4, 0};
    const uint8_t sr_loop[8] = {131, 7, 4, 127, 0, 0, 1, 0};
    uint8_t big[41] = {0};
    const uint8_t *bad[] = {bad_len, two_sr, sid, sr_ptr, sr_loop, big};
    const size_t bad_n[] = {4, 16, 4, 8, 8, 41};
    for (size_t i = 0; i < 6; i++) {
        errno = 0;
        assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_OPTIONS, bad[i], bad_n[i]), -1);
        assert_int_equal(errno, EINVAL);
    }
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-26, IP-94 (3.2.1.8, 3.4), UDP-2 (4.1.3.2): every received option is
 * handed up, unchanged, to the application (IP_RECVOPTS). IP-93 (3.4),
 * UDP-11 (4.1.3.5): the receiving interface and the specific-destination
 * address are handed up (IP_PKTINFO): for a unicast datagram on interface
 * 1 (198.51.100.1), ifindex 2 and spec_dst = ipi_addr = 198.51.100.1; for a
 * limited broadcast on interface 0, ifindex 1, ipi_addr 255.255.255.255 and
 * spec_dst = 203.0.113.1, the interface's address (RFC 1122 3.3.4.2). Too
 * small a control buffer gives MSG_CTRUNC, too small a data buffer
 * MSG_TRUNC. */
static void test_recvmsg_pktinfo_and_options(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, true);
    int fd = udp_socket(st, 5000);
    set_int(st, fd, IP_PKTINFO, 1);
    set_int(st, fd, IP_RECVOPTS, 1);
    const uint8_t ra[4] = {148, 4, 0, 0};
    inject_udp(n, 1, FAR, ME2, ME2, 5000, "uni", ra, 4);
    inject_udp(n, 0, PEER, 0xffffffffu, 0xffffffffu, 5000, "bcast", NULL, 0);
    struct rx r;
    do_recvmsg(st, fd, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 3);
    assert_memory_equal(r.data, "uni", 3);
    assert_int_equal(ntohl(r.from.sin_addr.s_addr), FAR);
    assert_int_equal(r.m.msg_flags, 0);
    size_t len;
    const uint8_t *c = cmsg_data(&r, IP_PKTINFO, &len);
    assert_non_null(c);
    assert_int_equal(len, sizeof(struct in_pktinfo));
    struct in_pktinfo pi;
    memcpy(&pi, c, sizeof(pi));
    assert_int_equal(pi.ipi_ifindex, 2);
    assert_int_equal(ntohl(pi.ipi_spec_dst.s_addr), ME2);
    assert_int_equal(ntohl(pi.ipi_addr.s_addr), ME2);
    c = cmsg_data(&r, IP_RECVOPTS, &len);
    assert_non_null(c);
    assert_int_equal(len, 4);
    assert_memory_equal(c, ra, 4);
    /* The broadcast (a control buffer with room for IP_PKTINFO only). */
    do_recvmsg(st, fd, &r, CMSG_SPACE(sizeof(struct in_pktinfo)), 0);
    assert_int_equal(r.rc, 5);
    c = cmsg_data(&r, IP_PKTINFO, &len);
    memcpy(&pi, c, sizeof(pi));
    assert_int_equal(pi.ipi_ifindex, 1);
    assert_int_equal(ntohl(pi.ipi_spec_dst.s_addr), ME);
    assert_int_equal(pi.ipi_addr.s_addr, 0xffffffffu);
    assert_null(cmsg_data(&r, IP_RECVOPTS, &len)); /* none received */
    inject_udp(n, 0, PEER, ME, ME, 5000, "truncated", ra, 4);
    memset(&r, 0, sizeof(r));
    r.iov = (struct iovec){.iov_base = r.data, .iov_len = 2};
    r.m = (struct msghdr){.msg_iov = &r.iov, .msg_iovlen = 1, .msg_control = r.ctl,
                          .msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo))};
    assert_int_equal(ust_recvmsg(st, fd, &r.m, 0), 2);
    assert_memory_equal(r.data, "tr", 2);
    assert_int_equal(r.m.msg_flags, MSG_TRUNC | MSG_CTRUNC);
    assert_int_equal(r.m.msg_controllen, CMSG_SPACE(sizeof(struct in_pktinfo)));
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-19 (3.2.1.6: the received TOS is handed up) and UDP-19 (4.1.4: UDP
 * MAY pass it to the application): with IP_RECVTOS, ust_recvmsg gives a
 * one-byte IP_TOS control message holding the TOS of the datagram (0xb8,
 * then 0); without it, none. */
static void test_recvmsg_tos(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    int fd = udp_socket(st, 5000);
    set_int(st, fd, IP_RECVTOS, 1);
    const uint8_t tos[2] = {0xb8, 0};
    for (int i = 0; i < 3; i++) {
        uint8_t seg[16], d[64];
        memcpy(seg + UDP_HDR_LEN, "t", 1);
        udp_emit(4000, 5000, PEER, ME, seg, UDP_HDR_LEN + 1, 1);
        struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_UDP,
                           .tos = i < 2 ? tos[i] : 0x20};
        nh_inject(n, 0, d, nh_build_ipv4(d, sizeof(d), &ip, seg, UDP_HDR_LEN + 1));
    }
    for (int i = 0; i < 2; i++) {
        struct rx r;
        do_recvmsg(st, fd, &r, sizeof(r.ctl), 0);
        assert_int_equal(r.rc, 1);
        size_t len;
        const uint8_t *c = cmsg_data(&r, IP_TOS, &len);
        assert_non_null(c);
        assert_int_equal(len, 1);
        assert_int_equal(c[0], tos[i]);
    }
    set_int(st, fd, IP_RECVTOS, 0);
    struct rx r;
    do_recvmsg(st, fd, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 1);
    assert_int_equal(r.m.msg_controllen, 0);
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-33 (3.2.1.8c: a host can originate a source route), UDP-3: with
 * IP_OPTIONS = LSRR {G1, G2}, a datagram to FAR leaves for G1 (the IP
 * destination) carrying {>>G2, FAR}, as case (A) of 3.2.1.8c says, padded
 * to 12 bytes; the UDP checksum covers the final destination FAR. FAR has
 * no route of its own: only the first hop must be reachable. */
static void test_source_route_originated(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    int fd = udp_socket(st, 5000);
    uint8_t sr[11] = {131, 11, 4};
    put_be32(sr + 3, G1);
    put_be32(sr + 7, G2);
    assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_OPTIONS, sr, sizeof(sr)), 0);
    assert_int_equal(send_to(st, fd, FAR, 53, "srr"), 3);
    assert_int_equal(nh_tx_count(n, 0), 1);
    struct ipv4_hdr h;
    const uint8_t *d = sent(n, 0, &h);
    uint8_t want[12] = {131, 11, 4};
    put_be32(want + 3, G2);
    put_be32(want + 7, FAR);
    assert_int_equal(d[0], 0x48);
    assert_int_equal(h.dst, G1);
    assert_int_equal(h.src, ME);
    assert_memory_equal(d + 20, want, 12);
    struct udp_hdr u;
    assert_int_equal(udp_parse(d + 32, h.total_len - 32, ME, FAR, true, &u), 0);
    assert_int_equal(u.dport, 53);
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-33 (3.2.1.8c: terminate), IP-79 (3.3.5): a datagram addressed to us
 * whose source route is not finished asks us to forward it, which a host
 * does not do: it is not delivered, and Destination Unreachable code 5
 * (source route failed) goes back, quoting it. Counted in
 * InSrcRouteFails. (Received source routes accepted: cfg.ip_accept_source_route.) */
static void test_unfinished_source_route_refused(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    accept_source_routes(st);
    int fd = udp_socket(st, 5000);
    uint8_t sr[8] = {131, 7, 4, 0, 0, 0, 0, 0};
    put_be32(sr + 3, G1);
    inject_udp(n, 0, PEER, ME, G1, 5000, "fwd", sr, 8);
    char buf[8];
    errno = 0;
    assert_int_equal(ust_recv(st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(nh_tx_count(n, 0), 1);
    struct ipv4_hdr h;
    const uint8_t *d = sent(n, 0, &h);
    assert_int_equal(h.proto, IPV4_PROTO_ICMP);
    assert_int_equal(h.dst, PEER);
    assert_int_equal(h.src, ME);
    assert_int_equal(d[20], ICMP_DEST_UNREACH);
    assert_int_equal(d[21], ICMP_UNREACH_SRC_ROUTE);
    assert_int_equal(d[28], 0x47);               /* the quoted header */
    assert_memory_equal(d + 28 + 20, sr, 8);     /* with its route */
    assert_int_equal(ust_stack_stats(st)->ip.InSrcRouteFails, 1);
    assert_int_equal(ust_stack_stats(st)->udp.InDatagrams, 0);
    ust_close(st, fd);
    nh_net_free(n);
}

/* IP-34 (3.2.1.8c): a datagram whose source route is complete is delivered
 * with the recorded route (IP_RECVOPTS: the 12 option bytes as received).
 * IP-35: the return route is built correctly, without redundant hops: from
 * {G1, G2} (case A) and from {PEER, G1, G2} (case B, the source in the
 * recorded route) alike, IP_RETOPTS gives LSRR {G2, G1}; set as
 * IP_OPTIONS, the reply to PEER leaves for G2 carrying {>>G1, PEER}.
 * (Received source routes accepted: cfg.ip_accept_source_route.) */
static void test_completed_route_handed_up_and_reversed(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    accept_source_routes(st);
    int fd = udp_socket(st, 5000);
    set_int(st, fd, IP_RECVOPTS, 1);
    set_int(st, fd, IP_RETOPTS, 1);
    uint8_t a[12] = {131, 11, 12}, b[16] = {131, 15, 16};
    put_be32(a + 3, G1);
    put_be32(a + 7, G2);
    put_be32(b + 3, PEER);
    put_be32(b + 7, G1);
    put_be32(b + 11, G2);
    inject_udp(n, 0, PEER, ME, ME, 5000, "A", a, 12);
    inject_udp(n, 0, PEER, ME, ME, 5000, "B", b, 16);
    uint8_t ret[11] = {131, 11, 4};
    put_be32(ret + 3, G2);
    put_be32(ret + 7, G1);
    for (int i = 0; i < 2; i++) {
        struct rx r;
        do_recvmsg(st, fd, &r, sizeof(r.ctl), 0);
        assert_int_equal(r.rc, 1);
        size_t len;
        const uint8_t *c = cmsg_data(&r, IP_RECVOPTS, &len);
        assert_int_equal(len, i ? 16 : 12);
        assert_memory_equal(c, i ? b : a, len);
        c = cmsg_data(&r, IP_RETOPTS, &len);
        assert_int_equal(len, 11);
        assert_memory_equal(c, ret, 11);
        assert_int_equal(ust_setsockopt(st, fd, IPPROTO_IP, IP_OPTIONS, c, (socklen_t)len), 0);
    }
    assert_int_equal(send_to(st, fd, PEER, 4000, "re"), 2);
    struct ipv4_hdr h;
    const uint8_t *d = sent(n, 0, &h);
    uint8_t want[12] = {131, 11, 4};
    put_be32(want + 3, G1);
    put_be32(want + 7, PEER);
    assert_int_equal(h.dst, G2);
    assert_memory_equal(d + 20, want, 12);
    ust_close(st, fd);
    nh_net_free(n);
}

/* ICMP-35 (3.2.2.6): the source route of an echo request is reversed and
 * used for the reply. Request PEER -> ME recorded {G1, G2}: the reply goes
 * to G2 with LSRR {>>G1, PEER} (IP-35 again: no redundant hop), exact
 * bytes. A strict route (SSRR) stays strict. (Received source routes
 * accepted: cfg.ip_accept_source_route.) */
static void test_echo_reply_reverses_source_route(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    accept_source_routes(st);
    const uint8_t types[2] = {131, 137};
    for (int i = 0; i < 2; i++) {
        uint8_t sr[12] = {types[i], 11, 12};
        put_be32(sr + 3, G1);
        put_be32(sr + 7, G2);
        uint8_t icmp[16], d[96];
        size_t il = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00420001,
                                  (const uint8_t *)"ping", 4);
        struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .opts = sr,
                           .opt_len = 12};
        nh_inject(n, 0, d, nh_build_ipv4(d, sizeof(d), &ip, icmp, il));
    }
    assert_int_equal(nh_tx_count(n, 0), 2);
    for (int i = 0; i < 2; i++) {
        struct ipv4_hdr h;
        const uint8_t *r = sent(n, (size_t)i, &h);
        uint8_t want[12] = {types[i], 11, 4};
        put_be32(want + 3, G1);
        put_be32(want + 7, PEER);
        assert_int_equal(r[0], 0x48);
        assert_int_equal(h.src, ME);
        assert_int_equal(h.dst, G2);
        assert_memory_equal(r + 20, want, 12);
        assert_int_equal(r[32], ICMP_ECHO_REPLY);
        assert_memory_equal(r + 40, "ping", 4);
    }
    nh_net_free(n);
}

/* The ICMP error `type`/`code` (rest word `rest`) from `from` quoting
 * datagram i that port 0 sent. */
static void inject_icmp_about(struct nh_net *n, size_t i, ust_ip4_t from, uint8_t type,
                              uint8_t code, uint32_t rest)
{
    const struct nh_frame *f = nh_tx(n, 0, i);
    uint8_t icmp[128], d[192];
    size_t il = nh_build_icmp(icmp, sizeof(icmp), type, code, rest, f->data, f->len);
    struct nh_ip ip = {.src = from, .dst = ME, .proto = IPV4_PROTO_ICMP};
    nh_inject(n, 0, d, nh_build_ipv4(d, sizeof(d), &ip, icmp, il));
}

static void expect_err(struct ust_stack *st, int fd, int eno, uint8_t type, uint8_t code,
                       uint32_t info, ust_ip4_t offender, const char *payload, uint16_t dport)
{
    struct rx r;
    do_recvmsg(st, fd, &r, sizeof(r.ctl), MSG_ERRQUEUE);
    assert_int_equal(r.rc, (ssize_t)strlen(payload));
    assert_memory_equal(r.data, payload, strlen(payload));
    assert_int_equal(ntohl(r.from.sin_addr.s_addr), FAR);
    assert_int_equal(ntohs(r.from.sin_port), dport);
    size_t len;
    const uint8_t *c = cmsg_data(&r, IP_RECVERR, &len);
    assert_non_null(c);
    struct ust_sock_extended_err ee;
    struct sockaddr_in off;
    assert_int_equal(len, sizeof(ee) + sizeof(off));
    memcpy(&ee, c, sizeof(ee));
    memcpy(&off, c + sizeof(ee), sizeof(off));
    assert_int_equal(ee.ee_errno, eno);
    assert_int_equal(ee.ee_origin, UST_SO_EE_ORIGIN_ICMP);
    assert_int_equal(ee.ee_type, type);
    assert_int_equal(ee.ee_code, code);
    assert_int_equal(ee.ee_info, info);
    assert_int_equal(ntohl(off.sin_addr.s_addr), offender);
}

/* UDP-5 (4.1.3.3): UDP passes every ICMP error to the application. An
 * unconnected socket with IP_RECVERR gets each error about a datagram it
 * sent in its error queue (ust_recvmsg with MSG_ERRQUEUE: the datagram's
 * payload and destination, errno, ICMP type/code, next-hop MTU, reporter),
 * with POLLERR while the queue is not empty; without IP_RECVERR the queue
 * stays empty (as Linux). A connected socket also hears Fragmentation
 * Needed, as EMSGSIZE. */
static void test_icmp_errors_reach_unconnected_socket(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    assert_int_equal(ust_route_default(st, PEER), 0);
    int fd = udp_socket(st, 5000);
    int quiet = udp_socket(st, 5001);
    set_int(st, fd, IP_RECVERR, 1);
    assert_int_equal(send_to(st, fd, FAR, 9, "port"), 4);
    assert_int_equal(send_to(st, fd, FAR, 10, "big"), 3);
    assert_int_equal(send_to(st, fd, FAR, 11, "ttl"), 3);
    assert_int_equal(send_to(st, quiet, FAR, 9, "q"), 1);
    const ust_ip4_t router = UST_IP4(203, 0, 113, 254);
    inject_icmp_about(n, 0, FAR, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0);
    inject_icmp_about(n, 1, router, ICMP_DEST_UNREACH, ICMP_UNREACH_FRAG_NEEDED, 1000);
    inject_icmp_about(n, 2, router, ICMP_TIME_EXCEEDED, 0, 0);
    inject_icmp_about(n, 3, FAR, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(ust_poll(st, &p, 1, 0), 1);
    assert_int_equal(p.revents, POLLERR);
    expect_err(st, fd, ECONNREFUSED, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, FAR, "port", 9);
    expect_err(st, fd, EMSGSIZE, ICMP_DEST_UNREACH, ICMP_UNREACH_FRAG_NEEDED, 1000, router, "big",
               10);
    expect_err(st, fd, EHOSTUNREACH, ICMP_TIME_EXCEEDED, 0, 0, router, "ttl", 11);
    struct rx r;
    do_recvmsg(st, fd, &r, sizeof(r.ctl), MSG_ERRQUEUE);
    assert_int_equal(r.rc, -1);
    assert_int_equal(errno, EAGAIN);
    p.revents = 0;
    assert_int_equal(ust_poll(st, &p, 1, 0), 0);
    do_recvmsg(st, quiet, &r, sizeof(r.ctl), MSG_ERRQUEUE);
    assert_int_equal(r.rc, -1);
    assert_int_equal(errno, EAGAIN);
    /* Connected: fragmentation needed is EMSGSIZE on the next call. */
    struct sockaddr_in far = {.sin_family = AF_INET, .sin_port = htons(12),
                              .sin_addr.s_addr = htonl(FAR)};
    assert_int_equal(ust_connect(st, quiet, (struct sockaddr *)&far, sizeof(far)), 0);
    assert_int_equal(ust_send(st, quiet, "c", 1, 0), 1);
    inject_icmp_about(n, nh_tx_count(n, 0) - 1, router, ICMP_DEST_UNREACH,
                      ICMP_UNREACH_FRAG_NEEDED, 576);
    errno = 0;
    assert_int_equal(ust_send(st, quiet, "c", 1, 0), -1);
    assert_int_equal(errno, EMSGSIZE);
    ust_close(st, fd);
    ust_close(st, quiet);
    nh_net_free(n);
}

/* Appends a control message to buf at *used. */
static void put_cmsg(uint8_t *buf, size_t *used, int type, const void *data, size_t len)
{
    struct cmsghdr c = {.cmsg_len = CMSG_LEN(len), .cmsg_level = IPPROTO_IP, .cmsg_type = type};
    memcpy(buf + *used, &c, sizeof(c));
    memcpy(buf + *used + CMSG_LEN(0), data, len);
    *used += CMSG_SPACE(len);
}

/* UDP-18 (4.1.4: TTL, TOS per datagram): ust_sendmsg gathers its iovecs
 * into one datagram, and its control messages set TTL 7, TOS 0x28 (as one
 * byte) and, with IP_PKTINFO, the source 198.51.100.1 for that datagram
 * only; the next one has the socket's values again (64, 0, 203.0.113.1).
 * TTL 0, an unknown type and a source that is not ours are refused. */
static void test_sendmsg_per_datagram_settings(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, true);
    int fd = udp_socket(st, 5000);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7),
                             .sin_addr.s_addr = htonl(PEER)};
    struct iovec iov[2] = {{.iov_base = "gat", .iov_len = 3}, {.iov_base = "her", .iov_len = 3}};
    _Alignas(struct cmsghdr) uint8_t ctl[128] = {0};
    size_t used = 0;
    int ttl = 7;
    uint8_t tos = 0x28;
    struct in_pktinfo pi = {.ipi_spec_dst.s_addr = htonl(ME2)};
    put_cmsg(ctl, &used, IP_TTL, &ttl, sizeof(ttl));
    put_cmsg(ctl, &used, IP_TOS, &tos, 1);
    put_cmsg(ctl, &used, IP_PKTINFO, &pi, sizeof(pi));
    struct msghdr m = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = iov,
                       .msg_iovlen = 2, .msg_control = ctl, .msg_controllen = used};
    assert_int_equal(ust_sendmsg(st, fd, &m, 0), 6);
    m.msg_control = NULL;
    m.msg_controllen = 0;
    assert_int_equal(ust_sendmsg(st, fd, &m, 0), 6);
    assert_int_equal(nh_tx_count(n, 0), 2);
    struct ipv4_hdr h;
    const uint8_t *d = sent(n, 0, &h);
    assert_memory_equal(d + 28, "gather", 6);
    assert_int_equal(h.ttl, 7);
    assert_int_equal(h.tos, 0x28);
    assert_int_equal(h.src, ME2);
    struct udp_hdr u;
    assert_int_equal(udp_parse(d + 20, h.total_len - 20, ME2, PEER, true, &u), 0);
    sent(n, 1, &h);
    assert_int_equal(h.ttl, 64);
    assert_int_equal(h.tos, 0);
    assert_int_equal(h.src, ME);
    const int zero = 0;
    const struct in_pktinfo far = {.ipi_spec_dst.s_addr = htonl(FAR)};
    const int types[3] = {IP_TTL, IP_RECVERR, IP_PKTINFO};
    const void *vals[3] = {&zero, &zero, &far};
    const size_t lens[3] = {sizeof(int), sizeof(int), sizeof(far)};
    const int eno[3] = {EINVAL, EINVAL, EADDRNOTAVAIL};
    for (int i = 0; i < 3; i++) {
        memset(ctl, 0, sizeof(ctl));
        used = 0;
        put_cmsg(ctl, &used, types[i], vals[i], lens[i]);
        m.msg_control = ctl;
        m.msg_controllen = used;
        errno = 0;
        assert_int_equal(ust_sendmsg(st, fd, &m, 0), -1);
        assert_int_equal(errno, eno[i]);
    }
    assert_int_equal(nh_tx_count(n, 0), 2);
    ust_close(st, fd);
    nh_net_free(n);
}

/* Hostile option bytes (seeded PRNG, 3000 rounds): biased towards source
 * routes with random lengths and pointers. As IP_OPTIONS they are either
 * refused with EINVAL or sent; in received datagrams (UDP to a socket
 * asking for every control message, echo requests) they are delivered,
 * answered or dropped, never read out of bounds (ASan). A source route
 * accepted by IP_OPTIONS always leaves with its first hop, a unicast
 * address, as destination. */
static void test_random_options_never_crash(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    accept_source_routes(st);
    assert_int_equal(ust_route_default(st, PEER), 0);
    int fd = udp_socket(st, 5000);
    set_int(st, fd, IP_PKTINFO, 1);
    set_int(st, fd, IP_RECVOPTS, 1);
    set_int(st, fd, IP_RETOPTS, 1);
    struct ust_rng r;
    rng_seed(&r, 42);
    for (int i = 0; i < 3000; i++) {
        uint8_t opts[44];
        size_t len = (size_t)rng_below(&r, 41);
        rng_bytes(&r, opts, len);
        if (len >= 3 && rng_below(&r, 2)) {
            opts[0] = rng_below(&r, 2) ? IPV4_OPT_LSRR : IPV4_OPT_SSRR;
            opts[1] = (uint8_t)rng_below(&r, len + 2);
            opts[2] = (uint8_t)(rng_below(&r, 3) ? 4 * rng_below(&r, 11) : rng_below(&r, 256));
        }
        nh_tx_clear(n, 0);
        if (ust_setsockopt(st, fd, IPPROTO_IP, IP_OPTIONS, opts, (socklen_t)len) == 0) {
            assert_int_equal(send_to(st, fd, FAR, 9, "r"), 1);
            struct ipv4_hdr h;
            sent(n, 0, &h);
            assert_int_equal(h.dst, ipv4_first_hop(opts, len, FAR));
            assert_true(ipv4_srr_hop_ok(h.dst));
        } else {
            assert_int_equal(errno, EINVAL);
        }
        uint8_t padded[44] = {0};
        memcpy(padded, opts, len);
        uint8_t olen = (uint8_t)((len + 3) & ~3u);
        inject_udp(n, 0, PEER, ME, ME, 5000, "in", padded, olen);
        struct rx rx;
        do_recvmsg(st, fd, &rx, sizeof(rx.ctl), 0);
        uint8_t icmp[16], d[96];
        size_t il = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 1, NULL, 0);
        struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .opts = padded,
                           .opt_len = olen};
        nh_inject(n, 0, d, nh_build_ipv4(d, sizeof(d), &ip, icmp, il));
        nh_run_until(n, n->now + UST_SEC); /* keep the ICMP rate limit out of the way */
    }
    assert_true(ust_stack_stats(st)->udp.InDatagrams > 0);
    assert_true(ust_stack_stats(st)->ip.InSrcRouteFails > 0);
    ust_close(st, fd);
    nh_net_free(n);
}

/* An echo request PEER -> ME over the completed loose (or strict) route
 * {G1}, or with an unfinished one naming G1. */
static void inject_routed_ping(struct nh_net *n, uint8_t type, bool complete)
{
    uint8_t sr[8] = {type, 7, complete ? 8 : 4, 0, 0, 0, 0, 0};
    put_be32(sr + 3, G1);
    uint8_t icmp[16], d[96];
    size_t il = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00420001,
                              (const uint8_t *)"ping", 4);
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .opts = sr, .opt_len = 8};
    nh_inject(n, 0, d, nh_build_ipv4(d, sizeof(d), &ip, icmp, il));
}

/* RFC 7126 4.3-4.4 (as Linux accept_source_route=0): by default a
 * received LSRR/SSRR is dropped and counted (InSrcRtDrops) whatever its
 * state: no echo reply over the reversed route towards G1, no "source
 * route failed" error, no delivery to a UDP socket. With
 * cfg.ip_accept_source_route on, the same ping is answered via G1
 * (RFC 1122 3.2.2.6, ICMP-35). */
static void test_source_routes_dropped_by_default(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    int fd = udp_socket(st, 5000);
    inject_routed_ping(n, IPV4_OPT_LSRR, true);
    inject_routed_ping(n, IPV4_OPT_SSRR, true);
    inject_routed_ping(n, IPV4_OPT_LSRR, false);
    uint8_t sr[8] = {IPV4_OPT_LSRR, 7, 8, 0, 0, 0, 0, 0};
    put_be32(sr + 3, G1);
    inject_udp(n, 0, PEER, ME, ME, 5000, "udp", sr, 8);
    nh_run_until(n, n->now + UST_SEC);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(s->ip.InSrcRtDrops, 4);
    assert_int_equal(s->ip.InSrcRouteFails, 0);
    assert_int_equal(s->icmp.InEchos, 0);
    assert_int_equal(s->icmp.OutMsgs, 0);
    assert_int_equal(s->udp.InDatagrams, 0);
    char buf[8];
    errno = 0;
    assert_int_equal(ust_recv(st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);

    accept_source_routes(st);
    inject_routed_ping(n, IPV4_OPT_LSRR, true);
    assert_int_equal(nh_tx_count(n, 0), 1);
    struct ipv4_hdr h;
    const uint8_t *r = sent(n, 0, &h);
    assert_int_equal(h.dst, G1);
    assert_int_equal(r[h.hdr_len], ICMP_ECHO_REPLY);
    assert_int_equal(s->ip.InSrcRtDrops, 4);
    ust_close(st, fd);
    nh_net_free(n);
}

/* ICMP-34 (3.2.2.6): Record Route and Timestamp options of an echo request
 * are updated with this host and reflected in the reply. At 1.234 s: RR
 * with two free slots gets 203.0.113.1 in the first (pointer 4 -> 8); TS
 * with flag 1 (address + time) gets 203.0.113.1 and the time, 1234 ms with
 * the high-order bit set (no UT clock, RFC 791), pointer 5 -> 13. A full
 * RR is reflected unchanged, a full TS with its overflow count raised. */
static void test_echo_reply_reflects_rr_and_ts(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup_stack(&st, false);
    nh_run_until(n, 1234 * UST_MSEC);
    uint8_t req1[24] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 68, 12, 5, 0x01};
    uint8_t req2[12] = {7, 7, 8, 198, 51, 100, 1, 68, 4, 5, 0x00, 0};
    const uint8_t *reqs[2] = {req1, req2};
    const uint8_t lens[2] = {24, 12};
    for (int i = 0; i < 2; i++) {
        uint8_t icmp[16], d[96];
        size_t il = nh_build_icmp(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 0, 0x00090001,
                                  (const uint8_t *)"rr", 2);
        struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .opts = reqs[i],
                           .opt_len = lens[i]};
        nh_inject(n, 0, d, nh_build_ipv4(d, sizeof(d), &ip, icmp, il));
    }
    assert_int_equal(nh_tx_count(n, 0), 2);
    uint8_t want1[24] = {7, 11, 8, 203, 0, 113, 1, 0, 0, 0, 0,
                         68, 12, 13, 0x01, 203, 0, 113, 1, 0x80, 0, 0x04, 0xd2, 0};
    uint8_t want2[12] = {7, 7, 8, 198, 51, 100, 1, 68, 4, 5, 0x10, 0};
    const uint8_t *want[2] = {want1, want2};
    for (int i = 0; i < 2; i++) {
        struct ipv4_hdr h;
        const uint8_t *r = sent(n, (size_t)i, &h);
        assert_int_equal(h.hdr_len, 20 + lens[i]);
        assert_int_equal(h.dst, PEER);
        assert_memory_equal(r + 20, want[i], lens[i]);
        assert_int_equal(r[20 + lens[i]], ICMP_ECHO_REPLY);
    }
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_ip_options_sent),
        cmocka_unit_test(test_recvmsg_pktinfo_and_options),
        cmocka_unit_test(test_recvmsg_tos),
        cmocka_unit_test(test_source_route_originated),
        cmocka_unit_test(test_unfinished_source_route_refused),
        cmocka_unit_test(test_completed_route_handed_up_and_reversed),
        cmocka_unit_test(test_echo_reply_reverses_source_route),
        cmocka_unit_test(test_source_routes_dropped_by_default),
        cmocka_unit_test(test_echo_reply_reflects_rr_and_ts),
        cmocka_unit_test(test_icmp_errors_reach_unconnected_socket),
        cmocka_unit_test(test_sendmsg_per_datagram_settings),
        cmocka_unit_test(test_random_options_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
