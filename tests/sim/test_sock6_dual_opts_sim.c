/* Dual-stack socket options kept per family and RFC 3542 11's path MTU
 * options (issue #13), on two simulated dual-stack stacks (203.0.113.1 /
 * 2001:db8::1 and 203.0.113.2 / 2001:db8::2). As Linux: on an AF_INET6
 * socket without IPV6_V6ONLY, IP_TTL / IP_TOS govern the IPv4-mapped
 * packets and IPV6_UNICAST_HOPS / IPV6_TCLASS the IPv6 ones (UDP and
 * TCP, read back apart); IP_RECVERR queues ICMP errors, IPV6_RECVERR
 * ICMPv6 ones. IPV6_USE_MIN_MTU (RFC 3542 11.1) fragments at 1280 and
 * gives TCP an MSS from 1280; IPV6_RECVPATHMTU (11.3) hands an
 * IPV6_PATHMTU notice to recvmsg after a Packet Too Big lowered the path
 * and an IPV6_DONTFRAG send failed; getsockopt IPV6_PATHMTU (11.4) gives
 * the path MTU of a connected socket. Packets are read from a pcap
 * capture of A's link. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "../harness/stream.h"
#include "ustack/ustack.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv6.h"
#include "wire/wbuf.h"

#define A4 UST_IP4(203, 0, 113, 1)
#define B4 UST_IP4(203, 0, 113, 2)
#define PORT 7100

static void add6(struct ust_stack *st, const char *text)
{
    uint8_t a[16];
    assert_int_equal(ust_ip6_parse(text, a), 0);
    assert_int_equal(ust_iface_add_addr6(st, 0, a, 64), 0);
}

static void up(struct stream_pair *p)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_accept_ra = false; /* no router: the simulation goes idle */
    cfg.ipv6_dad_transmits = 0; /* the addresses are usable at once */
    struct ust_sim_faults f = {.delay = UST_MSEC};
    stream_pair_up(p, 11, &cfg, A4, B4, &f, &f);
    add6(p->a, "2001:db8::1");
    add6(p->b, "2001:db8::2");
    ust_sim_run_until(p->sim, ust_sim_now(p->sim) + 100 * UST_MSEC);
}

static void settle(struct stream_pair *p)
{
    ust_sim_run_until(p->sim, ust_sim_now(p->sim) + 50 * UST_MSEC);
}

static struct sockaddr_in6 sin6_of(const char *text, uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    assert_int_equal(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
    return a;
}

static int sock6(struct ust_stack *st, int type, uint16_t port)
{
    int s = ust_socket(st, AF_INET6, type | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    if (port) {
        struct sockaddr_in6 any = sin6_of("::", port);
        assert_int_equal(ust_bind(st, s, (struct sockaddr *)&any, sizeof(any)), 0);
    }
    return s;
}

static void setopt(struct ust_stack *st, int s, int level, int name, int v)
{
    assert_int_equal(ust_setsockopt(st, s, level, name, &v, sizeof(v)), 0);
}

static int getopt_int(struct ust_stack *st, int s, int level, int name)
{
    int v = -77;
    socklen_t n = sizeof(v);
    assert_int_equal(ust_getsockopt(st, s, level, name, &v, &n), 0);
    return v;
}

static void send_to(struct ust_stack *st, int s, const char *dst, uint16_t port, size_t len)
{
    static char buf[2000];
    memset(buf, 'x', sizeof(buf));
    struct sockaddr_in6 to = sin6_of(dst, port);
    assert_int_equal(ust_sendto(st, s, buf, len, 0, (struct sockaddr *)&to, sizeof(to)),
                     (ssize_t)len);
}

/* ---- the wire: a classic pcap of A's device --------------------------- */

struct pkt_seen {
    bool v6;
    uint8_t ttl, tos;   /* TTL / hop limit, TOS / Traffic Class */
    uint8_t proto;      /* the upper layer (44 for an IPv6 fragment) */
    unsigned ip_len;    /* the IP packet's bytes */
    uint16_t sport, dport; /* 0 for a fragment */
    uint16_t mss;       /* a TCP SYN's MSS option, else 0 */
};

struct wire {
    FILE *f;
    struct pkt_seen pkts[32];
    int n;
};

static uint16_t syn_mss(const uint8_t *tcp, unsigned len)
{
    unsigned hl = (unsigned)(tcp[12] >> 4) * 4;
    for (unsigned i = 20; i + 1 < hl && hl <= len;) {
        if (tcp[i] == 0)
            break;
        if (tcp[i] == 1) {
            i++;
            continue;
        }
        if (tcp[i] == 2 && tcp[i + 1] == 4)
            return (uint16_t)(tcp[i + 2] << 8 | tcp[i + 3]);
        i += tcp[i + 1] ? tcp[i + 1] : 1;
    }
    return 0;
}

static void parse_frame(struct wire *w, const uint8_t *fr, unsigned incl)
{
    bool v6 = fr[12] == 0x86 && fr[13] == 0xdd, v4 = fr[12] == 0x08 && fr[13] == 0x00;
    const uint8_t *ip = fr + 14;
    if ((!v4 && !v6) || incl < 14 + 20 || w->n == (int)(sizeof(w->pkts) / sizeof(w->pkts[0])))
        return;
    unsigned hl = v6 ? 40 : (unsigned)(ip[0] & 0x0f) * 4;
    if (incl < 14 + hl + 8)
        return;
    struct pkt_seen *s = &w->pkts[w->n++];
    s->v6 = v6;
    s->ttl = v6 ? ip[7] : ip[8];
    s->tos = v6 ? (uint8_t)((ip[0] & 0x0f) << 4 | ip[1] >> 4) : ip[1];
    s->proto = v6 ? ip[6] : ip[9];
    s->ip_len = v6 ? 40u + (unsigned)(ip[4] << 8 | ip[5]) : (unsigned)(ip[2] << 8 | ip[3]);
    bool frag = s->proto == 44;
    s->sport = frag ? 0 : (uint16_t)(ip[hl] << 8 | ip[hl + 1]);
    s->dport = frag ? 0 : (uint16_t)(ip[hl + 2] << 8 | ip[hl + 3]);
    bool syn = s->proto == 6 && (ip[hl + 13] & 0x02);
    s->mss = syn ? syn_mss(ip + hl, incl - 14 - hl) : 0;
}

static void capture(struct stream_pair *p, struct wire *w)
{
    memset(w, 0, sizeof(*w));
    w->f = tmpfile();
    assert_non_null(w->f);
    assert_int_equal(ust_dev_pcap_attach(p->da, w->f), 0);
}

/* Stops the capture and reads every IPv4 / IPv6 packet it holds. */
static void read_wire(struct stream_pair *p, struct wire *w)
{
    uint8_t gh[24], rh[16], frame[2048];
    ust_dev_pcap_close(p->da); /* flushed */
    rewind(w->f);
    assert_int_equal(fread(gh, 1, sizeof(gh), w->f), sizeof(gh));
    while (fread(rh, 1, sizeof(rh), w->f) == sizeof(rh)) {
        uint32_t incl;
        memcpy(&incl, rh + 8, 4);
        assert_true(incl <= sizeof(frame));
        assert_int_equal(fread(frame, 1, incl, w->f), incl);
        parse_frame(w, frame, incl);
    }
    fclose(w->f);
}

/* The first packet of that family to dport (proto 0: any), or NULL. */
static const struct pkt_seen *seen(const struct wire *w, bool v6, uint8_t proto, uint16_t dport)
{
    for (int i = 0; i < w->n; i++)
        if (w->pkts[i].v6 == v6 && w->pkts[i].dport == dport &&
            (!proto || w->pkts[i].proto == proto))
            return &w->pkts[i];
    return NULL;
}

/* ---- the tests -------------------------------------------------------- */

/* One dual UDP socket, one mapped IPv4 peer and one IPv6 peer: IP_TTL 33
 * and IP_TOS 0x28 on the IPv4 datagram, IPV6_UNICAST_HOPS 7 and
 * IPV6_TCLASS 0xb8 on the IPv6 one; each option reads back its own value
 * (Linux inet->uc_ttl / tos and np->hop_limit / tclass). An IPV6_HOPLIMIT
 * control message changes the IPv6 datagram only. */
static void test_udp_ttl_and_hops_apart(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int s = sock6(p.a, SOCK_DGRAM, 0);
    setopt(p.a, s, IPPROTO_IP, IP_TTL, 33);
    setopt(p.a, s, IPPROTO_IP, IP_TOS, 0x28);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 7);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_TCLASS, 0xb8);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IP, IP_TTL), 33);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IP, IP_TOS), 0x28);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 7);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IPV6, IPV6_TCLASS), 0xb8);
    struct wire w;
    capture(&p, &w);
    send_to(p.a, s, "::ffff:203.0.113.2", PORT, 10);
    send_to(p.a, s, "2001:db8::2", PORT + 1, 10);
    settle(&p);
    read_wire(&p, &w);
    const struct pkt_seen *v4 = seen(&w, false, 17, PORT), *v6 = seen(&w, true, 17, PORT + 1);
    assert_non_null(v4);
    assert_non_null(v6);
    assert_int_equal(v4->ttl, 33);
    assert_int_equal(v4->tos, 0x28);
    assert_int_equal(v6->ttl, 7);
    assert_int_equal(v6->tos, 0xb8);
    /* Back to the defaults, each on its own. */
    setopt(p.a, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -1);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 64);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IP, IP_TTL), 33);
    setopt(p.a, s, IPPROTO_IP, IP_TTL, -1);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IP, IP_TTL), 64);
    stream_pair_free(&p);
}

/* A TCP socket: the same split, on an IPv4-mapped connection's SYN (TTL
 * 33, TOS 0x20) and an IPv6 one's (hop limit 7, Traffic Class 0x40); an
 * accepted IPv6 connection's SYN,ACK carries its dual listener's
 * IPV6_UNICAST_HOPS (9), not its IP_TTL (50). */
static void test_tcp_ttl_and_hops_apart(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int l = sock6(p.a, SOCK_STREAM, PORT + 2);
    setopt(p.a, l, IPPROTO_IP, IP_TTL, 50);
    setopt(p.a, l, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9);
    assert_int_equal(ust_listen(p.a, l, 4), 0);
    int lb = sock6(p.b, SOCK_STREAM, PORT);
    assert_int_equal(ust_listen(p.b, lb, 4), 0);
    int c[2];
    const char *to[2] = {"::ffff:203.0.113.2", "2001:db8::2"};
    struct wire w;
    capture(&p, &w);
    for (int i = 0; i < 2; i++) {
        c[i] = sock6(p.a, SOCK_STREAM, 0);
        setopt(p.a, c[i], IPPROTO_IP, IP_TTL, 33);
        setopt(p.a, c[i], IPPROTO_IP, IP_TOS, 0x20);
        setopt(p.a, c[i], IPPROTO_IPV6, IPV6_UNICAST_HOPS, 7);
        setopt(p.a, c[i], IPPROTO_IPV6, IPV6_TCLASS, 0x40);
        struct sockaddr_in6 sa = sin6_of(to[i], PORT);
        assert_int_equal(ust_connect(p.a, c[i], (struct sockaddr *)&sa, sizeof(sa)), -1);
        assert_int_equal(errno, EINPROGRESS);
    }
    int cb = sock6(p.b, SOCK_STREAM, 0);
    struct sockaddr_in6 la = sin6_of("2001:db8::1", PORT + 2);
    assert_int_equal(ust_connect(p.b, cb, (struct sockaddr *)&la, sizeof(la)), -1);
    settle(&p);
    read_wire(&p, &w);
    const struct pkt_seen *v4 = seen(&w, false, 6, PORT), *v6 = seen(&w, true, 6, PORT);
    assert_non_null(v4);
    assert_non_null(v6);
    assert_int_equal(v4->ttl, 33);
    assert_int_equal(v4->tos, 0x20);
    assert_int_equal(v6->ttl, 7);
    assert_int_equal(v6->tos, 0x40);
    assert_int_equal(getopt_int(p.a, c[1], IPPROTO_IPV6, IPV6_TCLASS), 0x40);
    assert_int_equal(getopt_int(p.a, c[1], IPPROTO_IP, IP_TOS), 0x20);
    /* the SYN,ACK of A's listener towards B's port */
    struct sockaddr_in6 bn;
    socklen_t bl = sizeof(bn);
    assert_int_equal(ust_getsockname(p.b, cb, (struct sockaddr *)&bn, &bl), 0);
    const struct pkt_seen *sa = seen(&w, true, 6, ntohs(bn.sin6_port));
    assert_non_null(sa);
    assert_int_equal(sa->ttl, 9);
    stream_pair_free(&p);
}

/* The error queue, ICMP and ICMPv6 apart: with only IP_RECVERR the
 * port unreachable about an IPv4-mapped datagram is queued (origin ICMP)
 * and the ICMPv6 one about an IPv6 datagram is not; with only
 * IPV6_RECVERR the reverse (origin ICMP6). As Linux (__udp4_lib_err reads
 * IP_RECVERR, __udp6_lib_err IPV6_RECVERR). */
static void test_udp_recverr_apart(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int s = sock6(p.a, SOCK_DGRAM, 0);
    static const int names[2] = {IP_RECVERR, IPV6_RECVERR};
    static const int levels[2] = {IPPROTO_IP, IPPROTO_IPV6};
    for (int on = 0; on < 2; on++) {
        setopt(p.a, s, levels[on], names[on], 1);
        setopt(p.a, s, levels[1 - on], names[1 - on], 0);
        assert_int_equal(getopt_int(p.a, s, levels[on], names[on]), 1);
        assert_int_equal(getopt_int(p.a, s, levels[1 - on], names[1 - on]), 0);
        send_to(p.a, s, "::ffff:203.0.113.2", 9999, 4);
        send_to(p.a, s, "2001:db8::2", 9999, 4);
        settle(&p);
        char buf[16], ctl[256];
        struct sockaddr_in6 from;
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
                           .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
        assert_int_equal(ust_recvmsg(p.a, s, &m, MSG_ERRQUEUE), 4);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        assert_non_null(c);
        struct ust_sock_extended_err ee;
        memcpy(&ee, CMSG_DATA(c), sizeof(ee));
        assert_int_equal(ee.ee_errno, ECONNREFUSED);
        assert_int_equal(ee.ee_origin, on ? UST_SO_EE_ORIGIN_ICMP6 : UST_SO_EE_ORIGIN_ICMP);
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &from.sin6_addr, text, sizeof(text));
        assert_string_equal(text, on ? "2001:db8::2" : "::ffff:203.0.113.2");
        m.msg_controllen = sizeof(ctl);
        assert_int_equal(ust_recvmsg(p.a, s, &m, MSG_ERRQUEUE), -1); /* only that one */
        assert_int_equal(errno, EAGAIN);
    }
    stream_pair_free(&p);
}

/* TCP: IPV6_RECVERR and IP_RECVERR read back apart (each the flag of its
 * family's connections, Linux tcp_v6_err / tcp_v4_err). */
static void test_tcp_recverr_flags_apart(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int s = sock6(p.a, SOCK_STREAM, 0);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_RECVERR, 1);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IPV6, IPV6_RECVERR), 1);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IP, IP_RECVERR), 0);
    setopt(p.a, s, IPPROTO_IP, IP_RECVERR, 1);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_RECVERR, 0);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IPV6, IPV6_RECVERR), 0);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IP, IP_RECVERR), 1);
    stream_pair_free(&p);
}

/* RFC 3542 11.1 on UDP: by default (-1) a 1400-byte datagram goes whole
 * to a unicast peer on the 1500-byte link; with IPV6_USE_MIN_MTU 1 it
 * leaves in fragments of at most 1280 bytes, and with IPV6_DONTFRAG too
 * it is refused (EMSGSIZE); 0 is the path MTU again; 2 is EINVAL. */
static void test_udp_use_min_mtu(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int r = sock6(p.b, SOCK_DGRAM, PORT);
    int s = sock6(p.a, SOCK_DGRAM, 0);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IPV6, IPV6_USE_MIN_MTU), -1);
    struct wire w;
    capture(&p, &w);
    send_to(p.a, s, "2001:db8::2", PORT, 1400);
    settle(&p);
    read_wire(&p, &w);
    const struct pkt_seen *whole = seen(&w, true, 17, PORT);
    assert_non_null(whole);
    assert_int_equal(whole->ip_len, 40 + 8 + 1400);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_USE_MIN_MTU, 1);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IPV6, IPV6_USE_MIN_MTU), 1);
    capture(&p, &w);
    send_to(p.a, s, "2001:db8::2", PORT, 1400);
    settle(&p);
    read_wire(&p, &w);
    assert_null(seen(&w, true, 17, PORT));
    int frags = 0;
    for (int i = 0; i < w.n; i++)
        if (w.pkts[i].v6 && w.pkts[i].proto == 44) {
            frags++;
            assert_true(w.pkts[i].ip_len <= 1280);
        }
    assert_int_equal(frags, 2);
    static char got[2000];
    assert_int_equal(ust_recv(p.b, r, got, sizeof(got), 0), 1400);
    assert_int_equal(ust_recv(p.b, r, got, sizeof(got), 0), 1400); /* reassembled */
    setopt(p.a, s, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
    struct sockaddr_in6 to = sin6_of("2001:db8::2", PORT);
    assert_int_equal(ust_sendto(p.a, s, got, 1300, 0, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EMSGSIZE);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_USE_MIN_MTU, 0);
    assert_int_equal(ust_sendto(p.a, s, got, 1300, 0, (struct sockaddr *)&to, sizeof(to)), 1300);
    int v = 2;
    assert_int_equal(ust_setsockopt(p.a, s, IPPROTO_IPV6, IPV6_USE_MIN_MTU, &v, sizeof(v)), -1);
    assert_int_equal(errno, EINVAL);
    stream_pair_free(&p);
}

/* RFC 3542 11.1 on TCP: with IPV6_USE_MIN_MTU 1 the SYN offers MSS 1220
 * (1280 - 40 - 20) and the connection sends at most that, where the
 * default offers 1440 (the 1500-byte link). */
static void test_tcp_use_min_mtu(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int l = sock6(p.b, SOCK_STREAM, PORT);
    assert_int_equal(ust_listen(p.b, l, 4), 0);
    struct wire w;
    capture(&p, &w);
    int c[2];
    for (int i = 0; i < 2; i++) {
        c[i] = sock6(p.a, SOCK_STREAM, (uint16_t)(PORT + 10 + i));
        if (i == 1)
            setopt(p.a, c[i], IPPROTO_IPV6, IPV6_USE_MIN_MTU, 1);
        struct sockaddr_in6 to = sin6_of("2001:db8::2", PORT);
        assert_int_equal(ust_connect(p.a, c[i], (struct sockaddr *)&to, sizeof(to)), -1);
    }
    settle(&p);
    read_wire(&p, &w);
    uint16_t mss[2] = {0, 0};
    for (int i = 0; i < w.n; i++)
        for (int k = 0; k < 2; k++)
            if (w.pkts[i].v6 && w.pkts[i].proto == 6 && w.pkts[i].sport == PORT + 10 + k)
                mss[k] = mss[k] ? mss[k] : w.pkts[i].mss;
    assert_int_equal(mss[0], 1440);
    assert_int_equal(mss[1], 1220);
    int v = 0;
    socklen_t n = sizeof(v);
    assert_int_equal(ust_getsockopt(p.a, c[1], IPPROTO_TCP, TCP_MAXSEG, &v, &n), 0);
    assert_true(v <= 1220);
    assert_int_equal(ust_getsockopt(p.a, c[0], IPPROTO_TCP, TCP_MAXSEG, &v, &n), 0);
    assert_true(v > 1220);
    assert_int_equal(getopt_int(p.a, c[1], IPPROTO_IPV6, IPV6_USE_MIN_MTU), 1);
    stream_pair_free(&p);
}

/* A Packet Too Big from B (as a router on the path would send it) about
 * a datagram A sent to B: the path MTU towards 2001:db8::2 becomes mtu. */
static void inject_ptb(struct stream_pair *p, uint32_t mtu)
{
    uint8_t a6[16], b6[16];
    assert_int_equal(ust_ip6_parse("2001:db8::1", a6), 0);
    assert_int_equal(ust_ip6_parse("2001:db8::2", b6), 0);
    uint8_t pl[8 + 48] = {0};
    struct ipv6_hdr q = {.payload_len = 1452, .next_hdr = IPV6_NH_UDP, .hop_limit = 64};
    memcpy(q.src.b, a6, 16);
    memcpy(q.dst.b, b6, 16);
    ipv6_emit(&q, pl + 8, 40);
    put_be16(pl + 48, 40000);
    put_be16(pl + 50, PORT);
    struct icmpv6_hdr h = {.type = ICMPV6_PKT_TOO_BIG, .mtu = mtu};
    icmpv6_emit(&h, (const struct ipv6_addr *)b6, (const struct ipv6_addr *)a6, pl, sizeof(pl));
    uint8_t f[14 + 40 + sizeof(pl)];
    memcpy(f, ust_dev_mac(p->da)->b, 6);
    memcpy(f + 6, ust_dev_mac(p->db)->b, 6);
    put_be16(f + 12, ETH_TYPE_IPV6);
    struct ipv6_hdr h6 = {.payload_len = sizeof(pl), .next_hdr = IPV6_NH_ICMPV6, .hop_limit = 255};
    memcpy(h6.src.b, b6, 16);
    memcpy(h6.dst.b, a6, 16);
    ipv6_emit(&h6, f + 14, 40);
    memcpy(f + 54, pl, sizeof(pl));
    ust_dev_input(p->da, ust_sim_now(p->sim), f, sizeof(f));
    settle(p);
}

static struct ip6_mtuinfo get_pathmtu(struct stream_pair *p, int s, int *rc)
{
    struct ip6_mtuinfo mi;
    memset(&mi, 0xee, sizeof(mi));
    socklen_t n = sizeof(mi);
    *rc = ust_getsockopt(p->a, s, IPPROTO_IPV6, IPV6_PATHMTU, &mi, &n);
    if (*rc == 0)
        assert_int_equal(n, sizeof(mi));
    return mi;
}

/* RFC 3542 11.3, 11.4 as Linux: IPV6_PATHMTU is ENOTCONN unconnected,
 * EINVAL for a short buffer, the path MTU when connected (1500, then 1400
 * after a Packet Too Big). With IPV6_RECVPATHMTU, a DONTFRAG datagram
 * above the new path MTU fails (EMSGSIZE) and the next recvmsg returns 0
 * bytes from 2001:db8::2 port 0 with IPV6_PATHMTU {2001:db8::2, 1400}
 * ahead of a queued datagram; then the datagram. Without the option no
 * notice. IPV6_PATHMTU cannot be set (ENOPROTOOPT). */
static void test_recvpathmtu_after_packet_too_big(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int s = sock6(p.a, SOCK_DGRAM, 0);
    int rc;
    get_pathmtu(&p, s, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(errno, ENOTCONN);
    struct sockaddr_in6 to = sin6_of("2001:db8::2", PORT);
    assert_int_equal(ust_connect(p.a, s, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(get_pathmtu(&p, s, &rc).ip6m_mtu, 1500);
    int small = 0;
    socklen_t sl = 4;
    assert_int_equal(ust_getsockopt(p.a, s, IPPROTO_IPV6, IPV6_PATHMTU, &small, &sl), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(ust_setsockopt(p.a, s, IPPROTO_IPV6, IPV6_PATHMTU, &small, sizeof(small)),
                     -1);
    assert_int_equal(errno, ENOPROTOOPT);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_RECVPATHMTU, 1);
    assert_int_equal(getopt_int(p.a, s, IPPROTO_IPV6, IPV6_RECVPATHMTU), 1);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
    inject_ptb(&p, 1400);
    assert_int_equal(get_pathmtu(&p, s, &rc).ip6m_mtu, 1400);
    static char big[1450];
    assert_int_equal(ust_send(p.a, s, big, sizeof(big), 0), -1);
    assert_int_equal(errno, EMSGSIZE);
    /* B answers with a datagram, which waits behind the notice */
    int b = sock6(p.b, SOCK_DGRAM, PORT);
    struct sockaddr_in6 an;
    socklen_t al = sizeof(an);
    assert_int_equal(ust_getsockname(p.a, s, (struct sockaddr *)&an, &al), 0);
    struct sockaddr_in6 back = sin6_of("2001:db8::1", ntohs(an.sin6_port));
    assert_int_equal(ust_sendto(p.b, b, "hi", 2, 0, (struct sockaddr *)&back, sizeof(back)), 2);
    settle(&p);
    char buf[16], ctl[128];
    struct sockaddr_in6 from;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
                       .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    assert_int_equal(ust_recvmsg(p.a, s, &m, 0), 0);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &from.sin6_addr, text, sizeof(text));
    assert_string_equal(text, "2001:db8::2");
    assert_int_equal(from.sin6_port, 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    assert_non_null(c);
    assert_int_equal(c->cmsg_level, IPPROTO_IPV6);
    assert_int_equal(c->cmsg_type, IPV6_PATHMTU);
    assert_int_equal(c->cmsg_len, CMSG_LEN(sizeof(struct ip6_mtuinfo)));
    struct ip6_mtuinfo mi;
    memcpy(&mi, CMSG_DATA(c), sizeof(mi));
    assert_int_equal(mi.ip6m_mtu, 1400);
    assert_int_equal(mi.ip6m_addr.sin6_family, AF_INET6);
    inet_ntop(AF_INET6, &mi.ip6m_addr.sin6_addr, text, sizeof(text));
    assert_string_equal(text, "2001:db8::2");
    m.msg_controllen = sizeof(ctl);
    assert_int_equal(ust_recvmsg(p.a, s, &m, 0), 2); /* then the datagram */
    assert_null(CMSG_FIRSTHDR(&m));
    /* without IPV6_RECVPATHMTU: EMSGSIZE alone */
    setopt(p.a, s, IPPROTO_IPV6, IPV6_RECVPATHMTU, 0);
    assert_int_equal(ust_send(p.a, s, big, sizeof(big), 0), -1);
    assert_int_equal(errno, EMSGSIZE);
    m.msg_controllen = sizeof(ctl);
    assert_int_equal(ust_recvmsg(p.a, s, &m, 0), -1);
    assert_int_equal(errno, EAGAIN);
    stream_pair_free(&p);
}

/* IPV6_USE_MIN_MTU 1 with IPV6_DONTFRAG: the notice names 1280, the MTU
 * the datagram was held to; a TCP connection's IPV6_PATHMTU is its path
 * MTU (1500), ENOTCONN before it connects. */
static void test_pathmtu_min_mtu_and_tcp(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int s = sock6(p.a, SOCK_DGRAM, 0);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_RECVPATHMTU, 1);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
    setopt(p.a, s, IPPROTO_IPV6, IPV6_USE_MIN_MTU, 1);
    static char big[1300];
    struct sockaddr_in6 to = sin6_of("2001:db8::2", PORT);
    assert_int_equal(ust_sendto(p.a, s, big, sizeof(big), 0, (struct sockaddr *)&to, sizeof(to)),
                     -1);
    assert_int_equal(errno, EMSGSIZE);
    char ctl[128];
    struct iovec iov = {.iov_base = big, .iov_len = sizeof(big)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof(ctl)};
    assert_int_equal(ust_recvmsg(p.a, s, &m, 0), 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    assert_non_null(c);
    assert_int_equal(c->cmsg_type, IPV6_PATHMTU);
    struct ip6_mtuinfo mi;
    memcpy(&mi, CMSG_DATA(c), sizeof(mi));
    assert_int_equal(mi.ip6m_mtu, 1280);
    int l = sock6(p.b, SOCK_STREAM, PORT);
    assert_int_equal(ust_listen(p.b, l, 4), 0);
    int t = sock6(p.a, SOCK_STREAM, 0);
    int rc;
    get_pathmtu(&p, t, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(errno, ENOTCONN);
    assert_int_equal(ust_connect(p.a, t, (struct sockaddr *)&to, sizeof(to)), -1);
    settle(&p);
    assert_int_equal(get_pathmtu(&p, t, &rc).ip6m_mtu, 1500);
    stream_pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_ttl_and_hops_apart),
        cmocka_unit_test(test_tcp_ttl_and_hops_apart),
        cmocka_unit_test(test_udp_recverr_apart),
        cmocka_unit_test(test_tcp_recverr_flags_apart),
        cmocka_unit_test(test_udp_use_min_mtu),
        cmocka_unit_test(test_tcp_use_min_mtu),
        cmocka_unit_test(test_recvpathmtu_after_packet_too_big),
        cmocka_unit_test(test_pathmtu_min_mtu_and_tcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
