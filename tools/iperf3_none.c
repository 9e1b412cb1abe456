/* `ustack serve --iperf3` when ustack was built without cJSON (the JSON
 * library iperf3 itself uses; Debian: libcjson-dev): the option is there
 * and says it is unavailable. CMake builds this file instead of
 * serve_iperf3.c and iperf3_proto.c then. */
#include <errno.h>

#include "cli.h"

bool iperf3_available(void)
{
    return false;
}

struct iperf3_server *iperf3_server_new(struct ust_stack *st, FILE *log)
{
    (void)st;
    (void)log;
    errno = ENOTSUP;
    return NULL;
}

int iperf3_server_listen(struct iperf3_server *s, uint16_t port, bool dual)
{
    (void)s;
    (void)port;
    (void)dual;
    errno = ENOTSUP;
    return -1;
}

bool iperf3_server_turn(struct iperf3_server *s)
{
    (void)s;
    return false;
}

void iperf3_server_free(struct iperf3_server *s)
{
    (void)s;
}
