"""The TAP transmit queue keeps frame order (issue #9): io_uring promises no
order between independent submission entries, so a write the kernel could
not do inline (and finished later in a worker) would let the frames after
it overtake it, and the peer's TCP would see out-of-order data. ustack
sends a 12 MiB file over HTTP with one TCP segment per frame (--offload
csum), through the io_uring queue and, for comparison, with one write()
per frame, and through the queue again with 5 % of the data dropped on
arrival (nftables, as bench/loss.sh does: retransmissions and recovery
bursts interleave with new data); the order the stack handed the frames to its device (its own
capture, ahead of the queue) must be the order the Linux side of the TAP
received them (an AF_PACKET socket). Frames are told apart by their IPv4
identification, which is new for every packet (a retransmission too), so
a frame lost on either side (the packet socket misses some on a busy
machine) only shortens the list and no timing can make the check fail:
only a frame overtaken by a later one."""
import os
import re
import subprocess

import pytest

from conftest import _tshark_env, require_tool, stop_process

US = "203.0.113.2"
LINUX = "203.0.113.1"
SNIFF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ipid_sniff.py")
FILE_BYTES = 12 * 1024 * 1024  # about 8700 segments: identifications do not wrap


def sent_ids(pcap):
    """IPv4 identifications of ustack's TCP segments with data, in the order
    the stack transmitted them."""
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", f"ip.src=={US} && tcp.len>0",
                          "-T", "fields", "-e", "ip.id"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=300, env=_tshark_env())
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return [int(x, 0) for x in out.stdout.decode().split()]


def overtaken(sent, received):
    """Received frames that arrived after a frame the stack sent later."""
    pos = {ident: i for i, ident in enumerate(sent)}
    assert len(pos) == len(sent), "identifications repeat: the check would be ambiguous"
    late, last = [], -1
    for ident in received:
        i = pos[ident]  # KeyError: a frame the stack never sent
        if i < last:
            late.append(ident)
        last = max(last, i)
    return late


# Linux drops 5 % of what arrives on the TAP (data, not the ACKs it sends).
LOSS_RULES = ("add table inet l; add chain inet l in { type filter hook input priority 0; }; "
              "add rule inet l in iifname tap0 numgen random mod 1000 < 50 drop")


@pytest.mark.parametrize("tap_tx,loss", [("uring", False), ("write", False), ("uring", True)])
def test_linux_receives_frames_in_the_order_ustack_sent_them(netns, tmp_path, tap_tx, loss):
    require_tool("curl")
    require_tool("tshark")
    if loss:
        require_tool("nft")
    root = tmp_path / "www"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom(FILE_BYTES))
    u = netns.serve("tap0", f"{US}/24", host_addr=f"{LINUX}/24",
                    extra=["--http", "80", "--root", str(root), "--offload", "csum",
                           "--tap-tx", tap_tx])
    if loss:
        netns.run(["nft", LOSS_RULES], check=True)
    got = tmp_path / "got.txt"
    sniff = subprocess.Popen(netns.cmd(["/usr/bin/python3", SNIFF, "tap0", US, str(got)]),
                             stdout=subprocess.PIPE)
    netns.procs_term.append(sniff)
    assert sniff.stdout.readline().strip() == b"ready"
    rc, so, se = netns.run(["curl", "-sS", "--fail", "-o", str(tmp_path / "got.bin"),
                            f"http://{US}/big.bin"], timeout=180)
    assert rc == 0, so + se
    assert os.path.getsize(tmp_path / "got.bin") == FILE_BYTES
    sniff.terminate()
    assert sniff.wait(timeout=60) == 0
    assert u.stop() == 0, u.stderr_text()
    counters = u.stdout
    m = re.search(r"^\s+tx_uring\s+(\d+)$", counters, re.M)
    ring = int(m.group(1)) if m else 0
    assert (ring > 4000) if tap_tx == "uring" else (ring == 0), counters
    sent = sent_ids(u.pcap)
    received = [int(x) for x in got.read_text().split()]
    # ustack's own capture has every frame; the packet socket may miss some on
    # a busy machine (its queue overflows), which only shortens the list:
    # half the file's segments still make the comparison mean something
    assert len(sent) >= FILE_BYTES // 1460, len(sent)
    assert len(received) >= FILE_BYTES // 1460 // 2, len(received)
    late = overtaken(sent, received)
    assert not late, f"{len(late)} of {len(received)} frames arrived after later ones: {late[:10]}"
