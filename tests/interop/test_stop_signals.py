"""SIGINT and SIGTERM stop `ustack serve` and `ustack ping` through the
signalfd in the event loop (tools/stop_signals.c), as the Linux tools stop:
serve prints its counters, flushes and closes its capture, removes its
control socket and exits 0; ping prints iputils' statistics and exits 0 if
a reply arrived, 1 if none did. Also: no signal handler and no writable
static storage left in the CLI or the library (house rule: all state hangs
off struct ust_stack or the command's own structs)."""
import glob
import os
import re
import signal
import stat
import struct
import subprocess

import pytest

from conftest import BUILD, ROOT, USTACK, read_stdout_until, require_tool

US = "203.0.113.2"
LINUX = "203.0.113.1"
NOBODY = "203.0.113.99"  # on the link, owned by no one: ARP gets no answer
LINK = ["--tap", "tap0", "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24"]
SIGNALS = [signal.SIGINT, signal.SIGTERM]
SIG_IDS = ["SIGINT", "SIGTERM"]
SUMMARY = re.compile(r"^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?"
                     r"(?:, \+(\d+) errors)?, ([\d.]+)% packet loss, time \d+ms$", re.M)
RTT = re.compile(r"^rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms$", re.M)


def counter(text, name):
    """A counter from serve's exit summary (which leaves out zeros)."""
    m = re.search(rf"^\s+{name}\s+(\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def echo_replies_from(pcap, src):
    """ICMP echo replies sent by `src` in a classic Ethernet pcap file."""
    with open(pcap, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), f"{pcap}: not a little-endian pcap file"
    assert struct.unpack_from("<I", data, 20)[0] == 1, f"{pcap}: not Ethernet"
    want, off, n = bytes(map(int, src.split("."))), 24, 0
    while off + 16 <= len(data):
        caplen, = struct.unpack_from("<I", data, off + 8)
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] == 1 and frame[26:30] == want and frame[14 + ihl] == 0:
            n += 1
    assert off == len(data), f"{pcap}: truncated record at byte {off} of {len(data)}"
    return n


@pytest.mark.parametrize("sig", SIGNALS, ids=SIG_IDS)
def test_serve_stopped_by_signal_cleans_up(netns, tmp_path, sig):
    """The signal ends serve through its ordinary exit: counters printed
    (they count the pings), every echo reply in the capture (flushed and
    closed: the periodic flush alone may not have run yet), the control
    socket removed, exit 0, nothing on stderr."""
    require_tool("ping")
    pcap, ctl = netns.artifact(f"stop-{sig.name}.pcap"), str(tmp_path / "serve.sock")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24", pcap=False,
                    extra=["--pcap", pcap, "--ctl", ctl])
    assert stat.S_ISSOCK(os.stat(ctl).st_mode), u.banner
    rc, out, err = netns.run(["ping", "-c", "3", "-i", "0.2", "-W", "30", US])
    assert rc == 0, out + err
    u.proc.send_signal(sig)
    assert u.proc.wait(timeout=60) == 0, u.stderr_text()
    text = u.banner + u.proc.stdout.read().decode(errors="replace")
    assert "\n--- ustack serve counters ---\n" in text, text
    assert counter(text, "InEchos") == 3, text
    assert counter(text, "OutEchoReps") == 3, text
    assert not os.path.exists(ctl), "control socket left behind"
    assert echo_replies_from(pcap, US) == 3
    assert u.stderr_text() == ""


def start_ping(netns, dst):
    p = subprocess.Popen(netns.cmd([USTACK, "ping", "-i", "0.2"] + LINK + [dst]),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    netns.procs_raw.append(p)
    return p


def interrupt(p, sig, text):
    """Sends sig; returns (exit code, all of stdout, stderr)."""
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    return p.returncode, text + out.decode(), err.decode()


def summary(text, dst):
    """(transmitted, received, errors, loss %) from iputils' statistics."""
    assert f"\n\n--- {dst} ping statistics ---\n" in text, text
    m = SUMMARY.search(text)
    assert m, text
    sent, received, errors = int(m.group(1)), int(m.group(2)), int(m.group(4) or 0)
    assert m.group(5) == f"{(sent - received) * 100 / sent:g}", text  # as printf's %g
    return sent, received, errors


@pytest.mark.parametrize("sig", SIGNALS, ids=SIG_IDS)
def test_ping_interrupted_after_replies(netns, sig):
    """iputils: the statistics of what happened so far, exit 0 (replies
    came). The counts are the lines printed: every reply counted once."""
    p = start_ping(netns, LINUX)
    text = read_stdout_until(p, rf"^64 bytes from {LINUX}: icmp_seq=\d+ ", 3)
    rc, text, err = interrupt(p, sig, text)
    assert rc == 0, text + err
    assert err == ""
    replies = re.findall(rf"^64 bytes from {LINUX}: icmp_seq=(\d+) ttl=64 time=[\d.]+ ms$",
                         text, re.M)
    sent, received, errors = summary(text, LINUX)
    assert received == len(set(replies)) == len(replies) >= 3, text
    assert errors == 0 and sent >= received, text
    assert max(map(int, replies)) <= sent, text
    m = RTT.search(text)
    assert m, text
    lo, avg, hi, mdev = map(float, m.groups())
    assert lo <= avg <= hi and mdev >= 0, text


@pytest.mark.parametrize("sig", SIGNALS, ids=SIG_IDS)
def test_ping_interrupted_without_replies(netns, sig):
    """Nobody answers ARP for NOBODY: each request fails as Destination Host
    Unreachable; interrupted, ping reports 100% loss, no rtt line, and
    exits 1 as iputils does when no reply came."""
    p = start_ping(netns, NOBODY)
    unreach = rf"^From {US} icmp_seq=(\d+) Destination Host Unreachable$"
    text = read_stdout_until(p, unreach)
    rc, text, err = interrupt(p, sig, text)
    assert rc == 1, text + err
    assert err == ""
    sent, received, errors = summary(text, NOBODY)
    assert received == 0 and sent >= 1, text
    assert "100% packet loss" in text
    failed = len(set(re.findall(unreach, text, re.M))) + text.count("\nping: sendmsg: ")
    assert errors == failed >= 1, text
    assert not RTT.search(text), text


WRITABLE = re.compile(r"\sO\s+(\.data|\.bss|\*COM\*)(\.\S*)?\s")


def writable_objects(obj):
    """Symbols of an object file that live in writable static storage
    (.data, .bss, common), less the sanitizers' instrumentation.
    .data.rel.ro is read-only after relocation."""
    out = subprocess.run(["objdump", "-t", obj], stdout=subprocess.PIPE, check=True,
                         timeout=60).stdout.decode()
    return [l.split()[-1] for l in out.splitlines()
            if WRITABLE.search(l) and ".data.rel.ro" not in l
            and not l.split()[-1].startswith(("__odr_asan", "__asan", "__ubsan", ".L"))]


def test_writable_object_check_can_fail(tmp_path):
    """The check below flags a file-static variable, a function-local
    static and a global, and not constants."""
    require_tool("objdump")
    src = tmp_path / "x.c"
    src.write_text("static int flag;\nint global = 1;\n"
                   "static const char *const names[] = {\"a\"};\n"
                   "int f(void) { static int calls; return ++calls + flag + names[0][0]; }\n")
    subprocess.run(["cc", "-c", "-o", str(tmp_path / "x.o"), str(src)], check=True, timeout=60)
    found = writable_objects(str(tmp_path / "x.o"))
    assert {"flag", "global"} <= set(found) and any(s.startswith("calls") for s in found), found
    assert not any(s.startswith("names") for s in found), found


def test_no_signal_handler_or_writable_statics():
    """tools/ stops on signals only through stop_signals.c's signalfd (no
    sigaction or signal() handler), and no object of the CLI or the
    library has writable static storage."""
    require_tool("objdump")
    handlers = []
    for path in sorted(glob.glob(f"{ROOT}/tools/*.[ch]")):
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                if re.search(r"\b(sigaction|signal)\s*\(", line):
                    handlers.append(f"{os.path.relpath(path, ROOT)}:{i}: {line.strip()}")
    assert not handlers, "signal handlers in tools/:\n" + "\n".join(handlers)
    objs = (glob.glob(f"{BUILD}/CMakeFiles/ustack.dir/tools/*.o")
            + glob.glob(f"{BUILD}/CMakeFiles/ustack_obj.dir/src/**/*.o", recursive=True))
    assert len(objs) > 50, f"the CLI's and the library's objects not found under {BUILD}"
    bad = {os.path.relpath(o, BUILD): s for o in objs if (s := writable_objects(o))}
    assert not bad, f"writable static storage (state belongs in struct ust_stack): {bad}"
