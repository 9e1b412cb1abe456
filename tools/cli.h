/* Shared declarations of the `ustack` subcommands. */
#ifndef UST_CLI_H
#define UST_CLI_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ustack/ustack.h"

/* Exit codes, as iputils ping uses them. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,  /* ran, but nothing useful happened (no reply) */
    CLI_EXIT_USAGE = 2, /* bad arguments or the device could not be set up */
};

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};
extern const struct cli_command cli_commands[];

int cmd_serve(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_netstat(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_resolve(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* ---- error reporting (link_opts.c) ---------------------------------------
 * Every usage error is ONE line on stderr, "ustack: ...", and exit code 2. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int cli_usage_error(const char *fmt, ...);

/* ---- generic option helpers (link_opts.c) -------------------------------- */
/* If argv[*i] is option `name` ("--mtu V", "--mtu=V", or for a short
 * option "-c V" / "-cV"), stores its value in *val, advances *i past it and
 * returns 1. Returns 0 if argv[*i] is another option, -1 (error printed)
 * if the value is missing. */
int opt_value(int argc, char **argv, int *i, const char *name, const char **val);
/* Numeric values; each prints its own error line and returns -1 on failure. */
/* NAME is a congestion control the stack has ("newreno", "cubic", "bbr", "bbr1");
 * else a usage error naming `opt`. */
int parse_congestion(const char *opt, const char *name);
int parse_uint(const char *opt, const char *s, unsigned long lo, unsigned long hi,
               unsigned long *out);
int parse_seconds(const char *opt, const char *s, double lo, double hi, ust_time_t *out);
/* "10mbit", "1gbit", "500kbit", "64000" (bit/s) -> bits per second. */
int parse_rate(const char *s, uint64_t *bps);
/* Byte counts, one syntax for every command (opt_size.c): "1500", "64K",
 * "10M", "1GiB" (K M G T, KiB MiB GiB TiB: powers of 1024), "1KB", "10MB"
 * (KB MB GB TB: powers of 1000), "100B"; case-insensitive.
 * size_value: 0, or -1 if s is not one. parse_size: also checks lo..hi and
 * prints "OPT: 'S' is not a byte count from LO to HI" on failure (-1).
 * parse_bytes: size_value into a size_t. */
int size_value(const char *s, uint64_t *out);
int parse_size(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
int parse_bytes(const char *s, size_t *bytes);
/* "5", "0.5" (percent, 0..100) -> a probability 0..1. -1 (printed) if not. */
int parse_percent(const char *opt, const char *s, double *prob);
/* "20ms", "1.5s", "500us", "0" -> nanoseconds (up to 60 s). -1 (printed) if not. */
int parse_duration(const char *opt, const char *s, ust_time_t *out);

/* ---- link options shared by serve and ping -------------------------------- */
/* One stack per queue of a multi-queue TAP/TUN (serve --queues N). count 0
 * or 1: an ordinary single-queue device. */
struct link_queue {
    unsigned index, count;  /* this stack's queue, of `count` */
    struct ust_mac mac;     /* queues after the first: the first's MAC */
    char who[12];           /* "q1": the name column of its trace lines */
};

struct link_opts {
    const char *tap;        /* --tap NAME, or --tun NAME: the device's name */
    bool tun;               /* --tun: a TUN device (IP only: no Ethernet, no ARP) */
    bool have_addr;         /* --addr A.B.C.D/N, or --addr dhcp */
    bool dhcp;              /* --addr dhcp: addr 0 until a lease (link_dhcp.c) */
    unsigned dhcp_wait_s;   /* --dhcp-wait S: how long to wait for the lease (60) */
    ust_ip4_t addr;
    int prefix_len;
    bool have_gateway;      /* --gateway G */
    ust_ip4_t gateway;
    int naddr6;             /* --addr 2001:db8::2/64 (repeatable): IPv6 addresses */
    uint8_t addr6[7][16];
    int addr6_len[7];
    bool have_gateway6;     /* --gateway6 G6: IPv6 default router */
    uint8_t gateway6[16];
    bool no_ipv6;           /* --no-ipv6: cfg.ipv6_enabled false */
    bool temp_addr;         /* --temp-addr: cfg.ipv6_temp_addrs */
    int dad_transmits;      /* --dad-transmits N: cfg.ipv6_dad_transmits (-1: default 1) */
    const char *stable_secret; /* --stable-secret HEX: cfg.ipv6_stable_secret */
    const char *stable_secret_file; /* --stable-secret-file FILE: the same, kept there */
    bool have_host_addr;    /* --host-addr H/N: Linux side of the TAP */
    ust_ip4_t host_addr;
    int host_prefix_len;
    unsigned mtu;           /* --mtu N (default 1500) */
    const char *pcap;       /* --pcap FILE|- */
    bool trace;             /* --trace */
    bool have_shape;        /* --shape RATE[,BURST] */
    uint64_t shape_rate_bps;
    size_t shape_burst;
    const char *ctl;        /* --ctl PATH (default /run/ustack/<pid>.sock) */
    enum ust_tap_tx tap_tx; /* --tap-tx auto|write|uring (default auto) */
    int tap_rx_batch;       /* --tap-rx-batch N: cfg.tap_rx_batch (-1: the default) */
    int tap_sqpoll;         /* --tap-sqpoll on|off: cfg.tap_tx_sqpoll (-1: the default) */
    int tap_napi;           /* --tap-napi on|off: cfg.tap_napi (-1: the default) */
    long busy_poll_us;      /* --busy-poll US|auto|off: cfg.busy_poll_us; 0: off (no
                               auto either); -1: auto, the default */
    bool no_offload;        /* --offload off: cfg.dev_offload false (default on) */
    bool offload_csum;      /* --offload csum: cfg.dev_offload_tso false */
    int ecn;                /* --ecn 0|1|2: cfg.tcp_ecn (-1: the default, 2) */
    const char *congestion; /* --congestion NAME: cfg.tcp_congestion (NULL: newreno) */
    uint64_t sndbuf, rcvbuf; /* --sndbuf/--rcvbuf SIZE: fixed TCP buffers (0: autotuned) */
    bool accept_source_route; /* --accept-source-route: cfg.ip_accept_source_route */
    bool have_faults;       /* --loss --delay --jitter --reorder --dup --corrupt */
    struct ust_dev_faults faults;
    unsigned fault_dirs;    /* --faults tx|rx|both: bit UST_DEV_TX, bit UST_DEV_RX */
    uint64_t fault_seed;    /* --fault-seed N (default 1: the same faults every run) */
    uint32_t trace_cats;    /* --trace LIST: UST_TRACE_* categories */
    struct ust_pcap_opts capture; /* --snaplen N, --pcapng */
    bool have_dns;          /* --dns ADDR: cfg.dns_server or cfg.dns_server6
                               (default: resolv.conf's) */
    struct ust_addr dns;
    const char *dns_zoned;  /* --dns fe80::1%NAME: zone by name, parsed once --tap is known */
    const char *hosts;      /* --hosts FILE: cfg.dns_hosts (default /etc/hosts) */
    bool no_ctl;            /* no control socket (the preload shim's stack) */
    bool notes_to_stderr;   /* the link's own lines ("faults on ...") go to stderr:
                               stdout belongs to the program (ustack run) */
    struct link_queue queue; /* serve --queues N: which queue this stack is */
};

#define LINK_OPTS_HELP                                                                     \
    "link options:\n"                                                                      \
    "  --tap NAME           TAP device to open (created if missing; needs CAP_NET_ADMIN)\n" \
    "  --tun NAME           a TUN device instead: IP only, no Ethernet header, no ARP\n" \
    "                       (IPv4 and IPv6; no ND, no DAD, as Linux's tun)\n"          \
    "  --addr A.B.C.D/N     ustack's address and prefix on that link (required)\n"        \
    "  --addr dhcp          ask a DHCP server for the address, router, DNS server and\n" \
    "                       MTU; waits for the lease (--dhcp-wait), released on exit\n"  \
    "  --dhcp-wait S        seconds --addr dhcp waits for a lease (default 60, 1-3600)\n" \
    "  --gateway G          default gateway\n"                                             \
    "  --addr ADDR6/N       an IPv6 address besides the link-local one (repeatable, up\n" \
    "                       to 7), e.g. --addr 2001:db8::2/64\n"                           \
    "  --gateway6 G6        IPv6 default router (link-local or on an --addr prefix)\n"   \
    "  --no-ipv6            no IPv6 on the link (no link-local address, no ND)\n"         \
    "  --temp-addr          also form RFC 8981 temporary addresses from Router\n"         \
    "                       Advertisement prefixes, preferred as sources (RFC 6724)\n"    \
    "  --dad-transmits N    Neighbor Solicitations of Duplicate Address Detection per\n" \
    "                       new IPv6 address (RFC 4862; default 1, 0-10; 0: no DAD)\n" \
    "  --stable-secret HEX  RFC 7217 key of the link-local and SLAAC addresses: 32 hex\n" \
    "                       digits (or IPv6 notation, as Linux's stable_secret); the\n" \
    "                       same key gives the same addresses after a restart\n"        \
    "  --stable-secret-file FILE\n"                                                     \
    "                       the key from FILE, which is created with a random one\n"   \
    "                       (mode 0600) if missing: stable addresses, key kept secret\n" \
    "  --host-addr H/N      give the Linux side of the TAP this address and bring it up\n" \
    "  --mtu N              link MTU (default 1500)\n"                                     \
    "  --pcap FILE|-        capture every frame into FILE (- = stdout)\n"                  \
    "  --snaplen N          bytes of each frame kept in the capture (default 262144)\n" \
    "  --pcapng             write the capture as pcapng (also for a .pcapng FILE); with\n" \
    "                       --trace, frames carry the stack's reasons as comments\n" \
    "  --trace [LIST]       print what each layer does with each packet (stderr); LIST\n" \
    "                       picks categories: dev,eth,arp,link,ip,icmp,udp,tcp,cc,all\n" \
    "                       (default: every layer; cc, the TCP window after each ACK,\n" \
    "                       only when named)\n" \
    "  --shape RATE[,BURST] token-bucket shaper on transmit, e.g. 10mbit,15k\n" \
    "  --ctl PATH           control socket for 'ustack netstat' (default\n"          \
    "                       /run/ustack/<pid>.sock)\n"                                  \
    "  --tap-tx MODE        how frames reach the kernel: auto (io_uring for bursts,\n" \
    "                       write() for single frames; the default), write, uring\n" \
    "  --tap-sqpoll on|off  io_uring transmit through a kernel polling thread on\n" \
    "                       another CPU (on) or one system call per burst (off, the\n" \
    "                       default)\n" \
    "  --tap-napi on|off    open the TAP/TUN with IFF_NAPI: Linux takes the frames\n" \
    "                       we write in NAPI batches (a kernel thread with the\n" \
    "                       device's sysfs 'threaded' on) instead of inside each\n" \
    "                       write (off, the default)\n" \
    "  --tap-rx-batch N     TAP reads per io_uring system call, at most (default 32;\n" \
    "                       0 = one read() per frame)\n" \
    "  --busy-poll US|auto|off  poll the link this many microseconds before\n" \
    "                       sleeping (lower latency, a CPU spinning); auto, the\n" \
    "                       default: 50 while frames come in quick succession;\n" \
    "                       off (or 0): sleep at once\n" \
    "  --offload on|csum|off  virtio_net_hdr offloads on the TAP/TUN device: the\n" \
    "                       kernel hands over and takes TCP segments of up to 64 KiB,\n" \
    "                       with checksums it vouches for (default on; plain frames\n" \
    "                       when the kernel refuses); csum: checksums only, one\n" \
    "                       segment per frame\n" \
    "  --ecn 0|1|2          TCP ECN (RFC 3168), as Linux tcp_ecn: 0 off, 1 ask for it\n" \
    "                       and accept it, 2 accept it when asked (the default)\n" \
    "  --congestion NAME    TCP congestion control: newreno (the default), cubic, bbr\n" \
    "                       (BBRv3, paced; needs SACK, else cubic) or bbr1 (bbr\n" \
    "                       with loss never bounding its model, as BBRv1)\n" \
    "  --sndbuf SIZE        fix every TCP send buffer at SIZE, e.g. 4M (default: 256K,\n" \
    "                       growing with the congestion window up to 4M)\n" \
    "  --rcvbuf SIZE        fix every TCP receive buffer (and so the window) at SIZE\n" \
    "                       (default: 256K, growing with rate x RTT up to 6M)\n" \
    "  --accept-source-route  accept received LSRR/SSRR options (RFC 1122 3.2.1.8c);\n" \
    "                       by default they are dropped, as Linux accept_source_route=0\n" \
    "  --dns ADDR           name server for host names, IPv4 or IPv6 (default: the first\n" \
    "                       IPv4 nameserver in /etc/resolv.conf, else its first IPv6 one)\n" \
    "  --hosts FILE         hosts file read before asking it (default /etc/hosts;\n" \
    "                       '' = none)\n" \
    "fault injection (a lossy wire, like netem; on what ustack sends unless --faults):\n" \
    "  --loss PCT           lose PCT%% of the frames (e.g. 5 or 0.5)\n" \
    "  --delay TIME         delay every frame, e.g. 20ms (units ns, us, ms, s)\n" \
    "  --jitter TIME        add a uniform 0..TIME to the delay (order is kept)\n" \
    "  --reorder PCT        hold PCT%% of the frames back 1 ms (later ones overtake)\n" \
    "  --dup PCT            send PCT%% of the frames twice\n" \
    "  --corrupt PCT        flip one bit in PCT%% of the frames (checksums catch it)\n" \
    "  --faults DIR         tx (the default), rx or both: which direction gets them\n" \
    "  --fault-seed N       seed of the injector's PRNG (default 1: same seed, same\n" \
    "                       faults on the same frames)\n"

#define LINK_DAD_TRANSMITS_MAX 10 /* --dad-transmits N: 0..10 */

void link_opts_init(struct link_opts *o);
/* Consumes argv[*i] if it is a link option. Returns 1 if consumed, 0 if it
 * is not a link option, -1 on error (one line already printed). */
int link_opts_parse(struct link_opts *o, int argc, char **argv, int *i);
/* Checks that the required link options are present. 0 or -1 (printed). */
int link_opts_check(const struct link_opts *o);
/* The stack's interface for the --tap/--tun link is its first (index 0):
 * the IPv6 zone of its link-local addresses is 1 (ifindex + 1). */
#define LINK_SCOPE_ID 1
/* ust_addr_parse, and the zone of an IPv6 address may also name the link
 * ("fe80::1%tap0" with --tap tap0), as getaddrinfo takes it. 0 or -1. */
int cli_addr_parse_zone(const struct link_opts *o, const char *s, struct ust_addr *out);
/* --trace [LIST] (also --trace=LIST): sets *on and *cats; the next argument
 * is taken as LIST only when it is a category list. 1 consumed, 0 not
 * --trace, -1 error (printed). Also used by demo. */
int trace_opt_parse(int argc, char **argv, int *i, bool *on, uint32_t *cats);
/* --snaplen N and --pcapng into *c: 1 consumed, 0 not these, -1 error. */
int capture_opt_parse(int argc, char **argv, int *i, struct ust_pcap_opts *c);
/* The capture on dev as the options say; on failure one line naming the
 * file and the system's reason ("--pcap x.pcap: No such file or directory"). */
int capture_open(struct ust_dev *dev, const char *path, const struct ust_pcap_opts *c);

/* ---- trace sink (link_setup.c) --------------------------------------------
 * Prints "  +0.001234 hostA ip    rx ..." lines: time relative to t0, an
 * optional name (the demo runs several stacks), the layer and the message. */
enum cli_trace_filter {
    TRACE_ALL,          /* every line */
    TRACE_TCP,          /* only the tcp layer */
    TRACE_TCP_EVENTS,   /* only tcp state changes, retransmissions, loss probes */
};
struct cli_trace {
    FILE *out;
    ust_time_t t0;
    const char *who;    /* NULL: no name column */
    bool muted;         /* temporarily silent (the demo mutes some phases) */
    enum cli_trace_filter filter;
};
void cli_trace_fn(void *ctx, ust_time_t now, const char *layer, const char *msg);

/* ---- the control socket (ctl.c) -------------------------------------------
 * Serves a snapshot of the stack (sockets, counters) to `ustack netstat`. */
#define CTL_DIR "/run/ustack"
struct ctl_server {
    int fd;                 /* listening Unix socket, -1 when closed */
    bool bound;             /* path exists and is ours: unlink on close */
    char path[108];
    struct ust_stack *st;
    struct ust_loop *loop;
    unsigned queue, queues; /* queues > 1: the snapshot says "queue K N" */
};
/* Creates the socket (path NULL: CTL_DIR/<pid>.sock, creating CTL_DIR)
 * and registers it with the loop. Returns 0, or -1 with errno set. With
 * q->count > 1 every queue's stack has its own socket: queue K > 0 is at
 * the path with "-qK" before its ".sock" (or at its end). */
int ctl_open(struct ctl_server *c, const char *path, const struct link_queue *q,
             struct ust_stack *st, struct ust_loop *loop);
void ctl_close(struct ctl_server *c);

/* ---- netstat table (netstat_fmt.c) ------------------------------------------ */
/* "Proto Recv-Q Send-Q Local Address ... State PID/Program name" */
void netstat_print_header(FILE *out, bool with_pid);
/* "ESTABLISHED", "TIME_WAIT", "SYN_RECV": netstat's spelling. */
const char *netstat_state_name(int state);
/* One row as `netstat -tunap` prints it; prog NULL: no PID column. */
void netstat_print_row(FILE *out, const struct ust_sock_entry *e, const char *prog);

/* ---- TCP services of `ustack serve` (serve_tcp.c) ------------------------- */
enum tcpsrv_kind {
    TCPSRV_ECHO,    /* RFC 862: send back what arrives */
    TCPSRV_DISCARD, /* RFC 863: read and drop */
    TCPSRV_HTTP,    /* static files over HTTP/1.1 (GET, HEAD) */
};
struct tcp_server;
/* http_root: realpath() of the document root (NULL without --http). */
struct tcp_server *tcp_server_new(struct ust_stack *st, const char *http_root);
/* Listens on port on every address. 0, or -1 with errno set. */
int tcp_server_listen(struct tcp_server *s, enum tcpsrv_kind kind, uint16_t port);
/* Later listeners on [::] with IPV6_V6ONLY off (serve's default). */
void tcp_server_dual_stack(struct tcp_server *s, bool dual);
/* Polls every listener and connection once and serves what is ready.
 * Returns true if something happened (the caller should not sleep). */
bool tcp_server_turn(struct tcp_server *s);
void tcp_server_free(struct tcp_server *s);

/* ---- the iperf3 server of `ustack serve --iperf3` (serve_iperf3.c) ------- */
#define IPERF3_PORT 5201 /* iperf3's default port */
struct iperf3_server;
/* false when ustack was built without cJSON (iperf3_none.c). */
bool iperf3_available(void);
/* Logs one line per test event to `log`. NULL (errno set) on failure. */
struct iperf3_server *iperf3_server_new(struct ust_stack *st, FILE *log);
/* Listens on port on every address. 0, or -1 with errno set. */
int iperf3_server_listen(struct iperf3_server *s, uint16_t port, bool dual);
/* Serves what is ready, like tcp_server_turn. Returns true if busy. */
bool iperf3_server_turn(struct iperf3_server *s);
void iperf3_server_free(struct iperf3_server *s);

/* ---- a stack on a real TAP device (link_setup.c) ------------------------- */
struct link_ctx {
    FILE *out;              /* normal output: stdout, stderr when the capture
                               goes to stdout (--pcap -) */
    struct cli_trace trace;
    struct ust_stack *st;
    struct ust_dev *dev;
    struct ust_loop *loop;
    struct ctl_server ctl;
    bool lost_reported;     /* the "device lost" line was printed */
    struct ust_dhcp *dhcp;  /* --addr dhcp: the client holding the lease */
};
/* Creates the stack, opens and configures the TAP device as the options
 * say, and the real event loop. Returns 0, or an exit code after printing
 * one error line (everything created so far is freed). */
int link_open(const struct link_opts *o, struct link_ctx *out);
/* The first "nameserver ADDR" of family (UST_AF_INET or UST_AF_INET6) of
 * a resolv.conf(5) text (resolv_conf.c): UST_OK, or UST_ERR_NOENT when it
 * names none ("fe80::1%2": the numeric scope is the stack's ifindex + 1). */
int resolv_conf_parse(const char *text, int family, struct ust_addr *out);
/* The same from the file at path: UST_OK or UST_ERR_NOENT. */
int resolv_conf_nameserver(const char *path, int family, struct ust_addr *out);
/* link_secret.c: --stable-secret's text (32 hex digits or an IPv6
 * address) into out: 0 or -1; --stable-secret-file's key, the file
 * created with a random key if missing: 0, or an exit code after one
 * error line. */
int stable_secret_parse(const char *text, uint8_t out[16]);
int stable_secret_file(const char *path, uint8_t out[16]);
/* `ustack resolve`, and names in `ustack get`: addresses of a host name as
 * ust_getaddrinfo gives them; on failure prints "ustack: CMD: NAME: reason"
 * and returns -1. */
int cli_resolve(struct link_ctx *c, const char *cmd, const char *name, struct ust_addr *addr);
void link_close(struct link_ctx *c);
/* --addr dhcp (link_dhcp.c): an address-less interface, then the lease
 * within o->dhcp_wait_s (0, or an exit code after one error line). */
#define LINK_DHCP_WAIT_DEFAULT_S 60
int link_dhcp_start(struct link_ctx *c, const struct link_opts *o);
/* The link's address and prefix as configured (from the lease with
 * --addr dhcp). */
ust_ip4_t link_addr(const struct link_ctx *c, int *prefix_len);
/* DHCPRELEASE, sent before the stack goes away (link_close calls it). */
void link_dhcp_stop(struct link_ctx *c);
/* Has the TAP device failed (deleted under us)? If so prints, once, the
 * one line "ustack: NAME: device lost: <strerror>" on stderr and returns
 * true: the command then exits with CLI_EXIT_FAIL instead of printing its
 * own error for the socket call that failed with ENETDOWN. */
bool link_lost(struct link_ctx *c);
struct cli_signals;
/* Runs the stack until no IPv6 address is tentative (DAD over), 5 s at
 * most, or until SIGINT/SIGTERM arrives (sig may be NULL; link_setup.c). */
void link_wait_dad(struct link_ctx *c, const struct cli_signals *sig);

/* ---- TCP clients (client.c) -------------------------------------------------- */
/* A blocking TCP connection to ip:port within `timeout`; on failure prints
 * "ustack: connect A.B.C.D:P: Connection refused" and returns -1. */
int client_connect(struct link_ctx *c, ust_ip4_t ip, uint16_t port, ust_time_t timeout);
/* The same for an address of either family (AF_INET6 socket for IPv6). */
int client_connect_addr(struct link_ctx *c, const struct ust_addr *to, uint16_t port,
                        ust_time_t timeout);
/* A non-blocking TCP listener on `port` (any address, SO_REUSEADDR) for the
 * serve services. The descriptor, or -1 with errno set. */
int cli_tcp_listen(struct ust_stack *st, uint16_t port, int backlog);
/* The same on [::] with IPV6_V6ONLY off: IPv6 and IPv4 (RFC 3493 3.7). */
int cli_tcp_listen_dual(struct ust_stack *st, uint16_t port, int backlog);
/* Runs the stack until every TCP connection has finished closing (or sits
 * in TIME-WAIT), at most `timeout`: our last FIN/ACK reach the peer before
 * the process and its TAP device go away. */
void client_linger(struct link_ctx *c, ust_time_t timeout);

/* ---- progress bar and rates (progress.c) ------------------------------------ */
struct progress {
    bool tty;            /* stderr is a terminal: draw the bar */
    bool drawn;
    uint64_t total;      /* 0: unknown */
    uint64_t done;
    ust_time_t start, last_draw;
};
void progress_start(struct progress *p, uint64_t total, ust_time_t now);
void progress_update(struct progress *p, uint64_t done, ust_time_t now);
/* Draws the final state and ends the line (terminal only). */
void progress_finish(struct progress *p, ust_time_t now);
/* "20.0 MiB", "512 B" */
const char *format_bytes(uint64_t n, char buf[32]);
/* "123.45 Mbit/s" */
const char *format_rate(uint64_t bytes, ust_time_t elapsed, char buf[48]);

/* "Time to live exceeded", "Destination Host Unreachable", ... (ping_text.c) */
const char *ping_error_text(const struct ust_ping_result *r);

/* ---- device-open errors (dev_open_error.c) --------------------------------- */
/* Why ust_dev_tap_open / ust_dev_tun_open failed, in one line on stderr:
 * "ustack: --tap tap0: device busy (...)", "ustack: --tap lo: lo is not a
 * TAP device", a permission hint, or the library's reason. `opt` is the
 * option ("--tap", "--tun"), `kind` "TAP" or "TUN". Returns CLI_EXIT_USAGE. */
int cli_dev_open_error(const char *opt, const char *kind, const char *name, int err);

/* ---- Ctrl-C and SIGTERM through the event loop (stop_signals.c) -------------
 * For every command that runs until stopped (get, send, recv, serve, ping):
 * blocks SIGINT and SIGTERM, reads them from a signalfd in the loop, and
 * makes blocking socket calls fail with EINTR once one arrived. No signal
 * handler. */
struct cli_signals {
    int fd;                 /* the signalfd, -1 when closed */
    int caught;             /* the first SIGINT/SIGTERM that arrived, 0: none */
    struct ust_stack *st;
    struct ust_loop *loop;
    sigset_t saved;         /* the signal mask before */
    bool relay;             /* fd is an eventfd another thread writes to */
    bool keep_mask;         /* cli_signals_close leaves the two signals blocked:
                               the caller restores `saved` when it is done */
};
/* After link_open. 0, or -1 with errno set. */
int cli_signals_open(struct cli_signals *s, struct link_ctx *c);
/* Before link_close: reads a signal still pending into `caught`, restores
 * the waiter and the signal mask. */
void cli_signals_close(struct cli_signals *s);
/* Before link_close, for a command that must finish its cleanup (capture,
 * control socket) even if a second signal comes: cli_signals_close without
 * restoring the mask, so the two signals stay blocked; cli_signals_close
 * after link_close then restores it. */
void cli_signals_detach(struct cli_signals *s);
/* For a stack in another thread (serve --queues N): the thread that reads
 * the signals (cli_signals_open) passes them on with cli_signals_relay,
 * through an eventfd in this stack's loop; `caught` is then the number
 * relayed. The signal mask is left alone (blocked before the threads
 * started). 0, or -1 with errno set. */
int cli_signals_open_relay(struct cli_signals *s, struct link_ctx *c);
/* Any thread: sets s->caught to `what` (> 0) in s's own thread, waking its loop. */
void cli_signals_relay(const struct cli_signals *s, int what);
/* A command a signal stopped exits 128 + its number, as a shell reports it. */
#define CLI_EXIT_SIGNAL(sig) (128 + (sig))

/* ---- the output file of `get -o FILE` (out_file.c) --------------------------
 * Written as a temporary file in FILE's directory, renamed over FILE only on
 * success; "-" is standard output. */
struct out_file {
    FILE *f;
    const char *name;       /* as given on the command line */
    bool temp;              /* f is the temporary file `tmp` */
    char path[PATH_MAX];    /* the file that gets replaced */
    char tmp[PATH_MAX];
};
/* 0, or -1 with errno set (the directory is not writable, FILE is one). */
int out_file_open(struct out_file *o, const char *path);
/* Flushes, closes and renames into place. 0, or -1 with errno set (the
 * temporary file is then removed). */
int out_file_commit(struct out_file *o);
/* Closes and removes the temporary file: FILE stays as it was. */
void out_file_discard(struct out_file *o);

#endif
