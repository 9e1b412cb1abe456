/* ns3_tcp_interop: a ustack host and a host running ns-3's own TCP/IP
 * (InternetStackHelper) over one point-to-point link, with ns-3's checksums
 * on (GlobalValue ChecksumEnabled), so ns-3 verifies every IPv4 and TCP
 * checksum ustack computes.
 *
 *   ns3_tcp_interop [--direction=to-ns3|from-ns3] [--bytes=N] [--seed=S]
 *                   [--rate=100Mbps] [--delay=2ms] [--loss=P]
 *
 * to-ns3: ustack (198.51.100.1) sends N pattern bytes to an ns-3 listener
 * (198.51.100.2); from-ns3: the ns-3 host sends them to a ustack listener.
 * The receiver checks every byte. ns-3 sends no MSS option, so ustack's
 * send MSS is RFC 9293's default of 536 towards it (printed as snd_mss).
 * --loss drops frames at random on both devices (RateErrorModel).
 * Exits 0 when all N bytes arrived intact and the connection closed. */
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

#include "ns3_apps.h"

using namespace ns3;
using namespace ustack_ns3;

static void AddLoss(Ptr<NetDevice> dev, double loss, int64_t stream)
{
    Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
    em->SetAttribute("ErrorRate", DoubleValue(loss));
    em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
    em->AssignStreams(stream);
    dev->SetAttribute("ReceiveErrorModel", PointerValue(em));
}

int main(int argc, char **argv)
{
    uint64_t bytes = 2 * 1000 * 1000, seed = 1;
    std::string direction = "to-ns3", rate = "100Mbps", delay = "2ms";
    double loss = 0;
    CommandLine cmd;
    cmd.AddValue("direction", "to-ns3 (ustack sends) or from-ns3 (ns-3 sends)", direction);
    cmd.AddValue("bytes", "bytes to transfer", bytes);
    cmd.AddValue("seed", "seed of the stacks and of the loss models", seed);
    cmd.AddValue("rate", "link rate", rate);
    cmd.AddValue("delay", "one-way link delay", delay);
    cmd.AddValue("loss", "frame loss probability on each device", loss);
    cmd.Parse(argc, argv);
    if (direction != "to-ns3" && direction != "from-ns3") {
        fprintf(stderr, "ns3_tcp_interop: --direction must be to-ns3 or from-ns3\n");
        return 2;
    }
    RngSeedManager::SetSeed((uint32_t)(seed ? seed : 1));
    GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));

    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(rate));
    p2p.SetChannelAttribute("Delay", StringValue(delay));
    NetDeviceContainer devs = p2p.Install(nodes);
    if (loss > 0) {
        AddLoss(devs.Get(0), loss, 1);
        AddLoss(devs.Get(1), loss, 2);
    }
    Ipv4Address ua("198.51.100.1"), na("198.51.100.2");

    /* Node 1: ns-3's TCP/IP. */
    InternetStackHelper internet;
    internet.Install(nodes.Get(1));
    Ptr<Ipv4> ip = nodes.Get(1)->GetObject<Ipv4>();
    int32_t ifi = ip->AddInterface(devs.Get(1));
    ip->AddAddress(ifi, Ipv4InterfaceAddress(na, Ipv4Mask("255.255.255.0")));
    ip->SetUp(ifi);

    /* Node 0: ustack. */
    Ptr<UstackNode> u = Create<UstackNode>(nodes.Get(0), nullptr, seed);
    u->AddDevice(devs.Get(0), ua, 24);

    const uint16_t port = 5001;
    BulkSender usend(PeekPointer(u), na, port, bytes);
    BulkSink usink(PeekPointer(u), port);
    NsSender nsend(nodes.Get(1), ua, port, bytes);
    NsSink nsink(nodes.Get(1), port);
    bool to_ns3 = direction == "to-ns3";
    if (to_ns3) {
        Simulator::ScheduleWithContext(1, Seconds(0), &NsSink::Open, &nsink);
        u->SetStep([&usend]() { usend.Step(); });
        u->Start(MilliSeconds(1), [&usend]() { usend.Open(); });
    } else {
        u->SetStep([&usink]() { usink.Step(); });
        u->Start(Seconds(0), [&usink]() { usink.Open(); });
        Simulator::ScheduleWithContext(1, MilliSeconds(1), &NsSender::Open, &nsend);
    }
    Simulator::Stop(Seconds(3600));
    Simulator::Run();

    uint64_t got = 0;
    bool ok = false;
    int64_t last_ns = 0;
    if (to_ns3 && !nsink.Conns().empty()) {
        const NsSink::Conn &c = nsink.Conns()[0];
        got = c.bytes, last_ns = c.last_ns;
        ok = c.eof && !c.corrupt && got == bytes && !usend.Failed();
    } else if (!to_ns3 && !usink.Conns().empty()) {
        const BulkSink::Conn &c = usink.Conns()[0];
        got = c.bytes, last_ns = c.last_ns;
        ok = c.eof && !c.corrupt && got == bytes && !nsend.Failed();
    }
    double secs = (double)last_ns / 1e9;
    printf("ns3_tcp_interop: %s %s %llu of %llu bytes%s, %.6f s simulated (%.1f Mbit/s)\n",
           ok ? "OK" : "FAILED", to_ns3 ? "ustack->ns-3" : "ns-3->ustack", (unsigned long long)got,
           (unsigned long long)bytes, ok ? " byte-exact" : "", secs,
           secs > 0 ? got * 8 / secs / 1e6 : 0.0);
    if (to_ns3)
        printf("ustack snd_mss %u\n", usend.SndMss());
    PrintDigest("node", 0, *u);
    u = nullptr;
    Simulator::Destroy();
    return ok ? 0 : 1;
}
