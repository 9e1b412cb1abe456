/* ustack — runtime configuration with documented defaults.
 * Every field has a default set by ust_config_default(); change what you
 * need and pass the struct to ust_stack_new(). Capacities that size static
 * tables are compile-time (UST_MAX_*). */
#ifndef USTACK_CONFIG_H
#define USTACK_CONFIG_H

#include "types.h"

#define UST_MAX_DEVS 16        /* devices per stack */
#define UST_MAX_IFACES 16      /* IPv4 interfaces per stack */
#define UST_MAX_ROUTES 64      /* routing table entries */

struct ust_config {
    uint64_t seed;                  /* PRNG seed (default 1): same seed, same run */

    /* ARP (RFC 826, RFC 1122 2.3.2) */
    ust_time_t arp_reachable_time;  /* entry REACHABLE -> STALE after (30 s) */
    ust_time_t arp_stale_time;      /* STALE entry removed after (60 s) */
    ust_time_t arp_retry_interval;  /* request retransmission interval (1 s); also
                                       the per-address request rate limit */
    unsigned arp_max_requests;      /* requests before giving up (3) */
    unsigned arp_queue_len;         /* packets held per unresolved entry (3) */
    unsigned arp_max_entries;       /* neighbour cache capacity (256) */

    /* IPv4 */
    uint8_t ip_default_ttl;         /* 64 */
    bool ip_forwarding;             /* router mode (false; RFC 1122 3.1 default off) */
    ust_time_t ip_reasm_timeout;    /* reassembly timeout (30 s) */
    size_t ip_reasm_mem_max;        /* bytes held by all reassemblies (256 KiB) */
    unsigned ip_reasm_max;          /* datagrams being reassembled at once (64) */

    /* ICMP */
    unsigned icmp_err_rate;         /* error messages per second (100) ... */
    unsigned icmp_err_burst;        /* ... with this burst (50) */

    /* UDP / sockets */
    uint16_t ephemeral_lo;          /* 49152 */
    uint16_t ephemeral_hi;          /* 65535 */
    size_t udp_rcvbuf;              /* bytes queued per UDP socket (212992) */
    unsigned max_sockets;           /* socket table size (4096) */
};

void ust_config_default(struct ust_config *cfg);

#endif
