/* Trace line formatting, categories, frame notes and the ready-made FILE*
 * sink. */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>

static void note_append(char *buf, uint16_t *len, const char *msg)
{
    size_t used = *len;
    int n = snprintf(buf + used, TRACE_NOTE_LEN - used, "%s%s", used ? "; " : "", msg);
    if (n < 0)
        return;
    used += (size_t)n;
    *len = (uint16_t)(used < TRACE_NOTE_LEN ? used : TRACE_NOTE_LEN - 1);
}

void trace_emit(struct ust_stack *st, const char *layer, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const struct ust_services *svc = stack_services_const(st);
    /* A drop reason ("drop..." or "eth0 drop: ...") is a note about the
     * received frame being handled. */
    if (svc->notes.wanted && svc->notes.rx_depth &&
        (!strncmp(msg, "drop", 4) || strstr(msg, " drop:"))) {
        struct trace_notes *tn = &stack_services(st)->notes;
        note_append(tn->rx, &tn->rx_len, msg);
    }
    svc->trace_fn(svc->trace_ctx, stack_now(st), layer, msg);
}

void trace_note_add(struct ust_stack *st, bool tx, const char *fmt, ...)
{
    struct trace_notes *tn = &stack_services(st)->notes;
    if (!tx && !tn->rx_depth)
        return; /* no received frame to attach it to */
    char msg[TRACE_NOTE_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (tx)
        note_append(tn->tx, &tn->tx_len, msg);
    else
        note_append(tn->rx, &tn->rx_len, msg);
}

void trace_rx_begin(struct ust_stack *st)
{
    struct trace_notes *tn = &stack_services(st)->notes;
    if (tn->rx_depth++ == 0)
        tn->rx_len = 0;
}

void trace_rx_end(struct ust_stack *st)
{
    struct trace_notes *tn = &stack_services(st)->notes;
    if (tn->rx_depth && --tn->rx_depth == 0)
        tn->rx_len = 0;
}

size_t trace_note_take(struct ust_stack *st, bool tx, char *out, size_t cap)
{
    struct trace_notes *tn = &stack_services(st)->notes;
    uint16_t *len = tx ? &tn->tx_len : &tn->rx_len;
    size_t n = *len < cap ? *len : cap - 1;
    memcpy(out, tx ? tn->tx : tn->rx, n);
    out[n] = '\0';
    *len = 0;
    return n;
}

void ust_stack_set_trace(struct ust_stack *st, ust_trace_fn fn, void *ctx)
{
    struct ust_services *svc = stack_services(st);
    svc->trace_fn = fn;
    svc->trace_ctx = ctx;
}

void ust_stack_set_trace_categories(struct ust_stack *st, uint32_t categories)
{
    stack_services(st)->trace_hidden = UST_TRACE_ALL & ~categories;
}

static const struct {
    const char *name;
    uint32_t bits;
} trace_names[] = {
    {"dev", UST_TRACE_DEV}, {"eth", UST_TRACE_ETH},   {"arp", UST_TRACE_ARP},
    {"link", UST_TRACE_ETH | UST_TRACE_ARP},          {"ip", UST_TRACE_IP},
    {"icmp", UST_TRACE_ICMP}, {"udp", UST_TRACE_UDP}, {"tcp", UST_TRACE_TCP},
    {"cc", UST_TRACE_CC},   {"all", UST_TRACE_ALL},
};

int ust_trace_parse_categories(const char *list, uint32_t *categories)
{
    if (!list || !categories)
        return UST_ERR_INVAL;
    uint32_t bits = 0;
    const char *s = list;
    for (;;) {
        size_t n = strcspn(s, ",");
        size_t i = 0;
        while (i < sizeof(trace_names) / sizeof(trace_names[0]) &&
               (strlen(trace_names[i].name) != n || strncmp(trace_names[i].name, s, n) != 0))
            i++;
        if (i == sizeof(trace_names) / sizeof(trace_names[0]))
            return UST_ERR_INVAL;
        bits |= trace_names[i].bits;
        if (!s[n])
            break;
        s += n + 1;
    }
    *categories = bits;
    return UST_OK;
}

void ust_trace_to_file(void *file, ust_time_t now, const char *layer, const char *msg)
{
    fprintf((FILE *)file, "%4llu.%06llu %-5s %s\n", (unsigned long long)(now / UST_SEC),
            (unsigned long long)(now % UST_SEC / UST_USEC), layer, msg);
}
