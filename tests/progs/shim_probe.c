/* A small program the interop tests run under `ustack run` to call what
 * Python does not reach directly: the legacy name calls and a blocking
 * recv interrupted by a signal handler. Prints one line of results.
 *
 *   shim_probe names NAME UNKNOWN ADDR NONAME_ADDR
 *   shim_probe eintr HOST PORT restart|norestart
 *
 * eintr: connects to HOST:PORT, installs a SIGALRM handler (SA_RESTART or
 * not) and blocks in recv while a second thread sends SIGALRM to it again
 * and again. Without SA_RESTART recv must fail with EINTR; with it recv
 * must keep waiting until the helper, after three handled signals, sends
 * "go" and the peer answers. Not built with sanitizers: it runs with the
 * shim preloaded, which the sanitizer runtimes do not allow. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *herr_name(int e)
{
    return e == HOST_NOT_FOUND ? "HOST_NOT_FOUND" : e == NO_DATA ? "NO_DATA"
         : e == TRY_AGAIN ? "TRY_AGAIN" : e == NO_RECOVERY ? "NO_RECOVERY" : "OTHER";
}

static void print_host(const char *tag, const struct hostent *h)
{
    printf("%s=%s", tag, h->h_name);
    for (char **a = h->h_addr_list; *a; a++) {
        char t[INET_ADDRSTRLEN];
        printf(",%s", inet_ntop(AF_INET, *a, t, sizeof(t)));
    }
    printf(" ");
}

static void gni(const char *tag, const char *addr, int port, socklen_t hostlen, int flags)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    char host[256], serv[64];
    int rc = getnameinfo((struct sockaddr *)&sa, sizeof(sa), host, hostlen, serv, sizeof(serv),
                         flags);
    if (rc == 0)
        printf("%s=%s:%s ", tag, host, serv);
    else
        printf("%s=%s ", tag, rc == EAI_NONAME ? "EAI_NONAME" : rc == EAI_OVERFLOW
                                  ? "EAI_OVERFLOW" : gai_strerror(rc));
}

static int names(char **argv)
{
    const char *name = argv[0], *unknown = argv[1], *addr = argv[2], *noname = argv[3];
    struct hostent *h = gethostbyname(name);
    if (h)
        print_host("byname", h);
    h = gethostbyname(unknown);
    printf("unknown=%s ", h ? "found" : herr_name(h_errno));
    h = gethostbyname2(name, AF_INET);
    if (h)
        print_host("byname2", h);
    h = gethostbyname2(name, AF_INET6);
    printf("inet6=%s ", h ? "found" : herr_name(h_errno));
    struct hostent he, *res = NULL;
    char small[8], big[1024];
    int herr = 0;
    int rc = gethostbyname_r(name, &he, small, sizeof(small), &res, &herr);
    printf("r_small=%s ", rc == ERANGE && !res ? "ERANGE" : "wrong");
    rc = gethostbyname_r(name, &he, big, sizeof(big), &res, &herr);
    if (rc == 0 && res)
        print_host("r", res);
    rc = gethostbyname_r(unknown, &he, big, sizeof(big), &res, &herr);
    printf("r_unknown=%s ", rc == 0 && !res ? herr_name(herr) : "wrong");
    gni("gni", addr, 80, 256, 0);
    gni("numeric", addr, 80, 256, NI_NUMERICHOST | NI_NUMERICSERV);
    gni("nofqdn", addr, 22, 256, NI_NOFQDN);
    gni("noname", noname, 8080, 256, 0);
    gni("namereqd", noname, 8080, 256, NI_NAMEREQD);
    gni("overflow", addr, 80, 4, 0);
    printf("\n");
    return 0;
}

struct eintr_ctx {
    pthread_t reader;
    int fd;
    atomic_int handled;
    atomic_bool done;
    bool restart;
};

static atomic_int *handled_counter; /* what the handler may touch */

static void on_alarm(int sig)
{
    (void)sig;
    atomic_fetch_add(handled_counter, 1);
}

/* Signals the reader every 20 ms until its recv returned; with SA_RESTART,
 * after three handled signals asks the peer for the data. */
static void *pester(void *arg)
{
    struct eintr_ctx *c = arg;
    struct timespec tick = {0, 20 * 1000 * 1000};
    bool asked = false;
    while (!atomic_load(&c->done)) {
        pthread_kill(c->reader, SIGALRM);
        nanosleep(&tick, NULL);
        if (c->restart && !asked && atomic_load(&c->handled) >= 3) {
            send(c->fd, "go", 2, 0);
            asked = true;
        }
    }
    return NULL;
}

static int eintr(char **argv)
{
    struct eintr_ctx c = {.reader = pthread_self(), .restart = !strcmp(argv[2], "restart")};
    handled_counter = &c.handled;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    inet_pton(AF_INET, argv[0], &sa.sin_addr);
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("connect");
        return 1;
    }
    struct sigaction act = {.sa_handler = on_alarm, .sa_flags = c.restart ? SA_RESTART : 0};
    sigemptyset(&act.sa_mask);
    sigaction(SIGALRM, &act, NULL);
    pthread_t t;
    pthread_create(&t, NULL, pester, &c);
    char buf[16];
    ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
    int e = errno;
    atomic_store(&c.done, true);
    pthread_join(t, NULL);
    if (n < 0)
        printf("recv=%s handled=%s\n", e == EINTR ? "EINTR" : strerror(e),
               atomic_load(&c.handled) >= 1 ? "yes" : "no");
    else
        printf("recv=%.*s handled=%s\n", (int)n, buf, atomic_load(&c.handled) >= 3 ? "3+" : "few");
    close(c.fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "names"))
        return names(argv + 2);
    if (argc == 5 && !strcmp(argv[1], "eintr"))
        return eintr(argv + 2);
    fputs("usage: shim_probe names NAME UNKNOWN ADDR NONAME_ADDR | eintr HOST PORT "
          "restart|norestart\n", stderr);
    return 2;
}
