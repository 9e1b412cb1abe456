/* Fuzz target for the DHCP message parser (src/wire/dhcp.c): any input,
 * read from an exact-size copy so ASan sees every read past the end. What
 * parses must be consistent: the counts within their bounds, the option
 * values within RFC 2132's ranges, and a message emitted from the parse
 * parses again to the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/dhcp.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static void check_parsed(const struct dhcp_msg *m)
{
    check(m->ndns <= DHCP_MAX_DNS && m->nprl <= DHCP_MAX_PRL);
    check(m->type <= DHCP_INFORM);
    check(!(m->has & DHCP_HAS_MTU) || m->mtu >= 68);
    check(m->overload <= 3);
    check(m->op == DHCP_BOOTREQUEST || m->op == DHCP_BOOTREPLY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct dhcp_msg m;
    if (dhcp_parse(buf, size, &m) == WIRE_OK) {
        check_parsed(&m);
        /* What this client writes of it reads back the same. */
        uint8_t out[DHCP_EMIT_MIN + 128];
        struct dhcp_msg again;
        m.has &= DHCP_HAS_REQ_IP | DHCP_HAS_SERVER_ID | DHCP_HAS_LEASE | DHCP_HAS_PRL |
                 DHCP_HAS_MAX_SIZE;
        if (m.max_size < 576)
            m.has &= ~(uint32_t)DHCP_HAS_MAX_SIZE;
        int len = dhcp_emit(&m, out, sizeof(out));
        check(len >= DHCP_EMIT_MIN);
        check(dhcp_parse(out, (size_t)len, &again) == WIRE_OK);
        check(again.xid == m.xid && again.type == m.type && again.yiaddr == m.yiaddr);
        check((again.has & m.has) == (m.has & ~(uint32_t)DHCP_HAS_PRL) ||
              (again.has & m.has) == m.has);
        check(!(m.has & DHCP_HAS_SERVER_ID) || again.server_id == m.server_id);
    }
    free(buf);
    return 0;
}
