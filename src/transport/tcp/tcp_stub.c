/* STUB: TCP (next issue). */
#include "core/stack_impl.h"
#include "socket/sock.h"
#include "transport/transport.h"

int tcp_init(struct ust_stack *st) { (void)st; return UST_OK; }
void tcp_destroy(struct ust_stack *st) { (void)st; }
void tcp_input(struct ust_stack *st, const struct ipv4_hdr *ip, const uint8_t *s, size_t sl, const uint8_t *d, size_t dl) { (void)st; (void)ip; (void)s; (void)sl; (void)d; (void)dl; }
void tcp_icmp_error(struct ust_stack *st, uint8_t t, uint8_t c, uint32_t e, const struct ipv4_hdr *o, const uint8_t *l4, size_t l) { (void)st; (void)t; (void)c; (void)e; (void)o; (void)l4; (void)l; }
const struct sock_ops tcp_sock_ops = {0};
