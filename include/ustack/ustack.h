/* ustack — umbrella header: a user-space TCP/IP stack.
 *
 * Threading contract: a stack (struct ust_stack with its devices, sockets,
 * loop and simulator) belongs to one thread. Every call that takes that
 * stack, or one of its devices or sockets, must come from that one thread;
 * the library takes no locks. Callbacks (device ops, clock, waiter,
 * trace, counter and ping callbacks, ust_loop_add_fd handlers) run in that
 * thread from inside a library call: they must not block and must not
 * free the stack. Different stacks in different threads are fine: the
 * library has no global state (everything hangs off struct ust_stack).
 * For calls from several threads, hand the stack to the thread-safe front
 * (front.h): it runs the stack on a thread of its own and takes calls
 * from any thread.
 *
 * Errors: see the conventions above enum ust_err in types.h. */
#ifndef USTACK_USTACK_H
#define USTACK_USTACK_H

#include "config.h"
#include "dev.h"
#include "front.h"
#include "dhcp.h"
#include "dns.h"
#include "loop.h"
#include "sim.h"
#include "socket.h"
#include "stack.h"
#include "stats.h"
#include "types.h"

#define USTACK_VERSION "0.1.0"

#endif
