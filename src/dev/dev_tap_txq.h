/* The TAP/TUN transmit queue over io_uring (dev_tap_txq.c). */
#ifndef UST_DEV_TAP_TXQ_H
#define UST_DEV_TAP_TXQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf/pkt.h"
#include "ustack/dev.h"

struct tap_txq;

/* A queue writing to descriptor fd frames of up to mtu + 18 bytes from its
 * buffers (larger packets are lent to the ring, larger copied frames are
 * written directly after the queue drains); sqpoll: a kernel
 * polling thread takes the bursts (else one io_uring_enter per burst,
 * the kernel's work in our thread). NULL with *err set
 * (a negative errno from io_uring_setup, or -ENOMEM) when the kernel or
 * memory refuses. */
struct tap_txq *tap_txq_new(int fd, unsigned mtu, bool sqpoll, int *err);
/* Hands every held frame to the kernel, waits until the kernel has taken
 * them all, then frees the queue. */
void tap_txq_free(struct tap_txq *q, struct ust_dev *dev);
/* Copies the frame: holds it, or hands it to the kernel. 0 or a negative
 * ust_err. */
int tap_txq_transmit(struct tap_txq *q, struct ust_dev *dev, const uint8_t *frame, size_t len);
/* Takes p: a packet of the stack's pool, or one larger than the queue's
 * buffers (a TSO super-packet), is lent (its memory is written in place,
 * and it returns to the pool or is freed when the kernel is done), any
 * other is copied and freed. 0 or a negative ust_err. */
int tap_txq_transmit_pkt(struct tap_txq *q, struct ust_dev *dev, struct pkt *p);
/* The end of a burst: every held frame goes to the kernel now. */
void tap_txq_flush(struct tap_txq *q, struct ust_dev *dev);

#endif
