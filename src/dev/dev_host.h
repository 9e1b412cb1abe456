/* The host interface: what a driver or a device layer may ask of the stack
 * that owns its device. Drivers see frames, a counter API (stack_stats,
 * DEV_COUNT), a trace API (core/trace.h), the timers (core/timer.h) and
 * this, never struct ust_stack: core/stack.c (the assembly) implements it.
 * Each call is a plain function call, a few per frame at most: no
 * allocation, no lookup. */
#ifndef UST_DEV_HOST_H
#define UST_DEV_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/defer.h" /* stack_rx_batch_begin/end: a driver's poll_rx is one batch */
#include "core/services.h"
#include "ustack/types.h"

struct pkt_pool;
struct ust_dev;
struct ust_rng;

/* Registers a device in the stack (called by the drivers). */
int stack_add_dev(struct ust_stack *st, struct ust_dev *dev);
/* Hands a received frame to the layer above (link_input, registered by
 * ust_stack_new: the device layer does not name it). */
int stack_frame_input(struct ust_stack *st, struct ust_dev *dev, ust_time_t now,
                      const uint8_t *frame, size_t len);
/* Spare frame-sized packets: where a driver returns a packet it sent. */
struct pkt_pool *stack_pkt_pool(struct ust_stack *st);
/* The stack's PRNG (seeded from cfg.seed): MAC addresses, injector seeds. */
struct ust_rng *stack_rng(struct ust_stack *st);

/* Bursts of output: frames held by queueing drivers go out when the
 * outermost hold is released, and before any wait (stack_tx_flush). */
void stack_tx_hold(struct ust_stack *st);
void stack_tx_release(struct ust_stack *st);
void stack_tx_flush(struct ust_stack *st);
/* Inside a burst (a driver with a queue holds what it is given)? */
bool stack_tx_held(const struct ust_stack *st);

#endif
