"""IPv6 multicast source filters against Linux (RFC 3678 5.1.2, RFC 3810
4.1, 6.1), mirroring test_multicast_srcfilt.py: Linux sends to ff3e::1:2
(source-specific range) or ff15::1:2 from two of its IPv6 addresses; a
program under `ustack run` with a source filter set through
MCAST_JOIN_SOURCE_GROUP / MCAST_BLOCK_SOURCE and friends receives only the
datagrams its filter lets through (the others reach ustack, as its own
capture shows, and are not delivered), and Linux's capture of tap0, read
by tshark's ICMPv6 dissector, shows the MLDv2 records of the filter's
changes with the source in them: ALLOW/BLOCK for a source-specific join
and its leave, TO_EX/BLOCK/ALLOW/TO_IN for a block and unblock on an
any-source join, TO_IN({source}) when an any-source join becomes
source-specific; tshark flags nothing malformed. `ustack serve --join-source
GROUP,SOURCE` echoes the admitted source's datagrams only."""
import os
import subprocess

import pytest

from conftest import wait_until
from test_mld import assert_mld_clean
from test_multicast import capture
from test_ipv6 import LINUX4, LINUX6, US4, US6, counter, stop_and_check, ustack_link_local
from test_multicast6 import linux_side, under_ustack

SRC_A = "2001:db8::1"  # Linux's first address
SRC_B = "2001:db8::5"  # ... and a second one on tap0

# Linux sends one datagram to the group from the given source, out of tap0.
SEND = r"""
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 0))
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("tap0"))
s.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[1], 5000))
"""


def mld_records(path):
    """(record type, group, sources) of every MLDv2 record ustack sent (not
    Linux's own, from SRC_A), read by tshark; a Report may carry the
    records of several groups (their retransmissions share Reports)."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y",
                          f"icmpv6.type == 143 && !(ipv6.src == {SRC_A})", "-T", "fields",
                          "-E", "occurrence=a", "-e", "icmpv6.mldr.mar.record_type",
                          "-e", "icmpv6.mldr.mar.multicast_address",
                          "-e", "icmpv6.mldr.mar.nb_sources",
                          "-e", "icmpv6.mldr.mar.source_address"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    recs = []
    for line in out.stdout.decode().splitlines():
        rtype, maddr, nsrc, saddr = (line.split("\t") + [""] * 4)[:4]
        sources = [s for s in saddr.split(",") if s]
        for t, g, n in zip(rtype.split(","), maddr.split(","), nsrc.split(",")):
            recs.append((t, g, sources[:int(n)]))
            sources = sources[int(n):]
    return recs


def udp_from(path, src, group):
    """Datagrams to group:5000 from src in a capture."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y",
                          f"ipv6.src == {src} && ipv6.dst == {group} && udp.dstport == 5000"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    return len(out.stdout.splitlines())


def count_records(path, group, rtype, sources):
    """Records of rtype for group carrying exactly `sources`."""
    return sum(r == (rtype, group, sources) for r in mld_records(path))


# mode: the group, the source the filter names, the source whose datagrams
# pass, and the records (type, sources) of each step, as Linux must see
# them, each sent Robustness (2) times except the last step's (cut short
# by the program's exit): 3 TO_IN, 4 TO_EX, 5 ALLOW, 6 BLOCK.
CASES = {
    "include": ("ff3e::1:2", SRC_B, SRC_B, [("5", [SRC_B])], [], [("6", [SRC_B])]),
    "exclude": ("ff15::1:2", SRC_A, SRC_B, [("4", [])], [("6", [SRC_A])],
                [("5", [SRC_A]), ("3", [])]),
    "switch": ("ff3e::1:2", SRC_B, SRC_B, [("4", [])], [("3", [SRC_B])], [("6", [SRC_B])]),
}


def step(prog, capfile, group, line, records, times):
    """Lets the program take its next step (after `line`), then waits for
    each record to be in Linux's capture `times` times."""
    if line:
        prog.proc.stdin.write(b"go\n")
        prog.proc.stdin.flush()
        prog.read_until(f"^{line}$")
    for rtype, sources in records:
        wait_until(lambda: count_records(capfile, group, rtype, sources) >= times, 60,
                   f"{times} MLDv2 records of type {rtype} for {group} with sources {sources} "
                   "in Linux's capture")


@pytest.mark.parametrize("mode", list(CASES))
def test_source_filter_delivery_and_mld_records(netns, ustack_bin, mode):
    group, named, passing, join, refine, leave = CASES[mode]
    blocked = SRC_A if passing == SRC_B else SRC_B
    linux_side(netns)
    netns.run(["ip", "-6", "addr", "add", f"{SRC_B}/64", "dev", "tap0", "nodad"], check=True)
    cap = netns.artifact("linux-tap0.pcap")
    ucap = netns.artifact("ustack.pcap")
    sniffer = capture(netns, cap)
    prog = under_ustack(netns, f"mcast6-{mode}", "filter", group, "5000", mode, named, "2",
                        pcap=ucap, stdin=subprocess.PIPE)
    prog.read_until("^bound$")
    step(prog, cap, group, "joined", join, 2)
    step(prog, cap, group, "filtered", refine, 2)
    payload = {SRC_A: os.urandom(100), SRC_B: os.urandom(120)}

    # Each round Linux sends from the filtered source first, then from the
    # passing one, until the program has read two datagrams.
    def received():
        assert prog.proc.poll() is None, prog.stderr_text()
        for src in (blocked, passing):
            netns.run(["/usr/bin/python3", "-c", SEND, group, src, payload[src].hex()],
                      check=True)
        try:
            prog.read_until("^received$", timeout=0.5)
            return True
        except AssertionError:
            return False
    wait_until(received, 60, f"the {mode} socket receiving the group's datagrams")
    got = [l for l in prog.banner.splitlines() if l.startswith("from ")]
    assert got == [f"from {passing}: {payload[passing].hex()}"] * 2, prog.banner
    step(prog, cap, group, "left", leave, 1)
    prog.proc.wait(timeout=60)
    sniffer.terminate()
    sniffer.wait(timeout=30)
    # The filtered source's datagrams did reach ustack before the second
    # passing one was read: the socket's filter, not the network, kept them.
    assert udp_from(ucap, blocked, group) >= 1
    assert_mld_clean(cap)


# Linux sends to the group's port 7 from the blocked source, then from the
# admitted one, until an echo comes; prints who got it (peer and bytes).
ECHO_CLIENT = r"""
import socket, sys
group, blocked, admitted, msg = sys.argv[1], sys.argv[2], sys.argv[3], bytes.fromhex(sys.argv[4])
socks = {}
for src in (blocked, admitted):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("tap0"))
    s.settimeout(0.25)
    socks[src] = s
for _ in range(240):
    for src, s in socks.items():
        s.sendto(msg, (group, 7))
    for src, s in socks.items():
        try:
            data, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        print(src, peer[0], data.hex())
        sys.exit(0)
sys.exit(1)
"""


def test_serve_join_source_echoes_admitted_source_only(netns):
    """`ustack serve --udp-echo 7 --join-source ff3e::1:2,2001:db8::5`:
    Linux sends to the group from 2001:db8::1 and 2001:db8::5; the echo
    comes back to ::5 only, ::1's datagrams are counted in mld6
    SourceFiltered, and the MLDv2 report carries ALLOW(::5)."""
    group = "ff3e::1:2"
    u = netns.serve("tap0", f"{US4}/24", host_addr=f"{LINUX4}/24",
                    extra=["--addr", f"{US6}/64", "--trace", "arp", "--udp-echo", "7",
                           "--join-source", f"{group},{SRC_B}"])
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    netns.run(["ip", "-6", "addr", "add", f"{SRC_B}/64", "dev", "tap0", "nodad"], check=True)
    ustack_link_local(netns, u)  # its addresses past DAD: the answer comes from US6
    payload = os.urandom(150)
    rc, out, err = netns.run(["/usr/bin/python3", "-c", ECHO_CLIENT, group, SRC_A, SRC_B,
                              payload.hex()], timeout=180)
    assert rc == 0, (out, err)
    assert out.split() == [SRC_B, US6, payload.hex()], (out, err)
    text = stop_and_check(u)
    assert counter(text, "mld6", "SourceFiltered") >= 1, text
    assert count_records(u.pcap, group, "5", [SRC_B]) >= 1
    assert_mld_clean(u.pcap)
