/* TCP state harness (see tcp_harness.h). */
#include "tcp_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "transport/transport.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/wbuf.h"

static void capture(struct th *h, const struct ipv4_out *o, const uint8_t *seg, size_t len)
{
    struct tcp_hdr t;
    assert_int_equal(tcp_parse(seg, len, o->src, o->dst, true, &t), WIRE_OK);
    if (h->qn == h->qcap) { /* a log of every segment sent; qhead = next unread */
        h->qcap = h->qcap ? 2 * h->qcap : 64;
        h->q = realloc(h->q, h->qcap * sizeof(*h->q));
        assert_non_null(h->q);
    }
    struct th_seg *s = &h->q[h->qn++];
    memset(s, 0, sizeof(*s));
    s->src = o->src;
    s->dst = o->dst;
    s->sport = t.sport;
    s->dport = t.dport;
    s->flags = t.flags;
    s->seq = t.seq;
    s->ack = t.ack;
    s->wnd = t.wnd;
    s->urp = t.urp;
    s->tos = o->tos;
    s->ttl = o->ttl;
    s->opts = t.opts;
    s->len = len - t.hdr_len;
    assert_true(s->len <= sizeof(s->data));
    memcpy(s->data, seg + t.hdr_len, s->len);
}

static int tx_hook(void *ctx, const struct ipv4_out *o, struct pkt *p)
{
    capture(ctx, o, p->data, p->len);
    pkt_free(p);
    return 0;
}

static int dev_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now;
    struct ipv4_hdr ip;
    assert_int_equal(ipv4_parse(frame, len, true, &ip), WIRE_OK);
    if (ip.proto != IPV4_PROTO_TCP)
        return 0;
    struct ipv4_out o = {.src = ip.src, .dst = ip.dst, .proto = ip.proto, .tos = ip.tos,
                         .ttl = ip.ttl};
    capture(ctx, &o, frame + ip.hdr_len, ip.total_len - ip.hdr_len);
    return 0;
}

/* The device's receive poll: whatever th_batch's function sends with
 * seg_in arrives inside one ust_dev_poll_rx, as frames a driver read in
 * one go. */
static int dev_poll_rx(void *ctx, struct ust_dev *dev, ust_time_t now, unsigned budget)
{
    struct th *h = ctx;
    (void)dev;
    (void)now;
    (void)budget;
    if (h->batch_fn)
        h->batch_fn(h, h->batch_ctx);
    return 0;
}

void th_batch(struct th *h, void (*fn)(struct th *h, void *ctx), void *ctx)
{
    h->batch_fn = fn;
    h->batch_ctx = ctx;
    ust_dev_poll_rx(h->dev, h->now, 64);
    h->batch_fn = NULL;
}

struct th *th_new(const struct ust_config *cfg)
{
    struct th *h = calloc(1, sizeof(*h));
    assert_non_null(h);
    struct ust_config def;
    if (!cfg) {
        /* Segment-by-segment tests check one mechanism at a time: quick-ACK
         * mode (an ACK per segment at the start and after out-of-order
         * data) is off unless a test's own configuration leaves it on
         * (tests/tcp/test_tcp_rcv_ack.c tests it). */
        ust_config_default(&def);
        def.tcp_quickack = 0;
    } else {
        def = *cfg;
    }
    /* An IPv4 rig: no IPv6 on its IP-only device (which would now bring
     * IPv6 up there, draw its secret from the stack PRNG and send Router
     * Solicitations the capture does not expect). */
    def.ipv6_enabled = false;
    cfg = &def;
    h->st = ust_stack_new(cfg);
    assert_non_null(h->st);
    static const struct ust_dev_ops ops = {.transmit = dev_transmit, .poll_rx = dev_poll_rx};
    h->dev = ust_dev_new(h->st, "th0", UST_LINK_IP, NULL, 1500, &ops, h);
    assert_non_null(h->dev);
    assert_true(ust_iface_add(h->st, h->dev, TH_LOCAL, 24) >= 0);
    /* Segments travel the real path: ipv4_output -> the IP-only device
     * (captured), and in through ust_dev_input -> ipv4_input -> tcp_input.
     * TH_DIRECT=1 takes them where TCP hands them to IP instead. */
    if (getenv("TH_DIRECT")) {
        h->st->tcp->tx_hook = tx_hook;
        h->st->tcp->tx_hook_ctx = h;
        h->direct = true;
    }
    h->now = 1000 * UST_SEC;
    ust_stack_poll(h->st, h->now);
    h->lport = TH_LPORT;
    h->rport = TH_RPORT;
    if (getenv("TH_TRACE"))
        ust_stack_set_trace(h->st, ust_trace_to_file, stderr);
    return h;
}

void th_free(struct th *h)
{
    if (!h->allow_unchecked)
        seg_expect_nothing(h); /* every segment sent was checked by the test */
    for (unsigned i = 0; i < h->nsocks; i++) {
        if (h->socks[i]) {
            if (h->socks[i]->pcb)
                tcp_sock_ops.close(h->socks[i]);
            free(h->socks[i]);
        }
    }
    ust_stack_free(h->st);
    free(h->q);
    free(h);
}

void th_advance(struct th *h, ust_time_t dt)
{
    h->now += dt;
    ust_stack_poll(h->st, h->now);
}

struct ust_sock *th_socket(struct th *h)
{
    struct ust_sock *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->st = h->st;
    s->type = SOCK_STREAM;
    s->ops = &tcp_sock_ops;
    s->fd = (int)h->nsocks;
    assert_int_equal(tcp_sock_ops.init(s), UST_OK);
    assert_true(h->nsocks < sizeof(h->socks) / sizeof(h->socks[0]));
    h->socks[h->nsocks++] = s;
    return s;
}

void th_close(struct th *h, struct ust_sock *s)
{
    (void)h;
    tcp_sock_ops.close(s);
}

struct ust_tcp_info th_info(struct ust_sock *s)
{
    struct ust_tcp_info i;
    size_t len = sizeof(i);
    assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_TCP, UST_TCP_INFO, &i, &len), UST_OK);
    assert_int_equal(len, sizeof(i));
    return i;
}

int th_state(struct ust_sock *s) { return th_info(s).state; }

int th_setopt_int(struct ust_sock *s, int level, int name, int v)
{
    return tcp_sock_ops.setsockopt(s, level, name, &v, sizeof(v));
}

void seg_in_opts(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
                 const struct tcp_opts *opts, uint16_t urp, const void *data, size_t len)
{
    uint8_t buf[TCP_MAX_HDR_LEN + 4096];
    struct tcp_hdr t;
    memset(&t, 0, sizeof(t));
    t.sport = h->rport;
    t.dport = h->lport;
    t.seq = seq;
    t.ack = ack;
    t.flags = flags;
    t.wnd = wnd;
    t.urp = urp;
    if (opts)
        t.opts = *opts;
    size_t hl = TCP_HDR_LEN + tcp_opts_len(&t.opts);
    assert_true(hl + len <= sizeof(buf));
    if (len)
        memcpy(buf + hl, data, len);
    assert_int_equal(tcp_emit(&t, TH_PEER, TH_LOCAL, buf, sizeof(buf), len), (int)hl);
    struct ipv4_hdr ip;
    memset(&ip, 0, sizeof(ip));
    ip.hdr_len = IPV4_HDR_LEN;
    ip.total_len = (uint16_t)(IPV4_HDR_LEN + hl + len);
    ip.ttl = 64;
    ip.tos = h->in_tos;
    ip.df = true;
    ip.id = (uint16_t)h->qn;
    ip.proto = IPV4_PROTO_TCP;
    ip.src = TH_PEER;
    ip.dst = TH_LOCAL;
    if (h->direct) {
        tcp_input(h->st, &ip, buf, hl + len, NULL, 0);
        return;
    }
    uint8_t dgram[IPV4_HDR_LEN + sizeof(buf)];
    memcpy(dgram + IPV4_HDR_LEN, buf, hl + len);
    assert_int_equal(ipv4_emit(&ip, dgram, sizeof(dgram)), IPV4_HDR_LEN);
    assert_int_equal(ust_dev_input(h->dev, h->now, dgram, ip.total_len), 0);
}

void seg_in(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
            const void *data, size_t len)
{
    seg_in_opts(h, flags, seq, ack, wnd, NULL, 0, data, len);
}

void seg_in_raw(struct th *h, ust_ip4_t src, ust_ip4_t dst, const uint8_t *tcp, size_t len)
{
    uint8_t d[IPV4_HDR_LEN + 2048];
    assert_true(len <= sizeof(d) - IPV4_HDR_LEN);
    struct ipv4_hdr ip = {.hdr_len = IPV4_HDR_LEN, .total_len = (uint16_t)(IPV4_HDR_LEN + len),
                          .ttl = 64, .proto = IPV4_PROTO_TCP, .src = src, .dst = dst};
    assert_int_equal(ipv4_emit(&ip, d, sizeof(d)), IPV4_HDR_LEN);
    memcpy(d + IPV4_HDR_LEN, tcp, len);
    ust_dev_input(h->dev, h->now, d, IPV4_HDR_LEN + len);
}

void icmp_in(struct th *h, uint8_t type, uint8_t code, uint16_t mtu, uint32_t seq)
{
    icmp_in_len(h, type, code, mtu, seq, 1500);
}

void icmp_in_len(struct th *h, uint8_t type, uint8_t code, uint16_t mtu, uint32_t seq,
                 uint16_t quoted_len)
{
    /* IP(peer -> us) / ICMP / quoted IP(us -> peer, TCP, quoted_len bytes) / 8 TCP bytes */
    uint8_t d[IPV4_HDR_LEN + ICMP_HDR_LEN + IPV4_HDR_LEN + 8];
    uint8_t *icmp = d + IPV4_HDR_LEN, *q = icmp + ICMP_HDR_LEN;
    struct ipv4_hdr qh = {.hdr_len = IPV4_HDR_LEN, .total_len = quoted_len, .ttl = 64, .df = true,
                          .proto = IPV4_PROTO_TCP, .src = TH_LOCAL, .dst = TH_PEER};
    assert_int_equal(ipv4_emit(&qh, q, IPV4_HDR_LEN), IPV4_HDR_LEN);
    put_be16(q + IPV4_HDR_LEN, h->lport);
    put_be16(q + IPV4_HDR_LEN + 2, h->rport);
    put_be32(q + IPV4_HDR_LEN + 4, seq);
    struct icmp_hdr ih = {.type = type, .code = code, .mtu = mtu};
    assert_int_equal(icmp_emit(&ih, icmp, ICMP_HDR_LEN + IPV4_HDR_LEN + 8, IPV4_HDR_LEN + 8),
                     ICMP_HDR_LEN);
    struct ipv4_hdr ip = {.hdr_len = IPV4_HDR_LEN, .total_len = sizeof(d), .ttl = 64,
                          .proto = IPV4_PROTO_ICMP, .src = TH_PEER, .dst = TH_LOCAL};
    assert_int_equal(ipv4_emit(&ip, d, sizeof(d)), IPV4_HDR_LEN);
    assert_int_equal(ust_dev_input(h->dev, h->now, d, sizeof(d)), 0);
}

unsigned th_pending(const struct th *h) { return h->qn - h->qhead; }

static const char *fl(uint8_t f, char *b)
{
    snprintf(b, 16, "%s%s%s%s%s%s%s%s", f & TCP_SYN ? "S" : "", f & TCP_FIN ? "F" : "",
             f & TCP_RST ? "R" : "", f & TCP_PSH ? "P" : "", f & TCP_URG ? "U" : "",
             f & TCP_ECE ? "E" : "", f & TCP_CWR ? "W" : "", f & TCP_ACK ? "." : "");
    return b;
}

const struct th_seg *seg_expect(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack)
{
    if (th_pending(h) == 0)
        fail_msg("expected a segment [%s] seq %u ack %u, none was sent", fl(flags, (char[16]){0}),
                 seq, ack);
    const struct th_seg *s = &h->q[h->qhead];
    h->qhead++;
    if (s->flags != flags || s->seq != seq || ((flags & TCP_ACK) && s->ack != ack))
        fail_msg("expected [%s] seq %u ack %u, got [%s] seq %u ack %u len %zu",
                 fl(flags, (char[16]){0}), seq, ack, fl(s->flags, (char[16]){0}), s->seq, s->ack,
                 s->len);
    assert_int_equal(s->src, TH_LOCAL);
    assert_int_equal(s->dst, TH_PEER);
    return s;
}

void seg_expect_nothing(struct th *h)
{
    if (th_pending(h)) {
        const struct th_seg *s = &h->q[h->qhead];
        fail_msg("expected nothing, got [%s] seq %u ack %u len %zu", fl(s->flags, (char[16]){0}),
                 s->seq, s->ack, s->len);
    }
}

const struct th_seg *th_connect_sock(struct th *h, struct ust_sock *s)
{
    struct sock_addr la = {.addr = ust_addr_from_ip4(TH_LOCAL), .port = TH_LPORT};
    assert_int_equal(tcp_sock_ops.bind(s, &la), UST_OK);
    struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_INPROGRESS);
    assert_int_equal(th_pending(h), 1);
    h->iss = h->q[h->qhead].seq;
    return seg_expect(h, TCP_SYN, h->iss, 0);
}

struct ust_sock *th_connect(struct th *h)
{
    struct ust_sock *s = th_socket(h);
    h->lport = TH_LPORT;
    h->rport = TH_RPORT;
    th_connect_sock(h, s);
    return s;
}

struct ust_sock *th_open_active(struct th *h, uint16_t peer_wnd)
{
    struct ust_sock *s = th_connect(h);
    th_advance(h, TH_RTT);
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, TCP_SYN | TCP_ACK, PEER_ISS, h->iss + 1, peer_wnd, &o, 0, NULL, 0);
    seg_expect(h, TCP_ACK, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    return s;
}

struct ust_sock *th_open_sack(struct th *h, bool peer_sack)
{
    struct ust_sock *s = th_connect(h);
    if (h->st->cfg.tcp_sack)
        assert_true(h->q[h->qhead - 1].opts.sack_permitted);
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .sack_permitted = peer_sack};
    th_advance(h, TH_RTT);
    seg_in_opts(h, TCP_SYN | TCP_ACK, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    seg_expect(h, TCP_ACK, h->iss + 1, PEER_ISS + 1);
    return s;
}

void th_expect_sack_blocks(const struct th_seg *a, const uint32_t *lr, unsigned n)
{
    assert_int_equal(a->opts.num_sack, n);
    for (unsigned k = 0; k < n; k++) {
        assert_int_equal(a->opts.sack[k].left, lr[2 * k]);
        assert_int_equal(a->opts.sack[k].right, lr[2 * k + 1]);
    }
}

struct ust_sock *th_listen(struct th *h, ust_ip4_t addr, int backlog)
{
    struct ust_sock *l = th_socket(h);
    struct sock_addr la = {.addr = ust_addr_from_ip4(addr), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.bind(l, &la), UST_OK);
    assert_int_equal(tcp_sock_ops.listen(l, backlog), UST_OK);
    return l;
}

const struct th_seg *th_syn_in(struct th *h, uint16_t wnd)
{
    seg_in(h, TCP_SYN, PEER_ISS, 0, wnd, NULL, 0);
    assert_true(th_pending(h) > 0);
    h->iss = h->q[h->qhead].seq;
    return seg_expect(h, TCP_SYN | TCP_ACK, h->iss, PEER_ISS + 1);
}

struct ust_sock *th_open_passive(struct th *h, struct ust_sock **listener)
{
    struct ust_sock *l = th_listen(h, 0, 8);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, TCP_SYN, PEER_ISS, 0, 65535, &o, 0, NULL, 0);
    assert_int_equal(th_pending(h), 1);
    h->iss = h->q[h->qhead].seq;
    seg_expect(h, TCP_SYN | TCP_ACK, h->iss, PEER_ISS + 1);
    th_advance(h, TH_RTT);
    seg_in(h, TCP_ACK, PEER_ISS + 1, h->iss + 1, 65535, NULL, 0);
    seg_expect_nothing(h);
    struct ust_sock *c = th_socket(h);
    struct sock_addr peer;
    assert_int_equal(tcp_sock_ops.accept(l, c, &peer), UST_OK);
    assert_int_equal(peer.addr.u.v4, TH_PEER);
    assert_int_equal(peer.port, TH_LPORT);
    assert_int_equal(th_state(c), UST_TCP_ESTABLISHED);
    if (listener)
        *listener = l;
    return c;
}

struct ust_sock *th_accept_from(struct th *h, struct ust_sock *l, uint16_t rport,
                                uint32_t *iss)
{
    h->rport = rport;
    th_syn_in(h, 65535);
    *iss = h->iss;
    seg_in(h, A, PEER_ISS + 1, h->iss + 1, 65535, NULL, 0);
    seg_expect_nothing(h);
    struct ust_sock *c = th_socket(h);
    struct sock_addr peer;
    assert_int_equal(tcp_sock_ops.accept(l, c, &peer), UST_OK);
    return c;
}

void th_half_close_acked(struct th *h, struct ust_sock *s)
{
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.shutdown(s, SHUT_WR), UST_OK);
    seg_expect(h, F | A, i, p);
    seg_in(h, A, p, i + 1, 65535, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_FIN_WAIT_2);
}
