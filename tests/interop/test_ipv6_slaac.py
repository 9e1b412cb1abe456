"""Router discovery and SLAAC against Linux (issue #13): radvd on the Linux
side of the TAP, in the test's namespace, advertises 2001:db8:1::/64
(on-link, autonomous); ustack forms its RFC 7217 address from it, DAD
passes, and Linux `ping -6` reaches that address. The capture is read back
by tshark: no malformed frames."""
import re
import subprocess

from conftest import assert_pcap_clean, require_tool, wait_until

US4, LINUX4 = "203.0.113.2", "203.0.113.1"
PREFIX, LINUX6 = "2001:db8:1::", "2001:db8:1::1"

RADVD_CONF = """interface tap0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 4;
    AdvDefaultLifetime 600;
    prefix 2001:db8:1::/64 {
        AdvOnLink on;
        AdvAutonomous on;
    };
};
"""


def radvd(netns, tmp_path):
    """radvd in the foreground (stopped by PID with SIGTERM at cleanup).
    A router: forwarding on in this namespace only."""
    require_tool("radvd")
    netns.run(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"], check=True)
    conf = tmp_path / "radvd.conf"
    conf.write_text(RADVD_CONF)
    conf.chmod(0o644)
    log = open(netns.artifact("radvd.log"), "wb")
    p = subprocess.Popen(netns.cmd(["radvd", "-n", "-C", str(conf), "-p",
                                    str(tmp_path / "radvd.pid"), "-m", "stderr"]),
                         stdout=log, stderr=subprocess.STDOUT)
    netns.procs_term.append(p)
    return p


def test_radvd_prefix_gives_slaac_address_linux_pings_it(netns, tmp_path):
    require_tool("ping")
    u = netns.serve("tap0", f"{US4}/24", host_addr=f"{LINUX4}/24", extra=["--trace", "arp"])
    netns.run(["ip", "-6", "addr", "add", f"{LINUX6}/64", "dev", "tap0", "nodad"], check=True)
    r = radvd(netns, tmp_path)
    found = {}

    def slaac_unique():
        assert r.poll() is None, f"radvd exited with {r.returncode}"
        m = re.search(r"dad (2001:db8:1:0?:[0-9a-f:]+): unique", u.stderr_text())
        if m:
            found["addr"] = m.group(1)
        return m is not None
    wait_until(slaac_unique, 60, "ustack's SLAAC address from radvd's prefix past DAD")
    addr = found["addr"]
    assert addr != LINUX6
    assert "slaac " + addr + ": tentative" in u.stderr_text()
    rc, out, err = netns.run(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "30", addr])
    assert rc == 0, out + err
    assert "3 packets transmitted, 3 received, 0% packet loss" in out
    assert u.stop() == 0, f"ustack exited with {u.returncode}:\n{u.stderr_text()}"
    assert_pcap_clean(u.pcap)
    counters = u.stdout
    assert re.search(r"^ra:\n(?:    .*\n)*?    Accepted\s+[1-9]\d*$", counters, re.M), counters
    assert re.search(r"^addrconf:\n(?:    .*\n)*?    AddrsCreated\s+1$", counters, re.M), counters
