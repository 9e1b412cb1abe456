/* The per-socket ICMP error queue (IP_RECVERR / IPV6_RECVERR, read with
 * MSG_ERRQUEUE; ICMPv4 and ICMPv6 errors alike, RFC 4443 3 and 2.4 f):
 * RFC 1122 4.1.3.3 says UDP MUST pass every ICMP error it receives to the
 * application; an unconnected socket cannot be told through the return of
 * a later call (it does not know which send failed), so each error is kept
 * with the datagram it is about, as Linux does. Bounded: at most
 * UDP_ERRQ_MAX entries, the oldest dropped first. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "transport/sock_ops.h"
#include "transport/transport.h"
#include "udp_impl.h"
#include "wire/udp.h"
#include "wire/wbuf.h"

struct udp_err {
    struct udp_err *next;
    int err;              /* negative ust_err */
    uint8_t origin, type, code;
    uint32_t info;
    struct ust_addr offender;
    struct ust_addr dst;  /* the returned datagram's destination */
    uint16_t dport;
    size_t len;           /* its UDP payload as quoted */
    uint8_t data[];
};

static void errq_pop(struct udp_pcb *pcb)
{
    struct udp_err *e = pcb->errq_head;
    pcb->errq_head = e->next;
    if (!pcb->errq_head)
        pcb->errq_tail = NULL;
    pcb->errq_len--;
    free(e);
}

void udp_errq_clear(struct udp_pcb *pcb)
{
    while (pcb->errq_head)
        errq_pop(pcb);
}

void udp_errq_push(struct ust_stack *st, struct udp_pcb *pcb, const struct udp_icmp *ie)
{
    size_t plen = ie->l4_len > UDP_HDR_LEN ? ie->l4_len - UDP_HDR_LEN : 0;
    struct udp_err *e = malloc(sizeof(*e) + plen);
    if (!e) {
        stack_stats(st)->udp.InErrors++;
        return;
    }
    *e = (struct udp_err){.err = ie->err, .type = ie->type, .code = ie->code, .info = ie->extra,
                          .origin = ie->origin, .offender = ie->from, .dst = ie->odst,
                          .dport = get_be16(ie->l4 + 2), .len = plen};
    if (plen)
        memcpy(e->data, ie->l4 + UDP_HDR_LEN, plen);
    if (pcb->errq_len >= UDP_ERRQ_MAX) {
        stack_stats(st)->udp.ErrQueueDrops++; /* the oldest makes room */
        errq_pop(pcb);
    }
    if (pcb->errq_tail)
        pcb->errq_tail->next = e;
    else
        pcb->errq_head = e;
    pcb->errq_tail = e;
    pcb->errq_len++;
    TRACE(st, "udp", "fd %d: icmp type %u code %u queued for MSG_ERRQUEUE", pcb->sock->fd,
          ie->type, ie->code);
    transport_notify(st);
}

ssize_t udp_errq_recv(struct udp_pcb *pcb, void *buf, size_t len, int flags,
                      struct sock_addr *from, struct sock_meta *meta)
{
    struct udp_err *e = pcb->errq_head;
    if (!e)
        return UST_ERR_AGAIN; /* the error queue never blocks */
    size_t n = e->len < len ? e->len : len;
    if (n)
        memcpy(buf, e->data, n);
    if (from) {
        from->addr = e->dst;
        from->port = e->dport;
    }
    if (meta) {
        meta->full_len = e->len;
        meta->has_err = true;
        meta->err = e->err;
        meta->err_origin = e->origin;
        meta->err_type = e->type;
        meta->err_code = e->code;
        meta->err_info = e->info;
        meta->offender = e->offender;
    }
    size_t real = e->len;
    if (!(flags & MSG_PEEK))
        errq_pop(pcb);
    return (ssize_t)((flags & MSG_TRUNC) ? real : n);
}
