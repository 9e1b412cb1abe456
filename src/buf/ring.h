/* A byte ring: the storage of a TCP socket buffer. The send ring holds the
 * bytes from SND.UNA on (retransmission re-reads it, there is no segment
 * queue); the receive ring holds in-order bytes not yet read, and its free
 * space doubles as the out-of-order area (ring_write_at puts bytes beyond
 * the readable data without making them readable; ring_commit does). So
 * the memory a connection can use is fixed by its buffer sizes. */
#ifndef UST_RING_H
#define UST_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring {
    uint8_t *buf;  /* allocated lazily on the first write */
    size_t cap;    /* capacity in bytes */
    size_t head;   /* index of the first readable byte */
    size_t len;    /* readable bytes */
};

/* Sets the capacity (no allocation yet). */
void ring_init(struct ring *r, size_t cap);
void ring_free(struct ring *r);
/* Changes the capacity; only while empty (returns 0, or UST_ERR_INVAL when
 * bytes are held). */
int ring_set_cap(struct ring *r, size_t cap);
/* Grows the capacity to cap, keeping every byte where its offset from the
 * head says: the readable data and what ring_write_at stored beyond it
 * (buffer autotuning, tcp_autotune.c). A smaller cap changes nothing.
 * Returns 0, or UST_ERR_NOMEM with the ring unchanged. */
int ring_grow(struct ring *r, size_t cap);
static inline size_t ring_len(const struct ring *r) { return r->len; }
static inline size_t ring_space(const struct ring *r) { return r->cap - r->len; }
/* Appends up to n bytes; returns how many fit (or UST_ERR_NOMEM). */
long ring_write(struct ring *r, const void *data, size_t n);
/* Copies n bytes into the free space starting `off` bytes after the end of
 * the readable data, without making them readable. Bytes that would not
 * fit are ignored; returns how many were stored (or UST_ERR_NOMEM). */
long ring_write_at(struct ring *r, size_t off, const void *data, size_t n);
/* Makes n bytes of the free space (written with ring_write_at) readable. */
void ring_commit(struct ring *r, size_t n);
/* Copies up to n bytes from `off` bytes into the readable data, without
 * consuming. Returns the count copied. */
size_t ring_peek(const struct ring *r, size_t off, void *out, size_t n);
/* Consumes up to n bytes (copied to out if not NULL). Returns the count. */
size_t ring_read(struct ring *r, void *out, size_t n);
/* Discards up to n bytes from the front. Returns the count. */
size_t ring_drop(struct ring *r, size_t n);

#endif
