/* The trace hook: each layer reports what it did to a packet. Formatting
 * happens only when a trace sink is installed. */
#ifndef UST_TRACE_H
#define UST_TRACE_H

#include <stdbool.h>

#include "core/services.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void trace_emit(struct ust_stack *st, const char *layer, const char *fmt, ...);

/* Is a trace sink installed? One load and a test: every frame asks. */
static inline bool trace_on(const struct ust_stack *st)
{
    return stack_services_const(st)->trace_fn != NULL;
}

#define TRACE(st, layer, ...)                        \
    do {                                             \
        if (trace_on(st))                            \
            trace_emit((st), (layer), __VA_ARGS__);  \
    } while (0)

/* "203.0.113.1" into a caller buffer, for trace lines. */
#define IP4STR(a, buf) ust_ip4_str((a), (buf))

#endif
