/* The thread-safe front's internals: the front, its sockets (each mirrored
 * on a kernel socketpair) and the messages the stack thread executes.
 * Everything in struct ust_front past `lock` is guarded by it. */
#ifndef UST_FRONT_IMPL_H
#define UST_FRONT_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ustack/front.h"
#include "ustack/types.h"

struct ust_loop;

/* One front socket. Freed when closed and no call uses it any more. */
struct front_sock {
    int fd;            /* the application's end of the socketpair: the handle */
    int bell_fd;       /* the stack thread's end; -1 once closed */
    int ufd;           /* the stack's descriptor; -1 once closed */
    int type;          /* SOCK_STREAM or SOCK_DGRAM */
    bool nonblock;     /* O_NONBLOCK (the stack's socket is always non-blocking) */
    bool closed;       /* ust_front_close ran: calls fail with EBADF */
    ust_time_t rcvtimeo, sndtimeo; /* SO_RCVTIMEO / SO_SNDTIMEO, 0 = none */
    short mask;        /* the ustack socket's poll mask as last mirrored */
    bool bell_rung;    /* the doorbell byte sits in fd */
    bool gate_shut;    /* the gate datagram sits in bell_fd: fd not writable */
    bool rd_shut, hup; /* bell_fd shut down for writing / both ways */
    uint64_t seq;      /* bumped when mask changes: blocked calls retry */
    unsigned users;    /* calls in progress holding this socket */
    unsigned names;    /* descriptors naming it: fd and its duplicates (ust_front_dup) */
    pthread_cond_t cond; /* blocked calls sleep here (with the core lock) */
};

enum front_op {
    FOP_SOCKET, FOP_BIND, FOP_LISTEN, FOP_CONNECT, FOP_ACCEPT, FOP_SHUTDOWN, FOP_CLOSE,
    FOP_SETSOCKOPT, FOP_GETSOCKOPT, FOP_GETNAME, FOP_SEND, FOP_RECV, FOP_RUN,
    FOP_SENDMSG, FOP_RECVMSG,
};

/* A call executed in place under the core lock, or handed to the stack
 * thread (FOP_RUN always; every call with cfg.front_data_messages). */
struct front_msg {
    enum front_op op;
    struct front_sock *fs; /* NULL for FOP_SOCKET, FOP_RUN */
    int a, b, c;           /* domain/type/protocol, level/name, how, backlog, flags */
    const void *in;        /* send data, option value, address */
    size_t inlen;
    const struct sockaddr *to; /* sendto's destination */
    socklen_t tolen;
    struct sockaddr *from; /* recvfrom's source, accept's peer, a name */
    void *out;             /* recv buffer, option value */
    size_t outlen;
    socklen_t *outlenp;    /* address or option length, in/out */
    struct msghdr *msg;    /* FOP_SENDMSG / FOP_RECVMSG: the caller's, as given */
    ust_front_fn fn;       /* FOP_RUN */
    void *ctx;
    ssize_t ret;           /* result, and errno when ret < 0 */
    int err;
    uint64_t seq;          /* fs->seq right after the call: a later change wakes */
    bool done;
    struct front_msg *next;
};

struct ust_front {
    struct ust_stack *st;
    struct ust_loop *loop;
    pthread_t thread;
    int wake_fd;            /* eventfd: messages posted, stop, an earlier deadline */
    pthread_mutex_t lock;   /* the core lock */
    pthread_cond_t msg_cond; /* a batch of messages is done */
    struct front_msg *head, *tail;
    bool stopping;
    bool awake;             /* the stack thread is processing, not sleeping */
    bool wake_sent;         /* wake_fd written since the thread last slept */
    ust_time_t sleep_until; /* when the sleeping stack thread wakes by itself */
    int timer_fd;           /* timerfd the stack thread sleeps on, armed for sleep_until */
    ust_time_t timer_at;    /* what timer_fd is armed for (UST_TIME_NEVER: disarmed) */
    bool data_messages;     /* cfg.front_data_messages */
    struct front_sock **socks; /* by kernel descriptor */
    unsigned nsocks;
    pthread_cond_t turn_cond; /* broadcast after a turn while stack_waiters > 0 */
    unsigned stack_waiters;   /* threads in ust_front_wait_stack_fd */
    uint64_t direct_turns;    /* turns run by blocked callers (front_direct_turn) */
    atomic_uint direct_waiters; /* blocked calls watching the loop's descriptor
                                   (the stack thread reads it without the lock) */
};

/* front_sock.c: the table and the readiness mirror */
struct front_sock *front_sock_new(struct ust_front *f, int ufd, int flags);
void front_sock_drop(struct ust_front *f, struct front_sock *fs);
int front_sock_name(struct ust_front *f, struct front_sock *fs, int fd);
void front_sock_unname(struct ust_front *f, struct front_sock *fs, int fd);
void front_sock_put(struct ust_front *f, struct front_sock *fs);
struct front_sock *front_sock_get(struct ust_front *f, int fd);
void front_mirror(struct ust_front *f, struct front_sock *fs);
void front_mirror_all(struct ust_front *f);
void front_sock_load_timeouts(struct ust_front *f, struct front_sock *fs);

/* front_exec.c: what a message does, under the core lock */
void front_exec(struct ust_front *f, struct front_msg *m);

/* front.c: the stack thread and message passing */
void front_call(struct ust_front *f, struct front_msg *m);
void front_kick(struct ust_front *f);
void front_direct_turn(struct ust_front *f);

/* front_api.c: with f->lock held (and stack_waiters counted), waits for the
 * stack's next turn or the deadline (UST_TIME_NEVER: none) on the
 * monotonic clock; false when the deadline has already passed. */
bool front_turn_wait(struct ust_front *f, ust_time_t deadline);

#endif
