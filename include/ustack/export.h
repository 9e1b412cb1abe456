/* ustack — export macro for the public API.
 *
 * The library is built with -fvisibility=hidden: only declarations marked
 * UST_API (the ust_* functions of include/ustack/) are exported from
 * libustack.so. Everything else (tcp_input, arp_*, ...) stays internal, so
 * it cannot clash with another stack linked into the same program (lwIP
 * has a tcp_input too) and applications cannot come to depend on it. */
#ifndef USTACK_EXPORT_H
#define USTACK_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define UST_API __attribute__((visibility("default")))
#else
#define UST_API
#endif

#endif
