/* RACK-TLP state (RFC 8985): the send map of per-segment transmit
 * records RACK needs, and the per-connection RACK and TLP variables.
 *
 * The send ring still holds the bytes (retransmission re-reads it); the
 * send map only remembers, for each segment in [SND.UNA, SND.MAX), when it
 * was last sent and what the peer said about it. It is an array sorted by
 * sequence number, contiguous from SND.UNA to SND.MAX, allocated on demand
 * and bounded: two records per MSS of the send buffer (a segment, and a
 * split a SACK block may make), at least SENDMAP_MIN and at most
 * SENDMAP_MAX records. When full, a new transmission is merged into the
 * last record and a split is skipped, which only makes loss detection
 * later, never wrong (counted: SendmapFull). */
#ifndef UST_TCP_RACK_H
#define UST_TCP_RACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_rate.h"
#include "ustack/types.h"

#define SENDMAP_MIN 1024   /* records a connection may always have (64 KiB) */
#define SENDMAP_MAX 65536  /* records whatever the send buffer (4 MiB) */
#define SENDMAP_SLACK_DIV 4 /* a cumulative ACK moves s forward; a quarter more
                               records of room let a compaction wait */

enum {
    RS_SACKED = 1u << 0,  /* the peer selectively acknowledged all of it */
    RS_LOST = 1u << 1,    /* RACK (or the RTO) marked it lost; not resent yet */
    RS_RETRANS = 1u << 2, /* sent more than once (RFC 8985 Segment.retransmitted) */
};

struct rack_seg {
    uint32_t start, end;  /* sequence space [start, end), a FIN included */
    ust_time_t xmit_ts;   /* last transmission (RFC 8985 Segment.xmit_ts) */
    ust_time_t prev_ts;   /* the transmission before it, set when resent:
                             which of the two an ACK answered (tcp_rack.c, step 2) */
    uint32_t xmit_no;     /* its place in the order of transmissions */
    uint8_t flags;        /* RS_* */
    uint8_t rate_flags;   /* RATE_* (tcp_rate.h) */
    struct tcp_rate_snap rate; /* delivery-rate snapshot of the last send */
};

struct sendmap {
    struct rack_seg *s;   /* s[0..n): sorted, contiguous, somewhere in mem */
    struct rack_seg *mem; /* the allocation: cap + cap / SENDMAP_SLACK_DIV records */
    unsigned n, cap;      /* records in use, and at most (before a new allocation) */
    unsigned limit;       /* records at most (0: SENDMAP_MIN) */
    uint32_t next_no;     /* xmit_no of the next transmission */
    uint32_t full;        /* times a record could not be added (SendmapFull) */
    uint32_t pipe;        /* bytes of the records neither SACKED nor LOST (RFC
                             6675 pipe), kept as flags and records change, so
                             that output asks for it per segment at no cost */
    unsigned n_sacked;    /* records with RS_SACKED ... */
    unsigned n_marked;    /* ... and with RS_SACKED or RS_LOST (sendmap_count) */
};

struct tcp_rack {
    struct sendmap map;
    /* RACK (RFC 8985 5.2): the most recently sent segment delivered */
    bool have_seg;            /* RACK.xmit_ts / end_seq / rtt are valid */
    ust_time_t xmit_ts;       /* RACK.xmit_ts */
    uint32_t xmit_no;         /* ... and its transmission's place in send order */
    uint32_t end_seq;         /* RACK.end_seq */
    bool ref_rexmit;          /* that segment was a retransmission */
    ust_time_t rtt;           /* RACK.rtt */
    ust_time_t clean_rtt;     /* RTT of the newest never-resent segment each
                                 ACK delivers, smoothed (0: none yet) */
    uint32_t fack;            /* RACK.fack: highest end_seq delivered */
    bool reordering_seen;     /* RACK.reordering_seen */
    unsigned reo_wnd_mult;    /* RACK.reo_wnd_mult */
    unsigned reo_wnd_persist; /* RACK.reo_wnd_persist */
    bool dsack_round_on;      /* RACK.dsack_round is set */
    uint32_t dsack_round;     /* RACK.dsack_round */
    uint32_t delivered;       /* bytes the ACK being processed delivered,
                                 cumulatively or selectively (PRR, RFC 6937) */
    /* TLP (RFC 8985 7.1) */
    bool tlp_on;              /* TLP.end_seq is set: a probe episode is open */
    uint32_t tlp_end_seq;     /* TLP.end_seq */
    bool tlp_is_retrans;      /* TLP.is_retrans */
    bool tlp_rearm;           /* new data went / an ACK advanced SND.UNA:
                                 (re)start the PTO when output is done */
    bool tlp_probing;         /* the probe may send one segment beyond cwnd
                                 and past Nagle (RFC 8985 7.3) */
};

#endif
