#!/usr/bin/env bash
# Expected HTTP facts from tshark for each capture of http.list, written to
# tests/expected/http/<stem>.http (see http_check.py for the line format).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=$root/../shared/pcaps
mkdir -p "$root/tests/expected/http"
grep -v '^#' "$here/http.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y http -T fields -E separator='|' -E occurrence=f \
    -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e http.request.method \
    -e http.response.code -e http.host -e http.user_agent -e http.server 2>/dev/null |
  python3 -c '
import collections, sys
sys.path.insert(0, sys.argv[1])
from http_check import norm_val, METHODS, is_name
lines = collections.Counter()
facts = set()
for row in sys.stdin:
    sip, sp, dip, dp, meth, code, host, ua, srv = row.rstrip("\n").split("|")
    if meth:
        lines[("req", sip, dip, meth if meth in METHODS.values() else "other")] += 1
        h = host.split(":")[0]
        if host and is_name(h):
            facts.add(("attr", dip, "hostname", norm_val(h)))
        if ua:
            facts.add(("attr", sip, "user_agent", norm_val(ua)))
    elif code:
        lines[("rsp", dip, sip)] += 1
        if int(code) >= 400:
            lines[("exc", dip, sip)] += 1
        if srv:
            facts.add(("attr", sip, "server", norm_val(srv)))
out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
out += [" ".join(f) for f in facts]
print("\n".join(sorted(out)))
' "$here" > "$root/tests/expected/http/$stem.http"
done
