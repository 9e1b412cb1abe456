/* Initial sequence numbers (RFC 6528, RFC 9293 3.4.1):
 *   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 * M is a 4-microsecond clock (MUST-8), F is SipHash-2-4 keyed with a
 * per-stack secret drawn from the stack PRNG at start-up, so an outside
 * observer cannot compute it (MUST-9). SipHash also keys the connection
 * hash table against collision flooding. */
#include <string.h>

#include "core/stack_impl.h"
#include "tcp.h"
#include "wire/wbuf.h"

static inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static inline uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | ((uint64_t)get_le32(p + 4) << 32);
}

#define SIPROUND(v0, v1, v2, v3)                                                    \
    do {                                                                            \
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);                   \
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                                      \
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                                      \
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);                   \
    } while (0)

/* SipHash-2-4 (Aumasson and Bernstein, 2012). */
uint64_t siphash24(const uint8_t key[16], const uint8_t *msg, size_t len)
{
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(msg + i);
        v3 ^= m;
        SIPROUND(v0, v1, v2, v3);
        SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)msg[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND(v0, v1, v2, v3);
    SIPROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t tcp_isn(struct ust_stack *st, ust_ip4_t laddr, uint16_t lport, ust_ip4_t raddr,
                 uint16_t rport, ust_time_t now)
{
    uint8_t msg[12];
    put_be32(msg, laddr);
    put_be32(msg + 4, raddr);
    put_be16(msg + 8, lport);
    put_be16(msg + 10, rport);
    uint32_t f = (uint32_t)siphash24(st->tcp->secret, msg, sizeof(msg));
    uint32_t m = (uint32_t)(now / (4 * UST_USEC)); /* RFC 6528: 4 microsecond timer */
    return m + f;
}
