/* Private to src/wire: option writer shared by tcp.c and tcp_opt.c. */
#ifndef UST_WIRE_TCP_OPT_H
#define UST_WIRE_TCP_OPT_H

#include "tcp.h"

/* Writes the options of `o` at p (exactly tcp_opts_len(o) bytes, a
 * multiple of 4) and returns that length. */
size_t tcp_emit_options(const struct tcp_opts *o, uint8_t *p);

#endif
