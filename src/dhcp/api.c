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
    *out = c;
    ust_dhcp_step(st, c); /* the first DHCPDISCOVER */
    return UST_OK;
}

int ust_dhcp_step(struct ust_stack *st, struct ust_dhcp *c)
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

int ust_dhcp_wait_bound(struct ust_stack *st, struct ust_dhcp *c, ust_time_t deadline)
{
    while (ust_dhcp_step(st, c) != UST_DHCP_BOUND) {
        ust_time_t now = ust_stack_now(st);
        if (now >= deadline)
            return UST_ERR_TIMEDOUT;
        ust_time_t until = c->deadline < deadline ? c->deadline : deadline;
        ust_time_t left = until > now ? until - now : 0;
        if (left > 60 * UST_SEC)
            left = 60 * UST_SEC;
        int ms = (int)((left + UST_MSEC - 1) / UST_MSEC);
        struct pollfd p;
        ust_dhcp_pollfd(c, &p);
        if (ust_poll(st, &p, 1, ms) < 0 && errno == EINTR)
            return UST_ERR_INTR;
    }
    return UST_OK;
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
    ust_close(st, c->fd);
    free(c);
}
