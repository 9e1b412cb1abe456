/* SYN cookies and the bounded SYN queue (RFC 4987 3.4, 3.6): the cookie
 * and TSval encodings, the listener's three cfg.tcp_syncookies modes,
 * cookie ACKs that check, are stale or forged, the accept queue bound,
 * tcp_synack_retries and the eviction of half-open children. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"
#include "transport/tcp/tcp_syncookie.h"
#include "../harness/tcp_harness.h"

static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const struct syncookie_tuple tup = {.laddr = {.family = UST_AF_INET, .u.v4 = TH_LOCAL},
    .raddr = {.family = UST_AF_INET, .u.v4 = TH_PEER}, .lport = 80,
                                           .rport = 40000};

/* ---- the pure functions ------------------------------------------------- */

static void test_mss_table(void **state)
{
    (void)state;
    static const uint16_t mss[] = {536, 1300, 1440, 1460};
    for (unsigned i = 0; i < SYNCOOKIE_NMSS; i++) {
        assert_int_equal(syncookie_mss_value(i), mss[i]);
        assert_int_equal(syncookie_mss_index(mss[i]), i);
        if (i + 1 < SYNCOOKIE_NMSS)
            assert_int_equal(syncookie_mss_index((uint16_t)(mss[i + 1] - 1)), i);
    }
    assert_int_equal(syncookie_mss_index(100), 0); /* below the table: its smallest */
    assert_int_equal(syncookie_mss_index(9000), 3);
}

static void test_cookie_round_trip(void **state)
{
    (void)state;
    static const uint32_t isns[] = {0, 1, 1000, 0x7fffffffu, 0xffffffffu};
    static const uint32_t counts[] = {0, 15, 255, 256, 0xffffffu, 0xffffffffu};
    for (unsigned i = 0; i < sizeof(isns) / sizeof(isns[0]); i++) {
        for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
            for (unsigned m = 0; m < SYNCOOKIE_NMSS; m++) {
                uint32_t ck = syncookie_make(key, &tup, isns[i], counts[c], m);
                assert_int_equal(syncookie_check(key, &tup, isns[i], ck, counts[c]), m);
                /* still good in the next period */
                assert_int_equal(syncookie_check(key, &tup, isns[i], ck, counts[c] + 1), m);
            }
        }
    }
}

static void test_cookie_stale_and_forged(void **state)
{
    (void)state;
    uint32_t ck = syncookie_make(key, &tup, 1000, 40, 3);
    assert_int_equal(syncookie_check(key, &tup, 1000, ck, 40), 3);
    assert_int_equal(syncookie_check(key, &tup, 1000, ck, 42), -1); /* two periods on */
    assert_int_equal(syncookie_check(key, &tup, 1000, ck, 39), -1); /* from the future */
    /* Any bit above the two that carry the MSS index changed: no longer a
     * cookie. (Those two only let the peer pick another table MSS for its
     * own connection, as in Linux.) */
    for (unsigned bit = 2; bit < 32; bit++)
        assert_int_equal(syncookie_check(key, &tup, 1000, ck ^ (1u << bit), 40), -1);
    assert_int_equal(syncookie_check(key, &tup, 1000, ck - 3, 40), 0);
    for (uint32_t d = 1; d < 8; d++) { /* another SYN */
        assert_int_equal(syncookie_check(key, &tup, 1000 + d, ck, 40), -1);
        assert_int_equal(syncookie_check(key, &tup, 1000 - d, ck, 40), -1);
    }
    struct syncookie_tuple other = tup;
    other.rport++;
    assert_int_equal(syncookie_check(key, &other, 1000, ck, 40), -1);
    uint8_t key2[16];
    memcpy(key2, key, sizeof(key2));
    key2[0] ^= 1;
    assert_int_equal(syncookie_check(key2, &tup, 1000, ck, 40), -1);
}

static void test_timestamp_bits(void **state)
{
    (void)state;
    static const uint32_t nows[] = {0, 5, 63, 64, 1000000, 0xffffffffu};
    for (unsigned n = 0; n < sizeof(nows) / sizeof(nows[0]); n++) {
        for (unsigned ws = 0; ws <= TCP_MAX_WSCALE + 1; ws++) { /* 15: none */
            for (unsigned f = 0; f < 4; f++) {
                struct syncookie_opts o = {.wscale_ok = ws <= TCP_MAX_WSCALE,
                                           .wscale = (uint8_t)(ws <= TCP_MAX_WSCALE ? ws : 0),
                                           .sack_ok = f & 1, .ecn_ok = (f & 2) != 0};
                uint32_t ts = syncookie_ts_encode(nows[n], &o);
                /* never ahead of the clock, at most 63 ms behind it */
                assert_true(nows[n] - ts < 64u);
                struct syncookie_opts d;
                syncookie_ts_decode(ts, &d);
                assert_int_equal(d.wscale_ok, o.wscale_ok);
                assert_int_equal(d.wscale, o.wscale);
                assert_int_equal(d.sack_ok, o.sack_ok);
                assert_int_equal(d.ecn_ok, o.ecn_ok);
            }
        }
    }
}

/* ---- the listener -------------------------------------------------------- */

static struct th *th_cookies(unsigned mode, unsigned backlog_cap)
{
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_syncookies = mode;
    if (backlog_cap)
        c.tcp_max_syn_backlog = backlog_cap;
    struct th *h = th_new(&c);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    return h;
}

static struct tcb *listener_tcb(struct ust_sock *l) { return l->pcb; }

/* The cookie the stack must put in its SYN,ACK to h->rport's SYN. */
static uint32_t expected_cookie(struct th *h, uint32_t peer_isn, uint16_t peer_mss)
{
    struct syncookie_tuple t = {.laddr = {.family = UST_AF_INET, .u.v4 = TH_LOCAL},
    .raddr = {.family = UST_AF_INET, .u.v4 = TH_PEER}, .lport = h->lport,
                                .rport = h->rport};
    return syncookie_make(h->st->tcp->secret, &t, peer_isn, syncookie_count(h->now),
                          syncookie_mss_index(peer_mss));
}

/* A SYN without options (so MSS 536) is answered by the cookie SYN,ACK;
 * returns the cookie. */
static uint32_t plain_syn_gets_cookie(struct th *h)
{
    seg_in(h, S, PEER_ISS, 0, 65535, NULL, 0);
    uint32_t ck = expected_cookie(h, PEER_ISS, 536);
    seg_expect(h, S | A, ck, PEER_ISS + 1);
    return ck;
}

static struct ust_sock *accept_one(struct th *h, struct ust_sock *l)
{
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_OK);
    return c;
}

/* Mode 2: every SYN gets a cookie and leaves no state; the ACK creates an
 * established connection with the options the SYN asked for, through the
 * TSval, and it carries data both ways. */
static void test_cookie_with_timestamps(void **state)
{
    (void)state;
    struct th *h = th_cookies(2, 0);
    struct ust_sock *l = th_listen(h, 0, 8);
    unsigned tcbs = h->st->tcp->ntcbs;
    struct tcp_opts o = {.has_mss = true, .mss = 1440, .has_wscale = true, .wscale = 7,
                         .sack_permitted = true, .has_timestamp = true, .ts_val = 777};
    seg_in_opts(h, S | E | W, PEER_ISS, 0, 65535, &o, 0, NULL, 0); /* ECN-setup SYN */
    uint32_t ck = expected_cookie(h, PEER_ISS, 1440);
    const struct th_seg *sa = seg_expect(h, S | A | E, ck, PEER_ISS + 1);
    assert_int_equal(sa->opts.mss, 1460);
    assert_true(sa->opts.has_wscale);
    assert_int_equal(sa->opts.wscale, 7); /* for the 6 MiB tcp_rmem_max */
    assert_true(sa->opts.sack_permitted);
    assert_true(sa->opts.has_timestamp);
    assert_int_equal(sa->opts.ts_ecr, 777);
    assert_int_equal(sa->opts.ts_val & SYNCOOKIE_TS_MASK,
                     7 | SYNCOOKIE_TS_SACK | SYNCOOKIE_TS_ECN);
    assert_int_equal(sa->wnd, 65535);
    uint32_t tsval = sa->opts.ts_val;
    assert_int_equal(h->st->tcp->ntcbs, tcbs); /* no state */
    assert_int_equal(listener_tcb(l)->lsn.nsyn, 0);
    assert_int_equal(h->st->stats.tcp.SyncookiesSent, 1);
    assert_int_equal(h->st->stats.tcp.ReqQFullDoCookies, 0);

    th_advance(h, TH_RTT);
    struct tcp_opts ao = {.has_timestamp = true, .ts_val = 877, .ts_ecr = tsval};
    seg_in_opts(h, A, PEER_ISS + 1, ck + 1, 1000, &ao, 0, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.SyncookiesRecv, 1);
    struct ust_sock *c = accept_one(h, l);
    struct ust_tcp_info i = th_info(c);
    assert_int_equal(i.state, UST_TCP_ESTABLISHED);
    assert_int_equal(i.snd_mss, 1440 - 12); /* timestamps on every segment */
    assert_int_equal(i.snd_wscale, 7);
    assert_int_equal(i.rcv_wscale, 7);
    assert_int_equal(i.snd_wnd, 1000u << 7);
    assert_int_equal(i.ecn, 1);
    struct tcb *t = c->pcb;
    assert_true(t->opt.sack_ok);
    assert_true(t->opt.ts_ok);
    /* data in: acknowledged (delayed ACK), readable */
    ao.ts_val = 900;
    seg_in_opts(h, A | P, PEER_ISS + 1, ck + 1, 1000, &ao, 0, "hello", 5);
    th_advance(h, 40 * UST_MSEC);
    const struct th_seg *a = seg_expect(h, A, ck + 1, PEER_ISS + 6);
    assert_int_equal(a->opts.ts_ecr, 900);
    assert_true(a->opts.ts_val - tsval < 0x80000000u); /* the clock went on from the cookie */
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(c, b, sizeof(b), 0, NULL), 5);
    assert_memory_equal(b, "hello", 5);
    /* and data out */
    assert_int_equal(tcp_sock_ops.send(c, "world", 5, 0, NULL), 5);
    seg_expect(h, A | P, ck + 1, PEER_ISS + 6);
    th_free(h);
}

/* Without timestamps a cookie keeps only the MSS (table entry at or below
 * the peer's): no window scale and no SACK, as Linux. Data on the ACK that
 * completes the handshake is taken. */
static void test_cookie_without_timestamps(void **state)
{
    (void)state;
    struct th *h = th_cookies(2, 0);
    struct ust_sock *l = th_listen(h, 0, 8);
    struct tcp_opts o = {.has_mss = true, .mss = 1399, .has_wscale = true, .wscale = 5,
                         .sack_permitted = true};
    seg_in_opts(h, S, PEER_ISS, 0, 65535, &o, 0, NULL, 0);
    uint32_t ck = expected_cookie(h, PEER_ISS, 1399);
    const struct th_seg *sa = seg_expect(h, S | A, ck, PEER_ISS + 1);
    assert_false(sa->opts.has_wscale);
    assert_false(sa->opts.sack_permitted);
    assert_false(sa->opts.has_timestamp);
    th_advance(h, TH_RTT);
    seg_in(h, A | P, PEER_ISS + 1, ck + 1, 1000, "data", 4);
    th_advance(h, 40 * UST_MSEC);
    seg_expect(h, A, ck + 1, PEER_ISS + 5);
    struct ust_sock *c = accept_one(h, l);
    struct ust_tcp_info i = th_info(c);
    assert_int_equal(i.state, UST_TCP_ESTABLISHED);
    assert_int_equal(i.snd_mss, 1300);
    assert_int_equal(i.snd_wscale, 0);
    assert_int_equal(i.rcv_wscale, 0);
    assert_int_equal(i.snd_wnd, 1000);
    assert_false(((struct tcb *)c->pcb)->opt.sack_ok || ((struct tcb *)c->pcb)->opt.ts_ok);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(c, b, sizeof(b), 0, NULL), 4);
    assert_memory_equal(b, "data", 4);
    th_free(h);
}

/* A cookie two periods old (over 128 s) is refused: dropped without a
 * RST, counted, nothing to accept; one from the previous period works. */
static void test_stale_cookie_rejected(void **state)
{
    (void)state;
    struct th *h = th_cookies(2, 0);
    struct ust_sock *l = th_listen(h, 0, 8);
    uint32_t ck = plain_syn_gets_cookie(h);
    h->rport = TH_LPORT + 1;
    seg_in(h, S, PEER_ISS, 0, 65535, NULL, 0);
    uint32_t ck2 = expected_cookie(h, PEER_ISS, 536);
    seg_expect(h, S | A, ck2, PEER_ISS + 1);
    th_advance(h, SYNCOOKIE_PERIOD); /* the next period: still valid */
    seg_in(h, A, PEER_ISS + 1, ck2 + 1, 1000, NULL, 0);
    seg_expect_nothing(h);
    accept_one(h, l);
    h->rport = TH_LPORT;
    th_advance(h, SYNCOOKIE_PERIOD); /* two periods on: stale */
    seg_in(h, A, PEER_ISS + 1, ck + 1, 1000, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.SyncookiesFailed, 1);
    assert_int_equal(h->st->stats.tcp.SyncookiesRecv, 1);
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_ERR_AGAIN);
    th_free(h);
}

/* Wrong hash bits, or a cookie for another port or SYN, create nothing:
 * dropped without a RST and counted. */
static void test_forged_cookie_rejected(void **state)
{
    (void)state;
    struct th *h = th_cookies(2, 0);
    struct ust_sock *l = th_listen(h, 0, 8);
    uint32_t ck = plain_syn_gets_cookie(h);
    uint32_t forged = ck ^ (1u << 10);
    seg_in(h, A, PEER_ISS + 1, forged + 1, 1000, NULL, 0);
    h->rport = TH_LPORT + 1; /* the right cookie from another port */
    seg_in(h, A, PEER_ISS + 1, ck + 1, 1000, NULL, 0);
    h->rport = TH_LPORT; /* the right cookie with another sequence number */
    seg_in(h, A, PEER_ISS + 2, ck + 1, 1000, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.SyncookiesFailed, 3);
    assert_int_equal(h->st->stats.tcp.SyncookiesRecv, 0);
    struct ust_sock *c = th_socket(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_ERR_AGAIN);
    /* the genuine one still works */
    seg_in(h, A, PEER_ISS + 1, ck + 1, 1000, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(tcp_sock_ops.accept(l, c, NULL), UST_OK);
    th_free(h);
}

/* The ACK of a cookie SYN,ACK is lost and the peer's next segment (beyond
 * ISN + 1) cannot be checked: dropped without a RST; the peer's
 * retransmission from ISN + 1 then opens the connection with all its data. */
static void test_lost_cookie_ack_then_data(void **state)
{
    (void)state;
    struct th *h = th_cookies(2, 0);
    struct ust_sock *l = th_listen(h, 0, 8);
    uint32_t ck = plain_syn_gets_cookie(h);
    /* lost: the ACK and the first 4 bytes; the next 4 arrive */
    seg_in(h, A | P, PEER_ISS + 5, ck + 1, 1000, "efgh", 4);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.SyncookiesFailed, 1);
    seg_in(h, A | P, PEER_ISS + 1, ck + 1, 1000, "abcdefgh", 8); /* the peer's RTO */
    th_advance(h, 40 * UST_MSEC);
    seg_expect(h, A, ck + 1, PEER_ISS + 9);
    struct ust_sock *c = accept_one(h, l);
    char b[16];
    assert_int_equal(tcp_sock_ops.recv(c, b, sizeof(b), 0, NULL), 8);
    assert_memory_equal(b, "abcdefgh", 8);
    assert_int_equal(h->st->stats.tcp.SyncookiesRecv, 1);
    th_free(h);
}

/* A SYN answered with a cookie (queue full) comes again once the queue has
 * room and gets an ordinary child; the peer ACKs the cookie SYN,ACK. The
 * child takes the cookie's ISS and options (no window scale or SACK
 * without timestamps, as that SYN,ACK offered) instead of a RST. */
static void test_child_adopts_cookie(void **state)
{
    (void)state;
    struct th *h = th_cookies(1, 1); /* SYN queue 1 */
    struct ust_sock *l = th_listen(h, 0, 8);
    h->rport = 1;
    seg_in(h, S, 100, 0, 1000, NULL, 0);
    uint32_t iss1 = h->q[h->qhead].seq;
    seg_expect(h, S | A, iss1, 101);
    h->rport = 2;
    struct tcp_opts o = {.has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 4,
                         .sack_permitted = true};
    seg_in_opts(h, S, 200, 0, 1000, &o, 0, NULL, 0);
    uint32_t ck = expected_cookie(h, 200, 1460);
    const struct th_seg *sa = seg_expect(h, S | A, ck, 201);
    assert_false(sa->opts.has_wscale);
    h->rport = 1;
    seg_in(h, A, 101, iss1 + 1, 1000, NULL, 0); /* the queue has room again */
    accept_one(h, l);
    h->rport = 2;
    seg_in_opts(h, S, 200, 0, 1000, &o, 0, NULL, 0); /* the SYN again */
    assert_int_equal(th_pending(h), 1);
    uint32_t iss2 = h->q[h->qhead].seq;
    assert_int_not_equal(iss2, ck);
    sa = seg_expect(h, S | A, iss2, 201);
    assert_true(sa->opts.has_wscale);
    seg_in(h, A, 201, ck + 1, 1000, NULL, 0); /* but the cookie reached the peer */
    seg_expect_nothing(h);
    struct ust_sock *c = accept_one(h, l);
    struct ust_tcp_info i = th_info(c);
    assert_int_equal(i.state, UST_TCP_ESTABLISHED);
    assert_int_equal(i.snd_wscale, 0);
    assert_int_equal(i.rcv_wscale, 0);
    assert_false(((struct tcb *)c->pcb)->opt.sack_ok);
    assert_int_equal(h->st->stats.tcp.SyncookiesRecv, 1);
    assert_int_equal(tcp_sock_ops.send(c, "x", 1, 0, NULL), 1);
    seg_expect(h, A | P, ck + 1, 201);
    th_free(h);
}

/* Mode 1 (the default): ordinary half-open children until the SYN queue
 * (min(backlog, tcp_max_syn_backlog)) is full, then cookies. An ACK to the
 * listener is only tried as a cookie once cookies went out. */
static void test_mode1_cookies_when_queue_full(void **state)
{
    (void)state;
    struct th *h = th_cookies(1, 2); /* SYN queue 2, backlog 8 */
    struct ust_sock *l = th_listen(h, 0, 8);
    seg_in(h, A, 5000, 6000, 1000, NULL, 0); /* no cookie sent yet: plain RST */
    seg_expect(h, R, 6000, 0);
    assert_int_equal(h->st->stats.tcp.SyncookiesFailed, 0);
    unsigned tcbs = h->st->tcp->ntcbs;
    for (uint16_t p = 1; p <= 2; p++) {
        h->rport = p;
        seg_in(h, S, 100 * p, 0, 1000, NULL, 0);
        assert_int_equal(th_pending(h), 1);
        seg_expect(h, S | A, h->q[h->qhead].seq, 100 * p + 1);
    }
    assert_int_equal(listener_tcb(l)->lsn.nsyn, 2);
    assert_int_equal(h->st->tcp->ntcbs, tcbs + 2);
    h->rport = 3;
    seg_in(h, S, 300, 0, 1000, NULL, 0);
    uint32_t ck = expected_cookie(h, 300, 536);
    seg_expect(h, S | A, ck, 301);
    assert_int_equal(h->st->tcp->ntcbs, tcbs + 2);
    assert_int_equal(h->st->stats.tcp.ReqQFullDoCookies, 1);
    assert_int_equal(h->st->stats.tcp.SyncookiesSent, 1);
    assert_int_equal(h->st->stats.tcp.SynDrops, 0);
    seg_in(h, A, 301, ck + 1, 1000, NULL, 0);
    seg_expect_nothing(h);
    h->rport = 9;
    seg_in(h, A, 5000, 6000, 1000, NULL, 0); /* now tried: it fails, no RST */
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.SyncookiesFailed, 1);
    struct ust_sock *c = accept_one(h, l);
    assert_int_equal(th_state(c), UST_TCP_ESTABLISHED);
    assert_int_equal(listener_tcb(l)->lsn.nsyn, 2); /* the cookie never queued */
    th_free(h);
}

/* Mode 0: a full SYN queue evicts its oldest half-open child for the new
 * SYN; the evicted peer's ACK finds no connection. */
static void test_mode0_evicts_oldest(void **state)
{
    (void)state;
    struct th *h = th_cookies(0, 2);
    struct ust_sock *l = th_listen(h, 0, 8);
    uint32_t iss[4];
    for (uint16_t p = 1; p <= 3; p++) {
        h->rport = p;
        seg_in(h, S, 100 * p, 0, 1000, NULL, 0);
        assert_int_equal(th_pending(h), 1);
        iss[p] = h->q[h->qhead].seq;
        seg_expect(h, S | A, iss[p], 100 * p + 1);
        th_advance(h, 10 * UST_MSEC);
    }
    assert_int_equal(h->st->stats.tcp.SynQueueEvictions, 1);
    assert_int_equal(h->st->stats.tcp.SyncookiesSent, 0);
    assert_int_equal(listener_tcb(l)->lsn.nsyn, 2);
    h->rport = 1; /* evicted */
    seg_in(h, A, 101, iss[1] + 1, 1000, NULL, 0);
    seg_expect(h, R, iss[1] + 1, 0);
    assert_int_equal(h->st->stats.tcp.SyncookiesFailed, 0);
    for (uint16_t p = 2; p <= 3; p++) {
        h->rport = p;
        seg_in(h, A, 100 * p + 1, iss[p] + 1, 1000, NULL, 0);
        seg_expect_nothing(h);
        accept_one(h, l);
    }
    th_free(h);
}

/* A full accept queue: a cookie ACK is dropped (no RST, the peer's
 * retransmission may find room) and counted; a SYN is dropped too. */
static void test_cookie_ack_accept_queue_full(void **state)
{
    (void)state;
    struct th *h = th_cookies(2, 0);
    struct ust_sock *l = th_listen(h, 0, 1);
    uint32_t ck[3];
    for (uint16_t p = 1; p <= 2; p++) {
        h->rport = p;
        seg_in(h, S, 100 * p, 0, 1000, NULL, 0);
        ck[p] = expected_cookie(h, 100 * p, 536);
        seg_expect(h, S | A, ck[p], 100 * p + 1);
    }
    h->rport = 1;
    seg_in(h, A, 101, ck[1] + 1, 1000, NULL, 0);
    h->rport = 2;
    seg_in(h, A, 201, ck[2] + 1, 1000, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.AcceptQueueDrops, 1);
    h->rport = 3;
    seg_in(h, S, 300, 0, 1000, NULL, 0);
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.SynDrops, 1);
    accept_one(h, l); /* room again: the retransmitted ACK gets in */
    h->rport = 2;
    seg_in(h, A, 201, ck[2] + 1, 1000, NULL, 0);
    seg_expect_nothing(h);
    accept_one(h, l);
    th_free(h);
}

/* A half-open child retransmits its SYN,ACK tcp_synack_retries times (not
 * tcp_syn_retries), then goes without a RST and leaves the SYN queue. */
static void test_synack_retries(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_synack_retries = 2;
    c.tcp_syn_retries = 7;
    struct th *h = th_new(&c);
    h->lport = TH_RPORT;
    h->rport = TH_LPORT;
    struct ust_sock *l = th_listen(h, 0, 8);
    unsigned tcbs = h->st->tcp->ntcbs;
    th_syn_in(h, 1000);
    assert_int_equal(listener_tcb(l)->lsn.nsyn, 1);
    th_advance(h, 1 * UST_SEC);
    seg_expect(h, S | A, h->iss, PEER_ISS + 1);
    th_advance(h, 2 * UST_SEC);
    seg_expect(h, S | A, h->iss, PEER_ISS + 1);
    th_advance(h, 4 * UST_SEC);
    seg_expect_nothing(h);
    assert_int_equal(listener_tcb(l)->lsn.nsyn, 0);
    assert_int_equal(h->st->tcp->ntcbs, tcbs);
    assert_int_equal(h->st->stats.tcp.AbortOnTimeout, 1);
    th_advance(h, 60 * UST_SEC);
    seg_expect_nothing(h);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mss_table),
        cmocka_unit_test(test_cookie_round_trip),
        cmocka_unit_test(test_cookie_stale_and_forged),
        cmocka_unit_test(test_timestamp_bits),
        cmocka_unit_test(test_cookie_with_timestamps),
        cmocka_unit_test(test_cookie_without_timestamps),
        cmocka_unit_test(test_stale_cookie_rejected),
        cmocka_unit_test(test_forged_cookie_rejected),
        cmocka_unit_test(test_lost_cookie_ack_then_data),
        cmocka_unit_test(test_child_adopts_cookie),
        cmocka_unit_test(test_mode1_cookies_when_queue_full),
        cmocka_unit_test(test_mode0_evicts_oldest),
        cmocka_unit_test(test_cookie_ack_accept_queue_full),
        cmocka_unit_test(test_synack_retries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
