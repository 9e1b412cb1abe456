/* The real loop's wait, converted for the kernel. epoll_pwait2 (Linux
 * 5.11) takes a timespec, so the loop wakes when the stack's next timer is
 * due rather than up to a millisecond later: a pacing timer
 * (tcp_pacing.c) due in 100 us would otherwise sleep a whole millisecond
 * and hold a paced sender to about one send quantum per millisecond.
 * Kernels without it get epoll_wait's whole milliseconds. */
#include "loop/loop_wait.h"

#define LOOP_WAIT_MAX ((ust_time_t)1000000 * UST_MSEC) /* ~17 min: any longer wait is
                                                          only re-armed, never missed */

bool loop_wait_timespec(ust_time_t wait, struct timespec *ts)
{
    if (wait == UST_TIME_NEVER)
        return false;
    if (wait > LOOP_WAIT_MAX)
        wait = LOOP_WAIT_MAX;
    ts->tv_sec = (time_t)(wait / UST_SEC);
    ts->tv_nsec = (long)(wait % UST_SEC);
    return true;
}

/* Rounded up so that we never wake before the deadline and spin. */
int loop_wait_ms(ust_time_t wait)
{
    if (wait == UST_TIME_NEVER)
        return -1;
    if (wait > LOOP_WAIT_MAX)
        wait = LOOP_WAIT_MAX;
    return (int)((wait + UST_MSEC - 1) / UST_MSEC);
}
