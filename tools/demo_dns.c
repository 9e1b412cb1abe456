/* The DNS scene of `ustack demo`: before it connects, host A asks for the
 * web server's address by name, as a browser does before "google.com"
 * becomes a TCP connection. The router R also runs the network's name
 * server (as a home router does), tools/dns_responder.c on R's stack;
 * A's resolver is the library's ust_getaddrinfo in its event form, stepped
 * with the simulator like the TCP scenes' sockets. */
#include <stdio.h>

#include "demo.h"
#include "dns_responder.h"

#define DNS_DEADLINE (60 * UST_SEC) /* virtual time the scene may take */

static const char demo_name[] = "www.example.test";

/* The lookup, stepped: R answers whatever has arrived, A's query reads it
 * or moves to its next attempt, the network runs up to A's deadline. */
static int demo_lookup(struct demo *d, struct dns_responder *r, struct addrinfo **res)
{
    struct ust_stack *a = d->host[HOST_A].st;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_flags = AI_CANONNAME};
    struct ust_dns_query *q;
    ust_time_t end = ust_sim_now(d->sim) + DNS_DEADLINE;
    int rc = ust_dns_query_start(a, demo_name, NULL, &hints, &q);
    while (rc == UST_DNS_PENDING && ust_sim_now(d->sim) < end) {
        ust_time_t dl = ust_dns_query_deadline(q);
        if (!ust_sim_step(d->sim, dl))
            ust_sim_run_until(d->sim, dl);
        dns_responder_serve(r);
        rc = ust_dns_query_step(a, q);
    }
    return ust_dns_query_finish(a, q, res);
}

static void print_ahosts(struct demo *d, const struct addrinfo *res)
{
    fprintf(d->out, "\nhost A$ ustack resolve %s\n", demo_name);
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char ip[16];
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
        fprintf(d->out, "%-15s %-6s %s\n", ust_ip4_str(ntohl(sin->sin_addr.s_addr), ip),
                ai->ai_socktype == SOCK_STREAM ? "STREAM" : "DGRAM",
                ai->ai_canonname ? ai->ai_canonname : "");
    }
    fputc('\n', d->out);
}

int scene_dns(struct demo *d)
{
    const struct dns_zone_rec zone[] = {{.name = demo_name, .addr = host_specs[HOST_B].nic[0].addr}};
    struct dns_responder r;
    if (dns_responder_open(&r, d->host[ROUTER].st, zone, 1) != 0)
        return cli_usage_error("demo: R cannot serve DNS on port 53");
    demo_say(d, "A knows the web server only by its name, www.example.test. Before it can connect\n"
                "it asks the name server (R runs one, as a home router does): A's resolver puts\n"
                "the question into a UDP datagram (a random query ID and a random source port,\n"
                "so that nobody off the path can guess them), sends it to 203.0.113.1 port 53\n"
                "and waits. R's name server answers with an A record. A checks that the answer\n"
                "comes from where the question went, carries the same ID and repeats the\n"
                "question, then caches it for its TTL. Lost? A asks again after 1 s, 2 s, 4 s.");
    demo_mute_all(d, false);
    struct addrinfo *res = NULL;
    int rc = demo_lookup(d, &r, &res);
    demo_mute_all(d, !d->o.trace);
    dns_responder_close(&r);
    if (rc != 0) {
        fprintf(d->out, "ustack: resolve: %s: %s\n\n", demo_name, ust_gai_strerror(rc));
        return 0; /* the story goes on with B's address */
    }
    print_ahosts(d, res);
    ust_freeaddrinfo(res);
    demo_say(d, "Now A knows that www.example.test is 198.51.100.20: the TCP connection below\n"
                "goes there.");
    return 0;
}
