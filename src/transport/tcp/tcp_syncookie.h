/* SYN cookies (RFC 4987 3.6), the pure part: encoding and decoding of the
 * cookie (our ISS) and of the option bits kept in our TSval, as Linux
 * (net/ipv4/syncookies.c). Nothing here touches a stack: the key, the
 * clock counter and the segment fields are arguments, so the functions can
 * be unit-tested and fuzzed. tcp_syncookie.c holds the listener side too. */
#ifndef UST_TCP_SYNCOOKIE_H
#define UST_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "ustack/types.h"

struct tcb;
struct tcp_rx_ip;
struct tcp_hdr;

/* The clock of cookies: one count per 64 s (Linux tcp_cookie_time). */
#define SYNCOOKIE_PERIOD (64 * UST_SEC)
/* A cookie is accepted in the period it was made and the one after
 * (Linux MAX_SYNCOOKIE_AGE): valid 64 to 128 s. */
#define SYNCOOKIE_MAX_AGE 2u
/* Entries of the MSS table (the index is what the cookie remembers). */
#define SYNCOOKIE_NMSS 4u
/* TSval low bits: wscale (4 bits, 0xf = none), SACK, ECN (Linux TS_OPT_*). */
#define SYNCOOKIE_TS_WSCALE_MASK 0xfu
#define SYNCOOKIE_TS_SACK 0x10u
#define SYNCOOKIE_TS_ECN 0x20u
#define SYNCOOKIE_TS_MASK 0x3fu

/* The connection a cookie belongs to, from our side. */
struct syncookie_tuple {
    struct ust_addr laddr, raddr; /* either family (issue #13) */
    uint16_t lport, rport;
};

/* What the low bits of our TSval carry when the SYN had timestamps. */
struct syncookie_opts {
    bool wscale_ok;   /* the SYN had window scale (and we take it) */
    uint8_t wscale;   /* the peer's shift (0..14) */
    bool sack_ok;     /* SACK-permitted agreed */
    bool ecn_ok;      /* ECN-setup SYN accepted */
};

/* The table: the cookie says which of these the peer's MSS reached. */
uint16_t syncookie_mss_value(unsigned idx);
/* Index of the largest table entry not above the peer's MSS (0 below 536). */
unsigned syncookie_mss_index(uint16_t peer_mss);
/* The cookie period of time `now`. */
uint32_t syncookie_count(ust_time_t now);

/* Our ISS for a SYN with sequence number peer_isn:
 *   H1(tuple) + peer_isn + (count << 24) + ((H2(tuple, count, peer_isn) + mss_idx) mod 2^24)
 * with H1, H2 SipHash-2-4 keyed with the stack secret. */
uint32_t syncookie_make(const uint8_t key[16], const struct syncookie_tuple *t,
                        uint32_t peer_isn, uint32_t count, unsigned mss_idx);
/* Checks the cookie of an ACK (cookie = SEG.ACK - 1, peer_isn = SEG.SEQ - 1)
 * at period count_now: the MSS index, or -1 when it is forged or stale. */
int syncookie_check(const uint8_t key[16], const struct syncookie_tuple *t, uint32_t peer_isn,
                    uint32_t cookie, uint32_t count_now);

/* Our TSval for the cookie SYN,ACK: ts_now with its low 6 bits replaced by
 * the options, never above ts_now (Linux cookie_init_timestamp). */
uint32_t syncookie_ts_encode(uint32_t ts_now, const struct syncookie_opts *o);
/* The options from the TSecr of the ACK (Linux cookie_timestamp_decode). */
void syncookie_ts_decode(uint32_t tsecr, struct syncookie_opts *o);

/* ---- the listener side (tcp_syncookie.c, needs a stack) ---------------- */
/* Answers the SYN with a cookie SYN,ACK; no state is kept. */
void tcp_syncookie_send(struct tcb *l, const struct tcp_rx_ip *ip, const struct tcp_hdr *h);
/* Should an ACK to listener l be checked as a cookie (cfg.tcp_syncookies 2,
 * or 1 and a cookie was sent in the last 2 periods, as Linux)? */
bool tcp_syncookie_expected(const struct tcb *l);
/* Decodes the ACK's cookie; true and *mss_idx / *o filled when valid
 * (counted SyncookiesRecv), else false (counted SyncookiesFailed). */
bool tcp_syncookie_accept(struct tcb *l, const struct tcp_rx_ip *ip, const struct tcp_hdr *h,
                          unsigned *mss_idx, struct syncookie_opts *o);

#endif
