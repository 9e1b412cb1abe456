/* The demultiplexing tables and hooks each layer fills at stack creation
 * (ARCHITECTURE.md "Registration"): an EtherType handler, an IP protocol's
 * input and err_input, the batch-end hooks and the sockets' readiness
 * upcall. A protocol added through them is reached without any change to
 * the layers below, and what nobody registered keeps its counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "../harness/net_harness.h"
#include "../harness/sin.h"
#include "core/defer.h"
#include "core/stack_impl.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/wbuf.h"

#define ME UST_IP4(203, 0, 113, 1)
#define PEER UST_IP4(203, 0, 113, 2)
#define EXP_ETHERTYPE 0x88b5 /* IEEE 802 local experimental EtherType 1 */
#define EXP_PROTO 253        /* RFC 3692: for experimentation */

static const uint8_t MY_MAC[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 2};

/* What the test handlers saw; found through the stack they run on. */
struct seen {
    struct ust_stack *st;
    int calls;
    bool bcast;
    struct ust_iface *ifc;
    uint8_t data[64];
    size_t len;
    uint8_t type, code;
    bool waiting; /* the batch-end hook has work */
};
static struct seen *seen_of(struct ust_stack *st) { return (struct seen *)st->svc.trace_ctx; }

static void exp_link_input(struct ust_stack *st, struct ust_dev *dev, struct ust_iface *ifc,
                           const uint8_t *payload, size_t len, bool bcast)
{
    (void)dev;
    struct seen *s = seen_of(st);
    s->calls++;
    s->bcast = bcast;
    s->ifc = ifc;
    s->len = len < sizeof(s->data) ? len : sizeof(s->data);
    memcpy(s->data, payload, s->len);
}

static void exp_ip_input(struct ust_stack *st, const struct ip_rx *rx)
{
    struct seen *s = seen_of(st);
    s->calls++;
    s->len = rx->seg_len < sizeof(s->data) ? rx->seg_len : sizeof(s->data);
    memcpy(s->data, rx->seg, s->len);
}

static void exp_err_input(struct ust_stack *st, const struct ip_err *e)
{
    struct seen *s = seen_of(st);
    s->calls++;
    s->type = e->type;
    s->code = e->code;
    s->len = e->l4_len < sizeof(s->data) ? e->l4_len : sizeof(s->data);
    memcpy(s->data, e->l4, s->len);
}

static const struct ip_proto_ops exp_proto = {.input = exp_ip_input, .err_input = exp_err_input};

/* One stack on a port of the given link type (no wire), 203.0.113.1/24
 * (an IP-only link needs no ARP to answer); the handlers find `seen`
 * through trace_ctx (never traced: trace_fn stays NULL). */
static struct nh_net *setup(struct ust_stack **st, struct seen *s, enum ust_link_type type)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, NULL);
    assert_int_equal(nh_port_new(n, *st, NH_NO_WIRE, type, 1, 1500), 0);
    assert_int_equal(ust_iface_add(*st, nh_dev(n, 0), ME, 24), 0);
    memset(s, 0, sizeof(*s));
    s->st = *st;
    (*st)->svc.trace_ctx = s;
    return n;
}

static void test_ethertype_table(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct seen s;
    struct nh_net *n = setup(&st, &s, UST_LINK_ETHERNET);
    /* The stack registered ARP and IPv4; a second IPv4 handler is refused. */
    assert_int_equal(link_proto_register(st, ETH_TYPE_IPV4, exp_link_input), UST_ERR_EXIST);
    assert_int_equal(link_proto_register(st, EXP_ETHERTYPE, exp_link_input), UST_OK);
    uint8_t f[128];
    const uint8_t payload[] = "new protocol";
    size_t flen = nh_build_eth(f, sizeof(f), MY_MAC, PEER_MAC, EXP_ETHERTYPE, payload,
                               sizeof(payload));
    nh_inject(n, 0, f, flen);
    assert_int_equal(s.calls, 1);
    assert_false(s.bcast);
    assert_ptr_equal(s.ifc, iface_by_addr(st, ME));
    assert_true(s.len >= sizeof(payload)); /* Ethernet pads to 60 */
    assert_memory_equal(s.data, payload, sizeof(payload));
    const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    flen = nh_build_eth(f, sizeof(f), bcast, PEER_MAC, EXP_ETHERTYPE, payload, sizeof(payload));
    nh_inject(n, 0, f, flen);
    assert_int_equal(s.calls, 2);
    assert_true(s.bcast);
    assert_int_equal(ust_stack_stats(st)->link.rx_unknown_type, 0);
    /* A type nobody registered is still dropped and counted. */
    flen = nh_build_eth(f, sizeof(f), MY_MAC, PEER_MAC, EXP_ETHERTYPE + 1, payload,
                        sizeof(payload));
    nh_inject(n, 0, f, flen);
    assert_int_equal(s.calls, 2);
    assert_int_equal(ust_stack_stats(st)->link.rx_unknown_type, 1);
    nh_net_free(n);
}

static size_t exp_datagram(uint8_t *d, size_t cap, uint8_t proto, ust_ip4_t src, ust_ip4_t dst)
{
    const uint8_t payload[16] = "0123456789abcdef";
    struct nh_ip ip = {.src = src, .dst = dst, .proto = proto, .id = 9};
    return nh_build_ipv4(d, cap, &ip, payload, sizeof(payload));
}

static void test_ip_protocol_table(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct seen s;
    struct nh_net *n = setup(&st, &s, UST_LINK_IP);
    assert_int_equal(ip_proto_register(st, IPV4_PROTO_TCP, &exp_proto), UST_ERR_EXIST);
    assert_int_equal(ip_proto_register(st, EXP_PROTO, &exp_proto), UST_OK);
    const struct ust_stats *ss = ust_stack_stats(st);
    uint8_t d[128];
    size_t dlen = exp_datagram(d, sizeof(d), EXP_PROTO, PEER, ME);
    nh_inject(n, 0, d, dlen);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.len, 16);
    assert_memory_equal(s.data, "0123456789abcdef", 16);
    assert_int_equal(ss->ip.InDelivers, 1);
    assert_int_equal(ss->ip.InUnknownProtos, 0);
    assert_int_equal(nh_tx_count(n, 0), 0); /* no protocol unreachable */
    /* An unregistered protocol: InUnknownProtos and a protocol unreachable. */
    dlen = exp_datagram(d, sizeof(d), EXP_PROTO + 1, PEER, ME);
    nh_inject(n, 0, d, dlen);
    assert_int_equal(s.calls, 1);
    assert_int_equal(ss->ip.InUnknownProtos, 1);
    assert_int_equal(nh_tx_count(n, 0), 1);
    size_t ilen;
    const uint8_t *out = nh_tx_ipv4(n, 0, 0, &ilen);
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(out, ilen, true, &h), 0);
    assert_int_equal(h.proto, IPV4_PROTO_ICMP);
    assert_int_equal(out[h.hdr_len], ICMP_DEST_UNREACH);
    assert_int_equal(out[h.hdr_len + 1], ICMP_UNREACH_PROTO);
    nh_net_free(n);
}

/* An ICMP error quoting a datagram we sent with protocol 253 reaches that
 * protocol's err_input with the quoted bytes. */
static void test_icmp_error_to_err_input(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct seen s;
    struct nh_net *n = setup(&st, &s, UST_LINK_IP);
    assert_int_equal(ip_proto_register(st, EXP_PROTO, &exp_proto), UST_OK);
    uint8_t quote[128], icmp[192], d[256];
    size_t qlen = exp_datagram(quote, sizeof(quote), EXP_PROTO, ME, PEER);
    size_t ilen = nh_build_icmp(icmp, sizeof(icmp), ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0,
                                quote, qlen);
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .id = 3};
    size_t dlen = nh_build_ipv4(d, sizeof(d), &ip, icmp, ilen);
    nh_inject(n, 0, d, dlen);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.type, ICMP_DEST_UNREACH);
    assert_int_equal(s.code, ICMP_UNREACH_PORT);
    assert_int_equal(s.len, 16);
    assert_memory_equal(s.data, "0123456789abcdef", 16);
    nh_net_free(n);
}

static void hook_run(struct ust_stack *st)
{
    seen_of(st)->calls++;
    seen_of(st)->waiting = false;
}
static bool hook_pending(const struct ust_stack *st)
{
    return ((const struct seen *)st->svc.trace_ctx)->waiting;
}

/* Batch-end hooks run when the outermost receive batch ends (batches
 * nest), at every poll, and make poll_at answer "now" while work waits. */
static void test_batch_end_hooks(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct seen s;
    struct nh_net *n = setup(&st, &s, UST_LINK_IP);
    assert_int_equal(stack_defer_register(st, hook_run, hook_pending), UST_OK);
    stack_rx_batch_begin(st);
    stack_rx_batch_begin(st);
    s.waiting = true;
    assert_int_equal(ust_stack_poll_at(st), st->now);
    stack_rx_batch_end(st);
    assert_int_equal(s.calls, 0); /* still inside the outer batch */
    assert_int_not_equal(st->rx_batch, 0);
    stack_rx_batch_end(st);
    assert_int_equal(s.calls, 1);
    assert_int_equal(st->rx_batch, 0);
    assert_true(ust_stack_poll_at(st) > st->now); /* nothing waits now */
    ust_stack_poll(st, st->now + 1);
    assert_int_equal(s.calls, 2);
    /* The table is bounded: TCP's hook, the DHCP clients' and ours leave
     * room for STACK_MAX_DEFER - 3 more. */
    for (unsigned i = 3; i < STACK_MAX_DEFER; i++)
        assert_int_equal(stack_defer_register(st, hook_run, NULL), UST_OK);
    assert_int_equal(stack_defer_register(st, hook_run, NULL), UST_ERR_NOMEM);
    nh_net_free(n);
}

static void count_upcall(struct ust_stack *st) { seen_of(st)->calls++; }

/* UDP tells the socket layer about a queued datagram through the upcall
 * the socket layer registered (sock_notify by default). */
static void test_readiness_upcall(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct seen s;
    struct nh_net *n = setup(&st, &s, UST_LINK_IP);
    assert_non_null(st->sock_upcall); /* the assembly's: sock_notify, then the DHCP clients */
    transport_set_upcall(st, count_upcall);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = sin_of(ME, 5000);
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&a, sizeof(a)), 0);
    uint8_t udp[12] = {0x13, 0x88, 0x13, 0x88, 0x00, 0x0c, 0x00, 0x00, 'p', 'i', 'n', 'g'};
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_UDP, .id = 4};
    uint8_t d[64];
    size_t dlen = nh_build_ipv4(d, sizeof(d), &ip, udp, sizeof(udp));
    nh_inject(n, 0, d, dlen);
    assert_int_equal(s.calls, 1);
    char buf[8];
    assert_int_equal(ust_recvfrom(st, fd, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), 4);
    assert_memory_equal(buf, "ping", 4);
    ust_close(st, fd);
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethertype_table),
        cmocka_unit_test(test_ip_protocol_table),
        cmocka_unit_test(test_icmp_error_to_err_input),
        cmocka_unit_test(test_batch_end_hooks),
        cmocka_unit_test(test_readiness_upcall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
