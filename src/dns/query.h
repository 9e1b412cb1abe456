/* One lookup in progress (struct ust_dns_query): what was asked, the
 * query on the wire and the socket it went out on. */
#ifndef UST_DNS_QUERY_H
#define UST_DNS_QUERY_H

#include "dns.h"
#include "ustack/stack.h"

#define DNS_QUERY_MAX (DNS_HDR_LEN + DNS_MAX_NAME + 4)
#define DNS_UDP_MAX 4096 /* datagrams we read; answers without EDNS are <= 512 */

enum dns_q_state { DNS_Q_DONE, DNS_Q_UDP, DNS_Q_TCP };

#define DNS_MAX_SEARCH 6 /* search domains, as resolv.conf's MAXDNSRCH */

/* The search list of one lookup (gai_search.c): the name as given and
 * the domains appended to it in turn, then the name alone. */
struct dns_search {
    char base[DNS_NAME_TEXT];
    char domains[DNS_MAX_SEARCH][UST_DNSSL_NAME_MAX];
    unsigned n;                     /* 0: no search (the name as given) */
    unsigned next;                  /* candidate to ask next: 0..n (n: base) */
};

struct ust_dns_query {
    enum dns_q_state state;
    int result;                     /* 0 or EAI_*, once DONE */
    char name[DNS_NAME_TEXT];       /* as asked, no trailing dot */
    char canon[DNS_NAME_TEXT];
    uint16_t qtype;                 /* DNS_TYPE_A or DNS_TYPE_AAAA (RFC 3596) */
    /* The record types to look up, one after the other: AAAA then A for
     * AF_UNSPEC (and AF_INET6 with AI_V4MAPPED), one for a family. */
    uint16_t pass_type[2];
    unsigned npass, pass;
    int first_result;               /* the earlier pass's result */
    uint32_t addr[DNS_MAX_ADDRS];   /* host order */
    unsigned naddr;
    uint8_t addr6[DNS_MAX_ADDRS][16]; /* network order */
    unsigned naddr6;
    uint32_t scope6;                /* a numeric node's %scope (sin6_scope_id) */
    /* what the caller asked for */
    int family, flags, socktype, protocol;
    uint16_t port;                  /* host order */
    /* the query on the wire */
    uint8_t msg[DNS_QUERY_MAX];
    size_t msglen;
    uint16_t id;
    int fd;                         /* -1: none */
    unsigned attempt;               /* 0-based */
    unsigned server;                /* index in dns_servers(), 0-based */
    ust_time_t deadline;
    uint8_t *tcp;                   /* 2 + 65535 bytes while over TCP */
    size_t tcp_sent, tcp_have;
    /* The second pass asked at the same time as the first (glibc without
     * single-request): its own query and socket, NULL when the passes go
     * one after the other (gai_parallel.c). */
    struct ust_dns_query *twin;
    struct dns_search search;
};

/* A name server's socket address (DNS over IPv4 or IPv6). */
struct dns_server {
    union {
        struct sockaddr sa;
        struct sockaddr_in sin;
        struct sockaddr_in6 sin6;
    } u;
    socklen_t len;
};
#define DNS_MAX_SERVERS 3 /* resolv.conf's MAXNS */
/* The servers in the order tried (query.c): the IPv4 one, the IPv6 one,
 * the other RDNSS addresses. Returns how many (0: none to ask). */
unsigned dns_servers(const struct ust_stack *st, struct dns_server out[DNS_MAX_SERVERS]);
/* Server number index of that list; false past its end. */
bool dns_server_addr(const struct ust_stack *st, unsigned index, struct dns_server *srv);

/* Sends the first UDP attempt (state UDP) or decides (state DONE). */
void dns_query_send(struct ust_stack *st, struct ust_dns_query *q);
/* Reads answers, handles the deadline. */
void dns_query_advance(struct ust_stack *st, struct ust_dns_query *q);
/* Closes the socket and releases the TCP buffer. */
void dns_query_close(struct ust_stack *st, struct ust_dns_query *q);
/* Done with result; on success the addresses are already in q. */
void dns_query_done(struct ust_stack *st, struct ust_dns_query *q, int result);
/* RFC 5452 4.1: the answer carries the query's ID and repeats its question. */
bool dns_answer_matches(const struct ust_dns_query *q, const struct dns_answer *a);
/* Uses a matching answer: result, addresses, cache (answer.c). */
void dns_answer_use(struct ust_stack *st, struct ust_dns_query *q, const struct dns_answer *a);
/* The same question again over TCP after a truncated answer (query_tcp.c). */
void dns_tcp_start(struct ust_stack *st, struct ust_dns_query *q);
void dns_tcp_advance(struct ust_stack *st, struct ust_dns_query *q);

/* gai_parallel.c: after the first pass went out, the second pass's query
 * sent too when it has to be asked (AF_UNSPEC, or AI_V4MAPPED with
 * AI_ALL): both are then in flight before either answer. */
void dns_twin_start(struct ust_stack *st, struct ust_dns_query *q,
                    int (*known)(struct ust_stack *, struct ust_dns_query *));
/* Advances the twin; true while it still waits for its answer. */
bool dns_twin_pending(struct ust_stack *st, struct ust_dns_query *q);
/* The twin's answer as the second pass's: its addresses and result into q
 * (the twin freed). Returns the twin's result. */
int dns_twin_take(struct ust_stack *st, struct ust_dns_query *q);
/* Closes and frees the twin, if any. */
void dns_twin_free(struct ust_stack *st, struct ust_dns_query *q);

/* gai_search.c: a name with no dot (fewer than ndots 1) and the DNSSL
 * domains of the stack's RAs: q->name becomes the first candidate (true);
 * false to ask the name as it is (absolute: it ended in a dot). */
bool dns_search_plan(struct ust_stack *st, struct ust_dns_query *q, bool absolute);
/* The next candidate into q->name; false when all were asked. */
bool dns_search_next(struct ust_stack *st, struct ust_dns_query *q);

/* RFC 6724 6 order of a result's addresses, by the sources the stack
 * would use (gai_order.c). */
void dns_order_results(const struct ust_stack *st, struct ust_addr *addrs, size_t n);
/* AI_ADDRCONFIG: has the stack a non-loopback address of family? */
bool dns_family_configured(const struct ust_stack *st, int family);

#endif
