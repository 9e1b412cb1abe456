"""`ustack demo`: the simulated network story is deterministic, tells its
story and writes a capture tshark reads without complaint. No root needed."""
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


def test_demo_survives_heavy_loss(ustack_bin, tmp_path):
    out, _ = run_demo(tmp_path, "--seed", "5", "--loss", "40")
    assert "20 packets transmitted, " in out
    assert "== 5. what each stack counted ==" in out
