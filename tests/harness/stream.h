/* A byte stream with a known pattern through non-blocking sockets, for
 * simulation tests that move data and check every byte. */
#ifndef TEST_STREAM_H
#define TEST_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/ustack.h"

/* Byte k of the stream. */
uint8_t stream_byte(size_t k);
/* Writes the stream from *sent on, up to total, as far as the send buffer
 * takes it; returns true once all of it is written. */
bool stream_send(struct ust_stack *st, int fd, size_t *sent, size_t total);
/* Reads what is there, checking every byte; returns true at EOF. */
bool stream_recv(struct ust_stack *st, int fd, size_t *got);

#endif
