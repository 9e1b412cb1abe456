/* threads_echo: one stack used from several threads through the
 * thread-safe front (ustack/front.h), over the loopback device (no
 * privileges needed).
 *
 *   threads_echo [--clients N] [--messages M]
 *
 * The server is one thread with its own poll() loop over KERNEL file
 * descriptors: the front's sockets are kernel descriptors whose readiness
 * mirrors the ustack sockets', so it waits on them exactly as it would on
 * kernel sockets (and could add pipes, timerfds, ... to the same set).
 * The N clients are threads making ordinary blocking calls, each with its
 * own connection; each sends M messages of different sizes and checks
 * every echo byte for byte. Prints "threads_echo: OK ..." and exits 0
 * when all matched; 1 on a failure, 2 on a usage error. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ustack/front.h>
#include <ustack/ustack.h>

#define PORT 7
#define MAX_CLIENTS 64
#define LOCALHOST 0x7f000001u

struct client {
    struct ust_front *front;
    int id, messages;
    long bytes;
    bool ok;
};

static struct sockaddr_in server_addr(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    a.sin_addr.s_addr = htonl(LOCALHOST);
    return a;
}

/* A client thread: blocking calls, as with BSD sockets. A blocking send
 * queues the whole message; recv may return it in pieces. */
static void *client_main(void *arg)
{
    struct client *c = arg;
    struct sockaddr_in a = server_addr();
    int fd = ust_front_socket(c->front, AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ust_front_connect(c->front, fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        return NULL;
    char out[3000], in[3000];
    for (int i = 0; i < c->messages; i++) {
        size_t len = 1 + (size_t)(c->id * 131 + i * 977) % sizeof(out);
        for (size_t k = 0; k < len; k++)
            out[k] = (char)(c->id + i + k);
        if (ust_front_send(c->front, fd, out, len, 0) != (ssize_t)len)
            return NULL;
        for (size_t got = 0; got < len;) {
            ssize_t n = ust_front_recv(c->front, fd, in + got, len - got, 0);
            if (n <= 0)
                return NULL;
            got += (size_t)n;
        }
        if (memcmp(in, out, len) != 0)
            return NULL;
        c->bytes += (long)len;
    }
    c->ok = ust_front_close(c->front, fd) == 0;
    return NULL;
}

/* Echoes what is readable on one connection; returns false at its end.
 * The socket is non-blocking; a short send would need an output buffer,
 * so this simple server waits for the rest with MSG_DONTWAIT off. */
static bool serve_one(struct ust_front *f, int fd)
{
    char buf[4096];
    ssize_t n = ust_front_recv(f, fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EAGAIN)
        return true;
    if (n <= 0) {
        ust_front_close(f, fd);
        return false;
    }
    ust_front_set_nonblock(f, fd, false);
    bool ok = ust_front_send(f, fd, buf, (size_t)n, 0) == n;
    ust_front_set_nonblock(f, fd, true);
    return ok;
}

/* The server: poll(2) over the listener and every connection. */
static int serve(struct ust_front *f, int listener, int clients)
{
    struct pollfd p[MAX_CLIENTS + 1] = {{.fd = listener, .events = POLLIN}};
    int open = 0, served = 0, nfds = 1;
    while (served < clients || open > 0) {
        if (poll(p, (nfds_t)nfds, -1) < 0)
            return -1;
        if (p[0].revents & POLLIN) {
            int c = ust_front_accept(f, listener, NULL, NULL, SOCK_NONBLOCK);
            if (c >= 0) {
                p[nfds++] = (struct pollfd){.fd = c, .events = POLLIN};
                open++;
                served++;
            }
        }
        for (int i = 1; i < nfds; i++)
            if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP)) && !serve_one(f, p[i].fd)) {
                p[i].fd = -1; /* poll ignores it from now on */
                open--;
            }
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: threads_echo [--clients N (1..%d)] [--messages M]\n", MAX_CLIENTS);
    return 2;
}

int main(int argc, char **argv)
{
    int clients = 8, messages = 100;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help"))
            return usage() - 2;
        if (i + 1 >= argc)
            return usage();
        if (!strcmp(argv[i], "--clients"))
            clients = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--messages"))
            messages = atoi(argv[++i]);
        else
            return usage();
    }
    if (clients < 1 || clients > MAX_CLIENTS || messages < 1)
        return usage();

    /* Set the stack up in this thread, then hand it to the front. */
    struct ust_stack *st = ust_stack_new(NULL);
    if (!st || ust_iface_add(st, ust_dev_loopback_new(st), LOCALHOST, 8) < 0)
        return 1;
    struct ust_front *f = ust_front_new(st);
    if (!f) {
        perror("threads_echo: ust_front_new");
        return 1;
    }
    struct sockaddr_in a = server_addr();
    int l = ust_front_socket(f, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (l < 0 || ust_front_bind(f, l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        ust_front_listen(f, l, MAX_CLIENTS) < 0) {
        perror("threads_echo: listen");
        return 1;
    }
    pthread_t t[MAX_CLIENTS];
    struct client c[MAX_CLIENTS];
    for (int i = 0; i < clients; i++) {
        c[i] = (struct client){.front = f, .id = i, .messages = messages};
        pthread_create(&t[i], NULL, client_main, &c[i]);
    }
    int rc = serve(f, l, clients);
    long bytes = 0;
    bool ok = rc == 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(t[i], NULL);
        ok = ok && c[i].ok;
        bytes += c[i].bytes;
    }
    ust_front_close(f, l);
    ust_front_free(f); /* the stack with it */
    if (!ok) {
        fprintf(stderr, "threads_echo: FAILED\n");
        return 1;
    }
    printf("threads_echo: OK %d clients, %d messages each, %ld bytes echoed\n", clients,
           messages, bytes);
    return 0;
}
