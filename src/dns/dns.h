/* The stub resolver's private parts (ust_getaddrinfo, include/ustack/dns.h).
 * The resolver is an application of the stack, not one of its layers: it
 * sits above the socket layer and talks to the name server through ordinary
 * UDP and TCP sockets of the same stack. Its state (the cache) hangs off
 * struct ust_stack like every layer's, through stack_dns(). */
#ifndef UST_DNS_DNS_H
#define UST_DNS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/dns.h"
#include "ustack/types.h"
#include "wire/dns.h"

struct ust_stack;

/* One cached answer: addresses (or a negative answer) until `expires`. */
struct dns_cache_entry {
    char name[DNS_NAME_TEXT]; /* "" = free slot */
    char canon[DNS_NAME_TEXT];
    uint16_t qtype;           /* A and AAAA answers are cached apart */
    uint32_t addr[DNS_MAX_ADDRS];
    unsigned naddr;
    uint8_t addr6[DNS_MAX_ADDRS][16];
    unsigned naddr6;
    int result;               /* 0, or the EAI_ code of a negative answer */
    ust_time_t expires;
    ust_time_t used;          /* least recently used goes first when full */
};

struct dns_cache {
    struct dns_cache_entry *e; /* allocated on first insert: cap entries */
    unsigned cap;
};

struct dns_state {
    struct dns_cache cache;
};

/* The assembly's accessor (core/stack.c) and the stack's teardown. */
struct dns_state *stack_dns(struct ust_stack *st);
void dns_destroy(struct dns_state *d);

/* ---- cache (cache.c): bounded, TTL-honouring, per stack ---- */
/* The live entry for name and qtype at `now`, or NULL. Marks it used. */
const struct dns_cache_entry *dns_cache_get(struct dns_cache *c, const char *name, uint16_t qtype,
                                            ust_time_t now);
/* Stores an answer for ttl_s seconds (0: not stored). Evicts an expired
 * entry first, else the least recently used one (*evicted set). cap is
 * the configured size (0: no cache). */
int dns_cache_put(struct dns_cache *c, unsigned cap, const struct dns_cache_entry *src,
                  uint32_t ttl_s, ust_time_t now, bool *evicted);
void dns_cache_free(struct dns_cache *c);

/* The name of a well-known port in gai.c's table (the same for TCP and
 * UDP there), NULL when it has none. */
const char *dns_service_name(uint16_t port);

/* ---- hosts file (hosts.c): parsing is separate from reading the file ---- */
/* Looks `name` up in the text of a hosts(5) file: IPv4 lines only (the
 * IPv6 ones are dns_hosts_lookup6's), '#' comments, names
 * compared without case. Fills up to max addresses (host order, in file
 * order, without repeats) and the canonical name (the first name of the
 * first matching line). Returns the number found. */
unsigned dns_hosts_lookup(const char *text, size_t len, const char *name, uint32_t *addr,
                          unsigned max, char canon[DNS_NAME_TEXT]);
/* Reads the file at path (at most 1 MiB) and looks name up in it; 0 when
 * the file cannot be read. */
unsigned dns_hosts_file_lookup(const char *path, const char *name, uint32_t *addr, unsigned max,
                               char canon[DNS_NAME_TEXT]);
/* The same for IPv6 lines (AAAA): addresses in network order; a line with
 * a scoped address ("fe80::1%2") names nothing. */
unsigned dns_hosts_lookup6(const char *text, size_t len, const char *name, uint8_t (*addr6)[16],
                           unsigned max, char canon[DNS_NAME_TEXT]);
unsigned dns_hosts_file_lookup6(const char *path, const char *name, uint8_t (*addr6)[16],
                                unsigned max, char canon[DNS_NAME_TEXT]);
/* The reverse: the first name of the first line with address addr (host
 * order); false when no line has it (or the file cannot be read). */
bool dns_hosts_reverse(const char *text, size_t len, uint32_t addr, char name[DNS_NAME_TEXT]);
bool dns_hosts_file_reverse(const char *path, uint32_t addr, char name[DNS_NAME_TEXT]);
/* The same for an IPv6 address (network order). */
bool dns_hosts_reverse6(const char *text, size_t len, const uint8_t addr[16],
                        char name[DNS_NAME_TEXT]);
bool dns_hosts_file_reverse6(const char *path, const uint8_t addr[16], char name[DNS_NAME_TEXT]);

#endif
