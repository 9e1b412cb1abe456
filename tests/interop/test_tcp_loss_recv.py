"""A Linux sender against ustack's ACKs under loss: the kernel recovers the
segments ustack's fault injector drops (--faults rx: after the sender's TCP,
as a lossy wire would) by SACK fast recovery, not by retransmission
timeouts. What ustack's receiver side contributes is what the sender sees:
a duplicate ACK with SACK blocks at once for every out-of-order segment, an
immediate ACK when a hole fills, quick ACKs after it. Without them Linux
would fall back to RTOs (or to Reno recovery without SACK).

Counts only, with wide bounds, no timing: 8 MB at 2% loss is ~5800 segments
and ~115 lost ones. Measured on an idle machine (1% and 5%): about one RTO
per 500-1000 fast recoveries at 1% and one per 15-25 at 5%, so at most one
RTO per four recoveries holds with a wide margin even if a loaded machine
stalls ustack long enough for a spurious timeout now and then. The
counters are the namespace's own (/proc/net/netstat in a fresh namespace
starts at zero)."""
import socket

from conftest import require_tool

US = "203.0.113.2"
LINUX = "203.0.113.1"
PORT = 9
TOTAL = 8 * 1024 * 1024

SENDER = f"""
import socket, sys
s = socket.create_connection(("{US}", {PORT}), timeout=120)
chunk = bytes(range(256)) * 256
left = {TOTAL}
while left:
    n = s.send(chunk[:min(left, len(chunk))])
    left -= n
s.shutdown(socket.SHUT_WR)
while s.recv(4096):
    pass
print("sent", {TOTAL})
"""


def netstat(netns):
    """TcpExt counters of the namespace as a dict."""
    _, out, _ = netns.run(["cat", "/proc/net/netstat"], check=True)
    lines = [l.split() for l in out.splitlines() if l.startswith("TcpExt:")]
    names, values = lines[0][1:], lines[1][1:]
    return dict(zip(names, (int(v) for v in values)))


def test_linux_sender_recovers_by_sack_not_timeouts(netns):
    require_tool("sysctl")
    netns.run(["sysctl", "-qw", "net.ipv4.tcp_congestion_control=reno"], check=True)
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--faults", "rx", "--loss", "2", "--discard", str(PORT)], pcap=False)
    assert "faults on rx:" in u.banner
    rc, out, err = netns.run(["/usr/bin/python3", "-c", SENDER], timeout=600)
    assert rc == 0 and f"sent {TOTAL}" in out, out + err
    c = netstat(netns)
    assert u.stop() == 0, u.stderr_text()
    recoveries, timeouts = c.get("TCPSackRecovery", 0), c.get("TCPTimeouts", 0)
    # loss happened and SACK repaired it (the injector lost ~115 segments;
    # one recovery may repair several)
    assert recoveries >= 10, c
    assert c.get("TCPRenoRecovery", 0) == 0, c
    assert timeouts * 4 <= recoveries, c
