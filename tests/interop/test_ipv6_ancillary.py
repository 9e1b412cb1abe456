"""RFC 3542 ancillary data and the IPv6 error queue against Linux (issue
#13), through `ustack run` and an unmodified python3 (its recvmsg/sendmsg
with control messages go through the preload shim to the stack), each test
in its own namespace: ustack 2001:db8::2/64, Linux 2001:db8::1/64.

- Linux answers a datagram to a closed port with ICMPv6 port unreachable;
  the program under ustack reads it from its IPV6_RECVERR queue
  (ECONNREFUSED, origin ICMP6, type 1 code 4, Linux as the offender, the
  datagram quoted) and a connected socket gets ECONNREFUSED from recv.
- A Linux sender with hop limit 7 and Traffic Class 0x20: the program sees
  IPV6_PKTINFO (2001:db8::2 on interface 1), IPV6_HOPLIMIT 7, IPV6_TCLASS
  0x20, and answers through sendmsg with an IPV6_PKTINFO source; Linux
  receives the answer from that source."""
import subprocess

from conftest import USTACK, UstackProc

US4, LINUX4 = "203.0.113.2", "203.0.113.1"
US6, LINUX6 = "2001:db8::2", "2001:db8::1"

ERRQ_PROG = r"""
import errno, select, socket, struct, sys, time
IPV6_RECVERR = 25  # linux/in6.h (python has no name for it)
dst = (sys.argv[1], 9)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
deadline = time.monotonic() + 60
got = None
while got is None and time.monotonic() < deadline:
    try:
        s.sendto(b"probe", dst)
    except OSError as e:  # the address may still be in DAD
        print("send:", e, file=sys.stderr)
    if select.select([s], [], [], 1)[0]:
        try:
            got = s.recvmsg(64, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except BlockingIOError:
            pass
if got is None:
    sys.exit("no error queued")
data, anc, flags, addr = got
(level, kind, blob), = anc
ee_errno, origin, typ, code, _pad, _info, _data = struct.unpack_from("=IBBBBII", blob)
fam, = struct.unpack_from("=H", blob, 16)
off = socket.inet_ntop(socket.AF_INET6, blob[16 + 8:16 + 24])
print("errq", level == socket.IPPROTO_IPV6 and kind == IPV6_RECVERR,
      errno.errorcode[ee_errno], origin, typ, code, fam == socket.AF_INET6, off,
      data.decode(), addr[0], addr[1], flush=True)
c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
c.connect(dst)
c.settimeout(1)
while time.monotonic() < deadline:
    c.send(b"again")
    try:
        c.recv(64)
    except ConnectionRefusedError:
        print("connected ECONNREFUSED", flush=True)
        break
    except socket.timeout:
        pass
"""

PKTINFO_PROG = r"""
import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for opt in (socket.IPV6_RECVPKTINFO, socket.IPV6_RECVHOPLIMIT, socket.IPV6_RECVTCLASS):
    s.setsockopt(socket.IPPROTO_IPV6, opt, 1)
s.bind(("::", 9020))
print("ready", flush=True)
data, anc, flags, addr = s.recvmsg(64, 256)
seen = {}
for level, kind, blob in anc:
    if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
        seen["pktinfo"] = (socket.inet_ntop(socket.AF_INET6, blob[:16]),
                           struct.unpack_from("=I", blob, 16)[0])
    elif level == socket.IPPROTO_IPV6 and kind == socket.IPV6_HOPLIMIT:
        seen["hoplimit"] = struct.unpack("=i", blob)[0]
    elif level == socket.IPPROTO_IPV6 and kind == socket.IPV6_TCLASS:
        seen["tclass"] = struct.unpack("=i", blob)[0]
print("got", data.decode(), seen["pktinfo"][0], seen["pktinfo"][1], seen["hoplimit"],
      hex(seen["tclass"]), flags, flush=True)
src = socket.inet_pton(socket.AF_INET6, seen["pktinfo"][0])
s.sendmsg([b"answer"], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO,
                         src + struct.pack("=I", 0))], 0, addr)
"""

LINUX_SENDER = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 7)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0x20)
s.settimeout(1)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    s.sendto(b"hello", (sys.argv[1], 9020))
    try:
        data, addr = s.recvfrom(64)
    except (socket.timeout, ConnectionRefusedError):
        continue
    print(data.decode(), addr[0], flush=True)
    break
"""


def linux_side(netns):
    """tap0 with Linux's addresses (no DAD on its side), up, before the
    program under ustack opens the same device."""
    netns.linux_tap(f"{LINUX4}/24", f"{LINUX6}/64")


def run_prog(netns, name, prog, *args):
    argv = [USTACK, "run", "--tap", "tap0", "--addr", f"{US4}/24", "--addr", f"{US6}/64",
            "--", "/usr/bin/python3", "-c", prog, *args]
    log = netns.artifact(f"{name}.stderr")
    with open(log, "wb") as errf:
        proc = subprocess.Popen(netns.cmd(argv), stdout=subprocess.PIPE, stderr=errf, text=True)
    p = UstackProc(proc, f"{name} under ustack", log)
    netns.procs.append(p)
    return p


def test_port_unreachable_from_linux_read_from_error_queue(netns):
    linux_side(netns)
    p = run_prog(netns, "errq", ERRQ_PROG, LINUX6)
    out, _ = p.proc.communicate(timeout=150)
    assert p.proc.returncode == 0, p.stderr_text()
    lines = out.splitlines()
    assert lines[0].split() == ["errq", "True", "ECONNREFUSED", "3", "1", "4", "True", LINUX6,
                                "probe", LINUX6, "9"], out
    assert lines[1] == "connected ECONNREFUSED", out


def test_recvpktinfo_hoplimit_tclass_and_pktinfo_reply(netns):
    linux_side(netns)
    p = run_prog(netns, "pktinfo", PKTINFO_PROG)
    p.read_until(r"^ready$", 60)
    sender = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", LINUX_SENDER, US6]),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    netns.procs_raw.append(sender)
    s_out, s_err = sender.communicate(timeout=120)
    assert sender.returncode == 0, s_err
    assert s_out.split() == ["answer", US6], s_out
    out, _ = p.proc.communicate(timeout=60)
    assert p.proc.returncode == 0, p.stderr_text()
    assert out.split() == ["got", "hello", US6, "1", "7", "0x20", "0"], out
