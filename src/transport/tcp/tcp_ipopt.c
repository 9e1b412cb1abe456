/* IP options of a TCP connection (RFC 9293 3.9.2.1, MUST-51/52/53;
 * RFC 1122 4.2.3.8).
 *
 * IP_OPTIONS takes options in the form UDP takes them (a source route
 * lists the gateways; ipv4_output puts the final destination at its end).
 * They are kept in the TCB and go on every segment of the connection;
 * they take room from each segment, so the effective send MSS counts
 * them (3.7.1 MUST-16). A passive OPEN whose SYN came along a completed
 * source route answers along the reversed route (MUST-53), unless the
 * listener has options of its own, which win (MUST-52). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "tcp.h"
#include "wire/ipv4.h"

_Static_assert(sizeof(((struct tcb *)0)->so.ip_opts) == IPV4_MAX_OPT_LEN, "ip_opts size");

int tcp_ipopt_set(struct tcb *t, const void *val, size_t len)
{
    uint8_t opts[IPV4_MAX_OPT_LEN];
    int n = len ? ipv4_opts_from_user(val, len, opts) : 0; /* empty: none (Linux) */
    if (n < 0)
        return n;
    memcpy(t->so.ip_opts, opts, (size_t)n);
    t->so.ip_opt_len = (uint8_t)n;
    if (tcp_state_synchronized(t->state))
        tcp_update_mss(t);
    return UST_OK;
}

int tcp_ipopt_get(const struct tcb *t, void *val, size_t *len)
{
    size_t n = *len < t->so.ip_opt_len ? *len : t->so.ip_opt_len;
    if (n)
        memcpy(val, t->so.ip_opts, n);
    *len = n;
    return UST_OK;
}

uint8_t tcp_ipopt_for_syn(const struct tcb *l, const struct ipv4_hdr *ip,
                          uint8_t out[IPV4_MAX_OPT_LEN])
{
    if (!ip)
        return 0; /* IPv6: no IPv4 options */
    if (l->so.ip_opt_len) { /* MUST-52: the application's options win */
        memcpy(out, l->so.ip_opts, l->so.ip_opt_len);
        return l->so.ip_opt_len;
    }
    int off = ip->opts ? ipv4_srr_find(ip->opts, ip->opt_len) : -1;
    if (off < 0)
        return 0;
    return (uint8_t)ipv4_srr_reverse(l->st, ip->opts + off, ip->src, out);
}

void tcp_ipopt_inherit(struct tcb *c, const struct tcb *l, const struct ipv4_hdr *ip)
{
    c->so.ip_opt_len = tcp_ipopt_for_syn(l, ip, c->so.ip_opts);
    if (c->so.ip_opt_len && !l->so.ip_opt_len)
        TRACE(c->st, "tcp", "passive open: return source route of %u bytes kept (MUST-53)",
              c->so.ip_opt_len);
}
