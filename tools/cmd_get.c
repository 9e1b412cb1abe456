/* `ustack get URL [-o FILE]`: an HTTP/1.1 client over ustack on a TAP
 * device. Prints a progress bar when stderr is a terminal and the transfer
 * rate at the end; exits 1 on a connection failure or an HTTP error. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define GET_HEAD_MAX 16384
#define GET_CHUNK 65536

struct get_opts {
    struct link_opts link;
    const char *url;
    const char *output;       /* -o FILE (NULL or "-": stdout) */
    ust_time_t timeout;       /* connect timeout */
    struct ust_addr addr;     /* numeric host, or the name's IPv4 address */
    char name[254];           /* a host name to resolve ("": addr is numeric) */
    uint16_t port;
    char path[2048];
    char hostport[262];       /* Host: NAME[:PORT] */
};

static void get_usage(FILE *out)
{
    fprintf(out,
            "usage: ustack get http://HOST[:PORT]/PATH [-o FILE] --tap NAME|--tun NAME\n"
            "                  --addr A.B.C.D/N [--timeout SEC] [link options]\n"
            "Downloads one file over HTTP/1.1 with ustack's TCP. HOST is an IPv4 address,\n"
            "an IPv6 address in brackets ([2001:db8::1], [fe80::1%%25tap0] with the link's\n"
            "name or %%25N, N the interface index + 1; [::ffff:A.B.C.D] goes over IPv4)\n"
            "or a name, resolved as\n"
            "'ustack resolve' does (--hosts, --dns).\n"
            "  -o FILE, --output FILE  write the body to FILE (- or none: standard output);\n"
            "                   FILE is replaced only when the whole body arrived: after an\n"
            "                   error, a timeout or Ctrl-C an existing FILE is unchanged\n"
            "  --timeout SEC    give up connecting after SEC seconds (default 10)\n"
            LINK_OPTS_HELP);
}

/* Letters, digits, '-', '_' and dots between non-empty labels. */
static bool host_name_ok(const char *h)
{
    for (const char *p = h; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' ||
              (*p == '.' && p != h && p[-1] != '.')))
            return false;
    return true;
}

/* "[IPv6]" of a URL (RFC 3986 3.2.2; a zone as %25N or %25tap0, RFC 6874,
 * or %N; the name is the link's, as getaddrinfo takes it):
 * *end is set after the ']'. */
static int parse_ip6_host(struct get_opts *o, const char *host, const char **end)
{
    const char *close = strchr(host, ']');
    char h[UST_ADDR_STRLEN + 2];
    size_t n = close ? (size_t)(close - host - 1) : 0;
    if (!close || n == 0 || n >= sizeof(h))
        return cli_usage_error("get: '%s': missing ']' after the IPv6 address", o->url);
    memcpy(h, host + 1, n);
    h[n] = '\0';
    char *zone = strstr(h, "%25");
    if (zone)
        memmove(zone + 1, zone + 3, strlen(zone + 3) + 1);
    if (!strchr(h, ':') || cli_addr_parse_zone(&o->link, h, &o->addr) != 0)
        return cli_usage_error("get: '%s' is not an IPv6 address", h);
    *end = close + 1;
    if (**end && **end != ':' && **end != '/' && **end != '?' && **end != '#')
        return cli_usage_error("get: '%s': bad character after ']'", o->url);
    return -1;
}

/* http://HOST[:port][/path] */
static int parse_url(struct get_opts *o)
{
    const char *u = o->url;
    if (strncasecmp(u, "http://", 7) != 0) {
        if (strstr(u, "://"))
            return cli_usage_error("get: '%s': only http:// URLs are supported", u);
        return cli_usage_error("get: '%s' is not a URL (e.g. http://203.0.113.1:8000/file)", u);
    }
    const char *host = u + 7, *end = host + strcspn(host, ":/?#");
    char h[sizeof(o->name)];
    ust_ip4_t ip;
    if (*host == '[') {
        int rc = parse_ip6_host(o, host, &end);
        if (rc >= 0)
            return rc;
    } else if (end == host || (size_t)(end - host) >= sizeof(h)) {
        return cli_usage_error("get: '%s': missing host", u);
    } else {
        memcpy(h, host, (size_t)(end - host));
        h[end - host] = '\0';
        if (ust_ip4_parse(h, &ip) == UST_OK)
            o->addr = ust_addr_from_ip4(ip);
        else if (!host_name_ok(h))
            return cli_usage_error("get: '%s' is not a host name or IPv4 address", h);
        else
            snprintf(o->name, sizeof(o->name), "%s", h); /* resolved once the link is up */
    }
    o->port = 80;
    if (*end == ':') {
        char *pe;
        unsigned long p = strtoul(end + 1, &pe, 10);
        if (pe == end + 1 || p == 0 || p > 65535 || (*pe && *pe != '/' && *pe != '?'))
            return cli_usage_error("get: '%s': bad port", u);
        o->port = (uint16_t)p;
        end = pe;
    }
    const char *path = *end ? end : "/";
    if (*path == '?')
        snprintf(o->path, sizeof(o->path), "/%s", path);
    else if ((size_t)snprintf(o->path, sizeof(o->path), "%s", path) >= sizeof(o->path))
        return cli_usage_error("get: URL too long");
    for (const char *c = o->path; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return cli_usage_error("get: '%s': spaces and control characters must be "
                                   "percent-encoded", u);
    /* Host: as in the URL, IPv6 in brackets (RFC 7230 5.4, RFC 3986 3.2.2) */
    char a[sizeof(o->name) + 2];
    if (o->name[0])
        snprintf(a, sizeof(a), "%s", o->name);
    else if (o->addr.family == UST_AF_INET6) {
        struct ust_addr bare = o->addr; /* the zone is local: not in Host (RFC 6874 2) */
        char t[UST_ADDR_STRLEN];
        bare.scope_id = 0;
        snprintf(a, sizeof(a), "[%s]", ust_addr_str(&bare, t));
    } else
        ust_addr_str(&o->addr, a);
    if (o->port == 80)
        snprintf(o->hostport, sizeof(o->hostport), "%s", a);
    else
        snprintf(o->hostport, sizeof(o->hostport), "%s:%u", a, o->port);
    return -1;
}

static int get_parse(int argc, char **argv, struct get_opts *o)
{
    memset(o, 0, sizeof(*o));
    link_opts_init(&o->link);
    o->timeout = 10 * UST_SEC;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r = link_opts_parse(&o->link, argc, argv, &i);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            get_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((r = opt_value(argc, argv, &i, "-o", &v)) != 0 ||
            (r = opt_value(argc, argv, &i, "--output", &v)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
            o->output = v;
        } else if ((r = opt_value(argc, argv, &i, "--timeout", &v)) != 0) {
            if (r < 0 || parse_seconds("--timeout", v, 0.1, 3600, &o->timeout))
                return CLI_EXIT_USAGE;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("get: unknown option '%s' (try 'ustack get --help')", argv[i]);
        } else if (o->url) {
            return cli_usage_error("get: unexpected argument '%s' (one URL)", argv[i]);
        } else {
            o->url = argv[i];
        }
    }
    if (!o->url)
        return cli_usage_error("get: URL missing (e.g. ustack get http://203.0.113.1/file)");
    int rc = parse_url(o);
    if (rc >= 0)
        return rc;
    return link_opts_check(&o->link) ? CLI_EXIT_USAGE : -1;
}

/* The response head, parsed. */
struct get_resp {
    int status;
    char reason[64];
    bool have_length;
    uint64_t length;
    bool chunked;
};

static bool header_is(const char *line, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncasecmp(line, name, n) != 0 || line[n] != ':')
        return false;
    const char *v = line + n + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    *value = v;
    return true;
}

/* head is NUL-terminated, lines end in CRLF. Returns 0 or -1. */
static int parse_head(char *head, struct get_resp *r)
{
    memset(r, 0, sizeof(*r));
    char *save = NULL, *line = strtok_r(head, "\r\n", &save);
    int minor;
    if (!line || sscanf(line, "HTTP/1.%d %3d", &minor, &r->status) != 2 || r->status < 100)
        return -1;
    const char *reason = line + 12 + (line[12] == ' ');
    snprintf(r->reason, sizeof(r->reason), "%s", strlen(line) > 12 ? reason : "");
    while ((line = strtok_r(NULL, "\r\n", &save))) {
        const char *v;
        if (header_is(line, "Content-Length", &v)) {
            char *e;
            errno = 0;
            unsigned long long n = strtoull(v, &e, 10);
            if (!isdigit((unsigned char)*v) || errno || (*e && *e != ' '))
                return -1;
            r->have_length = true;
            r->length = n;
        } else if (header_is(line, "Transfer-Encoding", &v)) {
            r->chunked = strcasestr(v, "chunked") != NULL;
        }
    }
    return 0;
}

struct get_run {
    struct get_opts *o;
    struct link_ctx *c;
    const struct cli_signals *sig;
    int fd;
    struct out_file *out;
    char *buf;
    size_t len;         /* bytes in buf */
    uint64_t body;      /* body bytes written */
    ust_time_t start;
};

/* Reads until the blank line. Returns the head length, or -1 (printed). */
static long read_head(struct get_run *g)
{
    for (;;) {
        for (size_t i = 3; i < g->len; i++)
            if (!memcmp(g->buf + i - 3, "\r\n\r\n", 4))
                return (long)(i + 1);
        if (g->len == GET_HEAD_MAX) {
            fprintf(stderr, "ustack: get: response head larger than %d bytes\n", GET_HEAD_MAX);
            return -1;
        }
        ssize_t n = ust_recv(g->c->st, g->fd, g->buf + g->len, GET_HEAD_MAX - g->len, 0);
        if (n <= 0) {
            if (!g->sig->caught && !link_lost(g->c))
                fprintf(stderr, "ustack: get: %s before the response head\n",
                        n == 0 ? "connection closed" : strerror(errno));
            return -1;
        }
        g->len += (size_t)n;
    }
}

static int write_body(struct get_run *g, const char *p, size_t n)
{
    if (n && fwrite(p, 1, n, g->out->f) != n) {
        fprintf(stderr, "ustack: get: writing %s: %s\n",
                g->out->f == stdout ? "stdout" : g->out->name, strerror(errno));
        return -1;
    }
    g->body += n;
    return 0;
}

/* Reads the body (Content-Length or until EOF) into g->out. */
static int read_body(struct get_run *g, const struct get_resp *r, size_t already)
{
    struct progress p;
    progress_start(&p, r->have_length ? r->length : 0, g->start);
    uint64_t want = r->have_length ? r->length : UINT64_MAX;
    size_t first = already < want ? already : (size_t)want;
    if (write_body(g, g->buf + g->len - already, first) < 0)
        return -1;
    while (g->body < want) {
        size_t ask = want - g->body < GET_CHUNK ? (size_t)(want - g->body) : GET_CHUNK;
        ssize_t n = ust_recv(g->c->st, g->fd, g->buf, ask, 0);
        if (n == 0 && !r->have_length)
            break;
        if (n <= 0) {
            progress_finish(&p, ust_clock_monotonic());
            if (!g->sig->caught && !link_lost(g->c))
                fprintf(stderr, "ustack: get: %s after %llu of %llu body bytes\n",
                        n == 0 ? "connection closed" : strerror(errno),
                        (unsigned long long)g->body, (unsigned long long)r->length);
            return -1;
        }
        if (write_body(g, g->buf, (size_t)n) < 0)
            return -1;
        progress_update(&p, g->body, ust_clock_monotonic());
    }
    progress_finish(&p, ust_clock_monotonic());
    return 0;
}

static int get_transfer(struct get_run *g)
{
    char req[2300];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ustack/%s\r\nAccept: */*\r\n"
                     "Connection: close\r\n\r\n",
                     g->o->path, g->o->hostport, USTACK_VERSION);
    if (ust_send(g->c->st, g->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        if (!g->sig->caught && !link_lost(g->c))
            fprintf(stderr, "ustack: get: sending the request: %s\n", strerror(errno));
        return CLI_EXIT_FAIL;
    }
    long hl = read_head(g);
    if (hl < 0)
        return CLI_EXIT_FAIL;
    size_t already = g->len - (size_t)hl;
    char head[GET_HEAD_MAX + 1];
    memcpy(head, g->buf, (size_t)hl);
    head[hl] = '\0';
    struct get_resp r;
    if (parse_head(head, &r) < 0) {
        fprintf(stderr, "ustack: get: malformed HTTP response from %s\n", g->o->hostport);
        return CLI_EXIT_FAIL;
    }
    if (r.status >= 400) {
        fprintf(stderr, "ustack: get: %s%s: HTTP %d %s\n", g->o->hostport, g->o->path, r.status,
                r.reason);
        return CLI_EXIT_FAIL;
    }
    if (r.status != 200 || r.chunked) {
        fprintf(stderr, "ustack: get: %s%s: HTTP %d %s%s (not supported)\n", g->o->hostport,
                g->o->path, r.status, r.reason, r.chunked ? ", chunked body" : "");
        return CLI_EXIT_FAIL;
    }
    if (read_body(g, &r, already) < 0)
        return CLI_EXIT_FAIL;
    return CLI_EXIT_OK;
}

static void report(struct get_run *g, ust_time_t end)
{
    char b[32], rate[48];
    fprintf(stderr, "ustack: %s%s: %llu bytes (%s) in %.3f s, %s\n", g->o->hostport, g->o->path,
            (unsigned long long)g->body, format_bytes(g->body, b),
            (double)(end - g->start) / (double)UST_SEC, format_rate(g->body, end - g->start, rate));
}

/* Connects, downloads and reports; the exit code. */
static int get_download(struct get_run *g)
{
    struct link_ctx *c = g->c;
    g->start = ust_clock_monotonic();
    /* A tentative source is no source (RFC 4862 5.4): for the connection
     * and for the resolver, which asks AAAA only with a usable one. */
    if (g->o->addr.family == UST_AF_INET6 || (g->o->name[0] && g->o->link.naddr6))
        link_wait_dad(c, g->sig);
    if (g->o->name[0] && cli_resolve(c, "get", g->o->name, &g->o->addr) != 0) {
        out_file_discard(g->out);
        return CLI_EXIT_FAIL;
    }
    g->fd = g->buf ? client_connect_addr(c, &g->o->addr, g->o->port, g->o->timeout) : -1;
    int rc = CLI_EXIT_FAIL;
    if (g->fd >= 0) {
        rc = get_transfer(g);
        if (rc == CLI_EXIT_OK && out_file_commit(g->out) != 0) {
            fprintf(stderr, "ustack: get: writing %s: %s\n", g->out->name, strerror(errno));
            rc = CLI_EXIT_FAIL;
        }
        if (rc == CLI_EXIT_OK)
            report(g, ust_clock_monotonic());
        ust_close(c->st, g->fd);
        if (!g->sig->caught)
            client_linger(c, 2 * UST_SEC);
    }
    if (rc != CLI_EXIT_OK)
        out_file_discard(g->out); /* an existing FILE stays as it was */
    return g->sig->caught ? CLI_EXIT_SIGNAL(g->sig->caught) : rc;
}

int cmd_get(int argc, char **argv)
{
    struct get_opts o;
    int rc = get_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.output)
        o.output = "-";
    if (!strcmp(o.output, "-") && o.link.pcap && !strcmp(o.link.pcap, "-"))
        return cli_usage_error("get: --pcap - needs -o FILE (both would go to stdout)");
    struct out_file out;
    if (out_file_open(&out, o.output) != 0)
        return cli_usage_error("-o %s: %s", o.output, strerror(errno));
    struct link_ctx c;
    struct cli_signals sig;
    if ((rc = link_open(&o.link, &c)) != 0) {
        out_file_discard(&out);
        return rc;
    }
    if (cli_signals_open(&sig, &c) != 0) {
        rc = cli_usage_error("cannot watch for Ctrl-C: %s", strerror(errno));
        out_file_discard(&out);
        link_close(&c);
        return rc;
    }
    struct get_run g = {.o = &o, .c = &c, .sig = &sig, .out = &out,
                        .buf = malloc(GET_CHUNK > GET_HEAD_MAX ? GET_CHUNK : GET_HEAD_MAX)};
    rc = get_download(&g);
    free(g.buf);
    cli_signals_close(&sig);
    link_close(&c);
    return rc;
}
