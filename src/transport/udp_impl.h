/* UDP internals shared by udp.c (port table, input, output, ICMP errors)
 * and udp_sock.c (the socket operations). */
#ifndef UST_UDP_IMPL_H
#define UST_UDP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ustack/types.h"
#include "wire/ipv4.h"

struct ust_stack;
struct ust_sock;
struct sock_addr;
struct sock_meta;
struct sock_tx_meta;
struct udp_err;

/* Largest UDP payload: 65535 - 20 (IPv4 header) - 8 (UDP header). */
#define UDP_MAX_PAYLOAD 65507
/* Bytes charged against the receive buffer per queued datagram on top of
 * its payload, so that empty datagrams cannot fill memory unbounded. */
#define UDP_DGRAM_OVERHEAD 64

/* One received datagram waiting in a socket's queue. */
struct udp_dgram {
    struct udp_dgram *next;
    struct ust_addr src;  /* either family */
    uint16_t sport;
    /* What IP knew about it (RFC 1122 3.4, 4.1.3.2, 4.1.3.5), handed to
     * the application by ust_recvmsg when the socket asks for it. */
    ust_ip4_t dst;        /* IP destination (IP_PKTINFO ipi_addr) */
    ust_ip4_t spec_dst;   /* specific destination (3.3.4.2, ipi_spec_dst) */
    int ifindex;          /* receiving interface, -1 = none (local) */
    uint8_t tos;          /* IP TOS / IPv6 Traffic Class as received */
    struct ust_addr daddr; /* the destination, either family (IPV6_PKTINFO) */
    uint8_t hoplimit;     /* IPv6 hop limit as received (IPV6_RECVHOPLIMIT) */
    uint8_t opt_len;      /* IP options as received */
    uint8_t opts[IPV4_MAX_OPT_LEN];
    size_t len;
    uint8_t data[];
};

/* Where a datagram arrived (udp_input -> deliver). */
struct udp_rx {
    const struct ipv4_hdr *ip; /* IPv4: its header (options, TOS); NULL: IPv6 */
    struct ust_addr src, dst;
    uint8_t tclass;            /* IPv6 Traffic Class */
    uint8_t hoplimit;          /* IPv6 hop limit */
    uint16_t sport;
    int ifindex;
    ust_ip4_t spec_dst;
};

/* Buckets of the port hash (a power of two). */
#define UDP_HASH_SIZE 256

struct udp_pcb {
    struct ust_sock *sock;
    struct udp_pcb *hnext; /* next in the port hash bucket (newest first) */
    struct ust_addr laddr; /* any or family 0 = wildcard; either family */
    uint16_t lport;      /* 0 = not bound yet */
    struct ust_addr raddr; /* peer when connected */
    uint16_t rport;
    bool connected;
    bool addr_locked;    /* laddr given by bind() (kept by disconnect) */
    bool port_locked;    /* lport given by bind() (kept by disconnect) */
    bool shut_rd, shut_wr;
    int ttl;             /* IP_TTL (IPv4 datagrams); -1 = stack default */
    int tos;             /* IP_TOS (IPv4 datagrams) */
    int hops6;           /* IPV6_UNICAST_HOPS (IPv6 datagrams); -1 = default */
    uint8_t tclass6;     /* IPV6_TCLASS (IPv6 datagrams) */
    uint8_t opt_len;     /* IP_OPTIONS, as given (validated, padded) */
    uint8_t opts[IPV4_MAX_OPT_LEN];
    bool recv_pktinfo;   /* IP_PKTINFO */
    bool recv_opts;      /* IP_RECVOPTS */
    bool recv_retopts;   /* IP_RETOPTS */
    bool recv_tos;       /* IP_RECVTOS */
    bool recv_err;       /* IP_RECVERR: ICMP errors queued (udp_errq.c) */
    bool recv_err6;      /* IPV6_RECVERR: ICMPv6 errors queued (Linux keeps
                            the two apart on a dual socket) */
    bool recv_pktinfo6;  /* IPV6_RECVPKTINFO (RFC 3542 6.1) */
    bool recv_hoplimit;  /* IPV6_RECVHOPLIMIT (RFC 3542 6.3) */
    bool recv_tclass;    /* IPV6_RECVTCLASS (RFC 3542 6.5) */
    struct ust_addr sticky_src; /* IPV6_PKTINFO set as an option (RFC 3542
                                   6.1.1): source, family 0 = none */
    int sticky_ifindex;  /* ... and interface (the ustack index + 1; 0 none) */
    bool dontfrag6;      /* IPV6_DONTFRAG (RFC 3542 11.2) */
    uint8_t pmtudisc6;   /* IPV6_MTU_DISCOVER (Linux IPV6_PMTUDISC_*) */
    int8_t use_min_mtu;  /* IPV6_USE_MIN_MTU (RFC 3542 11.1): -1, 0, 1 */
    bool recv_pathmtu;   /* IPV6_RECVPATHMTU (RFC 3542 11.3) */
    bool rxpmtu_pending; /* an IPV6_PATHMTU notice waits for recvmsg ... */
    struct ust_addr rxpmtu_dst; /* ... about this destination ... */
    uint32_t rxpmtu_mtu; /* ... and its path MTU (Linux np->rxpmtu: one) */
    struct udp_err *errq_head, *errq_tail;
    unsigned errq_len;
    int pending_err;     /* negative ust_err from ICMP, reported once */
    struct udp_dgram *head, *tail;
    size_t queued;       /* datagrams in the queue */
    size_t queued_bytes; /* payload + UDP_DGRAM_OVERHEAD per datagram */
    struct udp_mcast *mc; /* multicast settings and groups (udp_mcast.c); NULL: defaults */
};

/* Port table (udp.c). */
int udp_port_insert(struct ust_stack *st, struct udp_pcb *pcb);
void udp_port_remove(struct ust_stack *st, struct udp_pcb *pcb);
/* Would binding laddr:lport conflict with another socket (RFC 1122 4.1.3.5
 * wildcard rules; both sides need SO_REUSEADDR to share)? */
bool udp_port_conflict(struct ust_stack *st, const struct udp_pcb *self,
                       const struct ust_addr *laddr, uint16_t lport);
/* Binds pcb to laddr and a free ephemeral port (cfg.ephemeral_lo..hi):
 * random start from the stack PRNG, then sequential search (RFC 6056 alg. 1). */
int udp_bind_ephemeral(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *laddr);
/* The wildcard of the socket's family (unbound local address). */
struct ust_addr udp_wildcard(const struct udp_pcb *pcb);
/* An address as the socket's family shows it (netstat): IPv4 in
 * ::ffff:a.b.c.d form for an AF_INET6 socket. */
struct ust_addr udp_show_addr(const struct udp_pcb *pcb, const struct ust_addr *a);

/* Sends one datagram from pcb to dst:dport; tx (may be NULL) overrides the
 * socket's TTL, TOS and source for this datagram. Returns len or a
 * negative error. */
ssize_t udp_output(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *dst,
                   uint16_t dport,
                   const void *buf, size_t len, const struct sock_tx_meta *tx);
/* ICMP error queue (udp_errq.c), for IP_RECVERR. */
#define UDP_ERRQ_MAX 32
struct udp_icmp {        /* one ICMP or ICMPv6 error about a datagram we sent */
    int err;             /* negative ust_err it means for the application */
    uint8_t origin;      /* UST_SO_EE_ORIGIN_ICMP, _ICMP6 or _LOCAL */
    uint8_t type, code;
    uint32_t extra;      /* next-hop MTU (fragmentation needed, Packet Too Big) */
    struct ust_addr from; /* who sent the ICMP message */
    struct ust_addr odst; /* the quoted datagram's destination */
    const uint8_t *l4;   /* the quoted UDP header and payload */
    size_t l4_len;
};
void udp_errq_push(struct ust_stack *st, struct udp_pcb *pcb, const struct udp_icmp *ie);
ssize_t udp_errq_recv(struct udp_pcb *pcb, void *buf, size_t len, int flags,
                      struct sock_addr *from, struct sock_meta *meta);
void udp_errq_clear(struct udp_pcb *pcb);

/* IPPROTO_IP options of a UDP socket (udp_opt.c). */
int udp_ip_setsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                      size_t len);
int udp_ip_getsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, void *val,
                      size_t *len);
/* IPPROTO_IPV6 options of an AF_INET6 UDP socket (udp_opt6.c, RFC 3542):
 * UST_ERR_NOPROTOOPT for a name it does not know. */
int udp_ip6_setsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                       size_t len);
int udp_ip6_getsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, void *val,
                       size_t *len);
/* The IPv6 source and interface of one datagram (udp_opt6.c): the
 * IPV6_PKTINFO of the message, else the sticky one, else the bound address
 * or RFC 6724's choice (*ifindex -1: by route); UST_ERR_INVAL for a source
 * that is not ours (a link-local one on that interface), UST_ERR_NODEV for
 * no such interface, UST_ERR_NETUNREACH for no route (RFC 3542 6.1). */
/* Is fragmentation at the source off for this datagram (udp_opt6.c)? */
bool udp_dontfrag6(const struct udp_pcb *pcb, const struct sock_tx_meta *tx);
int udp_source6_for(struct ust_stack *st, const struct udp_pcb *pcb, const struct ust_addr *dst,
                    const struct sock_tx_meta *tx, struct ust_addr *src, int *ifindex);
/* RFC 3542 11 (udp_pmtu6.c): is a datagram to dst held to the minimum
 * MTU (IPV6_USE_MIN_MTU)? A DONTFRAG send to dst over ifindex failed with
 * EMSGSIZE: keep its IPV6_PATHMTU notice (with IPV6_RECVPATHMTU); is one
 * waiting, and hand it to recvmsg (0 bytes from dst, port 0); the
 * IPV6_PATHMTU option (struct ip6_mtuinfo). */
bool udp_min_mtu6(const struct udp_pcb *pcb, const struct ust_addr *dst);
void udp_rxpmtu_note(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *dst,
                     int ifindex);
bool udp_rxpmtu_ready(const struct udp_pcb *pcb);
ssize_t udp_rxpmtu_recv(struct udp_pcb *pcb, struct sock_addr *from, struct sock_meta *meta);
int udp_get_pathmtu(struct ust_stack *st, const struct udp_pcb *pcb, void *val, size_t *len);
/* Multicast (udp_mcast.c): IP_ADD/DROP_MEMBERSHIP, IP_MULTICAST_IF/TTL/
 * LOOP/ALL (UST_ERR_NOPROTOOPT for any other name); the input filter (has
 * the socket joined group on that interface?); the source, TTL, interface
 * and loopback of a datagram to a group; memberships dropped on close. */
struct ipv4_out;
int udp_mcast_setsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                         size_t len);
int udp_mcast_getsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, void *val,
                         size_t *len);
bool udp_mcast_accepts(struct ust_stack *st, const struct udp_pcb *pcb,
                       const struct ust_addr *group, const struct ust_addr *src, int ifindex);
ust_ip4_t udp_mcast_source(struct ust_stack *st, const struct udp_pcb *pcb, ust_ip4_t dst,
                           const struct sock_tx_meta *tx, ust_ip4_t src);
void udp_mcast_out(struct ust_stack *st, const struct udp_pcb *pcb, const struct sock_tx_meta *tx,
                   struct ipv4_out *o);
void udp_mcast_close(struct ust_stack *st, struct udp_pcb *pcb);
/* IPPROTO_IPV6 multicast options of an AF_INET6 socket (udp_mcast6.c);
 * a datagram to an IPv6 group: its interface (a scope id from
 * IPV6_MULTICAST_IF), then its hop limit and loopback. */
struct ipv6_out;
int udp_mcast6_setsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                          size_t len);
int udp_mcast6_getsockopt(const struct udp_pcb *pcb, int name, void *val, size_t *len);
void udp_mcast_dst6(const struct udp_pcb *pcb, struct ust_addr *dst);
void udp_mcast_out6(const struct udp_pcb *pcb, const struct sock_tx_meta *tx, struct ipv6_out *o);
/* Frees every queued datagram. */
void udp_queue_clear(struct udp_pcb *pcb);

#endif
