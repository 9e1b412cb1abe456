/* UDP internals shared by udp.c (port table, input, output, ICMP errors)
 * and udp_sock.c (the socket operations). */
#ifndef UST_UDP_IMPL_H
#define UST_UDP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ustack/types.h"

struct ust_stack;
struct ust_sock;

/* Largest UDP payload: 65535 - 20 (IPv4 header) - 8 (UDP header). */
#define UDP_MAX_PAYLOAD 65507
/* Bytes charged against the receive buffer per queued datagram on top of
 * its payload, so that empty datagrams cannot fill memory unbounded. */
#define UDP_DGRAM_OVERHEAD 64

/* One received datagram waiting in a socket's queue. */
struct udp_dgram {
    struct udp_dgram *next;
    ust_ip4_t src;
    uint16_t sport;
    size_t len;
    uint8_t data[];
};

/* Buckets of the port hash (a power of two). */
#define UDP_HASH_SIZE 256

struct udp_pcb {
    struct ust_sock *sock;
    struct udp_pcb *hnext; /* next in the port hash bucket (newest first) */
    ust_ip4_t laddr;     /* 0 = wildcard */
    uint16_t lport;      /* 0 = not bound yet */
    ust_ip4_t raddr;     /* peer when connected */
    uint16_t rport;
    bool connected;
    bool addr_locked;    /* laddr given by bind() (kept by disconnect) */
    bool port_locked;    /* lport given by bind() (kept by disconnect) */
    bool shut_rd, shut_wr;
    int ttl;             /* IP_TTL; -1 = stack default */
    int tos;             /* IP_TOS */
    int pending_err;     /* negative ust_err from ICMP, reported once */
    struct udp_dgram *head, *tail;
    size_t queued;       /* datagrams in the queue */
    size_t queued_bytes; /* payload + UDP_DGRAM_OVERHEAD per datagram */
};

/* Port table (udp.c). */
int udp_port_insert(struct ust_stack *st, struct udp_pcb *pcb);
void udp_port_remove(struct ust_stack *st, struct udp_pcb *pcb);
/* Would binding laddr:lport conflict with another socket (RFC 1122 4.1.3.5
 * wildcard rules; both sides need SO_REUSEADDR to share)? */
bool udp_port_conflict(struct ust_stack *st, const struct udp_pcb *self, ust_ip4_t laddr,
                       uint16_t lport);
/* Binds pcb to laddr and a free ephemeral port (cfg.ephemeral_lo..hi):
 * random start from the stack PRNG, then sequential search (RFC 6056 alg. 1). */
int udp_bind_ephemeral(struct ust_stack *st, struct udp_pcb *pcb, ust_ip4_t laddr);

/* Sends one datagram from pcb to dst:dport. Returns len or a negative error. */
ssize_t udp_output(struct ust_stack *st, struct udp_pcb *pcb, ust_ip4_t dst, uint16_t dport,
                   const void *buf, size_t len);
/* Frees every queued datagram. */
void udp_queue_clear(struct udp_pcb *pcb);

#endif
