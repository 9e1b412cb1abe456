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
    t->background = t->in_bg = false;
}

static struct timer_heap *heap_of(struct ust_stack *st, bool bg)
{
    return bg ? &stack_services(st)->bg_timers : &stack_services(st)->timers;
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
    struct timer_heap *h = heap_of(st, t->background);
    /* A re-arm in the same heap takes back the slot it frees, so it never
     * allocates and never fails; only a timer entering a heap may need it
     * to grow, and that happens before anything moves. */
    bool entering = !timer_armed(t) || t->in_bg != t->background;
    if (entering && heap_reserve(h) != UST_OK)
        return UST_ERR_NOMEM;
    if (timer_armed(t))
        heap_remove(heap_of(st, t->in_bg), t->slot - 1);
    t->when = when;
    t->in_bg = t->background;
    heap_set(h, h->n++, t);
    sift_up(h, h->n - 1);
    return UST_OK;
}

void timer_cancel(struct ust_stack *st, struct ust_timer *t)
{
    if (timer_armed(t))
        heap_remove(heap_of(st, t->in_bg), t->slot - 1);
}

static ust_time_t heap_top(const struct timer_heap *h)
{
    return h->n ? h->v[0]->when : UST_TIME_NEVER;
}

ust_time_t timer_next_foreground(const struct ust_stack *st)
{
    return heap_top(&stack_services_const(st)->timers);
}

ust_time_t timer_next(const struct ust_stack *st)
{
    ust_time_t fg = heap_top(&stack_services_const(st)->timers);
    ust_time_t bg = heap_top(&stack_services_const(st)->bg_timers);
    return fg < bg ? fg : bg;
}

/* Both heaps in deadline order (a foreground timer first on a tie). */
void timer_run(struct ust_stack *st, ust_time_t now)
{
    struct timer_heap *fg = &stack_services(st)->timers, *bg = &stack_services(st)->bg_timers;
    for (;;) {
        ust_time_t f = heap_top(fg), b = heap_top(bg);
        struct timer_heap *h = f <= b ? fg : bg;
        if (!h->n || h->v[0]->when > now)
            return;
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
