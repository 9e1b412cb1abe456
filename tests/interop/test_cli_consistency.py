"""One syntax for every command (no root needed): byte counts read by the
one size parser (K/M/G powers of 1024, KB/MB/GB powers of 1000) with the
same error line everywhere, --bytes 0 meaning the same for demo and send,
recv --help describing --port, netstat --all refused without --stats,
--tap and --tun exclusive, get -o checked before any device is opened."""
import re
import subprocess

import pytest

from conftest import USTACK  # noqa: F401 - the fixtures need the build

A = ["--tap", "ustbad0", "--addr", "203.0.113.2/24"]


def run(ustack_bin, args, cwd=None):
    p = subprocess.run([ustack_bin] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


SIZE_ERRORS = [
    (["send", "203.0.113.1", "80", "--bytes", "1.5M"] + A, "--bytes", "1.5M", None),
    (["send", "203.0.113.1", "80", "--bytes", "-1"] + A, "--bytes", "-1", None),
    (["demo", "--bytes", "65M"], "--bytes", "65M", "from 0 to 64M"),
    (["demo", "--bytes", "10Q"], "--bytes", "10Q", "from 0 to 64M"),
    (["ping", "203.0.113.1", "-s", "64KiB"] + A, "-s", "64KiB", "from 0 to 65507"),
    (["serve"] + A + ["--mtu", "9K"], "--mtu", "9K", "from 576 to 9000"),
    (["get", "http://203.0.113.1/"] + A + ["--mtu", "10KB"], "--mtu", "10KB", "from 576 to 9000"),
]


@pytest.mark.parametrize("args,opt,value,rng", SIZE_ERRORS,
                         ids=[" ".join(a[:1] + [o, v]) for a, o, v, _ in SIZE_ERRORS])
def test_every_size_option_gives_the_same_error(ustack_bin, args, opt, value, rng):
    rc, out, err = run(ustack_bin, args)
    assert rc == 2 and out == "", err
    line = f"ustack: {opt}: '{value}' is not a byte count " + (f"{rng} " if rng else "")
    assert err.splitlines() == [line + "(e.g. 1500, 64K, 10M, 1GiB)"], err


@pytest.mark.parametrize("size,bytes_", [("64K", 65536), ("64KiB", 65536), ("64kb", 64000),
                                         ("1M", 1048576), ("1MB", 1000000), ("0", 0)])
def test_demo_bytes_takes_every_suffix(ustack_bin, tmp_path, size, bytes_):
    rc, out, err = run(ustack_bin, ["demo", "--loss", "0", "--bytes", size, "--pcap",
                                    "demo.pcap"], cwd=tmp_path)
    assert rc == 0, err
    assert f"A writes {bytes_} bytes." in out
    assert f"B received {bytes_} of {bytes_} bytes" in out, out
    assert "every byte in order and intact" in out


def test_demo_bytes_0_is_a_connection_without_data(ustack_bin, tmp_path):
    """--bytes 0: the handshake and the close, nothing in between (send
    --bytes 0 does the same against Linux: test_cli_interrupt.py)."""
    rc, out, err = run(ustack_bin, ["demo", "--loss", "0", "--bytes", "0", "--pcap",
                                    "demo.pcap"], cwd=tmp_path)
    assert rc == 0, err
    assert re.search(r"^connected: 203\.0\.113\.10:\d+ -> 198\.51\.100\.20:5001", out, re.M), out
    assert "B received 0 of 0 bytes" in out
    assert "closed after" in out


def test_recv_help_describes_port(ustack_bin):
    rc, out, _ = run(ustack_bin, ["recv", "--help"])
    assert rc == 0
    assert re.search(r"^  --port PORT +\S", out, re.M), out


def test_netstat_all_without_stats_is_a_usage_error(ustack_bin):
    rc, out, err = run(ustack_bin, ["netstat", "--all"])
    assert rc == 2 and out == ""
    assert err.splitlines() == ["ustack: netstat: --all only goes with --stats (zero counters "
                                "too)"], err


@pytest.mark.parametrize("args,message", [
    (["serve", "--tap", "t0", "--tun", "t1", "--addr", "203.0.113.2/24"],
     "ustack: --tun t1: one device only (already --tap t0)"),
    (["ping", "203.0.113.1", "--tun", "a/b", "--addr", "203.0.113.2/24"],
     "ustack: --tun: 'a/b' is not a valid interface name (1-15 characters)"),
    (["get", "http://203.0.113.1/", "-o", "/nonexistent-dir/x"] + A,
     "ustack: -o /nonexistent-dir/x: No such file or directory"),
    (["get", "http://203.0.113.1/", "-o", "/"] + A, "ustack: -o /: Is a directory"),
])
def test_device_and_output_errors(ustack_bin, args, message):
    rc, out, err = run(ustack_bin, args)
    assert rc == 2 and out == "", err
    assert err.splitlines() == [message], err
