/* SYN cookies (RFC 4987 3.6), as Linux does them (net/ipv4/syncookies.c).
 *
 * When a listener's SYN queue is full (cfg.tcp_syncookies 1) or always (2),
 * a SYN is answered with a SYN,ACK whose ISS encodes what the connection
 * needs to exist later, and nothing is kept: a flood of spoofed SYNs then
 * costs no memory, and a real client's ACK (SEG.ACK - 1 = the cookie)
 * creates the connection directly in ESTABLISHED (tcp_input.c).
 *
 * The cookie (32 bits):
 *   H1(4-tuple) + SEG.SEQ of the SYN + (count << 24)
 *   + ((H2(4-tuple, count, SEG.SEQ) + MSS index) mod 2^24)
 * count is a 64-second clock, H1 and H2 SipHash-2-4 with the stack secret
 * (tcp_secret.c), so nobody without the key can make a cookie that checks.
 * A cookie is good in its period and the next. The MSS is remembered as
 * an index into a four-entry table, the largest not above the peer's.
 *
 * What a cookie cannot hold, window scale, SACK-permitted and ECN, goes in
 * the low 6 bits of our TSval when the SYN had timestamps: the peer echoes
 * it in the TSecr of its ACK. Without timestamps the connection goes
 * without them (as Linux). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "tcp.h"
#include "tcp_syncookie.h"
#include "transport/transport.h"
#include "wire/wbuf.h"

#define COOKIE_BITS 24
#define COOKIE_MASK ((1u << COOKIE_BITS) - 1)
/* Linux's check for a recent SYN queue overflow (TCP_SYNCOOKIE_VALID). */
#define COOKIE_RECENT (2 * SYNCOOKIE_PERIOD)

/* Linux msstab (IPv4): the common MSS values of the Internet. */
static const uint16_t mss_table[SYNCOOKIE_NMSS] = {536, 1300, 1440, 1460};

uint16_t syncookie_mss_value(unsigned idx)
{
    return mss_table[idx < SYNCOOKIE_NMSS ? idx : 0];
}

unsigned syncookie_mss_index(uint16_t peer_mss)
{
    unsigned i = SYNCOOKIE_NMSS - 1;
    while (i > 0 && peer_mss < mss_table[i])
        i--;
    return i;
}

uint32_t syncookie_count(ust_time_t now) { return (uint32_t)(now / SYNCOOKIE_PERIOD); }

/* H1 (with_count false) and H2 of a tuple: one tag byte keeps both apart
 * from the ISN and the other uses of the secret (tcp_isn.c). H2 also
 * covers the peer's ISN, so that a cookie fits one SYN only (in Linux a
 * sequence number a few apart decodes to another MSS index). */
static uint32_t cookie_hash(const uint8_t key[16], const struct syncookie_tuple *t,
                            bool with_count, uint32_t count, uint32_t peer_isn)
{
    /* the 4-tuple as the ISN hashes it (IPv4: 12 bytes, as before) */
    uint8_t msg[TCP_TUPLE_MSG_MAX + 9];
    size_t n = tcp_tuple_msg(msg, &t->laddr, t->lport, &t->raddr, t->rport);
    msg[n] = with_count ? 'c' : 'C';
    put_be32(msg + n + 1, with_count ? count : 0);
    put_be32(msg + n + 5, with_count ? peer_isn : 0);
    return (uint32_t)siphash24(key, msg, n + 9);
}

uint32_t syncookie_make(const uint8_t key[16], const struct syncookie_tuple *t,
                        uint32_t peer_isn, uint32_t count, unsigned mss_idx)
{
    uint32_t data = (cookie_hash(key, t, true, count, peer_isn) + mss_idx) & COOKIE_MASK;
    return cookie_hash(key, t, false, 0, 0) + peer_isn + (count << COOKIE_BITS) + data;
}

int syncookie_check(const uint8_t key[16], const struct syncookie_tuple *t, uint32_t peer_isn,
                    uint32_t cookie, uint32_t count_now)
{
    uint32_t v = cookie - cookie_hash(key, t, false, 0, 0) - peer_isn;
    /* the period it was made in, as far as 8 bits tell (Linux) */
    uint32_t age = (count_now - (v >> COOKIE_BITS)) & (0xffffffffu >> COOKIE_BITS);
    if (age >= SYNCOOKIE_MAX_AGE)
        return -1;
    uint32_t idx = (v - cookie_hash(key, t, true, count_now - age, peer_isn)) & COOKIE_MASK;
    return idx < SYNCOOKIE_NMSS ? (int)idx : -1;
}

uint32_t syncookie_ts_encode(uint32_t ts_now, const struct syncookie_opts *o)
{
    uint32_t bits = o->wscale_ok ? (o->wscale & SYNCOOKIE_TS_WSCALE_MASK) : SYNCOOKIE_TS_WSCALE_MASK;
    if (o->sack_ok)
        bits |= SYNCOOKIE_TS_SACK;
    if (o->ecn_ok)
        bits |= SYNCOOKIE_TS_ECN;
    uint32_t ts = (ts_now & ~SYNCOOKIE_TS_MASK) | bits;
    /* never ahead of the clock: the peer may compare later TSvals (PAWS) */
    if (ts > ts_now)
        ts -= SYNCOOKIE_TS_MASK + 1;
    return ts;
}

void syncookie_ts_decode(uint32_t tsecr, struct syncookie_opts *o)
{
    uint32_t ws = tsecr & SYNCOOKIE_TS_WSCALE_MASK;
    o->wscale_ok = ws != SYNCOOKIE_TS_WSCALE_MASK;
    o->wscale = o->wscale_ok ? (uint8_t)(ws > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : ws) : 0;
    o->sack_ok = (tsecr & SYNCOOKIE_TS_SACK) != 0;
    o->ecn_ok = (tsecr & SYNCOOKIE_TS_ECN) != 0;
}

/* ---- the listener side ---------------------------------------------------- */

static struct syncookie_tuple tuple_of(const struct tcb *l, const struct tcp_rx_ip *ip,
                                       const struct tcp_hdr *h)
{
    return (struct syncookie_tuple){.laddr = ip->dst, .raddr = ip->src, .lport = l->lport,
                                    .rport = h->sport};
}

/* What the SYN asks for and we take, kept in the TSval (none without TS). */
static void syn_opts(const struct tcb *l, const struct tcp_hdr *h, struct syncookie_opts *o)
{
    const struct ust_config *c = ust_stack_config(l->st);
    memset(o, 0, sizeof(*o));
    if (!c->tcp_timestamps || !h->opts.has_timestamp)
        return;
    o->wscale_ok = c->tcp_window_scaling && h->opts.has_wscale;
    o->wscale = h->opts.wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : h->opts.wscale;
    o->sack_ok = c->tcp_sack && h->opts.sack_permitted;
    /* RFC 3168 6.1.1: an ECN-setup SYN, accepted in ECN modes 1 and 2 */
    o->ecn_ok = l->so.ecn_mode != 0 && (h->flags & (TCP_ECE | TCP_CWR)) == (TCP_ECE | TCP_CWR);
}

void tcp_syncookie_send(struct tcb *l, const struct tcp_rx_ip *ip, const struct tcp_hdr *h)
{
    struct ust_stack *st = l->st;
    ust_time_t now = stack_now(st);
    struct syncookie_tuple t = tuple_of(l, ip, h);
    uint16_t peer_mss = h->opts.has_mss && h->opts.mss ? h->opts.mss : tcp_default_mss(&ip->src);
    if (l->so.user_mss && l->so.user_mss < peer_mss)
        peer_mss = l->so.user_mss; /* TCP_MAXSEG clamps what we send (Linux) */
    struct syncookie_opts o;
    syn_opts(l, h, &o);
    uint8_t rcv_wscale = o.wscale_ok ? tcp_rcv_wscale_for(st, tcp_rcvbuf_ceiling(l)) : 0;
    struct tcp_synack sa = {
        .laddr = t.laddr, .raddr = t.raddr, .lport = t.lport, .rport = t.rport,
        .iss = syncookie_make(stack_tcp(st)->secret, &t, h->seq, syncookie_count(now),
                              syncookie_mss_index(peer_mss)),
        .ack = h->seq + 1,
        .wnd = (uint16_t)(l->rcv.buf.cap > 65535 ? 65535 : l->rcv.buf.cap), /* never scaled */
        .mss = tcp_adv_mss_to(st, &t.raddr, l->so.user_mss, l->so.use_min_mtu == 1),
        .has_wscale = o.wscale_ok, .wscale = rcv_wscale,
        .sack_permitted = o.sack_ok, .ecn = o.ecn_ok,
        .has_timestamp = ust_stack_config(st)->tcp_timestamps && h->opts.has_timestamp,
        .ts_ecr = h->opts.ts_val,
        /* the family's TOS and TTL; a SYN,ACK is never ECT */
        .tos = (uint8_t)(tcp_so_tos(&l->so, &t.raddr) & ~TCP_ECN_MASK),
        .ttl = tcp_so_ttl(&l->so, &t.raddr),
    };
    sa.ip_opt_len = tcp_ipopt_for_syn(l, ip->h4, sa.ip_opts); /* MUST-52/53 */
    if (sa.has_timestamp) {
        uint32_t off = tcp_ts_offset(st, &t.laddr, t.lport, &t.raddr, t.rport);
        sa.ts_val = syncookie_ts_encode((uint32_t)(now / UST_MSEC) + off, &o);
    }
    stack_stats(st)->tcp.SyncookiesSent++;
    l->lsn.cookie_sent = true;
    l->lsn.cookie_sent_at = now;
    tcp_send_synack_stateless(st, &sa);
}

bool tcp_syncookie_expected(const struct tcb *l)
{
    unsigned mode = ust_stack_config(l->st)->tcp_syncookies;
    if (mode == 0)
        return false;
    return mode >= 2 || (l->lsn.cookie_sent && stack_now(l->st) - l->lsn.cookie_sent_at < COOKIE_RECENT);
}

/* The options of the TSecr, within what the configuration allows now. */
static void ack_opts(const struct tcb *l, const struct tcp_hdr *h, struct syncookie_opts *o)
{
    const struct ust_config *c = ust_stack_config(l->st);
    memset(o, 0, sizeof(*o));
    if (!c->tcp_timestamps || !h->opts.has_timestamp)
        return; /* no TSecr: no window scale, SACK or ECN (as Linux) */
    syncookie_ts_decode(h->opts.ts_ecr, o);
    o->wscale_ok = o->wscale_ok && c->tcp_window_scaling;
    o->sack_ok = o->sack_ok && c->tcp_sack;
    o->ecn_ok = o->ecn_ok && l->so.ecn_mode != 0;
}

bool tcp_syncookie_accept(struct tcb *l, const struct tcp_rx_ip *ip, const struct tcp_hdr *h,
                          unsigned *mss_idx, struct syncookie_opts *o)
{
    struct ust_stack *st = l->st;
    struct ust_stats *stats = stack_stats(st);
    struct syncookie_tuple t = tuple_of(l, ip, h);
    int idx = syncookie_check(stack_tcp(st)->secret, &t, h->seq - 1, h->ack - 1,
                              syncookie_count(stack_now(st)));
    char a[UST_ADDR_STRLEN];
    if (idx < 0) {
        stats->tcp.SyncookiesFailed++;
        TRACE(st, "tcp", "ACK from %s:%u to listen port %u: not a valid cookie",
              ust_addr_str(&t.raddr, a), t.rport, t.lport);
        return false;
    }
    stats->tcp.SyncookiesRecv++;
    *mss_idx = (unsigned)idx;
    ack_opts(l, h, o);
    TRACE(st, "tcp", "ACK from %s:%u to listen port %u: cookie valid, mss %u",
          ust_addr_str(&t.raddr, a), t.rport, t.lport, syncookie_mss_value(*mss_idx));
    return true;
}
