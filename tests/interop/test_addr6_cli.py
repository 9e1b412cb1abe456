"""The command line's IPv6 address forms while the IPv6 layer is being
built (issue #13), proved over IPv4 with IPv4-mapped addresses: `ustack
get http://[::ffff:A.B.C.D]:PORT/` connects from an AF_INET6 socket and
downloads byte-exact from a Linux server; `serve` (dual-stack by default)
answers curl -4 and curl -6 and an IPv4 UDP echo on its [::] sockets, and
`netstat` shows them as [::]:PORT and the peer as [::ffff:A.B.C.D]:PORT (as
ss does); `serve --ipv4-only` listens on 0.0.0.0 and refuses curl -6; a
link-local URL's zone may be the link's name (%25tap0, RFC 6874); bracketed
URLs that are not IPv6 are usage errors."""
import json
import os
import re
import subprocess

from conftest import USTACK, linux_http_server, wait_until

US = "203.0.113.2"
LINUX = "203.0.113.1"
US6, LINUX6 = "2001:db8::2", "2001:db8::1"
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


def curl(netns, family, url, out):
    """curl -4 or -6 (the --max-time bounds a hung transfer): (rc, stderr)."""
    rc, _, err = netns.run(["curl", family, "-g", "-sS", "--max-time", "60", "-o", str(out),
                            url])
    return rc, err


def test_serve_default_is_dual_stack(netns, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    body = os.urandom(200000)
    (root / "d.bin").write_bytes(body)
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--addr", f"{US6}/64", "--http", "8080", "--root", str(root),
                           "--udp-echo", "9000", "--tcp-echo", "7"])
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    assert "dual-stack ([::])" in u.banner, u.banner
    for family, url in (("-4", f"http://{US}:8080/d.bin"), ("-6", f"http://[{US6}]:8080/d.bin")):
        got = tmp_path / f"d{family}.out"
        # ustack's IPv6 address may still be in DAD (1 s): curl -6 is retried until then
        wait_until(lambda: curl(netns, family, url, got)[0] == 0, 60, f"curl {family}")
        assert got.read_bytes() == body, family
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


def test_serve_ipv4_only_listens_on_0_0_0_0(netns, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "d.bin").write_bytes(b"four\n")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--addr", f"{US6}/64", "--ipv4-only", "--http", "8080", "--root",
                           str(root), "--trace", "arp"])
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    assert "dual-stack" not in u.banner, u.banner
    rc, err = curl(netns, "-4", f"http://{US}:8080/d.bin", tmp_path / "four")
    assert rc == 0, err
    assert (tmp_path / "four").read_bytes() == b"four\n"
    # Only once the IPv6 address is usable does a refusal mean "no listener".
    wait_until(lambda: f"dad {US6}: unique" in u.stderr_text(), 30, "ustack's DAD")
    rc, err = curl(netns, "-6", f"http://[{US6}]:8080/d.bin", tmp_path / "six")
    assert rc == 7, err  # curl's "Failed to connect": ustack answered the SYN with a RST
    ctl = f"/run/ustack/{u.proc.pid}.sock"
    rc, out, err = netns.run([USTACK, "netstat", "--ctl", ctl], timeout=60)
    assert rc == 0, err
    assert re.search(r"^tcp .* 0\.0\.0\.0:8080 +0\.0\.0\.0:\* +LISTEN", out, re.M), out
    assert "[::]" not in out, out
    assert u.stop() == 0, u.stderr_text()


def test_get_with_the_link_name_as_zone(netns, tmp_path):
    """http://[fe80::1%25tap0]:8000/: the zone names ustack's link (RFC 6874),
    as curl and getaddrinfo take it on Linux; another name is a usage error."""
    root = tmp_path / "www"
    root.mkdir()
    body = os.urandom(100000)
    (root / "z.bin").write_bytes(body)
    netns.run(["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"], check=True)
    netns.run(["ip", "link", "set", "tap0", "up"], check=True)
    httpd = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-m", "http.server", "8000",
                                        "--bind", "::", "--directory", str(root)]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    netns.procs_raw.append(httpd)
    wait_until(lambda: netns.run(["ss", "-Hltn", "sport = :8000"])[1].strip(), 60,
               "Linux http.server listening")
    # a link-local address of Linux's own (nodad: usable before ustack
    # brings the carrier up)
    netns.run(["ip", "-6", "addr", "add", "fe80::1/64", "dev", "tap0", "nodad"], check=True)
    out = tmp_path / "got.bin"
    url = "http://[fe80::1%25tap0]:8000/z.bin"
    rc, _, err = netns.run([USTACK, "get", url, "-o", str(out), "--tap", "tap0", "--addr",
                            f"{US}/24"])
    assert rc == 0, err
    assert out.read_bytes() == body
    p = subprocess.run([USTACK, "get", "http://[fe80::1%25tap1]:8000/z.bin", "--tap", "tap0",
                        "--addr", f"{US}/24"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    assert p.returncode == 2 and "is not an IPv6 address" in p.stderr, p.stderr


def dad_started(counters):
    """nd6's DadStarted in the counters serve prints on exit (0 is not printed)."""
    nd6 = re.search(r"^nd6:\n((?:    .*\n)*)", counters, re.M)
    m = nd6 and re.search(r"^\s+DadStarted\s+(\d+)$", nd6.group(1), re.M)
    return int(m.group(1)) if m else 0


def test_dad_transmits_option(netns):
    """--dad-transmits N: N Neighbor Solicitations per new address before it
    is unique (RFC 4862 5.1, DupAddrDetectTransmits), 0: no DAD at all;
    outside 0..10, or with --no-ipv6, one usage error line."""
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--addr", f"{US6}/64", "--dad-transmits", "3", "--trace", "arp"])
    wait_until(lambda: f"dad {US6}: unique" in u.stderr_text(), 60, "DAD of the address")
    assert u.stop() == 0, u.stderr_text()
    probes = re.findall(rf"dad {US6}: probe", u.stderr_text())
    assert len(probes) == 3, u.stderr_text()
    assert dad_started(u.stdout) >= 2, u.stdout  # the link-local address and US6
    u = netns.serve("tap1", "198.51.100.2/24", host_addr="198.51.100.1/24",
                    extra=["--addr", "2001:db8:1::2/64", "--dad-transmits", "0", "--trace",
                           "arp"])
    assert u.stop() == 0, u.stderr_text()
    # no address (link-local, 2001:db8:1::2) went through DAD: used at once
    assert dad_started(u.stdout) == 0, u.stdout
    assert "2001:db8:1::2: probe" not in u.stderr_text(), u.stderr_text()
    for args, said in ((["--dad-transmits", "11"], "'11' is not a number from 0 to 10"),
                       (["--dad-transmits", "1", "--no-ipv6"], "--no-ipv6: not with")):
        p = subprocess.run([USTACK, "serve"] + LINK + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        lines = p.stderr.strip().splitlines()
        assert p.returncode == 2 and len(lines) == 1 and said in lines[0], p.stderr


def test_resolve_and_dns_take_the_link_name_as_zone(netns):
    """`resolve fe80::1%tap0`: getaddrinfo's numeric host with the zone by
    name (zone 1: the link is the stack's interface 0), printed back with
    the numeric zone as getent does; a name no interface has is "not
    known"; `--dns fe80::1%tap9` on tap0 is a usage error."""
    rc, out, err = netns.run([USTACK, "resolve", "fe80::1%tap0", "--tap", "tap0", "--addr",
                              f"{US}/24", "--hosts", ""], timeout=60)
    assert rc == 0, out + err
    assert out.split()[0] == "fe80::1%1", out
    rc, out, err = netns.run([USTACK, "resolve", "fe80::1%tap7", "--tap", "tap0", "--addr",
                              f"{US}/24", "--hosts", ""], timeout=60)
    assert rc == 2 and err.strip().endswith("fe80::1%tap7: Name or service not known"), err
    p = subprocess.run([USTACK, "resolve", "x.example.test", "--tap", "tap0", "--addr",
                        f"{US}/24", "--dns", "fe80::1%tap9"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(lines) == 1 and "%tap0 or a number" in lines[0], p.stderr
