/* UDP over IPv6 at the datagram level (issue #13): datagrams made here
 * enter through udp_input6 (what IPv6 input calls for Next Header 17).
 * RFC 8200 8.1: the checksum covers the IPv6 pseudo-header and a zero
 * checksum is dropped; the demultiplexing is IPv4's (an AF_INET6 socket
 * on [::] gets it, with the sender as sockaddr_in6, an AF_INET one not). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net6/net6.h"
#include "transport/transport.h"
#include "ustack/ustack.h"
#include "wire/ipv6.h"
#include "wire/udp.h"

#define PORT 5353

static void dgram6(struct ust_stack *st, const char *src, const char *dst, int ifindex,
                   const char *data, bool zero_csum)
{
    struct ipv6_hdr ip = {.next_hdr = IPV6_NH_UDP, .hop_limit = 64};
    assert_int_equal(ipv6_addr_parse(src, &ip.src), 0);
    assert_int_equal(ipv6_addr_parse(dst, &ip.dst), 0);
    uint8_t buf[UDP_HDR_LEN + 32];
    size_t len = strlen(data);
    memcpy(buf + UDP_HDR_LEN, data, len);
    uint32_t ps = ipv6_csum_pseudo(&ip.src, &ip.dst, 0, IPV6_NH_UDP);
    assert_int_equal(udp_emit_ps(40000, PORT, ps, buf, sizeof(buf), len), UDP_HDR_LEN);
    if (zero_csum)
        buf[6] = buf[7] = 0;
    ip.payload_len = (uint16_t)(UDP_HDR_LEN + len);
    struct ip6_rx rx = {.ifindex = ifindex, .h = &ip, .seg = buf, .seg_len = UDP_HDR_LEN + len,
                        .mcast = ipv6_addr_is_multicast(&ip.dst)};
    udp_input6(st, &rx);
}

static int bound(struct ust_stack *st, int family, int v6only)
{
    int s = ust_socket(st, family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    struct sockaddr_storage ss;
    struct ust_addr any = family == AF_INET6 ? ust_addr_from_ip6((const uint8_t[16]){0}, 0)
                                             : ust_addr_from_ip4(0);
    if (family == AF_INET6)
        assert_int_equal(ust_setsockopt(st, s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(int)),
                         0);
    socklen_t n = ust_addr_to_sockaddr(&any, PORT, &ss);
    assert_int_equal(ust_bind(st, s, (struct sockaddr *)&ss, n), 0);
    return s;
}

static void test_checksum_mandatory_and_sender_as_sockaddr_in6(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    struct ust_stack *st = ust_stack_new(&c);
    int s = bound(st, AF_INET6, 1);
    const struct ust_stats *stats = ust_stack_stats(st);
    uint64_t csum_errs = stats->udp.InCsumErrors;
    dgram6(st, "2001:db8::1", "2001:db8::2", -1, "zero", true); /* RFC 8200 8.1: dropped */
    assert_int_equal(stats->udp.InCsumErrors, csum_errs + 1);
    char b[16];
    assert_int_equal(ust_recv(st, s, b, sizeof(b), 0), -1);
    assert_int_equal(errno, EAGAIN);
    dgram6(st, "2001:db8::1", "2001:db8::2", -1, "hello", false);
    struct sockaddr_in6 from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(st, s, b, sizeof(b), 0, (struct sockaddr *)&from, &flen), 5);
    assert_memory_equal(b, "hello", 5);
    assert_int_equal(flen, sizeof(from));
    assert_int_equal(from.sin6_family, AF_INET6);
    assert_int_equal(ntohs(from.sin6_port), 40000);
    char t[INET6_ADDRSTRLEN];
    assert_string_equal(inet_ntop(AF_INET6, &from.sin6_addr, t, sizeof(t)), "2001:db8::1");
    assert_int_equal(from.sin6_scope_id, 0);
    /* a link-local sender comes with its interface as sin6_scope_id */
    dgram6(st, "fe80::1", "fe80::2", 4, "ll", false);
    flen = sizeof(from);
    assert_int_equal(ust_recvfrom(st, s, b, sizeof(b), 0, (struct sockaddr *)&from, &flen), 2);
    assert_int_equal(from.sin6_scope_id, 5);
    ust_close(st, s);
    ust_stack_free(st);
}

static void test_ipv4_socket_hears_no_ipv6(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    struct ust_stack *st = ust_stack_new(&c);
    int s4 = bound(st, AF_INET, 0);
    uint64_t noports = ust_stack_stats(st)->udp.NoPorts;
    dgram6(st, "2001:db8::1", "2001:db8::2", -1, "v6", false);
    char b[8];
    assert_int_equal(ust_recv(st, s4, b, sizeof(b), 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ust_stack_stats(st)->udp.NoPorts, noports + 1);
    ust_close(st, s4);
    ust_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_mandatory_and_sender_as_sockaddr_in6),
        cmocka_unit_test(test_ipv4_socket_hears_no_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
