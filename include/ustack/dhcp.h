/* ustack — a DHCPv4 client (RFC 2131, options of RFC 2132).
 *
 * Like the stub resolver (dns.h) it is an application of the stack: it
 * talks through an ordinary UDP socket bound to 0.0.0.0:68. The interface
 * it configures must exist, with or without an address (ust_iface_add with
 * addr 0: before a lease the client sends from 0.0.0.0 to 255.255.255.255
 * with the BROADCAST flag set, RFC 2131 4.1, so replies come back to the
 * limited broadcast).
 *
 * States (RFC 2131 4.4): INIT → SELECTING (DHCPDISCOVER, first offer
 * taken) → REQUESTING (DHCPREQUEST) → PROBING (the acknowledged address is
 * probed cfg.dhcp_arp_probes times, RFC 5227 2.1; a reply or another probe
 * for it → DHCPDECLINE and INIT after cfg.dhcp_decline_wait) → BOUND: the
 * interface gets the address and prefix (option 1), the default route
 * (option 3), the device MTU (option 26) and cfg.dns_server (option 6).
 * At T1 RENEWING (unicast DHCPREQUEST to the server), at T2 REBINDING
 * (broadcast), at the lease's end the address, route and name server are
 * removed and the client starts over; a DHCPNAK starts over at once.
 * Retransmissions wait cfg.dhcp_timeout, doubled up to cfg.dhcp_timeout_max,
 * each randomised by -1..+1 s from the stack's PRNG; the xid is from the
 * PRNG too, and all times are the stack's clock.
 *
 * The client runs inside the stack: its timer is in the stack's timer
 * heap and its socket is read when a batch of received frames ends, so
 * whoever runs the stack (ust_loop, the simulator, a front's stack thread,
 * or ust_stack_poll at ust_stack_poll_at) keeps the lease: renewal at T1,
 * rebinding at T2, expiry, with no further call. ust_dhcp_step is kept for
 * applications written for the stepped client: it does at once what the
 * stack would do at its next poll (read, act on a due timer) and returns
 * the state; calling it is never needed and never harmful.
 * ust_dhcp_pollfd and ust_dhcp_deadline still tell what the client waits
 * for. ust_dhcp_wait_bound runs the network through the installed waiter
 * until BOUND or a deadline (UST_ERR_AGAIN at once without a waiter).
 * ust_dhcp_stop sends DHCPRELEASE when a lease is held (RFC 2131 4.4.6),
 * unconfigures and frees the client; ust_stack_free frees clients still
 * running without a DHCPRELEASE. With the thread-safe front use
 * ust_front_dhcp_start/_stop (front.h).
 * Counters: the dhcp group of stats.h; trace lines: layer "dhcp"
 * (category udp). */
#ifndef USTACK_DHCP_H
#define USTACK_DHCP_H

#include <poll.h>
#include <stdint.h>

#include "export.h"
#include "types.h"

struct ust_stack;
struct ust_dhcp;

enum ust_dhcp_state {
    UST_DHCP_INIT, UST_DHCP_SELECTING, UST_DHCP_REQUESTING, UST_DHCP_PROBING,
    UST_DHCP_BOUND, UST_DHCP_RENEWING, UST_DHCP_REBINDING,
};

/* What the last DHCPACK gave (host order; 0 = not given). */
struct ust_dhcp_lease {
    ust_ip4_t addr;
    int prefix_len;
    ust_ip4_t router, dns, server;
    uint32_t lease_s, t1_s, t2_s; /* seconds, as granted */
    unsigned mtu;
    ust_time_t acquired;          /* stack clock at the DHCPACK */
};

/* Starts the client on interface ifindex: the first DHCPDISCOVER goes
 * out now. 0 and *c, or a negative ust_err. */
UST_API int ust_dhcp_start(struct ust_stack *st, int ifindex, struct ust_dhcp **c);
/* Optional (the stack runs the client by itself): reads what arrived and
 * acts on a due timer now, without blocking. Returns the state (enum
 * ust_dhcp_state). */
UST_API int ust_dhcp_step(struct ust_stack *st, struct ust_dhcp *c);
UST_API int ust_dhcp_pollfd(const struct ust_dhcp *c, struct pollfd *pfd);
/* When ust_dhcp_step next has something to do on its own. */
UST_API ust_time_t ust_dhcp_deadline(const struct ust_dhcp *c);
UST_API int ust_dhcp_state(const struct ust_dhcp *c);
UST_API const char *ust_dhcp_state_name(int state);
/* The lease held (BOUND, RENEWING, REBINDING): 0, else UST_ERR_NOENT. */
UST_API int ust_dhcp_lease(const struct ust_dhcp *c, struct ust_dhcp_lease *lease);
/* Runs the network until BOUND (0) or the stack clock reaches deadline
 * (UST_ERR_TIMEDOUT); UST_ERR_INTR when a signal interrupts the wait,
 * UST_ERR_AGAIN when no waiter is installed (ust_stack_set_waiter). */
UST_API int ust_dhcp_wait_bound(struct ust_stack *st, struct ust_dhcp *c, ust_time_t deadline);
/* DHCPRELEASE if a lease is held, the configuration removed, c freed. */
UST_API void ust_dhcp_stop(struct ust_stack *st, struct ust_dhcp *c);

#endif
