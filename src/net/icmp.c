/* STUB: ICMP (to be implemented). */
#include "core/stack_impl.h"
#include "net.h"

void icmp_input(struct ust_stack *st, struct ust_iface *ifc, const struct ipv4_hdr *ip, const uint8_t *d, size_t l, bool bc) { (void)st; (void)ifc; (void)ip; (void)d; (void)l; (void)bc; }
void icmp_send_error(struct ust_stack *st, uint8_t t, uint8_t c, uint32_t e, const uint8_t *o, size_t l) { (void)st; (void)t; (void)c; (void)e; (void)o; (void)l; }
void icmp_local_unreachable(struct ust_stack *st, const uint8_t *d, size_t l) { (void)st; (void)d; (void)l; }
void ust_ping_set_handler(struct ust_stack *st, ust_ping_fn fn, void *ctx) { st->icmp.ping_fn = fn; st->icmp.ping_ctx = ctx; }
int ust_ping_send(struct ust_stack *st, ust_ip4_t dst, uint16_t id, uint16_t seq, size_t size, uint8_t ttl) { (void)st; (void)dst; (void)id; (void)seq; (void)size; (void)ttl; return UST_ERR_NOTSUP; }
