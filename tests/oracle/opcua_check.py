#!/usr/bin/env python3
"""Check otwatch's OPC UA binary view of a capture against tshark.

  opcua_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)
  opcua_check.py --norm TSHARK_FIELDS.tsv PORT (used by opcua_gen.sh)

The expected file tests/expected/opcua/<stem>.json (opcua_gen.sh) holds,
from tshark's fields:
  req    requests per (client, server, func): the service request's
         NodeId; 446/452 for OPN/CLO whatever their body; 0xFF01 for HEL;
         0xFF02 for a MSG whose body tshark cannot read (encrypted)
  resp   replies per (client, server): ACK, ERR, OPN replies, service
         responses and ServiceFaults, encrypted replies
  exc    ERR, ServiceFault and responses whose ServiceResult is Bad
  server the server's endpoint URL (HEL), ApplicationUri, ProductUri and
         texts seen in its replies: otwatch's proto_addr, description,
         product_code and name facts must be among them (cut to 47 chars)
Both sides key a message's direction by the server's port (4840, or the
one the capture's gen line names; otwatch finds those by its probe).
"""
import collections
import ipaddress
import json
import os
import subprocess
import sys

# request encodings otwatch names (opcua.c ua_svcs); responses are id + 3
REQUESTS = {422, 428, 437, 446, 452, 461, 467, 473, 479, 488, 494, 500, 506,
            527, 533, 554, 560, 566, 615, 621, 631, 664, 673, 700, 712, 751,
            763, 769, 775, 781, 787, 793, 799, 826, 832, 841, 847}
FAULT = 397
HELLO = 0xFF01
ENCRYPTED = 0xFF02


def norm_ip(s):
    a = ipaddress.ip_address(s)
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return str(a)


def lst(s):
    return [v for v in s.split(";") if v != ""] if s else []


def normalise(tsv, port):
    req = collections.Counter()
    resp = collections.Counter()
    exc = collections.Counter()
    server = collections.defaultdict(lambda: collections.defaultdict(set))
    with open(tsv) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            c += [""] * (13 - len(c))
            src = norm_ip(c[0] or c[2])
            dst = norm_ip(c[1] or c[3])
            to_server = int(c[5]) == port
            cli, srv = (src, dst) if to_server else (dst, src)
            cs = "%s|%s" % (cli, srv)
            ids = [int(v) for v in lst(c[7])]
            results = [int(v, 0) for v in lst(c[8])]
            for t in lst(c[6]):
                if t == "HEL":
                    req["%s|%d" % (cs, HELLO)] += 1
                    for u in lst(c[9]):
                        server[srv]["proto_addr"].add(u)
                    continue
                if t == "ACK":
                    resp[cs] += 1
                    continue
                if t == "ERR":
                    resp[cs] += 1
                    exc[cs] += 1
                    continue
                nid = ids.pop(0) if ids else None
                if t == "OPN":
                    if to_server:
                        req["%s|%d" % (cs, 446)] += 1
                    else:
                        resp[cs] += 1
                        if nid is not None and results and \
                                results.pop(0) & 0x80000000:
                            exc[cs] += 1
                    continue
                if t == "CLO":
                    req["%s|%d" % (cs, 452)] += 1
                    continue
                if nid is None:
                    if to_server:
                        req["%s|%d" % (cs, ENCRYPTED)] += 1
                    else:
                        resp[cs] += 1
                    continue
                if nid in REQUESTS:
                    req["%s|%d" % (cs, nid)] += 1
                elif nid == FAULT or (nid - 3) in REQUESTS:
                    resp[cs] += 1
                    bad = results.pop(0) & 0x80000000 if results else 0
                    if nid == FAULT or bad:
                        exc[cs] += 1
                elif to_server:
                    req["%s|%d" % (cs, nid)] += 1
                else:
                    resp[cs] += 1
            if not to_server:
                for k, col in (("description", 10), ("product_code", 11),
                               ("name", 12)):
                    for v in lst(c[col]):
                        server[src][k].add(v[:47])
    return {"req": dict(req), "resp": dict(resp), "exc": dict(exc),
            "server": {ip: {k: sorted(v) for k, v in d.items()}
                       for ip, d in server.items()}}


def otwatch_view(exe, pcap):
    out = subprocess.run([exe, "analyze", "--json", pcap], check=True,
                         capture_output=True, text=True).stdout
    req = collections.Counter()
    resp = collections.Counter()
    exc = collections.Counter()
    facts = {}
    for line in out.splitlines():
        o = json.loads(line)
        if o.get("type") != "op" or o["app"] != "opcua":
            continue
        cs = "%s|%s" % (norm_ip(o["src_ip"]), norm_ip(o["dst_ip"]))
        if o["count"]:
            req["%s|%d" % (cs, o["func"])] += o["count"]
        resp[cs] += o["responses"]
        exc[cs] += o["exceptions"]
    # facts from the attr events: loopback captures have no MAC, so no
    # inventory device to hang them on
    ev = subprocess.run([exe, "analyze", "--events", pcap], check=True,
                        capture_output=True, text=True).stdout
    for line in ev.splitlines():
        if not line.startswith("{"):
            continue
        o = json.loads(line)
        if o.get("ev") == "attr" and o.get("app") == "opcua" and "ip" in o:
            facts.setdefault(norm_ip(o["ip"]), collections.defaultdict(
                set))[o["key"]].add(o["value"])
    return {"req": dict(req), "resp": {k: v for k, v in resp.items() if v},
            "exc": {k: v for k, v in exc.items() if v}, "facts": facts}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--norm":
        json.dump(normalise(sys.argv[2], int(sys.argv[3])), sys.stdout,
                  indent=1, sort_keys=True)
        print()
        return 0
    if len(sys.argv) != 4:
        sys.exit("usage: opcua_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    pcap = os.path.join(pcaps, rel)
    if not os.path.isfile(pcap):
        sys.exit("FAIL: capture %s not found" % pcap)
    stem = os.path.splitext(os.path.basename(rel))[0]
    with open(os.path.join(root, "tests", "expected", "opcua",
                           stem + ".json")) as f:
        exp = json.load(f)
    got = otwatch_view(exe, pcap)
    errs = []
    for k in ("req", "resp", "exc"):
        for key in sorted(set(exp[k]) | set(got[k])):
            if exp[k].get(key, 0) != got[k].get(key, 0):
                errs.append("%s %s: tshark %s otwatch %s" % (
                    k, key, exp[k].get(key, 0), got[k].get(key, 0)))
    nfacts = 0
    for ip, want in exp["server"].items():
        have = got["facts"].get(ip, {})
        for k, vals in want.items():
            for v in have.get(k, ()):
                nfacts += 1
                if v[:47] not in [w[:47] for w in vals]:
                    errs.append("fact %s %s: otwatch %r not in tshark %r" %
                                (ip, k, v, vals))
        for k in ("description", "proto_addr"):
            if want.get(k) and not have.get(k):
                errs.append("fact %s %s: missing (tshark %r)" %
                            (ip, k, want[k]))
    for e in errs:
        print("MISMATCH", e)
    print("%s: %d requests, %d replies, %d facts, %d mismatches" % (
        rel, sum(exp["req"].values()), sum(exp["resp"].values()), nfacts,
        len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
