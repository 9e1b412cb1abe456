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

static struct sockaddr_in server_addr(const struct ust_stack *st)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(DNS_PORT)};
    sin.sin_addr.s_addr = htonl(ust_stack_config(st)->dns_server);
    return sin;
}

/* A UDP socket on a random port of the ephemeral range: the port is the
 * other half of the 32 bits an off-path forger must guess (RFC 5452 9.2). */
static int udp_open(struct ust_stack *st)
{
    const struct ust_config *cfg = ust_stack_config(st);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    unsigned span = (unsigned)cfg->ephemeral_hi - cfg->ephemeral_lo + 1;
    for (int i = 0; i < PORT_TRIES; i++) {
        uint16_t port = (uint16_t)(cfg->ephemeral_lo + rng_below(stack_rng(st), span));
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
        if (ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
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
    q->fd = udp_open(st);
    struct sockaddr_in to = server_addr(st);
    if (q->fd < 0 || ust_sendto(st, q->fd, q->msg, q->msglen, 0, (struct sockaddr *)&to,
                                sizeof(to)) < 0) {
        dns_query_done(st, q, EAI_AGAIN);
        return;
    }
    stack_stats(st)->dns.Queries++;
    q->state = DNS_Q_UDP;
    q->deadline = ust_stack_now(st) + (cfg->dns_timeout << q->attempt);
}

void dns_query_send(struct ust_stack *st, struct ust_dns_query *q)
{
    if (ust_stack_config(st)->dns_server == 0 || ust_stack_config(st)->dns_attempts == 0) {
        dns_query_done(st, q, EAI_AGAIN); /* nobody to ask */
        return;
    }
    q->attempt = 0;
    udp_attempt(st, q);
}

/* RFC 5452 4.1 and 9.1: the answer must come from where the query went,
 * carry its ID and repeat its question. */
bool dns_answer_matches(const struct ust_dns_query *q, const struct dns_answer *a)
{
    return a->id == q->id && a->qtype == q->qtype && a->qclass == DNS_CLASS_IN &&
           dns_name_equal(a->qname, q->name);
}

static void udp_input(struct ust_stack *st, struct ust_dns_query *q, const uint8_t *buf,
                      size_t n, const struct sockaddr_in *from)
{
    struct ust_dns_stats *c = &stack_stats(st)->dns;
    struct sockaddr_in srv = server_addr(st);
    struct dns_answer a;
    if (from->sin_addr.s_addr != srv.sin_addr.s_addr || from->sin_port != srv.sin_port) {
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

void dns_query_advance(struct ust_stack *st, struct ust_dns_query *q)
{
    if (q->state == DNS_Q_TCP) {
        dns_tcp_advance(st, q);
    } else {
        uint8_t buf[DNS_UDP_MAX];
        struct sockaddr_in from;
        socklen_t flen = sizeof(from);
        ssize_t n;
        while (q->state == DNS_Q_UDP &&
               (n = ust_recvfrom(st, q->fd, buf, sizeof(buf), MSG_DONTWAIT,
                                 (struct sockaddr *)&from, &flen)) >= 0) {
            udp_input(st, q, buf, (size_t)n, &from);
            flen = sizeof(from);
        }
    }
    if (q->state == DNS_Q_DONE || ust_stack_now(st) < q->deadline)
        return;
    stack_stats(st)->dns.Timeouts++;
    TRACE(st, "dns", "%s: no answer in attempt %u", q->name, q->attempt + 1);
    if (q->state == DNS_Q_TCP || ++q->attempt >= ust_stack_config(st)->dns_attempts)
        dns_query_done(st, q, EAI_AGAIN);
    else
        udp_attempt(st, q);
}
