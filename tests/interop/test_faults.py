"""The fault injector on a real TAP: `ustack serve --loss 5 --delay 20ms`
against Linux ping and curl (the kernel here has no netem; the injector is
what a user runs to test an application under loss).

Loss bounds: the injector drops each frame ustack sends with probability
0.05 (its own PRNG, seed 1 by default: the count is fixed for a fixed
sequence of frames, but ARP may interleave, so the test uses binomial
bounds, not an exact count). For 300 echo replies, Binomial(300, 0.05) has
mean 15; P(X <= 2) = 2.9e-5 and P(X >= 37) = 5.1e-7, so 3..36 lost
(1%..12%) holds for a correct injector with overwhelming probability.
Time: every reply waits 20 ms in the injector before it is written to the
TAP, so the minimum RTT is at least 20 ms; no upper bound is asserted.
"""
import hashlib
import os
import re

from conftest import require_tool, wait_until

US = "203.0.113.2"
LINUX = "203.0.113.1"
PINGS = 300


def counter(text, name):
    """A counter from the exit summary (which leaves out zeros)."""
    m = re.search(rf"^\s+{name}\s+(\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def warm_up(netns):
    """One answered ping first: ARP is resolved both ways (an ARP reply the
    injector lost only delays this) before the measured run."""
    def answered():
        rc, _, _ = netns.run(["ping", "-c", "1", "-W", "1", US], timeout=30)
        return rc == 0
    wait_until(answered, 60, "a first ping reply through the injector")


def test_ping_through_loss_and_delay(netns):
    require_tool("ping")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--loss", "5", "--delay", "20ms"])
    assert "faults on tx: loss 5%, delay 20ms" in u.banner
    warm_up(netns)
    rc, out, err = netns.run(["ping", "-q", "-n", "-c", str(PINGS), "-i", "0.01", "-W", "5", US],
                             timeout=300)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m, out + err
    sent, got = int(m.group(1)), int(m.group(2))
    assert sent == PINGS
    lost = sent - got
    assert 3 <= lost <= 36, out  # 1%..12%: see the module docstring
    rtt = re.search(r"rtt min/avg/max/mdev = ([\d.]+)/", out)
    assert rtt, out
    assert float(rtt.group(1)) >= 20.0, out  # every reply waited 20 ms
    assert u.stop() == 0, u.stderr_text()
    # every missing reply is a frame the injector dropped (ARP may add some)
    assert counter(u.stdout, "fault_lost") >= lost
    assert counter(u.stdout, "fault_delayed") >= got


def test_rx_faults_lose_requests(netns):
    """--faults rx: the requests are lost and delayed on their way in."""
    require_tool("ping")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--faults", "rx", "--loss", "5", "--delay", "20ms"])
    assert "faults on rx:" in u.banner
    warm_up(netns)
    rc, out, err = netns.run(["ping", "-q", "-n", "-c", str(PINGS), "-i", "0.01", "-W", "5", US],
                             timeout=300)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m, out + err
    lost = int(m.group(1)) - int(m.group(2))
    assert 3 <= lost <= 36, out
    rtt = re.search(r"rtt min/avg/max/mdev = ([\d.]+)/", out)
    assert rtt and float(rtt.group(1)) >= 20.0, out
    assert u.stop() == 0, u.stderr_text()
    assert counter(u.stdout, "fault_lost") >= lost
    assert counter(u.stdout, "InEchos") <= counter(u.stdout, "fault_delayed")


def test_curl_download_through_loss_and_delay(netns, tmp_path):
    """3 MB over HTTP while 5% of ustack's frames are lost and all delayed
    20 ms: TCP recovers every loss, the file is byte-exact."""
    require_tool("curl")
    root = tmp_path / "www"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom(3 * 1024 * 1024))
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--http", "80", "--root", str(root), "--loss", "5",
                           "--delay", "20ms"])
    out = tmp_path / "got.bin"
    rc, so, se = netns.run(["curl", "-sS", "--fail", "--max-time", "600", "-o", str(out),
                            f"http://{US}/big.bin"], timeout=650)
    assert rc == 0, so + se
    assert sha256(out) == sha256(root / "big.bin")
    assert u.stop() == 0, u.stderr_text()
    assert counter(u.stdout, "fault_lost") > 0
    assert counter(u.stdout, "RetransSegs") > 0
