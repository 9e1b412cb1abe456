/* RFC 9293 requirement tests (docs/conformance.md, "RFC 9293 (TCP)"):
 * options, MSS, windows, urgent data, ACK generation and sending rules.
 * Each test names the requirement IDs (RFC 9293 Appendix B) it proves and
 * the section of the RFC where they are stated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "wire/csum.h"
#include "wire/wbuf.h"

static uint8_t pattern[8192];

static int setup(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(pattern); k++)
        pattern[k] = (uint8_t)(k * 13 + 5);
    return 0;
}

/* A segment from the peer with a raw option area `opts` (a multiple of 4
 * bytes), on the connection of h, through the IP layer. */
static void seg_in_rawopts(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
                           const uint8_t *opts, size_t olen, const void *data, size_t len)
{
    uint8_t b[TCP_MAX_HDR_LEN + 256];
    assert_true(olen % 4 == 0 && TCP_HDR_LEN + olen + len <= sizeof(b));
    memset(b, 0, sizeof(b));
    put_be16(b, h->rport);
    put_be16(b + 2, h->lport);
    put_be32(b + 4, seq);
    put_be32(b + 8, ack);
    b[12] = (uint8_t)(((TCP_HDR_LEN + olen) / 4) << 4);
    b[13] = flags;
    put_be16(b + 14, wnd);
    memcpy(b + TCP_HDR_LEN, opts, olen);
    if (len)
        memcpy(b + TCP_HDR_LEN + olen, data, len);
    size_t n = TCP_HDR_LEN + olen + len;
    put_be16(b + 16, csum_fold(csum_partial(b, n, csum_pseudo(TH_PEER, TH_LOCAL, 6, (uint16_t)n))));
    seg_in_raw(h, TH_PEER, TH_LOCAL, b, n);
}

/* MUST-5, MUST-6, MUST-64 (3.1, 3.2): options are accepted on a data
 * segment; an unknown option with a length field is skipped; a known
 * option that does not start on a word boundary is still found. */
static void test_options_on_data_segment_unaligned_unknown(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_timestamps = false;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    /* NOP, NOP, unknown kind 253 (length 3), then SACK (kind 5, length
     * 10) starting at offset 5, off the word boundary, then EOL. */
    const uint8_t opts[16] = {TCP_OPT_NOP, TCP_OPT_NOP, 253, 3, 0xaa, TCP_OPT_SACK, 10,
                              0, 0, 0, 0, 0, 0, 0, 0, TCP_OPT_EOL};
    uint8_t o[16];
    memcpy(o, opts, sizeof(o));
    put_be32(o + 7, i); /* a SACK block [i, i) is harmless: nothing sent yet */
    put_be32(o + 11, i);
    seg_in_rawopts(h, A | P, p, i, 65535, o, sizeof(o), "hello", 5);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 5);
    assert_memory_equal(b, "hello", 5);
    assert_int_equal(h->st->stats.tcp.InErrs, 0);
    th_advance(h, 200 * UST_MSEC);
    seg_expect(h, A, i, p + 5);
    th_free(h);
}

/* MUST-64 (3.2), MUST-14 (3.7.1): the MSS option of a SYN is read when it
 * does not start on a word boundary. */
static void test_syn_mss_option_unaligned(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *l = th_listen(h, 0, 4);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    /* NOP, MSS 1000 at offset 1, NOP, NOP, WS 0 at offset 7 ... EOL */
    const uint8_t o[12] = {TCP_OPT_NOP, TCP_OPT_MSS, 4, 0x03, 0xe8, TCP_OPT_NOP, TCP_OPT_NOP,
                           TCP_OPT_WSCALE, 3, 0, TCP_OPT_EOL, 0};
    seg_in_rawopts(h, S, PEER_ISS, 0, 8192, o, sizeof(o), NULL, 0);
    assert_int_equal(th_pending(h), 1);
    h->iss = h->q[h->qhead].seq;
    const struct th_seg *sa = seg_expect(h, S | A, h->iss, PEER_ISS + 1);
    assert_true(sa->opts.has_wscale); /* the peer's WS option was seen */
    seg_in(h, A, PEER_ISS + 1, h->iss + 1, 8192, NULL, 0);
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_OK);
    assert_int_equal(th_info(c).snd_mss, 1000);
    th_free(h);
}

/* MUST-7 (3.1): an illegal option length (0, and one running past the
 * header) is handled safely: the segment is dropped and counted, the
 * connection carries on. */
static void test_illegal_option_length_dropped_safely(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    const uint8_t zero[4] = {253, 0, 0, 0};
    const uint8_t past[4] = {TCP_OPT_NOP, 253, 40, 0};
    seg_in_rawopts(h, A | P, p, i, 65535, zero, sizeof(zero), "bad", 3);
    seg_in_rawopts(h, A | P, p, i, 65535, past, sizeof(past), "bad", 3);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.InErrs, 2);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    seg_in(h, A | P, p, i, 65535, "good", 4);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 4);
    assert_memory_equal(b, "good", 4);
    th_advance(h, 200 * UST_MSEC);
    seg_expect(h, A, i, p + 4);
    th_free(h);
}

/* MUST-65 (3.2): the MSS option only ever travels on a SYN — our SYN, its
 * retransmission and a SYN,ACK carry it, no other segment of a whole
 * connection (data, pure ACK, window update, FIN, RST) does. */
static void test_mss_option_only_on_syn(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    th_advance(h, 1 * UST_SEC); /* the SYN is repeated */
    seg_expect(h, S, h->iss, 0);
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_expect(h, A, i, p);
    assert_int_equal(tcp_sock_ops.send(s, pattern, 3000, 0, NULL), 3000);
    seg_expect(h, A, i, p);
    seg_expect(h, A, i + 1460, p);
    seg_expect(h, A | P, i + 2920, p);
    seg_in(h, A | P, p, i + 3000, 65535, pattern, 700);
    th_advance(h, 200 * UST_MSEC);
    seg_expect(h, A, i + 3000, p + 700);
    char b[1024];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 700);
    assert_int_equal(tcp_sock_ops.shutdown(s, SHUT_WR), UST_OK);
    seg_expect(h, F | A, i + 3000, p + 700);
    seg_in(h, F | A, p + 700, i + 3001, 65535, NULL, 0);
    seg_expect(h, A, i + 3001, p + 701);
    /* a passive open: SYN,ACK carries it, the rest do not */
    th_close(h, s);
    struct ust_sock *c = th_open_passive(h, NULL);
    assert_int_equal(tcp_sock_ops.send(c, "x", 1, 0, NULL), 1);
    seg_expect(h, A | P, h->iss + 1, PEER_ISS + 1);
    th_close(h, c);
    seg_expect(h, F | A, h->iss + 2, PEER_ISS + 1);
    seg_in(h, R, PEER_ISS + 1, 0, 0, NULL, 0); /* (no answer to a RST) */
    unsigned syns = 0;
    for (unsigned k = 0; k < h->qn; k++) {
        bool syn = (h->q[k].flags & S) != 0;
        syns += syn;
        assert_int_equal(h->q[k].opts.has_mss, syn);
    }
    assert_int_equal(syns, 3);
    th_free(h);
}

/* Checks one emitted option area: every option has a length field except
 * EOL and NOP (MUST-68), and any byte after an EOL is zero (MUST-69). */
static void check_option_area(const uint8_t *o, size_t n)
{
    size_t k = 0;
    while (k < n) {
        if (o[k] == TCP_OPT_EOL) {
            for (size_t z = k + 1; z < n; z++)
                assert_int_equal(o[z], 0);
            return;
        }
        if (o[k] == TCP_OPT_NOP) {
            k++;
            continue;
        }
        assert_true(k + 1 < n);
        assert_true(o[k + 1] >= 2 && k + o[k + 1] <= n);
        k += o[k + 1];
    }
    assert_int_equal(k, n);
}

/* MUST-69, MUST-68 (3.1): every option area tcp_emit can write (the only
 * builder of TCP headers), for all combinations of the options TCP sends
 * and 0..4 SACK blocks: well formed, lengths on every option but EOL/NOP,
 * zero padding after an EOL. */
static void test_emitted_option_areas_well_formed(void **state)
{
    (void)state;
    for (unsigned m = 0; m < 16 * 5; m++) {
        struct tcp_hdr t;
        memset(&t, 0, sizeof(t));
        t.sport = 1;
        t.dport = 2;
        t.flags = TCP_ACK;
        t.opts.has_mss = m & 1;
        t.opts.mss = 1460;
        t.opts.has_wscale = (m >> 1) & 1;
        t.opts.wscale = 7;
        t.opts.sack_permitted = (m >> 2) & 1;
        t.opts.has_timestamp = (m >> 3) & 1;
        t.opts.ts_val = 0x01020304;
        t.opts.num_sack = (uint8_t)(m / 16);
        for (unsigned b = 0; b < t.opts.num_sack; b++) {
            t.opts.sack[b].left = 0x11111111u * (b + 1);
            t.opts.sack[b].right = t.opts.sack[b].left + 100;
        }
        uint8_t out[TCP_MAX_HDR_LEN];
        memset(out, 0xee, sizeof(out));
        size_t hl = TCP_HDR_LEN + tcp_opts_len(&t.opts);
        assert_true(hl <= TCP_MAX_HDR_LEN && hl % 4 == 0);
        assert_int_equal(tcp_emit(&t, TH_LOCAL, TH_PEER, out, hl, 0), (int)hl);
        check_option_area(out + TCP_HDR_LEN, hl - TCP_HDR_LEN);
    }
}

/* MUST-16 (3.7.1): Eff.snd.MSS = min(SendMSS + 20, MMS_S) - 20 - IP
 * options: a peer MSS above the path gives the path's 1460, one below it
 * its own value. */
static void test_effective_send_mss(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    struct tcp_opts o = {.has_mss = true, .mss = 9000};
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(th_info(s).snd_mss, 1460);
    assert_int_equal(tcp_sock_ops.send(s, pattern, 1500, 0, NULL), 1500);
    assert_int_equal(seg_expect(h, A, h->iss + 1, PEER_ISS + 1)->len, 1460);
    assert_int_equal(seg_expect(h, A | P, h->iss + 1461, PEER_ISS + 1)->len, 40);
    th_free(h);
}

/* MUST-67 (3.7.1): the MSS we advertise is at most MMS_R - 20 (MMS_R from
 * GET_MAXSIZES, ust_ip_max_sizes), for an on-link peer, a local
 * destination and one without a route. */
static void test_advertised_mss_within_mms_r(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_socket(h);
    struct tcb *t = s->pcb;
    const ust_ip4_t dsts[] = {TH_PEER, TH_LOCAL, UST_IP4(198, 51, 100, 9)};
    const unsigned want[] = {1460, 65535 - 40, 576 - 40};
    for (unsigned k = 0; k < 3; k++) {
        unsigned mms_s, mms_r;
        assert_int_equal(ust_ip_max_sizes(h->st, dsts[k], &mms_s, &mms_r), UST_OK);
        t->raddr = ust_addr_from_ip4(dsts[k]);
        assert_int_equal(tcp_adv_mss(t), want[k]);
        assert_true(tcp_adv_mss(t) <= mms_r - 20);
        assert_int_equal(tcp_adv_mss(t), mms_s - 20);
    }
    t->raddr = ust_addr_from_ip4(0);
    th_free(h);
}

/* MUST-1 (3.1): the window field is unsigned: 0x8000 and more are large
 * windows, not negative ones. */
static void test_window_field_unsigned(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_window_scaling = false;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 40000); /* 0x9c40 */
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(th_info(s).snd_wnd, 40000);
    assert_int_equal(tcp_sock_ops.send(s, pattern, 4000, 0, NULL), 4000);
    seg_expect(h, A, i, p);
    seg_expect(h, A, i + 1460, p);
    assert_int_equal(seg_expect(h, A | P, i + 2920, p)->len, 1080);
    seg_in(h, A, p, i + 4000, 0xffff, NULL, 0);
    assert_int_equal(th_info(s).snd_wnd, 65535);
    th_free(h);
}

/* MUST-34 (3.8.6), SHLD-15, SHLD-16: the peer moves its right edge left
 * (usable window negative): no new data goes, the connection survives,
 * and a timeout retransmits only what lies between SND.UNA and
 * SND.UNA + SND.WND. */
static void test_peer_shrinks_window(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 3000);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, pattern, 5000, 0, NULL), 5000);
    seg_expect(h, A, i, p);
    seg_expect(h, A, i + 1460, p); /* (80 more would be a silly segment) */
    seg_expect_nothing(h);
    /* ACK of 1000 bytes with window 500: right edge i + 1500 < SND.NXT i + 2920 */
    seg_in(h, A, p, i + 1000, 500, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(th_info(s).snd_wnd, 500);
    /* the timeout (RTO 337.5 ms after the 0 ms sample) resends from
     * SND.UNA, 500 bytes only */
    th_advance(h, 337 * UST_MSEC);
    seg_expect_nothing(h);
    th_advance(h, 1 * UST_MSEC);
    const struct th_seg *r = seg_expect(h, A, i + 1000, p);
    assert_int_equal(r->len, 500);
    assert_memory_equal(r->data, pattern + 1000, 500);
    seg_expect_nothing(h);
    /* the window opens again: transfer resumes from there */
    seg_in(h, A, p, i + 1500, 8000, NULL, 0);
    assert_true(th_pending(h) > 0);
    assert_int_equal(h->q[h->qhead].seq, i + 1500);
    h->allow_unchecked = true;
    th_free(h);
}

/* MUST-37 (3.8.6.1): while the peer answers the zero-window probes the
 * connection stays open — far beyond the retry limit (tcp_retries 2). */
static void test_answered_probes_keep_connection_open(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries = 2;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 0);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, pattern, 10, 0, NULL), 10);
    unsigned probes = 0;
    for (int k = 0; k < 30; k++) {
        th_advance(h, ust_stack_poll_at(h->st) - h->now);
        assert_int_equal(seg_expect(h, A, i, p)->len, 1);
        probes++;
        seg_in(h, A, p, i, 0, NULL, 0); /* answered: still a zero window */
        seg_expect_nothing(h);
    }
    assert_int_equal(probes, 30);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_true(h->now - 1000 * UST_SEC > 10 * 60 * UST_SEC);
    seg_in(h, A, p, i, 1000, NULL, 0);
    assert_int_equal(seg_expect(h, A | P, i, p)->len, 10);
    th_free(h);
}

/* MUST-66 (3.4): with the receive window at zero, the URG field of a
 * segment at RCV.NXT is still processed (the RST half: rfc5961's
 * test_zero_window_still_takes_rst). */
static void test_zero_window_still_takes_urg(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_socket(h);
    assert_int_equal(th_setopt_int(s, SOL_SOCKET, SO_RCVBUF, 2048), UST_OK);
    th_connect_sock(h, s);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, S | A, PEER_ISS, i, 65535, NULL, 0);
    seg_expect(h, A, i, p);
    seg_in(h, A, p, i, 65535, pattern, 1024);
    seg_in(h, A, p + 1024, i, 65535, pattern, 1024);
    th_advance(h, 40 * UST_MSEC); /* delayed ACK */
    assert_int_equal(seg_expect(h, A, i, p + 2048)->wnd, 0);
    assert_int_equal(th_info(s).urg_pending, 0);
    /* URG at RCV.NXT, urgent pointer 5 beyond it, one byte of data that
     * does not fit: the data is not taken, the pointer is */
    seg_in_opts(h, A | U, p + 2048, i, 65535, NULL, 5, "u", 1);
    assert_int_equal(th_info(s).urg_pending, 2048 + 5);
    h->allow_unchecked = true; /* (whether an ACK goes is not the point) */
    th_free(h);
}

/* MUST-38 (3.8.6.2.1): sender SWS avoidance: a usable window far below
 * both an MSS and half the largest window the peer offered is not used
 * for a small segment; once half of that window can be sent, it goes. */
static void test_sender_sws_avoidance(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 4000);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, pattern, 4000, 0, NULL), 4000);
    seg_expect(h, A, i, p);
    seg_expect(h, A, i + 1460, p);
    seg_expect(h, A | P, i + 2920, p);
    seg_in(h, A, p, i + 4000, 300, NULL, 0); /* all acked, window 300 */
    assert_int_equal(tcp_sock_ops.send(s, pattern, 1000, 0, NULL), 1000);
    seg_expect_nothing(h); /* 300 < MSS and < 4000 / 2: no silly segment */
    th_advance(h, 100 * UST_MSEC);
    seg_expect_nothing(h);
    seg_in(h, A, p, i + 4000, 2000, NULL, 0); /* half the max window: all 1000 go */
    const struct th_seg *d = seg_expect(h, A | P, i + 4000, p);
    assert_int_equal(d->len, 1000);
    th_free(h);
}

/* MUST-58 (3.10.7.4): ACKs are aggregated: a segment carrying data and a
 * FIN gets one ACK covering both; two in-order full-sized segments get one
 * ACK. */
static void test_one_ack_for_data_and_fin(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    seg_in(h, A, p, i, 65535, pattern, 1460);
    seg_expect_nothing(h);
    seg_in(h, A, p + 1460, i, 65535, pattern + 1460, 1460);
    seg_expect(h, A, i, p + 2920);
    seg_expect_nothing(h);
    seg_in(h, F | A | P, p + 2920, i, 65535, "end", 3);
    seg_expect(h, A, i, p + 2924);
    seg_expect_nothing(h);
    assert_int_equal(th_state(s), UST_TCP_CLOSE_WAIT);
    th_free(h);
}

/* MUST-60 (3.9.1.2): data held back (Nagle) is not held for ever: when the
 * ACK that would release it is lost, the retransmission timeout sends it
 * together with the unacknowledged bytes. */
static void test_held_data_not_held_forever(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, "aaaa", 4, 0, NULL), 4);
    seg_expect(h, A | P, i, p);
    assert_int_equal(tcp_sock_ops.send(s, "bbbb", 4, 0, NULL), 4);
    seg_expect_nothing(h); /* Nagle holds it */
    th_advance(h, 300 * UST_MSEC); /* the ACK never came: RTO */
    const struct th_seg *d = seg_expect(h, A | P, i, p);
    assert_int_equal(d->len, 8);
    assert_memory_equal(d->data, "aaaabbbb", 8);
    seg_in(h, A, p, i + 8, 65535, NULL, 0);
    assert_int_equal(th_info(s).unacked, 0);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_on_data_segment_unaligned_unknown),
        cmocka_unit_test(test_syn_mss_option_unaligned),
        cmocka_unit_test(test_illegal_option_length_dropped_safely),
        cmocka_unit_test(test_mss_option_only_on_syn),
        cmocka_unit_test(test_emitted_option_areas_well_formed),
        cmocka_unit_test(test_effective_send_mss),
        cmocka_unit_test(test_advertised_mss_within_mms_r),
        cmocka_unit_test(test_window_field_unsigned),
        cmocka_unit_test(test_peer_shrinks_window),
        cmocka_unit_test(test_answered_probes_keep_connection_open),
        cmocka_unit_test(test_zero_window_still_takes_urg),
        cmocka_unit_test(test_sender_sws_avoidance),
        cmocka_unit_test(test_one_ack_for_data_and_fin),
        cmocka_unit_test(test_held_data_not_held_forever),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
