/* TCP over IPv6 at the segment level (issue #13), before the IPv6 layer
 * exists: segments made here enter through tcp_input6 (what IPv6 input
 * calls for Next Header 6) and what TCP sends is taken at the IPv6 test
 * seam (tcp_state.tx6_hook), with its checksum verified over the IPv6
 * pseudo-header. Shows that a TCB keyed by an IPv6 4-tuple is created,
 * found and told apart by scope, and the tables' family rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "net6/net6.h"
#include "transport/tcp/tcp.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/wbuf.h"

#define PEER_PORT 40000
#define LPORT 80

struct cap {
    unsigned n;
    struct ipv6_out o;
    struct tcp_hdr h;
    uint8_t data[64];
    size_t len;
};

static int tx6(void *ctx, const struct ipv6_out *o, struct pkt *p)
{
    struct cap *c = ctx;
    uint32_t ps = ipv6_csum_pseudo(&o->src, &o->dst, 0, IPV6_NH_TCP);
    assert_int_equal(tcp_parse_ps(p->data, p->len, ps, true, &c->h), WIRE_OK);
    c->o = *o;
    c->len = p->len - c->h.hdr_len;
    assert_true(c->len <= sizeof(c->data));
    memcpy(c->data, p->data + c->h.hdr_len, c->len);
    c->n++;
    pkt_free(p);
    return 0;
}

struct env {
    struct ust_stack *st;
    struct cap cap;
    struct ipv6_addr peer, me;
    bool no_mss;              /* SYNs without the MSS option */
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    struct ust_config c;
    ust_config_default(&c);
    e->st = ust_stack_new(&c);
    assert_non_null(e->st);
    e->st->tcp->tx6_hook = tx6;
    e->st->tcp->tx_hook_ctx = &e->cap;
    ust_stack_poll(e->st, 1000 * UST_SEC);
    assert_int_equal(ipv6_addr_parse("2001:db8::1", &e->peer), 0);
    assert_int_equal(ipv6_addr_parse("2001:db8::2", &e->me), 0);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    ust_stack_free(e->st);
    free(e);
    return 0;
}

/* One segment from src:sport to dst:LPORT as IPv6 input hands it up. */
static void seg6(struct env *e, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                 int ifindex, uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack,
                 const char *data)
{
    uint8_t buf[TCP_HDR_LEN + 64];
    size_t len = data ? strlen(data) : 0;
    struct tcp_hdr h;
    memset(&h, 0, sizeof(h));
    h.sport = sport;
    h.dport = LPORT;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.wnd = 65535;
    if ((flags & TCP_SYN) && !e->no_mss) {
        h.opts.has_mss = true;
        h.opts.mss = 1440;
    }
    memcpy(buf + TCP_HDR_LEN + tcp_opts_len(&h.opts), data ? data : "", len);
    int hl = tcp_emit_ps(&h, ipv6_csum_pseudo(src, dst, 0, IPV6_NH_TCP), buf, sizeof(buf), len);
    assert_true(hl > 0);
    struct ipv6_hdr ip = {.payload_len = (uint16_t)(hl + len), .next_hdr = IPV6_NH_TCP,
                          .hop_limit = 64, .src = *src, .dst = *dst};
    struct ip6_rx rx = {.ifindex = ifindex, .h = &ip, .seg = buf, .seg_len = (size_t)hl + len};
    tcp_input6(e->st, &rx);
}

static int listener6(struct env *e, int v6only)
{
    int l = ust_socket(e->st, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(l >= 0);
    assert_int_equal(ust_setsockopt(e->st, l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(int)), 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(LPORT)};
    assert_int_equal(ust_bind(e->st, l, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(ust_listen(e->st, l, 8), 0);
    return l;
}

/* SYN -> SYN,ACK -> ACK with data: the connection lives under its IPv6
 * 4-tuple, accept() names the peer as sockaddr_in6, the MSS is MTU - 60. */
static void test_handshake_and_lookup_by_ipv6_tuple(void **state)
{
    struct env *e = *state;
    int l = listener6(e, 1);
    seg6(e, &e->peer, &e->me, -1, PEER_PORT, TCP_SYN, 1000, 0, NULL);
    assert_int_equal(e->cap.n, 1);
    assert_int_equal(e->cap.h.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(e->cap.h.ack, 1001);
    assert_true(ipv6_addr_eq(&e->cap.o.dst, &e->peer));
    assert_true(ipv6_addr_eq(&e->cap.o.src, &e->me));
    assert_int_equal(e->cap.o.proto, IPV6_NH_TCP);
    /* the placeholder IPv6 layer's MTU is 1280: MSS 1280 - 40 - 20 */
    assert_int_equal(e->cap.h.opts.mss, IPV6_MIN_MTU - 60);
    uint32_t iss = e->cap.h.seq;
    seg6(e, &e->peer, &e->me, -1, PEER_PORT, TCP_ACK | TCP_PSH, 1001, iss + 1, "hello");
    struct ust_addr la = ust_addr_from_ip6(e->me.b, 0), ra = ust_addr_from_ip6(e->peer.b, 0);
    struct tcb *t = tcb_find(e->st, &la, LPORT, &ra, PEER_PORT);
    assert_non_null(t);
    assert_int_equal(t->state, UST_TCP_ESTABLISHED);
    assert_int_equal(t->raddr.family, UST_AF_INET6);
    /* the same ports and addresses as IPv4-mapped, or another peer: none */
    struct ust_addr other = ust_addr_from_ip6((const uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, [15] = 9}, 0);
    assert_null(tcb_find(e->st, &la, LPORT, &other, PEER_PORT));
    struct ust_addr v4 = ust_addr_from_ip4(UST_IP4(0, 0, 0, 1));
    assert_null(tcb_find(e->st, &v4, LPORT, &v4, PEER_PORT));
    struct sockaddr_in6 peer;
    socklen_t plen = sizeof(peer);
    int c = ust_accept(e->st, l, (struct sockaddr *)&peer, &plen);
    assert_true(c >= 0);
    assert_int_equal(plen, sizeof(peer));
    assert_int_equal(peer.sin6_family, AF_INET6);
    assert_int_equal(ntohs(peer.sin6_port), PEER_PORT);
    assert_memory_equal(peer.sin6_addr.s6_addr, e->peer.b, 16);
    char b[8];
    assert_int_equal(ust_recv(e->st, c, b, sizeof(b), 0), 5);
    assert_memory_equal(b, "hello", 5);
    /* our data goes out over IPv6 with a checksum over its pseudo-header */
    unsigned before = e->cap.n;
    assert_int_equal(ust_send(e->st, c, "world", 5, 0), 5);
    ust_stack_poll(e->st, 1000 * UST_SEC);
    assert_true(e->cap.n > before);
    assert_int_equal(e->cap.len, 5);
    assert_memory_equal(e->cap.data, "world", 5);
    ust_close(e->st, c);
    ust_close(e->st, l);
}

/* Link-local peers are told apart by their interface: the same address on
 * another interface is another connection (RFC 4007 6). */
static void test_link_local_scope_is_part_of_the_tuple(void **state)
{
    struct env *e = *state;
    int l = listener6(e, 0);
    struct ipv6_addr ll_peer, ll_me;
    assert_int_equal(ipv6_addr_parse("fe80::1", &ll_peer), 0);
    assert_int_equal(ipv6_addr_parse("fe80::2", &ll_me), 0);
    seg6(e, &ll_peer, &ll_me, 2, PEER_PORT, TCP_SYN, 5000, 0, NULL);
    assert_int_equal(e->cap.n, 1);
    assert_int_equal(e->cap.o.ifindex, 2); /* the reply leaves where the SYN came in */
    struct ust_addr la = ust_addr_from_ip6(ll_me.b, 3), ra = ust_addr_from_ip6(ll_peer.b, 3);
    struct tcb *t = tcb_find(e->st, &la, LPORT, &ra, PEER_PORT);
    assert_non_null(t);
    assert_int_equal(t->state, UST_TCP_SYN_RECEIVED);
    la.scope_id = ra.scope_id = 2; /* interface index 1 */
    assert_null(tcb_find(e->st, &la, LPORT, &ra, PEER_PORT));
    ust_close(e->st, l);
}

/* An IPv4-mapped source never comes off the wire (RFC 4291 2.5.5.2):
 * dropped and counted, nothing answered. */
static void test_mapped_source_dropped(void **state)
{
    struct env *e = *state;
    int l = listener6(e, 0);
    struct ipv6_addr mapped;
    assert_int_equal(ipv6_addr_parse("::ffff:203.0.113.9", &mapped), 0);
    uint64_t bad = ust_stack_stats(e->st)->tcp.InBadAddr;
    seg6(e, &mapped, &e->me, -1, PEER_PORT, TCP_SYN, 1, 0, NULL);
    assert_int_equal(e->cap.n, 0);
    assert_int_equal(ust_stack_stats(e->st)->tcp.InBadAddr, bad + 1);
    ust_close(e->st, l);
}

/* RFC 9293 3.7.1 MUST-15 over IPv6: a SYN without the MSS option leaves a
 * send MSS of 1220 (1280 - 60), not IPv4's 536; with the option, the
 * peer's value (within the path's 1280 - 60 here). */
static void test_default_mss_without_option(void **state)
{
    struct env *e = *state;
    int l = listener6(e, 1);
    e->no_mss = true;
    seg6(e, &e->peer, &e->me, -1, PEER_PORT, TCP_SYN, 1000, 0, NULL);
    assert_int_equal(e->cap.n, 1);
    struct ust_addr la = ust_addr_from_ip6(e->me.b, 0), ra = ust_addr_from_ip6(e->peer.b, 0);
    struct tcb *t = tcb_find(e->st, &la, LPORT, &ra, PEER_PORT);
    assert_non_null(t);
    assert_int_equal(t->opt.peer_mss, 1220);
    assert_int_equal(t->opt.mss, 1220); /* no timestamps agreed: no option bytes */
    ust_close(e->st, l);
}

/* ICMPv6 errors (RFC 4443 3) through tcp6's err_input: one quoting a
 * sequence number in flight is a soft error of the connection (port
 * unreachable on an established connection: MUST-56, SO_ERROR reports
 * it, the connection lives); one quoting anything else is counted and
 * ignored (RFC 5927 4.1). */
static void test_icmpv6_errors_reach_the_connection(void **state)
{
    struct env *e = *state;
    int l = listener6(e, 1);
    seg6(e, &e->peer, &e->me, -1, PEER_PORT, TCP_SYN, 1000, 0, NULL);
    uint32_t iss = e->cap.h.seq;
    seg6(e, &e->peer, &e->me, -1, PEER_PORT, TCP_ACK, 1001, iss + 1, NULL);
    int c = ust_accept(e->st, l, NULL, NULL);
    assert_true(c >= 0);
    assert_int_equal(ust_send(e->st, c, "data", 4, 0), 4); /* iss + 1 .. iss + 4 in flight */
    /* the quoted segment: our header as sent (ports, sequence number) */
    uint8_t l4[8];
    put_be16(l4, LPORT);
    put_be16(l4 + 2, PEER_PORT);
    struct ipv6_hdr orig = {.next_hdr = IPV6_NH_TCP, .src = e->me, .dst = e->peer};
    struct ip6_err err = {.type = 1, .code = 4, .from = e->peer, .orig = &orig, .l4 = l4,
                          .l4_len = sizeof(l4)};
    uint32_t stale = iss - 5000;
    put_be32(l4 + 4, stale);
    uint64_t oow = ust_stack_stats(e->st)->tcp.OutOfWindowIcmps;
    tcp_icmp6_error(e->st, &err);
    assert_int_equal(ust_stack_stats(e->st)->tcp.OutOfWindowIcmps, oow + 1);
    int so = -1;
    socklen_t n = sizeof(so);
    assert_int_equal(ust_getsockopt(e->st, c, SOL_SOCKET, SO_ERROR, &so, &n), 0);
    assert_int_equal(so, 0);
    uint32_t seq = iss + 1;
    put_be32(l4 + 4, seq);
    uint64_t icmp = ust_stack_stats(e->st)->tcp.IcmpErrors;
    tcp_icmp6_error(e->st, &err);
    assert_int_equal(ust_stack_stats(e->st)->tcp.IcmpErrors, icmp + 1);
    assert_int_equal(ust_getsockopt(e->st, c, SOL_SOCKET, SO_ERROR, &so, &n), 0);
    assert_int_equal(so, ECONNREFUSED);
    struct ust_addr la = ust_addr_from_ip6(e->me.b, 0), ra = ust_addr_from_ip6(e->peer.b, 0);
    struct tcb *t = tcb_find(e->st, &la, LPORT, &ra, PEER_PORT);
    assert_non_null(t);
    assert_int_equal(t->state, UST_TCP_ESTABLISHED); /* soft: still there */
    ust_close(e->st, c);
    ust_close(e->st, l);
}

/* The RFC 6528 F() covers IPv6 addresses: another peer address or scope
 * changes the ISN at the same time; the IPv4 hash input is unchanged. */
static void test_isn_covers_ipv6_tuple(void **state)
{
    struct env *e = *state;
    struct ust_addr l = ust_addr_from_ip6(e->me.b, 0), r = ust_addr_from_ip6(e->peer.b, 0);
    uint32_t i0 = tcp_isn6(e->st, &l, 1, &r, 2, UST_SEC);
    struct ust_addr r2 = r;
    r2.u.v6[8] ^= 0x80; /* a bit of the interface identifier */
    assert_int_not_equal(tcp_isn6(e->st, &l, 1, &r2, 2, UST_SEC), i0);
    struct ust_addr r3 = r;
    r3.scope_id = 1;
    assert_int_not_equal(tcp_isn6(e->st, &l, 1, &r3, 2, UST_SEC), i0);
    struct ust_addr l4 = ust_addr_from_ip4(UST_IP4(203, 0, 113, 1));
    struct ust_addr r4 = ust_addr_from_ip4(UST_IP4(203, 0, 113, 2));
    assert_int_equal(tcp_isn6(e->st, &l4, 1, &r4, 2, UST_SEC),
                     tcp_isn(e->st, UST_IP4(203, 0, 113, 1), 1, UST_IP4(203, 0, 113, 2), 2, UST_SEC));
    uint8_t msg[TCP_TUPLE_MSG_MAX];
    assert_int_equal(tcp_tuple_msg(msg, &l4, 1, &r4, 2), 12);
    assert_int_equal(tcp_tuple_msg(msg, &l, 1, &r, 2), 44);
}

/* Which listener a SYN finds: the exact address, then the family's
 * wildcard, then (IPv4 only) a :: listener without IPV6_V6ONLY. */
static void test_listener_choice_by_family(void **state)
{
    struct env *e = *state;
    int l6 = listener6(e, 0);
    struct ust_addr v4 = ust_addr_from_ip4(UST_IP4(203, 0, 113, 2));
    struct ust_addr v6 = ust_addr_from_ip6(e->me.b, 0);
    struct tcb *dual = tcb_find_listener(e->st, &v4, LPORT);
    assert_non_null(dual);
    assert_int_equal(dual->laddr.family, UST_AF_INET6);
    assert_ptr_equal(tcb_find_listener(e->st, &v6, LPORT), dual);
    int one = 1;
    ust_close(e->st, l6);
    l6 = listener6(e, one);
    assert_null(tcb_find_listener(e->st, &v4, LPORT)); /* v6only: no IPv4 */
    assert_non_null(tcb_find_listener(e->st, &v6, LPORT));
    ust_close(e->st, l6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_and_lookup_by_ipv6_tuple, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_local_scope_is_part_of_the_tuple, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapped_source_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isn_covers_ipv6_tuple, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_mss_without_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmpv6_errors_reach_the_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listener_choice_by_family, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
