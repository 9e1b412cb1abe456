/* Interposed names: getaddrinfo through the stack's own stub resolver
 * (include/ustack/dns.h: numeric, then the hosts file, then --dns over
 * ustack's UDP), freeaddrinfo and gai_strerror to match. The resolver runs
 * in steps on the stack thread (ust_front_run); between steps the caller
 * sleeps 1 ms: a lookup costs a few wake-ups per millisecond while it
 * waits for the name server, nothing once answered. */
#include <errno.h>
#include <time.h>

#include "shim.h"
#include "ustack/dns.h"

#define EXPORT __attribute__((visibility("default")))

struct gai_call {
    const char *node, *service;
    const struct addrinfo *hints;
    struct ust_dns_query *q;
    struct addrinfo *res;
    int rc;
};

static int gai_start(struct ust_stack *st, void *ctx)
{
    struct gai_call *c = ctx;
    c->rc = ust_dns_query_start(st, c->node, c->service, c->hints, &c->q);
    return 0;
}

/* One step; when decided, the result (and q freed). */
static int gai_step(struct ust_stack *st, void *ctx)
{
    struct gai_call *c = ctx;
    if (c->rc == UST_DNS_PENDING)
        c->rc = ust_dns_query_step(st, c->q);
    if (c->rc != UST_DNS_PENDING && c->q) {
        c->rc = ust_dns_query_finish(st, c->q, &c->res);
        c->q = NULL;
    }
    return 0;
}

EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res)
{
    if (shim_inside)
        return SHIM_REAL(getaddrinfo)(node, service, hints, res);
    return shim_gai(node, service, hints, res);
}

int shim_gai(const char *node, const char *service, const struct addrinfo *hints,
             struct addrinfo **res)
{
    struct ust_front *f = shim_front();
    if (!f)
        return EAI_SYSTEM; /* errno ENETDOWN */
    struct gai_call c = {.node = node, .service = service, .hints = hints};
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 1000 * 1000};
    shim_enter();
    ust_front_run(f, gai_start, &c);
    ust_front_run(f, gai_step, &c);
    while (c.q) {
        nanosleep(&tick, NULL);
        ust_front_run(f, gai_step, &c);
    }
    shim_leave();
    if (c.rc == 0)
        *res = c.res;
    return c.rc;
}

EXPORT void freeaddrinfo(struct addrinfo *res)
{
    if (shim_inside)
        SHIM_REAL(freeaddrinfo)(res);
    else
        ust_freeaddrinfo(res);
}

EXPORT const char *gai_strerror(int err)
{
    if (shim_inside)
        return SHIM_REAL(gai_strerror)(err);
    return ust_gai_strerror(err);
}
