/* ust_getaddrinfo: arguments, the local sources (numeric, hosts file,
 * cache), then the query (query.c); the result as an addrinfo list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "query.h"
#include "ustack/config.h"
#include "ustack/socket.h"
#include "ustack/stack.h"
#include "ustack/stats.h"

#define KNOWN_FLAGS (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV | \
                     AI_ADDRCONFIG | AI_V4MAPPED | AI_ALL)

/* A few well-known services (the rest of /etc/services is not read: the
 * resolver touches no file but the hosts file). */
static const struct { const char *name; uint16_t port; } services[] = {
    {"echo", 7},    {"discard", 9}, {"ftp", 21},   {"ssh", 22},    {"telnet", 23},
    {"smtp", 25},   {"domain", 53}, {"http", 80},  {"pop3", 110},  {"ntp", 123},
    {"imap", 143},  {"https", 443}, {"iperf3", 5201},
};

const char *dns_service_name(uint16_t port)
{
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        if (services[i].port == port)
            return services[i].name;
    return NULL;
}

static int parse_service(const char *s, int flags, uint16_t *port)
{
    *port = 0;
    if (!s)
        return 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s >= '0' && *s <= '9' && !*end)
        return v <= 65535 ? (*port = (uint16_t)v, 0) : EAI_SERVICE;
    if (flags & AI_NUMERICSERV)
        return EAI_NONAME; /* as glibc */
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        if (!strcmp(s, services[i].name))
            return *port = services[i].port, 0;
    return EAI_SERVICE;
}

static int check_hints(const struct addrinfo *h)
{
    if (h->ai_family != AF_UNSPEC && h->ai_family != AF_INET && h->ai_family != AF_INET6)
        return EAI_FAMILY;
    if (h->ai_socktype != 0 && h->ai_socktype != SOCK_STREAM && h->ai_socktype != SOCK_DGRAM)
        return EAI_SOCKTYPE;
    if (h->ai_flags & ~KNOWN_FLAGS)
        return EAI_BADFLAGS;
    return 0;
}

/* The record types to ask for (RFC 3493 6.1): AF_INET A, AF_INET6 AAAA
 * (then A when AI_V4MAPPED may map them), AF_UNSPEC both -- AAAA only
 * when the stack has a global IPv6 address: without one no AAAA result
 * could be reached (RFC 6724 6 rule 1 would put it last anyway), and an
 * IPv4-only stack keeps its one query per name. */
static void plan_passes(const struct ust_stack *st, struct ust_dns_query *q)
{
    /* AI_ADDRCONFIG (RFC 3493 6.1): a family the stack has no
     * non-loopback address of is not asked for at all. */
    bool cfg_only = q->flags & AI_ADDRCONFIG;
    bool have6 = dns_family_configured(st, AF_INET6);
    bool ask6 = q->family == AF_INET6 || (q->family == AF_UNSPEC && have6);
    bool ask4 = q->family != AF_INET6 || (q->flags & AI_V4MAPPED);
    q->npass = 0;
    if (ask6 && (!cfg_only || have6))
        q->pass_type[q->npass++] = DNS_TYPE_AAAA;
    if (ask4 && (!cfg_only || dns_family_configured(st, AF_INET)))
        q->pass_type[q->npass++] = DNS_TYPE_A;
    q->pass = 0;
    q->qtype = q->pass_type[0];
}

/* No node: the loopback or the wildcard address of each family asked
 * (IPv6 for AF_UNSPEC under plan_passes' condition). */
static int no_node(struct ust_dns_query *q)
{
    static const uint8_t loop6[16] = {[15] = 1};
    bool passive = q->flags & AI_PASSIVE;
    if (q->pass_type[0] == DNS_TYPE_AAAA) {
        memset(q->addr6[0], 0, 16);
        if (!passive)
            memcpy(q->addr6[0], loop6, 16);
        q->naddr6 = 1;
    }
    if (q->family != AF_INET6)
        q->addr[q->naddr++] = passive ? 0 : UST_IP4(127, 0, 0, 1);
    return 0;
}

/* A numeric node (either family; "fe80::1%2" or "fe80::1%tap0" carries its
 * scope): 0, EAI_NONAME for the other family (unless AI_V4MAPPED maps an
 * IPv4 one) or a zone no interface is named, 1 when node is not numeric. */
static int numeric_node(struct ust_stack *st, struct ust_dns_query *q, const char *node)
{
    struct ust_addr a;
    int rc = ust_addr_parse_scoped(st, node, &a);
    if (rc == UST_ERR_NOENT)
        return EAI_NONAME; /* as glibc for "fe80::1%nosuchif" */
    if (rc != UST_OK)
        return 1;
    if (a.family == UST_AF_INET6) {
        if (q->family == AF_INET)
            return EAI_NONAME;
        memcpy(q->addr6[q->naddr6++], a.u.v6, 16);
        q->scope6 = a.scope_id;
        return 0;
    }
    if (q->family == AF_INET6 && !(q->flags & AI_V4MAPPED))
        return EAI_NONAME;
    q->addr[q->naddr++] = a.u.v4;
    return 0;
}

/* This pass's type from the hosts file or the cache: 0 / EAI_*, or
 * UST_DNS_PENDING when it has to be asked for. */
static int known_pass(struct ust_stack *st, struct ust_dns_query *q)
{
    const struct ust_config *cfg = ust_stack_config(st);
    struct ust_dns_stats *c = &stack_stats(st)->dns;
    bool six = q->qtype == DNS_TYPE_AAAA;
    unsigned n = six ? dns_hosts_file_lookup6(cfg->dns_hosts, q->name, q->addr6, DNS_MAX_ADDRS,
                                              q->canon)
                     : dns_hosts_file_lookup(cfg->dns_hosts, q->name, q->addr, DNS_MAX_ADDRS,
                                             q->canon);
    if (n) {
        *(six ? &q->naddr6 : &q->naddr) = n;
        c->HostsHits++;
        return 0;
    }
    const struct dns_cache_entry *e = dns_cache_get(&stack_dns(st)->cache, q->name, q->qtype,
                                                    ust_stack_now(st));
    if (!e)
        return UST_DNS_PENDING;
    c->CacheHits++;
    if (six)
        memcpy(q->addr6, e->addr6, sizeof(q->addr6)), q->naddr6 = e->naddr6;
    else
        memcpy(q->addr, e->addr, sizeof(q->addr)), q->naddr = e->naddr;
    if (!q->canon[0] || e->result == 0)
        snprintf(q->canon, sizeof(q->canon), "%s", e->canon);
    return e->result;
}

/* Numeric address, hosts file, cache: 0 / EAI_* when one of them knows,
 * UST_DNS_PENDING when the name has to be asked for. */
static int local_sources(struct ust_stack *st, struct ust_dns_query *q, const char *node)
{
    if (!node)
        return no_node(q);
    int rc = numeric_node(st, q, node);
    if (rc <= 0)
        return rc;
    uint8_t wire[DNS_MAX_NAME + 1];
    if ((q->flags & AI_NUMERICHOST) || dns_name_encode(node, wire, sizeof(wire)) < 0 ||
        q->npass == 0) /* npass 0: AI_ADDRCONFIG left no family to ask for */
        return EAI_NONAME;
    snprintf(q->name, sizeof(q->name), "%s", node);
    size_t n = strlen(q->name);
    bool absolute = n && q->name[n - 1] == '.';
    if (absolute)
        q->name[n - 1] = '\0';
    rc = known_pass(st, q); /* the hosts file sees the name as given */
    if (rc == UST_DNS_PENDING && dns_search_plan(st, q, absolute))
        rc = known_pass(st, q);
    return rc;
}

/* The two passes' results as one (glibc: any address is success; else
 * the more telling failure, "no such name" only when both say so). */
static int merge_results(int first, int second)
{
    if (first == 0 || second == 0)
        return 0;
    return first != EAI_NONAME ? first : second;
}

/* After a pass: the next one (from the hosts file, the cache or the
 * server), or the merged result. AI_V4MAPPED without AI_ALL asks for A
 * only when AAAA gave nothing (RFC 3493 6.1). */
static int next_pass(struct ust_stack *st, struct ust_dns_query *q, int rc)
{
    while (rc != UST_DNS_PENDING && q->pass + 1 < q->npass && q->name[0]) {
        bool mapped_only = q->family == AF_INET6 && !(q->flags & AI_ALL);
        if (mapped_only && q->naddr6)
            break;
        if (dns_twin_pending(st, q))
            return UST_DNS_PENDING; /* the first pass answered, the twin not yet */
        q->first_result = q->pass == 0 ? rc : merge_results(q->first_result, rc);
        q->qtype = q->pass_type[++q->pass];
        if (q->twin) {
            rc = dns_twin_take(st, q);
        } else if ((rc = known_pass(st, q)) == UST_DNS_PENDING) {
            dns_query_send(st, q);
            rc = q->state == DNS_Q_DONE ? q->result : UST_DNS_PENDING;
        }
        if (rc != UST_DNS_PENDING)
            rc = merge_results(q->first_result, rc);
    }
    if (rc != UST_DNS_PENDING && q->pass > 0)
        q->result = rc;
    return rc;
}

/* The first pass of q->name (from the hosts file, the cache or the
 * server, and the second one's twin with it), then next_pass. */
static int first_pass(struct ust_stack *st, struct ust_dns_query *q, int rc)
{
    if (rc == UST_DNS_PENDING) {
        dns_query_send(st, q);
        dns_twin_start(st, q, known_pass); /* the other type too, at once */
        rc = q->state == DNS_Q_DONE ? q->result : UST_DNS_PENDING;
    } else {
        dns_query_done(st, q, rc);
    }
    return next_pass(st, q, rc);
}

/* "No such name" for a candidate of the search list: the next one, from
 * its first pass (gai_search.c). */
static int search_on(struct ust_stack *st, struct ust_dns_query *q, int rc)
{
    while (rc == EAI_NONAME && dns_search_next(st, q)) {
        dns_twin_free(st, q);
        q->naddr = q->naddr6 = 0;
        q->canon[0] = '\0';
        q->pass = 0;
        q->first_result = 0;
        q->qtype = q->pass_type[0];
        rc = first_pass(st, q, known_pass(st, q));
    }
    return rc;
}

int ust_dns_query_start(struct ust_stack *st, const char *node, const char *service,
                        const struct addrinfo *hints, struct ust_dns_query **qp)
{
    struct addrinfo none = {0};
    const struct addrinfo *h = hints ? hints : &none;
    struct ust_dns_query *q = *qp = calloc(1, sizeof(*q));
    if (!q)
        return EAI_MEMORY;
    q->fd = -1;
    q->family = h->ai_family;
    q->flags = h->ai_flags;
    q->socktype = h->ai_socktype;
    q->protocol = h->ai_protocol;
    plan_passes(st, q);
    int rc = check_hints(h);
    if (!rc && !node && !service)
        rc = EAI_NONAME;
    if (!rc)
        rc = parse_service(service, h->ai_flags, &q->port);
    if (!rc)
        rc = local_sources(st, q, node);
    return search_on(st, q, first_pass(st, q, rc));
}

int ust_dns_query_step(struct ust_stack *st, struct ust_dns_query *q)
{
    (void)dns_twin_pending(st, q); /* its answers read, its resends sent */
    if (q->state != DNS_Q_DONE)
        dns_query_advance(st, q);
    if (q->state != DNS_Q_DONE)
        return UST_DNS_PENDING;
    int rc = q->pass + 1 < q->npass ? next_pass(st, q, q->result)
                                    : (q->pass ? (q->result = merge_results(q->first_result,
                                                                             q->result))
                                               : q->result);
    return search_on(st, q, rc);
}

int ust_dns_query_pollfd(const struct ust_dns_query *q, struct pollfd *pfd)
{
    if ((q->state == DNS_Q_DONE || q->fd < 0) && q->twin)
        q = q->twin; /* the first pass answered: wait for the second */
    if (q->state == DNS_Q_DONE || q->fd < 0)
        return -1;
    pfd->fd = q->fd;
    pfd->revents = 0;
    pfd->events = POLLIN;
    if (q->state == DNS_Q_TCP && q->tcp_sent < 2 + q->msglen)
        pfd->events = POLLOUT;
    return 0;
}

ust_time_t ust_dns_query_deadline(const struct ust_dns_query *q)
{
    /* the sooner of the two passes in flight (a twin's resend is due then) */
    if (q->twin && q->twin->state != DNS_Q_DONE && q->twin->deadline < q->deadline)
        return q->twin->deadline;
    return q->deadline;
}
