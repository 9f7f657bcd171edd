#!/usr/bin/env bash
# Expected STP and CDP facts from tshark for each capture of llc.list,
# written to tests/expected/llc/<stem>.llc (see llc_check.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=$root/../shared/pcaps
mkdir -p "$root/tests/expected/llc"
grep -v '^#' "$here/llc.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y 'stp or cdp' -T fields -E separator='|' -E occurrence=f \
    -e eth.src -e stp.type -e stp.version -e cdp.deviceid -e cdp.portid \
    -e cdp.platform -e cdp.nrgyz.ip_address -e cdp.native_vlan 2>/dev/null |
  python3 -c '
import collections, sys
sys.path.insert(0, sys.argv[1])
from llc_check import norm_val
lines = collections.Counter()
facts = set()
for row in sys.stdin:
    mac, stype, sver, dev, port, plat, ip, vlan = row.rstrip("\n").split("|")
    if stype:
        lines[("bpdu", mac, str(int(stype, 16)), sver)] += 1
        facts.add(("attr", mac, "stp", "role", "switch"))
        facts.add(("attr", mac, "stp", "capabilities", "bridge"))
        continue
    lines[("cdp", mac, vlan or "0")] += 1
    for k, v in (("name", dev), ("port_id", port), ("platform", plat), ("model", plat)):
        if v:
            facts.add(("attr", mac, "cdp", k, norm_val(v)))
    if ip and ip != "0.0.0.0":
        facts.add(("attr", mac, "cdp", "mgmt_addr", ip))
out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
out += [" ".join(f) for f in facts]
print("\n".join(sorted(out)))
' "$here" > "$root/tests/expected/llc/$stem.llc"
done
