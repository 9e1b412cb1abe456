/* STUB: packet capture middleware (to be implemented). */
#include "core/stack_impl.h"
#include "dev_impl.h"

int ust_dev_pcap_open(struct ust_dev *dev, const char *path) { (void)dev; (void)path; return UST_ERR_NOTSUP; }
int ust_dev_pcap_attach(struct ust_dev *dev, void *file) { (void)dev; (void)file; return UST_ERR_NOTSUP; }
void ust_dev_pcap_close(struct ust_dev *dev) { (void)dev; }
void pcap_write_frame(struct pcap_writer *w, ust_time_t now, const uint8_t *f, size_t len) { (void)w; (void)now; (void)f; (void)len; }
void pcap_writer_free(struct pcap_writer *w) { (void)w; }
