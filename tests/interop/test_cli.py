"""The ustack command without the kernel: usage errors (one line on stderr,
exit 2) and the simulated demo (deterministic, clean capture). No root needed,
except the TAP permission case, which drops root to test it."""
import os
import shutil
import subprocess

import pytest

from conftest import USTACK  # noqa: F401 - the fixtures need the build

A = ["--tap", "ustbad0", "--addr", "203.0.113.2/24"]

BAD_ARGS = [
    ([], "missing command"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["serve", "--tap", "ustbad0", "--addr", "1.2.3"],
     "--addr: '1.2.3' is not an IPv4 address/prefix (e.g. 203.0.113.2/24)"),
    (["serve", "--tap", "ustbad0", "--addr", "203.0.113.2"], "--addr: '203.0.113.2' is not"),
    (["serve", "--tap", "ustbad0", "--addr", "203.0.113.300/24"], "is not an IPv4 address"),
    (["serve", "--tap", "ustbad0"], "--addr A.B.C.D/N is required"),
    (["serve", "--addr", "203.0.113.2/24"], "--tap NAME is required"),
    (["serve", "--tap"], "--tap: missing value"),
    (["serve"] + A + ["--bogus"], "unknown option '--bogus'"),
    (["serve"] + A + ["extra"], "unexpected argument 'extra'"),
    (["serve"] + A + ["--mtu", "12"], "--mtu: '12' is not a byte count from 576 to 9000"),
    (["serve"] + A + ["--gateway", "203.0.113"], "--gateway: '203.0.113' is not an IPv4"),
    (["serve"] + A + ["--host-addr", "x/24"], "--host-addr: 'x/24' is not"),
    (["serve"] + A + ["--shape", "fast"], "--shape: 'fast' is not RATE[,BURST]"),
    (["serve"] + A + ["--tap-tx", "fast"], "--tap-tx: 'fast' is not auto, write or uring"),
    (["serve"] + A + ["--tap-napi", "maybe"], "--tap-napi: 'maybe' is not on or off"),
    (["serve"] + A + ["--tap-sqpoll", "1"], "--tap-sqpoll: '1' is not on or off"),
    (["serve"] + A + ["--busy-poll", "fast"],
     "--busy-poll: 'fast' is not auto, off or a number of microseconds from 0 to 1000000"),
    (["serve"] + A + ["--busy-poll", "1000001"], "--busy-poll: '1000001' is not auto, off"),
    (["serve"] + A + ["--udp-echo", "0"], "--udp-echo: '0' is not a number"),
    (["serve"] + A + ["--udp-echo"], "--udp-echo: missing value"),
    (["ping", "203.0.113.1", "--tap", "ustbad0", "--addr", "1.2.3"],
     "--addr: '1.2.3' is not an IPv4 address/prefix (e.g. 203.0.113.2/24)"),
    (["ping", "203.0.113.1", "--tap", "ustbad0", "--addr", "203.0.113.2/24", "--pcap"],
     "--pcap: missing value"),
    (["ping"] + A, "destination address missing"),
    (["ping", "example.org"] + A, "'example.org' is not an IPv4 address"),
    (["ping", "203.0.113.1", "-c"] + A, "-c: '--tap' is not a number"),
    (["ping", "203.0.113.1", "-c", "0"] + A, "-c: '0' is not a number"),
    (["ping", "203.0.113.1", "-i", "soon"] + A, "-i: 'soon' is not a number of seconds"),
    (["ping", "203.0.113.1", "-s", "70000"] + A, "-s: '70000' is not a byte count"),
    (["ping", "203.0.113.1", "-t", "0"] + A, "-t: '0' is not a number"),
    (["ping", "203.0.113.1", "-q"] + A, "unknown option '-q'"),
    (["ping", "203.0.113.1"], "--tap NAME is required"),
    (["serve"] + A + ["--http", "80"], "--http: --root DIR is required"),
    (["serve"] + A + ["--http", "80", "--root", "/nonexistent-root"], "--root /nonexistent-root: "),
    (["serve"] + A + ["--http", "80", "--root", "/etc/hostname"], "not a directory"),
    (["serve"] + A + ["--root", "/tmp"], "--root: only meaningful with --http PORT"),
    (["serve"] + A + ["--tcp-echo", "7", "--discard", "7"], "--discard 7: port already used"),
    (["serve"] + A + ["--tcp-echo", "70000"], "--tcp-echo: '70000' is not a number"),
    (["serve"] + A + ["--ctl", ""], "--ctl: '' is not a usable socket path"),
    (["serve"] + A + ["--loss", "101"], "--loss: '101' is not a percentage"),
    (["serve"] + A + ["--delay", "20"], "--delay: '20' is not a time"),
    (["serve"] + A + ["--jitter", "-1ms"], "--jitter: '-1ms' is not a time"),
    (["serve"] + A + ["--delay", "61s"], "--delay: '61s' is not a time up to 60 s"),
    (["serve"] + A + ["--reorder", "x"], "--reorder: 'x' is not a percentage"),
    (["ping", "203.0.113.1", "--dup", "-5"] + A, "--dup: '-5' is not a percentage"),
    (["serve"] + A + ["--faults", "up"], "--faults: 'up' is not tx, rx or both"),
    (["serve"] + A + ["--fault-seed", "x"], "--fault-seed: 'x' is not a number"),
    (["get"] + A, "get: URL missing"),
    (["get", "ftp://203.0.113.1/x"] + A, "only http:// URLs are supported"),
    (["get", "203.0.113.1/x"] + A, "is not a URL"),
    (["get", "http://exa..mple/"] + A, "'exa..mple' is not a host name or IPv4 address"),
    (["get", "http://203.0.113.1:0/"] + A, "bad port"),
    (["get", "http://203.0.113.1/a b"] + A, "must be percent-encoded"),
    (["get", "http://203.0.113.1/", "http://203.0.113.1/"] + A, "unexpected argument"),
    (["get", "http://203.0.113.1/", "--pcap", "-"] + A, "--pcap - needs -o FILE"),
    (["send"] + A, "HOST and PORT are required"),
    (["send", "host", "80"] + A, "'host' is not an IPv4 or IPv6 address"),
    (["send", "203.0.113.1", "80", "--bytes", "lots"] + A, "--bytes: 'lots' is not a byte count"),
    (["recv"] + A, "--port PORT is required"),
    (["recv", "--port", "0"] + A, "--port: '0' is not a number"),
    (["recv", "--port", "5", "--rcvbuf", "1k"] + A, "--rcvbuf: '1k' is not a byte count from 4K to 64M"),
    (["send", "203.0.113.1", "80", "--sndbuf", "lots"] + A, "--sndbuf: 'lots' is not a byte count"),
    (["ping", "203.0.113.1", "--tap", "tap0", "--addr", "dhcp", "--dhcp-wait", "0"],
     "--dhcp-wait: '0' is not a number from 1 to 3600"),
    (["netstat", "--bogus"], "unknown option '--bogus'"),
    (["demo", "--seed", "x"], "--seed: 'x' is not a number"),
    (["demo", "--loss", "150"], "--loss: '150' is not a percentage"),
    (["demo", "--loss"], "--loss: missing value"),
    (["demo", "--frobnicate"], "unknown option '--frobnicate'"),
    (["demo", "--bytes", "65M"], "--bytes: '65M' is not a byte count from 0 to 64M"),
    (["demo", "--bytes", "1t"], "--bytes: '1t' is not a byte count"),
]


@pytest.mark.parametrize("args,message", BAD_ARGS, ids=[" ".join(a) or "(none)" for a, _ in BAD_ARGS])
def test_bad_arguments_give_one_line_and_exit_2(ustack_bin, args, message):
    p = subprocess.run([ustack_bin] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert p.stdout == b""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ustack: ")
    assert message in lines[0]


def test_tap_permission_denied_exits_2(ustack_bin):
    """Without CAP_NET_ADMIN the TAP cannot be opened: one line, exit 2.
    As root we drop to 'nobody' (no capabilities) to see it."""
    argv = [ustack_bin, "ping", "--tap", "ustperm0", "--addr", "203.0.113.2/24", "203.0.113.1"]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("setpriv (util-linux) is needed to drop root")
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all"] + argv
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    err = p.stderr.decode()
    assert p.returncode == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ustack: --tap ustperm0: permission denied"), err


def test_help_exits_0(ustack_bin):
    for cmd in (["--help"], ["serve", "--help"], ["ping", "--help"], ["demo", "--help"],
                ["get", "--help"], ["send", "--help"], ["recv", "--help"], ["netstat", "--help"]):
        p = subprocess.run([ustack_bin] + cmd, stdout=subprocess.PIPE, timeout=120)
        assert p.returncode == 0
        assert b"usage:" in p.stdout
