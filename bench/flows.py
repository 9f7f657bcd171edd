#!/usr/bin/env python3
"""Write a pcap of N distinct TCP flows (one SYN each): the flow-table
memory and churn benchmark. usage: flows.py OUT.pcap [N]"""
import struct, sys

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
eth = bytes.fromhex("00800000000100000c0000020800")
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        src, dst = (10 << 24) | (i >> 8), (172 << 24) | (16 << 16) | (i & 0xff)
        ip = struct.pack("!BBHHHBBHII", 0x45, 0, 40, 0, 0, 64, 6, 0, src, dst)
        tcp = struct.pack("!HHIIBBHHH", 1024 + i % 60000, 502, 1, 0, 0x50, 0x02, 8192, 0, 0)
        pkt = eth + ip + tcp
        f.write(struct.pack("<IIII", 1700000000 + i // 100000, (i % 100000) * 10, len(pkt), len(pkt)))
        f.write(pkt)
