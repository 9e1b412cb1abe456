/* io_uring through its three system calls. The rings are shared memory
 * with the kernel: the head/tail indices are read and written with
 * acquire/release ordering (the kernel's polling thread runs on another
 * CPU), everything else is plain memory owned by one side at a time. */
#include "uring.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_setup(unsigned entries, struct io_uring_params *p)
{
    return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags)
{
    return (int)syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, NULL, 0);
}

static unsigned load_acquire(const unsigned *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void store_release(unsigned *p, unsigned v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

static void *map_ring(int fd, size_t len, off_t what)
{
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, what);
    return m == MAP_FAILED ? NULL : m;
}

static int map_rings(struct uring *u, const struct io_uring_params *p)
{
    u->sq_map_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
    u->cq_map_len = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
    bool single = (p->features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single && u->cq_map_len > u->sq_map_len)
        u->sq_map_len = u->cq_map_len;
    u->sq_map = map_ring(u->fd, u->sq_map_len, IORING_OFF_SQ_RING);
    if (!u->sq_map)
        return -errno;
    u->cq_map = single ? u->sq_map : map_ring(u->fd, u->cq_map_len, IORING_OFF_CQ_RING);
    if (!u->cq_map)
        return -errno;
    u->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
    u->sqes = map_ring(u->fd, u->sqes_len, IORING_OFF_SQES);
    if (!u->sqes)
        return -errno;
    char *sq = u->sq_map, *cq = u->cq_map;
    u->sq_head = (unsigned *)(sq + p->sq_off.head);
    u->sq_tail = (unsigned *)(sq + p->sq_off.tail);
    u->sq_mask = (unsigned *)(sq + p->sq_off.ring_mask);
    u->sq_flags = (unsigned *)(sq + p->sq_off.flags);
    u->sq_array = (unsigned *)(sq + p->sq_off.array);
    u->cq_head = (unsigned *)(cq + p->cq_off.head);
    u->cq_tail = (unsigned *)(cq + p->cq_off.tail);
    u->cq_mask = (unsigned *)(cq + p->cq_off.ring_mask);
    u->cqes = (struct io_uring_cqe *)(cq + p->cq_off.cqes);
    /* SQE i always sits in array slot i: SQEs are used in ring order. */
    for (unsigned i = 0; i < p->sq_entries; i++)
        u->sq_array[i] = i;
    u->local_tail = *u->sq_tail;
    return 0;
}

int uring_init(struct uring *u, unsigned entries, unsigned idle_ms)
{
    memset(u, 0, sizeof(*u));
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    p.flags = IORING_SETUP_SQPOLL;
    p.sq_thread_idle = idle_ms;
    u->fd = sys_setup(entries, &p);
    if (u->fd < 0) {
        u->fd = -1;
        return -errno;
    }
    u->entries = p.sq_entries;
    int rc = map_rings(u, &p);
    if (rc < 0)
        uring_free(u);
    return rc;
}

void uring_free(struct uring *u)
{
    if (u->sqes)
        munmap(u->sqes, u->sqes_len);
    if (u->cq_map && u->cq_map != u->sq_map)
        munmap(u->cq_map, u->cq_map_len);
    if (u->sq_map)
        munmap(u->sq_map, u->sq_map_len);
    if (u->fd >= 0)
        close(u->fd);
    memset(u, 0, sizeof(*u));
    u->fd = -1;
}

bool uring_sq_full(const struct uring *u)
{
    return u->local_tail - load_acquire(u->sq_head) >= u->entries;
}

struct io_uring_sqe *uring_get_sqe(struct uring *u)
{
    if (uring_sq_full(u))
        return NULL;
    struct io_uring_sqe *sqe = &u->sqes[u->local_tail & *u->sq_mask];
    u->local_tail++;
    memset(sqe, 0, sizeof(*sqe));
    return sqe;
}

unsigned uring_unpublished(const struct uring *u) { return u->local_tail - *u->sq_tail; }

void uring_unfill(struct uring *u) { u->local_tail = *u->sq_tail; }

int uring_publish(struct uring *u)
{
    if (uring_unpublished(u) == 0)
        return 0;
    store_release(u->sq_tail, u->local_tail);
    /* The polling thread sleeps after its idle time; it says so in the
     * flags, and then only a system call wakes it. The full barrier keeps
     * the tail store from passing the flags load (the kernel pairs it). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(u->sq_flags, __ATOMIC_RELAXED) & IORING_SQ_NEED_WAKEUP) {
        if (sys_enter(u->fd, 0, 0, IORING_ENTER_SQ_WAKEUP) < 0)
            return -errno;
    }
    return 0;
}

unsigned uring_reap(struct uring *u, uring_cqe_fn fn, void *ctx)
{
    unsigned head = *u->cq_head, tail = load_acquire(u->cq_tail), n = 0;
    for (; head != tail; head++, n++) {
        const struct io_uring_cqe *c = &u->cqes[head & *u->cq_mask];
        fn(ctx, c->user_data, c->res);
    }
    store_release(u->cq_head, head);
    return n;
}

static int enter_waiting(struct uring *u, unsigned min_complete, unsigned flags)
{
    if (__atomic_load_n(u->sq_flags, __ATOMIC_ACQUIRE) & IORING_SQ_NEED_WAKEUP)
        flags |= IORING_ENTER_SQ_WAKEUP;
    for (;;) {
        if (sys_enter(u->fd, 0, min_complete, flags) >= 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

int uring_wait_cqe(struct uring *u) { return enter_waiting(u, 1, IORING_ENTER_GETEVENTS); }

int uring_wait_sq(struct uring *u) { return enter_waiting(u, 0, IORING_ENTER_SQ_WAIT); }
