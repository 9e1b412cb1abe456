/* `ustack resolve NAME`: a host name's addresses through ust_getaddrinfo
 * (numeric, hosts file, DNS over ustack's UDP/TCP), printed as
 * `getent ahosts` prints them: one line per address and socket type. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void resolve_usage(FILE *out)
{
    fprintf(out,
            "usage: ustack resolve NAME --tap NAME|--tun NAME --addr A.B.C.D/N [--dns ADDR]\n"
            "                      [link options]\n"
            "Looks NAME up as getaddrinfo(3) does, over ustack's own sockets: a numeric\n"
            "address, then the hosts file (--hosts), then an A query to the name server\n"
            "(--dns) over UDP, again over TCP when the answer is truncated. Prints one line\n"
            "per address and socket type, as 'getent ahosts'. Exit 2 when NAME has no\n"
            "address (the reason on stderr).\n"
            "  --stats              print the stack's counters (those not 0) on stderr\n"
            "                       afterwards: the dns group counts queries, timeouts,\n"
            "                       ignored (Mismatched, Malformed) and truncated answers\n"
            "  -h, --help           this text\n" LINK_OPTS_HELP);
}

static int resolve_parse(int argc, char **argv, struct link_opts *o, const char **name,
                         bool *stats)
{
    link_opts_init(o);
    *name = NULL;
    for (int i = 1; i < argc; i++) {
        int r = link_opts_parse(o, argc, argv, &i);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            resolve_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(argv[i], "--stats")) {
            *stats = true;
            continue;
        }
        if (argv[i][0] == '-')
            return cli_usage_error("resolve: unknown option '%s' (try 'ustack resolve --help')",
                                   argv[i]);
        if (*name)
            return cli_usage_error("resolve: unexpected argument '%s' (one NAME)", argv[i]);
        *name = argv[i];
    }
    if (!*name)
        return cli_usage_error("resolve: NAME missing (e.g. ustack resolve example.test ...)");
    return link_opts_check(o) ? CLI_EXIT_USAGE : -1;
}

static const char *socktype_name(int t)
{
    return t == SOCK_STREAM ? "STREAM" : t == SOCK_DGRAM ? "DGRAM" : "RAW";
}

int cmd_resolve(int argc, char **argv)
{
    struct link_opts o;
    const char *name;
    bool stats = false;
    int rc = resolve_parse(argc, argv, &o, &name, &stats);
    if (rc >= 0)
        return rc;
    struct link_ctx c;
    if ((rc = link_open(&o, &c)) != 0)
        return rc;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_flags = AI_CANONNAME}, *res = NULL;
    int err = ust_getaddrinfo(c.st, name, NULL, &hints, &res);
    if (stats)
        ust_stats_print(c.st, stderr, false);
    if (err) {
        fprintf(stderr, "ustack: resolve: %s: %s\n", name, ust_gai_strerror(err));
        link_close(&c);
        return CLI_EXIT_USAGE;
    }
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
        char ip[16];
        fprintf(c.out, "%-15s %-6s %s\n", ust_ip4_str(ntohl(sin->sin_addr.s_addr), ip),
                socktype_name(ai->ai_socktype), ai->ai_canonname ? ai->ai_canonname : "");
    }
    ust_freeaddrinfo(res);
    link_close(&c);
    return CLI_EXIT_OK;
}

int cli_resolve(struct link_ctx *c, const char *cmd, const char *name, ust_ip4_t *ip)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int err = ust_getaddrinfo(c->st, name, NULL, &hints, &res);
    if (err) {
        fprintf(stderr, "ustack: %s: %s: %s\n", cmd, name, ust_gai_strerror(err));
        return -1;
    }
    *ip = ntohl(((const struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr);
    ust_freeaddrinfo(res);
    return 0;
}
