/* A datagram read as text, the way the multicast simulation tests check
 * what reached a socket. Included after cmocka.h; the function is static. */
#ifndef TEST_RECV_TEXT_H
#define TEST_RECV_TEXT_H

#include <errno.h>

#include "ustack/socket.h"

/* The datagram queued on fd, NUL-terminated in buf, or -1 (EAGAIN). */
static ssize_t recv_on(struct ust_stack *st, int fd, char *buf, size_t cap)
{
    ssize_t n = ust_recv(st, fd, buf, cap - 1, 0);
    if (n >= 0)
        buf[n] = 0;
    else
        assert_int_equal(errno, EAGAIN);
    return n;
}

#endif
