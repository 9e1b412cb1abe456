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
#include <algorithm>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ns3/inet-socket-address.h>
#include <ns3/simulator.h>
#include <ns3/socket.h>
#include <ns3/tcp-socket-factory.h>

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
        while (sent_ < total_) {
            /* The pattern is made once per chunk, not once per attempt: most
             * steps find the send buffer full. */
            if (sent_ >= chunk_at_ + chunk_len_) {
                chunk_at_ = sent_;
                chunk_len_ = (size_t)std::min<uint64_t>(sizeof(chunk_), total_ - sent_);
                for (size_t i = 0; i < chunk_len_; i++)
                    chunk_[i] = PatternByte(chunk_at_ + i);
            }
            size_t off = (size_t)(sent_ - chunk_at_);
            ssize_t w = ust_send(st, fd_, chunk_ + off, chunk_len_ - off, 0);
            if (w < 0) {
                if (errno != EAGAIN && errno != ENOTCONN && errno != EINPROGRESS) {
                    fprintf(stderr, "sender: send: %s\n", strerror(errno));
                    failed_ = true;
                }
                return;
            }
            sent_ += (uint64_t)w;
            if (!snd_mss_) {
                struct ust_tcp_info info;
                socklen_t len = sizeof(info);
                if (ust_getsockopt(st, fd_, IPPROTO_TCP, UST_TCP_INFO, &info, &len) == 0)
                    snd_mss_ = info.snd_mss;
            }
        }
        ust_close(st, fd_);
        closed_ = true;
    }

    uint64_t Sent() const { return sent_; }
    bool Failed() const { return failed_; }
    /* The send MSS the connection settled on (0 before any data went). */
    uint32_t SndMss() const { return snd_mss_; }

  private:
    UstackNode *node_;
    uint32_t snd_mss_ = 0;
    ns3::Ipv4Address dst_;
    uint16_t port_;
    uint64_t total_, sent_ = 0;
    uint8_t chunk_[16384];
    uint64_t chunk_at_ = 0;
    size_t chunk_len_ = 0;
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

/* ns-3's own TCP: a sender of `total` pattern bytes to dst:port. */
class NsSender {
  public:
    NsSender(ns3::Ptr<ns3::Node> node, ns3::Ipv4Address dst, uint16_t port, uint64_t total)
        : node_(node), dst_(dst), port_(port), total_(total) {}

    void Open()
    {
        sock_ = ns3::Socket::CreateSocket(node_, ns3::TcpSocketFactory::GetTypeId());
        sock_->Bind();
        sock_->SetConnectCallback(ns3::MakeCallback(&NsSender::Connected, this),
                                  ns3::MakeCallback(&NsSender::ConnectFailed, this));
        sock_->SetSendCallback(ns3::MakeCallback(&NsSender::Space, this));
        sock_->Connect(ns3::InetSocketAddress(dst_, port_));
    }
    uint64_t Sent() const { return sent_; }
    bool Failed() const { return failed_; }

  private:
    void Connected(ns3::Ptr<ns3::Socket>) { SendMore(); }
    void ConnectFailed(ns3::Ptr<ns3::Socket>) { failed_ = true; }
    void Space(ns3::Ptr<ns3::Socket>, uint32_t) { SendMore(); }
    void SendMore()
    {
        uint8_t chunk[16384];
        while (sent_ < total_ && sock_->GetTxAvailable() > 0) {
            uint32_t n = (uint32_t)std::min<uint64_t>(
                {sizeof(chunk), total_ - sent_, (uint64_t)sock_->GetTxAvailable()});
            for (uint32_t i = 0; i < n; i++)
                chunk[i] = PatternByte(sent_ + i);
            int w = sock_->Send(chunk, n, 0);
            if (w <= 0)
                return;
            sent_ += (uint64_t)w;
        }
        if (sent_ == total_ && !closed_) {
            sock_->Close();
            closed_ = true;
        }
    }

    ns3::Ptr<ns3::Node> node_;
    ns3::Ipv4Address dst_;
    uint16_t port_;
    uint64_t total_, sent_ = 0;
    ns3::Ptr<ns3::Socket> sock_;
    bool closed_ = false, failed_ = false;
};

/* ns-3's own TCP: a listener that checks every byte of every connection. */
class NsSink {
  public:
    struct Conn {
        uint64_t bytes = 0;
        bool eof = false, corrupt = false, closed = false;
        int64_t first_ns = -1, last_ns = -1;
    };
    NsSink(ns3::Ptr<ns3::Node> node, uint16_t port) : node_(node), port_(port) {}

    void Open()
    {
        sock_ = ns3::Socket::CreateSocket(node_, ns3::TcpSocketFactory::GetTypeId());
        sock_->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port_));
        sock_->Listen();
        sock_->SetAcceptCallback(ns3::MakeNullCallback<bool, ns3::Ptr<ns3::Socket>, const ns3::Address &>(),
                                 ns3::MakeCallback(&NsSink::Accepted, this));
    }
    const std::vector<Conn> &Conns() const { return conns_; }

  private:
    void Accepted(ns3::Ptr<ns3::Socket> s, const ns3::Address &)
    {
        conns_.push_back(Conn());
        socks_.push_back(s);
        s->SetRecvCallback(ns3::MakeCallback(&NsSink::Readable, this));
        s->SetCloseCallbacks(ns3::MakeCallback(&NsSink::Closed, this),
                             ns3::MakeCallback(&NsSink::Closed, this));
    }
    Conn *Find(ns3::Ptr<ns3::Socket> s)
    {
        for (size_t i = 0; i < socks_.size(); i++)
            if (socks_[i] == s)
                return &conns_[i];
        return nullptr;
    }
    void Readable(ns3::Ptr<ns3::Socket> s)
    {
        Conn *c = Find(s);
        ns3::Ptr<ns3::Packet> p;
        std::vector<uint8_t> buf;
        while (c && (p = s->Recv())) {
            if (p->GetSize() == 0) { /* ns-3's end of stream in CLOSE_WAIT */
                c->eof = true;
                if (!c->closed) {
                    c->closed = true;
                    s->Close();
                }
                break;
            }
            buf.resize(p->GetSize());
            p->CopyData(buf.data(), p->GetSize());
            int64_t now = ns3::Simulator::Now().GetNanoSeconds();
            if (c->first_ns < 0)
                c->first_ns = now;
            c->last_ns = now;
            for (size_t i = 0; i < buf.size(); i++)
                if (buf[i] != PatternByte(c->bytes + i))
                    c->corrupt = true;
            c->bytes += buf.size();
        }
    }
    void Closed(ns3::Ptr<ns3::Socket> s)
    {
        Conn *c = Find(s);
        if (!c || c->closed)
            return;
        Readable(s);
        c->eof = true;
        if (!c->closed) {
            c->closed = true;
            s->Close();
        }
    }

    ns3::Ptr<ns3::Node> node_;
    uint16_t port_;
    ns3::Ptr<ns3::Socket> sock_;
    std::vector<ns3::Ptr<ns3::Socket>> socks_;
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
