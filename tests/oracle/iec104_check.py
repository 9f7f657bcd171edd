#!/usr/bin/env python3
"""IEC 60870-5-104 oracle: `otwatch analyze` against tshark.

  iec104_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)
  iec104_check.py --norm < `tshark -T json --no-duplicate-keys`  (iec104_gen.sh)

Expected file tests/expected/iec104/<capture-stem>.ops, one line per
(client, server, unit, func):
  op client server unit func requests responses exceptions addr_lo addr_hi
and one line per identity fact about the controlled station (ROLE rtu and
PROTO_ADDR = each common address in the ASDUs it sends, 0xffff excepted):
  attr ip key value
Encoding as in docs/protocols/iec104.md: func = ASDU type id, or 0x100 + the
"act" control octet of a U-format frame (STARTDT 0x107, STOPDT 0x113,
TESTFR 0x143; a "con" counts as a response of its "act"); unit = common
address (0 for U frames). An APDU sent to TCP port 2404 is a request; one
sent by the controlled station is a response, an exception when its cause
of transmission has the P/N bit or is 44..47 (unknown type, cause, common
address, object address). addr_lo/addr_hi = lowest/highest information
object address of the ASDUs ('-' if none).

Legitimate differences from tshark, removed here when normalising:
- a U frame with several functions set at once (iti-iec104-testdissect has
  STARTDT act + STOPDT act): only one may be active (104 §5.3); tshark
  shows it, otwatch counts it malformed;
- an I frame whose length cannot hold the 6-octet ASDU header (length < 10):
  tshark shows a partial, malformed ASDU; otwatch counts it malformed. S-format frames are counted by neither (otwatch does not
report acknowledgements). A capture that starts with a TCP keep-alive octet
("<ERR prefix 1 bytes>" in tshark) is handled by both.
"""
import ipaddress
import json
import os
import subprocess
import sys

PORT = 2404
FUNC_U = 0x100


def norm_ip(s):
    a = ipaddress.ip_address(s)
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return str(a)


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def collect(obj, key, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                out.extend(as_list(v))
            else:
                collect(v, key, out)
    elif isinstance(obj, list):
        for v in obj:
            collect(v, key, out)
    return out


def first(d, k):
    v = d.get(k)
    return v[0] if isinstance(v, list) else v


def norm(inp, out):
    ops, attrs = {}, set()
    for pkt in json.load(inp):
        ly = pkt["_source"]["layers"]
        ip = ly.get("ip") or ly.get("ipv6")
        tcp = ly.get("tcp")
        if ip is None or tcp is None:
            continue
        if "ip" in ly:
            src, dst = first(ip, "ip.src"), first(ip, "ip.dst")
        else:
            src, dst = first(ip, "ipv6.src"), first(ip, "ipv6.dst")
        src, dst = norm_ip(src), norm_ip(dst)
        to_srv = int(first(tcp, "tcp.dstport")) == PORT
        client, server = (src, dst) if to_srv else (dst, src)
        apcis = as_list(ly.get("iec60870_104"))
        asdus = as_list(ly.get("iec60870_asdu"))
        ai = 0
        for a in apcis:
            t = int(a.get("iec60870_104.type", "0"), 16)
            if t == 3:      # U format: utype = control octet 1 >> 2
                u = int(a["iec60870_104.utype"], 16)
                if u not in (0x01, 0x02, 0x04, 0x08, 0x10, 0x20):
                    continue    # several U functions at once: malformed
                con = u in (0x02, 0x08, 0x20)
                c1 = ((u >> 1 if con else u) << 2) | 3
                k = (client, server, 0, FUNC_U + c1)
                o = ops.setdefault(k, [0, 0, 0, None, None])
                o[1 if con else 0] += 1
                continue
            if t != 0 and t != 2:   # S format (1): not reported
                continue
            if ai >= len(asdus):
                continue
            s = asdus[ai]
            ai += 1
            if not isinstance(s, dict) or \
                    int(a.get("iec60870_104.apdulen", "0")) < 10:
                continue    # malformed: an I frame too short for an ASDU
            typ = int(first(s, "iec60870_asdu.typeid"))
            ca = int(first(s, "iec60870_asdu.addr"))
            cot = int(first(s, "iec60870_asdu.causetx"))
            neg = first(s, "iec60870_asdu.nega") == "1"
            k = (client, server, ca, typ)
            o = ops.setdefault(k, [0, 0, 0, None, None])
            if to_srv:
                o[0] += 1
            else:
                o[1] += 1
                if neg or 44 <= cot <= 47:
                    o[2] += 1
                attrs.add((server, "role", "rtu"))
            if ca != 0xffff and not to_srv:
                attrs.add((server, "proto_addr", str(ca)))
            ioas = [int(x) for x in collect(s, "iec60870_asdu.ioa", [])]
            if ioas:
                lo, hi = min(ioas), max(ioas)
                o[3] = lo if o[3] is None else min(o[3], lo)
                o[4] = hi if o[4] is None else max(o[4], hi)
    for k in sorted(ops):
        o = ops[k]
        out.write("op %s %s %d %d %d %d %d %s %s\n" % (
            k + tuple(o[:3]) + ("-" if o[3] is None else o[3],
                                "-" if o[4] is None else o[4])))
    for a in sorted(attrs):
        out.write("attr %s %s %s\n" % a)


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s" % (" ".join(cmd), p.returncode,
                                             p.stderr))
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--norm":
        norm(sys.stdin, sys.stdout)
        return 0
    if len(sys.argv) != 4:
        sys.exit("usage: iec104_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    pcap = os.path.join(pcaps, rel)
    if not os.path.isfile(pcap):
        sys.exit("FAIL: capture %s not found" % pcap)
    name = os.path.splitext(os.path.basename(rel))[0]
    exp_ops, exp_attr = {}, set()
    with open(os.path.join(root, "tests", "expected", "iec104",
                           name + ".ops")) as f:
        for line in f:
            w = line.split()
            if w and w[0] == "op":
                exp_ops[(w[1], w[2], int(w[3]), int(w[4]))] = (
                    int(w[5]), int(w[6]), int(w[7]),
                    None if w[8] == "-" else int(w[8]),
                    None if w[9] == "-" else int(w[9]))
            elif w and w[0] == "attr":
                exp_attr.add((w[1], w[2], " ".join(w[3:])))

    got_ops = {}
    for o in run([exe, "analyze", "--json", pcap]):
        if o.get("type") != "op" or o.get("app") != "iec104":
            continue
        k = (norm_ip(o["src_ip"]), norm_ip(o["dst_ip"]), int(o["unit"]),
             int(o["func"]))
        g = got_ops.setdefault(k, [0, 0, 0, None, None])
        g[0] += o["count"]
        g[1] += o.get("responses", 0)
        g[2] += o.get("exceptions", 0)
        if "addr_lo" in o:
            g[3] = o["addr_lo"] if g[3] is None else min(g[3], o["addr_lo"])
            g[4] = o["addr_hi"] if g[4] is None else max(g[4], o["addr_hi"])
    got_attr = set()
    for o in run([exe, "analyze", "--events", pcap]):
        if o.get("ev") == "attr" and o.get("app") == "iec104" and "ip" in o:
            got_attr.add((norm_ip(o["ip"]), o["key"], o["value"]))

    errs, n = [], 0
    for k in sorted(set(exp_ops) | set(got_ops)):
        e = exp_ops.get(k, (0, 0, 0, None, None))
        g = tuple(got_ops.get(k, (0, 0, 0, None, None)))
        n += e[0] + e[1]
        if e != g:
            errs.append("iec104 %s -> %s ca %d func %d: tshark req/resp/exc/"
                        "addr %s, otwatch %s" % (k + (e, g)))
    for a in sorted(exp_attr ^ got_attr):
        errs.append("attr %s %s=%s: %s" % (a + (
            "tshark only" if a in exp_attr else "otwatch only",)))
    for e in errs:
        print(e)
    if errs:
        print("FAIL: %s: %d mismatches" % (name, len(errs)))
        return 1
    print("OK: %s: %d ops (%d APDUs), %d facts match tshark"
          % (name, len(exp_ops), n, len(exp_attr)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
