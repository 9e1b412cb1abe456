"""ECN (RFC 3168) between ustack and the Linux kernel, each test in its own
namespace, with net.ipv4.tcp_ecn set inside that namespace only (the
sysctl is per network namespace). tshark reads ustack's capture: the
ECN-setup SYN (ECE and CWR), the ECN-setup SYN,ACK (ECE alone), neither of
them ECT, and ECT(0) on the data segments of an ECN connection only, never
on pure ACKs. The captures must also pass the usual tshark checks."""
import hashlib
import os
import re
import subprocess

from conftest import USTACK, assert_pcap_clean, require_tool, stop_process, wait_until

US = "203.0.113.2"      # ustack
LINUX = "203.0.113.1"   # the Linux side of the TAP
LINK = ["--tap", "tap0", "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24"]
ECT0 = 2
CE = 3


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def set_ecn(netns, mode):
    netns.run(["sysctl", "-q", "-w", f"net.ipv4.tcp_ecn={mode}"], check=True)
    _, out, _ = netns.run(["sysctl", "-n", "net.ipv4.tcp_ecn"], check=True)
    assert out.strip() == str(mode)


def flag(v):
    return v in ("1", "True", "true")


def segments(pcap):
    """Every TCP segment of the capture as a dict. "new": it carries data
    beyond any sent before in its direction (not a retransmission, spurious
    or not, whatever tshark calls it)."""
    require_tool("tshark")
    fields = ["ip.src", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.ece", "tcp.flags.cwr",
              "ip.dsfield.ecn", "tcp.len", "tcp.srcport", "tcp.seq"]
    argv = ["tshark", "-n", "-r", pcap, "-Y", "tcp", "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        argv += ["-e", f]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    out = []
    sent_to = {}  # (src, sport) -> highest relative sequence number sent
    for line in p.stdout.decode().splitlines():
        v = line.split("\t")
        v += [""] * (len(fields) - len(v))
        ln, flow, seq = int(v[6] or 0), (v[0], v[7]), int(v[8] or 0)
        new = ln > 0 and seq >= sent_to.get(flow, 0)
        if ln > 0:
            sent_to[flow] = max(sent_to.get(flow, 0), seq + ln)
        out.append({"src": v[0], "syn": flag(v[1]), "ack": flag(v[2]), "ece": flag(v[3]),
                    "cwr": flag(v[4]), "ecn": int(v[5], 0), "len": ln, "new": new})
    return out


def check_ecn_connection(segs, client, server):
    """One ECN connection from client to server, as ustack captured it."""
    syn = [s for s in segs if s["syn"] and not s["ack"]]
    synack = [s for s in segs if s["syn"] and s["ack"]]
    assert syn and all(s["src"] == client for s in syn), syn
    assert synack and all(s["src"] == server for s in synack), synack
    # RFC 3168 6.1.1: ECN-setup SYN = ECE + CWR, SYN,ACK = ECE alone; not ECT
    assert (syn[0]["ece"], syn[0]["cwr"], syn[0]["ecn"]) == (True, True, 0), syn[0]
    assert (synack[0]["ece"], synack[0]["cwr"], synack[0]["ecn"]) == (True, False, 0), synack[0]
    rest = [s for s in segs if not s["syn"]]
    for who in (client, server):
        data = [s for s in rest if s["src"] == who and s["new"]]
        assert data, f"no data from {who}"
        # new data is ECT(0) both ways: Linux agrees that ECN was negotiated
        # (CE if a queue on the way marked it)
        assert all(s["ecn"] in (ECT0, CE) for s in data), \
            [s for s in data if s["ecn"] not in (ECT0, CE)][:5]
    # 6.1.4 / 6.1.5: ustack's pure ACKs and retransmissions are not ECT. (Not
    # checked for Linux: its ACK from TIME-WAIT carries the socket's ECT.)
    other = [s for s in rest if s["src"] == US and not s["new"]]
    assert other and all(s["ecn"] == 0 for s in other), [s for s in other if s["ecn"]][:5]
    # 6.1.2 / 6.1.3: an ECE only from a side that received a CE mark, a
    # CWR only from one that received an ECE. On an idle TAP nothing marks;
    # a queue that does (fq_codel on a loaded machine) is not a fault.
    got_ce, got_ece = set(), set()
    for s in rest:
        peer = server if s["src"] == client else client
        assert not s["ece"] or s["src"] in got_ce, f"ECE without a CE mark: {s}"
        assert not s["cwr"] or s["src"] in got_ece, f"CWR without an ECE: {s}"
        if s["ecn"] == CE:
            got_ce.add(peer)
        if s["ece"]:
            got_ece.add(peer)
    return len([s for s in rest if s["src"] == US and s["new"]])


def counter(text, name):
    """A counter from the exit summary (which leaves out zeros)."""
    m = re.search(rf"^\s+{name}\s+(\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def test_linux_asks_ustack_serve_accepts(netns, tmp_path):
    """Linux with tcp_ecn=1 fetches 2 MB with curl from `ustack serve`,
    which accepts ECN by default (mode 2)."""
    require_tool("curl")
    set_ecn(netns, 1)
    root = tmp_path / "www"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom(2 * 1024 * 1024))
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--http", "80", "--root", str(root)])
    out = tmp_path / "got.bin"
    rc, so, se = netns.run(["curl", "-sS", "--fail", "-o", str(out), f"http://{US}/big.bin"],
                           timeout=120)
    assert rc == 0, so + se
    assert sha256(out) == sha256(root / "big.bin")
    assert u.stop() == 0, u.stderr_text()
    assert_pcap_clean(u.pcap)
    assert check_ecn_connection(segments(u.pcap), LINUX, US) > 1000
    assert counter(u.stdout, "EcnNegotiated") == 1


def test_ustack_get_asks_linux_accepts(netns, tmp_path):
    """`ustack get --ecn 1` asks Linux (tcp_ecn=2, its default: accept only)
    for ECN; ustack's request and Linux's reply are ECT(0)."""
    set_ecn(netns, 2)
    root = tmp_path / "www"
    root.mkdir()
    (root / "f.bin").write_bytes(os.urandom(300_000))
    httpd = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-m", "http.server", "8000",
                                        "--directory", str(root)]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    netns.procs_raw.append(httpd)

    def listening():
        rc, out, _ = netns.run(["ss", "-Hltn", "sport = :8000"])
        return rc == 0 and out.strip() != ""
    wait_until(listening, 15, "python http.server listening")
    out = tmp_path / "got.bin"
    pcap = netns.artifact("get.pcap")
    rc, so, se = netns.run([USTACK, "get", f"http://{LINUX}:8000/f.bin", "-o", str(out),
                            "--pcap", pcap, "--ecn", "1"] + LINK, timeout=120)
    assert rc == 0, so + se
    assert sha256(out) == sha256(root / "f.bin")
    stop_process(httpd)
    assert_pcap_clean(pcap)
    check_ecn_connection(segments(pcap), US, LINUX)


def test_no_ecn_when_linux_does_not_ask(netns, tmp_path):
    """Linux with tcp_ecn=0: a plain SYN, a plain SYN,ACK, nothing ECT."""
    require_tool("curl")
    set_ecn(netns, 0)
    root = tmp_path / "www"
    root.mkdir()
    (root / "f.bin").write_bytes(os.urandom(100_000))
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--http", "80", "--root", str(root)])
    rc, so, se = netns.run(["curl", "-sS", "--fail", "-o", "/dev/null", f"http://{US}/f.bin"],
                           timeout=60)
    assert rc == 0, so + se
    assert u.stop() == 0, u.stderr_text()
    assert_pcap_clean(u.pcap)
    segs = segments(u.pcap)
    assert any(s["syn"] for s in segs)
    assert not any(s["ece"] or s["cwr"] or s["ecn"] for s in segs)  # no ECN: no CE either
    assert counter(u.stdout, "EcnNegotiated") == 0
