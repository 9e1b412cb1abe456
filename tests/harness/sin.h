/* struct sockaddr_in for a host-order address and port: what every test
 * that talks through the socket API needs. */
#ifndef TEST_SIN_H
#define TEST_SIN_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "ustack/types.h"

static inline struct sockaddr_in sin_of(ust_ip4_t a, uint16_t port)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(a);
    sin.sin_port = htons(port);
    return sin;
}

#endif
