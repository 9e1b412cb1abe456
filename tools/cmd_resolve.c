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
            "                      [-4|-6] [link options]\n"
            "Looks NAME up as getaddrinfo(3) does, over ustack's own sockets: a numeric\n"
            "address, then the hosts file (--hosts), then A and AAAA queries to the name\n"
            "server (--dns, IPv4 or IPv6) over UDP, again over TCP when the answer is\n"
            "truncated. AAAA is asked when the stack has a global IPv6 address; the\n"
            "addresses come in RFC 6724 order. Prints one line per address and socket\n"
            "type, as 'getent ahosts'. Exit 2 when NAME has no address (the reason on\n"
            "stderr).\n"
            "  -4                   IPv4 addresses only (A records)\n"
            "  -6                   IPv6 addresses only (AAAA records)\n"
            "  --stats              print the stack's counters (those not 0) on stderr\n"
            "                       afterwards: the dns group counts queries, timeouts,\n"
            "                       ignored (Mismatched, Malformed) and truncated answers\n"
            "  -h, --help           this text\n" LINK_OPTS_HELP);
}

static int resolve_parse(int argc, char **argv, struct link_opts *o, const char **name,
                         bool *stats, int *family)
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
        if (!strcmp(argv[i], "-4") || !strcmp(argv[i], "-6")) {
            *family = argv[i][1] == '4' ? AF_INET : AF_INET6;
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

/* An entry's address, either family. */
static struct ust_addr ai_address(const struct addrinfo *ai)
{
    if (ai->ai_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ai->ai_addr;
        return ust_addr_from_ip6(s6->sin6_addr.s6_addr, s6->sin6_scope_id);
    }
    return ust_addr_from_ip4(ntohl(((const struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr));
}

int cmd_resolve(int argc, char **argv)
{
    struct link_opts o;
    const char *name;
    bool stats = false;
    int family = AF_UNSPEC;
    int rc = resolve_parse(argc, argv, &o, &name, &stats, &family);
    if (rc >= 0)
        return rc;
    struct link_ctx c;
    if ((rc = link_open(&o, &c)) != 0)
        return rc;
    if (o.naddr6) /* AAAA is asked with a usable (no longer tentative) address */
        link_wait_dad(&c, NULL);
    struct addrinfo hints = {.ai_family = family, .ai_flags = AI_CANONNAME}, *res = NULL;
    int err = ust_getaddrinfo(c.st, name, NULL, &hints, &res);
    if (stats)
        ust_stats_print(c.st, stderr, false);
    if (err) {
        fprintf(stderr, "ustack: resolve: %s: %s\n", name, ust_gai_strerror(err));
        link_close(&c);
        return CLI_EXIT_USAGE;
    }
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        struct ust_addr a = ai_address(ai);
        char ip[UST_ADDR_STRLEN];
        fprintf(c.out, "%-15s %-6s %s\n", ust_addr_str(&a, ip), socktype_name(ai->ai_socktype),
                ai->ai_canonname ? ai->ai_canonname : "");
    }
    ust_freeaddrinfo(res);
    link_close(&c);
    return CLI_EXIT_OK;
}

int cli_resolve(struct link_ctx *c, const char *cmd, const char *name, struct ust_addr *addr)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int err = ust_getaddrinfo(c->st, name, NULL, &hints, &res);
    if (err) {
        fprintf(stderr, "ustack: %s: %s: %s\n", cmd, name, ust_gai_strerror(err));
        return -1;
    }
    *addr = ai_address(res); /* the first in RFC 6724 order */
    ust_freeaddrinfo(res);
    return 0;
}
