/* A minimal io_uring (Linux 5.6+) through the raw system calls: one
 * submission queue polled by a kernel thread (IORING_SETUP_SQPOLL), so
 * that the TAP driver can hand frames to the kernel without a system call
 * per frame and the kernel's work on them runs on another CPU. No liburing:
 * the kernel's <linux/io_uring.h> is all it needs. */
#ifndef UST_URING_H
#define UST_URING_H

#include <linux/io_uring.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uring {
    int fd;
    unsigned entries;         /* submission queue size */
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_flags, *sq_array;
    struct io_uring_sqe *sqes;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_cqe *cqes;
    unsigned local_tail;      /* next SQE to fill; published up to *sq_tail */
    void *sq_map, *cq_map;    /* cq_map == sq_map with IORING_FEAT_SINGLE_MMAP */
    size_t sq_map_len, cq_map_len, sqes_len;
};

/* Creates a ring of `entries` (a power of two) submission entries with a
 * kernel polling thread that sleeps after idle_ms without work. Returns 0
 * or a negative errno (ENOSYS, EPERM, ... : the caller falls back). */
int uring_init(struct uring *u, unsigned entries, unsigned idle_ms);
void uring_free(struct uring *u);
/* An SQE to fill (zeroed), or NULL when the queue is full. It becomes
 * visible to the kernel at the next uring_publish(). */
struct io_uring_sqe *uring_get_sqe(struct uring *u);
/* SQEs filled but not published yet. */
unsigned uring_unpublished(const struct uring *u);
/* Forgets the unpublished SQEs (the caller handled them another way). */
void uring_unfill(struct uring *u);
/* Makes the filled SQEs visible and wakes the polling thread if it sleeps.
 * Returns 0 or a negative errno. */
int uring_publish(struct uring *u);
/* Calls fn for every posted completion; returns how many. */
typedef void (*uring_cqe_fn)(void *ctx, uint64_t user_data, int32_t res);
unsigned uring_reap(struct uring *u, uring_cqe_fn fn, void *ctx);
/* True when no SQE can be filled: the kernel has not consumed enough. Its
 * consumed index is published after the batch it takes, so the queue can
 * look full while every completion has already been posted. */
bool uring_sq_full(const struct uring *u);
/* Blocks until at least one completion is posted. 0 or a negative errno. */
int uring_wait_cqe(struct uring *u);
/* Blocks until the kernel has consumed at least one SQE (Linux 5.10+). */
int uring_wait_sq(struct uring *u);

#endif
