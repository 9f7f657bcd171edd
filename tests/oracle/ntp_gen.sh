#!/usr/bin/env bash
# Make tests/expected/ntp/<stem>.ntp from tshark for every capture in
# ntp.list, in ntp.c's encoding: unit = version, func = mode, a server
# (mode 4) or passive peer (mode 2) reply counted as the response to the
# client (3) / active (1) request; mode 6/7 responses by their R bit,
# errors by the E bit / error nibble. Facts: "ntp-server" for a mode-4
# sender on port 123, and a stratum-1 server's printable reference id.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pcaps=$src/../shared/pcaps
out=$src/tests/expected/ntp
mkdir -p "$out"
grep -v '^#' "$src/tests/oracle/ntp.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y 'ntp && !icmp' -T fields \
    -E separator=/t -E aggregator='|' -E occurrence=a \
    -e eth.src -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e udp.srcport \
    -e ntp.flags.vn -e ntp.flags.mode -e ntp.stratum -e ntp.refid \
    -e ntp.ctrl.flags2.r -e ntp.ctrl.flags2.error -e ntp.priv.flags.r \
    -e ntp.priv.err 2>/dev/null |
  python3 -c '
import ipaddress, sys
def ident(ip, mac):
    """The engine names a device by its IP when unicast, else by MAC."""
    try:
        a = ipaddress.ip_address(ip)
    except ValueError:
        return mac
    if a.version == 4:
        o = a.packed
        if o[0] == 0 or o[0] >= 224 or (o[0] == 255 and o[3] == 255):
            return mac
    elif a.packed[0] == 0xff or int(a) == 0:
        return mac
    return str(a)
def ipkey(s):
    a = ipaddress.ip_address(s)
    return (a.version, int(a))
ops, attrs = {}, set()
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    (esrc, s4, d4, s6, d6, sport, vn, mode, stratum, refid, cr, ce, pr,
     pe) = f + [""] * (14 - len(f))
    src, dst = (s4, d4) if s4 else (s6, d6)
    src, dst = src.split("|")[-1], dst.split("|")[-1]
    esrc = esrc.split("|")[-1]
    a, b = sorted([src, dst], key=ipkey)
    vn, mode = int(vn), int(mode)
    func, kind = mode, 0
    if mode == 6:
        kind = 0 if cr in ("", "0", "False") else (2 if ce not in ("", "0", "False") else 1)
    elif mode == 7:
        kind = 0 if pr in ("", "0", "False") else (2 if pe not in ("", "0") else 1)
    else:
        if stratum and int(stratum) > 16:
            continue  # otwatch: malformed
        if mode in (2, 4):
            func, kind = mode - 1, 1
        if mode == 4 and sport == "123":
            attrs.add(("ntp", ident(src, esrc), "capabilities", "ntp-server"))
            if stratum == "1" and refid:
                r = bytes.fromhex(refid.replace(":", "")).rstrip(b"\0")
                if r and all(0x21 <= c <= 0x7e for c in r):
                    attrs.add(("ntp", ident(src, esrc), "description",
                               "stratum-1 ntp server, refid " + r.decode()))
    c = ops.setdefault(("ntp", a, b, vn, func), [0, 0, 0])
    if kind == 0: c[0] += 1
    else:
        c[1] += 1
        c[2] += 1 if kind == 2 else 0
print("scope ntp capabilities description")
for k in sorted(ops):
    print("op %s %s %s %d %d %d %d %d" % (k + tuple(ops[k])))
for x in sorted(attrs):
    print("attr %s %s %s %s" % x)
' > "$out/$stem.ntp"
done
