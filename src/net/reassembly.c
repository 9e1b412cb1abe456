/* IPv4 reassembly (RFC 791 3.2, RFC 1122 3.3.2, RFC 815 in spirit).
 * Datagrams are keyed by (source, destination, identification, protocol)
 * and hold their fragments in a list sorted by offset; memory is what was
 * received plus a fixed overhead, bounded by cfg.ip_reasm_mem_max. The
 * overlap and memory policies are described in net.h. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"
#include "wire/icmp.h"

struct reasm_frag {
    struct reasm_frag *next;
    size_t start, end; /* payload byte range [start, end) */
    uint8_t data[];
};

struct reasm {
    struct reasm *next;
    ust_ip4_t src, dst;
    uint16_t id;
    uint8_t proto;
    struct reasm_frag *frags; /* sorted by start, never overlapping */
    bool have_last;
    size_t total;             /* payload length, known once the last arrived */
    uint8_t hdr[IPV4_MAX_HDR_LEN]; /* header of the first fragment ... */
    uint8_t hdr_len;          /* ... 0 until it arrived */
    size_t mem;               /* bytes charged to the table (reasm_table.mem) */
    struct ust_timer timer;
};

static void reasm_free(struct ust_stack *st, struct reasm *r)
{
    struct reasm_table *t = &stack_net(st)->reasm;
    struct reasm **pp = &t->list;
    while (*pp && *pp != r)
        pp = &(*pp)->next;
    if (*pp)
        *pp = r->next;
    timer_cancel(st, &r->timer);
    while (r->frags) {
        struct reasm_frag *f = r->frags;
        r->frags = f->next;
        free(f);
    }
    t->mem -= r->mem;
    t->count--;
    free(r);
}

void reasm_destroy(struct ust_stack *st)
{
    struct reasm_table *t = &stack_net(st)->reasm;
    while (t->list)
        reasm_free(st, t->list);
}

/* RFC 1122 3.3.2: on timeout, time exceeded (code 1) goes to the sender
 * only if fragment zero arrived (otherwise there is nothing to quote). */
static void reasm_timeout(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct reasm *r = (struct reasm *)((char *)t - offsetof(struct reasm, timer));
    char s[16];
    stack_stats(st)->ip.ReasmTimeout++;
    stack_stats(st)->ip.ReasmFails++;
    TRACE(st, "ip", "reasm timeout id %u from %s", r->id, IP4STR(r->src, s));
    uint8_t quote[IPV4_MAX_HDR_LEN + 64];
    size_t qlen = 0;
    if (r->hdr_len && r->frags && r->frags->start == 0) {
        size_t data = r->frags->end < 64 ? r->frags->end : 64;
        memcpy(quote, r->hdr, r->hdr_len);
        memcpy(quote + r->hdr_len, r->frags->data, data);
        qlen = r->hdr_len + data;
    }
    reasm_free(st, r);
    if (qlen)
        icmp_send_error(st, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAG, 0, quote, qlen);
}

static struct reasm *reasm_find(struct ust_stack *st, const struct ipv4_hdr *h)
{
    for (struct reasm *r = stack_net(st)->reasm.list; r; r = r->next)
        if (r->src == h->src && r->dst == h->dst && r->id == h->id && r->proto == h->proto)
            return r;
    return NULL;
}

static struct reasm *reasm_new(struct ust_stack *st, const struct ipv4_hdr *h)
{
    struct reasm_table *t = &stack_net(st)->reasm;
    const struct ust_config *cfg = ust_stack_config(st);
    if (t->count >= cfg->ip_reasm_max || t->mem + sizeof(struct reasm) > cfg->ip_reasm_mem_max) {
        stack_stats(st)->ip.ReasmMemDrops++;
        TRACE(st, "ip", "reasm: refuse id %u (%u datagrams, %zu bytes held)", h->id,
              t->count, t->mem);
        return NULL;
    }
    struct reasm *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->src = h->src;
    r->dst = h->dst;
    r->id = h->id;
    r->proto = h->proto;
    r->mem = sizeof(*r);
    timer_init(&r->timer, reasm_timeout);
    timer_arm(st, &r->timer, stack_now(st) + cfg->ip_reasm_timeout);
    r->next = t->list;
    t->list = r;
    t->count++;
    t->mem += r->mem;
    return r;
}

enum { REASM_ADDED = 0, REASM_DUPLICATE = 1, REASM_CONFLICT = -1, REASM_NOMEM = -2 };

/* Checks [start, end) against what is held: exact duplicate, overlap, or
 * a contradiction with the end fixed by the last fragment. */
static int reasm_check(struct ust_stack *st, const struct reasm *r, size_t start, size_t end,
                       bool last)
{
    for (const struct reasm_frag *f = r->frags; f; f = f->next) {
        if (f->start == start && f->end == end)
            return REASM_DUPLICATE;
        if (start < f->end && f->start < end) {
            stack_stats(st)->ip.ReasmOverlaps++;
            TRACE(st, "ip", "reasm id %u: overlap [%zu,%zu) with [%zu,%zu)", r->id, start, end,
                  f->start, f->end);
            return REASM_CONFLICT;
        }
        if (last && f->end > end)
            return REASM_CONFLICT; /* data held beyond the new end */
    }
    if (r->have_last && (last ? end != r->total : end > r->total)) {
        TRACE(st, "ip", "reasm id %u: [%zu,%zu) past the end %zu", r->id, start, end, r->total);
        return REASM_CONFLICT;
    }
    return REASM_ADDED;
}

static int reasm_add(struct ust_stack *st, struct reasm *r, const struct ipv4_hdr *h,
                     const uint8_t *buf)
{
    size_t start = h->frag_off;
    size_t len = (size_t)h->total_len - h->hdr_len;
    size_t end = start + len;
    int rc = reasm_check(st, r, start, end, !h->mf);
    if (rc != REASM_ADDED)
        return rc;
    size_t need = sizeof(struct reasm_frag) + len;
    if (stack_net(st)->reasm.mem + need > ust_stack_config(st)->ip_reasm_mem_max) {
        stack_stats(st)->ip.ReasmMemDrops++;
        TRACE(st, "ip", "reasm id %u: memory cap, fragment refused", r->id);
        return REASM_NOMEM;
    }
    struct reasm_frag *f = malloc(need);
    if (!f)
        return REASM_NOMEM;
    f->start = start;
    f->end = end;
    memcpy(f->data, buf + h->hdr_len, len);
    struct reasm_frag **pp = &r->frags;
    while (*pp && (*pp)->start < start)
        pp = &(*pp)->next;
    f->next = *pp;
    *pp = f;
    r->mem += need;
    stack_net(st)->reasm.mem += need;
    if (!h->mf) {
        r->have_last = true;
        r->total = end;
    }
    if (start == 0) {
        memcpy(r->hdr, buf, h->hdr_len);
        r->hdr_len = h->hdr_len;
    }
    return REASM_ADDED;
}

static bool reasm_complete(const struct reasm *r)
{
    if (!r->have_last || !r->hdr_len)
        return false;
    size_t pos = 0;
    for (const struct reasm_frag *f = r->frags; f; f = f->next) {
        if (f->start != pos)
            return false;
        pos = f->end;
    }
    return pos == r->total;
}

/* The whole datagram: the first fragment's header (options included) with
 * total length, MF and offset rewritten, then the data in order. */
static int reasm_build(struct ust_stack *st, const struct reasm *r, uint8_t **out,
                       size_t *out_len)
{
    size_t size = r->hdr_len + r->total;
    struct ipv4_hdr h;
    const uint8_t *l4;
    size_t l4_len;
    if (size > IPV4_MAX_LEN || ipv4_parse_quoted(r->hdr, r->hdr_len, &h, &l4, &l4_len) < 0) {
        stack_stats(st)->ip.ReasmFails++;
        return -1;
    }
    uint8_t *d = malloc(size);
    if (!d) {
        stack_stats(st)->ip.ReasmFails++;
        return -1;
    }
    memcpy(d, r->hdr, r->hdr_len);
    h.total_len = (uint16_t)size;
    h.mf = false;
    h.frag_off = 0;
    ipv4_emit(&h, d, r->hdr_len);
    for (const struct reasm_frag *f = r->frags; f; f = f->next)
        memcpy(d + r->hdr_len + f->start, f->data, f->end - f->start);
    stack_stats(st)->ip.ReasmOKs++;
    *out = d;
    *out_len = size;
    return 1;
}

int reasm_input(struct ust_stack *st, const struct ipv4_hdr *h, const uint8_t *buf,
                uint8_t **out, size_t *out_len)
{
    stack_stats(st)->ip.ReasmReqds++;
    size_t len = (size_t)h->total_len - h->hdr_len;
    size_t end = (size_t)h->frag_off + len;
    struct reasm *r = reasm_find(st, h);
    /* RFC 791: every fragment but the last carries a multiple of 8 bytes;
     * nothing may end past 65535 with even the smallest header. */
    if (len == 0 || (h->mf && len % 8) || end + IPV4_HDR_LEN > IPV4_MAX_LEN) {
        stack_stats(st)->ip.ReasmFails++;
        TRACE(st, "ip", "reasm id %u: bad fragment [%u,%zu)", h->id, h->frag_off, end);
        if (r)
            reasm_free(st, r);
        return -1;
    }
    if (!r && !(r = reasm_new(st, h)))
        return -1;
    int rc = reasm_add(st, r, h, buf);
    if (rc == REASM_CONFLICT) {
        stack_stats(st)->ip.ReasmFails++;
        reasm_free(st, r);
        return -1;
    }
    if (rc == REASM_NOMEM) {
        if (!r->frags)
            reasm_free(st, r);
        return -1;
    }
    if (rc == REASM_DUPLICATE) {
        TRACE(st, "ip", "reasm id %u: duplicate [%u,%zu) ignored", h->id, h->frag_off, end);
        return 0;
    }
    if (!reasm_complete(r))
        return 0;
    rc = reasm_build(st, r, out, out_len);
    TRACE(st, "ip", "reasm id %u: complete, %zu bytes", h->id, rc == 1 ? *out_len : 0);
    reasm_free(st, r);
    return rc;
}
