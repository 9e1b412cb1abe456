/* A device over one end of a socketpair (pair_dev.h). */
#include "pair_dev.h"

#include <sys/socket.h>

static int pair_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now;
    struct pair_end *p = ctx;
    return send(p->fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len ? 0
                                                                                : UST_ERR_IO;
}

static int pair_fd(void *ctx) { return ((struct pair_end *)ctx)->fd; }

static int pair_poll_rx(void *ctx, struct ust_dev *dev, ust_time_t now, unsigned budget)
{
    struct pair_end *p = ctx;
    uint8_t buf[2048];
    int got = 0;
    while ((unsigned)got < budget) {
        ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0)
            break;
        ust_dev_input(dev, now, buf, (size_t)n);
        got++;
    }
    return got;
}

const struct ust_dev_ops pair_dev_ops = {
    .transmit = pair_transmit, .fd = pair_fd, .poll_rx = pair_poll_rx};
