/* Fuzz target for the SYN cookie encodings (tcp_syncookie.h): from the
 * input, a key, a 4-tuple, the peer's ISN, a period, an MSS and options.
 * A cookie made from them must check in its period and the next with the
 * same MSS index, and in no other; the input's own 32 bits taken as a
 * cookie must decode to nothing or to a table index; the options must
 * survive the TSval, which never runs ahead of the clock. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/tcp/tcp_syncookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NEED 48

static void check(int cond)
{
    if (!cond)
        abort();
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fuzz_ts(const uint8_t *d)
{
    struct syncookie_opts o = {.wscale_ok = (d[0] & 0xf) <= 14, .wscale = (uint8_t)(d[0] & 0xf),
                               .sack_ok = d[1] & 1, .ecn_ok = (d[1] & 2) != 0};
    if (!o.wscale_ok)
        o.wscale = 0;
    uint32_t now = le32(d + 2);
    uint32_t ts = syncookie_ts_encode(now, &o);
    check(now - ts <= SYNCOOKIE_TS_MASK);
    struct syncookie_opts back;
    syncookie_ts_decode(ts, &back);
    check(back.wscale_ok == o.wscale_ok && back.wscale == o.wscale);
    check(back.sack_ok == o.sack_ok && back.ecn_ok == o.ecn_ok);
    syncookie_ts_decode(le32(d + 6), &back); /* any TSecr: a shift of 14 at most */
    check(back.wscale <= 14);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t d[NEED] = {0};
    memcpy(d, data, size < NEED ? size : NEED);
    const uint8_t *key = d;
    struct syncookie_tuple t = {.laddr = {.family = UST_AF_INET, .u.v4 = le32(d + 16)},
                                .raddr = {.family = UST_AF_INET, .u.v4 = le32(d + 20)},
                                .lport = (uint16_t)le32(d + 24), .rport = (uint16_t)le32(d + 26)};
    uint32_t isn = le32(d + 28), count = le32(d + 32), any = le32(d + 36);
    uint16_t mss = (uint16_t)le32(d + 40);
    unsigned idx = syncookie_mss_index(mss);
    check(idx < SYNCOOKIE_NMSS);
    check(idx == 0 || syncookie_mss_value(idx) <= mss);
    uint32_t ck = syncookie_make(key, &t, isn, count, idx);
    check(syncookie_check(key, &t, isn, ck, count) == (int)idx);
    check(syncookie_check(key, &t, isn, ck, count + 1) == (int)idx);
    check(syncookie_check(key, &t, isn, ck, count + 2) == -1);
    check(syncookie_check(key, &t, isn, ck, count - 1) == -1);
    int r = syncookie_check(key, &t, isn, any, count);
    check(r == -1 || (r >= 0 && r < (int)SYNCOOKIE_NMSS));
    fuzz_ts(d + 38);
    return 0;
}
