#!/usr/bin/python3
"""Which queue of a multi-queue TAP gets Linux's answer? (the finding behind
`ustack serve --queues N`, README "Several queues").

Creates a namespace with a two-queue TAP (IFF_MULTI_QUEUE), a Linux TCP
listener on 203.0.113.1:5000 and a permanent neighbour entry for a fake
203.0.113.2, then writes frames through one queue and reports on which
queue Linux's answer arrives:

- 60 SYNs, each written twice on queue 0: the SYN,ACK to the first write
  arrives on the queue the flow hash picks (tun_automq_select_queue: the
  flow is recorded for the writer's queue only after the kernel processed
  the frame, and its answer was sent during that processing), the answer
  to the second on queue 0.
- ARP requests written on queues 1, 0, 0, 1, 1, 0: every ARP frame has the
  same flow hash (no ports, no IP addresses), so each reply goes to the
  queue that wrote the PREVIOUS ARP frame.

usage: sudo bench/tun_mq_probe.py   (needs python3-scapy)"""
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI, IFF_MULTI_QUEUE = 0x2, 0x1000, 0x100
MAC, TAP = "02:00:00:00:00:02", "mqprobe0"


def open_queue():
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", TAP.encode(),
                                           IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE))
    return fd


def probe():
    from scapy.all import ARP, TCP, Ether, IP, raw  # noqa: PLC0415 - only in the namespace
    fds = [open_queue(), open_queue()]
    sh = lambda c: subprocess.run(c, shell=True, check=True)  # noqa: E731
    sh(f"ip addr add 203.0.113.1/24 dev {TAP}; ip link set {TAP} up")
    host_mac = open(f"/sys/class/net/{TAP}/address", encoding="ascii").read().strip()
    sh(f"ip neigh replace 203.0.113.2 lladdr {MAC} dev {TAP} nud permanent")
    ls = socket.socket()
    ls.bind(("203.0.113.1", 5000))
    ls.listen(512)

    def answers():
        got = []
        while select.select(fds, [], [], 0.05)[0]:
            for q, fd in enumerate(fds):
                try:
                    while True:
                        got.append((q, Ether(os.read(fd, 65536))))
                except BlockingIOError:
                    pass
        return got

    answers()  # router solicitations and the like
    first, second = [0, 0], [0, 0]
    for port in range(40000, 40060):
        syn = raw(Ether(src=MAC, dst=host_mac) / IP(src="203.0.113.2", dst="203.0.113.1") /
                  TCP(sport=port, dport=5000, flags="S", seq=1000))
        for tally in (first, second):
            os.write(fds[0], syn)
            for q, f in answers():
                if TCP in f and f[TCP].dport == port and f[TCP].flags & 0x12 == 0x12:
                    tally[q] += 1
    print(f"SYN written on queue 0, Linux's SYN,ACK: first write -> queue 0: {first[0]}, "
          f"queue 1: {first[1]}; same SYN again -> queue 0: {second[0]}, queue 1: {second[1]}")
    req = raw(Ether(src=MAC, dst="ff:ff:ff:ff:ff:ff") /
              ARP(op=1, hwsrc=MAC, psrc="203.0.113.2", pdst="203.0.113.1"))
    seen = []
    for w in (1, 0, 0, 1, 1, 0):
        os.write(fds[w], req)
        seen.append(f"{w}->{','.join(str(q) for q, f in answers() if ARP in f and f[ARP].op == 2)}")
    print("ARP request written on queue -> reply on queue: " + " ".join(seen))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        probe()
        sys.exit(0)
    ns = f"ust-mqprobe-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=True)
        sys.exit(subprocess.run(["ip", "netns", "exec", ns, sys.executable,
                                 os.path.abspath(__file__), "--inside"]).returncode)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
