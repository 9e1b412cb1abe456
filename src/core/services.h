/* What the core services (timers, trace, counters, the clock) need of the
 * stack they serve, without seeing struct ust_stack (core/stack_impl.h, the
 * assembly above every layer).
 *
 * The state the services own, struct ust_services, is the first member of
 * struct ust_stack (C11 6.7.2.1p15: a pointer to a struct, converted,
 * points to its first member), so reaching it costs no call: TRACE's
 * disabled case stays one load and a test. Everything else is a function of
 * core/stack.c, called at most a few times per frame, never per byte. */
#ifndef UST_SERVICES_H
#define UST_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/timer.h"
#include "ustack/stack.h"
#include "ustack/stats.h"
#include "ustack/types.h"

/* The stack's reasons for the frame being handled or sent (trace.h), for
 * packet comments in a pcapng capture: kept only while a capture wants
 * them and tracing is on. */
#define TRACE_NOTE_LEN 200
struct trace_notes {
    unsigned wanted;       /* captures that write comments (dev_pcap.c) */
    unsigned rx_depth;     /* > 0: a received frame is being handled */
    uint16_t rx_len, tx_len;
    char rx[TRACE_NOTE_LEN]; /* about the received frame being handled */
    char tx[TRACE_NOTE_LEN]; /* about the frame being sent */
};

/* What the driver vouches for in the received frame being handled (TAP's
 * virtio_net_hdr, issue #12): set by dev_input_offload for one frame's
 * input, all zero otherwise, so a frame without it is checked as ever. */
struct rx_offload {
    bool csum_valid;   /* the L4 checksum was verified, or the data is the
                          local kernel's (its field may hold only the
                          pseudo-header sum): do not verify it */
    uint16_t gso_size; /* a coalesced frame of segments of this payload
                          size (the sender's MSS); 0: one segment */
    uint16_t segs;     /* wire segments the frame stands for (1 or more) */
};

struct ust_services {
    struct timer_heap timers; /* timer.c */
    struct timer_heap bg_timers; /* background housekeeping (timer.h) */
    ust_trace_fn trace_fn;    /* trace.h: NULL while tracing is off */
    void *trace_ctx;
    uint32_t trace_hidden;    /* UST_TRACE_* categories not shown (0: all shown) */
    struct trace_notes notes;
    struct rx_offload rx_off; /* the received frame being handled */
};

static inline struct ust_services *stack_services(struct ust_stack *st)
{
    return (struct ust_services *)(void *)st;
}
static inline const struct ust_services *stack_services_const(const struct ust_stack *st)
{
    return (const struct ust_services *)(const void *)st;
}

/* The driver's word on the received frame being handled (zero: none). */
static inline const struct rx_offload *stack_rx_offload(const struct ust_stack *st)
{
    return &stack_services_const(st)->rx_off;
}
/* Wire segments the received frame being handled stands for (1 unless a
 * driver coalesced several: Linux tcp_skb_pcount of a GRO packet). */
static inline unsigned stack_rx_segs(const struct ust_stack *st)
{
    unsigned n = stack_rx_offload(st)->segs;
    return n ? n : 1;
}

/* The last time seen at an entry point. */
ust_time_t stack_now(const struct ust_stack *st);
/* The injected clock read again (ust_stack_set_clock), for work that
 * spans real time inside one turn of the loop (a paced burst); without a
 * clock, and on the simulator's virtual one, the same as stack_now(). */
ust_time_t stack_now_fresh(struct ust_stack *st);
/* Updates it from an entry point (time never runs backwards). */
void stack_set_now(struct ust_stack *st, ust_time_t now);
/* ust_stack_poll_at without the background timers (timer.h): when the
 * stack next has work of its own; UST_TIME_NEVER: idle. The simulator's. */
ust_time_t stack_busy_at(const struct ust_stack *st);
/* The stack's counters, to count in (ust_stack_stats is the read-only view). */
struct ust_stats *stack_stats(struct ust_stack *st);

#endif
