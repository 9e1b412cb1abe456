/* The thread-safe front: the stack thread, which runs the real event loop
 * under the core lock and executes the messages other threads hand it,
 * and the hand-off itself. include/ustack/front.h has the design. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "front_impl.h"
#include "ustack/config.h"
#include "ustack/loop.h"
#include "ustack/socket.h"
#include "ustack/stack.h"

static void wake_drain(int fd)
{
    uint64_t n;
    ssize_t r = read(fd, &n, sizeof(n));
    (void)r;
}

/* Wakes the sleeping stack thread when it has something to do sooner
 * than it planned: a message, the stop, or a deadline an application
 * call moved earlier (a segment queued on the loopback, a timer armed).
 * Called with the core lock held; one write per sleep is enough. */
void front_kick(struct ust_front *f)
{
    if (f->awake || f->wake_sent)
        return;
    if (!f->head && !f->stopping && ust_stack_poll_at(f->st) >= f->sleep_until)
        return;
    uint64_t one = 1;
    ssize_t r = write(f->wake_fd, &one, sizeof(one));
    (void)r;
    f->wake_sent = true;
}

/* Work the call made due at once (segments on the loopback queue, an
 * ACK now) runs here, under the lock the caller holds, instead of waking
 * the stack thread for it: a round trip then costs one thread hand-off
 * less (ARCHITECTURE.md has the numbers). Bounded: what remains due
 * after a few rounds is the stack thread's (front_kick). */
static void run_due(struct ust_front *f)
{
    for (int round = 0; round < 4; round++) {
        ust_time_t now = ust_stack_now(f->st);
        if (ust_stack_poll_at(f->st) > now)
            break;
        ust_stack_poll(f->st, now);
        front_mirror_all(f);
    }
}

/* A turn of the stack in a blocked caller whose wait saw the loop's
 * descriptor ready (frames in a device): the caller reads them itself,
 * as Linux processes a socket's backlog in process context, so a reply
 * reaches the thread waiting for it without a hand-off through the stack
 * thread. Timers, messages and sockets nobody waits on stay the stack
 * thread's. Called with the core lock held; never waits. */
void front_direct_turn(struct ust_front *f)
{
    f->direct_turns++;
    (void)ust_loop_run_once(f->loop, 0);
    front_mirror_all(f);
    front_kick(f);
}

/* Runs m: in place (the core lock is held) unless it must run on the
 * stack thread (FOP_RUN, or every call with cfg.front_data_messages),
 * then waiting for it with the lock released. */
void front_call(struct ust_front *f, struct front_msg *m)
{
    if (m->op != FOP_RUN && !f->data_messages) {
        front_exec(f, m);
        run_due(f);
        front_kick(f);
        return;
    }
    m->done = false;
    m->next = NULL;
    if (f->tail)
        f->tail->next = m;
    else
        f->head = m;
    f->tail = m;
    front_kick(f);
    while (!m->done)
        pthread_cond_wait(&f->msg_cond, &f->lock);
}

static void run_messages(struct ust_front *f)
{
    if (!f->head)
        return;
    while (f->head) {
        struct front_msg *m = f->head;
        f->head = m->next;
        if (!f->head)
            f->tail = NULL;
        front_exec(f, m);
        m->done = true;
    }
    pthread_cond_broadcast(&f->msg_cond);
}

/* Sleeps (without the lock) on the loop's epoll descriptor until frames
 * arrive, the wake eventfd is written or the stack's next deadline. The
 * eventfd is not in the loop: a caller's direct turn (which runs the
 * loop) must not consume a wake meant for this thread. */
static void sleep_until(struct ust_front *f, ust_time_t until)
{
    struct pollfd p[2] = {{.fd = ust_loop_fd(f->loop), .events = POLLIN},
                          {.fd = f->wake_fd, .events = POLLIN}};
    struct timespec ts, *tsp = NULL;
    if (until != UST_TIME_NEVER) {
        ust_time_t now = ust_clock_monotonic();
        ust_time_t d = until > now ? until - now : 0;
        ts.tv_sec = (time_t)(d / UST_SEC);
        ts.tv_nsec = (long)(d % UST_SEC);
        tsp = &ts;
    }
    if (ppoll(p, 2, tsp, NULL) > 0 && (p[1].revents & POLLIN))
        wake_drain(f->wake_fd);
}

static void *front_thread(void *arg)
{
    struct ust_front *f = arg;
    pthread_mutex_lock(&f->lock);
    while (!f->stopping) {
        /* frames and timers, then the readiness they changed, then calls */
        (void)ust_loop_run_once(f->loop, 0);
        front_mirror_all(f);
        run_messages(f);
        if (f->head || f->stopping)
            continue;
        f->sleep_until = ust_stack_poll_at(f->st);
        f->awake = false;
        f->wake_sent = false;
        pthread_mutex_unlock(&f->lock);
        sleep_until(f, f->sleep_until);
        pthread_mutex_lock(&f->lock);
        f->awake = true;
    }
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

static int front_init_sync(struct ust_front *f)
{
    pthread_condattr_t ca;
    if (pthread_mutex_init(&f->lock, NULL) != 0)
        return -1;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&f->msg_cond, &ca);
    if (rc == 0 && (rc = pthread_cond_init(&f->turn_cond, &ca)) != 0)
        pthread_cond_destroy(&f->msg_cond);
    pthread_condattr_destroy(&ca);
    if (rc != 0) {
        pthread_mutex_destroy(&f->lock);
        return -1;
    }
    return 0;
}

/* The stack thread takes no signals: they go to the application's
 * threads, whose handlers then never run inside the stack's turn. */
static int start_thread(struct ust_front *f)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&f->thread, NULL, front_thread, f);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

struct ust_front *ust_front_new(struct ust_stack *st)
{
    struct ust_front *f = st ? calloc(1, sizeof(*f)) : NULL;
    if (!f) {
        errno = st ? ENOMEM : EINVAL;
        return NULL;
    }
    f->st = st;
    f->awake = true;
    f->data_messages = ust_stack_config(st)->front_data_messages;
    f->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    f->loop = f->wake_fd >= 0 ? ust_loop_new(st) : NULL;
    if (!f->loop || front_init_sync(f) != 0)
        goto fail;
    /* Nothing in the stack may block: the front does the waiting. */
    ust_stack_set_waiter(st, NULL, NULL);
    if (start_thread(f) != 0) {
        pthread_cond_destroy(&f->turn_cond);
        pthread_cond_destroy(&f->msg_cond);
        pthread_mutex_destroy(&f->lock);
        goto fail;
    }
    return f;
fail:
    ust_stack_set_clock(st, NULL, NULL);
    ust_loop_free(f->loop);
    if (f->wake_fd >= 0)
        close(f->wake_fd);
    free(f);
    errno = errno ? errno : ENOMEM;
    return NULL;
}

void ust_front_free(struct ust_front *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    f->stopping = true;
    front_kick(f);
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    for (unsigned i = 0; i < f->nsocks; i++) {
        struct front_sock *fs = f->socks[i];
        if (!fs)
            continue;
        if (fs->names > 1) {
            front_sock_unname(f, fs, (int)i); /* the last name closes it */
            continue;
        }
        ust_close(f->st, fs->ufd);
        front_sock_drop(f, fs); /* the other end closes: POLLHUP */
        front_sock_put(f, fs);  /* no calls run: closes the descriptor */
    }
    free(f->socks);
    ust_stack_set_clock(f->st, NULL, NULL);
    ust_loop_free(f->loop);
    ust_stack_free(f->st);
    close(f->wake_fd);
    pthread_cond_destroy(&f->turn_cond);
    pthread_cond_destroy(&f->msg_cond);
    pthread_mutex_destroy(&f->lock);
    free(f);
}
