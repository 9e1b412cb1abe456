/* ustack — the BSD-style socket API. Same argument shapes, return values
 * and errno values as POSIX/Linux: calls return -1 and set errno on error.
 * Descriptors are small integers private to one stack.
 *
 * Blocking calls keep the stack running while they wait, through the
 * waiter installed by the event loop (ust_loop or ust_sim). Sockets created
 * with SOCK_NONBLOCK in `type` (or switched with ust_set_nonblock) return
 * EAGAIN / EINPROGRESS instead. */
#ifndef USTACK_SOCKET_H
#define USTACK_SOCKET_H

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

struct ust_stack;

/* domain AF_INET; type SOCK_DGRAM or SOCK_STREAM, optionally | SOCK_NONBLOCK;
 * protocol 0, IPPROTO_UDP or IPPROTO_TCP. */
int ust_socket(struct ust_stack *st, int domain, int type, int protocol);
int ust_bind(struct ust_stack *st, int fd, const struct sockaddr *addr, socklen_t len);
int ust_connect(struct ust_stack *st, int fd, const struct sockaddr *addr, socklen_t len);
int ust_listen(struct ust_stack *st, int fd, int backlog);
int ust_accept(struct ust_stack *st, int fd, struct sockaddr *addr, socklen_t *len);
ssize_t ust_send(struct ust_stack *st, int fd, const void *buf, size_t len, int flags);
ssize_t ust_write(struct ust_stack *st, int fd, const void *buf, size_t len);
ssize_t ust_recv(struct ust_stack *st, int fd, void *buf, size_t len, int flags);
ssize_t ust_read(struct ust_stack *st, int fd, void *buf, size_t len);
ssize_t ust_sendto(struct ust_stack *st, int fd, const void *buf, size_t len, int flags,
                   const struct sockaddr *to, socklen_t tolen);
ssize_t ust_recvfrom(struct ust_stack *st, int fd, void *buf, size_t len, int flags,
                     struct sockaddr *from, socklen_t *fromlen);
int ust_shutdown(struct ust_stack *st, int fd, int how);
int ust_close(struct ust_stack *st, int fd);
int ust_getsockname(struct ust_stack *st, int fd, struct sockaddr *addr, socklen_t *len);
int ust_getpeername(struct ust_stack *st, int fd, struct sockaddr *addr, socklen_t *len);
int ust_setsockopt(struct ust_stack *st, int fd, int level, int name, const void *val,
                   socklen_t len);
int ust_getsockopt(struct ust_stack *st, int fd, int level, int name, void *val, socklen_t *len);
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
const char *ust_tcp_state_name(int state);

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
};

int ust_set_nonblock(struct ust_stack *st, int fd, int on);
/* Like poll(2) over ustack descriptors; timeout in milliseconds (-1 = for
 * ever, 0 = just look). Runs the stack while it waits. */
int ust_poll(struct ust_stack *st, struct pollfd *fds, nfds_t nfds, int timeout_ms);

#endif
