#!/usr/bin/env bash
# Make tests/expected/ssdp/<stem>.ssdp from tshark for every capture in
# ssdp.list, in ssdp.c's encoding: func 1 NOTIFY (unit = NTS: 1 alive,
# 2 byebye, 3 update), func 2 M-SEARCH and its unicast responses (a status
# other than 200 = exception). Facts: SERVER, LOCATION (description),
# NT/ST "urn:...:device:<type>" (device_type <type>) of NOTIFY and
# response senders; USER-AGENT of M-SEARCH senders.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pcaps=$src/../shared/pcaps
out=$src/tests/expected/ssdp
mkdir -p "$out"
grep -v '^#' "$src/tests/oracle/ssdp.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y 'ssdp && !icmp' -T fields \
    -E separator=/t -E aggregator='|' -E occurrence=a \
    -e eth.src -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
    -e http.request.method -e http.response.code -e http.server \
    -e http.location -e http.user_agent -e http.unknown_header 2>/dev/null |
  python3 -c '
import ipaddress, sys
def ipkey(s):
    a = ipaddress.ip_address(s)
    return (a.version, int(a))
def ident(ip, mac):
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        o = a.packed
        if o[0] == 0 or o[0] >= 224 or (o[0] == 255 and o[3] == 255):
            return mac
    elif a.packed[0] == 0xff or int(a) == 0:
        return mac
    return str(a)
def val(v):
    b = v.encode()[:48]
    return b.rstrip(b" \0").decode("utf-8", "replace")
ops, attrs = {}, set()
NTS = {"ssdp:alive": 1, "ssdp:byebye": 2, "ssdp:update": 3}
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    (esrc, s4, d4, s6, d6, meth, code, server, loc, ua,
     unk) = f + [""] * (11 - len(f))
    src, dst = (s4, d4) if s4 else (s6, d6)
    a, b = sorted([src, dst], key=ipkey)
    who = ident(src, esrc)
    hdrs = {}
    for h in unk.split("|") if unk else []:
        k, _, v = h.replace("\\r\\n", "").partition(":")
        hdrs.setdefault(k.strip().upper(), v.strip())
    unit, func, kind = 0, 2, 0
    if meth == "NOTIFY":
        func, unit = 1, NTS.get(hdrs.get("NTS", "").lower(), 0)
    elif meth != "M-SEARCH":
        kind = 1 if code == "200" else 2
    c = ops.setdefault(("ssdp", a, b, unit, func), [0, 0, 0])
    if kind == 0: c[0] += 1
    else:
        c[1] += 1
        c[2] += 1 if kind == 2 else 0
    if meth == "M-SEARCH":
        if ua: attrs.add(("ssdp", who, "user_agent", val(ua)))
        continue
    if kind == 2:
        continue
    if server: attrs.add(("ssdp", who, "server", val(server)))
    if loc: attrs.add(("ssdp", who, "description", val(loc)))
    t = hdrs.get("NT") or hdrs.get("ST") or ""
    if t.startswith("urn:") and ":device:" in t:
        d = t.split(":device:", 1)[1]
        if d: attrs.add(("ssdp", who, "device_type", val(d)))
print("scope ssdp server description device_type user_agent")
for k in sorted(ops):
    print("op %s %s %s %d %d %d %d %d" % (k + tuple(ops[k])))
for x in sorted(attrs):
    print("attr %s %s %s %s" % x)
' > "$out/$stem.ssdp"
done
