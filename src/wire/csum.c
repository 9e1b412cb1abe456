/* The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * The one's-complement sum does not depend on byte order (RFC 1071 2.(B)):
 * we add the data as native-order 32-bit words into a 64-bit accumulator
 * (2^32 additions before it could overflow), fold the carries back in, and
 * swap the two bytes of the 16-bit result once at the end on little-endian
 * hosts. Loads go through memcpy, so any alignment is fine and the compiler
 * emits plain (unaligned) loads. */
#include "csum.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define CSUM_BIG_ENDIAN 1
#else
#define CSUM_BIG_ENDIAN 0
#endif

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint16_t load16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Folds a 64-bit one's-complement accumulator to 16 bits (not complemented). */
static inline uint16_t fold64(uint64_t acc)
{
    acc = (acc & 0xffffffffu) + (acc >> 32); /* <= 2^33 */
    acc = (acc & 0xffffffffu) + (acc >> 32); /* <= 2^32 */
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    return (uint16_t)acc;
}

/* Sum of a block of at most 1 GiB as native-order words: the 64-bit
 * accumulator then never overflows (2^28 words of < 2^32 each). */
static uint64_t sum_native(const uint8_t *p, size_t len)
{
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0; /* independent chains for ILP */
    while (len >= 32) {
        a0 += load32(p);
        a1 += load32(p + 4);
        a2 += load32(p + 8);
        a3 += load32(p + 12);
        a0 += load32(p + 16);
        a1 += load32(p + 20);
        a2 += load32(p + 24);
        a3 += load32(p + 28);
        p += 32;
        len -= 32;
    }
    while (len >= 4) {
        a0 += load32(p);
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        a1 += load16(p);
        p += 2;
        len -= 2;
    }
    if (len) {
        /* The odd byte is the high half of a big-endian word padded with
         * zero: in native order that is the byte at the lower address. */
#if CSUM_BIG_ENDIAN
        a2 += (uint32_t)p[0] << 8;
#else
        a2 += p[0];
#endif
    }
    /* Each a_i < 2^62, so the sum below cannot overflow. */
    return a0 + a1 + a2 + a3;
}

/* The folded sum of p[0..n) as big-endian words (n <= 1 GiB). */
static inline uint16_t block_sum(const uint8_t *p, size_t n)
{
    uint16_t s = fold64(sum_native(p, n));
#if !CSUM_BIG_ENDIAN
    s = (uint16_t)((s >> 8) | (s << 8));
#endif
    return s;
}

uint32_t csum_partial(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    uint64_t acc = sum;
    const size_t block = (size_t)1 << 30; /* even, so word boundaries hold */
    while (len > block) {
        acc += block_sum(p, block);
        p += block;
        len -= block;
    }
    acc += block_sum(p, len);
    /* Return the sum folded to 16 bits: still a valid accumulator, and
     * callers may add a few more such values without overflowing. */
    return fold64(acc);
}

uint16_t csum_fold(uint32_t sum)
{
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t csum_buf(const void *data, size_t len)
{
    return csum_fold(csum_partial(data, len, 0));
}

uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    /* RFC 793 3.1 / RFC 768: src, dst, zero+protocol, length. */
    return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + proto + len;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Unlike eqn. 2 it never turns a
 * correct non-zero checksum into 0x0000 when the data sum is nonzero. */
uint16_t csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
    uint32_t sum = (uint32_t)(uint16_t)~csum + (uint16_t)~old_word + new_word;
    return csum_fold(sum);
}

uint16_t csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
    uint32_t sum = (uint32_t)(uint16_t)~csum;
    sum += (uint16_t)~(old_val >> 16);
    sum += (uint16_t)~(old_val & 0xffffu);
    sum += new_val >> 16;
    sum += new_val & 0xffffu;
    return csum_fold(sum);
}
