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
    if (h->ai_family != AF_UNSPEC && h->ai_family != AF_INET)
        return EAI_FAMILY; /* AF_INET6: not until the stack has IPv6 */
    if (h->ai_socktype != 0 && h->ai_socktype != SOCK_STREAM && h->ai_socktype != SOCK_DGRAM)
        return EAI_SOCKTYPE;
    if (h->ai_flags & ~KNOWN_FLAGS)
        return EAI_BADFLAGS;
    return 0;
}

/* Numeric address, hosts file, cache: 0 / EAI_* when one of them knows,
 * UST_DNS_PENDING when the name has to be asked for. */
static int local_sources(struct ust_stack *st, struct ust_dns_query *q, const char *node)
{
    const struct ust_config *cfg = ust_stack_config(st);
    struct ust_dns_stats *c = &stack_stats(st)->dns;
    ust_ip4_t ip;
    if (!node) {
        q->addr[q->naddr++] = (q->flags & AI_PASSIVE) ? 0 : UST_IP4(127, 0, 0, 1);
        return 0;
    }
    if (ust_ip4_parse(node, &ip) == UST_OK) {
        q->addr[q->naddr++] = ip;
        return 0;
    }
    uint8_t wire[DNS_MAX_NAME + 1];
    if ((q->flags & AI_NUMERICHOST) || dns_name_encode(node, wire, sizeof(wire)) < 0)
        return EAI_NONAME;
    snprintf(q->name, sizeof(q->name), "%s", node);
    size_t n = strlen(q->name);
    if (n && q->name[n - 1] == '.')
        q->name[n - 1] = '\0';
    q->naddr = dns_hosts_file_lookup(cfg->dns_hosts, q->name, q->addr, DNS_MAX_ADDRS, q->canon);
    if (q->naddr) {
        c->HostsHits++;
        return 0;
    }
    const struct dns_cache_entry *e = dns_cache_get(&stack_dns(st)->cache, q->name,
                                                    ust_stack_now(st));
    if (!e)
        return UST_DNS_PENDING;
    c->CacheHits++;
    memcpy(q->addr, e->addr, sizeof(q->addr));
    q->naddr = e->naddr;
    snprintf(q->canon, sizeof(q->canon), "%s", e->canon);
    return e->result;
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
    q->flags = h->ai_flags;
    q->socktype = h->ai_socktype;
    q->protocol = h->ai_protocol;
    int rc = check_hints(h);
    if (!rc && !node && !service)
        rc = EAI_NONAME;
    if (!rc)
        rc = parse_service(service, h->ai_flags, &q->port);
    if (!rc)
        rc = local_sources(st, q, node);
    if (rc == UST_DNS_PENDING) {
        dns_query_send(st, q);
        return q->state == DNS_Q_DONE ? q->result : UST_DNS_PENDING;
    }
    dns_query_done(st, q, rc);
    return rc;
}

int ust_dns_query_step(struct ust_stack *st, struct ust_dns_query *q)
{
    if (q->state != DNS_Q_DONE)
        dns_query_advance(st, q);
    return q->state == DNS_Q_DONE ? q->result : UST_DNS_PENDING;
}

int ust_dns_query_pollfd(const struct ust_dns_query *q, struct pollfd *pfd)
{
    if (q->state == DNS_Q_DONE || q->fd < 0)
        return -1;
    pfd->fd = q->fd;
    pfd->revents = 0;
    pfd->events = POLLIN;
    if (q->state == DNS_Q_TCP && q->tcp_sent < 2 + q->msglen)
        pfd->events = POLLOUT;
    return 0;
}

ust_time_t ust_dns_query_deadline(const struct ust_dns_query *q) { return q->deadline; }
