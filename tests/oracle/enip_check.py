#!/usr/bin/env python3
"""Check otwatch's EtherNet/IP + CIP view of a capture against tshark.

  enip_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)
  enip_check.py --norm TSHARK_FIELDS.tsv      (used by enip_gen.sh)

The expected file tests/expected/enip/<stem>.json (enip_gen.sh) holds,
from tshark's fields:
  cmd   encapsulation commands that carry no CIP, requests per
        (client, server, command)
  req   CIP requests per (client, server, service), embedded services of
        Multiple_Service_Packet included
  resp  CIP replies per (client, server), embedded ones included
  exc   CIP replies with a general status other than 0 (success) and 6
        (partial data) per (client, server)
  io    implicit I/O packets per connection id (UDP 2222)
  ident ListIdentity facts per responder IP
Legitimate differences, normalised here:
  - Unconnected_Send (0x52 on the Connection Manager) is routing: otwatch
    counts the embedded request only, tshark lists 0x52 then the embedded
    service; the wrapper is dropped from tshark's request list.
  - otwatch names object-specific services by (class, service) in func
    (0xCCSS); the service is its low byte.
  - SendRRData/SendUnitData are compared by the CIP they carry, not as
    commands.
  - tshark shows the identity revision as one number (major << 8 | minor).
"""
import collections
import ipaddress
import json
import os
import subprocess
import sys


def norm_ip(s):
    a = ipaddress.ip_address(s)
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return str(a)


def lst(s):
    return [v for v in s.split(",") if v != ""] if s else []


def num(s):
    return int(s, 0)


LIST_CMDS = {0x01, 0x02, 0x03, 0x04, 0x63, 0x64}   # reply = has data
NO_REPLY = {0x00, 0x66, 0x73}


def normalise(tsv):
    cmd = collections.Counter()
    cmd_resp = collections.Counter()
    req = collections.Counter()
    resp = collections.Counter()
    exc = collections.Counter()
    io = collections.Counter()
    ident = {}
    with open(tsv) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            c += [""] * (21 - len(c))
            src = norm_ip(c[0] or c[2])
            dst = norm_ip(c[1] or c[3])
            dport = num(c[5] or c[7] or "0")
            if c[15]:                       # implicit I/O
                for cid in lst(c[15]):
                    io[str(num(cid))] += 1
                continue
            cmds, lens = lst(c[8]), lst(c[9])
            for i, cm in enumerate(cmds):
                cm = num(cm)
                ln = num(lens[i]) if i < len(lens) else 0
                if cm in (0x6F, 0x70):
                    continue
                if cm in LIST_CMDS:
                    is_req = ln == 0
                elif cm in NO_REPLY:
                    is_req = True
                else:
                    is_req = dport == 44818
                if is_req:
                    cmd["%s|%s|%d" % (src, dst, cm)] += 1
                else:
                    cmd_resp["%s|%s|%d" % (dst, src, cm)] += 1
            scs, rrs, gens = lst(c[11]), lst(c[12]), lst(c[13])
            classes = lst(c[14])
            if scs and rrs and num(rrs[0]) == 0:
                svcs = [num(s) for s in scs]
                if (len(svcs) > 1 and svcs[0] == 0x52 and classes and
                        num(classes[0]) == 0x06):
                    svcs = svcs[1:]         # Unconnected_Send wrapper
                for s in svcs:
                    req["%s|%s|%d" % (src, dst, s)] += 1
            elif scs and rrs:
                key = "%s|%s" % (dst, src)
                resp[key] += len(scs)
                exc[key] += sum(1 for g in gens if num(g) not in (0, 6))
            if c[16]:
                rev = num(c[18])
                ident[src] = {
                    "vendor_id": str(num(c[16])),
                    "product_code": str(num(c[17])),
                    "firmware": "%d.%02d" % (rev >> 8, rev & 0xFF),
                    "serial": "0x%08x" % num(c[19]),
                    "model": c[20],
                }
    return {"cmd": dict(cmd), "cmd_resp": dict(cmd_resp), "req": dict(req),
            "resp": dict(resp), "exc": dict(exc), "io": dict(io),
            "ident": ident}


def otwatch_view(exe, pcap):
    out = subprocess.run([exe, "analyze", "--json", pcap], check=True,
                         capture_output=True, text=True).stdout
    cmd = collections.Counter()
    cmd_resp = collections.Counter()
    req = collections.Counter()
    resp = collections.Counter()
    exc = collections.Counter()
    io = collections.Counter()
    ident = {}
    for line in out.splitlines():
        o = json.loads(line)
        if o.get("type") == "device":
            facts = {f["key"]: f["value"] for f in o.get("facts", [])
                     if f.get("app") == "enip"}
            if "vendor_id" in facts:
                for ip in o.get("ips", []):
                    ident[norm_ip(ip)] = {k: facts.get(k, "") for k in (
                        "vendor_id", "product_code", "firmware", "serial",
                        "model")}
            continue
        if o.get("type") != "op":
            continue
        if o["app"] == "enip-io":
            io[str(o["addr_lo"])] += o["count"]
            continue
        if o["app"] != "enip":
            continue
        cs = "%s|%s" % (norm_ip(o["src_ip"]), norm_ip(o["dst_ip"]))
        func = o["func"]
        if func >= 0xFF00:
            code = func & 0xFF
            if code in (0x6F, 0x70):
                continue
            if o["count"]:
                cmd["%s|%d" % (cs, code)] += o["count"]
            if o["responses"]:
                cmd_resp["%s|%d" % (cs, code)] += o["responses"]
            continue
        if o["count"]:
            req["%s|%d" % (cs, func & 0xFF)] += o["count"]
        resp[cs] += o["responses"]
        exc[cs] += o["exceptions"]
    return {"cmd": dict(cmd), "cmd_resp": dict(cmd_resp), "req": dict(req),
            "resp": {k: v for k, v in resp.items() if v},
            "exc": {k: v for k, v in exc.items() if v}, "io": dict(io),
            "ident": ident}


def diff(name, exp, got, errs):
    for k in sorted(set(exp) | set(got)):
        if exp.get(k, 0) != got.get(k, 0):
            errs.append("%s %s: tshark %s otwatch %s" %
                        (name, k, exp.get(k, 0), got.get(k, 0)))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--norm":
        json.dump(normalise(sys.argv[2]), sys.stdout, indent=1,
                  sort_keys=True)
        print()
        return 0
    if len(sys.argv) != 4:
        sys.exit("usage: enip_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    pcap = os.path.join(pcaps, rel)
    if not os.path.isfile(pcap):
        sys.exit("FAIL: capture %s not found" % pcap)
    stem = os.path.splitext(os.path.basename(rel))[0]
    with open(os.path.join(root, "tests", "expected", "enip",
                           stem + ".json")) as f:
        exp = json.load(f)
    got = otwatch_view(exe, pcap)
    errs = []
    for k in ("cmd", "cmd_resp", "req", "resp", "exc", "io"):
        diff(k, exp[k], got[k], errs)
    for ip, facts in exp["ident"].items():
        g = got["ident"].get(ip)
        if g is None:
            errs.append("ident %s: missing (tshark %s)" % (ip, facts))
            continue
        for k, v in facts.items():
            if g.get(k) != v[:47]:
                errs.append("ident %s %s: tshark %r otwatch %r" %
                            (ip, k, v, g.get(k)))
    n = sum(exp["req"].values()) + sum(exp["cmd"].values()) + \
        sum(exp["io"].values())
    for e in errs:
        print("MISMATCH", e)
    print("%s: %d requests/commands/io packets, %d replies, %d identities, "
          "%d mismatches" % (rel, n, sum(exp["resp"].values()),
                             len(exp["ident"]), len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
