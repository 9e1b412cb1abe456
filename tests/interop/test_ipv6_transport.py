"""TCP and UDP over IPv6 between ustack and the Linux kernel (issue #13), each
test in its own network namespace, documentation addresses only: ustack
2001:db8::2/64 (and its own link-local address), Linux 2001:db8::1/64. curl
and socat on the Linux side talk to `ustack serve` (dual-stack by default: its sockets
on [::]); `ustack get` fetches from Linux's http.server bound to its IPv6
address; every capture ustack writes is read back by tshark (no malformed
frames, no bad checksums)."""
import hashlib
import os
import re
import subprocess

from conftest import USTACK, assert_pcap_clean, require_tool, stop_process, wait_until
from test_ipv6 import LINUX4, LINUX6, US4, US6, counter, serve6, ustack_link_local

# A Linux client that connects over IPv6 (a scope name in the address is
# resolved by getaddrinfo), sends argv[3], prints its local port and the
# echo, then holds the connection open until its stdin closes.
CLIENT6 = r"""
import socket, sys
host, port, msg = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
ai = socket.getaddrinfo(host, port, socket.AF_INET6, socket.SOCK_STREAM)[0]
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(60)
s.connect(ai[4])
s.sendall(msg)
got = b""
while len(got) < len(msg):
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
print(s.getsockname()[1], got.decode(), flush=True)
sys.stdin.read()
s.close()
"""


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def stop_clean(u):
    assert u.stop() == 0, f"ustack exited with {u.returncode}:\n{u.stderr_text()}"
    assert_pcap_clean(u.pcap)
    return u.stdout


def client6(netns, host, port, msg):
    """CLIENT6 in the namespace: returns (Popen, local port) once the echo
    of msg came back; the connection stays open until the Popen stops."""
    p = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", CLIENT6, host, str(port), msg]),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    netns.procs_raw.append(p)
    line = p.stdout.readline()  # the client's own 60 s socket timeout bounds this
    assert line, f"client6 exited (rc {p.wait()}): {p.stderr.read()}"
    lport, echo = line.rstrip("\n").split(" ", 1)
    assert echo == msg, line
    return p, int(lport)


def end_client(p):
    p.stdin.close()
    assert p.wait(timeout=60) == 0, p.stderr.read()


def test_curl6_downloads_20mb_byte_exact(netns, tmp_path):
    require_tool("curl")
    root = tmp_path / "www"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom(20 * 1024 * 1024))
    u = serve6(netns, extra=["--http", "80", "--root", str(root)])
    ustack_link_local(netns, u)
    out = tmp_path / "got.bin"
    rc, so, se = netns.run(["curl", "-6", "-g", "-sS", "--fail", "-o", str(out),
                            f"http://[{US6}]/big.bin"], timeout=180)
    assert rc == 0, so + se
    assert sha256(out) == sha256(root / "big.bin")
    counters = stop_clean(u)
    # 20 MiB is about 14500 segments (TSO packets counted as the segments
    # they carry), all of them IPv6 (the only TCP connection is).
    assert counter(counters, "tcp", "OutSegs") > 14000, counters
    assert counter(counters, "ip6", "Ip6OutRequests") > 0, counters


def test_ustack_get_over_ipv6_from_linux_http_server(netns, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom(5 * 1024 * 1024 + 17))
    # The TAP persists (ustack get opens it) so Linux's address can be set
    # and http.server bound to it before ustack runs.
    netns.run(["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"], check=True)
    netns.run(["ip", "link", "set", "tap0", "up"], check=True)
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    httpd = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-m", "http.server", "8000",
                                        "--bind", LINUX6, "--directory", str(root)]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    netns.procs_raw.append(httpd)
    wait_until(lambda: netns.run(["ss", "-Hltn6", "sport = :8000"])[1].strip(), 60,
               "python http.server listening on IPv6")
    out = tmp_path / "got.bin"
    pcap = netns.artifact("get6.pcap")
    rc, so, se = netns.run([USTACK, "get", f"http://[{LINUX6}]:8000/big.bin", "-o", str(out),
                            "--pcap", pcap, "--tap", "tap0", "--addr", f"{US4}/24",
                            "--addr", f"{US6}/64"], timeout=180)
    assert rc == 0, so + se
    assert sha256(out) == sha256(root / "big.bin")
    assert re.search(rf"^ustack: \[{LINUX6}\]:8000/big\.bin: 5242897 bytes", se, re.M), se
    stop_process(httpd)
    assert_pcap_clean(pcap)


def test_udp6_echo_with_socat(netns):
    """A short datagram and one of 3000 bytes (fragmented both ways,
    RFC 8200 5) come back byte-exact from serve's IPv6 UDP echo."""
    require_tool("socat")
    u = serve6(netns, extra=["--udp-echo", "7"])
    ustack_link_local(netns, u)
    small = b"hello ustack over IPv6\n"
    big = bytes((i * 7) % 251 for i in range(3000))
    for msg in (small, big):
        got = netns.run_bytes(["socat", "-6", "-t", "60", "-b", "65536", "-",
                               f"UDP6:[{US6}]:7,readbytes={len(msg)}"], msg, timeout=120)
        assert got == msg
    counters = stop_clean(u)
    assert counter(counters, "udp", "InDatagrams") == 2, counters
    assert counter(counters, "udp", "OutDatagrams") == 2, counters
    assert counter(counters, "ip6", "Ip6ReasmOKs") == 1, counters
    assert counter(counters, "ip6", "Ip6FragOKs") == 1, counters


def test_tcp_to_link_local_with_scope_and_netstat(netns):
    """Linux connects to ustack's link-local address through its %tap0
    scope and to its global one; `ustack netstat` lists the [::] listeners
    and both IPv6 connections while they are open."""
    ctl = netns.artifact("ctl.sock")
    u = serve6(netns, extra=["--tcp-echo", "7", "--udp-echo", "7",
                             "--ctl", ctl])
    ll = ustack_link_local(netns, u)
    _, addrs, _ = netns.run(["ip", "-6", "addr", "show", "dev", "tap0", "scope", "link"],
                            check=True)
    linux_ll = re.search(r"inet6 (fe80::[0-9a-f:]+)/64", addrs).group(1)
    p_ll, port_ll = client6(netns, f"{ll}%tap0", 7, "over the link-local address")
    p_gl, port_gl = client6(netns, US6, 7, "over the global address")
    rc, out, err = netns.run([USTACK, "netstat", "--ctl", ctl])
    assert rc == 0, out + err
    # Proto Recv-Q Send-Q Local Foreign [State] PID/Program; a listener's
    # Send-Q is its backlog (as ss prints it); a link-local address shows
    # its scope as the interface index.
    rows = [r.split()[:6] for r in out.splitlines()]
    assert any(r[0] == "tcp" and r[3:6] == ["[::]:7", "[::]:*", "LISTEN"] for r in rows), out
    assert ["udp", "0", "0", "[::]:7", "[::]:*"] in [r[:5] for r in rows], out
    local_ll = re.compile(rf"^\[{ll}%\d+\]:7$")
    # Linux's source: its link-local address, or its global one while its
    # link-local one is still tentative (its own DAD on the new TAP).
    peer_ll = re.compile(rf"^\[({linux_ll}%\d+|{LINUX6})\]:{port_ll}$")
    assert any(r[0] == "tcp" and local_ll.match(r[3]) and peer_ll.match(r[4])
               and r[5] == "ESTABLISHED" for r in rows), out
    assert ["tcp", "0", "0", f"[{US6}]:7", f"[{LINUX6}]:{port_gl}", "ESTABLISHED"] in rows, out
    end_client(p_ll)
    end_client(p_gl)
    stop_clean(u)
