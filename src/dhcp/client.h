/* The DHCP client's private parts (include/ustack/dhcp.h). An application
 * of the stack above its sockets, like the resolver: it owns one UDP
 * socket on port 68 and reaches below only to probe an address with ARP
 * (RFC 5227) and to find its interface. */
#ifndef UST_DHCP_CLIENT_H
#define UST_DHCP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/dhcp.h"
#include "core/timer.h"
#include "ustack/types.h"
#include "wire/dhcp.h"

struct ust_dhcp {
    int ifindex;
    int fd;                    /* UDP socket bound to 0.0.0.0:68 */
    enum ust_dhcp_state state;
    uint32_t xid;              /* this exchange's transaction ID (PRNG) */
    uint8_t mac[6];            /* chaddr */
    ust_time_t deadline;       /* next retransmission or state change */
    ust_time_t wait;           /* the current retransmission wait */
    ust_time_t started;        /* start of the exchange, for 'secs' */
    unsigned attempts;         /* messages sent in this state */
    ust_ip4_t offered, server; /* from the offer being requested */
    struct ust_dhcp_lease lease;
    bool have_lease;           /* addr configured on the interface */
    ust_time_t t1_at, t2_at, end_at;
    unsigned dev_mtu;          /* the device MTU before option 26 lowered it */
    struct ust_timer timer;    /* fires at deadline, from the stack's heap */
    struct ust_dhcp *next;     /* the stack's list of running clients (dhcp.h) */
};

/* Sending (send.c): each message of RFC 2131 table 5 as this client
 * fills it; 0 or a negative ust_err. */
int dhcp_send(struct ust_stack *st, struct ust_dhcp *c, uint8_t type);
/* The -1..+1 s randomised wait for attempt n (RFC 2131 4.1). */
ust_time_t dhcp_backoff(struct ust_stack *st, unsigned attempt);

/* The state machine (client.c). */
void dhcp_restart(struct ust_stack *st, struct ust_dhcp *c, ust_time_t delay);
void dhcp_timeout(struct ust_stack *st, struct ust_dhcp *c);
void dhcp_lease_timeout(struct ust_stack *st, struct ust_dhcp *c);
/* A received message (input.c): checked, matched, acted on. */
void dhcp_input(struct ust_stack *st, struct ust_dhcp *c, const uint8_t *buf, size_t len,
                ust_ip4_t from);

/* Running inside the stack (run.c): reads what arrived, acts on the
 * timers that are due and re-arms the timer for c->deadline; the list of
 * the stack's clients. */
void dhcp_service(struct ust_stack *st, struct ust_dhcp *c);
void dhcp_attach(struct ust_stack *st, struct ust_dhcp *c);
void dhcp_detach(struct ust_stack *st, struct ust_dhcp *c);

/* Configuration of the interface (config.c). */
int dhcp_apply(struct ust_stack *st, struct ust_dhcp *c);
void dhcp_unapply(struct ust_stack *st, struct ust_dhcp *c);
/* Takes the lease from an acknowledgement: times, prefix, options. */
void dhcp_take_lease(struct ust_stack *st, struct ust_dhcp *c, const struct dhcp_msg *m);

#endif
