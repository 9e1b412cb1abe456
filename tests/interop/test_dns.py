"""The stub resolver (ust_getaddrinfo) against real name servers, each test
in its own namespace: dnsmasq answering on the Linux side of the TAP, a
truncated answer asked again over TCP, hostile answers (dns_forge.py:
pointer loops, forward pointers, long labels and names, wrong ID and
question) ignored and counted, a silent server giving EAI_AGAIN after the
retries, and `ustack get` by name from a Linux HTTP server."""
import filecmp
import os
import re
import subprocess

from conftest import USTACK, dnsmasq_dns, stop_process, wait_until

US = "203.0.113.2"
LINUX = "203.0.113.1"
HERE = os.path.dirname(os.path.abspath(__file__))
FORGE = os.path.join(HERE, "dns_forge.py")
# No --hosts file: only the server answers. --dns: the Linux side.
LINK = ["--tap", "tap0", "--addr", f"{US}/24", "--dns", LINUX, "--hosts", ""]


def linux_side(netns):
    """tap0 exists with Linux's address before the server binds to it;
    ustack then opens the same device."""
    netns.linux_tap(f"{LINUX}/24")


def listening(netns, proto, port):
    rc, out, _ = netns.run(["ss", "-Hln" + proto, f"sport = :{port}"])
    return rc == 0 and out.strip() != ""


def dnsmasq(netns, tmp_path, *records):
    linux_side(netns)
    return dnsmasq_dns(netns, tmp_path, LINUX, *records)


def forge(netns, mode):
    linux_side(netns)
    p = subprocess.Popen(netns.cmd(["/usr/bin/python3", FORGE, mode, LINUX]),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    netns.procs_raw.append(p)
    assert p.stdout.readline().strip() == "ready", p.stderr.read()
    return p


def resolve(netns, name, *extra):
    return netns.run([USTACK, "resolve", name, *LINK, *extra], timeout=120)


def counters(stderr, group="dns"):
    """The counters `--stats` printed for one group."""
    m = re.search(rf"^{group}:\n((?:    .*\n?)*)", stderr, re.M)
    return {k: int(v) for k, v in re.findall(r"^\s+(\w+)\s+(\d+)$", m.group(1) if m else "",
                                             re.M)}


def test_resolve_answered_by_dnsmasq(netns, tmp_path, ustack_bin):
    dnsmasq(netns, tmp_path, "--address=/example.test/198.51.100.7")
    rc, out, err = resolve(netns, "www.example.test", "--stats")
    assert rc == 0, err
    # getent ahosts' layout: address, socket type, the canonical name once
    assert out == ("198.51.100.7    STREAM www.example.test\n"
                   "198.51.100.7    DGRAM  \n"), out
    c = counters(err)
    assert c.get("Answers") == 1 and c.get("Queries", 0) >= 1, err


def test_nxdomain_is_name_not_known(netns, tmp_path, ustack_bin):
    dnsmasq(netns, tmp_path, "--address=/example.test/198.51.100.7")
    rc, out, err = resolve(netns, "nope.test", "--stats")
    assert rc == 2, out + err
    assert err.strip().splitlines()[-1] == "ustack: resolve: nope.test: Name or service not known"
    assert counters(err).get("NxDomain") == 1, err
    assert out == ""


def test_truncated_answer_is_asked_again_over_tcp(netns, tmp_path, ustack_bin):
    # 30 A records do not fit in 512 bytes: dnsmasq sets TC over UDP.
    addrs = [f"198.51.100.{i}" for i in range(1, 31)]
    dnsmasq(netns, tmp_path, *[f"--host-record=big.example.test,{a}" for a in addrs])
    rc, out, err = resolve(netns, "big.example.test", "--stats")
    assert rc == 0, err
    got = [line.split()[0] for line in out.splitlines() if " STREAM" in line]
    assert sorted(got) == sorted(addrs), out
    c = counters(err)
    assert c.get("Truncated", 0) >= 1 and c.get("TcpQueries", 0) >= 1, err
    assert counters(err, "tcp").get("ActiveOpens", 0) >= 1, err


def test_hostile_answers_are_ignored_and_counted(netns, ustack_bin):
    forge(netns, "malformed")
    rc, out, err = resolve(netns, "host.example.test", "--stats", "--trace", "udp")
    assert rc == 0, err
    assert out.splitlines()[0].split()[0] == "198.51.100.9", out
    c = counters(err)
    # 5 unparsable (two loops, a forward pointer, a long label, a long
    # name) and 2 that do not match (ID, question) per answered query
    assert c.get("Malformed", 0) >= 5 and c.get("Mismatched", 0) >= 2, err
    for reason in ("compression pointer not backwards", "bad name", "unknown label type"):
        assert reason in err, err


def test_silent_server_gives_eai_again_after_retries(netns, ustack_bin):
    p = forge(netns, "swallow")
    rc, out, err = resolve(netns, "quiet.example.test", "--stats")
    assert rc == 2, out + err
    assert err.strip().splitlines()[-1] == ("ustack: resolve: quiet.example.test: "
                                            "Temporary failure in name resolution")
    c = counters(err)
    assert c.get("Queries") == 3 and c.get("Timeouts") == 3, err
    stop_process(p)
    seen = re.findall(r"query id (\d+) port (\d+)", p.stdout.read())
    assert len(seen) == 3, seen
    # RFC 5452: a new ID and a new source port for every attempt
    assert len({i for i, _ in seen}) > 1 and len({port for _, port in seen}) > 1, seen


def test_get_by_name_from_linux_http_server(netns, tmp_path, ustack_bin):
    dnsmasq(netns, tmp_path, f"--host-record=web.example.test,{LINUX}")
    root = tmp_path / "www"
    root.mkdir()
    (root / "file.bin").write_bytes(os.urandom(300 * 1000))
    srv = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-m", "http.server", "8000", "--bind",
                                      LINUX, "--directory", str(root)]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    netns.procs_raw.append(srv)
    wait_until(lambda: listening(netns, "t", 8000), 60, "http.server listening")
    out = tmp_path / "got.bin"
    rc, so, se = netns.run([USTACK, "get", "http://web.example.test:8000/file.bin", "-o",
                            str(out), *LINK], timeout=180)
    assert rc == 0, so + se
    assert filecmp.cmp(out, root / "file.bin", shallow=False)
    stop_process(srv)
    assert '"GET /file.bin HTTP/1.1" 200' in srv.stderr.read()
