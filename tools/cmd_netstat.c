/* `ustack netstat`: asks every running ustack instance (its control socket
 * in /run/ustack, or --ctl PATH) for its sockets and counters and prints
 * them like `netstat -tunap` / `netstat -s`. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

#define NETSTAT_MAX_REPLY (16u << 20) /* a snapshot larger than this is cut */

struct netstat_opts {
    const char *ctl;
    bool stats;
    bool all; /* --stats: zero counters too */
};

static void netstat_usage(FILE *out)
{
    fprintf(out,
            "usage: ustack netstat [--stats [--all]] [--ctl PATH]\n"
            "Lists the TCP and UDP sockets of every running ustack instance (like\n"
            "netstat -tunap), read from their control sockets in " CTL_DIR ".\n"
            "  --stats      print each instance's per-layer counters instead\n"
            "  --all        with --stats: zero counters too\n"
            "  --ctl PATH   ask only the instance listening on PATH\n");
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

static int state_from_name(const char *s)
{
    for (int i = UST_TCP_CLOSED; i <= UST_TCP_TIME_WAIT; i++)
        if (!strcmp(ust_tcp_state_name(i), s))
            return i;
    return -1;
}

/* One "sock ..." line into an entry. Returns false if malformed. */
static bool parse_sock(const char *line, struct ust_sock_entry *e)
{
    char proto[8], state[16];
    unsigned la, lp, ra, rp, rq, sq;
    int fd;
    if (sscanf(line, "sock %7s %d %u %u %u %u %15s %u %u", proto, &fd, &la, &lp, &ra, &rp,
               state, &rq, &sq) != 9)
        return false;
    *e = (struct ust_sock_entry){
        .proto = strcmp(proto, "tcp") ? IPPROTO_UDP : IPPROTO_TCP,
        .fd = fd, .laddr = la, .lport = (uint16_t)lp, .raddr = ra, .rport = (uint16_t)rp,
        .recv_q = rq, .send_q = sq,
    };
    e->state = e->proto == IPPROTO_TCP ? state_from_name(state) : UST_TCP_CLOSED;
    return true;
}

/* Prints what one instance said; returns false if it is not a snapshot. */
static bool show(const struct netstat_opts *o, char *text)
{
    long pid = 0;
    if (strncmp(text, "ustack-ctl 1\n", 13) != 0)
        return false;
    char prog[32] = "-";
    char layer[16] = "";
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        struct ust_sock_entry e;
        char lay[16], name[40];
        unsigned long long v;
        if (sscanf(line, "pid %ld", &pid) == 1) {
            snprintf(prog, sizeof(prog), "%ld/ustack", pid);
            if (o->stats)
                printf("ustack pid %ld:\n", pid);
        } else if (!o->stats && parse_sock(line, &e)) {
            netstat_print_row(stdout, &e, prog);
        } else if (o->stats && sscanf(line, "stat %15s %39s %llu", lay, name, &v) == 3) {
            if (!v && !o->all)
                continue;
            if (strcmp(layer, lay) != 0) {
                printf("  %s:\n", lay);
                snprintf(layer, sizeof(layer), "%s", lay);
            }
            printf("      %-22s %llu\n", name, v);
        }
    }
    return true;
}

static int ask(const struct netstat_opts *o, const char *path, bool explicit_path)
{
    char *text = fetch(path);
    if (!text) {
        if (explicit_path)
            fprintf(stderr, "ustack: netstat: %s: %s\n", path, strerror(errno));
        return explicit_path ? -1 : 0; /* a stale file of a killed instance */
    }
    bool ok = show(o, text);
    free(text);
    if (!ok && explicit_path)
        fprintf(stderr, "ustack: netstat: %s: not a ustack control socket\n", path);
    return ok ? 1 : (explicit_path ? -1 : 0);
}

int cmd_netstat(int argc, char **argv)
{
    struct netstat_opts o;
    int rc = netstat_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.stats)
        netstat_print_header(stdout, true);
    if (o.ctl)
        return ask(&o, o.ctl, true) < 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    struct dirent **names = NULL;
    int n = scandir(CTL_DIR, &names, NULL, alphasort);
    int found = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        if (len > 5 && !strcmp(names[i]->d_name + len - 5, ".sock")) {
            char path[512];
            snprintf(path, sizeof(path), "%s/%s", CTL_DIR, names[i]->d_name);
            found += ask(&o, path, false) > 0;
        }
        free(names[i]);
    }
    free(names);
    fflush(stdout);
    if (!found)
        fprintf(stderr, "ustack: netstat: no running ustack instance (no control socket "
                        "answered in %s)\n", CTL_DIR);
    return CLI_EXIT_OK;
}
