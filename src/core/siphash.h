/* SipHash-2-4 (Aumasson and Bernstein, 2012): a pseudo-random function
 * keyed with 128 bits, for values an outside observer must not predict. */
#ifndef UST_SIPHASH_H
#define UST_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const uint8_t key[16], const uint8_t *msg, size_t len);

#endif
