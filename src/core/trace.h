/* The trace hook: each layer reports what it did to a packet. Formatting
 * happens only when a trace sink is installed and the line's category is
 * shown. */
#ifndef UST_TRACE_H
#define UST_TRACE_H

#include <stdbool.h>
#include <string.h>

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

/* The category of a layer name. Every call site passes a string literal,
 * so the compiler folds this to a constant (strcmp of two literals): the
 * category test costs one mask test at run time. */
static inline uint32_t trace_category(const char *layer)
{
    if (!strcmp(layer, "tcp"))
        return UST_TRACE_TCP;
    if (!strcmp(layer, "ip") || !strcmp(layer, "route") || !strcmp(layer, "igmp") ||
        !strcmp(layer, "ip6") || !strcmp(layer, "mld")) /* MLD narrates as IGMP */
        return UST_TRACE_IP;
    if (!strcmp(layer, "udp") || !strcmp(layer, "dns") || !strcmp(layer, "dhcp"))
        return UST_TRACE_UDP; /* the resolver's lines come with its datagrams */
    if (!strcmp(layer, "icmp") || !strcmp(layer, "icmp6"))
        return UST_TRACE_ICMP;
    if (!strcmp(layer, "arp") || !strcmp(layer, "nd")) /* IPv6 ND narrates as ARP */
        return UST_TRACE_ARP;
    if (!strcmp(layer, "eth"))
        return UST_TRACE_ETH;
    if (!strcmp(layer, "cc"))
        return UST_TRACE_CC;
    return UST_TRACE_DEV; /* dev, if, pcap, shaper, faults, sim */
}

/* Is a sink installed and this category shown? */
static inline bool trace_wants(const struct ust_stack *st, uint32_t category)
{
    const struct ust_services *svc = stack_services_const(st);
    return svc->trace_fn != NULL && !(svc->trace_hidden & category);
}

/* Sink first: with tracing off not even the category is looked at. */
#define TRACE(st, layer, ...)                                                    \
    do {                                                                         \
        if (trace_on(st) && trace_wants((st), trace_category(layer)))            \
            trace_emit((st), (layer), __VA_ARGS__);                              \
    } while (0)

/* ---- frame notes: the stack's reasons, as pcapng packet comments -------
 * A note made while a received frame is being handled (trace_rx_begin/end,
 * called by the capture around the layers above it) is about that frame:
 * a drop reason, a state change it caused. A note made with TRACE_NOTE_TX
 * is about the frame being sent right now (TCP opens and closes that
 * scope around one segment's trip down to the device, which is
 * synchronous). Trace lines that say "drop" ("drop: ...", "eth0 drop: ...")
 * are also notes. Notes
 * are kept only while tracing is on and a capture wants them. */
static inline bool trace_notes_on(const struct ust_stack *st)
{
    const struct ust_services *svc = stack_services_const(st);
    return svc->trace_fn != NULL && svc->notes.wanted;
}
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void trace_note_add(struct ust_stack *st, bool tx, const char *fmt, ...);
/* Ends the sent frame's scope: an unused note must not label a later frame. */
static inline void trace_note_tx_clear(struct ust_stack *st) { stack_services(st)->notes.tx_len = 0; }
/* A received frame's handling starts / ends (the capture calls these). */
void trace_rx_begin(struct ust_stack *st);
void trace_rx_end(struct ust_stack *st);
/* Copies the pending note of the direction into out (NUL-terminated, ""
 * when none) and clears it. Returns its length. */
size_t trace_note_take(struct ust_stack *st, bool tx, char *out, size_t cap);

/* A note about the received frame being handled (none outside one). */
#define TRACE_NOTE(st, ...)                             \
    do {                                                \
        if (trace_notes_on(st))                         \
            trace_note_add((st), false, __VA_ARGS__);   \
    } while (0)
/* A note about the frame being sent. */
#define TRACE_NOTE_TX(st, ...)                          \
    do {                                                \
        if (trace_notes_on(st))                         \
            trace_note_add((st), true, __VA_ARGS__);    \
    } while (0)

/* "203.0.113.1" into a caller buffer, for trace lines. */
#define IP4STR(a, buf) ust_ip4_str((a), (buf))

#endif
