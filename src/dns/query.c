/* A query over UDP: a fresh ID and source port per attempt (RFC 5452 9.2),
 * answers matched to the query (RFC 5452 4.1), resends with a doubling
 * timeout (RFC 1536 1, as resolv.conf's timeout/attempts). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "query.h"
#include "ustack/config.h"
#include "ustack/socket.h"
#include "ustack/stack.h"
#include "ustack/stats.h"

#define PORT_TRIES 16

void dns_query_close(struct ust_stack *st, struct ust_dns_query *q)
{
    if (q->fd >= 0)
        ust_close(st, q->fd);
    q->fd = -1;
    free(q->tcp);
    q->tcp = NULL;
}

static void server4(struct dns_server *srv, ust_ip4_t addr)
{
    memset(srv, 0, sizeof(*srv));
    srv->u.sin.sin_family = AF_INET;
    srv->u.sin.sin_port = htons(DNS_PORT);
    srv->u.sin.sin_addr.s_addr = htonl(addr);
    srv->len = sizeof(srv->u.sin);
}

static void server6(struct dns_server *srv, const uint8_t addr[16], uint32_t scope)
{
    memset(srv, 0, sizeof(*srv));
    srv->u.sin6.sin6_family = AF_INET6;
    srv->u.sin6.sin6_port = htons(DNS_PORT);
    memcpy(&srv->u.sin6.sin6_addr, addr, 16);
    srv->u.sin6.sin6_scope_id = scope;
    srv->len = sizeof(srv->u.sin6);
}

static bool listed(const struct dns_server *list, unsigned n, const uint8_t addr[16])
{
    for (unsigned i = 0; i < n; i++)
        if (list[i].u.sa.sa_family == AF_INET6 && !memcmp(&list[i].u.sin6.sin6_addr, addr, 16))
            return true;
    return false;
}

/* The name servers in the order they are tried: cfg.dns_server (IPv4),
 * cfg.dns_server6 (configured, or the first RDNSS one), then the other
 * RDNSS addresses (cfg.dns_servers6, RFC 8106 5.3.1: in RA order; a
 * link-local one only as dns_server6, the one with a known scope); at
 * most DNS_MAX_SERVERS, as resolv.conf's MAXNS. */
unsigned dns_servers(const struct ust_stack *st, struct dns_server out[DNS_MAX_SERVERS])
{
    static const uint8_t none6[16];
    const struct ust_config *cfg = ust_stack_config(st);
    unsigned n = 0;
    if (cfg->dns_server)
        server4(&out[n++], cfg->dns_server);
    if (memcmp(cfg->dns_server6, none6, 16) != 0)
        server6(&out[n++], cfg->dns_server6, cfg->dns_server6_scope);
    for (unsigned i = 0; i < cfg->dns_servers6_count && i < UST_RA_MAX_DNS; i++) {
        const uint8_t *a = cfg->dns_servers6[i];
        bool link_local = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
        if (n < DNS_MAX_SERVERS && !link_local && !listed(out, n, a))
            server6(&out[n++], a, 0);
    }
    return n;
}

bool dns_server_addr(const struct ust_stack *st, unsigned index, struct dns_server *srv)
{
    struct dns_server list[DNS_MAX_SERVERS];
    if (index >= dns_servers(st, list))
        return false;
    *srv = list[index];
    return true;
}

/* Bound to port, of the server's family. */
static int bind_port(struct ust_stack *st, int fd, int family, uint16_t port)
{
    struct dns_server any;
    memset(&any, 0, sizeof(any));
    any.u.sa.sa_family = (sa_family_t)family;
    if (family == AF_INET6)
        any.u.sin6.sin6_port = htons(port);
    else
        any.u.sin.sin_port = htons(port);
    return ust_bind(st, fd, &any.u.sa,
                    family == AF_INET6 ? sizeof(any.u.sin6) : sizeof(any.u.sin));
}

/* A UDP socket on a random port of the ephemeral range: the port is the
 * other half of the 32 bits an off-path forger must guess (RFC 5452 9.2). */
static int udp_open(struct ust_stack *st, int family)
{
    const struct ust_config *cfg = ust_stack_config(st);
    int fd = ust_socket(st, family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    unsigned span = (unsigned)cfg->ephemeral_hi - cfg->ephemeral_lo + 1;
    for (int i = 0; i < PORT_TRIES; i++) {
        uint16_t port = (uint16_t)(cfg->ephemeral_lo + rng_below(stack_rng(st), span));
        if (bind_port(st, fd, family, port) == 0)
            return fd;
        if (errno != EADDRINUSE)
            break;
    }
    ust_close(st, fd);
    return -1;
}

static void udp_attempt(struct ust_stack *st, struct ust_dns_query *q)
{
    const struct ust_config *cfg = ust_stack_config(st);
    dns_query_close(st, q);
    q->id = (uint16_t)rng_next(stack_rng(st));
    q->msglen = (size_t)dns_query_build(q->msg, sizeof(q->msg), q->id, q->name, q->qtype);
    struct dns_server to;
    q->fd = dns_server_addr(st, q->server, &to) ? udp_open(st, to.u.sa.sa_family) : -1;
    if (q->fd < 0 || ust_sendto(st, q->fd, q->msg, q->msglen, 0, &to.u.sa, to.len) < 0) {
        struct dns_server list[DNS_MAX_SERVERS];
        if (q->server + 1 < dns_servers(st, list)) { /* no route there: the next one */
            q->server++;
            stack_stats(st)->dns.ServerFailovers++;
            udp_attempt(st, q);
            return;
        }
        dns_query_done(st, q, EAI_AGAIN);
        return;
    }
    stack_stats(st)->dns.Queries++;
    q->state = DNS_Q_UDP;
    q->deadline = ust_stack_now(st) + (cfg->dns_timeout << q->attempt);
}

void dns_query_send(struct ust_stack *st, struct ust_dns_query *q)
{
    struct dns_server srv;
    if (!dns_server_addr(st, 0, &srv) || ust_stack_config(st)->dns_attempts == 0) {
        dns_query_done(st, q, EAI_AGAIN); /* nobody to ask */
        return;
    }
    q->attempt = 0;
    q->server = 0;
    udp_attempt(st, q);
}

/* RFC 5452 4.1 and 9.1: the answer must come from where the query went,
 * carry its ID and repeat its question. */
bool dns_answer_matches(const struct ust_dns_query *q, const struct dns_answer *a)
{
    return a->id == q->id && a->qtype == q->qtype && a->qclass == DNS_CLASS_IN &&
           dns_name_equal(a->qname, q->name);
}

/* Same family, address and port (RFC 5452 9.1). */
static bool from_server(const struct dns_server *srv, const struct dns_server *from)
{
    if (from->u.sa.sa_family != srv->u.sa.sa_family)
        return false;
    if (srv->u.sa.sa_family == AF_INET6)
        return from->u.sin6.sin6_port == srv->u.sin6.sin6_port &&
               !memcmp(&from->u.sin6.sin6_addr, &srv->u.sin6.sin6_addr, 16);
    return from->u.sin.sin_addr.s_addr == srv->u.sin.sin_addr.s_addr &&
           from->u.sin.sin_port == srv->u.sin.sin_port;
}

static void udp_input(struct ust_stack *st, struct ust_dns_query *q, const uint8_t *buf,
                      size_t n, const struct dns_server *from)
{
    struct ust_dns_stats *c = &stack_stats(st)->dns;
    struct dns_server srv;
    struct dns_answer a;
    if (!dns_server_addr(st, q->server, &srv) || !from_server(&srv, from)) {
        c->Mismatched++;
        return;
    }
    int rc = dns_response_parse(buf, n, ust_stack_config(st)->dns_cname_max, &a);
    if (rc != DNS_OK) {
        c->Malformed++;
        TRACE(st, "dns", "ignored answer from the server: %s", dns_strerror(rc));
        return;
    }
    if (!dns_answer_matches(q, &a)) {
        c->Mismatched++;
        return;
    }
    if (a.truncated) {
        c->Truncated++;
        dns_tcp_start(st, q);
        return;
    }
    dns_answer_use(st, q, &a);
}

/* After a timeout: the next server in this round, else the first one in
 * the next round with a doubled timeout (as glibc's res_send: every
 * server once per attempt, in order). */
static void next_try(struct ust_stack *st, struct ust_dns_query *q)
{
    struct dns_server list[DNS_MAX_SERVERS];
    if (q->state == DNS_Q_TCP) {
        dns_query_done(st, q, EAI_AGAIN);
        return;
    }
    if (++q->server < dns_servers(st, list)) {
        stack_stats(st)->dns.ServerFailovers++;
        udp_attempt(st, q);
        return;
    }
    q->server = 0;
    if (++q->attempt >= ust_stack_config(st)->dns_attempts)
        dns_query_done(st, q, EAI_AGAIN);
    else
        udp_attempt(st, q);
}

void dns_query_advance(struct ust_stack *st, struct ust_dns_query *q)
{
    if (q->state == DNS_Q_TCP) {
        dns_tcp_advance(st, q);
    } else {
        uint8_t buf[DNS_UDP_MAX];
        struct dns_server from;
        socklen_t flen = sizeof(from.u);
        ssize_t n;
        memset(&from, 0, sizeof(from));
        while (q->state == DNS_Q_UDP &&
               (n = ust_recvfrom(st, q->fd, buf, sizeof(buf), MSG_DONTWAIT, &from.u.sa, &flen)) >=
                   0) {
            udp_input(st, q, buf, (size_t)n, &from);
            flen = sizeof(from.u);
        }
    }
    if (q->state == DNS_Q_DONE || ust_stack_now(st) < q->deadline)
        return;
    stack_stats(st)->dns.Timeouts++;
    TRACE(st, "dns", "%s: no answer from server %u in attempt %u", q->name, q->server + 1,
          q->attempt + 1);
    next_try(st, q);
}
