/* TCP options (RFC 9293 3.1-3.2, RFC 7323, RFC 2018): parse and emit. */
#include <string.h>

#include "tcp.h"
#include "tcp_opt.h"
#include "wbuf.h"

#define TCP_OPT_SPACE 40 /* 60-byte maximum header minus the fixed 20 */
#define OLEN_MSS 4
#define OLEN_WSCALE 3
#define OLEN_SACK_PERM 2
#define OLEN_TIMESTAMP 10
#define SACK_BLOCK_LEN 8

static void count_unknown(struct tcp_opts *o)
{
    if (o->num_unknown < UINT8_MAX)
        o->num_unknown++;
}

/* SACK (RFC 2018 3): 2 + 8*n bytes with 1 <= n <= 4. */
static void parse_sack(const uint8_t *p, uint8_t olen, struct tcp_opts *o)
{
    size_t n = (size_t)(olen - 2) / SACK_BLOCK_LEN;
    if (olen < 2 + SACK_BLOCK_LEN || (olen - 2) % SACK_BLOCK_LEN != 0 || n > TCP_MAX_SACK_BLOCKS) {
        count_unknown(o);
        return;
    }
    o->num_sack = (uint8_t)n;
    for (size_t i = 0; i < n; i++) {
        o->sack[i].left = get_be32(p + 2 + i * SACK_BLOCK_LEN);
        o->sack[i].right = get_be32(p + 6 + i * SACK_BLOCK_LEN);
    }
}

/* One option of kind p[0] and length olen (already checked to fit). A known
 * kind with the wrong length is skipped like an unknown one: RFC 9293
 * 3.1 asks that we tolerate options we cannot use. */
static void parse_one(const uint8_t *p, uint8_t olen, struct tcp_opts *o)
{
    switch (p[0]) {
    case TCP_OPT_MSS:
        if (olen != OLEN_MSS)
            break;
        o->has_mss = true;
        o->mss = get_be16(p + 2);
        return;
    case TCP_OPT_WSCALE:
        if (olen != OLEN_WSCALE)
            break;
        o->has_wscale = true;
        o->wscale = p[2];
        return;
    case TCP_OPT_SACK_PERM:
        if (olen != OLEN_SACK_PERM)
            break;
        o->sack_permitted = true;
        return;
    case TCP_OPT_TIMESTAMP:
        if (olen != OLEN_TIMESTAMP)
            break;
        o->has_timestamp = true;
        o->ts_val = get_be32(p + 2);
        o->ts_ecr = get_be32(p + 6);
        return;
    case TCP_OPT_SACK:
        parse_sack(p, olen, o);
        return;
    default:
        break;
    }
    count_unknown(o);
}

int tcp_parse_options(const uint8_t *opts, size_t len, struct tcp_opts *o)
{
    memset(o, 0, sizeof(*o));
    size_t i = 0;
    while (i < len) {
        uint8_t kind = opts[i];
        if (kind == TCP_OPT_EOL)
            break;
        if (kind == TCP_OPT_NOP) {
            i++;
            continue;
        }
        /* RFC 9293 3.1: every other option has a length octet counting
         * kind and length, so it is at least 2 and must stay in the header. */
        if (len - i < 2)
            return WIRE_BAD_OPTION;
        uint8_t olen = opts[i + 1];
        if (olen < 2 || olen > len - i)
            return WIRE_BAD_OPTION;
        parse_one(opts + i, olen, o);
        i += olen;
    }
    return WIRE_OK;
}

/* Layout written by tcp_emit, each piece a multiple of 4 bytes:
 *   MSS                          4
 *   SACK-permitted + timestamps  12 (4,2,8,10,...) / NOP,NOP,TS 12 / NOP,NOP,4,2 4
 *   window scale                 NOP,3,3,s  4
 *   SACK blocks                  NOP,NOP,5,len  4 + 8n, n cut to what fits */
static size_t fixed_opts_len(const struct tcp_opts *o)
{
    size_t n = 0;
    if (o->has_mss)
        n += 4;
    if (o->has_timestamp)
        n += 12;
    else if (o->sack_permitted)
        n += 4;
    if (o->has_wscale)
        n += 4;
    return n;
}

static size_t sack_blocks_that_fit(const struct tcp_opts *o)
{
    size_t used = fixed_opts_len(o);
    size_t n = o->num_sack > TCP_MAX_SACK_BLOCKS ? TCP_MAX_SACK_BLOCKS : o->num_sack;
    if (n == 0 || used + 4 + SACK_BLOCK_LEN > TCP_OPT_SPACE)
        return 0;
    size_t fit = (TCP_OPT_SPACE - used - 4) / SACK_BLOCK_LEN;
    return n < fit ? n : fit;
}

size_t tcp_opts_len(const struct tcp_opts *o)
{
    size_t n = sack_blocks_that_fit(o);
    return fixed_opts_len(o) + (n ? 4 + n * SACK_BLOCK_LEN : 0);
}

size_t tcp_emit_options(const struct tcp_opts *o, uint8_t *p)
{
    uint8_t *start = p;
    if (o->has_mss) {
        p[0] = TCP_OPT_MSS;
        p[1] = OLEN_MSS;
        put_be16(p + 2, o->mss);
        p += 4;
    }
    if (o->has_timestamp) {
        if (o->sack_permitted) {
            p[0] = TCP_OPT_SACK_PERM;
            p[1] = OLEN_SACK_PERM;
        } else {
            p[0] = TCP_OPT_NOP;
            p[1] = TCP_OPT_NOP;
        }
        p[2] = TCP_OPT_TIMESTAMP;
        p[3] = OLEN_TIMESTAMP;
        put_be32(p + 4, o->ts_val);
        put_be32(p + 8, o->ts_ecr);
        p += 12;
    } else if (o->sack_permitted) {
        p[0] = TCP_OPT_NOP;
        p[1] = TCP_OPT_NOP;
        p[2] = TCP_OPT_SACK_PERM;
        p[3] = OLEN_SACK_PERM;
        p += 4;
    }
    if (o->has_wscale) {
        p[0] = TCP_OPT_NOP;
        p[1] = TCP_OPT_WSCALE;
        p[2] = OLEN_WSCALE;
        p[3] = o->wscale;
        p += 4;
    }
    size_t n = sack_blocks_that_fit(o);
    if (n) {
        p[0] = TCP_OPT_NOP;
        p[1] = TCP_OPT_NOP;
        p[2] = TCP_OPT_SACK;
        p[3] = (uint8_t)(2 + n * SACK_BLOCK_LEN);
        p += 4;
        for (size_t i = 0; i < n; i++) {
            put_be32(p, o->sack[i].left);
            put_be32(p + 4, o->sack[i].right);
            p += SACK_BLOCK_LEN;
        }
    }
    return (size_t)(p - start);
}
