"""A SYN flood against `ustack serve --http` on a TAP (RFC 4987): a packet
socket on the Linux side of the TAP writes SYNs from random spoofed sources
in 198.51.100.0/24 and random ports, while curl downloads a file from the
server, during the flood and right after it. ustack's default gateway is
Linux, so the SYN,ACKs to the spoofed sources have a neighbour to go to
(and Linux, not forwarding, drops them) instead of filling ustack's ARP
table with addresses nobody answers for.

The flood is paced (bursts every 10 ms, a few thousand SYNs a second): far
more than the listener's SYN queue (512) holds, so the queue stays full for
as long as its half-open entries live (about a minute of SYN,ACK
retransmissions) and every later SYN is answered with a cookie. An
unpaced flood would instead measure how much of a shared TAP queue a
loaded test machine's CPU lets through, for the flood and curl alike.
The checks are outcomes, not rates: every download succeeds (with
generous timeouts and retries), byte for byte, while the flooder runs;
cookies were sent and one of them made curl's connection; the half-open
connections never exceed the SYN queue's bound."""
import re
import subprocess

from conftest import require_tool, wait_until
from test_tcp import make_root, sha256, tcp_counter, ustack_netstat

US = "203.0.113.2"      # ustack
LINUX = "203.0.113.1"   # the Linux side of the TAP, ustack's gateway
SYN_QUEUE = 512         # ustack serve's listen backlog (tools/serve_tcp.c)

# Runs in the namespace: builds `n` distinct spoofed SYN frames, then writes
# them round-robin on the interface in bursts until max_frames, max_secs, or
# the stop file. Prints "flooding" once it starts and the count at the end.
FLOODER = r'''
import os, random, socket, struct, sys, time
ifname, dst_mac, src_mac, dst_ip, max_frames, max_secs, burst, stop = sys.argv[1:9]
max_frames, max_secs, burst = int(max_frames), float(max_secs), int(burst)
def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def mac(m):
    return bytes(int(x, 16) for x in m.split(":"))
dst = socket.inet_aton(dst_ip)
eth = mac(dst_mac) + mac(src_mac) + b"\x08\x00"
rnd = random.Random(4987)
def frame():
    src = bytes([198, 51, 100, rnd.randint(1, 254)])
    opts = b"\x02\x04\x05\xb4"                                  # MSS 1460
    if rnd.random() < 0.5:                                       # as Linux sends them
        opts += b"\x04\x02\x08\x0a" + struct.pack("!II", rnd.getrandbits(32), 0)
        opts += b"\x01\x03\x03\x07"                              # SACK-perm, TS, wscale 7
    tcp = struct.pack("!HHIIBBHHH", rnd.randint(1024, 65535), 80, rnd.getrandbits(32), 0,
                      (20 + len(opts)) // 4 << 4, 0x02, 64240, 0, 0) + opts
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rnd.getrandbits(16), 0x4000,
                     64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return eth + ip + tcp
frames = [frame() for _ in range(4096)]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
print("flooding", flush=True)
sent, start = 0, time.monotonic()
while sent < max_frames and time.monotonic() - start < max_secs and not os.path.exists(stop):
    for _ in range(burst):
        try:
            s.send(frames[sent % len(frames)])
        except OSError:
            pass   # the TAP's queue is full: this one is lost, as on a wire
        sent += 1
    time.sleep(0.01)
print(sent, flush=True)
'''


def link_mac(netns, dev):
    rc, out, err = netns.run(["ip", "-o", "link", "show", dev])
    m = re.search(r"link/ether ([0-9a-f:]{17})", out)
    assert rc == 0 and m, out + err
    return m.group(1)


def neigh_mac(netns, addr):
    rc, out, err = netns.run(["ip", "neigh", "show", addr, "dev", "tap0"])
    m = re.search(r"lladdr ([0-9a-f:]{17})", out)
    assert rc == 0 and m, out + err
    return m.group(1)


def curl_get(netns, url, out):
    """One download, with timeouts and retries generous enough for a
    loaded machine; the exit code and curl's message."""
    rc, so, se = netns.run(["curl", "-sS", "--fail", "--connect-timeout", "60", "--max-time",
                            "120", "--retry", "5", "--retry-all-errors", "-o", str(out), url],
                           timeout=900)
    return rc, se


def half_open(netns, ctl):
    text = ustack_netstat(netns, "--ctl", ctl)
    return sum(1 for l in text.splitlines()
               if len(l.split()) >= 6 and l.split()[3] == f"{US}:80"
               and l.split()[5].startswith("SYN"))


def test_curl_served_during_and_after_syn_flood(netns, tmp_path):
    require_tool("curl")
    root = make_root(tmp_path, big=1 << 20)
    want = sha256(root / "big.bin")
    ctl = str(tmp_path / "ctl.sock")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24", gateway=LINUX, pcap=False,
                    extra=["--http", "80", "--root", str(root), "--ctl", ctl])
    url = f"http://{US}/big.bin"
    out = tmp_path / "got.bin"
    rc, err = curl_get(netns, url, out)   # also puts ustack's MAC in Linux's table
    assert rc == 0 and sha256(out) == want, err
    stop_file = tmp_path / "stop"
    flooder = subprocess.Popen(
        netns.cmd(["/usr/bin/python3", "-c", FLOODER, "tap0", neigh_mac(netns, US),
                   link_mac(netns, "tap0"), US, "3000000", "600", "50", str(stop_file)]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    netns.procs_raw.append(flooder)
    assert flooder.stdout.readline().strip() == "flooding", flooder.stderr.read()
    # The SYN queue is full once cookies go out; from then on it stays full
    # for as long as its entries retransmit their SYN,ACKs.
    wait_until(lambda: tcp_counter(ustack_netstat(netns, "--stats", "--ctl", ctl),
                                   "SyncookiesSent") > 0, 120, "SYN cookies sent")
    for n in range(3):
        out.unlink()
        rc, err = curl_get(netns, url, out)
        assert rc == 0, f"download {n + 1} during the flood: {err}"
        assert sha256(out) == want, f"download {n + 1} during the flood differs"
        assert flooder.poll() is None, "the flood ended before the downloads did"
        assert half_open(netns, ctl) <= SYN_QUEUE
    stop_file.write_text("")
    assert flooder.wait(timeout=60) == 0, flooder.stderr.read()
    assert int(flooder.stdout.read().split()[-1]) > SYN_QUEUE
    out.unlink()
    rc, err = curl_get(netns, url, out)   # right after the flood
    assert rc == 0 and sha256(out) == want, err
    stats = ustack_netstat(netns, "--stats", "--ctl", ctl)
    assert tcp_counter(stats, "SyncookiesSent") > 0, stats
    assert tcp_counter(stats, "ReqQFullDoCookies") > 0, stats
    assert tcp_counter(stats, "SyncookiesRecv") >= 1, stats   # curl got in by a cookie
    assert half_open(netns, ctl) <= SYN_QUEUE
    assert u.stop() == 0, f"ustack exited with {u.returncode}:\n{u.stderr_text()}"
