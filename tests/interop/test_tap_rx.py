"""The TAP receive paths: batches of reads through io_uring (the default,
cfg.tap_rx_batch; the link counters rx_uring and rx_uring_calls), one
read() per frame (--tap-rx-batch 0, as on kernels that refuse io_uring),
and the event loop's busy poll (--busy-poll): frames that queue while the
stack cannot run are all received, in batches, and TCP and UDP echo come
back byte-exact on every path."""
import re
import signal
import subprocess

import pytest

US = "203.0.113.2"      # ustack
LINUX = "203.0.113.1"   # the Linux side of the TAP

# Linux sends `n` UDP datagrams to ustack's echo port while ustack is
# stopped (SIGSTOP: the frames queue in the TAP), then, on "go" on stdin
# after ustack runs again, reads every echo with a deadline and prints
# "ok" if each came back byte-exact, in order.
UDP_BACKLOG = r"""
import os, socket, sys, time
n, us = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: every echo fits
s.settimeout(30)
s.sendto(b"warm", (us, 7))                 # ARP both ways before the backlog
assert s.recv(100) == b"warm"
print("warm", flush=True)
sys.stdin.readline()                       # ustack is stopped now
msgs = [os.urandom(40) + b"%05d" % i for i in range(n)]
for m in msgs:
    s.sendto(m, (us, 7))
print("sent", flush=True)
sys.stdin.readline()                       # ustack runs again
got = [s.recv(2000) for _ in range(n)]
print("ok" if got == msgs else "differs: %d of %d equal" % (sum(a == b for a, b in zip(got, msgs)), n), flush=True)
"""

# TCP echo of `size` random bytes: prints "ok" when all came back byte-exact.
TCP_ECHO = r"""
import os, socket, sys, threading
size, us = int(sys.argv[1]), sys.argv[2]
data = os.urandom(size)
s = socket.create_connection((us, 7), timeout=60)
t = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)))
t.start()
got = bytearray()
while len(got) < size:
    b = s.recv(1 << 16)
    if not b:
        break
    got += b
t.join()
print("ok" if bytes(got) == data else "differs: %d of %d bytes" % (len(got), size))
"""


def counter(text, name):
    """A link counter from serve's exit report (a counter at 0 is not printed)."""
    m = re.search(rf"^\s+{name}\s+(\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def serve(netns, *extra):
    return netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24", extra=list(extra))


@pytest.mark.parametrize("rx", ["batch", "read"])
def test_backlog_while_stopped_is_all_received(netns, rx):
    """300 datagrams queue in the TAP while ustack is stopped; once it runs
    again every one is echoed byte-exact and in order. Batched, the frames
    take far fewer io_uring calls than frames (several per call); with
    --tap-rx-batch 0 none goes through io_uring."""
    extra = ["--udp-echo", "7"] + (["--tap-rx-batch", "0"] if rx == "read" else [])
    u = serve(netns, *extra)
    n = 300
    client = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", UDP_BACKLOG, str(n), US]),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    netns.procs_raw.append(client)
    assert client.stdout.readline().strip() == "warm"
    u.proc.send_signal(signal.SIGSTOP)
    try:
        client.stdin.write("\n")
        client.stdin.flush()
        assert client.stdout.readline().strip() == "sent"
    finally:
        u.proc.send_signal(signal.SIGCONT)
    client.stdin.write("\n")
    client.stdin.flush()
    assert client.stdout.readline().strip() == "ok"
    assert client.wait(timeout=60) == 0
    assert u.stop() == 0, u.stderr_text()
    frames, calls = counter(u.stdout, "rx_uring"), counter(u.stdout, "rx_uring_calls")
    assert counter(u.stdout, "InDatagrams") == n + 1, u.stdout
    if rx == "batch":
        assert frames >= n // 2, u.stdout  # a read() probe takes the first two
        assert calls * 4 < frames, u.stdout  # a backlog of 300: batches up to 32
    else:
        assert frames == 0 and calls == 0, u.stdout


@pytest.mark.parametrize("extra", [[], ["--tap-rx-batch", "0"], ["--busy-poll", "200"],
                                   ["--tap-sqpoll", "off"]],
                         ids=["batch", "read", "busy-poll", "no-sqpoll"])
def test_tcp_echo_byte_exact(netns, extra):
    """2 MiB through ustack's TCP echo and back, on each receive path, with
    the busy poll, and with transmit bursts submitted without the polling
    thread."""
    serve(netns, "--tcp-echo", "7", *extra)
    rc, out, err = netns.run(["/usr/bin/python3", "-c", TCP_ECHO, str(2 << 20), US],
                             timeout=120)
    assert rc == 0 and out.strip() == "ok", out + err


# Turns the device's NAPI polls into kernel threads (sysfs "threaded") and
# prints how many there are: they are named napi/DEV-ID, one per NAPI
# instance, and a TAP has one per queue opened with IFF_NAPI. A device
# without NAPI refuses "threaded" (EOPNOTSUPP): "no napi".
NAPI_THREADS = r"""
import errno, os, sys
dev = sys.argv[1]
try:
    with open("/sys/class/net/%s/threaded" % dev, "w") as f:
        f.write("1")
except OSError as e:
    if e.errno != errno.EOPNOTSUPP:
        raise
    print("no napi")
    sys.exit(0)
n = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open("/proc/%s/comm" % pid) as f:
            n += f.read().startswith("napi/%s-" % dev)
    except OSError:
        pass
print(n)
"""


@pytest.mark.parametrize("napi", ["on", "off"])
def test_tap_napi_mode(netns, napi):
    """--tap-napi on opens the TAP with IFF_NAPI: Linux gets a NAPI
    instance for it (a poll thread once sysfs "threaded" is on), and 2 MiB
    of TCP echo come back byte-exact with that thread taking every frame
    ustack writes; off: no NAPI instance (the kernel refuses "threaded"),
    the writes run Linux's receive path themselves. (The device name is this test's own: poll threads are
    named after it, machine-wide.)"""
    tap = "ustnapi0"
    netns.serve(tap, f"{US}/24", host_addr=f"{LINUX}/24",
                extra=["--tcp-echo", "7", "--tap-napi", napi])
    rc, out, err = netns.run(["/usr/bin/python3", "-c", NAPI_THREADS, tap])
    assert rc == 0, err
    assert out.strip() == ("1" if napi == "on" else "no napi"), out
    rc, out, err = netns.run(["/usr/bin/python3", "-c", TCP_ECHO, str(2 << 20), US],
                             timeout=120)
    assert rc == 0 and out.strip() == "ok", out + err
