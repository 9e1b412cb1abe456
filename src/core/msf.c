/* Source filters merged per interface (RFC 3376 3.2, 5.1; RFC 3810 4.2,
 * 6.1), the part IGMPv3 and MLDv2 share: a group's source table with
 * counts of the sockets that include or exclude each source, and the
 * records a change calls for. */
#include "msf.h"

#include <stdlib.h>
#include <string.h>

bool msf_in_list(const struct msf_table *t, const struct msf_src *s)
{
    if (t->nex > 0)
        return s->ex_count == t->nex && s->in_count == 0;
    return s->in_count > 0;
}

/* Received: in the list of an INCLUDE state, outside that of EXCLUDE. */
static bool received(const struct msf_table *t, const struct msf_src *s)
{
    return msf_in_list(t, s) != (t->nex > 0);
}

static struct msf_src *find_src(const struct msf_table *t, const uint8_t *a, size_t alen)
{
    for (unsigned i = 0; i < t->nsrc; i++)
        if (memcmp(t->src[i].addr, a, alen) == 0)
            return &t->src[i];
    return NULL;
}

bool msf_source_allowed(const struct msf_table *t, const uint8_t *a, size_t alen)
{
    const struct msf_src *s = find_src(t, a, alen);
    return s ? received(t, s) : t->nex > 0;
}

/* Sources of f not in the table yet. */
static unsigned missing(const struct msf_table *t, const struct msf_filter *f)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->n; i++)
        n += find_src(t, f->src + i * f->alen, f->alen) == NULL;
    return n;
}

int msf_reserve(struct msf_table *t, const struct msf_filter *f, unsigned max)
{
    if (!f || f->n == 0)
        return 0;
    unsigned need = t->nsrc + missing(t, f);
    if (need > max)
        return -2;
    if (need > t->srccap) {
        struct msf_src *v = realloc(t->src, need * sizeof(*v));
        if (!v)
            return -1;
        t->src = v;
        t->srccap = need;
    }
    for (unsigned i = 0; i < f->n; i++) {
        const uint8_t *a = f->src + i * f->alen;
        if (find_src(t, a, f->alen))
            continue;
        struct msf_src *s = &t->src[t->nsrc++];
        *s = (struct msf_src){0};
        memcpy(s->addr, a, f->alen);
    }
    return 0;
}

/* Adds (+1) or removes (-1) one socket's filter from the counts. */
static void apply(struct msf_table *t, const struct msf_filter *f, int sign)
{
    t->refs += (unsigned)sign;
    t->nex += f->exclude ? (unsigned)sign : 0;
    for (unsigned i = 0; i < f->n; i++) {
        struct msf_src *s = find_src(t, f->src + i * f->alen, f->alen);
        if (!s)
            continue; /* reserved before */
        unsigned *c = f->exclude ? &s->ex_count : &s->in_count;
        *c += (unsigned)sign;
    }
}

/* RFC 3376 5.1 / RFC 3810 6.1: a new filter mode (every pending source
 * record gives way to it), else the sources whose reception changed; a
 * source change while a mode change is still being repeated goes out in
 * its record (the current state), which repeats anew. */
static void schedule(struct msf_table *t, bool was_exclude, uint8_t r)
{
    bool mode_changed = (t->nex > 0) != was_exclude;
    bool src_changed = false;
    for (unsigned i = 0; i < t->nsrc; i++) {
        struct msf_src *s = &t->src[i];
        bool now = received(t, s);
        if (mode_changed) {
            s->rt = 0;
        } else if (now != s->was_allowed) {
            s->rt = r;
            s->rt_allow = now;
            src_changed = true;
        }
    }
    if (mode_changed || (src_changed && t->retrans > 0)) {
        t->change = t->nex > 0 ? MSF_CHANGE_TO_EXCLUDE : MSF_CHANGE_TO_INCLUDE;
        t->retrans = r;
    }
}

void msf_update(struct msf_table *t, const struct msf_filter *old, const struct msf_filter *new,
                uint8_t robustness)
{
    bool was_exclude = t->nex > 0;
    for (unsigned i = 0; i < t->nsrc; i++)
        t->src[i].was_allowed = received(t, &t->src[i]);
    if (old)
        apply(t, old, -1);
    if (new)
        apply(t, new, +1);
    if (robustness)
        schedule(t, was_exclude, robustness);
}

void msf_gc(struct msf_table *t)
{
    for (unsigned i = 0; i < t->nsrc;) {
        const struct msf_src *s = &t->src[i];
        if (s->in_count == 0 && s->ex_count == 0 && s->rt == 0 && !s->queried)
            t->src[i] = t->src[--t->nsrc];
        else
            i++;
    }
}

bool msf_pending(const struct msf_table *t)
{
    if (t->retrans)
        return true;
    for (unsigned i = 0; i < t->nsrc; i++)
        if (t->src[i].rt)
            return true;
    return false;
}

void msf_sent_pending(struct msf_table *t)
{
    if (t->retrans) {
        t->retrans--;
        return;
    }
    for (unsigned i = 0; i < t->nsrc; i++)
        if (t->src[i].rt)
            t->src[i].rt--;
}

void msf_drop_pending(struct msf_table *t)
{
    t->retrans = 0;
    for (unsigned i = 0; i < t->nsrc; i++)
        t->src[i].rt = 0;
}

bool msf_mark_queried(struct msf_table *t, const uint8_t *q, unsigned n, size_t alen)
{
    if (t->nex > 0)
        return false;
    for (unsigned i = 0; i < n; i++) {
        struct msf_src *s = find_src(t, q + (size_t)i * alen, alen);
        if (s)
            s->queried = true;
    }
    return true;
}

void msf_clear_queried(struct msf_table *t)
{
    for (unsigned i = 0; i < t->nsrc; i++)
        t->src[i].queried = false;
}

uint8_t *msf_collect(const struct msf_table *t, size_t alen,
                     bool (*want)(const struct msf_table *, const struct msf_src *), size_t *n)
{
    uint8_t *v = t->nsrc ? malloc(t->nsrc * alen) : NULL;
    *n = 0;
    for (unsigned i = 0; v && i < t->nsrc; i++)
        if (want(t, &t->src[i]))
            memcpy(v + (*n)++ * alen, t->src[i].addr, alen);
    return v;
}

bool msf_want_allow(const struct msf_table *t, const struct msf_src *s)
{
    (void)t;
    return s->rt > 0 && s->rt_allow;
}

bool msf_want_block(const struct msf_table *t, const struct msf_src *s)
{
    (void)t;
    return s->rt > 0 && !s->rt_allow;
}

/* RFC 3376 5.2 / RFC 3810 6.3: INCLUDE mode only, A * Q. */
bool msf_want_queried(const struct msf_table *t, const struct msf_src *s)
{
    return s->queried && msf_in_list(t, s);
}

void msf_free(struct msf_table *t)
{
    free(t->src);
    *t = (struct msf_table){0};
}
