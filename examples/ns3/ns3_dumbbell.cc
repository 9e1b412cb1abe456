/* ns3_dumbbell: N senders and N receivers on either side of two ns-3
 * routers (ns-3's own IPv4 with static routes) joined by a bottleneck link
 * with a queue discipline (FIFO, CoDel or FQ-CoDel, ns-3 traffic-control)
 * and an optional random loss model.
 *
 *   ns3_dumbbell [--flows=N] [--stack=ustack|ns3] [--time=10] [--seed=S]
 *                [--access-rate=100Mbps] [--bottleneck-rate=50Mbps]
 *                [--delay=5ms] [--queue=fifo|codel|fq-codel] [--queue-size=100]
 *                [--loss=P] [--mtu=1500] [--buffer=BYTES] [--bench] [--quiet]
 *
 * Sender i (10.1.x.1) sends pattern bytes to receiver i (10.2.x.1) for
 * --time simulated seconds; the receivers check every byte. Prints the
 * goodput of every flow, Jain's fairness index over them and one digest per
 * ustack host. --stack=ns3 puts ns-3's own TCP on the hosts instead (the
 * same topology, for comparison). --buffer caps every TCP send and receive
 * buffer (both stacks; 0: their defaults). --bench adds wall-clock and CPU
 * time, ns-3 events and the resident memory per host.
 *
 * MPI (built by scripts/ns3-mpi.sh): under mpirun the left side (senders
 * and their router) runs on rank 0 and the right side on rank 1, so every
 * flow crosses ranks on the bottleneck link; only point-to-point links cross
 * ranks, and an MTU above 1500 on them is refused. Each rank prints its own
 * hosts' lines: sorted, they match a run with one process.
 * Exits 0 when every flow delivered data intact. */
#include <chrono>
#include <cinttypes>
#include <fstream>

#include <sys/resource.h>

#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <ns3/traffic-control-module.h>
#ifdef USTACK_NS3_MPI
#include <ns3/mpi-interface.h>
#endif

#include "ns3_apps.h"

using namespace ns3;
using namespace ustack_ns3;

struct Opts {
    uint32_t flows = 4;
    std::string stack = "ustack", access_rate = "100Mbps", bottleneck_rate = "50Mbps";
    std::string delay = "5ms", queue = "fifo";
    uint32_t queue_size = 100, mtu = 1500, buffer = 0;
    double time = 10, loss = 0;
    uint64_t seed = 1;
    bool bench = false, quiet = false;
};

static uint32_t Rank()
{
#ifdef USTACK_NS3_MPI
    return MpiInterface::IsEnabled() ? MpiInterface::GetSystemId() : 0;
#else
    return 0;
#endif
}

static bool Mine(Ptr<Node> n) { return n->GetSystemId() == Rank(); }

/* The x-th /30 of prefix a.b.0.0/16: host .1, router .2. */
static Ipv4Address Subnet(uint8_t a, uint8_t b, uint32_t x, uint32_t host)
{
    return Ipv4Address((uint32_t)a << 24 | (uint32_t)b << 16 | (x * 4 + host));
}

static long RssKiB()
{
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stol(line.substr(6));
    return 0;
}

static double CpuSeconds()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* ns-3's IPv4 on a router or ns-3 host: one interface with addr/30. */
static uint32_t NsIface(Ptr<Node> n, Ptr<NetDevice> d, Ipv4Address addr, const char *mask)
{
    Ptr<Ipv4> ip = n->GetObject<Ipv4>();
    int32_t i = ip->AddInterface(d);
    ip->AddAddress(i, Ipv4InterfaceAddress(addr, Ipv4Mask(mask)));
    ip->SetUp(i);
    UstackNode::CheckCrossRankMtu(d);
    return (uint32_t)i;
}

static void InstallQueue(const Opts &o, Ptr<NetDevice> dev)
{
    TrafficControlHelper tch;
    std::string size = std::to_string(o.queue_size) + "p";
    if (o.queue == "fifo")
        tch.SetRootQueueDisc("ns3::FifoQueueDisc", "MaxSize", StringValue(size));
    else if (o.queue == "codel")
        tch.SetRootQueueDisc("ns3::CoDelQueueDisc", "MaxSize", StringValue(size));
    else
        tch.SetRootQueueDisc("ns3::FqCoDelQueueDisc", "MaxSize", StringValue(size));
    tch.Install(NetDeviceContainer(dev));
}

/* One flow: sender i on the left, receiver i on the right, and whichever
 * applications this rank runs for them. */
struct Flow {
    Ptr<Node> snode, rnode;
    Ipv4Address saddr, raddr, sgw, rgw;
    Ptr<NetDevice> sdev, rdev;
    Ptr<UstackNode> us, ur;
    std::unique_ptr<BulkSender> usend;
    std::unique_ptr<BulkSink> usink;
    std::unique_ptr<NsSender> nsend;
    std::unique_ptr<NsSink> nsink;
    double start = 0;
};

static const uint16_t kPort = 5001;

static void StartUstackFlow(const Opts &o, Flow &f, uint32_t i)
{
    uint64_t base = o.seed << 24;
    struct ust_config cfg;
    ust_config_default(&cfg);
    if (o.buffer) /* at or below the initial size: no growth (config.h) */
        cfg.tcp_rmem_max = cfg.tcp_wmem_max = o.buffer;
    if (Mine(f.rnode)) {
        f.ur = Create<UstackNode>(f.rnode, &cfg, base + 2 * i + 1);
        f.ur->AddRoute(Ipv4Address::GetZero(), 0, f.ur->AddDevice(f.rdev, f.raddr, 30));
        f.usink.reset(new BulkSink(PeekPointer(f.ur), kPort));
        BulkSink *sink = f.usink.get();
        f.ur->SetStep([sink]() { sink->Step(); });
        f.ur->Start(Seconds(0), [sink]() { sink->Open(); });
    }
    if (Mine(f.snode)) {
        f.us = Create<UstackNode>(f.snode, &cfg, base + 2 * i);
        f.us->AddRoute(Ipv4Address::GetZero(), 0, f.us->AddDevice(f.sdev, f.saddr, 30));
        f.usend.reset(new BulkSender(PeekPointer(f.us), f.raddr, kPort, UINT64_MAX));
        BulkSender *snd = f.usend.get();
        f.us->SetStep([snd]() { snd->Step(); });
        f.us->Start(Seconds(f.start), [snd]() { snd->Open(); });
    }
}

static void StartNs3Flow(Flow &f)
{
    Ipv4StaticRoutingHelper srh;
    InternetStackHelper internet;
    internet.Install(f.snode);
    internet.Install(f.rnode);
    NsIface(f.snode, f.sdev, f.saddr, "255.255.255.252");
    NsIface(f.rnode, f.rdev, f.raddr, "255.255.255.252");
    srh.GetStaticRouting(f.snode->GetObject<Ipv4>())->SetDefaultRoute(f.sgw, 1);
    srh.GetStaticRouting(f.rnode->GetObject<Ipv4>())->SetDefaultRoute(f.rgw, 1);
    if (Mine(f.rnode)) {
        f.nsink.reset(new NsSink(f.rnode, kPort));
        Simulator::ScheduleWithContext(f.rnode->GetId(), Seconds(0), &NsSink::Open, f.nsink.get());
    }
    if (Mine(f.snode)) {
        f.nsend.reset(new NsSender(f.snode, f.raddr, kPort, UINT64_MAX));
        Simulator::ScheduleWithContext(f.snode->GetId(), Seconds(f.start), &NsSender::Open,
                                       f.nsend.get());
    }
}

static bool ParseOpts(int argc, char **argv, Opts &o)
{
    CommandLine cmd;
    cmd.AddValue("flows", "sender/receiver pairs", o.flows);
    cmd.AddValue("stack", "ustack or ns3 (ns-3's own TCP on the hosts)", o.stack);
    cmd.AddValue("time", "simulated seconds", o.time);
    cmd.AddValue("seed", "seed of the stacks and the loss model", o.seed);
    cmd.AddValue("access-rate", "rate of the host links", o.access_rate);
    cmd.AddValue("bottleneck-rate", "rate of the link between the routers", o.bottleneck_rate);
    cmd.AddValue("delay", "one-way delay of every link", o.delay);
    cmd.AddValue("queue", "bottleneck queue discipline: fifo, codel or fq-codel", o.queue);
    cmd.AddValue("queue-size", "bottleneck queue limit in packets", o.queue_size);
    cmd.AddValue("loss", "frame loss probability on the bottleneck", o.loss);
    cmd.AddValue("mtu", "MTU of every link", o.mtu);
    cmd.AddValue("buffer", "TCP send/receive buffer cap in bytes (0: defaults)", o.buffer);
    cmd.AddValue("bench", "print wall time, events and memory per host", o.bench);
    cmd.AddValue("quiet", "no per-flow lines", o.quiet);
    cmd.Parse(argc, argv);
    const char *bad = nullptr;
    if (o.stack != "ustack" && o.stack != "ns3")
        bad = "--stack must be ustack or ns3";
    else if (o.queue != "fifo" && o.queue != "codel" && o.queue != "fq-codel")
        bad = "--queue must be fifo, codel or fq-codel";
    else if (o.flows < 1 || o.flows > 16000)
        bad = "--flows must be 1..16000";
    else if (o.mtu < 576 || o.mtu > 9000)
        bad = "--mtu must be 576..9000";
    else if (!(o.time > 0.02) || o.loss < 0 || o.loss >= 1)
        bad = "--time must be above 0.02 (flows start within 11 ms) and --loss in [0, 1)";
    if (bad)
        fprintf(stderr, "ns3_dumbbell: %s\n", bad);
    return !bad;
}

/* The routers: rl (left, rank 0) and rr (right, rank 1 under MPI) with the
 * bottleneck between them, its queue discipline and loss model. */
static void BuildRouters(const Opts &o, Ptr<Node> rl, Ptr<Node> rr, std::vector<Flow> &flows)
{
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(o.bottleneck_rate));
    p2p.SetDeviceAttribute("Mtu", UintegerValue(o.mtu));
    p2p.SetChannelAttribute("Delay", StringValue(o.delay));
    p2p.SetQueue("ns3::DropTailQueue", "MaxSize", StringValue("1p")); /* the qdisc queues */
    NetDeviceContainer bn = p2p.Install(rl, rr);
    InternetStackHelper internet;
    internet.Install(rl);
    internet.Install(rr);
    uint32_t il = NsIface(rl, bn.Get(0), Subnet(10, 3, 0, 1), "255.255.255.252");
    uint32_t ir = NsIface(rr, bn.Get(1), Subnet(10, 3, 0, 2), "255.255.255.252");
    for (Flow &f : flows) {
        NsIface(rl, f.sdev->GetChannel()->GetDevice(1), f.sgw, "255.255.255.252");
        NsIface(rr, f.rdev->GetChannel()->GetDevice(1), f.rgw, "255.255.255.252");
    }
    Ipv4StaticRoutingHelper srh;
    srh.GetStaticRouting(rl->GetObject<Ipv4>())
        ->AddNetworkRouteTo(Ipv4Address("10.2.0.0"), Ipv4Mask("255.255.0.0"), Subnet(10, 3, 0, 2), il);
    srh.GetStaticRouting(rr->GetObject<Ipv4>())
        ->AddNetworkRouteTo(Ipv4Address("10.1.0.0"), Ipv4Mask("255.255.0.0"), Subnet(10, 3, 0, 1), ir);
    InstallQueue(o, bn.Get(0));
    InstallQueue(o, bn.Get(1));
    if (o.loss > 0) {
        Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
        em->SetAttribute("ErrorRate", DoubleValue(o.loss));
        em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
        em->AssignStreams(1);
        bn.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(em));
    }
}

static std::vector<Flow> BuildHosts(const Opts &o, Ptr<Node> rl, Ptr<Node> rr, uint32_t right)
{
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(o.access_rate));
    p2p.SetDeviceAttribute("Mtu", UintegerValue(o.mtu));
    p2p.SetChannelAttribute("Delay", StringValue(o.delay));
    p2p.SetQueue("ns3::DropTailQueue", "MaxSize", StringValue("1000p"));
    std::vector<Flow> flows(o.flows);
    for (uint32_t i = 0; i < o.flows; i++) {
        Flow &f = flows[i];
        f.snode = CreateObject<Node>(0);
        f.rnode = CreateObject<Node>(right);
        f.sdev = p2p.Install(f.snode, rl).Get(0);
        f.rdev = p2p.Install(f.rnode, rr).Get(0);
        f.saddr = Subnet(10, 1, i, 1), f.sgw = Subnet(10, 1, i, 2);
        f.raddr = Subnet(10, 2, i, 1), f.rgw = Subnet(10, 2, i, 2);
        f.start = 0.001 + 0.0001 * (i % 100); /* staggered: flows do not start in lockstep */
    }
    return flows;
}

/* Goodput lines, Jain's index, and whether every flow delivered intact
 * data. Only the rank of the receivers knows. */
static bool Report(const Opts &o, std::vector<Flow> &flows, double *bits)
{
    double sum = 0, sumsq = 0;
    bool ok = true;
    *bits = 0;
    for (uint32_t i = 0; i < flows.size(); i++) {
        Flow &f = flows[i];
        if (!Mine(f.rnode))
            continue;
        uint64_t bytes = 0;
        bool corrupt = false;
        size_t conns = f.usink ? f.usink->Conns().size() : f.nsink->Conns().size();
        for (size_t c = 0; c < conns; c++) {
            bytes += f.usink ? f.usink->Conns()[c].bytes : f.nsink->Conns()[c].bytes;
            corrupt |= f.usink ? f.usink->Conns()[c].corrupt : f.nsink->Conns()[c].corrupt;
        }
        double mbps = bytes * 8 / (o.time - f.start) / 1e6;
        sum += mbps, sumsq += mbps * mbps, *bits += bytes * 8.0;
        ok &= bytes > 0 && !corrupt;
        if (!o.quiet)
            printf("flow %u goodput %.3f Mbit/s (%" PRIu64 " bytes%s)\n", i, mbps, bytes,
                   corrupt ? ", CORRUPT" : "");
    }
    if (sumsq > 0)
        printf("flows %zu total %.3f Mbit/s Jain's fairness %.4f\n", flows.size(), sum,
               sum * sum / (flows.size() * sumsq));
    return ok;
}

static void PrintDigests(const Opts &o, std::vector<Flow> &flows)
{
    if (o.quiet)
        return;
    for (uint32_t i = 0; i < flows.size(); i++) {
        if (flows[i].us)
            PrintDigest("sender", i, *flows[i].us);
        if (flows[i].ur)
            PrintDigest("receiver", i, *flows[i].ur);
    }
}

int main(int argc, char **argv)
{
    Opts o;
    uint32_t nranks = 1;
#ifdef USTACK_NS3_MPI
    GlobalValue::Bind("SimulatorImplementationType", StringValue("ns3::DistributedSimulatorImpl"));
    MpiInterface::Enable(&argc, &argv);
    nranks = MpiInterface::GetSize();
#endif
    if (!ParseOpts(argc, argv, o))
        return 2;
    RngSeedManager::SetSeed((uint32_t)(o.seed ? o.seed : 1));
    /* Without it ns-3's IPv4 writes a zero header checksum when it forwards,
     * and ustack (rightly) drops every such datagram (ip InCsumErrors). */
    GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
    /* ns-3's TCP defaults to 536-byte segments; give it ustack's (MTU less
     * IPv4, TCP and timestamps) so the comparison is fair. */
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(o.mtu - 52));
    if (o.buffer) {
        Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(o.buffer));
        Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(o.buffer));
    }
    uint32_t right = nranks > 1 ? 1 : 0;
    long rss0 = RssKiB();

    Ptr<Node> rl = CreateObject<Node>(0), rr = CreateObject<Node>(right);
    std::vector<Flow> flows = BuildHosts(o, rl, rr, right);
    BuildRouters(o, rl, rr, flows);
    for (uint32_t i = 0; i < o.flows; i++) {
        if (o.stack == "ustack")
            StartUstackFlow(o, flows[i], i);
        else
            StartNs3Flow(flows[i]);
    }
    Simulator::Stop(Seconds(o.time));
    auto t0 = std::chrono::steady_clock::now();
    double cpu0 = CpuSeconds();
    Simulator::Run();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = CpuSeconds() - cpu0;
    uint64_t events = Simulator::GetEventCount();
    long rss1 = RssKiB();

    double bits = 0;
    bool ok = Report(o, flows, &bits);
    PrintDigests(o, flows);
    if (o.bench)
        printf("bench rank %u stack %s hosts %u simulated %.3f s: %.3f Gbit in %.2f s wall = %.3f "
               "Gbit/s per wall-second, %" PRIu64 " events = %.0f events/s, RSS %.1f KiB per host, "
               "cpu %.2f s = %.3f Gbit/s per cpu-second\n",
               Rank(), o.stack.c_str(), 2 * o.flows, o.time, bits / 1e9, wall, bits / 1e9 / wall,
               events, events / wall, (double)(rss1 - rss0) / (2.0 * o.flows / nranks), cpu,
               bits / 1e9 / cpu);
    flows.clear();
    Simulator::Destroy();
#ifdef USTACK_NS3_MPI
    MpiInterface::Disable();
#endif
    return ok ? 0 : 1;
}
