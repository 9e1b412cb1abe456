/* The shim's process-wide state: the real libc entry points, the
 * descriptor table, the lazy start of the stack from USTACK_RUN_OPTS, the
 * fork rule and the linger at exit. */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "shim.h"
#include "ustack/loop.h"
#include "ustack/socket.h"

struct shim shim = {
    .real_once = PTHREAD_ONCE_INIT,
    .start_lock = PTHREAD_MUTEX_INITIALIZER,
};
_Thread_local int shim_inside;

#define RESOLVE(field, sym) (*(void **)&shim.real.field = dlsym(RTLD_NEXT, sym))

void shim_resolve(void)
{
    RESOLVE(socket, "socket"); RESOLVE(connect, "connect"); RESOLVE(bind, "bind");
    RESOLVE(listen, "listen"); RESOLVE(accept, "accept"); RESOLVE(accept4, "accept4");
    RESOLVE(read, "read"); RESOLVE(write, "write"); RESOLVE(readv, "readv");
    RESOLVE(writev, "writev"); RESOLVE(recv, "recv"); RESOLVE(recvfrom, "recvfrom");
    RESOLVE(recvmsg, "recvmsg"); RESOLVE(send, "send"); RESOLVE(sendto, "sendto");
    RESOLVE(sendmsg, "sendmsg"); RESOLVE(read_chk, "__read_chk");
    RESOLVE(recv_chk, "__recv_chk"); RESOLVE(recvfrom_chk, "__recvfrom_chk");
    RESOLVE(close, "close"); RESOLVE(shutdown, "shutdown");
    RESOLVE(getsockopt, "getsockopt"); RESOLVE(setsockopt, "setsockopt");
    RESOLVE(getsockname, "getsockname"); RESOLVE(getpeername, "getpeername");
    RESOLVE(fcntl, "fcntl"); RESOLVE(fcntl64, "fcntl64"); RESOLVE(ioctl, "ioctl");
    RESOLVE(getaddrinfo, "getaddrinfo"); RESOLVE(freeaddrinfo, "freeaddrinfo");
    RESOLVE(gai_strerror, "gai_strerror");
    RESOLVE(dup, "dup"); RESOLVE(dup2, "dup2"); RESOLVE(dup3, "dup3");
    RESOLVE(sendfile, "sendfile"); RESOLVE(splice, "splice");
    RESOLVE(getnameinfo, "getnameinfo"); RESOLVE(gethostbyname, "gethostbyname");
    RESOLVE(gethostbyname2, "gethostbyname2"); RESOLVE(gethostbyname_r, "gethostbyname_r");
    RESOLVE(gethostbyname2_r, "gethostbyname2_r");
    if (!shim.real.fcntl64)
        shim.real.fcntl64 = shim.real.fcntl;
}

int shim_fd_kind(int fd)
{
    if (shim_inside || fd < 0 || !shim.fds || (unsigned)fd >= shim.nfds)
        return 0;
    if (!(atomic_load_explicit(&shim.fds[fd], memory_order_acquire) & SHIM_FD_OURS))
        return 0;
    if (atomic_load(&shim.child)) {
        errno = EBADF;
        return -1;
    }
    return 1;
}

int shim_fd_set(int fd, unsigned flags)
{
    if (fd < 0 || (unsigned)fd >= shim.nfds)
        return -1;
    atomic_store(&shim.fds[fd], (unsigned char)flags);
    return 0;
}

unsigned shim_fd_flags(int fd)
{
    return fd >= 0 && (unsigned)fd < shim.nfds ? atomic_load(&shim.fds[fd]) : 0;
}

void shim_fd_clear(int fd) { (void)shim_fd_set(fd, 0); }

void shim_sigpipe(ssize_t ret, int flags)
{
    if (ret < 0 && errno == EPIPE && !(flags & MSG_NOSIGNAL)) {
        int saved = errno;
        pthread_kill(pthread_self(), SIGPIPE);
        errno = saved;
    }
}

/* The stack thread's calls go to libc for good. */
static int mark_stack_thread(struct ust_stack *st, void *ctx)
{
    (void)st;
    (void)ctx;
    shim_inside = 1;
    return 0;
}

/* USTACK_RUN_OPTS: the link options of `ustack run`, separated by the
 * unit separator 0x1f, parsed by the same code as the command line. */
static int parse_opts(void)
{
    const char *env = getenv("USTACK_RUN_OPTS");
    if (!env) {
        fputs("ustack: preload: USTACK_RUN_OPTS is not set (start the program with "
              "'ustack run')\n", stderr);
        return -1;
    }
    shim.opts_text = strdup(env);
    size_t n = 1;
    for (const char *p = env; *p; p++)
        n += *p == '\x1f';
    char **argv = calloc(n + 1, sizeof(*argv));
    if (!shim.opts_text || !argv)
        return -1;
    int argc = 0;
    for (char *t = shim.opts_text;; t++) { /* empty values (--hosts '') are kept */
        char *end = strchr(t, '\x1f');
        argv[argc++] = t;
        if (!end)
            break;
        *end = '\0';
        t = end;
    }
    if (argc == 1 && !argv[0][0])
        argc = 0;
    link_opts_init(&shim.opts);
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        int r = link_opts_parse(&shim.opts, argc, argv, &i);
        if (r == 0)
            rc = cli_usage_error("preload: USTACK_RUN_OPTS: unknown option '%s'", argv[i]);
        else if (r < 0)
            rc = -1;
    }
    free(argv); /* the option strings live on in opts_text */
    if (rc == 0 && link_opts_check(&shim.opts) != 0)
        rc = -1;
    shim.opts.no_ctl = true; /* not link_open's: the front's loop serves it (ctl_start) */
    shim.opts.notes_to_stderr = true;
    return rc;
}

static void after_fork_child(void) { atomic_store(&shim.child, true); }
static void linger_at_exit(void);

/* The descriptor table covers every number the process may open (its
 * RLIMIT_NOFILE when loaded, at most 2^20): allocated at load, before any
 * thread can look at it; untouched pages of it cost nothing. */
__attribute__((constructor)) static void table_new(void)
{
    struct rlimit rl;
    rlim_t n = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
    if (n < 1024)
        n = 1024;
    if (n == RLIM_INFINITY || n > (1u << 20))
        n = 1u << 20;
    shim.fds = calloc(n, 1);
    shim.nfds = shim.fds ? (unsigned)n : 0;
}

/* The control socket of `ustack netstat` (CTL_DIR/<pid>.sock, or --ctl),
 * served by the stack thread from the front's loop, as `ustack serve`
 * serves its own from its loop: never in the program's threads or signal
 * handlers. SOCK_CLOEXEC: an exec'd program does not inherit it. */
static int ctl_start(struct ust_stack *st, void *ctx)
{
    struct ust_front *f = ctx;
    if (ctl_open(&shim.link.ctl, shim.opts.ctl, &shim.opts.queue, st, ust_front_loop(f)) == 0)
        return 0;
    fprintf(stderr, "ustack: warning: no control socket %s%s (%s): 'ustack netstat' will not "
                    "see this program\n", shim.opts.ctl ? shim.opts.ctl : "in ",
            shim.opts.ctl ? "" : CTL_DIR, strerror(errno));
    return -1;
}

static int ctl_stop(struct ust_stack *st, void *ctx)
{
    (void)st;
    (void)ctx;
    ctl_close(&shim.link.ctl);
    return 0;
}

static struct ust_front *start(void)
{
    if (parse_opts() != 0 || link_open(&shim.opts, &shim.link) != 0)
        return NULL;
    /* The front runs its own loop on the stack thread. */
    ust_loop_free(shim.link.loop);
    shim.link.loop = NULL;
    struct ust_front *f = ust_front_new(shim.link.st);
    if (!f) {
        fprintf(stderr, "ustack: preload: cannot start the stack thread: %s\n", strerror(errno));
        link_close(&shim.link);
        return NULL;
    }
    ust_front_run(f, mark_stack_thread, NULL);
    ust_front_run(f, ctl_start, f);
    pthread_atfork(NULL, NULL, after_fork_child);
    atexit(linger_at_exit);
    return f;
}

struct ust_front *shim_front(void)
{
    struct ust_front *f = atomic_load(&shim.front);
    if (f && !atomic_load(&shim.child))
        return f;
    if (atomic_load(&shim.child)) {
        errno = ENETDOWN;
        return NULL;
    }
    int saved = errno;
    pthread_mutex_lock(&shim.start_lock);
    f = atomic_load(&shim.front);
    if (!f && !shim.start_failed) {
        shim_enter();
        f = start();
        shim_leave();
        shim.start_failed = !f;
        atomic_store(&shim.front, f);
    }
    pthread_mutex_unlock(&shim.start_lock);
    errno = f ? saved : ENETDOWN;
    return f;
}

/* Exit: the kernel would close the program's sockets and send what they
 * hold; here the process (and the stack with it) ends, so close them and
 * give the closing connections a moment to deliver their data and FIN,
 * then release a DHCP lease. */
static int unfinished_cb_count(struct ust_stack *st, void *ctx);

static void linger_at_exit(void)
{
    struct ust_front *f = atomic_load(&shim.front);
    if (!f || atomic_load(&shim.child))
        return;
    shim_enter();
    for (unsigned fd = 0; fd < shim.nfds; fd++)
        if (atomic_load(&shim.fds[fd]) & SHIM_FD_OURS) {
            shim_fd_clear((int)fd);
            ust_front_close(f, (int)fd);
        }
    /* at most 5 s, checked every 10 ms */
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
    for (int i = 0; i < 500 && ust_front_run(f, unfinished_cb_count, NULL) > 0; i++)
        nanosleep(&tick, NULL);
    /* --addr dhcp: the lease goes back (RFC 2131 4.4.6); the stack kept
     * it, renewing on its own thread, for as long as the program ran. */
    ust_front_dhcp_stop(f, shim.link.dhcp);
    shim.link.dhcp = NULL;
    ust_front_run(f, ctl_stop, NULL);
    shim_leave();
}

static void count_unfinished(void *ctx, const struct ust_sock_entry *e)
{
    int *n = ctx;
    if (e->proto == IPPROTO_TCP &&
        (e->state == UST_TCP_FIN_WAIT_1 || e->state == UST_TCP_CLOSING ||
         e->state == UST_TCP_LAST_ACK || (e->state == UST_TCP_ESTABLISHED && e->send_q)))
        (*n)++;
}

static int unfinished_cb_count(struct ust_stack *st, void *ctx)
{
    (void)ctx;
    int n = 0;
    ust_netstat(st, count_unfinished, &n);
    return n;
}
