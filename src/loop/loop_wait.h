/* How long the real loop's epoll wait lasts, from the time to the stack's
 * next deadline (src/loop/loop_wait.c). */
#ifndef USTACK_LOOP_WAIT_H
#define USTACK_LOOP_WAIT_H

#include <stdbool.h>
#include <time.h>

#include "ustack/types.h"

/* epoll_pwait2's timeout: false means no timeout (wait for an event). */
bool loop_wait_timespec(ust_time_t wait, struct timespec *ts);

/* epoll_wait's timeout in whole milliseconds, rounded up; -1: none. */
int loop_wait_ms(ust_time_t wait);

#endif
