/* Loose and strict source routes (RFC 791 3.1, RFC 1122 3.2.1.8c) at their
 * two ends: originating one (the application lists the gateways, as with
 * Linux IP_OPTIONS), and terminating one: a completed route is handed up
 * with the datagram and can be reversed into a return route; an unfinished
 * route addressed to us is refused, since this host never forwards source
 * routes (RFC 1122 3.3.5). Forwarding is in ipv4_forward.c. */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "wire/icmp.h"
#include "wire/wbuf.h"

int ipv4_srr_find(const uint8_t *opts, size_t len)
{
    struct ipv4_opt_iter it;
    struct ipv4_opt o;
    ipv4_opt_iter_init(&it, opts, len);
    while (ipv4_opt_next(&it, &o))
        if (o.type == IPV4_OPT_LSRR || o.type == IPV4_OPT_SSRR)
            return o.len >= 3 ? (int)o.off : -1;
    return -1; /* none, or a malformed list (parse checked it; stay safe) */
}

ust_ip4_t ipv4_first_hop(const uint8_t *opts, size_t len, ust_ip4_t dst)
{
    int off = ipv4_srr_find(opts, len);
    if (off < 0 || opts[off + 1] < 7)
        return dst;
    return get_be32(opts + off + 3);
}

/* RFC 791: the route is complete when the pointer is past the last
 * address (pointer > length - 3); a pointer below 4 is malformed. */
bool ipv4_srr_complete(const uint8_t *opt) { return opt[2] > opt[1] - 3; }

/* The form that is sent, RFC 1122 3.2.1.8c case (A): the first gateway in
 * the IP destination, the option lists the rest and then the final
 * destination, pointer 4. The option keeps its length. */
ust_ip4_t ipv4_srr_originate(uint8_t *opt, ust_ip4_t final_dst)
{
    size_t olen = opt[1];
    ust_ip4_t first = get_be32(opt + 3);
    memmove(opt + 3, opt + 7, olen - 7);
    put_be32(opt + olen - 4, final_dst);
    opt[2] = 4;
    return first;
}

/* RFC 1122 3.2.1.8c: the recorded route {G1, ..., Gn} of a datagram from
 * S is reversed into the gateways {Gn, ..., G1} to S. "It MUST be correctly
 * formed even if the recorded route included the source host" (case B,
 * {S, G1, ..., Gn}): S itself, and a repeat of the previous hop, are not
 * kept (no redundant hops), nor are addresses that cannot be a hop (0,
 * loopback, multicast: a hostile sender's garbage). The result is in the application form
 * (ipv4_srr_originate() appends S). Returns its length, 0 = no route (also
 * whenever cfg.ip_accept_source_route is off). */
size_t ipv4_srr_reverse(const struct ust_stack *st, const uint8_t *opt, ust_ip4_t src,
                        uint8_t out[IPV4_MAX_OPT_LEN])
{
    size_t olen = opt[1], ptr = opt[2];
    /* Input drops such datagrams when source routes are not accepted;
     * this keeps any other path (local delivery) from following one. */
    if (ptr < 4 || !ust_stack_config(st)->ip_accept_source_route)
        return 0;
    size_t end = ptr - 1 < olen ? ptr - 1 : olen; /* recorded part */
    size_t n = 3;
    ust_ip4_t prev = 0;
    for (size_t a = end; a >= 3 + 4; a -= 4) {
        ust_ip4_t hop = get_be32(opt + a - 4);
        if (hop == src || hop == prev || !ipv4_srr_hop_ok(hop))
            continue; /* redundant, or nothing a reply could go through */
        put_be32(out + n, hop);
        n += 4;
        prev = hop;
    }
    if (n == 3)
        return 0;
    out[0] = opt[0];
    out[1] = (uint8_t)n;
    out[2] = 4;
    return n;
}

/* A datagram addressed to us carrying a source route: a complete route is
 * ours to deliver (with the option, IP-34); an unfinished one asks us to
 * forward, which a host does not do: Destination Unreachable, code 5
 * "source route failed" (RFC 1122 3.3.5, RFC 792). */
bool ipv4_srr_accept(struct ust_stack *st, const struct ipv4_hdr *h, const uint8_t *dgram)
{
    int off = ipv4_srr_find(h->opts, h->opt_len);
    if (off < 0)
        return true;
    const uint8_t *opt = h->opts + off;
    if (opt[2] >= 4 && ipv4_srr_complete(opt))
        return true;
    char s[16];
    stack_stats(st)->ip.InSrcRouteFails++;
    TRACE(st, "ip", "drop: unfinished source route from %s (pointer %u of %u)", IP4STR(h->src, s),
          opt[2], opt[1]);
    icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_SRC_ROUTE, 0, dgram, h->total_len);
    return false;
}
