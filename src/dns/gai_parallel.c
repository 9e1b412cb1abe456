/* Both record types of one lookup in flight at once: when a name needs
 * AAAA and A from the server (AF_UNSPEC, or AF_INET6 with AI_V4MAPPED and
 * AI_ALL), the A query goes out right after the AAAA one instead of after
 * its answer, as glibc does without `options single-request` (RFC 3493
 * 6.1 asks for both; nothing orders them). The second pass is a query of
 * its own (the twin: its own ID, port and resends), so either may time
 * out, be truncated (TCP) or fail alone; gai.c merges the two results as
 * for sequential passes. A lookup holds at most one twin. */
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "query.h"
#include "ustack/stats.h"

static bool may_overlap(const struct ust_dns_query *q)
{
    /* AI_V4MAPPED without AI_ALL asks for A only when AAAA gave nothing:
     * the second pass depends on the first's answer. */
    bool mapped_only = q->family == AF_INET6 && !(q->flags & AI_ALL);
    return q->npass == 2 && q->pass == 0 && !mapped_only && q->name[0] && !q->twin;
}

void dns_twin_start(struct ust_stack *st, struct ust_dns_query *q,
                    int (*known)(struct ust_stack *, struct ust_dns_query *))
{
    if (!may_overlap(q) || q->state == DNS_Q_DONE)
        return;
    struct ust_dns_query *t = calloc(1, sizeof(*t));
    if (!t)
        return; /* no memory: the passes go one after the other */
    t->fd = -1;
    memcpy(t->name, q->name, sizeof(t->name));
    t->family = q->family;
    t->flags = q->flags;
    t->qtype = q->pass_type[1];
    if (known(st, t) != UST_DNS_PENDING) {
        free(t); /* hosts file or cache: the second pass takes it from there */
        return;
    }
    dns_query_send(st, t);
    q->twin = t;
    stack_stats(st)->dns.ParallelQueries++;
    TRACE(st, "dns", "%s: AAAA and A asked in parallel", q->name);
}

bool dns_twin_pending(struct ust_stack *st, struct ust_dns_query *q)
{
    if (!q->twin)
        return false;
    if (q->twin->state != DNS_Q_DONE)
        dns_query_advance(st, q->twin);
    return q->twin->state != DNS_Q_DONE;
}

int dns_twin_take(struct ust_stack *st, struct ust_dns_query *q)
{
    struct ust_dns_query *t = q->twin;
    int rc = t->result;
    if (t->qtype == DNS_TYPE_A) {
        memcpy(q->addr, t->addr, sizeof(q->addr));
        q->naddr = t->naddr;
    } else {
        memcpy(q->addr6, t->addr6, sizeof(q->addr6));
        q->naddr6 = t->naddr6;
    }
    if (rc == 0) /* as a sequential second pass's answer would set it */
        memcpy(q->canon, t->canon, sizeof(q->canon));
    dns_twin_free(st, q);
    return rc;
}

void dns_twin_free(struct ust_stack *st, struct ust_dns_query *q)
{
    if (!q->twin)
        return;
    dns_query_close(st, q->twin);
    free(q->twin);
    q->twin = NULL;
}
