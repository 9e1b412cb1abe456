/* The public calls of the DHCP client (include/ustack/dhcp.h): start,
 * step, wait, query, stop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "core/services.h"
#include "core/trace.h"
#include "dhcp.h"
#include "socket/sock.h"
#include "ustack/dev.h"
#include "ustack/socket.h"
#include "ustack/stack.h"
#include "ustack/stats.h"

const char *ust_dhcp_state_name(int state)
{
    static const char *const names[] = {"init",  "selecting", "requesting", "probing",
                                        "bound", "renewing",  "rebinding"};
    return state >= 0 && state <= UST_DHCP_REBINDING ? names[state] : "?";
}

/* A non-blocking UDP socket on 0.0.0.0:68 that may send broadcasts. */
static int dhcp_socket(struct ust_stack *st)
{
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return UST_ERR_NOMEM;
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT)};
    if (ust_setsockopt(st, fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) != 0 ||
        ust_bind(st, fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        ust_set_nonblock(st, fd, 1) != 0) {
        int rc = errno == EADDRINUSE ? UST_ERR_ADDRINUSE : UST_ERR_INVAL;
        ust_close(st, fd);
        return rc;
    }
    return fd;
}

int ust_dhcp_start(struct ust_stack *st, int ifindex, struct ust_dhcp **out)
{
    struct ust_dev *dev = NULL;
    *out = NULL;
    if (ust_iface_info(st, ifindex, NULL, NULL, &dev) != UST_OK || !dev)
        return UST_ERR_NOENT;
    struct ust_dhcp *c = calloc(1, sizeof(*c));
    if (!c)
        return UST_ERR_NOMEM;
    c->fd = dhcp_socket(st);
    if (c->fd < 0) {
        int rc = c->fd;
        free(c);
        return rc;
    }
    c->ifindex = ifindex;
    memcpy(c->mac, ust_dev_mac(dev)->b, 6);
    c->state = UST_DHCP_INIT;
    c->deadline = ust_stack_now(st);
    dhcp_attach(st, c);
    *out = c;
    dhcp_service(st, c); /* the first DHCPDISCOVER; the timer armed */
    return UST_OK;
}

/* The stack runs the client by itself (run.c); a step only does now what
 * the stack would do at its next poll, so calling it is harmless. */
int ust_dhcp_step(struct ust_stack *st, struct ust_dhcp *c)
{
    dhcp_service(st, c);
    return (int)c->state;
}

int ust_dhcp_pollfd(const struct ust_dhcp *c, struct pollfd *pfd)
{
    pfd->fd = c->fd;
    pfd->events = POLLIN;
    pfd->revents = 0;
    return 0;
}

ust_time_t ust_dhcp_deadline(const struct ust_dhcp *c) { return c->deadline; }

int ust_dhcp_state(const struct ust_dhcp *c) { return (int)c->state; }

int ust_dhcp_lease(const struct ust_dhcp *c, struct ust_dhcp_lease *lease)
{
    if (!c->have_lease)
        return UST_ERR_NOENT;
    *lease = c->lease;
    return UST_OK;
}

/* Runs the network through the stack's waiter, one turn at a time, and
 * looks at the state after each: the stack itself drives the client. */
int ust_dhcp_wait_bound(struct ust_stack *st, struct ust_dhcp *c, ust_time_t deadline)
{
    for (;;) {
        dhcp_service(st, c);
        if (c->state == UST_DHCP_BOUND)
            return UST_OK;
        if (ust_stack_now(st) >= deadline)
            return UST_ERR_TIMEDOUT;
        if (!stack_has_waiter(st))
            return UST_ERR_AGAIN; /* nobody can run the network for us */
        int rc = stack_wait(st, deadline);
        if (rc == UST_ERR_AGAIN)
            return UST_ERR_INTR; /* the real loop's wait saw a signal */
        if (rc < 0 && rc != UST_ERR_TIMEDOUT)
            return rc;
    }
}

void ust_dhcp_stop(struct ust_stack *st, struct ust_dhcp *c)
{
    if (!c)
        return;
    if (c->have_lease) {
        stack_stats(st)->dhcp.Releases++;
        dhcp_send(st, c, DHCP_RELEASE); /* RFC 2131 4.4.6 */
    }
    dhcp_unapply(st, c);
    dhcp_detach(st, c);
    ust_close(st, c->fd);
    free(c);
}
