"""ustack against the Linux kernel over TAP devices, each test in its own
network namespace (see conftest.py). Every capture ustack writes is read back
by tshark: no malformed frames, no bad checksums."""
import os
import re
import select
import signal
import subprocess

from conftest import USTACK, assert_pcap_clean, require_tool, stop_process, wait_until

US = "203.0.113.2"      # ustack
LINUX = "203.0.113.1"   # the Linux side of the TAP


def serve_default(netns, extra=()):
    return netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24", extra=extra)


def stop_and_check(u):
    assert u.stop() == 0, f"ustack exited with {u.returncode}:\n{u.stderr_text()}"
    assert "--- ustack serve counters ---" in u.stdout
    assert_pcap_clean(u.pcap)
    return u.stdout


def counter(text, name):
    m = re.search(rf"^\s+{name}\s+(\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def test_linux_pings_ustack(netns):
    require_tool("ping")
    u = serve_default(netns)
    rc, out, err = netns.run(["ping", "-c", "5", "-i", "0.2", "-W", "30", US])
    assert rc == 0, out + err
    assert "5 packets transmitted, 5 received, 0% packet loss" in out
    counters = stop_and_check(u)
    assert counter(counters, "InEchos") == 5
    assert counter(counters, "OutEchoReps") == 5


def test_linux_pings_ustack_fragmented(netns):
    """4000 bytes of payload: Linux fragments the requests, ustack reassembles
    them and fragments its replies, which Linux reassembles."""
    require_tool("ping")
    u = serve_default(netns)
    rc, out, err = netns.run(["ping", "-c", "3", "-i", "0.2", "-W", "30", "-s", "4000", US])
    assert rc == 0, out + err
    assert "3 packets transmitted, 3 received, 0% packet loss" in out
    assert re.search(r"^4008 bytes from 203\.0\.113\.2: icmp_seq=1 ttl=64", out, re.M), out
    counters = stop_and_check(u)
    assert counter(counters, "ReasmOKs") == 3
    assert counter(counters, "FragCreates") == 9  # 4028 bytes over a 1500 MTU: 3 each


def test_ustack_pings_linux(netns, tmp_path):
    pcap = netns.artifact("ping.pcap")
    rc, out, err = netns.run([USTACK, "ping", "-c", "3", "-i", "0.2", "-W", "30",
                              "--tap", "tap0", "--addr", f"{US}/24",
                              "--host-addr", f"{LINUX}/24", "--pcap", pcap, LINUX])
    assert rc == 0, out + err
    lines = out.splitlines()
    assert lines[0] == f"PING {LINUX} ({LINUX}) 56(84) bytes of data."
    for seq in (1, 2, 3):
        assert re.search(rf"^64 bytes from {LINUX}: icmp_seq={seq} ttl=64 time=\d+\.\d+ ms$",
                         out, re.M), out
    assert f"--- {LINUX} ping statistics ---" in lines
    assert re.search(r"^3 packets transmitted, 3 received, 0% packet loss, time \d+ms$", out,
                     re.M), out
    assert re.search(r"^rtt min/avg/max/mdev = [\d.]+/[\d.]+/[\d.]+/[\d.]+ ms$", out, re.M), out
    assert_pcap_clean(pcap)


def test_ustack_ping_unanswered_exits_1(netns):
    """Nobody owns 203.0.113.9: ARP fails, ping reports it and exits 1."""
    rc, out, err = netns.run([USTACK, "ping", "-c", "2", "-i", "0.2", "-W", "4",
                              "--tap", "tap0", "--addr", f"{US}/24",
                              "--host-addr", f"{LINUX}/24", "203.0.113.9"])
    assert rc == 1, out + err
    assert "2 packets transmitted, 0 received" in out
    assert "100% packet loss" in out


def test_linux_routes_between_two_ustacks(netns):
    """Linux forwards (ip_forward in this namespace only) between two TAPs;
    ustack A (203.0.113.2) pings ustack B (198.51.100.2) through it."""
    netns.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], check=True)
    b = netns.serve("tapB", "198.51.100.2/24", host_addr="198.51.100.1/24",
                    gateway="198.51.100.1")
    pcap = netns.artifact("tapA.pcap")
    rc, out, err = netns.run([USTACK, "ping", "-c", "3", "-i", "0.2", "-W", "30",
                              "--tap", "tapA", "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24",
                              "--gateway", LINUX, "--pcap", pcap, "198.51.100.2"])
    assert rc == 0, out + err
    assert "3 packets transmitted, 3 received, 0% packet loss" in out
    # One router on the way: the reply's TTL is one less than ustack's 64.
    assert re.search(r"^64 bytes from 198\.51\.100\.2: icmp_seq=1 ttl=63 ", out, re.M), out
    counters = stop_and_check(b)
    assert counter(counters, "OutEchoReps") == 3
    assert_pcap_clean(pcap)


def test_udp_echo_with_socat(netns):
    require_tool("socat")
    u = serve_default(netns, extra=["--udp-echo", "7", "--udp-echo", "9007"])
    for port in (7, 9007):
        msg = f"hello ustack on port {port}\n".encode()
        # readbytes: socat ends with the echo, -t only bounds the wait for it
        rc, out, err = netns.run(["socat", "-t", "60", "-",
                                  f"UDP:{US}:{port},readbytes={len(msg)}"], input=msg,
                                 timeout=120)
        assert rc == 0, err
        assert out.encode() == msg
    counters = stop_and_check(u)
    assert counter(counters, "InDatagrams") == 2
    assert counter(counters, "OutDatagrams") == 2


def test_udp_echo_large_datagram_bytes(netns):
    """A datagram larger than the MTU (fragmented both ways) comes back
    byte-exact."""
    require_tool("socat")
    u = serve_default(netns, extra=["--udp-echo", "7"])
    big = bytes((i * 7) % 251 for i in range(3000))
    p = netns.run_bytes(["socat", "-t", "60", "-b", "65536", "-",
                         f"UDP:{US}:7,readbytes={len(big)}"], big, timeout=120)
    assert p == big
    stop_and_check(u)


def test_udp_to_closed_port_gets_port_unreachable(netns):
    require_tool("socat")
    u = serve_default(netns, extra=["--udp-echo", "7"])
    netns.run(["socat", "-t", "1", "-", f"UDP:{US}:9"], input=b"anyone?\n")
    # socat does not wait for ustack: the datagram may still be queued
    ctl = ["--ctl", f"/run/ustack/{u.proc.pid}.sock"]
    wait_until(lambda: counter(netns.run([USTACK, "netstat", "--stats"] + ctl)[1],
                               "OutDestUnreachs") >= 1, 60, "the Port Unreachable")
    counters = stop_and_check(u)
    assert counter(counters, "NoPorts") == 1
    assert counter(counters, "OutDestUnreachs") == 1


def test_arping(netns):
    require_tool("arping")
    u = serve_default(netns)
    rc, out, err = netns.run(["arping", "-c", "3", "-I", "tap0", US], timeout=30)
    assert rc == 0, out + err
    # Debian's arping (Habets) says "3 packets received"; iputils says "Received 3 response(s)".
    assert re.search(r"3 packets received|Received 3 response", out), out
    counters = stop_and_check(u)
    assert counter(counters, "in_requests") >= 3


def test_mtu_shape_and_trace_options(netns):
    """--mtu sets both ends of the TAP (so a 1400-byte ping is fragmented in
    two), --shape puts the shaper in the transmit path, --trace writes the
    per-layer lines to stderr."""
    require_tool("ping")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--mtu", "1000", "--shape", "10mbit,15k", "--trace"])
    rc, out, _ = netns.run(["ip", "-o", "link", "show", "tap0"], check=True)
    assert " mtu 1000 " in out and ",UP" in out, out
    rc, out, err = netns.run(["ping", "-c", "3", "-i", "0.2", "-W", "30", "-s", "1400", US])
    assert rc == 0, out + err
    assert "3 packets transmitted, 3 received, 0% packet loss" in out
    counters = stop_and_check(u)
    assert counter(counters, "ReasmOKs") == 3
    assert counter(counters, "FragCreates") == 6  # 1428 bytes over a 1000 MTU: 2 each
    trace = u.stderr_text()
    assert re.search(r"^\s+\+\d+\.\d{6} icmp\s+echo", trace, re.M), trace[:2000]
    assert re.search(r"^\s+\+\d+\.\d{6} arp\s", trace, re.M), trace[:2000]


def test_ping_until_interrupted_prints_statistics(netns):
    """Without -c, ustack ping runs until SIGINT, then prints its statistics
    like iputils ping and exits 0 (replies arrived)."""
    proc = subprocess.Popen(netns.cmd([USTACK, "ping", "-i", "0.1", "--tap", "tap0",
                                       "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24",
                                       LINUX]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    netns.procs_raw.append(proc)
    seen = []

    def two_replies():
        # Raw reads, only when data is there: the deadline is always checked.
        fd = proc.stdout.fileno()
        if select.select([fd], [], [], 0.1)[0]:
            seen.append(os.read(fd, 4096))
        return b"".join(seen).count(b"bytes from") >= 2
    wait_until(two_replies, 60, "two ping replies")
    assert stop_process(proc) == 0
    rest = b""
    while chunk := os.read(proc.stdout.fileno(), 4096):
        rest += chunk
    out = (b"".join(seen) + rest).decode()
    assert f"--- {LINUX} ping statistics ---" in out
    m = re.search(r"^(\d+) packets transmitted, (\d+) received", out, re.M)
    assert m, out
    sent, received = int(m.group(1)), int(m.group(2))
    # the last ones may be in flight (more than one when ustack waits for
    # a CPU longer than the interval)
    assert 2 <= received <= sent, out


def test_serve_stops_on_sigterm(netns):
    u = serve_default(netns)
    u.proc.send_signal(signal.SIGTERM)
    assert u.proc.wait(timeout=60) == 0
    assert "--- ustack serve counters ---" in u.proc.stdout.read().decode()


def test_unwritable_pcap_is_a_usage_error(netns):
    rc, out, err = netns.run([USTACK, "serve", "--tap", "tap0", "--addr", f"{US}/24",
                              "--pcap", "/nonexistent-dir/x.pcap"])
    assert rc == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("ustack: --pcap /nonexistent-dir/x.pcap: "), err
    assert err.endswith(": No such file or directory\n"), err  # the system's reason, kept


def ustack_ping_via_linux(netns, dst, *args):
    return netns.run([USTACK, "ping", "-c", "1", "-W", "30", *args, "--tap", "tapA",
                      "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24", "--gateway", LINUX, dst])


def test_time_exceeded_from_linux_router(netns):
    """-t 1 through Linux as a router: Linux answers Time Exceeded, which
    ustack ping reports like iputils (exit 1: no reply)."""
    netns.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], check=True)
    netns.serve("tapB", "198.51.100.2/24", host_addr="198.51.100.1/24", gateway="198.51.100.1")
    rc, out, err = ustack_ping_via_linux(netns, "198.51.100.2", "-t", "1")
    assert rc == 1, out + err
    assert re.search(rf"^From {LINUX} icmp_seq=1 Time to live exceeded$", out, re.M), out
    assert "1 packets transmitted, 0 received, +1 errors, 100% packet loss" in out


def test_net_unreachable_from_linux_router(netns):
    netns.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], check=True)
    rc, out, err = ustack_ping_via_linux(netns, "198.51.100.7")
    assert rc == 1, out + err
    assert re.search(rf"^From {LINUX} icmp_seq=1 Destination Net Unreachable$", out, re.M), out
