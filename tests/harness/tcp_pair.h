/* Two stacks on a simulated switch with one TCP connection between them,
 * for socket-API tests that need a real peer: A (203.0.113.1) connected
 * to B (203.0.113.2), both blocking sockets, each cable with a fixed 1 ms
 * delay and no bandwidth limit, so the virtual times are exact (a round
 * trip is 2 ms). */
#ifndef TCP_PAIR_H
#define TCP_PAIR_H

#include <stdint.h>

#include "ustack/ustack.h"

#define TP_A_ADDR UST_IP4(203, 0, 113, 1)
#define TP_B_ADDR UST_IP4(203, 0, 113, 2)
#define TP_PORT 7070

struct tp_net {
    struct ust_sim *sim;
    struct ust_stack *a, *b;
    struct ust_dev *da, *db;
    int c; /* A's connected socket */
    int s; /* B's accepted socket (B's listener is closed again) */
};

/* Builds the network (sim seeded with `seed`) and the connection; B's
 * listener gets SO_RCVBUF b_rcvbuf first unless it is 0. */
void tp_up(struct tp_net *n, uint64_t seed, int b_rcvbuf);
void tp_down(struct tp_net *n);
/* Loss probability of what dev's stack sends (delay stays 1 ms). */
void tp_set_loss(struct ust_dev *dev, double loss);

#endif
