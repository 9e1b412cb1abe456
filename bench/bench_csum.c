/* Internet checksum throughput: csum_partial (wide accumulation) against
 * the textbook byte-pair loop of RFC 1071, on a 1500-byte packet and a
 * 64 KiB buffer, plus CRC-32. Prints MB/s (10^6 bytes per second). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wire/csum.h"

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint16_t naive_csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
        s = (s & 0xffff) + (s >> 16);
    }
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static uint16_t run_fast(const uint8_t *p, size_t n) { return csum_buf(p, n); }
static uint16_t run_crc(const uint8_t *p, size_t n) { return (uint16_t)crc32_ieee(p, n); }

/* Repeats fn over the buffer for about 0.3 s; returns MB/s. The results
 * are folded into *sink so the work cannot be optimised away. */
static double measure(uint16_t (*fn)(const uint8_t *, size_t), const uint8_t *p, size_t n,
                      volatile uint32_t *sink)
{
    size_t iters = 1;
    for (;;) {
        double t0 = now_sec();
        uint32_t acc = 0;
        for (size_t i = 0; i < iters; i++)
            acc += fn(p, n);
        double dt = now_sec() - t0;
        *sink += acc;
        if (dt > 0.3)
            return (double)n * (double)iters / dt / 1e6;
        iters *= 2;
    }
}

int main(void)
{
    const size_t sizes[] = {1500, 65536};
    uint8_t *buf = malloc(65536 + 1);
    if (!buf)
        return 1;
    for (size_t i = 0; i < 65536 + 1; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    volatile uint32_t sink = 0;
    printf("%-10s %-8s %12s %12s %8s %12s\n", "size", "align", "naive MB/s", "csum MB/s", "ratio",
           "crc32 MB/s");
    for (size_t s = 0; s < 2; s++) {
        for (size_t align = 0; align < 2; align++) {
            const uint8_t *p = buf + align;
            size_t n = sizes[s];
            if (naive_csum(p, n) != csum_buf(p, n)) {
                fprintf(stderr, "mismatch at size %zu\n", n);
                return 1;
            }
            double slow = measure(naive_csum, p, n, &sink);
            double fast = measure(run_fast, p, n, &sink);
            double crc = measure(run_crc, p, n, &sink);
            printf("%-10zu %-8zu %12.0f %12.0f %7.1fx %12.0f\n", n, align, slow, fast, fast / slow,
                   crc);
        }
    }
    free(buf);
    return 0;
}
