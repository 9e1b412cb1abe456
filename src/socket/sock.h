/* The socket layer: descriptor table, blocking and errno mapping in
 * socket.c; each protocol provides a struct sock_ops. Protocol operations
 * return a byte count or a negative ust_err and never block: socket.c
 * turns UST_ERR_AGAIN into a wait (blocking sockets) or EAGAIN. */
#ifndef UST_SOCK_H
#define UST_SOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include "ustack/types.h"

struct ust_stack;
struct ust_sock;

struct sock_addr {
    ust_ip4_t addr;
    uint16_t port;
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
    ssize_t (*recv)(struct ust_sock *s, void *buf, size_t len, int flags, struct sock_addr *from);
    int (*shutdown)(struct ust_sock *s, int how);
    void (*close)(struct ust_sock *s); /* frees s->pcb (may linger internally) */
    short (*poll)(struct ust_sock *s); /* POLLIN | POLLOUT | POLLERR | POLLHUP */
    int (*getname)(struct ust_sock *s, bool peer, struct sock_addr *a);
    int (*setsockopt)(struct ust_sock *s, int level, int name, const void *val, size_t len);
    int (*getsockopt)(struct ust_sock *s, int level, int name, void *val, size_t *len);
    /* Pending asynchronous error for SO_ERROR (cleared by reading). */
    int (*take_error)(struct ust_sock *s);
};

struct ust_sock {
    struct ust_stack *st;
    int fd;
    int type;            /* SOCK_DGRAM / SOCK_STREAM */
    bool nonblock;
    bool reuseaddr;
    ust_time_t rcvtimeo; /* 0 = none */
    ust_time_t sndtimeo;
    const struct sock_ops *ops;
    void *pcb;           /* the protocol's control block */
};

struct sock_table {
    struct ust_sock **v; /* indexed by fd; NULL = free */
    unsigned cap;
    unsigned used;
};
void sock_table_destroy(struct ust_stack *st);

extern const struct sock_ops udp_sock_ops; /* transport/udp.c */
extern const struct sock_ops tcp_sock_ops; /* transport/tcp/tcp_user.c */

#endif
