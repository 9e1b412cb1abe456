"""`ustack demo`: the simulated network story is deterministic, tells its
story and writes a capture tshark reads without complaint. No root needed."""
import re
import shutil
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
    out = out.split("== 10. ")[0]  # the IPv4 story (the IPv6 scenes have their own test)
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


def test_demo_tells_the_ipv6_story(ustack_bin, tmp_path):
    """After the IPv4 story: link-local addresses and DAD, R's Router
    Advertisement and what it carried, SLAAC on two prefixes, ping6 through
    R (which forwards IPv6: hop limit 63), TCP over IPv6; all of it in A's
    capture."""
    out, _ = run_demo(tmp_path, "--loss", "0")
    for section in ("== 10. IPv6: link-local addresses, DAD, a router advertisement, SLAAC ==",
                    "== 11. IPv6: ping6 through the router to host C on another prefix ==",
                    "== 12. IPv6: a TCP connection from A to C ==",
                    "== 13. what IPv6 counted =="):
        assert section in out
    v6 = out.split("== 10. ")[1]
    assert re.search(r"^  \+[\d.]+ A nd    dad fe80::[0-9a-f:]+: unique, preferred$", v6, re.M)
    assert re.search(r"^  \+[\d.]+ R nd    eth0 tx RA from fe80::[0-9a-f:]+: router lifetime "
                     r"1800 s, 1 prefix, mtu option$", v6, re.M), v6
    assert re.search(r"^  \+[\d.]+ A nd    rx RA from fe80::[0-9a-f:]+: router lifetime 1800 s, "
                     r"hop limit 64", v6, re.M), v6
    assert re.search(r"^  \+[\d.]+ A nd      RA prefix 2001:db8:1::/64 on-link autonomous "
                     r"valid 86400 s preferred 14400 s$", v6, re.M), v6
    assert re.search(r"^  \+[\d.]+ A nd      RA mtu 1500$", v6, re.M), v6
    m = re.search(r"^  \+[\d.]+ A nd    slaac (2001:db8:1:[0-9a-f:]+): tentative -> preferred",
                  v6, re.M)
    assert m, v6
    assert f"    inet6 {m.group(1)}/64 SLAAC, preferred" in v6
    c = re.search(r"^    inet6 (2001:db8:3:[0-9a-f:]+)/64 SLAAC, preferred", v6, re.M)
    assert c, v6
    assert "R's eth1 (lan2, mtu 1000): operation not supported." in v6
    assert re.search(rf"^  \+[\d.]+ R ip6   fwd {m.group(1)}->{c.group(1)} hlim 63 via eth2$",
                     v6, re.M), v6
    assert f"64 bytes from {c.group(1)}: icmp_seq=1 ttl=63 time=" in v6
    assert "C received 65536 of 65536 bytes" in v6 and "every byte in order and intact" in v6
    assert re.search(r"^IPv6 packets forwarded\s+0\s+[1-9]\d*\s+0$", v6, re.M), v6
    assert re.search(r"^Router Advertisements\s+0\s+[1-9]\d*\s+0$", v6, re.M), v6
    assert re.search(r"^SLAAC addresses formed\s+1\s+0\s+1$", v6, re.M), v6
    pcap = str(tmp_path / "demo.pcap")
    assert_pcap_clean(pcap)
    if shutil.which("tshark"):
        t = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", "icmpv6.type == 134 || "
                            "(ipv6 && tcp.flags.syn == 1)"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        text = t.stdout.decode()
        assert "Router Advertisement" in text, text
        assert f"{m.group(1)} → {c.group(1)} TCP" in text, text


def test_demo_ipv6_scenes_leave_the_ipv4_story_alone(ustack_bin, tmp_path):
    """--no-ipv6 stops after scene 9; with the IPv6 scenes the output up
    to scene 10 and the capture up to its end are the same bytes."""
    for seed in ("1", "7"):
        (tmp_path / seed).mkdir()
        (tmp_path / (seed + "n")).mkdir()
        full, full_pcap = run_demo(tmp_path / seed, "--seed", seed)
        only4, pcap4 = run_demo(tmp_path / (seed + "n"), "--seed", seed, "--no-ipv6")
        assert "== 10. " not in only4
        story4 = only4.split("Capture of host A's NIC")[0]
        assert full.split("== 10. ")[0] == story4
        assert len(full_pcap) > len(pcap4)
        assert full_pcap[:len(pcap4)] == pcap4
