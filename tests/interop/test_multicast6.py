"""IPv6 multicast sockets and MLDv2 against Linux (RFC 3493 5.2, RFC 3810),
mirroring test_multicast.py: a program under `ustack run` joins ff15::1:2
on two sockets of one stack (IPV6_JOIN_GROUP on one, MCAST_JOIN_GROUP on
the other) and both receive what Linux sends there byte-exact; Linux's
capture of tap0 shows ustack's MLDv2 join (CHANGE_TO_EXCLUDE) and leave
(CHANGE_TO_INCLUDE) of the group with Hop Limit 1 and Router Alert, and
tshark flags nothing; Linux, joined to the group, gets what a ustack
socket sends there, with hop limit 1 (the IPV6_MULTICAST_HOPS default);
`ustack serve --udp-echo 7 --join ff15::1:2` echoes a datagram Linux sends
to the group."""
import os
import subprocess

from conftest import BUILD, USTACK, UstackProc, wait_until
from test_ipv6 import ustack_link_local
from test_mld import assert_mld_clean, mld_records
from test_multicast import capture

US4, LINUX4 = "203.0.113.2", "203.0.113.1"
US6, LINUX6 = "2001:db8::2", "2001:db8::1"
GROUP = "ff15::1:2"
PROG = os.path.join(BUILD, "tests", "progs", "mcast_prog")

# Linux sends one datagram to the group out of tap0 (IPV6_MULTICAST_IF).
SEND = r"""
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8::1", 0))
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("tap0"))
s.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[1], int(sys.argv[2])))
"""

# Linux joins the group on tap0, says so, then prints the hop limit and
# the bytes of the first datagram to the port.
RECV = r"""
import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[2])))
mreq = socket.inet_pton(socket.AF_INET6, sys.argv[1]) + struct.pack("@I", socket.if_nametoindex("tap0"))
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
print("joined", flush=True)
s.settimeout(120)
data, anc, _, peer = s.recvmsg(2048, socket.CMSG_SPACE(4))
hl = [struct.unpack("@i", d)[0] for lvl, t, d in anc if t == socket.IPV6_HOPLIMIT]
print(peer[0], hl[0] if hl else -1, data.hex(), flush=True)
"""

# A client on Linux: to the group, from 2001:db8::1, until an echo comes.
ECHO_CLIENT = r"""
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8::1", 0))
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("tap0"))
s.settimeout(0.5)
msg = bytes.fromhex(sys.argv[1])
for _ in range(120):
    s.sendto(msg, ("ff15::1:2", 7))
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        continue
    print(peer[0], data.hex())
    break
"""


def linux_side(netns):
    netns.linux_tap(f"{LINUX4}/24", f"{LINUX6}/64")


def under_ustack(netns, name, *argv, pcap=None, stdin=None):
    link = ["--tap", "tap0", "--addr", f"{US4}/24", "--addr", f"{US6}/64"]
    link += ["--pcap", pcap] if pcap else []
    log = netns.artifact(f"{name}.stderr")
    with open(log, "wb") as errf:
        proc = subprocess.Popen(netns.cmd([USTACK, "run", *link, "--", PROG, *argv]),
                                stdin=stdin, stdout=subprocess.PIPE, stderr=errf)
    u = UstackProc(proc, f"{name} under ustack", log)
    netns.procs.append(u)
    return u


def test_two_sockets_receive_linux_ipv6_multicast_and_mld_seen(netns, ustack_bin):
    linux_side(netns)
    cap = netns.artifact("linux-tap0.pcap")
    sniffer = capture(netns, cap)
    prog = under_ustack(netns, "mcast6-recv", "recv", GROUP, "5000", "2", "1",
                        pcap=netns.artifact("ustack.pcap"), stdin=subprocess.PIPE)
    prog.read_until("^bound$")
    prog.proc.stdin.write(b"go\n")
    prog.proc.stdin.flush()
    prog.read_until("^joined$")
    payload = os.urandom(600)

    # Linux sends until the program has read one datagram on each socket.
    def received():
        assert prog.proc.poll() is None or "left" in prog.banner, prog.stderr_text()
        netns.run(["/usr/bin/python3", "-c", SEND, GROUP, "5000", payload.hex()], check=True)
        try:
            prog.read_until("^left$", timeout=0.5)
            return True
        except AssertionError:
            return False
    wait_until(received, 60, "both ustack sockets receiving the group's datagrams")
    got = [l.split(": ", 1)[1] for l in prog.banner.splitlines() if l.startswith("sock ")]
    assert got == [payload.hex(), payload.hex()], prog.banner

    def seen(rtype):
        return lambda: any(r[3] == rtype and r[4] == GROUP for r in mld_records(cap))
    wait_until(seen("4"), 60, "MLDv2 CHANGE_TO_EXCLUDE of ff15::1:2 in Linux's capture")
    wait_until(seen("3"), 60, "MLDv2 CHANGE_TO_INCLUDE (leave) of ff15::1:2 in Linux's capture")
    prog.proc.wait(timeout=60)
    sniffer.terminate()
    sniffer.wait(timeout=30)
    ours = [r for r in mld_records(cap) if r[4] == GROUP]
    # From ustack (link-local, or :: while its DAD ran), Hop Limit 1, Router Alert 0 (MLD).
    assert ours and all(r[0].startswith("fe80:") or r[0] == "::" for r in ours), ours
    assert all(r[1] == "1" and r[2] == "0" for r in ours), ours
    assert_mld_clean(cap)


def test_linux_member_receives_from_ustack(netns, ustack_bin):
    linux_side(netns)
    recv = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", RECV, GROUP, "5001"]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    netns.procs_raw.append(recv)
    assert recv.stdout.readline().strip() == b"joined", recv.stderr.read().decode()
    payload = os.urandom(300)
    sender = under_ustack(netns, "mcast6-send", "send", GROUP, "5001", payload.hex(), "50")
    out, err = recv.communicate(timeout=120)
    assert recv.returncode == 0, err.decode()
    src, hop_limit, data = out.decode().split()
    assert data == payload.hex()
    assert hop_limit == "1"  # RFC 3493 5.2: IPV6_MULTICAST_HOPS defaults to 1
    assert src == US6 or src.startswith("fe80:"), src
    sender.proc.wait(timeout=60)


def test_serve_join_ipv6_group_echoes(netns, ustack_bin):
    """`ustack serve --udp-echo 7 --join ff15::1:2`: a datagram Linux sends
    to the group comes back from ustack's global address, byte-exact."""
    u = netns.serve("tap0", f"{US4}/24", host_addr=f"{LINUX4}/24",
                    extra=["--addr", f"{US6}/64", "--trace", "arp",
                           "--udp-echo", "7", "--join", GROUP])
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    ustack_link_local(netns, u)  # its addresses past DAD: the answer comes from US6
    payload = os.urandom(200)
    rc, out, err = netns.run(["/usr/bin/python3", "-c", ECHO_CLIENT, payload.hex()], timeout=120)
    assert rc == 0, err
    assert out.split() == [US6, payload.hex()], (out, err)
