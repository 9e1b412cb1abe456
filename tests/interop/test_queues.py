"""`ustack serve --queues N`: one stack and thread per queue of a multi-queue
TAP (IFF_MULTI_QUEUE), sharing nothing; Linux's tun driver picks a queue per
flow, so many connections from Linux are spread over the stacks."""
import json
import os
import re
import secrets
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import USTACK, require_tool, wait_until

ADDR, HOST = "203.0.113.2/24", "203.0.113.1/24"
CURLS = 100


def counters_by_queue(stdout, queues):
    """{queue: {counter: value}} from the sections serve prints on its way out."""
    parts = re.split(r"^--- ustack serve counters \(queue (\d+) of (\d+)\) ---$", stdout,
                     flags=re.M)
    out = {}
    for i in range(1, len(parts), 3):
        assert int(parts[i + 1]) == queues, parts[i + 1]
        out[int(parts[i])] = {m.group(1): int(m.group(2))
                              for m in re.finditer(r"^\s+(\w+)\s+(\d+)$", parts[i + 2], re.M)}
    return out


def our_instances(netns, pid):
    """The instances `ustack netstat --json` (every control socket in
    /run/ustack) reports for process `pid`."""
    rc, out, err = netns.run([USTACK, "netstat", "--json"])
    assert rc == 0, err
    return [i for i in json.loads(out)["instances"] if i["pid"] == pid]


def test_two_queue_serve_100_concurrent_curls(netns, tmp_path):
    """100 concurrent curls against a two-queue serve: every body is
    byte-exact, both stacks listen on the port and answer ping, netstat
    lists one instance per queue, both queues accepted connections (the
    flow hash spreads 100 flows: all on one queue has probability 2^-99),
    and SIGINT stops both threads (exit 0, control sockets removed)."""
    require_tool("curl")
    www = tmp_path / "www"
    www.mkdir()
    body = secrets.token_bytes(150_000)
    (www / "f.bin").write_bytes(body)
    u = netns.serve("tap0", ADDR, host_addr=HOST, pcap=False,
                    extra=["--queues", "2", "--http", "80", "--root", str(www)])
    assert "2 queues" in u.banner, u.banner
    netns.run(["ping", "-c", "3", "-i", "0.2", "-W", "10", "203.0.113.2"], check=True)

    pid = u.proc.pid  # `ip netns exec` execs ustack: the same process
    inst = our_instances(netns, pid)
    assert sorted((i["queue"], i["queues"]) for i in inst) == [(0, 2), (1, 2)], inst
    for i in inst:
        listen = [s for s in i["sockets"] if s.get("state") == "LISTEN"]
        assert any(s["local_port"] == 80 for s in listen), i

    def fetch(n):
        out = tmp_path / f"got{n}"
        rc, _, err = netns.run(["curl", "-sS", "--max-time", "300", "-o", str(out),
                                "http://203.0.113.2/f.bin"], timeout=400)
        return n, rc, err, out.read_bytes() if out.exists() else b""

    with ThreadPoolExecutor(max_workers=CURLS) as pool:
        results = list(pool.map(fetch, range(CURLS)))
    for n, rc, err, got in results:
        assert rc == 0, f"curl {n}: rc {rc}: {err}"
        assert got == body, f"curl {n}: {len(got)} bytes, not the file's {len(body)}"

    ctl_paths = [i["ctl"] for i in inst]
    assert u.stop() == 0, u.stderr_text()
    per_queue = counters_by_queue(u.stdout, 2)
    assert sorted(per_queue) == [0, 1], u.stdout
    opens = [per_queue[q].get("PassiveOpens", 0) for q in (0, 1)]
    assert sum(opens) >= CURLS, opens
    assert all(n > 0 for n in opens), f"one queue served every connection: {opens}"
    for p in ctl_paths:
        assert not os.path.exists(p), f"{p} left behind"


# Linux's addresses for the IPv6 curls: each is a neighbour every queue's
# stack resolves on its own, and the kernel steers the NA answering one by
# the hash of that address and ours (a boot-seeded hash), so six of them
# make it all but certain that some NA is hashed to the other queue.
HOST6 = ["2001:db8::1"] + [f"2001:db8::{k:x}" for k in range(0x11, 0x16)]


@pytest.mark.parametrize("families", [
    ("-4",),
    ("-4", "-6"),
], ids=["ipv4", "ipv4+ipv6"])
def test_two_queue_serve_is_dual_stack(netns, tmp_path, families):
    """Every queue's stack listens on [::] (the banner, DAD on both queues)
    and resolves its IPv6 neighbours itself (cfg.nd_solicit_copies: the NA
    to the second copy comes back to its queue): 40 concurrent curls (over
    IPv4, or half over each family, from six Linux addresses) to one
    two-queue serve all get the file byte-exact."""
    require_tool("curl")
    www = tmp_path / "www"
    www.mkdir()
    body = secrets.token_bytes(50_000)
    (www / "f.bin").write_bytes(body)
    u = netns.serve("tap0", ADDR, host_addr=HOST, pcap=False,
                    extra=["--queues", "2", "--http", "80", "--root", str(www), "--addr",
                           "2001:db8::2/64", "--trace", "arp"])
    assert "dual-stack ([::])" in u.banner, u.banner
    for a in HOST6:
        netns.run(["ip", "-6", "addr", "add", f"{a}/64", "dev", "tap0", "nodad"], check=True)
    # every queue's stack ran DAD of the address (one line each, q0/q1)
    wait_until(lambda: u.stderr_text().count("dad 2001:db8::2: unique") == 2, 60,
               "DAD of 2001:db8::2 on both queues")

    def fetch(n):
        where, url = ["-4"], "http://203.0.113.2/f.bin"
        if families[n % len(families)] == "-6":
            where = ["-6", "--interface", HOST6[(n // 2) % len(HOST6)]]
            url = "http://[2001:db8::2]/f.bin"
        out = tmp_path / f"got{n}"
        rc, _, err = netns.run(["curl"] + where + ["-g", "-sS", "--max-time", "300", "-o",
                                                   str(out), url], timeout=400)
        return n, rc, err, out.read_bytes() if out.exists() else b""

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(fetch, range(40)))
    for n, rc, err, got in results:
        assert rc == 0, f"curl {n}: rc {rc}: {err}"
        assert got == body, f"curl {n}: {len(got)} bytes, not the file's {len(body)}"
    assert u.stop() == 0, u.stderr_text()


def test_queues_refuse_a_tap_of_the_other_queue_mode(netns, tmp_path):
    """A single-queue TAP cannot be served with --queues 2, nor a multi-queue
    one without it: the kernel says EINVAL to both (as for a name of
    another kind); ustack says which, in one line, exit 2."""
    netns.run(["ip", "tuntap", "add", "tsq0", "mode", "tap"], check=True)
    netns.run(["ip", "tuntap", "add", "tmq0", "mode", "tap", "multi_queue"], check=True)
    www = tmp_path
    rc, out, err = netns.run([USTACK, "serve", "--tap", "tsq0", "--addr", ADDR, "--queues",
                              "2", "--http", "80", "--root", str(www)], timeout=60)
    assert rc == 2 and err.count("\n") == 1, (rc, out, err)
    assert "tsq0 is a single-queue TAP device" in err, err
    rc, out, err = netns.run([USTACK, "serve", "--tap", "tmq0", "--addr", ADDR], timeout=60)
    assert rc == 2 and err.count("\n") == 1, (rc, out, err)
    assert "tmq0 is a multi-queue TAP device" in err, err


def test_queues_usage_errors():
    """What cannot be split over stacks is refused before anything opens."""
    for extra, what in ((["--iperf3"], "--iperf3"), (["--pcap", "x.pcap"], "--pcap"),
                        (["--queues", "0"], "--queues")):
        argv = [USTACK, "serve", "--tap", "tap0", "--addr", ADDR] + \
            (["--queues", "2"] if extra[0] != "--queues" else []) + extra
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        err = p.stderr.decode()
        if what == "--iperf3" and "built without cJSON" in err:
            continue
        assert p.returncode == 2 and err.count("\n") == 1 and what in err, (argv, err)
