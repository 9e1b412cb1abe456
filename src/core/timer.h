/* Timers: a binary min-heap of intrusive timer records, so the next
 * deadline is found in O(1) and arm/cancel cost O(log n), without scanning
 * every connection. A timer is embedded in the object it belongs to. */
#ifndef UST_TIMER_H
#define UST_TIMER_H

#include <stdbool.h>
#include <stddef.h>

#include "ustack/types.h"

struct ust_stack;
struct ust_timer;
typedef void (*ust_timer_fn)(struct ust_stack *st, struct ust_timer *t, ust_time_t now);

struct ust_timer {
    ust_time_t when;
    ust_timer_fn fn;
    size_t slot; /* heap index + 1; 0 when not armed */
    bool background; /* housekeeping: see timer_set_background */
    bool in_bg;      /* armed in the background heap */
};

struct timer_heap {
    struct ust_timer **v;
    size_t n, cap;
};

void timer_init(struct ust_timer *t, ust_timer_fn fn);
/* (Re)arms t to fire at `when`. Re-arming an armed timer never fails.
 * Arming one that is not armed fails (UST_ERR_NOMEM) only when the heap
 * must grow and cannot; then nothing changed and t stays unarmed. */
int timer_arm(struct ust_stack *st, struct ust_timer *t, ust_time_t when);
void timer_cancel(struct ust_stack *st, struct ust_timer *t);
static inline bool timer_armed(const struct ust_timer *t) { return t->slot != 0; }
/* Background housekeeping (Router Solicitations retried for ever, RAs of
 * an advertising interface, lifetimes of routers, prefixes and addresses):
 * such a timer fires like any other when time passes it, but it is not
 * work the stack waits for, so a simulation whose only deadlines are
 * background ones counts as idle (timer_next_foreground, ARCHITECTURE.md
 * "Idle simulations"). Takes effect at the next timer_arm. */
static inline void timer_set_background(struct ust_timer *t, bool bg) { t->background = bg; }
/* Earliest deadline or UST_TIME_NEVER. */
ust_time_t timer_next(const struct ust_stack *st);
/* Earliest deadline of a timer that is not background, or UST_TIME_NEVER. */
ust_time_t timer_next_foreground(const struct ust_stack *st);
/* Fires every timer with when <= now (a callback may re-arm). */
void timer_run(struct ust_stack *st, ust_time_t now);
/* The heap's first slots, allocated with the stack (UST_ERR_NOMEM). */
int timer_heap_init(struct timer_heap *h);
void timer_heap_free(struct timer_heap *h);

#endif
