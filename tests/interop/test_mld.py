"""MLDv2 as a host (RFC 3810) against Linux over a TAP device: Linux's
capture of tap0 shows ustack's MLDv2 Reports for the solicited-node group
of each of its addresses (TO_EX({}) as they come up), with Hop Limit 1
and a Router Alert option, from its link-local address or :: (RFC 3810
5.2.13); a General Query sent from Linux's side (forged on an AF_PACKET
socket, Linux has no querier of its own) is answered with IS_EX({})
records; tshark flags nothing malformed and no bad checksum."""
import ipaddress
import re
import subprocess

from conftest import USTACK, _tshark_env, require_tool, wait_until
from test_ipv6 import LINUX4, US4, US6, counter, stop_and_check, ustack_link_local
from test_multicast import capture

QUERY = r"""
import socket, struct, sys
src = socket.inet_pton(socket.AF_INET6, sys.argv[1])
dst = socket.inet_pton(socket.AF_INET6, "ff02::1")
mac = bytes.fromhex(open("/sys/class/net/tap0/address").read().strip().replace(":", ""))
# MLDv2 General Query: Max Resp Code 1000 ms, QRV 2, QQIC 125 (RFC 3810 5.1).
msg = bytearray(struct.pack("!BBHHH16sBBH", 130, 0, 0, 1000, 0, bytes(16), 2, 125, 0))
pseudo = src + dst + struct.pack("!IxxxB", len(msg), 58)
data = pseudo + bytes(msg)
s = sum((data[i] << 8) + data[i + 1] for i in range(0, len(data), 2))
while s >> 16:
    s = (s & 0xffff) + (s >> 16)
struct.pack_into("!H", msg, 2, ~s & 0xffff)
hbh = bytes([58, 0, 5, 2, 0, 0, 1, 0])  # Router Alert (MLD), PadN
ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(hbh) + len(msg), 0, 1, src, dst)
frame = bytes.fromhex("333300000001") + mac + b"\x86\xdd" + ip6 + hbh + bytes(msg)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("tap0", 0))
s.send(frame)
"""


def solicited_node(addr):
    """ff02::1:ffXX:XXXX of a unicast address (RFC 4291 2.7.1)."""
    low = ipaddress.IPv6Address(addr).packed[13:]
    return str(ipaddress.IPv6Address(b"\xff\x02" + bytes(9) + b"\x01\xff" + low))


def mld_records(path):
    """(source, hop limit, Router Alert value, record type, group) of every
    MLDv2 Report record in the capture, read by tshark's ICMPv6 dissector."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y", "icmpv6.type == 143", "-T", "fields",
                          "-E", "occurrence=a", "-e", "ipv6.src", "-e", "ipv6.hlim",
                          "-e", "ipv6.opt.router_alert", "-e", "icmpv6.mldr.mar.record_type",
                          "-e", "icmpv6.mldr.mar.multicast_address"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    recs = []
    for line in out.stdout.decode().splitlines():
        src, hlim, ra, rtype, maddr = (line.split("\t") + [""] * 5)[:5]
        for t, g in zip(rtype.split(","), maddr.split(",")):
            recs.append((src, hlim, ra, t, g))
    return recs


def assert_mld_clean(path):
    """Nothing malformed, no bad ICMPv6 checksum, no warning in the capture
    (the checks' dissectors only: none guesses a protocol in random payloads)."""
    flt = "_ws.malformed || icmpv6.checksum.status == 0 || _ws.expert.severity >= warning"
    base = ["tshark", "-n", "-r", path, "-o", "icmpv6.checksum:TRUE"]
    total = subprocess.run(base, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                           env=_tshark_env())
    if total.returncode != 0:  # older tshark without the preference
        base = base[:4]
    bad = subprocess.run(base + ["-Y", flt], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=120, env=_tshark_env())
    assert bad.returncode == 0, bad.stderr.decode()
    assert not bad.stdout.strip(), f"{path}: tshark flags:\n{bad.stdout.decode()}"


def test_mldv2_reports_seen_by_linux_and_query_answered(netns):
    require_tool("ip")
    netns.run(["ip", "tuntap", "add", "tap0", "mode", "tap"], check=True)
    netns.run(["ip", "link", "set", "tap0", "up"], check=True)
    cap = netns.artifact("linux-tap0.pcap")
    sniffer = capture(netns, cap)
    ctl = netns.artifact("ctl.sock")
    u = netns.serve("tap0", f"{US4}/24", host_addr=f"{LINUX4}/24",
                    extra=["--addr", f"{US6}/64", "--trace", "arp", "--ctl", ctl])
    ll = ustack_link_local(netns, u)
    ours = {solicited_node(ll), solicited_node(US6)}

    def reported(rtype, groups):
        return lambda: groups <= {r[4] for r in mld_records(cap) if r[3] == rtype}
    wait_until(reported("4", ours), 60, "MLDv2 CHANGE_TO_EXCLUDE of ustack's groups on tap0")
    _, addrs, _ = netns.run(["ip", "-6", "addr", "show", "dev", "tap0", "scope", "link"],
                            check=True)
    linux_ll = re.search(r"inet6 (fe80::[0-9a-f:]+)/64", addrs).group(1)
    netns.run(["/usr/bin/python3", "-c", QUERY, linux_ll], check=True)
    wait_until(reported("2", ours), 60, "MLDv2 MODE_IS_EXCLUDE answer to the General Query")
    rc, out, err = netns.run([USTACK, "netstat", "--stats", "--ctl", ctl])
    assert rc == 0, out + err
    assert re.search(r"^  mld6:$", out, re.M), out
    sniffer.terminate()
    sniffer.wait(timeout=30)
    mine = [r for r in mld_records(cap) if r[4] in ours]
    assert mine and all(r[1] == "1" and r[2] == "0" and r[0] in (ll, "::") for r in mine), mine
    assert not [r for r in mld_records(cap) if r[4] == "ff02::1"]
    assert_mld_clean(cap)
    counters = stop_and_check(u)
    assert counter(counters, "mld6", "InQueries") == 1
    assert counter(counters, "mld6", "InIgnored") == 0
