/* Out-of-order range bookkeeping (see assembler.h). Ranges are few and
 * bounded, so a sorted array with linear merging is both simple and fast. */
#include "assembler.h"

#include <stdlib.h>
#include <string.h>

#include "ustack/types.h"

void asm_init(struct assembler *a)
{
    memset(a, 0, sizeof(*a));
}

void asm_clear(struct assembler *a)
{
    free(a->r);
    a->r = NULL;
    a->n = a->cap = 0;
}

void asm_set_max(struct assembler *a, unsigned max) { a->max = max; }

/* Room for one more range: false when the bound is reached or memory lacks. */
static bool asm_reserve(struct assembler *a)
{
    unsigned max = a->max ? a->max : ASM_MAX_RANGES;
    if (a->n < a->cap)
        return true;
    if (a->n >= max)
        return false;
    unsigned cap = a->cap ? 2 * a->cap : 8;
    if (cap > max)
        cap = max;
    struct asm_range *r = realloc(a->r, cap * sizeof(*r));
    if (!r)
        return false;
    a->r = r;
    a->cap = cap;
    return true;
}

static void remove_at(struct assembler *a, unsigned i, unsigned count)
{
    if (count)
        memmove(&a->r[i], &a->r[i + count], (a->n - i - count) * sizeof(a->r[0]));
    a->n -= count;
}

unsigned asm_lower_bound(const struct assembler *a, uint32_t off)
{
    unsigned lo = 0, hi = a->n;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (a->r[mid].end < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int asm_add(struct assembler *a, uint32_t off, uint32_t len)
{
    if (len == 0)
        return UST_OK;
    uint32_t start = off, end = off + len;
    unsigned i = asm_lower_bound(a, start); /* touching counts */
    /* ranges i..j-1 overlap or touch [start, end) */
    unsigned j = i;
    while (j < a->n && a->r[j].start <= end)
        j++;
    if (i == j) { /* a new, separate range at index i */
        if (!asm_reserve(a))
            return UST_ERR_NOMEM;
        memmove(&a->r[i + 1], &a->r[i], (a->n - i) * sizeof(a->r[0]));
        a->r[i].start = start;
        a->r[i].end = end;
        a->n++;
    } else {
        if (a->r[i].start < start)
            start = a->r[i].start;
        if (a->r[j - 1].end > end)
            end = a->r[j - 1].end;
        a->r[i].start = start;
        a->r[i].end = end;
        remove_at(a, i + 1, j - i - 1);
    }
    return UST_OK;
}

uint32_t asm_front(const struct assembler *a)
{
    return a->n && a->r[0].start == 0 ? a->r[0].end : 0;
}

void asm_advance(struct assembler *a, uint32_t n)
{
    unsigned drop = 0;
    while (drop < a->n && a->r[drop].end <= n)
        drop++;
    remove_at(a, 0, drop);
    for (unsigned i = 0; i < a->n; i++) {
        a->r[i].start = a->r[i].start > n ? a->r[i].start - n : 0;
        a->r[i].end -= n;
    }
}

uint32_t asm_bytes(const struct assembler *a)
{
    uint32_t total = 0;
    for (unsigned i = 0; i < a->n; i++)
        total += a->r[i].end - a->r[i].start;
    return total;
}
