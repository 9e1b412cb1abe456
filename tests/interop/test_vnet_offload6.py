"""IPv6 TCP segmentation and receive offload over TAP (virtio_net_hdr with
TUN_F_TSO6, issue #13): ustack hands the kernel TCP/IPv6 super-packets
(gso_type VIRTIO_NET_HDR_GSO_TCPV6) and takes the kernel's IPv6 super-
frames whole, or cut into wire segments when a capture is attached. Each
test in its own namespace, 2001:db8::/32 only: ustack 2001:db8::2/64,
Linux 2001:db8::1/64. That super-frames really went is read from both
sides: ustack's link counters and Linux's own packet counters of tap0
(an average above 1514 bytes per packet is impossible for wire frames)."""
import hashlib
import json
import os
import re
import subprocess

from conftest import USTACK, assert_pcap_clean, require_tool, wait_until
from test_ipv6 import LINUX4, LINUX6, US4, US6, counter
from test_vnet_offload import ECHO_CLIENT, link_counters

ECHO = 7
WIRE_FRAME_MAX = 1514  # Ethernet header + a 1500-byte MTU


def serve6(netns, extra=(), pcap=False):
    """serve on tap0 with 2001:db8::2 past DAD and Linux's 2001:db8::1."""
    u = netns.serve("tap0", f"{US4}/24", host_addr=f"{LINUX4}/24", pcap=pcap,
                    extra=["--addr", f"{US6}/64", "--trace", "arp,dev", "--dual-stack"]
                    + list(extra))
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    wait_until(lambda: re.search(rf"dad {US6}: unique", u.stderr_text()), 30,
               "ustack's 2001:db8::2 past DAD")
    return u


def linux_tap_stats(netns):
    """Linux's counters of tap0: (rx_bytes, rx_packets, tx_bytes, tx_packets);
    rx is what ustack wrote, tx what Linux handed to ustack."""
    _, out, _ = netns.run(["ip", "-s", "-j", "link", "show", "tap0"], check=True)
    s = json.loads(out)[0]["stats64"]
    return s["rx"]["bytes"], s["rx"]["packets"], s["tx"]["bytes"], s["tx"]["packets"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def echo6_through(netns, total):
    rc, out, err = netns.run(["/usr/bin/python3", "-c", ECHO_CLIENT, US6, str(ECHO), str(total)],
                             timeout=600)
    assert rc == 0, out + err
    assert out.strip() == f"echoed {total} same", out + err


def stop_counters(u):
    assert u.stop() == 0, f"ustack exited with {u.returncode}:\n{u.stderr_text()}"
    return link_counters(u.stdout)


def test_curl6_download_goes_out_as_tso6_super_packets(netns, tmp_path):
    """curl -6 fetches 20 MiB from serve --http with offloads on and no
    capture: byte-exact, ustack wrote TCP/IPv6 super-packets (its
    tx_gso_offloaded and OutTsoPackets), and Linux counted frames on tap0
    longer than any wire frame."""
    require_tool("curl")
    root = tmp_path / "www"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom(20 * 1024 * 1024))
    u = serve6(netns, extra=["--http", "80", "--root", str(root)])
    caps = re.search(r"tap0: offloads on \(caps 0x([0-9a-f]+)\)", u.stderr_text())
    assert caps and int(caps.group(1), 16) & 7 == 7, u.stderr_text()  # CSUM, TSO4, TSO6
    rx0, rxp0, _, _ = linux_tap_stats(netns)
    out = tmp_path / "got.bin"
    rc, so, se = netns.run(["curl", "-6", "-g", "-sS", "--fail", "-o", str(out),
                            f"http://[{US6}]/big.bin"], timeout=300)
    assert rc == 0, so + se
    assert sha256(out) == sha256(root / "big.bin")
    rx1, rxp1, _, _ = linux_tap_stats(netns)
    c = stop_counters(u)
    assert c.get("tx_gso_offloaded", 0) > 0, u.stdout
    assert counter(u.stdout, "tcp", "OutTsoPackets") > 0, u.stdout
    assert c.get("tx_gso_bad", 0) == 0 and c.get("rx_offload_bad", 0) == 0, u.stdout
    assert (rx1 - rx0) > WIRE_FRAME_MAX * (rxp1 - rxp0), (rx1 - rx0, rxp1 - rxp0)


def test_ustack_get6_takes_linux_super_frames(netns, tmp_path):
    """ustack get downloads 8 MiB from Linux's http.server over IPv6 with
    offloads on: byte-exact, and Linux handed tap0 frames longer than any
    wire frame (its TCP/IPv6 super-frames, taken whole by ustack)."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom(8 * 1024 * 1024 + 3))
    netns.run(["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"], check=True)
    netns.run(["ip", "link", "set", "tap0", "up"], check=True)
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    httpd = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-m", "http.server", "8000",
                                        "--bind", LINUX6, "--directory", str(root)]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    netns.procs_raw.append(httpd)
    wait_until(lambda: netns.run(["ss", "-Hltn6", "sport = :8000"])[1].strip(), 60,
               "python http.server listening on IPv6")
    _, _, tx0, txp0 = linux_tap_stats(netns)
    out = tmp_path / "got.bin"
    rc, so, se = netns.run([USTACK, "get", f"http://[{LINUX6}]:8000/big.bin", "-o", str(out),
                            "--tap", "tap0", "--addr", f"{US4}/24", "--addr", f"{US6}/64",
                            "--offload", "on"], timeout=300)
    assert rc == 0, so + se
    assert sha256(out) == sha256(root / "big.bin")
    _, _, tx1, txp1 = linux_tap_stats(netns)
    assert (tx1 - tx0) > WIRE_FRAME_MAX * (txp1 - txp0), (tx1 - tx0, txp1 - txp0)


def test_echo6_super_frames_both_ways_taken_whole(netns):
    """4 MiB through serve's TCP echo over IPv6, no capture: the kernel's
    TCPV6 super-frames go up whole (rx_gso_frames, none split), ustack's
    answer leaves as super-packets (tx_gso_offloaded); byte-exact."""
    u = serve6(netns, extra=["--tcp-echo", str(ECHO)])
    echo6_through(netns, 4 * 1024 * 1024)
    c = stop_counters(u)
    assert c.get("rx_gso_frames", 0) > 0, u.stdout
    assert c.get("rx_gso_split", 0) == 0, u.stdout
    assert c.get("tx_gso_offloaded", 0) > 0, u.stdout
    assert c.get("rx_offload_bad", 0) == 0, u.stdout


def late_rst_from6(addr):
    """conftest.late_rst_from for an IPv6 sender (a bare RST after the
    close, correct on a loaded machine)."""
    return f"(tcp.flags.reset == 1 && tcp.flags.ack == 0 && ipv6.src == {addr})"


def capture_tcp6_lengths(pcap, src):
    """TCP payload lengths of the captured IPv6 frames sent by src."""
    rc = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", f"ipv6.src == {src} && tcp.len > 0",
                         "-T", "fields", "-e", "tcp.len"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert rc.returncode == 0, rc.stderr.decode(errors="replace")
    return [int(x) for x in rc.stdout.split()]


def test_echo6_capture_shows_wire_segments(netns):
    """With a capture attached both directions appear as a wire carries
    them: Linux's super-frames cut (rx_gso_split) and ustack's super-
    packets segmented in software (tx_gso_sw), every captured TCP/IPv6
    segment at most the MSS (1500 - 40 - 20) with
    correct checksums (tshark validates them); byte-exact."""
    require_tool("tshark")
    u = serve6(netns, extra=["--tcp-echo", str(ECHO)], pcap=True)
    echo6_through(netns, 2 * 1024 * 1024)
    c = stop_counters(u)
    assert c.get("rx_gso_frames", 0) > 0, u.stdout
    assert c.get("rx_gso_split", 0) == c.get("rx_gso_frames", 0), u.stdout
    assert c.get("tx_gso_sw", 0) > 0 and c.get("tx_gso_offloaded", 0) == 0, u.stdout
    for src in (LINUX6, US6):
        lengths = capture_tcp6_lengths(u.pcap, src)
        assert lengths and max(lengths) <= 1440, (src, max(lengths))
    assert_pcap_clean(u.pcap, min_frames=100, allow=[late_rst_from6(US6)])


def test_echo6_offload_off_plain_frames(netns):
    """--offload off: no virtio_net_hdr, so no super-frame either way
    over IPv6 (Linux segments before tap0, ustack sends MSS segments);
    byte-exact."""
    u = serve6(netns, extra=["--tcp-echo", str(ECHO), "--offload", "off"])
    rx0, rxp0, tx0, txp0 = linux_tap_stats(netns)
    echo6_through(netns, 2 * 1024 * 1024)
    rx1, rxp1, tx1, txp1 = linux_tap_stats(netns)
    c = stop_counters(u)
    assert "tap0: offloads off" in u.stderr_text()
    for name in ("rx_gso_frames", "rx_csum_trusted", "tx_gso_offloaded", "tx_gso_sw"):
        assert c.get(name, 0) == 0, (name, u.stdout)
    assert (rx1 - rx0) <= WIRE_FRAME_MAX * (rxp1 - rxp0)
    assert (tx1 - tx0) <= WIRE_FRAME_MAX * (txp1 - txp0)


# Accepts one connection on [2001:db8::1]:PORT, counts its bytes until EOF,
# closes and prints the count.
SINK6 = r"""
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
n = 0
while True:
    b = c.recv(262144)
    if not b:
        break
    n += len(b)
c.close()
print(n, flush=True)
"""


def test_ustack_send6_super_packets_to_linux(netns):
    """ustack send to an IPv6 address (it waits for DAD first): 16 MiB
    arrive at Linux's socket, and Linux counted frames on tap0 longer than
    any wire frame (ustack's GSO_TCPV6 super-packets)."""
    netns.run(["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"], check=True)
    netns.run(["ip", "link", "set", "tap0", "up"], check=True)
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    sink = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", SINK6, LINUX6, "5001"]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    netns.procs_raw.append(sink)
    assert sink.stdout.readline().strip() == "ready", sink.stderr.read()
    rx0, rxp0, _, _ = linux_tap_stats(netns)
    total = 16 * 1024 * 1024
    rc, so, se = netns.run([USTACK, "send", LINUX6, "5001", "--bytes", str(total), "--tap",
                            "tap0", "--addr", f"{US4}/24", "--addr", f"{US6}/64",
                            "--offload", "on"], timeout=300)
    assert rc == 0, so + se
    assert f"connected to [{LINUX6}]:5001" in so, so
    assert sink.wait(timeout=60) == 0, sink.stderr.read()
    assert sink.stdout.readline().strip() == str(total)
    rx1, rxp1, _, _ = linux_tap_stats(netns)
    assert (rx1 - rx0) > WIRE_FRAME_MAX * (rxp1 - rxp0), (rx1 - rx0, rxp1 - rxp0)
