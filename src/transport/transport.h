/* Transport-layer entry points called by IPv4 and ICMP. */
#ifndef UST_TRANSPORT_H
#define UST_TRANSPORT_H

#include <stdint.h>
#include <stddef.h>

#include "ustack/types.h"
#include "wire/ipv4.h"

struct ust_stack;
struct udp_pcb;
struct tcp_state;

/* A datagram for us: ip is its parsed header (with ip->opts, the received
 * options), seg/seg_len the transport segment, dgram/dgram_len the whole
 * datagram (for ICMP quoting); ifindex the receiving interface (-1 = none,
 * e.g. local delivery), RFC 1122 3.4. */
void udp_input(struct ust_stack *st, const struct ipv4_hdr *ip, const uint8_t *seg,
               size_t seg_len, const uint8_t *dgram, size_t dgram_len, bool link_bcast,
               int ifindex);
void tcp_input(struct ust_stack *st, const struct ipv4_hdr *ip, const uint8_t *seg,
               size_t seg_len, const uint8_t *dgram, size_t dgram_len);
/* The same from IPv6 (net6/net6.h struct ip6_rx): one UDP, one TCP. */
struct ip6_rx;
void udp_input6(struct ust_stack *st, const struct ip6_rx *rx);

/* An ICMP error arrived about a datagram we sent: `orig` is the quoted IP
 * header and `l4`/`l4_len` the quoted transport bytes (at least 8). */
void udp_icmp_error(struct ust_stack *st, uint8_t type, uint8_t code, uint32_t extra,
                    ust_ip4_t from, const struct ipv4_hdr *orig, const uint8_t *l4,
                    size_t l4_len);
void tcp_icmp_error(struct ust_stack *st, uint8_t type, uint8_t code, uint32_t extra,
                    const struct ipv4_hdr *orig, const uint8_t *l4, size_t l4_len);

/* Registration (called by ust_stack_new): UDP and TCP as IP protocols
 * 17 and 6 (input and err_input); TCP's batch-end hook. */
int udp_register(struct ust_stack *st);
int tcp_register(struct ust_stack *st);

/* Readiness upcall (BSD so_upcall): the socket layer registers the
 * function that wakes whoever waits for sockets (sock_notify, the event
 * fd); transports call transport_notify whenever a socket's readiness may
 * have changed (data queued, error set, connection established or closed)
 * and so need not know the socket layer's internals. */
typedef void (*transport_upcall_fn)(struct ust_stack *st);
void transport_set_upcall(struct ust_stack *st, transport_upcall_fn fn);
void transport_notify(struct ust_stack *st);

struct udp_state {
    struct udp_pcb **ports; /* bound sockets: cap hash buckets by local port,
                               chained through the pcbs; owned by udp.c */
    unsigned count, cap;    /* bound sockets, buckets */
    uint16_t next_ephemeral;
};
int udp_init(struct ust_stack *st);
void udp_destroy(struct ust_stack *st);

/* The state transport owns lives in struct ust_stack (the assembly,
 * core/stack_impl.h); transport code reaches it through these plain calls
 * of core/stack.c, never through the stack's other layers. TCP's state is
 * a pointer the stack holds (tcp_init allocates it, stack_set_tcp stores
 * it); the readiness upcall is the slot transport_set_upcall fills. */
struct udp_state *stack_udp(struct ust_stack *st);
const struct udp_state *stack_udp_const(const struct ust_stack *st);
struct tcp_state *stack_tcp(const struct ust_stack *st);
void stack_set_tcp(struct ust_stack *st, struct tcp_state *tcp);
transport_upcall_fn *stack_sock_upcall(struct ust_stack *st);

/* A batch of received frames ended: send the ACKs input deferred to it
 * (TCP's batch-end hook, registered by tcp_register). */
void tcp_rx_batch_end(struct ust_stack *st);
bool tcp_acks_pending(const struct ust_stack *st);
int tcp_init(struct ust_stack *st);
void tcp_destroy(struct ust_stack *st);

#endif
