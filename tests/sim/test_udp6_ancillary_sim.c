/* RFC 3542 ancillary data and the ICMPv6 error queue of UDP over IPv6
 * (issue #13), on two simulated dual-stack stacks (2001:db8::1/64 and
 * ::2/64): recvmsg gives IPV6_PKTINFO / IPV6_HOPLIMIT / IPV6_TCLASS as
 * received (and for an IPv4 datagram on a dual socket only the mapped
 * IPV6_PKTINFO, as Linux); sendmsg's IPV6_PKTINFO picks the source seen on
 * the wire, a foreign source or unknown interface is refused; control
 * buffers with bad lengths are refused and short ones cut with
 * MSG_CTRUNC; IPV6_UNICAST_HOPS 0 sends hop limit 0 and the destination
 * takes it (RFC 8200 3); a datagram to a closed port comes back as
 * ECONNREFUSED in the IPV6_RECVERR queue with the reporter, type and
 * code. The wire is read from a pcap capture of A's link. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "../harness/stream.h"
#include "ustack/ustack.h"

#define A4 UST_IP4(203, 0, 113, 1)
#define B4 UST_IP4(203, 0, 113, 2)
#define PORT 7000

static struct sockaddr_in6 sin6_of(const char *text, uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    assert_int_equal(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
    return a;
}

static void add6(struct ust_stack *st, const char *text)
{
    uint8_t a[16];
    assert_int_equal(ust_ip6_parse(text, a), 0);
    assert_int_equal(ust_iface_add_addr6(st, 0, a, 64), 0);
}

static void up_burst(struct stream_pair *p, unsigned icmp6_burst)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    if (icmp6_burst)
        cfg.icmp6_err_burst = icmp6_burst; /* B answers every datagram at once */
    cfg.ipv6_accept_ra = false;    /* no router: the simulation goes idle */
    cfg.ipv6_dad_transmits = 0;    /* the addresses are usable at once */
    struct ust_sim_faults f = {.delay = UST_MSEC};
    stream_pair_up(p, 7, &cfg, A4, B4, &f, &f);
    add6(p->a, "2001:db8::1");
    add6(p->a, "2001:db8::11");
    add6(p->b, "2001:db8::2");
    ust_sim_run_until(p->sim, ust_sim_now(p->sim) + 100 * UST_MSEC);
}

static void up(struct stream_pair *p) { up_burst(p, 0); }

static void settle(struct stream_pair *p)
{
    ust_sim_run_until(p->sim, ust_sim_now(p->sim) + 50 * UST_MSEC);
}

static int udp6(struct ust_stack *st, uint16_t port)
{
    int s = ust_socket(st, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    if (port) {
        struct sockaddr_in6 any = sin6_of("::", port);
        assert_int_equal(ust_bind(st, s, (struct sockaddr *)&any, sizeof(any)), 0);
    }
    return s;
}

static void set6(struct ust_stack *st, int s, int name, int v)
{
    assert_int_equal(ust_setsockopt(st, s, IPPROTO_IPV6, name, &v, sizeof(v)), 0);
}

static void send_to(struct ust_stack *st, int s, const char *dst, uint16_t port, const char *msg)
{
    struct sockaddr_in6 to = sin6_of(dst, port);
    assert_int_equal(ust_sendto(st, s, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof(to)),
                     (ssize_t)strlen(msg));
}

/* One received message and its control buffer. */
struct rx {
    char data[64];
    uint8_t ctl[256];
    struct sockaddr_in6 from;
    struct iovec iov;
    struct msghdr m;
    ssize_t rc;
};

static void do_recvmsg(struct ust_stack *st, int s, struct rx *r, size_t ctl_len, int flags)
{
    memset(r, 0, sizeof(*r));
    r->iov = (struct iovec){.iov_base = r->data, .iov_len = sizeof(r->data)};
    r->m = (struct msghdr){.msg_name = &r->from, .msg_namelen = sizeof(r->from),
                           .msg_iov = &r->iov, .msg_iovlen = 1, .msg_control = r->ctl,
                           .msg_controllen = ctl_len};
    r->rc = ust_recvmsg(st, s, &r->m, flags);
}

/* The data of the control message level/type, or NULL; *len its bytes. */
static const uint8_t *cmsg_find(struct rx *r, int level, int type, size_t *len)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&r->m); c; c = CMSG_NXTHDR(&r->m, c))
        if (c->cmsg_level == level && c->cmsg_type == type) {
            *len = c->cmsg_len - CMSG_LEN(0);
            return CMSG_DATA(c);
        }
    return NULL;
}

static int cmsg_int(struct rx *r, int type)
{
    size_t len;
    const uint8_t *d = cmsg_find(r, IPPROTO_IPV6, type, &len);
    assert_non_null(d);
    assert_int_equal(len, sizeof(int));
    int v;
    memcpy(&v, d, sizeof(v));
    return v;
}

static void assert_addr(const struct in6_addr *a, const char *want)
{
    char got[INET6_ADDRSTRLEN];
    assert_non_null(inet_ntop(AF_INET6, a, got, sizeof(got)));
    assert_string_equal(got, want);
}

/* ---- the wire: IPv6/UDP packets in a classic pcap of A's device ---- */

struct wire6 {
    uint8_t tclass, hop_limit;
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    uint16_t dport;
};

/* The last IPv6 packet of protocol proto (UDP or TCP) to dport in the
 * capture f; false when none. */
static bool wire_last6(FILE *f, uint8_t proto, uint16_t dport, struct wire6 *out)
{
    uint8_t gh[24], rh[16], frame[2048];
    bool found = false;
    rewind(f);
    assert_int_equal(fread(gh, 1, sizeof(gh), f), sizeof(gh));
    while (fread(rh, 1, sizeof(rh), f) == sizeof(rh)) {
        uint32_t incl;
        memcpy(&incl, rh + 8, 4);
        assert_true(incl <= sizeof(frame));
        assert_int_equal(fread(frame, 1, incl, f), incl);
        const uint8_t *ip = frame + 14;
        if (incl < 14 + 48 || frame[12] != 0x86 || frame[13] != 0xdd || ip[6] != proto)
            continue;
        uint16_t port = (uint16_t)(ip[42] << 8 | ip[43]);
        if (port != dport)
            continue;
        out->tclass = (uint8_t)((ip[0] & 0x0f) << 4 | ip[1] >> 4);
        out->hop_limit = ip[7];
        inet_ntop(AF_INET6, ip + 8, out->src, sizeof(out->src));
        inet_ntop(AF_INET6, ip + 24, out->dst, sizeof(out->dst));
        out->dport = port;
        found = true;
    }
    return found;
}

static FILE *capture(struct stream_pair *p)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(ust_dev_pcap_attach(p->da, f), 0);
    return f;
}

static void wire_of(struct stream_pair *p, FILE *f, uint16_t dport, struct wire6 *w)
{
    ust_dev_pcap_close(p->da); /* flushed */
    assert_true(wire_last6(f, 17, dport, w));
    fclose(f);
}

/* RFC 3542 6.1, 6.3, 6.5: IPV6_PKTINFO (destination, interface 1),
 * IPV6_HOPLIMIT and IPV6_TCLASS as the datagram came (hop limit 9 and
 * Traffic Class 0xb8 set by the sender); an IPv4 datagram on the same dual
 * socket gets IPV6_PKTINFO with ::ffff:203.0.113.2 and, the socket having
 * asked for IP_PKTINFO too, IP_PKTINFO; no hop limit or class (Linux). */
static void test_recvmsg_pktinfo_hoplimit_tclass(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int rs = udp6(p.b, PORT);
    set6(p.b, rs, IPV6_RECVPKTINFO, 1);
    set6(p.b, rs, IPV6_RECVHOPLIMIT, 1);
    set6(p.b, rs, IPV6_RECVTCLASS, 1);
    int one = 1;
    assert_int_equal(ust_setsockopt(p.b, rs, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)), 0);
    int ss = udp6(p.a, 0);
    set6(p.a, ss, IPV6_UNICAST_HOPS, 9);
    set6(p.a, ss, IPV6_TCLASS, 0xb8);
    send_to(p.a, ss, "2001:db8::2", PORT, "six");
    send_to(p.a, ss, "::ffff:203.0.113.2", PORT, "four");
    settle(&p);
    struct rx r;
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 3);
    assert_int_equal(r.m.msg_flags, 0);
    assert_addr(&r.from.sin6_addr, "2001:db8::1");
    size_t len;
    const uint8_t *d = cmsg_find(&r, IPPROTO_IPV6, IPV6_PKTINFO, &len);
    assert_non_null(d);
    assert_int_equal(len, sizeof(struct in6_pktinfo));
    struct in6_pktinfo pi;
    memcpy(&pi, d, sizeof(pi));
    assert_addr(&pi.ipi6_addr, "2001:db8::2");
    assert_int_equal(pi.ipi6_ifindex, 1);
    assert_int_equal(cmsg_int(&r, IPV6_HOPLIMIT), 9);
    assert_int_equal(cmsg_int(&r, IPV6_TCLASS), 0xb8);
    assert_null(cmsg_find(&r, IPPROTO_IP, IP_PKTINFO, &len)); /* an IPv6 datagram */
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 4);
    d = cmsg_find(&r, IPPROTO_IPV6, IPV6_PKTINFO, &len);
    assert_non_null(d);
    memcpy(&pi, d, sizeof(pi));
    assert_addr(&pi.ipi6_addr, "::ffff:203.0.113.2");
    assert_int_equal(pi.ipi6_ifindex, 1);
    assert_non_null(cmsg_find(&r, IPPROTO_IP, IP_PKTINFO, &len));
    assert_null(cmsg_find(&r, IPPROTO_IPV6, IPV6_HOPLIMIT, &len));
    assert_null(cmsg_find(&r, IPPROTO_IPV6, IPV6_TCLASS, &len));
    /* off again: nothing */
    set6(p.b, rs, IPV6_RECVPKTINFO, 0);
    send_to(p.a, ss, "2001:db8::2", PORT, "six");
    settle(&p);
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 3);
    assert_null(cmsg_find(&r, IPPROTO_IPV6, IPV6_PKTINFO, &len));
    assert_non_null(cmsg_find(&r, IPPROTO_IPV6, IPV6_HOPLIMIT, &len));
    stream_pair_free(&p);
}

/* MSG_CTRUNC as Linux put_cmsg: room for IPV6_PKTINFO only: it comes
 * whole, the hop limit is left out; room for less than IPV6_PKTINFO: it
 * is cut to the room (cmsg_len says so). */
static void test_recvmsg_control_truncated(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int rs = udp6(p.b, PORT);
    set6(p.b, rs, IPV6_RECVPKTINFO, 1);
    set6(p.b, rs, IPV6_RECVHOPLIMIT, 1);
    int ss = udp6(p.a, 0);
    send_to(p.a, ss, "2001:db8::2", PORT, "one");
    send_to(p.a, ss, "2001:db8::2", PORT, "two");
    settle(&p);
    struct rx r;
    size_t len;
    do_recvmsg(p.b, rs, &r, CMSG_SPACE(sizeof(struct in6_pktinfo)), 0);
    assert_int_equal(r.rc, 3);
    assert_int_equal(r.m.msg_flags, MSG_CTRUNC);
    assert_int_equal(r.m.msg_controllen, CMSG_SPACE(sizeof(struct in6_pktinfo)));
    assert_non_null(cmsg_find(&r, IPPROTO_IPV6, IPV6_PKTINFO, &len));
    assert_int_equal(len, sizeof(struct in6_pktinfo));
    assert_null(cmsg_find(&r, IPPROTO_IPV6, IPV6_HOPLIMIT, &len));
    do_recvmsg(p.b, rs, &r, CMSG_LEN(8), 0);
    assert_int_equal(r.rc, 3);
    assert_int_equal(r.m.msg_flags, MSG_CTRUNC);
    assert_int_equal(r.m.msg_controllen, CMSG_LEN(8));
    struct cmsghdr c;
    memcpy(&c, r.ctl, sizeof(c));
    assert_int_equal(c.cmsg_len, CMSG_LEN(8));
    assert_int_equal(c.cmsg_type, IPV6_PKTINFO);
    stream_pair_free(&p);
}

static ssize_t send_ctl(struct ust_stack *st, int s, const char *dst, const void *ctl,
                        size_t ctl_len)
{
    struct sockaddr_in6 to = sin6_of(dst, PORT);
    struct iovec iov = {.iov_base = "x", .iov_len = 1};
    struct msghdr m = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
                       .msg_iovlen = 1, .msg_control = (void *)ctl, .msg_controllen = ctl_len};
    return ust_sendmsg(st, s, &m, 0);
}

/* A control buffer holding one message of type with data. */
static size_t one_cmsg(uint8_t *buf, size_t cap, int type, const void *data, size_t len)
{
    assert_true(CMSG_SPACE(len) <= cap);
    memset(buf, 0, CMSG_SPACE(len));
    struct cmsghdr c = {.cmsg_len = CMSG_LEN(len), .cmsg_level = IPPROTO_IPV6,
                        .cmsg_type = type};
    memcpy(buf, &c, sizeof(c));
    memcpy(buf + CMSG_LEN(0), data, len);
    return CMSG_SPACE(len);
}

static size_t pktinfo_cmsg(uint8_t *buf, size_t cap, const char *src, unsigned ifindex)
{
    struct in6_pktinfo pi = {.ipi6_ifindex = ifindex};
    assert_int_equal(inet_pton(AF_INET6, src, &pi.ipi6_addr), 1);
    return one_cmsg(buf, cap, IPV6_PKTINFO, &pi, sizeof(pi));
}

/* RFC 3542 6.1: sendmsg's IPV6_PKTINFO source (2001:db8::11, A's second
 * address) is the one on the wire and the one B sees; IPV6_HOPLIMIT and
 * IPV6_TCLASS of the message too. A source that is not ours: EINVAL; an
 * interface that does not exist: ENODEV (both as Linux). The sticky
 * IPV6_PKTINFO option does the same for every datagram. */
static void test_sendmsg_pktinfo_source(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int rs = udp6(p.b, PORT);
    int ss = udp6(p.a, 0);
    FILE *f = capture(&p);
    uint8_t ctl[128];
    size_t n = pktinfo_cmsg(ctl, sizeof(ctl), "2001:db8::11", 0);
    int hl = 5, tc = 0x28;
    uint8_t more[64];
    size_t n2 = one_cmsg(more, sizeof(more), IPV6_HOPLIMIT, &hl, sizeof(hl));
    memcpy(ctl + n, more, n2);
    n += n2;
    n2 = one_cmsg(more, sizeof(more), IPV6_TCLASS, &tc, sizeof(tc));
    memcpy(ctl + n, more, n2);
    n += n2;
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), 1);
    settle(&p);
    struct wire6 w;
    wire_of(&p, f, PORT, &w);
    assert_string_equal(w.src, "2001:db8::11");
    assert_int_equal(w.hop_limit, 5);
    assert_int_equal(w.tclass, 0x28);
    struct rx r;
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 1);
    assert_addr(&r.from.sin6_addr, "2001:db8::11");
    /* refused */
    n = pktinfo_cmsg(ctl, sizeof(ctl), "2001:db8::99", 0);
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), -1);
    assert_int_equal(errno, EINVAL);
    n = pktinfo_cmsg(ctl, sizeof(ctl), "::", 9);
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), -1);
    assert_int_equal(errno, ENODEV);
    /* the sticky option; the unspecified source with interface 1 is fine */
    struct in6_pktinfo pi = {.ipi6_ifindex = 1};
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::11", &pi.ipi6_addr), 1);
    assert_int_equal(ust_setsockopt(p.a, ss, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi)), 0);
    send_to(p.a, ss, "2001:db8::2", PORT, "sticky");
    n = pktinfo_cmsg(ctl, sizeof(ctl), "::", 1);
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), 1);
    settle(&p);
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 6);
    assert_addr(&r.from.sin6_addr, "2001:db8::11");
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 1);
    assert_addr(&r.from.sin6_addr, "2001:db8::11");
    stream_pair_free(&p);
}

/* Control buffers are user input (Linux CMSG_OK and ip6_datagram_send_ctl):
 * a cmsg_len past msg_controllen or below the header, an IPV6_HOPLIMIT
 * that is not one int or is out of -1..255, a short IPV6_PKTINFO and an
 * unknown IPPROTO_IPV6 type are refused with EINVAL; nothing is sent. */
static void test_sendmsg_bad_control_refused(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int rs = udp6(p.b, PORT);
    int ss = udp6(p.a, 0);
    uint8_t ctl[128];
    int v = 300;
    size_t n = one_cmsg(ctl, sizeof(ctl), IPV6_HOPLIMIT, &v, sizeof(v));
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), -1);
    assert_int_equal(errno, EINVAL);
    uint8_t byte = 3;
    n = one_cmsg(ctl, sizeof(ctl), IPV6_HOPLIMIT, &byte, 1);
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), -1);
    assert_int_equal(errno, EINVAL);
    n = one_cmsg(ctl, sizeof(ctl), IPV6_PKTINFO, "short", 5);
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), -1);
    assert_int_equal(errno, EINVAL);
    v = 1;
    n = one_cmsg(ctl, sizeof(ctl), IPV6_RECVPKTINFO, &v, sizeof(v));
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), -1);
    assert_int_equal(errno, EINVAL);
    /* a header whose length runs past the buffer */
    n = one_cmsg(ctl, sizeof(ctl), IPV6_HOPLIMIT, &v, sizeof(v));
    struct cmsghdr c;
    memcpy(&c, ctl, sizeof(c));
    c.cmsg_len = sizeof(ctl) + 64;
    memcpy(ctl, &c, sizeof(c));
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), -1);
    assert_int_equal(errno, EINVAL);
    c.cmsg_len = sizeof(c) - 1;
    memcpy(ctl, &c, sizeof(c));
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), -1);
    assert_int_equal(errno, EINVAL);
    settle(&p);
    struct rx r;
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, -1);
    assert_int_equal(errno, EAGAIN);
    stream_pair_free(&p);
}

/* RFC 3493 5.1 (and Linux): IPV6_UNICAST_HOPS takes 0; the datagram leaves
 * with hop limit 0, and B, its destination, takes it (RFC 8200 3: only a
 * forwarding node decrements the hop limit and drops at 0), its
 * IPV6_HOPLIMIT 0. The IPV6_HOPLIMIT control message 0 does the same;
 * -2 and 256 are refused. */
static void test_hop_limit_zero(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int rs = udp6(p.b, PORT);
    set6(p.b, rs, IPV6_RECVHOPLIMIT, 1);
    int ss = udp6(p.a, 0);
    set6(p.a, ss, IPV6_UNICAST_HOPS, 0);
    int v = -7;
    socklen_t vl = sizeof(v);
    assert_int_equal(ust_getsockopt(p.a, ss, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &vl), 0);
    assert_int_equal(v, 0);
    v = -2;
    assert_int_equal(ust_setsockopt(p.a, ss, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), -1);
    assert_int_equal(errno, EINVAL);
    FILE *f = capture(&p);
    send_to(p.a, ss, "2001:db8::2", PORT, "zero");
    settle(&p);
    struct wire6 w;
    wire_of(&p, f, PORT, &w);
    assert_int_equal(w.hop_limit, 0);
    assert_string_equal(w.dst, "2001:db8::2");
    struct rx r;
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 4);
    assert_int_equal(cmsg_int(&r, IPV6_HOPLIMIT), 0);
    /* per message, from a socket with the default */
    set6(p.a, ss, IPV6_UNICAST_HOPS, -1);
    uint8_t ctl[64];
    v = 0;
    size_t n = one_cmsg(ctl, sizeof(ctl), IPV6_HOPLIMIT, &v, sizeof(v));
    assert_int_equal(send_ctl(p.a, ss, "2001:db8::2", ctl, n), 1);
    send_to(p.a, ss, "2001:db8::2", PORT, "dflt");
    settle(&p);
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 1);
    assert_int_equal(cmsg_int(&r, IPV6_HOPLIMIT), 0);
    do_recvmsg(p.b, rs, &r, sizeof(r.ctl), 0);
    assert_int_equal(r.rc, 4);
    assert_int_equal(cmsg_int(&r, IPV6_HOPLIMIT), 64);
    stream_pair_free(&p);
}

/* SOCK-4 for TCP: IPV6_UNICAST_HOPS 0 on a TCP socket; its SYN leaves
 * with hop limit 0 and B, the destination, answers: the connection opens.
 * IPV6_PKTINFO on TCP (RFC 3542 6.1.1): a sticky source other than ::
 * fails (EINVAL); :: is taken. */
static void test_tcp_hop_limit_zero_and_pktinfo(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int l = ust_socket(p.b, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 any = sin6_of("::", PORT);
    assert_int_equal(ust_bind(p.b, l, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(ust_listen(p.b, l, 4), 0);
    int c = ust_socket(p.a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    set6(p.a, c, IPV6_UNICAST_HOPS, 0);
    int v = -7;
    socklen_t vl = sizeof(v);
    assert_int_equal(ust_getsockopt(p.a, c, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &vl), 0);
    assert_int_equal(v, 0);
    struct in6_pktinfo pi = {.ipi6_ifindex = 0};
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::11", &pi.ipi6_addr), 1);
    assert_int_equal(ust_setsockopt(p.a, c, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi)), -1);
    assert_int_equal(errno, EINVAL);
    memset(&pi.ipi6_addr, 0, sizeof(pi.ipi6_addr));
    assert_int_equal(ust_setsockopt(p.a, c, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi)), 0);
    FILE *f = capture(&p);
    struct sockaddr_in6 to = sin6_of("2001:db8::2", PORT);
    assert_int_equal(ust_connect(p.a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    settle(&p);
    ust_dev_pcap_close(p.da);
    struct wire6 w;
    assert_true(wire_last6(f, 6, PORT, &w));
    fclose(f);
    assert_int_equal(w.hop_limit, 0);
    int s = ust_accept(p.b, l, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(ust_send(p.a, c, "hi", 2, 0), 2);
    settle(&p);
    char buf[4];
    assert_int_equal(ust_recv(p.b, s, buf, sizeof(buf), 0), 2);
    stream_pair_free(&p);
}

/* RFC 4443 3.1 code 4 to the sender (RFC 1122 4.1.3.3 in spirit): with
 * IPV6_RECVERR the unconnected socket's error queue holds ECONNREFUSED,
 * origin ICMP6 (3), type 1 code 4, the reporter 2001:db8::2 as a
 * sockaddr_in6, the datagram's destination in msg_name and its payload;
 * the socket polls POLLERR until it is read; EAGAIN after. */
static void test_errqueue_port_unreachable(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int ss = udp6(p.a, 0);
    set6(p.a, ss, IPV6_RECVERR, 1);
    send_to(p.a, ss, "2001:db8::2", 9999, "anyone?");
    settle(&p);
    struct pollfd pfd = {.fd = ss, .events = POLLIN};
    assert_int_equal(ust_poll(p.a, &pfd, 1, 0), 1);
    assert_true(pfd.revents & POLLERR);
    struct rx r;
    do_recvmsg(p.a, ss, &r, sizeof(r.ctl), MSG_ERRQUEUE);
    assert_int_equal(r.rc, 7);
    assert_memory_equal(r.data, "anyone?", 7);
    assert_addr(&r.from.sin6_addr, "2001:db8::2");
    assert_int_equal(ntohs(r.from.sin6_port), 9999);
    size_t len;
    const uint8_t *d = cmsg_find(&r, IPPROTO_IPV6, IPV6_RECVERR, &len);
    assert_non_null(d);
    struct ust_sock_extended_err ee;
    struct sockaddr_in6 off;
    assert_int_equal(len, sizeof(ee) + sizeof(off));
    memcpy(&ee, d, sizeof(ee));
    memcpy(&off, d + sizeof(ee), sizeof(off));
    assert_int_equal(ee.ee_errno, ECONNREFUSED);
    assert_int_equal(ee.ee_origin, UST_SO_EE_ORIGIN_ICMP6);
    assert_int_equal(ee.ee_type, 1);
    assert_int_equal(ee.ee_code, 4);
    assert_int_equal(off.sin6_family, AF_INET6);
    assert_addr(&off.sin6_addr, "2001:db8::2");
    do_recvmsg(p.a, ss, &r, sizeof(r.ctl), MSG_ERRQUEUE);
    assert_int_equal(r.rc, -1);
    assert_int_equal(errno, EAGAIN);
    stream_pair_free(&p);
}

/* The queue holds at most 32 errors (UDP_ERRQ_MAX): of 40 port
 * unreachables the 8 oldest make room, each counted in
 * udp.ErrQueueDrops; the first one read is about datagram 8. */
static void test_errqueue_bounded(void **state)
{
    (void)state;
    struct stream_pair p;
    up_burst(&p, 64);
    int ss = udp6(p.a, 0);
    set6(p.a, ss, IPV6_RECVERR, 1);
    struct rx r;
    send_to(p.a, ss, "2001:db8::2", 9999, "warm"); /* B's address resolved first */
    settle(&p);
    do_recvmsg(p.a, ss, &r, sizeof(r.ctl), MSG_ERRQUEUE);
    assert_int_equal(r.rc, 4);
    char msg[8];
    for (int i = 0; i < 40; i++) {
        snprintf(msg, sizeof(msg), "d%02d", i);
        send_to(p.a, ss, "2001:db8::2", 9999, msg);
    }
    settle(&p);
    assert_int_equal(ust_stack_stats(p.a)->udp.ErrQueueDrops, 8);
    do_recvmsg(p.a, ss, &r, sizeof(r.ctl), MSG_ERRQUEUE);
    assert_int_equal(r.rc, 3);
    assert_memory_equal(r.data, "d08", 3);
    int n = 1;
    while (do_recvmsg(p.a, ss, &r, sizeof(r.ctl), MSG_ERRQUEUE), r.rc == 3)
        n++;
    assert_int_equal(n, 32);
    stream_pair_free(&p);
}

/* Without IPV6_RECVERR: a connected socket gets ECONNREFUSED once, from
 * its next call (as IPv4 and Linux); an unconnected one hears nothing;
 * the error queue stays empty. */
static void test_connected_pending_error(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int cs = udp6(p.a, 0);
    struct sockaddr_in6 to = sin6_of("2001:db8::2", 9999);
    assert_int_equal(ust_connect(p.a, cs, (struct sockaddr *)&to, sizeof(to)), 0);
    int us = udp6(p.a, 0);
    assert_int_equal(ust_send(p.a, cs, "x", 1, 0), 1);
    send_to(p.a, us, "2001:db8::2", 9999, "y");
    settle(&p);
    char buf[8];
    assert_int_equal(ust_recv(p.a, cs, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, ECONNREFUSED);
    assert_int_equal(ust_recv(p.a, cs, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN); /* once */
    assert_int_equal(ust_recv(p.a, us, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    struct rx r;
    do_recvmsg(p.a, cs, &r, sizeof(r.ctl), MSG_ERRQUEUE);
    assert_int_equal(r.rc, -1);
    assert_int_equal(errno, EAGAIN);
    stream_pair_free(&p);
}

/* RFC 3542 11.2 / Linux: a 1600-byte datagram on a 1500-byte path is
 * fragmented by default (B gets it whole); with IPV6_DONTFRAG, the
 * IPV6_DONTFRAG control message, or IPV6_MTU_DISCOVER DO it is refused
 * with EMSGSIZE; IPV6_MTU_DISCOVER beyond OMIT is EINVAL. */
static void test_dontfrag_and_mtu_discover(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int rs = udp6(p.b, PORT);
    int ss = udp6(p.a, 0);
    static char big[1600];
    memset(big, 'b', sizeof(big));
    struct sockaddr_in6 to = sin6_of("2001:db8::2", PORT);
    const struct sockaddr *tp = (const struct sockaddr *)&to;
    assert_int_equal(ust_sendto(p.a, ss, big, sizeof(big), 0, tp, sizeof(to)), 1600);
    settle(&p);
    static char got[2000];
    assert_int_equal(ust_recv(p.b, rs, got, sizeof(got), 0), 1600);
    set6(p.a, ss, IPV6_DONTFRAG, 1);
    assert_int_equal(ust_sendto(p.a, ss, big, sizeof(big), 0, tp, sizeof(to)), -1);
    assert_int_equal(errno, EMSGSIZE);
    assert_int_equal(ust_sendto(p.a, ss, big, 1000, 0, tp, sizeof(to)), 1000);
    set6(p.a, ss, IPV6_DONTFRAG, 0);
    set6(p.a, ss, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO);
    assert_int_equal(ust_sendto(p.a, ss, big, sizeof(big), 0, tp, sizeof(to)), -1);
    assert_int_equal(errno, EMSGSIZE);
    set6(p.a, ss, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_WANT);
    uint8_t ctl[64];
    int one = 1;
    size_t n = one_cmsg(ctl, sizeof(ctl), IPV6_DONTFRAG, &one, sizeof(one));
    struct iovec iov = {.iov_base = big, .iov_len = sizeof(big)};
    struct msghdr m = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
                       .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = n};
    assert_int_equal(ust_sendmsg(p.a, ss, &m, 0), -1);
    assert_int_equal(errno, EMSGSIZE);
    assert_int_equal(ust_sendto(p.a, ss, big, sizeof(big), 0, tp, sizeof(to)), 1600);
    int v = IPV6_PMTUDISC_OMIT + 1;
    assert_int_equal(ust_setsockopt(p.a, ss, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v)), -1);
    assert_int_equal(errno, EINVAL);
    stream_pair_free(&p);
}

/* IPV6_MTU: the path MTU of a connected socket (Linux); ENOTCONN before.
 * The RFC 3542 flags read back what was set. */
static void test_ipv6_mtu_and_flags(void **state)
{
    (void)state;
    struct stream_pair p;
    up(&p);
    int s = udp6(p.a, 0);
    int v;
    socklen_t vl = sizeof(v);
    assert_int_equal(ust_getsockopt(p.a, s, IPPROTO_IPV6, IPV6_MTU, &v, &vl), -1);
    assert_int_equal(errno, ENOTCONN);
    struct sockaddr_in6 to = sin6_of("2001:db8::2", 9999);
    assert_int_equal(ust_connect(p.a, s, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(ust_getsockopt(p.a, s, IPPROTO_IPV6, IPV6_MTU, &v, &vl), 0);
    assert_int_equal(v, 1500);
    const int names[] = {IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS, IPV6_RECVERR};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        set6(p.a, s, names[i], 1);
        assert_int_equal(ust_getsockopt(p.a, s, IPPROTO_IPV6, names[i], &v, &vl), 0);
        assert_int_equal(v, 1);
        set6(p.a, s, names[i], 0);
        assert_int_equal(ust_getsockopt(p.a, s, IPPROTO_IPV6, names[i], &v, &vl), 0);
        assert_int_equal(v, 0);
    }
    int s4 = ust_socket(p.a, AF_INET, SOCK_DGRAM, 0);
    v = 1;
    assert_int_equal(ust_setsockopt(p.a, s4, IPPROTO_IPV6, IPV6_RECVPKTINFO, &v, sizeof(v)), -1);
    assert_int_equal(errno, ENOPROTOOPT);
    stream_pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recvmsg_pktinfo_hoplimit_tclass),
        cmocka_unit_test(test_recvmsg_control_truncated),
        cmocka_unit_test(test_sendmsg_pktinfo_source),
        cmocka_unit_test(test_sendmsg_bad_control_refused),
        cmocka_unit_test(test_hop_limit_zero),
        cmocka_unit_test(test_tcp_hop_limit_zero_and_pktinfo),
        cmocka_unit_test(test_errqueue_port_unreachable),
        cmocka_unit_test(test_errqueue_bounded),
        cmocka_unit_test(test_connected_pending_error),
        cmocka_unit_test(test_dontfrag_and_mtu_discover),
        cmocka_unit_test(test_ipv6_mtu_and_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
