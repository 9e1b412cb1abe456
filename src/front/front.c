/* The thread-safe front: the stack thread, which runs the real event loop
 * under the core lock and executes the messages other threads hand it,
 * and the hand-off itself. include/ustack/front.h has the design. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
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

/* Arms the stack thread's timer descriptor for `at` (UST_TIME_NEVER:
 * disarmed): CLOCK_MONOTONIC, the clock ust_clock_monotonic reads. */
static void timer_arm(struct ust_front *f, ust_time_t at)
{
    if (at == f->timer_at)
        return;
    struct itimerspec its = {{0, 0}, {0, 0}};
    if (at != UST_TIME_NEVER) {
        ust_time_t t = at ? at : 1; /* zero would disarm it */
        its.it_value.tv_sec = (time_t)(t / UST_SEC);
        its.it_value.tv_nsec = (long)(t % UST_SEC);
    }
    (void)timerfd_settime(f->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
    f->timer_at = at;
}

/* The sleeping stack thread is to take a turn by `at`. */
static void kick_at(struct ust_front *f, ust_time_t at)
{
    if (at < f->sleep_until) {
        timer_arm(f, at);
        f->sleep_until = at;
    }
}

/* Tells the sleeping stack thread it has something to do sooner than it
 * planned. A message or the stop: the wake eventfd (one write per
 * sleep). A deadline an application call moved earlier (a timer armed,
 * a segment queued on the loopback): the timer descriptor it sleeps on
 * is moved earlier instead, which costs no wake-up now; a deadline that
 * later moves back (a delayed ACK the reply carried) costs at most one
 * early turn. Called with the core lock held. */
void front_kick(struct ust_front *f)
{
    if (f->awake || f->wake_sent)
        return;
    if (f->head || f->stopping) {
        uint64_t one = 1;
        ssize_t r = write(f->wake_fd, &one, sizeof(one));
        (void)r;
        f->wake_sent = true;
        return;
    }
    kick_at(f, ust_stack_poll_at(f->st));
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

/* A read that emptied a stream socket: what it left owed (the ACK of a
 * pushed segment, tcp_ack_batch.c's tcp_ack_after_read: "at the next
 * poll, a reply written first carries it instead") waits briefly for that
 * reply. The single-threaded API's next poll comes after the
 * application's reply; run at once here, it costs a pure ACK per
 * request/response (as Linux's tcp_cleanup_rbuf in ping-pong mode does
 * not send it either). The stack thread's timer runs it if no call comes. */
#define FRONT_READ_ACK_DELAY (200 * UST_USEC)

static bool read_drained(const struct front_msg *m)
{
    return m->op == FOP_RECV && m->ret > 0 && m->fs->type == SOCK_STREAM &&
           !m->fs->closed && !(m->fs->mask & POLLIN);
}

static void defer_read_ack(struct ust_front *f)
{
    ust_time_t soon = ust_stack_now(f->st) + FRONT_READ_ACK_DELAY;
    ust_time_t at = ust_stack_poll_at(f->st);
    if (!f->awake && !f->wake_sent)
        kick_at(f, at < soon ? soon : at);
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
        if (read_drained(m)) {
            defer_read_ack(f);
            return;
        }
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

/* How long the stack thread, woken by frames while blocked callers watch
 * the loop's descriptor too, leaves them to the callers (front_direct_turn)
 * before it takes a turn itself. The callers were woken by the same frames
 * and read them at once; the grace keeps this thread off the core lock
 * meanwhile, and bounds the delay of frames no caller reads (one arriving
 * as the last watcher leaves). The wake eventfd and the timer still end it. */
#define FRONT_DIRECT_GRACE (200 * UST_USEC)

static int poll3(struct ust_front *f, bool dev, ust_time_t timeout)
{
    struct pollfd p[3] = {{.fd = f->wake_fd, .events = POLLIN},
                          {.fd = f->timer_fd, .events = POLLIN},
                          {.fd = ust_loop_fd(f->loop), .events = POLLIN}};
    struct timespec ts = {.tv_sec = (time_t)(timeout / UST_SEC),
                          .tv_nsec = (long)(timeout % UST_SEC)};
    int r = ppoll(p, dev ? 3 : 2, timeout == UST_TIME_NEVER ? NULL : &ts, NULL);
    if (r <= 0)
        return r;
    if (p[0].revents & POLLIN)
        wake_drain(f->wake_fd);
    if (p[1].revents & POLLIN)
        wake_drain(f->timer_fd); /* the expiration count */
    return (p[0].revents | p[1].revents) & POLLIN ? 2 : 1; /* 1: frames only */
}

/* Sleeps (without the lock) on the loop's epoll descriptor until frames
 * arrive, the wake eventfd is written or the timer descriptor, armed for
 * the stack's next deadline (callers may move it earlier), expires. The
 * eventfd is not in the loop: a caller's direct turn (which runs the
 * loop) must not consume a wake meant for this thread. */
static void sleep_until(struct ust_front *f)
{
    if (poll3(f, true, UST_TIME_NEVER) == 1 && atomic_load(&f->direct_waiters) > 0)
        (void)poll3(f, false, FRONT_DIRECT_GRACE);
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
        timer_arm(f, f->sleep_until);
        f->awake = false;
        f->wake_sent = false;
        pthread_mutex_unlock(&f->lock);
        sleep_until(f);
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
    f->timer_at = UST_TIME_NEVER;
    f->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    f->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    f->loop = f->wake_fd >= 0 && f->timer_fd >= 0 ? ust_loop_new(st) : NULL;
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
    if (f->timer_fd >= 0)
        close(f->timer_fd);
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
    close(f->timer_fd);
    pthread_cond_destroy(&f->turn_cond);
    pthread_cond_destroy(&f->msg_cond);
    pthread_mutex_destroy(&f->lock);
    free(f);
}
