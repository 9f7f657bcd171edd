#!/usr/bin/env bash
# Make tests/expected/dhcp/<stem>.dhcp from tshark for every capture in
# dhcp.list: DHCPv4/v6 messages per (address pair, message type) and the
# identity facts dhcp.c derives (see docs/protocols/dhcp.md for the rules
# mirrored here: client facts only when the frame's MAC is chaddr, the
# fingerprint cut at whole numbers below 48 characters, ...).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pcaps=$src/../shared/pcaps
out=$src/tests/expected/dhcp
mkdir -p "$out"
grep -v '^#' "$src/tests/oracle/dhcp.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y '(dhcp || dhcpv6) && !icmp && !icmpv6' -T fields \
    -E separator=/t -E aggregator='|' -E occurrence=a \
    -e eth.src -e eth.dst -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
    -e udp.srcport -e dhcp.type -e dhcp.option.dhcp -e dhcp.hw.mac_addr \
    -e dhcp.ip.relay -e dhcp.option.hostname -e dhcp.option.vendor_class_id \
    -e dhcp.option.request_list_item -e dhcp.option.dhcp_server_id \
    -e dhcp.option.domain_name -e dhcpv6.msgtype -e dhcpv6.status_code \
    -e dhcpv6.vendorclass.data -e dhcpv6.requested_option_code \
    -e dhcpv6.client_domain 2>/dev/null |
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
def val(v):
    b = v.encode()[:48]
    return b.rstrip(b" \0").decode("utf-8", "replace")
def fp(items):
    s = ""
    for v in items:
        if len(s) + 7 > 48:
            break
        s += ("," if s else "") + v
    return s
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    (esrc, edst, s4, d4, s6, d6, sport, op, mt, chaddr, relay, host, vc, prl,
     sid, dom, mt6, st6, vc6, oro, fq6) = f + [""] * (21 - len(f))
    src, dst = (s4, d4) if s4 else (s6, d6)
    src, dst = src.split("|")[-1], dst.split("|")[-1]  # innermost (GRE)
    a, b = sorted([src, dst], key=ipkey)
    if mt6:
        t = int(mt6.split("|")[0]); app = "dhcpv6"
        client = t not in (2, 7, 10)
        exc = not client and st6 and st6.split("|")[0] != "0"
        if client and vc6:
            attrs.add((app, ident(src, esrc), "dhcp_vendor_class", val(vc6.split("|")[0])))
        if client and fq6:
            h, _, d = fq6.split("|")[0].rstrip(".").partition(".")
            if h: attrs.add((app, ident(src, esrc), "hostname", val(h)))
            if d: attrs.add((app, ident(src, esrc), "domain", val(d)))
        if client and oro:
            attrs.add((app, ident(src, esrc), "dhcp_fingerprint", fp(oro.split("|"))))
        if not client and sport == "547" and t != 13:
            attrs.add((app, ident(src, esrc), "capabilities", "dhcpv6-server"))
    else:
        app = "dhcp"; t = int(mt) if mt else 0
        client = op == "1"
        exc = not client and t == 6
        if client and chaddr == esrc:
            if host: attrs.add((app, ident(src, esrc), "hostname", val(host)))
            if vc: attrs.add((app, ident(src, esrc), "dhcp_vendor_class", val(vc)))
            if prl: attrs.add((app, ident(src, esrc), "dhcp_fingerprint", fp(prl.split("|"))))
        if not client and chaddr == edst and relay in ("", "0.0.0.0") and dom:
            attrs.add((app, ident(dst, edst), "domain", val(dom)))
        if not client and sid and sid == src:
            attrs.add((app, ident(src, esrc), "capabilities", "dhcp-server"))
    c = ops.setdefault((app, a, b, 0, t), [0, 0, 0])
    if client: c[0] += 1
    else:
        c[1] += 1
        c[2] += 1 if exc else 0
print("scope dhcp hostname dhcp_vendor_class dhcp_fingerprint domain capabilities")
print("scope dhcpv6 hostname domain dhcp_vendor_class dhcp_fingerprint capabilities")
for k in sorted(ops):
    print("op %s %s %s %d %d %d %d %d" % (k + tuple(ops[k])))
for x in sorted(attrs):
    print("attr %s %s %s %s" % x)
' > "$out/$stem.dhcp"
done
