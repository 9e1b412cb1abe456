/* ustack — the real event loop: epoll over the devices' descriptors with a
 * timeout equal to the stack's next deadline, on CLOCK_MONOTONIC. */
#ifndef USTACK_LOOP_H
#define USTACK_LOOP_H

#include "types.h"

struct ust_stack;
struct ust_loop;

/* Creates a loop for `st` (its devices must already exist, or be added
 * with ust_loop_add_dev); installs the monotonic clock and the blocking
 * waiter in the stack. */
struct ust_loop *ust_loop_new(struct ust_stack *st);
void ust_loop_free(struct ust_loop *loop);
/* Re-reads the stack's device list (call after adding a device). */
int ust_loop_refresh(struct ust_loop *loop);
/* Waits for frames or the next deadline (at most max_wait, UST_TIME_NEVER =
 * no limit), processes them and runs timers. Returns 0, or UST_ERR_AGAIN
 * if interrupted by a signal. */
int ust_loop_run_once(struct ust_loop *loop, ust_time_t max_wait);
/* Runs until *stop becomes non-zero (e.g. set from a signal handler). */
int ust_loop_run(struct ust_loop *loop, volatile int *stop);
/* The epoll descriptor: readable when the stack has frames to process. An
 * application with its own loop waits on it (with ust_stack_poll_at() as
 * timeout) and then calls ust_loop_run_once(loop, 0). */
int ust_loop_fd(const struct ust_loop *loop);
/* Current CLOCK_MONOTONIC time in nanoseconds. */
ust_time_t ust_clock_monotonic(void);

#endif
