/* IPv6 reassembly (RFC 8200 4.5): fragments of one {source, destination,
 * Identification} collected into one buffer with a bitmap of the 8-octet
 * blocks received. Any overlap (an exact duplicate included) drops the
 * whole datagram and every later fragment of it, silently (RFC 5722,
 * OVL-2: the entry stays "dead" until its timer). Abandoned 60 s after the
 * first fragment arrived (IP6-13) with Time Exceeded code 1 when the
 * offset-0 fragment was there (IP6-14). Bounded by cfg.ipv6_reasm_max
 * datagrams (the oldest evicted) and cfg.ipv6_reasm_mem_max bytes. */
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"
#include "wire/wbuf.h"

#define REASM6_BLOCKS (65536 / 8)
#define REASM6_QUOTE_MAX ICMPV6_ERROR_QUOTE_MAX

static void reasm6_free(struct ust_stack *st, struct reasm6 *r)
{
    struct reasm6_table *t = &stack_net6(st)->reasm;
    for (unsigned i = 0; i < t->count; i++)
        if (t->v[i] == r) {
            memmove(&t->v[i], &t->v[i + 1], (t->count - i - 1) * sizeof(t->v[0]));
            t->count--;
            break;
        }
    t->mem -= r->mem;
    timer_cancel(st, &r->timer);
    free(r->unfrag);
    free(r->first);
    free(r->data);
    free(r->blocks);
    free(r);
    if (t->count == 0) {
        free(t->v);
        t->v = NULL;
    }
}

void reasm6_destroy(struct ust_stack *st)
{
    struct reasm6_table *t = &stack_net6(st)->reasm;
    while (t->count)
        reasm6_free(st, t->v[0]);
}

static void reasm6_timer(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    (void)now;
    struct reasm6 *r = (struct reasm6 *)((char *)tm - offsetof(struct reasm6, timer));
    stack_stats(st)->ip6.Ip6ReasmTimeout++;
    stack_stats(st)->ip6.Ip6ReasmFails++;
    char s[IPV6_ADDR_STRLEN];
    TRACE(st, "ip6", "reassembly of id 0x%08x from %s timed out", (unsigned)r->id,
          IP6STR(&r->src, s));
    if (r->first && !r->dead) /* IP6-14: only when the first fragment came */
        icmp6_send_error(st, r->ifindex, ICMPV6_TIME_EXCEEDED, ICMPV6_TIME_REASSEMBLY, 0, r->first,
                         r->first_len, false, false);
    reasm6_free(st, r);
}

static struct reasm6 *reasm6_get(struct ust_stack *st, const struct ipv6_hdr *h, uint32_t id,
                                 int ifindex)
{
    struct reasm6_table *t = &stack_net6(st)->reasm;
    for (unsigned i = 0; i < t->count; i++) {
        struct reasm6 *r = t->v[i];
        if (r->id == id && ipv6_addr_eq(&r->src, &h->src) && ipv6_addr_eq(&r->dst, &h->dst))
            return r;
    }
    if (ust_stack_config(st)->ipv6_reasm_max == 0)
        return NULL;
    if (t->count >= ust_stack_config(st)->ipv6_reasm_max) { /* the oldest gives way */
        stack_stats(st)->ip6.Ip6ReasmMemDrops++;
        stack_stats(st)->ip6.Ip6ReasmFails++;
        reasm6_free(st, t->v[0]);
    }
    struct reasm6 *r = calloc(1, sizeof(*r));
    struct reasm6 **v = realloc(t->v, (t->count + 1) * sizeof(*v));
    uint8_t *blocks = calloc(REASM6_BLOCKS / 8, 1);
    if (!r || !v || !blocks) {
        free(r);
        free(blocks);
        if (v)
            t->v = v;
        return NULL;
    }
    t->v = v;
    *r = (struct reasm6){.src = h->src, .dst = h->dst, .id = id, .ifindex = ifindex,
                         .blocks = blocks, .mem = REASM6_BLOCKS / 8, .st = st};
    t->mem += r->mem;
    timer_init(&r->timer, reasm6_timer);
    timer_arm(st, &r->timer, stack_now(st) + ust_stack_config(st)->ipv6_reasm_timeout);
    t->v[t->count++] = r;
    return r;
}

static bool block_set(const struct reasm6 *r, size_t b) { return r->blocks[b / 8] & (1u << (b % 8)); }

/* Marks blocks [first, last); false when one was already there (overlap). */
static bool blocks_claim(struct reasm6 *r, size_t first, size_t last)
{
    for (size_t b = first; b < last; b++)
        if (block_set(r, b))
            return false;
    for (size_t b = first; b < last; b++)
        r->blocks[b / 8] |= (uint8_t)(1u << (b % 8));
    return true;
}

static bool reasm6_complete(const struct reasm6 *r)
{
    if (!r->have_first || !r->have_last)
        return false;
    for (size_t b = 0; b < (r->total + 7) / 8; b++)
        if (!block_set(r, b))
            return false;
    return true;
}

/* RFC 5722: the datagram is dropped and later fragments with it. */
static void reasm6_kill(struct ust_stack *st, struct reasm6 *r)
{
    stack_stats(st)->ip6.Ip6ReasmOverlaps++;
    stack_stats(st)->ip6.Ip6ReasmFails++;
    char s[IPV6_ADDR_STRLEN];
    TRACE(st, "ip6", "overlapping fragments of id 0x%08x from %s: datagram dropped",
          (unsigned)r->id, IP6STR(&r->src, s));
    r->dead = true;
    struct reasm6_table *t = &stack_net6(st)->reasm;
    free(r->data);
    free(r->first);
    free(r->unfrag);
    r->data = r->first = r->unfrag = NULL;
    t->mem -= r->mem - REASM6_BLOCKS / 8;
    r->mem = REASM6_BLOCKS / 8;
    r->cap = 0;
}

/* Room for the fragmentable part up to `end`, within the memory cap. */
static bool reasm6_grow(struct ust_stack *st, struct reasm6 *r, size_t end)
{
    if (end <= r->cap)
        return true;
    struct reasm6_table *t = &stack_net6(st)->reasm;
    if (t->mem + (end - r->cap) > ust_stack_config(st)->ipv6_reasm_mem_max)
        return false;
    uint8_t *d = realloc(r->data, end);
    if (!d)
        return false;
    r->data = d;
    t->mem += end - r->cap;
    r->mem += end - r->cap;
    r->cap = end;
    return true;
}

/* The offset-0 fragment: its headers before the Fragment header (the
 * unfragmentable part) and a copy to quote in Time Exceeded. */
static bool reasm6_first(struct reasm6 *r, const uint8_t *pkt, size_t len, size_t frag_off,
                         size_t nh_off, uint8_t next_hdr)
{
    r->unfrag = malloc(frag_off);
    size_t q = len < REASM6_QUOTE_MAX ? len : REASM6_QUOTE_MAX;
    r->first = malloc(q);
    if (!r->unfrag || !r->first)
        return false;
    memcpy(r->unfrag, pkt, frag_off);
    r->unfrag[nh_off] = next_hdr; /* the header before now names the upper layer */
    r->unfrag_len = frag_off;
    memcpy(r->first, pkt, q);
    r->first_len = q;
    r->have_first = true;
    return true;
}

static void reasm6_finish(struct ust_stack *st, struct reasm6 *r)
{
    size_t n = r->unfrag_len + r->total;
    uint8_t *buf = malloc(n);
    if (!buf || n - IPV6_HDR_LEN > 65535) {
        free(buf);
        stack_stats(st)->ip6.Ip6ReasmFails++;
        reasm6_free(st, r);
        return;
    }
    memcpy(buf, r->unfrag, r->unfrag_len);
    memcpy(buf + r->unfrag_len, r->data, r->total);
    put_be16(buf + 4, (uint16_t)(n - IPV6_HDR_LEN));
    int ifindex = r->ifindex;
    stack_stats(st)->ip6.Ip6ReasmOKs++;
    TRACE(st, "ip6", "reasm id 0x%08x: complete, %zu bytes", (unsigned)r->id, n);
    reasm6_free(st, r);
    ip6_process_ex(st, ifindex, buf, n, false, true);
    free(buf);
}

/* IP6-15/16: a non-last fragment not a multiple of 8 bytes, or one that
 * reaches beyond 65535: dropped with Parameter Problem code 0. */
static bool reasm6_sane(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                        size_t frag_off, const struct ipv6_frag *f, size_t dlen)
{
    if (f->more && (dlen % 8 != 0 || dlen == 0)) {
        icmp6_send_error(st, ifindex, ICMPV6_PARAM_PROBLEM, IPV6_PP_HEADER, 4, pkt, len, false,
                         false);
        return false;
    }
    if (frag_off - IPV6_HDR_LEN + f->offset + dlen > 65535) {
        icmp6_send_error(st, ifindex, ICMPV6_PARAM_PROBLEM, IPV6_PP_HEADER,
                         (uint32_t)(frag_off + 2), pkt, len, false, false);
        return false;
    }
    return true;
}

void reasm6_input(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                  size_t frag_off, size_t nh_off, const struct ipv6_frag *f)
{
    struct ust_stats *s = stack_stats(st);
    s->ip6.Ip6ReasmReqds++;
    const uint8_t *data = pkt + frag_off + IPV6_FRAG_HDR_LEN;
    size_t dlen = len - frag_off - IPV6_FRAG_HDR_LEN;
    if (!reasm6_sane(st, ifindex, pkt, len, frag_off, f, dlen)) {
        s->ip6.Ip6ReasmFails++;
        return;
    }
    struct ipv6_hdr h;
    ipv6_parse(pkt, len, &h);
    struct reasm6 *r = reasm6_get(st, &h, f->id, ifindex);
    if (!r) {
        s->ip6.Ip6ReasmMemDrops++;
        return;
    }
    if (r->dead) {
        s->ip6.Ip6ReasmOverlaps++; /* a later fragment of a dropped datagram */
        return;
    }
    size_t end = (size_t)f->offset + dlen;
    bool bad_end = (!f->more && r->have_last && end != r->total) ||
                   (r->have_last && end > r->total) ||
                   (!f->more && r->cap > end);
    if (bad_end || !blocks_claim(r, f->offset / 8, (end + 7) / 8)) {
        reasm6_kill(st, r);
        return;
    }
    if (!reasm6_grow(st, r, end) ||
        (f->offset == 0 && !reasm6_first(r, pkt, len, frag_off, nh_off, f->next_hdr))) {
        s->ip6.Ip6ReasmMemDrops++;
        s->ip6.Ip6ReasmFails++;
        reasm6_free(st, r);
        return;
    }
    memcpy(r->data + f->offset, data, dlen);
    if (!f->more) {
        r->have_last = true;
        r->total = end;
    }
    if (reasm6_complete(r))
        reasm6_finish(st, r);
}
