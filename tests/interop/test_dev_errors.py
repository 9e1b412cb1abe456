"""Device-open errors keep their cause (issue 10, item 3), through the built
binary in a namespace of the test's own: a TAP another ustack holds says
"device busy", a name that is not a TAP device ("lo", a TUN device) says so,
each in one line on stderr with a non-zero exit, instead of "input/output
error"."""
import subprocess

from conftest import USTACK  # noqa: F401 - the fixtures need the build

ADDR = ["--addr", "203.0.113.3/24"]


def one_error_line(netns, argv):
    """Runs ustack in the namespace; it must fail at once with one line."""
    rc, out, err = netns.run([USTACK] + argv, timeout=120)
    lines = err.splitlines()
    assert rc != 0, f"rc {rc}: {out}{err}"
    assert len(lines) == 1, err
    assert "input/output error" not in err
    return lines[0]


def test_second_serve_on_a_busy_tap_says_device_busy(netns):
    first = netns.serve("ust0", "203.0.113.2/24", host_addr="203.0.113.1/24", pcap=False)
    line = one_error_line(netns, ["serve", "--tap", "ust0"] + ADDR)
    assert line == ("ustack: --tap ust0: ust0: device busy (another program has the TAP "
                    "device open)"), line
    # The first one is unharmed: it still answers Linux.
    rc, out, err = netns.run(["ping", "-c", "1", "-W", "30", "203.0.113.2"], timeout=120)
    assert rc == 0, out + err
    assert first.stop() == 0, first.stderr_text()


def test_tap_lo_is_not_a_tap_device(netns):
    line = one_error_line(netns, ["serve", "--tap", "lo"] + ADDR)
    assert line == "ustack: --tap lo: lo is not a TAP device", line


def test_tun_device_is_not_a_tap_device(netns):
    netns.run(["ip", "tuntap", "add", "ustun0", "mode", "tun"], check=True)
    line = one_error_line(netns, ["ping", "--tap", "ustun0"] + ADDR + ["203.0.113.1"])
    assert line == "ustack: --tap ustun0: ustun0 is not a TAP device", line
