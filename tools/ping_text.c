/* The words iputils ping uses for ICMP errors, shared by ping and demo. */
#include "cli.h"

static const char *unreach_text(uint8_t code)
{
    static const char *const text[] = {
        "Destination Net Unreachable", "Destination Host Unreachable",
        "Destination Protocol Unreachable", "Destination Port Unreachable",
        "Frag needed and DF set", "Source Route Failed", "Destination Net Unknown",
        "Destination Host Unknown", "Source Host Isolated", "Destination Net Prohibited",
        "Destination Host Prohibited", "Destination Net Unreachable for Type of Service",
        "Destination Host Unreachable for Type of Service", "Packet filtered",
        "Precedence Violation", "Precedence Cutoff",
    };
    return code < sizeof(text) / sizeof(text[0]) ? text[code] : "Dest Unreachable, Bad Code";
}

const char *ping_error_text(const struct ust_ping_result *r)
{
    switch (r->event) {
    case UST_PING_TIME_EXCEEDED:
        return r->code == 1 ? "Frag reassembly time exceeded" : "Time to live exceeded";
    case UST_PING_LOCAL_ERROR:
        return "Destination Host Unreachable";
    case UST_PING_UNREACHABLE:
        return unreach_text(r->code);
    case UST_PING_REPLY:
        break;
    }
    return "Echo Reply";
}
