/* STUB: Ethernet input/output (to be implemented). */
#include "core/stack_impl.h"
#include "dev/dev_impl.h"
#include "link.h"

int link_input(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len) { (void)dev; (void)now; (void)frame; (void)len; return UST_ERR_NOTSUP; }
int eth_output(struct ust_stack *st, struct ust_dev *dev, struct pkt *p, const uint8_t dst[6], uint16_t type) { (void)st; (void)dev; (void)dst; (void)type; pkt_free(p); return UST_ERR_NOTSUP; }
int link_output_ip(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t nh, struct pkt *p) { (void)st; (void)ifc; (void)nh; pkt_free(p); return UST_ERR_NOTSUP; }
