/* Batch-end hooks: work protocols defer to the end of a receive batch
 * (defer.h). */
#include "defer.h"
#include "stack_impl.h"

int stack_defer_register(struct ust_stack *st, void (*run)(struct ust_stack *st),
                         bool (*pending)(const struct ust_stack *st))
{
    struct stack_defer_list *l = &st->defer;
    if (l->count == STACK_MAX_DEFER)
        return UST_ERR_NOMEM;
    l->v[l->count].run = run;
    l->v[l->count].pending = pending;
    l->count++;
    return UST_OK;
}

void stack_defer_run(struct ust_stack *st)
{
    for (unsigned i = 0; i < st->defer.count; i++)
        st->defer.v[i].run(st);
}

bool stack_defer_pending(const struct ust_stack *st)
{
    for (unsigned i = 0; i < st->defer.count; i++)
        if (st->defer.v[i].pending && st->defer.v[i].pending(st))
            return true;
    return false;
}

void stack_rx_batch_begin(struct ust_stack *st) { st->rx_batch++; }

bool stack_in_rx_batch(const struct ust_stack *st) { return st->rx_batch > 0; }

void stack_rx_batch_end(struct ust_stack *st)
{
    if (st->rx_batch > 0 && --st->rx_batch == 0)
        stack_defer_run(st);
}
