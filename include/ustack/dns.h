/* ustack — names: a DNS stub resolver over the stack's own sockets.
 *
 * ust_getaddrinfo() works like getaddrinfo(3) for IPv4 and IPv6 (A and
 * AAAA records, RFC 3596) and returns the same struct addrinfo list and EAI_* codes (<netdb.h>), freed
 * by ust_freeaddrinfo (never by libc's freeaddrinfo). A node is looked up
 * in this order, the first that knows it answers:
 *   1. a numeric address ("203.0.113.5", "2001:db8::5", "fe80::1%1" with
 *      a numeric scope = sin6_scope_id); AI_NUMERICHOST stops here
 *      (EAI_NONAME otherwise, and for an address of the other family
 *      unless AI_V4MAPPED maps an IPv4 one). node NULL: 0.0.0.0 / :: with
 *      AI_PASSIVE, else 127.0.0.1 / ::1.
 *   2. the hosts file cfg.dns_hosts (hosts(5): IPv4 lines for A, IPv6
 *      lines for AAAA; "" = none).
 *   3. the stack's cache (positive and negative answers, TTLs honoured).
 *   4. DNS: an A query over UDP from the stack to cfg.dns_server port 53,
 *      a fresh random query ID and a random source port for each attempt
 *      (RFC 5452 9.2), resent after cfg.dns_timeout, doubled each time, up
 *      to cfg.dns_attempts attempts. An answer counts only when it comes
 *      from the server's address and port 53, carries the query's ID and
 *      repeats its question (name without case, type, class); anything
 *      else is counted (dns Mismatched / Malformed) and ignored. A
 *      truncated answer (TC) is asked again over TCP (RFC 7766, 2-byte
 *      length framing). CNAME chains inside the answer are followed up
 *      to cfg.dns_cname_max links.
 * Which types are asked (RFC 3493 6.1): AF_INET A; AF_INET6 AAAA, then A
 * with AI_V4MAPPED when no AAAA came (always with AI_ALL), returned as
 * ::ffff:a.b.c.d; AF_UNSPEC AAAA then A when the stack has a global
 * (non-loopback, non-link-local) IPv6 address, else A only. One after the
 * other, each with its own attempts. AI_ADDRCONFIG skips a family the
 * stack has no non-loopback address of. The addresses are ordered by
 * RFC 6724 6 against the sources the stack would use (IPv6 first only
 * when it has a fitting IPv6 source).
 * Results: NXDOMAIN and an answer without A (AAAA) records give EAI_NONAME,
 * SERVFAIL and no answer after the last attempt EAI_AGAIN, another RCODE
 * EAI_FAIL, no cfg.dns_server EAI_AGAIN; an unknown service EAI_SERVICE
 * (numbers and a few names: echo discard ftp ssh telnet smtp domain http
 * pop3 ntp imap https iperf3), bad hints EAI_FAMILY / EAI_SOCKTYPE /
 * EAI_BADFLAGS. Each address gives one entry per socket type asked for
 * (SOCK_STREAM/IPPROTO_TCP, then SOCK_DGRAM/IPPROTO_UDP; no SOCK_RAW: the
 * stack has no raw sockets); AI_CANONNAME puts the canonical name (the end
 * of the CNAME chain, or the hosts line's first name) in the first entry.
 *
 * ust_getaddrinfo blocks like the other blocking ust_* calls: it runs the
 * stack through the installed waiter (ust_loop, ust_sim) while it waits.
 * The same lookup as steps, for programs that drive the stack themselves
 * (the simulator, an event loop): ust_dns_query_start, then whenever the
 * descriptor from ust_dns_query_pollfd is ready or the clock reaches
 * ust_dns_query_deadline, ust_dns_query_step; UST_DNS_PENDING means not
 * yet. ust_dns_query_finish gives the result and frees the query. */
#ifndef USTACK_DNS_H
#define USTACK_DNS_H

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include "export.h"
#include "types.h"

struct ust_stack;
struct ust_dns_query;
/* <netdb.h> defines it (and the EAI_* codes) only with POSIX visible
 * (_POSIX_C_SOURCE >= 200112L or _GNU_SOURCE); declared here so that the
 * header compiles in strict C11 too. */
struct addrinfo;

#define UST_DNS_PENDING 1 /* ust_dns_query_start / _step: not answered yet */

UST_API int ust_getaddrinfo(struct ust_stack *st, const char *node, const char *service,
                            const struct addrinfo *hints, struct addrinfo **res);
UST_API void ust_freeaddrinfo(struct addrinfo *res);
/* getnameinfo(3) for AF_INET and AF_INET6: the host is the first name of
 * the first hosts-file line (cfg.dns_hosts) with the address, else the
 * address as text (dotted decimal; RFC 5952 for IPv6, "%N" for a scope
 * id) (NI_NAMEREQD: EAI_NONAME instead; no PTR query is sent);
 * the service the name of a well-known port above, else its number.
 * NI_NUMERICHOST, NI_NUMERICSERV, NI_NOFQDN, NI_NAMEREQD, NI_DGRAM;
 * EAI_FAMILY for another family or a short salen, EAI_OVERFLOW when a
 * buffer is too small, EAI_NONAME when neither host nor serv is asked. */
UST_API int ust_getnameinfo(struct ust_stack *st, const struct sockaddr *sa, socklen_t salen,
                            char *host, socklen_t hostlen, char *serv, socklen_t servlen,
                            int flags);
UST_API const char *ust_gai_strerror(int err);

/* Starts a lookup: 0 or an EAI_* code when it is already decided (numeric,
 * hosts, cache, bad arguments), UST_DNS_PENDING when a query is out. *q is
 * set either way (NULL only with EAI_MEMORY) and must be finished. */
UST_API int ust_dns_query_start(struct ust_stack *st, const char *node, const char *service,
                                const struct addrinfo *hints, struct ust_dns_query **q);
/* Reads what arrived and handles timeouts, without blocking. */
UST_API int ust_dns_query_step(struct ust_stack *st, struct ust_dns_query *q);
/* The socket to wait on and its events; -1 when nothing is to be waited for. */
UST_API int ust_dns_query_pollfd(const struct ust_dns_query *q, struct pollfd *pfd);
/* When the current attempt times out (UST_TIME_NEVER when done). */
UST_API ust_time_t ust_dns_query_deadline(const struct ust_dns_query *q);
/* The result (0 and *res, or an EAI_* code); frees q and its sockets. A
 * pending query is abandoned (EAI_AGAIN). res may be NULL. */
UST_API int ust_dns_query_finish(struct ust_stack *st, struct ust_dns_query *q,
                                 struct addrinfo **res);

#endif
