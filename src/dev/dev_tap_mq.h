/* Why TUNSETIFF refused an existing TAP/TUN device: its queue mode
 * (dev_tap_mq.c). */
#ifndef UST_DEV_TAP_MQ_H
#define UST_DEV_TAP_MQ_H

#include <stdbool.h>

/* Is `ifname` a TAP/TUN device of the kind in `flags` (IFF_TAP or
 * IFF_TUN) whose IFF_MULTI_QUEUE bit differs from the one in `flags`? The
 * kernel answers such an open EINVAL, as it does a name of another kind;
 * false when it cannot tell. */
bool tap_mq_mismatch(const char *ifname, short flags);

#endif
