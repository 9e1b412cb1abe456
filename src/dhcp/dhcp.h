/* The DHCP clients as the stack runs them (issue #13): the stack owns the
 * list of running clients (struct dhcp_state in struct ust_stack, reached
 * through stack_dhcp like the resolver's cache), fires each client's timer
 * from its timer heap and lets each read its socket at the end of every
 * receive batch and at every ust_stack_poll. So whoever runs the stack (a
 * loop, the simulator, the front's stack thread, ust_stack_poll by hand)
 * renews, rebinds and expires leases; nobody has to call ust_dhcp_step.
 * The stack assembly (core/stack.c) calls dhcp_register at creation,
 * dhcp_readiness from the transports' readiness upcall and dhcp_destroy
 * when the stack is freed; nothing below names the client. */
#ifndef UST_DHCP_DHCP_H
#define UST_DHCP_DHCP_H

#include <stdbool.h>

struct ust_stack;
struct ust_dhcp;

struct dhcp_state {
    struct ust_dhcp *clients; /* running clients, linked through ->next */
    bool rx_check;            /* a socket's readiness changed: look at ours */
};

/* The assembly's accessors (core/stack.c). */
struct dhcp_state *stack_dhcp(struct ust_stack *st);
const struct dhcp_state *stack_dhcp_const(const struct ust_stack *st);

/* Registers the receive hook (a batch-end hook, core/defer.h):
 * UST_ERR_NOMEM when the hook table is full. */
int dhcp_register(struct ust_stack *st);
/* Some socket's readiness may have changed (the transports' upcall). */
void dhcp_readiness(struct ust_stack *st);
/* The stack is being freed: the clients still running are freed, with no
 * DHCPRELEASE (ust_dhcp_stop sends it). */
void dhcp_destroy(struct ust_stack *st);

#endif
