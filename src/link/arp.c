/* STUB: ARP neighbour cache (to be implemented). */
#include "core/stack_impl.h"
#include "link.h"

int arp_init(struct ust_stack *st) { (void)st; return UST_OK; }
void arp_destroy(struct ust_stack *st) { (void)st; }
void arp_input(struct ust_stack *st, struct ust_dev *dev, const uint8_t *b, size_t l) { (void)st; (void)dev; (void)b; (void)l; }
int arp_output(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t nh, struct pkt *p) { (void)st; (void)ifc; (void)nh; pkt_free(p); return UST_ERR_NOTSUP; }
void arp_announce(struct ust_stack *st, struct ust_iface *ifc) { (void)st; (void)ifc; }
void ust_arp_flush(struct ust_stack *st) { (void)st; }
void ust_arp_dump(const struct ust_stack *st, FILE *out) { (void)st; (void)out; }
