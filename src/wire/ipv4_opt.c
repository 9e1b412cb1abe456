/* The IPv4 option walk (RFC 791 3.1): one iterator, bounds checked, used
 * by every reader of option lists (parse, source routes, echo replies,
 * fragmentation, options given by applications). */
#include "ipv4.h"

void ipv4_opt_iter_init(struct ipv4_opt_iter *it, const uint8_t *opts, size_t len)
{
    it->opts = opts;
    it->len = opts ? len : 0;
    it->off = 0;
    it->err = WIRE_OK;
    it->bad_off = 0;
}

bool ipv4_opt_next(struct ipv4_opt_iter *it, struct ipv4_opt *o)
{
    if (it->err != WIRE_OK)
        return false;
    while (it->off < it->len && it->opts[it->off] == IPV4_OPT_NOP)
        it->off++;
    size_t i = it->off;
    if (i >= it->len || it->opts[i] == IPV4_OPT_EOL)
        return false;
    if (it->len - i < 2) {
        it->err = WIRE_BAD_OPTION; /* a type with no room for its length */
        it->bad_off = i;
        return false;
    }
    uint8_t olen = it->opts[i + 1];
    if (olen < 2 || olen > it->len - i) {
        it->err = WIRE_BAD_OPTION;
        it->bad_off = i + 1;
        return false;
    }
    o->type = it->opts[i];
    o->len = olen;
    o->p = it->opts + i;
    o->off = i;
    it->off = i + olen;
    return true;
}
