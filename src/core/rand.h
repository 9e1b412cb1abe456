/* Per-stack PRNG (xoshiro256**, seeded through splitmix64). Deterministic:
 * the same seed gives the same sequence. Not for cryptographic keys. */
#ifndef UST_RAND_H
#define UST_RAND_H

#include <stdint.h>

struct ust_rng {
    uint64_t s[4];
};

void rng_seed(struct ust_rng *r, uint64_t seed);
uint64_t rng_next(struct ust_rng *r);
/* Uniform in [0, n) (n > 0), without modulo bias. */
uint64_t rng_below(struct ust_rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double rng_unit(struct ust_rng *r);
void rng_bytes(struct ust_rng *r, void *buf, unsigned long n);

#endif
