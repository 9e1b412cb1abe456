"""--tun NAME: every command on a TUN device (bare IPv4, no Ethernet, no
ARP) against Linux in the test's namespace: `serve --tun` answers Linux's
ping and a TCP connection; `ping` and `get` run over TUN too. Captures are
LINKTYPE_RAW and must pass tshark's checks."""
import hashlib
import os
import re

from conftest import (USTACK, assert_pcap_clean, linux_http_server, stop_process)

US = "203.0.113.2"
LINUX = "203.0.113.1"
HERE = os.path.dirname(os.path.abspath(__file__))
NSCLIENT = os.path.join(HERE, "nsclient.py")


def serve_tun(netns, tun, *extra):
    return netns.serve(tun, f"{US}/24", host_addr=f"{LINUX}/24", extra=extra, kind="tun")


def test_serve_on_tun_answers_linux_ping_and_tcp(netns):
    u = serve_tun(netns, "tun0", "--tcp-echo", "7")
    # No MAC address and no ARP on an IP-only link.
    assert re.search(rf"^ustack serve: {US}/24 on tun0 \(tun, mtu 1500\), answering ping, "
                     r"tcp echo on 7, dual-stack \(\[::\]\)$", u.banner, re.M), u.banner
    rc, out, err = netns.run(["ip", "-o", "link", "show", "tun0"], check=True)
    assert "link/none" in out and "POINTOPOINT" in out, out
    rc, out, err = netns.run(["ping", "-c", "3", "-i", "0.2", "-W", "10", US])
    assert rc == 0, out + err
    assert "3 received" in out, out
    rc, out, err = netns.run(["/usr/bin/python3", NSCLIENT, "halfclose", US, "7", "200000"])
    assert rc == 0, out + err
    assert out.strip() == "sent 200000 received 200000 same", out
    assert u.stop() == 0, u.stderr_text()
    assert re.search(r"^\s+OutEchoReps\s+3$", u.stdout, re.M), u.stdout
    assert not re.search(r"^arp:", u.stdout, re.M), u.stdout  # nothing ARP counted
    with open(u.pcap, "rb") as f:  # LINKTYPE_RAW (101) in the pcap header
        assert int.from_bytes(f.read(24)[20:24], "little") == 101
    assert_pcap_clean(u.pcap, allow=["tcp.analysis.zero_window", "tcp.analysis.window_full"])


def test_ping_and_get_over_tun(netns, tmp_path):
    link = ["--tun", "tun1", "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24"]
    pcap = netns.artifact("ping-tun.pcap")
    rc, out, err = netns.run([USTACK, "ping", "-c", "3", "-i", "0.2", LINUX, "--pcap", pcap]
                             + link)
    assert rc == 0, out + err
    assert re.search(r"^3 packets transmitted, 3 received, 0% packet loss", out, re.M), out
    assert_pcap_clean(pcap)
    root = tmp_path / "www"
    root.mkdir()
    body = os.urandom(2 * 1024 * 1024 + 5)
    (root / "big.bin").write_bytes(body)
    httpd = linux_http_server(netns, root)
    got = tmp_path / "got.bin"
    pcap = netns.artifact("get-tun.pcap")
    rc, out, err = netns.run([USTACK, "get", f"http://{LINUX}:8000/big.bin", "-o", str(got),
                              "--pcap", pcap] + link, timeout=180)
    assert rc == 0, err
    assert hashlib.sha256(got.read_bytes()).digest() == hashlib.sha256(body).digest()
    stop_process(httpd)
    assert_pcap_clean(pcap)
