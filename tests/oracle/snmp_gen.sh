#!/usr/bin/env bash
# Make tests/expected/snmp/<stem>.snmp from tshark's JSON for every capture
# in snmp.list: requests per (address pair, version, PDU type) and, since
# otwatch files a Response-PDU under the request it answers (request-id)
# and tshark does not pair, all responses/reports and error responses per
# (address pair, version) under func 99 (snmp_check.py folds otwatch's
# the same way). Encrypted v3 PDUs: func 15, a request when the
# reportable flag is set. Identity facts of the agent: sysDescr, sysName,
# sysObjectID from error-free responses; "snmp-cleartext-community" for
# v1/v2c (the responder or trap sender, else the one asked).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pcaps=$src/../shared/pcaps
out=$src/tests/expected/snmp
mkdir -p "$out"
grep -v '^#' "$src/tests/oracle/snmp.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y 'snmp && !icmp' -T json 2>/dev/null |
  python3 -c '
import ipaddress, json, sys
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
def find(node, key):
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for v in node.values():
            r = find(v, key)
            if r is not None:
                return r
    return None
def varbinds(node):
    if isinstance(node, dict):
        if "snmp.name" in node:
            yield node
        for v in node.values():
            yield from varbinds(v)
def val(v):
    b = v.encode()[:48]
    b = bytes(c if 0x20 <= c < 0x7f or c >= 0x80 else ord("?") for c in b)
    return b.rstrip(b" ?\0").decode("utf-8", "replace")
ops, attrs = {}, set()
for pkt in json.load(sys.stdin):
    L = pkt["_source"]["layers"]
    s = L["snmp"]
    ip = L.get("ip") or L.get("ipv6")
    src = ip.get("ip.src") or ip.get("ipv6.src")
    dst = ip.get("ip.dst") or ip.get("ipv6.dst")
    esrc, edst = L["eth"]["eth.src"], L["eth"]["eth.dst"]
    a, b = sorted([src, dst], key=ipkey)
    if "snmp.msgVersion" in s:
        ver = int(s["snmp.msgVersion"])
        flags = int(find(s, "snmp.msgFlags") or "0", 16)
        if find(s, "snmp.encryptedPDU") is not None:
            k = ("snmp", a, b, ver, 15 if flags & 4 else 99)
            c = ops.setdefault(k, [0, 0, 0])
            c[0 if flags & 4 else 1] += 1
            continue
    else:
        ver = int(s["snmp.version"])
    func = int(find(s, "snmp.data"))
    err = int(find(s, "snmp.error_status") or 0)
    resp = func in (2, 8)
    c = ops.setdefault(("snmp", a, b, ver, 99 if resp else func), [0, 0, 0])
    if resp:
        c[1] += 1
        c[2] += 1 if err else 0
    else:
        c[0] += 1
    if ver in (0, 1):
        agent = ident(src, esrc) if func in (2, 4, 6, 7, 8) else ident(dst, edst)
        attrs.add(("snmp", agent, "capabilities", "snmp-cleartext-community"))
    if func == 2 and err == 0:
        for vb in varbinds(s):
            n = vb["snmp.name"]
            if n == "1.3.6.1.2.1.1.1.0" and "snmp.value.octets" in vb:
                t = bytes.fromhex(vb["snmp.value.octets"].replace(":", ""))
                attrs.add(("snmp", ident(src, esrc), "description", val(t.decode("utf-8", "replace"))))
            elif n == "1.3.6.1.2.1.1.5.0" and "snmp.value.octets" in vb:
                t = bytes.fromhex(vb["snmp.value.octets"].replace(":", ""))
                attrs.add(("snmp", ident(src, esrc), "name", val(t.decode("utf-8", "replace"))))
            elif n == "1.3.6.1.2.1.1.2.0" and "snmp.value.oid" in vb:
                attrs.add(("snmp", ident(src, esrc), "product_code", val(vb["snmp.value.oid"])))
print("scope snmp description name product_code capabilities")
for k in sorted(ops):
    print("op %s %s %s %d %d %d %d %d" % (k + tuple(ops[k])))
for x in sorted(attrs):
    print("attr %s %s %s %s" % x)
' > "$out/$stem.snmp"
done
