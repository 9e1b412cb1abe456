/* `ustack serve`: answers ARP and ping, echoes UDP on the given ports,
 * serves TCP echo, discard and HTTP (serve_tcp.c), runs until
 * SIGINT/SIGTERM (stop_signals.c), then prints its counters. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "serve.h"

static const char *const tcp_kind_opt[] = {
    [TCPSRV_ECHO] = "--tcp-echo", [TCPSRV_DISCARD] = "--discard", [TCPSRV_HTTP] = "--http",
};

static void serve_usage(FILE *out)
{
    fprintf(out,
            "usage: ustack serve --tap NAME|--tun NAME --addr A.B.C.D/N [service options]\n"
            "                    [link options]\n"
            "Answers ARP and ping, and serves the services below, until SIGINT/SIGTERM,\n"
            "then prints the stack's counters and exits 0. Every service option is\n"
            "repeatable.\n"
            "  --udp-echo PORT      echo UDP datagrams sent to PORT\n"
            "  --join GROUP         the --udp-echo sockets join multicast GROUP (IPv4: IGMPv3;\n"
            "                       IPv6, e.g. ff15::1:2: MLDv2, the sockets then on [::])\n"
            "  --join-source GROUP,SOURCE\n"
            "                       the same, source-specific: only SOURCE's datagrams\n"
            "                       (MCAST_JOIN_SOURCE_GROUP; repeat for more sources)\n"
            "  --tcp-echo PORT      TCP echo (RFC 862): send back every byte received\n"
            "  --discard PORT       TCP discard (RFC 863): read and drop\n"
            "  --http PORT          HTTP/1.1 static files (GET, HEAD) from --root\n"
            "  --root DIR           document root of --http (required with it)\n"
            "  --iperf3 [PORT]      iperf3 server (TCP tests: -P, -R, -t, -n) for\n"
            "                       'iperf3 -c' (default port 5201)\n"
            "  --queues N           N queues of a multi-queue TAP/TUN (IFF_MULTI_QUEUE), one\n"
            "                       stack and thread each, sharing nothing; Linux spreads\n"
            "                       the connections by flow hash (default 1; at most 64;\n"
            "                       not with --iperf3 or --pcap)\n"
            "  --dual-stack         the default: UDP echo, TCP echo, discard, HTTP and iperf3\n"
            "                       on [::] (AF_INET6, IPV6_V6ONLY off): one socket takes\n"
            "                       IPv6 and IPv4, the latter as ::ffff:A.B.C.D (with\n"
            "                       --no-ipv6: 0.0.0.0)\n"
            "  --ipv4-only          the services on 0.0.0.0 (AF_INET) only, IPv4\n"
            LINK_OPTS_HELP);
}

/* --tcp-echo / --discard / --http PORT. 1 consumed, 0 not ours, -1 error. */
static int parse_tcp_opt(struct serve_opts *o, int argc, char **argv, int *i)
{
    for (int k = TCPSRV_ECHO; k <= TCPSRV_HTTP; k++) {
        const char *v;
        int r = opt_value(argc, argv, i, tcp_kind_opt[k], &v);
        if (r == 0)
            continue;
        unsigned long port;
        if (r < 0 || parse_uint(tcp_kind_opt[k], v, 1, 65535, &port) != 0)
            return -1;
        if (o->ntcp == SERVE_MAX_PORTS) {
            cli_usage_error("%s: at most %d TCP ports", tcp_kind_opt[k], SERVE_MAX_PORTS);
            return -1;
        }
        if (o->iperf3_port == port) {
            cli_usage_error("%s %lu: port already used by --iperf3", tcp_kind_opt[k], port);
            return -1;
        }
        for (unsigned j = 0; j < o->ntcp; j++)
            if (o->tcp[j].port == port) {
                cli_usage_error("%s %lu: port already used by %s", tcp_kind_opt[k], port,
                                tcp_kind_opt[o->tcp[j].kind]);
                return -1;
            }
        o->tcp[o->ntcp++] = (struct tcp_port){(enum tcpsrv_kind)k, (uint16_t)port};
        return 1;
    }
    return 0;
}

/* --iperf3 [PORT] (default 5201): the port is optional, so only a number
 * after it is taken as one. 1 consumed, 0 not ours, -1 error. */
static int parse_iperf3_opt(struct serve_opts *o, int argc, char **argv, int *i)
{
    const char *v = NULL;
    if (!strncmp(argv[*i], "--iperf3=", 9))
        v = argv[*i] + 9;
    else if (strcmp(argv[*i], "--iperf3"))
        return 0;
    else if (*i + 1 < argc && argv[*i + 1][0] >= '0' && argv[*i + 1][0] <= '9')
        v = argv[++*i];
    unsigned long port = IPERF3_PORT;
    if (v && parse_uint("--iperf3", v, 1, 65535, &port) != 0)
        return -1;
    if (!iperf3_available()) {
        cli_usage_error("--iperf3: not available: ustack was built without cJSON "
                        "(install libcjson-dev and rebuild)");
        return -1;
    }
    for (unsigned j = 0; j < o->ntcp; j++)
        if (o->tcp[j].port == port) {
            cli_usage_error("--iperf3 %lu: port already used by %s", port,
                            tcp_kind_opt[o->tcp[j].kind]);
            return -1;
        }
    o->iperf3_port = (uint16_t)port;
    return 1;
}

/* --http needs --root, a directory; the server compares every file's real
 * path against the root's. */
static int check_root(struct serve_opts *o)
{
    bool http = false;
    for (unsigned j = 0; j < o->ntcp; j++)
        http |= o->tcp[j].kind == TCPSRV_HTTP;
    if (!http)
        return o->root ? cli_usage_error("--root: only meaningful with --http PORT") : -1;
    if (!o->root)
        return cli_usage_error("--http: --root DIR is required (the directory to serve)");
    struct stat sb;
    if (!realpath(o->root, o->root_real) || stat(o->root_real, &sb) < 0)
        return cli_usage_error("--root %s: %s", o->root, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return cli_usage_error("--root %s: not a directory", o->root);
    return -1;
}

/* What cannot be split over queues: an iperf3 test's control and data
 * connections are flows of their own, which Linux may hand to different
 * stacks; one capture file cannot take N writers. */
static int check_queues(const struct serve_opts *o)
{
    if (o->queues > 1 && o->iperf3_port)
        return cli_usage_error("--queues %u: not with --iperf3 (a test's connections would "
                               "reach different stacks)", o->queues);
    if (o->queues > 1 && o->link.dhcp)
        return cli_usage_error("--queues %u: not with --addr dhcp (one lease per link)",
                               o->queues);
    if (o->queues > 1 && o->link.pcap)
        return cli_usage_error("--queues %u: not with --pcap (one capture per stack is not "
                               "supported)", o->queues);
    return 0;
}

/* --dual-stack (the default) or --ipv4-only: 1 consumed, 0 not ours. */
static int parse_family_opt(struct serve_opts *o, const char *arg)
{
    bool *flag = !strcmp(arg, "--dual-stack") ? &o->dual_opt
                 : !strcmp(arg, "--ipv4-only") ? &o->ipv4_only : NULL;
    if (flag)
        *flag = true;
    return flag != NULL;
}

/* Dual-stack is the default whenever IPv6 is on (issue #13: "serve listens
 * on both families"); --ipv4-only asks for the old 0.0.0.0 sockets. */
static int check_family(struct serve_opts *o)
{
    if (o->dual_opt && o->ipv4_only)
        return cli_usage_error("--dual-stack: not with --ipv4-only");
    if (o->dual_opt && o->link.no_ipv6)
        return cli_usage_error("--dual-stack: not with --no-ipv6");
    o->dual = !o->ipv4_only && !o->link.no_ipv6;
    return 0;
}

static bool is_group(const struct ust_addr *g)
{
    return g->family == UST_AF_INET6 ? g->u.v6[0] == 0xff : (g->u.v4 >> 28) == 0xe;
}

/* --join-source GROUP,SOURCE: a group and a unicast source of its family. */
static int parse_join_source(struct serve_opts *o, const char *v)
{
    char buf[128];
    const char *comma = strchr(v, ',');
    size_t glen = comma ? (size_t)(comma - v) : 0;
    struct ust_addr g, src;
    if (!comma || glen >= sizeof(buf))
        return cli_usage_error("--join-source: '%s' is not GROUP,SOURCE "
                               "(e.g. ff3e::1:2,2001:db8::1)", v);
    memcpy(buf, v, glen);
    buf[glen] = 0;
    if (ust_addr_parse(buf, &g) != 0 || !is_group(&g))
        return cli_usage_error("--join-source: '%s' is not a multicast group", buf);
    if (ust_addr_parse(comma + 1, &src) != 0 || is_group(&src) || src.family != g.family)
        return cli_usage_error("--join-source: '%s' is not a unicast source of the group's "
                               "family", comma + 1);
    if (o->ngroups == SERVE_MAX_PORTS)
        return cli_usage_error("--join-source: at most %d groups", SERVE_MAX_PORTS);
    o->sources[o->ngroups] = src;
    o->groups[o->ngroups++] = g;
    return 0;
}

static int serve_parse(int argc, char **argv, struct serve_opts *o)
{
    memset(o, 0, sizeof(*o));
    link_opts_init(&o->link);
    o->queues = 1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r = link_opts_parse(&o->link, argc, argv, &i);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            serve_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((r = opt_value(argc, argv, &i, "--udp-echo", &v)) != 0) {
            unsigned long port;
            if (r < 0 || parse_uint("--udp-echo", v, 1, 65535, &port) != 0)
                return CLI_EXIT_USAGE;
            if (o->nports == SERVE_MAX_PORTS)
                return cli_usage_error("--udp-echo: at most %d ports", SERVE_MAX_PORTS);
            o->ports[o->nports++] = (uint16_t)port;
            continue;
        }
        if ((r = opt_value(argc, argv, &i, "--join-source", &v)) != 0) {
            if (r < 0 || parse_join_source(o, v) != 0)
                return CLI_EXIT_USAGE;
            continue;
        }
        if ((r = opt_value(argc, argv, &i, "--join", &v)) != 0) {
            struct ust_addr g;
            if (r < 0 || ust_addr_parse(v, &g) != 0 || !is_group(&g))
                return cli_usage_error("--join: '%s' is not a multicast group "
                                       "(e.g. 239.1.2.3 or ff15::1:2)", r < 0 ? "" : v);
            if (o->ngroups == SERVE_MAX_PORTS)
                return cli_usage_error("--join: at most %d groups", SERVE_MAX_PORTS);
            o->groups[o->ngroups++] = g;
            continue;
        }
        if ((r = parse_tcp_opt(o, argc, argv, &i)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
            continue;
        }
        if ((r = parse_iperf3_opt(o, argc, argv, &i)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
            continue;
        }
        if ((r = opt_value(argc, argv, &i, "--queues", &v)) != 0) {
            unsigned long n;
            if (r < 0 || parse_uint("--queues", v, 1, SERVE_MAX_QUEUES, &n) != 0)
                return CLI_EXIT_USAGE;
            o->queues = (unsigned)n;
            continue;
        }
        if (parse_family_opt(o, argv[i]))
            continue;
        if ((r = opt_value(argc, argv, &i, "--root", &v)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
            o->root = v;
            continue;
        }
        if (argv[i][0] == '-')
            return cli_usage_error("serve: unknown option '%s' (try 'ustack serve --help')",
                                   argv[i]);
        return cli_usage_error("serve: unexpected argument '%s' (try 'ustack serve --help')",
                               argv[i]);
    }
    if (link_opts_check(&o->link) || check_queues(o) || check_family(o))
        return CLI_EXIT_USAGE;
    return check_root(o);
}

/* Opens a non-blocking UDP socket bound to port on every address: of
 * both families ([::], IPV6_V6ONLY off: the default), or with --ipv4-only
 * or --no-ipv6 of IPv4. */
static int echo_open(struct ust_stack *st, uint16_t port, bool dual)
{
    int fd = ust_socket(st, dual ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss;
    struct ust_addr any = dual ? ust_addr_from_ip6((const uint8_t[16]){0}, 0) : ust_addr_from_ip4(0);
    socklen_t len = ust_addr_to_sockaddr(&any, port, &ss);
    if (ust_bind(st, fd, (struct sockaddr *)&ss, len) < 0) {
        int e = errno;
        ust_close(st, fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* fd joins group on the interface its route picks (MCAST_JOIN_GROUP,
 * RFC 3678 5.1: IPv4 groups at IPPROTO_IP, IPv6 ones at IPPROTO_IPV6);
 * with a source, MCAST_JOIN_SOURCE_GROUP (5.1.2; another source of a
 * group joined already adds to its filter). */
static int echo_join(struct ust_stack *st, int fd, const struct ust_addr *group,
                     const struct ust_addr *source)
{
    int level = group->family == UST_AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    if (source->family != 0) {
        struct group_source_req gsr;
        memset(&gsr, 0, sizeof(gsr));
        ust_addr_to_sockaddr(group, 0, &gsr.gsr_group);
        ust_addr_to_sockaddr(source, 0, &gsr.gsr_source);
        return ust_setsockopt(st, fd, level, MCAST_JOIN_SOURCE_GROUP, &gsr, sizeof(gsr));
    }
    struct group_req gr = {.gr_interface = 0};
    ust_addr_to_sockaddr(group, 0, &gr.gr_group);
    return ust_setsockopt(st, fd, level, MCAST_JOIN_GROUP, &gr, sizeof(gr));
}

/* Sends back what waits on fd, at most ECHO_BATCH datagrams. */
static void echo_drain(struct ust_stack *st, int fd)
{
    static const size_t cap = 65536;
    uint8_t buf[65536];
    for (int n = 0; n < ECHO_BATCH; n++) {
        struct sockaddr_storage from; /* sockaddr_in6 on a dual-stack socket */
        socklen_t flen = sizeof(from);
        ssize_t len = ust_recvfrom(st, fd, buf, cap, 0, (struct sockaddr *)&from, &flen);
        if (len < 0)
            return; /* EAGAIN: nothing more waits */
        /* A failed echo (no ARP answer, ...) is counted by the stack. */
        (void)ust_sendto(st, fd, buf, (size_t)len, 0, (struct sockaddr *)&from, flen);
    }
}

void serve_print_banner(const struct serve_opts *o, const struct link_ctx *c, const int *fds)
{
    char a[16], m[18];
    bool tun = ust_dev_link_type(c->dev) == UST_LINK_IP; /* --tun: no MAC, no ARP */
    int plen;
    ust_ip4_t addr = link_addr(c, &plen);
    fprintf(c->out, "ustack serve: %s/%d on %s (%s%s, mtu %u)", ust_ip4_str(addr, a), plen,
            o->link.tap, tun ? "tun" : "mac ",
            tun ? "" : ust_mac_str(ust_dev_mac(c->dev), m), ust_dev_mtu(c->dev));
    if (o->link.have_gateway)
        fprintf(c->out, ", gateway %s", ust_ip4_str(o->link.gateway, a));
    struct ust_dhcp_lease l;
    char r[16], d[16];
    if (c->dhcp && ust_dhcp_lease(c->dhcp, &l) == UST_OK)
        fprintf(c->out, ", dhcp from %s (router %s, dns %s, lease %us)",
                ust_ip4_str(l.server, a), ust_ip4_str(l.router, r), ust_ip4_str(l.dns, d),
                (unsigned)l.lease_s);
    fprintf(c->out, ", answering %s", tun ? "ping" : "ARP and ping");
    for (unsigned i = 0; i < o->nports; i++)
        if (fds[i] >= 0)
            fprintf(c->out, "%s%u", i ? "," : ", udp echo on ", o->ports[i]);
    static const char *const names[] = {
        [TCPSRV_ECHO] = "tcp echo", [TCPSRV_DISCARD] = "discard", [TCPSRV_HTTP] = "http",
    };
    for (unsigned i = 0; i < o->ntcp; i++)
        fprintf(c->out, ", %s on %u", names[o->tcp[i].kind], o->tcp[i].port);
    if (o->root)
        fprintf(c->out, " (root %s)", o->root_real);
    if (o->iperf3_port)
        fprintf(c->out, ", iperf3 on %u", o->iperf3_port);
    if (o->dual && (o->nports || o->ntcp || o->iperf3_port))
        fprintf(c->out, ", dual-stack ([::])");
}

static void print_banner(const struct serve_opts *o, const struct link_ctx *c, const int *fds)
{
    serve_print_banner(o, c, fds);
    if (c->ctl.bound)
        fprintf(c->out, "\ncontrol socket %s", c->ctl.path);
    fprintf(c->out, "\nready (Ctrl-C to stop)\n");
    fflush(c->out);
}

/* Opens the services. 0, or an exit code after saying why. */
int serve_open(struct serve_run *r)
{
    const struct serve_opts *o = r->o;
    struct ust_stack *st = r->c->st;
    for (unsigned i = 0; i < SERVE_MAX_PORTS; i++)
        r->fds[i] = -1;
    bool v6_group = false; /* an IPv6 group needs AF_INET6 sockets */
    for (unsigned k = 0; k < o->ngroups; k++)
        v6_group |= o->groups[k].family == UST_AF_INET6;
    for (unsigned i = 0; i < o->nports; i++)
        if ((r->fds[i] = echo_open(st, o->ports[i], o->dual || v6_group)) < 0)
            return cli_usage_error("--udp-echo %u: %s", o->ports[i], strerror(errno));
    for (unsigned i = 0; i < o->nports; i++)
        for (unsigned k = 0; k < o->ngroups; k++)
            if (echo_join(st, r->fds[i], &o->groups[k], &o->sources[k]) < 0)
                return cli_usage_error("%s: %s", o->sources[k].family ? "--join-source" : "--join",
                                       strerror(errno));
    if (!(r->srv = tcp_server_new(st, o->root ? o->root_real : NULL)))
        return cli_usage_error("out of memory");
    tcp_server_dual_stack(r->srv, o->dual);
    for (unsigned i = 0; i < o->ntcp; i++)
        if (tcp_server_listen(r->srv, o->tcp[i].kind, o->tcp[i].port) < 0)
            return cli_usage_error("%s %u: %s", tcp_kind_opt[o->tcp[i].kind], o->tcp[i].port,
                                   strerror(errno));
    if (o->iperf3_port && (!(r->ip3 = iperf3_server_new(st, r->c->out)) ||
                           iperf3_server_listen(r->ip3, o->iperf3_port, o->dual) < 0))
        return cli_usage_error("--iperf3 %u: %s", o->iperf3_port, strerror(errno));
    if ((r->relay ? cli_signals_open_relay(&r->sig, r->c) : cli_signals_open(&r->sig, r->c)) != 0)
        return cli_usage_error("cannot watch for Ctrl-C: %s", strerror(errno));
    r->sig_open = true;
    return 0;
}

/* Serves until SIGINT/SIGTERM (read from the signalfd in the loop's epoll
 * set, so it ends the wait it arrives in) or until the device is lost. */
int serve_loop(struct serve_run *r)
{
    struct link_ctx *c = r->c;
    bool busy = false;
    while (!r->sig.caught) {
        /* No wait at all while the services still have work the last
         * turn left (budgets). */
        ust_loop_run_once(c->loop, busy ? 0 : SERVE_TICK);
        if (link_lost(c))
            return CLI_EXIT_FAIL; /* the TAP was deleted: nothing more to serve */
        for (unsigned i = 0; i < r->o->nports; i++)
            echo_drain(c->st, r->fds[i]);
        busy = tcp_server_turn(r->srv);
        if (r->ip3)
            busy |= iperf3_server_turn(r->ip3);
    }
    /* Stopping a server is its normal end (as for Linux daemons). */
    return CLI_EXIT_OK;
}

/* Closes the services, prints the counters if asked (after the services
 * closed their connections, as before), then closes the control socket and
 * the capture (link_close) while the two signals are still blocked, so a
 * second Ctrl-C cannot cut that short. */
void serve_close(struct serve_run *r, bool counters, const char *title)
{
    iperf3_server_free(r->ip3);
    tcp_server_free(r->srv);
    if (counters) {
        fprintf(r->c->out, "\n--- %s ---\n", title);
        ust_stats_print(r->c->st, r->c->out, false);
        fflush(r->c->out);
    }
    for (unsigned i = 0; i < SERVE_MAX_PORTS; i++)
        if (r->fds[i] >= 0)
            ust_close(r->c->st, r->fds[i]);
    if (r->sig_open)
        cli_signals_detach(&r->sig);
    link_close(r->c);
    if (r->sig_open)
        cli_signals_close(&r->sig);
}

int cmd_serve(int argc, char **argv)
{
    struct serve_opts o;
    int rc = serve_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.queues > 1)
        return serve_queues(&o);
    struct link_ctx c;
    if ((rc = link_open(&o.link, &c)) != 0)
        return rc;
    struct serve_run r = {.o = &o, .c = &c};
    if ((rc = serve_open(&r)) != 0) {
        serve_close(&r, false, NULL);
        return rc;
    }
    print_banner(&o, &c, r.fds);
    rc = serve_loop(&r);
    serve_close(&r, true, "ustack serve counters");
    return rc;
}
