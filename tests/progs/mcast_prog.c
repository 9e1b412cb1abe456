/* A small program the multicast interop test runs under `ustack run`:
 * plain libc sockets, so IP_ADD_MEMBERSHIP and friends go through the
 * shim to ustack's sockets.
 *
 *   mcast_prog recv GROUP PORT NSOCK COUNT
 *       NSOCK sockets (SO_REUSEADDR) bound to 0.0.0.0:PORT; prints "bound"
 *       and waits for a line on stdin (the test's capture is running by
 *       then); each socket joins GROUP; prints "joined", then reads COUNT datagrams on each socket
 *       and prints "sock I: HEX" for each, then drops the memberships,
 *       prints "left" and waits 3 s (the leave's repeats go out) before
 *       exiting.
 *   mcast_prog send GROUP PORT HEX COUNT
 *       sends the bytes HEX to GROUP:PORT COUNT times, 200 ms apart, with
 *       the default multicast TTL (1); to an IPv6 group it keeps trying
 *       (every 200 ms, up to 2 minutes) while it has no source yet.
 *   mcast_prog filter GROUP PORT MODE SOURCE COUNT
 *       one socket bound to 0.0.0.0:PORT sets a source filter on GROUP
 *       (interface by route) in two steps, waiting for a line on stdin
 *       before each (the test watches the reports of each step): prints
 *       "bound"; step 1 (include: IP_ADD_SOURCE_MEMBERSHIP SOURCE; exclude
 *       and switch: IP_ADD_MEMBERSHIP), prints "joined"; step 2 (exclude:
 *       IP_BLOCK_SOURCE SOURCE; switch: IP_ADD_SOURCE_MEMBERSHIP SOURCE, the
 *       filter becomes INCLUDE; include: nothing), prints "filtered";
 *       reads COUNT datagrams printing "from ADDR: HEX" for each, prints
 *       "received", waits for a line, undoes the filter (include, switch:
 *       IP_DROP_SOURCE_MEMBERSHIP; exclude: IP_UNBLOCK_SOURCE then
 *       IP_DROP_MEMBERSHIP), prints "left" and waits 3 s.
 * An IPv6 GROUP (one with a ':') uses AF_INET6 sockets bound to [::]:PORT:
 * socket 0 joins and leaves with IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP, the
 * others with MCAST_JOIN_GROUP / MCAST_LEAVE_GROUP, all on interface 0
 * (the group's route); send uses the default IPV6_MULTICAST_HOPS (1);
 * filter uses the MCAST_*_SOURCE* options of struct group_source_req in
 * place of the IPv4 ones (RFC 3678 5.1.2).
 * Not built with sanitizers: it runs with the shim preloaded. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static struct sockaddr_in addr_of(const char *ip, int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
        fprintf(stderr, "bad address %s\n", ip);
        exit(2);
    }
    return a;
}

static int is_v6(const char *group) { return strchr(group, ':') != NULL; }

static struct sockaddr_in6 addr6_of(const char *ip, int port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_port = htons((unsigned short)port);
    if (inet_pton(AF_INET6, ip, &a.sin6_addr) != 1) {
        fprintf(stderr, "bad address %s\n", ip);
        exit(2);
    }
    return a;
}

static int bound_socket(int port, int v6)
{
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        die("SO_REUSEADDR");
    struct sockaddr_in a = addr_of("0.0.0.0", port);
    struct sockaddr_in6 a6 = addr6_of("::", port);
    if (v6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6)) : bind(fd, (struct sockaddr *)&a, sizeof(a)))
        die("bind");
    struct timeval tv = {.tv_sec = 60};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
        die("SO_RCVTIMEO");
    return fd;
}

/* Socket i joins (join = 1) or leaves group. */
static void membership(int fd, int i, const char *group, int join)
{
    if (!is_v6(group)) {
        struct ip_mreq m = {.imr_multiaddr = addr_of(group, 0).sin_addr};
        if (setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m,
                       sizeof(m)) != 0)
            die(join ? "IP_ADD_MEMBERSHIP" : "IP_DROP_MEMBERSHIP");
        return;
    }
    struct sockaddr_in6 g = addr6_of(group, 0);
    if (i == 0) {
        struct ipv6_mreq m = {.ipv6mr_multiaddr = g.sin6_addr, .ipv6mr_interface = 0};
        if (setsockopt(fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &m,
                       sizeof(m)) != 0)
            die(join ? "IPV6_JOIN_GROUP" : "IPV6_LEAVE_GROUP");
        return;
    }
    struct group_req gr;
    memset(&gr, 0, sizeof(gr));
    memcpy(&gr.gr_group, &g, sizeof(g));
    if (setsockopt(fd, IPPROTO_IPV6, join ? MCAST_JOIN_GROUP : MCAST_LEAVE_GROUP, &gr,
                   sizeof(gr)) != 0)
        die(join ? "MCAST_JOIN_GROUP" : "MCAST_LEAVE_GROUP");
}

static int do_recv(const char *group, int port, int nsock, int count)
{
    int fds[8];
    if (nsock < 1 || nsock > 8)
        return 2;
    for (int i = 0; i < nsock; i++)
        fds[i] = bound_socket(port, is_v6(group));
    printf("bound\n");
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof(line), stdin))
        return 1;
    for (int i = 0; i < nsock; i++)
        membership(fds[i], i, group, 1);
    printf("joined\n");
    fflush(stdout);
    for (int i = 0; i < nsock; i++) {
        for (int k = 0; k < count; k++) {
            unsigned char buf[2048];
            ssize_t n = recv(fds[i], buf, sizeof(buf), 0);
            if (n < 0)
                die("recv");
            printf("sock %d: ", i);
            for (ssize_t j = 0; j < n; j++)
                printf("%02x", buf[j]);
            printf("\n");
        }
    }
    fflush(stdout);
    for (int i = 0; i < nsock; i++)
        membership(fds[i], i, group, 0);
    printf("left\n");
    fflush(stdout);
    sleep(3);
    return 0;
}

/* The RFC 3678 5.1.2 option that does at IPPROTO_IPV6 what an IPv4
 * delta option does. */
static int protocol_independent(int name)
{
    switch (name) {
    case IP_ADD_SOURCE_MEMBERSHIP: return MCAST_JOIN_SOURCE_GROUP;
    case IP_DROP_SOURCE_MEMBERSHIP: return MCAST_LEAVE_SOURCE_GROUP;
    case IP_BLOCK_SOURCE: return MCAST_BLOCK_SOURCE;
    default: return MCAST_UNBLOCK_SOURCE;
    }
}

static void source_opt(int fd, int name, const char *what, const char *group,
                       const char *source)
{
    if (is_v6(group)) {
        struct group_source_req r;
        memset(&r, 0, sizeof(r));
        struct sockaddr_in6 g = addr6_of(group, 0), s = addr6_of(source, 0);
        memcpy(&r.gsr_group, &g, sizeof(g));
        memcpy(&r.gsr_source, &s, sizeof(s));
        if (setsockopt(fd, IPPROTO_IPV6, protocol_independent(name), &r, sizeof(r)) != 0)
            die(what);
        return;
    }
    struct ip_mreq_source m;
    memset(&m, 0, sizeof(m));
    m.imr_multiaddr = addr_of(group, 0).sin_addr;
    m.imr_sourceaddr = addr_of(source, 0).sin_addr;
    if (setsockopt(fd, IPPROTO_IP, name, &m, sizeof(m)) != 0)
        die(what);
}

static void say(const char *what)
{
    printf("%s\n", what);
    fflush(stdout);
}

static int wait_line(void)
{
    char line[16];
    return fgets(line, sizeof(line), stdin) != NULL;
}

static int do_filter(const char *group, int port, const char *mode, const char *source,
                     int count)
{
    int include = !strcmp(mode, "include"), exclude = !strcmp(mode, "exclude");
    if (!include && !exclude && strcmp(mode, "switch"))
        return 2;
    int fd = bound_socket(port, is_v6(group));
    say("bound");
    if (!wait_line())
        return 1;
    if (include)
        source_opt(fd, IP_ADD_SOURCE_MEMBERSHIP, "IP_ADD_SOURCE_MEMBERSHIP", group, source);
    else
        membership(fd, 0, group, 1);
    say("joined");
    if (!wait_line())
        return 1;
    if (exclude)
        source_opt(fd, IP_BLOCK_SOURCE, "IP_BLOCK_SOURCE", group, source);
    else if (!include)
        source_opt(fd, IP_ADD_SOURCE_MEMBERSHIP, "IP_ADD_SOURCE_MEMBERSHIP", group, source);
    say("filtered");
    for (int k = 0; k < count; k++) {
        unsigned char buf[2048];
        struct sockaddr_storage from;
        socklen_t flen = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
        if (n < 0)
            die("recvfrom");
        char a[INET6_ADDRSTRLEN];
        const void *src = from.ss_family == AF_INET6
                              ? (const void *)&((struct sockaddr_in6 *)&from)->sin6_addr
                              : (const void *)&((struct sockaddr_in *)&from)->sin_addr;
        printf("from %s: ", inet_ntop(from.ss_family, src, a, sizeof(a)));
        for (ssize_t j = 0; j < n; j++)
            printf("%02x", buf[j]);
        printf("\n");
    }
    say("received");
    if (!wait_line())
        return 1;
    if (exclude) {
        source_opt(fd, IP_UNBLOCK_SOURCE, "IP_UNBLOCK_SOURCE", group, source);
        membership(fd, 0, group, 0);
    } else {
        source_opt(fd, IP_DROP_SOURCE_MEMBERSHIP, "IP_DROP_SOURCE_MEMBERSHIP", group, source);
    }
    say("left");
    sleep(3);
    return 0;
}

static int do_send(const char *group, int port, const char *hex, int count)
{
    unsigned char buf[1024];
    size_t n = strlen(hex) / 2;
    if (n > sizeof(buf))
        return 2;
    for (size_t i = 0; i < n; i++)
        sscanf(hex + 2 * i, "%2hhx", &buf[i]);
    int v6 = is_v6(group);
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    struct sockaddr_in to = v6 ? addr_of("0.0.0.0", 0) : addr_of(group, port);
    struct sockaddr_in6 to6 = addr6_of(v6 ? group : "::", port);
    /* IPv6: no source until DAD has passed (ENETUNREACH meanwhile). */
    for (int k = 0, tries = 0; k < count; tries++) {
        ssize_t sent = v6 ? sendto(fd, buf, n, 0, (struct sockaddr *)&to6, sizeof(to6))
                          : sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to));
        if (sent == (ssize_t)n)
            k++;
        else if (!v6 || errno != ENETUNREACH || tries > 600)
            die("sendto");
        usleep(200000);
    }
    printf("sent\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "recv"))
        return do_recv(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc == 7 && !strcmp(argv[1], "filter"))
        return do_filter(argv[2], atoi(argv[3]), argv[4], argv[5], atoi(argv[6]));
    if (argc == 6 && !strcmp(argv[1], "send"))
        return do_send(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]));
    fprintf(stderr, "usage: mcast_prog recv GROUP PORT NSOCK COUNT | send GROUP PORT HEX COUNT"
                    " | filter GROUP PORT MODE SOURCE COUNT\n");
    return 2;
}
