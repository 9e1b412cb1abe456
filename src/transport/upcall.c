/* The readiness upcall from transports to the socket layer (BSD
 * so_upcall): registered by the socket layer, called by UDP and TCP. The
 * slot is in the stack (stack_sock_upcall, core/stack.c). */
#include "transport.h"

void transport_set_upcall(struct ust_stack *st, transport_upcall_fn fn)
{
    *stack_sock_upcall(st) = fn;
}

void transport_notify(struct ust_stack *st)
{
    transport_upcall_fn up = *stack_sock_upcall(st);
    if (up)
        up(st);
}
