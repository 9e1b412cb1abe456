#!/usr/bin/python3
"""Small Linux-side socket programs the TCP interop tests run inside the test's
namespace (ip netns exec NS /usr/bin/python3 nsclient.py COMMAND ...). Each
prints one machine-readable result; every wait has a deadline."""
import errno
import socket
import sys
import time

TIMEOUT = 60  # a failure bound only: the test machine may be loaded


def connect(host, port):
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    return s


def cmd_refused(host, port):
    """Connects to a closed port: prints the errno name."""
    s = socket.socket()
    s.settimeout(TIMEOUT)
    rc = s.connect_ex((host, int(port)))
    print(errno.errorcode.get(rc, str(rc)))


def read_all(s):
    out = bytearray()
    while True:
        d = s.recv(65536)
        if not d:
            return bytes(out)
        out += d


def cmd_halfclose(host, port, nbytes):
    """Sends N bytes, shuts down its sending side, reads until EOF: prints
    'sent N received M same|different'."""
    data = bytes((i * 13 + i // 253) & 0xff for i in range(int(nbytes)))
    s = connect(host, port)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    back = read_all(s)
    s.close()
    print(f"sent {len(data)} received {len(back)} {'same' if back == data else 'different'}")


def cmd_http(host, port, raw):
    """Sends a raw request (Python escapes allowed) and prints the raw
    response until the server closes (or the timeout)."""
    s = connect(host, port)
    s.sendall(raw.encode().decode("unicode_escape").encode("latin-1"))
    try:
        resp = read_all(s)
    except socket.timeout:
        resp = b"<timeout>"
    s.close()
    sys.stdout.write(resp.decode("latin-1"))


def cmd_hold(host, port):
    """Opens a connection to an echo service, checks one round trip, prints
    'established LPORT', then waits for a line 'close' on stdin, closes and
    prints 'closed'."""
    s = connect(host, port)
    s.sendall(b"x")
    assert s.recv(1) == b"x"
    print(f"established {s.getsockname()[1]}", flush=True)
    sys.stdin.readline()
    s.close()
    print("closed", flush=True)
    sys.stdin.readline()


def cmd_urgent(host, port):
    """Sends 'abc', then 'XYZ' with MSG_OOB (Linux marks its last byte
    urgent), then 'def' to an echo service, half-closes, and prints what
    came back (Python repr)."""
    s = connect(host, port)
    s.sendall(b"abc")
    s.send(b"XYZ", socket.MSG_OOB)
    s.sendall(b"def")
    s.shutdown(socket.SHUT_WR)
    print(repr(read_all(s)))
    s.close()


def cmd_sink(port):
    """Accepts one connection, reads until EOF, answers 'got N\\n', closes."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", int(port)))
    ls.listen(1)
    ls.settimeout(120)
    print("ready", flush=True)
    c, _ = ls.accept()
    c.settimeout(120)
    n = len(read_all(c))
    c.sendall(b"got %d\n" % n)
    c.close()
    print(f"got {n}", flush=True)


if __name__ == "__main__":
    globals()["cmd_" + sys.argv[1]](*sys.argv[2:])
