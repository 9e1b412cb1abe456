/* The TCP fallback: after a truncated UDP answer the same question goes
 * to the same server over TCP, each message preceded by its length in two
 * bytes (RFC 7766 5, 8; RFC 1035 4.2.2). Non-blocking, driven by
 * ust_dns_query_step like the UDP part. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "query.h"
#include "ustack/config.h"
#include "ustack/socket.h"
#include "ustack/stack.h"
#include "ustack/stats.h"
#include "wire/wbuf.h"

#define TCP_BUF (2 + 65535)

void dns_tcp_start(struct ust_stack *st, struct ust_dns_query *q)
{
    const struct ust_config *cfg = ust_stack_config(st);
    dns_query_close(st, q);
    q->tcp = malloc(TCP_BUF);
    struct dns_server to;
    bool have = dns_server_addr(st, q->server, &to); /* the one that truncated */
    q->fd = have ? ust_socket(st, to.u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0) : -1;
    if (!q->tcp || q->fd < 0 ||
        (ust_connect(st, q->fd, &to.u.sa, to.len) < 0 && errno != EINPROGRESS)) {
        dns_query_done(st, q, EAI_AGAIN);
        return;
    }
    /* The same ID and question: the server answers what it truncated. */
    put_be16(q->tcp, (uint16_t)q->msglen);
    memcpy(q->tcp + 2, q->msg, q->msglen);
    q->tcp_sent = q->tcp_have = 0;
    q->state = DNS_Q_TCP;
    q->deadline = ust_stack_now(st) + (cfg->dns_timeout << q->attempt);
    stack_stats(st)->dns.TcpQueries++;
    TRACE(st, "dns", "%s: answer truncated, asking again over TCP", q->name);
}

static bool would_block(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == ENOTCONN || e == EINPROGRESS || e == EALREADY;
}

/* Sends what is left of the framed query. false: wait (or done). */
static bool tcp_send_query(struct ust_stack *st, struct ust_dns_query *q)
{
    size_t len = 2 + q->msglen;
    while (q->tcp_sent < len) {
        ssize_t n = ust_send(st, q->fd, q->tcp + q->tcp_sent, len - q->tcp_sent, MSG_DONTWAIT);
        if (n < 0) {
            if (!would_block(errno))
                dns_query_done(st, q, EAI_AGAIN);
            return false;
        }
        q->tcp_sent += (size_t)n;
    }
    return true;
}

static void tcp_answer(struct ust_stack *st, struct ust_dns_query *q, size_t len)
{
    struct dns_answer a;
    int rc = dns_response_parse(q->tcp + 2, len, ust_stack_config(st)->dns_cname_max, &a);
    if (rc != DNS_OK || !dns_answer_matches(q, &a) || a.truncated) {
        /* One question on this connection: nothing better will come. */
        if (rc != DNS_OK)
            stack_stats(st)->dns.Malformed++;
        else
            stack_stats(st)->dns.Mismatched++;
        dns_query_done(st, q, EAI_FAIL);
        return;
    }
    dns_answer_use(st, q, &a);
}

void dns_tcp_advance(struct ust_stack *st, struct ust_dns_query *q)
{
    if (!tcp_send_query(st, q))
        return;
    for (;;) {
        size_t need = q->tcp_have < 2 ? 2 : 2 + (size_t)get_be16(q->tcp);
        if (q->tcp_have == need && need > 2) {
            tcp_answer(st, q, need - 2);
            return;
        }
        ssize_t n = ust_recv(st, q->fd, q->tcp + q->tcp_have, need - q->tcp_have, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && !would_block(errno)))
            dns_query_done(st, q, EAI_AGAIN); /* closed before the whole answer */
        if (n <= 0)
            return;
        q->tcp_have += (size_t)n;
    }
}
