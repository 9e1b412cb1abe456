/* `ustack serve --queues N`: one stack per queue of a multi-queue TAP/TUN
 * (IFF_MULTI_QUEUE), each in its own thread with its own loop, services
 * and control socket, sharing nothing (the F-Stack / Seastar model). The
 * kernel picks a queue per flow (include/ustack/dev.h), so each stack
 * only ever sees its own connections: every stack listens on the same
 * ports and has the same address and MAC.
 *
 * The calling thread opens everything (queue 0 first: the others take its
 * MAC), blocks SIGINT and SIGTERM before any thread starts, then serves
 * queue 0 itself and reads the signals; it relays the first one to every
 * other queue's loop (cli_signals_relay), and a queue whose thread ended
 * (its device lost) stops them all the same way. It joins the threads and
 * closes everything, printing each queue's counters. No state is shared
 * while the threads run: each touches only its own struct serve_queue; the
 * eventfds are the only way across. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "serve.h"

/* Relayed to the other queues when a queue's thread ended on its own: not
 * a signal number. */
#define STOP_PEER_ENDED 1000

struct serve_queue {
    struct link_opts link; /* the options with this queue's index and MAC */
    struct link_ctx c;
    struct serve_run run;
    bool opened, started;  /* link_open + serve_open done; thread running */
    pthread_t tid;
    int rc;                /* serve_loop's exit code */
    int ended_fd;          /* queue 0's: written when this thread ends */
};

struct serve_queues {
    const struct serve_opts *o;
    unsigned n;
    int ended_fd;          /* eventfd in queue 0's loop */
    struct serve_queue q[]; /* n of them */
};

/* A thread ended: queue 0 stops, then stops the others (queue 0's thread). */
static void on_peer_ended(void *ctx, int fd, uint32_t events)
{
    struct serve_queue *q0 = ctx;
    (void)events;
    uint64_t v;
    if (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v) && !q0->run.sig.caught)
        q0->run.sig.caught = STOP_PEER_ENDED;
}

static void *queue_thread(void *arg)
{
    struct serve_queue *q = arg;
    q->rc = serve_loop(&q->run);
    uint64_t one = 1;
    if (write(q->ended_fd, &one, sizeof(one)) < 0)
        q->rc = q->rc ? q->rc : CLI_EXIT_FAIL; /* cannot happen: a counter of 1s */
    return NULL;
}

/* Opens queue k's device and stack, then its services. 0 or an exit code. */
static int queue_open(struct serve_queues *s, unsigned k)
{
    struct serve_queue *q = &s->q[k];
    q->link = s->o->link;
    q->link.queue.index = k;
    q->link.queue.count = s->n;
    if (k > 0)
        q->link.queue.mac = *ust_dev_mac(s->q[0].c.dev);
    snprintf(q->link.queue.who, sizeof(q->link.queue.who), "q%u", k);
    int rc = link_open(&q->link, &q->c);
    if (rc != 0)
        return rc;
    q->opened = true;
    q->ended_fd = s->ended_fd;
    q->run = (struct serve_run){.o = s->o, .c = &q->c, .relay = k > 0};
    return serve_open(&q->run);
}

static void print_ready(const struct serve_queues *s)
{
    const struct link_ctx *c0 = &s->q[0].c;
    serve_print_banner(s->o, c0, s->q[0].run.fds);
    fprintf(c0->out, ", %u queues (one stack and thread each)", s->n);
    for (unsigned k = 0; k < s->n; k++)
        if (s->q[k].c.ctl.bound)
            fprintf(c0->out, "\ncontrol socket of queue %u: %s", k, s->q[k].c.ctl.path);
    fprintf(c0->out, "\nready (Ctrl-C to stop)\n");
    fflush(c0->out);
}

/* Serves queue 0 here, the others in threads; stops them all when queue 0
 * stops. The worst exit code. */
static int serve_all(struct serve_queues *s)
{
    int rc = 0;
    for (unsigned k = 1; k < s->n && rc == 0; k++) {
        if ((rc = pthread_create(&s->q[k].tid, NULL, queue_thread, &s->q[k])) != 0)
            rc = cli_usage_error("--queues: cannot start a thread: %s", strerror(rc));
        else
            s->q[k].started = true;
    }
    if (rc == 0) {
        print_ready(s);
        rc = serve_loop(&s->q[0].run);
    }
    int why = s->q[0].run.sig.caught ? s->q[0].run.sig.caught : STOP_PEER_ENDED;
    for (unsigned k = 1; k < s->n; k++) {
        if (!s->q[k].started)
            continue;
        cli_signals_relay(&s->q[k].run.sig, why);
        pthread_join(s->q[k].tid, NULL);
        rc = s->q[k].rc > rc ? s->q[k].rc : rc;
    }
    return rc;
}

/* Each queue's counters in order; the signal mask is restored last, once
 * every queue has closed its control socket (a second Ctrl-C before that
 * would leave them behind). */
static void close_all(struct serve_queues *s, bool counters)
{
    struct cli_signals *sig0 = &s->q[0].run.sig;
    bool restore = s->q[0].run.sig_open;
    sigset_t saved = sig0->saved;
    sig0->keep_mask = true;
    for (unsigned k = 0; k < s->n; k++) {
        struct serve_queue *q = &s->q[k];
        if (!q->opened)
            continue;
        if (k == 0 && s->ended_fd >= 0 && q->c.loop)
            ust_loop_del_fd(q->c.loop, s->ended_fd);
        char title[64];
        snprintf(title, sizeof(title), "ustack serve counters (queue %u of %u)", k, s->n);
        serve_close(&q->run, counters, title);
    }
    if (s->ended_fd >= 0)
        close(s->ended_fd);
    if (restore)
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

int serve_queues(const struct serve_opts *o)
{
    struct serve_queues *s = calloc(1, sizeof(*s) + o->queues * sizeof(s->q[0]));
    if (!s)
        return cli_usage_error("out of memory");
    s->o = o;
    s->n = o->queues;
    s->ended_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int rc = s->ended_fd < 0 ? cli_usage_error("--queues: eventfd: %s", strerror(errno)) : 0;
    for (unsigned k = 0; k < s->n && rc == 0; k++)
        rc = queue_open(s, k);
    if (rc == 0 &&
        ust_loop_add_fd(s->q[0].c.loop, s->ended_fd, on_peer_ended, &s->q[0]) != UST_OK)
        rc = cli_usage_error("--queues: cannot watch the queues' threads");
    bool served = rc == 0;
    if (served)
        rc = serve_all(s);
    close_all(s, served);
    free(s);
    return rc;
}
