/* STUB: fragmentation and reassembly (to be implemented). */
#include "core/stack_impl.h"
#include "net.h"

int reasm_input(struct ust_stack *st, const struct ipv4_hdr *h, const uint8_t *b, uint8_t **o, size_t *ol) { (void)st; (void)h; (void)b; (void)o; (void)ol; return -1; }
void reasm_destroy(struct ust_stack *st) { (void)st; }
int ipv4_fragment(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t nh, struct pkt *p, unsigned mtu) { (void)st; (void)ifc; (void)nh; (void)mtu; pkt_free(p); return UST_ERR_NOTSUP; }
