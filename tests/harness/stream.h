/* A byte stream with a known pattern through non-blocking sockets, for
 * simulation tests that move data and check every byte. */
#ifndef TEST_STREAM_H
#define TEST_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/ustack.h"

/* Byte k of the stream. */
uint8_t stream_byte(size_t k);
/* Writes the stream from *sent on, up to total, as far as the send buffer
 * takes it; returns true once all of it is written. */
bool stream_send(struct ust_stack *st, int fd, size_t *sent, size_t total);
/* Reads what is there, checking every byte; returns true at EOF. */
bool stream_recv(struct ust_stack *st, int fd, size_t *got);

/* One transfer between two stacks of a simulator: A's socket c connects
 * to B's listener l on b_addr:port, sends `total` pattern bytes and
 * half-closes; B's accepted socket s reads them to EOF. All non-blocking,
 * the simulator stepped 1 ms at a time. The test fails (naming `what`)
 * unless every byte arrives within `limit` of virtual time. */
struct stream_xfer {
    int c, s, l;
    ust_time_t took; /* virtual time from connect to B's EOF */
};
void stream_transfer(struct ust_sim *sim, struct ust_stack *a, struct ust_stack *b,
                     ust_ip4_t b_addr, uint16_t port, size_t total, ust_time_t limit,
                     const char *what, struct stream_xfer *x);
/* Closes the three sockets. */
void stream_xfer_close(struct ust_stack *a, struct ust_stack *b, const struct stream_xfer *x);

/* Two stacks on one simulated switch: the simulator seeded with `seed`,
 * A and B made from cfg with the seeds 2 seed + 1 and 2 seed + 2 (cfg's
 * seed is overwritten), each on eth0 (MTU 1500) with a_addr / b_addr /24,
 * and fa / fb the faults of what A and B send. */
struct stream_pair {
    struct ust_sim *sim;
    struct ust_stack *a, *b;
    struct ust_dev *da, *db;
};
void stream_pair_up(struct stream_pair *p, uint64_t seed, struct ust_config *cfg,
                    ust_ip4_t a_addr, ust_ip4_t b_addr, const struct ust_sim_faults *fa,
                    const struct ust_sim_faults *fb);
/* Frees the simulator and both stacks. */
void stream_pair_free(struct stream_pair *p);

#endif
