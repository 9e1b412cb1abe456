/* Telling a signal handler's EINTR from the kernel's own. */
#ifndef UST_SIGNALS_H
#define UST_SIGNALS_H

#include <stdbool.h>

/* Could a signal handler be what ended a wait with EINTR? epoll_wait and
 * poll also fail with EINTR when no handler ran: io_uring's task work (a
 * completion run in the submitting thread, the teardown of a ring, which
 * the kernel finishes in each thread that used it) sets TIF_NOTIFY_SIGNAL,
 * and a stop and continue ends such waits too, where the kernel's own
 * socket calls would simply go on waiting. So an EINTR counts only while a
 * handler is installed: with `restartable` (a socket call without a
 * timeout, which signal(7) restarts after a handler with SA_RESTART) only a
 * handler without SA_RESTART. Fault signals are left out: they are raised
 * by an instruction of the thread, never during a wait. */
bool signal_handler_interrupts(bool restartable);

#endif
