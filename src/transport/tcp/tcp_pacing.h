/* Pacing (tcp_pacing.c): segments leave no faster than the congestion
 * control's cc.pacing_rate, in bursts of a send quantum, the gaps timed
 * by a per-connection timer on the stack's timer heap. */
#ifndef UST_TCP_PACING_H
#define UST_TCP_PACING_H

#include <stdbool.h>
#include <stdint.h>

#include "ustack/types.h"

struct tcp_pacing {
    ust_time_t next;      /* when the bytes sent so far would have left at
                             the pacing rate: a new burst may start then */
    uint32_t burst_left;  /* bytes the current burst may still send */
    ust_time_t late;      /* how late the pacing timer ran (at most
                             PACING_CATCHUP): that much is caught up */
};

struct tcb;
struct ust_stack;
struct ust_timer;

/* May a data segment go now? When not, the pacing timer is armed for
 * the moment it may (and the wait counted). Always true when unpaced. */
bool tcp_pacing_may_send(struct tcb *t);
/* A data segment of len bytes went (new data or a retransmission). */
void tcp_pacing_sent(struct tcb *t, uint32_t len);
/* The burst size at `rate` bytes/s: about 1 ms of it, at least two
 * segments, at most 64 KiB (as Linux's send quantum). */
uint32_t tcp_pacing_quantum(uint64_t rate, uint32_t mss);
void tcp_pacing_timeout(struct ust_stack *st, struct ust_timer *tm, ust_time_t now);

#endif
