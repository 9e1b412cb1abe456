#include "core/ratelimit.h"

bool rate_bucket_take(ust_time_t *tat, unsigned rate, unsigned burst, ust_time_t now)
{
    if (rate == 0)
        return true;
    ust_time_t interval = UST_SEC / rate;
    ust_time_t depth = (burst ? burst : 1) * interval;
    ust_time_t at = *tat > now ? *tat : now;
    if (at - now + interval > depth)
        return false;
    *tat = at + interval;
    return true;
}
