/* What a matching answer means for the caller and for the cache:
 * RCODE and records to an EAI_* result (as glibc maps them), positive
 * answers cached for their TTL, negative ones for the SOA's (RFC 2308 5,
 * capped: RFC 2308 5 suggests at most hours; we cap lower by default). */
#include <stdio.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "query.h"
#include "ustack/config.h"
#include "ustack/socket.h"
#include "ustack/stack.h"
#include "ustack/stats.h"

void dns_query_done(struct ust_stack *st, struct ust_dns_query *q, int result)
{
    dns_query_close(st, q);
    q->state = DNS_Q_DONE;
    q->result = result;
    q->deadline = UST_TIME_NEVER;
}

static uint32_t cap_ttl(uint32_t ttl, uint32_t max) { return ttl < max ? ttl : max; }

static void cache_store(struct ust_stack *st, const struct ust_dns_query *q, uint32_t ttl)
{
    const struct ust_config *cfg = ust_stack_config(st);
    struct dns_cache_entry e;
    memset(&e, 0, sizeof(e));
    snprintf(e.name, sizeof(e.name), "%s", q->name);
    snprintf(e.canon, sizeof(e.canon), "%s", q->canon);
    e.qtype = q->qtype;
    memcpy(e.addr, q->addr, sizeof(e.addr));
    e.naddr = q->naddr;
    memcpy(e.addr6, q->addr6, sizeof(e.addr6));
    e.naddr6 = q->naddr6;
    e.result = q->result;
    bool evicted;
    dns_cache_put(&stack_dns(st)->cache, cfg->dns_cache_size, &e, ttl, ust_stack_now(st), &evicted);
    if (evicted)
        stack_stats(st)->dns.CacheEvictions++;
}

static int rcode_result(struct ust_dns_stats *c, const struct dns_answer *a)
{
    switch (a->rcode) {
    case DNS_NOERROR: /* NODATA: no A (or AAAA) for this name */
        return a->naddr || a->naddr6 ? 0 : EAI_NONAME;
    case DNS_NXDOMAIN: c->NxDomain++; return EAI_NONAME;
    case DNS_SERVFAIL: c->ServFail++; return EAI_AGAIN;
    default: return EAI_FAIL; /* FORMERR, NOTIMP, REFUSED: asking again will not help */
    }
}

void dns_answer_use(struct ust_stack *st, struct ust_dns_query *q, const struct dns_answer *a)
{
    const struct ust_config *cfg = ust_stack_config(st);
    struct ust_dns_stats *c = &stack_stats(st)->dns;
    c->Answers++;
    int result = rcode_result(c, a);
    if (result == 0) {
        /* Only the asked type's array: the other pass of an AF_UNSPEC
         * lookup may already have filled the other one. */
        if (q->qtype == DNS_TYPE_AAAA)
            memcpy(q->addr6, a->addr6, sizeof(q->addr6)), q->naddr6 = a->naddr6;
        else
            memcpy(q->addr, a->addr, sizeof(q->addr)), q->naddr = a->naddr;
        snprintf(q->canon, sizeof(q->canon), "%s", a->canon);
    }
    dns_query_done(st, q, result);
    char ip[UST_IP6_STRLEN];
    TRACE(st, "dns", "%s%s: %s%s", q->name, q->qtype == DNS_TYPE_AAAA ? " AAAA" : "",
          result ? ust_gai_strerror(result) : "",
          result ? "" : q->qtype == DNS_TYPE_AAAA ? ust_ip6_str(q->addr6[0], ip)
                                                  : ust_ip4_str(q->addr[0], ip));
    if (result == 0)
        cache_store(st, q, cap_ttl(a->ttl, cfg->dns_ttl_max));
    else if (result == EAI_NONAME && a->has_soa) /* RFC 2308 5: no SOA, no caching */
        cache_store(st, q, cap_ttl(a->neg_ttl, cfg->dns_neg_ttl_max));
}
