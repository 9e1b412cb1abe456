"""Range and conditional requests of `ustack serve --http` against the
clients people use (RFC 9110 13, 14), each test in its own namespace:
curl -r (206 with exactly the asked bytes, 416, several ranges get the whole
file), curl -C - and wget -c resuming a partial download to a byte-identical
file, curl -z and crafted If-Modified-Since / If-Range headers (304, 200).
Last-Modified is compared with Python's own HTTP-date of the file's mtime."""
import email.utils
import hashlib
import os

from conftest import assert_pcap_clean, require_tool

US = "203.0.113.2"      # ustack
LINUX = "203.0.113.1"   # the Linux side of the TAP
HERE = os.path.dirname(os.path.abspath(__file__))
NSCLIENT = os.path.join(HERE, "nsclient.py")
MTIME = 1700000000      # the served files' modification time


def serve(netns, root):
    return netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                       extra=["--http", "80", "--root", str(root)])


def stop_clean(u):
    assert u.stop() == 0, f"ustack exited with {u.returncode}:\n{u.stderr_text()}"
    assert_pcap_clean(u.pcap)


def make_file(tmp_path, name, size, text=False):
    root = tmp_path / "www"
    root.mkdir(exist_ok=True)
    data = os.urandom(size)
    if text:  # printable, for the raw responses the test reads as text
        data = bytes(b"abcdefghijklmnopqrstuvwxyz0123456789"[b % 36] for b in data)
    path = root / name
    path.write_bytes(data)
    os.utime(path, (MTIME, MTIME))
    return root, data


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


def curl(netns, tmp_path, *args):
    """Runs curl; returns (status line, header dict, body bytes)."""
    hdr, out = tmp_path / "headers.txt", tmp_path / "body.bin"
    for p in (hdr, out):
        if p.exists():
            p.unlink()
    rc, so, se = netns.run(["curl", "-sS", "-D", str(hdr), "-o", str(out), *args])
    assert rc == 0, f"curl {args}: rc {rc}\n{so}\n{se}"
    lines = hdr.read_bytes().decode("latin-1").split("\r\n")
    fields = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k.lower()] = v.strip()
    body = out.read_bytes() if out.exists() else b""
    return lines[0], fields, body


def raw_http(netns, raw):
    rc, out, err = netns.run(["/usr/bin/python3", NSCLIENT, "http", US, "80", raw])
    assert rc == 0, f"nsclient: rc {rc}\n{out}\n{err}"
    return out


def test_curl_ranges_get_exactly_those_bytes(netns, tmp_path):
    require_tool("curl")
    root, data = make_file(tmp_path, "f.bin", 1000)
    u = serve(netns, root)
    url = f"http://{US}/f.bin"
    status, h, body = curl(netns, tmp_path, "-r", "100-199", url)
    assert status == "HTTP/1.1 206 Partial Content", (status, h)
    assert body == data[100:200]
    assert h["content-range"] == "bytes 100-199/1000"
    assert h["content-length"] == "100"
    assert h["accept-ranges"] == "bytes"
    assert h["last-modified"] == http_date(MTIME)
    # The last 50 bytes, from 990 to the end, and a last-pos past the end.
    for rng, want, crange in (("-50", data[950:], "bytes 950-999/1000"),
                              ("990-", data[990:], "bytes 990-999/1000"),
                              ("998-5000", data[998:], "bytes 998-999/1000")):
        status, h, body = curl(netns, tmp_path, "-r", rng, url)
        assert status.startswith("HTTP/1.1 206") and body == want, (rng, status, h)
        assert h["content-range"] == crange
    # Past the end, and a first-pos beyond 64 bits: 416 with the size.
    for rng in ("1000-", "99999999999999999999-"):
        status, h, body = curl(netns, tmp_path, "-r", rng, url)
        assert status == "HTTP/1.1 416 Range Not Satisfiable", (rng, status)
        assert h["content-range"] == "bytes */1000"
    # Several ranges, or a Range we cannot parse: the whole file, 200.
    for args in (["-r", "0-1,5-6"], ["-H", "Range: bytes=5-1"], ["-H", "Range: lines=1-2"]):
        status, h, body = curl(netns, tmp_path, *args, url)
        assert status == "HTTP/1.1 200 OK" and body == data, (args, status)
        assert "content-range" not in h
    # HEAD gets GET's header fields (curl -I writes them as its output;
    # that HEAD sends no body is checked on a raw connection below).
    status, h, _ = curl(netns, tmp_path, "-I", "-r", "0-9", url)
    assert status == "HTTP/1.1 206 Partial Content"
    assert h["content-range"] == "bytes 0-9/1000" and h["content-length"] == "10"
    stop_clean(u)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_curl_and_wget_resume_a_partial_download(netns, tmp_path):
    require_tool("curl")
    root, data = make_file(tmp_path, "big.bin", 3_000_000)
    u = serve(netns, root)
    url = f"http://{US}/big.bin"
    part = tmp_path / "part.bin"
    part.write_bytes(data[:1_234_567])
    rc, so, se = netns.run(["curl", "-sS", "-C", "-", "-o", str(part), "-w",
                            "%{http_code} %{size_download}", url])
    assert rc == 0, so + se
    # Only the missing bytes travelled, and the file is whole.
    assert so == f"206 {3_000_000 - 1_234_567}", so
    assert sha256(part) == sha256(root / "big.bin")
    require_tool("wget")
    wdir = tmp_path / "wget"
    wdir.mkdir()
    (wdir / "big.bin").write_bytes(data[:777_777])
    rc, so, se = netns.run(["wget", "-c", "-S", "-P", str(wdir), url])
    assert rc == 0, so + se
    assert "HTTP/1.1 206 Partial Content" in se, se
    assert "Content-Range: bytes 777777-2999999/3000000" in se, se
    assert sha256(wdir / "big.bin") == sha256(root / "big.bin")
    stop_clean(u)


def test_if_modified_since_and_if_range(netns, tmp_path):
    require_tool("curl")
    root, data = make_file(tmp_path, "f.txt", 500, text=True)
    u = serve(netns, root)
    url = f"http://{US}/f.txt"
    # curl -z FILE sends the local file's mtime as If-Modified-Since.
    local = tmp_path / "local.txt"
    local.write_bytes(data)
    os.utime(local, (MTIME, MTIME))
    status, h, body = curl(netns, tmp_path, "-z", str(local), url)
    assert status == "HTTP/1.1 304 Not Modified" and body == b"", status
    assert h["last-modified"] == http_date(MTIME) and "content-length" not in h
    # A copy older than the file: the file comes.
    os.utime(local, (MTIME - 1, MTIME - 1))
    status, h, body = curl(netns, tmp_path, "-z", str(local), url)
    assert status == "HTTP/1.1 200 OK" and body == data
    # Crafted fields, pipelined on one connection: the 304 has no body
    # (the next response follows it directly), an invalid date is
    # ignored, If-Range with the Last-Modified keeps the range and with
    # another date sends the whole file.
    host = f"Host: {US}\\r\\n"
    resp = raw_http(netns, (
        f"GET /f.txt HTTP/1.1\\r\\n{host}If-Modified-Since: {http_date(MTIME + 60)}\\r\\n\\r\\n"
        f"GET /f.txt HTTP/1.1\\r\\n{host}If-Modified-Since: not a date\\r\\n\\r\\n"
        f"GET /f.txt HTTP/1.1\\r\\n{host}Range: bytes=0-9\\r\\n"
        f"If-Range: {http_date(MTIME)}\\r\\n\\r\\n"
        f"HEAD /f.txt HTTP/1.1\\r\\n{host}Range: bytes=0-9\\r\\n"
        f"If-Range: {http_date(MTIME - 3600)}\\r\\nConnection: close\\r\\n\\r\\n"))
    text = data.decode("latin-1")
    parts = resp.split("HTTP/1.1 ")
    assert len(parts) == 5, resp[:2000]
    assert parts[1].startswith("304 Not Modified\r\n") and parts[1].endswith("\r\n\r\n")
    assert parts[2].startswith("200 OK\r\n") and parts[2].endswith("\r\n\r\n" + text)
    assert parts[3].startswith("206 Partial Content\r\n")
    assert parts[3].endswith("\r\n\r\n" + text[:10])
    assert parts[4].startswith("200 OK\r\n") and "Content-Length: 500\r\n" in parts[4]
    assert parts[4].endswith("\r\n\r\n")
    stop_clean(u)
