/* A tiny authoritative DNS responder on a ustack stack: the name server of
 * the demo's DNS scene and of the resolver's simulator tests. Not part of
 * the library: a resolver test needs a server, and the story needs one.
 * Answers A and AAAA questions for the names it holds (NXDOMAIN with an
 * SOA for a name it does not hold, NODATA with an SOA for a type it has no
 * record of: RFC 2308 2.2) over UDP and TCP port 53, without blocking: call
 * dns_responder_serve whenever the stack may have received something. */
#ifndef UST_DNS_RESPONDER_H
#define UST_DNS_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/ustack.h"

struct dns_zone_rec {
    const char *name; /* lower case, no trailing dot */
    ust_ip4_t addr;
    bool v6;          /* an AAAA record: addr6, not addr */
    uint8_t addr6[16];
};

struct dns_responder {
    struct ust_stack *st;
    int udp_fd, tcp_listen_fd, tcp_fd;
    int udp6_fd, tcp6_listen_fd;  /* -1 until dns_responder_open6 */
    const struct dns_zone_rec *recs;
    size_t nrecs;
    uint32_t ttl, neg_ttl;      /* seconds */
    bool truncate_udp;          /* answer UDP with TC=1 and no records */
    bool silent_udp;            /* read UDP queries, answer none */
    unsigned udp_queries, tcp_queries;
    uint8_t tcp_buf[2 + 512];
    size_t tcp_have;
};

/* Binds UDP and TCP port 53 on st (non-blocking). 0 or -1 (errno). */
int dns_responder_open(struct dns_responder *r, struct ust_stack *st,
                       const struct dns_zone_rec *recs, size_t nrecs);
/* Also serves UDP and TCP port 53 over IPv6 (AF_INET6 sockets on ::,
 * IPV6_V6ONLY). 0 or -1 (errno). */
int dns_responder_open6(struct dns_responder *r);
/* Answers every query that has arrived. */
void dns_responder_serve(struct dns_responder *r);
void dns_responder_close(struct dns_responder *r);
/* The answer to one query (the bytes of a DNS message) into out: its
 * length, or 0 when the query is not one we answer. tc: truncated. */
size_t dns_responder_answer(const struct dns_responder *r, const uint8_t *q, size_t qlen,
                            bool tc, uint8_t *out, size_t cap);

#endif
