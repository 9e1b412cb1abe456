/* `ustack demo`: the story of a packet going down one stack, across a
 * simulated network and up another, told with the stacks' own trace lines.
 *
 * Three stacks in one process on a virtual clock: host A and host B on two
 * Ethernet switches joined by a router R. The links lose frames and delay
 * them; lan2 has a smaller MTU so that a large ping is fragmented twice.
 * Same seed, same output, frame for frame. The story is a table of scenes,
 * so that later protocols (TCP) add a scene without touching the others. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "demo.h"

const struct host_spec host_specs[NHOSTS] = {
    [HOST_A] = {"A", "host A", {{LAN1, "eth0", UST_IP4(203, 0, 113, 10), 24, 1500}}, 1,
                UST_IP4(203, 0, 113, 1), false},
    [ROUTER] = {"R", "router R",
                {{LAN1, "eth0", UST_IP4(203, 0, 113, 1), 24, 1500},
                 {LAN2, "eth1", UST_IP4(198, 51, 100, 1), 24, 1000}},
                2, 0, true},
    [HOST_B] = {"B", "host B", {{LAN2, "eth0", UST_IP4(198, 51, 100, 20), 24, 1000}}, 1,
                UST_IP4(198, 51, 100, 1), false},
};
static const char *const lan_names[NLANS] = {"lan1", "lan2"};
static const char demo_default_pcap[] = "ustack-demo.pcap";
/* One-way delay per cable; each frame crosses two cables (NIC -> switch -> NIC). */
static const ust_time_t lan_delay[NLANS] = {500 * UST_USEC, 1500 * UST_USEC};
static const ust_time_t lan_jitter[NLANS] = {100 * UST_USEC, 300 * UST_USEC};


/* ---- options --------------------------------------------------------------- */

static void demo_usage(FILE *out)
{
    fprintf(out,
            "usage: ustack demo [--seed N] [--loss PCT] [--bytes N] [--congestion NAME]\n"
            "                  [--trace [LIST]] [--pcap FILE] [--snaplen N] [--pcapng]\n"
            "                  [--no-ipv6]\n"
            "Runs a simulated network (two hosts, a router, two lossy switched links) in\n"
            "this process and narrates ARP, routing, fragmentation, ping, a DNS lookup and\n"
            "a TCP connection (handshake, transfer, close), then IPv6 (link-local, DAD,\n"
            "router advertisement, SLAAC, ping6 through the router, TCP). No root needed.\n"
            "  --seed N      seed of the simulation (default 1): same seed, same output\n"
            "  --loss PCT    percentage of frames each cable drops (default 2)\n"
            "  --bytes N     bytes the TCP connection carries (default 200000)\n"
            "  --congestion NAME  TCP congestion control: newreno (default), cubic, bbr, bbr1\n"
            "  --trace [LIST]  trace everything: set-up, the ping series, every TCP segment;\n"
            "                LIST picks categories: dev,eth,arp,link,ip,icmp,udp,tcp,cc,all\n"
            "                (cc: cwnd, ssthresh, srtt, rto, window after each ACK)\n"
            "  --pcap FILE   capture host A's NIC into FILE (default ustack-demo.pcap;\n"
            "                - = standard output, and the story goes to stderr)\n"
            "  --snaplen N   bytes of each frame kept in the capture (default 262144)\n"
            "  --pcapng      write pcapng (also for a .pcapng FILE); with --trace, frames\n"
            "                carry the stack's reasons (retransmission and why, drops,\n"
            "                state changes) as comments\n"
            "  --no-ipv6     the IPv4 story only (scenes 0-9, without the IPv6 scenes)\n");
}

static int demo_parse(int argc, char **argv, struct demo_opts *o)
{
    *o = (struct demo_opts){.seed = 1, .loss_pct = 2.0, .pcap = demo_default_pcap,
                            .bytes = DEMO_TCP_BYTES};
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            demo_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((r = trace_opt_parse(argc, argv, &i, &o->trace, &o->trace_cats)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
        } else if ((r = capture_opt_parse(argc, argv, &i, &o->capture)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
        } else if (!strcmp(argv[i], "--no-ipv6")) {
            o->no_ipv6 = true;
        } else if ((r = opt_value(argc, argv, &i, "--seed", &v)) != 0) {
            unsigned long seed;
            if (r < 0 || parse_uint("--seed", v, 0, 4294967295ul, &seed))
                return CLI_EXIT_USAGE;
            o->seed = seed;
        } else if ((r = opt_value(argc, argv, &i, "--loss", &v)) != 0) {
            double loss; /* parsed as the link option --loss of serve and ping */
            if (r < 0 || parse_percent("--loss", v, &loss) != 0)
                return CLI_EXIT_USAGE;
            o->loss_pct = loss * 100.0;
        } else if ((r = opt_value(argc, argv, &i, "--bytes", &v)) != 0) {
            uint64_t bytes; /* 0: the connection carries no data, as send --bytes 0 */
            if (r < 0 || parse_size("--bytes", v, 0, DEMO_MAX_BYTES, &bytes) != 0)
                return CLI_EXIT_USAGE;
            o->bytes = (size_t)bytes;
        } else if ((r = opt_value(argc, argv, &i, "--congestion", &v)) != 0) {
            if (r < 0 || parse_congestion("--congestion", v) != 0)
                return CLI_EXIT_USAGE;
            o->congestion = v;
        } else if ((r = opt_value(argc, argv, &i, "--pcap", &v)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
            if (!*v)
                return cli_usage_error("--pcap: empty file name");
            o->pcap = v;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("demo: unknown option '%s' (try 'ustack demo --help')",
                                   argv[i]);
        } else {
            return cli_usage_error("demo: unexpected argument '%s' (try 'ustack demo --help')",
                                   argv[i]);
        }
    }
    return -1;
}

/* ---- building the network ---------------------------------------------------- */

void demo_mute_all(struct demo *d, bool muted)
{
    for (int h = 0; h < NHOSTS; h++) {
        d->host[h].trace.muted = muted;
        d->host[h].trace.filter = TRACE_ALL;
    }
}

static int build_host(struct demo *d, int h)
{
    struct demo_host *dh = &d->host[h];
    const struct host_spec *s = &host_specs[h];
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.seed = d->o.seed * 7919 + (uint64_t)h + 1; /* distinct per stack, fixed per seed */
    cfg.dns_hosts[0] = '\0'; /* the story never reads this machine's /etc/hosts */
    cfg.ipv6_enabled = false; /* the IPv4 story first; the IPv6 scenes turn it on */
    cfg.ipv6_ra_mtu = 1500;   /* R's Router Advertisements carry the MTU */
    if (h == HOST_A)
        cfg.dns_server = host_specs[ROUTER].nic[0].addr; /* R runs the name server */
    if (d->o.congestion)
        snprintf(cfg.tcp_congestion, sizeof(cfg.tcp_congestion), "%s", d->o.congestion);
    dh->spec = s;
    if (!(dh->st = ust_stack_new(&cfg)))
        return cli_usage_error("out of memory");
    dh->trace = (struct cli_trace){.out = d->out, .who = s->name, .muted = !d->o.trace};
    ust_stack_set_trace(dh->st, cli_trace_fn, &dh->trace);
    if (d->o.trace)
        ust_stack_set_trace_categories(dh->st, d->o.trace_cats);
    ust_stack_set_forwarding(dh->st, s->forwarding);
    if (ust_sim_add_stack(d->sim, dh->st) != UST_OK)
        return cli_usage_error("cannot add %s to the simulation", s->title);
    struct ust_sim_faults f = {0};
    f.loss = d->o.loss_pct / 100.0;
    for (int n = 0; n < s->nnics; n++) {
        const struct nic_spec *ns = &s->nic[n];
        dh->nic[n] = ust_sim_attach(d->sw[ns->lan], dh->st, ns->ifname, NULL, ns->mtu);
        if (!dh->nic[n])
            return cli_usage_error("cannot attach %s to %s", s->title, lan_names[ns->lan]);
        f.delay = lan_delay[ns->lan];
        f.jitter = lan_jitter[ns->lan];
        ust_sim_set_faults(dh->nic[n], UST_SIM_TX, &f);
        if (h == HOST_A && n == 0 && capture_open(dh->nic[n], d->o.pcap, &d->o.capture) != 0)
            return CLI_EXIT_USAGE;
        if (ust_iface_add(dh->st, dh->nic[n], ns->addr, ns->prefix_len) < 0)
            return cli_usage_error("cannot give %s its address", s->title);
    }
    if (s->gateway && ust_route_default(dh->st, s->gateway) != UST_OK)
        return cli_usage_error("cannot add the default route of %s", s->title);
    return 0;
}

static int build_network(struct demo *d)
{
    if (!(d->sim = ust_sim_new(d->o.seed)))
        return cli_usage_error("out of memory");
    for (int l = 0; l < NLANS; l++)
        if (!(d->sw[l] = ust_sim_switch_new(d->sim, lan_names[l])))
            return cli_usage_error("out of memory");
    for (int h = 0; h < NHOSTS; h++) {
        int rc = build_host(d, h);
        if (rc)
            return rc;
    }
    /* Let the gratuitous ARPs of ust_iface_add settle before the story. */
    ust_sim_run_until(d->sim, ust_sim_now(d->sim) + 100 * UST_MSEC);
    return 0;
}

static void free_network(struct demo *d)
{
    if (d->sim)
        ust_sim_free(d->sim);
    for (int h = 0; h < NHOSTS; h++)
        if (d->host[h].st)
            ust_stack_free(d->host[h].st);
    if (d->v6.c.st)
        ust_stack_free(d->v6.c.st);
}

/* ---- pinging inside the simulation ---------------------------------------- */

static void on_ping(void *ctx, const struct ust_ping_result *r)
{
    struct demo *d = ctx;
    if (r->id != d->ping.id || r->seq != d->ping.seq || d->ping.answered)
        return;
    d->ping.answered = true;
    d->ping.result = *r;
}

static bool ping_pending(void *ctx) { return !((struct demo *)ctx)->ping.answered; }

/* Sends one echo request from host A and runs the network until the answer
 * or the timeout. Returns true when something answered. */
static bool ping_once(struct demo *d, uint16_t id, uint16_t seq, ust_ip4_t dst, size_t size,
                      ust_time_t timeout)
{
    struct ust_stack *st = d->host[HOST_A].st;
    d->ping = (struct demo_ping){.id = id, .seq = seq, .sent_at = ust_sim_now(d->sim)};
    int rc = ust_ping_send(st, dst, id, seq, size, 64);
    if (rc != UST_OK) {
        fprintf(d->out, "ping: sendmsg: %s\n", ust_strerror(rc));
        return false;
    }
    return ust_sim_run_while(d->sim, ping_pending, d, ust_sim_now(d->sim) + timeout);
}

static void print_ping_line(struct demo *d)
{
    char a[16];
    const struct ust_ping_result *r = &d->ping.result;
    if (r->event != UST_PING_REPLY) {
        ust_ip4_t from = r->from ? r->from : host_specs[HOST_A].nic[0].addr;
        fprintf(d->out, "From %s icmp_seq=%u %s\n", ust_ip4_str(from, a), r->seq,
                ping_error_text(r));
        return;
    }
    fprintf(d->out, "%zu bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms%s\n", r->len + 8,
            ust_ip4_str(r->from, a), r->seq, r->ttl,
            (double)(r->at - d->ping.sent_at) / (double)UST_MSEC,
            r->payload_ok ? "" : " (wrong data)");
}

/* A story ping: retried when a lossy link eats it, so the story goes on. */
static int story_ping(struct demo *d, ust_ip4_t dst, size_t size)
{
    for (int t = 0; t < DEMO_TRIES; t++) {
        if (ping_once(d, DEMO_PING_ID, ++d->next_seq, dst, size, UST_SEC)) {
            print_ping_line(d);
            fputc('\n', d->out);
            return 0;
        }
        fprintf(d->out, "  (no answer to icmp_seq=%u within 1 s: a lossy link dropped a frame; "
                        "trying again)\n", d->ping.seq);
    }
    fprintf(d->out, "  (still no answer after %d tries; the links are very lossy)\n\n",
            DEMO_TRIES);
    return 0;
}

/* ---- the scenes ------------------------------------------------------------ */

void demo_say(struct demo *d, const char *text) { fprintf(d->out, "%s\n\n", text); }
#define say demo_say

void demo_trace_all(struct demo *d, enum cli_trace_filter f)
{
    for (int h = 0; h < NHOSTS; h++) {
        d->host[h].trace.muted = false;
        d->host[h].trace.filter = f;
    }
}

static int scene_network(struct demo *d)
{
    fprintf(d->out,
            "   host A                         router R                          host B\n"
            "   203.0.113.10/24 ---[lan1]--- 203.0.113.1 | 198.51.100.1 ---[lan2]--- "
            "198.51.100.20/24\n"
            "   gateway 203.0.113.1          forwarding on                  gateway "
            "198.51.100.1\n"
            "                    mtu 1500                       mtu 1000\n\n"
            "Each stack is a complete user-space TCP/IP stack; the switches and cables are\n"
            "simulated on a virtual clock. Every cable drops %g%% of the frames and delays them\n"
            "(lan1 %.1f ms, lan2 %.1f ms per cable, with jitter). Seed %llu: the same seed always\n"
            "gives the same run. Trace lines: virtual time, stack, layer, what it did.\n\n",
            d->o.loss_pct, (double)lan_delay[LAN1] / UST_MSEC, (double)lan_delay[LAN2] / UST_MSEC,
            (unsigned long long)d->o.seed);
    int rc = build_network(d);
    if (rc == 0) {
        ust_ping_set_handler(d->host[HOST_A].st, on_ping, d);
        if (d->o.trace)
            fputc('\n', d->out);
    }
    return rc;
}

/* A story ping with every stack's trace shown, whatever --trace says. */
static int story_ping_traced(struct demo *d, ust_ip4_t dst, size_t size)
{
    demo_mute_all(d, false);
    int rc = story_ping(d, dst, size);
    demo_mute_all(d, !d->o.trace);
    return rc;
}

static int scene_arp(struct demo *d)
{
    say(d, "A runs 'ping 203.0.113.1'. Going DOWN A's stack: ICMP builds an echo request,\n"
           "IP finds 203.0.113.1 on A's own subnet (the connected route) and adds its header,\n"
           "but Ethernet needs the router's MAC address. A's ARP cache has no entry, so the\n"
           "datagram waits in the ARP queue while A broadcasts \"who has 203.0.113.1?\".\n"
           "The router answers with its MAC; the waiting datagram leaves. Going UP the\n"
           "router's stack: Ethernet -> IP (it is for me) -> ICMP, which answers.");
    return story_ping_traced(d, host_specs[ROUTER].nic[0].addr, 56);
}

static int scene_routing(struct demo *d)
{
    say(d, "A runs 'ping 198.51.100.20'. That is not on A's subnet: the longest-prefix match\n"
           "picks the default route, next hop 203.0.113.1. The Ethernet frame goes to the\n"
           "router's MAC (already in A's ARP cache) while the IP header still names B.\n"
           "The router forwards: decrements the TTL, looks up 198.51.100.0/24 (its lan2),\n"
           "asks lan2 who has 198.51.100.20, and sends the datagram on. B answers the same\n"
           "way back; the reply arrives with ttl=63: one router on the path.");
    return story_ping_traced(d, host_specs[HOST_B].nic[0].addr, 56);
}

static int scene_fragments(struct demo *d)
{
    say(d, "A runs 'ping -s 3000 198.51.100.20': 3028 bytes of IP datagram, but lan1 carries\n"
           "at most 1500 bytes per frame. IP cuts the datagram into fragments (same ID,\n"
           "offsets in 8-byte units, More Fragments set on all but the last). lan2 carries\n"
           "only 1000 bytes, so the router cuts the first fragments again. Only B puts the\n"
           "pieces back together (reassembly), then answers with 3000 bytes of its own,\n"
           "fragmented to fit lan2; A reassembles those.");
    return story_ping_traced(d, host_specs[HOST_B].nic[0].addr, DEMO_BIG_PING);
}

static void bulk_summary(struct demo *d, unsigned sent, unsigned received, double *rtt,
                         ust_time_t elapsed)
{
    double min = 0, max = 0, sum = 0, sum2 = 0;
    for (unsigned i = 0; i < received; i++) {
        min = i == 0 || rtt[i] < min ? rtt[i] : min;
        max = rtt[i] > max ? rtt[i] : max;
        sum += rtt[i];
        sum2 += rtt[i] * rtt[i];
    }
    fprintf(d->out, "\n--- 198.51.100.20 ping statistics ---\n");
    fprintf(d->out, "%u packets transmitted, %u received, %g%% packet loss, time %llums\n", sent,
            received, (double)(sent - received) * 100.0 / sent,
            (unsigned long long)(elapsed / UST_MSEC));
    if (received) {
        double avg = sum / received, var = sum2 / received - avg * avg;
        fprintf(d->out, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", min, avg, max,
                var > 0 ? sqrt(var) : 0.0);
    }
    fputc('\n', d->out);
}

static int scene_bulk(struct demo *d)
{
    fprintf(d->out, "A runs 'ping -c %d -i 0.2 198.51.100.20'. No retries now: a request and its\n"
                    "reply cross four cables, and each cable may drop the frame.%s\n\n"
                    "PING 198.51.100.20 (198.51.100.20) 56(84) bytes of data.\n",
            DEMO_BULK_PINGS, d->o.trace ? "" : " (--trace shows\nevery frame of this part too.)");
    double rtt[DEMO_BULK_PINGS];
    unsigned received = 0;
    ust_time_t start = ust_sim_now(d->sim);
    for (int i = 0; i < DEMO_BULK_PINGS; i++) {
        ust_time_t slot_end = start + (ust_time_t)(i + 1) * 200 * UST_MSEC;
        if (ping_once(d, DEMO_BULK_ID, (uint16_t)(i + 1), host_specs[HOST_B].nic[0].addr, 56,
                      slot_end - ust_sim_now(d->sim))) {
            print_ping_line(d);
            if (d->ping.result.event == UST_PING_REPLY)
                rtt[received++] = (double)(d->ping.result.at - d->ping.sent_at) / UST_MSEC;
        }
        ust_sim_run_until(d->sim, slot_end);
    }
    bulk_summary(d, DEMO_BULK_PINGS, received, rtt, ust_sim_now(d->sim) - start);
    return 0;
}

void demo_print_counter_rows(struct demo *d, const struct demo_counter_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(d->out, "%-26s", rows[i].label);
        for (int h = 0; h < NHOSTS; h++) {
            const uint8_t *base = (const uint8_t *)ust_stack_stats(d->host[h].st);
            uint64_t v;
            memcpy(&v, base + rows[i].off, sizeof(v));
            fprintf(d->out, " %10llu", (unsigned long long)v);
        }
        fputc('\n', d->out);
    }
}

static int scene_counters(struct demo *d)
{
    static const struct demo_counter_row rows[] = {
        {"frames sent", offsetof(struct ust_stats, link.tx_frames)},
        {"frames received", offsetof(struct ust_stats, link.rx_frames)},
        {"ARP requests sent", offsetof(struct ust_stats, arp.out_requests)},
        {"ARP replies sent", offsetof(struct ust_stats, arp.out_replies)},
        {"IP datagrams received", offsetof(struct ust_stats, ip.InReceives)},
        {"IP datagrams forwarded", offsetof(struct ust_stats, ip.ForwDatagrams)},
        {"IP fragments created", offsetof(struct ust_stats, ip.FragCreates)},
        {"IP datagrams reassembled", offsetof(struct ust_stats, ip.ReasmOKs)},
        {"ICMP echo requests in", offsetof(struct ust_stats, icmp.InEchos)},
        {"ICMP echo replies in", offsetof(struct ust_stats, icmp.InEchoReps)},
        {"DNS queries sent", offsetof(struct ust_stats, dns.Queries)},
    };
    fprintf(d->out, "%-26s %10s %10s %10s\n", "", "host A", "router R", "host B");
    demo_print_counter_rows(d, rows, sizeof(rows) / sizeof(rows[0]));
    demo_tcp_counters(d);
    fprintf(d->out, "%-26s", "frames the cables lost");
    for (int h = 0; h < NHOSTS; h++) {
        uint64_t lost = 0;
        for (int n = 0; n < d->host[h].spec->nnics; n++) {
            struct ust_sim_link_stats ls;
            if (ust_sim_get_link_stats(d->host[h].nic[n], UST_SIM_TX, &ls) == UST_OK)
                lost += ls.lost;
        }
        fprintf(d->out, " %10llu", (unsigned long long)lost);
    }
    fprintf(d->out, "\n(each stack's own counters; the last row is what its cables dropped on "
                    "the way out)\n\n");
    return 0;
}

static const struct demo_scene scenes[] = {
    {"the network", scene_network},
    {"host A asks who has 203.0.113.1 (ARP)", scene_arp},
    {"host A pings host B on another network (routing)", scene_routing},
    {"a big ping is fragmented and reassembled", scene_fragments},
    {"a series of pings over lossy links", scene_bulk},
    {"A asks for the web server's address by name (DNS)", scene_dns},
    {"A opens a TCP connection to B (three-way handshake)", scene_tcp_open},
    {"A sends a stream of bytes to B (TCP data transfer)", scene_tcp_transfer},
    {"A and B close the connection (four-way close)", scene_tcp_close},
    {"what each stack counted", scene_counters},
};

/* After the IPv4 story (whose output and capture they leave as they were). */
static const struct demo_scene scenes6[] = {
    {"IPv6: link-local addresses, DAD, a router advertisement, SLAAC", scene_ipv6_autoconf},
    {"IPv6: ping6 through the router to host C on another prefix", scene_ipv6_ping},
    {"IPv6: a TCP connection from A to C", scene_ipv6_tcp},
    {"what IPv6 counted", scene_ipv6_counters},
};

/* The capture file must be writable before the story starts: a bad
 * --pcap (or an unwritable directory for the default one) is one error
 * line, not fourteen lines of story and then a failure. Creating it here
 * (not truncating: ust_dev_pcap_open does that) proves it can be written.
 * With --pcap - the capture is standard output. */
static int check_capture(const struct demo_opts *o, bool defaulted)
{
    if (!strcmp(o->pcap, "-"))
        return -1;
    FILE *f = fopen(o->pcap, "ab");
    if (!f)
        return cli_usage_error("%s: %s%s", o->pcap, strerror(errno),
                               defaulted ? " (--pcap FILE writes the capture elsewhere)" : "");
    fclose(f);
    return -1;
}

int cmd_demo(int argc, char **argv)
{
    struct demo d;
    memset(&d, 0, sizeof(d));
    d.tcp.listen_fd = d.tcp.client_fd = d.tcp.server_fd = -1;
    int rc = demo_parse(argc, argv, &d.o);
    if (rc >= 0)
        return rc;
    if ((rc = check_capture(&d.o, d.o.pcap == demo_default_pcap)) >= 0)
        return rc;
    /* --pcap -: the capture owns standard output, the story goes to stderr */
    d.out = strcmp(d.o.pcap, "-") ? stdout : stderr;
    fprintf(d.out, "ustack demo: how a packet travels through a TCP/IP stack (seed %llu, "
                   "loss %g%%)\n\n",
            (unsigned long long)d.o.seed, d.o.loss_pct);
    /* Scene 0 builds the network; every later scene runs on it. */
    size_t n4 = sizeof(scenes) / sizeof(scenes[0]), n6 = sizeof(scenes6) / sizeof(scenes6[0]);
    for (size_t i = 0; rc < 0 && i < n4 + (d.o.no_ipv6 ? 0 : n6); i++) {
        const struct demo_scene *sc = i < n4 ? &scenes[i] : &scenes6[i - n4];
        fprintf(d.out, "== %zu. %s ==\n\n", i, sc->title);
        int src = sc->run(&d);
        fflush(d.out);
        if (src != 0)
            rc = src;
    }
    if (rc < 0) {
        if (!strcmp(d.o.pcap, "-"))
            fprintf(d.out, "Capture of host A's NIC (virtual timestamps) written to standard "
                           "output\n");
        else
            fprintf(d.out, "Capture of host A's NIC (virtual timestamps) written to %s\n"
                           "  (read it with: tshark -r %s   or wireshark)\n",
                    d.o.pcap, d.o.pcap);
        rc = CLI_EXIT_OK;
    }
    free_network(&d);
    return rc;
}
