/* Byte ring (see ring.h). */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

#include "ustack/types.h"

void ring_init(struct ring *r, size_t cap)
{
    r->buf = NULL;
    r->cap = cap;
    r->head = 0;
    r->len = 0;
}

void ring_free(struct ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->head = r->len = 0;
}

int ring_set_cap(struct ring *r, size_t cap)
{
    if (r->len)
        return UST_ERR_INVAL;
    free(r->buf);
    ring_init(r, cap);
    return UST_OK;
}

static int ring_alloc(struct ring *r)
{
    if (!r->buf && r->cap) {
        r->buf = malloc(r->cap);
        if (!r->buf)
            return UST_ERR_NOMEM;
    }
    return UST_OK;
}

/* Copies n bytes in at ring position pos (wrapping). */
static void copy_in(struct ring *r, size_t pos, const uint8_t *src, size_t n)
{
    size_t first = r->cap - pos < n ? r->cap - pos : n;
    memcpy(r->buf + pos, src, first);
    memcpy(r->buf, src + first, n - first);
}

static void copy_out(const struct ring *r, size_t pos, uint8_t *dst, size_t n)
{
    size_t first = r->cap - pos < n ? r->cap - pos : n;
    memcpy(dst, r->buf + pos, first);
    memcpy(dst + first, r->buf, n - first);
}

int ring_grow(struct ring *r, size_t cap)
{
    if (cap <= r->cap)
        return UST_OK;
    if (!r->buf) { /* nothing stored yet: the allocation happens later */
        r->cap = cap;
        return UST_OK;
    }
    uint8_t *nb = malloc(cap);
    if (!nb)
        return UST_ERR_NOMEM;
    /* the whole old ring, from head on: readable and out-of-order bytes */
    copy_out(r, r->head, nb, r->cap);
    free(r->buf);
    r->buf = nb;
    r->cap = cap;
    r->head = 0;
    return UST_OK;
}

long ring_write_at(struct ring *r, size_t off, const void *data, size_t n)
{
    size_t space = ring_space(r);
    if (off >= space || n == 0)
        return 0;
    if (n > space - off)
        n = space - off;
    if (ring_alloc(r) != UST_OK)
        return UST_ERR_NOMEM;
    copy_in(r, (r->head + r->len + off) % r->cap, data, n);
    return (long)n;
}

void ring_commit(struct ring *r, size_t n)
{
    if (n > ring_space(r))
        n = ring_space(r);
    r->len += n;
}

long ring_write(struct ring *r, const void *data, size_t n)
{
    long w = ring_write_at(r, 0, data, n);
    if (w > 0)
        ring_commit(r, (size_t)w);
    return w;
}

size_t ring_peek(const struct ring *r, size_t off, void *out, size_t n)
{
    if (off >= r->len)
        return 0;
    if (n > r->len - off)
        n = r->len - off;
    if (n)
        copy_out(r, (r->head + off) % r->cap, out, n);
    return n;
}

size_t ring_drop(struct ring *r, size_t n)
{
    if (n > r->len)
        n = r->len;
    r->len -= n;
    /* head keeps moving even when the ring empties: bytes stored beyond the
     * readable data (ring_write_at) stay where they are. */
    if (n)
        r->head = (r->head + n) % r->cap;
    return n;
}

size_t ring_read(struct ring *r, void *out, size_t n)
{
    if (out)
        n = ring_peek(r, 0, out, n);
    return ring_drop(r, n);
}
