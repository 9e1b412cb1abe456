/* Event-driven ustack applications for the ns-3 examples: a bulk sender
 * and a sink that checks every byte. Each has a Step() the UstackNode calls
 * after every frame in and every poll; sockets are non-blocking, so a step
 * does what it can and returns. Shared by the examples through this header
 * only (each example is one program). */
#ifndef USTACK_NS3_APPS_H
#define USTACK_NS3_APPS_H

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "ustack-node.h"

namespace ustack_ns3 {

/* Byte i of every transfer: depends on the offset, so a lost, repeated or
 * misplaced byte shows in the sink. */
inline uint8_t PatternByte(uint64_t i) { return (uint8_t)(i * 131u + (i >> 9)); }

inline struct sockaddr_in SockAddr(ns3::Ipv4Address a, uint16_t port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(a.Get());
    return sa;
}

/* Connects to dst:port and sends `total` pattern bytes, then closes. */
class BulkSender {
  public:
    BulkSender(UstackNode *node, ns3::Ipv4Address dst, uint16_t port, uint64_t total)
        : node_(node), dst_(dst), port_(port), total_(total) {}

    void Open()
    {
        struct ust_stack *st = node_->Stack();
        fd_ = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in sa = SockAddr(dst_, port_);
        if (fd_ < 0 || (ust_connect(st, fd_, (const struct sockaddr *)&sa, sizeof(sa)) < 0 &&
                        errno != EINPROGRESS)) {
            fprintf(stderr, "sender: connect: %s\n", strerror(errno));
            failed_ = true;
        }
    }

    void Step()
    {
        if (fd_ < 0 || closed_ || failed_)
            return;
        struct ust_stack *st = node_->Stack();
        uint8_t chunk[16384];
        while (sent_ < total_) {
            size_t n = (size_t)std::min<uint64_t>(sizeof(chunk), total_ - sent_);
            for (size_t i = 0; i < n; i++)
                chunk[i] = PatternByte(sent_ + i);
            ssize_t w = ust_send(st, fd_, chunk, n, 0);
            if (w < 0) {
                if (errno != EAGAIN && errno != ENOTCONN && errno != EINPROGRESS) {
                    fprintf(stderr, "sender: send: %s\n", strerror(errno));
                    failed_ = true;
                }
                return;
            }
            sent_ += (uint64_t)w;
        }
        ust_close(st, fd_);
        closed_ = true;
    }

    uint64_t Sent() const { return sent_; }
    bool Failed() const { return failed_; }

  private:
    UstackNode *node_;
    ns3::Ipv4Address dst_;
    uint16_t port_;
    uint64_t total_, sent_ = 0;
    int fd_ = -1;
    bool closed_ = false, failed_ = false;
};

/* Listens on `port`, accepts any number of connections and checks every
 * byte of each against PatternByte. */
class BulkSink {
  public:
    struct Conn {
        int fd;
        uint64_t bytes = 0;
        bool eof = false;
        bool corrupt = false;
        int64_t first_ns = -1, last_ns = -1;
    };

    BulkSink(UstackNode *node, uint16_t port) : node_(node), port_(port) {}

    void Open()
    {
        struct ust_stack *st = node_->Stack();
        listen_fd_ = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in sa = SockAddr(ns3::Ipv4Address::GetAny(), port_);
        if (listen_fd_ < 0 || ust_bind(st, listen_fd_, (const struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            ust_listen(st, listen_fd_, 1024) < 0) {
            fprintf(stderr, "sink: listen: %s\n", strerror(errno));
            listen_fd_ = -1;
        }
    }

    void Step()
    {
        struct ust_stack *st = node_->Stack();
        for (;;) {
            int fd = listen_fd_ >= 0 ? ust_accept(st, listen_fd_, nullptr, nullptr) : -1;
            if (fd < 0)
                break;
            ust_set_nonblock(st, fd, 1);
            conns_.push_back(Conn{fd});
        }
        for (Conn &c : conns_)
            Drain(st, c);
    }

    const std::vector<Conn> &Conns() const { return conns_; }

  private:
    void Drain(struct ust_stack *st, Conn &c)
    {
        uint8_t buf[16384];
        while (!c.eof) {
            ssize_t n = ust_recv(st, c.fd, buf, sizeof(buf), 0);
            if (n == 0) {
                c.eof = true;
                ust_close(st, c.fd);
                return;
            }
            if (n < 0)
                return; /* EAGAIN */
            int64_t now = ns3::Simulator::Now().GetNanoSeconds();
            if (c.first_ns < 0)
                c.first_ns = now;
            c.last_ns = now;
            for (ssize_t i = 0; i < n; i++)
                if (buf[i] != PatternByte(c.bytes + (uint64_t)i))
                    c.corrupt = true;
            c.bytes += (uint64_t)n;
        }
    }

    UstackNode *node_;
    uint16_t port_;
    int listen_fd_ = -1;
    std::vector<Conn> conns_;
};

/* "0x%016llx" of a digest. */
inline void PrintDigest(const char *who, unsigned idx, const UstackNode &n)
{
    printf("digest %s%u 0x%016llx frames %llu/%llu\n", who, idx, (unsigned long long)n.Digest(),
           (unsigned long long)n.FramesOut(), (unsigned long long)n.FramesIn());
}

} // namespace ustack_ns3

#endif
