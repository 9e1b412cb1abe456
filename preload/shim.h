/* libustack-preload.so, the LD_PRELOAD shim behind `ustack run`: the
 * program's AF_INET sockets live in a ustack stack driven by the
 * thread-safe front (include/ustack/front.h); every other descriptor stays
 * with the kernel. README.md, "Running programs over ustack", lists the
 * calls it interposes and the limits.
 *
 * This is the one place in ustack with process-wide state: an interposed
 * libc call has no context pointer, so the front, the descriptor table and
 * the real libc entry points hang off one global struct shim (shim.c).
 *
 * Recursion: the stack and the front call read, write, send, close, socket
 * ... themselves, and those calls land here too (the shim is first in the
 * symbol search order). A thread-local flag, `shim_inside`, sends every
 * call made while it is set straight to libc: it is set around each call
 * into the front and, for good, on the stack thread. */
#ifndef UST_PRELOAD_SHIM_H
#define UST_PRELOAD_SHIM_H

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "cli.h"
#include "ustack/front.h"

/* The libc functions the shim forwards to (dlsym(RTLD_NEXT)). */
struct shim_real {
    int (*socket)(int, int, int);
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*bind)(int, const struct sockaddr *, socklen_t);
    int (*listen)(int, int);
    int (*accept)(int, struct sockaddr *, socklen_t *);
    int (*accept4)(int, struct sockaddr *, socklen_t *, int);
    ssize_t (*read)(int, void *, size_t);
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*readv)(int, const struct iovec *, int);
    ssize_t (*writev)(int, const struct iovec *, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    ssize_t (*send)(int, const void *, size_t, int);
    ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
    ssize_t (*sendmsg)(int, const struct msghdr *, int);
    ssize_t (*read_chk)(int, void *, size_t, size_t);
    ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
    ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
    int (*close)(int);
    int (*shutdown)(int, int);
    int (*getsockopt)(int, int, int, void *, socklen_t *);
    int (*setsockopt)(int, int, int, const void *, socklen_t);
    int (*getsockname)(int, struct sockaddr *, socklen_t *);
    int (*getpeername)(int, struct sockaddr *, socklen_t *);
    int (*fcntl)(int, int, ...);
    int (*fcntl64)(int, int, ...);
    int (*ioctl)(int, unsigned long, ...);
    int (*getaddrinfo)(const char *, const char *, const struct addrinfo *,
                       struct addrinfo **);
    void (*freeaddrinfo)(struct addrinfo *);
    const char *(*gai_strerror)(int);
    int (*dup)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    ssize_t (*sendfile)(int, int, off_t *, size_t);
    int (*getnameinfo)(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t,
                       int);
    struct hostent *(*gethostbyname)(const char *);
    struct hostent *(*gethostbyname2)(const char *, int);
    int (*gethostbyname_r)(const char *, struct hostent *, char *, size_t, struct hostent **,
                           int *);
    int (*gethostbyname2_r)(const char *, int, struct hostent *, char *, size_t,
                            struct hostent **, int *);
    ssize_t (*splice)(int, loff_t *, int, loff_t *, size_t, unsigned int);
};

/* Descriptor table entries, by kernel descriptor number. */
#define SHIM_FD_OURS 1u     /* a front socket of this process */
#define SHIM_FD_NONBLOCK 2u /* its O_NONBLOCK (the kernel fd's flag is not it) */
#define SHIM_FD_DGRAM 4u    /* a UDP socket: a vector is one datagram */
#define SHIM_FD_REUSEPORT 8u /* SO_REUSEPORT was set (remembered, see shim_sock.c) */

struct shim {
    struct shim_real real;
    pthread_once_t real_once;
    pthread_mutex_t start_lock;   /* the lazy start */
    _Atomic(struct ust_front *) front; /* NULL until the first AF_INET socket */
    bool start_failed;            /* said so once; later sockets get ENETDOWN */
    atomic_bool child;            /* a fork() child: the stack is the parent's */
    _Atomic unsigned char *fds;   /* SHIM_FD_* by descriptor, nfds of them (set at load) */
    unsigned nfds;
    struct link_opts opts;        /* from USTACK_RUN_OPTS */
    char *opts_text;              /* the strings opts points into */
    struct link_ctx link;         /* the stack and its device */
};

extern struct shim shim;
extern _Thread_local int shim_inside;

#define SHIM_REAL(name) (pthread_once(&shim.real_once, shim_resolve), shim.real.name)
void shim_resolve(void);

/* Is fd a front socket of this process? 1 yes, 0 no (libc's), -1 one
 * inherited across fork (errno EBADF: the stack belongs to the parent). */
int shim_fd_kind(int fd);
/* -1 when fd is past the table (the caller closes it: EMFILE). */
int shim_fd_set(int fd, unsigned flags);
unsigned shim_fd_flags(int fd);
void shim_fd_clear(int fd);
/* The front, started on first use; NULL with errno ENETDOWN when it cannot
 * run (no configuration, the device busy, a fork child). */
struct ust_front *shim_front(void);
/* Enter/leave the front: calls made in between go to libc. leave keeps errno. */
static inline void shim_enter(void) { shim_inside++; }
static inline void shim_leave(void) { shim_inside--; }
/* getsockopt(TCP_INFO) on front socket fd: Linux's struct tcp_info. */
int shim_tcp_info(struct ust_front *f, int fd, void *val, socklen_t *len);
/* getaddrinfo through the stack's resolver (shim_dns.c); the result is
 * freed with ust_freeaddrinfo. */
int shim_gai(const char *node, const char *service, const struct addrinfo *hints,
             struct addrinfo **res);
/* Linux raises SIGPIPE on a write to a broken stream unless MSG_NOSIGNAL. */
void shim_sigpipe(ssize_t ret, int flags);

#endif
