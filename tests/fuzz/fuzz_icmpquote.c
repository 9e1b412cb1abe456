/* Fuzz target for the ICMP error path (RFC 792, RFC 1122 3.2.2, RFC 5927,
 * RFC 1191): a stack at 203.0.113.2/24 on an IP-only link with an
 * established TCP connection to 203.0.113.1:80 (data in flight), a UDP
 * socket connected to 203.0.113.1:53 with IP_RECVERR, and an echo request
 * of its own outstanding. The input is a sequence of ICMP messages about
 * them, records
 *     [ctl][type][code][4-byte rest word][2-byte mask length L][L mask bytes]
 *     [time step, when ctl bit 5]
 * ctl bits 0-1 pick the quoted datagram: 0 the last TCP segment sent, 1 the
 * UDP datagram, 2 the echo request, 3 none (the mask alone is the quote).
 * The quote is that datagram's header and first transport bytes XOR the
 * mask (L = 0: unchanged, a valid quote), cut or extended to L bytes. Bit 2
 * sends it from a router (203.0.113.254) instead of the peer; bit 3 has the
 * peer acknowledge everything sent; bit 4 makes the application send more;
 * time steps as in fuzz_stack.c. Invariants checked (abort on failure):
 * nothing is ever sent to a third address, and a connection still
 * established keeps moving data with an MSS of at least the path MTU floor
 * (cfg.ip_min_pmtu 552) minus 40. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"
#include "wire/wbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ME UST_IP4(203, 0, 113, 2)
#define PEER UST_IP4(203, 0, 113, 1)
#define ROUTER UST_IP4(203, 0, 113, 254)
#define PEER_ISS 5000u
#define MAX_RECORDS 64
#define MAX_QUOTE 1400

struct fz {
    struct ust_stack *st;
    struct ust_dev *dev;
    ust_time_t now;
    int tcp_fd, udp_fd;
    uint16_t tcp_sport, udp_sport;
    uint32_t iss, last_seq, snd_max;
    uint16_t last_len;
    unsigned long data_segs;
};

static void check_tcp(struct fz *z, const uint8_t *d, const struct ipv4_hdr *h)
{
    struct tcp_hdr t;
    if (tcp_parse(d + h->hdr_len, h->total_len - h->hdr_len, h->src, h->dst, false, &t) < 0)
        return;
    uint32_t len = h->total_len - h->hdr_len - t.hdr_len;
    z->tcp_sport = t.sport;
    if (t.flags & TCP_SYN)
        z->iss = t.seq;
    if (len) {
        z->last_seq = t.seq;
        z->last_len = (uint16_t)len;
        z->data_segs++;
    }
    uint32_t end = t.seq + len + ((t.flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
    if ((int32_t)(end - z->snd_max) > 0)
        z->snd_max = end;
}

/* Every datagram the stack sends: to the peer or the router only. */
static int on_tx(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now;
    struct fz *z = ctx;
    struct ipv4_hdr h;
    if (ipv4_parse(frame, len, false, &h) < 0)
        abort();
    if (h.dst != PEER && h.dst != ROUTER)
        abort(); /* an ICMP error made us send somewhere else */
    if (h.proto == IPV4_PROTO_TCP)
        check_tcp(z, frame, &h);
    else if (h.proto == IPV4_PROTO_UDP && h.total_len >= h.hdr_len + 8)
        z->udp_sport = get_be16(frame + h.hdr_len);
    return 0;
}

static void ignore_ping(void *ctx, const struct ust_ping_result *r)
{
    (void)ctx;
    (void)r;
}

/* A segment from the peer (203.0.113.1:80) with an MSS option on a SYN. */
static void peer_segment(struct fz *z, uint8_t flags, uint32_t ack)
{
    uint8_t d[IPV4_HDR_LEN + TCP_HDR_LEN + 4];
    struct tcp_hdr t = {.sport = 80, .dport = z->tcp_sport, .seq = PEER_ISS, .ack = ack,
                        .flags = flags, .wnd = 65535};
    if (flags & TCP_SYN) {
        t.opts.has_mss = true;
        t.opts.mss = 1460;
    } else {
        t.seq = PEER_ISS + 1;
    }
    size_t tl = TCP_HDR_LEN + tcp_opts_len(&t.opts);
    if (tcp_emit(&t, PEER, ME, d + IPV4_HDR_LEN, tl, 0) < 0)
        abort();
    struct ipv4_hdr ip = {.hdr_len = IPV4_HDR_LEN, .total_len = (uint16_t)(IPV4_HDR_LEN + tl),
                          .ttl = 64, .proto = IPV4_PROTO_TCP, .src = PEER, .dst = ME};
    ipv4_emit(&ip, d, sizeof(d));
    (void)ust_dev_input(z->dev, z->now, d, IPV4_HDR_LEN + tl);
    ust_stack_poll(z->st, z->now);
}

static void send_more(struct fz *z, size_t n)
{
    static const uint8_t bytes[3000];
    if (z->tcp_fd >= 0)
        (void)ust_send(z->st, z->tcp_fd, bytes, n < sizeof(bytes) ? n : sizeof(bytes), 0);
    ust_stack_poll(z->st, z->now);
}

static int open_udp(struct fz *z)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7)};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(53),
                             .sin_addr.s_addr = htonl(PEER)};
    int one = 1;
    z->udp_fd = ust_socket(z->st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (z->udp_fd < 0 || ust_bind(z->st, z->udp_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        ust_setsockopt(z->st, z->udp_fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)) < 0 ||
        ust_connect(z->st, z->udp_fd, (struct sockaddr *)&to, sizeof(to)) < 0)
        return -1;
    return ust_send(z->st, z->udp_fd, "query", 5, 0) == 5 ? 0 : -1;
}

static void dbg_trace(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "%llu %s %s\n", (unsigned long long)now, layer, msg);
}

/* The connection, the UDP socket and the ping; -1 if the set-up failed. */
static int fz_open(struct fz *z)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_enabled = false; /* an IPv4 target: nothing of IPv6 on its IP-only device */
    z->st = ust_stack_new(&cfg);
    if (!z->st)
        return -1;
    if (getenv("FZ_TRACE"))
        ust_stack_set_trace(z->st, dbg_trace, NULL);
    const struct ust_dev_ops ops = {.transmit = on_tx};
    z->dev = ust_dev_new(z->st, "fz0", UST_LINK_IP, NULL, 1500, &ops, z);
    z->now = UST_SEC;
    ust_stack_poll(z->st, z->now);
    if (!z->dev || ust_iface_add(z->st, z->dev, ME, 24) < 0)
        return -1;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80),
                             .sin_addr.s_addr = htonl(PEER)};
    z->tcp_fd = ust_socket(z->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (z->tcp_fd < 0)
        return -1;
    (void)ust_connect(z->st, z->tcp_fd, (struct sockaddr *)&to, sizeof(to));
    peer_segment(z, TCP_SYN | TCP_ACK, z->iss + 1);
    send_more(z, 3000);
    ust_ping_set_handler(z->st, ignore_ping, NULL);
    (void)ust_ping_send(z->st, PEER, 0x77, 1, 16, 0);
    return open_udp(z);
}

/* The datagram a quote starts from (ctl bits 0-1); returns its length. */
static size_t quote_template(const struct fz *z, unsigned kind, uint8_t *q)
{
    static const uint8_t proto[3] = {IPV4_PROTO_TCP, IPV4_PROTO_UDP, IPV4_PROTO_ICMP};
    if (kind > 2)
        return 0;
    memset(q, 0, 40);
    size_t l4 = kind == 0 ? TCP_HDR_LEN : 8;
    uint16_t total = (uint16_t)(IPV4_HDR_LEN + l4 + (kind == 0 ? z->last_len : 5));
    struct ipv4_hdr ip = {.hdr_len = IPV4_HDR_LEN, .total_len = total, .ttl = 64, .df = kind == 0,
                          .proto = proto[kind], .src = ME, .dst = PEER};
    ipv4_emit(&ip, q, IPV4_HDR_LEN);
    uint8_t *t = q + IPV4_HDR_LEN;
    if (kind == 0) {
        put_be16(t, z->tcp_sport);
        put_be16(t + 2, 80);
        put_be32(t + 4, z->last_seq);
        put_be32(t + 8, PEER_ISS + 1);
        t[12] = 5 << 4;
        t[13] = TCP_ACK;
    } else if (kind == 1) {
        put_be16(t, z->udp_sport);
        put_be16(t + 2, 53);
        put_be16(t + 4, 13);
    } else {
        t[0] = ICMP_ECHO_REQUEST;
        put_be16(t + 4, 0x77);
        put_be16(t + 6, 1);
    }
    return IPV4_HDR_LEN + l4;
}

/* One ICMP message from `from` with the quote q[0..qlen). */
static void icmp_message(struct fz *z, ust_ip4_t from, const uint8_t *hdr, const uint8_t *q,
                         size_t qlen)
{
    static uint8_t d[IPV4_HDR_LEN + ICMP_HDR_LEN + MAX_QUOTE];
    uint32_t rest = get_be32(hdr + 2);
    struct icmp_hdr ih = {.type = hdr[0], .code = hdr[1], .rest = rest,
                          .id = (uint16_t)(rest >> 16), .seq = (uint16_t)rest,
                          .mtu = (uint16_t)rest};
    memcpy(d + IPV4_HDR_LEN + ICMP_HDR_LEN, q, qlen);
    icmp_emit(&ih, d + IPV4_HDR_LEN, ICMP_HDR_LEN + qlen, qlen);
    size_t total = IPV4_HDR_LEN + ICMP_HDR_LEN + qlen;
    struct ipv4_hdr ip = {.hdr_len = IPV4_HDR_LEN, .total_len = (uint16_t)total, .ttl = 64,
                          .proto = IPV4_PROTO_ICMP, .src = from, .dst = ME};
    ipv4_emit(&ip, d, total);
    uint8_t *copy = malloc(total); /* exactly total bytes, so ASan sees overreads */
    if (!copy)
        return;
    memcpy(copy, d, total);
    (void)ust_dev_input(z->dev, z->now, copy, total);
    free(copy);
}

static void drain(struct fz *z)
{
    uint8_t buf[2048];
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    for (int i = 0; i < 4; i++) {
        uint8_t ctl[256];
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                           .msg_controllen = sizeof(ctl)};
        if (ust_recvmsg(z->st, z->udp_fd, &m, MSG_ERRQUEUE) < 0)
            break;
    }
    (void)ust_recv(z->st, z->tcp_fd, buf, sizeof(buf), 0);
}

static ust_time_t time_step(uint8_t b)
{
    return b < 128 ? (ust_time_t)b * UST_MSEC : (ust_time_t)(b - 127) * UST_SEC;
}

/* One record at data[*off]; false when the input is used up. */
static bool fz_record(struct fz *z, const uint8_t *data, size_t size, size_t *off)
{
    if (size - *off < 9)
        return false;
    const uint8_t *r = data + *off;
    size_t mlen = (size_t)r[7] << 8 | r[8];
    *off += 9;
    if (mlen > size - *off)
        mlen = size - *off;
    if (mlen > MAX_QUOTE)
        mlen = MAX_QUOTE;
    uint8_t q[MAX_QUOTE];
    size_t tlen = quote_template(z, r[0] & 3, q);
    const uint8_t *mask = data + *off;
    size_t qlen = mlen ? mlen : tlen;
    for (size_t i = 0; i < qlen; i++)
        q[i] = i < tlen ? (uint8_t)(q[i] ^ (i < mlen ? mask[i] : 0)) : mask[i];
    *off += mlen;
    if (r[0] & 8)
        peer_segment(z, TCP_ACK, z->snd_max);
    icmp_message(z, (r[0] & 4) ? ROUTER : PEER, r + 1, q, qlen);
    if (r[0] & 16)
        send_more(z, 1000);
    if ((r[0] & 32) && *off < size)
        z->now += time_step(data[(*off)++]);
    ust_stack_poll(z->st, z->now);
    drain(z);
    return true;
}

/* A connection still established takes everything acknowledged and sends
 * new data at once, in segments no smaller than the floor allows. */
static void check_moving(struct fz *z)
{
    struct ust_tcp_info ti;
    socklen_t len = sizeof(ti);
    if (ust_getsockopt(z->st, z->tcp_fd, IPPROTO_TCP, UST_TCP_INFO, &ti, &len) < 0 ||
        ti.state != UST_TCP_ESTABLISHED)
        return;
    if (ti.snd_mss < 552 - 40)
        abort();
    unsigned long before = z->data_segs;
    peer_segment(z, TCP_ACK, z->snd_max); /* may release data waiting for cwnd */
    send_more(z, 3000);
    if (z->data_segs == before)
        abort(); /* the connection cannot move data any more */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz z = {.tcp_fd = -1, .udp_fd = -1};
    if (fz_open(&z) == 0) {
        size_t off = 0;
        for (int rec = 0; rec < MAX_RECORDS && fz_record(&z, data, size, &off); rec++)
            ;
        check_moving(&z);
    }
    if (z.st) {
        ust_stack_poll(z.st, z.now + 300 * UST_SEC);
        ust_stack_free(z.st);
    }
    return 0;
}
