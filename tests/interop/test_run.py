"""`ustack run` and libustack-preload.so: unmodified Linux programs with
their AF_INET sockets in ustack, each against a Linux peer in the test's
namespace, byte-exact: curl downloading from Linux's http.server (by
address, by a hosts-file name, by a name dnsmasq answers), python's
http.server (threads, poll) serving Linux curl, nc receiving from Linux,
socat sending to Linux (the data still queued at exit is delivered), the
fork rule, a statically linked program refused, and a program that opens
no socket never starting the stack (no TAP device appears)."""
import hashlib
import os
import subprocess

from conftest import USTACK, UstackProc, dnsmasq_dns, linux_http_server, require_tool, wait_until

US = "203.0.113.2"
LINUX = "203.0.113.1"
LINK = ["--tap", "tap0", "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24"]
SIZE = 3 * 1024 * 1024


def run_argv(*prog, link=LINK):
    return [USTACK, "run", *link, "--", *prog]


def payload(tmp_path, name="file.bin"):
    root = tmp_path / "www"
    root.mkdir(exist_ok=True)
    body = os.urandom(SIZE)
    (root / name).write_bytes(body)
    return root, body


def sha(data):
    return hashlib.sha256(data).hexdigest()


def listening(netns, port, proto="t"):
    return netns.run(["ss", f"-Hl{proto}n", f"sport = :{port}"])[1].strip()


def linux_side(netns):
    """tap0 with Linux's address exists before Linux servers bind to it;
    the program under ustack opens the same device."""
    netns.linux_tap(f"{LINUX}/24")


def test_curl_downloads_from_linux(netns, tmp_path, ustack_bin):
    require_tool("curl")
    root, body = payload(tmp_path)
    linux_side(netns)
    linux_http_server(netns, root)
    out = tmp_path / "out.bin"
    link = ["--tap", "tap0", "--addr", f"{US}/24"]
    rc, _, err = netns.run(run_argv("curl", "-sS", "-o", str(out),
                                    f"http://{LINUX}:8000/file.bin", link=link))
    assert rc == 0, err
    assert sha(out.read_bytes()) == sha(body)


def test_program_stdout_is_the_programs_own(netns, tmp_path, ustack_bin):
    """The link's own lines ("faults on tap0: ...") go to stderr: curl's
    body on stdout arrives byte-exact, through 1 % injected loss."""
    require_tool("curl")
    root, body = payload(tmp_path)
    linux_side(netns)
    linux_http_server(netns, root)
    link = ["--tap", "tap0", "--addr", f"{US}/24", "--loss", "1"]
    p = subprocess.run(netns.cmd(run_argv("curl", "-sS", f"http://{LINUX}:8000/file.bin",
                                          link=link)),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 0, err
    assert "faults on tx: loss 1%" in err, err
    assert sha(p.stdout) == sha(body)


def test_curl_by_name_from_hosts_file_and_dns(netns, tmp_path, ustack_bin):
    """getaddrinfo goes through ust_getaddrinfo: a --hosts file name, then
    a name only dnsmasq (over ustack's UDP) knows."""
    require_tool("curl")
    require_tool("dnsmasq")
    root, body = payload(tmp_path)
    linux_side(netns)
    linux_http_server(netns, root)
    hosts = tmp_path / "hosts"
    hosts.write_text(f"{LINUX} web.hosts.test\n")
    dnsmasq_dns(netns, tmp_path, LINUX, f"--address=/web.dns.test/{LINUX}")
    link = ["--tap", "tap0", "--addr", f"{US}/24", "--hosts", str(hosts), "--dns", LINUX]
    for name in ("web.hosts.test", "web.dns.test"):
        out = tmp_path / f"{name}.bin"
        rc, _, err = netns.run(run_argv("curl", "-sS", "-o", str(out),
                                        f"http://{name}:8000/file.bin", link=link))
        assert rc == 0, f"{name}: {err}"
        assert sha(out.read_bytes()) == sha(body), name
    rc, _, err = netns.run(run_argv("curl", "-sS", "http://nowhere.test:8000/", link=link))
    assert rc == 6, err  # curl: could not resolve host
    assert "nowhere.test" in err


def test_python_http_server_serves_linux_curl(netns, tmp_path, ustack_bin):
    """ThreadingHTTPServer (a thread per request, selectors' poll on the
    listener) under ustack; Linux curl fetches the file four times at once."""
    require_tool("curl")
    root, body = payload(tmp_path)
    log = netns.artifact("python.stderr")
    with open(log, "wb") as errf:
        proc = subprocess.Popen(netns.cmd(run_argv("/usr/bin/python3", "-u", "-m", "http.server",
                                                   "8080", "--directory", str(root))),
                                stdout=subprocess.PIPE, stderr=errf)
    server = UstackProc(proc, "python3 -m http.server under ustack", log)
    netns.procs.append(server)
    server.read_until("Serving HTTP on 0.0.0.0 port 8080")
    outs = [tmp_path / f"got{i}.bin" for i in range(4)]
    curls = [subprocess.Popen(netns.cmd(["curl", "-sS", "-o", str(o),
                                         f"http://{US}:8080/file.bin"]),
                              stderr=subprocess.PIPE) for o in outs]
    for c in curls:
        _, err = c.communicate(timeout=120)
        assert c.returncode == 0, err
    for o in outs:
        assert sha(o.read_bytes()) == sha(body)
    assert server.stop() == 0, server.stderr_text()
    assert server.stderr_text().count('"GET /file.bin HTTP/1.1" 200') == 4


def test_nc_receives_from_linux(netns, tmp_path, ustack_bin):
    require_tool("nc")
    _, body = payload(tmp_path)
    got = tmp_path / "nc.out"
    with open(got, "wb") as outf:
        proc = subprocess.Popen(netns.cmd(run_argv("nc", "-l", "9000")), stdout=outf,
                                stderr=subprocess.PIPE)
    netns.procs_raw.append(proc)
    wait_until(lambda: netns.run(["ip", "link", "show", "tap0"])[0] == 0 and
               netns.run(["ping", "-c1", "-W1", US])[0] == 0, 60, "ustack up on tap0")
    sender = netns.run_bytes(["nc", "-N", US, "9000"], body)
    assert sender == b""
    proc.wait(timeout=60)
    assert proc.returncode == 0, proc.stderr.read()
    assert sha(got.read_bytes()) == sha(body)


def linux_socat_sink(netns, port, path):
    """Linux's socat writing what one connection to `port` brings into
    `path`; returns once it listens."""
    with open(path, "wb") as outf:
        rx = subprocess.Popen(netns.cmd(["socat", "-u", f"TCP-LISTEN:{port},reuseaddr", "-"]),
                              stdout=outf)
    netns.procs_raw.append(rx)
    wait_until(lambda: listening(netns, port), 60, "Linux socat listening")
    return rx


def test_socat_sends_to_linux_and_exit_delivers_the_rest(netns, tmp_path, ustack_bin):
    """socat exits right after its last write and close: the shim's exit
    handler keeps the process alive until the stack has delivered it."""
    require_tool("socat")
    root, body = payload(tmp_path)
    linux_side(netns)
    got = tmp_path / "socat.out"
    rx = linux_socat_sink(netns, 9001, got)
    link = ["--tap", "tap0", "--addr", f"{US}/24"]
    rc, _, err = netns.run(run_argv("socat", "-u", f"FILE:{root / 'file.bin'}",
                                    f"TCP:{LINUX}:9001", link=link))
    assert rc == 0, err
    rx.wait(timeout=60)
    assert sha(got.read_bytes()) == sha(body)


FORK = r"""
import errno, os, socket, sys
s = socket.create_connection((sys.argv[1], 9002))
pid = os.fork()
if pid == 0:
    codes = []
    try:
        s.send(b"child")
    except OSError as e:
        codes.append(errno.errorcode[e.errno])
    try:
        socket.socket().connect((sys.argv[1], 9002))
    except OSError as e:
        codes.append(errno.errorcode[e.errno])
    s.close()  # the child's copy: the parent's connection stays
    print(" ".join(codes), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
s.sendall(b"parent")
s.close()
"""


def test_fork_child_cannot_use_the_parents_stack(netns, tmp_path, ustack_bin):
    """The documented rule: an inherited ustack socket gives EBADF in the
    child, a new one ENETDOWN; the parent's connection is untouched."""
    require_tool("socat")
    linux_side(netns)
    got = tmp_path / "fork.out"
    rx = linux_socat_sink(netns, 9002, got)
    link = ["--tap", "tap0", "--addr", f"{US}/24"]
    rc, out, err = netns.run(run_argv("/usr/bin/python3", "-c", FORK, LINUX, link=link))
    assert rc == 0, err
    assert out == "EBADF ENETDOWN\n", (out, err)
    rx.wait(timeout=60)
    assert got.read_bytes() == b"parent"


def test_static_program_is_refused(netns, tmp_path, ustack_bin):
    require_tool("gcc")
    src = tmp_path / "hello.c"
    src.write_text("int main(void) { return 0; }\n")
    exe = tmp_path / "hello-static"
    subprocess.run(["gcc", "-static", "-o", str(exe), str(src)], check=True)
    rc, out, err = netns.run(run_argv(str(exe)))
    assert rc == 2, err
    assert err == f"ustack: run: {exe} is statically linked: LD_PRELOAD cannot intercept its " \
                  "socket calls\n"
    assert netns.run(["ip", "link", "show", "tap0"])[0] != 0


def test_program_without_sockets_never_starts_the_stack(netns, tmp_path, ustack_bin):
    """A shell that forks and execs, reads files and pipes: the exit status
    is the program's and the TAP device is never created."""
    rc, out, err = netns.run(run_argv("/bin/sh", "-c", "ls / | wc -l >/dev/null; "
                                                        "cat /etc/hostname >/dev/null; exit 7"))
    assert rc == 7, err
    assert err == ""
    rc, _, _ = netns.run(["ip", "link", "show", "tap0"])
    assert rc != 0, "tap0 exists: the stack started"


def test_usage_errors(ustack_bin):
    for argv, message in ((["run", "--tap", "tap0", "--addr", "203.0.113.2/24"],
                           "ustack: run: PROGRAM missing"),
                          (["run", "--tap", "tap0", "--addr", "203.0.113.2/24", "--bogus", "--",
                            "true"], "ustack: run: unknown option '--bogus'"),
                          (["run", "--tap", "tap0", "--", "true"], "--addr")):
        p = subprocess.run([USTACK] + argv, capture_output=True, text=True)
        assert p.returncode == 2, p.stderr
        assert len(p.stderr.splitlines()) == 1 and message in p.stderr, p.stderr
    p = subprocess.run([USTACK, "run", "--tap", "tap0", "--addr", "203.0.113.2/24", "--",
                        "/nonexistent/prog"], capture_output=True, text=True)
    assert p.returncode == 127
    assert p.stderr == "ustack: run: /nonexistent/prog: No such file or directory\n"


DESCRIPTORS = r"""
import errno, fcntl, os, select, socket, struct, sys, termios, time
out = []
s = socket.socket()
fd = s.fileno()
fl = fcntl.fcntl(fd, fcntl.F_GETFL)
out.append("nb0=%d" % bool(fl & os.O_NONBLOCK))
fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
out.append("nb1=%d" % bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK))
out.append(errno.errorcode[s.connect_ex((sys.argv[1], 9003))])
select.select([], [s], [], 60)
out.append("soerr=%d" % s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
deadline = time.monotonic() + 60
n = 0
while n < 1000 and time.monotonic() < deadline:
    select.select([s], [], [], 60)
    n = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, struct.pack("i", 0)))[0]
out.append("fionread=%d" % n)
d = os.dup(fd)
fcntl.ioctl(d, termios.FIONBIO, struct.pack("i", 0))  # O_NONBLOCK shared with the duplicate
os.close(d)                                           # the socket lives on in fd
out.append("nb2=%d" % bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK))
data = b""
while len(data) < 1000:
    a, b = bytearray(300), bytearray(700)
    k = os.readv(fd, [a, b])
    data += bytes((a + b)[:k])
out.append("got=%d" % (len(data) if data == b"x" * 1000 else -1))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(60)
u.sendmsg([b"da", b"tag", b"ram"], (), 0, (sys.argv[1], 9004))
a, b = bytearray(3), bytearray(20)
k, _, _, addr = u.recvmsg_into([a, b])
out.append("udp=" + bytes((a + b)[:k]).decode())
s2 = socket.socket()
null = os.open("/dev/null", os.O_RDONLY)
os.dup2(null, s2.fileno())   # closes the ustack socket under it, as the kernel would
out.append("dup2=%d" % (os.read(s2.fileno(), 1) == b""))
s2.detach()
os.writev(fd, [b"b", b"y", b"e"])
s.close()
print(" ".join(out))
"""

PEER = r"""
import socket, threading
def udp_echo():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", 9004))
    d, a = u.recvfrom(100)
    u.sendto(d.upper(), a)
threading.Thread(target=udp_echo, daemon=True).start()
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 9003)); ls.listen(1); ls.settimeout(120)
print("ready", flush=True)
c, _ = ls.accept(); c.settimeout(120)
c.sendall(b"x" * 1000)
got = b""
while True:
    b = c.recv(100)
    if not b:
        break
    got += b
print(got.decode(), flush=True)
"""


def test_descriptor_calls_fcntl_ioctl_dup(netns, tmp_path, ustack_bin):
    """O_NONBLOCK through F_GETFL/F_SETFL and FIONBIO, a non-blocking
    connect finished through select and SO_ERROR, FIONREAD, FIONBIO through
    a duplicate, readv after the duplicate's close, dup2 onto a ustack
    socket closing it, writev (the Linux peer
    sees the bytes), UDP sendmsg of three pieces as one datagram and
    recvmsg_into scattering the answer."""
    linux_side(netns)
    peer = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", PEER]), stdout=subprocess.PIPE,
                            text=True)
    netns.procs_raw.append(peer)
    assert peer.stdout.readline().strip() == "ready"
    link = ["--tap", "tap0", "--addr", f"{US}/24"]
    rc, out, err = netns.run(run_argv("/usr/bin/python3", "-c", DESCRIPTORS, LINUX, link=link))
    assert rc == 0, err
    assert out == ("nb0=0 nb1=1 EINPROGRESS soerr=0 fionread=1000 nb2=0 got=1000 "
                   "udp=DATAGRAM dup2=1\n"), (out, err)
    assert peer.stdout.readline().strip() == "bye"
    assert peer.wait(timeout=60) == 0
