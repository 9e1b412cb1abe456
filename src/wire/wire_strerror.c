/* Reasons a parser or emitter gives up, as text for trace lines. */
#include "wire.h"

const char *wire_strerror(int err)
{
    switch (err) {
    case WIRE_OK: return "ok";
    case WIRE_TRUNCATED: return "truncated";
    case WIRE_BAD_VERSION: return "bad version";
    case WIRE_BAD_HLEN: return "bad header length";
    case WIRE_BAD_LEN: return "bad length";
    case WIRE_BAD_CSUM: return "bad checksum";
    case WIRE_BAD_OPTION: return "bad option";
    case WIRE_UNSUPPORTED: return "unsupported";
    case WIRE_NOSPACE: return "no space";
    default: return "unknown wire error";
    }
}
