/* The blocking ust_getaddrinfo, the addrinfo list, and the error text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "ustack/socket.h"
#include "ustack/stack.h"

/* One entry: addrinfo and its socket address in one allocation. */
struct ai_block {
    struct addrinfo ai;
    union {
        struct sockaddr_in sin;
        struct sockaddr_in6 sin6;
    } sa;
};

static struct addrinfo *ai_new(const struct ust_addr *a, uint16_t port, int socktype,
                               int protocol)
{
    struct ai_block *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    if (a->family == UST_AF_INET6) {
        b->sa.sin6.sin6_family = AF_INET6;
        b->sa.sin6.sin6_port = htons(port);
        memcpy(&b->sa.sin6.sin6_addr, a->u.v6, 16);
        b->sa.sin6.sin6_scope_id = a->scope_id;
        b->ai.ai_addrlen = sizeof(b->sa.sin6);
    } else {
        b->sa.sin.sin_family = AF_INET;
        b->sa.sin.sin_port = htons(port);
        b->sa.sin.sin_addr.s_addr = htonl(a->u.v4);
        b->ai.ai_addrlen = sizeof(b->sa.sin);
    }
    b->ai.ai_family = a->family == UST_AF_INET6 ? AF_INET6 : AF_INET;
    b->ai.ai_socktype = socktype;
    b->ai.ai_protocol = protocol;
    b->ai.ai_addr = (struct sockaddr *)&b->sa;
    return &b->ai;
}

/* ::ffff:a.b.c.d (RFC 4291 2.5.5.2) for AF_INET6 with AI_V4MAPPED. */
static struct ust_addr v4_mapped(ust_ip4_t ip)
{
    uint8_t b[16] = {[10] = 0xff, [11] = 0xff, (uint8_t)(ip >> 24), (uint8_t)(ip >> 16),
                     (uint8_t)(ip >> 8), (uint8_t)ip};
    return ust_addr_from_ip6(b, 0);
}

/* The addresses to return: AAAA ones, then A ones (mapped for AF_INET6:
 * only with AI_V4MAPPED, and with no AAAA unless AI_ALL, RFC 3493 6.1).
 * AI_ADDRCONFIG acted before: gai.c did not ask for a family without an
 * address (numeric and NULL nodes say what they mean, as in glibc). */
static size_t collect(const struct ust_dns_query *q, struct ust_addr *out)
{
    size_t n = 0;
    for (unsigned i = 0; i < q->naddr6; i++)
        out[n++] = ust_addr_from_ip6(q->addr6[i], q->scope6);
    bool map = q->family == AF_INET6;
    if (map && (!(q->flags & AI_V4MAPPED) || (q->naddr6 && !(q->flags & AI_ALL))))
        return n;
    for (unsigned i = 0; i < q->naddr; i++)
        out[n++] = map ? v4_mapped(q->addr[i]) : ust_addr_from_ip4(q->addr[i]);
    return n;
}

static int set_canon(const struct ust_dns_query *q, const struct ust_addr *first,
                     struct addrinfo *head)
{
    const char *canon = q->canon[0] ? q->canon : q->name;
    char ip[UST_ADDR_STRLEN];
    if (!canon[0])
        canon = ust_addr_str(first, ip); /* a numeric node names itself */
    head->ai_canonname = strdup(canon);
    return head->ai_canonname ? 0 : EAI_MEMORY;
}

/* Each address once per socket type asked for, as glibc orders them. */
static int build_list(struct ust_stack *st, const struct ust_dns_query *q, struct addrinfo **res)
{
    static const int types[2][2] = {{SOCK_STREAM, IPPROTO_TCP}, {SOCK_DGRAM, IPPROTO_UDP}};
    struct ust_addr addrs[2 * DNS_MAX_ADDRS];
    size_t n = collect(q, addrs);
    if (n == 0)
        return EAI_NONAME; /* only addresses of a family not wanted */
    dns_order_results(st, addrs, n);
    struct addrinfo *head = NULL, **tail = &head;
    for (size_t i = 0; i < n; i++) {
        for (int t = 0; t < 2; t++) {
            if ((q->socktype && q->socktype != types[t][0]) ||
                (q->protocol && q->protocol != types[t][1]))
                continue;
            if (!(*tail = ai_new(&addrs[i], q->port, types[t][0], types[t][1])))
                return ust_freeaddrinfo(head), EAI_MEMORY;
            tail = &(*tail)->ai_next;
        }
    }
    if (!head)
        return EAI_SERVICE; /* a protocol neither TCP nor UDP */
    if ((q->flags & AI_CANONNAME) && set_canon(q, &addrs[0], head))
        return ust_freeaddrinfo(head), EAI_MEMORY;
    *res = head;
    return 0;
}

int ust_dns_query_finish(struct ust_stack *st, struct ust_dns_query *q, struct addrinfo **res)
{
    if (!q)
        return EAI_MEMORY;
    if (q->state != DNS_Q_DONE)
        dns_query_done(st, q, EAI_AGAIN);
    dns_twin_free(st, q); /* a lookup given up while its second pass waited */
    int rc = q->result;
    if (rc == 0 && res)
        rc = build_list(st, q, res);
    free(q);
    return rc;
}

void ust_freeaddrinfo(struct addrinfo *res)
{
    while (res) {
        struct addrinfo *next = res->ai_next;
        free(res->ai_canonname);
        free(res); /* the first member of its struct ai_block */
        res = next;
    }
}

/* Waits on the query's socket until the data or the deadline, through
 * ust_poll: the installed waiter runs the stack meanwhile. */
static int wait_step(struct ust_stack *st, struct ust_dns_query *q)
{
    struct pollfd p;
    ust_time_t now = ust_stack_now(st), dl = ust_dns_query_deadline(q);
    int ms = dl > now ? (int)((dl - now + UST_MSEC - 1) / UST_MSEC) : 0;
    if (ust_dns_query_pollfd(q, &p) == 0 && ust_poll(st, &p, 1, ms) < 0 && errno == EINTR)
        return EAI_SYSTEM; /* interrupted (a signal): errno says EINTR */
    return ust_dns_query_step(st, q);
}

int ust_getaddrinfo(struct ust_stack *st, const char *node, const char *service,
                    const struct addrinfo *hints, struct addrinfo **res)
{
    struct ust_dns_query *q;
    int rc = ust_dns_query_start(st, node, service, hints, &q);
    while (rc == UST_DNS_PENDING)
        rc = wait_step(st, q);
    int saved = errno;
    int out = ust_dns_query_finish(st, q, res);
    errno = saved;
    return rc == EAI_SYSTEM ? rc : out;
}

const char *ust_gai_strerror(int err)
{
    /* glibc's texts: tools print what getent and curl users know. */
    switch (err) {
    case 0: return "Success";
    case EAI_NONAME: return "Name or service not known";
    case EAI_AGAIN: return "Temporary failure in name resolution";
    case EAI_FAIL: return "Non-recoverable failure in name resolution";
    case EAI_FAMILY: return "ai_family not supported";
    case EAI_SOCKTYPE: return "ai_socktype not supported";
    case EAI_SERVICE: return "Servname not supported for ai_socktype";
    case EAI_BADFLAGS: return "Bad value for ai_flags";
    case EAI_MEMORY: return "Memory allocation failure";
    case EAI_SYSTEM: return "System error";
    default: return "Unknown error";
    }
}
