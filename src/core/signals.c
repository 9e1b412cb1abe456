/* Telling a signal handler's EINTR from the kernel's own (signals.h). */
#include "signals.h"

#include <signal.h>

/* Signals a fault raises in the faulting thread, never in one blocked in
 * a system call: their handlers (a sanitizer's, a runtime's) cannot have
 * interrupted a wait. */
static bool fault_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
           sig == SIGTRAP || sig == SIGSYS;
}

bool signal_handler_interrupts(bool restartable)
{
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP || fault_signal(sig) ||
            sigaction(sig, NULL, &sa) != 0)
            continue; /* glibc's own signals (32, 33) answer EINVAL */
        bool handled = (sa.sa_flags & SA_SIGINFO) ? sa.sa_sigaction != NULL
                                                  : sa.sa_handler != SIG_DFL &&
                                                        sa.sa_handler != SIG_IGN;
        if (handled && (!restartable || !(sa.sa_flags & SA_RESTART)))
            return true;
    }
    return false;
}
