"""The command line's IPv6 address forms while the IPv6 layer is being
built (issue #13), proved over IPv4 with IPv4-mapped addresses: `ustack
get http://[::ffff:A.B.C.D]:PORT/` connects from an AF_INET6 socket and
downloads byte-exact from a Linux server; `serve --dual-stack` answers an
IPv4 curl and an IPv4 UDP echo on its [::] sockets, and `netstat` shows
them as [::]:PORT and the peer as [::ffff:A.B.C.D]:PORT (as ss does);
bracketed URLs that are not IPv6 are usage errors."""
import json
import os
import re
import subprocess

from conftest import USTACK, linux_http_server

US = "203.0.113.2"
LINUX = "203.0.113.1"
LINK = ["--tap", "tap0", "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24"]


def test_get_through_a_mapped_address(netns, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    body = os.urandom(400000)
    (root / "f.bin").write_bytes(body)
    linux_http_server(netns, root)
    out = tmp_path / "got.bin"
    rc, _, err = netns.run([USTACK, "get", f"http://[::ffff:{LINUX}]:8000/f.bin", "-o",
                            str(out)] + LINK)
    assert rc == 0, err
    assert out.read_bytes() == body
    assert f"[::ffff:{LINUX}]:8000/f.bin: 400000 bytes" in err, err


def test_get_bracket_errors_are_usage_errors(ustack_bin):
    for url, said in ((f"http://[2001:db8::1/x", "missing ']'"),
                      ("http://[203.0.113.1]/", "is not an IPv6 address"),
                      ("http://[2001:db8::1]x/", "bad character after ']'"),
                      ("http://[fe80::1%25zz]/", "is not an IPv6 address")):
        p = subprocess.run([USTACK, "get", url, "--tap", "tap0", "--addr", f"{US}/24"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        assert p.returncode == 2, (url, p.stderr)
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and said in lines[0], (url, p.stderr)


def test_serve_dual_stack_takes_ipv4(netns, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    body = os.urandom(200000)
    (root / "d.bin").write_bytes(body)
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--dual-stack", "--http", "8080", "--root", str(root),
                           "--udp-echo", "9000", "--tcp-echo", "7"])
    assert "dual-stack ([::])" in u.banner, u.banner
    got = tmp_path / "d.out"
    rc, _, err = netns.run(["curl", "-sS", "--max-time", "60", "-o", str(got),
                            f"http://{US}:8080/d.bin"])
    assert rc == 0, err
    assert got.read_bytes() == body
    echo = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            "s.settimeout(20); s.sendto(b'dual', ('%s', 9000)); print(s.recvfrom(64)[0].decode())"
            % US)
    rc, out, err = netns.run(["/usr/bin/python3", "-c", echo])
    assert rc == 0 and out.strip() == "dual", err
    # a connection held open, to see its row
    hold = ("import socket, sys; s = socket.create_connection(('%s', 7), timeout=60); "
            "s.sendall(b'x'); s.recv(1); print(s.getsockname()[1], flush=True); "
            "sys.stdin.readline()" % US)
    p = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", hold]), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        port = int(p.stdout.readline())
        ctl = f"/run/ustack/{u.proc.pid}.sock"
        rc, out, err = netns.run([USTACK, "netstat", "--ctl", ctl], timeout=60)
        assert rc == 0, err
        assert re.search(r"^tcp .* \[::\]:8080 +\[::\]:\* +LISTEN", out, re.M), out
        assert re.search(r"^udp .* \[::\]:9000 ", out, re.M), out
        assert re.search(rf"^tcp .* \[::ffff:{US}\]:7 +\[::ffff:{LINUX}\]:{port} +ESTABLISHED",
                         out, re.M), out
        rc, js, err = netns.run([USTACK, "netstat", "--json", "--ctl", ctl], timeout=60)
        [inst] = json.loads(js)["instances"]
        row = [s for s in inst["sockets"] if s["local_port"] == 7 and s["remote_port"] == port]
        assert row and row[0]["remote_address"] == f"::ffff:{LINUX}", js
    finally:
        p.stdin.write("\n")
        p.stdin.close()
        p.wait(timeout=60)
    assert u.stop() == 0, u.stderr_text()
