/* ustack — basic public types: time, addresses, error codes. */
#ifndef USTACK_TYPES_H
#define USTACK_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export.h"

/* Time is a 64-bit count of nanoseconds on a monotonic clock chosen by the
 * caller (real or virtual). The stack never reads a clock itself. */
typedef uint64_t ust_time_t;
#define UST_NSEC ((ust_time_t)1)
#define UST_USEC ((ust_time_t)1000)
#define UST_MSEC ((ust_time_t)1000000)
#define UST_SEC ((ust_time_t)1000000000)
#define UST_TIME_NEVER UINT64_MAX

/* IPv4 address in host byte order (203.0.113.1 == 0xcb007101). */
typedef uint32_t ust_ip4_t;
#define UST_IP4(a, b, c, d) \
    ((ust_ip4_t)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d)))

/* An IPv4 or IPv6 address (issue #13). Sockets, TCP, UDP, netstat and the
 * command line carry addresses in this form, so that one TCP and one UDP
 * serve both families. Build them with the helpers below (they zero the
 * unused bytes, which ust_addr_eq relies on).
 *  - family: UST_AF_INET or UST_AF_INET6 (the values of AF_INET and
 *    AF_INET6 on Linux); 0: no address at all.
 *  - An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 2.5.5.2) given to
 *    an AF_INET6 socket is stored as UST_AF_INET: below the socket layer
 *    such a connection is IPv4 (RFC 3493 3.7).
 *  - scope_id: for IPv6 link-local and link-scope multicast addresses the
 *    interface they belong to, as the stack's interface index + 1 (0: none),
 *    like sin6_scope_id (RFC 4007 6). 0 for every other address. */
#define UST_AF_INET 2
#define UST_AF_INET6 10
struct ust_addr {
    uint16_t family;
    uint16_t reserved_; /* zero */
    uint32_t scope_id;
    union {
        ust_ip4_t v4;   /* host byte order, as ust_ip4_t */
        uint8_t v6[16]; /* network byte order, as on the wire */
    } u;
};
static inline struct ust_addr ust_addr_from_ip4(ust_ip4_t a)
{
    struct ust_addr r = {0};
    r.family = UST_AF_INET;
    r.u.v4 = a;
    return r;
}
static inline struct ust_addr ust_addr_from_ip6(const uint8_t a[16], uint32_t scope_id)
{
    struct ust_addr r = {0};
    r.family = UST_AF_INET6;
    r.scope_id = scope_id;
    for (int i = 0; i < 16; i++)
        r.u.v6[i] = a[i];
    return r;
}
/* Same family, same bytes, same scope. */
static inline bool ust_addr_eq(const struct ust_addr *a, const struct ust_addr *b)
{
    if (a->family != b->family || a->scope_id != b->scope_id)
        return false;
    if (a->family == UST_AF_INET)
        return a->u.v4 == b->u.v4;
    for (int i = 0; i < 16; i++)
        if (a->u.v6[i] != b->u.v6[i])
            return false;
    return true;
}
/* The wildcard of its family (0.0.0.0, ::), or no address at all. */
static inline bool ust_addr_is_any(const struct ust_addr *a)
{
    if (a->family == UST_AF_INET)
        return a->u.v4 == 0;
    if (a->family == UST_AF_INET6) {
        for (int i = 0; i < 16; i++)
            if (a->u.v6[i])
                return false;
    }
    return true;
}

/* IPv4-mapped ::ffff:a.b.c.d (RFC 4291 2.5.5.2) as bytes. */
static inline bool ust_ip6_is_v4mapped(const uint8_t a[16])
{
    for (int i = 0; i < 10; i++)
        if (a[i])
            return false;
    return a[10] == 0xff && a[11] == 0xff;
}
/* An IPv4 address in IPv4-mapped form (how an AF_INET6 socket shows an
 * IPv4 peer, RFC 3493 3.7), and back: a mapped IPv6 address becomes the
 * IPv4 address it holds; every other address is returned unchanged. */
static inline struct ust_addr ust_addr_to_v4mapped(const struct ust_addr *a)
{
    if (a->family != UST_AF_INET)
        return *a;
    uint8_t b[16] = {0}; /* no designated array initialisers: C++ includes this header too */
    b[10] = b[11] = 0xff;
    b[12] = (uint8_t)(a->u.v4 >> 24);
    b[13] = (uint8_t)(a->u.v4 >> 16);
    b[14] = (uint8_t)(a->u.v4 >> 8);
    b[15] = (uint8_t)a->u.v4;
    return ust_addr_from_ip6(b, 0);
}
static inline struct ust_addr ust_addr_unmap(const struct ust_addr *a)
{
    if (a->family != UST_AF_INET6 || !ust_ip6_is_v4mapped(a->u.v6))
        return *a;
    const uint8_t *b = a->u.v6;
    return ust_addr_from_ip4(UST_IP4(b[12], b[13], b[14], b[15]));
}

struct ust_mac {
    uint8_t b[6];
};

/* Library error codes. The error conventions of the public API:
 *  - The POSIX-shaped socket calls (socket.h) return -1 and set errno.
 *  - Every other call that can fail returns an int: 0 (or the non-negative
 *    count or index its comment names) on success, a negative enum ust_err
 *    on failure. An object made by such a call comes back through an out
 *    parameter (ust_dev_tap_open). ust_strerror gives the text,
 *    ust_err_to_errno the matching errno.
 *  - Constructors whose only failures are memory, resources or a bad
 *    argument (ust_stack_new, ust_dev_new, ust_loop_new, ust_sim_new, ...)
 *    return the object or NULL.
 * Inside the library every layer returns enum ust_err too; socket.c turns
 * them into errno at the socket API. */
enum ust_err {
    UST_OK = 0,
    UST_ERR_NOMEM = -1,    /* allocation failed or a bounded table is full */
    UST_ERR_INVAL = -2,    /* bad argument */
    UST_ERR_AGAIN = -3,    /* would block / try later */
    UST_ERR_NOROUTE = -4,  /* no route to the destination */
    UST_ERR_HOSTUNREACH = -5, /* neighbour did not answer ARP */
    UST_ERR_MSGSIZE = -6,  /* too large (and DF set / over 65535) */
    UST_ERR_ADDRINUSE = -7,
    UST_ERR_NOTCONN = -8,
    UST_ERR_CONNREFUSED = -9,
    UST_ERR_CONNRESET = -10,
    UST_ERR_TIMEDOUT = -11,
    UST_ERR_PIPE = -12,
    UST_ERR_IO = -13,      /* device / system call failure */
    UST_ERR_PERM = -14,    /* missing privilege (e.g. /dev/net/tun) */
    UST_ERR_NOTSUP = -15,
    UST_ERR_EXIST = -16,
    UST_ERR_NOENT = -17,
    UST_ERR_ADDRNOTAVAIL = -18,
    UST_ERR_BADF = -19,
    UST_ERR_ISCONN = -20,
    UST_ERR_INPROGRESS = -21,
    UST_ERR_ALREADY = -22,
    UST_ERR_NETUNREACH = -23,
    UST_ERR_PROTOUNREACH = -24,
    UST_ERR_NETDOWN = -25, /* a network device failed or disappeared */
    UST_ERR_NOPROTOOPT = -26,  /* unknown socket option */
    UST_ERR_DESTADDRREQ = -27, /* send without a destination address */
    UST_ERR_ACCES = -28,       /* broadcast without SO_BROADCAST */
    UST_ERR_PROTO = -29,       /* protocol error (ICMP parameter problem) */
    UST_ERR_HOSTDOWN = -30,
    UST_ERR_INTR = -31,        /* a blocking wait was interrupted by a signal */
    UST_ERR_BUSY = -32,        /* EBUSY: the device is in use (a TAP/TUN another
                                  process has open) */
    UST_ERR_DEVTYPE = -33,     /* the interface exists but is not a TAP (for a TUN
                                  open: not a TUN) device; errno EINVAL, as the
                                  kernel's TUNSETIFF says */
    UST_ERR_QUEUEMODE = -34,   /* the TAP/TUN device exists with the other queue
                                  mode: single-queue when one queue of a
                                  multi-queue device (IFF_MULTI_QUEUE) was asked
                                  for, or the other way round; errno EINVAL */
    UST_ERR_NODEV = -35,       /* no such interface (ENODEV) */
    UST_ERR_NOBUFS = -36,      /* a per-socket list is full (ENOBUFS: a
                                  multicast source filter at its bound) */
};

/* Human-readable text for an enum ust_err value. */
UST_API const char *ust_strerror(int err);
/* The errno value (EAGAIN, ECONNREFUSED, ...) matching an enum ust_err. */
UST_API int ust_err_to_errno(int err);

/* "203.0.113.7" -> address. Returns 0 or UST_ERR_INVAL. */
UST_API int ust_ip4_parse(const char *s, ust_ip4_t *out);
/* "203.0.113.7/24" -> address and prefix length. A missing "/N" is an error. */
UST_API int ust_cidr_parse(const char *s, ust_ip4_t *addr, int *prefix_len);
/* Formats an address into buf (at least 16 bytes); returns buf. */
UST_API char *ust_ip4_str(ust_ip4_t addr, char buf[16]);
/* Either family as text: "203.0.113.7", "2001:db8::1", "fe80::1%2" (the
 * numeric scope is the stack's interface index + 1, as sin6_scope_id).
 * "::ffff:a.b.c.d" stays an IPv6 address here (ust_addr_unmap turns it
 * into IPv4). Returns 0 or UST_ERR_INVAL. */
UST_API int ust_addr_parse(const char *s, struct ust_addr *out);
/* RFC 5952 text for IPv6 (with "%scope" when scope_id is set), dotted quad
 * for IPv4, "-" for no address; returns buf. */
#define UST_ADDR_STRLEN 58 /* INET6_ADDRSTRLEN + "%4294967295" */
UST_API char *ust_addr_str(const struct ust_addr *a, char buf[UST_ADDR_STRLEN]);
/* "52:54:00:12:34:56" formatting (buf at least 18 bytes) and parsing. */
UST_API char *ust_mac_str(const struct ust_mac *mac, char buf[18]);
UST_API int ust_mac_parse(const char *s, struct ust_mac *out);

#endif
