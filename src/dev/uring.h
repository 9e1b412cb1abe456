/* io_uring for the TAP/TUN driver, on liburing (Debian liburing-dev): a
 * ring per device (and per queue of a multi-queue device), never one per
 * stack. A transmit ring may have a kernel polling thread
 * (IORING_SETUP_SQPOLL); a receive ring never does: its reads are issued
 * in the submitting call (RWF_NOWAIT), so a batch is one system call. */
#ifndef UST_URING_H
#define UST_URING_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uring {
    struct io_uring ring;
    bool sqpoll; /* the kernel's polling thread consumes submissions */
    bool ready;  /* io_uring_queue_init succeeded: uring_free has work */
};

/* Creates a ring of `entries` (a power of two) submission entries; with
 * sqpoll a kernel polling thread that sleeps after idle_ms without work.
 * Returns 0 or a negative errno (ENOSYS, EPERM, ...: the caller falls back). */
int uring_init(struct uring *u, unsigned entries, bool sqpoll, unsigned idle_ms);
void uring_free(struct uring *u);
/* An SQE to fill, or NULL when the queue is full. It becomes visible to
 * the kernel at the next uring_publish(). */
struct io_uring_sqe *uring_get_sqe(struct uring *u);
/* SQEs filled but not published yet, and the i-th of them (0: oldest). */
unsigned uring_unpublished(const struct uring *u);
const struct io_uring_sqe *uring_unpublished_sqe(const struct uring *u, unsigned i);
/* Forgets the unpublished SQEs (the caller handled them another way). */
void uring_unfill(struct uring *u);
/* Makes the filled SQEs visible: with SQPOLL, wakes the polling thread
 * only if it sleeps; without, one io_uring_enter that issues them. Returns
 * the number published or a negative errno. */
int uring_publish(struct uring *u);
/* Calls fn for every posted completion, oldest first; returns how many. */
typedef void (*uring_cqe_fn)(void *ctx, uint64_t user_data, int32_t res);
unsigned uring_reap(struct uring *u, uring_cqe_fn fn, void *ctx);
/* True when no SQE can be filled: the kernel has not consumed enough. */
bool uring_sq_full(const struct uring *u);
/* Blocks until at least one completion is posted. 0 or a negative errno. */
int uring_wait_cqe(struct uring *u);
/* Blocks until the kernel has consumed at least one SQE (SQPOLL). */
int uring_wait_sq(struct uring *u);

#endif
