/* The client inside the stack (dhcp.h): its timer in the stack's timer
 * heap, its socket read by a batch-end hook when the transports report a
 * readiness change, the list of running clients in struct ust_stack. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>

#include "client.h"
#include "core/defer.h"
#include "core/services.h"
#include "core/trace.h"
#include "dhcp.h"
#include "ustack/socket.h"
#include "ustack/stack.h"
#include "ustack/stats.h"

/* Keeps the timer on c->deadline, which every state change moves. A
 * failed arm (the heap could not grow) leaves the client to its next
 * arrival or ust_dhcp_step; it is counted (TimerNoMem) and traced. */
static void dhcp_arm(struct ust_stack *st, struct ust_dhcp *c)
{
    if (c->deadline == UST_TIME_NEVER) {
        timer_cancel(st, &c->timer);
        return;
    }
    if (timer_arm(st, &c->timer, c->deadline) != UST_OK) {
        stack_stats(st)->dhcp.TimerNoMem++;
        TRACE(st, "dhcp", "no memory for the timer: waiting for the next message");
    }
}

void dhcp_service(struct ust_stack *st, struct ust_dhcp *c)
{
    uint8_t buf[1500];
    struct sockaddr_in from;
    for (;;) {
        socklen_t fl = sizeof(from);
        ssize_t n = ust_recvfrom(st, c->fd, buf, sizeof(buf), MSG_DONTWAIT,
                                 (struct sockaddr *)&from, &fl);
        if (n < 0)
            break;
        dhcp_input(st, c, buf, (size_t)n, ntohl(from.sin_addr.s_addr));
    }
    /* One timer at a time: a state change may bring the next one to now. */
    for (int i = 0; i < 4 && ust_stack_now(st) >= c->deadline; i++)
        dhcp_timeout(st, c);
    dhcp_arm(st, c);
}

static void dhcp_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)now;
    struct ust_dhcp *c = (struct ust_dhcp *)(void *)((char *)t - offsetof(struct ust_dhcp, timer));
    dhcp_service(st, c);
}

/* The batch-end hook: after a readiness change, every client reads what
 * its socket holds. Cleared after the reads, so the change they make
 * themselves (a datagram taken) does not call for another round. */
static void dhcp_rx_run(struct ust_stack *st)
{
    struct dhcp_state *ds = stack_dhcp(st);
    if (!ds->rx_check)
        return;
    for (struct ust_dhcp *c = ds->clients; c; c = c->next)
        dhcp_service(st, c);
    ds->rx_check = false;
}

static bool dhcp_rx_pending(const struct ust_stack *st)
{
    const struct dhcp_state *ds = stack_dhcp_const(st);
    return ds->rx_check && ds->clients;
}

int dhcp_register(struct ust_stack *st)
{
    return stack_defer_register(st, dhcp_rx_run, dhcp_rx_pending);
}

void dhcp_readiness(struct ust_stack *st)
{
    struct dhcp_state *ds = stack_dhcp(st);
    if (ds->clients)
        ds->rx_check = true;
}

void dhcp_attach(struct ust_stack *st, struct ust_dhcp *c)
{
    struct dhcp_state *ds = stack_dhcp(st);
    timer_init(&c->timer, dhcp_timer_fired);
    c->next = ds->clients;
    ds->clients = c;
}

void dhcp_detach(struct ust_stack *st, struct ust_dhcp *c)
{
    timer_cancel(st, &c->timer);
    for (struct ust_dhcp **p = &stack_dhcp(st)->clients; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    c->next = NULL;
}

/* Freed without a word on the wire: the devices may already be beyond
 * use (a simulator freed first), and the lease then simply runs out at
 * the server. Whoever wants the DHCPRELEASE calls ust_dhcp_stop first. */
void dhcp_destroy(struct ust_stack *st)
{
    struct dhcp_state *ds = stack_dhcp(st);
    while (ds->clients) {
        struct ust_dhcp *c = ds->clients;
        dhcp_detach(st, c);
        free(c); /* its socket goes with the descriptor table */
    }
}
