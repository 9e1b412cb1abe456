/* Software segmentation (src/dev/dev_gso.c): the segments of a TCP
 * super-packet are byte-equal to the frames built one MSS at a time with
 * the wire emitters (an independent builder), carry valid IPv4 and TCP
 * checksums as the parsers verify them, put FIN/PSH only on the last and
 * CWR only on the first; a partial checksum is completed; frames whose
 * header lengths lie are refused without reading outside them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dev/dev_gso.h"
#include "dev/dev_host.h"
#include "dev/dev_impl.h"
#include "ustack/ustack.h"
#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/wbuf.h"
#include "ustack/types.h"

#define SRC 0xcb007101u /* 203.0.113.1 */
#define DST 0xcb007102u
#define MSS 1448        /* 1500 - 20 - 20 - 12 (timestamps) */

/* What a frame carries; the builder below writes it like TCP would. */
struct spec {
    enum ust_link_type type;
    uint32_t seq;
    uint16_t ip_id;
    uint8_t flags;
    const uint8_t *payload;
    size_t n;
    bool partial; /* checksum field = pseudo-header sum (CHECKSUM_PARTIAL) */
};

/* Builds the frame of s into a new packet with the wire emitters. */
static struct pkt *build(const struct spec *s)
{
    size_t l2 = s->type == UST_LINK_ETHERNET ? ETH_HDR_LEN : 0;
    struct tcp_hdr th = {.sport = 5001, .dport = 80, .seq = s->seq, .ack = 777,
                         .flags = s->flags, .wnd = 512};
    th.opts.has_timestamp = true;
    th.opts.ts_val = 100;
    th.opts.ts_ecr = 200;
    size_t thl = TCP_HDR_LEN + tcp_opts_len(&th.opts);
    struct pkt *p = pkt_alloc(PKT_HEADROOM, l2 + IPV4_HDR_LEN + thl + s->n);
    assert_non_null(p);
    uint8_t *ip = p->data + l2, *tcp = ip + IPV4_HDR_LEN;
    memcpy(tcp + thl, s->payload, s->n);
    assert_int_equal(tcp_emit(&th, SRC, DST, tcp, thl + s->n, s->n), (int)thl);
    if (s->partial) /* Linux's __tcp_v4_send_check for CHECKSUM_PARTIAL */
        put_be16(tcp + 16, (uint16_t)~csum_fold(csum_pseudo(SRC, DST, 6, (uint16_t)(thl + s->n))));
    struct ipv4_hdr ih = {.total_len = (uint16_t)(IPV4_HDR_LEN + thl + s->n), .id = s->ip_id,
                          .df = true, .ttl = 64, .proto = IPV4_PROTO_TCP, .src = SRC, .dst = DST};
    assert_int_equal(ipv4_emit(&ih, ip, IPV4_HDR_LEN), IPV4_HDR_LEN);
    if (l2) {
        struct eth_hdr eh = {.dst = {2, 0, 0, 0, 0, 2}, .src = {2, 0, 0, 0, 0, 1},
                             .type = ETH_TYPE_IPV4};
        assert_int_equal(eth_emit(&eh, p->data, ETH_HDR_LEN), ETH_HDR_LEN);
    }
    return p;
}

struct collected {
    struct pkt *seg[64];
    size_t n;
    int fail_at; /* emit returns UST_ERR_NOMEM for this index (-1 never) */
};

static int collect(void *arg, struct pkt *seg)
{
    struct collected *c = arg;
    assert_true(c->n < 64);
    assert_int_equal(seg->off.gso_size, 0);
    assert_int_equal(seg->off.csum_partial, 0);
    c->seg[c->n] = seg;
    return (int)c->n++ == c->fail_at ? UST_ERR_NOMEM : UST_OK;
}

static void collected_free(struct collected *c)
{
    for (size_t i = 0; i < c->n; i++)
        pkt_free(c->seg[i]);
}

static uint8_t *pattern(size_t n)
{
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7 + (i >> 8));
    return b;
}

/* Parses seg with checksum verification: the segmenter's sums are valid. */
static void verify_sums(const struct pkt *seg, size_t l2, struct tcp_hdr *th)
{
    struct ipv4_hdr ih;
    assert_int_equal(ipv4_parse(seg->data + l2, seg->len - l2, true, &ih), 0);
    assert_int_equal(ih.total_len, seg->len - l2);
    assert_int_equal(tcp_parse(seg->data + l2 + ih.hdr_len, ih.total_len - ih.hdr_len, SRC, DST,
                               true, th), 0);
}

/* Segments a super-packet of `payload` bytes and compares each segment
 * with the frame built for its MSS alone. */
static void check_against_per_mss(enum ust_link_type type, size_t payload, uint16_t ip_id,
                                  bool partial)
{
    uint8_t *data = pattern(payload);
    uint8_t all = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR;
    struct spec sp = {type, 0xfffff000u, ip_id, all, data, payload, partial};
    struct pkt *super = build(&sp);
    super->off = (struct pkt_offload){.gso_size = MSS, .gso_type = PKT_GSO_TCPV4,
                                      .csum_partial = partial};
    struct collected c = {.fail_at = -1};
    size_t want = (payload + MSS - 1) / MSS;
    assert_int_equal(gso_segment(super, type, NULL, collect, &c), (int)want);
    assert_int_equal(c.n, want);
    size_t l2 = type == UST_LINK_ETHERNET ? ETH_HDR_LEN : 0;
    for (size_t i = 0; i < want; i++) {
        size_t n = i + 1 < want ? MSS : payload - i * MSS;
        uint8_t f = TCP_ACK | (i == 0 ? TCP_CWR : 0) | (i + 1 == want ? TCP_PSH | TCP_FIN : 0);
        struct spec one = {type, sp.seq + (uint32_t)(i * MSS), (uint16_t)(ip_id + i), f,
                           data + i * MSS, n, false};
        struct pkt *ref = build(&one);
        assert_int_equal(c.seg[i]->len, ref->len);
        assert_memory_equal(c.seg[i]->data, ref->data, ref->len);
        struct tcp_hdr th;
        verify_sums(c.seg[i], l2, &th);
        assert_int_equal(th.flags, f);
        assert_int_equal(th.seq, sp.seq + (uint32_t)(i * MSS)); /* wraps past 2^32 */
        pkt_free(ref);
    }
    collected_free(&c);
    free(data);
}

static void test_64k_super_packet_equals_per_mss_frames(void **state)
{
    (void)state;
    check_against_per_mss(UST_LINK_ETHERNET, 45 * MSS, 4000, true); /* 65212-byte datagram */
}

static void test_odd_last_segment_on_ip_link(void **state)
{
    (void)state;
    check_against_per_mss(UST_LINK_IP, 10 * MSS + 7, 1, true);
    check_against_per_mss(UST_LINK_IP, 2 * MSS + 1, 1, false); /* a full sum in the field */
}

static void test_ip_id_wraps(void **state)
{
    (void)state;
    check_against_per_mss(UST_LINK_ETHERNET, 4 * MSS, 0xfffe, true); /* ids fffe ffff 0 1 */
}

/* A packet that fits one segment goes as it is, its checksum completed. */
static void test_single_segment_completed_in_place(void **state)
{
    (void)state;
    uint8_t *data = pattern(MSS);
    struct spec sp = {UST_LINK_ETHERNET, 1, 9, TCP_ACK | TCP_PSH, data, MSS, true};
    struct pkt *p = build(&sp);
    p->off = (struct pkt_offload){.gso_size = MSS, .gso_type = PKT_GSO_TCPV4, .csum_partial = 1};
    sp.partial = false;
    struct pkt *ref = build(&sp);
    struct collected c = {.fail_at = -1};
    assert_int_equal(gso_segment(p, UST_LINK_ETHERNET, NULL, collect, &c), 1);
    assert_ptr_equal(c.seg[0], p);
    assert_memory_equal(p->data, ref->data, ref->len);
    pkt_free(ref);
    collected_free(&c);
    free(data);
}

/* Checksum offload without segmentation: the field's pseudo-header sum
 * becomes the full checksum, exactly what a complete build writes. */
static void test_csum_complete(void **state)
{
    (void)state;
    uint8_t *data = pattern(301); /* odd length: the padding byte */
    struct spec sp = {UST_LINK_IP, 77, 3, TCP_ACK, data, 301, true};
    struct pkt *p = build(&sp);
    p->off.csum_partial = 1;
    sp.partial = false;
    struct pkt *ref = build(&sp);
    assert_memory_not_equal(p->data, ref->data, ref->len);
    assert_int_equal(gso_csum_complete(p, UST_LINK_IP), 0);
    assert_memory_equal(p->data, ref->data, ref->len);
    assert_int_equal(p->off.csum_partial, 0);
    pkt_free(p);
    pkt_free(ref);
    free(data);
}

/* An emit error is reported, and every segment is still offered. */
static void test_emit_error_reported_after_all(void **state)
{
    (void)state;
    uint8_t *data = pattern(3 * MSS);
    struct spec sp = {UST_LINK_IP, 1, 1, TCP_ACK, data, 3 * MSS, true};
    struct pkt *p = build(&sp);
    p->off = (struct pkt_offload){.gso_size = MSS, .gso_type = PKT_GSO_TCPV4, .csum_partial = 1};
    struct collected c = {.fail_at = 1};
    assert_int_equal(gso_segment(p, UST_LINK_IP, NULL, collect, &c), UST_ERR_NOMEM);
    assert_int_equal(c.n, 3);
    collected_free(&c);
    free(data);
}

/* Mutates one header field of a good super-packet; it must be refused
 * with nothing emitted (and nothing read outside: ASan watches). */
static void expect_refused(void (*spoil)(struct pkt *p), enum ust_link_type type)
{
    uint8_t *data = pattern(3 * MSS);
    struct spec sp = {type, 1, 1, TCP_ACK, data, 3 * MSS, true};
    struct pkt *p = build(&sp);
    p->off = (struct pkt_offload){.gso_size = MSS, .gso_type = PKT_GSO_TCPV4, .csum_partial = 1};
    spoil(p);
    struct collected c = {.fail_at = -1};
    assert_int_equal(gso_segment(p, type, NULL, collect, &c), UST_ERR_INVAL);
    assert_int_equal(c.n, 0);
    free(data);
}

static void ihl_past_total(struct pkt *p) { p->data[0] = 0x4f, put_be16(p->data + 2, 40); }
static void ihl_short(struct pkt *p) { p->data[0] = 0x44; }
static void version_6(struct pkt *p) { p->data[0] = 0x65; }
static void total_past_frame(struct pkt *p) { put_be16(p->data + 2, (uint16_t)(p->len + 1)); }
static void doff_past_datagram(struct pkt *p) { put_be16(p->data + 2, 20 + 24), p->data[32] = 0xf0; }
static void doff_short(struct pkt *p) { p->data[32] = 0x40; }
static void a_fragment(struct pkt *p) { put_be16(p->data + 6, 0x2000); }
static void udp_not_tcp(struct pkt *p) { p->data[9] = IPV4_PROTO_UDP; }
static void frame_truncated(struct pkt *p) { p->len = 30; }
static void no_gso_type(struct pkt *p) { p->off.gso_type = PKT_GSO_NONE; }
static void gso_size_zero(struct pkt *p) { p->off.gso_size = 0; }
static void eth_not_ipv4(struct pkt *p) { put_be16(p->data + 12, ETH_TYPE_ARP); }
static void eth_runt(struct pkt *p) { p->len = 13; }

static void test_bounds_rejected(void **state)
{
    (void)state;
    void (*ip_link[])(struct pkt *) = {ihl_past_total, ihl_short, version_6, total_past_frame,
                                       doff_past_datagram, doff_short, a_fragment, udp_not_tcp,
                                       frame_truncated, no_gso_type, gso_size_zero};
    for (size_t i = 0; i < sizeof(ip_link) / sizeof(ip_link[0]); i++)
        expect_refused(ip_link[i], UST_LINK_IP);
    expect_refused(eth_not_ipv4, UST_LINK_ETHERNET);
    expect_refused(eth_runt, UST_LINK_ETHERNET);
}

/* ---- dev_transmit: the driver, or software first ---------------------- */

/* What an application driver (ops.transmit: frames only) and a driver
 * with a packet path (txq.transmit_pkt: sees p->off) were given. */
struct sink {
    unsigned frames, pkts, super_pkts;
    bool sums_ok; /* every frame carries valid IPv4 and TCP checksums */
};

static bool frame_sums_ok(const uint8_t *frame, size_t len)
{
    struct ipv4_hdr ih;
    struct tcp_hdr th;
    return len > ETH_HDR_LEN && ipv4_parse(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, true, &ih) == 0 &&
           tcp_parse(frame + ETH_HDR_LEN + ih.hdr_len, ih.total_len - ih.hdr_len, ih.src, ih.dst,
                     true, &th) == 0 &&
           ih.total_len <= 1500;
}

static int sink_frame(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now;
    struct sink *s = ctx;
    s->frames++;
    s->sums_ok &= frame_sums_ok(frame, len);
    return UST_OK;
}

static int sink_copy(void *ctx, struct ust_dev *dev, const uint8_t *frame, size_t len)
{
    (void)dev;
    return sink_frame(ctx, 0, frame, len);
}

static int sink_pkt(void *ctx, struct ust_dev *dev, struct pkt *p)
{
    struct sink *s = ctx;
    s->pkts++;
    s->super_pkts += p->off.gso_size != 0;
    pkt_pool_free(stack_pkt_pool(dev->st), p);
    return UST_OK;
}

static void sink_flush(void *ctx, struct ust_dev *dev) { (void)ctx, (void)dev; }

static const struct ust_dev_ops sink_ops = {.transmit = sink_frame};
static const struct dev_txq_ops sink_txq = {sink_copy, sink_pkt, sink_flush};

/* A 10-segment super-packet through dev_transmit of a device with these
 * caps, limit, packet path and middleware; the link counters after. */
static struct ust_link_stats send_super(struct sink *s, uint32_t caps, uint32_t gso_max,
                                        bool txq, bool layer, bool gso)
{
    memset(s, 0, sizeof(*s));
    s->sums_ok = true;
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, s);
    assert_non_null(dev);
    dev->offload_caps = caps;
    dev->gso_max_bytes = gso_max;
    dev->txq = txq ? &sink_txq : NULL;
    if (layer) /* a fault injector that does nothing: still a per-frame layer */
        assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &(struct ust_dev_faults){0}), 0);
    uint8_t *data = pattern(10 * MSS);
    struct spec sp = {UST_LINK_ETHERNET, 1, 1, TCP_ACK | TCP_PSH, data, gso ? 10 * MSS : 700,
                      true};
    struct pkt *p = build(&sp);
    p->off = (struct pkt_offload){.gso_size = gso ? MSS : 0, .gso_type = gso ? PKT_GSO_TCPV4 : 0,
                                  .csum_partial = 1};
    assert_int_equal(dev_transmit(dev, 0, p), 0);
    struct ust_link_stats ls = *ust_dev_stats(dev);
    ust_stack_free(st);
    free(data);
    return ls;
}

#define CAPS (DEV_OFF_TSO4 | DEV_OFF_CSUM)

static void test_transmit_to_capable_driver_unchanged(void **state)
{
    (void)state;
    struct sink s;
    struct ust_link_stats ls = send_super(&s, CAPS, 65535, true, false, true);
    assert_int_equal(s.super_pkts, 1); /* the driver got the super-packet itself */
    assert_int_equal(ls.tx_gso_offloaded, 1);
    assert_int_equal(ls.tx_gso_sw, 0);
    assert_int_equal(ls.tx_frames, 1);
}

/* Cases where the device layer segments: no caps, TSO without checksum
 * offload, a packet over the driver's limit, or middleware attached. */
static void test_transmit_segments_in_software(void **state)
{
    (void)state;
    struct {
        uint32_t caps, max;
        bool layer;
    } cases[] = {{0, 0, false}, {DEV_OFF_TSO4, 65535, false}, {CAPS, 8000, false},
                 {CAPS, 65535, true}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sink s;
        struct ust_link_stats ls = send_super(&s, cases[i].caps, cases[i].max, true,
                                              cases[i].layer, true);
        assert_int_equal(s.super_pkts, 0);
        assert_int_equal(s.pkts, 10);
        assert_int_equal(ls.tx_gso_sw, 1);
        assert_int_equal(ls.tx_gso_segs, 10);
        assert_int_equal(ls.tx_gso_offloaded, 0);
        assert_int_equal(ls.tx_frames, 10);
    }
    struct sink s; /* an application driver: frames with valid sums */
    struct ust_link_stats ls = send_super(&s, 0, 0, false, false, true);
    assert_int_equal(s.frames, 10);
    assert_true(s.sums_ok);
    assert_int_equal(ls.tx_gso_sw, 1);
}

/* A partial checksum alone: completed in software unless the driver
 * completes checksums and nothing is layered on it. */
static void test_transmit_completes_partial_checksum(void **state)
{
    (void)state;
    struct sink s;
    struct ust_link_stats ls = send_super(&s, 0, 0, false, false, false);
    assert_int_equal(s.frames, 1);
    assert_true(s.sums_ok);
    assert_int_equal(ls.tx_csum_sw, 1);
    ls = send_super(&s, DEV_OFF_CSUM, 0, true, false, false);
    assert_int_equal(s.pkts, 1);
    assert_int_equal(ls.tx_csum_sw, 0);
    ls = send_super(&s, DEV_OFF_CSUM, 0, true, true, false);
    assert_int_equal(ls.tx_csum_sw, 1);
}

/* A frame that lies about its headers is dropped and counted. */
static void test_transmit_bad_frame_counted(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct sink s = {0};
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, &s);
    uint8_t *data = pattern(3 * MSS);
    struct spec sp = {UST_LINK_ETHERNET, 1, 1, TCP_ACK, data, 3 * MSS, true};
    struct pkt *p = build(&sp);
    p->off = (struct pkt_offload){.gso_size = MSS, .gso_type = PKT_GSO_TCPV4, .csum_partial = 1};
    p->data[ETH_HDR_LEN] = 0x4f; /* IHL 60 > what the datagram holds before TCP */
    put_be16(p->data + ETH_HDR_LEN + 2, 40);
    assert_int_equal(dev_transmit(dev, 0, p), UST_ERR_INVAL);
    assert_int_equal(ust_dev_stats(dev)->tx_gso_bad, 1);
    assert_int_equal(s.frames, 0);
    ust_stack_free(st);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_64k_super_packet_equals_per_mss_frames),
        cmocka_unit_test(test_odd_last_segment_on_ip_link),
        cmocka_unit_test(test_ip_id_wraps),
        cmocka_unit_test(test_single_segment_completed_in_place),
        cmocka_unit_test(test_csum_complete),
        cmocka_unit_test(test_emit_error_reported_after_all),
        cmocka_unit_test(test_bounds_rejected),
        cmocka_unit_test(test_transmit_to_capable_driver_unchanged),
        cmocka_unit_test(test_transmit_segments_in_software),
        cmocka_unit_test(test_transmit_completes_partial_checksum),
        cmocka_unit_test(test_transmit_bad_frame_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
