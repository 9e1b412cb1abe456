#!/usr/bin/python3
"""Crafted frames for the IP/ICMP hardening interop tests, sent from the Linux
side of the TAP inside the test's namespace (ip netns exec NS /usr/bin/python3
forge.py COMMAND ...). Frames are written straight to the TAP with an
AF_PACKET socket that bypasses the device's queueing discipline, so they
overtake anything a test holds back there. Each command prints one result
line; every wait has a deadline."""
import socket
import sys

from scapy.all import ICMP, IP, TCP, Ether, IPOption_LSRR, IPOption_SSRR, raw, sniff  # noqa: E402

SOL_PACKET = 263           # linux/socket.h
PACKET_QDISC_BYPASS = 20  # linux/if_packet.h


def l2_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
    s.bind((iface, 0))
    return s


def send_frames(iface, frames):
    s = l2_socket(iface)
    for f in frames:
        s.send(raw(f))
    s.close()


def cmd_srping(iface, src, dst, dst_mac, hop):
    """Echo requests carrying a completed LSRR, a completed SSRR and an
    unfinished LSRR that name `hop` (ICMP ids 0x5301..0x5303)."""
    eth = Ether(dst=dst_mac)
    opts = [IPOption_LSRR(routers=[hop], pointer=8), IPOption_SSRR(routers=[hop], pointer=8),
            IPOption_LSRR(routers=[hop], pointer=4)]
    frames = [eth / IP(src=src, dst=dst, options=[o]) / ICMP(id=0x5301 + i, seq=1) / b"srr"
              for i, o in enumerate(opts)]
    send_frames(iface, frames)
    print(len(frames))


def cmd_ipip(iface, src, dst, dst_mac, *inner_dsts):
    """IP-in-IP (protocol 4) datagrams src -> dst whose inner datagram is an
    echo request from src to each of inner_dsts."""
    frames = [Ether(dst=dst_mac) / IP(src=src, dst=dst, proto=4) /
              IP(src=src, dst=inner) / ICMP(id=0x4401, seq=i) / b"tunnelled"
              for i, inner in enumerate(inner_dsts)]
    send_frames(iface, frames)
    print(len(frames))


def cmd_fragneeded(iface, server, sport, dst_mac, mtu, quoted_len, count):
    """For each of the next `count` data segments the server sends from
    `sport`, a Destination Unreachable / fragmentation needed with next-hop
    MTU `mtu` quoting it (its IP header, total length replaced by quoted_len
    unless that is 0, and its first 8 TCP octets), sent at once. Prints the
    number of messages sent."""
    mtu, quoted_len, count, sport = int(mtu), int(quoted_len), int(count), int(sport)
    s = l2_socket(iface)
    seen = sniff(iface=iface, count=count, timeout=10,
                 lfilter=lambda p: (IP in p and TCP in p and p[IP].src == server and
                                    p[TCP].sport == sport and len(p[TCP].payload) > 0),
                 prn=lambda p: s.send(raw(forged(p, dst_mac, mtu, quoted_len))))
    s.close()
    print(len(seen))


def forged(p, dst_mac, mtu, quoted_len):
    quote = bytearray(raw(p[IP])[:p[IP].ihl * 4 + 8])
    if quoted_len:
        quote[2:4] = quoted_len.to_bytes(2, "big")
    return (Ether(dst=dst_mac) / IP(src=p[IP].dst, dst=p[IP].src) /
            ICMP(type=3, code=4, nexthopmtu=mtu) / bytes(quote))


if __name__ == "__main__":
    commands = {"srping": cmd_srping, "ipip": cmd_ipip, "fragneeded": cmd_fragneeded}
    commands[sys.argv[1]](*sys.argv[2:])
