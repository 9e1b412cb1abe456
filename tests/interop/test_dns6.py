"""The stub resolver over IPv6 against dnsmasq, each test in its own
namespace: dnsmasq listens only on the Linux side's IPv6 address and holds
a name with only an AAAA record; ustack (--dns 2001:db8::1) asks it over
UDP on AF_INET6, prints the AAAA result (RFC 3596), and `ustack get` by
that name connects over IPv6 and downloads byte-exact. Against
dns_forge.py's "pair" server (no answer until both types were asked),
`ustack resolve` sends its AAAA and A queries before either answer."""
import filecmp
import os
import re
import subprocess

from conftest import USTACK, dnsmasq_dns, stop_process, wait_until

FORGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dns_forge.py")

US4, LINUX4 = "203.0.113.2", "203.0.113.1"
US6, LINUX6 = "2001:db8::2", "2001:db8::1"
LINK = ["--tap", "tap0", "--addr", f"{US4}/24", "--addr", f"{US6}/64", "--dns", LINUX6,
        "--hosts", ""]


def linux_side(netns):
    """tap0 with both of Linux's addresses (IPv6 without DAD, so that
    dnsmasq can bind it at once) before ustack opens the same device."""
    netns.linux_tap(f"{LINUX4}/24", f"{LINUX6}/64")


def dnsmasq6(netns, tmp_path, *records):
    linux_side(netns)
    return dnsmasq_dns(netns, tmp_path, LINUX6, *records)


def counters(stderr, group="dns"):
    m = re.search(rf"^{group}:\n((?:    .*\n?)*)", stderr, re.M)
    return {k: int(v) for k, v in re.findall(r"^\s+(\w+)\s+(\d+)$", m.group(1) if m else "",
                                             re.M)}


def test_resolve_aaaa_over_ipv6(netns, tmp_path, ustack_bin):
    dnsmasq6(netns, tmp_path, f"--host-record=web6.example.test,{LINUX6}")
    rc, out, err = netns.run([USTACK, "resolve", "web6.example.test", *LINK, "--stats"],
                             timeout=120)
    assert rc == 0, out + err
    assert out == (f"{LINUX6:<15} STREAM web6.example.test\n"
                   f"{LINUX6:<15} DGRAM  \n"), out
    c = counters(err)
    # AAAA answered; the A question has no data (NOERROR, nothing): 2 answers
    assert c.get("Answers") == 2, err
    rc, out, err = netns.run([USTACK, "resolve", "web6.example.test", "-6", *LINK], timeout=120)
    assert rc == 0 and out.startswith(f"{LINUX6:<15} STREAM"), out + err
    rc, out, err = netns.run([USTACK, "resolve", "web6.example.test", "-4", *LINK], timeout=120)
    assert rc == 2, out + err
    assert err.strip().splitlines()[-1] == \
        "ustack: resolve: web6.example.test: Name or service not known"


def test_dual_name_puts_ipv6_first(netns, tmp_path, ustack_bin):
    """RFC 6724 6: with a global IPv6 source on the link, the AAAA comes
    before the A (rule 6, precedence 40 over 35)."""
    dnsmasq6(netns, tmp_path, f"--host-record=both.example.test,{LINUX4},{LINUX6}")
    rc, out, err = netns.run([USTACK, "resolve", "both.example.test", *LINK], timeout=120)
    assert rc == 0, out + err
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines] == [LINUX6, LINUX6, LINUX4, LINUX4], out


def test_get_by_aaaa_only_name(netns, tmp_path, ustack_bin):
    dnsmasq6(netns, tmp_path, f"--host-record=web6.example.test,{LINUX6}")
    root = tmp_path / "www"
    root.mkdir()
    (root / "file.bin").write_bytes(os.urandom(200 * 1000))
    srv = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-m", "http.server", "8000", "--bind",
                                      LINUX6, "--directory", str(root)]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    netns.procs_raw.append(srv)

    def listening():
        rc, o, _ = netns.run(["ss", "-Hlnt", "sport = :8000"])
        return rc == 0 and o.strip() != ""
    wait_until(listening, 60, "http.server listening")
    out = tmp_path / "got.bin"
    rc, so, se = netns.run([USTACK, "get", "http://web6.example.test:8000/file.bin", "-o",
                            str(out), *LINK], timeout=180)
    assert rc == 0, so + se
    assert filecmp.cmp(out, root / "file.bin", shallow=False)
    stop_process(srv)
    log = srv.stderr.read()
    assert '"GET /file.bin HTTP/1.1" 200' in log and log.startswith(LINUX6.split(":")[0]), log


def test_dns_option_rejects_garbage(netns, ustack_bin):
    rc, out, err = netns.run([USTACK, "resolve", "x.test", "--tap", "tap0", "--addr",
                              f"{US4}/24", "--dns", "2001:db8::zz"], timeout=60)
    assert rc == 2 and out == "", out + err
    assert err.strip() == ("ustack: --dns: '2001:db8::zz' is not an IPv4 or IPv6 address "
                           "(e.g. 198.51.100.53 or 2001:db8::53)"), err


def test_aaaa_and_a_asked_in_parallel(netns, ustack_bin):
    """The server answers nothing until it holds an A and an AAAA query: a
    resolver asking one type after the other's answer would get none."""
    linux_side(netns)
    forge = subprocess.Popen(netns.cmd(["/usr/bin/python3", FORGE, "pair", LINUX6]),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    netns.procs_raw.append(forge)
    assert forge.stdout.readline().strip() == "ready", forge.stderr.read()
    rc, out, err = netns.run([USTACK, "resolve", "pair.example.test", *LINK, "--stats"],
                             timeout=120)
    assert rc == 0, out + err
    assert [ln.split()[0] for ln in out.splitlines()] == \
        ["2001:db8::9", "2001:db8::9", "198.51.100.9", "198.51.100.9"], out
    c = counters(err)
    assert c.get("ParallelQueries") == 1 and c.get("Answers") == 2, err
    stop_process(forge)
    log = forge.stdout.read().split("\n")
    first_answer = next(i for i, ln in enumerate(log) if ln.startswith("answer"))
    assert {ln for ln in log[:first_answer]} == {"query A", "query AAAA"}, log
