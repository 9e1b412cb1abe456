"""`ustack run`: the shim's sendfile, legacy name calls, descriptor
duplicates, SO_REUSEPORT and signal interruption, each against a Linux
peer in the test's namespace: sendfile of a 5 MB file byte-exact (offset
given and the file position), gethostbyname(_r)/gethostbyname2/getnameinfo
through the stack's resolver (a --hosts name, a name only dnsmasq knows,
unknown names with the right h_errno), a socket kept alive by its
duplicates and closed by the last, and a blocking recv interrupted by
SIGALRM without SA_RESTART but not with it, and `ustack netstat` listing
the sockets of programs under `ustack run` with their PID and name."""
import json
import os
import subprocess

from conftest import BUILD, USTACK as USTACK_CLI, dnsmasq_dns, require_tool
from test_run import LINUX, US, linux_side, linux_socat_sink, run_argv, sha

LINK = ["--tap", "tap0", "--addr", f"{US}/24"]
PROBE = os.path.join(BUILD, "tests", "progs", "shim_probe")

SENDFILE = r"""
import os, socket, sys
path, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
size = os.path.getsize(path)
half = size // 2 + 12345
out = []
a, b = socket.socketpair()            # a kernel socket: libc's sendfile
with open(path, "rb") as f:
    fd = f.fileno()
    out.append("unix=%d" % (os.sendfile(a.fileno(), fd, 10, 100) == 100 and
                            b.recv(200) == open(path, "rb").read()[10:110]))
    s = socket.create_connection((host, port))
    off = 0
    while off < half:                 # offset given: pread, the position stays
        off += os.sendfile(s.fileno(), fd, off, half - off)
    out.append("pos_after_offsets=%d" % os.lseek(fd, 0, os.SEEK_CUR))
    os.lseek(fd, half, os.SEEK_SET)
    while os.sendfile(s.fileno(), fd, None, 1 << 20) > 0:   # offset NULL: the position
        pass
    out.append("pos_end=%d" % (os.lseek(fd, 0, os.SEEK_CUR) == size))
    s.close()
print(" ".join(out))
"""


def test_sendfile_file_to_linux_byte_exact(netns, tmp_path, ustack_bin):
    """os.sendfile with offsets (the position untouched) and with None (the
    position used and advanced) sends a 5 MB file to Linux's socat byte for
    byte; to a kernel socket sendfile is libc's."""
    require_tool("socat")
    body = os.urandom(5 * 1024 * 1024)
    src = tmp_path / "five.bin"
    src.write_bytes(body)
    linux_side(netns)
    got = tmp_path / "sendfile.out"
    rx = linux_socat_sink(netns, 9010, got)
    rc, out, err = netns.run(run_argv("/usr/bin/python3", "-c", SENDFILE, str(src), LINUX,
                                      "9010", link=LINK))
    assert rc == 0, err
    assert out == "unix=1 pos_after_offsets=0 pos_end=1\n", (out, err)
    rx.wait(timeout=60)
    assert sha(got.read_bytes()) == sha(body)


def test_legacy_name_calls_use_the_stacks_resolver(netns, tmp_path, ustack_bin):
    """gethostbyname, gethostbyname2 and gethostbyname_r answer from --hosts
    (a file libc never reads) and from dnsmasq over ustack's UDP; unknown
    names give HOST_NOT_FOUND; a small buffer ERANGE. getnameinfo names an
    address from the hosts file and a port from the services database,
    honours NI_NUMERICHOST/NI_NUMERICSERV/NI_NOFQDN/NI_NAMEREQD."""
    require_tool("dnsmasq")
    linux_side(netns)
    hosts = tmp_path / "hosts"
    hosts.write_text(f"{LINUX} web.hosts.test web\n")
    dnsmasq_dns(netns, tmp_path, LINUX, "--address=/web.dns.test/203.0.113.9")
    link = LINK + ["--hosts", str(hosts), "--dns", LINUX]
    rc, out, err = netns.run(run_argv(PROBE, "names", "web.hosts.test", "nowhere.test", LINUX,
                                      "203.0.113.77", link=link))
    assert rc == 0, err
    assert out == (f"byname=web.hosts.test,{LINUX} unknown=HOST_NOT_FOUND "
                   f"byname2=web.hosts.test,{LINUX} inet6=NO_DATA r_small=ERANGE "
                   f"r=web.hosts.test,{LINUX} r_unknown=HOST_NOT_FOUND "
                   "gni=web.hosts.test:http numeric=203.0.113.1:80 nofqdn=web:ssh "
                   "noname=203.0.113.77:8080 namereqd=EAI_NONAME overflow=EAI_OVERFLOW \n"
                   ).replace("8080", _service_8080()), (out, err)
    rc, out, err = netns.run(run_argv(PROBE, "names", "web.dns.test", "other.test", LINUX,
                                      "203.0.113.77", link=link))
    assert rc == 0, err
    assert out.startswith("byname=web.dns.test,203.0.113.9 unknown=HOST_NOT_FOUND "
                          "byname2=web.dns.test,203.0.113.9 "), (out, err)


def _service_8080():
    """What the services database calls port 8080 (http-alt on Debian),
    the number when it has no name."""
    import socket
    try:
        return socket.getservbyport(8080, "tcp")
    except OSError:
        return "8080"


DUPS = r"""
import fcntl, os, socket, sys
host = sys.argv[1]
out = []
s = socket.create_connection((host, 9011))
fd = s.fileno()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
out.append("reuseport=%d" % s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT))
d = os.dup(fd)                                   # F_DUPFD_CLOEXEC in Python
d60 = os.dup2(fd, 60, inheritable=True)          # dup2: no FD_CLOEXEC
d61 = os.dup2(fd, 61, inheritable=False)         # dup3(O_CLOEXEC)
out.append("cloexec=%d%d%d" % tuple(bool(fcntl.fcntl(x, fcntl.F_GETFD) & fcntl.FD_CLOEXEC)
                                    for x in (d, d60, d61)))
os.set_blocking(d60, False)                      # O_NONBLOCK is shared, as in the kernel
out.append("shared_nb=%d" % (not os.get_blocking(d61)))
os.set_blocking(d60, True)
s.close()                                        # the socket lives on in d, 60, 61
os.write(60, b"one")
os.close(60)
os.write(61, b"two")
os.close(61)
other = socket.create_connection((host, 9011))
os.dup2(d, other.fileno())                       # closes the second connection first
os.write(other.fileno(), b"three")
other.close()
os.write(d, b"four")
out.append("echo=%s" % os.read(d, 100).decode())
os.close(d)                                      # the last name: the connection ends
print(" ".join(out))
"""

DUP_PEER = r"""
import socket
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 9011)); ls.listen(2); ls.settimeout(120)
print("ready", flush=True)
first, _ = ls.accept(); first.settimeout(120)
second, _ = ls.accept(); second.settimeout(120)
print("second=%r" % second.recv(100), flush=True)    # b"": closed by dup2
got = b""
while not got.endswith(b"four"):
    got += first.recv(100)
first.sendall(b"hi")
while True:
    b = first.recv(100)
    if not b:
        break
    got += b
print("first=%r" % got, flush=True)
"""


def test_dup_names_keep_the_socket_until_the_last_close(netns, tmp_path, ustack_bin):
    """dup, dup2, dup3 and F_DUPFD give further names of one ustack socket
    (FD_CLOEXEC per name, O_NONBLOCK shared): closing the original and two
    duplicates keeps the connection; dup2 onto another ustack socket closes
    that one (Linux sees its EOF); the last close ends the connection.
    SO_REUSEPORT is accepted and read back."""
    linux_side(netns)
    peer = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", DUP_PEER]),
                            stdout=subprocess.PIPE, text=True)
    netns.procs_raw.append(peer)
    assert peer.stdout.readline().strip() == "ready"
    rc, out, err = netns.run(run_argv("/usr/bin/python3", "-c", DUPS, LINUX, link=LINK))
    assert rc == 0, err
    assert out == "reuseport=1 cloexec=101 shared_nb=1 echo=hi\n", (out, err)
    assert peer.stdout.readline().strip() == "second=b''"
    assert peer.stdout.readline().strip() == "first=b'onetwothreefour'"
    assert peer.wait(timeout=60) == 0


EINTR_PEER = r"""
import socket
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 9012)); ls.listen(2); ls.settimeout(120)
print("ready", flush=True)
for _ in range(2):
    c, _ = ls.accept(); c.settimeout(120)
    if c.recv(2) == b"go":
        c.sendall(b"data")
    c.close()
"""


def test_signal_interrupts_blocking_recv_unless_sa_restart(netns, tmp_path, ustack_bin):
    """A SIGALRM handler without SA_RESTART makes a recv blocked on a ustack
    socket fail with EINTR; with SA_RESTART the recv goes on waiting through
    several handled signals and returns the data that comes later."""
    linux_side(netns)
    peer = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", EINTR_PEER]),
                            stdout=subprocess.PIPE, text=True)
    netns.procs_raw.append(peer)
    assert peer.stdout.readline().strip() == "ready"
    rc, out, err = netns.run(run_argv(PROBE, "eintr", LINUX, "9012", "norestart", link=LINK))
    assert rc == 0, err
    assert out == "recv=EINTR handled=yes\n", (out, err)
    rc, out, err = netns.run(run_argv(PROBE, "eintr", LINUX, "9012", "restart", link=LINK))
    assert rc == 0, err
    assert out == "recv=data handled=3+\n", (out, err)
    assert peer.wait(timeout=60) == 0


HOLD = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], 9013))
print("connected %d" % s.getsockname()[1], flush=True)
sys.stdin.readline()                             # held open until the test says
s.close()
"""

HOLD_PEER = r"""
import socket
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 9013)); ls.listen(4); ls.settimeout(120)
print("ready", flush=True)
conns = [ls.accept()[0] for _ in range(2)]
for c in conns:
    c.settimeout(120)
    while c.recv(100):
        pass
"""


def test_netstat_lists_programs_with_pid_and_name(netns, tmp_path, ustack_bin):
    """Two programs under `ustack run` at once (each on its own TAP device),
    one with --ctl PATH: `ustack
    netstat` lists each one's connection with its PID and name (JSON too),
    --ctl PATH asks the one there; each control socket is gone once its
    program has exited."""
    linux_side(netns)
    peer = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", HOLD_PEER]),
                            stdout=subprocess.PIPE, text=True)
    netns.procs_raw.append(peer)
    assert peer.stdout.readline().strip() == "ready"
    for cmd in (["ip", "tuntap", "add", "tap1", "mode", "tap"],
                ["ip", "addr", "add", "198.51.100.1/24", "dev", "tap1"],
                ["ip", "link", "set", "tap1", "up"]):
        netns.run(cmd, check=True)
    own_ctl = str(tmp_path / "prog.sock")
    progs = []
    for link, host in ((LINK, LINUX), (["--tap", "tap1", "--addr", "198.51.100.2/24",
                                        "--ctl", own_ctl], "198.51.100.1")):
        p = subprocess.Popen(netns.cmd(run_argv("/usr/bin/python3", "-c", HOLD, host, link=link)),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        netns.procs_raw.append(p)
        word, port = p.stdout.readline().split()
        assert word == "connected"
        progs.append((p, int(port)))
    default_ctl = f"/run/ustack/{progs[0][0].pid}.sock"
    rc, out, err = netns.run([USTACK_CLI, "netstat"])
    assert rc == 0, err
    for p, port in progs[:1]:
        row = [l for l in out.splitlines() if f"{US}:{port} " in l]
        assert len(row) == 1, out
        assert row[0].split()[-3:] == [f"{LINUX}:9013", "ESTABLISHED", f"{p.pid}/python3"], out
    rc, out, err = netns.run([USTACK_CLI, "netstat", "--ctl", own_ctl])
    assert rc == 0, err
    p, port = progs[1]
    row = [l for l in out.splitlines() if f"198.51.100.2:{port} " in l]
    assert len(row) == 1 and row[0].endswith(f" {p.pid}/python3"), out
    rc, out, err = netns.run([USTACK_CLI, "netstat", "--json", "--ctl", own_ctl])
    doc = json.loads(out)
    assert [(i["pid"], i["program"]) for i in doc["instances"]] == [(p.pid, "python3")], out
    for p, _ in progs:
        p.stdin.write("done\n")
        p.stdin.close()
        assert p.wait(timeout=60) == 0
    assert not os.path.exists(default_ctl)
    assert not os.path.exists(own_ctl)
    assert peer.wait(timeout=60) == 0
