/* A token bucket in GCRA form, shared by the stack-wide limits on replies
 * that an attacker can provoke at will (ICMP errors, RSTs to closed
 * ports): integer, deterministic, driven by the stack's clock. */
#ifndef UST_RATELIMIT_H
#define UST_RATELIMIT_H

#include <stdbool.h>

#include "ustack/types.h"

/* *tat is the "theoretical arrival time": when the bucket would be full
 * again (0 = full). Each message costs one interval of 1 s / rate; up to
 * `burst` (0 counts as 1) may be owed at once. Returns true and charges
 * the bucket when a message may go now; a rate of 0 disables the limit. */
bool rate_bucket_take(ust_time_t *tat, unsigned rate, unsigned burst, ust_time_t now);

#endif
