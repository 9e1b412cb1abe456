"""`ustack get -o FILE` against Linux servers in the test's namespace: FILE
is replaced (atomically, keeping its permissions) only when the download
succeeded; a 404, a refused connection or Ctrl-C leaves an existing FILE
as it was and no temporary file behind; `-o -` is standard output."""
import glob
import os
import signal
import subprocess

from conftest import USTACK, linux_http_server, wait_until

US = "203.0.113.2"
LINUX = "203.0.113.1"
LINK = ["--tap", "tap0", "--addr", f"{US}/24", "--host-addr", f"{LINUX}/24"]

# Sends a response head promising 10 MB, 200000 bytes of body, then holds
# the connection open: a download that never ends.
STALL = r"""
import socket, sys, time
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 8001)); ls.listen(1); ls.settimeout(120)
print("ready", flush=True)
c, _ = ls.accept(); c.settimeout(120)
req = b""
while b"\r\n\r\n" not in req:
    req += c.recv(4096)
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 200000)
time.sleep(120)
"""


def leftovers(directory):
    return glob.glob(os.path.join(str(directory), ".*.ustack-*"))


def old_file(tmp_path):
    f = tmp_path / "out" / "file.bin"
    f.parent.mkdir()
    f.write_bytes(b"the old file\n")
    os.chmod(f, 0o640)
    return f


def test_success_replaces_the_file_and_keeps_its_mode(netns, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    body = os.urandom(300000)
    (root / "f.bin").write_bytes(body)
    linux_http_server(netns, root)
    f = old_file(tmp_path)
    rc, out, err = netns.run([USTACK, "get", f"http://{LINUX}:8000/f.bin", "-o", str(f)] + LINK)
    assert rc == 0, err
    assert f.read_bytes() == body
    assert os.stat(f).st_mode & 0o777 == 0o640
    assert leftovers(f.parent) == []


def test_404_and_refused_leave_the_old_file(netns, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    linux_http_server(netns, root)
    f = old_file(tmp_path)
    for url, message in ((f"http://{LINUX}:8000/missing", "HTTP 404 File not found"),
                         (f"http://{LINUX}:81/", "Connection refused")):
        rc, out, err = netns.run([USTACK, "get", url, "-o", str(f)] + LINK)
        assert rc == 1, err
        assert message in err.splitlines()[-1], err
        assert f.read_bytes() == b"the old file\n"
        assert leftovers(f.parent) == []
    new = f.parent / "new.bin"
    rc, _, err = netns.run([USTACK, "get", f"http://{LINUX}:8000/missing", "-o", str(new)]
                           + LINK)
    assert rc == 1, err
    assert not new.exists() and leftovers(f.parent) == []


def test_ctrl_c_leaves_the_old_file_and_exits_130(netns, tmp_path):
    stall = subprocess.Popen(netns.cmd(["/usr/bin/python3", "-c", STALL]),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    netns.procs_raw.append(stall)
    assert stall.stdout.readline().strip() == b"ready"
    f = old_file(tmp_path)
    get = subprocess.Popen(netns.cmd([USTACK, "get", f"http://{LINUX}:8001/x", "-o", str(f)]
                                     + LINK), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    netns.procs_raw.append(get)
    # The body is arriving: the temporary file has grown.
    wait_until(lambda: any(os.path.getsize(t) > 0 for t in leftovers(f.parent)), 120,
               "part of the body in the temporary file")
    get.send_signal(signal.SIGINT)
    out, err = get.communicate(timeout=120)
    assert get.returncode == 130, err.decode()
    assert b"Interrupted system call" not in err, err.decode()
    assert f.read_bytes() == b"the old file\n"
    assert leftovers(f.parent) == []


def test_output_dash_is_standard_output(netns, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "f.txt").write_bytes(b"to stdout\n")
    linux_http_server(netns, root)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    p = subprocess.run(netns.cmd([USTACK, "get", f"http://{LINUX}:8000/f.txt", "-o", "-"]
                                 + LINK), cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=180)
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout == b"to stdout\n"
    assert os.listdir(cwd) == []  # no file named "-"
