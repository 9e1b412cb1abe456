/* The received segment as tcp_input.c's steps see it, shared with the
 * ACK step (tcp_ack.c). Internal to src/transport/tcp. */
#ifndef USTACK_TCP_SEG_H
#define USTACK_TCP_SEG_H

#include "tcp.h"

/* A received segment, trimmed to the receive window as the steps go. */
struct seg {
    const struct tcp_hdr *h;
    uint32_t seq, ack;
    uint8_t flags;
    uint32_t wnd;            /* raw header field */
    const uint8_t *data;
    uint32_t len;            /* payload bytes */
    bool tw_reopen;          /* a SYN that ended a TIME-WAIT incarnation ... */
    uint32_t tw_snd_max;     /* ... whose SND.MAX this was */
};

/* SEG.LEN: payload plus SYN and FIN */
static inline uint32_t seg_seqlen(const struct seg *s)
{
    return s->len + ((s->flags & TCP_SYN) ? 1 : 0) + ((s->flags & TCP_FIN) ? 1 : 0);
}

/* ---- tcp_ack.c: the fifth step, the ACK field (RFC 9293 3.10.7.4) ----- */
/* An acceptable ACK (flag set, SYN-RECEIVED done): SND.UNA, congestion
 * control and loss recovery, the send window, the ACK of our FIN.
 * Returns false to stop processing the segment. */
bool tcp_ack_input(struct tcb *tcb, const struct seg *s);

/* ---- tcp_rtt_meas.c / tcp_undo.c: what an ACK tells about time -------- */
/* An acceptable ACK, before SND.UNA moves and before RACK forgets what
 * it acknowledged: takes the RTT sample it allows, if any. */
void tcp_rtt_ack(struct tcb *tcb, const struct seg *s);
/* An acceptable ACK, before RACK and SND.UNA move: D-SACKs, Eifel. */
void tcp_undo_ack(struct tcb *tcb, const struct seg *s);
/* After the ACK was processed: the F-RTO steps, the undo. */
void tcp_undo_ack_done(struct tcb *tcb, const struct seg *s, bool advanced);

#endif
