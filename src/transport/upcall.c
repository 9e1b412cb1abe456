/* The readiness upcall from transports to the socket layer (BSD
 * so_upcall): registered by the socket layer, called by UDP and TCP. */
#include "core/stack_impl.h"
#include "transport.h"

void transport_set_upcall(struct ust_stack *st, transport_upcall_fn fn) { st->sock_upcall = fn; }

void transport_notify(struct ust_stack *st)
{
    if (st->sock_upcall)
        st->sock_upcall(st);
}
