"""IPv4 multicast source filters against Linux (RFC 3678 4.1.2, RFC 3376
3.1, 5.1): Linux sends to 239.1.2.3 from two of its addresses; a program
under `ustack run` with a source filter receives only the datagrams its
filter lets through (the others reach ustack, as its own capture shows,
and are not delivered), and Linux's capture of tap0, read by tshark's
IGMP dissector, shows the IGMPv3 records of the filter's changes with the
source in them: ALLOW/BLOCK for a source-specific join and its leave,
TO_EX/BLOCK/ALLOW/TO_IN for a block and unblock on an any-source join,
TO_IN({source}) when an any-source join becomes source-specific."""
import os
import subprocess

import pytest

from conftest import require_tool, wait_until
from test_multicast import GROUP, assert_igmp_clean, capture, linux_side, under_ustack

US = "203.0.113.2"
SRC_A = "203.0.113.1"  # Linux's first address
SRC_B = "203.0.113.5"  # ... and a second one on tap0


def igmp_packets(path):
    """(record types, group addresses, source addresses) of every IGMPv3
    report ustack sent, as lists, read by tshark."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y", f"igmp.type == 0x22 && ip.src == {US}",
                          "-T", "fields", "-E", "occurrence=a", "-e", "igmp.record_type",
                          "-e", "igmp.maddr", "-e", "igmp.saddr"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    pkts = []
    for line in out.stdout.decode().splitlines():
        rtype, maddr, saddr = (line.split("\t") + [""] * 3)[:3]
        pkts.append((rtype.split(","), maddr.split(","), [s for s in saddr.split(",") if s]))
    return pkts


def udp_from(path, src):
    """Datagrams to GROUP:5000 from src in a capture."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y",
                          f"ip.src == {src} && ip.dst == {GROUP} && udp.dstport == 5000"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    return len(out.stdout.splitlines())


def count_records(path, rtype, sources):
    """Reports of one record of rtype for GROUP carrying exactly `sources`."""
    return sum(p == ([rtype], [GROUP], sources) for p in igmp_packets(path))


# mode: the source the filter names, the source whose datagrams pass, and
# the records (type, sources) of each step, as Linux must see them, each
# sent Robustness (2) times except the last step's (its records may be
# cut short by the next change, RFC 3376 5.1): 3 TO_IN, 4 TO_EX, 5 ALLOW,
# 6 BLOCK.
CASES = {
    "include": (SRC_B, SRC_B, [("5", [SRC_B])], [], [("6", [SRC_B])]),
    "exclude": (SRC_A, SRC_B, [("4", [])], [("6", [SRC_A])], [("5", [SRC_A]), ("3", [])]),
    "switch": (SRC_B, SRC_B, [("4", [])], [("3", [SRC_B])], [("6", [SRC_B])]),
}


def step(prog, capfile, line, records, times):
    """Lets the program take its next step (after `line`), then waits for
    each record to be in Linux's capture `times` times."""
    if line:
        prog.proc.stdin.write(b"go\n")
        prog.proc.stdin.flush()
        prog.read_until(f"^{line}$")
    for rtype, sources in records:
        wait_until(lambda: count_records(capfile, rtype, sources) >= times, 60,
                   f"{times} IGMPv3 records of type {rtype} with sources {sources} in "
                   "Linux's capture")


@pytest.mark.parametrize("mode", list(CASES))
def test_source_filter_delivery_and_igmp_records(netns, ustack_bin, mode):
    named, passing, join, refine, leave = CASES[mode]
    blocked = SRC_A if passing == SRC_B else SRC_B
    require_tool("socat")
    linux_side(netns)
    netns.run(["ip", "addr", "add", f"{SRC_B}/24", "dev", "tap0"], check=True)
    cap = netns.artifact("linux-tap0.pcap")
    ucap = netns.artifact("ustack.pcap")
    sniffer = capture(netns, cap)
    prog = under_ustack(netns, f"mcast-{mode}", "filter", GROUP, "5000", mode, named, "2",
                        pcap=ucap, stdin=subprocess.PIPE)
    prog.read_until("^bound$")
    step(prog, cap, "joined", join, 2)
    step(prog, cap, "filtered", refine, 2)
    payload = {SRC_A: os.urandom(100), SRC_B: os.urandom(120)}

    # Each round Linux sends from the filtered source first, then from the
    # passing one, until the program has read two datagrams.
    def received():
        assert prog.proc.poll() is None, prog.stderr_text()
        for src in (blocked, passing):
            netns.run_bytes(["socat", "-u", "-", f"UDP4-DATAGRAM:{GROUP}:5000,bind={src},"
                             f"ip-multicast-if={SRC_A}"], payload[src])
        try:
            prog.read_until("^received$", timeout=0.5)
            return True
        except AssertionError:
            return False
    wait_until(received, 60, f"the {mode} socket receiving the group's datagrams")
    got = [l for l in prog.banner.splitlines() if l.startswith("from ")]
    assert got == [f"from {passing}: {payload[passing].hex()}"] * 2, prog.banner
    step(prog, cap, "left", leave, 1)
    prog.proc.wait(timeout=60)
    sniffer.terminate()
    sniffer.wait(timeout=30)
    # The filtered source's datagrams did reach ustack before the second
    # passing one was read: the socket's filter, not the network, kept them.
    assert udp_from(ucap, blocked) >= 1
    assert_igmp_clean(cap)
