/* Option parsing shared by the subcommands: one-line usage errors, numeric
 * values, rates and sizes, and the link options (--tap, --addr, ...). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("ustack: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_USAGE;
}

int opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    bool is_long = name[1] == '-';
    if (arg[n] == '=' && is_long) { /* --mtu=1400 */
        *val = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0' && !is_long) { /* -c5 */
        *val = arg + n;
        return 1;
    }
    if (arg[n] != '\0')
        return 0; /* --mtux is some other option */
    if (*i + 1 >= argc) {
        cli_usage_error("%s: missing value", name);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}

int parse_congestion(const char *opt, const char *name)
{
    static const char *const names[] = {"newreno", "cubic", "bbr", "bbr1"};
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        if (!strcmp(name, names[k]))
            return 0;
    cli_usage_error("%s: '%s' is not newreno, cubic, bbr or bbr1", opt, name);
    return -1;
}

/* A decimal number from lo to hi, digits only, into *out; no message. */
static bool scan_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int parse_uint(const char *opt, const char *s, unsigned long lo, unsigned long hi,
               unsigned long *out)
{
    if (scan_uint(s, lo, hi, out))
        return 0;
    cli_usage_error("%s: '%s' is not a number from %lu to %lu", opt, s, lo, hi);
    return -1;
}

int parse_seconds(const char *opt, const char *s, double lo, double hi, ust_time_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v) || v < lo || v > hi) {
        cli_usage_error("%s: '%s' is not a number of seconds from %g to %g", opt, s, lo, hi);
        return -1;
    }
    *out = (ust_time_t)llround(v * (double)UST_SEC);
    return 0;
}

/* Splits "<number><suffix>" and returns the suffix's multiplier, 0 if the
 * suffix is not in the table. */
struct unit {
    const char *suffix;
    uint64_t mult;
};

static uint64_t scaled(const char *s, const struct unit *units, uint64_t *num)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return 0;
    for (const struct unit *u = units; u->suffix; u++)
        if (!strcmp(end, u->suffix)) {
            if (v == 0 || v > UINT64_MAX / u->mult)
                return 0;
            *num = v;
            return u->mult;
        }
    return 0;
}

int parse_rate(const char *s, uint64_t *bps)
{
    static const struct unit units[] = {
        {"", 1}, {"bit", 1}, {"kbit", 1000}, {"mbit", 1000000}, {"gbit", 1000000000},
        {"k", 1000}, {"m", 1000000}, {"g", 1000000000}, {NULL, 0},
    };
    uint64_t v = 0, mult = scaled(s, units, &v);
    if (!mult)
        return -1;
    *bps = v * mult;
    return 0;
}

int parse_percent(const char *opt, const char *s, double *prob)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !(v >= 0 && v <= 100))
        return cli_usage_error("%s: '%s' is not a percentage from 0 to 100", opt, s), -1;
    *prob = v / 100.0;
    return 0;
}

int parse_duration(const char *opt, const char *s, ust_time_t *out)
{
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    bool ok = end != s && !errno && isfinite(v) && v >= 0 && *s >= '0' && *s <= '9';
    double mult = *end == '\0' && v == 0 ? 1 : 0; /* "0" needs no unit */
    for (size_t k = 0; ok && !mult && k < sizeof(units) / sizeof(units[0]); k++)
        if (!strcmp(end, units[k].suffix))
            mult = units[k].mult;
    if (!ok || !mult || v * mult > 60e9)
        return cli_usage_error("%s: '%s' is not a time up to 60 s (e.g. 20ms, 500us, 1.5s)",
                               opt, s), -1;
    *out = (ust_time_t)llround(v * mult);
    return 0;
}

void link_opts_init(struct link_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->mtu = 1500;
    o->ecn = -1;
    o->tap_rx_batch = -1;
    o->dhcp_wait_s = LINK_DHCP_WAIT_DEFAULT_S;
    o->tap_sqpoll = -1;
    o->tap_napi = -1;
    o->busy_poll_us = -1;
    o->dad_transmits = -1;
    o->fault_dirs = 1u << UST_DEV_TX;
    o->fault_seed = 1;
}

/* A fault option's value parsed (parse_rc 0): 1, the injector is on; or
 * -1 after the usage error it printed. */
static int fault_on(struct link_opts *o, int parse_rc)
{
    if (parse_rc != 0)
        return -1;
    o->have_faults = true;
    return 1;
}

/* The fault injector's options. 1 consumed, 0 not ours, -1 error. */
static int parse_fault_opt(struct link_opts *o, int argc, char **argv, int *i)
{
    static const char *const pct_opts[] = {"--loss", "--reorder", "--dup", "--corrupt"};
    double *const pct_vals[] = {&o->faults.loss, &o->faults.reorder, &o->faults.duplicate,
                                &o->faults.corrupt};
    const char *v;
    int r;
    for (size_t k = 0; k < 4; k++)
        if ((r = opt_value(argc, argv, i, pct_opts[k], &v)) != 0)
            return r < 0 ? -1 : fault_on(o, parse_percent(pct_opts[k], v, pct_vals[k]));
    if ((r = opt_value(argc, argv, i, "--delay", &v)) != 0)
        return r < 0 ? -1 : fault_on(o, parse_duration("--delay", v, &o->faults.delay));
    if ((r = opt_value(argc, argv, i, "--jitter", &v)) != 0)
        return r < 0 ? -1 : fault_on(o, parse_duration("--jitter", v, &o->faults.jitter));
    if ((r = opt_value(argc, argv, i, "--fault-seed", &v)) != 0) {
        unsigned long seed;
        if (r < 0 || parse_uint("--fault-seed", v, 0, 4294967295ul, &seed))
            return -1;
        o->fault_seed = seed;
        return 1;
    }
    if ((r = opt_value(argc, argv, i, "--faults", &v)) != 0) {
        if (r < 0)
            return -1;
        const unsigned tx = 1u << UST_DEV_TX, rx = 1u << UST_DEV_RX;
        unsigned dirs = !strcmp(v, "tx")     ? tx
                        : !strcmp(v, "rx")   ? rx
                        : !strcmp(v, "both") ? tx | rx
                                             : 0;
        if (!dirs)
            return cli_usage_error("--faults: '%s' is not tx, rx or both", v), -1;
        o->fault_dirs = dirs;
        return 1;
    }
    return 0;
}

/* --addr 2001:db8::2/64: one more IPv6 address (at most 7, the link-local
 * one takes the eighth slot of UST_MAX_ADDRS6). */
static int parse_addr6_opt(struct link_opts *o, const char *s)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    unsigned long len = 0;
    size_t n = slash ? (size_t)(slash - s) : 0;
    char *end = NULL;
    if (slash)
        len = strtoul(slash + 1, &end, 10);
    if (!slash || n >= sizeof(buf) || !end || *end || end == slash + 1 || len < 1 || len > 128) {
        cli_usage_error("--addr: '%s' is not an IPv6 address/prefix (e.g. 2001:db8::2/64)", s);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    uint8_t a[16];
    if (ust_ip6_parse(buf, a) != UST_OK || a[0] == 0xff) {
        cli_usage_error("--addr: '%s' is not an IPv6 address/prefix (e.g. 2001:db8::2/64)", s);
        return -1;
    }
    if (o->naddr6 == (int)(sizeof(o->addr6) / sizeof(o->addr6[0]))) {
        cli_usage_error("--addr: at most %d IPv6 addresses", o->naddr6);
        return -1;
    }
    memcpy(o->addr6[o->naddr6], a, 16);
    o->addr6_len[o->naddr6++] = (int)len;
    return 0;
}

static int parse_cidr_opt(const char *opt, const char *s, ust_ip4_t *addr, int *len)
{
    if (ust_cidr_parse(s, addr, len) != UST_OK || *len == 0 || *len == 32 ||
        (*addr >> 24) == 0 || (*addr >> 24) >= 224) {
        cli_usage_error("%s: '%s' is not an IPv4 address/prefix (e.g. 203.0.113.2/24)", opt, s);
        return -1;
    }
    return 0;
}

static int parse_shape(const char *s, struct link_opts *o)
{
    char rate[64];
    const char *comma = strchr(s, ',');
    size_t n = comma ? (size_t)(comma - s) : strlen(s);
    if (n >= sizeof(rate))
        goto bad;
    memcpy(rate, s, n);
    rate[n] = '\0';
    if (parse_rate(rate, &o->shape_rate_bps) != 0)
        goto bad;
    /* Default burst: 10 ms worth of traffic, at least two full frames. */
    o->shape_burst = (size_t)(o->shape_rate_bps / 8 / 100);
    if (o->shape_burst < 2 * 1514)
        o->shape_burst = 2 * 1514;
    if (comma && (parse_bytes(comma + 1, &o->shape_burst) != 0 || o->shape_burst == 0 ||
                  o->shape_burst > (64u << 20)))
        goto bad;
    o->have_shape = true;
    return 0;
bad:
    cli_usage_error("--shape: '%s' is not RATE[,BURST] (e.g. 10mbit,15k)", s);
    return -1;
}

/* --tap NAME or --tun NAME: the device, one of the two. */
static int parse_device(struct link_opts *o, bool tun, const char *v)
{
    const char *opt = tun ? "--tun" : "--tap";
    if (v[0] == '\0' || strlen(v) >= 16 || strchr(v, '/') || strchr(v, ' ')) {
        cli_usage_error("%s: '%s' is not a valid interface name (1-15 characters)", opt, v);
        return -1;
    }
    if (o->tap && (o->tun != tun || strcmp(o->tap, v) != 0))
        return cli_usage_error("%s %s: one device only (already %s %s)", opt, v,
                               o->tun ? "--tun" : "--tap", o->tap), -1;
    o->tap = v;
    o->tun = tun;
    return 1;
}
/* --NAME on|off into *out (1 or 0). 1 consumed, 0 not this option, -1
 * error. */
static int parse_on_off(int argc, char **argv, int *i, const char *name, int *out)
{
    const char *v;
    int r = opt_value(argc, argv, i, name, &v);
    if (r <= 0)
        return r;
    if (strcmp(v, "on") && strcmp(v, "off")) {
        cli_usage_error("%s: '%s' is not on or off", name, v);
        return -1;
    }
    *out = !strcmp(v, "on");
    return r;
}

/* --busy-poll US|auto|off: -1 auto, 0 off, else the fixed window. */
static int parse_busy_poll(const char *v, long *out)
{
    if (!strcmp(v, "auto") || !strcmp(v, "off")) {
        *out = !strcmp(v, "auto") ? -1 : 0;
        return 0;
    }
    unsigned long n;
    if (!scan_uint(v, 0, 1000000, &n)) {
        cli_usage_error("--busy-poll: '%s' is not auto, off or a number of microseconds from 0 "
                        "to 1000000", v);
        return -1;
    }
    *out = (long)n;
    return 0;
}

/* How the TAP/TUN descriptor is read and written, and the loop's busy
 * poll: --tap-rx-batch N, --tap-sqpoll on|off, --tap-napi on|off,
 * --busy-poll US|auto|off. 0: not one of them. */
static int parse_io_opt(struct link_opts *o, int argc, char **argv, int *i)
{
    const char *v;
    unsigned long n;
    int r;
    if ((r = opt_value(argc, argv, i, "--tap-rx-batch", &v)) != 0) {
        if (r < 0 || parse_uint("--tap-rx-batch", v, 0, 256, &n) != 0)
            return -1;
        o->tap_rx_batch = (int)n;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--dhcp-wait", &v)) != 0) {
        if (r < 0 || parse_uint("--dhcp-wait", v, 1, 3600, &n) != 0)
            return -1;
        o->dhcp_wait_s = (unsigned)n;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--busy-poll", &v)) != 0)
        return r < 0 || parse_busy_poll(v, &o->busy_poll_us) != 0 ? -1 : r;
    if ((r = parse_on_off(argc, argv, i, "--tap-sqpoll", &o->tap_sqpoll)) != 0)
        return r;
    return parse_on_off(argc, argv, i, "--tap-napi", &o->tap_napi);
}


/* --dad-transmits N: DupAddrDetectTransmits (RFC 4862 5.1). Linux's
 * dad_transmits takes any integer; 10 bounds how long (10 x RetransTimer,
 * 10 s) a new address may stay unusable. 1 consumed, 0 not ours, -1 error. */
static int parse_dad_opt(struct link_opts *o, int argc, char **argv, int *i)
{
    const char *v;
    int r = opt_value(argc, argv, i, "--dad-transmits", &v);
    unsigned long n;
    if (r == 0)
        return 0;
    if (r < 0 || parse_uint("--dad-transmits", v, 0, LINK_DAD_TRANSMITS_MAX, &n) != 0)
        return -1;
    o->dad_transmits = (int)n;
    return 1;
}

int link_opts_parse(struct link_opts *o, int argc, char **argv, int *i)
{
    const char *v;
    int r;
    if ((r = trace_opt_parse(argc, argv, i, &o->trace, &o->trace_cats)) != 0)
        return r;
    if ((r = parse_dad_opt(o, argc, argv, i)) != 0)
        return r;
    if ((r = capture_opt_parse(argc, argv, i, &o->capture)) != 0)
        return r;
    if (!strcmp(argv[*i], "--accept-source-route")) {
        o->accept_source_route = true;
        return 1;
    }
    if ((r = opt_value(argc, argv, i, "--dns", &v)) != 0) {
        if (r < 0)
            return -1;
        if (strchr(v, '%') && ust_addr_parse(v, &o->dns) != UST_OK) {
            o->dns_zoned = v; /* "fe80::1%tap0": checked once --tap is known */
            o->have_dns = true;
            return 1;
        }
        if (ust_addr_parse(v, &o->dns) != UST_OK || ust_addr_is_any(&o->dns))
            return cli_usage_error("--dns: '%s' is not an IPv4 or IPv6 address (e.g. "
                                   "198.51.100.53 or 2001:db8::53)", v), -1;
        o->have_dns = true;
        return 1;
    }
    if ((r = opt_value(argc, argv, i, "--hosts", &v)) != 0) {
        if (r < 0)
            return -1;
        if (strlen(v) >= sizeof(((struct ust_config *)0)->dns_hosts))
            return cli_usage_error("--hosts: '%s': path too long", v), -1;
        o->hosts = v;
        return 1;
    }
    if ((r = opt_value(argc, argv, i, "--tap", &v)) != 0)
        return r < 0 ? -1 : parse_device(o, false, v);
    if ((r = opt_value(argc, argv, i, "--tun", &v)) != 0)
        return r < 0 ? -1 : parse_device(o, true, v);
    if ((r = opt_value(argc, argv, i, "--addr", &v)) != 0) {
        if (r < 0)
            return -1;
        if (strchr(v, ':'))
            return parse_addr6_opt(o, v) != 0 ? -1 : r;
        o->dhcp = !strcmp(v, "dhcp");
        if (!o->dhcp && parse_cidr_opt("--addr", v, &o->addr, &o->prefix_len) != 0)
            return -1;
        if (o->dhcp)
            o->addr = 0, o->prefix_len = 0;
        o->have_addr = true;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--host-addr", &v)) != 0) {
        if (r < 0)
            return -1;
        if (parse_cidr_opt("--host-addr", v, &o->host_addr, &o->host_prefix_len) != 0)
            return -1;
        o->have_host_addr = true;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--gateway", &v)) != 0) {
        if (r < 0)
            return -1;
        if (ust_ip4_parse(v, &o->gateway) != UST_OK) {
            cli_usage_error("--gateway: '%s' is not an IPv4 address (e.g. 203.0.113.1)", v);
            return -1;
        }
        o->have_gateway = true;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--gateway6", &v)) != 0) {
        if (r < 0)
            return -1;
        if (ust_ip6_parse(v, o->gateway6) != UST_OK || o->gateway6[0] == 0xff) {
            cli_usage_error("--gateway6: '%s' is not an IPv6 unicast address (e.g. fe80::1)", v);
            return -1;
        }
        o->have_gateway6 = true;
        return r;
    }
    if (!strcmp(argv[*i], "--no-ipv6")) {
        o->no_ipv6 = true;
        return 1;
    }
    if (!strcmp(argv[*i], "--temp-addr")) {
        o->temp_addr = true;
        return 1;
    }
    if ((r = opt_value(argc, argv, i, "--stable-secret", &v)) != 0) {
        uint8_t key[16];
        if (r > 0 && stable_secret_parse(v, key) != 0)
            return cli_usage_error("--stable-secret: '%s' is not 32 hex digits or an IPv6 "
                                   "address", v), -1;
        o->stable_secret = v;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--stable-secret-file", &v)) != 0) {
        if (r > 0 && v[0] == '\0')
            return cli_usage_error("--stable-secret-file: empty file name"), -1;
        o->stable_secret_file = v;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--mtu", &v)) != 0) {
        if (r < 0)
            return -1;
        uint64_t mtu;
        if (parse_size("--mtu", v, 576, 9000, &mtu) != 0)
            return -1;
        o->mtu = (unsigned)mtu;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--pcap", &v)) != 0) {
        if (r < 0)
            return -1;
        if (v[0] == '\0') {
            cli_usage_error("--pcap: empty file name");
            return -1;
        }
        o->pcap = v;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--ctl", &v)) != 0) {
        if (r < 0)
            return -1;
        if (v[0] == '\0' || strlen(v) >= 108) {
            cli_usage_error("--ctl: '%s' is not a usable socket path (1-107 characters)", v);
            return -1;
        }
        o->ctl = v;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--tap-tx", &v)) != 0) {
        if (r < 0)
            return -1;
        if (!strcmp(v, "auto"))
            o->tap_tx = UST_TAP_TX_AUTO;
        else if (!strcmp(v, "write"))
            o->tap_tx = UST_TAP_TX_WRITE;
        else if (!strcmp(v, "uring"))
            o->tap_tx = UST_TAP_TX_URING;
        else {
            cli_usage_error("--tap-tx: '%s' is not auto, write or uring", v);
            return -1;
        }
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--offload", &v)) != 0) {
        if (r < 0)
            return -1;
        if (strcmp(v, "on") != 0 && strcmp(v, "csum") != 0 && strcmp(v, "off") != 0)
            return cli_usage_error("--offload: '%s' is not on, csum or off", v), -1;
        o->no_offload = !strcmp(v, "off");
        o->offload_csum = !strcmp(v, "csum");
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--congestion", &v)) != 0) {
        if (r < 0 || parse_congestion("--congestion", v) != 0)
            return -1;
        o->congestion = v;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--sndbuf", &v)) != 0)
        return r < 0 || parse_size("--sndbuf", v, 4096, 64u << 20, &o->sndbuf) ? -1 : r;
    if ((r = opt_value(argc, argv, i, "--rcvbuf", &v)) != 0)
        return r < 0 || parse_size("--rcvbuf", v, 4096, 64u << 20, &o->rcvbuf) ? -1 : r;
    if ((r = opt_value(argc, argv, i, "--ecn", &v)) != 0) {
        unsigned long n;
        if (r < 0 || parse_uint("--ecn", v, 0, 2, &n) != 0)
            return -1;
        o->ecn = (int)n;
        return r;
    }
    if ((r = opt_value(argc, argv, i, "--shape", &v)) != 0)
        return r < 0 || parse_shape(v, o) != 0 ? -1 : 1;
    if ((r = parse_io_opt(o, argc, argv, i)) != 0)
        return r;
    return parse_fault_opt(o, argc, argv, i);
}

/* --stable-secret's text: 32 hex digits, or an IPv6 address as Linux's
 * stable_secret sysctl takes it (link_secret.c reads files of it). */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int stable_secret_parse(const char *text, uint8_t out[16])
{
    if (strlen(text) == 32) {
        int k;
        for (k = 0; k < 32 && hex_digit(text[k]) >= 0; k++)
            ;
        if (k == 32) {
            for (k = 0; k < 16; k++)
                out[k] = (uint8_t)(hex_digit(text[2 * k]) << 4 | hex_digit(text[2 * k + 1]));
            return 0;
        }
    }
    return ust_ip6_parse(text, out) == UST_OK ? 0 : -1;
}

int cli_addr_parse_zone(const struct link_opts *o, const char *s, struct ust_addr *out)
{
    if (ust_addr_parse(s, out) == UST_OK)
        return 0;
    const char *pct = strchr(s, '%');
    char buf[UST_ADDR_STRLEN];
    size_t n = pct ? (size_t)(pct - s) : 0;
    if (!pct || n >= sizeof(buf) || !o->tap || strcmp(pct + 1, o->tap) != 0)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (ust_addr_parse(buf, out) != UST_OK || out->family != UST_AF_INET6)
        return -1;
    out->scope_id = LINK_SCOPE_ID;
    return 0;
}

int link_opts_check(const struct link_opts *o)
{
    struct ust_addr zoned;
    if (o->dns_zoned && o->tap && cli_addr_parse_zone(o, o->dns_zoned, &zoned) != 0)
        return cli_usage_error("--dns: '%s' is not an address on this link (the zone must be "
                               "%%%s or a number)", o->dns_zoned, o->tap);
    if (!o->tap) {
        cli_usage_error("--tap NAME is required (the TAP device to run on; or --tun NAME)");
        return -1;
    }
    if (!o->have_addr) {
        cli_usage_error("--addr A.B.C.D/N is required (e.g. --addr 203.0.113.2/24, or --addr dhcp)");
        return -1;
    }
    if (o->no_ipv6 && (o->naddr6 || o->have_gateway6 || o->temp_addr || o->dad_transmits >= 0)) {
        cli_usage_error("--no-ipv6: not with an IPv6 --addr, --gateway6, --temp-addr or "
                        "--dad-transmits");
        return -1;
    }
    if (o->stable_secret && o->stable_secret_file) {
        cli_usage_error("--stable-secret: not with --stable-secret-file (one key)");
        return -1;
    }
    if (o->dhcp && o->have_gateway) {
        cli_usage_error("--gateway: not with --addr dhcp (the lease gives the router)");
        return -1;
    }
    if (o->have_host_addr && o->host_addr == o->addr) {
        cli_usage_error("--host-addr: the Linux side needs an address other than --addr");
        return -1;
    }
    return 0;
}

/* ---- --trace [LIST], --snaplen, --pcapng --------------------------------- */

int trace_opt_parse(int argc, char **argv, int *i, bool *on, uint32_t *cats)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "--trace") != 0 && strncmp(arg, "--trace=", 8) != 0)
        return 0;
    *on = true;
    *cats = UST_TRACE_ALL & ~UST_TRACE_CC; /* every layer; cc when named */
    if (arg[7] == '=') {
        if (ust_trace_parse_categories(arg + 8, cats) != UST_OK) {
            cli_usage_error("--trace: '%s' is not a list of dev, eth, arp, link, ip, icmp, "
                            "udp, tcp, cc, all", arg + 8);
            return -1;
        }
        return 1;
    }
    uint32_t named;
    if (*i + 1 < argc && argv[*i + 1][0] != '-' &&
        ust_trace_parse_categories(argv[*i + 1], &named) == UST_OK) {
        *cats = named;
        (*i)++;
    }
    return 1;
}

int capture_opt_parse(int argc, char **argv, int *i, struct ust_pcap_opts *c)
{
    const char *v;
    int r;
    if (!strcmp(argv[*i], "--pcapng")) {
        c->format = UST_PCAP_NG;
        return 1;
    }
    if ((r = opt_value(argc, argv, i, "--snaplen", &v)) != 0) {
        unsigned long n;
        if (r < 0 || parse_uint("--snaplen", v, 0, 262144, &n) != 0)
            return -1;
        c->snaplen = (unsigned)n; /* 0: the default, as tcpdump -s 0 */
        return 1;
    }
    return 0;
}

int capture_open(struct ust_dev *dev, const char *path, const struct ust_pcap_opts *c)
{
    errno = 0;
    int rc = ust_dev_pcap_open_opts(dev, path, c);
    if (rc == UST_OK)
        return 0;
    /* The file and the system's reason, as tcpdump -w says it. */
    int e = errno ? errno : ust_err_to_errno(rc);
    return cli_usage_error("--pcap %s: %s", path, strerror(e));
}
