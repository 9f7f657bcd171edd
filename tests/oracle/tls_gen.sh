#!/usr/bin/env bash
# Expected TLS facts from tshark for each capture of tls.list, written to
# tests/expected/tls/<stem>.tls (see tls_check.py for the line format).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=$root/../shared/pcaps
mkdir -p "$root/tests/expected/tls"
grep -v '^#' "$here/tls.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y 'tls.handshake.type or tls.record.content_type' \
    -T fields -E separator='|' \
    -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tls.record.content_type \
    -e tls.handshake.type -e tls.handshake.ja3 -e tls.handshake.ja3s \
    -e tls.handshake.extensions_server_name 2>/dev/null |
  python3 -c '
import collections, sys
lines = collections.Counter()
facts = set()
for row in sys.stdin:
    sip, sp, dip, dp, ctypes, htypes, ja3, ja3s, sni = row.rstrip("\n").split("|")
    # the client is the side that sent the ClientHello; else the higher port
    cli = int(sp) > int(dp)
    if "1" in htypes.split(","):
        cli = True
    if "2" in htypes.split(","):
        cli = False
    c, s = (sip, dip) if cli else (dip, sip)
    d = "c2s" if cli else "s2c"
    for t in htypes.split(","):
        if t:
            lines[("hs", c, s, t, d)] += 1
    for t in ctypes.split(","):
        if t in ("20", "21"):
            lines[("rec", c, s, t, d)] += 1
    if ja3:
        facts.add(("attr", sip, "description", "ja3:" + ja3))
    if ja3s:
        facts.add(("attr", sip, "description", "ja3s:" + ja3s))
    if sni:
        facts.add(("attr", dip, "hostname", sni[:48]))
out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
out += [" ".join(f) for f in facts]
print("\n".join(sorted(out)))
' > "$root/tests/expected/tls/$stem.tls"
done
