/* The blocking ust_getaddrinfo, the addrinfo list, and the error text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "ustack/socket.h"
#include "ustack/stack.h"

/* One entry: addrinfo and its sockaddr_in in one allocation. */
struct ai_block {
    struct addrinfo ai;
    struct sockaddr_in sin;
};

static struct addrinfo *ai_new(uint32_t addr, uint16_t port, int socktype, int protocol)
{
    struct ai_block *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->sin.sin_family = AF_INET;
    b->sin.sin_port = htons(port);
    b->sin.sin_addr.s_addr = htonl(addr);
    b->ai.ai_family = AF_INET;
    b->ai.ai_socktype = socktype;
    b->ai.ai_protocol = protocol;
    b->ai.ai_addrlen = sizeof(b->sin);
    b->ai.ai_addr = (struct sockaddr *)&b->sin;
    return &b->ai;
}

/* Each address once per socket type asked for, as glibc orders them. */
static int build_list(const struct ust_dns_query *q, struct addrinfo **res)
{
    static const int types[2][2] = {{SOCK_STREAM, IPPROTO_TCP}, {SOCK_DGRAM, IPPROTO_UDP}};
    struct addrinfo *head = NULL, **tail = &head;
    for (unsigned i = 0; i < q->naddr; i++) {
        for (int t = 0; t < 2; t++) {
            if ((q->socktype && q->socktype != types[t][0]) ||
                (q->protocol && q->protocol != types[t][1]))
                continue;
            if (!(*tail = ai_new(q->addr[i], q->port, types[t][0], types[t][1])))
                return ust_freeaddrinfo(head), EAI_MEMORY;
            tail = &(*tail)->ai_next;
        }
    }
    if (!head)
        return EAI_SERVICE; /* a protocol neither TCP nor UDP */
    if (q->flags & AI_CANONNAME) {
        const char *canon = q->canon[0] ? q->canon : q->name;
        if (!canon[0]) {
            char ip[16];
            canon = ust_ip4_str(q->addr[0], ip); /* a numeric node names itself */
            head->ai_canonname = strdup(canon);
        } else {
            head->ai_canonname = strdup(canon);
        }
        if (!head->ai_canonname)
            return ust_freeaddrinfo(head), EAI_MEMORY;
    }
    *res = head;
    return 0;
}

int ust_dns_query_finish(struct ust_stack *st, struct ust_dns_query *q, struct addrinfo **res)
{
    if (!q)
        return EAI_MEMORY;
    if (q->state != DNS_Q_DONE)
        dns_query_done(st, q, EAI_AGAIN);
    int rc = q->result;
    if (rc == 0 && res)
        rc = build_list(q, res);
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
