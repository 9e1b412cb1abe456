/* What a transport offers the socket layer (BSD's pr_usrreqs): each
 * protocol provides a struct sock_ops and sees struct ust_sock, the
 * socket it serves. It lives with the transports, below the socket layer
 * (socket/sock.h: descriptor table, blocking and errno mapping in
 * socket.c), so that a transport never includes the layer above it.
 * Protocol operations return a byte count or a negative ust_err and never
 * block: socket.c turns UST_ERR_AGAIN into a wait (blocking sockets) or
 * EAGAIN.
 *
 * Contract for protocol implementers:
 *  - `init` is required: a protocol whose ops have no init is reported as
 *    not available (EPROTONOSUPPORT). Every other op may be NULL; socket.c
 *    then answers EOPNOTSUPP (ENOPROTOOPT for options, 0 for take_error,
 *    "nothing ready" for poll, just free for close).
 *  - socket.c validates descriptors, pointers, sockaddr lengths and
 *    families, and converts sockaddr_in / sockaddr_in6 to struct sock_addr:
 *    an IPv4-mapped address of an AF_INET6 socket arrives as IPv4, and
 *    socket.c maps IPv4 back for such a socket (RFC 3493 3.7). A protocol
 *    sees s->domain (wildcard family) and s->v6only (IPV6_V6ONLY).
 *  - connect: a == NULL means AF_UNSPEC (dissolve the association).
 *    On a blocking socket, UST_ERR_INPROGRESS makes socket.c wait until
 *    poll() reports POLLOUT/POLLERR/POLLHUP, then it returns take_error()
 *    (0 = connected); SO_SNDTIMEO expiry gives EINPROGRESS as on Linux.
 *  - send: `to` is NULL when the caller gave no address.
 *  - recv with MSG_TRUNC returns the datagram's real length (Linux).
 *  - Whenever a socket's readiness may have changed (data queued, error
 *    set, connection established or closed), call transport_notify(st)
 *    (transport.h): the upcall sock_register installed, sock_notify.
 *  - Generic SOL_SOCKET options are kept in struct ust_sock by socket.c;
 *    after it stored SO_RCVBUF/SO_SNDBUF/SO_REUSEADDR/SO_BROADCAST it also
 *    calls ops->setsockopt(s, SOL_SOCKET, name, &int_value, sizeof(int))
 *    so that the protocol can react (e.g. resize a ring); the protocol
 *    returns 0 or UST_ERR_NOPROTOOPT (both ignored there) or a real error.
 *  - init may overwrite the defaults socket.c put in s->rcvbuf/s->sndbuf. */
#ifndef UST_SOCK_OPS_H
#define UST_SOCK_OPS_H

#include <stdbool.h>
#include <sys/types.h>

#include "ustack/socket.h"
#include "ustack/types.h"

struct ust_stack;
struct ust_sock;

struct sock_addr {
    struct ust_addr addr; /* either family; IPv4 in host order */
    uint16_t port;        /* host order */
};

/* Ancillary data of one received message, for ust_recvmsg (msg.c turns
 * it into control messages). The protocol fills what the socket's options
 * asked for and leaves the rest zero. */
struct sock_meta {
    size_t full_len;        /* the message's real length (datagrams) */
    bool has_pktinfo;       /* IP_PKTINFO (RFC 1122 3.4, 4.1.3.5) */
    int ifindex;            /* receiving interface, -1 = none */
    ust_ip4_t spec_dst;     /* specific destination (RFC 1122 3.3.4.2) */
    ust_ip4_t dst;          /* IP header destination */
    bool has_tos;           /* IP_RECVTOS: the TOS as received */
    uint8_t tos;
    bool has_opts;          /* IP_RECVOPTS: options as received */
    uint8_t opt_len;
    uint8_t opts[40];
    bool has_retopts;       /* IP_RETOPTS: options for a reply */
    uint8_t retopt_len;
    uint8_t retopts[40];
    bool has_err;           /* MSG_ERRQUEUE: an error from the queue */
    int err;                /* negative ust_err (msg.c: errno) */
    uint8_t err_origin;     /* UST_SO_EE_ORIGIN_* */
    uint8_t err_type, err_code;
    uint32_t err_info;      /* next-hop MTU for fragmentation needed */
    struct ust_addr offender; /* who reported it (ICMP / ICMPv6 source) */
    /* RFC 3542 6 (AF_INET6 sockets, level IPPROTO_IPV6): */
    bool has_pktinfo6;      /* IPV6_RECVPKTINFO: destination and interface */
    struct ust_addr dst6;   /* the destination (IPv4 as ::ffff:a.b.c.d) */
    bool has_hoplimit;      /* IPV6_RECVHOPLIMIT: the hop limit as received */
    uint8_t hoplimit;
    bool has_tclass;        /* IPV6_RECVTCLASS: the Traffic Class as received */
    uint8_t tclass;
    bool has_pathmtu;       /* IPV6_RECVPATHMTU: IPV6_PATHMTU (RFC 3542 11.3) */
    uint32_t pathmtu;       /* the path MTU towards ... */
    struct ust_addr pathmtu_dst; /* ... this destination */
};

/* Per-message settings from ust_sendmsg's control messages (RFC 1122
 * 4.1.4: TTL, TOS per datagram; IP_PKTINFO's source; RFC 3542 6:
 * IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS). ttl/tos/hops/tclass -1, src
 * 0, src6 family 0 and ifindex 0 leave the socket's own settings. */
struct sock_tx_meta {
    int ttl;
    int tos;
    ust_ip4_t src;
    int hops;               /* IPV6_HOPLIMIT: 0..255 (0 is sent, RFC 3542 6.3) */
    int tclass;             /* IPV6_TCLASS: 0..255 */
    struct ust_addr src6;   /* IPV6_PKTINFO ipi6_addr (:: = by route) */
    int ifindex;            /* IPV6_PKTINFO ipi6_ifindex: the ustack index + 1 */
    int dontfrag;           /* IPV6_DONTFRAG: 0 or 1 (RFC 3542 11.2) */
};

struct sock_ops {
    int (*init)(struct ust_sock *s); /* allocate s->pcb */
    int (*bind)(struct ust_sock *s, const struct sock_addr *a);
    int (*connect)(struct ust_sock *s, const struct sock_addr *a);
    int (*listen)(struct ust_sock *s, int backlog);
    /* Fills `child` (already allocated in the table) with the next
     * established connection; UST_ERR_AGAIN when none. */
    int (*accept)(struct ust_sock *s, struct ust_sock *child, struct sock_addr *peer);
    ssize_t (*send)(struct ust_sock *s, const void *buf, size_t len, int flags,
                    const struct sock_addr *to);
    /* send with per-message settings (ust_sendmsg control messages); NULL:
     * control messages are refused (EINVAL). */
    ssize_t (*sendmsg)(struct ust_sock *s, const void *buf, size_t len, int flags,
                       const struct sock_addr *to, const struct sock_tx_meta *tx);
    ssize_t (*recv)(struct ust_sock *s, void *buf, size_t len, int flags, struct sock_addr *from);
    /* recv with ancillary data (ust_recvmsg); MSG_ERRQUEUE reads the error
     * queue and never blocks. NULL: ust_recvmsg uses recv, no control data. */
    ssize_t (*recvmsg)(struct ust_sock *s, void *buf, size_t len, int flags,
                       struct sock_addr *from, struct sock_meta *meta);
    int (*shutdown)(struct ust_sock *s, int how);
    /* SO_LINGER with a time, before close (Linux tcp_close): starts the
     * orderly close and returns UST_ERR_AGAIN, with the linger time in
     * *timeo, while what we sent (data, FIN) is not all acknowledged;
     * socket.c waits and asks again, then calls close. UST_OK: nothing to
     * wait for. NULL: close never waits. */
    int (*linger)(struct ust_sock *s, ust_time_t *timeo);
    void (*close)(struct ust_sock *s); /* frees s->pcb (may linger internally) */
    short (*poll)(struct ust_sock *s); /* POLLIN | POLLOUT | POLLERR | POLLHUP */
    int (*getname)(struct ust_sock *s, bool peer, struct sock_addr *a);
    int (*setsockopt)(struct ust_sock *s, int level, int name, const void *val, size_t len);
    int (*getsockopt)(struct ust_sock *s, int level, int name, void *val, size_t *len);
    /* Pending asynchronous error for SO_ERROR (cleared by reading). */
    int (*take_error)(struct ust_sock *s);
    /* sockatmark(3): 1 when the next byte to read is the urgent mark, else
     * 0. NULL: ENOTTY (as Linux for sockets without the notion). */
    int (*atmark)(struct ust_sock *s);
};

struct ust_sock {
    struct ust_stack *st;
    int fd;
    int type;            /* SOCK_DGRAM / SOCK_STREAM */
    int domain;          /* AF_INET / AF_INET6 (0: AF_INET) */
    bool v6only;         /* IPV6_V6ONLY (RFC 3493 5.3; off by default, as Linux) */
    uint8_t srcprefs;    /* IPV6_ADDR_PREFERENCES as Linux keeps them (RFC 5014):
                            IPV6_PREFER_SRC_TMP, _PUBLIC, _COA bits; 0 = default */
    bool nonblock;
    bool reuseaddr;      /* SO_REUSEADDR */
    bool broadcast;      /* SO_BROADCAST */
    ust_time_t rcvtimeo; /* 0 = none */
    ust_time_t sndtimeo;
    int rcvbuf;          /* SO_RCVBUF as stored (requested value doubled) */
    int sndbuf;          /* SO_SNDBUF as stored */
    const struct sock_ops *ops;
    void *pcb;           /* the protocol's control block */
};

extern const struct sock_ops udp_sock_ops; /* transport/udp_sock.c */
extern const struct sock_ops tcp_sock_ops; /* transport/tcp/tcp_user.c */

#endif
