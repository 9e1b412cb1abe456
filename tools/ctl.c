/* The control socket every ustack instance on a real device serves: a Unix
 * stream socket (/run/ustack/<pid>.sock, or --ctl PATH). A client connects
 * and reads, until EOF, a text snapshot of the stack:
 *
 *   ustack-ctl 1
 *   pid 1234
 *   queue K N                  (serve --queues N: this stack is queue K)
 *   prog NAME                  (the process's name: "ustack", or the program
 *                               of `ustack run`; added after the first version)
 *   sock tcp FD LADDR LPORT RADDR RPORT STATE RECVQ SENDQ   (one per socket)
 *   tcpinfo KEY=VALUE ...      (after a TCP connection's line: netstat_info.c)
 *   stat LAYER NAME VALUE                                  (every counter)
 *   end
 *
 * A client skips lines of a kind it does not know, so lines are added,
 * never changed: "tcpinfo" came later than the others, and its keys are
 * named rather than positional for the same reason.
 *
 * The server runs inside the CLI's event loop (ust_loop_add_fd): accepting
 * and answering happen between two turns of the stack, so the snapshot is
 * consistent. Clients never send anything. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "netstat.h"

/* An address of a "sock" line: IPv4 as the decimal number of old (so an
 * older netstat still reads the IPv4 rows), IPv6 as RFC 5952 text; none
 * (family 0) as the wildcard of the row's local address. */
static const char *ctl_addr(const struct ust_addr *a, const struct ust_addr *like,
                            char buf[UST_ADDR_STRLEN])
{
    const struct ust_addr *shown = a->family ? a : like;
    if (shown->family == UST_AF_INET6) {
        struct ust_addr any6 = {.family = UST_AF_INET6};
        return ust_addr_str(a->family ? a : &any6, buf);
    }
    snprintf(buf, UST_ADDR_STRLEN, "%u", a->family == UST_AF_INET ? (unsigned)a->u.v4 : 0u);
    return buf;
}

static void dump_entry(void *ctx, const struct ust_sock_entry *e)
{
    FILE *f = ctx;
    char l[UST_ADDR_STRLEN], r[UST_ADDR_STRLEN];
    fprintf(f, "sock %s %d %s %u %s %u %s %u %u\n", e->proto == IPPROTO_TCP ? "tcp" : "udp",
            e->fd, ctl_addr(&e->laddr, &e->laddr, l), e->lport, ctl_addr(&e->raddr, &e->laddr, r),
            e->rport,
            e->proto == IPPROTO_TCP ? ust_tcp_state_name(e->state) : "-", e->recv_q, e->send_q);
    if (e->tcp_info)
        netstat_info_write(f, e->tcp_info);
}

static void dump_counter(void *ctx, const char *layer, const char *name, uint64_t v)
{
    fprintf((FILE *)ctx, "stat %s %s %llu\n", layer, name, (unsigned long long)v);
}

/* "prog NAME": the name the process runs under (glibc's short name of
 * argv[0], as netstat -p shows the command), blanks replaced. */
static void write_prog(FILE *f)
{
    char name[32];
    snprintf(name, sizeof(name), "%s", program_invocation_short_name);
    for (char *p = name; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            *p = '?';
    fprintf(f, "prog %s\n", name[0] ? name : "?");
}

/* The whole snapshot in memory first: the stack does not move while we
 * write it, and a slow client cannot see a half-updated table. */
static char *snapshot(const struct ctl_server *c, size_t *len)
{
    struct ust_stack *st = c->st;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    fprintf(f, "ustack-ctl 1\npid %ld\n", (long)getpid());
    if (c->queues > 1)
        fprintf(f, "queue %u %u\n", c->queue, c->queues);
    write_prog(f);
    ust_netstat(st, dump_entry, f);
    ust_stats_foreach(st, dump_counter, f);
    fprintf(f, "end\n");
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void ctl_on_readable(void *ctx, int fd, uint32_t events)
{
    struct ctl_server *c = ctx;
    (void)events;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    /* A client that does not read cannot hold the stack for more than this. */
    struct timeval tv = {.tv_sec = 1};
    setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    size_t len = 0;
    char *text = snapshot(c, &len);
    for (size_t off = 0; text && off < len;) {
        ssize_t n = send(cfd, text + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    free(text);
    close(cfd);
}

static int unix_addr(const char *path, struct sockaddr_un *sun)
{
    *sun = (struct sockaddr_un){.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sun->sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sun->sun_path, path);
    return 0;
}

/* Is an instance listening on path? (ECONNREFUSED: a file left by one
 * killed with SIGKILL, which the rename below replaces.) */
static bool ctl_in_use(const struct sockaddr_un *sun)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
    close(fd);
    return live;
}

/* Removes path if it is a socket: never a file someone keeps there. */
static void unlink_socket(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
        unlink(path);
}

/* May c->path be (re)placed? Not over a live instance, nor over a file
 * that is not a socket (--ctl naming a regular file by mistake). */
static int ctl_path_free(const struct sockaddr_un *sun)
{
    struct stat sb;
    if (lstat(sun->sun_path, &sb) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISSOCK(sb.st_mode)) {
        errno = EEXIST;
        return -1;
    }
    if (ctl_in_use(sun)) {
        errno = EADDRINUSE;
        return -1;
    }
    return 0;
}

/* Binds and listens under a temporary name, then renames it into place:
 * the final name appears only once something listens on it, so a netstat
 * that finds it refusing connections knows its instance is gone (and may
 * remove it) rather than not started yet. A path too long for the
 * temporary name is bound directly. */
static int ctl_bind(struct ctl_server *c)
{
    struct sockaddr_un sun, tmp;
    char tmp_path[sizeof(c->path) + 8];
    snprintf(tmp_path, sizeof(tmp_path), "%s.new", c->path);
    if (unix_addr(c->path, &sun) < 0 || ctl_path_free(&sun) < 0)
        return -1;
    bool direct = unix_addr(tmp_path, &tmp) < 0;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    /* direct: the stale socket ctl_path_free found; else one left by a
     * start killed between bind and rename */
    unlink_socket(direct ? c->path : tmp_path);
    if (bind(c->fd, (struct sockaddr *)(direct ? &sun : &tmp), sizeof(sun)) < 0)
        return -1;
    if (listen(c->fd, 16) < 0 || (!direct && rename(tmp_path, c->path) < 0)) {
        int e = errno;
        unlink(direct ? c->path : tmp_path);
        errno = e;
        return -1;
    }
    c->bound = true;
    return 0;
}

/* Queue K > 0 of a multi-queue device: "-qK" before the ".sock" of path
 * (so that netstat, which asks every "*.sock" of CTL_DIR, finds it), or
 * at its end. -1 (ENAMETOOLONG) if it does not fit. */
static int queue_path(char *out, size_t cap, const char *path, unsigned queue)
{
    size_t len = strlen(path);
    size_t stem = len > 5 && !strcmp(path + len - 5, ".sock") ? len - 5 : len;
    int n = queue ? snprintf(out, cap, "%.*s-q%u%s", (int)stem, path, queue, path + stem)
                  : snprintf(out, cap, "%s", path);
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int ctl_open(struct ctl_server *c, const char *path, const struct link_queue *q,
             struct ust_stack *st, struct ust_loop *loop)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->st = st;
    c->loop = loop;
    c->queue = q && q->count > 1 ? q->index : 0;
    c->queues = q && q->count > 1 ? q->count : 1;
    char def[64];
    if (!path) {
        if (mkdir(CTL_DIR, 0755) < 0 && errno != EEXIST)
            return -1;
        snprintf(def, sizeof(def), "%s/%ld.sock", CTL_DIR, (long)getpid());
        path = def;
    }
    if (queue_path(c->path, sizeof(c->path), path, c->queue) < 0)
        return -1;
    int rc = ctl_bind(c);
    if (rc == 0 && (rc = ust_loop_add_fd(loop, c->fd, ctl_on_readable, c)) != UST_OK) {
        errno = EMFILE;
        rc = -1;
    }
    if (rc != 0) {
        int e = errno;
        ctl_close(c);
        errno = e;
        return -1;
    }
    return 0;
}

void ctl_close(struct ctl_server *c)
{
    /* The name first: a netstat in between would take it for stale. */
    if (c->bound)
        unlink(c->path);
    if (c->fd >= 0) {
        if (c->loop)
            ust_loop_del_fd(c->loop, c->fd);
        close(c->fd);
    }
    c->fd = -1;
    c->bound = false;
}
