"""`ustack serve --iperf3` against the real iperf3 client (Debian's), each
test in its own namespace: 2-second TCP tests in both directions (-R) and
with two streams (-P 2), one after the other on the same server, whose
--json reports must agree with what the server logged; -n in reverse; a UDP
or --bidir request gets iperf3's clear error and the server goes on; a
garbage control connection gets SERVER_ERROR; a client holding the server
makes the next one get "the server is busy", and is dropped by the
handshake timeout, after which tests run again."""
import json
import os
import re
import subprocess

import pytest

from conftest import USTACK, _tshark_env, assert_pcap_clean, require_tool, skip_or_fail

US = "203.0.113.2"      # ustack
LINUX = "203.0.113.1"   # the Linux side of the TAP
HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "ip3peer.py")
LINK = ["--tap", "tap0", "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24"]
DONE = re.compile(r"^iperf3: test (\d+) done: (sent|received) (\d+) bytes in [0-9.]+ s "
                  r"\([0-9.]+ Mbit/s\), (\d+) streams?(?:, (\d+) retransmitted segments)?$", re.M)


def require_iperf3_server():
    """A build without cJSON has no --iperf3 (it says so and exits 2)."""
    p = subprocess.run([USTACK, "serve", "--iperf3", "--help"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        skip_or_fail(f"ustack built without --iperf3: {p.stderr.strip()}")


def serve_iperf3(netns, port=None):
    require_tool("iperf3")
    require_iperf3_server()
    extra = ["--iperf3"] + ([str(port)] if port else [])
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24", extra=extra)
    assert f"iperf3 on {port or 5201}" in u.banner, u.banner
    return u


def iperf3(netns, *args, timeout=120):
    """Runs the real client; returns (rc, stdout + stderr)."""
    rc, out, err = netns.run(["iperf3", "-c", US, *args], timeout=timeout)
    return rc, out + err


def iperf3_json(netns, *args):
    rc, out, err = netns.run(["iperf3", "-c", US, "--json", *args], timeout=120)
    assert rc == 0, out + err
    try:
        report = json.loads(out)
    except ValueError as e:
        raise AssertionError(f"iperf3 --json printed no JSON ({e}): {out!r} {err!r}") from e
    assert "error" not in report, report["error"]
    return report["end"]


def server_log(u, last):
    """The server's 'test N done' lines, by test number, once test `last`
    is logged: the client may exit before the server has read its
    IPERF_DONE, so stopping the server at once could cut the last line."""
    u.read_until(rf"^iperf3: test {last} (done|aborted)")
    assert u.stop() == 0, u.stderr_text()
    return {int(m[0]): (m[1], int(m[2]), int(m[3]), int(m[4] or 0))
            for m in DONE.findall(u.stdout)}


def abort_rsts_allowed(u):
    """A tshark filter (for assert_pcap_clean's allow) for the RSTs ustack
    sent because data arrived for a stream its server had closed, or was
    unread when it closed one (RFC 9293 3.10.4, RFC 1122 4.2.2.13): iperf3
    closes its streams at TEST_END while the client's last segments may
    still be in flight (more so on a loaded machine), and Linux's own iperf3
    server answers them the same way (TCPAbortOnData). Only when the
    server's exit report counts at least as many aborts (AbortOnData,
    AbortOnClose) as there are RSTs from ustack in the capture; [] when
    there are none."""
    rst = f"(tcp.flags.reset == 1 && ip.src == {US})"
    p = subprocess.run(["tshark", "-r", u.pcap, "-Y", rst, "-T", "fields", "-e", "frame.number"],
                       capture_output=True, text=True, env=_tshark_env(), timeout=120)
    assert p.returncode == 0, p.stderr
    rsts = len(p.stdout.split())
    aborts = sum(int(m) for m in re.findall(r"^\s+AbortOn(?:Data|Close)\s+(\d+)$", u.stdout, re.M))
    assert rsts <= aborts, f"{rsts} RSTs from ustack, {aborts} counted aborts:\n{u.stdout}"
    return [rst] if rsts else []


def check_against_log(end, log_entry, streams, reverse):
    """The client's numbers against the server's log. The side the server
    played is reported to the client by the server itself (its results):
    the same byte count exactly. The other side counts what it wrote or
    read up to TEST_END, which the server's count cannot exceed (bytes
    in flight at TEST_END are not counted, as with iperf3's own server)."""
    direction, nbytes, nstreams, retrans = log_entry
    sent, received = end["sum_sent"]["bytes"], end["sum_received"]["bytes"]
    assert sent > 0 and received > 0, end
    assert nstreams == streams and len(end["streams"]) == streams
    if reverse:
        assert direction == "sent"
        assert sent == nbytes, (end["sum_sent"], log_entry)
        assert end["sum_sent"]["retransmits"] == retrans
        assert received <= sent
    else:
        assert direction == "received"
        assert received == nbytes, (end["sum_received"], log_entry)
        assert sent >= received


def test_iperf3_both_directions_and_parallel(netns):
    """-t 2, -t 2 -R, -t 2 -P 2 in a row on one server: each succeeds and
    reports what the server counted."""
    u = serve_iperf3(netns)
    runs = [((), 1, False), (("-R",), 1, True), (("-P", "2"), 2, False)]
    ends = [iperf3_json(netns, "-t", "2", *args) for args, _, _ in runs]
    log = server_log(u, 3)
    assert sorted(log) == [1, 2, 3], u.stdout
    for i, (end, (_, streams, reverse)) in enumerate(zip(ends, runs), 1):
        check_against_log(end, log[i], streams, reverse)
    assert end["receiver_tcp_congestion"] == "newreno"
    # In reverse mode the client closes its streams with our data still
    # arriving (it stops reading at TEST_END): Linux answers with a RST, as
    # against iperf3's own server; forward, our server may do the same to
    # the client's last segments (abort_rsts_allowed). Every other frame
    # must be clean.
    assert_pcap_clean(u.pcap, min_frames=100,
                      allow=[f"(tcp.connection.rst && ip.src == {LINUX})"] + abort_rsts_allowed(u))


def test_iperf3_bytes_reverse_and_text_output(netns):
    """-n 5M -R: ustack sends exactly 5 MiB; the client's text report has
    its sender and receiver lines; --get-server-output shows the server's
    own line."""
    u = serve_iperf3(netns, port=5202)
    rc, out, err = netns.run(["iperf3", "-c", US, "-p", "5202", "-n", "5M", "-R",
                              "--get-server-output"], timeout=120)
    assert rc == 0, out + err
    assert re.search(r"sec\s+5\.00 MBytes .* sender", out), out
    assert re.search(r" receiver$", out, re.M), out
    assert "Server output:" in out and "ustack serve --iperf3: sent 5242880 bytes" in out, out
    log = server_log(u, 1)
    assert log[1][:2] == ("sent", 5242880), u.stdout


@pytest.mark.parametrize("args,why", [
    (["-u", "-t", "1"], "UDP tests (-u) are not supported"),
    (["--bidir", "-t", "1"], "bidirectional tests (--bidir) are not supported"),
], ids=["udp", "bidir"])
def test_iperf3_unsupported_is_refused_clearly(netns, args, why):
    """UDP and --bidir get iperf3's "not implemented" error at once (no
    hang); the next TCP test works."""
    u = serve_iperf3(netns)
    rc, out = iperf3(netns, *args)
    assert rc != 0
    assert "an option you are trying to set is not implemented yet" in out, out
    end = iperf3_json(netns, "-t", "1")
    assert end["sum_received"]["bytes"] > 0
    u.read_until(r"^iperf3: test 2 (done|aborted)")
    assert u.stop() == 0
    assert f"iperf3: test 1 from {LINUX}:" in u.stdout and why in u.stdout, u.stdout
    assert "iperf3: test 2 done: received" in u.stdout, u.stdout


def test_iperf3_garbage_then_busy_then_timeout(netns):
    """An HTTP request on the iperf3 port gets SERVER_ERROR ("unable to
    receive cookie", EINVAL). A client that sends its cookie and then
    nothing holds the server: a real client meanwhile is told the server
    is busy (ACCESS_DENIED); the stalled one is dropped by the handshake
    timeout, and the next test runs."""
    u = serve_iperf3(netns)
    rc, out, err = netns.run(["/usr/bin/python3", PEER, "garbage", US, "5201"], timeout=180)
    assert rc == 0, err
    # state -2, i_errno 106 (IERECVCOOKIE), errno 22 (EINVAL)
    assert out.split()[:2] == ["reply", "fe0000006a00000016"], out
    hold = subprocess.Popen(netns.cmd(["/usr/bin/python3", PEER, "hold", US, "5201"]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    netns.procs_raw.append(hold)
    assert hold.stdout.readline().split() == ["state", "9"]  # PARAM_EXCHANGE
    rc, out = iperf3(netns, "-t", "1")
    assert rc != 0 and "the server is busy running a test" in out, out
    # no parameters: the server gives up on it (IP3_HANDSHAKE_TIMEOUT)
    closed = hold.stdout.readline().split()
    assert closed[:2] == ["closed", "eof"], closed
    assert hold.wait(timeout=60) == 0
    end = iperf3_json(netns, "-t", "1")
    assert end["sum_received"]["bytes"] > 0
    u.read_until(r"^iperf3: test 3 (done|aborted)")
    assert u.stop() == 0
    out = u.stdout
    assert "aborted: not an iperf3 client" not in out  # a refusal, not an abort
    assert re.search(r"test 1 from \S+ refused: not an iperf3 client \(bad cookie\)", out), out
    assert re.search(r"test 2 from \S+ aborted: no parameters within", out), out
    assert "iperf3: test 3 done: received" in out, out


def test_iperf3_port_in_use_and_help(ustack_bin):
    """--iperf3 is in serve --help; a port clash is one usage line."""
    require_iperf3_server()
    p = subprocess.run([ustack_bin, "serve", "--help"], stdout=subprocess.PIPE, text=True)
    assert p.returncode == 0 and "--iperf3 [PORT]" in p.stdout
    p = subprocess.run([ustack_bin, "serve", "--tap", "t0", "--addr", f"{US}/24",
                        "--discard", "5201", "--iperf3"], stderr=subprocess.PIPE, text=True)
    assert p.returncode == 2
    assert p.stderr.strip() == "ustack: --iperf3 5201: port already used by --discard"
