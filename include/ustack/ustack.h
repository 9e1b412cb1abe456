/* ustack — umbrella header: a user-space TCP/IP stack. */
#ifndef USTACK_USTACK_H
#define USTACK_USTACK_H

#include "config.h"
#include "dev.h"
#include "loop.h"
#include "sim.h"
#include "socket.h"
#include "stack.h"
#include "stats.h"
#include "types.h"

#define USTACK_VERSION "0.1.0"

#endif
