#!/usr/bin/env python3
"""Device discovery on every shared capture against tshark's senders.

tests/expected/inventory/<dir>__<stem>.hosts (made by inventory_gen.sh from
tshark) lists the private unicast addresses that send in each capture. The
inventory of `otwatch analyze --json` must hold each of them on some device
(recall) and no private address that never sent (precision); public
addresses are internet endpoints, not devices, on both sides. Prints the
figures per capture where they differ and in total; fails below the floors
(the known differences are explained in docs/inventory.md).
usage: inventory_check.py OTWATCH SOURCE_ROOT
"""
import ipaddress, json, os, subprocess, sys, concurrent.futures

RECALL_FLOOR, PRECISION_FLOOR = 0.98, 0.98

def private(ip):
    try:
        a = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return a.is_private or (a.version == 4 and a in ipaddress.ip_network("100.64.0.0/10"))

def main():
    otw, src = sys.argv[1], sys.argv[2]
    pcaps = os.path.join(src, "..", "shared", "pcaps")
    exp = os.path.join(src, "tests", "expected", "inventory")
    if not os.path.isdir(pcaps):
        print("no shared captures"); sys.exit(77)
    rows = [l.split("\t")[0] for l in open(os.path.join(pcaps, "MANIFEST.tsv"))][1:]

    def one(rel):
        stem = os.path.splitext(rel)[0].replace("/", "__", 1).replace("/", "_")
        truth = set(open(os.path.join(exp, stem + ".hosts")).read().split())
        out = subprocess.run([otw, "analyze", "--json", os.path.join(pcaps, rel)],
                             capture_output=True, text=True, check=True).stdout
        got = set()
        for l in out.splitlines():
            o = json.loads(l)
            if o.get("type") == "device":
                got |= {ip for ip in o.get("ips", []) if private(ip)}
        return rel, truth, got

    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        res = list(ex.map(one, rows))
    t = g = tp = 0
    for rel, truth, got in res:
        t += len(truth); g += len(got); tp += len(truth & got)
        if truth != got:
            print("%-60s missed %-40s extra %s" % (rel, " ".join(sorted(truth - got)[:5]),
                                                  " ".join(sorted(got - truth)[:5])))
    r, p = tp / max(t, 1), tp / max(g, 1)
    print("inventory over %d captures: recall %.4f (%d/%d) precision %.4f (%d/%d)" %
          (len(res), r, tp, t, p, tp, g))
    sys.exit(0 if r >= RECALL_FLOOR and p >= PRECISION_FLOOR else 1)

main()
