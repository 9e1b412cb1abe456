/* Fuzz target for the wire codecs: every parser runs on the input (and on
 * the layers it encloses when it parses as a frame or a datagram); what
 * parses is emitted back and parsed again, and any disagreement aborts.
 * The checksum is compared with a byte-wise reference on the same input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arp.h"
#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define A1 0xcb007101u /* 203.0.113.1 */
#define A2 0xcb007102u /* 203.0.113.2 */

static void check(int cond)
{
    if (!cond)
        abort();
}

/* A scratch buffer of exactly n bytes holding a copy of src[0..n). */
static uint8_t *dup_exact(const uint8_t *src, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    check(p != NULL);
    if (n)
        memcpy(p, src, n);
    return p;
}

static void fuzz_csum(const uint8_t *d, size_t n)
{
    uint64_t ref = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        ref += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (n & 1)
        ref += (uint32_t)d[n - 1] << 8;
    while (ref >> 16)
        ref = (ref & 0xffff) + (ref >> 16);
    check(csum_buf(d, n) == (uint16_t)~ref);
    /* Chaining at an even cut gives the same sum. */
    size_t cut = (n / 3) & ~(size_t)1;
    check(csum_fold(csum_partial(d + cut, n - cut, csum_partial(d, cut, 0))) == (uint16_t)~ref);
    (void)crc32_ieee(d, n);
}

static void fuzz_eth(const uint8_t *d, size_t n)
{
    struct eth_hdr h, back;
    if (eth_parse(d, n, &h) != WIRE_OK)
        return;
    check(h.hdr_len <= n);
    uint8_t out[ETH_VLAN_HDR_LEN];
    check(eth_emit(&h, out, sizeof(out)) == (int)h.hdr_len);
    check(memcmp(out, d, h.hdr_len) == 0);
    check(eth_parse(out, h.hdr_len, &back) == WIRE_OK);
    check(back.type == h.type && back.has_vlan == h.has_vlan && back.vlan_tci == h.vlan_tci);
    (void)eth_is_broadcast(h.dst);
    (void)eth_is_multicast(h.dst);
}

static void fuzz_arp(const uint8_t *d, size_t n)
{
    struct arp_pkt p, back;
    if (arp_parse(d, n, &p) != WIRE_OK)
        return;
    uint8_t out[ARP_LEN];
    check(arp_emit(&p, out, sizeof(out)) == ARP_LEN);
    check(memcmp(out, d, ARP_LEN) == 0);
    check(arp_parse(out, sizeof(out), &back) == WIRE_OK);
    check(back.op == p.op && back.spa == p.spa && back.tpa == p.tpa);
}

static void fuzz_icmp(const uint8_t *d, size_t n, bool verify)
{
    struct icmp_hdr h, back;
    if (icmp_parse(d, n, verify, &h) != WIRE_OK)
        return;
    uint8_t *out = dup_exact(d, n);
    check(icmp_emit(&h, out, n, n - ICMP_HDR_LEN) == ICMP_HDR_LEN);
    check(icmp_parse(out, n, true, &back) == WIRE_OK);
    check(back.type == h.type && back.code == h.code);
    if (h.type == ICMP_ECHO_REQUEST || h.type == ICMP_ECHO_REPLY)
        check(back.id == h.id && back.seq == h.seq);
    else if (h.type == ICMP_DEST_UNREACH && h.code == ICMP_UNREACH_FRAG_NEEDED)
        check(back.mtu == h.mtu);
    else
        check(back.rest == h.rest);
    /* A message that verified keeps its exact bytes, checksum aside. */
    if (verify)
        check(memcmp(out + 4, d + 4, n - 4) == 0 || h.type == ICMP_DEST_UNREACH);
    free(out);
}

static void fuzz_udp(const uint8_t *d, size_t n, uint32_t src, uint32_t dst, bool verify)
{
    struct udp_hdr h, back;
    if (udp_parse(d, n, src, dst, verify, &h) != WIRE_OK)
        return;
    check(h.len >= UDP_HDR_LEN && h.len <= n);
    uint8_t *out = dup_exact(d, h.len);
    check(udp_emit(h.sport, h.dport, src, dst, out, h.len, h.len - UDP_HDR_LEN) == UDP_HDR_LEN);
    check(udp_parse(out, h.len, src, dst, true, &back) == WIRE_OK);
    check(back.sport == h.sport && back.dport == h.dport && back.len == h.len);
    check(back.csum != 0);
    free(out);
}

static void same_opts(const struct tcp_opts *a, const struct tcp_opts *b)
{
    check(a->has_mss == b->has_mss && (!a->has_mss || a->mss == b->mss));
    check(a->has_wscale == b->has_wscale && (!a->has_wscale || a->wscale == b->wscale));
    check(a->sack_permitted == b->sack_permitted);
    check(a->has_timestamp == b->has_timestamp);
    check(!a->has_timestamp || (a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr));
    /* Our layout may fit one SACK block fewer than a tighter sender's. */
    check(b->num_sack <= a->num_sack && b->num_sack + 1 >= a->num_sack);
    for (unsigned i = 0; i < b->num_sack; i++)
        check(a->sack[i].left == b->sack[i].left && a->sack[i].right == b->sack[i].right);
    check(b->num_unknown == 0);
}

static void fuzz_tcp(const uint8_t *d, size_t n, uint32_t src, uint32_t dst, bool verify)
{
    struct tcp_hdr h, back;
    if (tcp_parse(d, n, src, dst, verify, &h) != WIRE_OK)
        return;
    check(h.hdr_len >= TCP_HDR_LEN && h.hdr_len <= n && h.opts.num_sack <= TCP_MAX_SACK_BLOCKS);
    size_t payload = n - h.hdr_len;
    size_t hl = TCP_HDR_LEN + tcp_opts_len(&h.opts);
    check(hl <= TCP_MAX_HDR_LEN && hl % 4 == 0);
    if (hl + payload > IPV4_MAX_LEN)
        return; /* our option layout would not fit a maximal segment */
    uint8_t *out = malloc(hl + payload);
    check(out != NULL);
    memcpy(out + hl, d + h.hdr_len, payload);
    check(tcp_emit(&h, src, dst, out, hl + payload, payload) == (int)hl);
    check(tcp_parse(out, hl + payload, src, dst, true, &back) == WIRE_OK);
    check(back.sport == h.sport && back.dport == h.dport && back.seq == h.seq);
    check(back.ack == h.ack && back.flags == h.flags && back.wnd == h.wnd && back.urp == h.urp);
    check(back.hdr_len == hl);
    same_opts(&h.opts, &back.opts);
    free(out);
}

static void fuzz_ipv4(const uint8_t *d, size_t n)
{
    struct ipv4_hdr h, back;
    int verified = ipv4_parse(d, n, true, &h);
    if (ipv4_parse(d, n, false, &h) != WIRE_OK) {
        check(verified != WIRE_OK);
        return;
    }
    check(h.hdr_len >= IPV4_HDR_LEN && h.hdr_len <= h.total_len && h.total_len <= n);
    check(h.opt_len == h.hdr_len - IPV4_HDR_LEN && h.frag_off % 8 == 0);
    uint8_t *out = dup_exact(d, h.total_len);
    check(ipv4_emit(&h, out, h.total_len) == h.hdr_len);
    check(ipv4_parse(out, h.total_len, true, &back) == WIRE_OK);
    check(back.hdr_len == h.hdr_len && back.total_len == h.total_len && back.id == h.id);
    check(back.df == h.df && back.mf == h.mf && back.frag_off == h.frag_off);
    check(back.ttl == h.ttl && back.proto == h.proto && back.tos == h.tos);
    check(back.src == h.src && back.dst == h.dst);
    check(back.has_source_route == h.has_source_route);
    /* A header that verified comes back byte for byte, except the
     * reserved flag bit (not kept) and a checksum sent as 0xffff where we
     * compute the equivalent 0x0000. */
    if (verified == WIRE_OK && !(d[6] & 0x80)) {
        check(memcmp(out, d, 10) == 0 && memcmp(out + 12, d + 12, h.hdr_len - 12u) == 0);
        check(back.csum == h.csum || (h.csum == 0xffff && back.csum == 0));
    }
    free(out);

    const uint8_t *p = d + h.hdr_len;
    size_t plen = (size_t)h.total_len - h.hdr_len;
    if (h.frag_off != 0 || h.mf)
        return; /* a fragment holds no complete transport header */
    switch (h.proto) {
    case IPV4_PROTO_ICMP:
        fuzz_icmp(p, plen, false);
        break;
    case IPV4_PROTO_UDP:
        fuzz_udp(p, plen, h.src, h.dst, false);
        break;
    case IPV4_PROTO_TCP:
        fuzz_tcp(p, plen, h.src, h.dst, false);
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_csum(data, size);
    fuzz_eth(data, size);
    struct eth_hdr e;
    if (eth_parse(data, size, &e) == WIRE_OK) {
        if (e.type == ETH_TYPE_ARP)
            fuzz_arp(data + e.hdr_len, size - e.hdr_len);
        else if (e.type == ETH_TYPE_IPV4)
            fuzz_ipv4(data + e.hdr_len, size - e.hdr_len);
    }
    /* Each parser on the raw input too, with and without checksums. */
    fuzz_arp(data, size);
    fuzz_ipv4(data, size);
    for (int verify = 0; verify < 2; verify++) {
        fuzz_icmp(data, size, verify);
        fuzz_udp(data, size, A1, A2, verify);
        fuzz_tcp(data, size, A1, A2, verify);
    }
    struct tcp_opts o;
    bool sr;
    (void)tcp_parse_options(data, size < 40 ? size : 40, &o);
    (void)ipv4_check_options(data, size < 40 ? size : 40, &sr);
    return 0;
}
