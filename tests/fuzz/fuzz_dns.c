/* Fuzz target for the DNS message parser (src/wire/dns_response.c): any
 * input, read from an exact-size copy so ASan sees every read past the
 * end. Whatever parses must be consistent: names within 255 bytes of text,
 * addresses within the bound, and every name read again from the message
 * the same way (RFC 9267: the walk terminates on any input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *m = malloc(size ? size : 1);
    if (!m)
        return 0;
    memcpy(m, data, size);
    struct dns_answer a;
    int rc = dns_response_parse(m, size, 8, &a);
    if (rc == DNS_OK) {
        check(strlen(a.qname) < DNS_NAME_TEXT && strlen(a.canon) < DNS_NAME_TEXT);
        check(a.naddr <= DNS_MAX_ADDRS);
        check(a.naddr6 <= DNS_MAX_ADDRS);
        /* The question's name encodes back to at most 255 bytes. */
        uint8_t wire[DNS_MAX_NAME + 1];
        check(!a.qname[0] || dns_name_encode(a.qname, wire, sizeof(wire)) > 0);
    }
    /* Every offset as a name start: bounded, never past the end. */
    for (size_t off = 0; off < size && off < 64; off++) {
        char name[DNS_NAME_TEXT];
        size_t o = off;
        if (dns_name_read(m, size, &o, name) == DNS_OK)
            check(o <= size && strlen(name) < DNS_NAME_TEXT);
    }
    free(m);
    return 0;
}
