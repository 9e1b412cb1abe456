/* Initial sequence numbers (RFC 6528, RFC 9293 3.4.1):
 *   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 * M is a 4-microsecond clock (MUST-8), F is SipHash-2-4 keyed with a
 * per-stack secret drawn from the stack PRNG at start-up, so an outside
 * observer cannot compute it (MUST-9). SipHash also keys the connection
 * hash table against collision flooding.
 *
 * The same keyed function (with a different input, so the values are
 * unrelated) gives the timestamp offset of a 4-tuple (RFC 7323 7.1) and the
 * ephemeral port offset of a destination (RFC 6056 3.3.4). */
#include <string.h>

#include "core/services.h"
#include "core/siphash.h"
#include "tcp.h"
#include "transport/transport.h"
#include "wire/wbuf.h"

/* F(4-tuple, secret) with a one-byte tag naming its use. */
static uint32_t tuple_prf(const struct ust_stack *st, const struct ust_addr *laddr,
                          uint16_t lport, const struct ust_addr *raddr, uint16_t rport,
                          uint8_t tag)
{
    uint8_t msg[TCP_TUPLE_MSG_MAX + 1];
    size_t n = tcp_tuple_msg(msg, laddr, lport, raddr, rport);
    msg[n] = tag;
    return (uint32_t)siphash24(stack_tcp(st)->secret, msg, n + 1);
}

/* RFC 7323 7.1 asks for a TSval clock that does not reveal the host's
 * uptime; a random offset per connection (what we did first) breaks a
 * reused 4-tuple: the new SYN's TSval may be lower than the one the peer
 * remembers in TIME-WAIT, and the peer then refuses it as an old duplicate
 * (PAWS, RFC 7323 5; Linux answers with a bare ACK and the SYN waits for
 * its retransmission). A keyed hash of the 4-tuple keeps the clock of one
 * 4-tuple monotonic across its incarnations while different 4-tuples still
 * see unrelated values (as Linux's secure_tcp_ts_off). */
uint32_t tcp_ts_offset(const struct ust_stack *st, const struct ust_addr *laddr, uint16_t lport,
                       const struct ust_addr *raddr, uint16_t rport)
{
    return tuple_prf(st, laddr, lport, raddr, rport, 'T');
}

/* RFC 6056 3.3.4 (Algorithm 4, double-hash): F(laddr, raddr, rport) is
 * where the search for a destination starts in the ephemeral range. */
uint32_t tcp_port_offset(const struct ust_stack *st, const struct ust_addr *laddr,
                         const struct ust_addr *raddr, uint16_t rport)
{
    return tuple_prf(st, laddr, 0, raddr, rport, 'P');
}

/* RFC 6056 3.3.4: G(laddr, raddr, rport) picks which of the stack's
 * counters advances, so one destination's rate says nothing of another's. */
unsigned tcp_port_table_index(const struct ust_stack *st, const struct ust_addr *laddr,
                              const struct ust_addr *raddr, uint16_t rport)
{
    return tuple_prf(st, laddr, 0, raddr, rport, 'G') & (TCP_PORT_TABLE - 1);
}

/* The hash input of a 4-tuple (tcp.h). */
size_t tcp_tuple_msg(uint8_t msg[TCP_TUPLE_MSG_MAX], const struct ust_addr *laddr,
                     uint16_t lport, const struct ust_addr *raddr, uint16_t rport)
{
    /* An unbound local address hashes as 0.0.0.0 (the IPv4 form of old). */
    if (raddr->family != UST_AF_INET6) {
        put_be32(msg, laddr->family == UST_AF_INET ? laddr->u.v4 : 0);
        put_be32(msg + 4, raddr->u.v4);
        put_be16(msg + 8, lport);
        put_be16(msg + 10, rport);
        return 12;
    }
    /* RFC 6528 3: F() over the whole 4-tuple, IPv6 addresses included. */
    if (laddr->family == UST_AF_INET6)
        memcpy(msg, laddr->u.v6, 16);
    else
        memset(msg, 0, 16);
    memcpy(msg + 16, raddr->u.v6, 16);
    put_be16(msg + 32, lport);
    put_be16(msg + 34, rport);
    put_be32(msg + 36, laddr->family == UST_AF_INET6 ? laddr->scope_id : 0);
    put_be32(msg + 40, raddr->scope_id);
    return 44;
}

uint32_t tcp_isn6(struct ust_stack *st, const struct ust_addr *laddr, uint16_t lport,
                  const struct ust_addr *raddr, uint16_t rport, ust_time_t now)
{
    uint8_t msg[TCP_TUPLE_MSG_MAX];
    size_t n = tcp_tuple_msg(msg, laddr, lport, raddr, rport);
    uint32_t f = (uint32_t)siphash24(stack_tcp(st)->secret, msg, n);
    uint32_t m = (uint32_t)(now / (4 * UST_USEC)); /* RFC 6528: 4 microsecond timer */
    return m + f;
}

uint32_t tcp_isn(struct ust_stack *st, ust_ip4_t laddr, uint16_t lport, ust_ip4_t raddr,
                 uint16_t rport, ust_time_t now)
{
    struct ust_addr l = ust_addr_from_ip4(laddr), r = ust_addr_from_ip4(raddr);
    return tcp_isn6(st, &l, lport, &r, rport, now);
}
