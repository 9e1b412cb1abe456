/* IP options given by a transport or an application (RFC 1122 3.2.1.8:
 * "there MUST be a means for the transport layer to specify IP options to
 * be included in IP datagrams that it sends"): validation of the option
 * list a socket stores (IP_OPTIONS) and the wire form ipv4_output emits. */
#include <string.h>

#include "core/services.h"
#include "net.h"
#include "wire/wbuf.h"

#define IPV4_OPT_STREAM_ID 136

/* A source route as an application gives it (the form Linux accepts):
 * pointer 4 and at least one 4-byte address, each a unicast address. */
static bool srr_user_ok(const uint8_t *o, size_t olen)
{
    if (olen < 7 || (olen - 3) % 4 != 0 || o[2] != 4)
        return false;
    for (size_t a = 3; a < olen; a += 4)
        if (!ipv4_srr_hop_ok(get_be32(o + a)))
            return false;
    return true;
}

/* One well-formed option (not EOL/NOP): UST_OK or UST_ERR_INVAL. */
static int opt_check_one(const struct ipv4_opt *o, unsigned *nsrr)
{
    /* RFC 1122 3.2.1.8b: the Stream Identifier SHOULD NOT be originated. */
    if (o->type == IPV4_OPT_STREAM_ID)
        return UST_ERR_INVAL;
    if (o->type == IPV4_OPT_LSRR || o->type == IPV4_OPT_SSRR) {
        /* 3.2.1.8c: more than one source route MUST NOT be sent. */
        if (++*nsrr > 1 || !srr_user_ok(o->p, o->len))
            return UST_ERR_INVAL;
    }
    return UST_OK;
}

int ipv4_opts_from_user(const uint8_t *in, size_t len, uint8_t out[IPV4_MAX_OPT_LEN])
{
    if (len > IPV4_MAX_OPT_LEN || (len && !in))
        return UST_ERR_INVAL;
    unsigned nsrr = 0;
    struct ipv4_opt_iter it;
    struct ipv4_opt o;
    ipv4_opt_iter_init(&it, in, len);
    while (ipv4_opt_next(&it, &o))
        if (opt_check_one(&o, &nsrr) != UST_OK)
            return UST_ERR_INVAL;
    if (it.err != WIRE_OK)
        return UST_ERR_INVAL;
    /* What follows EOL is dropped; the list is padded with EOL to a
     * multiple of 4 (RFC 791: the header ends on a 32-bit boundary). */
    size_t n = it.off;
    memcpy(out, in, n);
    while (n % 4)
        out[n++] = IPV4_OPT_EOL;
    return (int)n;
}

int ipv4_opts_bad_offset(const uint8_t *opts, size_t len)
{
    struct ipv4_opt_iter it;
    struct ipv4_opt o;
    ipv4_opt_iter_init(&it, opts, len);
    while (ipv4_opt_next(&it, &o))
        ;
    return it.err != WIRE_OK ? (int)it.bad_off : -1;
}

int ipv4_opts_for_output(const uint8_t *opts, size_t len, ust_ip4_t final_dst,
                         uint8_t out[IPV4_MAX_OPT_LEN], ust_ip4_t *hdr_dst)
{
    int n = ipv4_opts_from_user(opts, len, out);
    if (n < 0)
        return n;
    *hdr_dst = final_dst;
    int off = ipv4_srr_find(out, (size_t)n);
    if (off >= 0)
        *hdr_dst = ipv4_srr_originate(out + off, final_dst);
    return n;
}
