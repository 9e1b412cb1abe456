/* Shared by the scenes of `ustack demo` (cmd_demo.c: network, ARP,
 * routing, fragments, pings, counters; demo_tcp.c: the TCP story). */
#ifndef UST_DEMO_H
#define UST_DEMO_H

#include "cli.h"

#define DEMO_PING_ID 0x5354 /* "ST": the story pings */
#define DEMO_BULK_ID 0x5355 /* the ping series, numbered from 1 like ping(8) */
#define DEMO_BIG_PING 3000  /* payload bytes: three fragments on lan1 */
#define DEMO_BULK_PINGS 20
#define DEMO_TRIES 5        /* story pings are retried when a link drops them */

enum { LAN1, LAN2, NLANS };
enum { HOST_A, ROUTER, HOST_B, NHOSTS };

/* Topology: who sits on which switch with which address. */
struct nic_spec {
    int lan;
    const char *ifname;
    ust_ip4_t addr;
    int prefix_len;
    unsigned mtu;
};
struct host_spec {
    const char *name;  /* trace column, padded */
    const char *title; /* in the narration */
    struct nic_spec nic[2];
    int nnics;
    ust_ip4_t gateway; /* 0: none */
    bool forwarding;
};

struct demo_opts {
    uint64_t seed;
    double loss_pct;
    bool trace;
    const char *pcap;
    size_t bytes;      /* --bytes: the TCP transfer */
    const char *congestion; /* --congestion: cfg.tcp_congestion (NULL: newreno) */
    uint32_t trace_cats;    /* --trace LIST: UST_TRACE_* categories */
    struct ust_pcap_opts capture; /* --snaplen, --pcapng */
    bool no_ipv6;           /* --no-ipv6: the IPv4 story only */
};

#define DEMO_TCP_PORT 5001
#define DEMO_TCP_BYTES (200 * 1000)
#define DEMO_MAX_BYTES (64u << 20) /* --bytes: the simulation holds it all in memory */

/* The TCP connection of the story. */
struct demo_tcp {
    int listen_fd;     /* on B */
    int client_fd;     /* on A */
    int server_fd;     /* on B, accepted */
    bool connected;
    bool transferred;  /* every byte arrived, in order and intact */
    uint16_t client_port;
};

struct demo_host {
    const struct host_spec *spec;
    struct ust_stack *st;
    struct ust_dev *nic[2];
    struct cli_trace trace;
};

/* The last answer to the ping being waited for. */
struct demo_ping {
    uint16_t id, seq;
    bool answered;
    struct ust_ping_result result;
    ust_time_t sent_at;
};

/* The IPv6 scenes (demo_ipv6.c): lan3 with host C, R's card there. */
struct demo_v6 {
    struct ust_sim_switch *lan3;
    struct demo_host c;
    struct ust_dev *r_lan3;
    bool ready;               /* A and C have their SLAAC addresses */
    uint8_t a_addr[16], c_addr[16];
};

struct demo {
    struct demo_opts o;
    FILE *out;
    struct ust_sim *sim;
    struct ust_sim_switch *sw[NLANS];
    struct demo_host host[NHOSTS];
    struct demo_ping ping;
    uint16_t next_seq;
    struct demo_tcp tcp;
    struct demo_v6 v6;
};

struct demo_scene {
    const char *title;
    int (*run)(struct demo *d); /* 0, or an exit code */
};

extern const struct host_spec host_specs[NHOSTS];

/* cmd_demo.c */
void demo_say(struct demo *d, const char *text);
/* Mutes (or unmutes, showing everything) every stack's trace. */
void demo_mute_all(struct demo *d, bool muted);
/* Sets every stack's trace filter (muted = nothing). */
void demo_trace_all(struct demo *d, enum cli_trace_filter f);

/* demo_dns.c: A resolves B's name through R's name server */
int scene_dns(struct demo *d);

/* demo_tcp.c: the TCP scenes */
int scene_tcp_open(struct demo *d);
int scene_tcp_transfer(struct demo *d);
int scene_tcp_close(struct demo *d);
/* demo_ipv6.c, demo_ipv6_tcp.c: the IPv6 scenes */
int scene_ipv6_autoconf(struct demo *d);
int scene_ipv6_ping(struct demo *d);
int scene_ipv6_tcp(struct demo *d);
int scene_ipv6_counters(struct demo *d);
/* TCP rows of the counters table */
void demo_tcp_counters(struct demo *d);

/* One row of the counters table: a label and where the counter sits in
 * struct ust_stats. */
struct demo_counter_row {
    const char *label;
    size_t off;
};
/* Prints each row with one column per stack of the demo. */
void demo_print_counter_rows(struct demo *d, const struct demo_counter_row *rows, size_t n);

#endif
