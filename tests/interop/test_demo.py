"""`ustack demo`: the simulated network story is deterministic, tells its
story and writes a capture tshark reads without complaint. No root needed."""
import re
import subprocess

from conftest import USTACK, assert_pcap_clean


def run_demo(tmp_path, *args):
    p = subprocess.run([USTACK, "demo", "--pcap", "demo.pcap"] + list(args), cwd=tmp_path,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode(), (tmp_path / "demo.pcap").read_bytes()


def test_demo_is_deterministic(ustack_bin, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    out1, pcap1 = run_demo(tmp_path / "a", "--seed", "7")
    out2, pcap2 = run_demo(tmp_path / "b", "--seed", "7")
    assert out1 == out2
    assert pcap1 == pcap2
    out3, _ = run_demo(tmp_path / "a", "--seed", "8", "--loss", "20")
    assert out3 != out1


def test_demo_tells_the_story(ustack_bin, tmp_path):
    out, _ = run_demo(tmp_path, "--loss", "0")
    for section in ("== 1. host A asks who has 203.0.113.1 (ARP) ==",
                    "== 2. host A pings host B on another network (routing) ==",
                    "== 3. a big ping is fragmented and reassembled =="):
        assert section in out
    # Without loss every ping is answered; replies from B crossed one router.
    assert "64 bytes from 203.0.113.1: icmp_seq=1 ttl=64" in out
    assert "64 bytes from 198.51.100.20: icmp_seq=2 ttl=63" in out
    assert "3008 bytes from 198.51.100.20: icmp_seq=3 ttl=63" in out
    assert "20 packets transmitted, 20 received, 0% packet loss" in out
    # The trace shows the layers at work.
    for word in (" arp ", " ip ", " icmp "):
        assert word in out
    assert_pcap_clean(str(tmp_path / "demo.pcap"))


def test_demo_tells_the_tcp_story(ustack_bin, tmp_path):
    out, _ = run_demo(tmp_path, "--loss", "0", "--bytes", "100k")
    for section in ("== 6. A opens a TCP connection to B (three-way handshake) ==",
                    "== 7. A sends a stream of bytes to B (TCP data transfer) ==",
                    "== 8. A and B close the connection (four-way close) =="):
        assert section in out
    # Every state change of both ends, in the order RFC 9293 3.5 describes.
    states = re.findall(r"^\s+\+[\d.]+ ([AB]) tcp\s+\S+ (\S+) -> (\S+)$", out, re.M)
    assert states == [
        ("B", "CLOSED", "LISTEN"),
        ("A", "CLOSED", "SYN-SENT"),
        ("B", "CLOSED", "SYN-RECEIVED"),
        ("A", "SYN-SENT", "ESTABLISHED"),
        ("B", "SYN-RECEIVED", "ESTABLISHED"),
        ("A", "ESTABLISHED", "FIN-WAIT-1"),
        ("B", "ESTABLISHED", "CLOSE-WAIT"),
        ("B", "CLOSE-WAIT", "LAST-ACK"),
        ("A", "FIN-WAIT-1", "FIN-WAIT-2"),
        ("A", "FIN-WAIT-2", "TIME-WAIT"),
        ("B", "LAST-ACK", "CLOSED"),
        ("A", "TIME-WAIT", "CLOSED"),
    ], states
    assert "  [##############################] 100%  102400/102400 bytes" in out
    assert ("B received 102400 of 102400 bytes in " in out and
            "every byte in order and intact." in out)
    assert re.search(r"^A's TCP \(TCP_INFO\): 0 segments retransmitted", out, re.M), out
    assert re.search(r"^tcp\s+0\s+0 203\.0\.113\.10:\d+\s+198\.51\.100\.20:5001\s+TIME_WAIT",
                     out, re.M), out
    assert re.search(r"^tcp\s+0\s+\d+ 0\.0\.0\.0:5001\s+0\.0\.0\.0:\*\s+LISTEN", out, re.M), out
    assert re.search(r"^TCP connections opened\s+1\s+0\s+0$", out, re.M), out
    assert re.search(r"^TCP connections accepted\s+0\s+0\s+1$", out, re.M), out
    assert_pcap_clean(str(tmp_path / "demo.pcap"))


def test_demo_tcp_recovers_from_loss(ustack_bin, tmp_path):
    out, _ = run_demo(tmp_path, "--seed", "3", "--loss", "5")
    assert "B received 200000 of 200000 bytes" in out, out
    assert "every byte in order and intact." in out
    m = re.search(r"^A's TCP \(TCP_INFO\): (\d+) segments retransmitted", out, re.M)
    assert m and int(m.group(1)) > 0, out
    assert "A's connection is gone too" in out


def test_demo_survives_heavy_loss(ustack_bin, tmp_path):
    out, _ = run_demo(tmp_path, "--seed", "5", "--loss", "40")
    assert "20 packets transmitted, " in out
    assert "== 9. what each stack counted ==" in out
