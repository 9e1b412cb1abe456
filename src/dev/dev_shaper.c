/* STUB: token-bucket shaper middleware (to be implemented). */
#include "core/stack_impl.h"
#include "dev_impl.h"

int ust_dev_shaper_attach(struct ust_dev *dev, uint64_t rate, size_t burst, size_t q) { (void)dev; (void)rate; (void)burst; (void)q; return UST_ERR_NOTSUP; }
void ust_dev_shaper_detach(struct ust_dev *dev) { (void)dev; }
int shaper_enqueue(struct ust_dev *dev, ust_time_t now, struct pkt *p) { return dev_driver_transmit(dev, now, p); }
ust_time_t shaper_poll_at(const struct shaper *s) { (void)s; return UST_TIME_NEVER; }
void shaper_poll(struct ust_dev *dev, ust_time_t now) { (void)dev; (void)now; }
void shaper_free(struct shaper *s) { (void)s; }
