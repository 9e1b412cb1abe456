/* The socket layer's own state: the descriptor table and the readiness
 * event fd. The protocol interface (struct sock_ops, struct ust_sock) is
 * transport/sock_ops.h. */
#ifndef UST_SOCK_H
#define UST_SOCK_H

#include <stdbool.h>

#include "transport/sock_ops.h"

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

#endif
