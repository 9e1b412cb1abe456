/* --addr dhcp on the link commands: the interface starts without an
 * address, the command waits (at most --dhcp-wait seconds) for a lease before
 * it does anything else; the stack keeps it (renewal, rebinding) for as
 * long as it runs, whatever the command does meanwhile (ustack run: the
 * front's stack thread), and the lease is released when the command ends. */
#include <stdio.h>

#include "cli.h"
#include "ustack/dhcp.h"

int link_dhcp_start(struct link_ctx *c, const struct link_opts *o)
{
    const char *tap = o->tap;
    int rc = ust_iface_add(c->st, c->dev, 0, 0);
    if (rc < 0)
        return cli_usage_error("--addr dhcp: cannot add the interface: %s", ust_strerror(rc));
    if ((rc = ust_dhcp_start(c->st, rc, &c->dhcp)) != UST_OK)
        return cli_usage_error("--addr dhcp: cannot start the DHCP client: %s",
                               ust_strerror(rc));
    ust_time_t wait = (ust_time_t)o->dhcp_wait_s * UST_SEC;
    rc = ust_dhcp_wait_bound(c->st, c->dhcp, ust_stack_now(c->st) + wait);
    if (rc == UST_OK) {
        if (o->have_dns && o->dns.family == UST_AF_INET) /* --dns wins over the lease's */
            ust_stack_set_dns_server(c->st, o->dns.u.v4);
        else if (o->have_dns) /* an IPv6 --dns is asked only without an IPv4 server */
            ust_stack_set_dns_server(c->st, 0);
        return 0;
    }
    if (rc == UST_ERR_INTR)
        fprintf(stderr, "ustack: --addr dhcp: interrupted while waiting for a lease\n");
    else
        fprintf(stderr, "ustack: --addr dhcp: no lease from a DHCP server on %s within %u s "
                        "(state %s)\n", tap, o->dhcp_wait_s,
                ust_dhcp_state_name(ust_dhcp_state(c->dhcp)));
    return CLI_EXIT_FAIL;
}

ust_ip4_t link_addr(const struct link_ctx *c, int *prefix_len)
{
    ust_ip4_t addr = 0;
    int plen = 0;
    if (c->st) /* a link command has one interface */
        ust_iface_info(c->st, 0, &addr, &plen, NULL);
    if (prefix_len)
        *prefix_len = plen;
    return addr;
}

void link_dhcp_stop(struct link_ctx *c)
{
    if (!c->dhcp)
        return;
    ust_dhcp_stop(c->st, c->dhcp);
    c->dhcp = NULL;
    /* The DHCPRELEASE leaves before the device closes. */
    if (c->loop)
        ust_loop_run_once(c->loop, 0);
}
