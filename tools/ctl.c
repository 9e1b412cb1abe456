/* The control socket every ustack instance on a real device serves: a Unix
 * stream socket (/run/ustack/<pid>.sock, or --ctl PATH). A client connects
 * and reads, until EOF, a text snapshot of the stack:
 *
 *   ustack-ctl 1
 *   pid 1234
 *   sock tcp FD LADDR LPORT RADDR RPORT STATE RECVQ SENDQ   (one per socket)
 *   stat LAYER NAME VALUE                                  (every counter)
 *   end
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

#include "cli.h"

static void dump_entry(void *ctx, const struct ust_sock_entry *e)
{
    FILE *f = ctx;
    fprintf(f, "sock %s %d %u %u %u %u %s %u %u\n", e->proto == IPPROTO_TCP ? "tcp" : "udp",
            e->fd, e->laddr, e->lport, e->raddr, e->rport,
            e->proto == IPPROTO_TCP ? ust_tcp_state_name(e->state) : "-", e->recv_q, e->send_q);
}

static void dump_counter(void *ctx, const char *layer, const char *name, uint64_t v)
{
    fprintf((FILE *)ctx, "stat %s %s %llu\n", layer, name, (unsigned long long)v);
}

/* The whole snapshot in memory first: the stack does not move while we
 * write it, and a slow client cannot see a half-updated table. */
static char *snapshot(struct ust_stack *st, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    fprintf(f, "ustack-ctl 1\npid %ld\n", (long)getpid());
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
    char *text = snapshot(c->st, &len);
    for (size_t off = 0; text && off < len;) {
        ssize_t n = send(cfd, text + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    free(text);
    close(cfd);
}

static int ctl_bind(struct ctl_server *c)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(c->path) >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sun.sun_path, c->path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    /* A file left by an instance that was killed: nobody listens on it. */
    if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
        errno = EADDRINUSE;
        return -1;
    }
    if (errno == ECONNREFUSED)
        unlink(c->path);
    close(c->fd);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
        return -1;
    c->bound = true;
    return listen(c->fd, 16);
}

int ctl_open(struct ctl_server *c, const char *path, struct ust_stack *st, struct ust_loop *loop)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->st = st;
    c->loop = loop;
    if (path) {
        snprintf(c->path, sizeof(c->path), "%s", path);
    } else {
        if (mkdir(CTL_DIR, 0755) < 0 && errno != EEXIST)
            return -1;
        snprintf(c->path, sizeof(c->path), "%s/%ld.sock", CTL_DIR, (long)getpid());
    }
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
    if (c->fd >= 0) {
        if (c->loop)
            ust_loop_del_fd(c->loop, c->fd);
        close(c->fd);
    }
    if (c->bound)
        unlink(c->path);
    c->fd = -1;
    c->bound = false;
}
