"""Ctrl-C (SIGINT) and SIGTERM on `ustack send` / `ustack recv` against
Linux in the test's namespace: the summary of what moved so far (the same
lines a finished run prints, marked "(interrupted)"), exit 130 / 143 as
shell tools, and no "Interrupted system call". Also `send --bytes 0`: a
connection without data, as `demo --bytes 0`."""
import os
import re
import signal
import subprocess

import pytest

from conftest import USTACK, read_stdout_until, wait_until

US = "203.0.113.2"
LINUX = "203.0.113.1"
LINK = ["--tap", "tap0", "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24"]
NSCLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nsclient.py")
SIGNALS = [(signal.SIGINT, 130), (signal.SIGTERM, 143)]


def popen(netns, argv, **kw):
    p = subprocess.Popen(netns.cmd(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    netns.procs_raw.append(p)
    return p


def linux_listening(netns, port):
    return netns.run(["ss", "-Hltn", f"sport = :{port}"])[1].strip() != ""


def assert_interrupted_summary(text, err, verb, rc, want_rc):
    assert rc == want_rc, err
    assert "Interrupted system call" not in err, err
    assert not [l for l in err.splitlines()
                if l.startswith("ustack:") and not l.startswith("ustack: warning:")], err
    m = re.search(rf"^{verb} (\d+) bytes \([\d.]+ [KMGT]?i?B\) in [\d.]+ s: (-|[\d.]+ [kMG]bit/s) "
                  rf"\(interrupted\)$", text, re.M)
    assert m, text
    assert re.search(r"^tcp: retransmitted segments \d+, final cwnd \d+ bytes", text, re.M), text
    return int(m.group(1))


@pytest.mark.parametrize("sig,want", SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_send_interrupted_prints_its_summary(netns, sig, want):
    popen(netns, ["/usr/bin/python3", NSCLIENT, "sink", "5001"])  # cleaned up by netns
    wait_until(lambda: linux_listening(netns, 5001), 60, "the Linux sink listening")
    p = popen(netns, [USTACK, "send", LINUX, "5001", "--bytes", "100G"] + LINK)
    text = read_stdout_until(p, r"^connected to ", timeout=120)
    p.send_signal(sig)
    out, err = p.communicate(timeout=120)
    text += out.decode()
    sent = assert_interrupted_summary(text, err.decode(), "sent", p.returncode, want)
    # The first send queues data before anything waits: something was sent.
    assert sent > 0, text


@pytest.mark.parametrize("sig,want", SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_recv_interrupted_prints_its_summary(netns, sig, want):
    p = popen(netns, [USTACK, "recv", "--port", "5002"] + LINK)
    read_stdout_until(p, r"^ready$", timeout=120)
    feed = popen(netns, ["/usr/bin/python3", "-c",
                         "import socket,sys\n"
                         f"s=socket.create_connection(('{US}',5002),timeout=60)\n"
                         "b=bytes(65536)\n"
                         "try:\n"
                         "    while True: s.sendall(b)\n"
                         "except OSError: pass\n"])
    text = read_stdout_until(p, r"^connection from ", timeout=120)
    p.send_signal(sig)
    out, err = p.communicate(timeout=120)
    text += out.decode()
    assert_interrupted_summary(text, err.decode(), "received", p.returncode, want)
    feed.wait(timeout=120)  # the reset ended the Linux sender too


def test_recv_interrupted_before_a_connection_exits_130(netns):
    p = popen(netns, [USTACK, "recv", "--port", "5003"] + LINK)
    read_stdout_until(p, r"^ready$", timeout=120)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err.decode()
    assert "Interrupted" not in err.decode() and b"received" not in out, (out, err)


def test_send_bytes_0_is_a_connection_without_data(netns):
    sink = popen(netns, ["/usr/bin/python3", NSCLIENT, "sink", "5001"])
    wait_until(lambda: linux_listening(netns, 5001), 60, "the Linux sink listening")
    rc, out, err = netns.run([USTACK, "send", LINUX, "5001", "--bytes", "0"] + LINK)
    assert rc == 0, err
    assert re.search(r"^sent 0 bytes \(0 B\) in [\d.]+ s: ", out, re.M), out
    assert sink.wait(timeout=120) == 0
    assert sink.stdout.read().decode().strip().splitlines()[-1] == "got 0"
