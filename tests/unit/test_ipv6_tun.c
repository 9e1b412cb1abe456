/* IPv6 on a link without link-layer addresses (UST_LINK_IP, a TUN device)
 * on the harness: packets are bare IPv6 both ways, the link-local address
 * is formed (RFC 4291 2.1) but no address runs DAD, no solicited-node
 * group is joined and nothing is resolved (RFC 4861 7.2: only links with
 * addresses resolve them; Linux's tun is IFF_NOARP), and ND messages
 * carry no link-layer address option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/net_harness.h"
#include "core/stack_impl.h"
#include "net6/net6_impl.h"
#include "wire/icmpv6.h"
#include "wire/nd.h"
#include "wire/wbuf.h"

static const struct ipv6_addr US = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const struct ipv6_addr PEER = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};

struct fx {
    struct nh_net *n;
    struct ust_stack *st;
    int port;
};

/* A TUN-like port with IPv4 and US/64; DAD at its default (one NS). */
static void fx_up(struct fx *f)
{
    f->n = nh_net_new();
    f->n->ipv6 = true;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_accept_ra = false; /* no Router Solicitations in the counts */
    assert_true(cfg.ipv6_dad_transmits > 0);
    f->st = nh_stack(f->n, &cfg);
    f->port = nh_port_new(f->n, f->st, NH_NO_WIRE, UST_LINK_IP, 1, 1500);
    assert_true(f->port >= 0);
    assert_true(ust_iface_add(f->st, nh_dev(f->n, f->port), UST_IP4(203, 0, 113, 2), 24) >= 0);
    assert_int_equal(ust_iface_add_addr6(f->st, 0, US.b, 64), 0);
}

/* Injects a bare IPv6 packet (no link header) PEER -> dst. */
static void inject(struct fx *f, const struct ipv6_addr *dst, uint8_t hlim, const uint8_t *pl,
                   size_t plen)
{
    uint8_t pkt[1600];
    struct ipv6_hdr h = {.payload_len = (uint16_t)plen, .next_hdr = IPV6_NH_ICMPV6,
                         .hop_limit = hlim, .src = PEER, .dst = *dst};
    ipv6_emit(&h, pkt, 40);
    memcpy(pkt + 40, pl, plen);
    nh_inject(f->n, f->port, pkt, 40 + plen);
    nh_run_until(f->n, f->n->now);
}

/* The ICMPv6 messages of `type` the stack sent since the last clear (each
 * frame must be a bare IPv6 packet); the last one's ICMPv6 length. */
static int sent(struct fx *f, uint8_t type, size_t *len)
{
    int k = 0;
    for (size_t i = 0; i < nh_tx_count(f->n, f->port); i++) {
        const struct nh_frame *fr = nh_tx(f->n, f->port, i);
        assert_true(fr->len >= 40);
        assert_int_equal(fr->data[0] >> 4, 6); /* no Ethernet header in front */
        if (fr->data[6] != IPV6_NH_ICMPV6 || fr->data[40] != type)
            continue;
        k++;
        if (len)
            *len = get_be16(fr->data + 4);
    }
    return k;
}

static void test_addresses_preferred_without_dad(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    nh_run_until(f.n, f.n->now + 3 * UST_SEC);
    struct ust_addr6_info a[8];
    int n = ust_iface_addrs6(f.st, 0, a, 8);
    assert_int_equal(n, 2); /* the link-local one (RFC 4291 2.1) and US */
    int ll = 0;
    for (int i = 0; i < n; i++) {
        assert_int_equal(a[i].state, UST_ADDR6_PREFERRED);
        ll += a[i].addr[0] == 0xfe && a[i].addr[1] == 0x80;
    }
    assert_int_equal(ll, 1);
    const struct ust_stats *s = ust_stack_stats(f.st);
    assert_int_equal(s->nd6.DadStarted, 0);
    /* No DAD probe, and no MLD report: no solicited-node group joined. */
    assert_int_equal(sent(&f, ICMPV6_ND_NS, NULL), 0);
    assert_int_equal(sent(&f, ICMPV6_MLD2_REPORT, NULL), 0);
    nh_net_free(f.n);
}

static size_t echo(uint8_t *msg, size_t dlen)
{
    memset(msg + 8, 0x5a, dlen);
    struct icmpv6_hdr h = {.type = ICMPV6_ECHO_REQUEST, .id = 1, .seq = 1};
    icmpv6_emit(&h, &PEER, &US, msg, 8 + dlen);
    return 8 + dlen;
}

/* The reply goes at once, bare, to a peer the stack never resolved. */
static void test_echo_answered_without_resolution(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    nh_tx_clear(f.n, f.port);
    uint8_t msg[64];
    inject(&f, &US, 64, msg, echo(msg, 16));
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, NULL), 1);
    assert_int_equal(sent(&f, ICMPV6_ND_NS, NULL), 0);
    const uint8_t *pkt = nh_tx(f.n, f.port, nh_tx_count(f.n, f.port) - 1)->data;
    assert_memory_equal(pkt + 24, PEER.b, 16);
    assert_null(nd_lookup(f.st, 0, &PEER)); /* no neighbour entry made */
    nh_net_free(f.n);
}

/* An NS for our address (a peer may send one) is answered with an NA that
 * has no Target Link-Layer Address option (RFC 4861 4.4: only where the
 * link has addresses). */
static void test_na_without_tlla(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    nh_tx_clear(f.n, f.port);
    uint8_t msg[ND_NS_LEN];
    struct nd_msg m = {.type = ICMPV6_ND_NS, .target = US};
    nd_emit(&m, msg, sizeof(msg));
    icmpv6_set_csum(msg, sizeof(msg), &PEER, &US);
    inject(&f, &US, 255, msg, sizeof(msg));
    size_t len = 0;
    assert_int_equal(sent(&f, ICMPV6_ND_NA, &len), 1);
    assert_int_equal(len, ND_NA_LEN);
    nh_net_free(f.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses_preferred_without_dad),
        cmocka_unit_test(test_echo_answered_without_resolution),
        cmocka_unit_test(test_na_without_tlla),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
