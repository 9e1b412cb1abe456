/* The Ethernet multicast filter: which group MAC addresses each interface
 * accepts (RFC 2464 7 for IPv6: 33:33 + the low 32 bits of the group). The
 * upper layer joins and leaves; link input asks. */
#include <string.h>

#include "link.h"
#include "link_state.h"

static struct link_mcast *mcast_find(struct link_state *ls, int ifindex, const uint8_t mac[6])
{
    for (unsigned i = 0; i < LINK_MCAST_MAX; i++) {
        struct link_mcast *m = &ls->mcast[i];
        if (m->refs && m->ifindex == ifindex && !memcmp(m->mac, mac, 6))
            return m;
    }
    return NULL;
}

int link_mcast_join(struct ust_stack *st, int ifindex, const uint8_t mac[6])
{
    struct link_state *ls = stack_link(st);
    struct link_mcast *m = mcast_find(ls, ifindex, mac);
    if (m) {
        m->refs++;
        return UST_OK;
    }
    for (unsigned i = 0; i < LINK_MCAST_MAX; i++) {
        m = &ls->mcast[i];
        if (m->refs == 0) {
            m->ifindex = ifindex;
            memcpy(m->mac, mac, 6);
            m->refs = 1;
            return UST_OK;
        }
    }
    return UST_ERR_NOMEM;
}

void link_mcast_leave(struct ust_stack *st, int ifindex, const uint8_t mac[6])
{
    struct link_mcast *m = mcast_find(stack_link(st), ifindex, mac);
    if (m)
        m->refs--;
}

bool link_mcast_accepts(const struct ust_stack *st, int ifindex, const uint8_t mac[6])
{
    return mcast_find((struct link_state *)stack_link_const(st), ifindex, mac) != NULL;
}
