/* `ustack ping`: ICMP echo over a TAP device, with the output and exit
 * codes of iputils ping (0: a reply arrived, 1: none, 2: bad usage). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define SEQ_SPACE 65536 /* ICMP sequence numbers are 16 bits */

struct ping_opts {
    struct link_opts link;
    ust_ip4_t dst;
    bool v6;              /* DEST is an IPv6 address (ICMPv6 echo) */
    uint8_t dst6[16];
    const char *dest;     /* DEST as given, for the lines printed */
    unsigned long count;  /* 0: until interrupted */
    ust_time_t interval;
    ust_time_t linger;    /* -W: how long to wait for replies after the last send */
    size_t size;          /* ICMP payload bytes */
    uint8_t ttl;
};

struct ping_run {
    const struct ping_opts *o;
    FILE *out;
    ust_ip4_t self;
    uint16_t id;
    unsigned long sent, received, dups, errors, answered;
    ust_time_t *sent_at;   /* per sequence number, 0 = not outstanding */
    uint8_t *answered_seq; /* per sequence number: a reply/error was seen */
    double rtt_min, rtt_max, rtt_sum, rtt_sum2; /* milliseconds */
};

static void ping_usage(FILE *out)
{
    fprintf(out,
            "usage: ustack ping DEST --tap NAME|--tun NAME --addr A.B.C.D/N [options]\n"
            "                  [link options]\n"
            "Sends ICMP echo requests to DEST (an IPv4 address, or an IPv6 one such as\n"
            "2001:db8::1 or fe80::1%%tap0) from a user-space stack.\n"
            "Ctrl-C or SIGTERM prints the statistics so far. Exit 0 if a reply arrived,\n"
            "1 if none did, 2 on bad usage (as iputils ping).\n"
            "  -c COUNT     stop after COUNT requests (default: until Ctrl-C)\n"
            "  -i INTERVAL  seconds between requests (default 1)\n"
            "  -s SIZE      payload bytes (default 56; large sizes are fragmented)\n"
            "  -W TIMEOUT   seconds to wait for replies after the last request (default 10)\n"
            "  -t TTL       IP time to live / IPv6 hop limit (default 64)\n"
            LINK_OPTS_HELP);
}

/* Parses one ping-specific option. 1 consumed, 0 not ours, -1 error. */
static int ping_parse_opt(struct ping_opts *o, int argc, char **argv, int *i)
{
    const char *v;
    unsigned long n;
    int r;
    if ((r = opt_value(argc, argv, i, "-c", &v)) != 0) {
        if (r < 0 || parse_uint("-c", v, 1, 100000000, &n))
            return -1;
        o->count = n;
        return 1;
    }
    if ((r = opt_value(argc, argv, i, "-s", &v)) != 0) {
        uint64_t size;
        if (r < 0 || parse_size("-s", v, 0, 65507, &size))
            return -1;
        o->size = (size_t)size;
        return 1;
    }
    if ((r = opt_value(argc, argv, i, "-t", &v)) != 0) {
        if (r < 0 || parse_uint("-t", v, 1, 255, &n))
            return -1;
        o->ttl = (uint8_t)n;
        return 1;
    }
    if ((r = opt_value(argc, argv, i, "-i", &v)) != 0)
        return r < 0 || parse_seconds("-i", v, 0.001, 3600, &o->interval) ? -1 : 1;
    if ((r = opt_value(argc, argv, i, "-W", &v)) != 0)
        return r < 0 || parse_seconds("-W", v, 0.001, 3600, &o->linger) ? -1 : 1;
    return 0;
}

/* An IPv6 DEST, "fe80::1%tap0" naming the link of a link-local address
 * (our one link: the --tap / --tun name). -1 to continue, or an exit code. */
static int parse_dest6(struct ping_opts *o, const char *dest)
{
    char buf[64];
    const char *pct = strchr(dest, '%');
    size_t n = pct ? (size_t)(pct - dest) : strlen(dest);
    if (n >= sizeof(buf))
        return cli_usage_error("ping: '%s' is not an IPv6 address (e.g. 2001:db8::1)", dest);
    memcpy(buf, dest, n);
    buf[n] = '\0';
    if (ust_ip6_parse(buf, o->dst6) != UST_OK)
        return cli_usage_error("ping: '%s' is not an IPv6 address (e.g. 2001:db8::1)", dest);
    if (link_opts_check(&o->link))
        return CLI_EXIT_USAGE;
    if (pct && strcmp(pct + 1, o->link.tap) != 0)
        return cli_usage_error("ping: '%s': the scope must be this link, %%%s", dest, o->link.tap);
    if (o->link.no_ipv6)
        return cli_usage_error("ping: '%s' is an IPv6 address, but --no-ipv6 was given", dest);
    o->v6 = true;
    return -1;
}

/* Returns -1 to continue, or an exit code. */
static int ping_parse(int argc, char **argv, struct ping_opts *o)
{
    memset(o, 0, sizeof(*o));
    link_opts_init(&o->link);
    o->interval = UST_SEC;
    o->linger = 10 * UST_SEC;
    o->size = 56;
    o->ttl = 64;
    const char *dest = NULL;
    for (int i = 1; i < argc; i++) {
        int r = link_opts_parse(&o->link, argc, argv, &i);
        if (r == 0)
            r = ping_parse_opt(o, argc, argv, &i);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            ping_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (argv[i][0] == '-')
            return cli_usage_error("ping: unknown option '%s' (try 'ustack ping --help')",
                                   argv[i]);
        if (dest)
            return cli_usage_error("ping: more than one destination ('%s' and '%s')", dest,
                                   argv[i]);
        dest = argv[i];
    }
    if (!dest)
        return cli_usage_error("ping: destination address missing (usage: ustack ping DEST "
                               "--tap NAME --addr A.B.C.D/N)");
    o->dest = dest;
    if (strchr(dest, ':'))
        return parse_dest6(o, dest);
    if (ust_ip4_parse(dest, &o->dst) != UST_OK)
        return cli_usage_error("ping: '%s' is not an IPv4 address (e.g. 203.0.113.1)", dest);
    return link_opts_check(&o->link) ? CLI_EXIT_USAGE : -1;
}

/* iputils' precision: 3 decimals under 1 ms, 2 under 10 ms, 1 under 100 ms. */
static void print_time(FILE *out, double ms)
{
    if (ms >= 100)
        fprintf(out, " time=%.0f ms", ms);
    else if (ms >= 10)
        fprintf(out, " time=%.1f ms", ms);
    else if (ms >= 1)
        fprintf(out, " time=%.2f ms", ms);
    else
        fprintf(out, " time=%.3f ms", ms);
}

static void mark_answered(struct ping_run *p, uint16_t seq)
{
    if (!p->answered_seq[seq]) {
        p->answered_seq[seq] = 1;
        p->answered++;
    }
}

/* Who answered, as text. */
static const char *from_str(const struct ust_ping_result *r, char a[UST_IP6_STRLEN])
{
    return r->ipv6 ? ust_ip6_str(r->from6, a) : ust_ip4_str(r->from, a);
}

static void on_reply(struct ping_run *p, const struct ust_ping_result *r)
{
    char a[UST_IP6_STRLEN];
    double ms = (double)(r->at - p->sent_at[r->seq]) / (double)UST_MSEC;
    bool dup = p->answered_seq[r->seq] != 0;
    mark_answered(p, r->seq);
    if (dup) {
        p->dups++;
    } else {
        p->received++;
        p->rtt_min = p->received == 1 || ms < p->rtt_min ? ms : p->rtt_min;
        p->rtt_max = ms > p->rtt_max ? ms : p->rtt_max;
        p->rtt_sum += ms;
        p->rtt_sum2 += ms * ms;
    }
    fprintf(p->out, "%zu bytes from %s: icmp_seq=%u ttl=%u", r->len + 8, from_str(r, a), r->seq,
            r->ttl);
    print_time(p->out, ms);
    fprintf(p->out, "%s%s\n", dup ? " (DUP!)" : "", r->payload_ok ? "" : " (wrong data)");
}

static void on_error(struct ping_run *p, const struct ust_ping_result *r)
{
    char a[UST_IP6_STRLEN];
    ust_ip4_t from = r->event == UST_PING_LOCAL_ERROR || r->from == 0 ? p->self : r->from;
    fprintf(p->out, "From %s icmp_seq=%u %s\n", r->ipv6 ? from_str(r, a) : ust_ip4_str(from, a),
            r->seq, ping_error_text(r));
    if (!p->answered_seq[r->seq])
        p->errors++;
    mark_answered(p, r->seq);
}

static void on_ping_event(void *ctx, const struct ust_ping_result *r)
{
    struct ping_run *p = ctx;
    if (r->id != p->id || p->sent_at[r->seq] == 0)
        return; /* not one of ours (another ping, or a stray) */
    if (r->event == UST_PING_REPLY)
        on_reply(p, r);
    else
        on_error(p, r);
    fflush(p->out);
}

static void send_one(struct ping_run *p, struct ust_stack *st)
{
    uint16_t seq = (uint16_t)(p->sent + 1);
    p->sent_at[seq] = ust_stack_now(st);
    if (p->sent_at[seq] == 0)
        p->sent_at[seq] = 1; /* 0 means "not sent" */
    p->answered_seq[seq] = 0;
    p->sent++;
    int rc = p->o->v6 ? ust_ping6_send(st, p->o->dst6, 0, p->id, seq, p->o->size, p->o->ttl)
                      : ust_ping_send(st, p->o->dst, p->id, seq, p->o->size, p->o->ttl);
    if (rc != UST_OK) {
        fprintf(p->out, "ping: sendmsg: %s\n", ust_strerror(rc));
        p->errors++;
        mark_answered(p, seq);
    }
}

static void print_summary(const struct ping_run *p, ust_time_t elapsed)
{
    FILE *out = p->out;
    fprintf(out, "\n--- %s ping statistics ---\n", p->o->dest);
    fprintf(out, "%lu packets transmitted, %lu received", p->sent, p->received);
    if (p->dups)
        fprintf(out, ", +%lu duplicates", p->dups);
    if (p->errors)
        fprintf(out, ", +%lu errors", p->errors);
    if (p->sent)
        fprintf(out, ", %g%% packet loss", (double)(p->sent - p->received) * 100.0 / (double)p->sent);
    fprintf(out, ", time %llums\n", (unsigned long long)(elapsed / UST_MSEC));
    if (p->received) {
        double avg = p->rtt_sum / (double)p->received;
        double var = p->rtt_sum2 / (double)p->received - avg * avg;
        fprintf(out, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->rtt_min, avg,
                p->rtt_max, var > 0 ? sqrt(var) : 0.0);
    }
    fflush(out);
}

/* Sends on schedule and waits for answers until done or interrupted
 * (SIGINT/SIGTERM: the signalfd in the loop's epoll set ends the wait it
 * arrives in and sets sig->caught, stop_signals.c). */
static void ping_loop(struct ping_run *p, struct link_ctx *c, const struct cli_signals *sig)
{
    const struct ping_opts *o = p->o;
    if (o->v6)
        link_wait_dad(c, sig);
    ust_time_t next_send = ust_stack_now(c->st), last_send = 0;
    while (!sig->caught) {
        ust_time_t now = ust_stack_now(c->st);
        bool more = o->count == 0 || p->sent < o->count;
        if (more && now >= next_send) {
            send_one(p, c->st);
            last_send = now;
            next_send += o->interval;
            if (next_send < now)
                next_send = now; /* we fell behind: do not burst to catch up */
            continue;
        }
        if (!more && (p->answered >= p->sent || now >= last_send + o->linger))
            break;
        ust_time_t until = more ? next_send : last_send + o->linger;
        ust_loop_run_once(c->loop, until > now ? until - now : 0);
        if (link_lost(c))
            break;
    }
}

int cmd_ping(int argc, char **argv)
{
    struct ping_opts o;
    int rc = ping_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    struct link_ctx c;
    if ((rc = link_open(&o.link, &c)) != 0)
        return rc;
    struct ping_run p = {.o = &o, .out = c.out, .self = link_addr(&c, NULL),
                         .id = (uint16_t)getpid(),
                         .sent_at = calloc(SEQ_SPACE, sizeof(ust_time_t)),
                         .answered_seq = calloc(SEQ_SPACE, 1)};
    if (!p.sent_at || !p.answered_seq) {
        free(p.sent_at);
        free(p.answered_seq);
        link_close(&c);
        return cli_usage_error("out of memory");
    }
    struct cli_signals sig;
    if (cli_signals_open(&sig, &c) != 0) {
        rc = cli_usage_error("cannot watch for Ctrl-C: %s", strerror(errno));
        free(p.sent_at);
        free(p.answered_seq);
        link_close(&c);
        return rc;
    }
    ust_ping_set_handler(c.st, on_ping_event, &p);
    if (o.v6)
        fprintf(c.out, "PING %s (%s) %zu data bytes\n", o.dest, o.dest, o.size);
    else
        fprintf(c.out, "PING %s (%s) %zu(%zu) bytes of data.\n", o.dest, o.dest, o.size,
                o.size + 28);
    fflush(c.out);
    ust_time_t start = ust_stack_now(c.st);
    ping_loop(&p, &c, &sig);
    /* Interrupted or not, iputils' summary and exit status: 0 if a reply
     * arrived, 1 otherwise. */
    print_summary(&p, ust_stack_now(c.st) - start);
    ust_ping_set_handler(c.st, NULL, NULL);
    rc = p.received && !c.lost_reported ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    free(p.sent_at);
    free(p.answered_seq);
    /* The control socket and the capture close with the signals still
     * blocked (cli_signals_detach), so a second Ctrl-C cannot cut that short. */
    cli_signals_detach(&sig);
    link_close(&c);
    cli_signals_close(&sig);
    return rc;
}
