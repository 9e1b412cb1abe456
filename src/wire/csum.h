/* The Internet checksum (RFC 1071) with incremental update (RFC 1624). */
#ifndef UST_CSUM_H
#define UST_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds `len` bytes at `data` to the 32-bit one's-complement accumulator
 * `sum` (start with 0). The data are taken as big-endian 16-bit words; an
 * odd trailing byte is padded with zero. Calls may be chained only when
 * every chunk but the last has an even length. Wide accumulation: 64 bits
 * at a time, not byte by byte. */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum);
/* Folds an accumulator to 16 bits and complements it: the field value. */
uint16_t csum_fold(uint32_t sum);
/* csum_fold(csum_partial(data, len, 0)). A buffer that contains a correct
 * checksum field sums to 0. */
uint16_t csum_buf(const void *data, size_t len);
/* Accumulator for the TCP/UDP pseudo-header (addresses in host order). */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for one 16-bit word changed
 * from old_word to new_word; and for a 32-bit field. */
uint16_t csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);
uint16_t csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320, init/final ~0): the Ethernet FCS. */
uint32_t crc32_ieee(const void *data, size_t len);

#endif
