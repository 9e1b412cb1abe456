/* The socket layer's own state: the descriptor table and the readiness
 * event fd. The protocol interface (struct sock_ops, struct ust_sock) is
 * transport/sock_ops.h. */
#ifndef UST_SOCK_H
#define UST_SOCK_H

#include <stdbool.h>

#include "transport/sock_ops.h"
#include "ustack/types.h"

struct ust_stack;

struct sock_table {
    struct ust_sock **v; /* indexed by fd; NULL = free */
    unsigned cap;
    unsigned used;
    int event_fd;        /* readiness eventfd (valid when has_event_fd) */
    bool has_event_fd;
};
void sock_table_destroy(struct ust_stack *st);
/* Signals the readiness eventfd (if an application asked for it). */
void sock_notify(struct ust_stack *st);
/* Installs sock_notify as the transports' readiness upcall (called by
 * ust_stack_new). */
void sock_register(struct ust_stack *st);

/* What the socket layer asks of the stack assembly (core/stack.c), so it
 * never sees struct ust_stack: a plain call each, no lookup. */
/* This stack's descriptor table (the socket layer's own state). */
struct sock_table *stack_socks(struct ust_stack *st);
/* Has the application installed a waiter (ust_stack_set_waiter)? */
bool stack_has_waiter(const struct ust_stack *st);
/* Runs the network until `deadline` through the waiter (which must be
 * installed): the frames held by the current burst go out first, and the
 * waiter's work forms bursts of its own. The waiter's return code. */
int stack_wait(struct ust_stack *st, ust_time_t deadline);

#endif
