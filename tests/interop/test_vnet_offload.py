"""Offloads over TAP/TUN (virtio_net_hdr, issue #12): Linux's TCP hands
ustack super-frames of up to 64 KiB (GSO, the checksum field only the
pseudo-header sum) that ustack takes whole when nothing sits between the
driver and the stack, and cuts into wire segments when a capture or the
fault injector does. Byte-exact transfers through ustack's TCP echo (so
both directions carry the data), the link counters that say which path
the frames took, checksums alone with --offload csum, and plain frames
with --offload off."""
import os
import re
import subprocess


from conftest import assert_pcap_clean, late_rst_from, require_tool, stop_process, wait_until

US = "203.0.113.2"
LINUX = "203.0.113.1"
ECHO = 7

# Sends TOTAL bytes to ustack's echo from one thread and reads them back in
# another; prints the byte count and whether what came back is what went.
ECHO_CLIENT = """
import socket, sys, threading, hashlib
host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port), timeout=120)
chunk = bytes((i * 7 + 3) % 251 for i in range(65536))
sent = hashlib.sha256()
def send():
    left = total
    while left:
        n = s.send(chunk[:min(left, len(chunk))])
        sent.update(chunk[:n])
        left -= n
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send)
t.start()
got, back = 0, hashlib.sha256()
while True:
    b = s.recv(262144)
    if not b:
        break
    got += len(b)
    back.update(b)
t.join()
print("echoed", got, "same" if got == total and back.digest() == sent.digest() else "DIFFERENT")
"""


def link_counters(stdout):
    """The link counters ustack prints when it stops: name -> value."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^\s*([a-z_]+)\s+(\d+)\s*$", stdout, re.M)}


def echo_through(netns, total):
    rc, out, err = netns.run(["/usr/bin/python3", "-c", ECHO_CLIENT, US, str(ECHO), str(total)],
                             timeout=600)
    assert rc == 0, out + err
    assert out.strip() == f"echoed {total} same", out + err


def test_linux_to_ustack_gso_frames_taken_whole(netns):
    """No capture, no faults: the kernel's super-frames go up whole (counted
    as GSO frames received, none split), and the echo is byte-exact."""
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--tcp-echo", str(ECHO), "--trace", "dev"], pcap=False)
    echo_through(netns, 4 * 1024 * 1024)
    assert u.stop() == 0, u.stderr_text()
    c = link_counters(u.stdout)
    assert "offloads on" in u.stderr_text()
    assert c.get("rx_gso_frames", 0) > 0, u.stdout
    assert c.get("rx_gso_split", 0) == 0, u.stdout
    assert c.get("offload_refused", 0) == 0, u.stdout


def capture_tcp_lengths(pcap, src):
    """TCP payload lengths of the captured frames sent by src."""
    rc = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", f"ip.src == {src} && tcp.len > 0",
                         "-T", "fields", "-e", "tcp.len"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert rc.returncode == 0, rc.stderr.decode(errors="replace")
    return [int(x) for x in rc.stdout.split()]


def test_capture_shows_wire_segments_of_gso_frames(netns):
    """With a capture attached the super-frames are cut into the segments a
    wire would carry: the capture holds MSS-sized TCP segments from Linux,
    every checksum correct (tshark validates them), and the echo is
    byte-exact."""
    require_tool("tshark")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--tcp-echo", str(ECHO)])
    echo_through(netns, 2 * 1024 * 1024)
    assert u.stop() == 0, u.stderr_text()
    c = link_counters(u.stdout)
    assert c.get("rx_gso_frames", 0) > 0, u.stdout
    assert c.get("rx_gso_split", 0) == c.get("rx_gso_frames", 0), u.stdout
    lengths = capture_tcp_lengths(u.pcap, LINUX)
    assert lengths and max(lengths) <= 1460, max(lengths)
    assert_pcap_clean(u.pcap, min_frames=100, allow=[late_rst_from(US)])


def test_large_receive_with_loss_is_byte_exact(netns):
    """The fault injector on receive loses single wire segments of the
    kernel's super-frames (they are cut before it), SACK recovery repairs
    them, and the echo is byte-exact."""
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--tcp-echo", str(ECHO), "--faults", "rx", "--loss", "2"], pcap=False)
    echo_through(netns, 4 * 1024 * 1024)
    assert u.stop() == 0, u.stderr_text()
    c = link_counters(u.stdout)
    assert c.get("rx_gso_split", 0) > 0, u.stdout
    assert c.get("fault_lost", 0) > 0, u.stdout


def test_offload_off_gives_plain_frames(netns):
    """--offload off: no virtio_net_hdr, the kernel segments and
    checksums before ustack reads; nothing counted as GSO or trusted."""
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--tcp-echo", str(ECHO), "--offload", "off", "--trace", "dev"],
                    pcap=False)
    echo_through(netns, 2 * 1024 * 1024)
    assert u.stop() == 0, u.stderr_text()
    c = link_counters(u.stdout)
    assert "tap0: offloads off" in u.stderr_text()
    for name in ("rx_gso_frames", "rx_csum_trusted", "tx_gso_offloaded", "offload_refused"):
        assert c.get(name, 0) == 0, (name, u.stdout)
    assert c.get("rx_frames", 0) > 1400, u.stdout  # 2 MiB in frames of at most an MSS


def test_offload_csum_single_segments_checksums_offloaded(netns):
    """--offload csum: the header stays and checksums are offloaded both
    ways (the kernel vouches for what it hands over, ustack hands it
    partial sums), but no segmentation either way: every frame is one
    segment, as on a wire (what bench/loss.sh's loss rows need)."""
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--tcp-echo", str(ECHO), "--offload", "csum", "--trace", "dev"],
                    pcap=False)
    echo_through(netns, 2 * 1024 * 1024)
    assert u.stop() == 0, u.stderr_text()
    c = link_counters(u.stdout)
    assert "tap0: offloads on (caps 0x1)" in u.stderr_text()  # DEV_OFF_CSUM alone
    for name in ("rx_gso_frames", "tx_gso_offloaded", "offload_refused"):
        assert c.get(name, 0) == 0, (name, u.stdout)
    assert c.get("rx_csum_trusted", 0) > 1400, u.stdout
    assert c.get("tx_csum_partial", 0) > 1400, u.stdout
    assert c.get("rx_frames", 0) > 1400, u.stdout  # 2 MiB in frames of at most an MSS


def test_tun_gso_frames_taken_whole(netns):
    """A TUN device (no Ethernet header) with offloads: super-frames arrive
    and the echo is byte-exact."""
    u = netns.serve("tun0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--tcp-echo", str(ECHO)], pcap=False, kind="tun")
    echo_through(netns, 2 * 1024 * 1024)
    assert u.stop() == 0, u.stderr_text()
    c = link_counters(u.stdout)
    assert c.get("rx_gso_frames", 0) > 0, u.stdout


# A kernel that refuses every offload: TUNSETOFFLOAD fails with EINVAL (as
# Linux's set_offload does for flags it does not know), every other ioctl
# goes through. Preloaded into ustack.
REFUSE_OFFLOAD_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include <stdarg.h>
int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (req == TUNSETOFFLOAD) {
        errno = EINVAL;
        return -1;
    }
    int (*real)(int, unsigned long, void *) =
        (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");
    return real(fd, req, arg);
}
"""


def test_offloads_refused_fall_back_to_plain_frames(netns, tmp_path, monkeypatch):
    """The kernel refuses TUNSETOFFLOAD: ustack says so, counts it, opens the
    device again without the header, and the echo is byte-exact over
    plain frames."""
    require_tool("cc")
    src = tmp_path / "refuse.c"
    src.write_text(REFUSE_OFFLOAD_C)
    lib = tmp_path / "refuse.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(src), "-ldl"], check=True)
    monkeypatch.setenv("LD_PRELOAD", str(lib))
    # the ASan runtime need not come first: the preloaded library is tiny
    monkeypatch.setenv("ASAN_OPTIONS", os.environ.get("ASAN_OPTIONS", "") +
                       ":verify_asan_link_order=0")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--tcp-echo", str(ECHO), "--trace", "dev"], pcap=False)
    echo_through(netns, 2 * 1024 * 1024)
    assert u.stop() == 0, u.stderr_text()
    c = link_counters(u.stdout)
    assert "tap0: offloads refused by the kernel: plain frames" in u.stderr_text()
    assert c.get("offload_refused", 0) == 1, u.stdout
    for name in ("rx_gso_frames", "rx_csum_trusted", "tx_gso_offloaded"):
        assert c.get(name, 0) == 0, (name, u.stdout)


FAR = "198.51.100.2"  # a Linux host behind the kernel that ustack's TAP peer is


def test_ustack_tso_segmented_by_kernel_checksums_correct(netns):
    """ustack -> Linux: what ustack's TCP sends as super-packets (TSO) the
    kernel segments and checksums. The kernel forwards them from the TAP to
    a veth pair whose transmit offloads are off, so its software GSO cuts
    them and computes every checksum, and a capture on the far end sees the
    wire segments: each at most an MSS, every checksum correct (tshark
    validates them), and the echo is byte-exact. Single segments (ACKs)
    leave ustack with partial checksums too (NEEDS_CSUM): the kernel
    completes them as it forwards, and the capture checks them alike."""
    require_tool("dumpcap")
    require_tool("ethtool")
    require_tool("tshark")
    far = netns.name + "-far"
    subprocess.run(["ip", "netns", "add", far], check=True)
    try:
        netns.run(["ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", far],
                  check=True)
        netns.run(["ip", "addr", "add", "198.51.100.1/24", "dev", "va"], check=True)
        netns.run(["ethtool", "-K", "va", "tso", "off", "gso", "off", "tx", "off"], check=True)
        netns.run(["ip", "link", "set", "va", "up"], check=True)
        netns.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], check=True)
        farns = type(netns)(far, netns.artifact_prefix + "-far")
        farns.run(["ip", "addr", "add", f"{FAR}/24", "dev", "vb"], check=True)
        # (the far host's own segments captured with their checksums too)
        farns.run(["ethtool", "-K", "vb", "tso", "off", "gso", "off", "tx", "off"], check=True)
        farns.run(["ip", "link", "set", "vb", "up"], check=True)
        farns.run(["ip", "link", "set", "lo", "up"], check=True)
        farns.run(["ip", "route", "add", "default", "via", "198.51.100.1"], check=True)
        u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24", gateway=LINUX,
                        extra=["--tcp-echo", str(ECHO)], pcap=False)
        pcap = netns.artifact("vb.pcap")
        dump = subprocess.Popen(farns.cmd(["dumpcap", "-q", "-i", "vb", "-s", "128", "-f", "tcp",
                                           "-w", pcap]), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        netns.procs_raw.append(dump)
        wait_until(lambda: os.path.exists(pcap), 30, "tcpdump's capture file")
        rc, out, err = farns.run(["/usr/bin/python3", "-c", ECHO_CLIENT, US, str(ECHO),
                                  str(2 * 1024 * 1024)], timeout=600)
        assert rc == 0 and out.strip() == f"echoed {2 * 1024 * 1024} same", out + err
        assert u.stop() == 0, u.stderr_text()
        stop_process(dump)
        c = link_counters(u.stdout)
        lengths = capture_tcp_lengths(pcap, US)
        assert lengths and max(lengths) <= 1460, max(lengths)
        assert_pcap_clean(pcap, min_frames=100)
        # the kernel had super-packets to segment (not only MSS-sized frames)
        assert c.get("tx_gso_offloaded", 0) > 0 and c.get("tx_gso_bytes", 0) > 0, u.stdout
        # and single segments (ACKs of the far host's data, the handshake)
        # whose checksum it completed: captured above with correct sums
        assert c.get("tx_csum_partial", 0) > 0, u.stdout
    finally:
        subprocess.run(["ip", "netns", "del", far], check=False)
