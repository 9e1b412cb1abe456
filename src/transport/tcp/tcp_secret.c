/* The per-stack secret that keys the ISN function and the connection hash
 * (RFC 6528, RFC 9293 3.4.1 MUST-9: the ISN function must not be
 * computable by an outside observer).
 *
 * tcp_init() draws a key from the stack PRNG, which is deterministic for a
 * given cfg.seed (the simulator relies on that). A stack that talks to a
 * real network needs a key nobody can guess: the real event loop installs
 * one from the kernel's random source (src/loop/loop_real.c), and an
 * application may install its own with ust_stack_set_secret(). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "transport/transport.h"

/* Two fixed keys fold any key length into the 16-byte SipHash key. */
static const uint8_t fold_key[2][16] = {
    {0x75, 0x73, 0x74, 0x61, 0x63, 0x6b, 0x2d, 0x69, 0x73, 0x6e, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x30},
    {0x75, 0x73, 0x74, 0x61, 0x63, 0x6b, 0x2d, 0x69, 0x73, 0x6e, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x31},
};

/* Changing the key moves every connection to another hash bucket: empty
 * the buckets, change the key, put the hashed connections back (their
 * tuples were unique before, so every insert succeeds). */
static void install_key(struct ust_stack *st, const uint8_t key[16])
{
    struct tcp_state *ts = stack_tcp(st);
    memset(ts->hash, 0, sizeof(ts->hash));
    ts->last = NULL; /* tcb_lookup's cache holds only TCBs in the table */
    memcpy(ts->secret, key, 16);
    for (struct tcb *t = ts->all; t; t = t->all_next) {
        if (t->in_hash) {
            t->in_hash = false;
            t->hnext = NULL;
            (void)tcb_hash_insert(t);
        }
    }
}

int ust_stack_set_secret(struct ust_stack *st, const void *key, size_t len)
{
    struct tcp_state *ts = st ? stack_tcp(st) : NULL;
    if (!ts || !key || len == 0)
        return UST_ERR_INVAL;
    uint8_t k[16];
    uint64_t h0 = siphash24(fold_key[0], key, len);
    uint64_t h1 = siphash24(fold_key[1], key, len);
    for (int i = 0; i < 8; i++) {
        k[i] = (uint8_t)(h0 >> (8 * i));
        k[8 + i] = (uint8_t)(h1 >> (8 * i));
    }
    install_key(st, k);
    ts->secret_set = true;
    TRACE(st, "tcp", "secret key installed (%zu bytes)", len);
    return UST_OK;
}

bool ust_stack_has_secret(const struct ust_stack *st)
{
    const struct tcp_state *ts = st ? stack_tcp(st) : NULL;
    return ts && ts->secret_set;
}
