#!/usr/bin/python3
"""Hand-made iperf3 control connections for test_iperf3.py, run inside the
test's namespace (ip netns exec NS /usr/bin/python3 ip3peer.py COMMAND HOST
PORT). Each prints machine-readable lines; every wait has a deadline."""
import socket
import sys

TIMEOUT = 120  # a failure bound only: the test machine may be loaded
COOKIE = b"abcdefghijklmnopqrstuvwxyz234567abcd\0"  # as iperf3's make_cookie


def read_until_eof(s):
    out = bytearray()
    while True:
        try:
            d = s.recv(4096)
        except ConnectionResetError:
            return bytes(out), "reset"
        if not d:
            return bytes(out), "eof"
        out += d


def cmd_garbage(host, port):
    """Not an iperf3 client: an HTTP request. Prints 'reply HEX END'."""
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    s.sendall(b"GET / HTTP/1.1\r\nHost: 203.0.113.2\r\nUser-Agent: x\r\n\r\n")
    data, end = read_until_eof(s)
    print("reply", data.hex() or "-", end, flush=True)


def cmd_hold(host, port):
    """A client that sends its cookie and then nothing: prints 'state N'
    for the server's first byte, then 'closed END' when the server gives
    up on it."""
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    s.sendall(COOKIE)
    first = s.recv(1)
    print("state", first[0] if first else "none", flush=True)
    data, end = read_until_eof(s)
    print("closed", end, data.hex() or "-", flush=True)


if __name__ == "__main__":
    {"garbage": cmd_garbage, "hold": cmd_hold}[sys.argv[1]](*sys.argv[2:])
