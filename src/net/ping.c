/* The ICMP echo API (ust_ping_send / ust_ping_set_handler). Replies and
 * errors reach the handler from icmp.c and icmp_error.c. */
#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"
#include "wire/icmp.h"
#include "wire/wbuf.h"

void ust_ping_set_handler(struct ust_stack *st, ust_ping_fn fn, void *ctx)
{
    stack_net(st)->icmp.ping_fn = fn;
    stack_net(st)->icmp.ping_ctx = ctx;
}

/* Payload: the send time (big-endian nanoseconds) in the first 8 bytes,
 * then ping_pattern(i), so a reply's integrity can be checked without
 * remembering what was sent. */
static void ping_fill(uint8_t *data, size_t size, ust_time_t now)
{
    uint8_t ts[8];
    put_be32(ts, (uint32_t)(now >> 32));
    put_be32(ts + 4, (uint32_t)now);
    for (size_t i = 0; i < size; i++)
        data[i] = i < 8 ? ts[i] : ping_pattern(i);
}

int ust_ping_send(struct ust_stack *st, ust_ip4_t dst, uint16_t id, uint16_t seq, size_t size,
                  uint8_t ttl)
{
    if (size > IPV4_MAX_LEN - IPV4_HDR_LEN - ICMP_HDR_LEN)
        return UST_ERR_MSGSIZE;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, ICMP_HDR_LEN + size);
    if (!p)
        return UST_ERR_NOMEM;
    ping_fill(p->data + ICMP_HDR_LEN, size, ust_stack_now(st));
    struct icmp_hdr h = {.type = ICMP_ECHO_REQUEST, .id = id, .seq = seq};
    icmp_emit(&h, p->data, p->len, size);
    char d[16];
    TRACE(st, "icmp", "echo request to %s id %u seq %u len %zu", IP4STR(dst, d), id, seq, size);
    stack_stats(st)->icmp.OutMsgs++;
    stack_stats(st)->icmp.OutEchos++;
    struct ipv4_out o = {.dst = dst, .proto = IPV4_PROTO_ICMP, .ttl = ttl};
    return ipv4_output(st, &o, p);
}
