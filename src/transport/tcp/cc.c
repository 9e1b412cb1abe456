/* The congestion-control algorithms by name (TCP_CONGESTION, config). */
#include <string.h>

#include "cc.h"

static const struct cc_ops *const all_cc[] = {&cc_newreno, &cc_cubic, &cc_bbr};

const struct cc_ops *cc_find(const char *name)
{
    for (size_t i = 0; i < sizeof(all_cc) / sizeof(all_cc[0]); i++)
        if (name && strcmp(all_cc[i]->name, name) == 0)
            return all_cc[i];
    return NULL;
}
