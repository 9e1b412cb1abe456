/* STUB: routing table (to be implemented). */
#include "core/stack_impl.h"
#include "net.h"

const struct route *route_lookup(const struct route_table *t, ust_ip4_t dst) { (void)t; (void)dst; return NULL; }
int route_insert(struct route_table *t, const struct route *r) { (void)t; (void)r; return UST_OK; }
int route_remove(struct route_table *t, ust_ip4_t dst, int len) { (void)t; (void)dst; (void)len; return UST_ERR_NOENT; }
int ust_route_add(struct ust_stack *st, ust_ip4_t dst, int len, ust_ip4_t gw, int ifindex) { (void)st; (void)dst; (void)len; (void)gw; (void)ifindex; return UST_ERR_NOTSUP; }
int ust_route_del(struct ust_stack *st, ust_ip4_t dst, int len) { (void)st; (void)dst; (void)len; return UST_ERR_NOTSUP; }
int ust_route_default(struct ust_stack *st, ust_ip4_t gw) { (void)st; (void)gw; return UST_ERR_NOTSUP; }
int ust_route_lookup(const struct ust_stack *st, ust_ip4_t dst, int *ifi, ust_ip4_t *nh) { (void)st; (void)dst; (void)ifi; (void)nh; return UST_ERR_NOROUTE; }
void ust_route_dump(const struct ust_stack *st, FILE *out) { (void)st; (void)out; }
