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
    function code).
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
    exp_ops = {}
    for f in read_expected(os.path.join(exp_dir, name + ".modbus")):
        exp_ops[(norm_ip(f[0]), norm_ip(f[1]), int(f[2]), int(f[3]))] = \
            tuple(int(x) for x in f[4:7])

    # hand-checked corrections where tshark itself is wrong (overrides.txt)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "overrides.txt")) as f:
        for line in f:
            f = line.split("|")[0].split()
            if len(f) != 7 or line.startswith("#") or f[0] != name:
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
    got_conn, got_ops = {}, {}
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
        elif t == "op" and o.get("app") == "modbus":
            k = (norm_ip(o["src_ip"]), norm_ip(o["dst_ip"]), int(o["unit"]),
                 int(o["func"]))
            c = got_ops.setdefault(k, [0, 0, 0])
            c[0] += o["count"]
            c[1] += o.get("responses", 0)
            c[2] += o.get("exceptions", 0)

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

    for n in notes:
        print("note:", n)
    for e in errs:
        print("MISMATCH:", e)
    print("%s: %d flows, %d modbus ops expected; %d mismatches"
          % (name, len(exp_conn), len(exp_ops), len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
