"""Dual-stack socket options against Linux
(issue #13), through `ustack run` and an unmodified python3 (its socket
calls go through the preload shim to the stack), each test in its own
namespace: ustack 203.0.113.2/24 and 2001:db8::2/64, Linux 203.0.113.1 and
2001:db8::1.

- One AF_INET6 UDP socket with IP_TTL 33, IP_TOS 0x28, IPV6_UNICAST_HOPS 7
  and IPV6_TCLASS 0xb8 talks to a mapped IPv4 peer (::ffff:203.0.113.1)
  and an IPv6 peer (2001:db8::1): ustack's capture shows TTL 33 / TOS 0x28
  on the IPv4 datagrams and hop limit 7 / Traffic Class 0xb8 on the IPv6
  ones, and Linux's receivers report the same (IP_RECVTTL, IP_RECVTOS,
  IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS), as a Linux dual socket behaves."""
import struct
import subprocess

from conftest import USTACK, UstackProc

US4, LINUX4 = "203.0.113.2", "203.0.113.1"
US6, LINUX6 = "2001:db8::2", "2001:db8::1"

# Linux: echoes on 203.0.113.1:9030 and [2001:db8::1]:9031, printing the
# TTL / TOS and hop limit / Traffic Class each datagram came with.
LINUX_ECHO = r"""
import select, socket, struct, sys
IP_RECVTTL = 12  # linux/in.h (python has no name for it)
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
s4.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
s4.bind((sys.argv[1], 9030))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
s6.bind((sys.argv[2], 9031))
print("ready", flush=True)
told = set()
while len(told) < 2:
    for s in select.select([s4, s6], [], [], 120)[0]:
        data, anc, flags, addr = s.recvmsg(2048, 256)
        seen = {}
        for level, kind, blob in anc:
            seen[kind] = blob[0] if len(blob) == 1 else struct.unpack("=i", blob[:4])[0]
        if s is s4:
            line = "v4 ttl %d tos %#x" % (seen[socket.IP_TTL], seen[socket.IP_TOS])
        else:
            line = "v6 hops %d tclass %#x" % (seen[socket.IPV6_HOPLIMIT], seen[socket.IPV6_TCLASS])
        if line not in told:
            told.add(line)
            print(line, flush=True)
        s.sendto(data, addr)
"""

# Under ustack: one dual socket, per-family settings, a round trip to each
# peer (the neighbours are resolved on the way).
DUAL_PROG = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 33)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x28)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 7)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0xb8)
print("opts", s.getsockopt(socket.IPPROTO_IP, socket.IP_TTL),
      s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS),
      hex(s.getsockopt(socket.IPPROTO_IP, socket.IP_TOS)),
      hex(s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS)), flush=True)
s.settimeout(1)
deadline = time.monotonic() + 90
for dst in (("::ffff:" + sys.argv[1], 9030), (sys.argv[2], 9031)):
    while time.monotonic() < deadline:
        try:
            s.sendto(b"dual", dst)
            data, addr = s.recvfrom(64)
        except (socket.timeout, OSError) as e:  # the address may still be in DAD
            print("wait:", e, file=sys.stderr)
            continue
        print("echo", addr[0], data.decode(), flush=True)
        break
"""

def linux_side(netns):
    """tap0 with Linux's addresses (no DAD on its side), up, before the
    program under ustack opens the same device."""
    netns.linux_tap(f"{LINUX4}/24", f"{LINUX6}/64")


def linux_echo(netns):
    echo = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-u", "-c", LINUX_ECHO, LINUX4,
                                       LINUX6]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    netns.procs_raw.append(echo)
    assert echo.stdout.readline().strip() == "ready", echo.stderr.read()
    return echo


def run_prog(netns, name, prog, *args, pcap=None):
    extra = ["--pcap", pcap] if pcap else []
    argv = [USTACK, "run", "--tap", "tap0", "--addr", f"{US4}/24", "--addr", f"{US6}/64",
            *extra, "--", "/usr/bin/python3", "-c", prog, *args]
    log = netns.artifact(f"{name}.stderr")
    with open(log, "wb") as errf:
        proc = subprocess.Popen(netns.cmd(argv), stdout=subprocess.PIPE, stderr=errf)
    p = UstackProc(proc, f"{name} under ustack", log)
    netns.procs.append(p)
    return p


def udp_sent(pcap, dport):
    """(family, ttl or hop limit, TOS or Traffic Class) of every UDP
    datagram to dport in a classic pcap of Ethernet frames."""
    out = []
    with open(pcap, "rb") as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        incl, = struct.unpack_from("=I", data, off + 8)
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        etype = frame[12:14]
        ip = frame[14:]
        if etype == b"\x08\x00" and len(ip) >= 28 and ip[9] == 17:
            hl = (ip[0] & 0x0F) * 4
            if struct.unpack_from("!H", ip, hl + 2)[0] == dport:
                out.append((4, ip[8], ip[1]))
        elif etype == b"\x86\xdd" and len(ip) >= 48 and ip[6] == 17:
            if struct.unpack_from("!H", ip, 42)[0] == dport:
                out.append((6, ip[7], (ip[0] & 0x0F) << 4 | ip[1] >> 4))
    return out


def test_dual_socket_ttl_and_hops_apart_on_the_wire(netns):
    linux_side(netns)
    echo = linux_echo(netns)
    pcap = netns.artifact("dual.pcap")
    p = run_prog(netns, "dual", DUAL_PROG, LINUX4, LINUX6, pcap=pcap)
    out, _ = p.proc.communicate(timeout=150)
    out = out.decode()
    assert p.proc.returncode == 0, p.stderr_text()
    assert out.splitlines() == ["opts 33 7 0x28 0xb8", f"echo ::ffff:{LINUX4} dual",
                                f"echo {LINUX6} dual"], out
    e_out, e_err = echo.communicate(timeout=60)
    assert sorted(e_out.split("\n")[:2]) == ["v4 ttl 33 tos 0x28", "v6 hops 7 tclass 0xb8"], \
        e_out + e_err
    v4 = set(udp_sent(pcap, 9030))
    v6 = set(udp_sent(pcap, 9031))
    assert v4 == {(4, 33, 0x28)}, v4
    assert v6 == {(6, 7, 0xB8)}, v6
