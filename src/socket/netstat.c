/* ust_netstat: the socket table as netstat shows it, TCP first, then UDP. */
#include "transport/netstat_impl.h"
#include "ustack/socket.h"

int ust_netstat(struct ust_stack *st, ust_sock_entry_fn fn, void *ctx)
{
    if (!st || !fn)
        return UST_ERR_INVAL;
    return tcp_netstat(st, fn, ctx) + udp_netstat(st, fn, ctx);
}
