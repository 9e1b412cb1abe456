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
    return p;
}

void pkt_free(struct pkt *p) { free(p); }

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
