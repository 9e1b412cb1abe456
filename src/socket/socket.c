/* STUB: socket layer (to be implemented). */
#include "core/stack_impl.h"
#include "sock.h"

void sock_table_destroy(struct ust_stack *st) { (void)st; }
