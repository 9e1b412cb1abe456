/* Pattern streams for simulation tests (stream.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "stream.h"

uint8_t stream_byte(size_t k) { return (uint8_t)((k * 2654435761u) >> 13); }

bool stream_send(struct ust_stack *st, int fd, size_t *sent, size_t total)
{
    uint8_t chunk[4096];
    while (*sent < total) {
        size_t want = total - *sent < sizeof(chunk) ? total - *sent : sizeof(chunk);
        for (size_t k = 0; k < want; k++)
            chunk[k] = stream_byte(*sent + k);
        ssize_t w = ust_send(st, fd, chunk, want, 0);
        if (w < 0)
            assert_int_equal(errno, EAGAIN);
        if (w <= 0)
            return false;
        *sent += (size_t)w;
    }
    return true;
}

bool stream_recv(struct ust_stack *st, int fd, size_t *got)
{
    uint8_t chunk[4096];
    for (;;) {
        ssize_t r = ust_recv(st, fd, chunk, sizeof(chunk), 0);
        if (r == 0)
            return true;
        if (r < 0) {
            assert_int_equal(errno, EAGAIN);
            return false;
        }
        for (ssize_t k = 0; k < r; k++)
            if (chunk[k] != stream_byte(*got + (size_t)k))
                fail_msg("byte %zu differs", *got + (size_t)k);
        *got += (size_t)r;
    }
}
