/* STUB: IPv4 input/output (to be implemented). */
#include "core/stack_impl.h"
#include "net.h"

void ipv4_input(struct ust_stack *st, struct ust_iface *ifc, const uint8_t *b, size_t l, bool bc) { (void)st; (void)ifc; (void)b; (void)l; (void)bc; }
int ipv4_output(struct ust_stack *st, const struct ipv4_out *o, struct pkt *p) { (void)st; (void)o; pkt_free(p); return UST_ERR_NOTSUP; }
ust_ip4_t ipv4_source_for(const struct ust_stack *st, ust_ip4_t dst) { (void)st; (void)dst; return 0; }
unsigned ipv4_mtu_for(const struct ust_stack *st, ust_ip4_t dst) { (void)st; (void)dst; return 1480; }
bool ipv4_is_local(const struct ust_stack *st, ust_ip4_t a) { (void)st; (void)a; return false; }
bool ipv4_is_broadcast(const struct ust_stack *st, ust_ip4_t a) { (void)st; (void)a; return false; }
void pmtu_update(struct ust_stack *st, ust_ip4_t dst, unsigned mtu) { (void)st; (void)dst; (void)mtu; }
unsigned pmtu_get(const struct ust_stack *st, ust_ip4_t dst) { (void)st; (void)dst; return 0; }
