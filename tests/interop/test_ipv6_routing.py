"""Linux routing IPv6 between two ustack instances (issue #13). One test
namespace holds two TAPs: Linux forwards between them
(net.ipv6.conf.all.forwarding=1) with 2001:db8:1::1/64 on tap1 and
2001:db8:2::1/64 on tap2. `ustack serve` sits on tap1 (2001:db8:1::2, its
default router 2001:db8:1::1), `ustack ping` and `ustack get` on tap2
(2001:db8:2::2 via 2001:db8:2::1): ping6 answers come through the router,
an HTTP download arrives byte-exact, and tshark on both captures shows the
hop limit one lower on the far side of the router (64 sent, 63 received).
Each ustack reaches the other's address only through its --gateway6: the
two prefixes share no link. A second test bridges two TAPs into one link
and lets Linux redirect a ustack to its on-link neighbour (RFC 4861 8)."""
import hashlib
import os
import re
import subprocess

from conftest import USTACK, assert_pcap_clean, require_tool, wait_until
from test_ipv6 import counter

SERVE6, CLIENT6 = "2001:db8:1::2", "2001:db8:2::2"
ROUTER1, ROUTER2 = "2001:db8:1::1", "2001:db8:2::1"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def router(netns):
    """Linux as the router between tap1 and tap2 (persistent TAPs, so the
    addresses are there before either ustack opens its device)."""
    netns.run(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"], check=True)
    for tap, addr in (("tap1", ROUTER1), ("tap2", ROUTER2)):
        netns.run(["ip", "tuntap", "add", "dev", tap, "mode", "tap"], check=True)
        netns.run(["ip", "link", "set", tap, "up"], check=True)
        netns.run(["ip", "-6", "addr", "add", f"{addr}/64", "dev", tap, "nodad"], check=True)
    rc, out, _ = netns.run(["sysctl", "-n", "net.ipv6.conf.all.forwarding"])
    assert out.strip() == "1", out


def hop_limits(pcap, display_filter):
    """The IPv6 hop limits of the frames matching display_filter."""
    p = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", display_filter, "-T", "fields",
                        "-e", "ipv6.hlim"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return [int(x) for x in p.stdout.decode().split()]


def client_link(pcap):
    return ["--tap", "tap2", "--addr", "198.51.100.2/24", "--addr", f"{CLIENT6}/64",
            "--gateway6", ROUTER2, "--pcap", pcap]


def test_linux_routes_ipv6_between_two_ustacks(netns, tmp_path):
    require_tool("tshark")
    router(netns)
    root = tmp_path / "www"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 5))
    u = netns.serve("tap1", "203.0.113.2/24",
                    extra=["--addr", f"{SERVE6}/64", "--gateway6", ROUTER1, "--http", "80",
                           "--root", str(root), "--dual-stack", "--trace", "arp"])
    wait_until(lambda: re.search(rf"dad {SERVE6}: unique", u.stderr_text()), 30,
               "the serving ustack's address past DAD")

    # ping6 through the router: the replies come back with hop limit 63.
    ping_pcap = netns.artifact("ping.pcap")
    rc, out, err = netns.run([USTACK, "ping", "-c", "3", "-i", "0.2", SERVE6]
                             + client_link(ping_pcap), timeout=120)
    assert rc == 0, out + err
    assert "3 packets transmitted, 3 received" in out, out
    assert len(re.findall(rf"bytes from {SERVE6}: icmp_seq=\d+ ttl=63\b", out)) == 3, out
    assert hop_limits(ping_pcap, "icmpv6.type == 128") == [64] * 3
    assert hop_limits(ping_pcap, "icmpv6.type == 129") == [63] * 3
    assert_pcap_clean(ping_pcap)

    # A TCP transfer through the router, byte-exact.
    get_pcap = netns.artifact("get.pcap")
    dest = tmp_path / "got.bin"
    rc, out, err = netns.run([USTACK, "get", f"http://[{SERVE6}]/big.bin", "-o", str(dest)]
                             + client_link(get_pcap), timeout=180)
    assert rc == 0, out + err
    assert sha256(dest) == sha256(root / "big.bin")
    assert set(hop_limits(get_pcap, f"tcp && ipv6.src == {SERVE6}")) == {63}
    assert set(hop_limits(get_pcap, f"tcp && ipv6.src == {CLIENT6}")) == {64}
    assert_pcap_clean(get_pcap)

    assert u.stop() == 0, u.stderr_text()
    # The serving side saw the client's packets one hop lower too.
    assert set(hop_limits(u.pcap, f"ipv6.src == {CLIENT6}")) == {63}
    assert set(hop_limits(u.pcap, f"ipv6.dst == {CLIENT6}")) == {64}
    assert_pcap_clean(u.pcap)
    assert counter(u.stdout, "icmp6", "Icmp6InEchos") == 3, u.stdout


def test_linux_router_redirects_ustack_to_on_link_neighbour(netns, tmp_path):
    """Linux (forwarding, fe80::1 on a bridge br0 joining tap1 and tap3) is
    the only router ustack A knows: A holds 2001:db8:1::2/128, so even
    2001:db8:1::3 (ustack B on tap3, the same link) goes to fe80::1. Linux
    forwards the first ping back out of br0 and, doing so, sends A a
    Redirect (RFC 4861 8.2, target = destination: on-link); A believes it
    (it comes from its first hop, Hop Limit 255) and sends the later
    pings straight to B's MAC."""
    require_tool("tshark")
    netns.run(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"], check=True)
    netns.run(["ip", "link", "add", "br0", "type", "bridge"], check=True)
    # One link-local address on br0, ours: the Redirect's source must be the
    # router A was given.
    netns.run(["ip", "link", "set", "br0", "addrgenmode", "none"], check=True)
    for tap in ("tap1", "tap3"):
        netns.run(["ip", "tuntap", "add", "dev", tap, "mode", "tap"], check=True)
        netns.run(["ip", "link", "set", tap, "master", "br0"], check=True)
        netns.run(["ip", "link", "set", tap, "up"], check=True)
    netns.run(["ip", "link", "set", "br0", "up"], check=True)
    netns.run(["ip", "-6", "addr", "add", "fe80::1/64", "dev", "br0", "nodad"], check=True)
    netns.run(["ip", "-6", "addr", "add", f"{ROUTER1}/64", "dev", "br0", "nodad"], check=True)
    b = netns.serve("tap3", "198.51.100.3/24",
                    extra=["--addr", "2001:db8:1::3/64", "--trace", "arp"])
    wait_until(lambda: re.search(r"dad 2001:db8:1::3: unique", b.stderr_text()), 30,
               "ustack B's address past DAD")
    pcap = netns.artifact("a.pcap")
    rc, out, err = netns.run([USTACK, "ping", "-c", "5", "-i", "0.5", "2001:db8:1::3",
                              "--tap", "tap1", "--addr", "198.51.100.2/24",
                              "--addr", f"{SERVE6}/128", "--gateway6", "fe80::1",
                              "--pcap", pcap], timeout=120)
    assert rc == 0, out + err
    assert "5 packets transmitted, 5 received" in out, out
    assert_pcap_clean(pcap)

    def fields(flt, field):
        p = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", flt, "-T", "fields", "-e", field],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        assert p.returncode == 0, p.stderr.decode(errors="replace")
        return p.stdout.decode().split()
    redirects = fields("icmpv6.type == 137", "icmpv6.rd.na.destination_address")
    assert redirects and set(redirects) == {"2001:db8:1::3"}, redirects
    first_redirect = int(fields("icmpv6.type == 137", "frame.number")[0])
    router_mac = fields("icmpv6.type == 137", "eth.src")[0]
    to_macs = fields(f"icmpv6.type == 128 && frame.number > {first_redirect}", "eth.dst")
    assert to_macs, "no echo request after the Redirect"
    assert router_mac not in to_macs, (router_mac, to_macs)  # straight to B now
    assert fields("icmpv6.type == 128", "eth.dst")[0] == router_mac  # the first via Linux
    assert b.stop() == 0, b.stderr_text()
