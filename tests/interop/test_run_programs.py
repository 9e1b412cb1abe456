"""The programs of issue #11 over `ustack run`, unmodified, each against a
Linux peer in the test's namespace and byte-exact (sha256 of 20 MB):
curl and wget downloading from Linux's http.server by a name dnsmasq
answers; python's http.server and nginx (one process) serving Linux curl,
one 20 MB download and 100 parallel requests; iperf3 as server under
ustack (both directions) and as client; redis-server under ustack with
Linux's redis-benchmark and redis-cli; nc and socat in the directions
test_run.py does not cover (nc sending, socat listening); TCP_INFO in
Linux's layout."""
import hashlib
import json
import os
import subprocess

from conftest import USTACK, UstackProc, dnsmasq_dns, linux_http_server, require_tool, wait_until

US = "203.0.113.2"
LINUX = "203.0.113.1"
LINK = ["--tap", "tap0", "--addr", f"{US}/24"]
SIZE = 20 * 1024 * 1024
PARALLEL = 100
SMALL = 64 * 1024  # each of the parallel requests' file


def run_argv(*prog, link=LINK):
    return [USTACK, "run", *link, "--", *prog]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def payload(tmp_path):
    """www/ with file.bin (20 MB) and small.bin (the parallel requests')."""
    root = tmp_path / "www"
    root.mkdir(exist_ok=True)
    body = os.urandom(SIZE)
    (root / "file.bin").write_bytes(body)
    small = os.urandom(SMALL)
    (root / "small.bin").write_bytes(small)
    return root, body, small


def listening(netns, port, proto="t"):
    return netns.run(["ss", f"-Hl{proto}n", f"sport = :{port}"])[1].strip()


def linux_side(netns):
    """tap0 with Linux's address, before Linux servers bind to it; the
    program under ustack opens the same device."""
    netns.linux_tap(f"{LINUX}/24")


def ustack_server(netns, name, argv, link=None, stdout=subprocess.PIPE):
    """A server program under `ustack run` (stopped by the cleanup, by PID)."""
    link = link or LINK + ["--host-addr", f"{LINUX}/24"]
    log = netns.artifact(f"{name}.stderr")
    with open(log, "wb") as errf:
        proc = subprocess.Popen(netns.cmd(run_argv(*argv, link=link)), stdout=stdout,
                                stderr=errf)
    server = UstackProc(proc, f"{name} under ustack", log)
    netns.procs.append(server)
    return server


def ustack_listens(netns, server, port):
    """Waits until the program under ustack accepts connections on port
    (Linux's connect to it succeeds); fails early if it exited."""
    def up():
        assert server.proc.poll() is None, f"{server.name} exited: {server.stderr_text()}"
        return netns.run(["socat", "-u", "OPEN:/dev/null", f"TCP:{US}:{port},connect-timeout=1"]
                         )[0] == 0
    wait_until(up, 60, f"{server.name} accepting on {port}")


def curl_one_and_parallel(netns, tmp_path, port, body, small):
    """Linux curl: the 20 MB file once, then 100 requests at once for the
    small one; every body byte-exact."""
    out = tmp_path / "big.out"
    rc, _, err = netns.run(["curl", "-sS", "-o", str(out), f"http://{US}:{port}/file.bin"])
    assert rc == 0, err
    assert sha(out.read_bytes()) == sha(body)
    argv = ["curl", "-sS", "--fail", "--parallel", "--parallel-immediate",
            "--parallel-max", str(PARALLEL)]
    outs = [tmp_path / f"p{i}.out" for i in range(PARALLEL)]
    for o in outs:
        argv += ["-o", str(o), f"http://{US}:{port}/small.bin"]
    rc, _, err = netns.run(argv, timeout=300)
    assert rc == 0, err
    bad = [o.name for o in outs if not o.exists() or sha(o.read_bytes()) != sha(small)]
    assert not bad, f"{len(bad)} of {PARALLEL} bodies differ: {bad[:5]}"


# ---- clients under ustack downloading by name -------------------------------

def download_by_name(netns, tmp_path, tool, argv_of):
    require_tool(tool)
    require_tool("dnsmasq")
    root, body, _ = payload(tmp_path)
    linux_side(netns)
    linux_http_server(netns, root)
    dnsmasq_dns(netns, tmp_path, LINUX, f"--address=/web.dns.test/{LINUX}")
    out = tmp_path / f"{tool}.out"
    rc, _, err = netns.run(run_argv(*argv_of(out, "http://web.dns.test:8000/file.bin"),
                                    link=LINK + ["--dns", LINUX]))
    assert rc == 0, err
    assert sha(out.read_bytes()) == sha(body)


def test_curl_downloads_20mb_by_name(netns, tmp_path, ustack_bin):
    download_by_name(netns, tmp_path, "curl", lambda out, url: ["curl", "-sS", "-o", str(out), url])


def test_wget_downloads_20mb_by_name(netns, tmp_path, ustack_bin):
    download_by_name(netns, tmp_path, "wget",
                     lambda out, url: ["wget", "-q", "--no-config", "-O", str(out), url])


# ---- servers under ustack ------------------------------------------------------

# python -m http.server with a listen backlog of 128 instead of
# socketserver's 5: with 5, 100 connections at once overflow the accept
# queue on Linux's own TCP too (there a quarter of them end reset after
# the SYN,ACK retries), so the stock value tests the backlog, not ustack.
HTTP_SERVER = ("import runpy, socketserver; socketserver.TCPServer.request_queue_size = 128; "
               "runpy.run_module('http.server', run_name='__main__')")


def test_python_http_server_20mb_and_100_parallel(netns, tmp_path, ustack_bin):
    require_tool("curl")
    root, body, small = payload(tmp_path)
    server = ustack_server(netns, "http.server", ["/usr/bin/python3", "-u", "-c", HTTP_SERVER,
                                                  "8080", "--directory", str(root)])
    server.read_until("Serving HTTP on 0.0.0.0 port 8080")
    curl_one_and_parallel(netns, tmp_path, 8080, body, small)
    assert server.stop() == 0, server.stderr_text()
    log = server.stderr_text()
    assert log.count('"GET /file.bin HTTP/1.1" 200') == 1, log
    assert log.count('"GET /small.bin HTTP/1.1" 200') == PARALLEL, log


NGINX_CONF = """
master_process off;
daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    types {{ application/octet-stream bin; }}
    sendfile {sendfile};
    server {{
        listen {addr}:8080 backlog=512;
        root {root};
    }}
}}
"""


def nginx_conf(tmp_path, root, addr=US, sendfile="on"):
    d = tmp_path / "nginx"
    d.mkdir()
    conf = d / "nginx.conf"
    conf.write_text(NGINX_CONF.format(d=d, root=root, addr=addr, sendfile=sendfile))
    return d, conf


def test_nginx_20mb_and_100_parallel(netns, tmp_path, ustack_bin):
    """nginx as one process (master_process off, daemon off): epoll,
    accept4, non-blocking sockets, sendfile on (the shim's sendfile from
    the file to the ustack socket); its files all in the test's tmp dir."""
    require_tool("nginx")
    require_tool("curl")
    root, body, small = payload(tmp_path)
    d, conf = nginx_conf(tmp_path, root)
    server = ustack_server(netns, "nginx", ["nginx", "-p", str(d), "-e", str(d / "error.log"),
                                            "-c", str(conf)], stdout=subprocess.DEVNULL)
    ustack_listens(netns, server, 8080)
    curl_one_and_parallel(netns, tmp_path, 8080, body, small)
    access = (d / "access.log").read_text()
    assert access.count('"GET /file.bin HTTP/1.1" 200') == 1, access
    assert access.count('"GET /small.bin HTTP/1.1" 200') == PARALLEL, access


# ---- iperf3 ------------------------------------------------------------------

def iperf3_result(text):
    """The client's --json: no error, and bytes counted by the receiver
    (fewer than sent is iperf3's own way: the receiver's count ends when
    the client's TEST_END arrives, with data still in flight)."""
    doc = json.loads(text)
    assert "error" not in doc, doc.get("error")
    received = doc["end"]["sum_received"]["bytes"]
    assert received > 0, doc["end"]
    return doc


def test_iperf3_server_under_ustack_both_directions(netns, tmp_path, ustack_bin):
    """iperf3 -s -1 under ustack, Linux iperf3 -c: ustack receives 20 MB,
    then (a second one-off server) sends 20 MB (-R)."""
    require_tool("iperf3")
    linux_side(netns)
    for reverse in ([], ["-R"]):
        server = ustack_server(netns, f"iperf3{''.join(reverse)}",
                               ["iperf3", "-s", "-1", "-4", "-p", "5201"], link=LINK,
                               stdout=subprocess.DEVNULL)
        out = iperf3_client_when_listening(netns, server, reverse)
        doc = iperf3_result(out)
        assert doc["end"]["sum_sent"]["bytes"] >= SIZE, doc["end"]["sum_sent"]
        assert doc["start"]["test_start"]["reverse"] == (1 if reverse else 0)
        assert server.proc.wait(timeout=60) == 0, server.stderr_text()


def iperf3_client_when_listening(netns, server, reverse):
    """Linux's iperf3 -c against the one-off server under ustack. A probe
    connection would be the server's one test, so the client itself is
    retried while the listener is not there yet (connection refused)."""
    argv = ["iperf3", "-c", US, "-p", "5201", "-n", str(SIZE), "--json", *reverse]
    result = {}

    def attempt():
        assert server.proc.poll() is None, f"{server.name} exited: {server.stderr_text()}"
        rc, out, err = netns.run(argv)
        if rc != 0 and ("Connection refused" in out or "No route to host" in out):
            return False
        result.update(rc=rc, out=out, err=err)
        return True
    wait_until(attempt, 60, "iperf3 under ustack listening")
    assert result["rc"] == 0, (result["out"], result["err"])
    return result["out"]


def test_iperf3_client_under_ustack_both_directions(netns, tmp_path, ustack_bin):
    """Linux iperf3 -s, iperf3 -c under ustack: sends 20 MB, then
    receives 20 MB (-R)."""
    require_tool("iperf3")
    linux_side(netns)
    for reverse in ([], ["-R"]):
        p = subprocess.Popen(netns.cmd(["iperf3", "-s", "-1", "-B", LINUX, "-p", "5202"]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        netns.procs_raw.append(p)
        wait_until(lambda: listening(netns, 5202), 60, "Linux iperf3 listening")
        rc, out, err = netns.run(run_argv("iperf3", "-c", LINUX, "-p", "5202", "-n", str(SIZE),
                                          "--json", *reverse))
        assert rc == 0, (out, err)
        doc = iperf3_result(out)
        assert doc["end"]["sum_sent"]["bytes"] >= SIZE, doc["end"]["sum_sent"]
        assert p.wait(timeout=60) == 0


# ---- redis -------------------------------------------------------------------

def test_redis_server_under_ustack(netns, tmp_path, ustack_bin):
    """redis-server under ustack: Linux's redis-benchmark -q -n 10000 (50
    clients, every command) without errors, and a 1 MB value SET and GET
    back by Linux's redis-cli, byte-exact."""
    require_tool("redis-server")
    require_tool("redis-benchmark")
    require_tool("redis-cli")
    server = ustack_server(netns, "redis", ["redis-server", "--port", "6379", "--bind", US,
                                            "--save", "", "--appendonly", "no",
                                            "--dir", str(tmp_path), "--protected-mode", "no"],
                           stdout=subprocess.DEVNULL)
    ustack_listens(netns, server, 6379)
    p = subprocess.run(netns.cmd(["redis-benchmark", "-h", US, "-p", "6379", "-q",
                                  "-n", "10000"]),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out
    lines = [l.split("\r")[-1] for l in out.splitlines()]
    assert not [l for l in lines if "error" in l.lower()], out
    for cmd in ("SET", "GET"):
        assert [l for l in lines if l.startswith(f"{cmd}: ") and "requests per second" in l], out
    value = os.urandom(512 * 1024).hex()  # 1 MB of text
    rc, out, err = netns.run(["redis-cli", "-h", US, "-x", "SET", "k"], input=value.encode())
    assert (rc, out) == (0, "OK\n"), err
    p = subprocess.run(netns.cmd(["redis-cli", "-h", US, "--raw", "GET", "k"]),
                       stdout=subprocess.PIPE, timeout=60)
    assert p.returncode == 0
    assert p.stdout == value.encode() + b"\n"


# ---- nc and socat, the other directions ----------------------------------------

def test_nc_sends_to_linux(netns, tmp_path, ustack_bin):
    require_tool("nc")
    root, body, _ = payload(tmp_path)
    linux_side(netns)
    got = tmp_path / "nc.out"
    with open(got, "wb") as outf:
        rx = subprocess.Popen(netns.cmd(["nc", "-l", LINUX, "9010"]), stdout=outf)
    netns.procs_raw.append(rx)
    wait_until(lambda: listening(netns, 9010), 60, "Linux nc listening")
    with open(root / "file.bin", "rb") as inf:
        p = subprocess.run(netns.cmd(run_argv("nc", "-N", LINUX, "9010")), stdin=inf,
                           stderr=subprocess.PIPE, timeout=180)
    assert p.returncode == 0, p.stderr
    assert rx.wait(timeout=60) == 0
    assert sha(got.read_bytes()) == sha(body)


def test_socat_receives_from_linux(netns, tmp_path, ustack_bin):
    require_tool("socat")
    root, body, _ = payload(tmp_path)
    got = tmp_path / "socat.out"
    with open(got, "wb") as outf:
        server = ustack_server(netns, "socat", ["socat", "-u", "TCP-LISTEN:9011", "STDOUT"],
                               stdout=outf)
    wait_until(lambda: server.proc.poll() is None and
               netns.run(["ping", "-c1", "-W1", US])[0] == 0, 60, "ustack up on tap0")
    # socat listens right after the stack starts: retry a refused connect.
    def send():
        return netns.run(["socat", "-u", f"FILE:{root / 'file.bin'}", f"TCP:{US}:9011"])[0] == 0
    wait_until(send, 60, "Linux socat connecting")
    assert server.proc.wait(timeout=60) == 0, server.stderr_text()
    assert sha(got.read_bytes()) == sha(body)


TCP_INFO = r"""
import socket, struct, sys
s = socket.create_connection((sys.argv[1], 9012))
s.sendall(b"x" * 100000)
info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
state, = struct.unpack_from("B", info, 0)
snd_mss, = struct.unpack_from("I", info, 16)
cwnd, = struct.unpack_from("I", info, 80)
print(len(info), state, snd_mss, cwnd > 0)
"""


def test_tcp_info_in_linux_layout(netns, tmp_path, ustack_bin):
    """getsockopt(TCP_INFO) on a ustack socket answers in Linux's struct
    tcp_info (iperf3 reads it after every interval): state ESTABLISHED
    (1), the MSS of a 1500-byte link less the timestamp option (1448, as
    Linux counts it), a congestion window in segments."""
    require_tool("socat")
    linux_side(netns)
    rx = subprocess.Popen(netns.cmd(["socat", "-u", "TCP-LISTEN:9012,reuseaddr", "OPEN:/dev/null"]))
    netns.procs_raw.append(rx)
    wait_until(lambda: listening(netns, 9012), 60, "Linux socat listening")
    rc, out, err = netns.run(run_argv("/usr/bin/python3", "-c", TCP_INFO, LINUX))
    assert rc == 0, err
    assert out == "104 1 1448 True\n", (out, err)
