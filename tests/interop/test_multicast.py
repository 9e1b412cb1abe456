"""IPv4 multicast and IGMPv3 against Linux (RFC 3376, RFC 1112): a program
under `ustack run` joins 239.1.2.3 on two sockets of one stack and both
receive what Linux sends there byte-exact; Linux, joined with socat, gets
what the program sends to the group; Linux's capture of tap0 (an AF_PACKET socket in the namespace) shows the
IGMPv3 report of the join (TO_EX) and the leave (TO_IN), from ustack's
address, TTL 1, Router Alert; tshark, with its IGMP dissector, finds no
malformed frame and no bad checksum in it."""
import os
import subprocess

from conftest import BUILD, USTACK, UstackProc, _tshark_env, require_tool, wait_until

US = "203.0.113.2"
LINUX = "203.0.113.1"
GROUP = "239.1.2.3"
LINK = ["--tap", "tap0", "--addr", f"{US}/24"]
PROG = os.path.join(BUILD, "tests", "progs", "mcast_prog")


def linux_side(netns):
    netns.linux_tap(f"{LINUX}/24")


def under_ustack(netns, name, *argv, pcap=None, stdin=None):
    link = LINK + (["--pcap", pcap] if pcap else [])
    log = netns.artifact(f"{name}.stderr")
    with open(log, "wb") as errf:
        proc = subprocess.Popen(netns.cmd([USTACK, "run", *link, "--", PROG, *argv]),
                                stdin=stdin, stdout=subprocess.PIPE, stderr=errf)
    u = UstackProc(proc, f"{name} under ustack", log)
    netns.procs.append(u)
    return u


SNIFFER = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
s.bind(("tap0", 0))
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
out.flush()
print("live", flush=True)
while True:
    frame = s.recv(65535)
    t = time.time()
    out.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame), len(frame)) + frame)
    out.flush()
"""


def capture(netns, path):
    """Every frame crossing Linux's side of tap0, written to a pcap file as
    it comes (an AF_PACKET socket: bound before it says "live", so nothing
    after that is missed); stopped by PID."""
    require_tool("tshark")
    p = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", SNIFFER, path]),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    netns.procs_term.append(p)
    line = p.stdout.readline()
    assert line.strip() == b"live", p.stderr.read().decode()
    return p


def igmp_records(path):
    """(source, ttl, router alert?, record type, group) of every IGMPv3
    report record in the capture, read by tshark's IGMP dissector."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y", "igmp.type == 0x22", "-T", "fields",
                          "-E", "occurrence=a", "-e", "ip.src", "-e", "ip.ttl",
                          "-e", "ip.opt.type", "-e", "igmp.record_type", "-e", "igmp.maddr"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    recs = []
    for line in out.stdout.decode().splitlines():
        src, ttl, opt, rtype, maddr = (line.split("\t") + [""] * 5)[:5]
        for t, g in zip(rtype.split(","), maddr.split(",")):
            recs.append((src, ttl, "148" in opt.split(",") or "0x94" in opt, t, g))
    return recs


def assert_igmp_clean(path):
    """tshark with the checks' dissectors and IGMP (none that would guess a
    protocol in the random test payloads): nothing malformed, no bad IP/IGMP
    checksum, no warning."""
    flt = ("_ws.malformed || ip.checksum.status == 0 || igmp.checksum.status == 0 "
           "|| _ws.expert.severity >= warning")
    base = ["tshark", "-n", "-r", path, "-o", "ip.check_checksum:TRUE"]
    total = subprocess.run(base, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                           env=_tshark_env({"igmp"}))
    assert total.returncode == 0, total.stderr.decode()
    assert total.stdout.strip(), f"{path}: empty capture"
    bad = subprocess.run(base + ["-Y", flt], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=120, env=_tshark_env({"igmp"}))
    assert bad.returncode == 0, bad.stderr.decode()
    assert not bad.stdout.strip(), f"{path}: tshark flags:\n{bad.stdout.decode()}"


def test_two_sockets_receive_linux_multicast_and_igmp_seen(netns, ustack_bin):
    require_tool("socat")
    linux_side(netns)
    cap = netns.artifact("linux-tap0.pcap")
    sniffer = capture(netns, cap)
    prog = under_ustack(netns, "mcast-recv", "recv", GROUP, "5000", "2", "1",
                        pcap=netns.artifact("ustack.pcap"), stdin=subprocess.PIPE)
    prog.read_until("^bound$")
    prog.proc.stdin.write(b"go\n")
    prog.proc.stdin.flush()
    prog.read_until("^joined$")
    payload = os.urandom(600)
    # Linux sends until the program has read one datagram on each socket
    # (the first may go out before ustack's TAP is up): each is the same.
    def received():
        assert prog.proc.poll() is None or "left" in prog.banner, prog.stderr_text()
        netns.run_bytes(["socat", "-u", "-",
                         f"UDP4-DATAGRAM:{GROUP}:5000,ip-multicast-if={LINUX}"], payload)
        try:
            prog.read_until("^left$", timeout=0.5)
            return True
        except AssertionError:
            return False
    wait_until(received, 60, "both ustack sockets receiving the group's datagrams")
    got = [l.split(": ", 1)[1] for l in prog.banner.splitlines() if l.startswith("sock ")]
    assert got == [payload.hex(), payload.hex()], prog.banner
    # The join's TO_EX and the leave's TO_IN, as Linux saw them on tap0.
    def seen(rtype):
        return lambda: any(r[3] == rtype and r[4] == GROUP for r in igmp_records(cap))
    wait_until(seen("4"), 60, "IGMPv3 CHANGE_TO_EXCLUDE for the group in Linux's capture")
    wait_until(seen("3"), 60, "IGMPv3 CHANGE_TO_INCLUDE (leave) in Linux's capture")
    prog.proc.wait(timeout=60)
    sniffer.terminate()
    sniffer.wait(timeout=30)
    ours = [r for r in igmp_records(cap) if r[0] == US]
    assert ours and all(r[1] == "1" and r[2] for r in ours), ours
    assert_igmp_clean(cap)


def test_linux_member_receives_from_ustack(netns, ustack_bin):
    require_tool("socat")
    linux_side(netns)
    out = netns.artifact("linux-recv.bin")
    # RECVFROM: one datagram, then socat exits.
    recv = subprocess.Popen(netns.cmd(["socat", "-u",
                                       f"UDP4-RECVFROM:5001,reuseaddr,"
                                       f"ip-add-membership={GROUP}:{LINUX}",
                                       f"OPEN:{out},creat,trunc"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    netns.procs_raw.append(recv)
    # /proc/net/igmp lists groups as little-endian hex: 239.1.2.3 = 030201EF.
    wait_until(lambda: "030201EF" in netns.run(["cat", "/proc/net/igmp"])[1].upper(),
               60, "Linux joined the group")
    payload = os.urandom(300)
    sender = under_ustack(netns, "mcast-send", "send", GROUP, "5001", payload.hex(), "50")
    wait_until(lambda: recv.poll() is not None, 60, "socat receiving the datagram")
    assert recv.returncode == 0, recv.stderr.read().decode()
    with open(out, "rb") as f:
        assert f.read() == payload
    sender.proc.wait(timeout=60)


ECHO_CLIENT = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.1", 0))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("203.0.113.1"))
s.settimeout(0.5)
msg = bytes.fromhex(sys.argv[1])
for _ in range(120):
    s.sendto(msg, ("239.1.2.3", 7))
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        continue
    print(peer[0], data.hex())
    break
"""


def test_serve_join_echoes_group_datagrams(netns, ustack_bin):
    """`ustack serve --udp-echo 7 --join 239.1.2.3`: a datagram Linux sends
    to the group comes back from ustack's address, byte-exact."""
    netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                extra=["--udp-echo", "7", "--join", GROUP])
    payload = os.urandom(200)
    rc, out, err = netns.run(["/usr/bin/python3", "-c", ECHO_CLIENT, payload.hex()], timeout=120)
    assert rc == 0, err
    assert out.split() == [US, payload.hex()], (out, err)
