/* DHCP on a front's stack (ust_front_dhcp_start/_stop, front.h): the
 * client starts on the stack thread and lives in the stack, which renews
 * and rebinds from its own timers while the stack thread runs; the caller
 * waits for the lease as ust_front_wait_stack_fd waits for a descriptor,
 * checking after every turn. */
#include <errno.h>
#include <time.h>

#include "front_impl.h"
#include "ustack/dhcp.h"
#include "ustack/loop.h"
#include "ustack/stack.h"

struct front_dhcp_start {
    int ifindex;
    struct ust_dhcp *c;
};

static int start_on_stack(struct ust_stack *st, void *ctx)
{
    struct front_dhcp_start *a = ctx;
    return ust_dhcp_start(st, a->ifindex, &a->c);
}

/* Under the lock, after every turn (front_mirror_all broadcasts turn_cond
 * while stack_waiters > 0): BOUND or the monotonic deadline. */
static int wait_bound(struct ust_front *f, struct ust_dhcp *c, ust_time_t deadline)
{
    pthread_mutex_lock(&f->lock);
    f->stack_waiters++;
    int rc = UST_OK;
    while (ust_dhcp_state(c) != UST_DHCP_BOUND) {
        if (!front_turn_wait(f, deadline)) {
            rc = UST_ERR_TIMEDOUT;
            break;
        }
    }
    f->stack_waiters--;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int ust_front_dhcp_start(struct ust_front *f, int ifindex, ust_time_t deadline,
                         struct ust_dhcp **c)
{
    struct front_dhcp_start a = {.ifindex = ifindex};
    *c = NULL;
    int rc = ust_front_run(f, start_on_stack, &a);
    if (rc != UST_OK)
        return rc;
    *c = a.c;
    return wait_bound(f, a.c, deadline);
}

/* The DHCPRELEASE leaves the device before the call returns (the poll
 * ends the burst it is part of), so a process may exit right after. */
static int stop_on_stack(struct ust_stack *st, void *ctx)
{
    ust_dhcp_stop(st, ctx);
    ust_stack_poll(st, ust_stack_now(st));
    return 0;
}

void ust_front_dhcp_stop(struct ust_front *f, struct ust_dhcp *c)
{
    if (c)
        ust_front_run(f, stop_on_stack, c);
}

int ust_front_dhcp_state(struct ust_front *f, struct ust_dhcp *c, struct ust_dhcp_lease *lease)
{
    pthread_mutex_lock(&f->lock);
    int state = ust_dhcp_state(c);
    if (lease && ust_dhcp_lease(c, lease) != UST_OK)
        *lease = (struct ust_dhcp_lease){0};
    pthread_mutex_unlock(&f->lock);
    return state;
}
