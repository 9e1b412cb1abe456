/* TCP state harness: one stack (203.0.113.1) talking to a scripted peer
 * (203.0.113.2). The test plays the peer with seg_in(), checks every
 * segment the stack emits with seg_expect() / seg_expect_nothing(), and
 * moves virtual time explicitly with th_advance(). Sockets are driven
 * through tcp_sock_ops directly, so the harness tests exactly the TCP
 * code and its socket contract. */
#ifndef TCP_HARNESS_H
#define TCP_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "socket/sock.h"
#include "ustack/ustack.h"
#include "wire/tcp.h"

#define TH_LOCAL UST_IP4(203, 0, 113, 1)
#define TH_PEER UST_IP4(203, 0, 113, 2)
#define TH_LPORT 40000
#define TH_RPORT 80
#define PEER_ISS 1000u     /* the peer's initial sequence number */
#define TH_RTT (100 * UST_MSEC) /* handshake round trip of th_open_active */

/* flags shorthands */
#define S TCP_SYN
#define A TCP_ACK
#define F TCP_FIN
#define R TCP_RST
#define P TCP_PSH
#define U TCP_URG
#define E TCP_ECE
#define W TCP_CWR

struct th_seg {
    ust_ip4_t src, dst;
    uint16_t sport, dport;
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t wnd, urp;
    uint8_t tos, ttl;  /* of the IPv4 header (0 with TH_DIRECT) */
    struct tcp_opts opts;
    uint8_t data[2048];
    size_t len;
};

struct th {
    struct ust_stack *st;
    struct ust_dev *dev;
    ust_time_t now;
    struct th_seg *q;  /* every captured segment; q[qhead..qn) not yet checked */
    unsigned qhead, qn, qcap;
    uint32_t iss;      /* the stack's ISS, learned from its SYN or SYN,ACK */
    uint16_t lport, rport; /* stack-side and peer-side port of seg_in */
    bool direct;       /* TH_DIRECT: bypass IP (tcp_input / tx hook) */
    bool allow_unchecked; /* th_free does not insist that every segment was checked */
    uint8_t in_tos;    /* TOS octet of the datagrams seg_in sends (ECN field: CE = 3) */
    struct ust_sock *socks[32];
    unsigned nsocks;
    void (*batch_fn)(struct th *h, void *ctx); /* th_batch */
    void *batch_ctx;
};

struct th *th_new(const struct ust_config *cfg);
/* Frees everything; fails if a segment the stack sent was not checked
 * (unless h->allow_unchecked). */
void th_free(struct th *h);
/* Moves the clock forward by dt and runs the timers that expired. */
void th_advance(struct th *h, ust_time_t dt);

/* A fresh TCP socket (closed with th_free unless th_close'd before). */
struct ust_sock *th_socket(struct th *h);
void th_close(struct th *h, struct ust_sock *s);
int th_state(struct ust_sock *s);
struct ust_tcp_info th_info(struct ust_sock *s);
int th_setopt_int(struct ust_sock *s, int level, int name, int v);

/* The peer sends a segment to the stack (from TH_PEER:h->rport to
 * TH_LOCAL:h->lport). */
void seg_in(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
            const void *data, size_t len);
void seg_in_opts(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
                 const struct tcp_opts *opts, uint16_t urp, const void *data, size_t len);
/* Wraps raw TCP bytes (checksum as given) in IPv4 from src to dst and
 * hands the datagram to the stack. */
void seg_in_raw(struct th *h, ust_ip4_t src, ust_ip4_t dst, const uint8_t *tcp, size_t len);
/* An ICMP error from the peer about a segment of ours (sequence number
 * `seq`): type/code, and the next-hop MTU for fragmentation needed. */
void icmp_in(struct th *h, uint8_t type, uint8_t code, uint16_t mtu, uint32_t seq);
/* The same with the quoted datagram's total length (1500 above). */
void icmp_in_len(struct th *h, uint8_t type, uint8_t code, uint16_t mtu, uint32_t seq,
                 uint16_t quoted_len);
/* The next segment the stack sent must have exactly these flags, seq and
 * ack (ack is not compared when the ACK flag is off). Returns it. */
const struct th_seg *seg_expect(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack);
/* Nothing (more) was sent. */
void seg_expect_nothing(struct th *h);
unsigned th_pending(const struct th *h);
/* Runs fn, whose seg_in calls arrive as one receive batch (the frames a
 * driver reads in one ust_dev_poll_rx); the batch ends when fn returns. */
void th_batch(struct th *h, void (*fn)(struct th *h, void *ctx), void *ctx);

/* A listener bound to addr:TH_RPORT with this backlog (bind and listen
 * must succeed). Does not change h->lport / h->rport. */
struct ust_sock *th_listen(struct th *h, ust_ip4_t addr, int backlog);

/* The peer's SYN (seq PEER_ISS, window wnd, no options) reaches a
 * listener; expects the SYN,ACK <SEQ=ISS><ACK=PEER_ISS+1> (h->iss learned)
 * and returns it. */
const struct th_seg *th_syn_in(struct th *h, uint16_t wnd);

/* Binds s (already configured by the caller) to TH_LOCAL:TH_LPORT and
 * connects it to TH_PEER:TH_RPORT; expects the SYN (h->iss learned) and
 * returns it. Does not change h->lport / h->rport. */
const struct th_seg *th_connect_sock(struct th *h, struct ust_sock *s);
/* Active open from TH_LOCAL:TH_LPORT to TH_PEER:TH_RPORT; expects the SYN
 * (h->iss learned). */
struct ust_sock *th_connect(struct th *h);
/* Full active handshake: the peer answers after TH_RTT with SYN,ACK
 * (MSS 1460, no window scale, window `peer_wnd`). */
struct ust_sock *th_open_active(struct th *h, uint16_t peer_wnd);
/* Full active handshake with SACK (RFC 2018): our SYN offers it (checked
 * when cfg.tcp_sack is on); the peer answers after TH_RTT with SYN,ACK
 * (MSS 1460, window 65535) permitting it if peer_sack. */
struct ust_sock *th_open_sack(struct th *h, bool peer_sack);
/* The ACK `a` carries exactly n SACK blocks: left/right pairs in lr. */
void th_expect_sack_blocks(const struct th_seg *a, const uint32_t *lr, unsigned n);
/* Listener on TH_LOCAL:TH_RPORT... the peer connects from TH_PEER:40000;
 * returns the accepted socket (and *listener if not NULL). */
struct ust_sock *th_open_passive(struct th *h, struct ust_sock **listener);
/* shutdown(SHUT_WR) on a connection that sent nothing yet: our FIN
 * <SEQ=ISS+1>, the peer's ACK of it, FIN-WAIT-2 (all asserted). */
void th_half_close_acked(struct th *h, struct ust_sock *s);
/* Listener l (on TH_RPORT, h->lport set to it) accepts a connection from
 * TH_PEER port `rport` (h->rport set to it); returns the accepted socket
 * and its ISS. */
struct ust_sock *th_accept_from(struct th *h, struct ust_sock *l, uint16_t rport,
                                uint32_t *iss);

#endif
