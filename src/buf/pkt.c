#include "pkt.h"

#include <stdlib.h>
#include <string.h>

struct pkt *pkt_alloc(size_t headroom, size_t len)
{
    size_t cap = headroom + len;
    struct pkt *p = malloc(sizeof(*p) + cap);
    if (!p)
        return NULL;
    p->cap = cap;
    p->data = p->mem + headroom;
    p->len = len;
    p->next = NULL;
    p->off = (struct pkt_offload){0};
    return p;
}

void pkt_free(struct pkt *p) { free(p); }

struct pkt *pkt_pool_alloc(struct pkt_pool *pool, size_t headroom, size_t len)
{
    if (headroom + len > PKT_POOL_CAP)
        return pkt_alloc(headroom, len);
    struct pkt *p = pool->free;
    if (p) {
        pool->free = p->next;
        pool->n--;
    } else {
        p = malloc(sizeof(*p) + PKT_POOL_CAP);
        if (!p)
            return NULL;
        p->cap = PKT_POOL_CAP;
    }
    p->data = p->mem + headroom;
    p->len = len;
    p->next = NULL;
    p->off = (struct pkt_offload){0};
    return p;
}

void pkt_pool_free(struct pkt_pool *pool, struct pkt *p)
{
    if (!p)
        return;
    if (p->cap != PKT_POOL_CAP || pool->n >= PKT_POOL_MAX) {
        free(p);
        return;
    }
    p->next = pool->free;
    pool->free = p;
    pool->n++;
}

void pkt_pool_clear(struct pkt_pool *pool)
{
    while (pool->free) {
        struct pkt *p = pool->free;
        pool->free = p->next;
        free(p);
    }
    pool->n = 0;
}

uint8_t *pkt_push(struct pkt *p, size_t n)
{
    if ((size_t)(p->data - p->mem) < n)
        return NULL;
    p->data -= n;
    p->len += n;
    return p->data;
}

void pkt_pull(struct pkt *p, size_t n)
{
    if (n > p->len)
        n = p->len;
    p->data += n;
    p->len -= n;
}

void pkt_trim(struct pkt *p, size_t n)
{
    if (n < p->len)
        p->len = n;
}

size_t pkt_headroom(const struct pkt *p) { return (size_t)(p->data - p->mem); }

struct pkt *pkt_copy(const uint8_t *data, size_t len)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, len);
    if (p && len)
        memcpy(p->data, data, len);
    return p;
}

void pkt_queue_push(struct pkt_queue *q, struct pkt *p)
{
    p->next = NULL;
    if (q->tail)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
    q->count++;
    q->bytes += p->len;
}

struct pkt *pkt_queue_pop(struct pkt_queue *q)
{
    struct pkt *p = q->head;
    if (!p)
        return NULL;
    q->head = p->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    q->bytes -= p->len;
    p->next = NULL;
    return p;
}

void pkt_queue_clear(struct pkt_queue *q)
{
    struct pkt *p;
    while ((p = pkt_queue_pop(q)))
        pkt_free(p);
}
