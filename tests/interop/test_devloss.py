"""A TAP device deleted under a running ustack (`ip link del` in its
namespace): the process must not spin on the dead descriptor. It prints one
line, "ustack: NAME: device lost: <strerror>", on stderr and exits 1. A
process that has exited cannot spin, so its exit within the deadline is the
proof; the deadline is generous because the machine may be loaded."""
import re
import select
import subprocess

from conftest import USTACK, stop_process, wait_until

LOST = re.compile(r"^ustack: (\S+): device lost: \S.*$")
DEADLINE = 30.0  # seconds: the loss is seen at the next wake-up, normally at once


def wait_exit(proc, what):
    try:
        return proc.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        stop_process(proc)
        raise AssertionError(f"{what} still running {DEADLINE} s after its TAP was deleted")


def assert_one_lost_line(stderr, tap):
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {stderr!r}"
    m = LOST.match(lines[0])
    assert m and m.group(1) == tap, lines[0]


def test_serve_exits_when_its_tap_is_deleted(netns):
    u = netns.serve("ustdl0", "203.0.113.2/24", host_addr="203.0.113.1/24",
                    extra=["--tcp-echo", "7"], pcap=False)
    # The link works before it goes away.
    rc, out, err = netns.run(["ping", "-c", "1", "-W", "5", "203.0.113.2"])
    assert rc == 0, out + err
    netns.run(["ip", "link", "del", "ustdl0"], check=True)
    rc = wait_exit(u.proc, "ustack serve")
    u.returncode = rc
    stdout = u.banner + u.proc.stdout.read().decode(errors="replace")
    u.proc.stdout.close()
    assert rc == 1, (rc, u.stderr_text())
    assert_one_lost_line(u.stderr_text(), "ustdl0")
    # The counters it prints on the way out record the loss.
    assert re.search(r"^\s+dev_lost\s+1$", stdout, re.M), stdout
    assert re.search(r"^\s+rx_errors\s+1$", stdout, re.M), stdout


def start_until(netns, tmp_path, argv, marker, what):
    """Starts argv in the namespace and reads its stdout until `marker`."""
    errpath = tmp_path / "stderr"
    with open(errpath, "wb") as errf:
        proc = subprocess.Popen(netns.cmd(argv), stdout=subprocess.PIPE, stderr=errf)
    netns.procs_raw.append(proc)
    buf = b""

    def seen():
        nonlocal buf
        r, _, _ = select.select([proc.stdout], [], [], 0.2)
        if r:
            chunk = proc.stdout.read1(4096)
            if not chunk:
                raise AssertionError(f"{what} exited early: {errpath.read_text()}")
            buf += chunk
        return marker in buf

    wait_until(seen, 15.0, f"{what} to print {marker!r}")
    return proc, errpath


def test_blocked_recv_exits_when_its_tap_is_deleted(netns, tmp_path):
    """`ustack recv` sits in a blocking accept(): the loss reaches it as
    ENETDOWN and it exits with the same one line."""
    argv = [USTACK, "recv", "--tap", "ustdl1", "--addr", "203.0.113.2/24",
            "--host-addr", "203.0.113.1/24", "--port", "5001"]
    proc, errpath = start_until(netns, tmp_path, argv, b"ready", "ustack recv")
    netns.run(["ip", "link", "del", "ustdl1"], check=True)
    rc = wait_exit(proc, "ustack recv")
    assert rc == 1, (rc, errpath.read_text())
    assert_one_lost_line(errpath.read_text(), "ustdl1")


def test_ping_exits_when_its_tap_is_deleted(netns, tmp_path):
    """A ping without a count (it would run until Ctrl-C) that has had
    replies: the loss ends it with exit 1 and the one line."""
    argv = [USTACK, "ping", "203.0.113.1", "-i", "0.2", "--tap", "ustdl2",
            "--addr", "203.0.113.2/24", "--host-addr", "203.0.113.1/24"]
    proc, errpath = start_until(netns, tmp_path, argv, b"bytes from", "ustack ping")
    netns.run(["ip", "link", "del", "ustdl2"], check=True)
    rc = wait_exit(proc, "ustack ping")
    assert rc == 1, (rc, errpath.read_text())
    assert_one_lost_line(errpath.read_text(), "ustdl2")
