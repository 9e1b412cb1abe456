/* ns3_two_hosts: two ustack hosts over one ns-3 point-to-point link.
 *
 *   ns3_two_hosts [--bytes=N] [--seed=S] [--rate=1Gbps] [--delay=1ms] [--loss=P]
 *
 * Host 0 (198.51.100.1) sends N pattern bytes over TCP to host 1
 * (198.51.100.2), which checks every byte. With --loss the receiving device
 * drops frames at random (ns-3's RateErrorModel, seeded by --seed). Prints
 * the result and one digest per host over every frame it sent and received:
 * the same seed gives the same digests, another seed other digests.
 * Exits 0 when all N bytes arrived intact, 1 otherwise. */
#include <ns3/core-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

#include "ns3_apps.h"

using namespace ns3;
using namespace ustack_ns3;

int main(int argc, char **argv)
{
    uint64_t bytes = 10 * 1000 * 1000, seed = 1;
    std::string rate = "1Gbps", delay = "1ms";
    double loss = 0;
    CommandLine cmd;
    cmd.AddValue("bytes", "bytes to transfer", bytes);
    cmd.AddValue("seed", "seed of the stacks and of the loss model", seed);
    cmd.AddValue("rate", "link rate", rate);
    cmd.AddValue("delay", "one-way link delay", delay);
    cmd.AddValue("loss", "frame loss probability at the receiver", loss);
    cmd.Parse(argc, argv);
    RngSeedManager::SetSeed((uint32_t)(seed ? seed : 1));

    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(rate));
    p2p.SetChannelAttribute("Delay", StringValue(delay));
    p2p.SetQueue("ns3::DropTailQueue", "MaxSize", StringValue("1000p"));
    NetDeviceContainer devs = p2p.Install(nodes);
    if (loss > 0) {
        Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
        em->SetAttribute("ErrorRate", DoubleValue(loss));
        em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
        em->AssignStreams(1);
        devs.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(em));
    }

    Ptr<UstackNode> h0 = Create<UstackNode>(nodes.Get(0), nullptr, seed * 2);
    Ptr<UstackNode> h1 = Create<UstackNode>(nodes.Get(1), nullptr, seed * 2 + 1);
    Ipv4Address a0("198.51.100.1"), a1("198.51.100.2");
    h0->AddDevice(devs.Get(0), a0, 24);
    h1->AddDevice(devs.Get(1), a1, 24);

    BulkSink sink(PeekPointer(h1), 5001);
    BulkSender sender(PeekPointer(h0), a1, 5001, bytes);
    h1->SetStep([&sink]() { sink.Step(); });
    h0->SetStep([&sender]() { sender.Step(); });
    h1->Start(Seconds(0), [&sink]() { sink.Open(); });
    h0->Start(MilliSeconds(1), [&sender]() { sender.Open(); });

    Simulator::Stop(Seconds(3600));
    Simulator::Run();

    uint64_t got = sink.Conns().empty() ? 0 : sink.Conns()[0].bytes;
    bool ok = !sink.Conns().empty() && sink.Conns()[0].eof && !sink.Conns()[0].corrupt &&
              got == bytes && !sender.Failed();
    double secs = ok ? (double)sink.Conns()[0].last_ns / 1e9 : 0;
    printf("ns3_two_hosts: %s %llu of %llu bytes%s, %.6f s simulated (%.1f Mbit/s)\n",
           ok ? "OK" : "FAILED", (unsigned long long)got, (unsigned long long)bytes,
           ok ? " byte-exact" : "", secs, secs > 0 ? got * 8 / secs / 1e6 : 0.0);
    PrintDigest("node", 0, *h0);
    PrintDigest("node", 1, *h1);
    h0 = nullptr;
    h1 = nullptr;
    Simulator::Destroy();
    return ok ? 0 : 1;
}
