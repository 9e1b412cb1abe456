"""The trace and the captures (issue 10, items 11 and 12).

Trace: one frame's IP and TCP lines agree (source -> destination in both
directions), TCP flags and SYN options as tcpdump prints them, categories
(--trace tcp, --trace cc). Captures: --snaplen, pcapng with the stack's
reasons as packet comments (a retransmission names its cause), the open error
keeps the system's reason; on a TAP in a test-made namespace: wall-clock
timestamps, readable while ustack runs, readable after kill -9.

The demo runs on a virtual clock in this process: no root needed for those."""
import re
import signal
import subprocess
import time

import pytest

from conftest import USTACK, _tshark_env, assert_pcap_clean, require_tool, wait_until

US = "203.0.113.2"      # ustack on the TAP
LINUX = "203.0.113.1"   # the Linux side of the TAP

# "  +6.114639 A tcp   tx 203.0.113.10:53787->198.51.100.20:5001 [S] seq ..."
LINE = re.compile(r"^\s+\+(\d+\.\d{6}) ([ABR]) (\w+)\s+(.*)$")
TCP_SEG = re.compile(r"^(rx|tx) ([\d.]+):(\d+)->([\d.]+):(\d+) (\[[^\]]*\]) seq (\d+) ack (\d+) "
                     r"win (\d+) len (\d+)(?: options (\[[^\]]*\]))?(?: (.*))?$")
IP_LINE = re.compile(r"^(rx|tx) ([\d.]+)->([\d.]+) proto (\w+) len (\d+)")


def demo(tmp_path, *args):
    p = subprocess.run([USTACK, "demo", "--pcap", str(tmp_path / "d.pcap")] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode()


def trace_lines(out):
    """(time, stack, layer, message) of every trace line of the demo."""
    return [m.groups() for m in map(LINE.match, out.splitlines()) if m]


def tshark_fields(path, fields, extra=()):
    argv = ["tshark", "-r", str(path), "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        argv += ["-e", f]
    p = subprocess.run(argv + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=_tshark_env(), timeout=120)
    return p.returncode, [l.split("\t") for l in p.stdout.decode().splitlines()], \
        p.stderr.decode()


# ---- the trace -------------------------------------------------------------

def test_ip_and_tcp_lines_of_one_frame_agree(ustack_bin, tmp_path):
    """For every TCP segment a stack sends or receives, its IP line and its TCP
    line (same stack, same instant, adjacent) name the same source and
    destination: received frames are not printed from the receiver's side."""
    lines = trace_lines(demo(tmp_path, "--trace", "--loss", "0", "--bytes", "20k"))
    checked = {"rx": 0, "tx": 0}
    for i, (t, who, layer, msg) in enumerate(lines):
        seg = TCP_SEG.match(msg) if layer == "tcp" else None
        if not seg:
            continue
        d, src, dst = seg.group(1), seg.group(2), seg.group(4)
        # rx: IP handled the datagram just before TCP; tx: TCP then IP.
        others = lines[i - 1:i] if d == "rx" else lines[i + 1:i + 2]
        ip = [IP_LINE.match(m) for (t2, w2, l2, m) in others
              if w2 == who and t2 == t and l2 == "ip"]
        assert ip and ip[0], f"no ip line next to {who} {msg}"
        assert ip[0].group(1) == d and ip[0].group(4) == "TCP"
        assert (ip[0].group(2), ip[0].group(3)) == (src, dst), \
            f"{who}: ip says {ip[0].group(2)}->{ip[0].group(3)}, tcp says {msg}"
        checked[d] += 1
    assert checked["rx"] > 10 and checked["tx"] > 10, checked


def test_tcp_flags_as_tcpdump_prints_them(ustack_bin, tmp_path):
    """Flags read [S], [S.], [.], [P.], [F.] in both directions; no hex flags."""
    out = demo(tmp_path, "--trace", "tcp", "--loss", "0", "--bytes", "20k")
    assert "flags 0x" not in out
    segs = [(who, TCP_SEG.match(msg)) for (_, who, layer, msg) in trace_lines(out)
            if layer == "tcp" and TCP_SEG.match(msg)]
    assert segs
    for who, s in segs:
        assert re.fullmatch(r"\[F?S?R?P?\.?U?E?W?\]", s.group(6)), s.group(0)
    sent = [(who, s.group(6)) for who, s in segs if s.group(1) == "tx"]
    got = [(who, s.group(6)) for who, s in segs if s.group(1) == "rx"]
    # The handshake, seen leaving and arriving the same way.
    assert sent[:3] == [("A", "[S]"), ("B", "[S.]"), ("A", "[.]")], sent[:3]
    assert got[:3] == [("B", "[S]"), ("A", "[S.]"), ("B", "[.]")], got[:3]
    flags = {f for _, f in sent}
    assert {"[P.]", "[F.]"} <= flags, flags


def test_syn_options_as_tcpdump_prints_them(ustack_bin, tmp_path):
    """SYN and SYN,ACK lines show their options in wire order as tcpdump does;
    the SYN,ACK echoes the SYN's timestamp; other segments show none."""
    out = demo(tmp_path, "--trace", "tcp", "--loss", "0", "--bytes", "20k")
    segs = [s for (_, _, layer, msg) in trace_lines(out) if layer == "tcp"
            for s in [TCP_SEG.match(msg)] if s]
    opt = re.compile(r"\[mss (\d+),sackOK,TS val (\d+) ecr (\d+),nop,wscale (\d+)\]")
    syn = [s for s in segs if s.group(1) == "tx" and s.group(6) == "[S]"][0]
    synack = [s for s in segs if s.group(1) == "tx" and s.group(6) == "[S.]"][0]
    a, b = opt.fullmatch(syn.group(11) or ""), opt.fullmatch(synack.group(11) or "")
    assert a and b, (syn.group(0), synack.group(0))
    assert a.group(3) == "0"                 # nothing to echo yet
    assert b.group(3) == a.group(2)          # RFC 7323: the SYN's TSval echoed
    assert int(a.group(1)) > int(b.group(1))  # B's MTU (lan2, 1000) is smaller
    assert all(s.group(11) is None for s in segs if "S" not in s.group(6))


def test_trace_categories(ustack_bin, tmp_path):
    """--trace tcp shows only tcp lines; --trace cc only the congestion state
    after each ACK; plain --trace every layer but cc."""
    layers = {l for (_, _, l, _) in trace_lines(demo(tmp_path, "--trace", "tcp", "--loss", "0",
                                                     "--bytes", "20k"))}
    assert layers == {"tcp"}, layers
    cc = trace_lines(demo(tmp_path, "--trace", "cc", "--loss", "0", "--bytes", "20k"))
    assert {l for (_, _, l, _) in cc} == {"cc"}
    assert all(re.search(r" cwnd \d+ ssthresh \d+ srtt \d+ us rto \d+ ms wnd \d+", m)
               for (_, _, _, m) in cc)
    assert len(cc) > 10
    every = {l for (_, _, l, _) in trace_lines(demo(tmp_path, "--trace", "--loss", "0",
                                                    "--bytes", "20k"))}
    assert {"ip", "arp", "icmp", "tcp"} <= every and "cc" not in every, every
    both = {l for (_, _, l, _) in trace_lines(demo(tmp_path, "--trace=tcp,cc", "--loss", "0",
                                                   "--bytes", "20k"))}
    assert both == {"tcp", "cc"}, both


def test_trace_bad_category_is_one_line(ustack_bin, tmp_path):
    p = subprocess.run([USTACK, "demo", "--trace=tcp,bogus"], cwd=tmp_path,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 2
    err = p.stderr.decode()
    assert err.count("\n") == 1 and "--trace" in err and "bogus" in err, err
    assert p.stdout == b""


def test_demo_says_what_it_shows(ustack_bin, tmp_path):
    quiet = demo(tmp_path, "--loss", "0", "--bytes", "20k")
    assert "Shown: state\nchanges, retransmissions and loss probes only." in quiet
    traced = demo(tmp_path, "--trace", "--loss", "0", "--bytes", "20k")
    assert "loss probes only" not in traced
    # and it does show ordinary segments, not only events
    assert re.search(r" tcp\s+tx \S+ \[\.\] seq \d+ ack \d+ win \d+ len [1-9]", traced)


# ---- captures -----------------------------------------------------------------

def test_pcapng_comment_names_the_retransmission_cause(ustack_bin, tmp_path):
    """A lossy demo written as pcapng with --trace: Wireshark shows the
    stack's reason on each retransmitted segment; every frame so marked
    repeats bytes A had sent before, and the interface block names the NIC."""
    require_tool("tshark")
    path = tmp_path / "lossy.pcapng"
    subprocess.run([USTACK, "demo", "--loss", "10", "--trace", "--pcap", str(path)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, timeout=300)
    rc, rows, err = tshark_fields(path, ["frame.number", "ip.src", "tcp.seq", "tcp.len",
                                         "tcp.flags.syn", "frame.comment",
                                         "frame.interface_name", "tcp.flags.fin"])
    assert rc == 0, err
    assert {r[6] for r in rows} == {"eth0"}
    sent = []            # (seq, len) A sent, in order
    causes = set()
    for num, src, seq, ln, syn, comment, _, fin in rows:
        if src != "203.0.113.10" or not seq:
            continue
        seq, ln = int(seq), int(ln)
        m = re.search(r"TCP retransmission \((RTO|fast retransmit|RACK|TLP)\)", comment)
        if m:
            causes.add(m.group(1))
            # SYN and FIN take a sequence number each: a bare one can be resent
            assert ln > 0 or syn in ("1", "True") or fin in ("1", "True"), \
                f"frame {num}: {comment}"
            assert any(s <= seq < s + max(l, 1) for s, l in sent), \
                f"frame {num} ({seq}+{ln}) says '{comment}' but A never sent it before"
        sent.append((seq, ln))
    assert causes, "no retransmission carries a comment naming its cause"
    comments = " ".join(r[5] for r in rows)
    assert "TCP SYN-SENT -> ESTABLISHED" in comments  # A's state change, on the SYN,ACK
    assert_pcap_clean(str(path))


def test_snaplen_keeps_n_bytes(ustack_bin, tmp_path):
    """--snaplen N: no frame keeps more than N bytes, the real length stays."""
    require_tool("tshark")
    for name in ("s.pcap", "s.pcapng"):
        path = tmp_path / name
        subprocess.run([USTACK, "demo", "--loss", "0", "--bytes", "20k", "--snaplen", "100",
                        "--pcap", str(path)], stdout=subprocess.DEVNULL, check=True, timeout=300)
        rc, rows, err = tshark_fields(path, ["frame.cap_len", "frame.len"])
        assert rc == 0, err
        assert rows and all(int(c) <= 100 for c, _ in rows)
        assert any(int(l) > 100 and int(c) == 100 for c, l in rows)


def test_pcap_open_error_names_file_and_reason(ustack_bin, tmp_path):
    """A capture that cannot be created: one line with the file and the
    system's reason, non-zero exit."""
    p = subprocess.run([USTACK, "demo", "--pcap", "no/such/dir/x.pcap"], cwd=tmp_path,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode != 0
    err = p.stderr.decode()
    assert "no/such/dir/x.pcap: No such file or directory" in err, err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_tap_capture_wall_clock_live_and_after_kill9(netns, fmt):
    """On a TAP: records carry wall-clock time (within a day of now), tshark
    reads the growing file while ustack runs, and after kill -9 the file is
    still readable with at least what was read before."""
    require_tool("tshark")
    require_tool("ping")
    path = netns.artifact(f"live.{fmt}")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24", pcap=False,
                    extra=["--pcap", path])
    rc, out, err = netns.run(["ping", "-c", "2", "-i", "0.2", "-W", "30", US])
    assert rc == 0, out + err

    def frames_while_running():
        rc, rows, _ = tshark_fields(path, ["frame.time_epoch", "icmp.type"])
        replies = [r for r in rows if len(r) > 1 and r[1] == "0"]
        return rows if rc == 0 and replies and u.proc.poll() is None else None
    rows = wait_until(frames_while_running, 60, "tshark to read the echo replies from the "
                                                "capture of a running ustack")
    now = time.time()
    for r in rows:
        assert abs(float(r[0]) - now) < 86400, f"timestamp {r[0]} is not today's ({now})"
    u.proc.kill()  # SIGKILL: no exit path runs
    u.proc.wait()
    rc, after, err = tshark_fields(path, ["frame.time_epoch", "frame.interface_name"])
    assert rc == 0, f"tshark cannot read the capture after kill -9: {err}"
    assert len(after) >= len(rows)
    if fmt == "pcapng":
        assert {r[1] for r in after} == {"tap0"}  # the interface block names the device


def test_tap_capture_complete_after_sigterm(netns):
    """SIGTERM ends serve through its ordinary exit path, which closes the
    capture: every echo reply ustack sent is in the file."""
    require_tool("tshark")
    require_tool("ping")
    path = netns.artifact("term.pcap")
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24", pcap=False,
                    extra=["--pcap", path])
    rc, out, err = netns.run(["ping", "-c", "3", "-i", "0.2", "-W", "30", US])
    assert rc == 0, out + err
    u.proc.send_signal(signal.SIGTERM)
    assert u.proc.wait(timeout=60) == 0
    rc, rows, err = tshark_fields(path, ["icmp.type", "icmp.seq"], ["-Y", "icmp.type == 0"])
    assert rc == 0, err
    assert sorted(int(r[1]) for r in rows) == [1, 2, 3], rows
