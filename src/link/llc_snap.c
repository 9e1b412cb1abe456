/* Receiving RFC 1042 framing (IEEE 802.3 length + 802.2 LLC + SNAP), which
 * RFC 1122 2.3.3 says a host SHOULD accept mixed with RFC 894 frames. Only
 * SNAP with OUI 0 (an EtherType inside) is understood; other LLC frames
 * (STP, NetBIOS...) are not for IP. Nothing is ever sent in this framing. */
#include "link.h"
#include "wire/wbuf.h"
#include "wire/wire.h"

#define ETH_MAX_8023_LEN 1500 /* larger values of the field are EtherTypes */
#define LLC_SNAP_HDR_LEN 8    /* DSAP, SSAP, control, OUI (3), type (2) */
#define LLC_SAP_SNAP 0xaa
#define LLC_CTRL_UI 0x03

int llc_snap_unwrap(uint16_t len_field, const uint8_t *payload, size_t plen, uint16_t *type,
                    const uint8_t **inner, size_t *inner_len)
{
    if (len_field > ETH_MAX_8023_LEN || len_field < LLC_SNAP_HDR_LEN || len_field > plen)
        return WIRE_BAD_LEN; /* an EtherType, or a length that lies */
    if (payload[0] != LLC_SAP_SNAP || payload[1] != LLC_SAP_SNAP || payload[2] != LLC_CTRL_UI ||
        payload[3] != 0 || payload[4] != 0 || payload[5] != 0)
        return WIRE_UNSUPPORTED;
    *type = get_be16(payload + 6);
    *inner = payload + LLC_SNAP_HDR_LEN;
    /* The 802.3 length excludes the padding up to the minimum frame. */
    *inner_len = (size_t)len_field - LLC_SNAP_HDR_LEN;
    return WIRE_OK;
}
