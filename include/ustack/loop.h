/* ustack — the real event loop: epoll over the devices' descriptors with a
 * timeout equal to the stack's next deadline, on CLOCK_MONOTONIC. */
#ifndef USTACK_LOOP_H
#define USTACK_LOOP_H

#include "export.h"
#include "types.h"

struct ust_stack;
struct ust_loop;

/* Creates a loop for `st` (its devices must already exist, or be added
 * with ust_loop_add_dev); installs the monotonic clock and the blocking
 * waiter in the stack. */
UST_API struct ust_loop *ust_loop_new(struct ust_stack *st);
UST_API void ust_loop_free(struct ust_loop *loop);
/* Re-reads the stack's device list (call after adding a device). */
UST_API int ust_loop_refresh(struct ust_loop *loop);
/* Waits for frames or the next deadline (at most max_wait, UST_TIME_NEVER =
 * no limit), processes them and runs timers. Returns 0, UST_ERR_AGAIN if
 * a signal handler interrupted the wait (with no handler installed, an
 * EINTR is the kernel's own, e.g. a torn-down io_uring's task work, and
 * the turn goes on), or UST_ERR_NETDOWN in the turn in which a
 * device failed (ust_dev_failed() says which and why; each failure is
 * reported once). A failed device is no longer watched, so the loop never
 * spins on it; the others keep working if the application goes on. The
 * same error reaches a blocking socket call waiting in that turn: it
 * fails with ENETDOWN. */
UST_API int ust_loop_run_once(struct ust_loop *loop, ust_time_t max_wait);
/* Runs until *stop becomes non-zero (e.g. set from a signal handler), or
 * returns the error of a turn (UST_ERR_NETDOWN: a device failed). */
UST_API int ust_loop_run(struct ust_loop *loop, volatile int *stop);
/* The epoll descriptor: readable when the stack has frames to process. An
 * application with its own loop waits on it (with ust_stack_poll_at() as
 * timeout) and then calls ust_loop_run_once(loop, 0). */
UST_API int ust_loop_fd(const struct ust_loop *loop);
/* Watches an application descriptor (a control socket, a pipe, ...) in
 * the same epoll set: when it becomes readable, ust_loop_run_once calls
 * fn(ctx, fd, epoll events) after processing the frames and timers of that
 * turn. At most 16 descriptors. The loop does not own fd: remove it with
 * ust_loop_del_fd before closing it. Returns 0 or a negative ust_err
 * (UST_ERR_EXIST: already watched, UST_ERR_NOMEM: table full). */
typedef void (*ust_loop_fd_fn)(void *ctx, int fd, uint32_t events);
UST_API int ust_loop_add_fd(struct ust_loop *loop, int fd, ust_loop_fd_fn fn, void *ctx);
UST_API int ust_loop_del_fd(struct ust_loop *loop, int fd);
/* Current CLOCK_MONOTONIC time in nanoseconds. */
UST_API ust_time_t ust_clock_monotonic(void);

#endif
