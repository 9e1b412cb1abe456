/* Work deferred to the end of a receive batch (the frames one
 * ust_dev_poll_rx reads together). A protocol registers a hook at stack
 * creation; the stack runs the hooks when the outermost batch ends and at
 * every ust_stack_poll, and asks them whether work is waiting
 * (ust_stack_poll_at). TCP's batched ACKs are one such hook: neither the
 * device layer nor the stack object names TCP. */
#ifndef UST_DEFER_H
#define UST_DEFER_H

#include <stdbool.h>

struct ust_stack;

#define STACK_MAX_DEFER 8

struct stack_defer {
    void (*run)(struct ust_stack *st);             /* does the deferred work */
    bool (*pending)(const struct ust_stack *st);   /* is there any waiting? */
};

struct stack_defer_list {
    unsigned count;
    struct stack_defer v[STACK_MAX_DEFER];
};

/* UST_ERR_NOMEM when STACK_MAX_DEFER hooks are registered already. */
int stack_defer_register(struct ust_stack *st, void (*run)(struct ust_stack *st),
                         bool (*pending)(const struct ust_stack *st));
/* Runs every hook (in registration order). */
void stack_defer_run(struct ust_stack *st);
/* Does any hook have work waiting? */
bool stack_defer_pending(const struct ust_stack *st);
/* Brackets a batch of received frames (called by the device layer around
 * a driver's poll_rx; batches nest). The end of the outermost runs the
 * hooks. While inside, st->rx_batch is non-zero. */
void stack_rx_batch_begin(struct ust_stack *st);
void stack_rx_batch_end(struct ust_stack *st);
/* Inside a batch (TCP holds in-order ACKs back until it ends)? */
bool stack_in_rx_batch(const struct ust_stack *st);

#endif
