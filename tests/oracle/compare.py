#!/usr/bin/env python3
"""Check `otwatch analyze --json` against tshark-made expected files.

  compare.py OTWATCH SOURCE_ROOT CAPTURE      (CAPTURE relative to pcaps/)

Reads <SOURCE_ROOT>/../shared/pcaps/CAPTURE in place and
<SOURCE_ROOT>/tests/expected/<name>.{conn,modbus} (tests/oracle/
gen-expected.sh). Fails on any difference in:
  - the set of TCP/UDP/ICMP flows (5-tuple, direction-insensitive; ICMP
    flows are keyed by the address pair only),
  - packets and wire bytes per flow (both directions summed; otwatch lines
    with the same key, e.g. a reopened connection, are summed),
  - Modbus requests and exception responses per (client, server, unit,
    function code); otwatch's FC 8 sub-function (0x0800 | sub) and FC 43
    MEI type (0x2b00 | mei) ops fold back into FC 8 and 43, and its UMAS
    ops (app umas) into FC 90,
  - the coil/register range the requests touch per (client, server, unit,
    function code): lowest and highest address (tshark reference_num and
    bit_cnt/word_cnt, FC 23 its write range),
  - the FC 43/14 Read Device Identification facts (<name>.ident, from
    `otwatch analyze --events` attr lines): vendor, product_code,
    firmware, model, name per server IP.
tests/oracle/overrides.txt corrects tshark where it is provably wrong.
Response counts are printed as notes only: otwatch counts responses it
paired with a request, tshark counts every response ADU, so they differ
legitimately when a capture starts or ends mid-transaction.
"""
import ipaddress
import json
import os
import subprocess
import sys


# identity facts FC 43/14 teaches (tshark_norm.py ident)
IDENT_KEYS = ("vendor", "product_code", "firmware", "model", "name")


def ip_key(s):
    a = ipaddress.ip_address(s)
    return (a.version, int(a))


def norm_ip(s):
    a = ipaddress.ip_address(s)
    if a.version == 6 and a.ipv4_mapped:    # otwatch stores v4 mapped
        a = a.ipv4_mapped
    return str(a)


def flow_key(proto, sip, sp, dip, dp):
    if proto.startswith("icmp"):
        proto, sp, dp = "icmp", 0, 0
    a, b = sorted([(norm_ip(sip), int(sp)), (norm_ip(dip), int(dp))],
                  key=lambda e: (ip_key(e[0]), e[1]))
    return (proto, a[0], a[1], b[0], b[1])


def fmt_flow(k):
    return "%s %s:%d <-> %s:%d" % k


def read_expected(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: compare.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    pcap = os.path.join(pcaps, rel)
    if not os.path.isdir(pcaps):
        # A machine without the shared captures at all: say so and skip
        # (deploy/test.sh prints the skip count); a missing file fails.
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    if not os.path.isfile(pcap):
        sys.exit("FAIL: capture %s not found (shared/pcaps must sit next to "
                 "the source tree)" % pcap)
    name = os.path.splitext(os.path.basename(rel))[0]
    exp_dir = os.path.join(root, "tests", "expected")

    exp_conn = {}
    for f in read_expected(os.path.join(exp_dir, name + ".conn")):
        exp_conn[flow_key(f[0], f[1], f[2], f[3], f[4])] = (int(f[5]),
                                                           int(f[6]))
    exp_ops, exp_addr = {}, {}
    for f in read_expected(os.path.join(exp_dir, name + ".modbus")):
        k = (norm_ip(f[0]), norm_ip(f[1]), int(f[2]), int(f[3]))
        exp_ops[k] = tuple(int(x) for x in f[4:7])
        if len(f) >= 9 and f[7] != "-":
            exp_addr[k] = (int(f[7]), int(f[8]))
    exp_ident = None
    ident_path = os.path.join(exp_dir, name + ".ident")
    if os.path.isfile(ident_path):
        exp_ident = set()
        with open(ident_path) as fh:
            for line in fh:
                f = line.rstrip("\n").split(" ", 2)
                if len(f) == 3:
                    exp_ident.add((norm_ip(f[0]), f[1], f[2]))

    # hand-checked corrections where tshark itself is wrong (overrides.txt);
    # "NAME skip-ops | reason": compare the flows only
    skip_ops = False
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "overrides.txt")) as f:
        for line in f:
            f = line.split("|")[0].split()
            if line.startswith("#") or not f or f[0] != name:
                continue
            if f[1:] == ["skip-ops"]:
                skip_ops = True
                continue
            if len(f) != 7:
                continue
            k = (norm_ip(f[1]), norm_ip(f[2]), int(f[3]), int(f[4]))
            resp = exp_ops.get(k, (0, 0, 0))[1]
            exp_ops[k] = (int(f[5]), resp, int(f[6]))

    cmd = [exe, "analyze", "--json", pcap]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s" % (" ".join(cmd), p.returncode,
                                             p.stderr))
    got_conn, got_ops, got_addr = {}, {}, {}
    for n, line in enumerate(p.stdout.splitlines(), 1):
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except ValueError as e:
            sys.exit("FAIL: otwatch output line %d is not JSON (%s): %s"
                     % (n, e, line))
        t = o.get("type")
        if t == "conn" and o["proto"] in ("tcp", "udp", "icmp", "icmpv6"):
            k = flow_key(o["proto"], o["src_ip"], o.get("src_port", 0),
                         o["dst_ip"], o.get("dst_port", 0))
            c = got_conn.setdefault(k, [0, 0])
            c[0] += o["packets"]
            c[1] += o["bytes"]
        elif t == "op" and o.get("app") in ("modbus", "umas"):
            func = int(o["func"])
            if o["app"] == "umas":
                func = 90
            elif func > 0xff:  # 0x0800 | sub-function, 0x2b00 | MEI type
                func >>= 8
            k = (norm_ip(o["src_ip"]), norm_ip(o["dst_ip"]), int(o["unit"]),
                 func)
            c = got_ops.setdefault(k, [0, 0, 0])
            c[0] += o["count"]
            c[1] += o.get("responses", 0)
            c[2] += o.get("exceptions", 0)
            if "addr_lo" in o:
                a = got_addr.get(k)
                got_addr[k] = (o["addr_lo"], o["addr_hi"]) if a is None else \
                    (min(a[0], o["addr_lo"]), max(a[1], o["addr_hi"]))

    if skip_ops:
        print("note: %s: Modbus ops not compared (overrides.txt)" % name)
        exp_ops, got_ops, exp_addr, got_addr = {}, {}, {}, {}
    errs, notes = [], []
    for k in sorted(set(exp_conn) | set(got_conn)):
        e, g = exp_conn.get(k), got_conn.get(k)
        if e is None:
            errs.append("extra flow    %s: otwatch %d pkts %d bytes"
                        % (fmt_flow(k), g[0], g[1]))
        elif g is None:
            errs.append("missing flow  %s: tshark %d pkts %d bytes"
                        % (fmt_flow(k), e[0], e[1]))
        elif tuple(g) != e:
            errs.append("flow counts   %s: tshark %d pkts %d bytes, otwatch "
                        "%d pkts %d bytes" % (fmt_flow(k), e[0], e[1], g[0],
                                              g[1]))
    for k in sorted(set(exp_ops) | set(got_ops)):
        e = exp_ops.get(k, (0, 0, 0))
        g = tuple(got_ops.get(k, (0, 0, 0)))
        what = "modbus %s -> %s unit %d fc %d" % k
        if (e[0], e[2]) != (g[0], g[2]):
            errs.append("%s: expected %d req %d exc, otwatch %d req %d exc"
                        % (what, e[0], e[2], g[0], g[2]))
        if e[1] != g[1]:
            notes.append("%s: responses tshark %d, otwatch %d (paired)"
                         % (what, e[1], g[1]))

    for k in sorted(set(exp_addr) | set(got_addr)):
        e, g = exp_addr.get(k), got_addr.get(k)
        if e != g:
            errs.append("modbus %s -> %s unit %d fc %d: addresses tshark %s, "
                        "otwatch %s" % (k + (e, g)))
    n_ident = 0
    if exp_ident is not None:
        got_ident = set()
        cmd = [exe, "analyze", "--events", pcap]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        if p.returncode != 0:
            sys.exit("FAIL: %s exited %d\n%s" % (" ".join(cmd), p.returncode,
                                                 p.stderr))
        for line in p.stdout.splitlines():
            if not line.startswith("{"):
                continue
            o = json.loads(line)
            if o.get("ev") == "attr" and o.get("app") == "modbus" and \
                    o.get("key") in IDENT_KEYS and "ip" in o:
                got_ident.add((norm_ip(o["ip"]), o["key"], o["value"]))
        n_ident = len(exp_ident)
        for f in sorted(exp_ident - got_ident):
            errs.append("identity missing %s %s %r" % f)
        for f in sorted(got_ident - exp_ident):
            errs.append("identity extra   %s %s %r" % f)

    for n in notes:
        print("note:", n)
    for e in errs:
        print("MISMATCH:", e)
    print("%s: %d flows, %d modbus ops, %d address ranges, %d identity "
          "facts expected; %d mismatches"
          % (name, len(exp_conn), len(exp_ops), len(exp_addr), n_ident,
             len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
