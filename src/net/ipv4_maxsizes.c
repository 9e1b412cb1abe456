/* GET_MAXSIZES of the IP service interface (RFC 1122 3.4): the message
 * sizes a transport (and, through it, an application) may use. */
#include "core/services.h"
#include "net.h"

/* RFC 1122 3.3.2: MMS_R = EMTU_R - 20. Reassembly accepts any datagram up
 * to the IPv4 maximum (reassembly.c), so EMTU_R is 65535. */
unsigned ipv4_mms_r(const struct ust_stack *st)
{
    (void)st; /* one value for every interface; kept per stack for later */
    return IPV4_MAX_LEN - IPV4_HDR_LEN;
}

int ust_ip_max_sizes(const struct ust_stack *st, ust_ip4_t dst, unsigned *mms_s, unsigned *mms_r)
{
    if (!st)
        return UST_ERR_INVAL;
    if (mms_s)
        *mms_s = ipv4_mtu_for(st, dst);
    if (mms_r)
        *mms_r = ipv4_mms_r(st);
    return UST_OK;
}
