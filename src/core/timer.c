/* Binary min-heap of timers (see timer.h). */
#include "timer.h"

#include <stdlib.h>

#include "services.h"

static void heap_set(struct timer_heap *h, size_t i, struct ust_timer *t)
{
    h->v[i] = t;
    t->slot = i + 1;
}

static void sift_up(struct timer_heap *h, size_t i)
{
    struct ust_timer *t = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent]->when <= t->when)
            break;
        heap_set(h, i, h->v[parent]);
        i = parent;
    }
    heap_set(h, i, t);
}

static void sift_down(struct timer_heap *h, size_t i)
{
    struct ust_timer *t = h->v[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && h->v[child + 1]->when < h->v[child]->when)
            child++;
        if (t->when <= h->v[child]->when)
            break;
        heap_set(h, i, h->v[child]);
        i = child;
    }
    heap_set(h, i, t);
}

void timer_init(struct ust_timer *t, ust_timer_fn fn)
{
    t->when = 0;
    t->fn = fn;
    t->slot = 0;
}

static void heap_remove(struct timer_heap *h, size_t i)
{
    struct ust_timer *last = h->v[--h->n];
    h->v[i]->slot = 0;
    if (i == h->n)
        return;
    heap_set(h, i, last);
    sift_down(h, i);
    sift_up(h, last->slot - 1);
}

/* Room for one more timer, made before the heap is touched: a failure
 * leaves every timer where it was. */
static int heap_reserve(struct timer_heap *h)
{
    if (h->n < h->cap)
        return UST_OK;
    size_t cap = h->cap ? h->cap * 2 : 64;
    struct ust_timer **v = realloc(h->v, cap * sizeof(*v));
    if (!v)
        return UST_ERR_NOMEM;
    h->v = v;
    h->cap = cap;
    return UST_OK;
}

int timer_heap_init(struct timer_heap *h) { return heap_reserve(h); }

int timer_arm(struct ust_stack *st, struct ust_timer *t, ust_time_t when)
{
    struct timer_heap *h = &stack_services(st)->timers;
    /* A re-arm takes back the slot it frees, so it never allocates and
     * never fails; only a timer not yet armed may need the heap to grow,
     * and that happens before anything moves. */
    if (!timer_armed(t) && heap_reserve(h) != UST_OK)
        return UST_ERR_NOMEM;
    if (timer_armed(t))
        heap_remove(h, t->slot - 1);
    t->when = when;
    heap_set(h, h->n++, t);
    sift_up(h, h->n - 1);
    return UST_OK;
}

void timer_cancel(struct ust_stack *st, struct ust_timer *t)
{
    if (timer_armed(t))
        heap_remove(&stack_services(st)->timers, t->slot - 1);
}

ust_time_t timer_next(const struct ust_stack *st)
{
    const struct timer_heap *h = &stack_services_const(st)->timers;
    return h->n ? h->v[0]->when : UST_TIME_NEVER;
}

void timer_run(struct ust_stack *st, ust_time_t now)
{
    struct timer_heap *h = &stack_services(st)->timers;
    while (h->n && h->v[0]->when <= now) {
        struct ust_timer *t = h->v[0];
        heap_remove(h, 0);
        t->fn(st, t, now);
    }
}

void timer_heap_free(struct timer_heap *h)
{
    for (size_t i = 0; i < h->n; i++)
        h->v[i]->slot = 0;
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}
