"""Records, in the order the Linux side of a TAP receives them, the IPv4
identification of every TCP segment with payload from one address.

    ipid_sniff.py DEV SRC OUT

Prints "ready" once its AF_PACKET socket is bound (frames from then on are
seen), runs until SIGTERM, then writes one identification a line to OUT."""
import signal
import socket
import struct
import sys

ETH_P_IP = 0x0800


def main():
    dev, src, out = sys.argv[1], socket.inet_aton(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE: hold every frame
    s.bind((dev, ETH_P_IP))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s.settimeout(0.2)
    print("ready", flush=True)
    ids = []
    while not stop:
        try:
            f, addr = s.recvfrom(65536)
        except (socket.timeout, InterruptedError):
            continue
        if addr[2] == socket.PACKET_OUTGOING or len(f) < 34 or f[23] != 6 or f[26:30] != src:
            continue
        ihl = (f[14] & 0x0F) * 4
        total = struct.unpack("!H", f[16:18])[0]
        doff = (f[14 + ihl + 12] >> 4) * 4
        if total > ihl + doff:  # data, not a bare ACK
            ids.append(struct.unpack("!H", f[18:20])[0])
    with open(out, "w") as fh:
        fh.write("".join(f"{i}\n" for i in ids))


main()
