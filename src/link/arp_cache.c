/* ARP neighbour cache: entries, bounded size, eviction, ageing state,
 * flush and dump (RFC 826, RFC 1122 2.3.2.1). The protocol side (packets,
 * timers' actions) is in arp.c. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_impl.h"
#include "link.h"
#include "link_state.h"

static const char *const arp_state_names[] = {"INCOMPLETE", "REACHABLE", "STALE"};

int arp_init(struct ust_stack *st)
{
    struct arp_table *t = &stack_link(st)->arp;
    memset(t, 0, sizeof(*t));
    return UST_OK;
}

static void arp_entry_free(struct ust_stack *st, struct arp_entry *e)
{
    timer_cancel(st, &e->timer);
    pkt_queue_clear(&e->pending);
    free(e);
}

void arp_destroy(struct ust_stack *st)
{
    struct arp_table *t = &stack_link(st)->arp;
    for (unsigned i = 0; i < t->count; i++)
        arp_entry_free(st, t->v[i]);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

struct arp_entry *arp_lookup(struct ust_stack *st, ust_ip4_t ip)
{
    const struct arp_table *t = &stack_link(st)->arp;
    for (unsigned i = 0; i < t->count; i++)
        if (t->v[i]->ip == ip)
            return t->v[i];
    return NULL;
}

void arp_remove(struct ust_stack *st, struct arp_entry *e)
{
    struct arp_table *t = &stack_link(st)->arp;
    for (unsigned i = 0; i < t->count; i++) {
        if (t->v[i] == e) {
            t->v[i] = t->v[--t->count];
            break;
        }
    }
    stack_stats(st)->arp.queue_drops += e->pending.count;
    arp_entry_free(st, e);
}

/* Which entries go first when the cache is full (lower first). */
static int victim_rank(const struct arp_entry *e)
{
    return e->state == ARP_INCOMPLETE ? 0 : e->state == ARP_STALE ? 1 : 2;
}

/* The entry to sacrifice when the cache is full: the oldest INCOMPLETE
 * one (its queued packets are dropped, counted in queue_drops), else the
 * least recently confirmed STALE entry, else the least recently confirmed
 * REACHABLE one. Unanswered resolutions go first: packets to many
 * addresses that never answer (SYN,ACKs to a SYN flood's spoofed on-link
 * sources, a scan) create them faster than they time out, and must
 * neither push out neighbours that answered nor keep new ones out. */
static struct arp_entry *arp_victim(struct ust_stack *st)
{
    const struct arp_table *t = &stack_link(st)->arp;
    struct arp_entry *best = NULL;
    for (unsigned i = 0; i < t->count; i++) {
        struct arp_entry *e = t->v[i];
        if (!best || victim_rank(e) < victim_rank(best) ||
            (victim_rank(e) == victim_rank(best) && e->confirmed < best->confirmed))
            best = e;
    }
    return best;
}

static int arp_table_grow(struct arp_table *t)
{
    if (t->count < t->cap)
        return UST_OK;
    unsigned cap = t->cap ? t->cap * 2 : 16;
    struct arp_entry **v = realloc(t->v, cap * sizeof(*v));
    if (!v)
        return UST_ERR_NOMEM;
    t->v = v;
    t->cap = cap;
    return UST_OK;
}

struct arp_entry *arp_create(struct ust_stack *st, ust_ip4_t ip, int ifindex)
{
    struct arp_table *t = &stack_link(st)->arp;
    unsigned max_entries = ust_stack_config(st)->arp_max_entries;
    if (t->count >= max_entries) {
        struct arp_entry *victim = arp_victim(st);
        if (!victim)
            return NULL;
        char a[16];
        TRACE(st, "arp", "cache full: evict %s", IP4STR(victim->ip, a));
        stack_stats(st)->arp.entries_evicted++;
        arp_remove(st, victim);
    }
    if (t->count >= max_entries || arp_table_grow(t) != UST_OK)
        return NULL;
    struct arp_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->ip = ip;
    e->ifindex = ifindex;
    e->state = ARP_INCOMPLETE;
    e->confirmed = stack_now(st);
    timer_init(&e->timer, arp_timer_fired);
    t->v[t->count++] = e;
    return e;
}

void ust_arp_flush(struct ust_stack *st)
{
    struct arp_table *t = &stack_link(st)->arp;
    TRACE(st, "arp", "flush %u entries", t->count);
    while (t->count)
        arp_remove(st, t->v[t->count - 1]);
}

void ust_arp_dump(const struct ust_stack *st, FILE *out)
{
    const struct arp_table *t = &stack_link_const(st)->arp;
    ust_time_t now = stack_now(st);
    for (unsigned i = 0; i < t->count; i++) {
        const struct arp_entry *e = t->v[i];
        char a[16], m[18];
        struct ust_dev *dev = NULL;
        if (ust_iface_info(st, e->ifindex, NULL, NULL, &dev) != UST_OK)
            dev = NULL;
        ust_time_t left = timer_armed(&e->timer) && e->timer.when > now ? e->timer.when - now : 0;
        fprintf(out, "%-15s %-17s %-10s %-8s %llu.%03llus\n", ust_ip4_str(e->ip, a),
                e->state == ARP_INCOMPLETE ? "(incomplete)" : ust_mac_str(&e->mac, m),
                arp_state_names[e->state], dev ? dev->name : "?",
                (unsigned long long)(left / UST_SEC),
                (unsigned long long)(left % UST_SEC / UST_MSEC));
    }
}
