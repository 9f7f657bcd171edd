#!/usr/bin/env python3
"""Seed fuzz corpora from the shared captures (read in place).

usage: mkcorpus.py PCAP_ROOT TARGETS_TXT OUT_DIR
Writes OUT_DIR/decode/ (whole Ethernet frames) and OUT_DIR/<target>/ (TCP or
UDP payloads to or from the target's port, see targets.txt). Classic pcap
and pcapng (Ethernet interfaces). A missing PCAP_ROOT gives empty corpora.
"""
import hashlib, os, struct, sys

MAX_PER_TARGET = 4000

def pcapng_frames(data):
    """Enhanced/simple packet blocks of Ethernet interfaces of a pcapng."""
    off, e, links = 0, '<', []
    while off + 12 <= len(data):
        btype = struct.unpack(e + 'I', data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:  # section header: byte order from its magic
            e = '<' if data[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
            links = []
        blen = struct.unpack(e + 'I', data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 2:
            links.append(struct.unpack(e + 'H', body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            ifid, _, _, cap = struct.unpack(e + 'IIII', body[:16])
            if ifid < len(links) and links[ifid] == 1:
                yield body[20:20 + cap]
        off += blen

def frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return
    if data[:4] == b'\x0a\x0d\x0d\x0a':
        yield from pcapng_frames(data)
        return
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        return
    if struct.unpack(e + 'I', data[20:24])[0] != 1:  # Ethernet only
        return
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        yield data[off:off + incl]
        off += incl

def l4_payload(fr):
    """(l4, sport, dport, payload) of an untagged IPv4 TCP/UDP frame."""
    if len(fr) < 42 or fr[12:14] != b'\x08\x00':
        return None
    ihl = (fr[14] & 15) * 4
    proto = fr[23]
    t = 14 + ihl
    if proto not in (6, 17) or len(fr) < t + 8:
        return None
    sp, dp = struct.unpack('>HH', fr[t:t + 4])
    if proto == 6:
        if len(fr) < t + 20:
            return None
        pay = fr[t + (fr[t + 12] >> 4) * 4:]
    else:
        pay = fr[t + 8:]
    return proto, sp, dp, pay

def main():
    root, targets_txt, out = sys.argv[1], sys.argv[2], sys.argv[3]
    targets = {}
    for line in open(targets_txt):
        w = line.split()
        if len(w) == 3 and not w[0].startswith('#'):
            targets[(int(w[1]), int(w[2]))] = w[0]
    n = {'decode': 0}
    n.update({t: 0 for t in targets.values()})
    for sub in n:
        os.makedirs(os.path.join(out, sub), exist_ok=True)

    def save(sub, blob):
        if not blob or n[sub] >= MAX_PER_TARGET:
            return
        name = hashlib.sha1(blob).hexdigest()
        with open(os.path.join(out, sub, name), 'wb') as f:
            f.write(blob)
        n[sub] += 1

    for dirpath, _, files in os.walk(root):
        for fn in sorted(files):
            if not fn.endswith(('.pcap', '.pcapng')):
                continue
            for i, fr in enumerate(frames(os.path.join(dirpath, fn))):
                if i >= 300:
                    break
                save('decode', fr)
                r = l4_payload(fr)
                if r is None:
                    continue
                proto, sp, dp, pay = r
                for port in (dp, sp):
                    t = targets.get((proto, port))
                    if t:
                        save(t, pay)
                        break
    print('corpus:', n)

if __name__ == '__main__':
    main()
