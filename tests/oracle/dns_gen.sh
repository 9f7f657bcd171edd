#!/usr/bin/env bash
# Make tests/expected/dns/<stem>.dns from tshark for every capture in
# dns.list: per (app, address pair, unit, func) the queries, responses and
# error responses, with dns.c's encoding (DNS/mDNS/LLMNR: one op per
# question, unit = OPCODE, func = QTYPE, a question-less response under
# its first record's type; NBNS: one op per message, func = OPCODE, unit =
# the first QTYPE/record type), and the host names hosts announce for
# themselves: mDNS/LLMNR A/AAAA records holding the sender's address (mDNS
# without ".local"), NBNS unique <00> names registered or answered with the
# sender's address (group <00> = domain).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pcaps=$src/../shared/pcaps
out=$src/tests/expected/dns
mkdir -p "$out"
grep -v '^#' "$src/tests/oracle/dns.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  filt='(dns || mdns || llmnr || nbns) && !icmp && !icmpv6'
  tshark -r "$pcaps/$rel" -Y "$filt" -T json 2>/dev/null > "$out/.$stem.json"
  tshark -r "$pcaps/$rel" -Y "$filt" -T fields \
    -E separator=/t -E aggregator='|' -E occurrence=a \
    -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e udp.srcport -e udp.dstport \
    -e tcp.srcport -e tcp.dstport -e dns.flags.response -e dns.flags.opcode \
    -e dns.flags.rcode -e dns.qry.type -e dns.resp.type \
    -e nbns.flags.response -e nbns.flags.opcode -e nbns.flags.rcode \
    -e nbns.type 2>/dev/null |
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
APPS = {"53": "dns", "5353": "mdns", "5355": "llmnr", "137": "nbns"}
ops, attrs = {}, set()
def bump(k, qr, rcode):
    c = ops.setdefault(k, [0, 0, 0])
    if not qr: c[0] += 1
    else:
        c[1] += 1
        c[2] += 1 if rcode else 0
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    (s4, d4, s6, d6, us, ud, ts, td, qr, opc, rc, qt, rt, nqr, nop, nrc,
     nt) = f + [""] * (17 - len(f))
    src, dst = (s4, d4) if s4 else (s6, d6)
    src, dst = src.split("|")[-1], dst.split("|")[-1]  # innermost (GRE)
    a, b = sorted([src, dst], key=ipkey)
    sp, dp = (us, ud) if us else (ts, td)
    app = APPS.get(dp) or APPS.get(sp)
    if app is None:
        continue
    if app == "nbns":
        if not nop: continue
        types = nt.split("|") if nt else ["0"]
        bump((app, a, b, int(types[0]), int(nop)), nqr == "1", nrc not in ("", "0"))
        continue
    if not opc: continue
    qr, rcode = qr == "1", int(rc or 0)
    qts = qt.split("|") if qt else []
    for q in qts[:256]:
        bump((app, a, b, int(opc), int(q)), qr, rcode)
    if not qts and qr:
        bump((app, a, b, int(opc), int(rt.split("|")[0]) if rt else 0), qr, rcode)

def rrs(node):
    if isinstance(node, dict):
        if "dns.resp.type" in node or "nbns.type" in node:
            yield node
        for v in node.values():
            yield from rrs(v)
def val(v):
    return v.encode()[:48].rstrip(b" \0").decode("utf-8", "replace")
for pkt in json.load(open(sys.argv[1])):
    L = pkt["_source"]["layers"]
    eth = L.get("eth", {}).get("eth.src")
    ip = L.get("ip", {}).get("ip.src") or L.get("ipv6", {}).get("ipv6.src")
    for app in ("mdns", "llmnr"):
        d = L.get(app)
        if not d or d.get("dns.flags_tree", {}).get("dns.flags.response") != "1":
            continue
        for rr in rrs(d):
            addr = rr.get("dns.a") or rr.get("dns.aaaa")
            name = rr.get("dns.resp.name", "")
            if addr != ip or not name:
                continue
            if app == "mdns" and name.lower().endswith(".local"):
                name = name[:-6]
            h, _, dom = name.partition(".")
            attrs.add((app, ident(ip, eth), "hostname", val(h)))
            if dom: attrs.add((app, ident(ip, eth), "domain", val(dom)))
    # names a client resolves: plain DNS queries (opcode 0), the first
    # question unless it is a PTR, its rightmost 48 bytes
    d = L.get("dns")
    udp, tcp = L.get("udp", {}), L.get("tcp", {})
    dport = udp.get("udp.dstport") or tcp.get("tcp.dstport")
    if d and dport == "53" and ip:
        fl = d.get("dns.flags_tree", {})
        qs = [q for q in (d.get("Queries") or {}).values() if isinstance(q, dict)]
        if fl.get("dns.flags.response") == "0" and fl.get("dns.flags.opcode") == "0" and qs:
            q = qs[0]
            name = q.get("dns.qry.name", "")
            if q.get("dns.qry.type") != "12" and name and name != "<Root>":
                attrs.add(("dns", ident(ip, eth), "dns_query", name[-48:]))
    d = L.get("nbns")
    if d:
        fl = d.get("nbns.flags_tree", {})
        reg = fl.get("nbns.flags.opcode") in ("5", "8", "9", "15")
        if fl.get("nbns.flags.response") == "1" or reg:
            if fl.get("nbns.flags.rcode", "0") == "0":
                for rr in rrs(d):
                    if rr.get("nbns.addr") != ip or "nbns.nb_flags_tree" not in rr:
                        continue
                    nm = rr.get("nbns.name", "").split(" (")[0]
                    if not nm.endswith("<00>"):
                        continue
                    grp = rr["nbns.nb_flags_tree"].get("nbns.nb_flags.group") == "1"
                    attrs.add(("nbns", ident(ip, eth), "domain" if grp else "hostname", val(nm[:-4].rstrip())))
print("scope mdns hostname")
print("scope llmnr hostname")
print("scope nbns hostname domain")
print("scope dns dns_query")
for k in sorted(ops):
    print("op %s %s %s %d %d %d %d %d" % (k + tuple(ops[k])))
for x in sorted(attrs):
    print("attr %s %s %s %s" % x)
' "$out/.$stem.json" > "$out/$stem.dns"
  rm -f "$out/.$stem.json"
done
