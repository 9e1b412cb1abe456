/* Out-of-order ranges of a receive stream. Offsets count from the front
 * of the stream (for TCP: RCV.NXT). The bytes themselves live in the
 * receive ring (ring_write_at); this only remembers which offsets are
 * held. At most `max` disjoint ranges are kept (ASM_MAX_RANGES unless
 * asm_set_max says otherwise), so memory is bounded whatever the peer
 * sends; their array is allocated on the first range and grows by
 * doubling, so an assembler that never held anything costs no heap. The ranges, in sequence order, are
 * also what SACK blocks (RFC 2018) are made of; which of them changed
 * most recently is the SACK code's record (tcp_sack.c), not this one's. */
#ifndef UST_ASSEMBLER_H
#define UST_ASSEMBLER_H

#include <stdbool.h>
#include <stdint.h>

#define ASM_MAX_RANGES 16 /* the bound of an assembler without asm_set_max */

struct asm_range {
    uint32_t start, end; /* [start, end) offsets from the front */
};

struct assembler {
    struct asm_range *r; /* n ranges, sorted by start, disjoint, not adjacent */
    unsigned n, cap;     /* in use, allocated */
    unsigned max;        /* at most this many (0: ASM_MAX_RANGES) */
};

/* Empty, with no storage, for fresh memory (any earlier storage is not freed). */
void asm_init(struct assembler *a);
/* Forgets every range and frees the storage; the bound stays. */
void asm_clear(struct assembler *a);
/* The bound on ranges (0: ASM_MAX_RANGES); ranges beyond a lower one are not
 * dropped, new ones are refused until there is room. */
void asm_set_max(struct assembler *a, unsigned max);
/* Records [off, off+len) as held, merging with overlapping or adjacent
 * ranges. Returns 0, or UST_ERR_NOMEM when that would need a range more
 * than the bound, or memory for it is lacking (nothing is recorded then). */
int asm_add(struct assembler *a, uint32_t off, uint32_t len);
/* The index of the first range that ends at or after off (a->n if none):
 * the range holding off - 1 or later. A binary search: with a window of
 * holes (hundreds of ranges at 1 % loss and 4 MiB) a walk per segment
 * was a hot path. */
unsigned asm_lower_bound(const struct assembler *a, uint32_t off);
/* Bytes held contiguously from offset 0 (0 when the front is a hole). */
uint32_t asm_front(const struct assembler *a);
/* The front moves forward by n bytes (consumed in order): ranges below
 * are dropped, the others shift down. */
void asm_advance(struct assembler *a, uint32_t n);
static inline bool asm_empty(const struct assembler *a) { return a->n == 0; }
/* Total bytes held. */
uint32_t asm_bytes(const struct assembler *a);

#endif
