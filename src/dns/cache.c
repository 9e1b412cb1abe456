/* The resolver's cache: a small array, linear search, TTLs on the stack's
 * clock. Positive answers live for their smallest TTL (RFC 1035 3.2.1),
 * negative ones for the SOA's (RFC 2308 5); both capped by configuration. */
#include <stdlib.h>
#include <string.h>

#include "dns.h"

const struct dns_cache_entry *dns_cache_get(struct dns_cache *c, const char *name, uint16_t qtype,
                                            ust_time_t now)
{
    for (unsigned i = 0; c->e && i < c->cap; i++) {
        struct dns_cache_entry *e = &c->e[i];
        if (!e->name[0] || e->qtype != qtype || !dns_name_equal(e->name, name))
            continue;
        if (now >= e->expires) {
            e->name[0] = '\0'; /* expired: the slot is free again */
            return NULL;
        }
        e->used = now;
        return e;
    }
    return NULL;
}

/* A free or expired slot, else the least recently used one. */
static struct dns_cache_entry *victim(struct dns_cache *c, ust_time_t now, bool *evicted)
{
    struct dns_cache_entry *lru = &c->e[0];
    for (unsigned i = 0; i < c->cap; i++) {
        struct dns_cache_entry *e = &c->e[i];
        if (!e->name[0] || now >= e->expires)
            return e;
        if (e->used < lru->used)
            lru = e;
    }
    *evicted = true;
    return lru;
}

int dns_cache_put(struct dns_cache *c, unsigned cap, const struct dns_cache_entry *src,
                  uint32_t ttl_s, ust_time_t now, bool *evicted)
{
    *evicted = false;
    if (cap == 0 || ttl_s == 0)
        return 0;
    if (!c->e) {
        c->e = calloc(cap, sizeof(*c->e));
        if (!c->e)
            return -1;
        c->cap = cap;
    }
    struct dns_cache_entry *e = NULL;
    for (unsigned i = 0; i < c->cap && !e; i++)
        if (c->e[i].name[0] && c->e[i].qtype == src->qtype &&
            dns_name_equal(c->e[i].name, src->name))
            e = &c->e[i]; /* a newer answer replaces the old one */
    if (!e)
        e = victim(c, now, evicted);
    *e = *src;
    e->expires = now + (ust_time_t)ttl_s * UST_SEC;
    e->used = now;
    return 0;
}

void dns_cache_free(struct dns_cache *c)
{
    free(c->e);
    c->e = NULL;
    c->cap = 0;
}

void dns_destroy(struct dns_state *d) { dns_cache_free(&d->cache); }
