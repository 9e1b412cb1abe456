"""IPv6 between ustack and the Linux kernel over a TAP device (issue #13),
each test in its own network namespace, documentation addresses only
(2001:db8::/32). ustack gets a link-local address of its own (RFC 7217,
found in its trace) and 2001:db8::2/64; the Linux side 2001:db8::1/64.
Every capture ustack writes is read back by tshark (IPv6 and ICMPv6
dissected): no malformed frames, no bad checksums."""
import re

from conftest import USTACK, assert_pcap_clean, require_tool, wait_until

US4, LINUX4 = "203.0.113.2", "203.0.113.1"
US6, LINUX6 = "2001:db8::2", "2001:db8::1"


def counter(text, group, name):
    """A counter of one group of the counters serve prints on exit."""
    m = re.search(rf"^{group}:\n((?:    .*\n)*)", text, re.M)
    if not m:
        return 0
    c = re.search(rf"^\s+{name}\s+(\d+)$", m.group(1), re.M)
    return int(c.group(1)) if c else 0


def serve6(netns, extra=()):
    """ustack serve with IPv6 (its DAD narrated by --trace arp) and the Linux
    side's 2001:db8::1 (no DAD there: the test need not wait for it)."""
    u = netns.serve("tap0", f"{US4}/24", host_addr=f"{LINUX4}/24",
                    extra=["--addr", f"{US6}/64", "--trace", "arp"] + list(extra))
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    return u


def ustack_link_local(netns, u):
    """ustack's link-local address once its DAD said it is unique."""
    found = {}

    def unique():
        m = re.search(r"dad (fe80::[0-9a-f:]+): unique", u.stderr_text())
        if m:
            found["ll"] = m.group(1)
        return m is not None and re.search(rf"dad {US6}: unique", u.stderr_text())
    wait_until(unique, 30, "ustack's IPv6 addresses past DAD")
    return found["ll"]


def stop_and_check(u):
    assert u.stop() == 0, f"ustack exited with {u.returncode}:\n{u.stderr_text()}"
    assert_pcap_clean(u.pcap)
    return u.stdout


def test_linux_ping6_to_link_local_and_global(netns):
    require_tool("ping")
    ctl = netns.artifact("ctl.sock")
    u = serve6(netns, extra=["--ctl", ctl])
    ll = ustack_link_local(netns, u)
    rc, out, err = netns.run(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "30", f"{ll}%tap0"])
    assert rc == 0, out + err
    assert "3 packets transmitted, 3 received, 0% packet loss" in out
    rc, out, err = netns.run(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "30", US6])
    assert rc == 0, out + err
    assert "3 packets transmitted, 3 received, 0% packet loss" in out
    # The IPv6 counters are in `ustack netstat --stats` while it runs.
    rc, out, err = netns.run([USTACK, "netstat", "--stats", "--ctl", ctl])
    assert rc == 0, out + err
    assert re.search(r"^  icmp6:\n(?:      .*\n)*?      Icmp6InEchos\s+6$", out, re.M), out
    assert re.search(r"^  nd6:$", out, re.M) and re.search(r"^  ip6:$", out, re.M), out
    counters = stop_and_check(u)
    assert counter(counters, "icmp6", "Icmp6InEchos") == 6
    assert counter(counters, "icmp6", "Icmp6OutEchoReplies") == 6
    # Linux resolved us with NS (answered), and we resolved Linux.
    assert counter(counters, "icmp6", "Icmp6OutNeighborAdvertisements") >= 1
    assert counter(counters, "nd6", "DadSucceeded") == 2
    assert counter(counters, "nd6", "DadDuplicates") == 0


def test_linux_ping6_fragmented_both_ways(netns):
    """4000 bytes: Linux fragments its requests, ustack reassembles them and
    fragments its replies (RFC 8200 5), which Linux reassembles."""
    require_tool("ping")
    u = serve6(netns)
    ustack_link_local(netns, u)
    rc, out, err = netns.run(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "30", "-s", "4000",
                              US6])
    assert rc == 0, out + err
    assert "3 packets transmitted, 3 received, 0% packet loss" in out
    assert re.search(rf"^4008 bytes from {US6}: icmp_seq=1 ttl=64", out, re.M), out
    counters = stop_and_check(u)
    assert counter(counters, "ip6", "Ip6ReasmOKs") == 3
    assert counter(counters, "ip6", "Ip6FragOKs") == 3
    assert counter(counters, "ip6", "Ip6FragCreates") == 9  # 4008 bytes over 1500: 3 each


def test_ustack_ping6_to_linux(netns):
    """ustack ping over IPv6, to Linux's global address and, with the
    %dev scope, to its link-local one; 4000 bytes fragmented as well."""
    require_tool("ip")
    pcap = netns.artifact("ping6.pcap")
    # The TAP exists only while ustack runs: Linux's address is added by a
    # first ustack run's --host-addr (brings the link up), then kept.
    rc, out, err = netns.run([USTACK, "ping", "-c", "1", "-W", "5", "--tap", "tap0",
                              "--addr", f"{US4}/24", "--host-addr", f"{LINUX4}/24", LINUX4])
    assert rc == 0, out + err
    netns.run(["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"], check=False)
    netns.run(["ip", "link", "set", "tap0", "up"], check=True)
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    rc, out, err = netns.run([USTACK, "ping", "-c", "3", "-i", "0.2", "-W", "30",
                              "--tap", "tap0", "--addr", f"{US4}/24", "--addr", f"{US6}/64",
                              "--pcap", pcap, LINUX6])
    assert rc == 0, out + err
    lines = out.splitlines()
    assert lines[0] == f"PING {LINUX6} ({LINUX6}) 56 data bytes"
    for seq in (1, 2, 3):
        assert re.search(rf"^64 bytes from {LINUX6}: icmp_seq={seq} ttl=64 time=", out, re.M), out
    assert re.search(r"^3 packets transmitted, 3 received, 0% packet loss", out, re.M), out
    assert_pcap_clean(pcap)
    rc, out, err = netns.run([USTACK, "ping", "-c", "2", "-i", "0.2", "-W", "30", "-s", "4000",
                              "--tap", "tap0", "--addr", f"{US4}/24", "--addr", f"{US6}/64",
                              LINUX6])
    assert rc == 0, out + err
    assert re.search(rf"^4008 bytes from {LINUX6}: icmp_seq=1 ", out, re.M), out
    _, addrs, _ = netns.run(["ip", "-6", "addr", "show", "dev", "tap0", "scope", "link"],
                            check=True)
    linux_ll = re.search(r"inet6 (fe80::[0-9a-f:]+)/64", addrs).group(1)
    rc, out, err = netns.run([USTACK, "ping", "-c", "2", "-i", "0.2", "-W", "30",
                              "--tap", "tap0", "--addr", f"{US4}/24", f"{linux_ll}%tap0"])
    assert rc == 0, out + err
    assert re.search(rf"^64 bytes from {linux_ll}: icmp_seq=1 ", out, re.M), out


def test_no_ipv6_sends_no_ipv6(netns):
    """--no-ipv6: no link-local address, no ND; Linux's ping gets nothing."""
    require_tool("ping")
    u = netns.serve("tap0", f"{US4}/24", host_addr=f"{LINUX4}/24", extra=["--no-ipv6"])
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    rc, out, err = netns.run(["ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", US6])
    assert rc != 0, out + err
    counters = stop_and_check(u)
    assert counter(counters, "icmp6", "Icmp6OutMsgs") == 0
    assert counter(counters, "nd6", "DadStarted") == 0
