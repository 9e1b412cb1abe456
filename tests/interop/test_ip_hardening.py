"""IP and ICMP hardening against crafted frames from Linux, each test in its
own namespace with `ustack serve` on a TAP (frames made with scapy by
forge.py, which writes them straight to the TAP):

- a ping carrying a source route (LSRR/SSRR naming 203.0.113.77) is
  dropped and counted (InSrcRtDrops); ustack sends nothing towards the hop,
  not even an ARP request (cfg.ip_accept_source_route off, the default);
  with --accept-source-route the same ping is answered over the reversed
  route, towards the hop (the control that shows the check can fail);
- an IP-in-IP datagram draws a protocol unreachable and nothing goes to
  its inner destination;
- a forged fragmentation needed (next-hop MTU 0 or 68) quoting a live
  HTTP download from curl lowers the path MTU only to the 552-byte floor,
  and the download still completes byte for byte.
ustack's own capture (--pcap) holds every frame it sent and received."""
import hashlib
import os
import re
import subprocess

from conftest import USTACK, require_tool, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
FORGE = os.path.join(HERE, "forge.py")
US = "203.0.113.2"      # ustack
LINUX = "203.0.113.1"   # the Linux side of the TAP
HOP = "203.0.113.77"    # the hop a source route names (nobody has it)
FAR = "198.51.100.50"   # an inner destination beyond the gateway


def counters(netns, ctl):
    """Every counter of the running instance: {name: value}."""
    rc, out, err = netns.run([USTACK, "netstat", "--stats", "--all", "--ctl", ctl], timeout=30)
    assert rc == 0, out + err
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+)\s+(\d+)$", out, re.M)}


def wait_counter(netns, ctl, name, at_least, what, timeout=30):
    return wait_until(lambda: counters(netns, ctl).get(name, 0) >= at_least, timeout, what)


def us_mac(netns):
    """ustack's MAC, from the neighbour entry a ping leaves in Linux."""
    netns.run(["ping", "-c", "1", "-W", "5", US], check=True)
    rc, out, _ = netns.run(["ip", "neigh", "show", US, "dev", "tap0"], check=True)
    m = re.search(r"lladdr ([0-9a-f:]{17})", out)
    assert m, out
    return m.group(1)


def forge(netns, *args, timeout=60):
    rc, out, err = netns.run(["/usr/bin/python3", FORGE] + [str(a) for a in args], timeout=timeout)
    assert rc == 0, out + err
    return int(out.strip().splitlines()[-1])


def frames_sent(pcap, mac):
    """What ustack sent, from its capture: one dict per frame with the
    outermost IP destination, the ARP target and the first ICMP type/code
    and id (quoted headers inside ICMP errors are not looked at)."""
    require_tool("tshark")
    fields = ["eth.src", "arp.opcode", "arp.dst.proto_ipv4", "ip.dst", "ip.len", "ip.flags.df",
              "icmp.type", "icmp.code", "icmp.ident", "tcp.len"]
    argv = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in fields:
        argv += ["-e", f]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    out = []
    for line in p.stdout.decode().splitlines():
        v = dict(zip(fields, line.split("\t")))
        if v.get("eth.src") == mac:
            out.append(v)
    return out


def assert_nothing_towards(sent, *addrs):
    bad = [f for f in sent if f.get("ip.dst") in addrs or f.get("arp.dst.proto_ipv4") in addrs]
    assert not bad, f"ustack sent frames towards {addrs}: {bad}"


def serve(netns, extra=()):
    ctl = netns.artifact("ctl.sock")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24", gateway=LINUX,
                    extra=["--ctl", ctl, "--tcp-echo", "7"] + list(extra))
    return u, ctl


def test_source_routed_ping_dropped(netns):
    """LSRR and SSRR (complete) and an unfinished LSRR naming 203.0.113.77:
    dropped and counted; no reply, no error, no frame and no ARP request
    towards the hop. An ordinary ping still works."""
    require_tool("ping")
    u, ctl = serve(netns)
    mac = us_mac(netns)
    assert forge(netns, "srping", "tap0", LINUX, US, mac, HOP) == 3
    wait_counter(netns, ctl, "InSrcRtDrops", 3, "three source-routed pings dropped")
    netns.run(["ping", "-c", "1", "-W", "5", US], check=True)
    c = counters(netns, ctl)
    assert c["InSrcRtDrops"] == 3 and c["InSrcRouteFails"] == 0, c
    assert c["InEchos"] == 2 and c["OutEchoReps"] == 2, c   # the two plain pings only
    assert u.stop() == 0, u.stderr_text()
    sent = frames_sent(u.pcap, mac)
    assert_nothing_towards(sent, HOP)
    replies = [f for f in sent if f.get("icmp.type") in ("0", "3")]
    assert all(f["icmp.type"] == "0" and f["ip.dst"] == LINUX for f in replies), replies
    assert not [f for f in sent if f.get("icmp.ident") in ("0x5301", "0x5302", "0x5303")]


def test_source_routed_ping_followed_when_accepted(netns):
    """Control: with --accept-source-route (RFC 1122 3.2.1.8c behaviour) the
    completed LSRR ping is answered over the reversed route, so ustack asks
    ARP for the hop: the capture check above does see such traffic."""
    u, ctl = serve(netns, ["--accept-source-route"])
    mac = us_mac(netns)
    forge(netns, "srping", "tap0", LINUX, US, mac, HOP)
    wait_counter(netns, ctl, "OutEchoReps", 3, "replies to the two completed routes")
    wait_counter(netns, ctl, "out_requests", 1, "an ARP request for the hop")
    c = counters(netns, ctl)
    assert c["InSrcRtDrops"] == 0 and c["InSrcRouteFails"] == 1, c
    assert u.stop() == 0, u.stderr_text()
    sent = frames_sent(u.pcap, mac)
    assert [f for f in sent if f.get("arp.dst.proto_ipv4") == HOP], "no ARP request for the hop"


def test_ipip_answered_with_protocol_unreachable(netns):
    """IP-in-IP datagrams whose inner destinations are 203.0.113.77 (on the
    link) and 198.51.100.50 (via the gateway): each draws an ICMP protocol
    unreachable to the sender; nothing is decapsulated or forwarded."""
    u, ctl = serve(netns)
    mac = us_mac(netns)
    assert forge(netns, "ipip", "tap0", LINUX, US, mac, HOP, FAR) == 2
    wait_counter(netns, ctl, "InUnknownProtos", 2, "two IP-in-IP datagrams refused")
    wait_counter(netns, ctl, "OutDestUnreachs", 2, "two protocol unreachables")
    c = counters(netns, ctl)
    assert c["ForwDatagrams"] == 0 and c["out_requests"] == 0, c
    assert u.stop() == 0, u.stderr_text()
    sent = frames_sent(u.pcap, mac)
    assert_nothing_towards(sent, HOP, FAR)
    unreach = [f for f in sent if f.get("icmp.type") == "3"]
    assert len(unreach) == 2, unreach
    assert all(f["icmp.code"] == "2" and f["ip.dst"] == LINUX for f in unreach), unreach


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def forge_until_acted_on(netns, ctl, mac, mtu, quoted_len):
    """Forged fragmentation-needed messages quoting the segments the
    download is sending, until one quotes data still in flight and ustack
    acts on it (clamped to the floor)."""
    def acted_on():
        forge(netns, "fragneeded", "tap0", US, 80, mac, mtu, quoted_len, 3)
        return counters(netns, ctl).get("PmtuFloorClamps", 0) >= 1
    wait_until(acted_on, 120, "a forged fragmentation needed acted on")


def check_floor_segments(pcap, mac):
    """From the first segment sent without DF (the path is held at the
    floor) on, every data segment fits the 552-byte floor, and most are
    exactly that size (20 IP + 32 TCP with timestamps + 500)."""
    data = [f for f in frames_sent(pcap, mac) if f.get("tcp.len") not in (None, "", "0")]
    no_df = [i for i, f in enumerate(data) if f["ip.flags.df"] in ("0", "False")]
    assert no_df, "no segment without DF: the path MTU never reached the floor"
    after = data[no_df[0]:]
    assert all(int(f["ip.len"]) <= 552 for f in after), [f for f in after if int(f["ip.len"]) > 552][:3]
    assert sum(1 for f in after if f["ip.len"] == "552") > 100, len(after)


def check_frag_needed_download(netns, tmp_path, mtu, quoted_len):
    """curl downloads 6 MB from `serve --http` while Linux's ACKs wait in a
    slow token bucket on the TAP (so ustack's data stays in flight; the
    forged frames bypass it); forged messages quote the segments in flight
    until one is acted on; then the bucket goes and the download must
    complete byte for byte, in segments of the floor's size."""
    require_tool("curl")
    require_tool("tc")
    root = tmp_path / "www"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom(6 * 1024 * 1024))
    u, ctl = serve(netns, ["--http", "80", "--root", str(root)])
    mac = us_mac(netns)
    netns.run(["tc", "qdisc", "replace", "dev", "tap0", "root", "tbf", "rate", "100kbit",
               "burst", "1600", "latency", "2s"], check=True)
    out = tmp_path / "got.bin"
    curl = subprocess.Popen(netns.cmd(["curl", "-sS", "--fail", "--max-time", "300",
                                       "-o", str(out), f"http://{US}/big.bin"]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    netns.procs_raw.append(curl)
    try:
        wait_until(lambda: out.exists() and out.stat().st_size > 0, 60, "the download started")
        forge_until_acted_on(netns, ctl, mac, mtu, quoted_len)
        assert curl.poll() is None, "the download ended before a forged message was acted on"
    finally:
        netns.run(["tc", "qdisc", "del", "dev", "tap0", "root"])
    _, err = curl.communicate(timeout=300)
    assert curl.returncode == 0, err.decode(errors="replace")
    assert sha256(out) == sha256(root / "big.bin")
    c = counters(netns, ctl)
    assert c["PmtuFloorClamps"] >= 1 and c["IcmpErrors"] >= 1, c
    assert u.stop() == 0, u.stderr_text()
    check_floor_segments(u.pcap, mac)


def test_frag_needed_mtu_zero_keeps_download_going(netns, tmp_path):
    """Next-hop MTU 0 and a quoted total length of 60: RFC 1191's plateau
    below it is 68, held at the 552-byte floor."""
    check_frag_needed_download(netns, tmp_path, 0, 60)


def test_frag_needed_mtu_68_keeps_download_going(netns, tmp_path):
    """Next-hop MTU 68 quoting the segment as sent: held at the floor."""
    check_frag_needed_download(netns, tmp_path, 68, 0)
