/* The TAP/TUN receive batch over io_uring (dev_tap_rxq.c). */
#ifndef UST_DEV_TAP_RXQ_H
#define UST_DEV_TAP_RXQ_H

#include <stddef.h>
#include <stdint.h>

#include "ustack/dev.h"

struct tap_rxq;

/* What the driver does with each frame read (its one per-frame function).
 * The frame is writable: the receive buffer is the driver's, and a
 * virtio_net_hdr frame may have its partial checksum completed in place. */
typedef void (*tap_rx_frame_fn)(void *ctx, struct ust_dev *dev, ust_time_t now,
                                uint8_t *frame, size_t len);

/* A receive ring reading descriptor fd into up to max_batch buffers of
 * buf_len bytes each (the largest read the driver accepts). NULL with
 * *err set (a negative errno from io_uring_setup, or -ENOMEM). */
struct tap_rxq *tap_rxq_new(int fd, size_t buf_len, unsigned max_batch, int *err);
void tap_rxq_free(struct tap_rxq *q);
/* Reads up to budget frames, several per system call once a backlog
 * shows (a lone frame is a plain read()), and hands each to fn in the
 * order the kernel queued them. Returns the number read, or a
 * negative errno when reading can never succeed again (the interface was
 * deleted) and nothing was read. */
int tap_rxq_poll(struct tap_rxq *q, struct ust_dev *dev, ust_time_t now, unsigned budget,
                 tap_rx_frame_fn fn, void *ctx);

#endif
