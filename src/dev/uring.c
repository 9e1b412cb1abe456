/* io_uring through liburing. liburing keeps the shared-memory rings (the
 * acquire/release ordering of their indices, the polling thread's wake-up
 * flag); this file adds what the TAP queues need on top: taking back
 * unpublished entries, so that a small burst can go out by write(). */
#include "uring.h"

#include <errno.h>
#include <string.h>

int uring_init(struct uring *u, unsigned entries, bool sqpoll, unsigned idle_ms)
{
    memset(u, 0, sizeof(*u));
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    if (sqpoll) {
        p.flags = IORING_SETUP_SQPOLL;
        p.sq_thread_idle = idle_ms;
    }
    int rc = io_uring_queue_init_params(entries, &u->ring, &p);
    if (rc < 0)
        return rc;
    u->sqpoll = sqpoll;
    u->ready = true;
    return 0;
}

void uring_free(struct uring *u)
{
    if (u->ready)
        io_uring_queue_exit(&u->ring);
    memset(u, 0, sizeof(*u));
}

bool uring_sq_full(const struct uring *u) { return io_uring_sq_space_left(&u->ring) == 0; }

struct io_uring_sqe *uring_get_sqe(struct uring *u) { return io_uring_get_sqe(&u->ring); }

/* liburing's sqe_head..sqe_tail are the entries filled since the last
 * submit (io_uring_submit publishes them by moving the kernel's tail). */
unsigned uring_unpublished(const struct uring *u)
{
    return u->ring.sq.sqe_tail - u->ring.sq.sqe_head;
}

const struct io_uring_sqe *uring_unpublished_sqe(const struct uring *u, unsigned i)
{
    const struct io_uring_sq *sq = &u->ring.sq;
    return &sq->sqes[(sq->sqe_head + i) & sq->ring_mask];
}

void uring_unfill(struct uring *u) { u->ring.sq.sqe_tail = u->ring.sq.sqe_head; }

int uring_publish(struct uring *u)
{
    if (uring_unpublished(u) == 0)
        return 0;
    for (;;) {
        int rc = io_uring_submit(&u->ring);
        if (rc != -EINTR)
            return rc;
    }
}

unsigned uring_reap(struct uring *u, uring_cqe_fn fn, void *ctx)
{
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;
    io_uring_for_each_cqe(&u->ring, head, cqe)
    {
        fn(ctx, cqe->user_data, cqe->res);
        n++;
    }
    io_uring_cq_advance(&u->ring, n);
    return n;
}

int uring_wait_cqe(struct uring *u)
{
    struct io_uring_cqe *cqe;
    for (;;) {
        int rc = io_uring_wait_cqe(&u->ring, &cqe);
        if (rc != -EINTR)
            return rc;
    }
}

int uring_wait_sq(struct uring *u)
{
    for (;;) {
        int rc = io_uring_sqring_wait(&u->ring);
        if (rc != -EINTR)
            return rc < 0 ? rc : 0;
    }
}
