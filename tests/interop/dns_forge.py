#!/usr/bin/python3
"""A hostile (or silent) DNS server for the resolver's interop tests, run
inside the test's namespace: dns_forge.py MODE ADDR.

  swallow    read queries, answer nothing (the resolver must time out);
             each query's ID and source port are printed, one line each
  pair       hold every query until both an A and an AAAA query have come
             (whatever the name), then answer them all (A 198.51.100.9, AAAA
             2001:db8::9) and later ones at once; prints "query A" /
             "query AAAA" as each arrives and "answer A" / "answer AAAA" as
             each goes out: a resolver that asks one type only after the
             other's answer gets no answer at all
  malformed  answer each query with, in this order: a compression pointer
             loop, a forward pointer, a label of 64 bytes, a name of more
             than 255 bytes, an answer with another ID, an answer to another
             question, and finally the right answer (A 198.51.100.9)

The messages are built with scapy's DNS layer where it can express them
(wrong ID, wrong question, the right answer) and byte by byte where the
point is to break the format. Prints "ready" once bound."""
import socket
import struct
import sys

from scapy.layers.dns import DNS, DNSQR, DNSRR

GOOD = "198.51.100.9"
GOOD6 = "2001:db8::9"


def question(q):
    """The question section of query q (bytes after the header)."""
    return q[12:]


def header(qid, qd=1, an=1):
    return struct.pack("!HHHHHH", qid, 0x8180, qd, an, 0, 0)


def rr_a_at(owner):
    return owner + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(GOOD)


def hostile(q):
    qid = struct.unpack("!H", q[:2])[0]
    qs = question(q)
    qname = DNS(q).qd.qname
    ans_off = 12 + len(qs)
    # 1. the answer's owner is a pointer to itself, then a two-step loop
    loop = header(qid) + qs + rr_a_at(struct.pack("!H", 0xC000 | ans_off))
    loop2 = header(qid) + qs + rr_a_at(b"\x01a" + struct.pack("!H", 0xC000 | ans_off))
    # 2. a pointer forward, past itself
    fwd = header(qid) + qs + rr_a_at(struct.pack("!H", 0xC000 | (ans_off + 2))) + b"\x00"
    # 3. a label of 64 bytes (0x40 is a label type, not a length)
    long_label = header(qid) + qs + rr_a_at(b"\x40" + b"a" * 64 + b"\x00")
    # 4. five labels of 63 bytes: 320 bytes, over the 255 limit
    long_name = header(qid) + qs + rr_a_at((b"\x3f" + b"b" * 63) * 5 + b"\x00")
    # 5. the right question and record with another ID
    wrong_id = bytes(DNS(id=(qid + 1) & 0xFFFF, qr=1, rd=1, ra=1, qd=DNSQR(qname=qname),
                         an=DNSRR(rrname=qname, type="A", ttl=60, rdata=GOOD)))
    # 6. the right ID, another question
    wrong_q = bytes(DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=b"other.example.test."),
                        an=DNSRR(rrname=b"other.example.test.", type="A", ttl=60, rdata=GOOD)))
    good = bytes(DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=qname),
                     an=DNSRR(rrname=qname, type="A", ttl=60, rdata=GOOD)))
    return [loop, loop2, fwd, long_label, long_name, wrong_id, wrong_q, good]


def answer(q):
    """The right answer to q (A or AAAA) and its type's name."""
    d = DNS(q)
    qtype = "AAAA" if d.qd.qtype == 28 else "A"
    rdata = GOOD6 if qtype == "AAAA" else GOOD
    return qtype, bytes(DNS(id=d.id, qr=1, rd=1, ra=1, qd=d.qd,
                            an=DNSRR(rrname=d.qd.qname, type=qtype, ttl=60, rdata=rdata)))


def pair(s):
    held, seen = [], set()
    while True:
        q, peer = s.recvfrom(4096)
        qtype, _ = answer(q)
        print(f"query {qtype}", flush=True)
        held.append((q, peer))
        seen.add(qtype)
        if seen == {"A", "AAAA"}:
            for hq, hpeer in held:
                t, a = answer(hq)
                s.sendto(a, hpeer)
                print(f"answer {t}", flush=True)
            held = []


def main():
    mode, addr = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    print("ready", flush=True)
    if mode == "pair":
        pair(s)
    while True:
        q, peer = s.recvfrom(4096)
        if mode == "swallow":
            print(f"query id {struct.unpack('!H', q[:2])[0]} port {peer[1]}", flush=True)
            continue
        for m in hostile(q):
            s.sendto(m, peer)


if __name__ == "__main__":
    main()
