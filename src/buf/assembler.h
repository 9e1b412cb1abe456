/* Out-of-order ranges of a receive stream. Offsets count from the front
 * of the stream (for TCP: RCV.NXT). The bytes themselves live in the
 * receive ring (ring_write_at); this only remembers which offsets are
 * held. At most ASM_MAX_RANGES disjoint ranges are kept, so memory is
 * bounded whatever the peer sends. The ranges, in sequence order, are
 * also what SACK blocks (RFC 2018) are made of; which of them changed
 * most recently is the SACK code's record (tcp_sack.c), not this one's. */
#ifndef UST_ASSEMBLER_H
#define UST_ASSEMBLER_H

#include <stdbool.h>
#include <stdint.h>

#define ASM_MAX_RANGES 16

struct asm_range {
    uint32_t start, end; /* [start, end) offsets from the front */
};

struct assembler {
    struct asm_range r[ASM_MAX_RANGES]; /* sorted by start, disjoint, not adjacent */
    unsigned n;
};

void asm_init(struct assembler *a);
/* Records [off, off+len) as held, merging with overlapping or adjacent
 * ranges. Returns 0, or UST_ERR_NOMEM when that would need a range more
 * than ASM_MAX_RANGES (nothing is recorded then). */
int asm_add(struct assembler *a, uint32_t off, uint32_t len);
/* Bytes held contiguously from offset 0 (0 when the front is a hole). */
uint32_t asm_front(const struct assembler *a);
/* The front moves forward by n bytes (consumed in order): ranges below
 * are dropped, the others shift down. */
void asm_advance(struct assembler *a, uint32_t n);
static inline bool asm_empty(const struct assembler *a) { return a->n == 0; }
/* Total bytes held. */
uint32_t asm_bytes(const struct assembler *a);

#endif
