/* `ustack netstat`: asks every running ustack instance (its control socket
 * in /run/ustack, or --ctl PATH) for its sockets and counters and prints
 * them like `netstat -tunap` / `netstat -s`, with -i each connection's
 * TCP_INFO like `ss -tin`, with --json as one JSON document.
 *
 * Exit status: 0 when every control socket found answered or was stale,
 * also when there are none (an empty table, as ss prints; the note goes to
 * stderr); 1 when one may not be connected to (permission denied) or
 * --ctl PATH did not answer; 2 for usage errors. */
#include <dirent.h>
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

#define NETSTAT_MAX_REPLY (16u << 20) /* a snapshot larger than this is cut */

struct netstat_opts {
    const char *ctl;
    bool stats;
    bool all; /* --stats: zero counters too */
    bool info; /* -i: TCP_INFO under each connection */
    bool json; /* --json: one JSON document */
};

static void netstat_usage(FILE *out)
{
    fprintf(out,
            "usage: ustack netstat [-i | --stats [--all]] [--json] [--ctl PATH]\n"
            "Lists the TCP and UDP sockets of every running ustack instance (like\n"
            "netstat -tunap), read from their control sockets in " CTL_DIR ".\n"
            "  --stats      print each instance's per-layer counters instead\n"
            "  --all        with --stats: zero counters too\n"
            "  -i, --info   each TCP connection's TCP_INFO under its row (like ss -tin)\n"
            "  --json       one JSON document instead of text (fields: README)\n"
            "  --ctl PATH   ask only the instance listening on PATH\n"
            "Stale control sockets (their instance was killed) are removed when\n"
            "ours, else skipped. Exit status 1 if a control socket may not be\n"
            "connected to (permission denied) or --ctl PATH does not answer.\n");
}

static int netstat_parse(int argc, char **argv, struct netstat_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            netstat_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(argv[i], "--stats") || !strcmp(argv[i], "-s"))
            o->stats = true;
        else if (!strcmp(argv[i], "--all") || !strcmp(argv[i], "-a"))
            o->all = true;
        else if (!strcmp(argv[i], "--info") || !strcmp(argv[i], "-i"))
            o->info = true;
        else if (!strcmp(argv[i], "--json"))
            o->json = true;
        else if ((r = opt_value(argc, argv, &i, "--ctl", &v)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
            o->ctl = v;
        } else if (argv[i][0] == '-')
            return cli_usage_error("netstat: unknown option '%s' (try 'ustack netstat --help')",
                                   argv[i]);
        else
            return cli_usage_error("netstat: unexpected argument '%s'", argv[i]);
    }
    if (o->all && !o->stats) /* the socket list is always complete */
        return cli_usage_error("netstat: --all only goes with --stats (zero counters too)");
    if (o->info && o->stats)
        return cli_usage_error("netstat: --info shows sockets, --stats counters: pick one");
    return -1;
}

/* Reads the whole snapshot of the instance at `path` (NUL-terminated). */
static char *fetch(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    struct timeval tv = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (len == cap) {
            char *nb = cap < NETSTAT_MAX_REPLY ? realloc(buf, cap * 2 + 1) : NULL;
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* What the instances said so far. */
struct netstat_run {
    const struct netstat_opts *o;
    int answered;  /* instances printed */
    bool denied;   /* a control socket we may not connect to */
};

static enum netstat_view view_of(const struct netstat_opts *o)
{
    return o->stats ? NETSTAT_STATS : o->info ? NETSTAT_INFO : NETSTAT_SOCKETS;
}

static void print_text(const struct netstat_opts *o, const struct netstat_snap *s)
{
    char prog[64];
    snprintf(prog, sizeof(prog), "%ld/%s", s->pid, s->prog ? s->prog : "ustack");
    if (!o->stats) {
        for (size_t i = 0; i < s->nsocks; i++) {
            netstat_print_row(stdout, &s->socks[i].e, prog);
            if (o->info && s->socks[i].info)
                netstat_print_info(stdout, s->socks[i].info);
        }
        return;
    }
    const char *name = s->prog ? s->prog : "ustack";
    if (s->queues > 1) /* serve --queues N: one stack, one snapshot per queue */
        printf("%s pid %ld queue %u of %u:\n", name, s->pid, s->queue, s->queues);
    else
        printf("%s pid %ld:\n", name, s->pid);
    const char *layer = "";
    for (size_t i = 0; i < s->nctrs; i++) {
        const struct netstat_counter *c = &s->ctrs[i];
        if (!c->value && !o->all)
            continue;
        if (strcmp(layer, c->layer) != 0)
            printf("  %s:\n", layer = c->layer);
        printf("      %-22s %llu\n", c->name, c->value);
    }
}

/* Prints what one instance said; false if it is not a snapshot. */
static bool show(struct netstat_run *r, const char *path, char *text)
{
    struct netstat_snap s;
    if (!netstat_snap_parse(text, path, &s))
        return false;
    if (!s.complete)
        fprintf(stderr, "ustack: netstat: %s: the snapshot was cut short (over %u MiB, or "
                        "the instance stopped answering); showing what came\n", path,
                NETSTAT_MAX_REPLY >> 20);
    if (r->o->json) {
        netstat_json_instance(stdout, &s, view_of(r->o), r->answered == 0);
    } else {
        if (!r->answered && !r->o->stats)
            netstat_print_header(stdout, true);
        print_text(r->o, &s);
    }
    r->answered++;
    netstat_snap_free(&s);
    return true;
}

/* A control socket nobody listens on: its instance was killed (SIGKILL,
 * a crash) before it could remove it. Ours to remove if we own it, as
 * the instance would have; anyone else's is left alone. */
static void stale(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) < 0 || !S_ISSOCK(sb.st_mode))
        return;
    if (sb.st_uid != geteuid())
        fprintf(stderr, "ustack: netstat: skipped stale control socket %s (no instance "
                        "listens on it; owned by uid %u)\n", path, (unsigned)sb.st_uid);
    else if (unlink(path) < 0)
        fprintf(stderr, "ustack: netstat: skipped stale control socket %s (cannot remove "
                        "it: %s)\n", path, strerror(errno));
    else
        fprintf(stderr, "ustack: netstat: removed stale control socket %s (no instance "
                        "listens on it)\n", path);
}

/* Asks one instance. explicit_path: --ctl, where every failure is said. */
static void ask(struct netstat_run *r, const char *path, bool explicit_path)
{
    char *text = fetch(path);
    if (text) {
        if (!show(r, path, text) && explicit_path)
            fprintf(stderr, "ustack: netstat: %s: not a ustack control socket\n", path);
        return;
    }
    if (errno == EACCES || errno == EPERM) {
        fprintf(stderr, "ustack: netstat: permission denied: %s\n", path);
        r->denied = true;
    } else if (explicit_path && errno == ECONNREFUSED) {
        fprintf(stderr, "ustack: netstat: %s: no instance listens on it (stale control "
                        "socket)\n", path);
    } else if (explicit_path) {
        fprintf(stderr, "ustack: netstat: %s: %s\n", path, strerror(errno));
    } else if (errno == ECONNREFUSED) {
        stale(path);
    } else if (errno != ENOENT) { /* ENOENT: its instance just exited */
        fprintf(stderr, "ustack: netstat: skipped %s: %s\n", path, strerror(errno));
    }
}

/* Every "*.sock" of CTL_DIR, in name order. */
static void ask_all(struct netstat_run *r)
{
    struct dirent **names = NULL;
    int n = scandir(CTL_DIR, &names, NULL, alphasort);
    if (n < 0 && (errno == EACCES || errno == EPERM)) {
        fprintf(stderr, "ustack: netstat: permission denied: %s\n", CTL_DIR);
        r->denied = true;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        if (len > 5 && !strcmp(names[i]->d_name + len - 5, ".sock")) {
            char path[512];
            snprintf(path, sizeof(path), "%s/%s", CTL_DIR, names[i]->d_name);
            ask(r, path, false);
        }
        free(names[i]);
    }
    free(names);
}

int cmd_netstat(int argc, char **argv)
{
    struct netstat_opts o;
    int rc = netstat_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    struct netstat_run r = {.o = &o};
    if (o.json)
        netstat_json_begin(stdout);
    if (o.ctl)
        ask(&r, o.ctl, true);
    else
        ask_all(&r);
    if (o.json)
        netstat_json_end(stdout);
    else if (!r.answered && !r.denied && !o.ctl && !o.stats)
        netstat_print_header(stdout, true); /* an empty table, as ss prints */
    fflush(stdout);
    if (o.ctl)
        return r.answered ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    if (!r.answered && !r.denied)
        fprintf(stderr, "ustack: netstat: no running ustack instance (no control socket "
                        "answered in %s)\n", CTL_DIR);
    return r.denied ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
