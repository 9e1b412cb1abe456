"""Fixtures for running ustack against the Linux kernel.

Every test that needs the kernel gets a fresh network namespace (`ip netns add
ust-<random>`); ustack runs INSIDE it on a TAP device and Linux talks to it from
the namespace's side of the TAP. Nothing is configured in the root namespace.
Only 203.0.113.0/24 and 198.51.100.0/24 (documentation ranges) are used.

Without root or /dev/net/tun the kernel tests are skipped, unless CI=true, where
they fail instead (a CI run must not silently test nothing).
"""
import atexit
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("USTACK_BUILD", os.path.join(ROOT, "build-test"))
USTACK = os.path.join(BUILD, "ustack")
ARTIFACTS = os.path.join(ROOT, "tests", "interop", "artifacts")

# ASan's leak checker runs at exit: a leak makes the exit code non-zero, which
# the tests check.
os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1")


def skip_or_fail(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: kernel tests must run)")
    pytest.skip(reason)


def require_kernel_access():
    if os.geteuid() != 0:
        skip_or_fail("needs root: creates network namespaces and TAP devices")
    if not os.path.exists("/dev/net/tun"):
        skip_or_fail("/dev/net/tun is missing (no TUN/TAP support)")
    if not shutil.which("ip"):
        skip_or_fail("the 'ip' command (iproute2) is missing")


def require_tool(name):
    if not shutil.which(name):
        skip_or_fail(f"'{name}' is not installed (make deps installs it)")


@pytest.fixture(scope="session")
def ustack_bin():
    if not os.access(USTACK, os.X_OK):
        pytest.fail(f"{USTACK} not built (set USTACK_BUILD to the build directory)")
    return USTACK


def wait_until(pred, timeout, what):
    """Polls pred() until it returns a true value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def read_stdout_until(p, pattern, count=1, timeout=60):
    """Reads the stdout of Popen `p` until `pattern` matched `count` lines,
    with a deadline; returns the text read."""
    deadline, buf = time.monotonic() + timeout, b""
    while len(re.findall(pattern, buf.decode(errors="replace"), re.M)) < count:
        left = deadline - time.monotonic()
        assert left > 0, f"no {count} x {pattern!r} within {timeout} s: {buf!r}"
        if select.select([p.stdout], [], [], left)[0]:
            chunk = os.read(p.stdout.fileno(), 4096)
            assert chunk, f"exited early (rc {p.wait()}): {buf!r} {p.stderr.read()!r}"
            buf += chunk
    return buf.decode()


def linux_http_server(netns, root, port=8000):
    """Linux's `python3 -m http.server` serving `root` inside the namespace;
    returns once it listens (the Popen object, stopped by the cleanup)."""
    p = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-m", "http.server", str(port),
                                    "--directory", str(root)]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    netns.procs_raw.append(p)
    wait_until(lambda: netns.run(["ss", "-Hltn", f"sport = :{port}"])[1].strip(), 60,
               "Linux http.server listening")
    return p


def stop_process(proc, timeout=30.0):
    """SIGINT, then SIGKILL if it has not exited by the deadline. Returns the
    exit code (negative for a signal)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    return proc.returncode


def dnsmasq_dns(netns, tmp_path, listen, *records, log=False):
    """dnsmasq as the name server on the Linux side of the link (UDP and TCP
    port 53 on `listen`, answering from `records`, e.g. --address=/x.test/IP),
    returned once it listens; stopped by PID with SIGTERM at cleanup, since it
    ignores SIGINT. With log, its query log comes on its stdout."""
    require_tool("dnsmasq")
    argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
            "--no-hosts", "--bind-interfaces", f"--listen-address={listen}",
            f"--pid-file={tmp_path / 'dnsmasq.pid'}", "--local=/test/"]
    argv += ["--log-queries", "--log-facility=-"] if log else []
    out = subprocess.PIPE if log else subprocess.DEVNULL
    p = subprocess.Popen(netns.cmd(argv + list(records)), stdout=out, stderr=subprocess.STDOUT)
    netns.procs_term.append(p)

    def listening(proto):
        rc, ss_out, _ = netns.run(["ss", "-Hln" + proto, "sport = :53"])
        return rc == 0 and ss_out.strip() != ""
    wait_until(lambda: p.poll() is None and listening("u") and listening("t"), 60,
               "dnsmasq listening on port 53")
    return p


class UstackProc:
    """A long-running ustack (serve) inside a namespace."""

    def __init__(self, proc, name, log_path):
        self.proc = proc
        self.name = name
        self.log_path = log_path
        self.banner = ""
        self.stdout = ""
        self.returncode = None

    def wait_ready(self, timeout=60.0):
        """Reads stdout until the 'ready' line, with a deadline."""
        self.read_until("ready", timeout)
        return self

    def read_until(self, pattern, timeout=60.0):
        """Reads more of stdout (kept in self.banner, which stop() prints
        before the rest) until the regex `pattern` matches it, with a
        deadline: for a line the process prints after a client finished."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while not re.search(pattern, self.banner, re.M):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.name}: no {pattern!r} within {timeout} s; "
                                     f"stdout {self.banner!r}; stderr {self.stderr_text()!r}")
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise AssertionError(f"{self.name} exited (rc {self.proc.wait()}) before "
                                         f"{pattern!r}: {self.banner!r}; stderr {self.stderr_text()!r}")
                self.banner += chunk.decode(errors="replace")
        return self.banner

    def stderr_text(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        """Stops the process (SIGINT) and returns its exit code; the counters
        it prints on the way out end up in self.stdout."""
        if self.returncode is None:
            self.returncode = stop_process(self.proc)
            rest = self.proc.stdout.read() if self.proc.stdout else b""
            self.stdout = self.banner + rest.decode(errors="replace")
            self.proc.stdout.close()
        return self.returncode


class Netns:
    """One test's network namespace and the processes started in it."""

    def __init__(self, name, artifact_prefix):
        self.name = name
        self.artifact_prefix = artifact_prefix
        self.procs = []       # UstackProc objects (serve)
        self.procs_raw = []   # other Popen objects a test started
        self.procs_term = []  # Popen objects stopped with SIGTERM (they ignore SIGINT)

    def cmd(self, argv):
        return ["ip", "netns", "exec", self.name] + list(argv)

    def run(self, argv, timeout=180, check=False, input=None):
        p = subprocess.run(self.cmd(argv), input=input, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        out = p.stdout.decode(errors="replace")
        err = p.stderr.decode(errors="replace")
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed (rc {p.returncode}):\n{out}\n{err}")
        return p.returncode, out, err

    def run_bytes(self, argv, data, timeout=180):
        """Runs argv with `data` on stdin; returns its stdout bytes (rc must be 0)."""
        p = subprocess.run(self.cmd(argv), input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        assert p.returncode == 0, p.stderr.decode(errors="replace")
        return p.stdout

    def linux_tap(self, *addrs, name="tap0"):
        """A persistent TAP with Linux's addresses ("A.B.C.D/N", "X::Y/N"),
        up, before the program under ustack opens the same device: Linux
        servers can bind those addresses first (IPv6 ones without DAD, so
        that they are usable at once)."""
        self.run(["ip", "tuntap", "add", name, "mode", "tap"], check=True)
        for a in addrs:
            v6 = ":" in a
            self.run(["ip"] + ["-6"] * v6 + ["addr", "add", a, "dev", name] + ["nodad"] * v6,
                     check=True)
        self.run(["ip", "link", "set", name, "up"], check=True)

    def artifact(self, suffix):
        os.makedirs(ARTIFACTS, exist_ok=True)
        return f"{self.artifact_prefix}-{suffix}"

    def serve(self, tap, addr, host_addr=None, gateway=None, extra=(), pcap=True, kind="tap"):
        """Starts `ustack serve` on `tap` (a TUN device with kind="tun") and
        waits until it says it is ready."""
        argv = [USTACK, "serve", f"--{kind}", tap, "--addr", addr]
        if host_addr:
            argv += ["--host-addr", host_addr]
        if gateway:
            argv += ["--gateway", gateway]
        pcap_path = None
        if pcap:
            pcap_path = self.artifact(f"{tap}.pcap")
            argv += ["--pcap", pcap_path]
        argv += list(extra)
        log = self.artifact(f"{tap}.stderr")
        with open(log, "wb") as errf:
            proc = subprocess.Popen(self.cmd(argv), stdout=subprocess.PIPE, stderr=errf)
        u = UstackProc(proc, f"ustack serve on {tap}", log)
        u.pcap = pcap_path
        self.procs.append(u)
        return u.wait_ready()

    def cleanup(self):
        for p in self.procs_term:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for p in self.procs_raw:
            if p.poll() is None:
                stop_process(p)
        for u in self.procs:
            try:
                u.stop()
            except Exception:  # noqa: BLE001 - cleanup must go on
                if u.proc.poll() is None:
                    u.proc.kill()
                    u.proc.wait()


@pytest.fixture
def netns(request):
    require_kernel_access()
    name = "ust-" + secrets.token_hex(4)
    test = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    os.makedirs(ARTIFACTS, exist_ok=True)
    subprocess.run(["ip", "netns", "add", name], check=True)
    ns = Netns(name, os.path.join(ARTIFACTS, test))
    try:
        ns.run(["ip", "link", "set", "lo", "up"], check=True)
        yield ns
    finally:
        ns.cleanup()
        subprocess.run(["ip", "netns", "del", name], check=False)


_TSHARK_ENVS = {}

# Dissectors the checks use; every other protocol is disabled. The payloads
# are bulk test data, and a heuristic dissector guessing a protocol in random
# bytes (e.g. Thrift) reports "malformed" frames of a protocol not there.
_TSHARK_KEEP = {"frame", "eth", "vlan", "ethertype", "arp", "ip", "icmp", "udp", "tcp", "data",
                "fcs", "pkt_comment", "ipv6", "icmpv6"}


def _tshark_env(extra=()):
    """An environment whose Wireshark configuration disables all protocols
    but _TSHARK_KEEP, `extra` (e.g. "igmp" for the multicast checks) and
    tshark's own _ws.* pseudo-protocols."""
    keep = frozenset(_TSHARK_KEEP) | frozenset(extra)
    if keep not in _TSHARK_ENVS:  # computed once per test session and set
        cfg = tempfile.mkdtemp(prefix="ust-tshark-")
        atexit.register(shutil.rmtree, cfg, True)
        out = subprocess.run(["tshark", "-G", "protocols"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=60).stdout.decode()
        names = [l.split("\t")[2] for l in out.splitlines() if l.count("\t") >= 2]
        with open(os.path.join(cfg, "disabled_protos"), "w", encoding="utf-8") as f:
            for n in names:
                if n not in keep and not n.startswith("_ws."):
                    f.write(n + "\n")
        _TSHARK_ENVS[keep] = dict(os.environ, WIRESHARK_CONFIG_DIR=cfg)
    return _TSHARK_ENVS[keep]


def _signed32(x):
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x


# Where ustack sits in every test (the captures checked are ustack's own):
# frames travelling towards these addresses can be lost before ustack reads
# them (the kernel's TAP queue overflows while ustack waits for a CPU).
CAPTURE_POINTS = ("203.0.113.2", "198.51.100.2")


def _tcp_frames(pcap):
    """Every TCP frame of the capture: (frame, src, sport, dst, dport, seq,
    seqlen, dsack (le, re) or None, {expert flags tshark set})."""
    flags = ["tcp.analysis.out_of_order", "tcp.analysis.lost_segment",
             "tcp.analysis.retransmission"]
    argv = ["tshark", "-n", "-r", pcap, "-o", "tcp.relative_sequence_numbers:FALSE",
            "-Y", "tcp", "-T", "fields", "-E", "separator=\t", "-e", "frame.number",
            "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
            "-e", "tcp.seq", "-e", "tcp.len", "-e", "tcp.flags.syn", "-e", "tcp.flags.fin",
            "-e", "tcp.options.sack.dsack_le", "-e", "tcp.options.sack.dsack_re"]
    for f in flags:
        argv += ["-e", f]
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                         env=_tshark_env())
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    frames = []
    for line in out.stdout.decode(errors="replace").splitlines():
        f = line.split("\t")
        f += [""] * (11 + len(flags) - len(f))
        if not f[0] or not f[5]:
            continue
        on = lambda v: v in ("1", "True", "true")  # noqa: E731
        # SEG.LEN: a SYN and a FIN occupy a sequence number each (RFC 9293
        # 3.4); a D-SACK of a segment with a FIN covers it too (Linux).
        seqlen = int(f[6] or 0) + on(f[7]) + on(f[8])
        dsack = (int(f[9].split(",")[0]), int(f[10].split(",")[0])) if f[9] and f[10] else None
        expert = {flags[i] for i in range(len(flags)) if f[11 + i]}
        frames.append((int(f[0]), f[1], f[3], f[2], f[4], int(f[5]), seqlen, dsack, expert))
    return frames


def _covered(ranges, le, width, times):
    """Is every octet of [le, le + width) in `ranges` (seq, len) `times` times?"""
    if width <= 0 or width > 1 << 20:
        return False
    cover = [0] * width
    for seq, ln in ranges:
        lo = max(0, _signed32(seq - le))
        hi = min(width, _signed32(seq + ln - le))
        for i in range(lo, hi):
            cover[i] += 1
    return min(cover) >= times


def benign_frames(pcap, dsack_by=None):
    """Frame numbers (D-SACKs, and out-of-order or after-a-gap segments)
    whose tshark warnings are what correct TCP does on a
    loaded machine or a lossy link, not a fault:
    - a D-SACK (RFC 2883) whose range the capture shows arriving at least
      twice before it: a spurious retransmission (a tail loss probe or an
      RTO whose original or its ACK was only late) makes the receiver send
      one, Linux and ustack alike (`dsack_by`, if given, limits this to
      D-SACKs from those addresses);
    - a segment all of whose sequence numbers went before in its direction:
      a retransmission, which tshark calls out of order when it follows the
      original closely (e.g. a loss probe after a short RTT);
    - towards ustack (CAPTURE_POINTS): a segment after a gap ("previous
      segment not captured") or filling one ("out of order"): a frame was
      lost before ustack read it, and TCP repaired it. In ustack's own
      direction a gap stays a fault: ustack captures all it sends."""
    seen = {}  # (src, sport, dst, dport) -> [(seq, seqlen)]
    dsacks, losses = [], []
    for num, src, sport, dst, dport, seq, seqlen, dsack, expert in _tcp_frames(pcap):
        flow = seen.setdefault((src, sport, dst, dport), [])
        if dsack and (dsack_by is None or src in dsack_by):
            if _covered(seen.get((dst, dport, src, sport), []), dsack[0],
                        _signed32(dsack[1] - dsack[0]), 2):
                dsacks.append(num)
        if expert & {"tcp.analysis.out_of_order", "tcp.analysis.lost_segment"}:
            repeat = seqlen > 0 and _covered(flow, seq, seqlen, 1)
            if repeat or dst in CAPTURE_POINTS:
                losses.append(num)
        if seqlen > 0:
            flow.append((seq, seqlen))
    return dsacks, losses


def tshark_problems(pcap, allow=(), dsack_by=None):
    """Frames tshark calls malformed, or flags at warning level or worse
    (bad checksums included), with checksum validation switched on. `allow`
    lists expert-info fields that are expected in this capture (e.g.
    "tcp.analysis.zero_window" when a test fills a receive window on purpose).
    What correct TCP produces on a loaded machine passes (benign_frames:
    D-SACKs the capture justifies, retransmissions tshark calls out of order,
    frames lost on their way to ustack); retransmissions, spurious ones
    included, and duplicate ACKs are only notes for tshark and pass anyway."""
    require_tool("tshark")
    base = ["tshark", "-n", "-r", pcap,
            "-o", "ip.check_checksum:TRUE",
            "-o", "udp.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE",
            # No HTTP dissection: after a loss, tshark's reassembly of HTTP
            # bodies reports retransmitted segments that reach past an
            # already completed body as "New fragment overlaps old data".
            # Payload integrity is checked by the tests themselves (sha256);
            # TCP itself is still analysed.
            "--disable-protocol", "http"]
    total = subprocess.run(base, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                           env=_tshark_env())
    assert total.returncode == 0, (f"tshark cannot read {pcap} (exit {total.returncode}): "
                                   + _tshark_said(total.stderr))
    frames = [l for l in total.stdout.decode(errors="replace").splitlines() if l.strip()]
    # tcp.checksum.ffff: a checksum field of 0xFFFF where 0x0000 was
    # computed. Both are zero in one's complement (RFC 1624 3) and a receiver
    # verifying the whole sum accepts either; Linux sometimes emits it, and
    # tshark reports it as a bad checksum. (ustack's own full computation
    # cannot produce 0xFFFF: that needs an all-zero sum.)
    # Flow control at work is not a fault: a fast sender filling a slower
    # reader's window is what windows are for (RFC 9293 3.8.6).
    allowed = ["tcp.checksum.ffff", "tcp.analysis.window_full", "tcp.analysis.zero_window",
               "tcp.analysis.zero_window_probe", "tcp.analysis.zero_window_probe_ack",
               "tcp.analysis.window_update"] + list(allow)
    dsacks, losses = benign_frames(pcap, dsack_by)
    if dsacks:
        allowed.append("(tcp.options.sack.dsack && frame.number in {%s})"
                       % ", ".join(map(str, dsacks)))
    if losses:
        allowed.append("((tcp.analysis.out_of_order || tcp.analysis.lost_segment) "
                       "&& frame.number in {%s})" % ", ".join(map(str, losses)))
    flt = (f"_ws.malformed || ip.checksum.status == 0 || icmp.checksum.status == 0 "
           f"|| icmpv6.checksum.status == 0 "
           f"|| udp.checksum.status == 0 || (tcp.checksum.status == 0 && !tcp.checksum.ffff) "
           f"|| (_ws.expert.severity >= warning && !({' || '.join(allowed)}))")
    bad = subprocess.run(base + ["-Y", flt], env=_tshark_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert bad.returncode == 0, (f"tshark -Y failed on {pcap} (exit {bad.returncode}): "
                                 + _tshark_said(bad.stderr))
    problems = [l for l in bad.stdout.decode(errors="replace").splitlines() if l.strip()]
    return frames, _with_reasons(base, problems, _tshark_said(bad.stderr))


def _tshark_said(stderr):
    """tshark's stderr without its warning about running as root."""
    lines = stderr.decode(errors="replace").splitlines()
    return "\n".join(l for l in lines if l.strip() and not l.startswith("Running as user"))


# The lines of tshark's packet details (-V) that say why a frame was
# flagged: its expert infos, the field values it found wrong, malformation.
_REASON = re.compile(r"\[Expert Info|incorrect|[Mm]alformed")


def _with_reasons(base, problems, stderr):
    """Each flagged frame's summary line followed by tshark's own reasons
    for it (and what tshark printed on stderr), so that a failed check says
    what is wrong and not only which frames."""
    nums = [l.split()[0] for l in problems if l.split()[0].isdigit()]
    if not nums:
        return problems
    detail = subprocess.run(base + ["-V", "-Y", "frame.number in {%s}" % ", ".join(nums)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                            env=_tshark_env())
    reasons, frame = {}, None
    for line in detail.stdout.decode(errors="replace").splitlines():
        m = re.match(r"^Frame (\d+):", line)
        if m:
            frame = m.group(1)
        elif frame and _REASON.search(line) and line.strip() not in reasons.get(frame, []):
            reasons.setdefault(frame, []).append(line.strip())
    stderr = "\n".join(filter(None, [stderr, _tshark_said(detail.stderr)]))
    out = []
    for l in problems:
        why = reasons.get(l.split()[0], ["(tshark -V gave no expert info for this frame)"])
        out.append(l + "".join("\n        tshark: " + w for w in why))
    if stderr:
        out[-1] += "\n        tshark stderr: " + stderr
    return out


def late_rst_from(addr):
    """A tshark filter (for assert_pcap_clean's allow) for a bare RST (no
    ACK) sent by addr: its answer to a segment for a connection that is gone
    (RFC 9293 3.10.7.1). After a close it is correct on a loaded machine: a
    tail loss probe that repeats the FIN (spurious when the peer's ACK is
    slow, RFC 8985 7) gets a second ACK of the FIN after the first one ended
    the connection, and that second ACK gets this RST."""
    return f"(tcp.flags.reset == 1 && tcp.flags.ack == 0 && ip.src == {addr})"


def assert_pcap_clean(pcap, min_frames=1, allow=(), dsack_by=None):
    frames, problems = tshark_problems(pcap, allow, dsack_by)
    assert len(frames) >= min_frames, f"{pcap}: only {len(frames)} frames captured"
    assert not problems, (f"{pcap}: tshark flags these frames (with its reasons):\n"
                          + "\n".join(problems))
