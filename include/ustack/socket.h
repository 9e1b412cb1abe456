/* ustack — the BSD-style socket API. Same argument shapes, return values
 * and errno values as POSIX/Linux: calls return -1 and set errno on error.
 * Descriptors are small integers private to one stack.
 *
 * Blocking calls keep the stack running while they wait, through the
 * waiter installed by the event loop (ust_loop or ust_sim). Sockets created
 * with SOCK_NONBLOCK in `type` (or switched with ust_set_nonblock) return
 * EAGAIN / EINPROGRESS instead.
 *
 * Blocking: when an operation would block, the call runs the stack through
 * the waiter (ust_stack_set_waiter) and retries, until it succeeds or the
 * SO_RCVTIMEO (recv, accept) / SO_SNDTIMEO (send, connect) deadline passes:
 * then it fails with EAGAIN (connect: EINPROGRESS), as on Linux. With no
 * waiter installed nothing can make progress, so a blocking call that would
 * block fails with EAGAIN at once, and ust_poll returns 0 at once. The same
 * happens when the waiter answers UST_ERR_TIMEDOUT (the simulator: nothing
 * can happen before the deadline, or ever). A waiter answering
 * UST_ERR_AGAIN (the real loop interrupted by a signal handler) gives EINTR.
 * MSG_DONTWAIT makes one call non-blocking.
 *
 * A blocking send on TCP queues every byte before it returns, as on Linux:
 * it keeps waiting while the send buffer is full, and returns a count
 * short of len only when SO_SNDTIMEO expires, the wait is interrupted (a
 * signal) or the connection fails after some bytes were queued (the error
 * is then left for the next call). With nothing queued it fails instead:
 * EAGAIN on the timeout, EINTR, EPIPE, ECONNRESET, ... So `while ((n =
 * ust_recv(st, fd, buf, sizeof buf, 0)) > 0) ust_send(st, fd, buf, n, 0);`
 * echoes every byte; no send-all loop is needed. A non-blocking socket (or
 * MSG_DONTWAIT) queues what fits and returns that count, or EAGAIN.
 *
 * Options (SOL_SOCKET) kept by the socket layer: SO_REUSEADDR,
 * SO_BROADCAST, SO_RCVTIMEO/SO_SNDTIMEO (struct timeval; {0,0} = none,
 * tv_usec outside 0..999999 = EDOM), SO_ERROR (pending error, cleared),
 * SO_TYPE, SO_RCVBUF/SO_SNDBUF. Like Linux, SO_RCVBUF/SO_SNDBUF store the
 * requested value doubled (requests capped at 4 MiB, results at least 2304
 * / 4608 bytes) and getsockopt returns the stored value. For UDP the
 * stored SO_RCVBUF bounds the receive queue: each queued datagram costs its
 * payload + 64 bytes, and a datagram that would push the queue past the
 * limit is dropped (counted in RcvbufErrors), except that an empty queue
 * always takes one datagram. The UDP default is cfg.udp_rcvbuf (as if
 * already doubled). IPPROTO_IP: IP_TTL (1..255, -1 = default; 0: EINVAL),
 * IP_TOS. UDP also has, as on Linux: IP_OPTIONS (at most 40 bytes of IP
 * options sent on every datagram until changed; an empty value removes
 * them; malformed lists, two source routes or a Stream Identifier: EINVAL.
 * A source route lists the gateways to pass: the datagram goes to the
 * first, and the destination given to sendto is put at the end of the
 * route, RFC 1122 3.2.1.8c), IP_PKTINFO / IP_RECVTOS / IP_RECVOPTS /
 * IP_RETOPTS / IP_RECVERR (int flags, see ust_recvmsg), IP_MTU (read-only, connected
 * sockets: the path MTU). Anything else is passed to the protocol; unknown
 * options: ENOPROTOOPT.
 *
 * IPv4 multicast on UDP sockets (RFC 1112, the RFC 3678 / Linux options):
 * IP_ADD_MEMBERSHIP /
 * IP_DROP_MEMBERSHIP take struct ip_mreq (interface by address) or struct
 * ip_mreqn (imr_ifindex = the ustack interface index + 1, as in
 * IP_PKTINFO, else imr_address); no interface: the one the route to the
 * group uses, else the first. A group that is not multicast: EINVAL; no
 * such interface: EADDRNOTAVAIL; joined already: EADDRINUSE; not a member
 * (drop): EADDRNOTAVAIL; cfg.igmp_max_memberships groups on the socket or
 * the interface: ENOMEM. A drop that names no interface leaves the group
 * wherever the socket joined it; close leaves every group. The stack
 * announces the first join and the last leave on an interface with IGMP
 * (IGMPv3, RFC 3376, with the v2/v1 compatibility modes). A multicast
 * datagram is delivered to every socket bound to its port (wildcard or
 * the group address) that joined the group on the interface it arrived
 * on, each its own copy; a socket that did not join gets none, unless it
 * set IP_MULTICAST_ALL (int; off by default, unlike Linux, where it is on).
 * Sending: IP_MULTICAST_TTL (int or one byte, 1..255, -1 = 1; default 1,
 * RFC 1112 6.1; 0 is refused), IP_MULTICAST_LOOP (int or one byte;
 * default 1: a datagram to a group a socket of this stack joined on the
 * outgoing interface is delivered here too), IP_MULTICAST_IF (struct
 * in_addr, or struct ip_mreqn; INADDR_ANY = by route; getsockopt gives
 * the interface's address as struct in_addr). MCAST_JOIN_GROUP /
 * MCAST_LEAVE_GROUP (struct group_req, RFC 3678 5.1) at IPPROTO_IP take
 * an AF_INET group (else EINVAL), gr_interface as imr_ifindex.
 * Source filters (RFC 3678 4.1.2 / 5.1.2, IGMPv3 source lists): a
 * membership is INCLUDE (source-specific) or EXCLUDE (any-source, with
 * blocked sources). IP_ADD_SOURCE_MEMBERSHIP / IP_DROP_SOURCE_MEMBERSHIP
 * (struct ip_mreq_source; interface by address, none: by route) add or
 * drop an INCLUDE source, joining the group first if needed (an
 * any-source membership with no blocked source becomes INCLUDE); the last
 * source dropped leaves the group. IP_BLOCK_SOURCE / IP_UNBLOCK_SOURCE
 * block or unblock a source of an any-source membership.
 * MCAST_JOIN_SOURCE_GROUP / MCAST_LEAVE_SOURCE_GROUP / MCAST_BLOCK_SOURCE /
 * MCAST_UNBLOCK_SOURCE (struct group_source_req, AF_INET group and source,
 * else EINVAL; gsr_interface as imr_ifindex) do the same. Errors as Linux:
 * no membership (block, unblock, drop): EINVAL; the other mode while it
 * has sources: EINVAL; a source already listed, or (drop, unblock) not
 * listed: EADDRNOTAVAIL; no such interface: ENODEV; more than
 * cfg.mcast_max_sources (10) sources: ENOBUFS (igmp SourcesRefused). A
 * datagram from a source its filter excludes is not delivered to that
 * socket (igmp SourceFiltered); the interface reports the merged filter
 * of all its sockets (RFC 3376 3.2) with ALLOW / BLOCK / TO_IN / TO_EX
 * records. IPv6 source filters: the four MCAST_*_SOURCE* options at
 * IPPROTO_IPV6 on AF_INET6 sockets (AF_INET6 group and source, else
 * EADDRNOTAVAIL, as Linux; gsr_interface = index + 1, 0 = the group's
 * route, and for all but the join a membership on any interface), the
 * same rules and errors, at most cfg.mld_max_sources (64) sources per
 * socket and cfg.mld_max_group_sources (256) per group on an interface
 * (ENOBUFS, mld6 SourcesRefused); filtered datagrams count in mld6
 * SourceFiltered; MLDv2 reports the merged filter (RFC 3810 4.2, 6.1).
 *
 * IPv6 multicast on AF_INET6 UDP sockets (RFC 3493 5.2, errors as Linux):
 * IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP (also named IPV6_ADD_MEMBERSHIP /
 * IPV6_DROP_MEMBERSHIP; struct ipv6_mreq, ipv6mr_interface = the ustack
 * interface index + 1 as sin6_scope_id, 0 = the group's route, else the
 * first interface) and MCAST_JOIN_GROUP / MCAST_LEAVE_GROUP at
 * IPPROTO_IPV6 (an AF_INET6 group, else EADDRNOTAVAIL). Not multicast or
 * a short value: EINVAL; no such interface: ENODEV; joined already:
 * EADDRINUSE; not a member: EADDRNOTAVAIL; beyond cfg.igmp_max_memberships
 * groups on the socket or the interface (at most 32 per interface, MLD's
 * table): ENOMEM (mld6 JoinsRefused). The stack announces the first join and the last
 * leave with MLDv2 (RFC 3810) and delivers as for IPv4: to every socket on
 * the port that joined the group on the arrival interface. Sending to an
 * IPv6 group: IPV6_MULTICAST_HOPS (int, -1..255, -1 = the default 1; 0
 * keeps the datagram in this host), IPV6_MULTICAST_LOOP (int 0 or 1,
 * default 1), IPV6_MULTICAST_IF (int, index + 1; 0 = by route; no such
 * interface: ENODEV). A dual-stack socket joins IPv4 groups with the
 * IPPROTO_IP options and keeps their IPv4 sending settings apart.
 *
 * UDP (SOCK_DGRAM) as on Linux: one recv returns (the start of) one
 * datagram, the rest of a longer one is discarded, and with MSG_TRUNC the
 * call returns the datagram's real length; MSG_PEEK leaves it queued.
 * sendto over 65507 bytes: EMSGSIZE; larger than the MTU: fragmented. An
 * unbound socket gets an ephemeral port (cfg.ephemeral_lo..hi) on its
 * first send or connect. ICMP errors (port unreachable -> ECONNREFUSED,
 * host/net unreachable, a local ARP failure -> EHOSTUNREACH) reach only a
 * connected socket, as a pending error returned once by the next send or
 * recv (and by SO_ERROR, POLLERR); fragmentation needed gives EMSGSIZE.
 * With IP_RECVERR every such error is also queued for MSG_ERRQUEUE, for
 * unconnected sockets too (at most 32,
                            the oldest dropped first). ICMPv6 errors the same way
 * (IPV6_RECVERR; on a dual socket IP_RECVERR governs the ICMP errors about
 * IPv4-mapped traffic and IPV6_RECVERR the ICMPv6 ones, as Linux); a datagram over IPv6 to a
 * port no socket has is answered with ICMPv6 port unreachable. A unicast datagram goes to the most
 * specific socket (connected, then bound to the address, then wildcard;
 * the newest on a tie), a broadcast one to every matching socket.
 *
 * TCP (SOCK_STREAM) extras (RFC 9293): send with MSG_OOB makes the data
 * just queued urgent (URG and the urgent pointer go out until it is
 * acknowledged). Receiving urgent data works as on Linux (and BSD): the
 * last urgent byte, the one before the urgent pointer, is "the mark".
 * Without SO_OOBINLINE it is out of band: recv(MSG_OOB) returns it (1
 * byte, once; MSG_PEEK leaves it; a 0-byte read consumes it) and ordinary
 * reads skip it; with SO_OOBINLINE (int, SOL_SOCKET) it stays in the
 * stream. Either way a read never crosses the mark: it stops before it,
 * and the next read starts there; ust_sockatmark says whether the next
 * byte is the mark. A newer urgent pointer replaces the mark (an earlier
 * out-of-band byte not yet read becomes data); once a read has passed the
 * mark, the out-of-band byte is gone. recv(MSG_OOB) never waits: EINVAL
 * with SO_OOBINLINE, when there is no mark or its byte was already read;
 * EAGAIN while the pointer has arrived but its byte not yet; 0 after the
 * peer's FIN; ENOTCONN once reset. The socket polls POLLPRI from the
 * pointer's arrival until the byte is read (or passed), and POLLIN only
 * when there is data besides an out-of-band byte (Linux raises SIGURG at
 * the pointer, POLLPRI once the byte is there; ustack has no signals).
 * Accepted sockets inherit SO_OOBINLINE.
 *
 * TCP soft errors (ICMP host/net unreachable and the like, and
 * cfg.tcp_retries1 retransmission timeouts in a row: ETIMEDOUT) never
 * close the connection: SO_ERROR returns and clears the last one;
 * with IP_RECVERR the socket also polls POLLERR and the next recv or send
 * returns it once (as Linux). IP_OPTIONS as for UDP, sent on every
 * segment and counted in the MSS; a connection accepted from a SYN that
 * came over a source route answers over the reversed route, unless the
 * listener has IP options of its own.
 *
 * TCP SO_LINGER (struct linger), as Linux: l_onoff with l_linger 0 makes
 * close abort the connection with a RST. With l_linger > 0 close waits
 * until the peer has acknowledged every byte and our FIN (FIN-WAIT-2,
 * TIME-WAIT or CLOSED) or l_linger seconds have passed, then returns 0
 * either way; after a timeout the close goes on in the background. Like
 * Linux (and unlike BSD) it waits on an O_NONBLOCK socket too. Data
 * arriving while it waits resets the connection, as data after close
 * does. A negative l_linger waits without limit. Accepted sockets inherit
 * the listener's SO_LINGER.
 *
 * Descriptors: the lowest free one first, starting at 0; at most
 * cfg.max_sockets (EMFILE). */
#ifndef USTACK_SOCKET_H
#define USTACK_SOCKET_H

#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "export.h"
#include "types.h"

/* IPV6_ADDR_PREFERENCES (IPPROTO_IPV6, int; RFC 5014, as Linux): on an
 * AF_INET6 TCP or UDP socket, IPV6_PREFER_SRC_PUBLIC makes the source the
 * stack picks for this socket alone (connect, sends) a public address over
 * a temporary one (RFC 6724 5 rule 7 reversed); IPV6_PREFER_SRC_TMP and
 * IPV6_PREFER_SRC_PUBTMP_DEFAULT keep the stack's default (temporary first
 * when cfg.ipv6_temp_addrs forms them). COA / HOME and CGA / NONCGA are
 * accepted (no Mobile IPv6, no CGA here). Two of TMP / PUBLIC /
 * PUBTMP_DEFAULT, COA with HOME or CGA with NONCGA: EINVAL. getsockopt
 * returns TMP, PUBLIC or PUBTMP_DEFAULT, with COA or HOME. <netinet/in.h>
 * names the option but not its flags: Linux's values (linux/in6.h). */
#ifndef IPV6_PREFER_SRC_TMP
#define IPV6_PREFER_SRC_TMP 0x0001
#define IPV6_PREFER_SRC_PUBLIC 0x0002
#define IPV6_PREFER_SRC_PUBTMP_DEFAULT 0x0100
#define IPV6_PREFER_SRC_COA 0x0004
#define IPV6_PREFER_SRC_HOME 0x0400
#define IPV6_PREFER_SRC_CGA 0x0008
#define IPV6_PREFER_SRC_NONCGA 0x0800
#endif

struct ust_stack;

/* domain AF_INET; type SOCK_DGRAM or SOCK_STREAM, optionally | SOCK_NONBLOCK;
 * protocol 0, IPPROTO_UDP or IPPROTO_TCP. */
UST_API int ust_socket(struct ust_stack *st, int domain, int type, int protocol);
UST_API int ust_bind(struct ust_stack *st, int fd, const struct sockaddr *addr, socklen_t len);
UST_API int ust_connect(struct ust_stack *st, int fd, const struct sockaddr *addr, socklen_t len);
UST_API int ust_listen(struct ust_stack *st, int fd, int backlog);
UST_API int ust_accept(struct ust_stack *st, int fd, struct sockaddr *addr, socklen_t *len);
UST_API ssize_t ust_send(struct ust_stack *st, int fd, const void *buf, size_t len, int flags);
UST_API ssize_t ust_write(struct ust_stack *st, int fd, const void *buf, size_t len);
UST_API ssize_t ust_recv(struct ust_stack *st, int fd, void *buf, size_t len, int flags);
UST_API ssize_t ust_read(struct ust_stack *st, int fd, void *buf, size_t len);
UST_API ssize_t ust_sendto(struct ust_stack *st, int fd, const void *buf, size_t len, int flags,
                           const struct sockaddr *to, socklen_t tolen);
UST_API ssize_t ust_recvfrom(struct ust_stack *st, int fd, void *buf, size_t len, int flags,
                             struct sockaddr *from, socklen_t *fromlen);
UST_API int ust_shutdown(struct ust_stack *st, int fd, int how);
UST_API int ust_close(struct ust_stack *st, int fd);
UST_API int ust_getsockname(struct ust_stack *st, int fd, struct sockaddr *addr, socklen_t *len);
UST_API int ust_getpeername(struct ust_stack *st, int fd, struct sockaddr *addr, socklen_t *len);
UST_API int ust_setsockopt(struct ust_stack *st, int fd, int level, int name, const void *val,
                           socklen_t len);
/* recvmsg(2): scatter into msg_iov, source in msg_name, and control
 * messages (level IPPROTO_IP) in msg_control for a UDP socket that enabled
 * them with setsockopt (int 1), as on Linux:
 *   IP_PKTINFO  -> IP_PKTINFO, struct in_pktinfo: ipi_ifindex = the ustack
 *                  interface index + 1 (0 = delivered locally), ipi_addr =
 *                  the IP destination, ipi_spec_dst = the specific
 *                  destination (RFC 1122 3.3.4.2: the interface address
 *                  when the destination was a broadcast);
 *   IP_RECVTOS  -> IP_TOS, one byte: the TOS as received (RFC 1122 4.1.4);
 *   IP_RECVOPTS -> IP_RECVOPTS, the IP options exactly as received;
 *   IP_RETOPTS  -> IP_RETOPTS, options for a reply to the sender, ready for
 *                  IP_OPTIONS: the received source route reversed (RFC 1122
 *                  3.2.1.8c; absent when there is none);
 *   IP_RECVERR  -> errors, see MSG_ERRQUEUE below.
 * msg_flags gets MSG_TRUNC (datagram cut) and MSG_CTRUNC (control data did
 * not fit). MSG_ERRQUEUE (with IP_RECVERR on) reads one queued ICMP error
 * instead, never blocking (EAGAIN when none): the data is the returned
 * datagram's UDP payload as quoted, msg_name its destination, and one
 * control message IP_RECVERR holding struct ust_sock_extended_err followed
 * by a struct sockaddr_in naming the reporter (SO_EE_OFFENDER in Linux).
 * AF_INET6 UDP sockets (RFC 3542 6, level IPPROTO_IPV6, as Linux):
 *   IPV6_RECVPKTINFO  -> IPV6_PKTINFO, struct in6_pktinfo: ipi6_addr = the
 *                        destination (an IPv4 datagram's as ::ffff:a.b.c.d),
 *                        ipi6_ifindex = interface index + 1 (0: local);
 *   IPV6_RECVHOPLIMIT -> IPV6_HOPLIMIT, int: the hop limit as received;
 *   IPV6_RECVTCLASS   -> IPV6_TCLASS, int: the Traffic Class as received
 *                        (these two for IPv6 datagrams only);
 *   IPV6_RECVERR      -> the error queue for ICMPv6 (and ICMP) errors: one
 *                        IPV6_RECVERR message, struct ust_sock_extended_err
 *                        (ee_origin UST_SO_EE_ORIGIN_ICMP6, the ICMPv6 type
 *                        and code, errno as Linux: port unreachable
 *                        ECONNREFUSED, no route ENETUNREACH, prohibited /
 *                        policy / reject route EACCES, address unreachable
 *                        and time exceeded EHOSTUNREACH, Packet Too Big
 *                        EMSGSIZE with the MTU in ee_info, Parameter Problem
 *                        EPROTO with the pointer in ee_info) followed by a struct sockaddr_in6 naming the
 *                        reporter (an IPv4 one mapped).
 * A control message that does not fit is cut to the room left (its
 * cmsg_len says so) with MSG_CTRUNC, as Linux.
 * TCP sockets: data only (no control messages). */
UST_API ssize_t ust_recvmsg(struct ust_stack *st, int fd, struct msghdr *msg, int flags);
/* sendmsg(2): gathers msg_iov into one datagram sent to msg_name (or the
 * connected peer). Control messages (level IPPROTO_IP, UDP only, for this
 * datagram alone, RFC 1122 4.1.4): IP_TTL (int, 1..255), IP_TOS (int or
 * one byte), IP_PKTINFO (struct in_pktinfo: ipi_spec_dst, if not 0, is the
 * source address, which must be ours; ipi_ifindex and ipi_addr are
 * ignored). AF_INET6 UDP sockets also take level IPPROTO_IPV6 (RFC 3542
 * 6): IPV6_PKTINFO (struct in6_pktinfo: ipi6_addr, unless ::, the source,
 * which must be ours (a link-local one on that interface), else EINVAL;
 * an IPv4-mapped one is the source towards a mapped peer; ipi6_ifindex,
 * unless 0, the interface (index + 1; ENODEV when there is none), also
 * as the sticky socket option IPV6_PKTINFO), IPV6_HOPLIMIT (int, -1..255;
 * 0 is sent), IPV6_TCLASS (int, -1..255) and IPV6_DONTFRAG (int; also a
 * socket option: above the path MTU EMSGSIZE instead of fragments, RFC
 * 3542 11.2; so does IPV6_MTU_DISCOVER IPV6_PMTUDISC_DO, PROBE or
 * INTERFACE, Linux's values 0..5, default WANT). Every cmsg_len must lie
 * within msg_controllen and fit its type exactly (in6_pktinfo: at
 * least). Anything else, or any control message on a TCP socket:
 * EINVAL. IPV6_UNICAST_HOPS takes 0..255 and -1 (the default) on UDP and
 * TCP sockets (RFC 3493 5.1, Linux); 0 goes out as hop limit 0 to IPv6
 * peers (the destination takes it, RFC 8200 3). On a dual socket
 * IPV6_UNICAST_HOPS / IPV6_TCLASS (and the IPV6_HOPLIMIT / IPV6_TCLASS
 * control messages) govern IPv6 packets only, IP_TTL / IP_TOS the
 * IPv4-mapped ones (Linux). IPV6_MTU (getsockopt, connected UDP socket):
 * the path MTU. RFC 3542 11: IPV6_USE_MIN_MTU (below), IPV6_RECVPATHMTU
 * (int; after an IPV6_DONTFRAG send failed with EMSGSIZE, the next
 * recvmsg returns 0 bytes from that destination, port 0, with an
 * IPV6_PATHMTU struct ip6_mtuinfo: the destination and its path MTU; one
 * pending notice, as Linux) and getsockopt IPV6_PATHMTU (struct
 * ip6_mtuinfo, the connected socket's path MTU; ENOTCONN, EINVAL for a
 * short buffer). */
UST_API ssize_t ust_sendmsg(struct ust_stack *st, int fd, const struct msghdr *msg, int flags);

/* The error queued for MSG_ERRQUEUE; the same layout as Linux's struct
 * sock_extended_err (linux/errqueue.h). */
struct ust_sock_extended_err {
    uint32_t ee_errno;  /* errno value: ECONNREFUSED, EHOSTUNREACH, EMSGSIZE... */
    uint8_t ee_origin;  /* UST_SO_EE_ORIGIN_ICMP (2) or _LOCAL (1) */
    uint8_t ee_type;    /* ICMP type */
    uint8_t ee_code;    /* ICMP code */
    uint8_t ee_pad;
    uint32_t ee_info;   /* next-hop MTU for fragmentation needed */
    uint32_t ee_data;
};
/* IPV6_USE_MIN_MTU (RFC 3542 11.1; int: -1 the default = the minimum MTU
 * 1280 for multicast destinations only, 0 = the path MTU for all, 1 =
 * 1280 for all; UDP and TCP, where TCP's MSS follows). Linux reserves the
 * value 63 for it (linux/in6.h) without implementing it. */
#ifndef IPV6_USE_MIN_MTU
#define IPV6_USE_MIN_MTU 63
#endif
#define UST_SO_EE_ORIGIN_LOCAL 1
#define UST_SO_EE_ORIGIN_ICMP 2
#define UST_SO_EE_ORIGIN_ICMP6 3
UST_API int ust_getsockopt(struct ust_stack *st, int fd, int level, int name, void *val,
                           socklen_t *len);
/* TCP connection states (RFC 9293 3.3.2), as reported by UST_TCP_INFO. */
enum ust_tcp_state {
    UST_TCP_CLOSED = 0,
    UST_TCP_LISTEN,
    UST_TCP_SYN_SENT,
    UST_TCP_SYN_RECEIVED,
    UST_TCP_ESTABLISHED,
    UST_TCP_FIN_WAIT_1,
    UST_TCP_FIN_WAIT_2,
    UST_TCP_CLOSE_WAIT,
    UST_TCP_CLOSING,
    UST_TCP_LAST_ACK,
    UST_TCP_TIME_WAIT,
};
/* "ESTABLISHED", "SYN-SENT", ... */
UST_API const char *ust_tcp_state_name(int state);

/* getsockopt(fd, IPPROTO_TCP, UST_TCP_INFO, &info, &len): a snapshot of a
 * TCP connection, in the spirit of Linux TCP_INFO. Times in microseconds,
 * windows in bytes (already scaled). */
#define UST_TCP_INFO 0x5501
struct ust_tcp_info {
    uint8_t state;            /* enum ust_tcp_state */
    uint8_t snd_wscale;       /* window shift applied to the peer's windows */
    uint8_t rcv_wscale;       /* window shift applied to ours */
    uint8_t backoff;          /* RTO back-off exponent */
    uint32_t rtt_us;          /* smoothed RTT (0 before the first sample) */
    uint32_t rttvar_us;
    uint32_t rto_us;          /* current RTO including back-off */
    uint32_t snd_mss;         /* effective send MSS */
    uint32_t rcv_mss;         /* MSS we advertised */
    uint32_t cwnd;            /* congestion window */
    uint32_t ssthresh;
    uint32_t snd_wnd;         /* peer's receive window */
    uint32_t rcv_wnd;         /* window we advertise */
    uint32_t unacked;         /* bytes sent and not acknowledged */
    uint32_t retransmits;     /* consecutive unanswered retransmissions */
    uint32_t total_retrans;   /* segments retransmitted */
    uint32_t urg_pending;     /* urgent bytes not yet read (RFC 9293 MUST-33) */
    uint64_t bytes_acked;     /* bytes of ours the peer acknowledged */
    uint64_t bytes_received;  /* bytes received in order */
    uint8_t ecn;              /* 1: ECN negotiated on this connection (RFC 3168) */
    uint64_t pacing_rate;     /* bytes/s segments are paced at; 0: unpaced */
    uint64_t delivery_rate;   /* bytes/s of the last delivery rate sample (with SACK) */
    char cc_state[16];        /* the congestion controller's state ("ProbeBW_UP"
                                 for BBR), empty for those without one */
    uint32_t min_rtt_us;      /* windowed minimum RTT (0 before the first sample) */
    uint32_t rtt_samples;     /* RTT samples taken (RFC 6298, RFC 7323) */
    uint32_t rtt_ambiguous;   /* ACKs of retransmitted data not timed (Karn) */
    uint32_t spurious_dsack;  /* recoveries shown spurious by D-SACKs (RFC 3708) */
    uint32_t spurious_rtos;   /* RTOs shown spurious (F-RTO RFC 5682, Eifel RFC 3522) */
    uint32_t undos;           /* cwnd/ssthresh reductions undone */
    /* loss recovery, where the time goes (counts since the connection began) */
    uint32_t rtos;            /* retransmission timeouts (RFC 6298 5.5) */
    uint32_t tlp_probes;      /* tail loss probes sent (RFC 8985 7.3) */
    uint32_t rack_lost;       /* segments RACK marked lost (RFC 8985 6.2) */
    uint32_t fast_retrans;    /* fast recoveries entered (RFC 6675, RFC 8985) */
    uint32_t recoveries;      /* congestion episodes: fast recovery, RTO, or a
                                 response to a tail loss probe or ECE */
    uint32_t cwnd_reductions; /* multiplicative decreases of the window */
    uint32_t max_episode_reductions; /* the most in one episode (1 when as RFC 5681) */
    uint32_t lost_retrans;    /* retransmissions found lost again */
    uint64_t bytes_sent;      /* data octets sent, retransmissions included
                                 (Linux tcpi_bytes_sent, RFC 4898) */
    uint64_t bytes_retrans;   /* of them, retransmitted (tcpi_bytes_retrans) */
    char cc_algo[16];         /* congestion control algorithm, as TCP_CONGESTION */
    uint32_t tso_packets;     /* packets of several segments handed to the device
                                 as one (TCP segmentation offload, cfg.tcp_tso) */
    /* buffer autotuning (cfg.tcp_rmem_max, tcp_wmem_max) */
    uint32_t rcv_space;       /* bytes the application read in the last
                                 receiver RTT (Linux tcpi_rcv_space) */
    uint32_t rcv_rtt_us;      /* receiver's RTT estimate (tcpi_rcv_rtt) */
    uint32_t rcvbuf;          /* receive buffer now (grows unless SO_RCVBUF) */
    uint32_t sndbuf;          /* send buffer now (grows unless SO_SNDBUF) */
    /* where the sender's time went (Linux tcpi_busy_time, tcpi_rwnd_limited,
       tcpi_sndbuf_limited): */
    uint64_t busy_us;         /* data queued or unacknowledged */
    uint64_t rwnd_limited_us; /* of it, the next segment beyond the peer's
                                 window while cwnd had room for it */
    uint64_t sndbuf_limited_us; /* of it, all sent and the application
                                   waiting for room in a full send buffer */
};

/* setsockopt(fd, IPPROTO_TCP, UST_TCP_RTO_MIN, &int, sizeof(int)): this
 * connection's lower bound on the RTO in microseconds (cfg.tcp_rto_min
 * otherwise; as the rto_min of a Linux route), 1 us .. 60 s; getsockopt
 * reads it. */
#define UST_TCP_RTO_MIN 0x5503

/* setsockopt(fd, IPPROTO_TCP, UST_TCP_ECN, &int, sizeof(int)): this socket's
 * ECN mode, as cfg.tcp_ecn (0 off, 1 request and accept, 2 accept only);
 * read by connect and by a listener's new connections. */
#define UST_TCP_ECN 0x5502

/* One socket or connection of the stack, as `netstat -tuna` shows it. */
struct ust_sock_entry {
    int proto;            /* IPPROTO_TCP or IPPROTO_UDP */
    int fd;               /* its descriptor, or -1: a TCP connection living on
                             without one (TIME-WAIT, an orphan closing, a
                             listener's child not accepted yet) */
    struct ust_addr laddr; /* either family (issue #13); any (0.0.0.0, ::)
                             = every address; an AF_INET6 socket's IPv4
                             connection as ::ffff:a.b.c.d, as ss shows it */
    uint16_t lport;
    struct ust_addr raddr; /* family 0 with rport 0: no peer (listener,
                             unconnected UDP) */
    uint16_t rport;
    int state;            /* TCP: enum ust_tcp_state; UDP: UST_TCP_CLOSED */
    uint32_t recv_q;      /* TCP: unread bytes (listener: connections waiting
                             for accept); UDP: queued bytes */
    uint32_t send_q;      /* TCP: bytes not yet acknowledged (listener: the
                             backlog); UDP: 0 */
    const struct ust_tcp_info *tcp_info; /* a TCP connection's UST_TCP_INFO,
                             valid during the callback; NULL for listeners and UDP */
};
typedef void (*ust_sock_entry_fn)(void *ctx, const struct ust_sock_entry *e);
/* Read-only snapshot: calls fn for every TCP control block (listeners,
 * connections, descriptor-less ones) and every bound UDP socket. fn must
 * not call back into the stack. Returns the number of entries. */
UST_API int ust_netstat(struct ust_stack *st, ust_sock_entry_fn fn, void *ctx);

UST_API int ust_set_nonblock(struct ust_stack *st, int fd, int on);

/* struct ust_addr and sockaddr (issue #13). From a sockaddr_in or
 * sockaddr_in6 (len at least its size): 0, or UST_ERR_INVAL for another
 * family or a short length; an IPv4-mapped address stays IPv6
 * (ust_addr_unmap). To one: sockaddr_in for IPv4, sockaddr_in6 for IPv6
 * (scope_id as sin6_scope_id); returns the length used. */
UST_API int ust_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct ust_addr *a,
                                   uint16_t *port);
UST_API socklen_t ust_addr_to_sockaddr(const struct ust_addr *a, uint16_t port,
                                       struct sockaddr_storage *ss);
/* sockatmark(3): 1 when the next byte an ordinary read would return is the
 * urgent mark (the last urgent byte, see MSG_OOB above), 0 when not, -1
 * with errno EBADF, or ENOTTY for a socket without urgent data (UDP). */
UST_API int ust_sockatmark(struct ust_stack *st, int fd);
/* Like poll(2) over ustack descriptors; timeout in milliseconds (-1 = for
 * ever, 0 = just look). Runs the stack while it waits. */
UST_API int ust_poll(struct ust_stack *st, struct pollfd *fds, nfds_t nfds, int timeout_ms);

/* Readiness notification for applications with their own epoll loop: an
 * eventfd (created on the first call, owned and closed by the stack) that
 * the stack signals whenever the readiness of some socket may have changed
 * (data or a connection arrived, an error was set, a peer closed). It is a
 * hint, not a level: when it becomes readable, read its 8-byte counter to
 * reset it, then ask ust_poll(..., 0) which sockets are ready. Alongside it
 * the loop must still feed the devices and call ust_stack_poll at
 * ust_stack_poll_at. Returns the fd, or -1 with errno set. */
UST_API int ust_stack_event_fd(struct ust_stack *st);

#endif
