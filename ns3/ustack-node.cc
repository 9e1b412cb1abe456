/* ustack-ns3: see ustack-node.h. */
#include "ustack-node.h"

#include <cstring>

#include <ns3/channel.h>
#include <ns3/fatal-error.h>
#include <ns3/simulator.h>

namespace ustack_ns3 {

using ns3::Ptr;
using ns3::Simulator;

static const uint16_t kEtherTypeIpv4 = 0x0800;
static const uint16_t kEtherTypeIpv6 = 0x86DD;
static const unsigned kMaxCrossRankMtu = 1500;

/* One interface: the ns-3 device a ustack device sends through. */
struct UstackNode::Port {
    UstackNode *owner;
    Ptr<ns3::NetDevice> dev;
    struct ust_dev *udev;
};

UstackNode::UstackNode(Ptr<ns3::Node> node, const struct ust_config *cfg, uint64_t seed)
    : node_(node)
{
    struct ust_config c;
    if (cfg)
        c = *cfg;
    else
        ust_config_default(&c);
    c.seed = seed;
    st_ = ust_stack_new(&c);
    if (!st_)
        NS_FATAL_ERROR("ustack-ns3: ust_stack_new failed");
    ust_stack_set_clock(st_, Clock, this);
}

UstackNode::~UstackNode()
{
    Simulator::Cancel(poll_event_);
    ust_stack_free(st_); /* frees the devices; their ctx (Port) is ours */
    for (Port *p : ports_)
        delete p;
}

ust_time_t UstackNode::Clock(void *)
{
    return (ust_time_t)Simulator::Now().GetNanoSeconds();
}

void UstackNode::CheckCrossRankMtu(Ptr<ns3::NetDevice> dev)
{
    Ptr<ns3::Channel> ch = dev->GetChannel();
    if (ch && ch->GetInstanceTypeId().GetName() == "ns3::PointToPointRemoteChannel" &&
        dev->GetMtu() > kMaxCrossRankMtu)
        NS_FATAL_ERROR("ustack-ns3: MTU " << dev->GetMtu() << " on a link between MPI ranks (at most "
                                          << kMaxCrossRankMtu << ": ns-3 caps MPI messages)");
}

int UstackNode::AddDevice(Ptr<ns3::NetDevice> dev, ns3::Ipv4Address addr, int prefix_len)
{
    if (dev->GetNode() != node_)
        NS_FATAL_ERROR("ustack-ns3: the device belongs to another node");
    if (dev->NeedsArp())
        NS_FATAL_ERROR("ustack-ns3: only IP-only links (point-to-point): this device needs ARP");
    CheckCrossRankMtu(dev);
    static const struct ust_dev_ops ops = {Transmit, nullptr, nullptr, nullptr};
    Port *port = new Port{this, dev, nullptr};
    ports_.push_back(port);
    std::string name = "p2p" + std::to_string(ports_.size() - 1);
    port->udev = ust_dev_new(st_, name.c_str(), UST_LINK_IP, nullptr, dev->GetMtu(), &ops, port);
    if (!port->udev)
        NS_FATAL_ERROR("ustack-ns3: ust_dev_new failed");
    int ifindex = ust_iface_add(st_, port->udev, ToUst(addr), prefix_len);
    if (ifindex < 0)
        NS_FATAL_ERROR("ustack-ns3: ust_iface_add failed: " << ifindex);
    node_->RegisterProtocolHandler(ns3::MakeCallback(&UstackNode::Receive, this), kEtherTypeIpv4,
                                   dev, false);
    node_->RegisterProtocolHandler(ns3::MakeCallback(&UstackNode::Receive, this), kEtherTypeIpv6,
                                   dev, false);
    return ifindex;
}

void UstackNode::AddRoute(ns3::Ipv4Address dst, int prefix_len, int ifindex)
{
    int rc = ust_route_add(st_, ToUst(dst), prefix_len, 0, ifindex);
    if (rc < 0)
        NS_FATAL_ERROR("ustack-ns3: ust_route_add failed: " << rc);
}

void UstackNode::Start(ns3::Time at, std::function<void()> fn)
{
    Simulator::ScheduleWithContext(node_->GetId(), at, [this, fn]() {
        fn();
        AfterWork();
    });
}

/* FNV-1a, 64 bits, over direction, time, length and the frame taken 8
 * bytes at a time (a word per step keeps it cheap at Gbit/s). */
void UstackNode::Mix(uint8_t dir, const uint8_t *frame, size_t len)
{
    const uint64_t prime = 1099511628211ull;
    uint64_t h = digest_;
    uint64_t now = (uint64_t)Simulator::Now().GetNanoSeconds();
    h = (h ^ dir) * prime;
    h = (h ^ now) * prime;
    h = (h ^ len) * prime;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, frame + i, 8);
        h = (h ^ w) * prime;
    }
    for (; i < len; i++)
        h = (h ^ frame[i]) * prime;
    digest_ = h;
}

/* The stack's transmit hook: one frame down to the ns-3 device. The device
 * queues it (NetDevice::Send schedules the wire events), so nothing calls
 * back into the stack from here. A full device queue is a drop. */
int UstackNode::Transmit(void *ctx, ust_time_t, const uint8_t *frame, size_t len)
{
    Port *port = static_cast<Port *>(ctx);
    port->owner->Mix('o', frame, len);
    port->owner->frames_out_++;
    Ptr<ns3::Packet> p = ns3::Create<ns3::Packet>(frame, (uint32_t)len);
    /* an IP-only link: the version says which protocol the frame is */
    uint16_t proto = len && (frame[0] >> 4) == 6 ? kEtherTypeIpv6 : kEtherTypeIpv4;
    if (!port->dev->Send(p, port->dev->GetBroadcast(), proto))
        return UST_ERR_AGAIN; /* the device queue is full: counted as a transmit drop */
    return 0;
}

void UstackNode::Receive(Ptr<ns3::NetDevice> dev, Ptr<const ns3::Packet> p, uint16_t, const ns3::Address &,
                         const ns3::Address &, ns3::NetDevice::PacketType)
{
    for (Port *port : ports_) {
        if (port->dev != dev)
            continue;
        rx_buf_.resize(p->GetSize());
        p->CopyData(rx_buf_.data(), p->GetSize());
        Mix('i', rx_buf_.data(), rx_buf_.size());
        frames_in_++;
        ust_dev_input(port->udev, Clock(this), rx_buf_.data(), rx_buf_.size());
        AfterWork();
        return;
    }
}

void UstackNode::Poll()
{
    poll_when_ = UST_TIME_NEVER;
    ust_stack_poll(st_, Clock(this));
    AfterWork();
}

/* After the stack did something: let the application react (it may send,
 * which queues more work), then put the stack's one event at its deadline. */
void UstackNode::AfterWork()
{
    if (step_)
        step_();
    Reschedule();
}

void UstackNode::Reschedule()
{
    ust_time_t at = ust_stack_poll_at(st_);
    if (at == poll_when_ && poll_event_.IsRunning())
        return;
    Simulator::Cancel(poll_event_);
    poll_when_ = at;
    if (at == UST_TIME_NEVER)
        return;
    ust_time_t now = Clock(this);
    ns3::Time delay = ns3::NanoSeconds(at > now ? (int64_t)(at - now) : 0);
    poll_event_ = Simulator::Schedule(delay, &UstackNode::Poll, this);
}

} // namespace ustack_ns3
