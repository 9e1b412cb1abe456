/* ustack-ns3 — a ustack stack as the host stack of an ns-3 Node.
 *
 * A UstackNode owns one struct ust_stack and drives it from ns-3's event
 * scheduler instead of ust_loop or ust_sim:
 *   - frames go up through Node::RegisterProtocolHandler (IPv4, 0x0800) into
 *     an application-supplied UST_LINK_IP device (include/ustack/dev.h), and
 *     down through NetDevice::Send;
 *   - the stack's clock is Simulator::Now() (ust_stack_set_clock);
 *   - one ns-3 event per stack sits at ust_stack_poll_at(), rescheduled after
 *     every frame in and every poll;
 *   - every call into the stack happens inside a simulation event (ns-3's
 *     distributed, null-message scheduler needs that): applications start
 *     with Start(), and their step function runs after every input and poll.
 * Blocking socket calls would have no one to run the network while they
 * wait: applications use non-blocking ust_* sockets and react in Step.
 *
 * The device's transmit queue is the host's qdisc: a frame it refuses is
 * dropped and counted by the stack (tx_drops of the device); size it with
 * PointToPointHelper::SetQueue (ns-3's default is 100 packets).
 *
 * Devices must carry bare IPv4 datagrams (point-to-point: ns-3 adds and
 * strips the PPP header itself); devices that need ARP (CSMA, Wi-Fi) are
 * refused. A link whose channel crosses MPI ranks must have an MTU of at
 * most 1500 (ns-3's MPI messages are capped near 2000 bytes).
 */
#ifndef USTACK_NS3_USTACK_NODE_H
#define USTACK_NS3_USTACK_NODE_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ns3/event-id.h>
#include <ns3/ipv4-address.h>
#include <ns3/net-device.h>
#include <ns3/node.h>
#include <ns3/nstime.h>
#include <ns3/packet.h>
#include <ns3/ptr.h>
#include <ns3/simple-ref-count.h>

extern "C" {
#include <ustack/ustack.h>
}

namespace ustack_ns3 {

class UstackNode : public ns3::SimpleRefCount<UstackNode> {
  public:
    /* Creates the stack (cfg NULL: defaults) with cfg->seed replaced by
     * `seed`: every stack of a simulation should get its own. */
    UstackNode(ns3::Ptr<ns3::Node> node, const struct ust_config *cfg, uint64_t seed);
    ~UstackNode();
    UstackNode(const UstackNode &) = delete;
    UstackNode &operator=(const UstackNode &) = delete;

    /* Makes `dev` (on this node) an interface of the stack with addr/prefix.
     * Returns the stack's interface index. Fatal for a device that needs ARP,
     * or a cross-rank link with an MTU above 1500. */
    int AddDevice(ns3::Ptr<ns3::NetDevice> dev, ns3::Ipv4Address addr, int prefix_len);
    /* dst/prefix_len out of interface ifindex (prefix 0: the default route). */
    void AddRoute(ns3::Ipv4Address dst, int prefix_len, int ifindex);

    /* Runs fn inside an event of this node at simulated time `at`, then
     * reschedules the stack's event (fn may open sockets, connect, send). */
    void Start(ns3::Time at, std::function<void()> fn);
    /* The application's step: called after every frame in and every poll. */
    void SetStep(std::function<void()> step) { step_ = std::move(step); }

    struct ust_stack *Stack() const { return st_; }
    ns3::Ptr<ns3::Node> GetNode() const { return node_; }
    /* FNV-1a over every frame this stack sent and received, in order, with
     * its direction and time: equal digests mean equal runs. */
    uint64_t Digest() const { return digest_; }
    uint64_t FramesIn() const { return frames_in_; }
    uint64_t FramesOut() const { return frames_out_; }

    static ust_ip4_t ToUst(ns3::Ipv4Address a) { return a.Get(); }
    static ns3::Ipv4Address FromUst(ust_ip4_t a) { return ns3::Ipv4Address(a); }
    /* Fatal when `dev` sits on a channel that crosses MPI ranks
     * (ns3::PointToPointRemoteChannel) with an MTU above 1500. Routers that
     * are ns-3 nodes call this for their devices too. */
    static void CheckCrossRankMtu(ns3::Ptr<ns3::NetDevice> dev);

  private:
    struct Port;
    static int Transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len);
    static ust_time_t Clock(void *ctx);
    void Receive(ns3::Ptr<ns3::NetDevice> dev, ns3::Ptr<const ns3::Packet> p, uint16_t proto,
                 const ns3::Address &from, const ns3::Address &to,
                 ns3::NetDevice::PacketType type);
    void Poll();
    void AfterWork();
    void Reschedule();
    void Mix(uint8_t dir, const uint8_t *frame, size_t len);

    ns3::Ptr<ns3::Node> node_;
    struct ust_stack *st_ = nullptr;
    std::function<void()> step_;
    ns3::EventId poll_event_;
    ust_time_t poll_when_ = UST_TIME_NEVER;
    uint64_t digest_ = 14695981039346656037ull; /* FNV-1a offset basis */
    uint64_t frames_in_ = 0, frames_out_ = 0;
    std::vector<uint8_t> rx_buf_;
    std::vector<Port *> ports_;
};

} // namespace ustack_ns3

#endif
