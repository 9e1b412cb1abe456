/* The simulated event loop: a virtual clock that jumps from event to event
 * (frame deliveries from a heap ordered by (time, sequence), and every
 * registered stack's next deadline), so many stacks share one process and a
 * 60-second timer costs no real time. */
#include <stdlib.h>

#include "core/stack_impl.h"
#include "sim_impl.h"

/* ---- event heap ------------------------------------------------------ */

static bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_swap(struct sim_event **h, size_t i, size_t j)
{
    struct sim_event *t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void heap_up(struct sim_event **h, size_t i)
{
    while (i > 0 && ev_before(h[i], h[(i - 1) / 2])) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(struct sim_event **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && ev_before(h[l], h[m]))
            m = l;
        if (r < n && ev_before(h[r], h[m]))
            m = r;
        if (m == i)
            return;
        heap_swap(h, i, m);
        i = m;
    }
}

static struct sim_event *heap_pop(struct ust_sim *sim)
{
    struct sim_event *top = sim->heap[0];
    sim->heap[0] = sim->heap[--sim->nheap];
    heap_down(sim->heap, sim->nheap, 0);
    return top;
}

struct sim_event *sim_event_new(size_t len)
{
    struct sim_event *ev = calloc(1, sizeof(*ev) + len);
    if (ev)
        ev->len = len;
    return ev;
}

int sim_schedule(struct ust_sim *sim, struct sim_event *ev)
{
    if (sim->nheap == sim->capheap) {
        size_t cap = sim->capheap ? sim->capheap * 2 : 64;
        struct sim_event **h = NULL;
        if (sim->nheap < SIM_MAX_EVENTS)
            h = realloc(sim->heap, cap * sizeof(*h));
        if (!h) {
            sim->event_drops++;
            free(ev);
            return UST_ERR_NOMEM;
        }
        sim->heap = h;
        sim->capheap = cap;
    }
    ev->seq = sim->next_seq++;
    sim->heap[sim->nheap] = ev;
    heap_up(sim->heap, sim->nheap++);
    return UST_OK;
}

/* ---- the simulator object -------------------------------------------- */

struct ust_sim *ust_sim_new(uint64_t seed)
{
    struct ust_sim *sim = calloc(1, sizeof(*sim));
    if (!sim)
        return NULL;
    rng_seed(&sim->rng, seed);
    return sim;
}

void ust_sim_free(struct ust_sim *sim)
{
    if (!sim)
        return;
    while (sim->nheap)
        free(heap_pop(sim));
    free(sim->heap);
    for (size_t i = 0; i < sim->nparts; i++)
        sim->parts[i].free(sim->parts[i].obj);
    free(sim->parts);
    free(sim->stacks);
    free(sim);
}

unsigned sim_own(struct ust_sim *sim, void *obj, void (*free_fn)(void *obj))
{
    if (sim->nparts == sim->capparts) {
        size_t cap = sim->capparts ? sim->capparts * 2 : 4;
        struct sim_part *v = realloc(sim->parts, cap * sizeof(*v));
        if (!v)
            return 0;
        sim->parts = v;
        sim->capparts = cap;
    }
    sim->parts[sim->nparts++] = (struct sim_part){obj, free_fn};
    return (unsigned)sim->nparts;
}

ust_time_t ust_sim_now(const struct ust_sim *sim) { return sim->now; }
size_t ust_sim_frames_in_flight(const struct ust_sim *sim) { return sim->nheap; }

static ust_time_t sim_clock(void *ctx) { return ((struct ust_sim *)ctx)->now; }

/* A blocking call in one stack lets the whole network make progress, one
 * event at a time, until its deadline. */
static int sim_wait(void *ctx, ust_time_t deadline)
{
    struct ust_sim *sim = ctx;
    if (ust_sim_step(sim, deadline))
        return UST_OK;
    /* Nothing happens before the deadline: jump there (or report that
     * nothing will ever happen, rather than hang). */
    if (deadline != UST_TIME_NEVER && deadline > sim->now)
        sim->now = deadline;
    return UST_ERR_TIMEDOUT;
}

int ust_sim_add_stack(struct ust_sim *sim, struct ust_stack *st)
{
    if (!sim || !st)
        return UST_ERR_INVAL;
    for (size_t i = 0; i < sim->nstacks; i++)
        if (sim->stacks[i] == st)
            return UST_OK;
    if (sim->nstacks == sim->capstacks) {
        size_t cap = sim->capstacks ? sim->capstacks * 2 : 8;
        struct ust_stack **v = realloc(sim->stacks, cap * sizeof(*v));
        if (!v)
            return UST_ERR_NOMEM;
        sim->stacks = v;
        sim->capstacks = cap;
    }
    sim->stacks[sim->nstacks++] = st;
    ust_stack_set_clock(st, sim_clock, sim);
    ust_stack_set_waiter(st, sim_wait, sim);
    stack_set_now(st, sim->now);
    return UST_OK;
}

/* ---- running ----------------------------------------------------------- */

/* The earliest pending event or stack deadline; with `after_now`, only
 * those strictly later than now (the livelock guard's view); without
 * `background`, only work the stacks wait for (stack_busy_at). */
static ust_time_t sim_next_time(const struct ust_sim *sim, bool after_now, bool background)
{
    ust_time_t next = UST_TIME_NEVER;
    if (sim->nheap && (!after_now || sim->heap[0]->when > sim->now))
        next = sim->heap[0]->when;
    for (size_t i = 0; i < sim->nstacks; i++) {
        ust_time_t d = background ? ust_stack_poll_at(sim->stacks[i])
                                  : stack_busy_at(sim->stacks[i]);
        if (d < next && (!after_now || d > sim->now))
            next = d;
    }
    if (after_now && sim->nheap && sim->heap[0]->when <= sim->now) {
        /* Due frames are delivered by the step anyway; only look further. */
        for (size_t i = 0; i < sim->nheap; i++)
            if (sim->heap[i]->when > sim->now && sim->heap[i]->when < next)
                next = sim->heap[i]->when;
    }
    return next;
}

/* Delivers the frames due now that were queued before this step began:
 * frames scheduled during delivery (zero-delay links) wait for the next
 * step, so one step does bounded work. */
static void sim_deliver_due(struct ust_sim *sim)
{
    uint64_t seq_limit = sim->next_seq;
    while (sim->nheap && sim->heap[0]->when <= sim->now && sim->heap[0]->seq < seq_limit) {
        struct sim_event *ev = heap_pop(sim);
        ev->deliver(sim, ev);
        free(ev);
    }
}

/* Idle: no frame in flight and no stack with work of its own. Background
 * housekeeping (Router Solicitations for ever, periodic RAs, lifetimes)
 * then does not keep a run without a deadline going; with a deadline, or
 * before later foreground work, it fires as time passes it. */
static ust_time_t sim_next(const struct ust_sim *sim, ust_time_t deadline, bool after_now)
{
    if (deadline == UST_TIME_NEVER && sim_next_time(sim, after_now, false) == UST_TIME_NEVER)
        return UST_TIME_NEVER;
    return sim_next_time(sim, after_now, true);
}

bool ust_sim_step(struct ust_sim *sim, ust_time_t deadline)
{
    ust_time_t next = sim_next(sim, deadline, false);
    if (next <= sim->now && ++sim->same_time_steps > SIM_MAX_SAME_TIME_STEPS) {
        /* Livelock guard: a deadline that stays due however often its stack
         * is polled must not freeze the clock. Move on to the next later
         * event; the stuck stack is still polled at every step. */
        sim->livelock_breaks++;
        next = sim_next(sim, deadline, true);
    }
    if (next == UST_TIME_NEVER || next > deadline)
        return false;
    if (next > sim->now) {
        sim->now = next;
        sim->same_time_steps = 0;
    }
    sim_deliver_due(sim);
    for (size_t i = 0; i < sim->nstacks; i++)
        ust_stack_poll(sim->stacks[i], sim->now);
    return true;
}

void ust_sim_run_until(struct ust_sim *sim, ust_time_t t)
{
    for (uint64_t steps = 0; steps < SIM_MAX_STEPS_PER_RUN; steps++)
        if (!ust_sim_step(sim, t))
            break;
    if (t != UST_TIME_NEVER && sim->now < t)
        sim->now = t;
}

bool ust_sim_run_while(struct ust_sim *sim, bool (*pred)(void *ctx), void *ctx,
                       ust_time_t deadline)
{
    for (uint64_t steps = 0; steps < SIM_MAX_STEPS_PER_RUN; steps++) {
        if (!pred(ctx))
            return true;
        if (!ust_sim_step(sim, deadline)) {
            if (deadline != UST_TIME_NEVER && sim->now < deadline)
                sim->now = deadline;
            return !pred(ctx);
        }
    }
    return !pred(ctx);
}
