/* ustack — the thread-safe front: one stack on a thread of its own, and a
 * socket API callable from any thread.
 *
 * ust_front_new(st) takes a configured stack (devices, interfaces, routes
 * set up first, in the calling thread) and starts the stack thread, which
 * runs the stack's real event loop (ust_loop: devices, timers) for as long
 * as the front lives. From then on the stack belongs to that thread: the
 * application uses only ust_front_* calls, from as many threads as it
 * likes, and reaches the stack itself only through ust_front_run().
 *
 * Threading contract (also in README.md, "Using the stack from several
 * threads"):
 *  - every ust_front_* call may be made from any thread, concurrently,
 *    on the same socket (a reader and a writer) or on different ones;
 *  - ust_front_free() must not race with any other call on the front: the
 *    application stops its threads' calls first (closing a socket wakes
 *    the threads blocked on it, see ust_front_close);
 *  - the rest of the library keeps its contract (ustack.h): a stack, its
 *    devices and sockets belong to one thread; with a front that thread is
 *    the stack thread, and ust_front_run() is the way into it.
 *
 * How it works (ARCHITECTURE.md, "The thread-safe front", has the
 * measurements): one mutex, the core lock, guards the stack, as lwIP's
 * LWIP_TCPIP_CORE_LOCKING does. The stack thread holds it while it
 * processes a turn (frames, timers, messages) and drops it while it
 * sleeps in ppoll on the loop's epoll descriptor. Socket calls (data and
 * control: socket, bind, listen, connect, accept, send, recv, setsockopt,
 * getsockopt, getsockname, getpeername, shutdown, close) take the lock in
 * the calling thread and run the stack's non-blocking call there, then
 * any work that call made due at once (a segment on the loopback queue);
 * a deadline a call moved earlier moves the stack thread's timer
 * descriptor, which wakes nobody now. A call that must wait watches the
 * loop's descriptor too: when frames arrive it reads them itself under
 * the lock (a "direct turn", as Linux processes a socket's backlog in
 * process context), so a reply reaches the thread waiting for it without
 * a hand-off through the stack thread, which keeps timers, messages and
 * the sockets nobody waits on. Chosen by measurement (bench/bench_front,
 * bench/programs.sh): each message to the stack thread costs two thread
 * hand-offs. Only ust_front_run() is a message to the stack thread; with
 * cfg.front_data_messages every socket call is one (for measurement, and
 * the form a daemon owning the stack for several processes would carry
 * over a socket).
 *
 * Sockets are named by a real kernel file descriptor: ust_front_socket()
 * and ust_front_accept() return one end of an AF_UNIX SOCK_SEQPACKET
 * socketpair; the stack thread holds the other end. The descriptor is the
 * socket's handle in every ust_front_* call and its readiness mirrors the
 * ustack socket's, so the application's own poll/select/epoll over kernel
 * descriptors waits on ustack sockets too:
 *  - POLLIN: a one-byte "doorbell" datagram sits in the descriptor while
 *    the ustack socket is readable (data, EOF, a connection to accept, an
 *    urgent byte, an error or hang-up), and is taken back when it is not;
 *  - POLLOUT: while the ustack socket is not writable the stack thread
 *    keeps a 1 KiB "gate" datagram sent from this end (whose send buffer
 *    is set to the minimum) unread in the other, and the kernel reports it
 *    not writable until the stack thread reads the gate back;
 *  - POLLRDHUP (with POLLIN): the peer's FIN arrived or the socket was
 *    shut down for reading (the other end does shutdown(SHUT_WR));
 *  - POLLHUP: the connection is over (reset, or both FINs), the socket
 *    was closed, or the front was freed (the other end shuts down both
 *    ways or is closed). A pending error (POLLERR in ust_poll) shows as
 *    POLLIN and POLLOUT: ask SO_ERROR or the next call.
 * The mirror is updated under the core lock after every call and every
 * turn of the stack, before the lock is released, so a change is visible
 * on the descriptor before any thread can act on it (no lost wake-up),
 * and nothing moves on it while the stack is idle. Edge-triggered epoll
 * sees one edge per doorbell. The application must not read, write or
 * close the descriptor itself, nor change its flags: it polls it and
 * passes it to ust_front_* (ust_front_close closes it).
 *
 * Blocking: a call that would block sleeps on the socket's condition
 * variable (no spinning) until the socket's readiness changes, then
 * retries, exactly as the single-threaded API loops (socket.h): a
 * blocking TCP send queues every byte unless SO_SNDTIMEO expires or the
 * connection fails after some were queued; SO_RCVTIMEO bounds recv and
 * accept, SO_SNDTIMEO send and connect (connect then fails with
 * EINPROGRESS); expiry gives EAGAIN. O_NONBLOCK (SOCK_NONBLOCK in type or
 * flags, ust_front_set_nonblock) and MSG_DONTWAIT never wait. A call
 * waits in poll() on its descriptor, so a signal handler that runs in the
 * waiting thread interrupts it as it interrupts the kernel's socket calls
 * (signal(7)): EINTR (or the count a send had queued), except that the
 * call goes on waiting when it has no SO_RCVTIMEO/SO_SNDTIMEO and every
 * installed handler has SA_RESTART (poll does not tell which signal ran,
 * so one handler without SA_RESTART makes every signal interrupt). A
 * connect so interrupted goes on in the background (EALREADY, then the
 * result by SO_ERROR), as Linux's. Closing a socket wakes every thread blocked on
 * it: their calls fail with EBADF (Linux leaves them blocked until the
 * connection ends; EBADF is what they would get a moment later). The
 * kernel descriptor is closed when the last of those calls has returned,
 * so its number is not reused under them.
 *
 * Differences from the single-threaded API: SO_LINGER with a time does
 * not make ust_front_close wait (the close goes on in the background;
 * l_linger 0, the abort, works). All calls return -1 with errno as
 * socket.h says, or EBADF for a descriptor that is not a front socket. */
#ifndef USTACK_FRONT_H
#define USTACK_FRONT_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "export.h"
#include "types.h"

struct ust_stack;
struct ust_front;

/* Starts the stack thread for `st`, which the front then owns (freed by
 * ust_front_free). Creates the event loop (ust_loop_new) itself. Returns
 * NULL with errno set on failure; `st` is then still the caller's. */
UST_API struct ust_front *ust_front_new(struct ust_stack *st);
/* Stops the stack thread, closes every socket still open (the stack's
 * socket and both ends of its socketpair: no call may be running) and
 * frees the loop and the stack. */
UST_API void ust_front_free(struct ust_front *f);
/* Runs fn(st, ctx) on the stack thread under the core lock and returns its
 * result: netstat, statistics, routes, anything the single-threaded API
 * does. fn must not block (the stack has no waiter: a blocking socket
 * call that would block fails with EAGAIN at once), must not call
 * ust_front_* (the core lock is held: it would deadlock) and must not
 * free the stack. */
typedef int (*ust_front_fn)(struct ust_stack *st, void *ctx);
UST_API int ust_front_run(struct ust_front *f, ust_front_fn fn, void *ctx);
/* The front's event loop, for ust_loop_add_fd / ust_loop_del_fd from
 * ust_front_run callbacks (which run on the stack thread): a descriptor
 * added so is served by the stack thread between turns. */
struct ust_loop;
UST_API struct ust_loop *ust_front_loop(struct ust_front *f);
/* Waits until the stack's own socket ufd (one a ust_front_run callback
 * made or found, e.g. ust_dns_query_pollfd's) shows one of `events` in
 * ust_poll, or the monotonic clock (the stack's, ust_clock_monotonic)
 * reaches deadline (UST_TIME_NEVER: none). Checked after every turn of
 * the stack, so it sleeps while the stack is idle. 1 ready, 0 deadline;
 * ufd -1 waits for the deadline alone. */
UST_API int ust_front_wait_stack_fd(struct ust_front *f, int ufd, short events,
                                    ust_time_t deadline);
/* The stack's own descriptor behind front socket fd (for ust_front_run
 * callbacks, e.g. ust_poll or ust_netstat's fd field), or -1 (EBADF). */
UST_API int ust_front_stack_fd(struct ust_front *f, int fd);

/* DHCP on the front's stack (dhcp.h): starts a client for interface
 * ifindex on the stack thread and waits until it is BOUND (0) or the
 * monotonic clock reaches deadline (UST_ERR_TIMEDOUT; the client goes on
 * asking: wait with ust_front_dhcp_state or stop it), or fails to start
 * (its negative ust_err, *c NULL). The stack runs the client from then on:
 * the stack thread renews at T1, rebinds at T2 and drops the address when
 * the lease ends, with no further call. ust_front_dhcp_stop sends the
 * DHCPRELEASE (RFC 2131 4.4.6), waits until it has left the device and
 * frees the client (call it before ust_front_free, which frees clients
 * still running without a word). ust_front_dhcp_state: the client's
 * state (enum ust_dhcp_state) and, if lease is not NULL, the lease held
 * (all zero when none), read under the core lock. */
struct ust_dhcp;
struct ust_dhcp_lease;
UST_API int ust_front_dhcp_start(struct ust_front *f, int ifindex, ust_time_t deadline,
                                 struct ust_dhcp **c);
UST_API void ust_front_dhcp_stop(struct ust_front *f, struct ust_dhcp *c);
UST_API int ust_front_dhcp_state(struct ust_front *f, struct ust_dhcp *c,
                                 struct ust_dhcp_lease *lease);

/* The calls of socket.h, on front descriptors. type and accept's flags
 * take SOCK_NONBLOCK and SOCK_CLOEXEC (the kernel descriptor's
 * FD_CLOEXEC). */
UST_API int ust_front_socket(struct ust_front *f, int domain, int type, int protocol);
UST_API int ust_front_bind(struct ust_front *f, int fd, const struct sockaddr *addr,
                           socklen_t len);
UST_API int ust_front_listen(struct ust_front *f, int fd, int backlog);
UST_API int ust_front_connect(struct ust_front *f, int fd, const struct sockaddr *addr,
                              socklen_t len);
UST_API int ust_front_accept(struct ust_front *f, int fd, struct sockaddr *addr,
                             socklen_t *len, int flags);
UST_API ssize_t ust_front_send(struct ust_front *f, int fd, const void *buf, size_t len,
                               int flags);
UST_API ssize_t ust_front_sendto(struct ust_front *f, int fd, const void *buf, size_t len,
                                 int flags, const struct sockaddr *to, socklen_t tolen);
UST_API ssize_t ust_front_recv(struct ust_front *f, int fd, void *buf, size_t len, int flags);
UST_API ssize_t ust_front_recvfrom(struct ust_front *f, int fd, void *buf, size_t len,
                                   int flags, struct sockaddr *from, socklen_t *fromlen);
/* ust_recvmsg / ust_sendmsg through the front (control messages too);
 * they wait as ust_front_recvfrom and a datagram ust_front_sendto do. */
UST_API ssize_t ust_front_recvmsg(struct ust_front *f, int fd, struct msghdr *msg, int flags);
UST_API ssize_t ust_front_sendmsg(struct ust_front *f, int fd, const struct msghdr *msg,
                                  int flags);
UST_API int ust_front_shutdown(struct ust_front *f, int fd, int how);
UST_API int ust_front_close(struct ust_front *f, int fd);
UST_API int ust_front_setsockopt(struct ust_front *f, int fd, int level, int name,
                                 const void *val, socklen_t len);
UST_API int ust_front_getsockopt(struct ust_front *f, int fd, int level, int name, void *val,
                                 socklen_t *len);
UST_API int ust_front_getsockname(struct ust_front *f, int fd, struct sockaddr *addr,
                                  socklen_t *len);
UST_API int ust_front_getpeername(struct ust_front *f, int fd, struct sockaddr *addr,
                                  socklen_t *len);
/* O_NONBLOCK of the front socket (the kernel descriptor's own flag is not
 * it: leave that alone), shared by its duplicates as the kernel shares it;
 * ust_front_nonblock reads it (1 or 0). */
UST_API int ust_front_set_nonblock(struct ust_front *f, int fd, bool on);
UST_API int ust_front_nonblock(struct ust_front *f, int fd);
/* newfd, a kernel duplicate of front socket fd (dup(2), dup2, F_DUPFD:
 * made by the caller), becomes a second name of the same socket, usable
 * in every call. ust_front_close of one name closes only that descriptor;
 * the close of the last name closes the socket. EBADF when newfd already
 * names a front socket. */
UST_API int ust_front_dup(struct ust_front *f, int fd, int newfd);

#endif
