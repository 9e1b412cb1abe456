/* The IPv6 part of `ustack demo` (issue #13), after the IPv4 story: IPv6
 * is turned on in host A and router R (ust_iface_enable_ipv6), R gets a
 * third network, lan3, with host C (IPv6 only). A and R form RFC 7217
 * link-local addresses and check them with DAD; R advertises
 * 2001:db8:1::/64 on lan1 and 2001:db8:3::/64 on lan3 (ust_ra_advertise);
 * A and C form their addresses by SLAAC. A pings C through R (R forwards
 * IPv6), then opens a TCP connection to C over IPv6. lan2 (MTU 1000) stays
 * IPv4-only: IPv6 needs 1280 (RFC 8200 5). The IPv4 scenes before are
 * untouched: their output and capture do not change. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"

#define V6_DEADLINE (120 * UST_SEC) /* virtual time a phase may take */
#define V6_LAN3_DELAY (500 * UST_USEC)
#define V6_LAN3_JITTER (100 * UST_USEC)

static const struct host_spec c_spec = {"C", "host C", {{0, "eth0", 0, 0, 1500}}, 1, 0, false};

static struct ust_stack *st_a(struct demo *d) { return d->host[HOST_A].st; }
static struct ust_stack *st_r(struct demo *d) { return d->host[ROUTER].st; }

static void trace_v6(struct demo *d, bool on, enum cli_trace_filter f)
{
    demo_mute_all(d, !on);
    demo_trace_all(d, f);
    if (!on)
        demo_mute_all(d, true);
    if (d->v6.c.st) {
        d->v6.c.trace.muted = !on;
        d->v6.c.trace.filter = f;
    }
}

/* The stack's preferred SLAAC address on ifindex 0, if it has one. */
static bool slaac_addr(struct ust_stack *st, uint8_t out[16])
{
    struct ust_addr6_info a[8];
    int n = ust_iface_addrs6(st, 0, a, 8);
    for (int i = 0; i < n; i++)
        if (a[i].origin == UST_ADDR6_AUTOCONF && a[i].state == UST_ADDR6_PREFERRED) {
            memcpy(out, a[i].addr, 16);
            return true;
        }
    return false;
}

static bool not_configured(void *ctx)
{
    struct demo *d = ctx;
    return !slaac_addr(st_a(d), d->v6.a_addr) || !slaac_addr(d->v6.c.st, d->v6.c_addr);
}

/* Host C on lan3, and R's third network card there. */
static int build_lan3(struct demo *d)
{
    struct ust_sim_faults f = {.loss = d->o.loss_pct / 100.0, .delay = V6_LAN3_DELAY,
                               .jitter = V6_LAN3_JITTER};
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.seed = d->o.seed * 7919 + NHOSTS + 1;
    cfg.dns_hosts[0] = '\0';
    struct demo_host *c = &d->v6.c;
    c->spec = &c_spec;
    if (!(d->v6.lan3 = ust_sim_switch_new(d->sim, "lan3")) || !(c->st = ust_stack_new(&cfg)))
        return cli_usage_error("out of memory");
    c->trace = (struct cli_trace){.out = d->out, .who = "C", .muted = true};
    ust_stack_set_trace(c->st, cli_trace_fn, &c->trace);
    if (d->o.trace)
        ust_stack_set_trace_categories(c->st, d->o.trace_cats);
    if (ust_sim_add_stack(d->sim, c->st) != UST_OK ||
        !(c->nic[0] = ust_sim_attach(d->v6.lan3, c->st, "eth0", NULL, 1500)) ||
        !(d->v6.r_lan3 = ust_sim_attach(d->v6.lan3, st_r(d), "eth2", NULL, 1500)))
        return cli_usage_error("cannot build lan3");
    ust_sim_set_faults(c->nic[0], UST_SIM_TX, &f);
    ust_sim_set_faults(d->v6.r_lan3, UST_SIM_TX, &f);
    if (ust_iface_add(c->st, c->nic[0], 0, 0) < 0 || ust_iface_add(st_r(d), d->v6.r_lan3, 0, 0) < 0)
        return cli_usage_error("cannot bring lan3 up");
    return 0;
}

/* R: IPv6 on, 2001:db8:N::1/64, advertising the prefix (L=1, A=1). */
static int router_on(struct demo *d, int ifindex, uint8_t subnet)
{
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, subnet, [15] = 1};
    struct ust_ra_prefix p = {.prefix = {0x20, 0x01, 0x0d, 0xb8, 0, subnet}, .prefix_len = 64,
                              .on_link = true, .autonomous = true, .valid_lft = 86400,
                              .preferred_lft = 14400};
    int rc = ust_iface_enable_ipv6(st_r(d), ifindex);
    if (rc == 0)
        rc = ust_iface_add_addr6(st_r(d), ifindex, a, 64);
    if (rc == 0)
        rc = ust_ra_advertise(st_r(d), ifindex, &p, 1);
    return rc == 0 ? 0 : cli_usage_error("demo: IPv6 on R: %s", ust_strerror(rc));
}

static void print_addrs(struct demo *d, struct ust_stack *st, const char *who)
{
    static const char *const states[] = {"tentative", "preferred", "deprecated", "duplicated"};
    static const char *const origins[] = {"link-local (RFC 7217)", "static", "SLAAC"};
    struct ust_addr6_info a[8];
    int n = ust_iface_addrs6(st, 0, a, 8);
    fprintf(d->out, "%s$ ip -6 addr show eth0\n", who);
    for (int i = 0; i < n; i++) {
        char s[UST_IP6_STRLEN], lft[64] = "forever";
        if (a[i].valid_lft != UINT32_MAX)
            snprintf(lft, sizeof(lft), "valid %us preferred %us", a[i].valid_lft,
                     a[i].preferred_lft);
        fprintf(d->out, "    inet6 %s/%d %s, %s, %s\n", ust_ip6_str(a[i].addr, s),
                a[i].prefix_len, origins[a[i].origin], states[a[i].state], lft);
    }
    fputc('\n', d->out);
}

int scene_ipv6_autoconf(struct demo *d)
{
    demo_say(d, "IPv6 is turned on in A and R (and a third network, lan3, joins R to host C,\n"
                "which speaks only IPv6). Each interface first makes its own link-local\n"
                "address, fe80:: plus 64 bits that RFC 7217 derives from a secret and the\n"
                "interface: stable, but not the MAC address for the world to track. Before\n"
                "using it, Duplicate Address Detection asks \"does anyone have it?\" (a\n"
                "Neighbor Solicitation from ::) and waits a second. A asks for routers (Router\n"
                "Solicitation to ff02::2); R answers with a Router Advertisement to ff02::1:\n"
                "\"I am a default router for 1800 s, hop limit 64, MTU 1500, prefix\n"
                "2001:db8:1::/64 is on this link and you may form addresses in it\". A makes\n"
                "its own address in that prefix (SLAAC), checks it with DAD, and uses it.\n"
                "MLD reports tell the routers which multicast groups (the solicited-node\n"
                "groups ND uses) A listens to. R's lan2 card stays IPv4-only: its MTU of 1000\n"
                "is below the 1280 bytes IPv6 requires (RFC 8200 5).");
    /* What is due at this instant belongs to the IPv4 story (its capture
     * ends the same with or without these scenes). */
    ust_sim_run_until(d->sim, ust_sim_now(d->sim));
    int rc = build_lan3(d);
    if (rc)
        return rc;
    trace_v6(d, true, TRACE_ALL);
    d->v6.c.trace.muted = true; /* C does the same on lan3, unshown */
    if ((rc = router_on(d, 0, 1)) || (rc = router_on(d, 2, 3)))
        return rc;
    if (ust_iface_enable_ipv6(st_a(d), 0) != 0) /* C was made with IPv6 on */
        return cli_usage_error("demo: cannot turn IPv6 on");
    int lan2 = ust_iface_enable_ipv6(st_r(d), 1);
    ust_time_t start = ust_sim_now(d->sim);
    bool ok = ust_sim_run_while(d->sim, not_configured, d, start + V6_DEADLINE);
    trace_v6(d, d->o.trace, TRACE_ALL);
    fprintf(d->out, "\nR's eth1 (lan2, mtu 1000): %s.\n", lan2 == 0 ? "IPv6 on" : ust_strerror(lan2));
    if (!ok) {
        fprintf(d->out, "(no SLAAC address after %.0f s: the links are very lossy)\n\n",
                (double)V6_DEADLINE / UST_SEC);
        return 0;
    }
    d->v6.ready = true;
    fprintf(d->out, "A and C have their addresses after %.3f s of virtual time.\n\n",
            (double)(ust_sim_now(d->sim) - start) / UST_SEC);
    print_addrs(d, st_a(d), "host A");
    print_addrs(d, d->v6.c.st, "host C");
    return 0;
}

/* ---- ping6 ---------------------------------------------------------------------- */

static void on_ping6(void *ctx, const struct ust_ping_result *r)
{
    struct demo *d = ctx;
    if (r->id != d->ping.id || r->seq != d->ping.seq || d->ping.answered || !r->ipv6)
        return;
    d->ping.answered = true;
    d->ping.result = *r;
}

static bool ping6_pending(void *ctx) { return !((struct demo *)ctx)->ping.answered; }

int scene_ipv6_ping(struct demo *d)
{
    if (!d->v6.ready) {
        demo_say(d, "(skipped: no IPv6 addresses)");
        return 0;
    }
    char c[UST_IP6_STRLEN];
    ust_ip6_str(d->v6.c_addr, c);
    fprintf(d->out, "A runs 'ping6 %s'.\n"
                    "C's prefix, 2001:db8:3::/64, is not on lan1 (the RA listed only\n"
                    "2001:db8:1::/64), so A sends to its default router R, whose link-layer\n"
                    "address the RA carried. R forwards: the hop limit goes down by one, and R\n"
                    "asks lan3 who has C's address (Neighbor Solicitation to C's solicited-node\n"
                    "group, the IPv6 ARP). Routers never fragment IPv6: a packet too big for the\n"
                    "next link is answered with Packet Too Big instead.\n\n",
            c);
    ust_ping_set_handler(st_a(d), on_ping6, d);
    trace_v6(d, true, TRACE_ALL);
    bool answered = false;
    for (int t = 0; t < DEMO_TRIES && !answered; t++) {
        d->ping = (struct demo_ping){.id = DEMO_PING_ID, .seq = (uint16_t)(t + 1),
                                     .sent_at = ust_sim_now(d->sim)};
        if (ust_ping6_send(st_a(d), d->v6.c_addr, -1, DEMO_PING_ID, d->ping.seq, 56, -1) != 0)
            break;
        answered = ust_sim_run_while(d->sim, ping6_pending, d, ust_sim_now(d->sim) + UST_SEC);
        if (!answered)
            fprintf(d->out, "  (no answer to icmp_seq=%u within 1 s: a lossy link dropped a "
                            "frame; trying again)\n", d->ping.seq);
    }
    trace_v6(d, d->o.trace, TRACE_ALL);
    const struct ust_ping_result *r = &d->ping.result;
    if (answered && r->event == UST_PING_REPLY)
        fprintf(d->out, "%zu bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms\n\n", r->len + 8, c,
                r->seq, r->ttl, (double)(r->at - d->ping.sent_at) / (double)UST_MSEC);
    else
        fprintf(d->out, "(no answer: the links are very lossy)\n\n");
    return 0;
}

/* ---- what IPv6 counted ---------------------------------------------------------- */

int scene_ipv6_counters(struct demo *d)
{
    if (!d->v6.c.st)
        return 0;
    static const struct demo_counter_row rows[] = {
        {"IPv6 packets received", offsetof(struct ust_stats, ip6.Ip6InReceives)},
        {"IPv6 packets forwarded", offsetof(struct ust_stats, ip6.Ip6OutForwDatagrams)},
        {"Neighbor Solicitations", offsetof(struct ust_stats, icmp6.Icmp6OutNeighborSolicits)},
        {"Neighbor Advertisements", offsetof(struct ust_stats, icmp6.Icmp6OutNeighborAdvertisements)},
        {"Router Solicitations", offsetof(struct ust_stats, addrconf.RsSent)},
        {"Router Advertisements", offsetof(struct ust_stats, ra.OutRAs)},
        {"SLAAC addresses formed", offsetof(struct ust_stats, addrconf.AddrsCreated)},
        {"MLDv2 reports sent", offsetof(struct ust_stats, mld6.OutV2Reports)},
        {"ICMPv6 echo replies in", offsetof(struct ust_stats, icmp6.Icmp6InEchoReplies)},
    };
    struct ust_stack *sts[3] = {st_a(d), st_r(d), d->v6.c.st};
    fprintf(d->out, "%-26s %10s %10s %10s\n", "(sent unless it says in)", "host A", "router R",
            "host C");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        fprintf(d->out, "%-26s", rows[i].label);
        for (int h = 0; h < 3; h++) {
            uint64_t v;
            memcpy(&v, (const uint8_t *)ust_stack_stats(sts[h]) + rows[i].off, sizeof(v));
            fprintf(d->out, " %10llu", (unsigned long long)v);
        }
        fputc('\n', d->out);
    }
    fputc('\n', d->out);
    return 0;
}
