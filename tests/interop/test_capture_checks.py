"""The capture check every interop test ends with (conftest.py
tshark_problems) on hand-made captures: what correct TCP does on a loaded
machine passes (a spurious retransmission of data and FIN and the D-SACK
reporting it, a frame lost on its way to ustack and resent), and protocol
errors still fail (a D-SACK for bytes that never arrived twice, a gap in
what ustack itself sent). Needs tshark, not the kernel."""
import re
import struct

import pytest

from conftest import assert_pcap_clean, require_tool, tshark_problems

US, LINUX = "203.0.113.2", "203.0.113.1"  # ustack (the capture point), Linux
SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10
U_ISS, L_ISS = 5000, 9000


def _ip(a):
    return bytes(int(x) for x in a.split("."))


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _frame(src, dst, sport, dport, seq, ack, flags, payload=b"", opts=b""):
    """Ethernet, IPv4 and TCP with correct checksums."""
    hl = 20 + len(opts)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (hl // 4) << 4, flags, 65535, 0,
                      0) + opts + payload
    pseudo = _ip(src) + _ip(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, _ip(src),
                     _ip(dst))
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    mac_u, mac_l = b"\x02\0\0\0\0\x02", b"\x02\0\0\0\0\x01"
    eth = (mac_l + mac_u if dst == LINUX else mac_u + mac_l) + b"\x08\x00"
    return eth + ip + tcp


def _sack(*blocks):
    body = b"".join(struct.pack("!II", le, re) for le, re in blocks)
    return b"\x01\x01" + struct.pack("!BB", 5, 2 + len(body)) + body


def _write(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for k, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1, 1000 * k, len(fr), len(fr)) + fr)
    return str(path)


def _u(seq, ack, flags, payload=b"", opts=b""):
    return _frame(US, LINUX, 80, 40000, seq, ack, flags, payload, opts)


def _l(seq, ack, flags, payload=b"", opts=b""):
    return _frame(LINUX, US, 40000, 80, seq, ack, flags, payload, opts)


def _handshake():
    return [_l(L_ISS, 0, SYN, opts=b"\x01\x01\x04\x02"),
            _u(U_ISS, L_ISS + 1, SYN | ACK, opts=b"\x01\x01\x04\x02"),
            _l(L_ISS + 1, U_ISS + 1, ACK)]


def _problems(tmp_path, frames):
    require_tool("tshark")
    return tshark_problems(_write(tmp_path / "c.pcap", frames))[1]


def test_spurious_fin_probe_and_its_dsack_pass(tmp_path):
    """The loss probe of ustack's last segment with its FIN, whose original
    arrived: Linux's D-SACK covers the data and the FIN (a sequence number
    of its own), as in the flaky TIME-WAIT test's captures."""
    u, l, body = U_ISS + 1, L_ISS + 1, b"x" * 100
    frames = _handshake() + [
        _u(u, l, FIN | PSH | ACK, body),
        _u(u, l, FIN | PSH | ACK, body),                       # the probe
        _l(l, u + 101, ACK),
        _l(l, u + 101, ACK, opts=_sack((u, u + 101))),         # D-SACK
    ]
    assert_pcap_clean(_write(tmp_path / "c.pcap", frames))


def test_frame_lost_on_its_way_to_ustack_passes(tmp_path):
    """Linux's second segment never reached ustack (dropped before ustack
    read it) and is resent after the third: loss repaired, not a fault."""
    u, l, seg = U_ISS + 1, L_ISS + 1, b"y" * 100
    frames = _handshake() + [
        _l(l, u, ACK, seg),
        _u(u, l + 100, ACK),
        _l(l + 200, u, ACK, seg),                              # after the lost one
        _u(u, l + 100, ACK, opts=_sack((l + 200, l + 300))),
        _l(l + 100, u, ACK, seg),                              # resent
        _u(u, l + 300, ACK),
    ]
    assert_pcap_clean(_write(tmp_path / "c.pcap", frames))


def test_dsack_without_a_duplicate_fails(tmp_path):
    u, l, body = U_ISS + 1, L_ISS + 1, b"x" * 100
    frames = _handshake() + [
        _u(u, l, PSH | ACK, body),
        _l(l, u + 100, ACK, opts=_sack((u, u + 100))),         # sent once only
    ]
    problems = _problems(tmp_path, frames)
    assert len(problems) == 1 and "SLE=" in problems[0], problems


def test_gap_in_what_ustack_sent_fails(tmp_path):
    """ustack captures everything it sends: a hole in its own stream is a
    fault (the segment after it is flagged)."""
    u, l, seg = U_ISS + 1, L_ISS + 1, b"z" * 100
    frames = _handshake() + [
        _u(u, l, ACK, seg),
        _u(u + 200, l, ACK, seg),                              # skips 100 bytes
        _l(l, u + 100, ACK, opts=_sack((u + 200, u + 300))),
        _u(u + 100, l, ACK, seg),
    ]
    problems = _problems(tmp_path, frames)
    assert len(problems) == 1 and "Previous segment not captured" in problems[0], problems
    assert f"Seq={u + 200 - U_ISS} " in problems[0], problems


def test_failure_message_gives_tsharks_reasons(tmp_path):
    """A failed check says why, in tshark's words (its expert infos and the
    field values it found wrong), not only which frames: a gap in ustack's
    stream and a segment whose checksum was damaged."""
    u, l, seg = U_ISS + 1, L_ISS + 1, b"z" * 100
    damaged = bytearray(_u(u + 100, l, ACK, seg))
    damaged[14 + 20 + 16] ^= 0xFF  # the TCP checksum's first byte
    frames = _handshake() + [
        _u(u, l, ACK, seg),
        _u(u + 200, l, ACK, seg),                              # skips 100 bytes
        _l(l, u + 100, ACK, opts=_sack((u + 200, u + 300))),
        bytes(damaged),
    ]
    with pytest.raises(AssertionError) as failed:
        assert_pcap_clean(_write(tmp_path / "c.pcap", frames))
    msg = str(failed.value)
    want = struct.unpack("!H", bytes(damaged[50:52]))[0] ^ 0xFF00
    assert re.search(r"^ +5 .*\n +tshark: \[Expert Info \(Warning/Sequence\): Previous "
                     r"segment\(s\) not captured", msg, re.M), msg
    assert f"tshark: Checksum: 0x{want ^ 0xFF00:04x} incorrect, should be 0x{want:04x}" in msg, msg
    assert f"tshark: [Expert Info (Error/Checksum): Bad checksum [should be 0x{want:04x}]]" \
        in msg, msg


def test_unreadable_capture_gives_tsharks_stderr(tmp_path):
    """A capture cut short in the middle of a frame (a writer killed
    mid-write): the failure carries tshark's own complaint."""
    u, l = U_ISS + 1, L_ISS + 1
    path = _write(tmp_path / "c.pcap", _handshake() + [_u(u, l, ACK, b"q" * 100)])
    with open(path, "r+b") as f:
        f.truncate(f.seek(0, 2) - 30)
    with pytest.raises(AssertionError) as failed:
        assert_pcap_clean(path)
    assert f"tshark cannot read {path} (exit 2): " in str(failed.value), failed.value
    assert "appears to have been cut short in the middle of a packet" in str(failed.value)
