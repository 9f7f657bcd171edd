#!/usr/bin/env python3
"""Normalize tshark output into the oracle's expected files (stdlib only).

  tshark_norm.py conn   < `tshark -T fields ...`  (see gen-expected.sh)
  tshark_norm.py modbus < `tshark -T json ...`
  tshark_norm.py ident  < `tshark -T json ...`  (same JSON as modbus)

conn lines:   proto ip_a port_a ip_b port_b packets bytes
              endpoints ordered (ip_a, port_a) < (ip_b, port_b), so a flow is
              direction-insensitive like otwatch's; packets/bytes are both
              directions summed, bytes = frame.len (wire length).
modbus lines: client server unit func requests responses exceptions
              addr_lo addr_hi
              one count per Modbus ADU (tshark dissects every ADU of a
              segment), request = ADU sent to TCP port 502. addr_lo/hi:
              lowest and highest coil/register the requests touch
              (modbus.reference_num + bit_cnt/word_cnt - 1; FC 5, 6, 22,
              24 one address; FC 23 its write range, write_reference_num
              + write_word_cnt - 1), "-" when no request carries one.
ident lines:  ip key value
              FC 43/14 Read Device Identification responses: the
              server's objects 0 VendorName -> vendor, 1 ProductCode ->
              product_code, 2 MajorMinorRevision -> firmware, 4
              ProductName / 5 ModelName -> model (ModelName preferred
              within a response), 6 UserApplicationName -> name; values
              cut to 48 bytes and right-stripped like otwatch's facts.
"""
import ipaddress
import json
import sys

L4 = ("tcp", "udp", "icmp", "icmpv6")


def ip_key(s):
    a = ipaddress.ip_address(s)
    return (a.version, int(a))


def ep_key(ep):
    return (ip_key(ep[0]), ep[1])


def nth(field, i):
    parts = field.split(",") if field else []
    return parts[i] if i < len(parts) else ""


def conn(inp, out):
    flows = {}
    for line in inp:
        f = line.rstrip("\n").split("\t")
        if len(f) < 10:
            continue
        flen, protos, ip4s, ip4d, ip6s, ip6d, tsp, tdp, usp, udp_ = f[:10]
        toks = protos.split(":")
        # The first L4 header after the innermost tunnel: ICMP errors quote
        # an IP/UDP header after it, which must not win.
        n4 = n6 = 0
        l4 = None
        for t in toks:
            if t == "ip":
                n4 += 1
            elif t == "ipv6":
                n6 += 1
            elif t in L4:
                l4 = t
                break
        if l4 is None:
            continue  # ARP, non-IP, non-first fragments: no 5-tuple
        last_v4 = toks[: toks.index(l4)][::-1]
        fam4 = next((t for t in last_v4 if t in ("ip", "ipv6")), None) == "ip"
        if fam4:
            src, dst = nth(ip4s, n4 - 1), nth(ip4d, n4 - 1)
        else:
            src, dst = nth(ip6s, n6 - 1), nth(ip6d, n6 - 1)
        if not src or not dst:
            continue
        sp = dp = 0
        if l4 == "tcp":
            sp, dp = int(nth(tsp, 0)), int(nth(tdp, 0))
        elif l4 == "udp":
            sp, dp = int(nth(usp, 0)), int(nth(udp_, 0))
        proto = "icmp" if l4.startswith("icmp") else l4
        a, b = sorted([(src, sp), (dst, dp)], key=ep_key)
        k = (proto, a[0], a[1], b[0], b[1])
        c = flows.setdefault(k, [0, 0])
        c[0] += 1
        c[1] += int(flen)
    for k in sorted(flows, key=lambda k: (k[0], ep_key((k[1], k[2])),
                                          ep_key((k[3], k[4])))):
        out.write("%s %s %d %s %d %d %d\n" % (k + tuple(flows[k])))


def aslist(x):
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


# Address fields of a request by function code (reference, count); a
# count of None means one address.
ADDR = {1: ("modbus.reference_num", "modbus.bit_cnt"),
        2: ("modbus.reference_num", "modbus.bit_cnt"),
        15: ("modbus.reference_num", "modbus.bit_cnt"),
        3: ("modbus.reference_num", "modbus.word_cnt"),
        4: ("modbus.reference_num", "modbus.word_cnt"),
        16: ("modbus.reference_num", "modbus.word_cnt"),
        5: ("modbus.reference_num", None),
        6: ("modbus.reference_num", None),
        22: ("modbus.reference_num", None),
        24: ("modbus.reference_num", None),
        23: ("modbus.write_reference_num", "modbus.write_word_cnt")}


def adus(inp):
    """(client, server, is_req, mbtcp layer, modbus layer) per ADU."""
    for pkt in json.load(inp):
        lay = pkt["_source"]["layers"]
        ip = aslist(lay.get("ip")) or aslist(lay.get("ipv6"))
        tcp = aslist(lay.get("tcp"))
        if not ip or not tcp:
            continue
        ip, tcp = ip[-1], tcp[0]
        src = ip.get("ip.src") or ip.get("ipv6.src")
        dst = ip.get("ip.dst") or ip.get("ipv6.dst")
        is_req = tcp["tcp.dstport"] == "502"
        client, server = (src, dst) if is_req else (dst, src)
        mb, pdu = aslist(lay.get("mbtcp")), aslist(lay.get("modbus"))
        if len(mb) != len(pdu):
            sys.stderr.write("frame %s: %d MBAP vs %d PDU layers\n" % (
                lay["frame"]["frame.number"], len(mb), len(pdu)))
        for m, p in zip(mb, pdu):
            if isinstance(p, dict) and "modbus.func_code" in p:
                yield client, server, is_req, m, p


def modbus(inp, out):
    ops = {}
    for client, server, is_req, m, p in adus(inp):
        fc = int(p["modbus.func_code"])
        k = (client, server, int(m["mbtcp.unit_id"]), fc)
        c = ops.setdefault(k, [0, 0, 0, None, None])
        if is_req:
            c[0] += 1
            ref, cnt = ADDR.get(fc, (None, None))
            if ref and ref in p:
                lo = int(p[ref])
                n = int(p[cnt]) if cnt and cnt in p else 1
                hi = lo + max(n, 1) - 1
                c[3] = lo if c[3] is None else min(c[3], lo)
                c[4] = hi if c[4] is None else max(c[4], hi)
        else:
            c[1] += 1
            if "modbus.exception_code" in p:
                c[2] += 1
    for k in sorted(ops, key=lambda k: (ip_key(k[0]), ip_key(k[1]), k[2], k[3])):
        c = ops[k]
        lo = "-" if c[3] is None else str(c[3])
        hi = "-" if c[4] is None else str(c[4])
        out.write("%s %s %d %d %d %d %d %s %s\n" % (k + tuple(c[:3]) + (lo, hi)))


IDENT = {0: "vendor", 1: "product_code", 2: "firmware", 4: "model",
         5: "model", 6: "name"}


def ident(inp, out):
    facts = set()
    for client, server, is_req, m, p in adus(inp):
        if is_req or p.get("modbus.func_code") != "43" or \
                p.get("modbus.mei") != "14" or "modbus.exception_code" in p:
            continue
        objs = [o for o in (p.get("Objects") or {}).values()
                if isinstance(o, dict) and "modbus.object_str_value" in o]
        ids = {int(o["modbus.object_id"]) for o in objs}
        for o in objs:
            i = int(o["modbus.object_id"])
            if i not in IDENT or (i == 4 and 5 in ids):
                continue
            v = o["modbus.object_str_value"][:48].rstrip(" ")
            if v:
                facts.add((server, IDENT[i], v))
    for f in sorted(facts, key=lambda f: (ip_key(f[0]), f[1], f[2])):
        out.write("%s %s %s\n" % f)


if __name__ == "__main__":
    modes = {"conn": conn, "modbus": modbus, "ident": ident}
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        sys.exit("usage: tshark_norm.py conn|modbus|ident < tshark-output")
    modes[sys.argv[1]](sys.stdin, sys.stdout)
