#!/usr/bin/env python3
"""Seed fuzz corpora from the shared captures (read in place).

usage: mkcorpus.py PCAP_ROOT OUT_DIR
Writes OUT_DIR/decode/ (whole Ethernet frames) and OUT_DIR/modbus/ (TCP
payloads to or from port 502). Classic pcap only; pcapng files are skipped.
"""
import hashlib, os, struct, sys

def frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
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

def tcp_payload_502(fr):
    if len(fr) < 54 or fr[12:14] != b'\x08\x00':
        return None
    ihl = (fr[14] & 15) * 4
    if fr[23] != 6:
        return None
    t = 14 + ihl
    sp, dp = struct.unpack('>HH', fr[t:t + 4])
    if 502 not in (sp, dp):
        return None
    doff = (fr[t + 12] >> 4) * 4
    pay = fr[t + doff:]
    return pay or None

def main():
    root, out = sys.argv[1], sys.argv[2]
    for sub in ('decode', 'modbus'):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    n = {'decode': 0, 'modbus': 0}
    for dirpath, _, files in os.walk(root):
        for fn in sorted(files):
            if not fn.endswith('.pcap'):
                continue
            for i, fr in enumerate(frames(os.path.join(dirpath, fn))):
                if i >= 200:
                    break
                for sub, blob in (('decode', fr), ('modbus', tcp_payload_502(fr))):
                    if not blob or n[sub] >= 4000:
                        continue
                    name = hashlib.sha1(blob).hexdigest()
                    with open(os.path.join(out, sub, name), 'wb') as f:
                        f.write(blob)
                    n[sub] += 1
    print('corpus:', n)

if __name__ == '__main__':
    main()
