"""`ustack netstat` through the built binary: -i and --json against a known
connection (a Linux client's transfer through ustack's echo service), and
the control-socket directory as users meet it: a user who may not connect
gets "permission denied" and exit 1, the socket of an instance killed with
SIGKILL is removed (ours) or skipped (someone else's) while the live
instances are still listed, and a new instance starts over a stale socket
with its own name.

The tests that scan /run/ustack run in a mount namespace of their own with
an empty tmpfs on /run/ustack, so they see only their own instances."""
import json
import os
import re
import socket
import subprocess
import threading

import pytest

from conftest import USTACK, stop_process, wait_until

US, LINUX = "203.0.113.2", "203.0.113.1"
US2, LINUX2 = "198.51.100.2", "198.51.100.1"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
NBYTES = 300_000

# Connects to ustack's echo port, sends NBYTES, reads them back, prints its
# port and holds the connection until told to close.
ECHO_CLIENT = f"""
import socket, sys, threading
s = socket.create_connection(("{US}", 7), timeout=120)
data = bytes(i % 251 for i in range({NBYTES}))
threading.Thread(target=s.sendall, args=(data,), daemon=True).start()
got = bytearray()
while len(got) < len(data):
    d = s.recv(65536)
    if not d:
        break
    got += d
print(s.getsockname()[1], "same" if got == data else "different", flush=True)
sys.stdin.readline()
s.close()
"""


def serve(netns, tap="tap0", us=US, linux=LINUX, extra=()):
    return netns.serve(tap, f"{us}/24", host_addr=f"{linux}/24", extra=list(extra))


def netstat(netns, *args, user=(), rc=0):
    code, out, err = netns.run(list(user) + [USTACK, "netstat", *args], timeout=60)
    assert code == rc, f"netstat {' '.join(args)}: exit {code}, not {rc}\n{out}\n{err}"
    return out, err


def netstat_json(netns, *args):
    out, _ = netstat(netns, "--json", *args)
    return json.loads(out)


def conn_of(doc, lport, rport):
    [inst] = doc["instances"]
    found = [s for s in inst["sockets"] if s["local_port"] == lport and s["remote_port"] == rport]
    return found[0] if found else None


@pytest.fixture
def private_run(netns):
    """Routes netns's commands through a mount namespace whose /run/ustack
    is an empty tmpfs of this test's own."""
    os.makedirs("/run/ustack", mode=0o755, exist_ok=True)  # the mount point
    holder = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         "mount -t tmpfs -o mode=0755 ustack-test /run/ustack && echo mounted "
         "&& exec sleep 100000"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "mounted"
        base = netns.cmd
        netns.cmd = lambda argv: (["nsenter", f"--mount=/proc/{holder.pid}/ns/mnt", "--"]
                                  + base(argv))
        yield netns
        netns.cleanup()  # the instances live in this mount namespace
        netns.cmd = base
    finally:
        stop_process(holder)


def test_json_and_info_show_a_known_transfer(netns, tmp_path):
    ctl = str(tmp_path / "ctl.sock")
    u = serve(netns, extra=["--tcp-echo", "7", "--congestion", "cubic", "--ctl", ctl])
    c = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", ECHO_CLIENT]),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    netns.procs_raw.append(c)
    port, same = c.stdout.readline().split()
    assert same == "same"
    port = int(port)
    # The client has every byte back; ustack has its ACK for them soon.
    wait_until(lambda: conn_of(netstat_json(netns, "-i", "--ctl", ctl), 7, port)["tcp_info"]
               ["bytes_acked"] == NBYTES, 60, "ustack seeing its echo acknowledged")
    doc = netstat_json(netns, "-i", "--ctl", ctl)
    assert doc["version"] == 1
    [inst] = doc["instances"]
    assert inst["pid"] == u.proc.pid and inst["ctl"] == ctl
    conn = conn_of(doc, 7, port)
    assert conn["proto"] == "tcp" and conn["state"] == "ESTABLISHED"
    # serve is dual-stack: the IPv4 connection is on a [::] socket, mapped
    assert conn["local_address"] == f"::ffff:{US}" and conn["remote_address"] == f"::ffff:{LINUX}"
    assert conn["recv_q"] == 0 and conn["send_q"] == 0
    info = conn["tcp_info"]
    assert info["bytes_received"] == NBYTES and info["bytes_acked"] == NBYTES
    # every byte went at least once, resent ones are counted on top
    assert NBYTES <= info["bytes_sent"] <= NBYTES + info["bytes_retrans"]
    assert info["cc_algo"] == "cubic" and info["unacked"] == 0
    assert info["snd_mss"] > 0 and info["rtt_samples"] > 0 and info["rto_us"] > 0
    assert isinstance(info["cc_state"], str)
    # The echo had data queued or in flight for a while, and it is all
    # acknowledged now: the busy time is over and stays what it was.
    assert info["busy_us"] > 0
    assert info["rwnd_limited_us"] + info["sndbuf_limited_us"] <= info["busy_us"]
    again = conn_of(netstat_json(netns, "-i", "--ctl", ctl), 7, port)["tcp_info"]
    assert again["busy_us"] == info["busy_us"]
    listener = [s for s in inst["sockets"] if s["local_port"] == 7 and s["state"] == "LISTEN"]
    assert len(listener) == 1 and "tcp_info" not in listener[0]
    # Without -i: the same table, no TCP_INFO.
    plain = conn_of(netstat_json(netns, "--ctl", ctl), 7, port)
    assert plain["state"] == "ESTABLISHED" and "tcp_info" not in plain
    # The text of -i: the connection's row, then its ss-style line.
    text, _ = netstat(netns, "-i", "--ctl", ctl)
    lines = text.splitlines()
    row = [i for i, l in enumerate(lines)
           if f"[::ffff:{US}]:7 " in l and f"[::ffff:{LINUX}]:{port} " in l]
    assert len(row) == 1, text
    detail = lines[row[0] + 1]
    assert detail.startswith("\t cubic "), text
    assert f" bytes_received:{NBYTES} " in detail and f" bytes_acked:{NBYTES} " in detail
    assert f" busy:{info['busy_us'] // 1000}ms" in detail, detail
    c.stdin.write("close\n")
    c.stdin.flush()
    assert c.wait(timeout=60) == 0
    # --stats --json: every counter (zero ones too), the text's names.
    stats = netstat_json(netns, "--stats", "--ctl", ctl)["instances"][0]["counters"]
    assert stats["tcp"]["PassiveOpens"] == 1 and stats["tcp"]["ActiveOpens"] == 0
    text, _ = netstat(netns, "--stats", "--all", "--ctl", ctl)
    names = {}
    layer = None
    for l in text.splitlines()[1:]:
        if re.match(r"^  \S+:$", l):
            layer = l.strip()[:-1]
        else:
            names.setdefault(layer, set()).add(l.split()[0])
    assert {k: set(v) for k, v in stats.items()} == names
    assert u.stop() == 0, u.stderr_text()


def test_no_instance(private_run):
    netns = private_run
    out, err = netstat(netns)
    assert out.split() == ["Proto", "Recv-Q", "Send-Q", "Local", "Address", "Foreign",
                           "Address", "State", "PID/Program", "name"]
    assert "no running ustack instance" in err
    assert netstat_json(netns) == {"version": 1, "instances": []}


def test_permission_denied_is_said_and_fails(private_run):
    netns = private_run
    u = serve(netns, extra=["--tcp-echo", "7"])
    path = f"/run/ustack/{u.proc.pid}.sock"
    assert f"control socket {path}" in u.banner
    for args in ((), ("--json",), ("--ctl", path)):
        out, err = netstat(netns, *args, user=NOBODY, rc=1)
        assert err == f"ustack: netstat: permission denied: {path}\n", err
        if "--json" in args:
            assert json.loads(out)["instances"] == []
        else:
            assert out == ""
    # root may: the same instance answers
    out, _ = netstat(netns)
    assert re.search(rf"\[::\]:7 .* LISTEN\s+{u.proc.pid}/ustack$", out, re.M), out
    assert u.stop() == 0, u.stderr_text()


def plant_stale(netns, path, uid):
    """A socket file nobody listens on, owned by uid (as a killed instance
    of that user would leave)."""
    netns.run(["/usr/bin/python3", "-c",
               "import os, socket, sys\n"
               "s = socket.socket(socket.AF_UNIX)\n"
               "s.bind(sys.argv[1])\n"
               "s.close()\n"
               "os.chown(sys.argv[1], int(sys.argv[2]), -1)\n", path, str(uid)], check=True)


def exists(netns, path):
    return netns.run(["test", "-S", path])[0] == 0


def test_killed_instance_socket_is_cleaned_and_live_ones_listed(private_run):
    netns = private_run
    live = serve(netns, extra=["--tcp-echo", "7"])
    dead = serve(netns, "tap1", US2, LINUX2, extra=["--discard", "9"])
    dead_path = f"/run/ustack/{dead.proc.pid}.sock"
    assert exists(netns, dead_path)
    dead.proc.kill()  # SIGKILL: no chance to remove its control socket
    dead.proc.wait(timeout=60)
    dead.returncode = dead.proc.returncode
    assert exists(netns, dead_path)
    theirs = "/run/ustack/999999.sock"
    plant_stale(netns, theirs, 65534)
    out, err = netstat(netns)
    assert re.search(rf"\[::\]:7 .* LISTEN\s+{live.proc.pid}/ustack$", out, re.M), out
    assert ":9 " not in out, out
    assert (f"ustack: netstat: removed stale control socket {dead_path} (no instance listens "
            f"on it)") in err, err
    assert (f"ustack: netstat: skipped stale control socket {theirs} (no instance listens "
            f"on it; owned by uid 65534)") in err, err
    assert not exists(netns, dead_path) and exists(netns, theirs)
    doc = netstat_json(netns)
    assert [i["pid"] for i in doc["instances"]] == [live.proc.pid]
    # A new instance whose control socket has the stale one's name starts.
    again = serve(netns, "tap1", US2, LINUX2, extra=["--discard", "9", "--ctl", theirs])
    assert f"control socket {theirs}" in again.banner
    doc = netstat_json(netns, "--ctl", theirs)
    assert [i["pid"] for i in doc["instances"]] == [again.proc.pid]
    assert {s["local_port"] for s in doc["instances"][0]["sockets"]} == {9}
    assert again.stop() == 0, again.stderr_text()
    assert not exists(netns, theirs)
    assert live.stop() == 0, live.stderr_text()


class FakeInstance:
    """A control socket answering every connection with `text`: an
    instance of another version, or one whose snapshot is cut short."""

    def __init__(self, path, text):
        self.path, self.text = str(path), text.encode()
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(self.path)
        self.sock.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                c.sendall(self.text)

    def close(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=60)


SOCK_LINE = "sock tcp 4 3405803778 7 3405803777 40000 ESTABLISHED 0 0\n"


def run_netstat(*args):
    p = subprocess.run([USTACK, "netstat", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def test_older_and_newer_instances_are_read(tmp_path):
    """An instance from before TCP_INFO (no tcpinfo lines) and one from a
    later version (a line kind and a key this netstat does not know)."""
    old = FakeInstance(tmp_path / "old.sock", "ustack-ctl 1\npid 11\n" + SOCK_LINE
                       + "stat tcp InSegs 5\nend\n")
    new = FakeInstance(tmp_path / "new.sock", "ustack-ctl 1\npid 12\n" + SOCK_LINE
                       + "tcpinfo rtt_us=1500 bytes_received=42 cc_algo=cubic new_key=7 "
                       "new_name=x\nfuture line of a later version\nstat tcp InSegs 6\nend\n")
    try:
        rc, out, err = run_netstat("-i", "--json", "--ctl", old.path)
        assert rc == 0 and err == "", err
        [sock] = json.loads(out)["instances"][0]["sockets"]
        assert sock["state"] == "ESTABLISHED" and "tcp_info" not in sock
        rc, out, err = run_netstat("-i", "--ctl", old.path)
        assert rc == 0 and len(out.splitlines()) == 2, out  # header, row, no info line
        rc, out, err = run_netstat("-i", "--json", "--ctl", new.path)
        assert rc == 0 and err == "", err
        [sock] = json.loads(out)["instances"][0]["sockets"]
        assert sock["tcp_info"] == {"rtt_us": 1500, "bytes_received": 42, "cc_algo": "cubic",
                                    "new_key": 7, "new_name": "x"}
        rc, out, err = run_netstat("-i", "--ctl", new.path)
        assert rc == 0 and "\t cubic " in out and " bytes_received:42 " in out, out
        rc, out, err = run_netstat("--stats", "--json", "--ctl", new.path)
        assert json.loads(out)["instances"][0]["counters"] == {"tcp": {"InSegs": 6}}
    finally:
        old.close()
        new.close()


def test_cut_short_snapshot_is_said(tmp_path):
    """A snapshot without its "end" (over the size limit, or an instance
    that stopped answering): what came whole is shown, the cut said."""
    fake = FakeInstance(tmp_path / "cut.sock", "ustack-ctl 1\npid 13\n" + SOCK_LINE
                        + "stat tcp InSegs 5\nstat tcp OutSegs 12")
    try:
        rc, out, err = run_netstat("--stats", "--json", "--ctl", fake.path)
        assert rc == 0, err
        assert json.loads(out)["instances"][0]["counters"] == {"tcp": {"InSegs": 5}}
        assert err == (f"ustack: netstat: {fake.path}: the snapshot was cut short (over 16 MiB, "
                       "or the instance stopped answering); showing what came\n"), err
    finally:
        fake.close()


def test_json_escapes_what_it_prints(tmp_path):
    """A --ctl path with a quote, a backslash and non-ASCII bytes: the
    document still parses, and gives the path's bytes back (as \\u00XX)."""
    path = tmp_path / 'q"b\\\u00e9.sock'
    fake = FakeInstance(path, "ustack-ctl 1\npid 14\n" + SOCK_LINE + "end\n")
    try:
        rc, out, err = run_netstat("--json", "--ctl", str(path))
        assert rc == 0, err
        ctl = json.loads(out)["instances"][0]["ctl"]
        assert ctl.encode("latin-1") == os.fsencode(path)
    finally:
        fake.close()


def test_ctl_path_is_never_put_over_a_file(netns, tmp_path):
    """--ctl naming a regular file is refused and the file left as it was;
    a path too long for the temporary name beside it (over 103 of the 107
    characters) is bound directly, over a stale socket too."""
    kept = tmp_path / "notes"
    kept.write_text("mine\n")
    (tmp_path / "notes.new").write_text("mine too\n")
    code, out, err = netns.run([USTACK, "serve", "--tap", "tap0", "--addr", f"{US}/24",
                                "--ctl", str(kept)], timeout=60)
    assert code == 2 and f"--ctl {kept}: cannot create the control socket: File exists" in err
    assert kept.read_text() == "mine\n" and (tmp_path / "notes.new").read_text() == "mine too\n"
    long_path = str(tmp_path / ("x" * (105 - len(str(tmp_path)))))
    assert len(long_path) == 106
    plant_stale(netns, long_path, 0)
    u = serve(netns, extra=["--ctl", long_path])
    assert f"control socket {long_path}" in u.banner
    assert [i["pid"] for i in netstat_json(netns, "--ctl", long_path)["instances"]] == [u.proc.pid]
    assert u.stop() == 0, u.stderr_text()
    assert not exists(netns, long_path)
