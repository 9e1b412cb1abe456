"""`--addr dhcp` against dnsmasq's DHCP server on the Linux side of the TAP,
in the test's namespace: ustack serve gets its address, router, DNS server
and MTU, Linux pings the leased address, and the lease is released when
serve stops. A program under `ustack run --addr dhcp` that does nothing
on the network keeps its short (2 min) lease: the stack's own thread renews
it at T1 (seen in dnsmasq's log and ustack's trace), and the lease is
released when the program exits. Also: no server gives one clear error
line."""
import os
import re
import subprocess

from conftest import USTACK, UstackProc, require_tool, wait_until

LINUX = "203.0.113.1"
NS = "198.51.100.53"
POOL = re.compile(r"203\.0\.113\.(5\d|60)")


class Log:
    """dnsmasq's output, read as it comes (non-blocking) into .text."""

    def __init__(self, proc):
        self.proc = proc
        self.text = ""
        os.set_blocking(proc.stdout.fileno(), False)

    def read(self):
        try:
            chunk = self.proc.stdout.read()
        except (BlockingIOError, TypeError):
            chunk = None
        if chunk:
            self.text += chunk.decode(errors="replace")
        return self.text

    def count(self, pattern):
        return len(re.findall(pattern, self.read(), re.M))


def linux_side(netns):
    netns.linux_tap(f"{LINUX}/24")


def dnsmasq_dhcp(netns, tmp_path):
    require_tool("dnsmasq")
    linux_side(netns)
    argv = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface=tap0",
            "--bind-interfaces", "--dhcp-range=203.0.113.50,203.0.113.60,255.255.255.0,2m",
            f"--dhcp-option=option:router,{LINUX}", f"--dhcp-option=option:dns-server,{NS}",
            "--dhcp-option=option:mtu,1400", f"--dhcp-leasefile={tmp_path / 'leases'}",
            f"--pid-file={tmp_path / 'dnsmasq.pid'}", "--log-dhcp", "--log-facility=-"]
    p = subprocess.Popen(netns.cmd(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    netns.procs_raw.append(p)
    wait_until(lambda: netns.run(["ss", "-Hlnu", "sport = :67"])[1].strip(), 60,
               "dnsmasq listening on port 67")
    return Log(p)


def test_serve_gets_lease_and_releases(netns, tmp_path):
    log = dnsmasq_dhcp(netns, tmp_path)
    u = netns.serve("tap0", "dhcp", extra=["--trace", "udp"])
    m = re.search(r"ustack serve: (\S+)/(\d+) on tap0 \(mac [^,]+, mtu (\d+)\)", u.banner)
    assert m, u.banner
    addr = m.group(1)
    assert POOL.fullmatch(addr), u.banner
    assert m.group(2) == "24" and m.group(3) == "1400", u.banner
    assert f"dhcp from {LINUX} (router {LINUX}, dns {NS}, lease 120s)" in u.banner, u.banner
    wait_until(lambda: log.count(rf"DHCPACK\(tap0\) {re.escape(addr)}") >= 1, 30,
               "dnsmasq logging the first DHCPACK")
    # Linux reaches the leased address.
    rc, out, err = netns.run(["ping", "-c", "1", "-W", "5", addr])
    assert rc == 0, out + err
    assert u.proc.poll() is None
    assert u.stop() == 0
    wait_until(lambda: log.count(rf"DHCPRELEASE\(tap0\) {re.escape(addr)}") >= 1, 30,
               "dnsmasq logging the DHCPRELEASE")
    assert "tx RELEASE xid" in u.stderr_text() and f"unconfigure {addr}" in u.stderr_text()


# Opens an AF_INET socket (which starts the stack, and with it the DHCP
# client), says so, then does nothing on the network until its stdin ends.
IDLE = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("started", flush=True)
sys.stdin.read()
s.close()
"""


def test_run_keeps_lease_renews_and_releases(netns, tmp_path, ustack_bin):
    """The one renewal wait of the suite (T1 = 60 s of a 2-minute lease):
    the program is idle, so only the stack's own thread can renew."""
    log = dnsmasq_dhcp(netns, tmp_path)
    errlog = netns.artifact("run.stderr")
    argv = [USTACK, "run", "--tap", "tap0", "--addr", "dhcp", "--trace", "udp", "--",
            "/usr/bin/python3", "-u", "-c", IDLE]
    with open(errlog, "wb") as errf:
        proc = subprocess.Popen(netns.cmd(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=errf)
    prog = UstackProc(proc, "python3 under ustack run --addr dhcp", errlog)
    netns.procs.append(prog)
    prog.read_until("^started$", 120)
    wait_until(lambda: re.search(r"DHCPACK\(tap0\) (203\.0\.113\.\d+)", log.read()), 30,
               "dnsmasq logging the first DHCPACK")
    addr = re.search(r"DHCPACK\(tap0\) (203\.0\.113\.\d+)", log.read()).group(1)
    assert POOL.fullmatch(addr), log.text
    assert f"bound {addr}/24 router {LINUX} dns {NS} lease 120s" in prog.stderr_text()
    # T1 = 60 s: a second REQUEST/ACK for the same address, sent unicast to
    # the server from the leased address (RFC 2131 4.4.5).
    wait_until(lambda: log.count(rf"DHCPACK\(tap0\) {re.escape(addr)}") >= 2, 150,
               "the renewal at T1 in dnsmasq's log")
    wait_until(lambda: "renewed: renewing -> bound, lease 120s" in prog.stderr_text(), 30,
               "the renewal in ustack's trace")
    assert re.search(rf"tx REQUEST xid \S+ to {re.escape(LINUX)}$", prog.stderr_text(), re.M)
    assert proc.poll() is None
    rc, out, err = netns.run(["ping", "-c", "1", "-W", "5", addr])
    assert rc == 0, out + err  # the renewed address still answers
    proc.stdin.close()  # the program ends: its exit releases the lease
    assert proc.wait(timeout=60) == 0, prog.stderr_text()
    wait_until(lambda: log.count(rf"DHCPRELEASE\(tap0\) {re.escape(addr)}") >= 1, 30,
               "dnsmasq logging the DHCPRELEASE")
    assert "tx RELEASE" in prog.stderr_text()


def test_no_server_is_one_clear_error(netns):
    linux_side(netns)
    argv = [USTACK, "ping", "-c", "1", LINUX, "--tap", "tap0", "--addr", "dhcp", "--dhcp-wait", "3"]
    p = subprocess.run(netns.cmd(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=180)
    err = p.stderr.decode()
    assert p.returncode == 1, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert lines == ["ustack: --addr dhcp: no lease from a DHCP server on tap0 within 3 s "
                     "(state selecting)"], err
