/* Fuzz target for IGMP input (RFC 3376) on a host: one Ethernet device at
 * 203.0.113.2/24 whose socket joined 239.1.2.3 and 239.1.2.4. The input
 * is a list of records [ctl][len][IGMP message]: ctl bits 0-1 pick the IP
 * destination (224.0.0.1, 239.1.2.3, 239.9.9.9, 224.0.0.22), bit 2 adds a
 * Router Alert option, bits 3-7 how far the clock moves after it. Each
 * message is also parsed alone (wire/igmp.c): a v3 Report's records must
 * lie inside it. Every frame the stack sends must be an IGMP message with
 * a good checksum, TTL 1 and Router Alert (besides the interface's
 * gratuitous ARP) (RFC 3376 4), about one of the
 * joined groups, and there must be few of them. Any disagreement aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"
#include "wire/eth.h"
#include "wire/igmp.h"
#include "wire/ipv4.h"
#include "wire/wbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GROUP UST_IP4(239, 1, 2, 3)
#define GROUP2 UST_IP4(239, 1, 2, 4)
#define MAX_RECORDS 64

static void check(int cond)
{
    if (!cond)
        abort();
}

static bool ours(ust_ip4_t g) { return g == GROUP || g == GROUP2; }

static void check_report(const uint8_t *msg, size_t len)
{
    struct igmp_msg m;
    check(igmp_parse(msg, len, &m) == WIRE_OK);
    if (m.type == IGMP_V3_REPORT) {
        struct igmp_rec_iter it;
        struct igmp_record r;
        igmp_rec_iter_init(&it, msg, len);
        while (igmp_rec_next(&it, &r))
            check(ours(r.group) && r.nsrc == 0 && r.type >= 2 && r.type <= 4);
        check(it.err == WIRE_OK);
        return;
    }
    check(m.type == IGMP_V2_REPORT || m.type == IGMP_V1_REPORT || m.type == IGMP_V2_LEAVE);
    check(ours(m.group));
}

struct fuzz_ctx {
    unsigned long tx;
};

/* Every frame out: IGMP as RFC 3376 4 says to send it. */
static int on_tx(void *vctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now;
    struct fuzz_ctx *ctx = vctx;
    struct eth_hdr e;
    struct ipv4_hdr h;
    check(eth_parse(frame, len, &e) == WIRE_OK);
    if (e.type == ETH_TYPE_ARP)
        return 0; /* the gratuitous ARP of the new interface */
    check(e.type == ETH_TYPE_IPV4);
    check(ipv4_parse(frame + e.hdr_len, len - e.hdr_len, true, &h) == WIRE_OK);
    check(h.proto == IPV4_PROTO_IGMP && h.ttl == 1 && h.opt_len == 4 &&
          h.opts[0] == IPV4_OPT_ROUTER_ALERT);
    check_report(frame + e.hdr_len + h.hdr_len, (size_t)h.total_len - h.hdr_len);
    ctx->tx++;
    return 0;
}

static void join(struct ust_stack *st, int fd, ust_ip4_t group)
{
    struct ip_mreq m = {.imr_multiaddr.s_addr = htonl(group)};
    check(ust_setsockopt(st, fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) == 0);
}

/* The message alone: whatever parses has its parts inside it. */
static void parse_alone(const uint8_t *msg, size_t len)
{
    struct igmp_msg m;
    if (igmp_parse(msg, len, &m) != WIRE_OK)
        return;
    if (m.type == IGMP_QUERY && m.qver == IGMP_QV3)
        check(m.sources + 4 * (size_t)m.nsrc <= msg + len);
    if (m.type == IGMP_V3_REPORT) {
        struct igmp_rec_iter it;
        struct igmp_record r;
        igmp_rec_iter_init(&it, msg, len);
        while (igmp_rec_next(&it, &r))
            check(r.sources + 4 * (size_t)r.nsrc <= msg + len);
        check(it.err == WIRE_OK);
    }
}

static size_t frame_of(uint8_t ctl, const uint8_t *msg, size_t len, uint8_t *f, size_t cap)
{
    static const ust_ip4_t dsts[4] = {0xe0000001u, GROUP, UST_IP4(239, 9, 9, 9), 0xe0000016u};
    ust_ip4_t dst = dsts[ctl & 3];
    size_t opt = ctl & 4 ? 4 : 0, hl = IPV4_HDR_LEN + opt;
    if (14 + hl + len > cap)
        return 0;
    const uint8_t mac[6] = {0x01, 0x00, 0x5e, (uint8_t)((dst >> 16) & 0x7f), (uint8_t)(dst >> 8),
                            (uint8_t)dst};
    struct eth_hdr e = {.type = ETH_TYPE_IPV4, .hdr_len = ETH_HDR_LEN,
                        .src = {0x02, 0, 0, 0, 0, 0x01}};
    memcpy(e.dst, mac, 6);
    eth_emit(&e, f, cap);
    struct ipv4_hdr h = {.hdr_len = (uint8_t)hl, .total_len = (uint16_t)(hl + len), .ttl = 1,
                         .tos = 0xc0, .proto = IPV4_PROTO_IGMP, .src = UST_IP4(203, 0, 113, 1),
                         .dst = dst, .opt_len = (uint8_t)opt};
    uint8_t *ip = f + ETH_HDR_LEN;
    if (opt) {
        ip[20] = IPV4_OPT_ROUTER_ALERT, ip[21] = 4, ip[22] = 0, ip[23] = 0;
    }
    ipv4_emit(&h, ip, hl);
    memcpy(ip + hl, msg, len);
    return ETH_HDR_LEN + hl + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_ctx ctx = {0};
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_enabled = false; /* every frame sent must be IGMP: no IPv6 DAD */
    struct ust_stack *st = ust_stack_new(&cfg);
    check(st != NULL);
    const struct ust_dev_ops ops = {.transmit = on_tx};
    const struct ust_mac mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
    struct ust_dev *dev = ust_dev_new(st, "fuzz0", UST_LINK_ETHERNET, &mac, 1500, &ops, &ctx);
    check(dev != NULL);
    ust_time_t now = UST_SEC;
    ust_stack_poll(st, now);
    check(ust_iface_add(st, dev, UST_IP4(203, 0, 113, 2), 24) >= 0);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    check(fd >= 0);
    join(st, fd, GROUP);
    join(st, fd, GROUP2);
    size_t off = 0;
    uint8_t frame[1600];
    for (int rec = 0; rec < MAX_RECORDS && size - off >= 2; rec++) {
        uint8_t ctl = data[off], len = data[off + 1];
        off += 2;
        size_t n = len < size - off ? len : size - off;
        uint8_t *msg = malloc(n ? n : 1); /* exact size: ASan sees overreads */
        check(msg != NULL);
        memcpy(msg, data + off, n);
        off += n;
        parse_alone(msg, n);
        size_t fl = frame_of(ctl, msg, n, frame, sizeof(frame));
        free(msg);
        if (fl)
            (void)ust_dev_input(dev, now, frame, fl);
        now += (ust_time_t)(ctl >> 3) * 500 * UST_MSEC;
        ust_stack_poll(st, now);
    }
    ust_stack_poll(st, now + 600 * UST_SEC);
    /* Two groups, each answered at most once per query plus the joins'
     * reports: a bound on what input can make us send. */
    check(ctx.tx <= 8 + 4 * (unsigned long)MAX_RECORDS);
    ust_close(st, fd);
    ust_stack_free(st);
    return 0;
}
