/* Helpers shared by the files of the socket layer (socket.c, sockopt.c,
 * poll.c); not for protocols. */
#ifndef UST_SOCK_IMPL_H
#define UST_SOCK_IMPL_H

#include <errno.h>

#include "sock.h"

struct ust_stack;

/* The descriptor's socket, or NULL (EBADF). */
struct ust_sock *sock_get(struct ust_stack *st, int fd);

/* Sets errno and returns -1: the POSIX error convention. */
static inline int sock_fail(int eno)
{
    errno = eno;
    return -1;
}
static inline int sock_fail_err(int err) { return sock_fail(ust_err_to_errno(err)); }

/* One blocking call's wait: the deadline is fixed on the first wait. */
struct sock_wait {
    ust_time_t timeo;    /* SO_RCVTIMEO / SO_SNDTIMEO; 0 = none */
    ust_time_t deadline;
    bool started;
    bool expired;        /* the waiter said nothing happens before it */
};
/* Runs the stack's waiter once until the deadline. Returns 0 to retry the
 * operation, UST_ERR_AGAIN when the deadline passed or no waiter is
 * installed, UST_ERR_INTR when the waiter was interrupted (a signal in
 * the real loop), or the waiter's own negative error. */
int sock_wait_once(struct ust_stack *st, struct sock_wait *w);
/* ust_sendto with per-message settings (tx may be NULL): msg.c. */
ssize_t sock_sendto_tx(struct ust_stack *st, int fd, const void *buf, size_t len, int flags,
                       const struct sockaddr *to, socklen_t tolen, const struct sock_tx_meta *tx);
/* sockaddr_in / sockaddr_in6 -> sock_addr for socket s (sockaddr.c):
 * 0 or an errno (EAFNOSUPPORT for the other family, EINVAL for a short
 * length, ENETUNREACH for an IPv4-mapped address on an IPV6_V6ONLY
 * socket). AF_UNSPEC is taken as AF_INET when allow_unspec (AF_INET
 * sockets only, as before). */
int sock_addr_from_user(const struct ust_sock *s, const struct sockaddr *sa, socklen_t len,
                        bool allow_unspec, struct sock_addr *out);
/* The other way, in the socket's family; copies at most *len bytes and
 * sets *len to the full size, as the kernel does. */
void sock_addr_to_user(const struct ust_sock *s, const struct sock_addr *a, struct sockaddr *sa,
                       socklen_t *len);
/* IPPROTO_IPV6 options the socket layer answers (sockopt6.c). */
bool sock_is_ipv6_opt(const struct ust_sock *s, int level, int name);
int sock_setopt_ipv6(struct ust_sock *s, int name, const void *val, socklen_t len);
int sock_getopt_ipv6(struct ust_sock *s, int name, void *val, socklen_t *len);
/* Control messages (msg.c, msg6.c): appends one to m at *used (cut, with
 * MSG_CTRUNC, when it does not fit); the IPPROTO_IPV6 ones of a received
 * datagram (RFC 3542 6) and of an error (IPV6_RECVERR); one IPPROTO_IPV6
 * sending control message into tx (0 or an errno). */
void sock_cmsg_put(struct msghdr *m, size_t *used, int level, int type, const void *data,
                   size_t len);
void sock_put_control6(struct msghdr *m, size_t *used, const struct sock_meta *meta);
void sock_cmsg_err6(struct msghdr *m, size_t *used, const struct sock_meta *meta);
void sock_ee_fill(struct ust_sock_extended_err *ee, const struct sock_meta *meta);
int sock_tx_one6(const struct cmsghdr *c, struct sock_tx_meta *tx);
/* now + d without overflow. */
ust_time_t sock_time_add(ust_time_t now, ust_time_t d);

#endif
