/* TCP internals (RFC 9293): the transmission control block, the
 * connection tables and the functions the TCP files share.
 *
 * Files, one concern each:
 *   tcb.c        TCB life cycle, 4-tuple and port tables, tcp_set_state,
 *                listener SYN/accept queues, tcp_drop
 *   tcp_input.c  segment arrival, RFC 9293 3.10.7 step by step (struct seg
 *                in tcp_seg.h)
 *   tcp_ack.c    the ACK step: SND.UNA, RTT, congestion control and
 *                dup-ACK recovery, the send window, the ACK of our FIN
 *   tcp_ack_batch.c  when in-order data is acknowledged: delayed, at once,
 *                or once at the end of a receive batch (stretch ACK)
 *   tcp_output.c the only builder and sender of segments (data, SYN, FIN,
 *                ACK, RST), the requests of detectors and timers (tx_req)
 *   tcp_timer.c  retransmit, persist, delayed ACK, keepalive, TIME-WAIT
 *   tcp_rtt.c    RTT estimator and RTO (RFC 6298)
 *   tcp_rtt_meas.c  which ACKs give RTT samples (Karn, RFC 7323 4, the send map)
 *   tcp_minrtt.c the windowed minimum RTT (RACK, congestion control)
 *   tcp_undo.c   spurious retransmissions and timeouts undone (RFC 3708,
 *                RFC 3522/4015 Eifel, RFC 5682 F-RTO)
 *   tcp_isn.c    initial sequence numbers (RFC 6528, SipHash-2-4)
 *   tcp_sack.c   SACK and D-SACK blocks we send, the scoreboard of those
 *                we receive
 *   tcp_recovery.c  Limited Transmit (RFC 3042), SACK loss recovery: IsLost,
 *                pipe, lost retransmissions (RFC 6675)
 *   tcp_sendmap.c  per-segment transmit records (time, SACKed, lost)
 *   tcp_rack.c   RACK time-based loss detection and its recovery (RFC 8985 6)
 *   tcp_prr.c    Proportional Rate Reduction in recovery (RFC 6937/9937)
 *   tcp_tlp.c    tail loss probes (RFC 8985 7)
 *   tcp_icmp.c   ICMP errors about our segments (RFC 5927)
 *   tcp_user.c   the socket-facing operations (tcp_sock_ops)
 *   tcp_sockopt.c  socket options and TCP_INFO
 *   tcp_secret.c the ISN / hash key, ust_stack_set_secret (MUST-9)
 *   tcp_syncookie.c  SYN cookies (RFC 4987 3.6), tcp_syncookie.h
 *   tcp_delivery_advice.c R1, delivery advice to IP, soft errors (MUST-20/22/47)
 *   tcp_urg.c    urgent data: sending, the mark, MSG_OOB, POLLPRI (MUST-30..33)
 *   tcp_wnd_field.c the scaled window field (SHLD-14)
 *   tcp_ipopt.c  IP options, the return source route (MUST-51/52/53)
 *   tcp_ecn.c    Explicit Congestion Notification (RFC 3168, SHLD-8)
 *   tcp_ratelimit.c  limits on provoked replies: out-of-window and challenge
 *                ACKs, RSTs to closed ports (RFC 5961 7, 10)
 *   tcp_orphan.c connections the application closed: count, cap, FIN-WAIT-2
 *   tcp_hold.c   stack-wide caps: TIME-WAIT count, out-of-order bytes
 *   cc.h, cc.c, cc_newreno.c, cc_cubic.c  congestion control behind an ops table
 *   cc_bbr.c     BBR (draft-ietf-ccwg-bbr), driven by rate samples
 *   tcp_rate.c   delivery rate samples (draft-cheng-iccrg-delivery-rate-estimation)
 *   tcp_pacing.c pacing at cc.pacing_rate through the timer heap
 *   cc_hystart.c  HyStart++ (RFC 9406) for the algorithms' first slow start
 */
#ifndef UST_TCP_H
#define UST_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf/assembler.h"
#include "buf/ring.h"
#include "cc.h"
#include "core/siphash.h"
#include "core/timer.h"
#include "tcp_pacing.h"
#include "tcp_chrono.h"
#include "tcp_minrtt.h"
#include "tcp_rack.h"
#include "tcp_rate.h"
#include "tcp_rtt.h"
#include "tcp_tso.h"
#include "ustack/config.h"
#include "ustack/socket.h"
#include "ustack/stack.h"
#include "ustack/types.h"
#include "wire/tcp.h"

struct ust_stack;
struct ust_sock;
struct ipv4_out;
struct ipv6_out;
struct pkt;

/* What the network layer said about a received segment, either family. */
struct tcp_rx_ip {
    struct ust_addr src, dst;   /* IPv6 link-local ones scoped by the interface */
    uint8_t tos;                /* IPv4 TOS / IPv6 Traffic Class (ECN bits) */
    const struct ipv4_hdr *h4;  /* the IPv4 header (options); NULL for IPv6 */
};
struct ip6_rx;
struct ip6_err;
/* IPv6 entry points (tcp_input.c, tcp_icmp.c), registered by tcp_register. */
void tcp_input6(struct ust_stack *st, const struct ip6_rx *rx);
void tcp_icmp6_error(struct ust_stack *st, const struct ip6_err *e);

#define TCP_HASH_BUCKETS 4096   /* 4-tuple table buckets (power of two) */
#define TCP_PORT_BUCKETS 1024   /* local-port table buckets (power of two) */
#define TCP_DEFAULT_MSS 536     /* RFC 9293 3.7.1 MUST-15: no MSS option, IPv4 */
#define TCP_DEFAULT_MSS6 1220   /* the same over IPv6: 1280 - 60 */
/* The send MSS of a peer whose SYN had no MSS option (MUST-15). */
static inline uint16_t tcp_default_mss(const struct ust_addr *raddr)
{
    return raddr->family == UST_AF_INET6 ? TCP_DEFAULT_MSS6 : TCP_DEFAULT_MSS;
}
#define TCP_MAX_WSCALE 14       /* RFC 7323 2.3 */
#define TCP_DELACK_MAX (200 * UST_MSEC)
#define TCP_OFO_RANGES_MAX 256  /* bound of cfg.tcp_ofo_ranges (SACK code's arrays) */
#define TCP_PORT_TABLE 256      /* RFC 6056 Algorithm 4 counters (power of two) */

/* tcb->flags: the cross-cutting bits. Things input (or the user) asks
 * output to do (input never builds a segment itself) and where the
 * connection's life stands. Bits that belong to one part are bools in it
 * (opt.ts_ok, so.nodelay, rec.fast_recovery, rcv.ooo_fin, ...). */
enum {
    TF_ACK_NOW = 1u << 0,     /* send an ACK at the next tcp_output */
    TF_DELACK = 1u << 1,      /* an ACK is owed, the delayed-ACK timer runs */
    TF_FIN_QUEUED = 1u << 2,  /* the application closed the send side */
    TF_FIN_SENT = 1u << 3,    /* a FIN has been transmitted (maybe not acked) */
    TF_FIN_RCVD = 1u << 4,    /* the peer's FIN arrived in order: EOF */
    TF_PASSIVE = 1u << 7,     /* opened by a listener (RFC 9293 MUST-11) */
    TF_RD_SHUT = 1u << 8,     /* the application will not read any more */
    TF_ORPHAN = 1u << 9,      /* no socket any more: the TCB lives on alone */
    TF_FORCE_PROBE = 1u << 11, /* persist timer: send one byte beyond the window */
    TF_WAS_CONNECTED = 1u << 13, /* reached ESTABLISHED once */
    TF_ACK_BATCH = 1u << 18,  /* an ACK is owed at the end of the receive batch */
    TF_LINGERING = 1u << 19,  /* close() waits (SO_LINGER): closed for the user */
    TF_ORPHAN_COUNTED = 1u << 22, /* counted in tcp_state.norphans (tcp_orphan.c) */
};

/* A segment that a loss detector, a timer or tcp_drop asks for
 * (tcp_request_*); tcp_output() builds and sends it. */
enum tcp_tx_req_kind {
    TX_REQ_NONE,
    TX_REQ_REXMIT,      /* one segment from seq, at most max bytes and one MSS */
    TX_REQ_RESET,       /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> (abort) */
    TX_REQ_KEEPALIVE,   /* <SEQ=SND.UNA-1><ACK=RCV.NXT> (RFC 1122 4.2.3.6) */
};

struct tcp_tx_req {
    uint8_t kind;               /* enum tcp_tx_req_kind */
    uint32_t seq, max;          /* TX_REQ_REXMIT */
    uint32_t sent;              /* sequence space the segment took, 0 = none */
};

/* What the handshake settled (RFC 9293 3.7.1, RFC 7323, RFC 2018): the
 * segment sizes, what our SYN offered and what both sides agreed on. */
struct tcp_opts_agreed {
    uint16_t mss;               /* effective send MSS (RFC 9293 3.7.1 MUST-16) */
    uint16_t peer_mss;          /* from the peer's MSS option (536 without) */
    uint16_t rcv_mss;           /* the MSS we advertised */
    unsigned pmtu_gen;          /* pmtu_gen() when mss was last computed (tcp_icmp.c) */
    uint8_t snd_wscale, rcv_wscale;
    bool wscale_offered;        /* our SYN carried the window scale option */
    bool ts_offered;            /* our SYN carried the timestamps option */
    bool sack_offered;          /* our SYN carried SACK-permitted */
    bool wscale_ok;             /* both sides sent the window scale option */
    bool ts_ok;                 /* both sides sent timestamps (RFC 7323 3) */
    bool sack_ok;               /* both sides sent SACK-permitted (RFC 2018) */
    uint32_t ts_offset;         /* random per-connection TSval offset (RFC 7323 7.1) */
    uint32_t ts_recent;         /* TS.Recent (RFC 7323 4.3) */
};

/* What the application set through setsockopt (tcp_sockopt.c); an
 * accepted connection inherits most of them from its listener. */
struct tcp_sockopts {
    bool nodelay;               /* TCP_NODELAY: no Nagle */
    bool keepalive;             /* SO_KEEPALIVE (RFC 1122 4.2.3.6) */
    ust_time_t keepidle, keepintvl;
    unsigned keepcnt;
    /* SO_LINGER (tcp_user.c): l_linger as given, a negative one read as
     * unsigned (Linux: no limit in practice) */
    bool linger_on;
    unsigned linger_sec;
    uint16_t user_mss;          /* TCP_MAXSEG (0 = none) */
    ust_time_t user_timeout;    /* TCP_USER_TIMEOUT: give up after this long (0 = off) */
    /* IP_TOS / IP_TTL (RFC 9293 MUST-48): handed to IP unchanged, but for
     * the two ECN bits, which TCP owns (tcp_ecn.c); ttl -1 = default.
     * They govern IPv4 (also IPv4-mapped) connections; an IPv6 one has
     * IPV6_TCLASS / IPV6_UNICAST_HOPS (0 allowed, RFC 3493 5.1), as Linux
     * keeps the two apart on a dual socket (tcp_so_tos / tcp_so_ttl). */
    uint8_t tos;
    int16_t ttl;
    uint8_t tclass6;
    int16_t hops6;
    int8_t use_min_mtu;         /* IPV6_USE_MIN_MTU (RFC 3542 11.1): 1 = MSS from 1280 */
    bool recv_pathmtu;          /* IPV6_RECVPATHMTU: kept, no notices on TCP (Linux) */
    uint8_t ecn_mode;           /* cfg.tcp_ecn or UST_TCP_ECN: 0, 1, 2 */
    bool oobinline;             /* SO_OOBINLINE: the mark's octet stays data */
    bool recverr;               /* IP_RECVERR: soft errors show as POLLERR (MUST-47) */
    bool recverr6;              /* IPV6_RECVERR: the same for an IPv6 connection */
    uint8_t ip_opts[40];        /* IP_OPTIONS, on every segment (tcp_ipopt.c) */
    uint8_t ip_opt_len;
    bool rcvbuf_lock, sndbuf_lock; /* SO_RCVBUF / SO_SNDBUF set: no autotuning
                                   (Linux SOCK_RCVBUF_LOCK / SOCK_SNDBUF_LOCK) */
};

/* Buffer autotuning (tcp_autotune.c): the receiver's RTT estimate and
 * what the application read per RTT (Linux rcv_rtt_est, rcvq_space), and
 * when text last arrived (quick ACKs after idle, tcp_ack_batch.c). */
struct tcp_autotune {
    ust_time_t rcv_rtt;         /* receiver's RTT estimate (0 = none yet) */
    bool rtt_started;           /* a window-based sample runs: ... */
    uint32_t rtt_seq;           /* ... until RCV.NXT reaches this, ... */
    ust_time_t rtt_time;        /* ... from this time */
    uint32_t last_tsecr;        /* TSecr of the last timestamp sample */
    bool space_started;         /* a measurement of the reading rate runs: */
    uint32_t space;             /* bytes read in the last measured RTT */
    uint32_t space_seq;         /* rd_seq at the start of the measurement */
    ust_time_t space_time;      /* ... and its time */
    bool had_data;              /* text arrived at ... */
    ust_time_t last_data_at;
    size_t grown;               /* bytes both rings grew by, counted in
                                   tcp_state.autotune_bytes */
};

/* The connection's timers, embedded (src/core/timer.h); a callback finds
 * its TCB with TCB_OF(tm, timer.NAME). */
struct tcp_timers {
    struct ust_timer rexmt;     /* retransmission (SYN, data, FIN) */
    struct ust_timer persist;   /* zero-window probes */
    struct ust_timer delack;
    struct ust_timer keep;
    struct ust_timer wait;      /* TIME-WAIT 2 x MSL; orphaned FIN-WAIT-2 */
    struct ust_timer rack;      /* RACK reordering timer (RFC 8985 6.2) */
    struct ust_timer tlp;       /* tail loss probe timeout, PTO (RFC 8985 7.2) */
    struct ust_timer pace;      /* pacing: the next burst may go (tcp_pacing.c) */
};

/* The send sequence space (RFC 9293 3.3.1) and the bytes in it. */
struct tcp_snd {
    uint32_t iss, una, nxt, max; /* ISS, SND.UNA, SND.NXT; max: highest sent + 1 */
    uint32_t wnd;               /* SND.WND, scaled */
    uint32_t max_wnd;           /* largest window the peer offered (SWS, RFC 5961) */
    uint32_t wl1, wl2;          /* SND.WL1, SND.WL2 */
    uint32_t sml;               /* end of the last small segment sent (Nagle/Minshall) */
    struct ring buf;            /* bytes from the first unacked data byte on */
    uint32_t fin_seq;           /* sequence number of our FIN, once queued */
};

/* Urgent data (RFC 9293 3.8.5, RFC 6093; tcp_urg.c). */
struct tcp_urgent {
    uint32_t snd_up;            /* SND.UP */
    bool snd_urg;               /* SND.UP is set */
    uint32_t rcv_up;            /* urgent pointer (first octet after urgent data) */
    uint8_t state;              /* TCP_URG_*: the mark RCV.UP - 1 */
    uint8_t byte;               /* the mark's octet, once TCP_URG_VALID */
};

/* The receive sequence space (RFC 9293 3.3.1), the bytes in it and what
 * our ACKs report about it (SACK, D-SACK). */
struct tcp_rcv {
    uint32_t irs, nxt;          /* IRS, RCV.NXT */
    uint32_t adv;               /* right edge of the window we advertised */
    uint32_t unacked;           /* in-order bytes received since our last ACK */
    uint32_t last_ack_sent;     /* Last.ACK.sent: RCV.NXT in our latest ACK (RFC 7323) */
    struct ring buf;            /* in-order unread bytes; free space holds
                                   out-of-order data */
    struct assembler ooo;       /* out-of-order ranges beyond nxt */
    uint32_t rd_seq;            /* sequence number of the next byte the app reads */
    bool ooo_fin;               /* a FIN arrived beyond a hole (at ooo_fin_seq) */
    uint32_t ooo_fin_seq;       /* where that out-of-order FIN sits */
    uint32_t ooo_held;          /* asm_bytes(&ooo) as counted in tcp_state.ofo_bytes */
    bool dsack_pending;         /* RFC 2883: the next ACK reports [dsack_left, */
    uint32_t dsack_left, dsack_right; /* dsack_right) as received twice */
    uint32_t sack_recent[TCP_MAX_SACK_BLOCKS]; /* a sequence number inside each of the
                                   blocks most recently received or reported,
                                   the newest first (RFC 2018 4) */
    uint8_t sack_recent_n;
    uint8_t quick;              /* quick-ACK mode: in-order segments still ACKed
                                   one by one (tcp_ack_batch.c) */
    bool pushed;                /* since our last ACK an in-order segment came
                                   with PSH or short of a full one */
    uint32_t dup_nxt;           /* RCV.NXT of the duplicate ACKs counted in dup_sent */
    uint8_t dup_sent;           /* immediate duplicate ACKs sent for dup_nxt */
    uint8_t sack_folded;        /* duplicate ACKs folded into the next one */
    uint32_t ooo_last_end;      /* end of the latest out-of-order segment */
};

/* Loss recovery (RFC 6582, RFC 6675, RFC 8985) and the SACK scoreboard;
 * the congestion window itself is in cc (cc.h). */
/* What last decided that segments must be sent again: named in the trace
 * line and the capture's comment of each retransmission. */
enum tcp_rexmit_cause {
    TCP_REXMIT_UNKNOWN,
    TCP_REXMIT_RTO,      /* RFC 6298 5.4: the retransmission timer expired */
    TCP_REXMIT_FAST,     /* RFC 5681 3.2 / RFC 6675 5: duplicate ACKs, SACK holes */
    TCP_REXMIT_RACK,     /* RFC 8985 6: RACK found them lost */
    TCP_REXMIT_TLP,      /* RFC 8985 7: a tail loss probe */
};
const char *tcp_rexmit_cause_name(enum tcp_rexmit_cause c);

struct tcp_recovery {
    uint8_t rexmit_cause;       /* enum tcp_rexmit_cause of the retransmissions now */
    bool fast_recovery;         /* fast recovery (RFC 6582, RFC 6675; RACK's too) */
    bool rto_recovery;          /* RACK: after an RTO, until SND.UNA passes recover */
    bool rack_on;               /* RACK-TLP detects losses (RFC 8985; needs SACK) */
    unsigned dupacks;
    uint32_t recover;           /* RFC 6582 "recover" (exclusive: snd.max at entry) */
    struct assembler sacked;    /* SACK scoreboard: ranges the peer holds, as
                                   offsets from SND.UNA */
    uint32_t sack_next;         /* holes below this were retransmitted in this recovery */
    uint32_t una_rexmit_high;   /* SND.MAX when SND.UNA was last retransmitted (or
                                   later): SACKs above it show that copy lost */
    bool sack_reneged;          /* the peer dropped data it had SACKed (RFC 2018 8):
                                   the scoreboard goes at the next RTO */
    /* The congestion episode (RFC 5681 3.2, RFC 6675 5): one reduction of
     * cwnd per episode, which lasts until SND.UNA passes episode_high. */
    bool episode_on;
    uint32_t episode_high;      /* SND.MAX when the episode began */
    unsigned episode_reductions; /* reductions in it (1 as the RFCs want) */
    uint32_t ack_flight;        /* FlightSize when the ACK being processed arrived,
                                   before it moved SND.UNA; 0 outside tcp_ack_input */
    /* Proportional Rate Reduction during RACK fast recovery (tcp_prr.c) */
    bool prr_on;
    uint32_t prr_recover_fs;    /* RecoverFS: what recovery may see delivered */
    uint32_t prr_delivered;     /* bytes delivered (ACKed or SACKed) since entry */
    uint32_t prr_out;           /* bytes sent since entry */
};

/* ECN (RFC 3168, tcp_ecn.c); the mode asked for is so.ecn_mode. */
struct tcp_ecn {
    bool offered;               /* our SYN was an ECN-setup SYN */
    bool ok;                    /* negotiated: ECT on new data, ECE/CWR meaningful */
    bool echo;                  /* receiver: CE seen, ECE on every ACK until CWR */
    bool cwr;                   /* sender: the next new data segment carries CWR */
    bool cut;                   /* sender: an ECE reduced cwnd for data up to high */
    uint32_t high;              /* sender: SND.MAX at the last reduction; ECE on
                                   ACKs not beyond it belongs to that window */
};

/* A listener's children: in SYN-RECEIVED (synq) and established ones to
 * accept (acceptq), linked through their qnext. */
struct tcp_listen {
    struct tcb *synq, *acceptq, *acceptq_tail; /* synq: the newest first */
    unsigned nsyn, naccept, backlog;
    bool cookie_sent;           /* a SYN cookie went out, at ... */
    ust_time_t cookie_sent_at;  /* ... this time (tcp_syncookie.c) */
};

/* Where the connection's retransmissions and probes stand: the segment
 * being timed (RFC 6298 3, Karn), consecutive timeouts (RFC 9293 3.8.3),
 * zero-window probes (3.8.6.1) and keepalives (RFC 1122 4.2.3.6). */
struct tcp_retrans {
    bool rtt_timing;            /* a segment is being timed (Karn: none retransmitted) */
    uint32_t rtt_seq;
    ust_time_t rtt_start;
    bool syn_retransmitted;     /* RFC 6298 5.7: RTO 3 s after the handshake */
    unsigned retries;           /* consecutive retransmission timeouts */
    ust_time_t since;           /* when the first of them fired */
    unsigned persist_backoff;
    unsigned persist_probes;    /* zero-window probes since the peer last answered */
    unsigned keep_probes;       /* keepalive probes unanswered */
};

/* Per-connection counters for UST_TCP_INFO. */
struct tcp_conn_counters {
    uint64_t bytes_acked, bytes_received;
    uint64_t bytes_sent, bytes_retrans; /* data octets sent, and of them resent */
    uint32_t total_retrans;
    uint32_t rtt_ambiguous;     /* ACKs not timed: retransmitted data (Karn) */
    uint32_t spurious_dsack;    /* episodes shown spurious by D-SACKs (RFC 3708) */
    uint32_t spurious_rtos;     /* RTOs shown spurious (F-RTO, Eifel) */
    uint32_t undos;             /* congestion responses undone (tcp_undo.c) */
    /* loss recovery (tcp_recovery.c counts episodes and reductions) */
    uint32_t rtos, tlp_probes, rack_lost, fast_retrans, lost_retrans;
    uint32_t recoveries, cwnd_reductions, max_episode_reductions;
    uint32_t tso_packets;       /* super-packets of several segments (tcp_tso.c) */
};

/* Undo of a congestion response that proves spurious (tcp_undo.c): what
 * the window was before the episode (a recovery or an RTO) and what tells
 * whether its retransmissions were needed; and the same for an RTO that
 * came inside an episode, which can prove spurious alone. */
struct tcp_undo_point {
    struct cc_state prior;      /* cwnd, ssthresh and the algorithm's state before */
    uint32_t retrans;           /* bytes retransmitted since, not yet D-SACKed */
    bool retrans_any;           /* something was retransmitted since */
    bool ts_set;                /* retrans_ts holds the first retransmission's TSval */
    bool eifel_done;            /* the ACK of the first retransmission came */
    uint32_t retrans_ts;        /* RFC 3522 RetransmitTS */
    uint32_t first_end;         /* end of the first retransmission */
};

struct tcp_undo {
    bool armed;                 /* an episode's prior window is kept */
    bool rto;                   /* the episode had an RTO */
    struct tcp_undo_point ep;   /* the episode's start */
    bool rto_armed;             /* an RTO came inside the episode: its own point */
    struct tcp_undo_point rto_pt; /* the window just before that RTO */
    uint32_t rto_high;          /* SND.MAX at that RTO */
    uint32_t marker;            /* SND.UNA at the start: older D-SACKs are not ours */
    uint8_t frto;               /* F-RTO step awaited (RFC 5682 3): 0 none, 2, 3 */
    uint32_t high;              /* SND.MAX at the start: the episode lasts until
                                   SND.UNA passes it (F-RTO's RecoveryPoint) */
    uint8_t verdict;            /* scratch: what this ACK showed (tcp_undo.c) */
    bool ack_orig;              /* scratch: this ACK delivered data sent before
                                   high and never retransmitted */
};

/* Soft errors and delivery advice (RFC 9293 3.8.3, MUST-47;
 * tcp_delivery_advice.c, tcp_icmp.c). */
struct tcp_advice {
    int soft_err;               /* last ICMP soft error (RFC 9293 MUST-47) */
    int soft_report;            /* soft error SO_ERROR reports (tcp_delivery_advice.c) */
    bool r1_reached;            /* R1 negative advice given (RFC 9293 3.8.3) */
    ust_time_t positive_at;     /* last positive delivery advice */
};

/* The last ACK answering an unacceptable segment or challenging one
 * (tcp_ratelimit.c: one per cfg.tcp_invalid_ratelimit). */
struct tcp_oow_ack {
    ust_time_t ack_at;
    bool ack_sent;
};

struct tcb {
    struct ust_stack *st;
    enum ust_tcp_state state;
    unsigned flags;
    struct tcp_tx_req tx_req;   /* a requested segment (tcp_output.c) */
    int err;                    /* pending error for the socket (negative ust_err) */
    struct tcp_advice adv;      /* soft errors and delivery advice */
    struct ust_sock *sock;      /* NULL while a listener child or an orphan */

    /* identity */
    struct ust_addr laddr, raddr; /* either family (issue #13); laddr any
                                   (0.0.0.0, ::) or family 0 = wildcard /
                                   unbound; an IPv4 connection of an
                                   AF_INET6 socket is IPv4 here (RFC 3493 3.7) */
    uint16_t lport, rport;
    bool v6only;                /* IPV6_V6ONLY: a :: listener takes no IPv4 */
    bool v6sock;                /* of an AF_INET6 socket (or its listener's):
                                   netstat shows IPv4 as ::ffff:a.b.c.d */
    struct tcb *all_next, *all_prev; /* every TCB of the stack */
    struct tcb *hnext;          /* 4-tuple hash chain */
    struct tcb *ack_next;       /* in tcp_state.ack_list (in_ack_list) */
    bool in_ack_list;
    struct tcb *pnext;          /* local-port hash chain */
    struct tcb **pprev;         /* what points at us in it: O(1) removal */
    struct tcb *lnext;          /* listeners of the port bucket (in LISTEN) */
    bool in_hash, in_ports, in_listeners;

    /* listener: children in SYN-RECEIVED and established ones to accept */
    struct tcb *listener;       /* for a child: its listener */
    struct tcb *qnext;          /* next in the listener's queue */
    struct tcp_listen lsn;      /* a listener's queues */

    struct tcp_snd snd;         /* send sequence space (RFC 9293 3.3.1) */
    struct tcp_urgent urg;      /* urgent data both ways (tcp_urg.c) */
    struct tcp_recovery rec;    /* loss recovery and the SACK scoreboard */
    struct tcp_rack rack;       /* RACK-TLP (tcp_rack.c, tcp_tlp.c) when rec.rack_on */

    struct tcp_rcv rcv;         /* receive sequence space (RFC 9293 3.3.1) */

    struct tcp_opts_agreed opt; /* MSS and the options of the handshake */
    struct tcp_sockopts so;     /* what the application set (tcp_sockopt.c) */

    /* reliability */
    struct tcp_rtt rtt;
    struct tcp_retrans rxt;     /* RTT timing, timeouts and probes so far */

    /* congestion control */
    const struct cc_ops *cc_ops;
    struct cc_state cc;

    ust_time_t last_rcv;        /* when the last segment arrived (keepalive) */

    struct tcp_ecn ecn;         /* ECN (RFC 3168, tcp_ecn.c) */

    struct tcp_timers timer;    /* embedded timers (tcp_timer.c) */
    struct tcp_oow_ack oow;     /* rate limit of out-of-window ACKs */
    struct tcp_conn_counters ctr; /* for UST_TCP_INFO */
    struct tcp_rate rate;       /* delivery rate sampling (tcp_rate.c) */
    struct tcp_chrono chrono;   /* busy, window- and buffer-limited time (tcp_chrono.c) */
    struct tcp_pacing pace;     /* pacing (tcp_pacing.c) */
    struct tcp_minrtt min_rtt;  /* windowed minimum RTT (tcp_minrtt.c) */
    struct tcp_undo undo;       /* undo of spurious reductions (tcp_undo.c) */
    struct tcp_autotune at;     /* buffer autotuning (tcp_autotune.c) */
};

/* Per-stack TCP state (stack_tcp(), transport.h). */
struct tcp_state {
    struct tcb *hash[TCP_HASH_BUCKETS];   /* connections by 4-tuple */
    struct tcb *ports[TCP_PORT_BUCKETS];  /* every TCB with a local port */
    struct tcb *listeners[TCP_PORT_BUCKETS]; /* the TCBs in LISTEN, by local port */
    uint8_t secret[16];                   /* ISN / hash key (RFC 6528) */
    bool secret_set;                      /* installed by ust_stack_set_secret (tcp_secret.c) */
    uint16_t port_table[TCP_PORT_TABLE];  /* RFC 6056 3.3.4 "table" of counters */
    struct tcb *all;                      /* every TCB (for tcp_destroy) */
    struct tcb *last;                     /* the last TCB tcb_lookup found */
    struct tcb *ack_list;                 /* ACKs deferred to the batch end */
    unsigned ntcbs;
    /* RFC 5961 7: the stack-wide challenge ACK budget of the current
     * second, randomized (tcp_ratelimit.c) */
    ust_time_t chal_window_start;
    unsigned chal_budget;
    bool chal_started;
    /* RSTs to closed ports: token bucket (core/ratelimit.h) */
    ust_time_t rst_tat;
    /* connections the application closed that are still finishing
     * (TF_ORPHAN_COUNTED, tcp_orphan.c) */
    unsigned norphans;
    unsigned ntimewait;                   /* connections in TIME-WAIT (tcp_hold.c) */
    size_t ofo_bytes;                     /* out-of-order bytes held by all (tcp_hold.c) */
    size_t autotune_bytes;                /* buffer growth of all (tcp_autotune.c) */
    /* Test seam: when set, segments go here instead of ipv4_output. */
    int (*tx_hook)(void *ctx, const struct ipv4_out *o, struct pkt *p);
    /* The same for IPv6 segments (NULL: to ipv6_output). */
    int (*tx6_hook)(void *ctx, const struct ipv6_out *o, struct pkt *p);
    void *tx_hook_ctx;
};

/* ---- tcb.c ----------------------------------------------------------- */
struct tcb *tcb_new(struct ust_stack *st);
/* Frees a TCB: out of every table, timers cancelled, buffers released. */
void tcb_free(struct tcb *tcb);
/* The only writer of tcb->state; emits the trace line of the transition
 * and keeps the tables and counters in step. */
void tcp_set_state(struct tcb *tcb, enum ust_tcp_state s);
/* Frees the TCB if it reached CLOSED and nobody (socket, listener) holds it.
 * Entry points call it last. Returns true when freed. */
bool tcb_reap(struct tcb *tcb);
/* The connection of a 4-tuple (either family), or NULL. */
struct tcb *tcb_find(struct ust_stack *st, const struct ust_addr *laddr, uint16_t lport,
                     const struct ust_addr *raddr, uint16_t rport);
/* IPv4 shorthand of tcb_find (tests, IPv4-only callers). */
struct tcb *tcb_lookup(struct ust_stack *st, ust_ip4_t laddr, uint16_t lport, ust_ip4_t raddr,
                       uint16_t rport);
/* The listener for a SYN to laddr:lport: bound to laddr, else a wildcard
 * of laddr's family, else (IPv4) a :: listener without IPV6_V6ONLY. */
struct tcb *tcb_find_listener(struct ust_stack *st, const struct ust_addr *laddr, uint16_t lport);
/* listen(): another listener with the same address on the port, or one
 * of the other family overlapping a :: listener that takes IPv4. */
bool tcb_listener_conflict(const struct tcb *tcb);
int tcb_hash_insert(struct tcb *tcb);
void tcb_hash_remove(struct tcb *tcb);
/* Binds the TCB to a local address/port (0 = pick an ephemeral port). */
int tcb_bind(struct tcb *tcb, const struct ust_addr *laddr, uint16_t lport, bool reuse);
/* Picks a free ephemeral port at random (bind/listen without a port). */
int tcb_bind_ephemeral(struct tcb *tcb, const struct ust_addr *laddr);
/* Picks the ephemeral port of a connect to raddr:rport (RFC 6056
 * Algorithm 4): successive connections to one destination walk the range,
 * so a port just used is not chosen again until the range wraps. */
int tcb_bind_connect(struct tcb *tcb, const struct ust_addr *laddr, const struct ust_addr *raddr,
                     uint16_t rport);
void tcb_bind_child(struct tcb *child, const struct ust_addr *laddr, uint16_t lport);
/* Inherits listener settings and initialises sizes of a new connection. */
void tcb_init_conn(struct tcb *tcb);
/* RFC 7323 2.2: the window shift that lets us offer a buffer of `cap`. */
uint8_t tcp_rcv_wscale_for(const struct ust_stack *st, size_t cap);
/* ---- tcp_autotune.c: socket buffer autotuning ------------------------- */
struct seg;
/* The receive buffer the window scale must cover: the largest it may grow
 * to (cfg.tcp_rmem_max) unless SO_RCVBUF fixed it (RFC 7323 2.2). */
size_t tcp_rcvbuf_ceiling(const struct tcb *tcb);
/* In-order or out-of-order text arrived: the receiver's RTT estimate
 * (Linux tcp_rcv_rtt_measure, _ts) and the idle test of quick ACKs. */
void tcp_autotune_data_in(struct tcb *tcb, const struct seg *s);
/* The application read: grow the receive buffer to twice what was read
 * in the last receiver RTT (Linux tcp_rcv_space_adjust). */
void tcp_rcv_space_adjust(struct tcb *tcb);
/* New data was acknowledged: grow the send buffer to twice cwnd
 * (Linux tcp_sndbuf_expand). */
void tcp_sndbuf_expand(struct tcb *tcb);
/* The TCB goes: its growth leaves the stack-wide count. */
void tcp_autotune_release(struct tcb *tcb);
/* A listener child moves from the SYN queue to the accept queue. */
void tcp_accept_queue_push(struct tcb *listener, struct tcb *child);
/* A child leaves its listener's queues (accepted, dropped, freed). */
void tcp_listener_remove_child(struct tcb *child);
/* Aborts the connection with error err (RST sent when `send_rst`). */
void tcp_drop(struct tcb *tcb, int err, bool send_rst);
/* "203.0.113.1:40000->203.0.113.2:80" */
/* "[2001:db8::1]:54951->[2001:db8::2]:5001" fits (two IPv6 endpoints). */
#define TCB_STR_LEN 112
const char *tcb_str(const struct tcb *tcb, char *buf, size_t len);

/* ---- tcp_isn.c ------------------------------------------------------- */
uint32_t tcp_isn(struct ust_stack *st, ust_ip4_t laddr, uint16_t lport, ust_ip4_t raddr,
                 uint16_t rport, ust_time_t now);
/* The same for a 4-tuple of either family (tcp_isn is its IPv4 shorthand). */
uint32_t tcp_isn6(struct ust_stack *st, const struct ust_addr *laddr, uint16_t lport,
                  const struct ust_addr *raddr, uint16_t rport, ust_time_t now);
/* The bytes a 4-tuple hashes as (RFC 6528 F() input): an IPv4 tuple as
 * before issue #13 (12 bytes), an IPv6 one with both 16-byte addresses and
 * scopes (44 bytes). Returns the length written to msg. */
#define TCP_TUPLE_MSG_MAX 44
size_t tcp_tuple_msg(uint8_t msg[TCP_TUPLE_MSG_MAX], const struct ust_addr *laddr,
                     uint16_t lport, const struct ust_addr *raddr, uint16_t rport);
/* TSval offset of a 4-tuple: the same for every incarnation (RFC 7323 7.1). */
uint32_t tcp_ts_offset(const struct ust_stack *st, const struct ust_addr *laddr, uint16_t lport,
                       const struct ust_addr *raddr, uint16_t rport);
/* RFC 6056 Algorithm 4: offset F() and table index G() of a destination. */
uint32_t tcp_port_offset(const struct ust_stack *st, const struct ust_addr *laddr,
                         const struct ust_addr *raddr, uint16_t rport);
unsigned tcp_port_table_index(const struct ust_stack *st, const struct ust_addr *laddr,
                              const struct ust_addr *raddr, uint16_t rport);

/* ---- tcp_output.c ---------------------------------------------------- */
/* Sends whatever the state, windows, Nagle and pending flags allow. With
 * a request pending (tcb->tx_req), it sends that segment alone, at once,
 * and returns: the detector that asked goes on with the segment gone, as
 * the RFCs' "retransmit now" wants; the rest leaves at the next call. */
void tcp_output(struct tcb *tcb);
/* Requests, served by the next tcp_output(): a retransmission of up to
 * `max` bytes (at most one MSS) from seq; tx_req.sent then holds the
 * sequence space sent (data and FIN), 0 if nothing went. */
static inline void tcp_request_rexmit(struct tcb *tcb, uint32_t seq, uint32_t max)
{
    tcb->tx_req = (struct tcp_tx_req){.kind = TX_REQ_REXMIT, .seq = seq, .max = max};
}
/* A RST for an abort, or a keepalive probe. */
static inline void tcp_request(struct tcb *tcb, enum tcp_tx_req_kind kind)
{
    tcb->tx_req = (struct tcp_tx_req){.kind = (uint8_t)kind};
}
/* RST in answer to a segment that has no connection (RFC 9293 3.10.7.1). */
void tcp_reply_reset(struct ust_stack *st, const struct ust_addr *src, const struct ust_addr *dst,
                     const struct tcp_hdr *h, uint32_t seg_len);
/* Window to put in the header (unscaled bytes, receiver-side SWS avoided). */
uint32_t tcp_rcv_window(const struct tcb *tcb);
/* Bytes sent and not acknowledged. */
uint32_t tcp_flight(const struct tcb *tcb);
/* Sequence number of the first data byte held in sndbuf. */
uint32_t tcp_snd_data_seq(const struct tcb *tcb);
/* Sequence number just past the last data byte held in sndbuf (where a
 * FIN goes). */
uint32_t tcp_snd_data_end(const struct tcb *tcb);
/* Our TSval now: a 1 ms clock plus the connection's offset. */
uint32_t tcp_ts_now(const struct tcb *tcb);
/* Computes the effective send MSS (RFC 9293 3.7.1) into tcb->opt.mss. */
void tcp_update_mss(struct tcb *tcb);
/* ---- tcp_icmp.c: picks up a path MTU lowered since the MSS was computed */
void tcp_pmtu_sync(struct tcb *t);
/* The TOS / TTL / IP_RECVERR of the family a connection to raddr uses
 * (Linux: inet->tos, uc_ttl, recverr for IPv4 and IPv4-mapped peers;
 * np->tclass, hop_limit, recverr for IPv6 ones). */
static inline uint8_t tcp_so_tos(const struct tcp_sockopts *so, const struct ust_addr *raddr)
{
    return raddr->family == UST_AF_INET6 ? so->tclass6 : so->tos;
}
static inline int16_t tcp_so_ttl(const struct tcp_sockopts *so, const struct ust_addr *raddr)
{
    return raddr->family == UST_AF_INET6 ? so->hops6 : so->ttl;
}
static inline bool tcp_so_recverr(const struct tcp_sockopts *so, const struct ust_addr *raddr)
{
    return raddr->family == UST_AF_INET6 ? so->recverr6 : so->recverr;
}
/* The MSS to advertise in our SYN. */
uint16_t tcp_adv_mss(const struct tcb *tcb);
/* The same for a peer raddr without a TCB (user_mss 0 = none). */
uint16_t tcp_adv_mss_to(struct ust_stack *st, const struct ust_addr *raddr, uint16_t user_mss,
                        bool min_mtu);
/* A SYN,ACK sent without a TCB: a SYN cookie (tcp_syncookie.c). */
struct tcp_synack {
    struct ust_addr laddr, raddr;
    uint16_t lport, rport;
    uint32_t iss, ack;
    uint16_t wnd, mss;
    bool has_wscale, sack_permitted, has_timestamp, ecn;
    uint8_t wscale;
    uint32_t ts_val, ts_ecr;
    uint8_t tos;
    int16_t ttl;
    uint8_t ip_opts[40];        /* MUST-52/53 (tcp_ipopt_for_syn) */
    uint8_t ip_opt_len;
};
void tcp_send_synack_stateless(struct ust_stack *st, const struct tcp_synack *sa);

/* ---- tcp_recovery.c -------------------------------------------------- */
/* Bytes the peer reported (SACK) holding above SND.UNA. */
uint32_t tcp_sacked_bytes(const struct tcb *tcb);
/* RFC 6675 IsLost(SND.UNA): enough SACKed above it to call it lost. */
bool tcp_recovery_snd_una_lost(const struct tcb *tcb);
/* RFC 3042: bytes beyond cwnd that new data may use now. */
uint32_t tcp_limited_transmit_allowance(const struct tcb *tcb);
/* In fast recovery with SACK (RFC 6675 rather than RFC 6582). */
bool tcp_sack_recovery(const struct tcb *tcb);
/* RFC 6675 "pipe": bytes estimated still in the network. */
uint32_t tcp_recovery_pipe(const struct tcb *tcb);
/* RFC 6675 5 (C): retransmits lost holes while cwnd - pipe allows. */
void tcp_recovery_send(struct tcb *tcb);
/* The sequence number congestion control lets new data reach (exclusive). */
uint32_t tcp_cc_send_edge(const struct tcb *tcb);
/* A congestion response outside the duplicate-ACK path (RACK fast recovery,
 * a lost retransmission, a loss repaired by a tail loss probe): the
 * algorithm's multiplicative decrease for `flight`, then cwnd = ssthresh
 * as RFC 6675 5 (4.2); cwnd never grows from it. Once per congestion
 * episode (RFC 5681 3.2, RFC 6675 5): while one is open it is skipped
 * (counted in CwndReductionsSkipped) and false returned. */
bool tcp_cc_reduce(struct tcb *tcb, uint32_t flight);
/* RACK fast recovery starts: the algorithm's multiplicative decrease
 * (once per episode), then PRR takes cwnd down to ssthresh (tcp_prr.c). */
void tcp_cc_enter_recovery(struct tcb *tcb);
/* Counts a multiplicative decrease and the congestion episode it belongs
 * to (a new one when `new_episode`, e.g. an RTO, or when none is open). */
void tcp_cc_count_reduction(struct tcb *tcb, bool new_episode);
/* A congestion episode is open: SND.UNA has not passed its SND.MAX yet. */
bool tcp_cc_episode_open(const struct tcb *tcb);
/* The retransmission timer expired on an established connection: a new
 * congestion episode, whatever was open (RFC 5681 3.1). */
void tcp_recovery_on_rto(struct tcb *tcb);

/* ---- tcp_prr.c: Proportional Rate Reduction (RFC 6937, RFC 9937) ------ */
/* Fast recovery began and ssthresh is set: RecoverFS = pipe, and cwnd =
 * pipe until the next ACK (the fast retransmission goes whatever cwnd
 * says). */
void tcp_prr_start(struct tcb *tcb);
/* An ACK in recovery delivered `delivered` bytes (cumulatively or
 * selectively); `safe`: it advanced SND.UNA and showed no new loss. Sets
 * cwnd = pipe + sndcnt. */
void tcp_prr_ack(struct tcb *tcb, uint32_t delivered, bool safe);
/* `len` bytes of sequence space were sent (new or retransmitted). */
void tcp_prr_sent(struct tcb *tcb, uint32_t len);
/* Recovery is over: cwnd = ssthresh (RFC 6937 3). */
void tcp_prr_end(struct tcb *tcb);

/* ---- tcp_sack.c ------------------------------------------------------ */
/* Records the SACK blocks of an acceptable ACK in the scoreboard. */
void tcp_sack_update(struct tcb *tcb, const struct tcp_opts *o);
/* The ACK advanced SND.UNA by n bytes. */
void tcp_sack_advance(struct tcb *tcb, uint32_t n);
/* Retransmits the next hole below SACKed data, if any. Returns true if
 * a segment went out. */
bool tcp_sack_retransmit_hole(struct tcb *tcb);
/* Going back after an RTO: moves SND.NXT past data the peer SACKed. */
void tcp_sack_skip_held(struct tcb *tcb);
/* RFC 2883 4: the first SACK block of this ACK is a D-SACK (it lies below
 * the cumulative ACK, or inside the second block). */
bool tcp_sack_is_dsack(const struct tcp_opts *o, uint32_t ack);
/* After an ACK: SACKed data at SND.UNA that the cumulative ACK did not
 * cover means the receiver reneged (RFC 2018 8); remembered for the RTO. */
void tcp_sack_check_reneging(struct tcb *tcb);
/* An RTO: the scoreboard stays valid across it (RFC 6675 5.1) unless the
 * receiver reneged, and then it is discarded. */
void tcp_sack_on_rto(struct tcb *tcb);
/* Fills up to `max` SACK blocks: a pending D-SACK (RFC 2883 4; it is
 * sent once, followed by the out-of-order range holding it), then the
 * block holding the most recently received segment, then the blocks most
 * recently reported, then any other (RFC 2018 4). A FIN held out of order
 * is covered by a block too, as in Linux. Returns the count. */
unsigned tcp_sack_blocks(struct tcb *tcb, struct tcp_sack_block *b, unsigned max);
/* RFC 2883: [left, right) arrived a second time; the next ACK reports it
 * (when SACK was agreed and cfg.tcp_dsack is on). */
void tcp_dsack_note(struct tcb *tcb, uint32_t left, uint32_t right);
/* New data [off, off + len) (offsets from RCV.NXT) overlaps out-of-order
 * data already held: the first overlap is reported as a D-SACK. */
void tcp_dsack_note_ooo(struct tcb *tcb, uint32_t off, uint32_t len);
/* A segment starting at `seq` was just held out of order (data, or a FIN
 * at its sequence number): its block goes first in the next ACK. */
void tcp_sack_note_ooo(struct tcb *tcb, uint32_t seq);
/* ---- tcp_sendmap.c: per-segment transmit records (tcp_rack.h) --------- */
void sendmap_free(struct sendmap *m);
/* At most `records` records (clamped to [SENDMAP_MIN, SENDMAP_MAX]). */
void sendmap_set_limit(struct sendmap *m, uint64_t records);
/* [seq, seq + len) went at `now`: new data is appended, a retransmission
 * updates (and splits) the records it covers. */
void sendmap_sent(struct sendmap *m, uint32_t seq, uint32_t len, ust_time_t now);
/* Everything below `ack` is acknowledged: those records go. */
void sendmap_ack(struct sendmap *m, uint32_t ack);
/* Makes `seq` a record boundary; false when the map is full. */
bool sendmap_split(struct sendmap *m, uint32_t seq);
/* The index of the first record ending after seq (m->n: none); a binary
 * search, the map being sorted and contiguous. */
unsigned sendmap_index(const struct sendmap *m, uint32_t seq);
/* Bytes neither SACKed nor marked lost: RFC 6675 pipe with RACK's marks. */
uint32_t sendmap_pipe(const struct sendmap *m);
/* Sets a record's RS_* flags (every change of RS_SACKED or RS_LOST goes
 * through here: it keeps m->pipe). */
void sendmap_set_flags(struct sendmap *m, struct rack_seg *g, uint8_t flags);
/* Records with any of `flag` set. */
unsigned sendmap_count(const struct sendmap *m, uint8_t flag);
/* The lowest record marked lost and not SACKed, or NULL. */
struct rack_seg *sendmap_first_lost(struct sendmap *m);
void sendmap_clear_flag(struct sendmap *m, uint8_t flag);

/* ---- tcp_rack.c: RACK loss detection (RFC 8985 6) --------------------- */
static inline bool tcp_rack_on(const struct tcb *t) { return t->rec.rack_on; }
/* In RACK's fast or RTO recovery. */
static inline bool tcp_rack_recovery(const struct tcb *t)
{
    return t->rec.rack_on && (t->rec.fast_recovery || t->rec.rto_recovery);
}
/* Connection established: RACK-TLP on when configured and SACK agreed. */
void tcp_rack_start(struct tcb *tcb);
void tcp_rack_free(struct tcb *tcb);
/* Output sent [seq, seq + len) of sequence space (data and FIN). */
void tcp_rack_sent(struct tcb *tcb, uint32_t seq, uint32_t len, bool new_data);
/* An acceptable ACK, before SND.UNA moves: what it delivered (RFC 8985
 * 6.2 steps 1-4). */
void tcp_rack_ack(struct tcb *tcb, const struct tcp_hdr *h);
/* SND.UNA advanced by `acked`: congestion control and recovery exit. */
void tcp_rack_new_ack(struct tcb *tcb, uint32_t acked);
/* After the ACK: the probe episode, loss detection (step 5), recovery. */
void tcp_rack_ack_done(struct tcb *tcb, const struct tcp_hdr *h, bool advanced, bool dupack);
/* The retransmission timer expired (RFC 8985 6.3). */
void tcp_rack_rto(struct tcb *tcb);
/* Output: lost segments go first while cwnd - pipe allows (RFC 6675 5 (C)). */
void tcp_rack_send_lost(struct tcb *tcb);
/* RFC 6675 pipe with RACK's loss marks. */
uint32_t tcp_rack_pipe(const struct tcb *tcb);
void tcp_rack_reo_timeout(struct ust_stack *st, struct ust_timer *tm, ust_time_t now);

/* ---- tcp_tlp.c: tail loss probes (RFC 8985 7) ------------------------- */
/* End of output: (re)starts or stops the PTO as RFC 8985 7.2 says. */
void tcp_tlp_schedule(struct tcb *tcb);
void tcp_tlp_timeout(struct ust_stack *st, struct ust_timer *tm, ust_time_t now);
/* The RTO fires while the probe, capped at the RTO's time, is also due:
 * the probe goes in its place (RFC 8985 7.2). Returns true if it did. */
bool tcp_tlp_instead_of_rto(struct tcb *tcb);
/* RFC 8985 7.4.2 TLP_process_ack. */
void tcp_tlp_ack(struct tcb *tcb, const struct tcp_hdr *h, bool dupack);
/* Fast or RTO recovery starts: no probe episode any more (7.1). */
void tcp_tlp_reset(struct tcb *tcb);

/* ---- tcp_ack.c (the ACK step itself: tcp_seg.h) ---------------------- */
/* SND.WND = wnd (bytes, scaled); MAX.SND.WND follows, persist backoff ends. */
void tcp_set_snd_wnd(struct tcb *tcb, uint32_t wnd);

/* ---- tcp_ack_batch.c: ACKs of in-order data, stretch ACKs ------------- */
/* In-order data arrived: ACK now, delay it, or owe it at the batch end. */
void tcp_ack_in_order_data(struct tcb *tcb, bool filled_hole);
/* Drops t from the deferred-ACK list (before it is freed). */
void tcp_ack_list_remove(struct tcb *t);
/* Quick-ACK mode (re)starts: the next in-order segments are ACKed one by one. */
void tcp_quickack_enter(struct tcb *tcb);
/* Text arrived: after more than an RTO without any, quick-ACK mode again
 * (cfg.tcp_quickack_idle; Linux tcp_event_data_recv). */
void tcp_quickack_data_in(struct tcb *tcb);
/* The octets of a full-sized segment from the peer (RFC 5681's "full-sized"). */
uint32_t tcp_rcv_full_seg(const struct tcb *tcb);
/* The application read: an ACK still owed goes soon when it matters. */
void tcp_ack_after_read(struct tcb *tcb);
/* Out-of-order data arrived: a duplicate ACK now, or at the batch end. */
void tcp_ack_out_of_order(struct tcb *tcb, uint32_t seq, uint32_t len);

/* ---- tcp_timer.c ----------------------------------------------------- */
void tcp_timers_init(struct tcb *tcb);
void tcp_timers_cancel(struct tcb *tcb);
/* (Re)starts the retransmission timer at the current RTO. */
void tcp_rexmt_restart(struct tcb *tcb);
/* Arms the retransmit or persist timer as the send state needs. */
void tcp_timer_update(struct tcb *tcb);
void tcp_delack_schedule(struct tcb *tcb);
void tcp_keepalive_reset(struct tcb *tcb);
void tcp_timewait_start(struct tcb *tcb);
void tcp_fin_wait_2_timeout(struct tcb *tcb);

/* ---- tcp_ratelimit.c: replies an attacker can provoke (RFC 5961 10) ---- */
/* The ACK answering an unacceptable segment (SEG.LEN seqlen, flags):
 * sent unless the connection answered one within tcp_invalid_ratelimit
 * (then *skipped counts it). Segments with data and no SYN always are. */
void tcp_oow_ack(struct tcb *tcb, uint32_t seqlen, uint8_t flags, uint64_t *skipped);
/* RFC 5961 7 challenge ACK, within the per-connection and the
 * randomized stack-wide limits. */
void tcp_challenge_ack(struct tcb *tcb);
/* May a RST answer a segment for no connection (token bucket)? Counts
 * RstRateLimited when not. */
bool tcp_rst_allowed(struct ust_stack *st);

/* ---- tcp_orphan.c: closed by the application, still finishing --------- */
/* The socket is being closed: the connection will finish alone, counted,
 * unless tcp_max_orphans are already doing so; then it is reset at once
 * and false returned. */
bool tcp_orphan_begin(struct tcb *tcb);
/* The connection leaves the orphan count (TIME-WAIT, CLOSED, freed). */
void tcp_orphan_end(struct tcb *tcb);

/* ---- tcp_hold.c: stack-wide bounds on TIME-WAIT and out-of-order data -- */
/* The TIME-WAIT count, kept by tcp_set_state / tcb_free. */
void tcp_tw_enter(struct tcb *tcb);
void tcp_tw_leave(struct tcb *tcb);
/* More than cfg.tcp_max_tw_buckets in TIME-WAIT (this one included):
 * counted (TimeWaitOverflow); the caller ends this one's TIME-WAIT. */
bool tcp_tw_overflow(struct tcb *tcb);
/* May len more out-of-order bytes be stored (cfg.tcp_ofo_mem_max)? */
bool tcp_ofo_room(const struct tcb *tcb, uint32_t len);
/* Brings the stack-wide out-of-order count up to date after tcb->rcv.ooo
 * changed (every writer of the assembler calls it). */
void tcp_ofo_account(struct tcb *tcb);

/* ---- tcp_sockopt.c --------------------------------------------------- */
int tcp_setsockopt(struct ust_sock *s, int level, int name, const void *val, size_t len);
int tcp_getsockopt(struct ust_sock *s, int level, int name, void *val, size_t *len);
void tcp_fill_info(const struct tcb *tcb, struct ust_tcp_info *info);

/* Tells the socket layer that readiness may have changed. */
void tcp_notify(struct tcb *tcb);

#define TCB_TRACE(tcb, ...) TRACE((tcb)->st, "tcp", __VA_ARGS__)
/* tcp_trace.c: one segment's trace line, source -> destination whatever
 * the direction, tcpdump's flags and (on SYNs) options; `hdr` is the TCP
 * header as on the wire; `why` ("" none) is appended. */
void tcp_trace_seg(struct ust_stack *st, const char *dir, const struct ust_addr *src,
                   const struct ust_addr *dst,
                   const uint8_t *hdr, uint32_t len, const char *why);
/* The "cc" category's line after an ACK: cwnd, ssthresh, srtt, rto, the
 * peer's window and what is in flight. */
void tcp_trace_cc(const struct tcb *tcb, uint32_t ack);
/* The TCB a timer embedded in it belongs to. */
#define TCB_OF(tm, field) ((struct tcb *)((char *)(tm) - offsetof(struct tcb, field)))

/* ---- tcp_urg.c: urgent data (RFC 9293 3.8.5) --------------------------- */
/* Received urgent pointer state (Linux urg_data): */
enum {
    TCP_URG_NONE = 0, /* no mark ahead of the reader */
    TCP_URG_NOTYET,   /* the pointer arrived, the mark's octet not yet */
    TCP_URG_VALID,    /* the octet is here (urg.byte), not fetched */
    TCP_URG_READ,     /* recv(MSG_OOB) fetched it */
};
/* send(MSG_OOB): SND.UP = the octet after the data queued so far. */
void tcp_urg_mark(struct tcb *tcb);
/* URG and the urgent pointer on a segment while SEG.SEQ < SND.UP. */
void tcp_urg_apply(struct tcb *tcb, struct tcp_hdr *h);
/* Sixth step of segment arrival: a new or advanced pointer sets the mark. */
void tcp_urg_input(struct tcb *tcb, uint32_t seq, uint16_t urp);
/* After the segment text: keeps the mark's octet once it arrived in order. */
void tcp_urg_capture(struct tcb *tcb);
/* What an ordinary read may take from the read position: it stops at the
 * mark; *skip = 1 when it must first step over the out-of-band octet. */
size_t tcp_urg_readable(const struct tcb *tcb, size_t *skip);
/* After a read moved rd_seq: forgets a mark the reader passed. */
void tcp_urg_consumed(struct tcb *tcb);
/* recv(MSG_OOB): the out-of-band octet (1), 0, or a negative ust_err. */
ssize_t tcp_urg_recv_oob(struct tcb *tcb, void *buf, size_t len, int flags);
/* sockatmark(3): 1 when the next octet to read is the mark. */
int tcp_urg_at_mark(const struct tcb *tcb);
/* Octets up to the urgent pointer not read yet (UST_TCP_INFO, MUST-33). */
uint32_t tcp_urg_pending(const struct tcb *tcb);
/* POLLPRI from the pointer's arrival until the octet is fetched (MUST-32). */
short tcp_urg_poll(const struct tcb *tcb);

/* ---- tcp_wnd_field.c: scaled window field (RFC 7323 2.3, RFC 9293 SHLD-14) */
/* The window field for `wnd` octets: rounded down to the scale unit,
 * but never offering less than the right edge already offered. */
uint16_t tcp_wnd_field(const struct tcb *tcb, uint32_t wnd);

/* ---- tcp_ecn.c: Explicit Congestion Notification (RFC 3168) ------------ */
#define TCP_ECN_NOT_ECT 0x0 /* the ECN field, the low two bits of the TOS octet */
#define TCP_ECN_ECT0 0x2
#define TCP_ECN_CE 0x3
#define TCP_ECN_MASK 0x3
/* Active open: decide whether our SYN asks for ECN (mode 1). */
void tcp_ecn_connect(struct tcb *tcb);
/* ECE/CWR for our SYN or SYN,ACK; a retransmitted SYN falls back to a
 * plain one (RFC 3168 6.1.1.1), and ECN is then off. */
uint8_t tcp_ecn_syn_flags(struct tcb *tcb, bool retransmission);
/* The peer's SYN (passive open, simultaneous open) or SYN,ACK (active
 * open, `synack`): is ECN agreed? */
void tcp_ecn_syn_in(struct tcb *tcb, uint8_t flags, bool synack);
/* The connection reached ESTABLISHED (counts a negotiated ECN). */
void tcp_ecn_established(struct tcb *tcb);
/* Receiver side of an acceptable segment with `len` payload bytes and the
 * IP TOS octet `tos`: CWR ends the echo, CE starts it. Returns true when
 * an ACK should go at once (the first CE). */
bool tcp_ecn_rx(struct tcb *tcb, uint8_t tos, uint8_t flags, uint32_t len);
/* Sender side of an acceptable ACK, after SND.UNA moved: an ECE reduces
 * cwnd at most once per window of data (RFC 3168 6.1.2). */
/* `flight` is what was outstanding before the ACK. */
void tcp_ecn_ack(struct tcb *tcb, uint8_t flags, uint32_t flight);
/* An outgoing segment (not SYN): ECE/CWR flags added to *flags, and the
 * TOS octet to send, whose ECN bits say ECT(0) only on new data. */
uint8_t tcp_ecn_tx(struct tcb *tcb, uint8_t *flags, uint32_t seq, uint32_t len);
/* True while the window of an ECN reduction is not yet acknowledged: a
 * loss found in it does not reduce cwnd a second time (RFC 3168 6.1.2). */
bool tcp_ecn_window_reduced(const struct tcb *tcb);

/* ---- tcp_ipopt.c: IP options (RFC 9293 3.9.2.1) ------------------------ */
struct ipv4_hdr;
int tcp_ipopt_set(struct tcb *tcb, const void *val, size_t len);
int tcp_ipopt_get(const struct tcb *tcb, void *val, size_t *len);
/* A listener's child: the listener's options, else the reversed source
 * route of the SYN. */
void tcp_ipopt_inherit(struct tcb *child, const struct tcb *l, const struct ipv4_hdr *ip);
/* The same options for an answer to the SYN without a child (a SYN
 * cookie): their length, written to out (40 bytes). */
uint8_t tcp_ipopt_for_syn(const struct tcb *l, const struct ipv4_hdr *ip, uint8_t out[40]);

/* ---- tcp_delivery_advice.c: R1 threshold, delivery advice (RFC 9293 3.8.3) */
void tcp_advice_r1(struct tcb *tcb);
void tcp_advice_ack(struct tcb *tcb);
void tcp_advice_established(struct tcb *tcb);
/* The pending soft error (R1, ICMP), cleared by reading; 0 if none. */
int tcp_take_soft_error(struct tcb *tcb);
/* An ICMP soft error arrived (RFC 9293 3.9.2.2, SHLD-25). */
void tcp_soft_error(struct tcb *tcb, int err);
/* With IP_RECVERR, a pending soft error of a synchronized connection:
 * POLLERR from poll, and recv/send return (and clear) it once; else 0. */
short tcp_soft_poll(const struct tcb *tcb);
int tcp_soft_error_due(struct tcb *tcb);

/* ---- tcp_rtt_meas.c: RTT samples (RFC 6298 3, RFC 7323 4) ------------ */
/* (tcp_rtt_ack, for an ACK, is in tcp_seg.h.) One sample: `rtt` for SRTT/RTO, `min_rtt` (the newest segment's) for the
 * windowed minimum. */
void tcp_rtt_take(struct tcb *tcb, ust_time_t rtt, ust_time_t min_rtt);

/* ---- tcp_undo.c: undo of spurious reductions (RFC 3708, 3522, 4015, 5682) */
/* A recovery episode reduces cwnd (tcp_cc_reduce): keep what it was. */
void tcp_undo_recovery_start(struct tcb *tcb);
/* The retransmission timer expired, before congestion control reacts;
 * `handshake` RTOs are not undone. */
void tcp_undo_rto_start(struct tcb *tcb);
/* (tcp_undo_ack / tcp_undo_ack_done are in tcp_seg.h.)
 * Output retransmitted [seq, seq + len). */
void tcp_undo_retransmitted(struct tcb *tcb, uint32_t seq, uint32_t len);
/* F-RTO sent new data (step 2b) and waits for the next ACK: no
 * retransmission goes meanwhile. */
static inline bool tcp_undo_frto_hold(const struct tcb *t) { return t->undo.frto == 3; }
/* F-RTO's new data could not go after all: back to the usual recovery
 * (RFC 5682 2.1 step 2b). */
void tcp_undo_frto_fallback(struct tcb *t);

/* Gives the congestion-control algorithm the time, RTT, sequence space
 * and settings before a call (cc.h). */
static inline void cc_sync(struct tcb *t, ust_time_t now)
{
    const struct ust_config *cfg = ust_stack_config(t->st);
    t->cc.now = now;
    t->cc.srtt = t->rtt.srtt;
    ust_time_t min = tcp_minrtt_get(&t->min_rtt);
    t->cc.min_rtt = min == UST_TIME_NEVER ? 0 : min;
    t->cc.snd_una = t->snd.una;
    t->cc.snd_max = t->snd.max;
    t->cc.flight = t->snd.max - t->snd.una;
    t->cc.rtt_latest = t->rtt.latest;
    t->cc.rtt_samples = t->rtt.samples;
    t->cc.abc_segs = cfg->tcp_abc_limit;
    t->cc.hystart_on = cfg->tcp_hystart;
    t->cc.bbr_loss_thresh = t->cc_ops && t->cc_ops->loss_agnostic ? CC_BBR_LOSS_AGNOSTIC
                                                                  : cfg->tcp_bbr_loss_thresh;
}

static inline bool tcp_state_synchronized(enum ust_tcp_state s)
{
    return s >= UST_TCP_ESTABLISHED;
}

#endif
