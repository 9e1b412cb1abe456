/* Test harness for UDP and the socket layer: one stack with an IP-only
 * device t0 (203.0.113.2/24) that records what it transmits, a fake clock,
 * a fake waiter, and helpers that craft datagrams and hand them to
 * udp_input directly (no IP input needed). */
#ifndef UDP_HARNESS_H
#define UDP_HARNESS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/ustack.h"

#define UDP_TH_LOCAL UST_IP4(203, 0, 113, 2)
#define UDP_TH_PEER UST_IP4(203, 0, 113, 1)
#define UDP_TH_MAX_TX 16
#define UDP_TH_TX_CAP 2048
#define UDP_TH_TRACE_LINES 64

struct udp_th {
    struct ust_stack *st;
    struct ust_dev *dev;
    /* Datagrams transmitted by t0. */
    uint8_t tx[UDP_TH_MAX_TX][UDP_TH_TX_CAP];
    size_t tx_len[UDP_TH_MAX_TX];
    unsigned ntx;
    /* Fake clock (installed with ust_stack_set_clock). */
    ust_time_t clock;
    /* Fake waiter: counts calls; on call number inject_on_wait it injects
     * the datagram below; otherwise it advances the clock by wait_step. */
    unsigned waits;
    ust_time_t last_deadline;
    unsigned inject_on_wait;
    ust_time_t wait_step;
    int wait_rc;            /* what the waiter returns (0 by default) */
    uint16_t inject_sport, inject_dport;
    uint8_t inject_data[64];
    size_t inject_len;
    /* Trace lines "layer: msg". */
    char trace[UDP_TH_TRACE_LINES][160];
    unsigned ntrace;
};

/* A stack seeded with `seed` and cfg tweaks applied by the caller (cfg may
 * be NULL for defaults). */
struct udp_th *udp_th_new(const struct ust_config *cfg);
void udp_th_free(struct udp_th *h);
/* Installs the fake waiter. */
void udp_th_install_waiter(struct udp_th *h);

/* Builds an IPv4+UDP datagram into buf (cap bytes); returns its length. */
size_t udp_th_build(uint8_t *buf, size_t cap, ust_ip4_t src, uint16_t sport, ust_ip4_t dst,
                    uint16_t dport, const void *data, size_t len);
/* Hands a whole IPv4 datagram (header parsed here) to udp_input. */
void udp_th_deliver(struct udp_th *h, const uint8_t *dgram, size_t len, bool link_bcast);
/* build + deliver. */
void udp_th_inject(struct udp_th *h, ust_ip4_t src, uint16_t sport, ust_ip4_t dst, uint16_t dport,
                   const void *data, size_t len);

struct sockaddr_in udp_th_sin(ust_ip4_t addr, uint16_t port);
/* A bound UDP socket (aborts the test on failure). */
int udp_th_socket_bound(struct udp_th *h, ust_ip4_t addr, uint16_t port);
/* Was a trace line equal to "layer: msg" recorded? */
bool udp_th_traced(const struct udp_th *h, const char *line);

#endif
