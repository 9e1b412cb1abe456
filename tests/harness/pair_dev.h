/* An application-supplied Ethernet device on one end of a SOCK_SEQPACKET
 * socketpair: what one end transmits, the other end's stack receives. For
 * tests that run two stacks on real threads (the front's tests), where the
 * simulator's virtual cables do not apply. */
#ifndef UST_TEST_PAIR_DEV_H
#define UST_TEST_PAIR_DEV_H

#include "ustack/dev.h"

struct pair_end {
    int fd; /* this end of the socketpair */
};

/* transmit (one frame per send), fd (the loop waits on it) and poll_rx
 * (reads up to the budget without blocking). ctx: a struct pair_end. */
extern const struct ust_dev_ops pair_dev_ops;

#endif
