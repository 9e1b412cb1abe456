/* Trace line formatting and the ready-made FILE* sink. */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>

void trace_emit(struct ust_stack *st, const char *layer, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const struct ust_services *svc = stack_services_const(st);
    svc->trace_fn(svc->trace_ctx, stack_now(st), layer, msg);
}

void ust_stack_set_trace(struct ust_stack *st, ust_trace_fn fn, void *ctx)
{
    struct ust_services *svc = stack_services(st);
    svc->trace_fn = fn;
    svc->trace_ctx = ctx;
}

void ust_trace_to_file(void *file, ust_time_t now, const char *layer, const char *msg)
{
    fprintf((FILE *)file, "%4llu.%06llu %-5s %s\n", (unsigned long long)(now / UST_SEC),
            (unsigned long long)(now % UST_SEC / UST_USEC), layer, msg);
}
