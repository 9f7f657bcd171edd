#!/usr/bin/env bash
# Expected LLDP facts from tshark for each capture of lldp.list, written to
# tests/expected/lldp/<stem>.lldp (see lldp_check.py for the line format).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=$root/../shared/pcaps
mkdir -p "$root/tests/expected/lldp"
grep -v '^#' "$here/lldp.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y lldp -T fields -E separator='|' -E occurrence=f \
    -e eth.src -e lldp.port.subtype -e lldp.port.id -e lldp.port.id.mac \
    -e lldp.time_to_live -e lldp.tlv.system.name -e lldp.tlv.system.desc \
    -e lldp.tlv.system_cap -e lldp.tlv.enable_system_cap -e lldp.mgn.addr.ip4 \
    -e lldp.ieee.802_1.port_vlan.id 2>/dev/null |
  python3 -c '
import collections, sys
sys.path.insert(0, sys.argv[1])
from lldp_check import norm_val, CAPS
lines = collections.Counter()
facts = set()
for row in sys.stdin:
    mac, psub, pid, pmac, ttl, name, desc, sup, en, mgmt, pvid = row.rstrip("\n").split("|")
    lines[("pdu", mac, "shutdown" if ttl == "0" else "advertise", pvid or "0")] += 1
    if psub in ("1", "2", "5", "7") and pid:
        facts.add(("attr", mac, "port_id", norm_val(pid)))
    elif psub == "3" and pmac:
        facts.add(("attr", mac, "port_id", pmac))
    if name:
        facts.add(("attr", mac, "name", norm_val(name)))
    if desc:
        facts.add(("attr", mac, "description", norm_val(desc)))
    if mgmt:
        facts.add(("attr", mac, "mgmt_addr", mgmt))
    if en:
        e = int(en, 16) & int(sup, 16)
        caps = ",".join(n for i, n in enumerate(CAPS) if e >> i & 1)
        if caps:
            facts.add(("attr", mac, "capabilities", norm_val(caps)))
        if e & 0x14 and not e & 0x80:
            facts.add(("attr", mac, "role", "switch"))
out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
out += [" ".join(f) for f in facts]
print("\n".join(sorted(out)))
' "$here" > "$root/tests/expected/lldp/$stem.lldp"
done
