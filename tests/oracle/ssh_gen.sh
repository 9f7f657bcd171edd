#!/usr/bin/env bash
# Expected SSH facts from tshark for each capture of ssh.list, written to
# tests/expected/ssh/<stem>.ssh (see ssh_check.py for the line format).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=$root/../shared/pcaps
mkdir -p "$root/tests/expected/ssh"
grep -v '^#' "$here/ssh.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y ssh -T fields -E separator='|' \
    -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e ssh.protocol \
    -e ssh.message_code 2>/dev/null |
  python3 -c '
import collections, sys
lines = collections.Counter()
facts = set()
for row in sys.stdin:
    sip, sp, dip, dp, banner, codes = row.rstrip("\n").split("|")
    cli = dp == "22"
    c, s = (sip, dip) if cli else (dip, sip)
    d = "c2s" if cli else "s2c"
    if banner:
        lines[("banner", c, s, d)] += 1
        facts.add(("attr", sip, "user_agent" if cli else "server",
                   banner[:48].rstrip().replace(" ", "\\x20")))
    for t in codes.split(","):
        if t:
            lines[("msg", c, s, t, d)] += 1
out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
out += [" ".join(f) for f in facts]
print("\n".join(sorted(out)))
' > "$root/tests/expected/ssh/$stem.ssh"
done
