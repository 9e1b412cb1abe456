/* Read-only walks over the transport tables for ust_netstat(). */
#ifndef UST_NETSTAT_IMPL_H
#define UST_NETSTAT_IMPL_H

#include "ustack/socket.h"

struct ust_stack;

/* Each calls fn for every entry of its protocol; returns the count. */
int tcp_netstat(struct ust_stack *st, ust_sock_entry_fn fn, void *ctx);
int udp_netstat(struct ust_stack *st, ust_sock_entry_fn fn, void *ctx);

#endif
