/* The search list (resolv.conf's `search`, here the DNSSL domains of
 * Router Advertisements, RFC 8106 5.2 and 5.3.1): a name with fewer dots
 * than ndots (1, resolv.conf's default) is asked as NAME.DOMAIN for each
 * domain in turn, then as NAME itself, as glibc's res_search; a name with
 * a dot, or ending in one, is asked as it is. The next candidate is asked
 * only when the whole lookup of the previous one (every pass) said "no
 * such name". The hosts file sees the name as given (gai.c asks it
 * before planning a search, as glibc's files module does). */
#include <stdio.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "query.h"
#include "ustack/stack.h"
#include "ustack/stats.h"

#define DNS_NDOTS 1 /* resolv.conf's default */

static bool known(const struct dns_search *s, const char *d)
{
    for (unsigned i = 0; i < s->n; i++)
        if (!strcmp(s->domains[i], d))
            return true;
    return false;
}

/* Every interface's live DNSSL names, in interface and RA order, without
 * repeats, at most DNS_MAX_SEARCH. */
static void collect(const struct ust_stack *st, struct dns_search *s)
{
    struct ust_ra_dns ra;
    s->n = 0;
    for (int f = 0; f < ust_iface_count(st); f++) {
        if (ust_iface_ra_dns(st, f, &ra) != UST_OK)
            continue;
        for (unsigned i = 0; i < ra.n_domains && s->n < DNS_MAX_SEARCH; i++)
            if (ra.domain_lft[i] > 0 && ra.domains[i][0] && !known(s, ra.domains[i]))
                snprintf(s->domains[s->n++], sizeof(s->domains[0]), "%s", ra.domains[i]);
    }
}

/* Candidate i as q->name: base.domain[i], or base itself past the list.
 * false when base.domain is too long for a name (that one is skipped). */
static bool candidate(struct ust_dns_query *q, unsigned i)
{
    const struct dns_search *s = &q->search;
    if (i >= s->n) {
        snprintf(q->name, sizeof(q->name), "%s", s->base);
        return true;
    }
    uint8_t wire[DNS_MAX_NAME + 1];
    int len = snprintf(q->name, sizeof(q->name), "%s.%s", s->base, s->domains[i]);
    return len > 0 && (size_t)len < sizeof(q->name) &&
           dns_name_encode(q->name, wire, sizeof(wire)) >= 0;
}

bool dns_search_plan(struct ust_stack *st, struct ust_dns_query *q, bool absolute)
{
    unsigned dots = 0;
    for (const char *p = q->name; *p; p++)
        dots += *p == '.';
    q->search.n = 0;
    if (absolute || dots >= DNS_NDOTS)
        return false;
    collect(st, &q->search);
    if (q->search.n == 0)
        return false;
    snprintf(q->search.base, sizeof(q->search.base), "%s", q->name);
    q->search.next = 0;
    return dns_search_next(st, q);
}

bool dns_search_next(struct ust_stack *st, struct ust_dns_query *q)
{
    struct dns_search *s = &q->search;
    if (s->n == 0)
        return false;
    while (s->next <= s->n) {
        unsigned i = s->next++;
        if (!candidate(q, i))
            continue;
        stack_stats(st)->dns.SearchNames++;
        TRACE(st, "dns", "%s: asking as %s (search list)", s->base, q->name);
        return true;
    }
    return false;
}
