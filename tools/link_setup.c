/* A stack on a real TAP device, set up from the link options; the trace
 * sink. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"

void cli_trace_fn(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    struct cli_trace *t = ctx;
    if (t->muted)
        return;
    if (t->filter != TRACE_ALL && strcmp(layer, "tcp") != 0)
        return;
    if (t->filter == TRACE_TCP_EVENTS && !strstr(msg, " -> ") && !strstr(msg, "retransmi") &&
        !strstr(msg, "loss probe") && !strstr(msg, "gave up"))
        return;
    ust_time_t rel = now >= t->t0 ? now - t->t0 : 0;
    fprintf(t->out, "  +%llu.%06llu %s%s%-5s %s\n", (unsigned long long)(rel / UST_SEC),
            (unsigned long long)(rel % UST_SEC / UST_USEC), t->who ? t->who : "",
            t->who ? " " : "", layer, msg);
}

/* One queue of a multi-queue device (serve --queues N); the queues after
 * the first take its MAC: every stack is the same host to Linux. */
static int open_queue(const struct link_opts *o, struct link_ctx *c)
{
    const struct ust_mac *mac = o->queue.index ? &o->queue.mac : NULL;
    return o->tun ? ust_dev_tun_open_queue(c->st, o->tap, o->mtu, &c->dev)
                  : ust_dev_tap_open_queue(c->st, o->tap, o->mtu, mac, &c->dev);
}

/* Opens the TAP (or TUN) device; on failure says why in one line. */
static int open_tap(const struct link_opts *o, struct link_ctx *c)
{
    int err = o->queue.count > 1 ? open_queue(o, c)
              : o->tun           ? ust_dev_tun_open(c->st, o->tap, o->mtu, &c->dev)
                                 : ust_dev_tap_open(c->st, o->tap, o->mtu, &c->dev);
    if (err == UST_OK) {
        int rc = ust_dev_tap_set_tx(c->dev, o->tap_tx);
        if (rc != UST_OK)
            return cli_usage_error("--tap-tx: the kernel refuses io_uring here (%s); "
                                   "use --tap-tx write", ust_strerror(rc));
        return 0;
    }
    const char *kind = o->tun ? "TUN" : "TAP", *opt = o->tun ? "--tun" : "--tap";
    if (err == UST_ERR_QUEUEMODE && o->queue.count > 1)
        return cli_usage_error("%s %s: %s is a single-queue %s device; --queues needs a "
                               "multi-queue one (ip tuntap add %s mode %s multi_queue) or none",
                               opt, o->tap, o->tap, kind, o->tap, o->tun ? "tun" : "tap");
    if (err == UST_ERR_QUEUEMODE)
        return cli_usage_error("%s %s: %s is a multi-queue %s device: serve it with "
                               "'ustack serve --queues N'", opt, o->tap, o->tap, kind);
    return o->tun ? cli_dev_open_error("--tun", "TUN", o->tap, err)
                  : cli_dev_open_error("--tap", "TAP", o->tap, err);
}

/* The fault injector on the chosen directions, seeded for a repeatable run. */
static int attach_faults(const struct link_opts *o, struct link_ctx *c)
{
    int rc = ust_dev_faults_seed(c->dev, o->fault_seed);
    for (int d = UST_DEV_TX; rc == UST_OK && d <= UST_DEV_RX; d++)
        if (o->fault_dirs & (1u << d))
            rc = ust_dev_faults_set(c->dev, (enum ust_dev_dir)d, &o->faults);
    if (rc != UST_OK)
        return cli_usage_error("cannot attach the fault injector: %s", ust_strerror(rc));
    const struct ust_dev_faults *f = &o->faults;
    fprintf(c->out, "faults on %s: loss %g%%, delay %gms, jitter %gms, reorder %g%%, dup %g%%, "
                    "corrupt %g%% (seed %llu)\n",
            o->fault_dirs == 3 ? "tx and rx" : o->fault_dirs & 1 ? "tx" : "rx", f->loss * 100,
            (double)f->delay / UST_MSEC, (double)f->jitter / UST_MSEC, f->reorder * 100,
            f->duplicate * 100, f->corrupt * 100, (unsigned long long)o->fault_seed);
    return 0;
}

/* Everything after the device exists: Linux side, capture, address,
 * gateway, shaper, fault injector. */
/* The IPv6 addresses and default router of the options (the link-local
 * address came with the interface). */
static int configure_ipv6(const struct link_opts *o, struct link_ctx *c)
{
    char a[UST_IP6_STRLEN];
    int rc, ifindex = ust_iface_count(c->st) - 1;
    for (int k = 0; k < o->naddr6; k++)
        if ((rc = ust_iface_add_addr6(c->st, ifindex, o->addr6[k], o->addr6_len[k])) != UST_OK)
            return cli_usage_error("--addr %s/%d: cannot add the address: %s",
                                   ust_ip6_str(o->addr6[k], a), o->addr6_len[k],
                                   ust_strerror(rc));
    static const uint8_t any[16];
    if (o->have_gateway6 && (rc = ust_route_add6(c->st, any, 0, o->gateway6, ifindex)) != UST_OK)
        return cli_usage_error("--gateway6 %s: cannot add the route: %s",
                               ust_ip6_str(o->gateway6, a), ust_strerror(rc));
    return 0;
}

static int configure(const struct link_opts *o, struct link_ctx *c)
{
    char a[16], b[16];
    int rc;
    /* The Linux side first: writes to a TAP whose interface is down fail,
     * and the gratuitous ARP sent by ust_iface_add should reach Linux. */
    if (o->have_host_addr && o->queue.index == 0 &&
        (rc = ust_dev_host_config(o->tap, o->host_addr, o->host_prefix_len, o->mtu)) != UST_OK)
        return cli_usage_error("--host-addr %s/%d: cannot configure %s on the Linux side: %s",
                               ust_ip4_str(o->host_addr, a), o->host_prefix_len, o->tap,
                               ust_strerror(rc));
    if (o->pcap && (rc = capture_open(c->dev, o->pcap, &o->capture)) != 0)
        return rc;
    if (o->dhcp && (rc = link_dhcp_start(c, o)) != 0)
        return rc;
    if (!o->dhcp && (rc = ust_iface_add(c->st, c->dev, o->addr, o->prefix_len)) < 0)
        return cli_usage_error("--addr %s/%d: cannot add the address: %s",
                               ust_ip4_str(o->addr, a), o->prefix_len, ust_strerror(rc));
    if (o->have_gateway && (rc = ust_route_default(c->st, o->gateway)) != UST_OK)
        return cli_usage_error("--gateway %s: not reachable on %s/%d: %s",
                               ust_ip4_str(o->gateway, a), ust_ip4_str(o->addr, b), o->prefix_len,
                               ust_strerror(rc));
    if ((rc = configure_ipv6(o, c)) != 0)
        return rc;
    if (o->have_shape &&
        (rc = ust_dev_shaper_attach(c->dev, o->shape_rate_bps, o->shape_burst,
                                    o->shape_burst * 4)) != UST_OK)
        return cli_usage_error("--shape: cannot attach the shaper: %s", ust_strerror(rc));
    return o->have_faults ? attach_faults(o, c) : 0;
}

/* The control socket for `ustack netstat`. An explicit --ctl that cannot
 * be created is an error; the default one (needs /run writable) only
 * warrants a warning: the stack works without it. */
static int open_ctl(const struct link_opts *o, struct link_ctx *c)
{
    if (ctl_open(&c->ctl, o->ctl, &o->queue, c->st, c->loop) == 0)
        return 0;
    if (o->ctl)
        return cli_usage_error("--ctl %s: cannot create the control socket: %s", o->ctl,
                               strerror(errno));
    fprintf(stderr, "ustack: warning: no control socket in %s (%s): 'ustack netstat' will not "
                    "see this instance\n", CTL_DIR, strerror(errno));
    return 0;
}

/* --dns, else resolv.conf's first IPv4 nameserver, else its first IPv6
 * one (the resolver asks the IPv6 one only without an IPv4 one). */
static void set_dns_servers(const struct link_opts *o, struct ust_config *cfg)
{
    struct ust_addr a;
    if (o->dns_zoned) { /* "fe80::1%tap0", checked by link_opts_check */
        if (cli_addr_parse_zone(o, o->dns_zoned, &a) != 0)
            return;
    } else if (o->have_dns)
        a = o->dns;
    else if (resolv_conf_nameserver("/etc/resolv.conf", UST_AF_INET, &a) != UST_OK &&
             resolv_conf_nameserver("/etc/resolv.conf", UST_AF_INET6, &a) != UST_OK)
        return;
    if (a.family == UST_AF_INET) {
        cfg->dns_server = a.u.v4;
    } else {
        memcpy(cfg->dns_server6, a.u.v6, 16);
        cfg->dns_server6_scope = a.scope_id;
    }
}

int link_open(const struct link_opts *o, struct link_ctx *c)
{
    memset(c, 0, sizeof(*c));
    c->ctl.fd = -1;
    /* On a real network the stack's PRNG (MAC address, IP IDs, ephemeral
     * ports, TCP sequence numbers) must differ from run to run and from
     * instance to instance: seed it from the kernel. */
    struct ust_config cfg;
    ust_config_default(&cfg);
    if (getrandom(&cfg.seed, sizeof(cfg.seed), 0) != (ssize_t)sizeof(cfg.seed))
        return cli_usage_error("cannot read random bytes for the stack's seed");
    if (o->ecn >= 0)
        cfg.tcp_ecn = (unsigned)o->ecn;
    if (o->congestion)
        snprintf(cfg.tcp_congestion, sizeof(cfg.tcp_congestion), "%s", o->congestion);
    cfg.ip_accept_source_route = o->accept_source_route;
    cfg.ipv6_enabled = !o->no_ipv6;
    cfg.ipv6_temp_addrs = o->temp_addr;
    if (o->dad_transmits >= 0) /* every interface's, so the link-local's first DAD too */
        cfg.ipv6_dad_transmits = (unsigned)o->dad_transmits;
    if (o->stable_secret) /* checked by link_opts */
        cfg.ipv6_stable_secret_set = stable_secret_parse(o->stable_secret,
                                                         cfg.ipv6_stable_secret) == 0;
    if (o->stable_secret_file) {
        int rc = stable_secret_file(o->stable_secret_file, cfg.ipv6_stable_secret);
        if (rc != 0)
            return rc;
        cfg.ipv6_stable_secret_set = true;
    }
    if (o->queue.count > 1) { /* the reply to the first copy may reach another queue */
        cfg.arp_request_copies = 2;
        cfg.nd_solicit_copies = 2;
    }
    if (o->tap_rx_batch >= 0)
        cfg.tap_rx_batch = (unsigned)o->tap_rx_batch;
    if (o->tap_sqpoll >= 0)
        cfg.tap_tx_sqpoll = o->tap_sqpoll != 0;
    if (o->tap_napi >= 0)
        cfg.tap_napi = o->tap_napi != 0;
    if (o->busy_poll_us >= 0) { /* a fixed window, or none at all (0: off) */
        cfg.busy_poll_us = (unsigned)o->busy_poll_us;
        cfg.busy_poll_auto_us = 0;
    }
    cfg.dev_offload = !o->no_offload;
    cfg.dev_offload_tso = !o->offload_csum;
    if (o->sndbuf) /* a maximum at the initial size: no growth */
        cfg.tcp_sndbuf = cfg.tcp_wmem_max = (size_t)o->sndbuf;
    if (o->rcvbuf)
        cfg.tcp_rcvbuf = cfg.tcp_rmem_max = (size_t)o->rcvbuf;
    set_dns_servers(o, &cfg);
    if (o->hosts)
        snprintf(cfg.dns_hosts, sizeof(cfg.dns_hosts), "%s", o->hosts);
    c->st = ust_stack_new(&cfg);
    if (!c->st)
        return cli_usage_error("out of memory");
    c->out = (o->pcap && !strcmp(o->pcap, "-")) || o->notes_to_stderr ? stderr : stdout;
    c->trace.out = stderr;
    c->trace.t0 = ust_clock_monotonic();
    c->trace.who = o->queue.count > 1 ? o->queue.who : NULL;
    if (o->trace) {
        ust_stack_set_trace(c->st, cli_trace_fn, &c->trace);
        ust_stack_set_trace_categories(c->st, o->trace_cats);
    }
    int rc = open_tap(o, c);
    /* The loop installs the monotonic clock: create it before anything is
     * sent, so that the first frames (gratuitous ARP) carry real times. */
    if (rc == 0 && !(c->loop = ust_loop_new(c->st)))
        rc = cli_usage_error("cannot create the event loop");
    if (rc == 0) {
        /* ust_iface_add stamps its gratuitous ARP with the stack's last
         * known time: bring that up to date first. */
        (void)ust_stack_now(c->st);
        rc = configure(o, c);
    }
    if (rc == 0 && !o->no_ctl)
        rc = open_ctl(o, c);
    if (rc != 0)
        link_close(c);
    return rc;
}

void link_close(struct link_ctx *c)
{
    link_dhcp_stop(c);
    ctl_close(&c->ctl);
    if (c->loop)
        ust_loop_free(c->loop);
    if (c->st)
        ust_stack_free(c->st);
    memset(c, 0, sizeof(*c));
    c->ctl.fd = -1;
}

bool link_lost(struct link_ctx *c)
{
    int e = c->dev ? ust_dev_failed(c->dev) : 0;
    if (!e)
        return false;
    if (!c->lost_reported)
        fprintf(stderr, "ustack: %s: device lost: %s\n", ust_dev_name(c->dev), strerror(e));
    c->lost_reported = true;
    return true;
}

/* IPv6 addresses are tentative until Duplicate Address Detection is over
 * (RFC 4862 5.4: up to 1 s of delay and 1 s of waiting): the first request
 * waits for a usable source, 5 s at most (ping's first request, get's
 * connection to an IPv6 address). */
void link_wait_dad(struct link_ctx *c, const struct cli_signals *sig)
{
    ust_time_t until = ust_stack_now(c->st) + 5 * UST_SEC;
    while (!(sig && sig->caught) && ust_stack_now(c->st) < until && !link_lost(c)) {
        struct ust_addr6_info a[UST_MAX_ADDRS6];
        int n = ust_iface_addrs6(c->st, 0, a, UST_MAX_ADDRS6);
        bool tentative = false;
        for (int k = 0; k < n; k++)
            tentative |= a[k].state == UST_ADDR6_TENTATIVE;
        if (!tentative)
            return;
        ust_loop_run_once(c->loop, 50 * UST_MSEC);
    }
}
